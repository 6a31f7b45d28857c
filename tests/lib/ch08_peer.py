#!/usr/bin/env python3
"""ch08_peer - scripted TCP servers for the chapter 8 suites, where nc cannot do it.

usage: ch08_peer.py MODE HOST PORT [TEXT]

  finger HOST PORT        accept one client, read one line up to CR LF, answer
                          "query: LINE\\r\\n" and close (a finger server's shape).
  silent HOST PORT        accept one client, read until EOF, then send nothing and
                          keep the connection open until SIGTERM.
  late HOST PORT TEXT     accept one client, read until EOF (its FIN), print
                          "EOF after N bytes", then send TEXT and close: data that
                          flows after the other side half-closed.
  finfirst HOST PORT      accept one client, send our FIN at once (shutdown SHUT_WR), then
                          read until the client's EOF and print "EOF after N bytes".
  reset HOST PORT         accept one client, reset it at once (SO_LINGER {1, 0}).

Each listens on HOST PORT (IPv6 when HOST has a colon) before printing "ready";
errors end it with a traceback and status 1.
"""
import signal
import socket
import struct
import sys


def main():
    mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    lsock = socket.socket(fam, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind((host, port))
    lsock.listen(1)
    print("ready", flush=True)
    conn, _ = lsock.accept()
    lsock.close()
    if mode == "finger":
        line = b""
        while not line.endswith(b"\r\n"):
            chunk = conn.recv(1)
            if not chunk:
                break
            line += chunk
        conn.sendall(b"query: " + line.rstrip(b"\r\n") + b"\r\n")
        conn.close()
    elif mode in ("silent", "late"):
        total = 0
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            total += len(chunk)
        print("EOF after %d bytes" % total, flush=True)
        if mode == "late":
            conn.sendall(sys.argv[4].encode())
            conn.close()
        else:
            signal.sigwait([signal.SIGTERM])
    elif mode == "finfirst":
        conn.shutdown(socket.SHUT_WR)
        total = 0
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            total += len(chunk)
        print("EOF after %d bytes" % total, flush=True)
        conn.close()
    elif mode == "reset":
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGTERM]) if sys.argv[1] == "silent" else None
    main()
