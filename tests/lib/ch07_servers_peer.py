#!/usr/bin/env python3
"""ch07_servers_peer - peers and an output checker for the chapter 7 server suites.

usage: ch07_servers_peer.py MODE ARGS...

  hold HOST PORT N            connect N clients one after another (the soft fd limit is raised
                              to the hard one first), print "connected N", then wait for
                              signals: SIGUSR2 sends "ping" on every connection and prints
                              "pinged K" (K the connections that took it), SIGUSR1 prints
                              "eof K" (K the connections the server has closed), SIGTERM
                              closes them all (FIN) and exits 0.
  flood HOST PORT N           N non-blocking connects at once; wait up to 3 s for them to
                              complete, print "connected K"; hold them until SIGTERM.
  rapid HOST PORT N           N times: connect, send "r", close; print "done N".
  sendhold HOST PORT SIZE     connect, send SIZE bytes (a fixed pattern), print "sent SIZE",
                              never read; close at SIGTERM.
  check FILE                  parse a server's output (see the servers' headers): every report
                              well formed, data only between Received and Closed/Reset of its
                              client, totals that add up.  Prints "received R refused F closed
                              C reset S open O data D", exits 1 with a reason otherwise.
  extract FILE PORT           write to stdout the stream of the client whose port is PORT.
"""
import errno
import re
import resource
import selectors
import signal
import socket
import sys
import time


def say(text):
    print(text, flush=True)


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def hold(host, port, n):
    sigs = {signal.SIGTERM, signal.SIGUSR1, signal.SIGUSR2}
    signal.pthread_sigmask(signal.SIG_BLOCK, sigs)
    raise_nofile()
    socks = [socket.create_connection((host, int(port))) for _ in range(int(n))]
    say(f"connected {len(socks)}")
    while (sig := signal.sigwait(sigs)) != signal.SIGTERM:
        if sig == signal.SIGUSR2:
            k = 0
            for s in socks:
                try:
                    s.sendall(b"ping")
                    k += 1
                except OSError:
                    pass
            say(f"pinged {k}")
        else:
            k = 0
            for s in socks:
                s.setblocking(False)
                try:
                    if s.recv(1) == b"":
                        k += 1
                except BlockingIOError:
                    pass
                except OSError:
                    k += 1
                s.setblocking(True)
            say(f"eof {k}")
    for s in socks:
        s.close()


def flood(host, port, n):
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    raise_nofile()
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    sel = selectors.DefaultSelector()
    socks = []
    for _ in range(int(n)):
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.setblocking(False)
        rc = s.connect_ex((host, int(port)))
        if rc not in (0, errno.EINPROGRESS):
            sys.exit(f"connect: {errno.errorcode.get(rc, rc)}")
        socks.append(s)
        sel.register(s, selectors.EVENT_WRITE)
    # Connections past a full accept queue retry their SYN for seconds: wait 3 s at most.
    done, deadline = 0, time.monotonic() + 3
    while done < len(socks) and time.monotonic() < deadline:
        for key, _ in sel.select(deadline - time.monotonic()):
            sel.unregister(key.fileobj)
            if key.fileobj.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                done += 1
    say(f"connected {done}")
    signal.sigwait({signal.SIGTERM})
    for s in socks:
        s.close()


def rapid(host, port, n):
    for _ in range(int(n)):
        with socket.create_connection((host, int(port))) as s:
            s.sendall(b"r")
    say(f"done {n}")


def sendhold(host, port, size):
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    s = socket.create_connection((host, int(port)))
    s.sendall(bytes(i % 251 for i in range(int(size))))
    say(f"sent {size}")
    signal.sigwait({signal.SIGTERM})
    s.close()


REPORTS = [
    ("Received from", re.compile(rb"^Received from (\S+)()()$")),
    ("Data from", re.compile(rb"^Data from (\S+) \((\d+) bytes\)()$")),
    ("Closed", re.compile(rb"^Closed (\S+) \((\d+) bytes\)()$")),
    ("Reset", re.compile(rb"^Reset (\S+) \((\d+) bytes\): (.+)$")),
    ("Refused", re.compile(rb"^Refused (\S+)(): (.+)$")),
]


def parse(path):
    """Yields (kind, peer, number, reason, data) for every report in FILE."""
    buf = open(path, "rb").read()
    pos = 0
    while pos < len(buf):
        end = buf.find(b"\n", pos)
        if end == -1:
            sys.exit(f"check: unterminated line at byte {pos}: {buf[pos:pos + 80]!r}")
        line = buf[pos:end]
        pos = end + 1
        for kind, rx in REPORTS:
            m = rx.match(line)
            if m:
                break
        else:
            sys.exit(f"check: not a report: {line[:120]!r}")
        peer = m.group(1).decode()
        num = int(m.group(2)) if m.group(2) else None
        reason, data = m.group(3), None
        if kind == "Data from":
            data = buf[pos:pos + num]
            if len(data) != num or buf[pos + num:pos + num + 1] != b"\n":
                sys.exit(f"check: {line!r} is not followed by {num} bytes and a newline")
            pos += num + 1
        yield kind, peer, num, reason, data


PEER = re.compile(r"^(\[[0-9a-fA-F:.%\w]+\]|\d+\.\d+\.\d+\.\d+):\d+$")


def check(path):
    open_, counts, ndata = {}, dict(received=0, refused=0, closed=0, reset=0), 0
    for kind, peer, num, _, data in parse(path):
        if not PEER.match(peer):
            sys.exit(f"check: not an ADDR:PORT: {peer}")
        if kind == "Received from":
            if peer in open_:
                sys.exit(f"check: {peer} received twice without a close")
            open_[peer] = 0
            counts["received"] += 1
        elif kind == "Refused":
            counts["refused"] += 1
        else:
            if peer not in open_:
                sys.exit(f"check: {kind} for {peer}, which is not connected")
            if kind == "Data from":
                open_[peer] += len(data)
                ndata += 1
            else:
                if num != open_[peer]:
                    sys.exit(f"check: {peer} ends with {num} bytes, its data adds up to {open_[peer]}")
                del open_[peer]
                counts["closed" if kind == "Closed" else "reset"] += 1
    c = counts
    say(f"received {c['received']} refused {c['refused']} closed {c['closed']} "
        f"reset {c['reset']} open {len(open_)} data {ndata}")


def extract(path, port):
    out = bytearray()
    for kind, peer, _, _, data in parse(path):
        if kind == "Data from" and peer.endswith(f":{port}"):
            out += data
    sys.stdout.buffer.write(out)


MODES = {"hold": hold, "flood": flood, "rapid": rapid, "sendhold": sendhold,
         "check": check, "extract": extract}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in MODES:
        sys.exit(__doc__)
    MODES[sys.argv[1]](*sys.argv[2:])
