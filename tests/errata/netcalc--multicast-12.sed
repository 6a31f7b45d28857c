# errata: Moving Data Around: IPv6 multicast is ff00::/12
# breaks: takes ff00::/12 for the multicast block
# caught-by: IPv6 multicast is ff00::/8
s|{ "ff00::/8", "multicast" }|{ "ff00::/12", "multicast" }|
