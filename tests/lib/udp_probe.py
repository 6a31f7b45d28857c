"""udp_probe.py - shared by the UDP peers of the suites (tests/lib/*_peer.py import it)."""
import socket


def refused(host, port, timeout):
    """True when no socket takes HOST's family on PORT: on loopback the ICMP port
    unreachable comes back at once, and a connected UDP socket reports it.  An answer,
    or none within TIMEOUT seconds, is False."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.connect((host, port))
        sock.settimeout(timeout)
        sock.send(b"control")
        try:
            sock.recv(65536)
        except ConnectionRefusedError:
            return True
        except socket.timeout:
            pass
    return False
