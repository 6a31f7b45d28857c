# errata: Multiplex TCP Server: zombies, SIGCHLD and the child's sockets
# breaks: answers accept's EMFILE by polling again, with the connection still queued (a busy loop)
# caught-by: flood past the descriptor limit
s/if ((error == EMFILE || error == ENFILE) && shed_connection(lfd, spare, error) == 0)/if ((error == EMFILE || error == ENFILE) \&\& (1 || shed_connection(lfd, spare, error) == 0))/
