#!/usr/bin/env python3
"""ch02_netcalc_check.py - netcalc's answers against Python's ipaddress module.

usage: ch02_netcalc_check.py NETCALC SEED COUNT
         runs NETCALC once on COUNT seeded random blocks of each family (and the
         edge cases below), parses its output and compares every line
out:   one line per disagreement: the block, the field, what netcalc said, what
       ipaddress says; nothing when all agree
exit:  0 all agree, 1 disagreements, 2 netcalc failed
"""
import ipaddress
import random
import subprocess
import sys

RANGES4 = [('0.0.0.0/8', 'this-network'), ('10.0.0.0/8', 'private'), ('100.64.0.0/10', 'shared'),
           ('127.0.0.0/8', 'loopback'), ('169.254.0.0/16', 'link-local'), ('172.16.0.0/12', 'private'),
           ('192.0.0.0/24', 'protocol-assignments'), ('192.0.2.0/24', 'documentation'),
           ('192.88.99.0/24', '6to4-relay'), ('192.168.0.0/16', 'private'),
           ('198.18.0.0/15', 'benchmarking'), ('198.51.100.0/24', 'documentation'),
           ('203.0.113.0/24', 'documentation'), ('224.0.0.0/4', 'multicast'),
           ('255.255.255.255/32', 'limited-broadcast'), ('240.0.0.0/4', 'reserved')]
RANGES6 = [('::/128', 'unspecified'), ('::1/128', 'loopback'), ('::ffff:0:0/96', 'ipv4-mapped'),
           ('64:ff9b::/96', 'nat64'), ('100::/64', 'discard-only'), ('2001::/32', 'teredo'),
           ('2001:db8::/32', 'documentation'), ('3fff::/20', 'documentation'), ('2002::/16', '6to4'),
           ('fc00::/7', 'private'), ('fe80::/10', 'link-local'), ('ff00::/8', 'multicast')]

EDGES = ['0.0.0.0/0', '255.255.255.255/32', '10.0.0.1/31', '10.0.0.1/32', '10.1.2.3/30', '192.0.2.87/24',
         '172.16.0.0/12', '192.168.1.1', '127.0.0.1/8', '::/0', '::/128', '::1/128', '::1', '::2/127',
         '2001:db8::a7:82/64', '2001:DB8:0:0:0:0:A7:82/64', '1:0:0:1:0:0:0:1/128',
         '1:0:0:1:0:0:1:1/128', '1:0:1:0:1:0:1:0/128', '0:0:1::/48', 'fe80::1/10', 'ff01::2/128',
         '::ffff:192.0.2.1/128', '::ffff:0:0/96', '::1.2.3.4/128', 'ff00::/12', '2001:0db8:0000::1/128']


def text6(addr):
    # RFC 5952, section 5: an IPv4-mapped address keeps its IPv4 part dotted.
    if addr.ipv4_mapped is not None:
        return '::ffff:' + str(addr.ipv4_mapped)
    return addr.compressed


def expected(block):
    iface = ipaddress.ip_interface(block)
    net = iface.network
    v4 = net.version == 4
    text = str if v4 else text6
    size = net.num_addresses
    if v4:
        first = net.network_address + (1 if net.prefixlen <= 30 else 0)
        last = net.broadcast_address - (1 if net.prefixlen <= 30 else 0)
    else:
        first = net.network_address + (1 if net.prefixlen <= 126 else 0)
        last = net.broadcast_address
    kind = 'global'
    for r, k in (RANGES4 if v4 else RANGES6):
        r = ipaddress.ip_network(r)
        if net.subnet_of(r):
            kind = k
            break
        if net.overlaps(r):
            kind = 'mixed'
    want = [('address', text(iface.ip)), ('network', '%s/%d' % (text(net.network_address), net.prefixlen)),
            ('netmask', text(net.netmask))]
    if v4:
        want.append(('broadcast', text(net.broadcast_address)))
    want += [('first', text(first)), ('last', text(last)), ('addresses', str(size)), ('kind', kind)]
    return want


def random_block(rng, v4):
    bits = 32 if v4 else 128
    prefix = rng.randint(0, bits)
    value = rng.getrandbits(bits)
    if not v4 and rng.random() < 0.5:
        # Runs of zero groups, where the "::" rules matter.
        groups = [(value >> (16 * i)) & 0xffff for i in range(8)]
        for i in range(8):
            if rng.random() < 0.5:
                groups[i] = 0
        value = sum(g << (16 * i) for i, g in enumerate(groups))
    if v4:
        return '%s/%d' % (ipaddress.IPv4Address(value), prefix)
    return '%s/%d' % (ipaddress.IPv6Address(value).exploded, prefix)


def main():
    prog, seed, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    rng = random.Random(seed)
    blocks = EDGES + [random_block(rng, v4) for v4 in (True, False) for _ in range(count)]
    res = subprocess.run([prog] + blocks, capture_output=True, text=True, timeout=60)
    if res.returncode != 0:
        print('netcalc exited %d: %s' % (res.returncode, res.stderr.strip()))
        return 2
    answers = res.stdout.split('\n\n')
    bad = 0
    if len(answers) != len(blocks):
        print('%d blocks given, %d answers' % (len(blocks), len(answers)))
        return 1
    for block, answer in zip(blocks, answers):
        got = [tuple(line.split(None, 1)) for line in answer.strip('\n').split('\n')]
        want = expected(block)
        if got != want:
            bad += 1
            for g, w in zip(got + [('-', '-')] * 9, want + [('-', '-')] * 9):
                if g != w:
                    print('%s: netcalc says %s, ipaddress %s' % (block, ' '.join(g), ' '.join(w)))
            if bad > 20:
                break
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
