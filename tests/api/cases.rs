//! Investigators' cases over GraphQL against the real database: open a case on the F17
//! shared-address cluster, add a note, pin a view, list and search, export JSON and CSV, close
//! with a conclusion (and the refusals), who may touch a case, and a neighbourhood read under
//! the case whose audit record carries the case id.

use crate::helpers::*;
use serde_json::{json, Value};

const CASE_FIELDS: &str = "caseId title purpose legalBasis region status openedBy subjects notes { at by text } pinnedViews { name slice } conclusion version";

fn open_q() -> String {
    format!(
        r#"mutation($t: String!, $p: String!, $l: String!, $r: String, $s: [String!]) {{
  openCase(title: $t, purpose: $p, legalBasis: $l, region: $r, subjects: $s) {{ {CASE_FIELDS} }}
}}"#
    )
}

fn mutate(name: &str, args: &str, vars: &str) -> String {
    format!("mutation({vars}) {{ {name}({args}) {{ {CASE_FIELDS} }} }}")
}

fn inv(subject: &str) -> String {
    token_with(
        "investigator",
        "ALMATY_CITY",
        subject,
        Some("F17 review"),
        None,
    )
}

async fn open_f17(who: &str, title: &str) -> (String, Vec<String>) {
    let a = first_iin_at("AD-17");
    let body = gql_as(
        &open_q(),
        json!({"t": title, "p": "shared-address cluster", "l": "Social Code art. 12", "r": "ALMATY_CITY", "s": [a]}),
        who,
    )
    .await;
    let c = &body["data"]["openCase"];
    let id = c["caseId"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_string();
    (id, vec![a])
}

#[test]
fn a_case_is_opened_noted_pinned_listed_exported_and_closed() {
    run(async {
        let me = inv("case-investigator-1");
        let (id, subjects) = open_f17(&me, "F17 shared flat").await;
        assert!(id.starts_with("CASE-"), "{id}");

        let second = sample_records("registrations.ndjson")
            .into_iter()
            .filter(|r| r["address_id"] == "AD-17")
            .filter_map(|r| r["iin"].as_str().map(str::to_string))
            .find(|i| !subjects.contains(i))
            .expect("F17 has more than one person");
        let add = gql_as(
            &mutate(
                "addCaseSubject",
                "caseId: $c, iin: $i",
                "$c: String!, $i: String!",
            ),
            json!({"c": id, "i": second}),
            &me,
        )
        .await;
        assert_eq!(
            add["data"]["addCaseSubject"]["subjects"]
                .as_array()
                .unwrap()
                .len(),
            2,
            "{add}"
        );
        let bad = gql_as(
            &mutate(
                "addCaseSubject",
                "caseId: $c, iin: $i",
                "$c: String!, $i: String!",
            ),
            json!({"c": id, "i": "123"}),
            &me,
        )
        .await;
        assert_eq!(error_code(&bad).as_deref(), Some("BAD_USER_INPUT"), "{bad}");
        assert!(bad.to_string().contains("iin"), "{bad}");

        let note = gql_as(
            &mutate(
                "addCaseNote",
                "caseId: $c, text: $x",
                "$c: String!, $x: String!",
            ),
            json!({"c": id, "x": "twelve men, one flat, since 2025-11-01"}),
            &me,
        )
        .await;
        let notes = &note["data"]["addCaseNote"]["notes"];
        assert_eq!(
            notes[0]["text"], "twelve men, one flat, since 2025-11-01",
            "{note}"
        );
        assert_eq!(notes[0]["by"], "case-investigator-1");

        let slice =
            json!({"nodes": [{"id": format!("person:{}", subjects[0])}], "edges": []}).to_string();
        let pin = gql_as(
            &mutate(
                "pinCaseView",
                "caseId: $c, name: $n, slice: $s",
                "$c: String!, $n: String!, $s: String!",
            ),
            json!({"c": id, "n": "the flat", "s": slice}),
            &me,
        )
        .await;
        assert_eq!(
            pin["data"]["pinCaseView"]["pinnedViews"][0]["slice"],
            slice.as_str(),
            "{pin}"
        );

        // Listed and searched.
        let list_q = r#"query($st: CaseStatus, $sub: String, $q: String) {
  cases(status: $st, subject: $sub, search: $q, first: 100) { edges { node { caseId title } } pageInfo { hasNextPage } }
}"#;
        let ids = |b: &Value| -> Vec<String> {
            b["data"]["cases"]["edges"]
                .as_array()
                .unwrap_or_else(|| panic!("{b}"))
                .iter()
                .map(|e| e["node"]["caseId"].as_str().unwrap().to_string())
                .collect()
        };
        let by_text = gql_as(list_q, json!({"q": "SHARED flat"}), &me).await;
        assert!(ids(&by_text).contains(&id), "{by_text}");
        let by_subject = gql_as(list_q, json!({"sub": second, "st": "OPEN"}), &me).await;
        assert!(ids(&by_subject).contains(&id), "{by_subject}");
        let none = gql_as(list_q, json!({"q": "no such title zz"}), &me).await;
        assert!(!ids(&none).contains(&id), "{none}");
        let closed = gql_as(list_q, json!({"st": "CLOSED", "sub": second}), &me).await;
        assert!(!ids(&closed).contains(&id), "{closed}");

        // Exports.
        let export_q =
            r#"query($c: String!, $f: CaseExportFormat!) { caseExport(id: $c, format: $f) }"#;
        let j = gql_as(export_q, json!({"c": id, "f": "JSON"}), &me).await;
        let parsed: Value = serde_json::from_str(
            j["data"]["caseExport"]
                .as_str()
                .unwrap_or_else(|| panic!("{j}")),
        )
        .unwrap();
        assert_eq!(parsed["case_id"], id.as_str());
        assert_eq!(parsed["subjects"].as_array().unwrap().len(), 2);
        assert_eq!(
            parsed["notes"][0]["text"],
            "twelve men, one flat, since 2025-11-01"
        );
        let c = gql_as(export_q, json!({"c": id, "f": "CSV"}), &me).await;
        let csv = c["data"]["caseExport"]
            .as_str()
            .unwrap_or_else(|| panic!("{c}"));
        assert!(csv.starts_with("case_id,kind,at,by,value\n"), "{csv}");
        assert!(csv.contains(&format!("{id},subject,,,{second}\n")), "{csv}");
        assert!(
            csv.contains("\"twelve men, one flat, since 2025-11-01\""),
            "{csv}"
        );

        // Closing needs a conclusion; a closed case takes no more notes.
        let status_q = mutate(
            "setCaseStatus",
            "caseId: $c, status: $s, conclusion: $x",
            "$c: String!, $s: CaseStatus!, $x: String",
        );
        let refused = gql_as(&status_q, json!({"c": id, "s": "CLOSED"}), &me).await;
        assert_eq!(
            error_code(&refused).as_deref(),
            Some("BAD_USER_INPUT"),
            "{refused}"
        );
        assert!(refused.to_string().contains("conclusion"), "{refused}");
        let done = gql_as(
            &status_q,
            json!({"c": id, "s": "CLOSED", "x": "fictitious registration confirmed"}),
            &me,
        )
        .await;
        assert_eq!(done["data"]["setCaseStatus"]["status"], "CLOSED", "{done}");
        assert_eq!(
            done["data"]["setCaseStatus"]["conclusion"],
            "fictitious registration confirmed"
        );
        let late = gql_as(
            &mutate(
                "addCaseNote",
                "caseId: $c, text: $x",
                "$c: String!, $x: String!",
            ),
            json!({"c": id, "x": "after the end"}),
            &me,
        )
        .await;
        assert_eq!(
            error_code(&late).as_deref(),
            Some("BAD_USER_INPUT"),
            "{late}"
        );
        assert!(late.to_string().contains("closed"), "{late}");
        let read = gql_as(
            &format!("query($c: String!) {{ case(id: $c) {{ {CASE_FIELDS} }} }}"),
            json!({"c": id}),
            &me,
        )
        .await;
        assert_eq!(
            read["data"]["case"]["notes"].as_array().unwrap().len(),
            1,
            "{read}"
        );
        assert_eq!(read["data"]["case"]["status"], "CLOSED");
    });
}

