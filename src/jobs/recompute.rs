//! `family-card recompute wellbeing`: the country-wide well-being recompute, and the what-if run
//! of a draft methodology (evaluates, writes nothing, counts level changes).

use super::{
    run_family_job_incremental, run_family_job_parallel, Evaluated, Fresh, JobError, JobOptions,
    JobReport, PagePrior,
};
use crate::domain::family::FamilyId;
use crate::domain::ids::Iin;
use crate::domain::parameters::LegalParameters;
use crate::domain::wellbeing::{
    level_transitions, Methodology, MethodologyCatalog, WellbeingAssessment, WellbeingLevel,
};
use crate::store::{FamilyRef, StatementLog, Store, StoreError, StoredAssessment};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

/// The checkpoint name of the recompute for a date.
pub fn job_name(as_of: NaiveDate) -> String {
    format!("recompute-wellbeing:{as_of}")
}

pub struct Evaluation {
    assessment: WellbeingAssessment,
    region: Option<String>,
    /// Who the card counts, as a keyed digest (no IIN): a change between two assessments is a
    /// `family.composition-changed` event (`cypher/wellbeing_record.cypher`).
    composition: String,
    members: i64,
}

/// The keyed digest of a card's members (sorted IINs), comparable across assessments.
fn composition_digest(s: &crate::domain::snapshot::FamilySnapshot) -> String {
    let mut iins: Vec<&str> = s.members.iter().map(|m| m.iin().as_str()).collect();
    iins.sort_unstable();
    FamilyId::opaque_ref("composition", &iins.join(","))
}

/// What the digest of a family's rows is salted with: everything besides the rows an assessment
/// depends on — the date, the methodology in force (all of it, not only its version), the legal
/// parameters, and this build's version (the evaluation's code). Equal rows under an equal salt
/// give an equal assessment, so a family whose record of the date carries the same digest is
/// not evaluated again.
fn rows_salt(as_of: NaiveDate, methodology: &Methodology, params: &LegalParameters) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(
        format!(
            "family-card {} recompute-wellbeing rows digest 1\n{as_of}\n",
            env!("CARGO_PKG_VERSION")
        )
        .as_bytes(),
    );
    h.update(
        serde_json::to_string(methodology)
            .unwrap_or_default()
            .as_bytes(),
    );
    h.update(format!("\n{params:?}").as_bytes());
    h.finalize().to_vec()
}

/// Reads the stored assessments of a page's families on or before `as_of` (one statement per
/// page): the writer's comparison, and per anchor the rows digest of its record of `as_of`.
async fn page_prior(
    store: &Store,
    refs: &[FamilyRef],
    as_of: &str,
    log: Option<&StatementLog>,
    evaluate_all: bool,
) -> Result<PagePrior<Vec<StoredAssessment>>, StoreError> {
    let ids: Vec<String> = refs.iter().map(|f| f.family_id.clone()).collect();
    let stored = store.wellbeing_previous(&ids, as_of, log).await?;
    let anchors: HashMap<&str, &str> = refs
        .iter()
        .map(|f| (f.family_id.as_str(), f.anchor_iin.as_str()))
        .collect();
    let unchanged = stored
        .iter()
        .filter(|a| !evaluate_all && a.as_of == as_of)
        .filter_map(|a| {
            let anchor = Iin::parse(anchors.get(a.family_id.as_str())?).ok()?;
            Some((anchor, a.rows_digest.clone()?))
        })
        .collect();
    Ok(PagePrior {
        unchanged,
        state: stored,
    })
}

