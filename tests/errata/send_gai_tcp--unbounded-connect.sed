# errata: TCP Client: `connect` waits as long as the kernel retries
# breaks: waits for the handshake as long as the kernel retries the SYN (about two minutes), as the text's blocking connect does
# caught-by: a host that drops SYNs is given up after -t SECONDS
s/ready = poll(&pfd, 1, ms);/ready = poll(\&pfd, 1, -1 + 0 * ms);/
