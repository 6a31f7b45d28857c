#!/usr/bin/env python3
"""ch06_peer - the scripted peers the chapter 6 suites need where nc cannot do it.

usage: ch06_peer.py MODE ARGS...

  tcp-hold HOST PORT DATA     connect, print the local port, send DATA, then wait for
                              signals: SIGUSR2 sends DATA again, SIGTERM closes normally
                              (FIN), SIGUSR1 resets (RST: SO_LINGER {1, 0} and close).
                              Exit 0.
  tcp-send HOST PORT [DATA]   connect, print the local port, send DATA (stdin when absent),
                              shut down the sending side, read until EOF, print
                              "EOF after N bytes" (N read from the server), exit 0.
  tcp-reset HOST PORT         connect and reset at once (SO_LINGER {1, 0}, close).
  tcp-sink HOST PORT          listen on HOST PORT, accept one client, read until EOF, print
                              "EOF after N bytes", then wait for SIGTERM before closing.
  udp-send HOST PORT          send stdin as exactly one datagram from an ephemeral port;
                              print that port.
  udp-recv HOST PORT FILE     bind HOST PORT, receive one datagram (up to 65535 bytes),
                              print its length, write its bytes to FILE.
  udp-occupy PORT             bind UDP PORT on :: for both families (IPV6_V6ONLY off, no
                              SO_REUSEADDR) and hold it until SIGTERM.

Errors end the peer with a traceback and status 1.  Output is flushed at once:
the suites read it from files while the peer runs.
"""
import signal
import socket
import struct
import sys


def family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def say(text):
    print(text, flush=True)


def hold_signals(*sigs):
    # Blocked before they can arrive, then taken with sigwait: no race, no handler.
    signal.pthread_sigmask(signal.SIG_BLOCK, sigs)


def reset(sock):
    # Linger on with a zero timeout: close discards the send queue and sends RST.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def read_to_eof(sock):
    total = 0
    while True:
        data = sock.recv(65536)
        if not data:
            return total
        total += len(data)


def tcp_hold(host, port, data):
    sigs = {signal.SIGTERM, signal.SIGUSR1, signal.SIGUSR2}
    hold_signals(*sigs)
    sock = socket.create_connection((host, int(port)))
    say(sock.getsockname()[1])
    sock.sendall(data.encode())
    while (sig := signal.sigwait(sigs)) == signal.SIGUSR2:
        sock.sendall(data.encode())
    if sig == signal.SIGUSR1:
        reset(sock)
    else:
        sock.close()


def tcp_send(host, port, data=None):
    payload = sys.stdin.buffer.read() if data is None else data.encode()
    sock = socket.create_connection((host, int(port)))
    say(sock.getsockname()[1])
    sock.sendall(payload)
    sock.shutdown(socket.SHUT_WR)
    say(f"EOF after {read_to_eof(sock)} bytes")
    sock.close()


def tcp_reset(host, port):
    reset(socket.create_connection((host, int(port))))


def tcp_sink(host, port):
    hold_signals(signal.SIGTERM)
    lsock = socket.socket(family(host), socket.SOCK_STREAM)
    lsock.bind((host, int(port)))
    lsock.listen(1)
    sock, _ = lsock.accept()
    say(f"EOF after {read_to_eof(sock)} bytes")
    signal.sigwait({signal.SIGTERM})
    sock.close()


def udp_send(host, port):
    payload = sys.stdin.buffer.read()
    sock = socket.socket(family(host), socket.SOCK_DGRAM)
    sock.bind((host, 0))
    say(sock.getsockname()[1])
    if sock.sendto(payload, (host, int(port))) != len(payload):
        sys.exit("short datagram")


def udp_recv(host, port, path):
    sock = socket.socket(family(host), socket.SOCK_DGRAM)
    sock.bind((host, int(port)))
    data = sock.recv(65535)
    with open(path, "wb") as out:
        out.write(data)
    say(len(data))


def udp_occupy(port):
    hold_signals(signal.SIGTERM)
    sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    sock.bind(("::", int(port)))
    signal.sigwait({signal.SIGTERM})
    sock.close()


MODES = {
    "tcp-hold": tcp_hold,
    "tcp-send": tcp_send,
    "tcp-reset": tcp_reset,
    "tcp-sink": tcp_sink,
    "udp-send": udp_send,
    "udp-recv": udp_recv,
    "udp-occupy": udp_occupy,
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in MODES:
        sys.exit(__doc__)
    MODES[sys.argv[1]](*sys.argv[2:])
