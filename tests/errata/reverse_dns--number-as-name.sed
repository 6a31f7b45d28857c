# errata: Reverse DNS Lookup: an address without a name is printed as if it were its name
# breaks: calls getnameinfo without NI_NAMEREQD, so an address with no PTR name comes back as its number
# caught-by: address with no name is 68
s/NULL, 0, NI_NAMEREQD);/NULL, 0, 0);/