#[test]
fn only_investigators_of_the_region_work_a_case_and_auditors_read_it() {
    run(async {
        let me = inv("case-investigator-2");
        let (id, _) = open_f17(&me, "F17 policy").await;
        let read_q = r#"query($c: String!) { case(id: $c) { caseId } }"#;
        for who in [
            token("analyst", "*"),
            token("partner", "*"),
            token("operator", "*"),
            token_with(
                "investigator",
                "ASTANA",
                "case-other-region",
                Some("x"),
                None,
            ),
        ] {
            let b = gql_as(read_q, json!({"c": id}), &who).await;
            assert_eq!(error_code(&b).as_deref(), Some("FORBIDDEN"), "{b}");
            let n = gql_as(
                &mutate(
                    "addCaseNote",
                    "caseId: $c, text: $x",
                    "$c: String!, $x: String!",
                ),
                json!({"c": id, "x": "not mine"}),
                &who,
            )
            .await;
            assert_eq!(error_code(&n).as_deref(), Some("FORBIDDEN"), "{n}");
        }
        // Opening a case of another region is refused; an investigator without purpose too.
        let other = gql_as(
            &open_q(),
            json!({"t": "x", "p": "p", "l": "l", "r": "ASTANA"}),
            &me,
        )
        .await;
        assert_eq!(error_code(&other).as_deref(), Some("FORBIDDEN"), "{other}");
        let no_purpose = token_with("investigator", "ALMATY_CITY", "case-np", None, None);
        let b = gql_as(
            &open_q(),
            json!({"t": "x", "p": "p", "l": "l"}),
            &no_purpose,
        )
        .await;
        assert_eq!(error_code(&b).as_deref(), Some("FORBIDDEN"), "{b}");
        // Another region's investigator does not see it listed.
        let list_q = r#"{ cases(first: 100) { edges { node { caseId } } } }"#;
        let astana = token_with(
            "investigator",
            "ASTANA",
            "case-other-region",
            Some("x"),
            None,
        );
        let l = gql_as(list_q, json!({}), &astana).await;
        assert!(!l.to_string().contains(&id), "{l}");
        // The auditor reads it.
        let a = gql_as(read_q, json!({"c": id}), &token("auditor", "*")).await;
        assert_eq!(a["data"]["case"]["caseId"], id.as_str(), "{a}");
    });
}

