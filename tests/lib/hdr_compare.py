#!/usr/bin/env python3
"""hdr_compare.py HDR_DUMP FILE.pcap - compare hdr_dump -v with tcpdump -nn -v -e -S, field by field.

Both read FILE; each packet's output is turned into facts (name, value): the
Ethernet addresses and type, VLAN id, ARP's question or answer, IPv4's ttl, id,
flags, fragment offset, protocol and length, IPv6's flow label, hop limit, next
header and payload length, the addresses, ports, TCP flags, sequence and ack
numbers, window and options, UDP's length, ICMP/ICMPv6 types with their id and
seq, NDP targets and options, DNS ids and names, and the checksum verdicts
tcpdump gives.  Every fact tcpdump states must be among hdr_dump's, with the
same value.  Prints "compared N packets, M facts" and exits 0, or prints each
difference and exits 1.
"""
import re
import subprocess
import sys

MAC = r"[0-9a-f]{2}(?::[0-9a-f]{2}){5}"


def split_packets(text, start):
    packets, cur = [], None
    for line in text.splitlines():
        if start.match(line):
            cur = [line]
            packets.append(cur)
        elif cur is not None:
            cur.append(line)
    return ["\n".join(p) for p in packets]


def tcpdump_facts(p):
    f = {}
    m = re.search(r"(%s) > (%s), ethertype \S+ \((0x[0-9a-f]{4})\)" % (MAC, MAC), p)
    if m:
        f.update({"eth.src": m[1], "eth.dst": m[2], "eth.type": m[3]})
    m = re.search(r"vlan (\d+), p (\d+)", p)
    if m:
        f.update({"vlan.id": m[1], "vlan.pcp": m[2]})
    m = re.search(r"Request who-has (\S+) tell (\S+),", p)
    if m:
        f.update({"arp.op": "1", "arp.tpa": m[1], "arp.spa": m[2]})
    m = re.search(r"Reply (\S+) is-at (%s)" % MAC, p)
    if m:
        f.update({"arp.op": "2", "arp.spa": m[1], "arp.sha": m[2]})
    m = re.search(r"\(tos 0x([0-9a-f]+), ttl (\d+), id (\d+), offset (\d+), flags \[([^\]]*)\], proto \S+ \((\d+)\), length (\d+)", p)
    if m:
        f.update({"ip4.ttl": m[2], "ip4.id": m[3], "ip4.offset": m[4], "ip4.df": str(int("DF" in m[5])),
                  "ip4.proto": m[6], "ip4.length": m[7]})
        f["ip4.checksum"] = "WRONG" if "bad cksum" in p else "correct"
    m = re.search(r"\((?:flowlabel (0x[0-9a-f]+), )?hlim (\d+), next-header \S+ \((\d+)\) payload length: (\d+)\) (\S+) > (\S+): ", p)
    if m:
        f.update({"ip6.flow": hex(int(m[1] or "0", 16)), "ip6.hlim": m[2], "ip6.next": m[3],
                  "ip6.payload": m[4], "ip6.src": m[5], "ip6.dst": m[6]})
    m = re.search(r"Flags \[([^\]]*)\], cksum 0x([0-9a-f]+) \((correct|incorrect)", p)
    if m:
        f.update({"tcp.flags": m[1], "tcp.checksum": "correct" if m[3] == "correct" else "WRONG"})
        for k in ("seq", "ack", "win"):
            mm = re.search(r", %s (\d+)" % k, p)
            if mm:
                f["tcp." + k] = mm[1]
        mm = re.search(r"options \[([^\]]*)\]", p)
        if mm:
            opts = re.sub(r"sack \d+ \{([^}]*)\}", lambda x: "sack " + x[1].replace("}{", " "), mm[1])
            f["tcp.options"] = " ".join(o.strip() for o in opts.split(","))
    m = (re.search(r" (\d+\.\d+\.\d+\.\d+)\.(\d+) > (\d+\.\d+\.\d+\.\d+)\.(\d+): ", p) or
         re.search(r" ([0-9a-f:]+)\.(\d+) > ([0-9a-f:]+)\.(\d+): ", p) or
         re.search(r" (HBH) \S+ ()(\d+) > ()(\d+): ", p))
    if m:
        f.update({"l4.sport": m[2] or m[3], "l4.dport": m[4] or m[5]} if m[1] == "HBH" else
                 {"l4.sport": m[2], "l4.dport": m[4]})
    m = re.search(r"UDP, length (\d+)", p)
    if m:
        f["udp.data"] = m[1]
    m = re.search(r"ICMP (echo request|echo reply), id (\d+), seq (\d+), length (\d+)", p)
    if m:
        f.update({"icmp.type": m[1], "icmp.id": m[2], "icmp.seq": m[3]})
    m = re.search(r"ICMP6, ([a-z ]+?)(?:,|$)", p, re.M)
    if m:
        f["icmp6.type"] = m[1]
        f["icmp6.checksum"] = "correct" if "[icmp6 sum ok]" in p else "WRONG"
    m = re.search(r"ICMP6, echo (?:request|reply), id (\d+), seq (\d+)", p)
    if m:
        f.update({"icmp6.id": m[1], "icmp6.seq": m[2]})
    m = re.search(r"(?:who has|tgt is) (\S+?)(?:,|$)", p, re.M)
    if m:
        f["ndp.target"] = m[1]
    for code, mac in re.findall(r"link-address option \((\d)\), length 8 \(1\): (%s)" % MAC, p):
        f["ndp.ll%s" % code] = mac
    m = re.search(r"prefix info option \(3\), length 32 \(4\): (\S+), .*valid time (\d+)s, pref. time (\d+)s", p)
    if m:
        f.update({"ndp.prefix": m[1], "ndp.valid": m[2], "ndp.preferred": m[3]})
    m = re.search(r"mtu option \(5\), length 8 \(1\):\s+(\d+)", p)
    if m:
        f["ndp.mtu"] = m[1]
    m = re.search(r"router lifetime (\d+)s", p)
    if m:
        f["ra.lifetime"] = m[1]
    m = re.search(r": (\d+)\+? (?:\[\S+\] )?(A|AAAA|PTR|MX|NS|TXT)\? (\S+) \(\d+\)", p)
    if m:
        f.update({"dns.id": m[1], "dns.qr": "0", "dns.qname": m[3]})
    m = re.search(r": (\d+)\*?-? (?:q: \S+ )?(\d+)/(\d+)/(\d+) ", p)
    if m:
        f.update({"dns.id": m[1], "dns.qr": "1", "dns.an": m[2]})
    if re.search(r"ICMP \S+ \S+ (?:udp )?port \d+ unreachable|ICMP time exceeded", p):
        # tcpdump decodes the datagram an ICMP error quotes; hdr_dump names its ports only.
        for k in [k for k in f if k.startswith("dns.") or k == "udp.data"]:
            del f[k]
    if "[|tcp]" in p:
        f["truncated"] = "tcp"
    if "bad-hlen" in p:
        f["malformed"] = "ipv4"
    if "[|ether]" in p:
        f["truncated"] = "ethernet"
    return f


