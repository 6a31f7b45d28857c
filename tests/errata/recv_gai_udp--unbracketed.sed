# errata: UDP Server, Uniplex TCP Server: `addr:port` for an IPv6 peer
# breaks: prints an IPv6 peer as addr:port, without the brackets
# caught-by: printed with nc's source port
s/snprintf(out, outlen, "\[%s\]:%s", host, serv);/snprintf(out, outlen, "%s:%s", host, serv);/
