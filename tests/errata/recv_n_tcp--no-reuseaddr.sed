# errata: Uniplex TCP Server, Multiplex TCP Server: no server sets SO_REUSEADDR
# breaks: does not set SO_REUSEADDR (sets SO_KEEPALIVE in its place)
# caught-by: restarts at once on a port whose last connection is in TIME_WAIT
s/setsockopt(sd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on)/setsockopt(sd, SOL_SOCKET, SO_KEEPALIVE, \&on, sizeof on)/