def ours_facts(p):
    f = {}
    kv = lambda line, key: (re.search(r"\b%s (\S+)" % key, line) or [None, None])[1]
    for line in p.splitlines():
        h = line.strip().split(":", 1)[0]
        if h == "ethernet":
            m = re.search(r"dst (\S+) src (\S+) type (0x[0-9a-f]{4})", line)
            if m:
                f.update({"eth.dst": m[1], "eth.src": m[2], "eth.type": m[3]})
        elif h == "vlan":
            f.update({"vlan.id": kv(line, "id"), "vlan.pcp": kv(line, "pcp")})
        elif h == "arp":
            f.update({"arp.op": kv(line, "op"), "arp.spa": kv(line, "spa"), "arp.tpa": kv(line, "tpa"),
                      "arp.sha": kv(line, "sha")})
        elif h == "ipv4" and "length" in line:
            m = re.search(r"flags((?: \w+)*) offset (\d+)", line)
            f.update({"ip4.ttl": kv(line, "ttl"), "ip4.id": kv(line, "id"), "ip4.offset": m[2],
                      "ip4.df": str(int("DF" in m[1].split())), "ip4.proto": kv(line, "proto"),
                      "ip4.length": kv(line, "length"),
                      "ip4.checksum": re.search(r"checksum 0x\w+ \((\w+)", line)[1]})
        elif h == "ipv6":
            f.update({"ip6.flow": hex(int(kv(line, "flowlabel"), 16)), "ip6.hlim": kv(line, "hlim"),
                      "ip6.next": kv(line, "next"), "ip6.payload": kv(line, "payload"),
                      "ip6.src": kv(line, "src"), "ip6.dst": kv(line, "dst")})
        elif h == "tcp" and "sport" in line and "seq" not in line:
            f.update({"l4.sport": kv(line, "sport"), "l4.dport": kv(line, "dport")})
        elif h == "tcp" and "sport" in line:
            f.update({"tcp.flags": re.search(r"flags \[([^\]]*)\]", line)[1], "tcp.seq": kv(line, "seq"),
                      "tcp.ack": kv(line, "ack"), "tcp.win": kv(line, "window"),
                      "tcp.checksum": re.search(r"checksum 0x\w+ \((\w+)", line)[1],
                      "l4.sport": kv(line, "sport"), "l4.dport": kv(line, "dport")})
        elif h == "tcp-options":
            f["tcp.options"] = line.split(":", 1)[1].strip()
        elif h == "udp":
            f.update({"l4.sport": kv(line, "sport"), "l4.dport": kv(line, "dport"),
                      "udp.data": str(int(kv(line, "length")) - 8)})
        elif h == "icmp-quoted":
            f.update({"l4.sport": kv(line, "sport"), "l4.dport": kv(line, "dport")})
        elif h == "icmp":
            f.update({"icmp.type": re.search(r"\(([^)]*)\)", line)[1], "icmp.id": kv(line, "id"),
                      "icmp.seq": kv(line, "seq")})
        elif h == "icmpv6":
            f.update({"icmp6.type": re.search(r"\(([^)]*)\)", line)[1],
                      "icmp6.checksum": re.search(r"checksum 0x\w+ \((\w+)", line)[1]})
            if " id " in line:
                f.update({"icmp6.id": kv(line, "id"), "icmp6.seq": kv(line, "seq")})
            if "target" in line:
                f["ndp.target"] = kv(line, "target")
            if "router lifetime" in line:
                f["ra.lifetime"] = kv(line, "lifetime")
        elif h == "ndp-option":
            m = re.search(r"type (\d) \((?:source|target) link-layer address\) (\S+)", line)
            if m:
                f["ndp.ll" + m[1]] = m[2]
            m = re.search(r"\(prefix\) (\S+) flags \S+ valid (\d+) preferred (\d+)", line)
            if m:
                f.update({"ndp.prefix": m[1], "ndp.valid": m[2], "ndp.preferred": m[3]})
            m = re.search(r"\(mtu\) (\d+)", line)
            if m:
                f["ndp.mtu"] = m[1]
        elif h == "dns":
            f.update({"dns.id": kv(line, "id"), "dns.qr": kv(line, "qr"), "dns.an": kv(line, "answers")})
        elif h == "dns-question" and "dns.qname" not in f:
            f["dns.qname"] = line.split(":", 1)[1].split()[0]
        if line.startswith("  ") and "[truncated:" in line:
            f.setdefault("truncated", h)
        if line.startswith("  ") and "[malformed" in line:
            f.setdefault("malformed", h)
    return f


