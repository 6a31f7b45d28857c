# errata: Synchronous Communications: "synchronous" is said of long-lived connections, and to be the TCP style
# breaks: closes the connection at stdin's EOF instead of half-closing it
# caught-by: stdin's EOF is a half-close
/^relay(/,/^}/s/if (shutdown(sfd, SHUT_WR) == -1)/if (close(sfd) == -1)/
