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

/// Loads `extract` into a fresh database and replays its captured writes into another (both
/// under `scratch`, removed afterwards); validation as of `ctx`.
pub async fn load_against_replay(
    extract: &Path,
    scratch: &Path,
    cache_dir: &Path,
    heap: &str,
    batch_size: usize,
    writers: usize,
    ctx: &Context,
) -> anyhow::Result<LoadReplayReport> {
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

    // 1. `load` into a fresh database.
    let (mut db, store) = fresh_db(cache_dir, scratch.join("load-db"), heap).await?;
    let s = ingest::load_dir_on(&store, extract, &opts, ctx).await?;
    drop(store);
    db.stop();
    std::fs::remove_dir_all(scratch.join("load-db")).ok();
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
    let started = Instant::now();
    for CapturedWrite {
        file,
        statement,
        rows,
        ..
    } in writes
    {
        let t = Instant::now();
        let lines = store.write_prepared_rows(statement, rows).await?;
        replayed_lines += lines.len() as u64;
        let f = files.entry(file.to_string()).or_default();
        f.statements += 1;
        f.replay_seconds += t.elapsed().as_secs_f64();
    }
    let replay_seconds = started.elapsed().as_secs_f64();
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
        prepare_seconds,
        files,
    })
}
