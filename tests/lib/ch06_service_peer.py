#!/usr/bin/env python3
"""ch06_service_peer.py - the peer of the chapter 6 exercise suites (RFC 867 daytime, RFC 863 discard).

Every wait has a deadline of $NETPROG_TIMEOUT seconds (10 unless set).  Results go to stdout
as fixed lines that the suites assert; an answer from a server is written raw, byte for byte.

  udp-ask HOST PORT SIZE...      from one socket, for each SIZE: send a datagram of SIZE
                                 bytes and wait for one answer; the answers go to stdout
                                 raw.  Status 1 (and a line on stderr) when one never comes.
  udp-count HOST PORT SIZE...    from one socket, for each SIZE: send a datagram of SIZE bytes
                                 and wait for an answer; then wait a little for any more;
                                 prints "R requests, A answers".
  udp-silent HOST PORT SIZE...   send a datagram of each SIZE, wait until the server has
                                 read them all (its Recv-Q in `ss` is 0), then listen a
                                 little longer; prints "sent N datagrams, received B bytes".
  tcp-send HOST PORT SIZE        send SIZE random bytes, half-close, read to the end;
                                 prints "sent S bytes, received B bytes, then EOF" (or
                                 "then reset").
  tcp-drain HOST PORT SIZE       send SIZE random bytes and wait (the connection open, no
                                 half-close) until the server has read them all: the Recv-Q
                                 of its end, as `ss` shows it, is 0; prints "sent S bytes,
                                 all read by the server, received B bytes" (what came back),
                                 or what went wrong.  Whether the server reads, apart from
                                 whether it closes.
  tcp-slow HOST PORT DONEFILE    print "connected", send a byte every 50 ms until DONEFILE
                                 exists, then wait as tcp-drain does; prints "slow: all
                                 read" or "slow: N bytes unread".
  tcp-reset HOST PORT SIZE       send SIZE random bytes, then abort with a reset
                                 (SO_LINGER 0); prints "reset after S bytes".
  tcp-read HOST PORT [TEXT]      connect, send TEXT if given (no half-close), read to the
                                 end; what arrives goes to stdout raw.  A reset after the
                                 data counts as the end.
  tcp-hold HOST PORT             connect with the smallest receive buffer, print
                                 "connected", then never read until killed.
  netns-daytime ERRFILE PROGRAM  inside a fresh network namespace (unshare -rn): start
                                 PROGRAM PORT, send it requests from source ports below
                                 1024 and from forged broadcast and multicast IPv4 sources,
                                 and print one line per case; PROGRAM's stderr goes to
                                 ERRFILE.
"""
import ctypes
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import time
from udp_probe import refused  # tests/lib/udp_probe.py, beside this file

TIMEOUT = float(os.environ.get("NETPROG_TIMEOUT", "10"))
GRACE = 0.2       # how long "no answer" is awaited once the server is known to be past it


def family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def udp_socket(host, sport=0):
    sock = socket.socket(family(host), socket.SOCK_DGRAM)
    sock.bind((host, sport))
    return sock


def recv_within(sock, seconds):
    """One datagram, or None when none comes within SECONDS."""
    ready, _, _ = select.select([sock], [], [], seconds)
    return sock.recv(65536) if ready else None


def udp_ask(host, port, sizes):
    sock = udp_socket(host)
    for size in sizes:
        sock.sendto(b"x" * size, (host, port))
        answer = recv_within(sock, TIMEOUT)
        if answer is None:
            sys.stderr.write(f"no answer to a datagram of {size} bytes within {TIMEOUT}s\n")
            return 1
        sys.stdout.buffer.write(answer)
        sys.stdout.buffer.flush()
    return 0


def udp_count(host, port, sizes):
    sock = udp_socket(host)
    answers = 0
    for size in sizes:
        sock.sendto(b"x" * size, (host, port))
        if recv_within(sock, TIMEOUT) is not None:
            answers += 1
    while recv_within(sock, GRACE * 2) is not None:
        answers += 1
    print(f"{len(sizes)} requests, {answers} answers")
    return 0


def recv_queue(proto, port):
    """The Recv-Q that `ss` shows for the socket bound to PORT (None: nothing bound)."""
    # A server may have one dual-stack socket or one a family: every line counts.
    lines = subprocess.run(["ss", "-Hln" + proto[0], f"sport = :{port}"], capture_output=True,
                           text=True, check=True).stdout.splitlines()
    return sum(int(line.split()[1]) for line in lines) if lines else None