#[test]
fn a_read_under_a_case_is_audited_with_the_case_id() {
    run(async {
        let subject = "case-investigator-3";
        let me = inv(subject);
        let (id, subjects) = open_f17(&me, "F17 reads").await;
        let q = r#"query($i: String!, $c: String) { neighbourhood(iin: $i, caseId: $c) { nodes { id } } }"#;
        let b = gql_as(q, json!({"i": subjects[0], "c": id}), &me).await;
        assert!(
            b["data"]["neighbourhood"]["nodes"]
                .as_array()
                .is_some_and(|n| !n.is_empty()),
            "{b}"
        );
        let unknown = gql_as(q, json!({"i": subjects[0], "c": "CASE-none"}), &me).await;
        assert_eq!(
            error_code(&unknown).as_deref(),
            Some("NOT_FOUND"),
            "{unknown}"
        );

        let path = family_card::audit::file_in(&app().state_dir.join("audit"));
        family_card::audit::verify(&path).expect("the chain is intact");
        let (rows, _) = family_card::audit::search(
            &path,
            &family_card::audit::AuditQuery {
                subject: Some(subject.into()),
                limit: 100,
                ..Default::default()
            },
        )
        .unwrap();
        let reads: Vec<_> = rows
            .iter()
            .filter(|r| {
                r.draft
                    .accesses
                    .iter()
                    .any(|a| a.action == "neighbourhood" && a.outcome == "allowed")
            })
            .collect();
        assert_eq!(reads.len(), 1, "{rows:?}");
        assert_eq!(reads[0].draft.case_id.as_deref(), Some(id.as_str()));
        assert!(reads[0].draft.accessed_iins.contains(&subjects[0]));
        // Records without a case carry none.
        assert!(rows.iter().filter(|r| r.draft.case_id.is_none()).count() >= 1);

        // Closed: no more reads under it.
        let close = mutate(
            "setCaseStatus",
            "caseId: $c, status: $s, conclusion: $x",
            "$c: String!, $s: CaseStatus!, $x: String",
        );
        let s = gql_as(&close, json!({"c": id, "s": "SUSPENDED"}), &me).await;
        assert_eq!(s["data"]["setCaseStatus"]["status"], "SUSPENDED", "{s}");
        let b = gql_as(q, json!({"i": subjects[0], "c": id}), &me).await;
        assert_eq!(error_code(&b).as_deref(), Some("FORBIDDEN"), "{b}");
    });
}

fn note_q() -> String {
    mutate(
        "addCaseNote",
        "caseId: $c, text: $x, expectedVersion: $v",
        "$c: String!, $x: String!, $v: Int",
    )
}

