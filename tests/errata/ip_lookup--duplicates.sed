# errata: IP List: a failed lookup is a usage error, the output is not one address per line, duplicates are printed
# breaks: prints every address getaddrinfo returns, an address listed twice twice
# caught-by: listed twice for a name once
s/while (q != p && !same_address(q->ai_addr, p->ai_addr))/while (q != p \&\& (!same_address(q->ai_addr, p->ai_addr) || 1))/
