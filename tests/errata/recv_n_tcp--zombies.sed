# errata: Multiplex TCP Server: zombies, SIGCHLD and the child's sockets
# breaks: catches SIGCHLD but never calls waitpid, so every child that ends stays a zombie
# caught-by: leave no zombie
s/while (waitpid(-1, NULL, WNOHANG) > 0)/while (0 \&\& waitpid(-1, NULL, WNOHANG) > 0)/
