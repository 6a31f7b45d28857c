# errata: UDP Server: datagrams are cut at the first NUL and silently truncated
# breaks: receives without MSG_TRUNC, so a longer datagram is cut to the buffer without a word
# caught-by: reported truncated
s/recvfrom(sd, buf, sizeof buf, MSG_TRUNC,/recvfrom(sd, buf, sizeof buf, 0,/
