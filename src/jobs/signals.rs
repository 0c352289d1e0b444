//! `family-card signals run [--as-of D]`: the fraud signals of every family card, stored with
//! their evidence. Built on the shared runner ([`run_family_job`]: keyset pages, checkpoints,
//! resumable, bounded by one page): the pure step names each card's living adults and region; the
//! page's writer loads each adult's signal slice (`Store::signal_slice`), evaluates the signals in
//! force on the date (`domain::signals`) and MERGEs every hit on its stable key
//! ([`Hit::key`]: the same hit found from two of its subjects, or by a re-run, is one record).
//! When a run finishes, the hits of its date it did not find again are removed (stale).
//!
//! The page's slices are loaded `load_batch` adults at a time ([`Store::signal_slices`]: every
//! explorer of the batch advanced together, one statement per hop round), `concurrency` batches
//! in flight, while the runner reads the next page. Rings are not judged per slice here (a slice
//! sees two hops): after the family pages, [`ring_pass`] streams every person's identifiers and
//! household links in keyset pages into the whole-graph union-find (`domain::signals::rings::
//! RingPass`), loads the persons of each candidate component and stores its hit on every family
//! card of the ring.
//!
//! `--compare-raw` ([`compare_raw`]): the run logs the inputs of every link read to a spool file
//! (memory stays one page), then the same reads are replayed — the runner's snapshot stream and
//! the logged link reads side by side, with the same pages, key range, batches and reads in
//! flight, then the ring pass's pages — counting rows and decoding nothing.

use super::{run_family_job, stream_snapshots_raw, Evaluated, JobError, JobOptions, JobReport};
use crate::domain::family::FamilyId;
use crate::domain::ids::Iin;
use crate::domain::signals::rings::{self, RingFacts, RingPass};
use crate::domain::signals::{self, Hit, SignalCatalog, SignalKind, SignalRules};
use crate::store::LinkRead;
use crate::store::{Checkpoint, Store, StoreError};
use chrono::NaiveDate;
use futures::{StreamExt, TryStreamExt};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

/// What the pure step hands the writer per card: its living adults and its region.
type Card = (Vec<Iin>, Option<String>);

pub fn job_name(as_of: NaiveDate) -> String {
    format!("signals:{as_of}")
}

/// What a signals run did, beyond the runner's report.
#[derive(Debug, Clone, Default)]
pub struct SignalsReport {
    pub job: JobReport,
    /// Stale hits of the date removed after the finished run.
    pub pruned: u64,
    /// The whole-graph ring pass (after a finished run of the family pages).
    pub rings: Option<RingReport>,
    /// The dead-recipient pass over every person with a death record (after the rings).
    pub dead: Option<DeadReport>,
}

/// What the dead-recipient pass did: the dead have no family card in force, so the family
/// pages reach a dead recipient only through a living relative's slice; this pass reads every
/// person with a death record on the date and judges their own slice.
#[derive(Debug, Clone, Default)]
pub struct DeadReport {
    pub persons_read: u64,
    pub hits: u64,
    pub seconds: f64,
}

/// What the whole-graph ring pass did.
#[derive(Debug, Clone, Default)]
pub struct RingReport {
    /// Persons streamed (every stored person) and known to the union-find (with the household
    /// members they name).
    pub persons_read: u64,
    pub persons_known: usize,
    /// Components of at least `min_families` households, and those that were hits.
    pub candidates: usize,
    pub hits: usize,
    pub seconds: f64,
}

