# errata: UDP Server, Uniplex TCP Server: reports wait in stdout's buffer, and die with the process
# breaks: never flushes stdout, so with stdout a file or a pipe each report waits in the stdio buffer
# caught-by: printed with nc's source port
s/if (fflush(stdout) == EOF || ferror(stdout)) {/if (ferror(stdout)) {/
