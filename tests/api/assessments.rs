//! Well-being levels and benefit entitlements of the sample registry, evaluated from the real
//! database: the expected table of every sample family on three dates, the explanations over
//! GraphQL, and the resumable recompute with its history.

use crate::helpers::*;
use family_card::jobs::assess::{assess_all, FamilyAssessmentRow};
use family_card::jobs::JobOptions;
use family_card::rules::RuleSet;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

const EXPECTED: &str = "fixtures/expected/assessments.tsv";

/// The dates of the expected table (the sample's reference day in three years).
fn table_dates() -> Vec<chrono::NaiveDate> {
    vec![date("2024-06-15"), date("2025-06-15"), date("2026-06-15")]
}

/// IINs of the sample registry's persons (other tests add their own persons beside them).
fn sample_iins() -> BTreeSet<String> {
    sample_records("persons.ndjson")
        .iter()
        .map(|p| p["iin"].as_str().unwrap().to_string())
        .collect()
}

async fn sample_rows(d: chrono::NaiveDate) -> Vec<FamilyAssessmentRow> {
    let sample = sample_iins();
    let opts = JobOptions {
        page_size: 50,
        load_batch: 10,
        ..Default::default()
    };
    assess_all(&app().store, &RuleSet::bundled(), d, &opts)
        .await
        .expect("assessment runs")
        .into_iter()
        .filter(|r| sample.contains(&r.anchor_iin))
        .collect()
}

fn row<'a>(rows: &'a [FamilyAssessmentRow], address: &str) -> &'a FamilyAssessmentRow {
    rows.iter()
        .find(|r| r.address_id == address)
        .unwrap_or_else(|| panic!("no family card at {address}"))
}

fn amount(r: &FamilyAssessmentRow, benefit: &str) -> Option<i64> {
    r.benefits.iter().find_map(|b| {
        let (code, rest) = b.split_once(' ').unwrap_or((b.as_str(), ""));
        (code == benefit).then(|| rest.parse().unwrap_or(-1))
    })
}

#[test]
fn assessments_of_the_sample_match_the_expected_table() {
    run(async {
        let mut actual = vec![FamilyAssessmentRow::TSV_HEADER.to_string()];
        let mut by_year = BTreeMap::new();
        for d in table_dates() {
            let rows = sample_rows(d).await;
            actual.extend(rows.iter().map(|r| r.tsv()));
            by_year.insert(d.format("%Y").to_string(), rows);
        }
        let expected = std::fs::read_to_string(repo_path(EXPECTED)).unwrap_or_default();
        let expected: Vec<&str> = expected.lines().collect();
        if expected != actual {
            let out = repo_path("target/assessments.actual.tsv");
            std::fs::write(&out, actual.join("\n") + "\n").unwrap();
            let missing: Vec<_> = expected
                .iter()
                .filter(|l| !actual.contains(&l.to_string()))
                .collect();
            let extra: Vec<_> = actual
                .iter()
                .filter(|l| !expected.contains(&l.as_str()))
                .collect();
            panic!(
                "the sample's assessments differ from {EXPECTED} (actual written to {}; if a rule \
                 change is intended, review and copy it):\nexpected, not found:\n{}\nfound, not expected:\n{}",
                out.display(),
                missing.iter().map(|l| format!("  {l}")).collect::<Vec<_>>().join("\n"),
                extra.iter().map(|l| format!("  {l}")).collect::<Vec<_>>().join("\n"),
            );
        }

        // Independent arithmetic on a few families, so the table is not only checked against itself.
        let y2026 = &by_year["2026"];
        let y2024 = &by_year["2024"];
        // F01: five children under 18 at home → large family, 20.04 МРП (2026: 4 325 ₸; 2024: 3 692 ₸).
        assert_eq!(amount(row(y2026, "AD-01"), "large_family"), Some(86_673)); // 20.04 × 4325 = 86 673
        assert_eq!(amount(row(y2024, "AD-01"), "large_family"), Some(73_988)); // 20.04 × 3692 = 73 987.68
                                                                               // F11 is the rich family, F18 the family in crisis.
        assert_eq!(row(y2026, "AD-11").level, "A");
        assert_eq!(row(y2026, "AD-18").level, "E");
        // F25: a student of 23 no longer counts → not a large family; F15's student of 22 does.
        assert_eq!(amount(row(y2026, "AD-25"), "large_family"), None);
        assert!(amount(row(y2026, "AD-15"), "large_family").is_some());
        // F20 in Q2 2026: no Aktobe line for Q2, the national default 35 596:
        // (35 596 × 9 − 240 000) / 3 = 26 788, + 1.5 × 4 325 → 6 488 = 33 276.
        assert_eq!(amount(row(y2026, "AD-20"), "asp"), Some(33_276));
        // F10 reaches pension age in 2026: notified that year only.
        assert!(row(y2026, "AD-10")
            .benefits
            .iter()
            .any(|b| b == "pension_age_notification"));
        assert!(!row(y2024, "AD-10")
            .benefits
            .iter()
            .any(|b| b == "pension_age_notification"));
    });
}

