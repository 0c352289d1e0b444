#!/usr/bin/env bash
# Every issue-11 benchmark (docs/benchmarks.md, last section) in one pass, one after another; outputs in $OUT.
# Usage: cargo build --release; DB100K=/path/to/db100k bash scripts/bench-issue11.sh   (DB100K: a data dir
# loaded by `family-card load` or `family-card bulk-load` (the same graph) from `family-card generate --persons
# 100000 --seed 1` with `--cards-as-of 2026-06-15`, and with no assessments yet; bulk-load takes ~1.5 min)
# READ_AND_JOBS_ONLY=1: only the card reads and the jobs' --compare-raw runs (the first ~15 minutes).
set -u
B=${B:-target/release/family-card}
O=${OUT:-target/bench-issue11}; mkdir -p $O
DB=/tmp/final-db100k
rm -rf $DB && cp -a ${DB100K:?a stopped data dir loaded with the 100k extract} $DB && rm -f $DB/running.json
( setsid $B --data-dir $DB db > $O/db.log 2>&1 & )
sleep 25
# Warm the database (its JIT and page cache) before anything is measured: the first run after a
# start is otherwise slower on both sides, and was the audit-fsync run.
$B --data-dir $DB bench card --samples 300 --seed 7 --clients 4 --seconds 8 --no-fsync > $O/card-warmup.out 2>&1
echo "== card fsync $(date +%T) $(cut -d' ' -f1-3 /proc/loadavg)" > $O/card.out
/usr/bin/time -v $B --data-dir $DB bench card --samples 300 --seed 42 --clients 1,4,16,64 --seconds 8 >> $O/card.out 2> $O/card.err
echo "== card no-fsync $(date +%T) $(cut -d' ' -f1-3 /proc/loadavg)" >> $O/card.out
$B --data-dir $DB bench card --samples 300 --seed 42 --clients 1,4,16,64 --seconds 8 --no-fsync >> $O/card.out 2>> $O/card.err
for job in "recompute wellbeing" detect; do
  for run in first again; do
    echo "== $job $run $(date +%T) $(cut -d' ' -f1-3 /proc/loadavg)" >> $O/jobs.out
    /usr/bin/time -v $B --data-dir $DB $job --as-of 2026-06-15 --compare-raw --restart >> $O/jobs.out 2>> $O/jobs.err
    grep -E "Maximum resident|Elapsed" $O/jobs.err | tail -2 >> $O/jobs.out
  done
done
echo "== done $(date +%T)" >> $O/jobs.out
# Stop the shared database: the jobs and load benches start their own.
pkill_db() { pkill -INT -f -- "--data-dir $DB db" ; sleep 15; pkill -f -- "$DB" ; sleep 3; }
if [ "${READ_AND_JOBS_ONLY:-}" = 1 ]; then pkill_db; rm -rf $DB; exit 0; fi
pkill -INT -f -- "--data-dir $DB db" ; sleep 15; pkill -f -- "$DB" ; sleep 3
J=/tmp/final-jobs-db100k
rm -rf $J /tmp/final-jobs-scratch && cp -a ${DB100K:?a stopped data dir loaded with the 100k extract} $J && rm -f $J/running.json
for job in recompute detect; do
  echo "== bench jobs $job $(date +%T) $(cut -d' ' -f1-3 /proc/loadavg)" >> $O/benchjobs.out
  /usr/bin/time -v $B --data-dir $J bench jobs $job --scratch /tmp/final-jobs-scratch --as-of 2026-06-15 >> $O/benchjobs.out 2>> $O/benchjobs.err
  grep -E "Maximum resident|Elapsed" $O/benchjobs.err | tail -2 >> $O/benchjobs.out
  rm -rf /tmp/final-jobs-scratch
done
rm -rf $J
G=/tmp/final-gen20k
rm -rf $G; $B generate --persons 20000 --seed 1 --out $G > $O/gen.out 2>&1
echo "== bench load $(date +%T) $(cut -d' ' -f1-3 /proc/loadavg)" > $O/load.out
rm -rf /tmp/final-load-bench
/usr/bin/time -v $B bench load $G --scratch /tmp/final-load-bench >> $O/load.out 2> $O/load.err
grep -E "Maximum resident|Elapsed" $O/load.err | tail -2 >> $O/load.out
rm -rf /tmp/final-load-bench
echo "== bulk-load $(date +%T) $(cut -d' ' -f1-3 /proc/loadavg)" > $O/bulk.out
rm -rf /tmp/final-bulk
/usr/bin/time -v $B --data-dir /tmp/final-bulk bulk-load $G --cards-as-of 2026-06-15 >> $O/bulk.out 2> $O/bulk.err
grep -E "Maximum resident|Elapsed" $O/bulk.err | tail -2 >> $O/bulk.out
echo "== load $(date +%T) $(cut -d' ' -f1-3 /proc/loadavg)" >> $O/bulk.out
rm -rf /tmp/final-load
/usr/bin/time -v $B --data-dir /tmp/final-load load $G --cards-as-of 2026-06-15 >> $O/bulk.out 2>> $O/bulk.err
grep -E "Maximum resident|Elapsed" $O/bulk.err | tail -2 >> $O/bulk.out
rm -rf /tmp/final-bulk /tmp/final-load
echo "== all done $(date +%T)" >> $O/bulk.out
