# errata: Uniplex TCP Server: `accept`'s result is used unchecked
# breaks: uses accept's result without testing it for -1
# caught-by: accept failing for want of a descriptor
s/^\t\tif (cfd == -1) {$/\t\tif (cfd == -1 \&\& 0) {/
