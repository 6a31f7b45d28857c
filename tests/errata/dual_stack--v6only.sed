# errata: Dual Stack: "translations" carry IPv4 over IPv6
# breaks: always sets IPV6_V6ONLY, so the IPv6 socket takes no IPv4-mapped clients
# caught-by: from 127.0.0.1 that it came IPv4-mapped
s/setsockopt(lfd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only)/setsockopt(lfd, IPPROTO_IPV6, IPV6_V6ONLY, \&one, sizeof one)/
