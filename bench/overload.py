#!/usr/bin/env python3
"""An open-loop HTTP/1.1 load generator for bench/run.sh's overload workload (9).

overload.py BASE PATHS RATE SECONDS [MAX_CONNS] sends GET BASE{path} (the paths file's lines
in turn) at RATE requests per second for SECONDS, each on an idle keep-alive connection or a
new one (at most MAX_CONNS, default 512). Arrivals do not wait for answers, so an
overloaded server sees the rate it is offered; latency is counted from each request's
scheduled time (a request that waited for a connection is not excused). RATE 0 sends one
request at a time instead, back to back: the unloaded latency.
Prints one JSON line: offered and admitted rates, counts per status, admitted (200) p50/p99,
refusals' (429/503) p50/p99/max and how many lacked Retry-After, and errors."""
import asyncio
import json
import sys
import time
from urllib.parse import urlsplit


def percentile(xs, p):
    if not xs:
        return None
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p / 100 * len(xs)))]


class Client:
    def __init__(self, base, max_conns):
        url = urlsplit(base)
        self.host, self.port = url.hostname, url.port or 80
        self.idle, self.open, self.max_conns = [], 0, max_conns
        self.freed = asyncio.Event()
        self.results = []  # (status, ms, has_retry_after)
        self.errors = 0

    async def connection(self):
        while not self.idle and self.open >= self.max_conns:
            self.freed.clear()
            await self.freed.wait()
        if self.idle:
            return self.idle.pop()
        self.open += 1
        try:
            return await asyncio.open_connection(self.host, self.port)
        except OSError:
            self.open -= 1
            raise

    def release(self, conn, keep):
        if keep:
            self.idle.append(conn)
        else:
            conn[1].close()
            self.open -= 1
        self.freed.set()

    async def get(self, path, scheduled):
        try:
            conn = await self.connection()
        except OSError:
            self.errors += 1
            return
        reader, writer = conn
        try:
            writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\n\r\n".encode())
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()
            status = int(head.split(" ", 2)[1])
            length = 0
            for line in head.split("\r\n"):
                if line.startswith("content-length:"):
                    length = int(line.split(":", 1)[1])
            await reader.readexactly(length)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            self.errors += 1
            self.release(conn, False)
            return
        ms = (time.monotonic() - scheduled) * 1000
        self.results.append((status, ms, "\r\nretry-after:" in head))
        self.release(conn, "connection: close" not in head)


async def run(base, paths, rate, seconds, max_conns):
    client = Client(base, 1 if rate == 0 else max_conns)
    start = time.monotonic()
    tasks, i = [], 0
    while time.monotonic() - start < seconds:
        path = paths[i % len(paths)]
        if rate == 0:
            await client.get(path, time.monotonic())
        else:
            scheduled = start + i / rate
            delay = scheduled - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(client.get(path, scheduled)))
        i += 1
    sending = time.monotonic() - start
    if tasks:
        await asyncio.wait(tasks, timeout=60)
    return client, i, sending, time.monotonic() - start


def summary(client, sent, sending, elapsed, rate):
    ok = [ms for s, ms, _ in client.results if s == 200]
    refused = [(ms, ra) for s, ms, ra in client.results if s in (429, 503)]
    statuses = {}
    for s, _, _ in client.results:
        statuses[str(s)] = statuses.get(str(s), 0) + 1
    return {
        "rate": rate, "sent": sent, "offered_rps": sent / sending,
        "admitted_rps": len(ok) / elapsed, "statuses": statuses,
        "admitted_p50_ms": percentile(ok, 50), "admitted_p99_ms": percentile(ok, 99),
        "refused_p50_ms": percentile([ms for ms, _ in refused], 50),
        "refused_p99_ms": percentile([ms for ms, _ in refused], 99),
        "refused_max_ms": max((ms for ms, _ in refused), default=None),
        "refused_without_retry_after": sum(1 for _, ra in refused if not ra),
        "errors": client.errors,
    }


def main():
    base, paths_file, rate, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
    max_conns = int(sys.argv[5]) if len(sys.argv) > 5 else 512
    with open(paths_file) as f:
        paths = [line.strip() for line in f if line.strip()]
    client, sent, sending, elapsed = asyncio.run(run(base, paths, rate, seconds, max_conns))
    print(json.dumps(summary(client, sent, sending, elapsed, rate)))


if __name__ == "__main__":
    main()
