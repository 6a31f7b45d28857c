# errata: nc: after an HTTP/1.1 answer the connection ends
# breaks: closes the connection after every answer, as the text's nc session suggests
# caught-by: one connection serves several requests
s/c->close_after = minor == 0;/c->close_after = 1;/