async fn read_case(id: &str, who: &str) -> Value {
    let b = gql_as(
        &format!("query($c: String!) {{ case(id: $c) {{ {CASE_FIELDS} }} }}"),
        json!({"c": id}),
        who,
    )
    .await;
    b["data"]["case"].clone()
}

#[test]
fn concurrent_changes_of_a_case_are_all_kept() {
    run(async {
        let me = inv("case-investigator-4");
        let (id, _) = open_f17(&me, "F17 concurrent").await;
        let second = sample_records("registrations.ndjson")
            .into_iter()
            .filter(|r| r["address_id"] == "AD-17")
            .filter_map(|r| r["iin"].as_str().map(str::to_string))
            .nth(1)
            .expect("F17 has more than one person");
        let slice = json!({"nodes": [], "edges": []}).to_string();
        let notes: Vec<String> = (0..6).map(|k| format!("concurrent note {k}")).collect();
        let q = note_q();
        let mut calls = vec![];
        for n in &notes {
            calls.push(gql_as(&q, json!({"c": id, "x": n}), &me));
        }
        let sub = mutate(
            "addCaseSubject",
            "caseId: $c, iin: $i",
            "$c: String!, $i: String!",
        );
        let pin = mutate(
            "pinCaseView",
            "caseId: $c, name: $n, slice: $s",
            "$c: String!, $n: String!, $s: String!",
        );
        let (answers, s, p) = futures::join!(
            futures::future::join_all(calls),
            gql_as(&sub, json!({"c": id, "i": second}), &me),
            gql_as(
                &pin,
                json!({"c": id, "n": "concurrent view", "s": slice}),
                &me
            ),
        );
        for a in answers.iter().chain([&s, &p]) {
            assert!(a["errors"].is_null(), "{a}");
        }
        let c = read_case(&id, &me).await;
        let kept: Vec<&str> = c["notes"]
            .as_array()
            .unwrap_or_else(|| panic!("{c}"))
            .iter()
            .filter_map(|n| n["text"].as_str())
            .collect();
        for n in &notes {
            assert!(kept.contains(&n.as_str()), "{n} lost: {c}");
        }
        assert_eq!(kept.len(), notes.len(), "{c}");
        assert!(
            c["subjects"].as_array().unwrap().contains(&json!(second)),
            "{c}"
        );
        assert_eq!(c["pinnedViews"].as_array().unwrap().len(), 1, "{c}");
        // Opened at 1, then one version per change.
        assert_eq!(c["version"], json!(1 + notes.len() + 2), "{c}");
    });
}

#[test]
fn a_change_made_from_a_stale_version_is_a_conflict() {
    run(async {
        let me = inv("case-investigator-5");
        let (id, _) = open_f17(&me, "F17 stale").await;
        let first = gql_as(&note_q(), json!({"c": id, "x": "from v1", "v": 1}), &me).await;
        assert_eq!(first["data"]["addCaseNote"]["version"], json!(2), "{first}");
        let stale = gql_as(
            &note_q(),
            json!({"c": id, "x": "also from v1", "v": 1}),
            &me,
        )
        .await;
        assert_eq!(error_code(&stale).as_deref(), Some("CONFLICT"), "{stale}");
        assert!(
            stale
                .to_string()
                .contains("changed since version 1 (now version 2)"),
            "{stale}"
        );
        let c = read_case(&id, &me).await;
        assert_eq!(c["notes"].as_array().unwrap().len(), 1, "{c}");
        assert_eq!(c["version"], json!(2), "{c}");
        let fresh = gql_as(&note_q(), json!({"c": id, "x": "from v2", "v": 2}), &me).await;
        assert_eq!(fresh["data"]["addCaseNote"]["version"], json!(3), "{fresh}");
    });
}

