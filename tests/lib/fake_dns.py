#!/usr/bin/env python3
"""fake_dns.py - a tiny authoritative DNS server over UDP, for tests only.

It knows exactly what its options say and nothing else, so a lookup gives the
same answer on every machine:

  --host NAME=ADDR     an A (IPv4 ADDR) or AAAA (IPv6 ADDR) record; repeatable
  --ptr ADDR=NAME      a PTR record for ADDR's in-addr.arpa/ip6.arpa name
  --servfail WHAT      answer SERVFAIL (rcode 2) for the name WHAT, or for the
                       reverse name of WHAT when WHAT is an IP address
  --listen ADDR        address to bind (127.0.0.1)
  --port N             port to bind (53)
  --lifetime SECONDS   exit after this long even if nobody stops it (300)
  --log FILE           append one line per query: "QNAME QTYPE RCODE"

A name that has records answers NOERROR with the records of the asked type
(possibly none: NODATA); any other name answers NXDOMAIN (rcode 3).
Names compare case-insensitively, with or without the trailing dot.
Standard library only; stop it with SIGTERM.
"""

import argparse
import ipaddress
import signal
import socket
import struct
import sys
import time

TYPE_A, TYPE_PTR, TYPE_AAAA, TYPE_ANY = 1, 12, 28, 255
CLASS_IN = 1
NOERROR, FORMERR, SERVFAIL, NXDOMAIN, NOTIMP = 0, 1, 2, 3, 4


def norm(name):
    return name.rstrip(".").lower()


def reverse_name(text):
    """The PTR owner name of an address, or None when TEXT is not one."""
    try:
        return norm(ipaddress.ip_address(text.split("%")[0]).reverse_pointer)
    except ValueError:
        return None


def encode_name(name):
    out = b""
    for label in norm(name).split("."):
        if label:
            raw = label.encode("ascii")
            out += bytes([len(raw)]) + raw
    return out + b"\0"


def parse_question(msg):
    """(qname, qtype, qclass, end offset) of the first question; ValueError if malformed."""
    pos, labels = 12, []
    while True:
        if pos >= len(msg):
            raise ValueError("name runs past the message")
        n = msg[pos]
        pos += 1
        if n == 0:
            break
        if n & 0xC0:  # queries carry no compression pointers
            raise ValueError("compressed name in a question")
        labels.append(msg[pos:pos + n].decode("ascii", "replace"))
        pos += n
    if pos + 4 > len(msg):
        raise ValueError("question runs past the message")
    qtype, qclass = struct.unpack("!HH", msg[pos:pos + 4])
    return ".".join(labels).lower(), qtype, qclass, pos + 4


class Zone:
    def __init__(self, args):
        self.records = {}  # name -> list of (type, rdata)
        self.servfail = set()
        for spec in args.host:
            name, addr = split_spec(spec, "--host")
            ip = ipaddress.ip_address(addr)
            rtype = TYPE_A if ip.version == 4 else TYPE_AAAA
            self.records.setdefault(norm(name), []).append((rtype, ip.packed))
        for spec in args.ptr:
            addr, name = split_spec(spec, "--ptr")
            owner = reverse_name(addr)
            if owner is None:
                raise SystemExit(f"fake_dns: --ptr {spec}: not an IP address")
            self.records.setdefault(owner, []).append((TYPE_PTR, encode_name(name)))
        for what in args.servfail:
            self.servfail.add(reverse_name(what) or norm(what))

    def answer(self, qname, qtype):
        """(rcode, [(type, rdata), ...]) for a question."""
        if qname in self.servfail:
            return SERVFAIL, []
        if qname not in self.records:
            return NXDOMAIN, []
        return NOERROR, [r for r in self.records[qname]
                         if qtype in (r[0], TYPE_ANY)]


def split_spec(spec, option):
    left, sep, right = spec.partition("=")
    if not sep or not left or not right:
        raise SystemExit(f"fake_dns: {option} {spec}: expected LEFT=RIGHT")
    return left, right


def respond(zone, msg, log):
    if len(msg) < 12:
        return None
    qid, flags, qdcount = struct.unpack("!HHH", msg[:6])
    if flags & 0x8000:  # a response, not a query: never answer it
        return None
    opcode = (flags >> 11) & 0xF
    rd = flags & 0x0100
    try:
        if qdcount != 1:
            raise ValueError("not exactly one question")
        qname, qtype, qclass, end = parse_question(msg)
    except ValueError:
        return struct.pack("!HHHHHH", qid, 0x8000 | (opcode << 11) | rd | FORMERR, 0, 0, 0, 0)
    question = msg[12:end]
    if opcode != 0 or qclass != CLASS_IN:
        rcode, rrs = NOTIMP, []
    else:
        rcode, rrs = zone.answer(qname, qtype)
    if log:
        print(qname, qtype, rcode, file=log, flush=True)
    # QR, the query's opcode, AA, the query's RD, RA, the rcode.
    out = struct.pack("!HHHHHH", qid, 0x8000 | (opcode << 11) | 0x0400 | rd | 0x0080 | rcode,
                      1, len(rrs), 0, 0) + question
    for rtype, rdata in rrs:
        # 0xC00C points at the question's name; TTL 0 so nothing caches it.
        out += struct.pack("!HHHIH", 0xC00C, rtype, CLASS_IN, 0, len(rdata)) + rdata
    return out


def main():
    parser = argparse.ArgumentParser(description="tiny fake DNS server for tests")
    parser.add_argument("--host", action="append", default=[])
    parser.add_argument("--ptr", action="append", default=[])
    parser.add_argument("--servfail", action="append", default=[])
    parser.add_argument("--listen", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=53)
    parser.add_argument("--lifetime", type=float, default=300)
    parser.add_argument("--log")
    args = parser.parse_args()
    zone = Zone(args)
    log = open(args.log, "a", encoding="ascii") if args.log else None

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    family = socket.AF_INET6 if ":" in args.listen else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    sock.bind((args.listen, args.port))
    deadline = time.monotonic() + args.lifetime
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return 0
        sock.settimeout(left)
        try:
            msg, peer = sock.recvfrom(4096)
        except socket.timeout:
            return 0
        reply = respond(zone, msg, log)
        if reply is not None:
            sock.sendto(reply, peer)


if __name__ == "__main__":
    sys.exit(main())