def main():
    prog, path = sys.argv[1], sys.argv[2]
    td = subprocess.run(["tcpdump", "-r", path, "-nn", "-v", "-e", "-S"], capture_output=True, text=True)
    if td.returncode != 0:
        sys.exit("tcpdump failed: " + td.stderr)
    ours = subprocess.run([prog, "-r", path, "-v"], capture_output=True, text=True)
    if ours.returncode != 0:
        sys.exit("hdr_dump failed (%d): %s" % (ours.returncode, ours.stderr))
    a = split_packets(td.stdout, re.compile(r"^\d\d:\d\d:\d\d\.\d+ "))
    b = split_packets(ours.stdout, re.compile(r"^\d+ \d+\.\d+ "))
    bad = 0
    if len(a) != len(b):
        print("tcpdump shows %d packets, hdr_dump %d" % (len(a), len(b)))
        bad += 1
    facts = 0
    for i, (x, y) in enumerate(zip(a, b), 1):
        tf, of = tcpdump_facts(x), ours_facts(y)
        for k, v in tf.items():
            facts += 1
            if of.get(k) != v:
                bad += 1
                print("packet %d: %s: tcpdump says %r, hdr_dump %r\n  tcpdump: %s\n  hdr_dump: %s" % (
                    i, k, v, of.get(k), x.replace("\n", "\n           "), y.replace("\n", "\n            ")))
    print("compared %d packets, %d facts" % (min(len(a), len(b)), facts))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
