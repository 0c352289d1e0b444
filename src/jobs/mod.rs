//! Country-wide jobs over every family card: the well-being recompute and benefit detection.
//!
//! One runner ([`run_family_job`], [`run_family_job_parallel`]) does the part they share, as a
//! pipeline at the database's pace: the family cards come as one keyset stream
//! ([`Store::pages`]); pages are read ahead and their snapshots loaded (batched single-round-trip
//! reads, `concurrency` in flight) while a page is evaluated by a pure function and the previous
//! page's results are written together with its checkpoint. Why tasks and threads: the client
//! shares the machine with the database, so its decoding and evaluation must neither serialise
//! the reads nor sit on one core. Each batch is read and decoded on a task of its own (any
//! runtime worker); with [`run_family_job_parallel`] its snapshots are also built and evaluated
//! on a blocking thread; and the page stream is polled while a write runs, so reads never wait
//! for writes. Memory is bounded by the pages in flight (at most four). After a crash or `kill -9` the job resumes
//! after the last checkpointed page; pages in flight are re-run, and because every result write is
//! idempotent (keyed MERGE) nothing is counted twice.
//!
//! Sharding (`--shard i/n`): each worker takes a disjoint range of family ids
//! ([`KeyRange::hex_shard`]) and keeps its own checkpoint, so several machines run one job
//! against one database.

pub mod assess;
pub mod bench;
pub mod detect;
pub mod recompute;
pub mod signals;

use crate::domain::family::FamilyId;
use crate::domain::ids::Iin;
use crate::domain::snapshot::FamilySnapshot;
use crate::store::pages::KeyRange;
use crate::store::{Checkpoint, FamilyRef, LoadedNeighbourhood, StatementLog, Store, StoreError};
use chrono::NaiveDate;
use futures::{StreamExt, TryStreamExt};
use std::collections::HashMap;
use std::future::Future;
use std::time::Instant;

/// Pages read ahead of the one being written (page n+1 loads while n evaluates and n−1 writes).
const PAGES_AHEAD: usize = 2;

/// Tuning of a country-wide job.
#[derive(Debug, Clone)]
pub struct JobOptions {
    /// Families per keyset page (one checkpoint per page).
    pub page_size: usize,
    /// Families per snapshot read (one round trip).
    pub load_batch: usize,
    /// Snapshot reads in flight per page.
    pub concurrency: usize,
    /// Ignore an unfinished checkpoint and start from the first family.
    pub restart: bool,
    pub progress: bool,
    /// Stop after this many pages (tests of resumption; `None` = run to the end).
    pub max_pages: Option<usize>,
    /// Keep a checkpoint in the graph (off for read-only runs such as a what-if).
    pub checkpoint: bool,
    /// `(i, n)`: run only shard i (0-based) of n disjoint family-id ranges, with its own checkpoint.
    pub shard: Option<(u32, u32)>,
    /// Keep every statement the run sends besides its snapshot reads (previous-assessment reads,
    /// record writes, checkpoints), for `bench jobs` to replay on a copy of the database.
    pub statement_log: Option<StatementLog>,
    /// Decode and evaluate every family, even one whose rows and rules are exactly those its
    /// record of the date was computed from (the recompute's digest skip is off): after a change
    /// of the evaluation's code within one version. What is written is decided as always.
    pub evaluate_all: bool,
}

impl Default for JobOptions {
    fn default() -> Self {
        JobOptions {
            page_size: 2_000,
            load_batch: 100,
            concurrency: 4,
            restart: false,
            progress: false,
            max_pages: None,
            checkpoint: true,
            shard: None,
            statement_log: None,
            evaluate_all: false,
        }
    }
}

impl JobOptions {
    /// The family ids this run covers.
    pub fn range(&self) -> KeyRange {
        match self.shard {
            Some((i, n)) => KeyRange::hex_shard("FAM-", i, n),
            None => KeyRange::all(),
        }
    }

