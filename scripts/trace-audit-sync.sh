#!/usr/bin/env bash
# Where the audit trail's fdatasync waits (docs/benchmarks.md, "The audit's durable write"): traces the
# kernel's ext4 sync and block-request events (tracefs, root) during one `bench card --clients 1` with the
# audit fsync on, then prints each 100 syncs' p50/p90 in time order and the device requests of a slow and a
# fast sync. Usage: DATA_DIR=/path/to/a/loaded/data-dir bash scripts/trace-audit-sync.sh (a running `db` on it).
set -euo pipefail
B=${B:-target/release/family-card}
T=/sys/kernel/tracing
EVENTS="ext4/ext4_sync_file_enter ext4/ext4_sync_file_exit block/block_rq_issue block/block_rq_complete"
[ -e $T/trace ] || mount -t tracefs nodev $T
echo 0 > $T/tracing_on; echo > $T/trace; echo 65536 > $T/buffer_size_kb
for e in $EVENTS; do
  echo 1 > $T/events/$e/enable
done
echo 1 > $T/tracing_on
$B --data-dir "${DATA_DIR:?a loaded data dir with a running db}" bench card --samples 200 --seed 42 \
  --clients 1 --seconds 1 2>&1 | grep -v INFO
echo 0 > $T/tracing_on
OUT=$(mktemp); cp $T/trace "$OUT"
for e in $EVENTS; do
  echo 0 > $T/events/$e/enable
done
python3 - "$OUT" <<'PY'
import re, sys
ev = []
for l in open(sys.argv[1]):
    m = re.match(r'\s*(\S+)\s+\[(\d+)\]\s+\S+\s+([\d.]+):\s+(\w+):\s*(.*)', l)
    if m and not l.startswith('#'):
        ev.append((float(m.group(3)), m.group(1), m.group(4), m.group(5)))
syncs, cur = [], None
for t, task, name, rest in ev:
    if name == 'ext4_sync_file_enter' and task.startswith('audit-writer'):
        cur = (t, [])
    elif cur and name == 'ext4_sync_file_exit' and task.startswith('audit-writer'):
        syncs.append((cur[0], t - cur[0], cur[1])); cur = None
    elif cur and name.startswith('block_rq'):
        f = rest.split()
        cur[1].append('%4d us %-8s %s' % ((t - cur[0]) * 1e6, name[9:], f[1]))
if not syncs:
    sys.exit('no audit-writer syncs traced')
t0 = syncs[0][0]
print('the audit writer\'s fdatasync, per 100 in time order (ms):')
for i in range(0, len(syncs), 100):
    d = sorted(s[1] for s in syncs[i:i + 100])
    print('  +%5.2f s  n=%3d  p50 %.3f  p90 %.3f' % (syncs[i][0] - t0, len(d), d[len(d) // 2] * 1e3, d[len(d) * 9 // 10] * 1e3))
for label, pick in (('a slow one', max(syncs, key=lambda s: s[1])), ('a fast one', min(syncs, key=lambda s: s[1]))):
    print('%s, %.3f ms; device requests (W data, WSM metadata, FF cache flush):' % (label, pick[1] * 1e3))
    for r in pick[2]:
        print('   ', r)
PY
rm -f "$OUT"