/// The graph record of one hit found from `family_id`.
pub fn hit_row(family_id: &FamilyId, region: Option<&str>, h: &Hit, as_of: NaiveDate) -> Value {
    let pairs = |v: &[(String, String)]| -> Value {
        Value::Array(
            v.iter()
                .map(|(n, x)| json!({"name": n, "value": x}))
                .collect(),
        )
    };
    let evidence = json!({
        "nodes": h.evidence.nodes,
        "edges": h.evidence.edges,
    });
    json!({
        "family_id": family_id.as_str(),
        "hit_key": h.key(as_of),
        "props": {
            "signal": h.signal.code(),
            "as_of": as_of.to_string(),
            "family_id": family_id.as_str(),
            "region": region,
            "score": h.score,
            "rule_version": h.rule_version,
            "subjects": h.subjects.iter().map(|i| i.as_str().to_string()).collect::<Vec<_>>(),
            "thresholds": pairs(&h.thresholds).to_string(),
            "facts": pairs(&h.facts).to_string(),
            "matters_for": h.matters_for,
            "evidence": evidence.to_string(),
        }
    })
}

/// The stamp every hit of this run carries: the interrupted run's when resuming it (kept in
/// its own checkpoint record, `<job>:stamp`, because the runner names its run only after the
/// first page), a new one otherwise. Pruning removes the date's hits with another stamp.
async fn run_stamp(store: &Store, job: &str, opts: &JobOptions) -> Result<String, JobError> {
    let key = format!("{job}:stamp");
    let resuming = !opts.restart && store.checkpoint(job).await?.is_some_and(|c| !c.finished);
    if resuming {
        if let Some(c) = store.checkpoint(&key).await? {
            return Ok(c.run_id);
        }
    }
    let stamp = format!("{job}-{}", chrono::Utc::now().format("%Y%m%dT%H%M%S%.6f"));
    if opts.checkpoint {
        store
            .save_checkpoint(
                &key,
                &Checkpoint {
                    after: String::new(),
                    processed: 0,
                    finished: false,
                    run_id: stamp.clone(),
                },
            )
            .await?;
    }
    Ok(stamp)
}

/// The link reads of a run, one line per batch of adults (reads `;`-separated, each
/// `iin,iin…|phone,phone…`), so the raw replay issues the same statements in the same groups.
struct ReadSpool {
    path: PathBuf,
    out: Mutex<std::io::BufWriter<std::fs::File>>,
}

impl ReadSpool {
    fn create() -> std::io::Result<Self> {
        let path = std::env::temp_dir().join(format!(
            "family-card-signals-reads-{}-{}.log",
            std::process::id(),
            chrono::Utc::now().format("%Y%m%dT%H%M%S%.6f")
        ));
        let out = Mutex::new(std::io::BufWriter::new(std::fs::File::create(&path)?));
        Ok(ReadSpool { path, out })
    }

    fn append(&self, reads: &[LinkRead]) -> Result<(), JobError> {
        if reads.is_empty() {
            return Ok(());
        }
        let line: Vec<String> = reads
            .iter()
            .map(|r| {
                let iins: Vec<&str> = r.iins.iter().map(|i| i.as_str()).collect();
                format!("{}|{}", iins.join(","), r.phones.join(","))
            })
            .collect();
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        writeln!(out, "{}", line.join(";")).map_err(spool_error)
    }

    fn finish(&self) -> Result<(), JobError> {
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        out.flush().map_err(spool_error)
    }
}

