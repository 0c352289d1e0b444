//! Bulk ingest of registry records as a pipeline shared by `family-card load` (a directory of
//! NDJSON files, one record kind per file; format: `fixtures/README.md`) and the HTTP ingest
//! jobs ([`jobs`]):
//!
//! source ([`source`]: bounded lines of one kind) → validate ([`validate`]: a Cypher row or a
//! reject naming file, line and field) → rounds ([`rounds`]: rows dealt into statements in which
//! no node repeats) → write ([`write`]: one idempotent `UNWIND … MERGE` per batch, which tells
//! the unknown references) — with every reject handed to a [`sink::RejectSink`] and every
//! written record to a [`sink::AcceptedSink`] as it is found. Memory is bounded whatever the
//! size: one line, one window of rounds, and (for persons) 8 bytes per IIN for the duplicate
//! check; reports go to files or to a bounded list.

pub mod jobs;
mod pipeline;
pub mod rounds;
pub mod sink;
pub mod source;
pub mod validate;
pub mod write;

pub use validate::{
    check_file, for_each_row, for_each_row_referencing, kazakhstan_today, known_files,
    validate_record, validate_record_on, CheckedFile, Context, Kind, DATE_YEARS, ID_MAX_CHARS,
    LINE_MAX_BYTES, MAX_COUNT, MAX_KZT, NAME_MAX_CHARS, TEXT_MAX_CHARS,
};

use crate::store::{Store, StoreError};
use pipeline::Pipeline;
use rounds::Rounds;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sink::{Accepted, AcceptedSink, BoundedList, Discard, NdjsonFile, RejectSink, Tee};
use source::read_line_bounded;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::time::Instant;
use validate::{FileChecker, Line, KINDS, LINE_MAX_BYTES as LINE_MAX};
use write::{BatchOutcome, Capture, CapturedWrite, WriteTarget};

/// One rejected line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reject {
    pub file: String,
    pub line: usize,
    /// The field at fault (`$` for the whole line).
    pub field: String,
    pub error: String,
    /// The raw line, as read.
    pub record: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct FileSummary {
    pub file: String,
    pub read: usize,
    pub written: usize,
    pub rejected: usize,
    /// Seconds from opening the file until its last batch was written.
    pub seconds: f64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct IngestSummary {
    pub files: Vec<FileSummary>,
    /// The first [`IngestOptions::rejects_kept`] rejects (sorted by line within each file); all
    /// of them are in the rejects file when one was asked for.
    pub rejects: Vec<Reject>,
    /// Rejects beyond those kept in memory.
    pub rejects_not_kept: usize,
    pub seconds: f64,
}

impl IngestSummary {
    pub fn read(&self) -> usize {
        self.files.iter().map(|f| f.read).sum()
    }
    pub fn written(&self) -> usize {
        self.files.iter().map(|f| f.written).sum()
    }
    pub fn rejected(&self) -> usize {
        self.files.iter().map(|f| f.rejected).sum()
    }
    pub fn records_per_second(&self) -> f64 {
        self.written() as f64 / self.seconds.max(1e-9)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("cannot read {path}: {cause}")]
    Io {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub struct IngestOptions {
    pub batch_size: usize,
    /// Where rejects are written as NDJSON (`None`: kept in the summary only).
    pub rejects_path: Option<PathBuf>,
    /// How many rejects the summary keeps in memory (the rest are counted).
    pub rejects_kept: usize,
    pub progress: bool,
    /// Batches sent at the same time (never two touching the same node: `pipeline`).
    pub writers: usize,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            writers: 1,
            batch_size: 5_000,
            rejects_path: None,
            rejects_kept: 10_000,
            progress: false,
        }
    }
}

/// What a run over one source does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pass {
    /// Validate every line and report its rejects; write nothing (a job's `validating` state).
    Check,
    /// Validate and write; validation rejects are reported only if `report_invalid` (a job's
    /// `writing` state reports only unknown references: its check pass reported the rest).
    Write { report_invalid: bool },
}

/// Counts of one run over one source.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceCounts {
    /// Records read (non-blank lines).
    pub records: u64,
    /// Lines that failed validation.
    pub invalid: u64,
    /// Records the database wrote.
    pub written: u64,
    /// Valid records whose referenced person or address is not in the registry.
    pub unknown_references: u64,
    /// Bytes read so far.
    pub bytes: u64,
}

