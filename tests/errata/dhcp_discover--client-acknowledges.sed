# errata: DHCP: the server assigns an address and the host acknowledges it
# breaks: answers the offer with an acknowledgement of its own instead of a DHCPREQUEST
# caught-by: requests the offer and prints the ACK
s/build(msg, REQUEST, xid, mac, &offer);/build(msg, ACK, xid, mac, \&offer);/