def wait_queue_empty(proto, port):
    deadline = time.monotonic() + TIMEOUT
    while (queued := recv_queue(proto, port)) != 0:
        if time.monotonic() > deadline:
            sys.stderr.write(f"the server's Recv-Q is still {queued} after {TIMEOUT}s\n")
            return False
        time.sleep(0.02)
    return True


def udp_silent(host, port, sizes):
    sock = udp_socket(host)
    for size in sizes:
        sock.sendto(os.urandom(size), (host, port))
    if not wait_queue_empty("udp", port):
        return 1
    received = 0
    while (data := recv_within(sock, GRACE)) is not None:
        received += len(data)
    print(f"sent {len(sizes)} datagrams, received {received} bytes")
    return 0


def tcp_connect(host, port, rcvbuf=None):
    sock = socket.socket(family(host), socket.SOCK_STREAM)
    if rcvbuf is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.settimeout(TIMEOUT)
    sock.connect((host, port))
    return sock


def read_to_end(sock):
    """(bytes, how): everything until EOF or a reset."""
    chunks = []
    try:
        while data := sock.recv(65536):
            chunks.append(data)
    except ConnectionResetError:
        return b"".join(chunks), "reset"
    return b"".join(chunks), "EOF"


def tcp_send(host, port, size):
    sock = tcp_connect(host, port)
    sock.sendall(os.urandom(size))
    sock.shutdown(socket.SHUT_WR)
    data, how = read_to_end(sock)
    sock.close()
    print(f"sent {size} bytes, received {len(data)} bytes, then {how}")
    return 0


def unread_by_server(sock):
    """What the server has not read of what SOCK sent: the Recv-Q of the server's end of
    the connection, as `ss` shows it (None: that socket is gone)."""
    mine, theirs = sock.getsockname()[1], sock.getpeername()[1]
    lines = subprocess.run(["ss", "-Htna", f"sport = :{theirs} and dport = :{mine}"],
                           capture_output=True, text=True, check=True).stdout.splitlines()
    return sum(int(line.split()[1]) for line in lines) if lines else None


def wait_read_by_server(sock):
    """0 once the server has read everything SOCK sent, else what it still holds unread
    after TIMEOUT seconds."""
    deadline = time.monotonic() + TIMEOUT
    while unread := unread_by_server(sock):
        if time.monotonic() > deadline:
            return unread
        time.sleep(0.02)
    return 0


def tcp_drain(host, port, size):
    sock = tcp_connect(host, port)
    data = os.urandom(size)
    sent = 0
    try:
        while sent < size:
            sent += sock.send(data[sent:sent + 65536])
    except socket.timeout:
        print(f"sent {sent} of {size} bytes: the server read nothing more for {TIMEOUT:g} s")
        return 1
    except OSError as e:
        print(f"sent {sent} of {size} bytes, then {e.strerror or e}")
        return 1
    unread = wait_read_by_server(sock)
    if unread:
        print(f"sent {size} bytes, {unread} of them still unread by the server after {TIMEOUT:g} s")
        return 1
    sock.setblocking(False)
    try:
        back = len(sock.recv(65536))
    except BlockingIOError:
        back = 0
    except OSError:
        back = 0
    sock.close()
    print(f"sent {size} bytes, all read by the server, received {back} bytes")
    return 0


def tcp_slow(host, port, donefile):
    sock = tcp_connect(host, port)
    print("connected", flush=True)
    end = time.monotonic() + 60
    while not os.path.exists(donefile) and time.monotonic() < end:
        sock.send(b"x")
        time.sleep(0.05)
    unread = wait_read_by_server(sock)
    print("slow: all read" if not unread else f"slow: {unread} bytes unread", flush=True)
    sock.close()
    return 0


def tcp_reset(host, port, size):
    sock = tcp_connect(host, port)
    sock.sendall(os.urandom(size))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()
    print(f"reset after {size} bytes")
    return 0


def tcp_read(host, port, text=None):
    sock = tcp_connect(host, port)
    if text is not None:
        sock.sendall(text.encode())
    data, _ = read_to_end(sock)
    sock.close()
    sys.stdout.buffer.write(data)
    return 0


def tcp_hold(host, port):
    sock = tcp_connect(host, port, rcvbuf=1)
    print("connected", flush=True)
    signal.pause()
    sock.close()
    return 0


# ---- inside a private network namespace ----------------------------------------------

def lo_tx_packets():
    """Packets sent on lo, from /proc/net/dev (per network namespace, unlike /sys)."""
    with open("/proc/net/dev") as dev:
        for line in dev:
            name, _, counters = line.partition(":")
            if name.strip() == "lo":
                return int(counters.split()[9])
    raise RuntimeError("no lo in /proc/net/dev")


