#!/usr/bin/env python3
"""Echo clients for tests/ch09-workers/pool_server.bats (python3 stdlib only).

usage: pool_clients.py many HOST PORT N      N clients at once, each its own binary data
       pool_clients.py refuse HOST PORT Q    with 1 worker: busy + Q queued, the next refused
       pool_clients.py idle HOST PORT        talk once, then stay connected and silent
       pool_clients.py pending HOST PORT     with 1 worker: one busy client, one queued with data
       pool_clients.py silent HOST PORT      say nothing; report how long until the server closes

Prints what it saw; exits 0 when the server behaved, 1 otherwise.  Every
socket has a timeout, so a misbehaving server cannot hang a test.
"""
import random
import socket
import sys
import threading
import time

TIMEOUT = 30


def connect(host, port):
    s = socket.create_connection((host, port), timeout=TIMEOUT)
    s.settimeout(TIMEOUT)
    return s


def recv_all(s):
    """Everything the peer sends until it closes; a reset counts as the end."""
    chunks = []
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            chunks.append(b)
    except ConnectionResetError:
        pass
    return b"".join(chunks)


def recv_exactly(s, n):
    data = b""
    while len(data) < n:
        b = s.recv(n - len(data))
        if not b:
            break
        data += b
    return data


def payload(i):
    """Client i's data: 1 byte to ~240 KiB, every byte value, NULs included."""
    size = 1 + (i * 4999) % 240000
    return random.Random(i).randbytes(size)


def many(host, port, n):
    socks = [connect(host, port) for _ in range(n)]  # all connected before any talks
    results = [None] * n

    def client(i):
        s, data = socks[i], payload(i)
        try:
            # Send from a second thread while this one reads: an echo of more
            # than the socket buffers hold would otherwise block both sides.
            def send():
                s.sendall(data)
                s.shutdown(socket.SHUT_WR)
            t = threading.Thread(target=send)
            t.start()
            got = recv_all(s)
            t.join()
            results[i] = "ok" if got == data else f"{len(got)} bytes back of {len(data)}, " \
                f"first difference at {next((k for k in range(min(len(got), len(data))) if got[k] != data[k]), min(len(got), len(data)))}"
        except OSError as e:
            results[i] = f"error {e}"
        finally:
            s.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    bad = [(i, r) for i, r in enumerate(results) if r != "ok"]
    for i, r in bad:
        print(f"client {i}: {r}")
    total = sum(len(payload(i)) for i in range(n))
    print(f"{n - len(bad)} of {n} clients got their own {total} bytes back exactly")
    return not bad


def refuse(host, port, queue):
    busy = connect(host, port)
    busy.sendall(b"busy")
    if recv_exactly(busy, 4) != b"busy":
        print("the first client got no echo")
        return False
    print("the only worker is busy")
    waiting = []
    for i in range(queue):
        s = connect(host, port)
        s.sendall(b"queued %d" % i)
        waiting.append(s)
    extra = connect(host, port)
    extra.settimeout(5)
    try:
        got = extra.recv(100)
        refused = got == b""
    except ConnectionResetError:
        refused = True
    except socket.timeout:
        refused = False
    print("connection %d: %s" % (queue + 2, "refused" if refused else "not refused"))
    extra.close()
    busy.shutdown(socket.SHUT_WR)
    recv_all(busy)
    busy.close()
    served = 0
    for i, s in enumerate(waiting):
        s.shutdown(socket.SHUT_WR)
        if recv_all(s) == b"queued %d" % i:
            served += 1
        s.close()
    print(f"{served} of {queue} queued connections served")
    return refused and served == queue


def idle(host, port):
    s = connect(host, port)
    s.sendall(b"ping")
    if recv_exactly(s, 4) != b"ping":
        print("no echo")
        return False
    print("ready", flush=True)
    t0 = time.monotonic()
    rest = recv_all(s)
    print(f"closed by the server after {time.monotonic() - t0:.1f} s, {len(rest)} more bytes")
    return rest == b""


def pending(host, port):
    busy = connect(host, port)
    busy.sendall(b"busy")
    if recv_exactly(busy, 4) != b"busy":
        print("the first client got no echo")
        return False
    queued = connect(host, port)
    queued.sendall(b"sent before the stop\0\xff")
    print("ready", flush=True)
    rest = recv_all(busy)
    print(f"busy client: closed, {len(rest)} more bytes")
    got = recv_all(queued)
    print(f"queued client: got {got!r}")
    return rest == b"" and got == b"sent before the stop\0\xff"


def silent(host, port):
    s = connect(host, port)
    t0 = time.monotonic()
    got = recv_all(s)
    print(f"closed after {time.monotonic() - t0:.0f} s with {len(got)} bytes")
    return got == b""


def main():
    args = sys.argv[1:]
    if len(args) < 3:
        print(__doc__, file=sys.stderr)
        sys.exit(64)
    mode, host, port = args[0], args[1], int(args[2])
    if mode == "many":
        good = many(host, port, int(args[3]))
    elif mode == "refuse":
        good = refuse(host, port, int(args[3]))
    elif mode == "idle":
        good = idle(host, port)
    elif mode == "pending":
        good = pending(host, port)
    elif mode == "silent":
        good = silent(host, port)
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(64)
    sys.exit(0 if good else 1)


if __name__ == "__main__":
    main()
