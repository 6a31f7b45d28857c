# errata: Moving Data Around: the 192.0.2/24 network
# breaks: parses IPv4 with inet_aton, which takes 192.0.2 as 192.0.0.2
# caught-by: the text's 192.0.2/24 is refused
s/inet_pton(AF_INET, addr, b->addr + 12) == 1/inet_aton(addr, (struct in_addr *)(b->addr + 12)) != 0/
