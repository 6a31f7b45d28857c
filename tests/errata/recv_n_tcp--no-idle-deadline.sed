# errata: Multiplex TCP Server: one child per connection, for as long as the client likes
# breaks: a child waits for its client's next bytes without a deadline
# caught-by: a silent client is dropped after -t SECONDS
s/= poll(&pfd, 1, idle_seconds \* 1000);/= poll(\&pfd, 1, -1 + 0 * idle_seconds);/
