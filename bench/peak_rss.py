#!/usr/bin/env python3
"""Samples the resident memory of a process and all its descendants every 50 ms until
SIGTERM or until the process exits, then prints the peak total in MiB. For a single
process this is at least its VmHWM as sampled; for forked servers (thumbor) it is the
peak of the sum. Usage: peak_rss.py PID"""
import os
import signal
import sys
import time


def tree(pid):
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        try:
            with open(f"/proc/{p}/task/{p}/children") as f:
                todo.extend(int(c) for c in f.read().split())
        except OSError:
            pass
    return pids


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    yield line.split()[0], int(line.split()[1])
    except OSError:
        return


def main():
    root = int(sys.argv[1])
    peak = 0
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    while not stop and os.path.exists(f"/proc/{root}"):
        pids = tree(root)
        total = sum(v for p in pids for k, v in rss_kib(p) if k == "VmRSS:")
        if len(pids) == 1:  # one process: its kernel-tracked high-water mark is exact
            total = max([v for k, v in rss_kib(root) if k == "VmHWM:"] + [total])
        peak = max(peak, total)
        time.sleep(0.05)
    print(f"{peak / 1024:.1f}")


if __name__ == "__main__":
    main()
