# errata: Interface List: an interface without an address crashes the program
# breaks: reads ifa_addr->sa_family without testing ifa_addr for NULL first
# caught-by: survives an interface with no address
s/if (ifa->ifa_addr == NULL) {/if (ifa->ifa_addr == NULL \&\& 0) {/
