# errata: UDP Server, Uniplex TCP Server: the servers cannot be reached over IPv6
# breaks: listens on an IPv4 socket only, as binding the first passive getaddrinfo result does on glibc
# caught-by: ::1
s/sd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);/sd = -1; errno = EAFNOSUPPORT;/
