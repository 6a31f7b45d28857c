# errata: SO_REUSEADDR, TIME_WAIT: four minutes, and what the option does
# breaks: does not set SO_REUSEADDR (sets SO_KEEPALIVE in its place)
# caught-by: restarts at once on a port whose last connection is in TIME_WAIT
s/setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one)/setsockopt(lfd, SOL_SOCKET, SO_KEEPALIVE, \&one, sizeof one)/