#[test]
fn a_family_card_explains_its_level_and_entitlements_over_graphql() {
    run(async {
        let anchor = first_iin_at("AD-01");
        let body = gql(
            r#"query($iin: String!) { family(iin: $iin, asOf: "2026-06-15") {
                 wellbeing { level total methodologyVersion
                   directions { code points indicators { code band points explanation facts { memberIin kind description } } } }
                 entitlements(onlyEligible: true) { benefit eligible amountKzt payment recipientIin
                   reasons { condition met detail legalBasis } } } }"#,
            json!({"iin": anchor}),
        )
        .await;
        assert!(body["errors"].is_null(), "{body}");
        let f = &body["data"]["family"];
        let w = &f["wellbeing"];
        let directions = w["directions"].as_array().unwrap();
        assert_eq!(directions.len(), 8, "eight directions of the methodology");
        let sum: i64 = directions
            .iter()
            .map(|d| d["points"].as_i64().unwrap())
            .sum();
        assert_eq!(
            sum,
            w["total"].as_i64().unwrap(),
            "the total is the sum of the directions"
        );
        let indicators: Vec<&Value> = directions
            .iter()
            .flat_map(|d| d["indicators"].as_array().unwrap())
            .collect();
        assert!(indicators
            .iter()
            .all(|i| !i["explanation"].as_str().unwrap().is_empty()));
        // The income indicator names the months and the members whose income it used.
        assert!(
            indicators.iter().any(|i| i["facts"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["memberIin"].is_string())),
            "facts name the member they belong to: {w}"
        );
        let large = f["entitlements"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["benefit"] == "large_family")
            .unwrap_or_else(|| panic!("large family benefit: {f}"));
        assert_eq!(large["amountKzt"], 86_673);
        assert_eq!(large["payment"], "monthly");
        assert!(large["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["legalBasis"].as_str().is_some_and(|s| !s.is_empty())));
    });
}

fn iin_of(surname: &str, first_name: &str) -> String {
    sample_records("persons.ndjson")
        .into_iter()
        .find(|p| p["surname"] == surname && p["first_name"] == first_name)
        .map(|p| p["iin"].as_str().unwrap().to_string())
        .unwrap_or_else(|| panic!("no {surname} {first_name} in the sample"))
}

async fn entitlements(iin: &str, as_of: &str) -> Vec<Value> {
    let body = gql(
        r#"query($iin: String!, $asOf: NaiveDate!) { family(iin: $iin, asOf: $asOf) {
             entitlements { benefit eligible amountKzt periodFrom periodTo rulesVersion error assumed
               reasons { condition met detail inferred } } } }"#,
        json!({"iin": iin, "asOf": as_of}),
    )
    .await;
    assert!(body["errors"].is_null(), "{as_of}: {body}");
    body["data"]["family"]["entitlements"]
        .as_array()
        .unwrap()
        .clone()
}

fn benefit<'a>(es: &'a [Value], code: &str) -> &'a Value {
    es.iter()
        .find(|e| e["benefit"] == code)
        .unwrap_or_else(|| panic!("no {code}: {es:?}"))
}

#[test]
fn entitlements_name_their_rules_version_line_and_errors_over_graphql() {
    run(async {
        // F20, Aktobe: in Q1 2026 the published Q1 2026 line (37 060) on the income of Oct–Dec
        // 2025: 240 000 / 3 persons / 3 months; (37 060 × 9 − 240 000) / 3 = 31 180, + 1.5 МРП
        // for the child of 3 (6 488) = 37 668; the quarter is [2026-01-01, 2026-04-01).
        let mother = iin_of("Есенова", "Айнур");
        let es = entitlements(&mother, "2026-02-10").await;
        let asp = benefit(&es, "asp");
        assert_eq!(asp["amountKzt"], 37_668, "{asp}");
        assert!(asp["assumed"].is_null(), "{asp}");
        assert_eq!(asp["rulesVersion"], "2026-01-01");
        assert_eq!(
            (&asp["periodFrom"], &asp["periodTo"]),
            (&json!("2026-01-01"), &json!("2026-04-01"))
        );
        // In Q2 no Aktobe line is loaded: the national default (35 596), and the result says so.
        let es = entitlements(&mother, "2026-06-15").await;
        let asp = benefit(&es, "asp");
        assert_eq!(asp["amountKzt"], 33_276, "{asp}");
        assert!(asp["assumed"].as_str().unwrap().contains("35 596"), "{asp}");
        // A 2024 evaluation names the 2024 rules.
        let es = entitlements(&mother, "2024-06-15").await;
        assert!(
            es.iter().all(|e| e["rulesVersion"] == "2024-01-01"),
            "{es:?}"
        );
        // Before the first rules file every benefit carries its own error; the query succeeds.
        let es = entitlements(&mother, "2023-02-15").await;
        assert!(!es.is_empty());
        assert!(es.iter().all(|e| e["error"]
            .as_str()
            .is_some_and(|m| m.contains("2023-07-01"))
            && e["eligible"] == false));
        // F25: the son of 23 has his own card, but his ASP family is the family at home (his
        // parents and three siblings: six persons), assessed on his parents' card.
        let son = iin_of("Утегенов", "Азамат");
        let es = entitlements(&son, "2026-06-15").await;
        let asp = benefit(&es, "asp");
        assert_eq!(asp["eligible"], false, "{asp}");
        let reasons = asp["reasons"].as_array().unwrap();
        let family = reasons
            .iter()
            .find(|r| {
                r["condition"]
                    .as_str()
                    .unwrap()
                    .starts_with("the ASP family")
            })
            .unwrap();
        assert!(
            family["detail"]
                .as_str()
                .unwrap()
                .starts_with("6 person(s)"),
            "{family}"
        );
        assert_eq!(family["inferred"], true);
        assert!(reasons.iter().any(|r| r["condition"]
            .as_str()
            .unwrap()
            .starts_with("assessed once")
            && r["met"] == false));
    });
}

