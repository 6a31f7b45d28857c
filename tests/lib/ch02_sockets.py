#!/usr/bin/env python3
"""ch02_sockets.py [--no-ipv6] [PORT...] - hold a known set of sockets open for the sockstat suite.

  TCP: a listener on 127.0.0.1, one on ::1 (V6ONLY) and one dual-stack on ::, a connection
  from 127.0.0.1 to the first (both ends), an IPv4 connection to the dual-stack one (its
  server end is ::ffff:127.0.0.1); UDP: a socket bound on 127.0.0.1 (unconnected) and one on
  ::1 connected to another.  With --no-ipv6, only the IPv4 ones.  The ports are the PORT
  arguments, in that order (or the kernel's).
  stdout  "ready P1 P2 ..." (every local port in use), then it waits for SIGTERM
"""
import signal
import socket
import sys

args = sys.argv[1:]
v6 = '--no-ipv6' not in args
ports = [int(a) for a in args if a != '--no-ipv6']


def port():
    return ports.pop(0) if ports else 0


keep = []
used = []


def tcp_listen(family, host, v6only=None):
    s = socket.socket(family, socket.SOCK_STREAM)
    if v6only is not None:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, v6only)
    s.bind((host, port()))
    s.listen(8)
    keep.append(s)
    used.append(s.getsockname()[1])
    return s


l4 = tcp_listen(socket.AF_INET, '127.0.0.1')
c = socket.create_connection(('127.0.0.1', l4.getsockname()[1]))
keep += [c, l4.accept()[0]]
used.append(c.getsockname()[1])
u4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u4.bind(('127.0.0.1', port()))
keep.append(u4)
used.append(u4.getsockname()[1])
if v6:
    tcp_listen(socket.AF_INET6, '::1', 1)
    ld = tcp_listen(socket.AF_INET6, '::', 0)
    c2 = socket.create_connection(('127.0.0.1', ld.getsockname()[1]))
    keep += [c2, ld.accept()[0]]
    used.append(c2.getsockname()[1])
    ua = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    ua.bind(('::1', port()))
    ub = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    ub.bind(('::1', port()))
    ub.connect(ua.getsockname()[:2])
    keep += [ua, ub]
    used += [ua.getsockname()[1], ub.getsockname()[1]]
print('ready', *used, flush=True)
signal.pause()
