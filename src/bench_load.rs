//! Benchmark: `family-card load` against the raw replay of its own writes
//! (`family-card bench load`; results in `docs/benchmarks.md`, "Jobs and the load path").
//!
//! Why a replay: the load's only irreducible cost is the database's work on the statements it
//! sends. The replay measures exactly that work in the same run: the very statements and `$rows`
//! parameters the pipeline's write step produces (`ingest::capture_dir`: the pipeline run without
//! a database, its batches kept in memory as Bolt values), prepared BEFORE the clock starts, then
//! sent one after another into a fresh database of their own — no reading, validation, hashing,
//! grouping or JSON. The load itself runs the production path (`ingest::load_dir_on`, exactly as
//! `family-card load` before its card materialisation) into another fresh database, so both sides
//! do the same work: every record a create. The figure is load rate / replay rate.
//!
//! The database's own CPU seconds (the local server's process, read from `/proc`) are counted
//! for each side and for each file of the replay: on a machine shared with other builds, wall
//! time moves with the neighbours, the database's CPU per record much less. To try another
//! statement shape over Bolt without a rebuild, `--replay-statements DIR` replays a file's
//! batches through `DIR/ingest_<kind>.cypher` instead of the captured statement (same `$rows`),
//! and `--replay-only` skips the load side.

use crate::bench_ingest::fresh_db;
use crate::ingest::{self, write::CapturedWrite, Context, IngestOptions};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

/// Seconds and records of one file on both sides.
#[derive(Debug, Clone, Default)]
pub struct FileTimes {
    pub file: String,
    pub records: u64,
    pub statements: u64,
    pub load_seconds: f64,
    pub replay_seconds: f64,
    /// The database process's CPU seconds while the replay sent this file's statements.
    pub replay_db_cpu: f64,
}

#[derive(Debug, Clone, Default)]
pub struct LoadReplayReport {
    /// Records read from the extract.
    pub records: u64,
    /// Records `load` wrote.
    pub written: u64,
    pub load_seconds: f64,
    /// Statements replayed and the lines the database answered with.
    pub statements: u64,
    pub replayed_lines: u64,
    pub replay_seconds: f64,
    /// The database process's CPU seconds during each side.
    pub load_db_cpu: f64,
    pub replay_db_cpu: f64,
    /// Seconds to capture and prepare the replay (not timed in either rate).
    pub prepare_seconds: f64,
    pub files: Vec<FileTimes>,
}

impl LoadReplayReport {
    pub fn load_rate(&self) -> f64 {
        self.written as f64 / self.load_seconds.max(1e-9)
    }
    /// The replay's rate over the same records (those it wrote lines for).
    pub fn replay_rate(&self) -> f64 {
        self.replayed_lines as f64 / self.replay_seconds.max(1e-9)
    }
    pub fn ratio(&self) -> f64 {
        self.load_rate() / self.replay_rate().max(1e-9)
    }
}

/// What the bench runs besides the extract and its databases.
#[derive(Debug, Clone, Default)]
pub struct BenchLoadOptions {
    pub batch_size: usize,
    pub writers: usize,
    /// Replay these statement files (`ingest_<kind>.cypher`) instead of the captured ones.
    pub replay_statements: Option<std::path::PathBuf>,
    /// Only the replay (no `load` side).
    pub replay_only: bool,
}

/// CPU seconds (user + system) of every process below this one (the local database's JVM is a
/// child of the thread that started it), from `/proc`; 0 where `/proc` cannot tell.
pub fn children_cpu_seconds() -> f64 {
    fn children(pid: u32, out: &mut Vec<u32>) {
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
            return;
        };
        for t in tasks.flatten() {
            let Ok(text) = std::fs::read_to_string(t.path().join("children")) else {
                continue;
            };
            for c in text
                .split_whitespace()
                .filter_map(|c| c.parse::<u32>().ok())
            {
                out.push(c);
                children(c, out);
            }
        }
    }
    let mut pids = vec![];
    children(std::process::id(), &mut pids);
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    pids.iter()
        .filter_map(|p| std::fs::read_to_string(format!("/proc/{p}/stat")).ok())
        .filter_map(|stat| {
            let after = stat
                .rsplit_once(')')?
                .1
                .split_whitespace()
                .collect::<Vec<_>>();
            let (u, s) = (
                after.get(11)?.parse::<f64>().ok()?,
                after.get(12)?.parse::<f64>().ok()?,
            );
            Some((u + s) / ticks)
        })
        .sum()
}

