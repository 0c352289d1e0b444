//! `family-card bench jobs`: a country-wide job against the raw database work of the SAME run —
//! its snapshot reads AND its own writes — on two copies of one database.
//!
//! Why copies: a run that writes changes the state its writes ran against (a first recompute
//! creates every assessment; replayed on the same database, its MERGEs would only match). So the
//! source database (stopped) is copied twice. The job runs on the first copy with a
//! [`StatementLog`]: every statement it sends besides the snapshot reads (previous-assessment
//! reads, record writes with their change events, checkpoints) is kept, Bolt parameters and all,
//! in order. Then, timed separately: the raw snapshot stream ([`stream_snapshots_raw`]: the jobs'
//! statement over the same families, same pages, batches and reads in flight, rows counted, not
//! decoded) on the first copy, and the replay of the logged statements, one after another as the
//! job's writer sends them, on the second copy, which is still in the state the run started from,
//! so every replayed statement does the same work as in the run. A second pass runs the job again
//! on the first copy (whose state the first replay reproduced on the second copy), so its replay
//! too does exactly the run's work. Each pass reports job / raw reads (as `--compare-raw`) and
//! job / (raw reads + raw writes): the job's rate against the database's work done one statement
//! after another. Both databases are started first and warmed by one untimed raw stream each.

use super::{stream_snapshots_raw, JobError, JobOptions, JobReport, RawStream};
use crate::rules::RuleSet;
use crate::store::{StatementLog, Store};
use chrono::NaiveDate;
use std::path::Path;
use std::time::Instant;

/// The job `bench jobs` runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BenchedJob {
    /// `recompute wellbeing`.
    Recompute,
    /// `detect`.
    Detect,
}

/// One pass: the job, the raw stream of its reads, the replay of its other statements.
#[derive(Debug, Clone)]
pub struct JobPass {
    pub job: JobReport,
    pub raw_reads: RawStream,
    /// Statements the run sent besides its snapshot reads, replayed.
    pub statements: u64,
    /// Rows the replayed statements answered.
    pub replay_rows: u64,
    pub replay_seconds: f64,
}

impl JobPass {
    /// The job's rate against the raw snapshot stream alone (what `--compare-raw` prints).
    pub fn ratio_to_reads(&self) -> f64 {
        self.job.families_per_second() / self.raw_reads.families_per_second().max(1e-9)
    }
    /// Seconds of the raw database work: the reads' stream plus the replay of the writes.
    pub fn raw_seconds(&self) -> f64 {
        self.raw_reads.seconds + self.replay_seconds
    }
    /// The job's rate against the raw reads plus the raw writes, one after the other.
    pub fn ratio_to_reads_and_writes(&self) -> f64 {
        self.raw_seconds() / self.job.seconds.max(1e-9)
    }
}

/// The runs of `bench jobs`.
#[derive(Debug, Clone)]
pub struct JobsBench {
    /// The untimed warm-up streams of the two copies (run copy, replay copy).
    pub warm_up: (RawStream, RawStream),
    pub passes: Vec<JobPass>,
}

/// Copies `source` (a stopped data directory) twice under `scratch` (removed afterwards), runs
/// `job` on `as_of` `passes` times against the raw work of each pass (see the module doc).
#[allow(clippy::too_many_arguments)]
pub async fn jobs_against_raw(
    source: &Path,
    scratch: &Path,
    cache_dir: &Path,
    heap: &str,
    job: BenchedJob,
    rules: &RuleSet,
    as_of: NaiveDate,
    opts: &JobOptions,
    passes: usize,
) -> anyhow::Result<JobsBench> {
    if let Some(r) = crate::localdb::running(source) {
        anyhow::bail!(
            "a database is running on {} (pid {}): stop it first, `bench jobs` copies the directory",
            source.display(),
            r.owner_pid
        );
    }
    std::fs::create_dir_all(scratch)?;
    let (run_dir, replay_dir) = (scratch.join("run-db"), scratch.join("replay-db"));
    for d in [&run_dir, &replay_dir] {
        copy_dir(source, d)?;
    }
    let (mut run_db, run) = crate::bench_ingest::fresh_db(cache_dir, run_dir, heap).await?;
    let (mut replay_db, replay) =
        crate::bench_ingest::fresh_db(cache_dir, replay_dir, heap).await?;
    let result = async {
        let warm_up = (
            stream_snapshots_raw(&run, opts).await?,
            stream_snapshots_raw(&replay, opts).await?,
        );
        let mut out = vec![];
        for _ in 0..passes {
            let log = StatementLog::default();
            let opts = JobOptions {
                restart: true,
                statement_log: Some(log.clone()),
                ..opts.clone()
            };
            let report = run_job(&run, job, rules, as_of, &opts).await?;
            let raw_reads = stream_snapshots_raw(&run, &opts).await?;
            let statements = log.take();
            let n = statements.len() as u64;
            let started = Instant::now();
            let replay_rows = replay.replay_statements(statements).await?;
            out.push(JobPass {
                job: report,
                raw_reads,
                statements: n,
                replay_rows,
                replay_seconds: started.elapsed().as_secs_f64(),
            });
        }
        Ok::<_, JobError>(JobsBench {
            warm_up,
            passes: out,
        })
    }
    .await;
    drop((run, replay));
    run_db.stop();
    replay_db.stop();
    std::fs::remove_dir_all(scratch).ok();
    Ok(result?)
}

async fn run_job(
    store: &Store,
    job: BenchedJob,
    rules: &RuleSet,
    as_of: NaiveDate,
    opts: &JobOptions,
) -> Result<JobReport, JobError> {
    match job {
        BenchedJob::Recompute => {
            super::recompute::recompute_wellbeing(
                store,
                &rules.wellbeing,
                &rules.legal,
                as_of,
                opts,
            )
            .await
        }
        BenchedJob::Detect => {
            super::detect::detect(store, &rules.benefits, &rules.legal, as_of, opts).await
        }
    }
}

/// `cp -a from to`, without the copy's record of a running database.
fn copy_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    let status = std::process::Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()?;
    anyhow::ensure!(
        status.success(),
        "copying {} to {} failed",
        from.display(),
        to.display()
    );
    std::fs::remove_file(to.join(crate::localdb::RUNNING_RECORD)).ok();
    Ok(())
}
