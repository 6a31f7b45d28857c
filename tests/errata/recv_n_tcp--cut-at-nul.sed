# errata: Multiplex TCP Server: output from several children, and "the global refcount of the descriptor"
# breaks: a report's data stops at its first NUL byte, as printf("%s") does
# caught-by: every byte value and 1 MiB
/^report(/,/^}/s/memcpy(buf + used, data, len);/len = strnlen(data, len);\n\t\t&/
