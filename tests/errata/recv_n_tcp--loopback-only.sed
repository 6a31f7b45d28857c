# errata: Multiplex TCP Server: the fork server listens on loopback only
# breaks: binds the IPv6 loopback address, as getaddrinfo(NULL, port) without AI_PASSIVE gives first
# caught-by: listens on the wildcard address|127\.0\.0\.1
s/\.sin6_addr = IN6ADDR_ANY_INIT,/.sin6_addr = IN6ADDR_LOOPBACK_INIT,/
