# errata: Multiplex TCP Server: zombies, SIGCHLD and the child's sockets
# breaks: the child keeps the listening socket open
# caught-by: only the parent holds the listening socket
/^become_child(/,/^}/s/^\tclose(lfd);/\t(void)lfd;/
