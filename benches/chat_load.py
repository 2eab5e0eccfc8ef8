#!/usr/bin/env python3
"""Load for benches/chat.sh: one talker and N listeners on a chat server.

The talker sends LINES lines in batches of BATCH; each batch is sent whole,
then every listener reads it whole before the next one goes (so no reader
falls behind and is dropped: the server's work is the same on each run).
Prints one line: lines, listeners, the server's CPU seconds (user + system,
from /proc/PID/stat) over the measured part, and nanoseconds of server CPU
per line broadcast and per line delivered.

    chat_load.py HOST:PORT SERVER_PID [LISTENERS] [LINES] [BATCH] [SIZE]

ON_START and ON_END, if set, are shell commands run just before and just
after the measured part (chat.sh zeroes and dumps callgrind's counters).
"""
import os
import selectors
import socket
import subprocess
import sys


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def connect(host, port):
    s = socket.create_connection((host, port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def wait_for(sel, want, pending, buffers):
    """Reads until every listener saw `want[sock]` more chat lines."""
    while pending:
        for key, _ in sel.select(timeout=10):
            s = key.fileobj
            data = s.recv(1 << 16)
            if not data:
                sys.exit("a listener was disconnected (dropped as slow?)")
            buf = buffers[s] + data
            lines = buf.split(b"\n")
            buffers[s] = lines.pop()
            want[s] -= sum(1 for line in lines if line.startswith(b"<"))
            if want[s] <= 0 and s in pending:
                pending.discard(s)
        else:
            if not sel.get_map():
                break


def main():
    host, port = sys.argv[1].rsplit(":", 1)
    pid = int(sys.argv[2])
    listeners = int(sys.argv[3]) if len(sys.argv) > 3 else 50
    total = int(sys.argv[4]) if len(sys.argv) > 4 else 20_000
    batch = int(sys.argv[5]) if len(sys.argv) > 5 else 100
    size = int(sys.argv[6]) if len(sys.argv) > 6 else 64
    socks = [connect(host, int(port)) for _ in range(listeners)]
    talker = connect(host, int(port))
    sel = selectors.DefaultSelector()
    for s in socks:
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
    buffers = {s: b"" for s in socks}
    payload = (b"x" * (size - 1)) + b"\n"

    def one_batch(n):
        talker.sendall(payload * n)
        want = {s: n for s in socks}
        wait_for(sel, want, set(socks), buffers)

    one_batch(batch)  # warm-up: everyone is connected and reading
    if os.environ.get("ON_START"):
        subprocess.run(os.environ["ON_START"], shell=True, check=True, capture_output=True)
    before = cpu_seconds(pid)
    sent = 0
    while sent < total:
        one_batch(batch)
        sent += batch
    cpu = cpu_seconds(pid) - before
    if os.environ.get("ON_END"):
        subprocess.run(os.environ["ON_END"], shell=True, check=True, capture_output=True)
    print(f"lines {sent} listeners {listeners} server_cpu_s {cpu:.3f} "
          f"ns_per_line {cpu * 1e9 / sent:.0f} ns_per_delivery {cpu * 1e9 / (sent * listeners):.1f}")


if __name__ == "__main__":
    main()
