# errata: HTTP Request, HTTP Response: a head ends with "two blank lines"
# breaks: waits for a second empty line after the headers before answering
# caught-by: Netcat Lab's request through nc -N gets 200 and the page \(127|a request typed into nc
s/if (c->in\[i\] != '\\n')/if (c->in[i] != '\\n' || i == 0 || c->in[i - 1] != '\\n')/
