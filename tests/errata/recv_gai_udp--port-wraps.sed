# errata: UDP Client, TCP Client, every server: the port argument is never checked
# breaks: takes any number up to 99999 as a port, so 65536 and up wrap around (70000 is port 4464)
# caught-by: not a decimal number in 0..65535 is a usage error
s/if (errno != 0 || \*end != '\\0' || value > 65535)/if (errno != 0 || *end != '\\0' || value > 99999)/
