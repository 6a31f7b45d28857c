#!/usr/bin/env python3
"""ch04_http_peer.py - a scripted HTTP server for the http_get suite: one
connection, one canned answer, chosen by MODE.

usage: ch04_http_peer.py MODE HOST PORT REQUEST_FILE
         MODE          one of the keys of ANSWERS, or "stall" (never answer)
         REQUEST_FILE  the request head the client sent is written here
out:   "ready" on stdout once listening
exit:  0 after the one connection
"""
import socket
import sys
import time

BIG = b'x' * (1 << 20)

ANSWERS = {
    'plain': b'HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\nhello world\n',
    'chunked': (b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'
                b'5\r\nhello\r\n7;name=value\r\n world\n\r\n0\r\n\r\n'),
    'trailers': (b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n'
                 b'C\r\nhello world\n\r\n0\r\nX-Checksum: 1234\r\nX-Other: 5\r\n\r\n'),
    'close': b'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nhello world\n',
    'short': b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhello world\n',
    'long': b'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello world\n',
    'continue': (b'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n'
                 b'HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\nhello world\n'),
    'notfound': b'HTTP/1.1 404 Not Found\r\nContent-Length: 10\r\n\r\nno such \n\n',
    'redirect': b'HTTP/1.1 301 Moved Permanently\r\nLocation: /b\r\nContent-Length: 0\r\n\r\n',
    'badstatus': b'HTTP/1.1 OK\r\nContent-Length: 2\r\n\r\nok',
    'http2': b'HTTP/2 200\r\nContent-Length: 2\r\n\r\nok',
    'garbage': b'\x00\x01\x02 this is not http\r\n\r\n',
    'badheader': b'HTTP/1.1 200 OK\r\nNo colon here\r\nContent-Length: 2\r\n\r\nok',
    'twolengths': b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nokk',
    'badlength': b'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nok',
    'badchunk': b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n',
    'hugechunk': (b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'
                  b'fffffffffffffffffffff\r\nhello\r\n0\r\n\r\n'),
    'chunkoverrun': b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n',
    'chunkcut': b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel',
    'bigheader': b'HTTP/1.1 200 OK\r\nX-Big: ' + BIG + b'\r\nContent-Length: 2\r\n\r\nok',
    'headcut': b'HTTP/1.1 200 OK\r\nContent-Le',
    'nocontent': b'HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n',
    'switch': b'HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n',
    'bothframings': (b'HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n'
                     b'C\r\nhello world\n\r\n0\r\n\r\n'),
    'lfonly': b'HTTP/1.1 200 OK\nContent-Length: 12\n\nhello world\n',
    'headanswer': b'HTTP/1.1 200 OK\r\nContent-Length: 12\r\nX-Test: yes\r\n\r\n',
}


def main():
    mode, host, port, reqfile = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    family = socket.AF_INET6 if ':' in host else socket.AF_INET
    ls = socket.socket(family, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((host, port))
    ls.listen(1)
    print('ready', flush=True)
    c, _ = ls.accept()
    c.settimeout(10)
    head = b''
    try:
        while b'\r\n\r\n' not in head:
            got = c.recv(4096)
            if not got:
                break
            head += got
    except OSError:
        pass
    with open(reqfile, 'wb') as f:
        f.write(head)
    if mode == 'stall':
        # Hold the connection, silent, until the client gives up and closes.
        try:
            c.recv(1)
        except OSError:
            pass
        return
    answer = ANSWERS[mode if mode != 'slow' else 'chunked']
    try:
        if mode == 'slow':
            # A byte at a time: framing must not depend on how reads split the stream.
            for i in range(len(answer)):
                c.sendall(answer[i:i + 1])
                time.sleep(0.005)
        else:
            c.sendall(answer)
        c.shutdown(socket.SHUT_WR)
        # Read until the client closes, so that our close sends no reset.
        while c.recv(65536):
            pass
    except OSError:
        pass
    c.close()


if __name__ == '__main__':
    main()
