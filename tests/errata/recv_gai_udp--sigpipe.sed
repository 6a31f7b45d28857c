# errata: TCP Client, every TCP server: SIGPIPE kills the program without a word
# breaks: leaves SIGPIPE at its default, so a write to a closed stdout pipe kills it silently
# caught-by: stdout a closed pipe is exit 74
s/sigaction(SIGPIPE, &ignore, NULL) == -1/sigaction(SIGURG, \&ignore, NULL) == -1/
