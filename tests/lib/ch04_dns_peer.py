#!/usr/bin/env python3
"""ch04_dns_peer.py - a scripted DNS server for the dns_query suite: well-formed and
hostile answers, chosen by MODE, over UDP and TCP on the same port.

usage: ch04_dns_peer.py MODE HOST PORT QUERY_FILE
         every query received is appended to QUERY_FILE as one hex line
out:   "ready" on stdout once both sockets listen
SIGTERM ends it
"""
import select
import socket
import struct
import sys


def name(text):
    out = b''
    for label in text.rstrip('.').split('.'):
        out += bytes([len(label)]) + label.encode()
    return out + b'\0'


def rr(owner, rtype, data, ttl=300):
    return owner + struct.pack('!HHIH', rtype, 1, ttl, len(data)) + data


def answer(mode, query, tcp):
    qid = query[:2]
    # The question as it came (up to QTYPE and QCLASS): a parser, not an echo of our own bytes.
    end = 12
    while query[end] != 0:
        end += 1 + query[end]
    question = query[12:end + 5]
    ptr = b'\xc0\x0c'          # the question's name, by compression
    flags, rcode = 0x8180, 0
    an = []
    extra = b''
    if mode in ('good', 'wrongid', 'slowgood'):
        an = [rr(ptr, 1, bytes([192, 0, 2, 1]))]
    elif mode == 'all':
        an = [rr(ptr, 5, b'\x03www' + ptr),                                  # CNAME www.<qname>
              rr(b'\x03www' + ptr, 1, bytes([192, 0, 2, 7])),
              rr(ptr, 28, socket.inet_pton(socket.AF_INET6, '2001:db8::7')),
              rr(ptr, 15, struct.pack('!H', 10) + b'\x04mail' + ptr),
              rr(ptr, 2, b'\x02ns' + ptr),
              rr(ptr, 16, b'\x05hello\x0da "quoted" \\\x01'),
              rr(ptr, 6, b'\x02ns' + ptr + b'\x05admin' + ptr + struct.pack('!IIIII', 1, 2, 3, 4, 5)),
              rr(ptr, 99, b'\x01\x02\x03'),
              rr(b'\x04a.b\x00' + ptr, 1, bytes([192, 0, 2, 8]))]
    elif mode == 'nxdomain':
        rcode = 3
    elif mode == 'servfail':
        rcode = 2
    elif mode == 'refused':
        rcode = 5
    elif mode == 'formerr':
        rcode = 1
    elif mode == 'nodata':
        pass
    elif mode == 'loop':
        # The record's owner is a pointer to itself.
        off = 12 + len(question)
        an = [struct.pack('!H', 0xc000 | off) + struct.pack('!HHIH', 1, 1, 300, 4) + bytes(4)]
    elif mode == 'forward':
        off = 12 + len(question)
        an = [struct.pack('!H', 0xc000 | (off + 2)) + b'\x00' + struct.pack('!HHIH', 1, 1, 300, 4) + bytes(4)]
    elif mode == 'pastend':
        an = [b'\xff\xff' + struct.pack('!HHIH', 1, 1, 300, 4) + bytes(4)]
    elif mode == 'cutptr':
        return qid + struct.pack('!HHHHH', 0x8180, 1, 1, 0, 0) + question + b'\xc0'
    elif mode == 'truncated':
        msg = qid + struct.pack('!HHHHH', 0x8180, 1, 1, 0, 0) + question + rr(ptr, 1, bytes([192, 0, 2, 1]))
        return msg[:-3]
    elif mode == 'short':
        return qid + b'\x81\x80\x00'
    elif mode == 'longlabel':
        an = [rr(b'\x40' + b'a' * 64 + b'\x00', 1, bytes(4))]
    elif mode == 'longname':
        # 130 labels of one byte: 260 bytes on the wire, more than a name may have.
        an = [rr(b'\x01a' * 130 + b'\x00', 1, bytes(4))]
    elif mode == 'badrdata':
        an = [rr(ptr, 1, bytes(5))]
    elif mode == 'wrongquestion':
        question = name('other.example') + question[-4:]
        an = [rr(ptr, 1, bytes(4))]
    elif mode == 'notanswer':
        flags = 0x0100
    elif mode == 'tc':
        if not tcp:
            flags |= 0x0200
        else:
            an = [rr(ptr, 1, bytes([192, 0, 2, n])) for n in range(1, 4)]
    elif mode == 'tccut':
        if not tcp:
            flags |= 0x0200
        else:
            return b'cut'
    if mode == 'wrongid':
        qid = bytes([qid[0] ^ 0xff, qid[1]])
    header = qid + struct.pack('!HHHHH', flags | rcode, 1, len(an), 0, 0)
    return header + question + b''.join(an) + extra


def main():
    mode, host, port, qfile = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    family = socket.AF_INET6 if ':' in host else socket.AF_INET
    udp = socket.socket(family, socket.SOCK_DGRAM)
    udp.bind((host, port))
    tcp = socket.socket(family, socket.SOCK_STREAM)
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    tcp.bind((host, port))
    tcp.listen(4)
    print('ready', flush=True)
    while True:
        ready, _, _ = select.select([udp, tcp], [], [])
        for s in ready:
            if s is udp:
                query, peer = udp.recvfrom(65535)
                with open(qfile, 'a') as f:
                    f.write(query.hex() + '\n')
                if mode != 'silent':
                    udp.sendto(answer(mode, query, False), peer)
            else:
                c, _ = tcp.accept()
                c.settimeout(5)
                try:
                    data = b''
                    while len(data) < 2 or len(data) < 2 + struct.unpack('!H', data[:2])[0]:
                        got = c.recv(4096)
                        if not got:
                            break
                        data += got
                    query = data[2:]
                    with open(qfile, 'a') as f:
                        f.write('tcp ' + query.hex() + '\n')
                    msg = answer(mode, query, True)
                    if mode == 'tccut':
                        c.sendall(struct.pack('!H', 100) + msg)
                    else:
                        c.sendall(struct.pack('!H', len(msg)) + msg)
                except OSError:
                    pass
                c.close()


if __name__ == '__main__':
    main()
