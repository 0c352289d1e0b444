//! Ingest: idempotent re-loads, rejects naming file/line/field, valid records never lost.

use crate::helpers::*;
use family_card::domain::ids::Sex;
use family_card::ingest::{load_dir, IngestOptions};
use serde_json::json;

#[test]
fn reloading_the_sample_changes_no_counts() {
    run_exclusive(async {
        let store = &app().store;
        // Cards for whatever other tests loaded, so that only the re-load can change counts.
        family_card::family_cards::materialise_family_cards(store, reference_date())
            .await
            .unwrap();
        let before = store.counts().await.unwrap();
        let s = load_dir(
            store,
            &repo_path("fixtures/sample"),
            &IngestOptions::default(),
        )
        .await
        .unwrap();
        assert_eq!(
            s.rejected(),
            0,
            "the sample registry is clean: {:?}",
            s.rejects
        );
        family_card::family_cards::materialise_family_cards(store, reference_date())
            .await
            .unwrap();
        let after = store.counts().await.unwrap();
        // Nothing else writes meanwhile: every label and relationship type keeps its count.
        for k in [
            "node:Person",
            "node:Dwelling",
            "rel:MARRIED_TO",
            "rel:PARENT_OF",
        ] {
            assert!(before.contains_key(k), "{k} missing from {before:?}");
        }
        assert_eq!(before, after, "re-loading the sample changed counts");
        assert_eq!(app().sample_summary.rejected(), 0);
        // Re-load into an isolated extract and count exactly.
        let d = sample_like_extract().write();
        load_dir(store, d.path(), &IngestOptions::default())
            .await
            .unwrap();
        let once = store.counts().await.unwrap();
        load_dir(store, d.path(), &IngestOptions::default())
            .await
            .unwrap();
        let twice = store.counts().await.unwrap();
        for k in [
            "node:Income",
            "node:Vehicle",
            "rel:REGISTERED_AT",
            "rel:RECEIVED_INCOME",
            "rel:OWNS_VEHICLE",
        ] {
            assert_eq!(once.get(k), twice.get(k), "{k} changed on re-load");
        }
    });
}

fn sample_like_extract() -> Extract {
    let p = fresh_iin("1975-11-11", Sex::Male);
    let addr = format!("T-{p}-A");
    let mut x = Extract::default();
    x.add("addresses.ndjson", json!({"address_id": addr, "region": "SHYMKENT", "settlement": "Shymkent", "settlement_type": "republican_city"}));
    x.person(&p, "Жумабаев", "Арман");
    x.add(
        "registrations.ndjson",
        json!({"iin": p.as_str(), "address_id": addr, "kind": "permanent", "from": "2000-01-01"}),
    );
    x.add("vehicles.ndjson", json!({"vehicle_id": format!("VIN-{p}"), "owner_iin": p.as_str(), "kind": "passenger", "from": "2020-01-01"}));
    for m in 1..=6 {
        x.add("incomes.ndjson", json!({"iin": p.as_str(), "month": format!("2026-0{m}"), "source": "wage", "amount_kzt": 300000}));
    }
    x
}

