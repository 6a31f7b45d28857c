#!/usr/bin/env python3
"""pcap_gen.py OUT [--nano] [--swapped] [--raw] - write a classic pcap file of crafted packets.

Every header of Appendix A, built byte by byte here (no capture needed), with
the checksums computed as RFC 1071 says, plus deliberately broken ones:

   1 ARP request          2 ARP reply
   3 IPv4/UDP DNS query (example.org A)      4 IPv4/UDP DNS response (compressed name, A record)
   5 IPv4/TCP SYN with MSS, SACK-permitted, timestamps, NOP, window scale
   6 IPv4/TCP ACK with a SACK block          7 IPv4 with 4 bytes of options (router alert)/UDP
   8 802.1Q VLAN 100 / IPv4 / ICMP echo request
   9 IPv6 hop-by-hop / UDP                  10 ICMPv6 neighbour solicitation (source LL option)
  11 ICMPv6 neighbour advertisement (target LL option)      12 ICMPv6 router solicitation
  13 ICMPv6 router advertisement (prefix and MTU options)   14 ICMPv6 echo reply
  15 IPv4/UDP with a wrong UDP checksum     16 IPv4 with a wrong header checksum
  17 IPv4/TCP captured short: 10 bytes of its TCP header   18 IPv4 with IHL 4 (malformed)
  19 IPv4/UDP, checksum 0 (none)            20 Ethernet frame of 10 bytes

--raw writes link type 101 (raw IP) with the IP packets only.
"""
import struct
import sys

MAC_A = bytes.fromhex("020000000001")
MAC_B = bytes.fromhex("020000000002")
BCAST = b"\xff" * 6
IP_A = bytes([10, 0, 0, 1])
IP_B = bytes([10, 0, 0, 2])
IP6_A = bytes.fromhex("fe800000000000000000000000000001")
IP6_B = bytes.fromhex("fe800000000000000000000000000002")
SOLICITED_B = bytes.fromhex("ff0200000000000000000001ff000002")
ALL_NODES = bytes.fromhex("ff020000000000000000000000000001")
ALL_ROUTERS = bytes.fromhex("ff020000000000000000000000000002")


def csum(data, start=0):
    if len(data) % 2:
        data += b"\0"
    s = start + sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def pseudo4(src, dst, proto, length):
    return sum(struct.unpack("!4H", src + dst)) + proto + length


def pseudo6(src, dst, proto, length):
    return sum(struct.unpack("!16H", src + dst)) + proto + (length >> 16) + (length & 0xFFFF)


def ether(dst, src, etype, payload):
    return dst + src + struct.pack("!H", etype) + payload


def ipv4(proto, payload, src=IP_A, dst=IP_B, ttl=64, ident=4660, options=b"", bad_sum=False, df=True, ihl=None):
    hl = 20 + len(options)
    ihl = hl // 4 if ihl is None else ihl
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, hl + len(payload), ident, 0x4000 if df else 0,
                      ttl, proto, 0, src, dst) + options
    s = csum(hdr) ^ (0x1111 if bad_sum else 0)
    return hdr[:10] + struct.pack("!H", s) + hdr[12:] + payload


def ipv6(nxt, payload, src=IP6_A, dst=IP6_B, hlim=64, flow=0x12345):
    return struct.pack("!IHBB", 0x60000000 | flow, len(payload), nxt, hlim) + src + dst + payload


def udp(sport, dport, data, src, dst, fam=4, bad_sum=False, zero_sum=False):
    length = 8 + len(data)
    seg = struct.pack("!HHHH", sport, dport, length, 0) + data
    p = pseudo4(src, dst, 17, length) if fam == 4 else pseudo6(src, dst, 17, length)
    s = 0 if zero_sum else (csum(seg, p) or 0xFFFF) ^ (0x00FF if bad_sum else 0)
    return seg[:6] + struct.pack("!H", s) + seg[8:]


def tcp(sport, dport, seq, ack, flags, win, options, src, dst, data=b""):
    off = (20 + len(options)) // 4
    seg = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, off << 4, flags, win, 0, 0) + options + data
    s = csum(seg, pseudo4(src, dst, 6, len(seg)))
    return seg[:16] + struct.pack("!H", s) + seg[18:]


def icmp6(typ, code, body, src, dst):
    msg = struct.pack("!BBH", typ, code, 0) + body
    s = csum(msg, pseudo6(src, dst, 58, len(msg)))
    return msg[:2] + struct.pack("!H", s) + msg[4:]


def arp(op, sha, spa, tha, tpa):
    return struct.pack("!HHBBH", 1, 0x0800, 6, 4, op) + sha + spa + tha + tpa


def dns_query():
    return struct.pack("!HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) + b"\x07example\x03org\x00" + struct.pack("!HH", 1, 1)


def dns_response():
    q = b"\x07example\x03org\x00" + struct.pack("!HH", 1, 1)
    a = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 300, 4) + bytes([192, 0, 2, 7])
    return struct.pack("!HHHHHH", 0x1234, 0x8180, 1, 1, 0, 0) + q + a


