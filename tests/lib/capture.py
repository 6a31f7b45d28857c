#!/usr/bin/env python3
"""capture.py IFACE OUT.pcap - write every frame IFACE sends or receives to OUT.pcap until SIGTERM.

What `tcpdump -i IFACE -U -w OUT.pcap` does, for the suites that compare a program with
tcpdump's reading of real traffic: tcpdump must drop its privileges to a user of its own after
opening the interface, which a user namespace of our own (unshare -rn, an ordinary user's only
way to a private network) refuses, so it exits there; this needs nothing but CAP_NET_RAW in
the namespace (an AF_PACKET socket).  tcpdump -r then reads the file, which needs no privilege.

The file is classic pcap, microsecond timestamps, link type Ethernet (Linux gives loopback
frames an all-zero Ethernet header, as tcpdump records them).  Each frame is written and
flushed as it comes (-U); on SIGTERM what the socket still holds is written before the end.  On lo,
every packet passes twice (out and in): the outgoing copy is left out, as libpcap does.
stdout: "ready" once the socket is bound (frames from then on are captured).
exit:   0 on SIGTERM or SIGINT, 64 usage, 71 the socket could not be made or bound.
"""
import signal
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
SNAPLEN = 262144


def main():
    if len(sys.argv) != 3:
        sys.stderr.write(__doc__)
        return 64
    iface, out = sys.argv[1], sys.argv[2]
    try:
        sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        sock.bind((iface, 0))
    except OSError as e:
        sys.stderr.write(f"capture.py: {iface}: {e.strerror}\n")
        return 71
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    sock.settimeout(0.1)
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, SNAPLEN, 1))
        f.flush()
        print("ready", flush=True)
        while True:
            if stop:
                # What was queued before the stop is part of the capture: the frames of a
                # packet that has already been answered are in the socket, maybe unread.
                sock.setblocking(False)
            try:
                frame, addr = sock.recvfrom(SNAPLEN)
            except socket.timeout:
                continue
            except InterruptedError:
                continue
            except BlockingIOError:
                break
            # On loopback each packet passes twice, out and in; libpcap keeps one (the in).
            if addr[2] == socket.PACKET_OUTGOING and iface == "lo":
                continue
            now = time.time()
            sec = int(now)
            f.write(struct.pack("<IIII", sec, int((now - sec) * 1e6), len(frame), len(frame)))
            f.write(frame)
            f.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