/// Evaluates every family on `as_of` with the methodology in force that day and stores an
/// assessment for each family whose inputs changed since its previous assessment. A family
/// whose rows are exactly those its record of `as_of` was computed from (the same digest, see
/// `store::digest`) is counted unchanged without being decoded or evaluated: a re-run when
/// nothing changed costs little more than receiving the rows.
pub async fn recompute_wellbeing(
    store: &Store,
    catalog: &MethodologyCatalog,
    params: &LegalParameters,
    as_of: NaiveDate,
    opts: &JobOptions,
) -> Result<JobReport, JobError> {
    // Owned by the evaluator threads (`run_family_job_parallel`).
    let methodology = catalog
        .in_force(as_of)
        .map_err(|e| JobError::Rules(e.to_string()))?
        .clone();
    let salt = rows_salt(as_of, &methodology, params);
    let params = params.clone();
    let as_of_s = as_of.to_string();
    let log = opts.statement_log.as_ref();
    let evaluate_all = opts.evaluate_all;
    run_family_job_incremental(
        store,
        &job_name(as_of),
        as_of,
        opts,
        salt,
        |refs| {
            let (refs, as_of_s) = (refs.to_vec(), as_of_s.clone());
            async move { page_prior(store, &refs, &as_of_s, log, evaluate_all).await }
        },
        move |s| {
            methodology
                .evaluate(s, &params)
                .map(|a| {
                    Evaluated::Row(Evaluation {
                        assessment: a,
                        region: s.region().map(str::to_string),
                        composition: composition_digest(s),
                        members: s.members.len() as i64,
                    })
                })
                .map_err(|e| e.to_string())
        },
        |rows: Vec<(FamilyId, Fresh<Evaluation>)>, prior: Arc<PagePrior<Vec<StoredAssessment>>>| {
            let as_of_s = as_of_s.clone();
            async move { write_changed(store, rows, &prior.state, &as_of_s, log).await }
        },
    )
    .await
}

/// One assessment as `cypher/wellbeing_record.cypher` takes it.
#[derive(Serialize)]
struct AssessmentRow<'a> {
    family_id: &'a str,
    assessment_key: String,
    /// Of the family's latest assessment before this date (none: a first assessment).
    previous_level: Option<&'a str>,
    previous_composition: Option<&'a str>,
    previous_members: Option<i64>,
    props: AssessmentProps<'a>,
}

/// The stored properties of a `WellbeingAssessment` node.
#[derive(Serialize)]
struct AssessmentProps<'a> {
    family_id: &'a str,
    as_of: &'a str,
    methodology_version: &'a str,
    inputs_hash: String,
    level: &'a str,
    total: i64,
    /// Points per direction, as a JSON object in a string (one property).
    direction_points: String,
    region: Option<&'a str>,
    evaluated_at: &'a str,
    /// The keyed digest of the members and their number (see [`Evaluation`]).
    composition: &'a str,
    members: i64,
    /// The digest of the rows it was computed from (`store::digest`).
    rows_digest: &'a str,
}

/// A record of the date whose inputs hash is unchanged, to be noted with the digest of the rows
/// read now (`cypher/wellbeing_rows_digest.cypher`).
#[derive(Serialize)]
struct RowsDigestRow<'a> {
    assessment_key: String,
    rows_digest: &'a str,
}

/// The key of a family's assessment of a date (`WellbeingAssessment.assessment_key`).
fn assessment_key(family: &FamilyId, as_of: &str) -> String {
    format!("{}/{as_of}", family.as_str())
}