#[test]
fn the_case_list_pages_by_keyset_and_stays_stable_while_cases_are_opened() {
    run(async {
        let me = inv("case-investigator-6");
        let marker = "keyset paging zq";
        let mut opened = vec![];
        for k in 0..5 {
            opened.push(open_f17(&me, &format!("{marker} {k}")).await.0);
        }
        let list_q = r#"query($q: String, $a: String, $n: Int) {
  cases(search: $q, after: $a, first: $n) { edges { cursor node { caseId } } pageInfo { hasNextPage endCursor } }
}"#;
        let page = |after: Option<String>| {
            let me = me.clone();
            async move { gql_as(list_q, json!({"q": marker, "a": after, "n": 2}), &me).await }
        };
        let ids = |b: &Value| -> Vec<String> {
            b["data"]["cases"]["edges"]
                .as_array()
                .unwrap_or_else(|| panic!("{b}"))
                .iter()
                .map(|e| e["node"]["caseId"].as_str().unwrap().to_string())
                .collect()
        };
        let p1 = page(None).await;
        let mut seen = ids(&p1);
        assert_eq!(seen.len(), 2, "{p1}");
        assert_eq!(p1["data"]["cases"]["pageInfo"]["hasNextPage"], true);
        let mut cursor = p1["data"]["cases"]["pageInfo"]["endCursor"]
            .as_str()
            .map(str::to_string);
        assert!(
            cursor.as_deref().is_some_and(|c| c.starts_with("c:CASE-")),
            "{p1}"
        );
        // Cases opened between pages: they never shift or repeat what was seen.
        for k in 5..8 {
            opened.push(open_f17(&me, &format!("{marker} {k}")).await.0);
        }
        loop {
            let p = page(cursor.clone()).await;
            let got = ids(&p);
            for g in &got {
                assert!(!seen.contains(g), "{g} repeated: {p}");
            }
            assert!(got.windows(2).all(|w| w[0] < w[1]), "{p}");
            assert!(got.iter().all(|g| seen.last().is_none_or(|l| g > l)), "{p}");
            seen.extend(got);
            if p["data"]["cases"]["pageInfo"]["hasNextPage"] != true {
                break;
            }
            cursor = p["data"]["cases"]["pageInfo"]["endCursor"]
                .as_str()
                .map(str::to_string);
        }
        // Everything opened before the first page is listed exactly once.
        for id in &opened[..5] {
            assert_eq!(
                seen.iter().filter(|s| *s == id).count(),
                1,
                "{id}: {seen:?}"
            );
        }
        let bad = gql_as(list_q, json!({"q": marker, "a": "i:3", "n": 2}), &me).await;
        assert_eq!(error_code(&bad).as_deref(), Some("BAD_USER_INPUT"), "{bad}");
        assert!(bad.to_string().contains("after"), "{bad}");
    });
}

#[test]
fn a_subject_registered_outside_the_investigators_region_is_refused() {
    run(async {
        let me = inv("case-investigator-7");
        let (id, _) = open_f17(&me, "F17 region of subjects").await;
        // AD-02 is in Astana; the investigator works Almaty.
        let astana = first_iin_at("AD-02");
        let add = mutate(
            "addCaseSubject",
            "caseId: $c, iin: $i",
            "$c: String!, $i: String!",
        );
        let b = gql_as(&add, json!({"c": id, "i": astana}), &me).await;
        assert_eq!(error_code(&b).as_deref(), Some("FORBIDDEN"), "{b}");
        assert!(
            b.to_string()
                .contains("registered in ASTANA today, outside your region scope"),
            "{b}"
        );
        let c = read_case(&id, &me).await;
        assert_eq!(c["subjects"].as_array().unwrap().len(), 1, "{c}");
        assert_eq!(c["version"], json!(1), "{c}");
        // Not at opening either.
        let o = gql_as(
            &open_q(),
            json!({"t": "x", "p": "p", "l": "l", "r": "ALMATY_CITY", "s": [first_iin_at("AD-17"), astana]}),
            &me,
        )
        .await;
        assert_eq!(error_code(&o).as_deref(), Some("FORBIDDEN"), "{o}");
        assert!(o.to_string().contains("subjects"), "{o}");
        // A valid IIN nobody has: not found, naming the field.
        let nobody = fresh_iin("1990-01-01", family_card::domain::ids::Sex::Male);
        let n = gql_as(&add, json!({"c": id, "i": nobody.as_str()}), &me).await;
        assert_eq!(error_code(&n).as_deref(), Some("NOT_FOUND"), "{n}");
        // A national investigator may add the Astana person to the same region's case? The
        // case is Almaty's: a national-scope investigator works every region.
        let national = token_with(
            "investigator",
            "*",
            "case-national",
            Some("F17 review"),
            None,
        );
        let ok = gql_as(&add, json!({"c": id, "i": astana}), &national).await;
        assert!(ok["errors"].is_null(), "{ok}");
    });
}
