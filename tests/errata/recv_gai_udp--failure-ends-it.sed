# errata: UDP Server: any failure to receive ends the server
# breaks: an interrupted wait (EINTR) or a datagram gone before recvfrom (EAGAIN) ends the server
# caught-by: SIGUSR1 during recvfrom
/if (wait_readable(sd, &waitmask) == -1) {/{n;s/if (errno == EINTR)/if (0)/;}
s/if (errno == EAGAIN || errno == EINTR)/if (0)/