def packets():
    out = []
    out.append(ether(BCAST, MAC_A, 0x0806, arp(1, MAC_A, IP_A, b"\0" * 6, IP_B) + b"\0" * 18))
    out.append(ether(MAC_A, MAC_B, 0x0806, arp(2, MAC_B, IP_B, MAC_A, IP_A) + b"\0" * 18))
    out.append(ether(MAC_B, MAC_A, 0x0800, ipv4(17, udp(40000, 53, dns_query(), IP_A, IP_B))))
    out.append(ether(MAC_A, MAC_B, 0x0800, ipv4(17, udp(53, 40000, dns_response(), IP_B, IP_A), src=IP_B, dst=IP_A)))
    opts = struct.pack("!BBH", 2, 4, 1460) + b"\x04\x02" + struct.pack("!BBII", 8, 10, 1000, 0) + b"\x01" + b"\x03\x03\x07"
    out.append(ether(MAC_B, MAC_A, 0x0800, ipv4(6, tcp(40001, 80, 1000000, 0, 0x02, 64240, opts, IP_A, IP_B))))
    sack = b"\x01\x01" + struct.pack("!BBII", 5, 10, 2000, 3000)
    out.append(ether(MAC_B, MAC_A, 0x0800, ipv4(6, tcp(40001, 80, 1000001, 5000001, 0x10, 502, sack, IP_A, IP_B))))
    out.append(ether(MAC_B, MAC_A, 0x0800, ipv4(17, udp(40002, 9, b"opt", IP_A, IP_B), options=b"\x94\x04\x00\x00")))
    echo = struct.pack("!BBHHH", 8, 0, 0, 77, 1) + b"ping"
    echo = echo[:2] + struct.pack("!H", csum(echo)) + echo[4:]
    out.append(ether(MAC_B, MAC_A, 0x8100, struct.pack("!HH", 100, 0x0800) + ipv4(1, echo)))
    hbh = struct.pack("!BB", 17, 0) + b"\x01\x04\x00\x00\x00\x00"
    out.append(ether(MAC_B, MAC_A, 0x86DD, ipv6(0, hbh + udp(40003, 9, b"ext", IP6_A, IP6_B, fam=6))))
    ns = b"\0" * 4 + IP6_B + b"\x01\x01" + MAC_A
    out.append(ether(bytes.fromhex("3333ff000002"), MAC_A, 0x86DD, ipv6(58, icmp6(135, 0, ns, IP6_A, SOLICITED_B), dst=SOLICITED_B, hlim=255, flow=0)))
    na = b"\x60\0\0\0" + IP6_B + b"\x02\x01" + MAC_B
    out.append(ether(MAC_A, MAC_B, 0x86DD, ipv6(58, icmp6(136, 0, na, IP6_B, IP6_A), src=IP6_B, dst=IP6_A, hlim=255, flow=0)))
    rs = b"\0" * 4 + b"\x01\x01" + MAC_A
    out.append(ether(bytes.fromhex("333300000002"), MAC_A, 0x86DD, ipv6(58, icmp6(133, 0, rs, IP6_A, ALL_ROUTERS), dst=ALL_ROUTERS, hlim=255, flow=0)))
    prefix = struct.pack("!BBBBIII", 3, 4, 64, 0xC0, 86400, 14400, 0) + bytes.fromhex("20010db8000100000000000000000000")
    ra = struct.pack("!BBHII", 64, 0, 1800, 0, 0) + b"\x01\x01" + MAC_B + prefix + struct.pack("!BBHI", 5, 1, 0, 1500)
    out.append(ether(bytes.fromhex("333300000001"), MAC_B, 0x86DD, ipv6(58, icmp6(134, 0, ra, IP6_B, ALL_NODES), src=IP6_B, dst=ALL_NODES, hlim=255, flow=0)))
    out.append(ether(MAC_A, MAC_B, 0x86DD, ipv6(58, icmp6(129, 0, struct.pack("!HH", 9, 3) + b"pong", IP6_B, IP6_A), src=IP6_B, dst=IP6_A)))
    out.append(ether(MAC_B, MAC_A, 0x0800, ipv4(17, udp(40004, 9, b"bad sum", IP_A, IP_B, bad_sum=True))))
    out.append(ether(MAC_B, MAC_A, 0x0800, ipv4(17, udp(40005, 9, b"bad header", IP_A, IP_B), bad_sum=True)))
    out.append(("short", ether(MAC_B, MAC_A, 0x0800, ipv4(6, tcp(40006, 80, 1, 0, 0x02, 1024, b"", IP_A, IP_B)))))
    out.append(ether(MAC_B, MAC_A, 0x0800, ipv4(17, udp(40007, 9, b"x", IP_A, IP_B), ihl=4)))
    out.append(ether(MAC_B, MAC_A, 0x0800, ipv4(17, udp(40008, 9, b"no sum", IP_A, IP_B, zero_sum=True))))
    out.append(("cut", ether(MAC_B, MAC_A, 0x0800, b"")[:10]))
    return out


def main():
    path = sys.argv[1]
    nano, swapped, raw = "--nano" in sys.argv, "--swapped" in sys.argv, "--raw" in sys.argv
    e = ">" if swapped else "<"
    magic = 0xA1B23C4D if nano else 0xA1B2C3D4
    with open(path, "wb") as f:
        f.write(struct.pack(e + "IHHiIII", magic, 2, 4, 0, 0, 262144, 101 if raw else 1))
        t = 1700000000
        for i, p in enumerate(packets()):
            kind = None
            if isinstance(p, tuple):
                kind, p = p
            if raw:
                if p[12:14] not in (b"\x08\x00", b"\x86\xdd") or kind == "cut":
                    continue
                p = p[14:]
            wire = len(p)
            if kind == "short":
                p = p[:len(p) - 10]
            frac = (i * 1000 + 7) * (1000 if nano else 1)
            f.write(struct.pack(e + "IIII", t + i, frac, len(p), wire) + p)


if __name__ == "__main__":
    main()