/// The pipeline over one source of one kind: every line through validation, valid rows through
/// rounds into batches, each batch written; rejects and accepted records to their sinks as they
/// are found. `progress` is called after each line read (cheap) with the counts so far and
/// whether a batch was just written.
#[allow(clippy::too_many_arguments)]
pub async fn run_source<R: BufRead>(
    store: &Store,
    kind: &Kind,
    reader: R,
    source_path: &Path,
    ctx: &Context,
    batch_size: usize,
    pass: Pass,
    rejects: &mut dyn RejectSink,
    accepted: &mut dyn AcceptedSink,
    progress: &mut (dyn FnMut(&SourceCounts, bool) + Send),
) -> Result<SourceCounts, IngestError> {
    run_source_to(
        &WriteTarget::Database(store.clone()),
        kind,
        reader,
        source_path,
        ctx,
        (batch_size, 1),
        pass,
        rejects,
        accepted,
        progress,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn run_source_to<R: BufRead>(
    target: &WriteTarget,
    kind: &Kind,
    mut reader: R,
    source_path: &Path,
    ctx: &Context,
    (batch_size, writers): (usize, usize),
    pass: Pass,
    rejects: &mut dyn RejectSink,
    accepted: &mut dyn AcceptedSink,
    progress: &mut (dyn FnMut(&SourceCounts, bool) + Send),
) -> Result<SourceCounts, IngestError> {
    let mut counts = SourceCounts::default();
    let mut rounds = Rounds::new(
        batch_size,
        crate::store::series::is_series(kind.file),
        writers,
    );
    let mut pipeline = Pipeline::new(target.clone(), writers);
    let mut checker = FileChecker::new(kind, *ctx);
    let mut buf = Vec::new();
    let io = |cause| IngestError::Io {
        path: source_path.to_path_buf(),
        cause,
    };
    while let Some(len) = read_line_bounded(&mut reader, &mut buf, LINE_MAX).map_err(io)? {
        counts.bytes += len as u64 + 1;
        let mut wrote = false;
        match checker.next(&buf, len) {
            Line::Blank => {}
            Line::Valid(row) => {
                counts.records += 1;
                if let Pass::Write { .. } = pass {
                    if let Some(batch) = rounds.push(row) {
                        if let Some(out) = pipeline.submit(kind.file, kind.statement, batch).await?
                        {
                            outcome(kind, out, &mut counts, rejects, accepted)?;
                            wrote = true;
                        }
                    }
                }
            }
            Line::Rejected(r) => {
                counts.records += 1;
                counts.invalid += 1;
                if pass
                    != (Pass::Write {
                        report_invalid: false,
                    })
                {
                    rejects.reject(r)?;
                }
            }
        }
        progress(&counts, wrote);
    }
    for batch in rounds.drain() {
        if batch.is_empty() {
            continue;
        }
        if let Some(out) = pipeline.submit(kind.file, kind.statement, batch).await? {
            outcome(kind, out, &mut counts, rejects, accepted)?;
            progress(&counts, true);
        }
    }
    while let Some(out) = pipeline.next_outcome().await? {
        outcome(kind, out, &mut counts, rejects, accepted)?;
        progress(&counts, true);
    }
    rejects.end_file()?;
    Ok(counts)
}

/// One written batch's outcome to the counts and the sinks.
fn outcome(
    kind: &Kind,
    out: BatchOutcome,
    counts: &mut SourceCounts,
    rejects: &mut dyn RejectSink,
    accepted: &mut dyn AcceptedSink,
) -> Result<(), IngestError> {
    for r in out.written {
        counts.written += 1;
        let s = |k: &str| r.value.get(k).and_then(Value::as_str).map(str::to_string);
        accepted.accepted(Accepted {
            file: kind.file.into(),
            line: r.line,
            key: s("key"),
            owner: s("owner"),
            target: s("target"),
        })?;
    }
    for r in out.unknown {
        counts.unknown_references += 1;
        let what = write::describe_reference(&r.value);
        rejects.reject(Reject {
            file: kind.file.into(),
            line: r.line,
            field: r.reference_field.into(),
            error: format!("unknown reference: {what} is not in the registry"),
            record: r.raw,
        })?;
    }
    Ok(())
}

/// Loads every known file present in `dir`, validated as of [`kazakhstan_today`].
pub async fn load_dir(
    store: &Store,
    dir: &Path,
    opts: &IngestOptions,
) -> Result<IngestSummary, IngestError> {
    load_dir_on(store, dir, opts, &Context::on(kazakhstan_today())).await
}

/// [`load_dir`] with an explicit validation context (the reference date).
pub async fn load_dir_on(
    store: &Store,
    dir: &Path,
    opts: &IngestOptions,
    ctx: &Context,
) -> Result<IngestSummary, IngestError> {
    load_dir_to(&WriteTarget::Database(store.clone()), dir, opts, ctx).await
}

/// Runs [`load_dir_on`]'s pipeline over `dir` without a database: every write it would send
/// (statement and Bolt parameters, in order) is kept in memory instead, for a raw replay
/// (`src/bench_load.rs`). Every valid row counts as written (no reference is checked).
pub async fn capture_dir(
    dir: &Path,
    opts: &IngestOptions,
    ctx: &Context,
) -> Result<(IngestSummary, Vec<CapturedWrite>), IngestError> {
    let capture = Capture::default();
    let summary = load_dir_to(&WriteTarget::Capture(capture.clone()), dir, opts, ctx).await?;
    Ok((summary, capture.take()))
}

async fn load_dir_to(
    target: &WriteTarget,
    dir: &Path,
    opts: &IngestOptions,
    ctx: &Context,
) -> Result<IngestSummary, IngestError> {
    let started = Instant::now();
    let present: Vec<(&Kind, PathBuf)> = KINDS
        .iter()
        .map(|k| (k, dir.join(k.file)))
        .filter(|(_, p)| p.is_file())
        .collect();
    if present.is_empty() {
        return Err(IngestError::Io {
            path: dir.to_path_buf(),
            cause: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!(
                    "no registry files found (expected some of: {})",
                    known_files().join(", ")
                ),
            ),
        });
    }
    let total_bytes: u64 = present
        .iter()
        .map(|(_, p)| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0))
        .sum();
    let bar = if opts.progress {
        let b = indicatif::ProgressBar::new(total_bytes);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} {msg:24} [{bar:40}] {bytes}/{total_bytes} ({bytes_per_sec}, eta {eta})",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        b
    } else {
        indicatif::ProgressBar::hidden()
    };
    let mut file_sink = match &opts.rejects_path {
        Some(p) => Some(NdjsonFile::create(p)?),
        None => None,
    };
    let mut kept = BoundedList::new(opts.rejects_kept);
    let mut summary = IngestSummary::default();
    for (kind, path) in present {
        bar.set_message(kind.file);
        let f = std::fs::File::open(&path).map_err(|cause| IngestError::Io {
            path: path.clone(),
            cause,
        })?;
        let mut sink: Box<dyn RejectSink + '_> = match file_sink.as_mut() {
            Some(f) => Box::new(Tee(f, &mut kept)),
            None => Box::new(&mut kept),
        };
        let mut last = 0u64;
        let file_started = Instant::now();
        let counts = run_source_to(
            target,
            kind,
            BufReader::new(f),
            &path,
            ctx,
            (opts.batch_size, opts.writers),
            Pass::Write {
                report_invalid: true,
            },
            sink.as_mut(),
            &mut Discard,
            &mut |c, _| {
                bar.inc(c.bytes - last);
                last = c.bytes;
            },
        )
        .await?;
        drop(sink);
        let fs = FileSummary {
            file: kind.file.to_string(),
            read: counts.records as usize,
            written: counts.written as usize,
            rejected: (counts.invalid + counts.unknown_references) as usize,
            seconds: file_started.elapsed().as_secs_f64(),
        };
        tracing::info!(
            file = kind.file,
            read = fs.read,
            written = fs.written,
            rejected = fs.rejected,
            "file loaded"
        );
        summary.files.push(fs);
    }
    if let Some(f) = file_sink {
        f.finish()?;
    }
    bar.finish_and_clear();
    summary.rejects_not_kept = kept.not_kept;
    summary.rejects = kept.into_rejects();
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// Turns a JSON object into a map (helper for callers building rows by hand).
pub fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}
