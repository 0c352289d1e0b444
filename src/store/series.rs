//! Monthly time series stored compactly: one `Income` node per person, source, payer, benefit and
//! year, one `Contribution` node per person, payer and year, each holding its months as
//! properties (`amount_kzt_01` … `amount_kzt_12`; `insured_income_kzt_MM`, `pension_kzt_MM`,
//! `social_kzt_MM`).
//!
//! Why: with one node and one relationship per month, monthly incomes and contributions were two
//! thirds of a load's database work (issue 11). A year node cuts nodes and relationships twelve-fold
//! while keeping every monthly figure. Why properties per month rather than a list of twelve: a
//! series arrives spread over batches (and over re-loads), and `SET f += {amount_kzt_06: …}` sets
//! exactly that month, idempotently, without reading the node back; a list cannot hold the missing
//! months (Neo4j stores no nulls in lists) and could only be merged read-modify-write.
//!
//! Two halves, both pure: [`group_batch`] turns one ingest batch of monthly rows into one row per
//! person with its series (so no person appears twice in a statement, see `ingest::Rounds`), and
//! [`incomes`]/[`contributions`] expand stored series back into the very domain records the
//! extract held, so every rule gets the same facts.

use crate::domain::ids::{Bin, Iin};
use crate::domain::registry::{Contribution, Income, IncomeSource, YearMonth};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// A monthly record type stored as yearly series.
struct SeriesKind {
    file: &'static str,
    /// The label's key prefix (part of the hashed series key).
    label: &'static str,
    /// Fields that identify a series besides person and year (copied once onto the node).
    identity: &'static [&'static str],
    /// Monthly figures: stored as `{field}_{MM}`.
    measures: &'static [&'static str],
}

const KINDS: &[SeriesKind] = &[
    SeriesKind {
        file: "incomes.ndjson",
        label: "income_year",
        identity: &["source", "payer_bin", "benefit"],
        measures: &["amount_kzt"],
    },
    SeriesKind {
        file: "contributions.ndjson",
        label: "contribution_year",
        identity: &["payer_bin"],
        measures: &["insured_income_kzt", "pension_kzt", "social_kzt"],
    },
];

/// Whether rows of this extract file are written as yearly series (rows of one person must then
/// stay in one batch, to be grouped by [`group_batch`]).
pub fn is_series(file: &str) -> bool {
    KINDS.iter().any(|k| k.file == file)
}

fn series_key(label: &str, parts: &[&str]) -> String {
    let h = Sha256::digest(parts.join("\u{1f}").as_bytes());
    let hex: String = h[..12].iter().map(|b| format!("{b:02x}")).collect();
    format!("{label}:{hex}")
}

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

/// One series being grouped: its node properties and the extract lines it holds.
type SeriesRow = (Map<String, Value>, Vec<Value>);

/// One batch of validated ingest rows (`{owner, key, props: {month, …}, line}`) as the write
/// statement takes them. For a series file: one row per person,
/// `{owner, series: [{key, props: {year, identity…, measure_MM…}, lines: [..]}]}`; a month that
/// occurs twice in the batch keeps the later figures (as a second MERGE of the same monthly node
/// did). Rows of other files are passed through unchanged.
pub fn group_batch<'a>(file: &str, rows: impl IntoIterator<Item = &'a Value>) -> Value {
    let Some(kind) = KINDS.iter().find(|k| k.file == file) else {
        return Value::Array(rows.into_iter().cloned().collect());
    };
    // owner → series key → (props, lines); BTreeMaps keep the statement's rows in a stable order.
    let mut persons: BTreeMap<String, BTreeMap<String, SeriesRow>> = BTreeMap::new();
    for row in rows {
        let owner = text(&row["owner"]).to_string();
        let props = &row["props"];
        let month = text(&props["month"]);
        let (year, mm) = (month.get(..4).unwrap_or(""), month.get(5..7).unwrap_or(""));
        let mut parts = vec![owner.as_str(), year];
        parts.extend(kind.identity.iter().map(|f| text(&props[*f])));
        let key = series_key(kind.label, &parts);
        let (node, lines) = persons
            .entry(owner.clone())
            .or_default()
            .entry(key)
            .or_insert_with(|| {
                let mut m = Map::new();
                m.insert("year".into(), json!(year.parse::<i64>().unwrap_or(0)));
                for f in kind.identity {
                    m.insert((*f).into(), props[*f].clone());
                }
                (m, vec![])
            });
        for f in kind.measures {
            node.insert(format!("{f}_{mm}"), props[*f].clone());
        }
        lines.push(row["line"].clone());
    }
    Value::Array(
        persons
            .into_iter()
            .map(|(owner, series)| {
                let series: Vec<Value> = series
                    .into_iter()
                    .map(
                        |(key, (props, lines))| json!({"key": key, "props": props, "lines": lines}),
                    )
                    .collect();
                json!({"owner": owner, "series": series})
            })
            .collect(),
    )
}

/// A stored income year as the read statements project it: the months as a list of twelve
/// (`null` where the registry has no figure).
#[derive(Debug, Clone, Deserialize)]
pub struct IncomeYear {
    pub iin: Iin,
    pub year: i32,
    pub source: IncomeSource,
    #[serde(default)]
    pub payer_bin: Option<Bin>,
    #[serde(default)]
    pub benefit: Option<String>,
    pub amount_kzt: Vec<Option<i64>>,
}

/// A stored contribution year as the read statements project it (lists of twelve months).
#[derive(Debug, Clone, Deserialize)]
pub struct ContributionYear {
    pub iin: Iin,
    pub year: i32,
    #[serde(default)]
    pub payer_bin: Option<Bin>,
    pub insured_income_kzt: Vec<Option<i64>>,
    #[serde(default)]
    pub pension_kzt: Vec<Option<i64>>,
    #[serde(default)]
    pub social_kzt: Vec<Option<i64>>,
}

