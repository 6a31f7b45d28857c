/*
 * A numeric ADDR:PORT: "[" 45 characters of IPv6, "%" and a scope of up to
 * IF_NAMESIZE, "]:" and five digits.  A longer one (it cannot happen) is cut.
 */
#define PEER_MAX 80
