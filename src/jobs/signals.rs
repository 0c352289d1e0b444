//! `family-card signals run [--as-of D]`: the fraud signals of every family card, stored with
//! their evidence. Built on the shared runner ([`run_family_job`]: keyset pages, checkpoints,
//! resumable, bounded by one page): the pure step names each card's living adults and region; the
//! page's writer loads each adult's signal slice (`Store::signal_slice`), evaluates the signals in
//! force on the date (`domain::signals`) and MERGEs every hit on its stable key
//! ([`Hit::key`]: the same hit found from two of its subjects, or by a re-run, is one record).
//! When a run finishes, the hits of its date it did not find again are removed (stale).

use super::{run_family_job, Evaluated, JobError, JobOptions, JobReport};
use crate::domain::family::FamilyId;
use crate::domain::ids::Iin;
use crate::domain::signals::{self, Hit, SignalCatalog};
use crate::store::{Checkpoint, Store};
use chrono::NaiveDate;
use serde_json::{json, Value};
use std::collections::BTreeMap;

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

/// Runs the signals over every family card on `as_of`.
pub async fn run_signals(
    store: &Store,
    catalog: &SignalCatalog,
    as_of: NaiveDate,
    opts: &JobOptions,
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
            // Hits of this page by key (one record for a hit seen from two subjects).
            let mut found: BTreeMap<String, Value> = BTreeMap::new();
            for (fid, (adults, region)) in &rows {
                for a in adults {
                    let Some(slice) = store
                        .signal_slice(a, rules.assets_on_relatives.max_links)
                        .await?
                    else {
                        continue;
                    };
                    for h in signals::evaluate(&slice, a, as_of, rules) {
                        let row = hit_row(fid, region.as_deref(), &h, as_of);
                        found.entry(h.key(as_of)).or_insert(row);
                    }
                }
            }
            store
                .record_signal_hits(stamp_ref, &Value::Array(found.into_values().collect()))
                .await
        },
    )
    .await?;
    let pruned = if report.finished && opts.checkpoint {
        store.prune_signal_hits(&as_of.to_string(), &stamp).await?
    } else {
        0
    };
    Ok(SignalsReport {
        job: report,
        pruned,
    })
}
