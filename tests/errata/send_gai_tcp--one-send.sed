# errata: UDP Client, TCP Client: only the first address is tried, and one `send` may be short
# breaks: calls send once and takes whatever it moved as the whole message
# caught-by: a send cut short by the kernel is finished
/^send_all(/,/^}/s/len -= (size_t)n;/len = 0;/
