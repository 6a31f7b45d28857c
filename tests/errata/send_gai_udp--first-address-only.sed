# errata: UDP Client, TCP Client: only the first address is tried, and one `send` may be short
# breaks: tries only the first address getaddrinfo gives
# caught-by: when the first address fails, the next one gets the datagram
s/for (const struct addrinfo \*ai = list; ai != NULL; ai = ai->ai_next) {/for (const struct addrinfo *ai = list; ai != NULL; ai = NULL) {/
