# errata: select and poll: `select`'s first argument, and its real limit
# breaks: puts a descriptor at or above FD_SETSIZE into an fd_set (writes past its end)
# caught-by: >= FD_SETSIZE is refused cleanly
s/if (cfd >= FD_SETSIZE) {/if (cfd >= FD_SETSIZE \&\& 0) {/