def forge_udp4(src, dst, sport, dport, payload=b"what time is it?"):
    """An IPv4 UDP datagram with any source address, through a raw socket (root in the
    namespace has CAP_NET_RAW there).  UDP checksum 0: none, allowed over IPv4."""
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, socket.IPPROTO_UDP, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    with socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW) as raw:
        raw.sendto(ip + udp, (dst, 0))


def ask_control(host, port):
    """A normal request from an ephemeral port; True when it is answered.  The server
    reads its datagrams in order, so once this is answered, every earlier one was read."""
    with udp_socket(host) as sock:
        sock.sendto(b"", (host, port))
        return recv_within(sock, TIMEOUT) is not None


def low_port_case(host, port, sport):
    with udp_socket(host, sport) as low:
        low.sendto(b"what time is it?", (host, port))
        if not ask_control(host, port):
            return f"{host} source port {sport}: the control request got no answer"
        answered = recv_within(low, GRACE) is not None
    return f"{host} source port {sport}: {'answered' if answered else 'no answer'}"


def forged_source_case(src, port):
    # A wrong answer must be able to leave: routes for the forged sources, so that
    # an answer would go out on lo, where /proc/net/dev counts it.
    before = lo_tx_packets()
    forge_udp4(src, "127.0.0.1", 40000, port)
    if not ask_control("127.0.0.1", port):
        return f"source {src}: the control request got no answer"
    time.sleep(GRACE)
    # The forged datagram, the control request and its answer: 3 packets on lo.
    extra = lo_tx_packets() - before - 3
    if extra == 0:
        return f"source {src}: no answer"
    return f"source {src}: answered ({extra} more packets on lo)"


def wait_bound(port, server):
    deadline = time.monotonic() + TIMEOUT
    while recv_queue("udp", port) is None:
        if server.poll() is not None or time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def die_with_parent():
    # PR_SET_PDEATHSIG: the server is killed with us, even by SIGKILL.
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)


def netns_daytime(errfile, program):
    for cmd in (["ip", "link", "set", "lo", "up"],
                ["ip", "route", "add", "224.0.0.0/4", "dev", "lo"],
                ["ip", "route", "add", "255.255.255.255/32", "dev", "lo"]):
        subprocess.run(cmd, check=True)
    port = 13013
    with open(errfile, "wb") as err:
        server = subprocess.Popen([program, str(port)], stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=err,
                                  preexec_fn=die_with_parent)
    try:
        if not wait_bound(port, server):
            print("the server did not bind its port")
            return 1
        served = set()
        for host in ("::1", "127.0.0.1"):
            # A family the server does not serve: said in one line, not waited for 3 times.
            if refused(host, port, TIMEOUT):
                print(f"{host}: refused (the server does not serve this family)", flush=True)
                continue
            served.add(host)
            for sport in (7, 1023, 1024):
                print(low_port_case(host, port, sport), flush=True)
        # The forged sources are IPv4: a server that refuses IPv4 cannot answer them (and the
        # proof that it is past them, an answer to 127.0.0.1, would never come).
        if "127.0.0.1" in served:
            for src in ("224.0.0.1", "255.255.255.255"):
                print(forged_source_case(src, port), flush=True)
    finally:
        server.terminate()
        try:
            server.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            server.kill()
    return 0


def main():
    # SIGTERM (from `timeout` or teardown) unwinds, so the finally blocks run.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    args = sys.argv[1:]
    if len(args) >= 3 and args[0] in ("udp-ask", "udp-silent", "udp-count"):
        sizes = [int(s) for s in args[3:]]
        how = {"udp-ask": udp_ask, "udp-silent": udp_silent, "udp-count": udp_count}[args[0]]
        return how(args[1], int(args[2]), sizes)
    if len(args) == 4 and args[0] == "tcp-drain":
        return tcp_drain(args[1], int(args[2]), int(args[3]))
    if len(args) == 4 and args[0] == "tcp-slow":
        return tcp_slow(args[1], int(args[2]), args[3])
    if len(args) == 4 and args[0] in ("tcp-send", "tcp-reset"):
        return (tcp_send if args[0] == "tcp-send" else tcp_reset)(args[1], int(args[2]),
                                                                  int(args[3]))
    if len(args) in (3, 4) and args[0] == "tcp-read":
        return tcp_read(args[1], int(args[2]), *args[3:])
    if len(args) == 3 and args[0] == "tcp-hold":
        return tcp_hold(args[1], int(args[2]))
    if len(args) == 3 and args[0] == "netns-daytime":
        return netns_daytime(args[1], args[2])
    sys.stderr.write(__doc__)
    return 64


if __name__ == "__main__":
    sys.exit(main())
