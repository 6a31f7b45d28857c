#!/usr/bin/env python3
"""finger_tcp_peer.py - awkward finger clients for tests/exercises/ch07-multiplex/finger_tcp.bats.

usage: finger_tcp_peer.py MODE HOST PORT [ARG [ARG2]]
  idle     connect, send nothing; when the server closes, print "closed after S s" (S in
           tenths) and then what it sent, as Python bytes
  trickle  connect and send one "a" every 0.3 s, never a line end, for at most 30 s;
           then as idle
  hold     connect, print "connected", then keep the connection open until killed
  reset    N times (ARG2, default 1): connect, send the query ARG with CR LF, and reset
           the connection at once (SO_LINGER 0); then print "N resets"
  split    send the pieces ARG... (Python escapes: 'ro' 'ot' '\\r\\n') one a segment, 0.2 s
           apart (TCP_NODELAY), then read to the end; the answer goes to stdout raw
Exit status 0, or 1 when the server did not close within 30 s.
"""
import socket
import struct
import sys
import time


def connect(host, port):
    return socket.create_connection((host, int(port)), timeout=30)


def wait_close(s, start, trickle=False):
    got = b""
    s.settimeout(0.3 if trickle else 30)
    while time.monotonic() - start < 30:
        try:
            data = s.recv(4096)
        except socket.timeout:
            if trickle:
                try:
                    s.sendall(b"a")
                except OSError:
                    pass
            continue
        except ConnectionResetError:
            data = b""
        if not data:
            print("closed after %.1f s" % (time.monotonic() - start))
            print(repr(got))
            return 0
        got += data
    print("still open after 30 s")
    return 1


def main():
    mode, host, port = sys.argv[1:4]
    if mode == "reset":
        n = int(sys.argv[5]) if len(sys.argv) > 5 else 1
        for _ in range(n):
            s = connect(host, port)
            s.sendall(sys.argv[4].encode() + b"\r\n")
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            s.close()
        print("%d resets" % n)
        return 0
    if mode == "split":
        s = connect(host, port)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for piece in sys.argv[4:]:
            s.sendall(piece.encode().decode("unicode_escape").encode("latin-1"))
            time.sleep(0.2)
        got = b""
        try:
            while data := s.recv(65536):
                got += data
        except (ConnectionResetError, socket.timeout):
            pass
        sys.stdout.buffer.write(got)
        return 0
    s = connect(host, port)
    start = time.monotonic()
    if mode == "idle":
        return wait_close(s, start)
    if mode == "trickle":
        s.sendall(b"a")
        return wait_close(s, start, trickle=True)
    if mode == "hold":
        print("connected", flush=True)
        while True:
            time.sleep(60)
    print("unknown mode " + mode, file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(main())