impl Drop for ReadSpool {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

fn spool_error(e: std::io::Error) -> JobError {
    JobError::Rules(format!("the raw-read spool file: {e}"))
}

fn parse_reads(line: &str) -> Vec<LinkRead> {
    line.split(';')
        .filter_map(|r| {
            let (iins, phones) = r.split_once('|')?;
            Some(LinkRead {
                iins: iins.split(',').filter_map(|i| Iin::parse(i).ok()).collect(),
                phones: phones
                    .split(',')
                    .filter(|p| !p.is_empty())
                    .map(str::to_string)
                    .collect(),
            })
        })
        .collect()
}

/// Runs the signals over every family card on `as_of`, then the whole-graph ring pass.
pub async fn run_signals(
    store: &Store,
    catalog: &SignalCatalog,
    as_of: NaiveDate,
    opts: &JobOptions,
) -> Result<SignalsReport, JobError> {
    run(store, catalog, as_of, opts, None).await
}

async fn run(
    store: &Store,
    catalog: &SignalCatalog,
    as_of: NaiveDate,
    opts: &JobOptions,
    spool: Option<&ReadSpool>,
) -> Result<SignalsReport, JobError> {
    let rules = catalog
        .in_force(as_of)
        .cloned()
        .ok_or_else(|| JobError::Rules(format!("no signal rules in force on {as_of}")))?;
    let name = job_name(as_of);
    let stamp = run_stamp(store, &name, opts).await?;
    let rules = &rules;
    let stamp_ref = &stamp;
    let report = run_family_job(
        store,
        &name,
        as_of,
        opts,
        |s| {
            let adults: Vec<Iin> = s
                .adults()
                .filter(|m| m.facts.person.alive_on(as_of))
                .map(|m| m.iin().clone())
                .collect();
            Ok(if adults.is_empty() {
                Evaluated::Nothing
            } else {
                Evaluated::Row((adults, s.region().map(str::to_string)))
            })
        },
        |rows: Vec<(FamilyId, Card)>| async move {
            let adults: Vec<(usize, Iin)> = rows
                .iter()
                .enumerate()
                .flat_map(|(k, (_, (adults, _)))| adults.iter().map(move |a| (k, a.clone())))
                .collect();
            let batches: Vec<Vec<(usize, Iin)>> = adults
                .chunks(opts.load_batch.max(1))
                .map(|c| c.to_vec())
                .collect();
            let evaluated: Vec<Vec<(usize, Hit)>> = futures::stream::iter(batches)
                .map(|batch| async move {
                    let iins: Vec<Iin> = batch.iter().map(|(_, a)| a.clone()).collect();
                    let mut log = spool.map(|_| vec![]);
                    let slices = store
                        .signal_slices(&iins, rules.assets_on_relatives.max_links, log.as_mut())
                        .await?;
                    if let (Some(sp), Some(log)) = (spool, log) {
                        sp.append(&log).map_err(|e| StoreError::Shape {
                            what: "raw-read spool",
                            cause: e.to_string(),
                        })?;
                    }
                    let mut hits = vec![];
                    for ((k, a), slice) in batch.iter().zip(slices) {
                        let Some(slice) = slice else { continue };
                        // Rings are judged over the whole graph (`ring_pass`), not per slice.
                        hits.extend(
                            signals::evaluate(&slice, a, as_of, rules)
                                .into_iter()
                                .filter(|h| h.signal != SignalKind::Ring)
                                .map(|h| (*k, h)),
                        );
                    }
                    Ok::<_, StoreError>(hits)
                })
                .buffered(opts.concurrency.max(1))
                .try_collect()
                .await?;
            // Hits of this page by key (one record for a hit seen from two subjects).
            let mut found: BTreeMap<String, Value> = BTreeMap::new();
            for (k, h) in evaluated.into_iter().flatten() {
                let (fid, (_, region)) = &rows[k];
                let row = hit_row(fid, region.as_deref(), &h, as_of);
                found.entry(h.key(as_of)).or_insert(row);
            }
            store
                .record_signal_hits(stamp_ref, &Value::Array(found.into_values().collect()))
                .await
        },
    )
    .await?;
    // The whole-graph passes (rings, pruning) once the family pages are done: by the first
    // shard only when sharded, and pruning only when unsharded (each shard has its own stamp).
    let whole = report.finished && opts.shard.is_none_or(|(i, _)| i == 0);
    let rings = if whole {
        Some(ring_pass(store, rules, as_of, stamp_ref, opts, spool).await?)
    } else {
        None
    };
    let dead = if whole {
        Some(dead_pass(store, rules, as_of, stamp_ref, opts).await?)
    } else {
        None
    };
    let pruned = if report.finished && opts.checkpoint && opts.shard.is_none() {
        store.prune_signal_hits(&as_of.to_string(), &stamp).await?
    } else {
        0
    };
    Ok(SignalsReport {
        job: report,
        pruned,
        rings,
        dead,
    })
}

/// Every person with a death record on or before `as_of`, in keyset pages, their slices loaded
/// in batches and judged by the dead-recipient rule; hits hung off the person
/// (`signal_record_person.cypher`; the same hit key as when a relative's slice finds it).
async fn dead_pass(
    store: &Store,
    rules: &SignalRules,
    as_of: NaiveDate,
    stamp: &str,
    opts: &JobOptions,
) -> Result<DeadReport, JobError> {
    let started = Instant::now();
    let mut report = DeadReport::default();
    let on = as_of.to_string();
    let on = &on;
    let pages = store.pages(
        String::new(),
        opts.page_size,
        |s, after, limit| async move { s.dead_persons_page(on, &after, limit).await },
        |iin: &String| iin.clone(),
    );
    futures::pin_mut!(pages);
    while let Some(page) = pages.try_next().await? {
        report.persons_read += page.rows.len() as u64;
        let iins: Vec<Iin> = page
            .rows
            .iter()
            .filter_map(|i| Iin::parse(i).ok())
            .collect();
        let mut found: BTreeMap<String, Value> = BTreeMap::new();
        for batch in iins.chunks(opts.load_batch.max(1)) {
            let slices = store
                .signal_slices(batch, rules.assets_on_relatives.max_links, None)
                .await?;
            for (iin, slice) in batch.iter().zip(slices) {
                let Some(slice) = slice else { continue };
                let region = slice
                    .records
                    .get(iin)
                    .and_then(|r| r.region_on(as_of))
                    .map(str::to_string);
                for h in crate::domain::signals::dead_recipient::evaluate(&slice, as_of, rules)
                    .into_iter()
                    .filter(|h| h.subjects.contains(iin))
                {
                    let mut row = hit_row(&FamilyId::for_anchor(iin), region.as_deref(), &h, as_of);
                    row["iin"] = json!(iin.as_str());
                    // No card holds it: the hit names its person, not a family.
                    row["props"]["family_id"] = Value::Null;
                    found.entry(h.key(as_of)).or_insert(row);
                }
            }
        }
        report.hits += store
            .record_person_signal_hits(stamp, &Value::Array(found.into_values().collect()))
            .await?;
    }
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// The whole-graph rings: every person in keyset pages into [`RingPass`], then each candidate
/// component's persons loaded, judged by `rings::evaluate` over their slice, and the hit stored
/// on every family card whose anchor is in the ring.
async fn ring_pass(
    store: &Store,
    rules: &SignalRules,
    as_of: NaiveDate,
    stamp: &str,
    opts: &JobOptions,
    spool: Option<&ReadSpool>,
) -> Result<RingReport, JobError> {
    let started = Instant::now();
    let mut pass = RingPass::new(rules, as_of);
    let mut report = RingReport::default();
    let pages = store.pages(
        String::new(),
        opts.page_size,
        |s, after, limit| async move { s.ring_facts_page(&after, limit).await },
        |f: &RingFacts| f.iin.as_str().to_string(),
    );
    futures::pin_mut!(pages);
    while let Some(page) = pages.try_next().await? {
        report.persons_read += page.rows.len() as u64;
        for f in &page.rows {
            pass.add(f);
        }
    }
    report.persons_known = pass.persons();
    let candidates = pass.rings();
    report.candidates = candidates.len();
    for persons in candidates {
        let persons: Vec<Iin> = persons
            .into_iter()
            .take(crate::domain::links::MAX_NODES)
            .collect();
        let mut records = vec![];
        let mut log = vec![];
        for chunk in persons.chunks(200) {
            let recs = store.link_records(chunk).await?;
            log.push(LinkRead {
                iins: chunk.to_vec(),
                phones: {
                    let p: std::collections::BTreeSet<String> =
                        recs.iter().filter_map(|r| r.person.phone.clone()).collect();
                    p.into_iter().collect()
                },
            });
            records.extend(recs);
        }
        if let Some(sp) = spool {
            sp.append(&log)?;
        }
        let Some(slice) = rings::ring_slice(records) else {
            continue;
        };
        // The first person whose view of the slice is a ring names it (the same ring from
        // any of them).
        let Some((focus, hit)) = persons.iter().find_map(|p| {
            rings::evaluate(&slice, p, as_of, rules)
                .into_iter()
                .next()
                .map(|h| (p, h))
        }) else {
            continue;
        };
        let region = slice
            .records
            .get(focus)
            .and_then(|r| r.region_on(as_of))
            .map(str::to_string);
        let mut stored = 0;
        for p in &persons {
            let row = hit_row(&FamilyId::for_anchor(p), region.as_deref(), &hit, as_of);
            // One statement per family card: one UNWIND must not MERGE one hit from two rows.
            stored += store
                .record_signal_hits(stamp, &Value::Array(vec![row]))
                .await?;
        }
        if stored > 0 {
            report.hits += 1;
        }
    }
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// The raw stream of a signals run's reads.
#[derive(Debug, Clone, Default)]
pub struct RawSignals {
    pub families: u64,
    /// Rows of the snapshot stream, of the replayed link reads, of the ring pass's pages.
    pub snapshot_rows: u64,
    pub link_reads: u64,
    pub link_rows: u64,
    pub ring_rows: u64,
    /// The snapshot stream and the link replay, side by side (as the run overlaps them).
    pub family_seconds: f64,
    pub ring_seconds: f64,
}

impl RawSignals {
    pub fn seconds(&self) -> f64 {
        self.family_seconds + self.ring_seconds
    }
    pub fn families_per_second(&self) -> f64 {
        self.families as f64 / self.seconds().max(1e-9)
    }
}

/// `signals run --compare-raw`: the run (its link reads spooled to a file), then the raw replay
/// of the same reads.
pub async fn compare_raw(
    store: &Store,
    catalog: &SignalCatalog,
    as_of: NaiveDate,
    opts: &JobOptions,
) -> Result<(SignalsReport, RawSignals), JobError> {
    let spool = ReadSpool::create().map_err(spool_error)?;
    let report = run(store, catalog, as_of, opts, Some(&spool)).await?;
    spool.finish()?;
    let raw = replay(store, &spool.path, opts).await?;
    Ok((report, raw))
}

async fn replay(store: &Store, spool: &Path, opts: &JobOptions) -> Result<RawSignals, JobError> {
    let mut raw = RawSignals::default();
    let file = std::fs::File::open(spool).map_err(spool_error)?;
    let lines = std::io::BufReader::new(file).lines();
    let started = Instant::now();
    let links = futures::stream::iter(lines)
        .map(|line| async move {
            let line = line.map_err(spool_error)?;
            let mut counted = (0u64, 0u64);
            for read in parse_reads(&line) {
                counted.0 += 1;
                counted.1 += store.count_link_rows(&read).await?;
            }
            Ok::<_, JobError>(counted)
        })
        .buffered(opts.concurrency.max(1))
        .try_fold(
            (0u64, 0u64),
            |a, b| async move { Ok((a.0 + b.0, a.1 + b.1)) },
        );
    let (snapshots, links) = futures::join!(stream_snapshots_raw(store, opts), links);
    let (snapshots, (reads, rows)) = (snapshots?, links?);
    raw.family_seconds = started.elapsed().as_secs_f64();
    raw.families = snapshots.families;
    raw.snapshot_rows = snapshots.rows;
    raw.link_reads = reads;
    raw.link_rows = rows;
    let started = Instant::now();
    let mut after = String::new();
    loop {
        let (n, last) = store
            .count_ring_facts_rows(&after, opts.page_size as i64)
            .await?;
        raw.ring_rows += n;
        if (n as usize) < opts.page_size || last.is_empty() {
            break;
        }
        after = last;
    }
    raw.ring_seconds = started.elapsed().as_secs_f64();
    Ok(raw)
}