    /// The checkpoint name of `job` for this run (one per shard).
    pub fn checkpoint_name(&self, job: &str) -> String {
        match self.shard {
            Some((i, n)) => format!("{job}#shard-{}-of-{n}", i + 1),
            None => job.to_string(),
        }
    }
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobReport {
    pub job: String,
    pub run_id: String,
    /// The run continued an interrupted one from this family id.
    pub resumed_after: Option<String>,
    /// Families processed by this run (all pages, including a re-run page after a resume).
    pub families: u64,
    /// Families processed over the whole run, counting pages done before a resume.
    pub families_total: u64,
    /// Cards whose anchor belonged to another family on the date (not evaluated).
    pub not_in_force: u64,
    /// Families whose evaluation failed (logged with the family id; the job goes on).
    pub failed: u64,
    /// Records the job's writer reported (new assessments, new entitlements).
    pub written: u64,
    /// Families whose rows were exactly those of their stored result (not decoded nor evaluated;
    /// [`run_family_job_incremental`]).
    pub unchanged: u64,
    pub finished: bool,
    pub seconds: f64,
}

impl JobReport {
    pub fn families_per_second(&self) -> f64 {
        self.families as f64 / self.seconds.max(1e-9)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("rules: {0}")]
    Rules(String),
    #[error("a job task failed: {0}")]
    Task(String),
}

/// The outcome of evaluating one family.
pub enum Evaluated<R> {
    Row(R),
    /// Nothing to write for this family.
    Nothing,
}

/// Runs a family job. `evaluate` is pure (snapshot → result); `write` stores one page's results
/// and returns how many records it created. The reads and their decoding run as tasks of their
/// own (on any runtime worker); `evaluate` runs on the job's task. A job whose evaluation is
/// heavy and whose rules it can own uses [`run_family_job_parallel`] instead.
pub async fn run_family_job<R, E, W, WF>(
    store: &Store,
    job: &str,
    as_of: NaiveDate,
    opts: &JobOptions,
    evaluate: E,
    write: W,
) -> Result<JobReport, JobError>
where
    R: Send,
    E: Fn(&FamilySnapshot) -> Result<Evaluated<R>, String> + Sync,
    W: FnMut(Vec<(FamilyId, R)>) -> WF,
    WF: Future<Output = Result<u64, StoreError>>,
{
    let evaluate = &evaluate;
    let mut write = write;
    run_pipeline(
        store,
        job,
        opts,
        no_prior,
        |batch, _| async move {
            let loaded = spawned(tokio::spawn(read_batch(store.clone(), batch))).await??;
            Ok(loaded
                .into_iter()
                .map(|f| evaluate_one(f, as_of, evaluate))
                .collect())
        },
        |rows, _| write(rows),
    )
    .await
}

/// [`run_family_job`] with the evaluation off the job's task as well: each batch is read and
/// decoded on a runtime worker, and its snapshots are built and evaluated on a blocking thread,
/// so reads, evaluation and writes of different batches and pages overlap on every core.
/// `evaluate` owns what it needs (the rules in force), hence `'static`.
pub async fn run_family_job_parallel<R, E, W, WF>(
    store: &Store,
    job: &str,
    as_of: NaiveDate,
    opts: &JobOptions,
    evaluate: E,
    write: W,
) -> Result<JobReport, JobError>
where
    R: Send + 'static,
    E: Fn(&FamilySnapshot) -> Result<Evaluated<R>, String> + Send + Sync + 'static,
    W: FnMut(Vec<(FamilyId, R)>) -> WF,
    WF: Future<Output = Result<u64, StoreError>>,
{
    let evaluate = std::sync::Arc::new(evaluate);
    let mut write = write;
    run_pipeline(
        store,
        job,
        opts,
        no_prior,
        |batch, _| {
            let store = store.clone();
            let evaluate = evaluate.clone();
            async move {
                spawned(tokio::spawn(async move {
                    let loaded = read_batch(store, batch).await?;
                    spawned(tokio::task::spawn_blocking(move || {
                        loaded
                            .into_iter()
                            .map(|f| evaluate_one(f, as_of, &*evaluate))
                            .collect::<Vec<PageItem<R>>>()
                    }))
                    .await
                }))
                .await?
            }
        },
        |rows, _| write(rows),
    )
    .await
}

/// What a job knows of a page before reading its neighbourhoods ([`run_family_job_incremental`]).
pub struct PagePrior<C> {
    /// Per anchor: the digest of the rows its stored result was computed from (on this date,
    /// under these rules). An anchor whose rows digest the same is not decoded nor evaluated.
    pub unchanged: HashMap<Iin, String>,
    /// What the job's writer needs of the page besides its results (e.g. the stored assessments).
    pub state: C,
}

/// A result of [`run_family_job_incremental`] with the digest of the rows it was computed from
/// (for the writer to store beside it).
pub struct Fresh<R> {
    pub result: R,
    pub rows_digest: String,
}

/// [`run_family_job_parallel`] for a job that stores one result per family and can tell from it
/// that nothing changed: before a page's neighbourhoods are read, `prior` reads what is stored of
/// its families ([`PagePrior`]); each family's rows are digested as received under `salt` (the
/// date and the rules, see `store::digest`), and a family whose digest is the stored one is
/// counted as unchanged without being decoded, built or evaluated: when nothing changed, the job
/// costs little more than receiving the rows. Every other family is evaluated as by
/// [`run_family_job_parallel`], and `write` gets its result with its digest and the page's prior
/// state. `salt` must cover everything besides the rows that the results depend on.
#[allow(clippy::too_many_arguments)]
pub async fn run_family_job_incremental<C, R, P, PF, E, W, WF>(
    store: &Store,
    job: &str,
    as_of: NaiveDate,
    opts: &JobOptions,
    salt: Vec<u8>,
    prior: P,
    evaluate: E,
    write: W,
) -> Result<JobReport, JobError>
where
    C: Send + Sync + 'static,
    R: Send + 'static,
    P: Fn(&[FamilyRef]) -> PF,
    PF: Future<Output = Result<PagePrior<C>, StoreError>>,
    E: Fn(&FamilySnapshot) -> Result<Evaluated<R>, String> + Send + Sync + 'static,
    W: FnMut(Vec<(FamilyId, Fresh<R>)>, std::sync::Arc<PagePrior<C>>) -> WF,
    WF: Future<Output = Result<u64, StoreError>>,
{
    let evaluate = std::sync::Arc::new(evaluate);
    let salt: std::sync::Arc<[u8]> = salt.into();
    run_pipeline(
        store,
        job,
        opts,
        |refs| {
            let read = prior(refs);
            async move { Ok(read.await?) }
        },
        |batch, prior: std::sync::Arc<PagePrior<C>>| {
            let store = store.clone();
            let evaluate = evaluate.clone();
            let salt = salt.clone();
            async move {
                spawned(tokio::spawn(async move {
                    let read = read_batch_digested(&store, batch, &salt, &prior.unchanged).await?;
                    spawned(tokio::task::spawn_blocking(move || {
                        read.into_iter()
                            .map(|(family, digest)| match family {
                                None => PageItem::Unchanged,
                                Some(f) => evaluate_one(f, as_of, &*evaluate).map(|result| Fresh {
                                    result,
                                    rows_digest: digest.clone(),
                                }),
                            })
                            .collect::<Vec<PageItem<Fresh<R>>>>()
                    }))
                    .await
                }))
                .await?
            }
        },
        write,
    )
    .await
}

/// The prior of a job that knows nothing of a page in advance.
fn no_prior(_: &[FamilyRef]) -> std::future::Ready<Result<(), JobError>> {
    std::future::ready(Ok(()))
}

/// The pipeline the runners share: keyset pages of family cards, `prior` once per page (before
/// its batches), `process` per batch of a page (`concurrency` in flight, [`PAGES_AHEAD`] pages
/// read ahead), the write of page n−1 (with its prior) and its checkpoint while page n is
/// processed.
async fn run_pipeline<C, R, P, PF, B, BF, W, WF>(
    store: &Store,
    job: &str,
    opts: &JobOptions,
    prior: P,
    process: B,
    mut write: W,
) -> Result<JobReport, JobError>
where
    P: Fn(&[FamilyRef]) -> PF,
    PF: Future<Output = Result<C, JobError>>,
    B: Fn(Vec<FamilyRef>, std::sync::Arc<C>) -> BF,
    BF: Future<Output = Result<Vec<PageItem<R>>, JobError>>,
    W: FnMut(Vec<(FamilyId, R)>, std::sync::Arc<C>) -> WF,
    WF: Future<Output = Result<u64, StoreError>>,
{
    let started = Instant::now();
    let job = opts.checkpoint_name(job);
    let job = job.as_str();
    let previous = if opts.checkpoint {
        store.checkpoint(job).await?
    } else {
        None
    };
    let (mut cp, resumed_after) = match previous {
        Some(c) if !c.finished && !opts.restart => {
            let after = c.after.clone();
            tracing::info!(job, after = %after, processed = c.processed, "resuming an interrupted run");
            (c, Some(after))
        }
        _ => (
            Checkpoint {
                after: String::new(),
                processed: 0,
                finished: false,
                run_id: format!("{}-{}", job, chrono::Utc::now().format("%Y%m%dT%H%M%S%.3f")),
            },
            None,
        ),
    };
    let total = store.count_families().await? / opts.shard.map_or(1, |(_, n)| n as u64);
    let bar = progress_bar(opts.progress, total, cp.processed, job);
    let mut report = JobReport {
        job: job.to_string(),
        run_id: cp.run_id.clone(),
        resumed_after,
        ..Default::default()
    };
    let max_pages = opts.max_pages.unwrap_or(usize::MAX);
    let (process, prior) = (&process, &prior);
    let evaluated = family_pages(store, opts, cp.after.clone())
        .take(max_pages)
        .map(|page| async move {
            let page = page?;
            let families = page.rows.len() as u64;
            let known = std::sync::Arc::new(prior(&page.rows).await?);
            let items: Vec<Vec<PageItem<R>>> = futures::stream::iter(batches(page.rows, opts))
                .map(|batch| process(batch, known.clone()))
                .buffered(opts.concurrency.max(1))
                .try_collect()
                .await?;
            Ok::<_, JobError>((page.after, families, items, known))
        })
        .buffered(PAGES_AHEAD);
    futures::pin_mut!(evaluated);
    let mut pages = 0usize;
    // Families of the pages handed to the writer (checkpointed once their write is done).
    let mut queued = cp.processed;
    // The write of the previous page and its checkpoint, and the next page, processed and
    // waiting for the writer. The page stream is polled while a write runs, so reads never
    // wait for writes: at most this page, the one being written and `PAGES_AHEAD` in progress.
    let mut pending: Option<PendingWrite<'_>> = None;
    let mut ready: Option<ProcessedPage<R, C>> = None;
    let mut exhausted = false;
    loop {
        if pending.is_none() {
            if let Some((after, families, items, known)) = ready.take() {
                let mut rows = vec![];
                for item in items.into_iter().flatten() {
                    match item {
                        PageItem::Row(id, r) => rows.push((id, r)),
                        PageItem::Nothing => {}
                        PageItem::Unchanged => report.unchanged += 1,
                        PageItem::NotInForce => report.not_in_force += 1,
                        PageItem::Failed => report.failed += 1,
                    }
                }
                report.families += families;
                pages += 1;
                queued += families;
                let mut next_cp = cp.clone();
                next_cp.processed = queued;
                next_cp.after = after;
                let write = write(rows, known);
                let checkpoint = opts.checkpoint;
                let log = opts.statement_log.as_ref();
                pending = Some(Box::pin(async move {
                    let n = write.await?;
                    if checkpoint {
                        store.save_checkpoint_logged(job, &next_cp, log).await?;
                    }
                    Ok((n, next_cp))
                }));
                continue;
            }
            if exhausted {
                break;
            }
        }
        tokio::select! {
            w = async { pending.as_mut().expect("guarded by the condition").await }, if pending.is_some() => {
                pending = None;
                let (n, saved) = w?;
                report.written += n;
                cp = saved;
                if let Some(b) = &bar {
                    b.set_position(cp.processed);
                }
            }
            next = evaluated.next(), if ready.is_none() && !exhausted => match next {
                Some(page) => ready = Some(page?),
                None => exhausted = true,
            },
        }
    }
    if pages < max_pages {
        cp.finished = true;
        if opts.checkpoint {
            store
                .save_checkpoint_logged(job, &cp, opts.statement_log.as_ref())
                .await?;
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    report.families_total = cp.processed;
    report.finished = cp.finished;
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// The job's family cards from keyset position `after` on, in the run's key range, page by page.
fn family_pages<'a>(
    store: &'a Store,
    opts: &JobOptions,
    after: String,
) -> impl futures::Stream<Item = Result<crate::store::pages::Page<FamilyRef>, StoreError>> + 'a {
    let range = opts.range();
    store.pages(
        after,
        opts.page_size,
        move |s, after, limit| {
            let range = range.clone();
            async move { s.family_refs_page(&range, &after, limit).await }
        },
        |f: &FamilyRef| f.family_id.clone(),
    )
}

/// A page's families in batches of one snapshot read each.
fn batches(rows: Vec<FamilyRef>, opts: &JobOptions) -> Vec<Vec<FamilyRef>> {
    let size = opts.load_batch.max(1);
    let mut out = Vec::with_capacity(rows.len().div_ceil(size));
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        out.push(rows.by_ref().take(size).collect());
    }
    out
}

/// The result of a spawned task; a task that panicked or was cancelled is a job error.
async fn spawned<T>(task: tokio::task::JoinHandle<T>) -> Result<T, JobError> {
    task.await.map_err(|e| JobError::Task(e.to_string()))
}

/// A page read and evaluated: its keyset position, its number of families, its batches' items,
/// what was known of it before.
type ProcessedPage<R, C> = (String, u64, Vec<Vec<PageItem<R>>>, std::sync::Arc<C>);

/// A page's write and checkpoint in flight: records written and the checkpoint saved after it.
type PendingWrite<'a> =
    std::pin::Pin<Box<dyn Future<Output = Result<(u64, Checkpoint), JobError>> + 'a>>;

enum PageItem<R> {
    Row(FamilyId, R),
    Nothing,
    /// Rows exactly those of the stored result (not decoded nor evaluated).
    Unchanged,
    NotInForce,
    Failed,
}

impl<R> PageItem<R> {
    fn map<T>(self, f: impl FnOnce(R) -> T) -> PageItem<T> {
        match self {
            PageItem::Row(id, r) => PageItem::Row(id, f(r)),
            PageItem::Nothing => PageItem::Nothing,
            PageItem::Unchanged => PageItem::Unchanged,
            PageItem::NotInForce => PageItem::NotInForce,
            PageItem::Failed => PageItem::Failed,
        }
    }
}

/// One family of a batch as read: its card id and its anchor's neighbourhood (`None` when the
/// anchor is not usable: an invalid IIN, or not stored; logged).
type ReadFamily = (String, Option<(Iin, LoadedNeighbourhood)>);

/// Reads the neighbourhoods of a batch's anchors in ONE round trip, decoded into typed rows.
async fn read_batch(store: Store, batch: Vec<FamilyRef>) -> Result<Vec<ReadFamily>, JobError> {
    let anchors = parse_anchors(batch);
    let iins: Vec<Iin> = anchors.iter().filter_map(|(_, i)| i.clone()).collect();
    let loaded = store.load_neighbourhoods(&iins).await?;
    let mut by_anchor: HashMap<Iin, LoadedNeighbourhood> =
        loaded.into_iter().map(|l| (l.focus.clone(), l)).collect();
    Ok(anchors
        .into_iter()
        .map(|(fid, anchor)| {
            let read = anchor.and_then(|a| {
                let ln = by_anchor.remove(&a);
                if ln.is_none() {
                    tracing::error!(family_id = %fid, "family card whose anchor is not stored");
                }
                ln.map(|ln| (a, ln))
            });
            (fid, read)
        })
        .collect())
}

/// [`read_batch`] with each anchor's rows digested under `salt`: `(None, digest)` for an anchor
/// whose digest is the one `unchanged` holds (not decoded), else the family as read and its
/// digest (an anchor not usable or not stored is read as in [`read_batch`], digest empty).
async fn read_batch_digested(
    store: &Store,
    batch: Vec<FamilyRef>,
    salt: &[u8],
    unchanged: &HashMap<Iin, String>,
) -> Result<Vec<(Option<ReadFamily>, String)>, JobError> {
    let anchors = parse_anchors(batch);
    let iins: Vec<Iin> = anchors.iter().filter_map(|(_, i)| i.clone()).collect();
    let loaded = store
        .load_neighbourhoods_digested(&iins, salt, unchanged)
        .await?;
    let mut by_anchor: HashMap<Iin, crate::store::DigestedLoad> =
        loaded.into_iter().map(|l| (l.focus.clone(), l)).collect();
    Ok(anchors
        .into_iter()
        .map(|(fid, anchor)| {
            let Some(a) = anchor else {
                return (Some((fid, None)), String::new());
            };
            match by_anchor.remove(&a) {
                Some(l) => match l.loaded {
                    None => (None, l.digest),
                    Some(ln) => (Some((fid, Some((a, ln)))), l.digest),
                },
                None => {
                    tracing::error!(family_id = %fid, "family card whose anchor is not stored");
                    (Some((fid, None)), String::new())
                }
            }
        })
        .collect())
}

/// A batch's family ids with their anchors' IINs (`None` when invalid; logged).
fn parse_anchors(batch: Vec<FamilyRef>) -> Vec<(String, Option<Iin>)> {
    batch
        .into_iter()
        .map(|FamilyRef { family_id: fid, anchor_iin: anchor }| match Iin::parse(&anchor) {
            Ok(i) => (fid, Some(i)),
            Err(e) => {
                tracing::error!(family_id = %fid, error = %e, "family card with an invalid anchor IIN");
                (fid, None)
            }
        })
        .collect()
}

/// Builds one family's snapshot on `as_of` and evaluates it (pure).
fn evaluate_one<R, E>(family: ReadFamily, as_of: NaiveDate, evaluate: &E) -> PageItem<R>
where
    E: Fn(&FamilySnapshot) -> Result<Evaluated<R>, String> + ?Sized,
{
    let (fid, read) = family;
    let Some((anchor, ln)) = read else {
        return PageItem::Failed;
    };
    match crate::family_cards::snapshot_of_anchor(&ln, &anchor, as_of) {
        Ok(Some(s)) => match evaluate(&s) {
            Ok(Evaluated::Row(r)) => PageItem::Row(s.composition.family_id.clone(), r),
            Ok(Evaluated::Nothing) => PageItem::Nothing,
            Err(e) => {
                tracing::warn!(family_id = %fid, error = %e, "evaluation failed");
                PageItem::Failed
            }
        },
        Ok(None) => PageItem::NotInForce,
        Err(e) => {
            tracing::warn!(family_id = %fid, error = %e, "family composition failed");
            PageItem::Failed
        }
    }
}

fn progress_bar(on: bool, total: u64, pos: u64, job: &str) -> Option<indicatif::ProgressBar> {
    if !on {
        return None;
    }
    let b = indicatif::ProgressBar::new(total);
    b.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg} [{elapsed_precise}] {wide_bar} {pos}/{len} families ({per_sec}, eta {eta})",
        )
        .expect("valid template"),
    );
    b.set_message(job.to_string());
    b.set_position(pos);
    Some(b)
}

