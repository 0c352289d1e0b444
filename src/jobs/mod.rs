//! Country-wide jobs over every family card: the well-being recompute and benefit detection.
//!
//! One runner ([`run_family_job`]) does the part they share: stream the `Family` cards in keyset
//! pages, load each page's snapshots in batched single-round-trip reads with a few batches in
//! flight, evaluate each family with a pure function, write the page's results in one batch, then
//! save a checkpoint. Memory is bounded by one page. After a crash or `kill -9` the job resumes
//! after the last checkpointed page; the page in flight is re-run, and because every result write
//! is idempotent (keyed MERGE) nothing is counted twice.

pub mod assess;
pub mod detect;
pub mod recompute;
pub mod signals;

use crate::domain::family::FamilyId;
use crate::domain::ids::Iin;
use crate::domain::snapshot::FamilySnapshot;
use crate::store::{Checkpoint, Store, StoreError};
use chrono::NaiveDate;
use futures::{StreamExt, TryStreamExt};
use std::future::Future;
use std::time::Instant;

/// Tuning of a country-wide job.
#[derive(Debug, Clone)]
pub struct JobOptions {
    /// Families per keyset page (one checkpoint per page).
    pub page_size: usize,
    /// Families per snapshot read (one round trip).
    pub load_batch: usize,
    /// Snapshot reads in flight.
    pub concurrency: usize,
    /// Ignore an unfinished checkpoint and start from the first family.
    pub restart: bool,
    pub progress: bool,
    /// Stop after this many pages (tests of resumption; `None` = run to the end).
    pub max_pages: Option<usize>,
    /// Keep a checkpoint in the graph (off for read-only runs such as a what-if).
    pub checkpoint: bool,
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
}

/// The outcome of evaluating one family.
pub enum Evaluated<R> {
    Row(R),
    /// Nothing to write for this family.
    Nothing,
}

/// Runs a family job. `evaluate` is pure (snapshot → result); `write` stores one page's results
/// and returns how many records it created.
pub async fn run_family_job<R, E, W, WF>(
    store: &Store,
    job: &str,
    as_of: NaiveDate,
    opts: &JobOptions,
    evaluate: E,
    mut write: W,
) -> Result<JobReport, JobError>
where
    R: Send,
    E: Fn(&FamilySnapshot) -> Result<Evaluated<R>, String> + Sync,
    W: FnMut(Vec<(FamilyId, R)>) -> WF,
    WF: Future<Output = Result<u64, StoreError>>,
{
    let started = Instant::now();
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
    let total = store.count_families().await?;
    let bar = progress_bar(opts.progress, total, cp.processed, job);
    let mut report = JobReport {
        job: job.to_string(),
        run_id: cp.run_id.clone(),
        resumed_after,
        ..Default::default()
    };
    let mut pages = 0usize;
    loop {
        if opts.max_pages.is_some_and(|m| pages >= m) {
            break;
        }
        let page = store
            .families_page(&cp.after, opts.page_size as i64)
            .await?;
        let Some((last_id, _)) = page.last().cloned() else {
            cp.finished = true;
            if opts.checkpoint {
                store.save_checkpoint(job, &cp).await?;
            }
            break;
        };
        let batches: Vec<Vec<(String, String)>> = page
            .chunks(opts.load_batch.max(1))
            .map(|c| c.to_vec())
            .collect();
        let evaluate = &evaluate;
        let results: Vec<Vec<PageItem<R>>> = futures::stream::iter(batches)
            .map(|batch| async move { load_and_evaluate(store, batch, as_of, evaluate).await })
            .buffered(opts.concurrency.max(1))
            .try_collect()
            .await?;
        let mut rows = vec![];
        for item in results.into_iter().flatten() {
            match item {
                PageItem::Row(id, r) => rows.push((id, r)),
                PageItem::Nothing => {}
                PageItem::NotInForce => report.not_in_force += 1,
                PageItem::Failed => report.failed += 1,
            }
        }
        report.written += write(rows).await?;
        report.families += page.len() as u64;
        cp.processed += page.len() as u64;
        cp.after = last_id;
        if opts.checkpoint {
            store.save_checkpoint(job, &cp).await?;
        }
        if let Some(b) = &bar {
            b.set_position(cp.processed);
        }
        pages += 1;
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    report.families_total = cp.processed;
    report.finished = cp.finished;
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

enum PageItem<R> {
    Row(FamilyId, R),
    Nothing,
    NotInForce,
    Failed,
}

async fn load_and_evaluate<R, E>(
    store: &Store,
    batch: Vec<(String, String)>,
    as_of: NaiveDate,
    evaluate: &E,
) -> Result<Vec<PageItem<R>>, JobError>
where
    E: Fn(&FamilySnapshot) -> Result<Evaluated<R>, String>,
{
    let anchors: Vec<(String, Iin)> = batch
        .into_iter()
        .filter_map(|(fid, anchor)| match Iin::parse(&anchor) {
            Ok(i) => Some((fid, i)),
            Err(e) => {
                tracing::error!(family_id = %fid, error = %e, "family card with an invalid anchor IIN");
                None
            }
        })
        .collect();
    let iins: Vec<Iin> = anchors.iter().map(|(_, i)| i.clone()).collect();
    let loaded = store.load_neighbourhoods(&iins).await?;
    let mut by_anchor: std::collections::HashMap<Iin, _> =
        loaded.into_iter().map(|l| (l.focus.clone(), l)).collect();
    let mut out = Vec::with_capacity(anchors.len());
    for (fid, anchor) in anchors {
        let Some(ln) = by_anchor.remove(&anchor) else {
            tracing::error!(family_id = %fid, "family card whose anchor is not stored");
            out.push(PageItem::Failed);
            continue;
        };
        match crate::family_cards::snapshot_of_anchor(&ln, &anchor, as_of) {
            Ok(Some(s)) => match evaluate(&s) {
                Ok(Evaluated::Row(r)) => {
                    out.push(PageItem::Row(s.composition.family_id.clone(), r))
                }
                Ok(Evaluated::Nothing) => out.push(PageItem::Nothing),
                Err(e) => {
                    tracing::warn!(family_id = %fid, error = %e, "evaluation failed");
                    out.push(PageItem::Failed);
                }
            },
            Ok(None) => out.push(PageItem::NotInForce),
            Err(e) => {
                tracing::warn!(family_id = %fid, error = %e, "family composition failed");
                out.push(PageItem::Failed);
            }
        }
    }
    Ok(out)
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

/// Streams the raw snapshot query over every family without evaluating or writing: the
/// database's own rate for the read the jobs do, to compare a job's rate with.
pub async fn stream_snapshots_raw(
    store: &Store,
    opts: &JobOptions,
) -> Result<(u64, f64), JobError> {
    let started = Instant::now();
    let mut after = String::new();
    let mut families = 0u64;
    loop {
        let page = store.families_page(&after, opts.page_size as i64).await?;
        let Some((last, _)) = page.last().cloned() else {
            break;
        };
        let batches: Vec<Vec<Iin>> = page
            .chunks(opts.load_batch.max(1))
            .map(|c| c.iter().filter_map(|(_, a)| Iin::parse(a).ok()).collect())
            .collect();
        let loaded: Vec<usize> = futures::stream::iter(batches)
            .map(|b| async move { store.load_neighbourhoods(&b).await.map(|v| v.len()) })
            .buffered(opts.concurrency.max(1))
            .try_collect()
            .await?;
        families += loaded.iter().sum::<usize>() as u64;
        after = last;
    }
    Ok((families, started.elapsed().as_secs_f64()))
}
