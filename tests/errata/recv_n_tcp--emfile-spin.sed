# errata: Multiplex TCP Server: zombies, SIGCHLD and the child's sockets
# breaks: answers accept's EMFILE by polling again, with the connection still queued (a busy loop)
# caught-by: accept failing with EMFILE in the parent
/(error == EMFILE || error == ENFILE) &&$/{n;s/^\(\t*\) *\(.*\) == 0)$/\1    (1 || \2 == 0))/;}
