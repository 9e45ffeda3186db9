#!/usr/bin/env python3
"""How many cores this machine delivers right now: a pure-Python loop run for 1 s in one
process, then in one process per core at once; prints e.g. "1.9 of 2 cores". Shared VMs
often deliver fewer than they announce, which caps every server alike."""
import multiprocessing as mp
import os
import time


def spin(_):
    n, end = 0, time.perf_counter() + 1.0
    while time.perf_counter() < end:
        n += 1
    return n


if __name__ == "__main__":
    cores = os.cpu_count() or 1
    one = spin(0)
    with mp.Pool(cores) as pool:
        many = sum(pool.map(spin, range(cores)))
    print(f"{many / one:.1f} of {cores} cores")
