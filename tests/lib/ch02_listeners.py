#!/usr/bin/env python3
"""ch02_listeners.py HOST PORT... - TCP listeners on HOST for each PORT (never accepting).

  stdout  "ready" once every port is listening
  SIGTERM ends it (default action)
"""
import signal
import socket
import sys

host = sys.argv[1]
family = socket.AF_INET6 if ':' in host else socket.AF_INET
socks = []
for port in sys.argv[2:]:
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, int(port)))
    s.listen(64)
    socks.append(s)
print('ready', flush=True)
signal.pause()