/// The statement text the replay sends for `file`'s batches: `dir/ingest_<kind>.cypher` if it
/// exists (kept for the whole run), else the captured one.
fn replay_statement(
    dir: Option<&Path>,
    file: &str,
    captured: &'static str,
    cache: &mut BTreeMap<String, &'static str>,
) -> anyhow::Result<&'static str> {
    let Some(dir) = dir else {
        return Ok(captured);
    };
    if let Some(s) = cache.get(file) {
        return Ok(s);
    }
    let path = dir.join(format!(
        "ingest_{}.cypher",
        file.trim_end_matches(".ndjson")
    ));
    let text: &'static str = if path.is_file() {
        Box::leak(std::fs::read_to_string(&path)?.into_boxed_str())
    } else {
        captured
    };
    cache.insert(file.to_string(), text);
    Ok(text)
}

/// Loads `extract` into a fresh database and replays its captured writes into another (both
/// under `scratch`, removed afterwards); validation as of `ctx`.
pub async fn load_against_replay(
    extract: &Path,
    scratch: &Path,
    cache_dir: &Path,
    heap: &str,
    bench: &BenchLoadOptions,
    ctx: &Context,
) -> anyhow::Result<LoadReplayReport> {
    let (batch_size, writers) = (bench.batch_size, bench.writers);
    std::fs::create_dir_all(scratch)?;
    let opts = IngestOptions {
        batch_size,
        rejects_path: Some(scratch.join("rejects.ndjson")),
        rejects_kept: 10,
        progress: false,
        writers,
    };

    // 0. The writes, prepared in memory (untimed).
    let started = Instant::now();
    let (_, writes) = ingest::capture_dir(extract, &opts, ctx).await?;
    let prepare_seconds = started.elapsed().as_secs_f64();

    // 1. `load` into a fresh database (or, with `replay_only`, only what the extract holds).
    let (s, load_db_cpu) = if bench.replay_only {
        let (s, _) = ingest::capture_dir(extract, &opts, ctx).await?;
        (s, 0.0)
    } else {
        let (mut db, store) = fresh_db(cache_dir, scratch.join("load-db"), heap).await?;
        let cpu = children_cpu_seconds();
        let s = ingest::load_dir_on(&store, extract, &opts, ctx).await?;
        let cpu = children_cpu_seconds() - cpu;
        drop(store);
        db.stop();
        std::fs::remove_dir_all(scratch.join("load-db")).ok();
        (s, cpu)
    };
    let mut files: BTreeMap<String, FileTimes> = s
        .files
        .iter()
        .map(|f| {
            (
                f.file.clone(),
                FileTimes {
                    file: f.file.clone(),
                    records: f.read as u64,
                    load_seconds: f.seconds,
                    ..Default::default()
                },
            )
        })
        .collect();

    // 2. The replay into another.
    let (mut db, store) = fresh_db(cache_dir, scratch.join("replay-db"), heap).await?;
    let statements = writes.len() as u64;
    let mut replayed_lines = 0u64;
    let mut statements_of = BTreeMap::new();
    let dir = bench.replay_statements.as_deref();
    let replay_cpu = children_cpu_seconds();
    let started = Instant::now();
    for CapturedWrite {
        file,
        statement,
        rows,
        ..
    } in writes
    {
        let statement = replay_statement(dir, file, statement, &mut statements_of)?;
        let (t, cpu) = (Instant::now(), children_cpu_seconds());
        let lines = store.write_prepared_rows(statement, rows).await?;
        replayed_lines += lines.len() as u64;
        let f = files.entry(file.to_string()).or_default();
        f.statements += 1;
        f.replay_seconds += t.elapsed().as_secs_f64();
        f.replay_db_cpu += children_cpu_seconds() - cpu;
    }
    let replay_seconds = started.elapsed().as_secs_f64();
    let replay_db_cpu = children_cpu_seconds() - replay_cpu;
    drop(store);
    db.stop();
    std::fs::remove_dir_all(scratch).ok();

    // Files in load order.
    let files = s
        .files
        .iter()
        .filter_map(|f| files.remove(&f.file))
        .collect();
    Ok(LoadReplayReport {
        records: s.read() as u64,
        written: s.written() as u64,
        load_seconds: s.seconds,
        statements,
        replayed_lines,
        replay_seconds,
        load_db_cpu,
        replay_db_cpu,
        prepare_seconds,
        files,
    })
}
