#!/usr/bin/env python3
"""full_backlog.py ADDRESS PORT - a TCP listener whose SYNs are dropped until SIGUSR1.

Linux drops an incoming SYN (counted in LISTENOVERFLOWS, see nstat) while the
listener's accept queue is full: more than BACKLOG finished connections wait
for accept().  The client sees nothing, not a reset, and its kernel retransmits
the SYN after 1 s, 3 s, 7 s ...  This listener never accepts and fills its own
queue with connections of its own, so a client's connect() blocks.

  stdout  "ready N" once the queue is full (N connections of its own hold it;
          BACKLOG + 1 = 2 on Linux 6.x, checked with TCP_INFO, not assumed),
          then "accepting" after SIGUSR1.
  SIGUSR1 start accepting everything, so the next retransmitted SYN gets through.
  SIGTERM ends it (default action).
"""
import signal
import socket
import struct
import sys
import time

BACKLOG = 1        # so the queue is full at 2 connections (checked below, not assumed)
DEADLINE = 5.0     # seconds for anything that should take microseconds on lo


def accept_queue(lsock):
    """(queued, limit) of a listening socket.

    For a listener, struct tcp_info carries the accept queue length in
    tcpi_unacked and the backlog in tcpi_sacked (what ss shows as Recv-Q and
    Send-Q).  Layout: 8 one-byte fields, then u32 rto, ato, snd_mss, rcv_mss,
    unacked, sacked.
    """
    info = lsock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    fields = struct.unpack_from("8B6I", info)
    return fields[12], fields[13]


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: full_backlog.py ADDRESS PORT")
    addr, port = sys.argv[1], int(sys.argv[2])
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET

    # Blocked before anything else, so an early SIGUSR1 waits for sigwait()
    # instead of killing us (the default action of SIGUSR1 is to terminate).
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})

    lsock = socket.socket(family, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind((addr, port))
    lsock.listen(BACKLOG)

    # The kernel's test is "queued > backlog" (sk_acceptq_is_full); connect
    # until it holds, waiting each time for the final ACK to be queued.
    fillers = []
    while True:
        queued, limit = accept_queue(lsock)
        if queued > limit:
            break
        if len(fillers) > 64:
            sys.exit("full_backlog.py: the accept queue never filled")
        c = socket.socket(family, socket.SOCK_STREAM)
        c.settimeout(DEADLINE)
        c.connect((addr, port))
        fillers.append(c)
        deadline = time.monotonic() + DEADLINE
        while accept_queue(lsock)[0] < len(fillers):
            if time.monotonic() > deadline:
                sys.exit("full_backlog.py: a connection did not reach the queue")
            time.sleep(0.001)
    print("ready", len(fillers), flush=True)

    signal.sigwait({signal.SIGUSR1})
    print("accepting", flush=True)
    while True:
        conn, _ = lsock.accept()
        conn.close()


if __name__ == "__main__":
    main()