#[test]
fn recompute_resumes_after_an_interruption_and_keeps_history_without_duplicates() {
    run_exclusive(async {
        let store = &app().store;
        let rules = RuleSet::bundled();
        let d = date("2026-06-01");
        let small = JobOptions {
            page_size: 7,
            load_batch: 3,
            concurrency: 2,
            ..Default::default()
        };
        // Interrupted after two pages (as a kill would leave it)…
        let first = family_card::jobs::recompute::recompute_wellbeing(
            store,
            &rules.wellbeing,
            &rules.legal,
            d,
            &JobOptions {
                max_pages: Some(2),
                restart: true,
                ..small.clone()
            },
        )
        .await
        .unwrap();
        assert!(!first.finished);
        assert_eq!(first.families, 14);
        // …then resumed: it continues after the checkpoint and finishes.
        let resumed = family_card::jobs::recompute::recompute_wellbeing(
            store,
            &rules.wellbeing,
            &rules.legal,
            d,
            &small,
        )
        .await
        .unwrap();
        assert!(resumed.finished);
        assert!(resumed.resumed_after.is_some());
        let families = store.count_families().await.unwrap();
        assert_eq!(
            resumed.families_total, families,
            "every family once over the two runs"
        );

        // The stored distribution equals an uninterrupted evaluation of every family.
        let stored: BTreeMap<String, i64> = store
            .wellbeing_distribution(&d.to_string(), None)
            .await
            .unwrap()
            .into_iter()
            .collect();
        let mut evaluated: BTreeMap<String, i64> = BTreeMap::new();
        for r in assess_all(store, &rules, d, &small).await.unwrap() {
            *evaluated.entry(r.level).or_default() += 1;
        }
        assert_eq!(stored, evaluated);

        // Running again from the start writes nothing: unchanged inputs make no new record.
        let again = family_card::jobs::recompute::recompute_wellbeing(
            store,
            &rules.wellbeing,
            &rules.legal,
            d,
            &JobOptions {
                restart: true,
                ..small.clone()
            },
        )
        .await
        .unwrap();
        assert!(again.finished);
        assert_eq!(again.written, 0, "no duplicate history");
        assert_eq!(
            again.unchanged,
            again.families - again.not_in_force - again.failed,
            "every assessed family's rows are those of its record: none decoded again: {again:?}"
        );

        // A later date with the same facts adds nothing either; history shows one record per change.
        let f18 = family_id_of(&first_iin_at("AD-18")).await;
        let history = store.wellbeing_history(&f18).await.unwrap();
        assert_eq!(history.len(), 1, "{history:?}");
        assert_eq!(history[0]["level"], "E");
        let body = gql(
            r#"query($iin: String!) { family(iin: $iin) { wellbeingHistory { asOf level total methodologyVersion } } }"#,
            json!({"iin": first_iin_at("AD-18")}),
        )
        .await;
        assert_eq!(
            body["data"]["family"]["wellbeingHistory"][0]["level"], "E",
            "{body}"
        );
        let dist = gql(
            r#"{ wellbeingDistribution(asOf: "2026-06-01") { level families } }"#,
            json!({}),
        )
        .await;
        let total: i64 = dist["data"]["wellbeingDistribution"]
            .as_array()
            .unwrap_or_else(|| panic!("{dist}"))
            .iter()
            .map(|l| l["families"].as_i64().unwrap())
            .sum();
        assert_eq!(total, stored.values().sum::<i64>());
    });
}