fn months(year: i32) -> impl Iterator<Item = (usize, YearMonth)> {
    (1..=12u32).filter_map(move |m| Some((m as usize - 1, YearMonth::new(year, m)?)))
}

/// The monthly incomes the series hold, one record per stored month (as in the extract).
pub fn incomes(years: Vec<IncomeYear>) -> Vec<Income> {
    let mut out = vec![];
    for y in years {
        for (i, month) in months(y.year) {
            if let Some(Some(amount_kzt)) = y.amount_kzt.get(i) {
                out.push(Income {
                    iin: y.iin.clone(),
                    month,
                    source: y.source,
                    amount_kzt: *amount_kzt,
                    payer_bin: y.payer_bin.clone(),
                    benefit: y.benefit.clone(),
                });
            }
        }
    }
    out
}

/// The monthly contributions the series hold, one record per stored month (as in the extract).
pub fn contributions(years: Vec<ContributionYear>) -> Vec<Contribution> {
    let mut out = vec![];
    for y in years {
        for (i, month) in months(y.year) {
            if let Some(Some(insured_income_kzt)) = y.insured_income_kzt.get(i) {
                let at = |v: &Vec<Option<i64>>| v.get(i).copied().flatten().unwrap_or(0);
                out.push(Contribution {
                    iin: y.iin.clone(),
                    month,
                    insured_income_kzt: *insured_income_kzt,
                    pension_kzt: at(&y.pension_kzt),
                    social_kzt: at(&y.social_kzt),
                    payer_bin: y.payer_bin.clone(),
                });
            }
        }
    }
    out
}

/// [`incomes`] over a JSON list of projected income years (readers that still decode through
/// `serde_json::Value`); `Null` is an empty list.
pub fn incomes_json(v: &Value) -> Result<Vec<Income>, serde_json::Error> {
    match v {
        Value::Null => Ok(vec![]),
        _ => Ok(incomes(serde_json::from_value(v.clone())?)),
    }
}

/// [`contributions`] over a JSON list of projected contribution years; `Null` is an empty list.
pub fn contributions_json(v: &Value) -> Result<Vec<Contribution>, serde_json::Error> {
    match v {
        Value::Null => Ok(vec![]),
        _ => Ok(contributions(serde_json::from_value(v.clone())?)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn income_row(owner: &str, month: &str, amount: i64, line: usize) -> Value {
        json!({"owner": owner, "key": format!("k{line}"), "line": line,
               "props": {"month": month, "source": "wage", "amount_kzt": amount,
                         "payer_bin": "140140179140", "benefit": null}})
    }

    #[test]
    fn a_batch_is_one_row_per_person_and_one_series_per_year() {
        let rows = [
            income_row("811216400012", "2025-06", 100, 1),
            income_row("811216400012", "2025-07", 110, 2),
            income_row("811216400012", "2026-01", 120, 3),
            income_row("900101300015", "2025-06", 50, 4),
            income_row("811216400012", "2025-07", 111, 5),
        ];
        let out = group_batch("incomes.ndjson", rows.iter());
        let out = out.as_array().unwrap();
        assert_eq!(out.len(), 2);
        let first = &out[0];
        assert_eq!(first["owner"], "811216400012");
        let series = first["series"].as_array().unwrap();
        assert_eq!(series.len(), 2, "2025 and 2026");
        let y2025 = series
            .iter()
            .find(|s| s["props"]["year"] == 2025)
            .expect("2025");
        assert_eq!(y2025["props"]["amount_kzt_06"], 100);
        assert_eq!(
            y2025["props"]["amount_kzt_07"], 111,
            "the later record wins"
        );
        assert_eq!(y2025["props"]["source"], "wage");
        assert_eq!(y2025["lines"], json!([1, 2, 5]));
        // The key is stable: the same series in another batch merges into the same node.
        let again = group_batch(
            "incomes.ndjson",
            [income_row("811216400012", "2025-01", 1, 9)].iter(),
        );
        let k = &again[0]["series"][0]["key"];
        assert_eq!(k, &y2025["key"]);
    }

    #[test]
    fn other_files_pass_through() {
        let rows = [json!({"owner": "x", "key": "k", "line": 1})];
        assert_eq!(group_batch("vehicles.ndjson", rows.iter()), json!(rows));
    }

    #[test]
    fn stored_years_expand_into_the_extracts_records() {
        let mut amounts = vec![None; 12];
        amounts[5] = Some(100);
        amounts[11] = Some(300);
        let y = IncomeYear {
            iin: Iin::parse("811216400012").unwrap(),
            year: 2025,
            source: IncomeSource::Wage,
            payer_bin: None,
            benefit: None,
            amount_kzt: amounts,
        };
        let got = incomes(vec![y]);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].month, YearMonth::new(2025, 6).unwrap());
        assert_eq!(got[1].amount_kzt, 300);
        let c: Vec<ContributionYear> = serde_json::from_value(json!([{
            "iin": "811216400012", "year": 2025, "payer_bin": null,
            "insured_income_kzt": [null, 1000, null, null, null, null, null, null, null, null, null, null],
            "pension_kzt": [null, 100, null, null, null, null, null, null, null, null, null, null],
            "social_kzt": [null, 35, null, null, null, null, null, null, null, null, null, null]
        }]))
        .unwrap();
        let got = contributions(c);
        assert_eq!(got.len(), 1);
        assert_eq!(
            (got[0].month, got[0].pension_kzt, got[0].social_kzt),
            (YearMonth::new(2025, 2).unwrap(), 100, 35)
        );
    }
}