#[test]
fn bad_records_are_rejected_with_file_line_and_field_and_good_ones_land() {
    run(async {
        let good = fresh_iin("1983-12-12", Sex::Female);
        let addr = format!("T-{good}-A");
        let mut x = Extract::default();
        x.add("addresses.ndjson", json!({"address_id": addr, "region": "ALMATY", "settlement": "Almaty", "settlement_type": "republican_city"}));
        x.person(&good, "Нурланова", "Жанар"); // line 1: good
        x.add_raw("persons.ndjson", r#"{"iin":"950115401236","surname":"Bad","first_name":"Check","citizenship":"citizen"}"#); // 2: check digit
        x.add_raw("persons.ndjson", r#"{"iin":"950115401235","surname":"Dead","first_name":"Early","citizenship":"citizen","death_date":"1990-01-01"}"#); // 3: death before birth
        x.add_raw("persons.ndjson", "{not json"); // 4
        x.add("registrations.ndjson", json!({"iin": good.as_str(), "address_id": addr, "kind": "permanent", "from": "2001-01-01"})); // 1: good
        x.add("registrations.ndjson", json!({"iin": good.as_str(), "address_id": "NO-SUCH-ADDRESS", "kind": "permanent", "from": "2002-01-01"})); // 2: unknown address
        x.add("registrations.ndjson", json!({"iin": good.as_str(), "address_id": addr, "kind": "permanent", "from": "2010-01-01", "to": "2009-01-01"})); // 3: period
        x.add(
            "incomes.ndjson",
            json!({"iin": good.as_str(), "month": "2025-13", "source": "wage", "amount_kzt": 1}),
        ); // 1: month
        x.add("incomes.ndjson", json!({"iin": good.as_str(), "month": "2025-12", "source": "wage", "amount_kzt": 250000})); // 2: good
        let s = x.load().await;
        let got: Vec<(String, usize, String)> = s
            .rejects
            .iter()
            .map(|r| (r.file.clone(), r.line, r.field.clone()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("persons.ndjson".into(), 2, "iin".into()),
                ("persons.ndjson".into(), 3, "death_date".into()),
                ("persons.ndjson".into(), 4, "$".into()),
                ("registrations.ndjson".into(), 2, "iin or address_id".into()),
                ("registrations.ndjson".into(), 3, "to".into()),
                ("incomes.ndjson".into(), 1, "month".into()),
            ]
        );
        assert!(s.rejects[0].error.contains("check digit"));
        assert!(s.rejects[3].error.contains("NO-SUCH-ADDRESS"));
        assert_eq!(s.written(), 4);
        let body = gql(
            r#"query($iin: String!) { person(iin: $iin) { fullName registrations { dwelling { addressId } } } }"#,
            json!({"iin": good.as_str()}),
        )
        .await;
        assert_eq!(body["data"]["person"]["fullName"], "Нурланова Жанар");
        assert_eq!(
            body["data"]["person"]["registrations"][0]["dwelling"]["addressId"],
            addr.as_str()
        );
    });
}

#[test]
fn the_bad_fixture_yields_exactly_the_expected_rejects() {
    run(async {
        let s = load_dir(
            &app().store,
            &repo_path("fixtures/bad"),
            &IngestOptions::default(),
        )
        .await
        .unwrap();
        let mut got: Vec<(String, usize, String)> = s
            .rejects
            .iter()
            .map(|r| (r.file.clone(), r.line, r.field.clone()))
            .collect();
        // fixtures/bad/EXPECTED.md
        let expected = [
            ("persons.ndjson", 2, "iin"),
            ("persons.ndjson", 4, "birth_date"),
            ("persons.ndjson", 6, "death_date"),
            ("persons.ndjson", 7, "$"),
            ("persons.ndjson", 8, "surname"),
            ("persons.ndjson", 9, "citizenship"),
            ("persons.ndjson", 10, "$"),
            ("persons.ndjson", 11, "surname"),
            ("persons.ndjson", 12, "iin"),
            ("persons.ndjson", 13, "iin"),
            ("persons.ndjson", 14, "iin"),
            ("addresses.ndjson", 2, "region"),
            ("addresses.ndjson", 3, "region"),
            ("registrations.ndjson", 2, "iin or address_id"),
            ("registrations.ndjson", 3, "to"),
            ("incomes.ndjson", 2, "iin"),
            ("incomes.ndjson", 3, "month"),
            ("incomes.ndjson", 4, "amount_kzt"),
            ("bank_accounts.ndjson", 2, "iban"),
        ];
        got.sort();
        let mut want: Vec<(String, usize, String)> = expected
            .iter()
            .map(|(f, l, x)| (f.to_string(), *l, x.to_string()))
            .collect();
        want.sort();
        assert_eq!(got, want);
        assert_eq!(s.written(), 9, "every valid record lands");
        assert!(s
            .rejects
            .iter()
            .any(|r| r.error.contains("NO-SUCH-ADDRESS")));
        let at = |line: usize| {
            s.rejects
                .iter()
                .find(|r| r.file == "persons.ndjson" && r.line == line)
                .unwrap()
        };
        assert!(at(10).error.contains("UTF-8"), "{}", at(10).error);
        assert!(at(12).error.contains("2095-05-05"), "{}", at(12).error);
        assert!(at(14).error.contains("line 1"), "{}", at(14).error);
        // The first record of the duplicated IIN is the one kept.
        let body = gql(r#"{ person(iin: "850101405012") { fullName } }"#, json!({})).await;
        assert_eq!(
            body["data"]["person"]["fullName"], "Хорошая Запись",
            "{body}"
        );
    });
}

/// Found by a tester: leading multi-byte whitespace in an IIN panicked the parser, in the API
/// and in `family-card load`. Both now answer with the field at fault.
#[test]
fn an_iin_in_multi_byte_whitespace_is_bad_input_not_a_panic() {
    run(async {
        for iin in [
            "\u{3000}950115401235",
            "\u{a0}950230401235\u{a0}",
            "\u{2003}\u{2003}9",
        ] {
            let body = gql(
                r#"query($iin: String!) { person(iin: $iin) { fullName } }"#,
                json!({ "iin": iin }),
            )
            .await;
            assert_eq!(
                error_code(&body).as_deref(),
                Some("BAD_USER_INPUT"),
                "{body}"
            );
            assert_eq!(body["errors"][0]["extensions"]["field"], "iin", "{body}");
        }
        let good = fresh_iin("1979-09-09", Sex::Female);
        let mut x = Extract::default();
        // A line of only an ideographic space is blank (skipped, not a record).
        x.add_raw("persons.ndjson", "\u{3000}");
        x.add("persons.ndjson", json!({"iin": format!("\u{3000}{good}"), "surname": "Пробел", "first_name": "Ведущий", "citizenship": "citizen"}));
        x.person(&good, "Пробел", "Ведущий");
        let s = x.load().await;
        let got: Vec<(usize, &str)> = s
            .rejects
            .iter()
            .map(|r| (r.line, r.field.as_str()))
            .collect();
        assert_eq!(got, vec![(2, "iin")]);
        assert_eq!(s.written(), 1);
    });
}
