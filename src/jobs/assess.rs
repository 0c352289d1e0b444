//! `family-card assess`: a read-only report of every family card on one or more dates — members,
//! well-being level and the benefits the rules find — as a TSV or a Markdown table. Nothing is
//! written to the graph. It is how `fixtures/expected/assessments.tsv` (the sample registry's
//! expected results, checked by the tests) and the table in `fixtures/README.md` are produced.
//!
//! It collects its rows in memory, so it is meant for extracts and samples; the country-wide jobs
//! are `recompute wellbeing` and `detect`, which stream.

use super::{run_family_job, Evaluated, JobError, JobOptions};
use crate::domain::benefits::evaluate_family;
use crate::domain::family::FamilyId;
use crate::rules::RuleSet;
use crate::store::Store;
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// One family on one date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FamilyAssessmentRow {
    pub as_of: NaiveDate,
    pub family_id: String,
    pub anchor_iin: String,
    /// The family's registration address id (the sample's address ids name its families).
    pub address_id: String,
    pub head: String,
    pub members: usize,
    pub level: String,
    pub total: i64,
    /// Eligible benefits, in rule order: `code amount` (`code paid` when the registry shows it
    /// already being paid, `code` when the benefit has no amount, e.g. the pension notice).
    pub benefits: Vec<String>,
}

impl FamilyAssessmentRow {
    pub const TSV_HEADER: &'static str =
        "as_of\taddress_id\tfamily_id\tanchor_iin\thead\tmembers\tlevel\ttotal\tbenefits";

    pub fn tsv(&self) -> String {
        format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            self.as_of,
            self.address_id,
            self.family_id,
            self.anchor_iin,
            self.head,
            self.members,
            self.level,
            self.total,
            self.benefits_joined(", ", "-")
        )
    }

    /// The eligible benefits joined by `separator`, or `none` when there are none.
    pub fn benefits_joined(&self, separator: &str, none: &str) -> String {
        if self.benefits.is_empty() {
            none.to_string()
        } else {
            self.benefits.join(separator)
        }
    }
}

/// Evaluates every family card on `as_of` (well-being and benefits), sorted by address id and
/// family id. Families whose evaluation fails are logged and counted by the job, not listed.
pub async fn assess_all(
    store: &Store,
    rules: &RuleSet,
    as_of: NaiveDate,
    opts: &JobOptions,
) -> Result<Vec<FamilyAssessmentRow>, JobError> {
    let methodology = rules
        .wellbeing
        .in_force(as_of)
        .map_err(|e| JobError::Rules(e.to_string()))?;
    let mut rows: BTreeMap<(String, String), FamilyAssessmentRow> = BTreeMap::new();
    let opts = JobOptions {
        checkpoint: false,
        restart: true,
        ..opts.clone()
    };
    run_family_job(
        store,
        "assess",
        as_of,
        &opts,
        |s| {
            let w = methodology
                .evaluate(s, &rules.legal)
                .map_err(|e| e.to_string())?;
            let found = evaluate_family(s, &rules.legal, &rules.benefits);
            let benefits = found
                .iter()
                .filter(|e| e.eligible)
                .map(|e| match (e.already_paid, e.amount_kzt) {
                    (true, _) => format!("{} paid", e.benefit.code()),
                    (false, Some(a)) => format!("{} {a}", e.benefit.code()),
                    (false, None) => e.benefit.code().to_string(),
                })
                .collect();
            let head = &s.head().facts.person;
            Ok(Evaluated::Row(FamilyAssessmentRow {
                as_of,
                family_id: s.composition.family_id.as_str().to_string(),
                anchor_iin: s.composition.anchor.as_str().to_string(),
                address_id: s
                    .dwelling
                    .as_ref()
                    .map(|d| d.address_id.clone())
                    .unwrap_or_else(|| "-".into()),
                head: format!("{} {}", head.surname, head.first_name),
                members: s.members.len(),
                level: w.level.to_string(),
                total: w.total,
                benefits,
            }))
        },
        |page: Vec<(FamilyId, FamilyAssessmentRow)>| {
            for (_, r) in page {
                rows.insert((r.address_id.clone(), r.family_id.clone()), r);
            }
            std::future::ready(Ok(0))
        },
    )
    .await?;
    Ok(rows.into_values().collect())
}

/// A Markdown table of the rows of several dates, one line per family card (by its latest known
/// address) and one column per date.
pub fn markdown_table(dates: &[NaiveDate], rows: &[FamilyAssessmentRow]) -> String {
    let mut by_family: BTreeMap<&str, Vec<&FamilyAssessmentRow>> = BTreeMap::new();
    for r in rows {
        by_family.entry(&r.family_id).or_default().push(r);
    }
    let mut lines: Vec<(String, String, String)> = by_family
        .into_values()
        .map(|rs| {
            let address = rs
                .iter()
                .rev()
                .find(|r| r.address_id != "-")
                .map(|r| r.address_id.clone())
                .unwrap_or_else(|| "-".into());
            let head = rs.last().map(|r| r.head.clone()).unwrap_or_default();
            let mut cells = String::new();
            for d in dates {
                match rs.iter().find(|r| r.as_of == *d) {
                    Some(r) => cells.push_str(&format!(
                        " {}, {} ({}), {} |",
                        r.members,
                        r.level,
                        r.total,
                        r.benefits_joined("; ", "—")
                    )),
                    None => cells.push_str(" not a family card then |"),
                }
            }
            (address, head, cells)
        })
        .collect();
    lines.sort();
    let mut out = String::from("| address | head |");
    for d in dates {
        out.push_str(&format!(" {d}: members, level (points), benefits ₸ |"));
    }
    out.push_str("\n|---|---|");
    for _ in dates {
        out.push_str("---|");
    }
    out.push('\n');
    for (address, head, cells) in lines {
        out.push_str(&format!("| {address} | {head} |{cells}\n"));
    }
    out
}