/// What the raw snapshot stream measured.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawStream {
    pub families: u64,
    /// Rows received (one per person of each neighbourhood), counted, not decoded.
    pub rows: u64,
    pub seconds: f64,
}

impl RawStream {
    pub fn families_per_second(&self) -> f64 {
        self.families as f64 / self.seconds.max(1e-9)
    }
}

/// Streams the jobs' snapshot statement over the same families (range, pages, batches, reads in
/// flight and pages ahead as [`run_family_job`]) and only counts the rows received: the rate of
/// the database and the wire, to compare a job's rate with. Nothing is decoded, evaluated or
/// written.
pub async fn stream_snapshots_raw(store: &Store, opts: &JobOptions) -> Result<RawStream, JobError> {
    let started = Instant::now();
    let counted: Vec<(u64, u64)> = family_pages(store, opts, String::new())
        .map(|page| async move {
            let page = page?;
            let families = page.rows.len() as u64;
            let rows: Vec<u64> = futures::stream::iter(batches(page.rows, opts))
                .map(|batch| {
                    let store = store.clone();
                    let iins: Vec<Iin> = batch
                        .iter()
                        .filter_map(|f| Iin::parse(&f.anchor_iin).ok())
                        .collect();
                    // Spawned like the job's reads, so both receive on every runtime worker.
                    spawned(tokio::spawn(async move {
                        store.neighbourhoods_statement_raw(&iins).await
                    }))
                })
                .buffered(opts.concurrency.max(1))
                .map(|r| Ok::<_, JobError>(r??))
                .try_collect()
                .await?;
            Ok::<_, JobError>((families, rows.iter().sum::<u64>()))
        })
        .buffered(PAGES_AHEAD)
        .try_collect()
        .await?;
    Ok(RawStream {
        families: counted.iter().map(|c| c.0).sum(),
        rows: counted.iter().map(|c| c.1).sum(),
        seconds: started.elapsed().as_secs_f64(),
    })
}
