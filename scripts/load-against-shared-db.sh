#!/bin/bash
# Reproduces docs/benchmarks.md "Load against its raw replay": the RSS measured is load's own, not the JVM's.
# usage: shared_load.sh BIN DATADIR EXTRACT [load args...]: fresh db via `db`, timed `load` against it
B=$1; D=$2; E=$3; shift 3
rm -rf "$D"; mkdir -p "$D"
"$B" --data-dir "$D" db > "$D.db.log" 2>&1 &
DBPID=$!
for i in $(seq 1 120); do grep -q "ready at" "$D.db.log" && break; sleep 1; done
uptime > "$D.load.log"
/usr/bin/time -v "$B" --data-dir "$D" load "$E" --rejects "$D.rejects.ndjson" --cards-as-of 2026-06-15 "$@" >> "$D.load.log" 2>&1
uptime >> "$D.load.log"
kill -INT $DBPID; wait $DBPID
grep -E "loaded in|materialised|Maximum resident|Elapsed|load average" "$D.load.log"
