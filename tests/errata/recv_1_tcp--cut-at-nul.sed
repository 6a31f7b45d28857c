# errata: Uniplex TCP Server: the stream is printed as a C string
# breaks: prints each piece of the stream as a C string (stops at its first NUL byte)
# caught-by: every byte value arrives intact|1 MiB of binary data
s/if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n || fflush(stdout) == EOF)/if (printf("%.*s", (int)n, buf) < 0 || fflush(stdout) == EOF)/
