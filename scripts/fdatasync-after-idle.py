#!/usr/bin/env python3
"""The latency of appending a ~700-byte line and fdatasync-ing it, after the disk and CPUs were idle for GAP_MS
(docs/benchmarks.md, "The audit's durable write"). Usage: python3 scripts/fdatasync-after-idle.py GAP_MS [DIR]
On the benchmark VM a sync right after another takes ~0.04 ms, one after 2 ms of idleness ~0.9 ms: each of its
three device requests (data, inode, flush) then completes into a halted guest."""
import os, sys, time

gap = float(sys.argv[1]) / 1e3
path = os.path.join(sys.argv[2] if len(sys.argv) > 2 else ".", "fdatasync-after-idle.tmp")
n = 1000
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND)
line = b"x" * 700 + b"\n"
took = []
try:
    for _ in range(n):
        if gap:
            time.sleep(gap)
        t = time.perf_counter()
        os.write(fd, line)
        os.fdatasync(fd)
        took.append(time.perf_counter() - t)
finally:
    os.close(fd)
    os.remove(path)
took.sort()
print("gap %.1f ms: write + fdatasync p50 %.3f ms, p90 %.3f ms (n=%d)"
      % (gap * 1e3, took[n // 2] * 1e3, took[n * 9 // 10] * 1e3, n))
