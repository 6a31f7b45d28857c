# errata: Interface List: netmasks are not shown, a failure of getifaddrs is not "unavailable"
# breaks: prints each address without its prefix length
# caught-by: with its prefix length
s|printf("%s/%d\\n", text, prefix_length(mask, masklen));|{ printf("%s\\n", text); (void)prefix_length; (void)masklen; }|