/// Writes the page's changed assessments (one statement), and notes the rows digest on
/// unchanged records of the date that lack it (at most one more, cheap statement). `stored`:
/// the page's assessments on or before the date, read before its neighbourhoods.
async fn write_changed(
    store: &Store,
    rows: Vec<(FamilyId, Fresh<Evaluation>)>,
    stored: &[StoredAssessment],
    as_of: &str,
    log: Option<&StatementLog>,
) -> Result<u64, StoreError> {
    if rows.is_empty() {
        return Ok(0);
    }
    // Per family: the latest stored assessment on or before the date (its inputs hash decides
    // whether a record is written) and the latest one before it (what the events compare with).
    let mut latest: HashMap<&str, &StoredAssessment> = HashMap::new();
    let mut before: HashMap<&str, &StoredAssessment> = HashMap::new();
    fn keep_newest<'a>(m: &mut HashMap<&'a str, &'a StoredAssessment>, a: &'a StoredAssessment) {
        let e = m.entry(a.family_id.as_str()).or_insert(a);
        if a.as_of > e.as_of {
            *e = a;
        }
    }
    for a in stored {
        keep_newest(&mut latest, a);
        if a.as_of.as_str() < as_of {
            keep_newest(&mut before, a);
        }
    }
    let evaluated_at = chrono::Utc::now().to_rfc3339();
    let mut notes: Vec<RowsDigestRow> = vec![];
    let out: Vec<AssessmentRow> = rows
        .iter()
        .filter_map(|(fid, fresh)| {
            let ev = &fresh.result;
            let hash = ev.assessment.inputs_hash();
            if let Some(l) = latest.get(fid.as_str()).filter(|l| l.inputs_hash == hash) {
                // Unchanged inputs: no new record; a record of this date learns its rows' digest.
                if l.as_of == as_of && l.rows_digest.as_deref() != Some(&fresh.rows_digest) {
                    notes.push(RowsDigestRow {
                        assessment_key: assessment_key(fid, as_of),
                        rows_digest: &fresh.rows_digest,
                    });
                }
                return None;
            }
            let a = &ev.assessment;
            let directions: BTreeMap<&str, i64> = a
                .directions
                .iter()
                .map(|d| (d.code.as_str(), d.points))
                .collect();
            let previous = before.get(fid.as_str());
            Some(AssessmentRow {
                family_id: fid.as_str(),
                assessment_key: assessment_key(fid, as_of),
                previous_level: previous.and_then(|p| p.level.as_deref()),
                previous_composition: previous.and_then(|p| p.composition.as_deref()),
                previous_members: previous.and_then(|p| p.members),
                props: AssessmentProps {
                    family_id: fid.as_str(),
                    as_of,
                    methodology_version: &a.methodology_version,
                    inputs_hash: hash,
                    level: a.level.as_str(),
                    total: a.total,
                    direction_points: serde_json::to_string(&directions).unwrap_or_default(),
                    region: ev.region.as_deref(),
                    evaluated_at: &evaluated_at,
                    composition: &ev.composition,
                    members: ev.members,
                    rows_digest: &fresh.rows_digest,
                },
            })
        })
        .collect();
    store.note_wellbeing_rows_digests(&notes, log).await?;
    store.record_wellbeing_logged(&out, log).await
}

/// The result of a what-if run.
#[derive(Debug, Clone)]
pub struct WhatIf {
    pub current_version: String,
    pub draft_version: String,
    pub families: u64,
    pub failed: u64,
    /// (current level, draft level) → families.
    pub transitions: BTreeMap<(WellbeingLevel, WellbeingLevel), u64>,
    pub seconds: f64,
}

impl WhatIf {
    pub fn changed(&self) -> u64 {
        self.transitions
            .iter()
            .filter(|((a, b), _)| a != b)
            .map(|(_, n)| n)
            .sum()
    }
}

/// Evaluates every family with the methodology in force and with `draft`, writing nothing.
pub async fn what_if(
    store: &Store,
    catalog: &MethodologyCatalog,
    draft: &Methodology,
    params: &LegalParameters,
    as_of: NaiveDate,
    opts: &JobOptions,
) -> Result<WhatIf, JobError> {
    let current = catalog
        .in_force(as_of)
        .map_err(|e| JobError::Rules(e.to_string()))?;
    let pairs: Mutex<Vec<(WellbeingLevel, WellbeingLevel)>> = Mutex::new(vec![]);
    let opts = JobOptions {
        checkpoint: false,
        restart: true,
        ..opts.clone()
    };
    let (evaluated_current, evaluated_draft, params) =
        (current.clone(), draft.clone(), params.clone());
    let report = run_family_job_parallel(
        store,
        "what-if-wellbeing",
        as_of,
        &opts,
        move |s| {
            let a = evaluated_current
                .evaluate(s, &params)
                .map_err(|e| e.to_string())?;
            let b = evaluated_draft
                .evaluate(s, &params)
                .map_err(|e| e.to_string())?;
            Ok(Evaluated::Row((a.level, b.level)))
        },
        |rows: Vec<(FamilyId, (WellbeingLevel, WellbeingLevel))>| {
            pairs
                .lock()
                .expect("not poisoned")
                .extend(rows.into_iter().map(|(_, p)| p));
            async { Ok(0) }
        },
    )
    .await?;
    let pairs = pairs.into_inner().expect("not poisoned");
    Ok(WhatIf {
        current_version: current.version.clone(),
        draft_version: draft.version.clone(),
        families: pairs.len() as u64,
        failed: report.failed,
        transitions: level_transitions(pairs),
        seconds: report.seconds,
    })
}
