#!/usr/bin/env python3
"""Verifying clients and fault injectors for benches/soak.sh.

  soak_client.py verify KIND PORT SECS   well-formed traffic, every reply checked;
                                         prints `ok=N errors=M` at the end
  soak_client.py faults KIND PORT SECS   a fault every second: resets, slow
                                         readers, garbage, half-closed peers
  soak_client.py hold KIND PORT N        opens N connections, uses each once,
                                         holds them all, prints `held=N` and
                                         waits for stdin to close

KIND is echo, http or resp. Standard library only.
"""
import os
import random
import socket
import struct
import sys
import time

REQUEST = {
    "echo": (b"ping 0123456789abcdef\n", b"ping 0123456789abcdef\n"),
    "http": (b"GET / HTTP/1.1\r\nHost: soak\r\n\r\n", None),
    "resp": (b"*1\r\n$4\r\nPING\r\n", b"+PONG\r\n"),
}


def connect(port, timeout=5.0):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_exactly(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("closed by the server")
        buf += chunk
    return buf


def read_http_response(s):
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(1)
        if not chunk:
            raise ConnectionError("closed by the server")
        head += chunk
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    status = head.split(b" ", 2)[1]
    body = read_exactly(s, length)
    if status != b"200" or body != b"Hello, world!":
        raise ValueError(f"unexpected response {head!r} {body!r}")


def round_trip(kind, s, i):
    if kind == "echo":
        msg = b"msg %08d\n" % i
        s.sendall(msg)
        if read_exactly(s, len(msg)) != msg:
            raise ValueError("echo mismatch")
    elif kind == "http":
        s.sendall(REQUEST["http"][0])
        read_http_response(s)
    else:
        key, value = b"soak:%d" % (i % 100), b"v%d" % i
        s.sendall(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(key), key, len(value), value))
        if read_exactly(s, 5) != b"+OK\r\n":
            raise ValueError("SET failed")
        s.sendall(b"*2\r\n$3\r\nGET\r\n$%d\r\n%s\r\n" % (len(key), key))
        expected = b"$%d\r\n%s\r\n" % (len(value), value)
        if read_exactly(s, len(expected)) != expected:
            raise ValueError("GET mismatch")


def verify(kind, port, secs):
    ok = errors = 0
    end = time.time() + secs
    s = None
    i = 0
    while time.time() < end:
        try:
            if s is None:
                s = connect(port)
            round_trip(kind, s, i)
            ok += 1
            i += 1
            if i % 500 == 0:  # a new connection now and then
                s.close()
                s = None
        except Exception as e:  # noqa: BLE001 - every failure counts
            errors += 1
            print(f"verify error: {e!r}", file=sys.stderr)
            if s is not None:
                s.close()
            s = None
            time.sleep(0.1)
    print(f"ok={ok} errors={errors}")


def reset(s):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


def fault(kind, port, n):
    request = REQUEST[kind][0]
    which = n % 5
    try:
        s = connect(port)
        if which == 0:  # reset mid-request
            s.sendall(request[: len(request) // 2])
            reset(s)
        elif which == 1:  # slow reader: many requests, read a little, reset
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            for _ in range(2000):
                try:
                    s.send(request, socket.MSG_DONTWAIT)
                except (BlockingIOError, OSError):
                    break
            s.settimeout(0.2)
            try:
                s.recv(100)
            except OSError:
                pass
            reset(s)
        elif which == 2:  # garbage
            s.sendall(os.urandom(random.randint(1, 3000)))
            s.settimeout(0.5)
            try:
                while s.recv(65536):
                    pass
            except OSError:
                pass
            s.close()
        elif which == 3:  # half-closed: a request, then our write side shut
            s.sendall(request)
            s.shutdown(socket.SHUT_WR)
            s.settimeout(1.0)
            try:
                while s.recv(65536):
                    pass
            except OSError:
                pass
            s.close()
        else:  # half a request, then a plain close
            s.sendall(request[: len(request) // 2])
            s.close()
    except OSError as e:
        print(f"fault {which}: {e!r}", file=sys.stderr)


def faults(kind, port, secs):
    end = time.time() + secs
    n = 0
    while time.time() < end:
        fault(kind, port, n)
        n += 1
        time.sleep(1.0)
    print(f"faults={n}")


def hold(kind, port, count):
    conns = []
    for i in range(count):
        s = connect(port, timeout=30)
        round_trip(kind, s, i)
        conns.append(s)
    print(f"held={len(conns)}", flush=True)
    sys.stdin.read()
    for s in conns:
        s.close()


def main():
    mode, kind, port, arg = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    {"verify": verify, "faults": faults, "hold": hold}[mode](kind, port, arg)


if __name__ == "__main__":
    main()
