//! Investigators' link queries and fraud signals over GraphQL: neighbourhood and paths with
//! their edges and dates, the timeline, who may ask (investigators under a purpose only), and
//! each signal on its family with its evidence — and not on a look-alike.

use crate::helpers::*;
use family_card::domain::ids::{Iin, Sex};
use serde_json::{json, Value};

const NEIGHBOURHOOD: &str = r#"query($iin: String!, $hops: Int, $kinds: [LinkKind!], $asOf: NaiveDate) {
  neighbourhood(iin: $iin, hops: $hops, kinds: $kinds, asOf: $asOf) {
    nodes { id kind label facts { name value } }
    edges { from to kind fromDate toDate directed }
    truncated
  }
}"#;

const PATHS: &str = r#"query($from: String!, $to: String!, $maxHops: Int, $asOf: NaiveDate) {
  paths(from: $from, to: $to, maxHops: $maxHops, asOf: $asOf) {
    paths { length nodes { id kind } edges { from to kind fromDate toDate } }
    truncated
  }
}"#;

const SIGNALS: &str = r#"query($iin: String!, $asOf: NaiveDate) {
  signals(iin: $iin, asOf: $asOf) {
    signal subjects score ruleVersion
    thresholds { name value } facts { name value } mattersFor
    evidence { nodes { id kind } edges { from to kind fromDate toDate } }
  }
}"#;

fn investigator() -> String {
    token("investigator", "*")
}

/// The IIN of the sample person with this name (the first one, when names repeat).
fn sample_iin(surname: &str, first: &str) -> String {
    sample_records("persons.ndjson")
        .into_iter()
        .find(|p| p["surname"] == surname && p["first_name"] == first)
        .and_then(|p| p["iin"].as_str().map(str::to_string))
        .unwrap_or_else(|| panic!("no {surname} {first} in the sample"))
}

fn pid(iin: &str) -> String {
    format!("person:{iin}")
}

fn edges_of<'a>(body: &'a Value, path: &str) -> &'a Vec<Value> {
    body["data"][path]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("no edges in {body}"))
}

fn has_edge(edges: &[Value], kind: &str, a: &str, b: &str) -> bool {
    edges.iter().any(|e| {
        e["kind"] == kind && ((e["from"] == a && e["to"] == b) || (e["from"] == b && e["to"] == a))
    })
}

#[test]
fn links_neighbourhood_of_a_large_family_has_its_marriage_children_dwelling_and_car() {
    run(async {
        let father = sample_iin("Ахметов", "Ерлан");
        let mother = sample_iin("Ахметова", "Айгуль");
        let body = gql_as(
            NEIGHBOURHOOD,
            json!({"iin": father, "asOf": "2026-06-15"}),
            &investigator(),
        )
        .await;
        let edges = edges_of(&body, "neighbourhood");
        assert!(
            has_edge(edges, "MARRIED_TO", &pid(&father), &pid(&mother)),
            "{body}"
        );
        let children = edges
            .iter()
            .filter(|e| e["kind"] == "PARENT_OF" && e["from"] == pid(&father))
            .count();
        assert_eq!(children, 5, "{body}");
        assert!(has_edge(
            edges,
            "REGISTERED_AT",
            &pid(&father),
            "dwelling:AD-01"
        ));
        assert!(has_edge(
            edges,
            "OWNS_VEHICLE",
            &pid(&father),
            "vehicle:VH-01"
        ));
        let nodes = body["data"]["neighbourhood"]["nodes"].as_array().unwrap();
        let dwelling = nodes.iter().find(|n| n["id"] == "dwelling:AD-01").unwrap();
        assert_eq!(dwelling["kind"], "DWELLING");
        assert!(dwelling["facts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["name"] == "region" && f["value"] == "SHYMKENT"));
        assert_eq!(body["data"]["neighbourhood"]["truncated"], false);
    });
}

#[test]
fn links_neighbourhood_respects_the_date_of_a_divorce() {
    run(async {
        let zhanna = sample_iin("Мухамедова", "Жанна");
        let ex = sample_iin("Мухамедов", "Ержан");
        let kinds = json!(["MARRIED_TO"]);
        let married = gql_as(
            NEIGHBOURHOOD,
            json!({"iin": zhanna, "kinds": kinds, "asOf": "2020-01-01"}),
            &investigator(),
        )
        .await;
        let e = edges_of(&married, "neighbourhood");
        assert!(
            has_edge(e, "MARRIED_TO", &pid(&zhanna), &pid(&ex)),
            "{married}"
        );
        let divorced = gql_as(
            NEIGHBOURHOOD,
            json!({"iin": zhanna, "kinds": kinds, "asOf": "2026-06-15"}),
            &investigator(),
        )
        .await;
        assert!(
            edges_of(&divorced, "neighbourhood").is_empty(),
            "{divorced}"
        );
        assert_eq!(
            divorced["data"]["neighbourhood"]["nodes"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        // Without a date, the whole history with the marriage's dates.
        let history = gql_as(
            NEIGHBOURHOOD,
            json!({"iin": zhanna, "kinds": kinds}),
            &investigator(),
        )
        .await;
        let m = edges_of(&history, "neighbourhood")
            .iter()
            .find(|e| {
                e["kind"] == "MARRIED_TO"
                    && has_edge(&[(*e).clone()], "MARRIED_TO", &pid(&zhanna), &pid(&ex))
            })
            .cloned()
            .unwrap_or_else(|| panic!("{history}"));
        assert_eq!(m["fromDate"], "2014-02-14");
        assert_eq!(m["toDate"], "2022-03-01");
    });
}

#[test]
fn links_paths_are_shortest_and_respect_the_date() {
    run(async {
        let zhanna = sample_iin("Мухамедова", "Жанна");
        let aliya = sample_iin("Мухамедова", "Алия");
        let ex = sample_iin("Мухамедов", "Ержан");
        // Over the whole history: Жанна —(dissolved marriage)— Ержан —(marriage)— Алия.
        let body = gql_as(
            PATHS,
            json!({"from": zhanna, "to": aliya, "maxHops": 4}),
            &investigator(),
        )
        .await;
        let paths = body["data"]["paths"]["paths"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"));
        assert!(!paths.is_empty(), "{body}");
        assert!(paths.iter().all(|p| p["length"] == 2), "{body}");
        let via_old_marriage = paths.iter().any(|p| {
            let e = p["edges"].as_array().unwrap();
            e[0]["kind"] == "MARRIED_TO"
                && e[0]["toDate"] == "2022-03-01"
                && has_edge(e, "MARRIED_TO", &pid(&ex), &pid(&aliya))
        });
        assert!(via_old_marriage, "{body}");
        // In 2026 the first marriage is over: the shortest way goes through their son.
        let body = gql_as(
            PATHS,
            json!({"from": zhanna, "to": aliya, "maxHops": 4, "asOf": "2026-06-15"}),
            &investigator(),
        )
        .await;
        let paths = body["data"]["paths"]["paths"].as_array().unwrap();
        assert!(!paths.is_empty(), "{body}");
        assert!(paths.iter().all(|p| p["length"] == 3), "{body}");
        let son = pid(&sample_iin("Мухамедов", "Амир"));
        for p in paths {
            let e = p["edges"].as_array().unwrap();
            // Through the son: his birth link, or his registration with his mother.
            assert!(
                p["nodes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|n| n["id"] == son),
                "{p}"
            );
            assert!(!e.iter().any(|x| x["toDate"] == "2022-03-01"), "{p}");
        }
        assert!(
            paths.iter().any(|p| p["edges"][0]["kind"] == "PARENT_OF"),
            "{body}"
        );
        assert!(
            paths
                .iter()
                .any(|p| p["edges"][0]["kind"] == "REGISTERED_AT"),
            "{body}"
        );
        // Too few hops: no path, and no error.
        let body = gql_as(
            PATHS,
            json!({"from": zhanna, "to": aliya, "maxHops": 2, "asOf": "2026-06-15"}),
            &investigator(),
        )
        .await;
        assert_eq!(body["data"]["paths"]["paths"], json!([]), "{body}");
        let body = gql_as(
            PATHS,
            json!({"from": zhanna, "to": aliya, "maxHops": 7}),
            &investigator(),
        )
        .await;
        assert_eq!(
            error_code(&body).as_deref(),
            Some("BAD_USER_INPUT"),
            "{body}"
        );
    });
}

#[test]
fn links_timeline_is_in_date_order() {
    run(async {
        let zhanna = sample_iin("Мухамедова", "Жанна");
        let body = gql_as(
            r#"query($iin: String!) { timeline(iin: $iin) { date kind label node } }"#,
            json!({"iin": zhanna}),
            &investigator(),
        )
        .await;
        let ev = body["data"]["timeline"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"));
        let dates: Vec<&str> = ev.iter().map(|e| e["date"].as_str().unwrap()).collect();
        let mut sorted = dates.clone();
        sorted.sort();
        assert_eq!(dates, sorted);
        let kinds: Vec<(&str, &str)> = ev
            .iter()
            .map(|e| (e["date"].as_str().unwrap(), e["kind"].as_str().unwrap()))
            .collect();
        for k in [
            ("1990-01-20", "birth"),
            ("2014-02-14", "marriage"),
            ("2018-05-05", "child_born"),
            ("2022-03-01", "divorce"),
        ] {
            assert!(kinds.contains(&k), "{k:?} in {body}");
        }
        assert!(kinds.iter().any(|(_, k)| *k == "registered"), "{body}");
    });
}

#[test]
fn links_timeline_of_a_family_merges_its_members_in_date_order() {
    run(async {
        let iin = sample_iin("Ахметов", "Ерлан");
        let card = gql_as(
            r#"query($iin: String!) { family(iin: $iin) { familyId members { nodes { iin } } } }"#,
            json!({"iin": iin}),
            &token("analyst", "*"),
        )
        .await;
        let family_id = card["data"]["family"]["familyId"]
            .as_str()
            .unwrap_or_else(|| panic!("{card}"))
            .to_string();
        let members: Vec<String> = card["data"]["family"]["members"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| pid(m["iin"].as_str().unwrap()))
            .collect();
        assert!(members.len() >= 2, "{card}");
        let body = gql_as(
            r#"query($id: String!) { timeline(familyId: $id) { date kind person } }"#,
            json!({"id": family_id}),
            &investigator(),
        )
        .await;
        let ev = body["data"]["timeline"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"));
        let dates: Vec<&str> = ev.iter().map(|e| e["date"].as_str().unwrap()).collect();
        let mut sorted = dates.clone();
        sorted.sort();
        assert_eq!(dates, sorted, "{body}");
        for m in &members {
            assert!(
                ev.iter()
                    .any(|e| e["person"] == *m.as_str() && e["kind"] == "birth"),
                "the birth of {m} in {body}"
            );
        }
        assert!(
            ev.iter()
                .all(|e| members.iter().any(|m| e["person"] == *m.as_str())),
            "only members' events: {body}"
        );
        for vars in [json!({"iin": iin, "id": family_id}), json!({})] {
            let body = gql_as(
                r#"query($iin: String, $id: String) { timeline(iin: $iin, familyId: $id) { date } }"#,
                vars,
                &investigator(),
            )
            .await;
            assert_eq!(
                error_code(&body).as_deref(),
                Some("BAD_USER_INPUT"),
                "{body}"
            );
        }
    });
}

#[test]
fn links_timeline_shows_the_offers_made_to_a_person() {
    use crate::proactive::{applicant_with_entitlement, campaign, one_at_a_time, TestGateway};
    let _turn = one_at_a_time();
    run(async {
        let (_gw, gw_url) = TestGateway::start().await;
        let applicant = applicant_with_entitlement(true).await;
        campaign(&gw_url, chrono::Utc::now()).await;
        let offers = app().store.offers_by_phone(&applicant.phone).await.unwrap();
        let offer_id = offers[0]["offer_id"].as_str().unwrap().to_string();
        let body = gql_as(
            r#"query($iin: String!) { timeline(iin: $iin) { date kind label node person } }"#,
            json!({"iin": applicant.mother.as_str()}),
            &investigator(),
        )
        .await;
        let ev = body["data"]["timeline"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"));
        let offer = ev
            .iter()
            .find(|e| e["kind"] == "offer_made")
            .unwrap_or_else(|| panic!("an offer_made event in {body}"));
        assert_eq!(offer["node"], format!("offer:{offer_id}"), "{body}");
        assert_eq!(offer["person"], pid(applicant.mother.as_str()), "{body}");
        assert_eq!(
            offer["date"],
            chrono::Utc::now().date_naive().to_string(),
            "{body}"
        );
        assert!(
            offer["label"]
                .as_str()
                .unwrap()
                .contains("child_care_allowance"),
            "{body}"
        );
    });
}

#[test]
fn links_are_for_investigators_with_a_purpose_only() {
    run(async {
        let iin = sample_iin("Ахметов", "Ерлан");
        let no_purpose = token_with("investigator", "*", "inv-nopurpose", None, None);
        for t in [
            token("analyst", "*"),
            token("partner", "*"),
            token("operator", "*"),
            no_purpose,
        ] {
            for (q, vars) in [
                (NEIGHBOURHOOD, json!({"iin": iin})),
                (SIGNALS, json!({"iin": iin, "asOf": "2026-06-15"})),
                (
                    r#"query($iin: String!) { timeline(iin: $iin) { date } }"#,
                    json!({"iin": iin}),
                ),
                (PATHS, json!({"from": iin, "to": iin})),
            ] {
                let body = gql_as(q, vars, &t).await;
                assert_eq!(error_code(&body).as_deref(), Some("FORBIDDEN"), "{body}");
            }
        }
        // An investigator of another region may not read a Shymkent family's links.
        let elsewhere = token_with("investigator", "ASTANA", "inv-astana", Some("CASE-9"), None);
        let body = gql_as(NEIGHBOURHOOD, json!({"iin": iin}), &elsewhere).await;
        assert_eq!(error_code(&body).as_deref(), Some("FORBIDDEN"), "{body}");
        let shymkent = token_with("investigator", "SHYMKENT", "inv-shym", Some("CASE-9"), None);
        let body = gql_as(NEIGHBOURHOOD, json!({"iin": iin}), &shymkent).await;
        assert!(body["errors"].is_null(), "{body}");
    });
}

fn signal<'a>(body: &'a Value, code: &str) -> Vec<&'a Value> {
    body["data"]["signals"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .filter(|h| h["signal"] == code)
        .collect()
}

fn fact<'a>(hit: &'a Value, name: &str) -> Vec<&'a str> {
    hit["facts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["name"] == name)
        .map(|f| f["value"].as_str().unwrap())
        .collect()
}

#[test]
fn links_signal_shared_address_cluster_is_found_at_f17_and_not_at_a_large_family() {
    run(async {
        let member = first_iin_at("AD-17");
        let body = gql_as(
            SIGNALS,
            json!({"iin": member, "asOf": "2026-06-15"}),
            &investigator(),
        )
        .await;
        let hits = signal(&body, "shared_address_cluster");
        assert_eq!(hits.len(), 1, "{body}");
        let h = hits[0];
        assert_eq!(fact(h, "households"), vec!["12"], "{h}");
        assert_eq!(fact(h, "address_id"), vec!["AD-17"]);
        assert_eq!(h["ruleVersion"], "2026-01-01");
        assert_eq!(h["score"], 40);
        assert_eq!(h["mattersFor"], json!(["asp"]));
        assert!(h["thresholds"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "min_households" && t["value"] == "4"));
        let ev = &h["evidence"];
        assert!(ev["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["id"] == "dwelling:AD-17"));
        let regs = ev["edges"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "REGISTERED_AT" && e["to"] == "dwelling:AD-17")
            .count();
        assert_eq!(regs, 12, "{h}");
        assert_eq!(h["subjects"].as_array().unwrap().len(), 12);

        // Seven persons of one family at one flat are one household: no hit.
        let father = sample_iin("Ахметов", "Ерлан");
        let body = gql_as(
            SIGNALS,
            json!({"iin": father, "asOf": "2026-06-15"}),
            &investigator(),
        )
        .await;
        assert!(signal(&body, "shared_address_cluster").is_empty(), "{body}");

        // Before the signal rules take effect there is no guess.
        let body = gql_as(
            SIGNALS,
            json!({"iin": member, "asOf": "2025-06-15"}),
            &investigator(),
        )
        .await;
        assert_eq!(
            error_code(&body).as_deref(),
            Some("BAD_USER_INPUT"),
            "{body}"
        );
    });
}

/// A divorced couple with an ASP receipt after the divorce; `together`: both stay registered at
/// one flat after it.
async fn divorced_couple(together: bool) -> (Iin, Iin) {
    let h = fresh_iin("1985-03-03", Sex::Male);
    let w = fresh_iin("1987-04-04", Sex::Female);
    let home = format!("AD-T-{}", h.as_str());
    let away = format!("AD-T2-{}", h.as_str());
    let mut x = Extract::default();
    for a in [&home, &away] {
        x.add("addresses.ndjson", json!({"address_id": a, "region": "TURKESTAN", "settlement": "Туркестан", "settlement_type": "oblast_city"}));
    }
    x.person(&h, "Тестов", "Ерлан")
        .person(&w, "Тестова", "Айгуль");
    x.add("marriages.ndjson", json!({"marriage_id": format!("MR-T-{}", h.as_str()), "spouse_a": h.as_str(), "spouse_b": w.as_str(), "registered_on": "2010-06-01", "dissolved_on": "2025-02-01"}));
    x.add(
        "registrations.ndjson",
        json!({"iin": w.as_str(), "address_id": home, "kind": "permanent", "from": "2010-07-01"}),
    );
    if together {
        x.add("registrations.ndjson", json!({"iin": h.as_str(), "address_id": home, "kind": "permanent", "from": "2010-07-01"}));
    } else {
        x.add("registrations.ndjson", json!({"iin": h.as_str(), "address_id": home, "kind": "permanent", "from": "2010-07-01", "to": "2025-02-01"}))
            .add("registrations.ndjson", json!({"iin": h.as_str(), "address_id": away, "kind": "permanent", "from": "2025-02-01"}));
    }
    x.add(
        "benefits.ndjson",
        json!({"iin": w.as_str(), "benefit": "asp", "amount_kzt": 45000, "from": "2025-04-01"}),
    );
    let s = x.load().await;
    assert!(s.rejects.is_empty(), "{:?}", s.rejects);
    (h, w)
}

#[test]
fn links_signal_fictitious_divorce_needs_living_together_and_a_benefit_after_it() {
    run(async {
        let (h, w) = divorced_couple(true).await;
        let body = gql_as(
            SIGNALS,
            json!({"iin": w.as_str(), "asOf": "2026-06-15"}),
            &investigator(),
        )
        .await;
        let hits = signal(&body, "fictitious_divorce");
        assert_eq!(hits.len(), 1, "{body}");
        let hit = hits[0];
        assert_eq!(fact(hit, "divorced_on"), vec!["2025-02-01"]);
        assert!(
            fact(hit, "after_divorce")[0].starts_with("co_registered"),
            "{hit}"
        );
        assert!(
            fact(hit, "benefit")[0].starts_with("asp from 2025-04-01"),
            "{hit}"
        );
        assert_eq!(hit["score"], 60);
        let ev = hit["evidence"]["edges"].as_array().unwrap();
        assert!(
            has_edge(ev, "MARRIED_TO", &pid(h.as_str()), &pid(w.as_str())),
            "{hit}"
        );
        assert_eq!(
            ev.iter().filter(|e| e["kind"] == "REGISTERED_AT").count(),
            2,
            "{hit}"
        );

        // He moved out on the day of the divorce: no hit.
        let (_, w2) = divorced_couple(false).await;
        let body = gql_as(
            SIGNALS,
            json!({"iin": w2.as_str(), "asOf": "2026-06-15"}),
            &investigator(),
        )
        .await;
        assert!(signal(&body, "fictitious_divorce").is_empty(), "{body}");

        // The sample's divorce (F12): they live apart and nobody got a benefit after it.
        let zhanna = sample_iin("Мухамедова", "Жанна");
        let body = gql_as(
            SIGNALS,
            json!({"iin": zhanna, "asOf": "2026-06-15"}),
            &investigator(),
        )
        .await;
        assert!(signal(&body, "fictitious_divorce").is_empty(), "{body}");
    });
}

#[test]
fn links_signal_dead_recipient_is_found_after_the_grace_period_only() {
    run(async {
        let dead = fresh_iin("1950-05-05", Sex::Male);
        let closed = fresh_iin("1951-06-06", Sex::Male);
        let mut x = Extract::default();
        // The person records carry the death dates.
        x.add("persons.ndjson", json!({"iin": dead.as_str(), "surname": "Тестов", "first_name": "Болат", "citizenship": "citizen", "death_date": "2025-03-01"}))
            .add("persons.ndjson", json!({"iin": closed.as_str(), "surname": "Тестов", "first_name": "Серик", "citizenship": "citizen", "death_date": "2025-03-01"}));
        x.add("benefits.ndjson", json!({"iin": dead.as_str(), "benefit": "disability", "amount_kzt": 90000, "from": "2020-01-01"}))
            .add("benefits.ndjson", json!({"iin": closed.as_str(), "benefit": "disability", "amount_kzt": 90000, "from": "2020-01-01", "to": "2025-03-01"}));
        for m in ["2025-02", "2025-05", "2025-06"] {
            x.add("incomes.ndjson", json!({"iin": dead.as_str(), "month": m, "source": "benefit", "benefit": "disability", "amount_kzt": 90000}));
        }
        x.add("incomes.ndjson", json!({"iin": closed.as_str(), "month": "2025-02", "source": "benefit", "benefit": "disability", "amount_kzt": 90000}));
        let s = x.load().await;
        assert!(s.rejects.is_empty(), "{:?}", s.rejects);

        let body = gql_as(
            SIGNALS,
            json!({"iin": dead.as_str(), "asOf": "2026-06-15"}),
            &investigator(),
        )
        .await;
        let hits = signal(&body, "dead_recipient");
        assert_eq!(hits.len(), 1, "{body}");
        let hit = hits[0];
        assert_eq!(fact(hit, "death_date"), vec!["2025-03-01"]);
        assert_eq!(fact(hit, "payments_after_death"), vec!["2"], "{hit}");
        assert!(
            fact(hit, "receipt_after_death")[0].contains("open"),
            "{hit}"
        );
        assert_eq!(hit["subjects"], json!([dead.as_str()]));
        assert_eq!(hit["evidence"]["nodes"][0]["id"], pid(dead.as_str()));

        let body = gql_as(
            SIGNALS,
            json!({"iin": closed.as_str(), "asOf": "2026-06-15"}),
            &investigator(),
        )
        .await;
        assert!(signal(&body, "dead_recipient").is_empty(), "{body}");
    });
}

#[test]
fn links_the_audit_trail_records_every_person_of_the_slice() {
    run(async {
        let father = sample_iin("Ахметов", "Ерлан");
        let who = token_with(
            "investigator",
            "*",
            "links-audit-probe",
            Some("CASE-77"),
            None,
        );
        let body = gql_as(
            NEIGHBOURHOOD,
            json!({"iin": father, "asOf": "2026-06-15"}),
            &who,
        )
        .await;
        let persons: std::collections::BTreeSet<String> = body["data"]["neighbourhood"]["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .iter()
            .filter_map(|n| {
                n["id"]
                    .as_str()?
                    .strip_prefix("person:")
                    .map(str::to_string)
            })
            .collect();
        assert_eq!(persons.len(), 7, "{body}");
        let trail = gql_as(
            r#"query($s: String!) { auditTrail(subject: $s, first: 50) { entries { accessedIins accesses { action object outcome } } } }"#,
            json!({"s": "links-audit-probe"}),
            &token("auditor", "*"),
        )
        .await;
        let e = trail["data"]["auditTrail"]["entries"]
            .as_array()
            .and_then(|a| a.last().cloned())
            .unwrap_or_else(|| panic!("{trail}"));
        let accessed: std::collections::BTreeSet<String> = e["accessedIins"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        assert!(accessed.is_superset(&persons), "{e}");
        assert_eq!(e["accesses"][0]["action"], "neighbourhood");
        assert_eq!(e["accesses"][0]["outcome"], "allowed");
    });
}

#[test]
fn links_shared_phones_and_accounts_are_hops_and_show_in_a_fictitious_divorce() {
    run(async {
        let h = fresh_iin("1984-01-01", Sex::Male);
        let w = fresh_iin("1986-02-02", Sex::Female);
        let stranger = fresh_iin("1970-03-03", Sex::Male);
        let (home, away) = (
            format!("AD-P-{}", w.as_str()),
            format!("AD-P2-{}", w.as_str()),
        );
        let mut x = Extract::default();
        for a in [&home, &away] {
            x.add("addresses.ndjson", json!({"address_id": a, "region": "SHYMKENT", "settlement": "Шымкент", "settlement_type": "republican_city"}));
        }
        let phone = format!("+7705{}", &w.as_str()[5..12]);
        x.add("persons.ndjson", json!({"iin": h.as_str(), "surname": "Тестов", "first_name": "Асхат", "citizenship": "citizen", "phone": phone}))
            .add("persons.ndjson", json!({"iin": w.as_str(), "surname": "Тестова", "first_name": "Алма", "citizenship": "citizen", "phone": phone}))
            .person(&stranger, "Чужой", "Марат");
        x.add("marriages.ndjson", json!({"marriage_id": format!("MR-P-{}", w.as_str()), "spouse_a": h.as_str(), "spouse_b": w.as_str(), "registered_on": "2009-01-01", "dissolved_on": "2024-06-01"}))
            .add("registrations.ndjson", json!({"iin": w.as_str(), "address_id": home, "kind": "permanent", "from": "2009-02-01"}))
            .add("registrations.ndjson", json!({"iin": h.as_str(), "address_id": away, "kind": "permanent", "from": "2024-06-01"}));
        // One account, two holders (the husband and a stranger).
        let iban =
            family_card::domain::ids::Iban::from_parts("601", &format!("9{}", &w.as_str()[..12]))
                .unwrap();
        x.add("bank_accounts.ndjson", json!({"iban": iban.as_str(), "iin": h.as_str(), "bank": "Halyk Bank", "opened_on": "2015-01-01"}))
            .add("bank_accounts.ndjson", json!({"iban": iban.as_str(), "iin": stranger.as_str(), "bank": "Halyk Bank", "opened_on": "2015-01-01"}));
        x.add("benefits.ndjson", json!({"iin": w.as_str(), "benefit": "large_family", "amount_kzt": 70000, "from": "2024-09-01"}));
        let s = x.load().await;
        assert!(s.rejects.is_empty(), "{:?}", s.rejects);

        // Two hops: wife —phone— husband —account— stranger.
        let body = gql_as(
            NEIGHBOURHOOD,
            json!({"iin": w.as_str(), "hops": 2, "kinds": ["SHARES_PHONE", "SHARES_ACCOUNT", "HOLDS_ACCOUNT"], "asOf": "2026-06-15"}),
            &investigator(),
        )
        .await;
        let e = edges_of(&body, "neighbourhood");
        assert!(
            has_edge(e, "SHARES_PHONE", &pid(w.as_str()), &pid(h.as_str())),
            "{body}"
        );
        assert!(
            has_edge(
                e,
                "SHARES_ACCOUNT",
                &pid(h.as_str()),
                &pid(stranger.as_str())
            ),
            "{body}"
        );
        let account = format!("account:{}", iban.as_str());
        assert!(
            has_edge(e, "HOLDS_ACCOUNT", &pid(stranger.as_str()), &account),
            "{body}"
        );
        // One hop only reaches the husband.
        let body = gql_as(
            NEIGHBOURHOOD,
            json!({"iin": w.as_str(), "hops": 1, "kinds": ["SHARES_PHONE", "SHARES_ACCOUNT"]}),
            &investigator(),
        )
        .await;
        let ids: Vec<&str> = body["data"]["neighbourhood"]["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["id"].as_str().unwrap())
            .collect();
        assert!(!ids.contains(&pid(stranger.as_str()).as_str()), "{body}");

        // Living apart, but one phone and a large-family benefit after the divorce.
        let body = gql_as(
            SIGNALS,
            json!({"iin": w.as_str(), "asOf": "2026-06-15"}),
            &investigator(),
        )
        .await;
        let hits = signal(&body, "fictitious_divorce");
        assert_eq!(hits.len(), 1, "{body}");
        assert_eq!(fact(hits[0], "after_divorce"), vec!["shared phone number"]);
        let ev = hits[0]["evidence"]["edges"].as_array().unwrap();
        assert!(
            has_edge(ev, "SHARES_PHONE", &pid(w.as_str()), &pid(h.as_str())),
            "{hits:?}"
        );
    });
}

#[test]
fn links_signal_hidden_earner_is_a_working_adult_linked_to_a_recipient() {
    run(async {
        let mother = fresh_iin("1970-07-07", Sex::Female);
        let son = fresh_iin("1996-08-08", Sex::Male);
        let other = fresh_iin("1971-09-09", Sex::Female);
        let lodger = fresh_iin("1990-10-10", Sex::Male);
        let (a1, a2) = (
            format!("AD-H-{}", mother.as_str()),
            format!("AD-H2-{}", other.as_str()),
        );
        let mut x = Extract::default();
        for a in [&a1, &a2] {
            x.add("addresses.ndjson", json!({"address_id": a, "region": "TURKESTAN", "settlement": "Кентау", "settlement_type": "district_town"}));
        }
        x.person(&mother, "Тестова", "Гульнар")
            .person(&son, "Тестов", "Данияр")
            .person(&other, "Тестова", "Роза")
            .person(&lodger, "Тестов", "Арман");
        for (p, a) in [(&mother, &a1), (&son, &a1), (&other, &a2), (&lodger, &a2)] {
            x.add("registrations.ndjson", json!({"iin": p.as_str(), "address_id": a, "kind": "permanent", "from": "2015-01-01"}));
        }
        x.add(
            "parent_links.ndjson",
            json!({"parent_iin": mother.as_str(), "child_iin": son.as_str(), "kind": "birth"}),
        );
        x.add("employments.ndjson", json!({"iin": son.as_str(), "employer_bin": "050140000011", "employer_name": "ТОО «Работодатель 1»", "from": "2024-01-01"}))
            // The look-alike's lodger stopped working before the date.
            .add("employments.ndjson", json!({"iin": lodger.as_str(), "employer_bin": "050140000021", "employer_name": "ТОО «Работодатель 2»", "from": "2020-01-01", "to": "2025-01-01"}));
        for p in [&mother, &other] {
            x.add("benefits.ndjson", json!({"iin": p.as_str(), "benefit": "asp", "amount_kzt": 30000, "from": "2025-10-01"}));
        }
        let s = x.load().await;
        assert!(s.rejects.is_empty(), "{:?}", s.rejects);

        let body = gql_as(
            SIGNALS,
            json!({"iin": mother.as_str(), "asOf": "2026-06-15"}),
            &investigator(),
        )
        .await;
        let hits = signal(&body, "hidden_earner");
        assert_eq!(hits.len(), 1, "{body}");
        let h = hits[0];
        assert_eq!(fact(h, "earner"), vec![son.as_str()]);
        assert_eq!(fact(h, "linked_as"), vec!["child", "co_registered"], "{h}");
        assert!(fact(h, "earning")[0].contains("050140000011"), "{h}");
        assert!(fact(h, "benefit")[0].starts_with("asp"), "{h}");
        let ev = h["evidence"]["edges"].as_array().unwrap();
        assert!(
            has_edge(ev, "PARENT_OF", &pid(mother.as_str()), &pid(son.as_str())),
            "{h}"
        );

        let body = gql_as(
            SIGNALS,
            json!({"iin": other.as_str(), "asOf": "2026-06-15"}),
            &investigator(),
        )
        .await;
        assert!(signal(&body, "hidden_earner").is_empty(), "{body}");
    });
}

/// The signals of the sample person with this name on the reference day.
async fn signals_of(surname: &str, first: &str) -> (String, Value) {
    let iin = sample_iin(surname, first);
    let body = gql_as(
        SIGNALS,
        json!({"iin": iin, "asOf": "2026-06-15"}),
        &investigator(),
    )
    .await;
    assert!(body["errors"].is_null(), "{body}");
    (iin, body)
}

fn evidence_kinds(hit: &Value) -> Vec<&str> {
    hit["evidence"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect()
}

#[test]
fn links_signal_assets_on_relatives_is_found_at_f29_and_not_at_f30() {
    run(async {
        let (_, body) = signals_of("Есенова", "Айжан").await;
        let father_in_law = sample_iin("Есенов", "Кайрат");
        let hits = signal(&body, "assets_on_relatives");
        assert_eq!(hits.len(), 1, "{body}");
        let h = hits[0];
        assert_eq!(
            fact(h, "relative"),
            vec![format!("{father_in_law} (spouse>parent)")],
            "{h}"
        );
        let assets = fact(h, "asset");
        assert_eq!(assets.len(), 2, "{h}");
        assert!(assets.iter().any(|a| a.contains("Land Cruiser")), "{h}");
        assert!(assets.iter().any(|a| a.contains("19-301-029-001")), "{h}");
        assert_eq!(fact(h, "declared_assets"), vec!["0"]);
        assert_eq!(h["score"], 45);
        let kinds = evidence_kinds(h);
        for k in ["MARRIED_TO", "PARENT_OF", "OWNS_VEHICLE", "OWNS_LAND"] {
            assert!(kinds.contains(&k), "{k} missing in {h}");
        }
        // The look-alike: the father sold his car in 2023, before the date.
        let (_, body) = signals_of("Султанова", "Динара").await;
        assert!(signal(&body, "assets_on_relatives").is_empty(), "{body}");
    });
}

#[test]
fn links_signal_registration_mismatch_is_found_at_f31_and_not_at_f32() {
    run(async {
        let (mother, body) = signals_of("Ермекова", "Сауле").await;
        let hits = signal(&body, "registration_mismatch");
        assert_eq!(hits.len(), 1, "{body}");
        let h = hits[0];
        assert_eq!(fact(h, "family_region"), vec!["ALMATY_CITY"]);
        // Three minor children, each at the village school and the village clinic (the eldest
        // turned 18 on 2026-04-04 and no longer counts).
        assert_eq!(fact(h, "attachment").len(), 6, "{h}");
        assert!(fact(h, "attachment")
            .iter()
            .all(|a| a.contains("(TURKESTAN)")));
        assert_eq!(h["subjects"].as_array().unwrap().len(), 4, "{h}");
        assert_eq!(h["subjects"][0], mother);
        assert!(fact(h, "benefit")[0].starts_with("large_family"), "{h}");
        let kinds = evidence_kinds(h);
        assert_eq!(
            kinds.iter().filter(|k| **k == "PARENT_OF").count(),
            3,
            "{h}"
        );
        assert!(kinds.contains(&"REGISTERED_AT"), "{h}");
        let (_, body) = signals_of("Жумабаева", "Алия").await;
        assert!(signal(&body, "registration_mismatch").is_empty(), "{body}");
    });
}

#[test]
fn links_signal_double_counting_is_found_at_f33_and_not_at_f34() {
    run(async {
        let (mother, body) = signals_of("Оспанова", "Гульнур").await;
        let father = sample_iin("Оспанов", "Данияр");
        let son = sample_iin("Оспанов", "Нурислам");
        let hits = signal(&body, "double_counting");
        assert_eq!(hits.len(), 1, "{body}");
        let h = hits[0];
        assert_eq!(fact(h, "child"), vec![son.as_str()]);
        assert_eq!(
            fact(h, "counted_by"),
            vec![mother.as_str(), father.as_str()]
        );
        assert_eq!(fact(h, "benefit").len(), 2, "{h}");
        let ev = h["evidence"]["edges"].as_array().unwrap();
        assert!(has_edge(ev, "PARENT_OF", &pid(&mother), &pid(&son)), "{h}");
        assert!(has_edge(ev, "PARENT_OF", &pid(&father), &pid(&son)), "{h}");
        // The father's new wife receives two mutually exclusive care payments.
        let (wife, body) = signals_of("Оспанова", "Жадыра").await;
        let hits = signal(&body, "double_counting");
        assert_eq!(hits.len(), 1, "{body}");
        assert_eq!(fact(hits[0], "recipient"), vec![wife.as_str()]);
        assert_eq!(
            fact(hits[0], "exclusive"),
            vec!["child_care_allowance+child_care_insurance"]
        );
        // The look-alike: the father claims nothing.
        let (_, body) = signals_of("Толеуова", "Мадина").await;
        assert!(signal(&body, "double_counting").is_empty(), "{body}");
    });
}

#[test]
fn links_signal_ring_is_found_at_f35_and_not_at_f36() {
    run(async {
        let (_, body) = signals_of("Каримова", "Асель").await;
        let hits = signal(&body, "ring");
        assert_eq!(hits.len(), 1, "{body}");
        let h = hits[0];
        assert_eq!(fact(h, "families"), vec!["3"]);
        assert_eq!(fact(h, "recipient_families"), vec!["3"]);
        assert_eq!(fact(h, "shared").len(), 2, "{h}");
        assert_eq!(h["score"], 40);
        assert_eq!(h["subjects"].as_array().unwrap().len(), 3, "{h}");
        let kinds = evidence_kinds(h);
        assert_eq!(
            kinds.iter().filter(|k| **k == "SHARES_ACCOUNT").count(),
            2,
            "{h}"
        );
        assert!(kinds.contains(&"HOLDS_ACCOUNT"), "{h}");
        // Seen from the middle family, the same ring.
        let (_, body2) = signals_of("Нургалиева", "Жанар").await;
        assert_eq!(signal(&body2, "ring")[0]["subjects"], h["subjects"]);
        // The look-alike: two families sharing one account.
        let (_, body) = signals_of("Ахметова", "Раушан").await;
        assert!(signal(&body, "ring").is_empty(), "{body}");
    });
}

/// The stored hits of the family card of a sample person: (signal, hit key).
async fn stored_hits(surname: &str, first: &str) -> Vec<(String, String)> {
    let fid = family_id_of(&sample_iin(surname, first)).await;
    let mut v: Vec<(String, String)> = app()
        .store
        .signal_hits_of_family(&fid)
        .await
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["signal"].as_str().unwrap().to_string(),
                h["hit_key"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn links_signals_run_stores_hits_with_evidence_idempotently_and_prunes_stale_ones() {
    run_exclusive(async {
        use family_card::jobs::signals::run_signals;
        use family_card::jobs::JobOptions;
        let on = date("2026-06-15");
        let catalog = family_card::domain::signals::SignalCatalog::bundled();
        let opts = JobOptions {
            page_size: 40,
            load_batch: 10,
            restart: true,
            ..Default::default()
        };
        let first = run_signals(&app().store, &catalog, on, &opts)
            .await
            .unwrap();
        assert!(
            first.job.finished && first.job.written > 0,
            "{:?}",
            first.job
        );
        let f29 = stored_hits("Есенова", "Айжан").await;
        assert!(
            f29.iter().any(|(s, _)| s == "assets_on_relatives"),
            "{f29:?}"
        );
        let fid = family_id_of(&sample_iin("Есенова", "Айжан")).await;
        let hit = app()
            .store
            .signal_hits_of_family(&fid)
            .await
            .unwrap()
            .into_iter()
            .find(|h| h["signal"] == "assets_on_relatives")
            .unwrap();
        let evidence: Value = serde_json::from_str(hit["evidence"].as_str().unwrap()).unwrap();
        assert!(
            evidence["edges"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["kind"] == "owns_vehicle"),
            "{hit}"
        );
        assert_eq!(hit["rule_version"], "2026-01-01");
        assert_eq!(hit["region"], "TURKESTAN");
        // The ring is one record, though found from each of its three families' adults.
        let ring = [
            ("Каримова", "Асель"),
            ("Нургалиева", "Жанар"),
            ("Сейтказина", "Айгуль"),
        ];
        let mut keys = std::collections::BTreeSet::new();
        for (s, f) in ring {
            for (sig, k) in stored_hits(s, f).await {
                if sig == "ring" {
                    keys.insert(k);
                }
            }
        }
        assert_eq!(keys.len(), 1, "{keys:?}");
        // A stale hit of the date (left by an older run) is removed by the next finished run;
        // what is found again keeps its key.
        let stale = json!([{"family_id": fid, "hit_key": "SIG-stale-test", "props": {
            "signal": "ring", "as_of": "2026-06-15", "score": 1, "family_id": fid}}]);
        app()
            .store
            .record_signal_hits("an-old-run", &stale)
            .await
            .unwrap();
        let second = run_signals(&app().store, &catalog, on, &opts)
            .await
            .unwrap();
        assert!(second.pruned >= 1, "{}", second.pruned);
        assert_eq!(stored_hits("Есенова", "Айжан").await, f29);
        // The look-alikes have nothing stored.
        for (s, f) in [("Султанова", "Динара"), ("Ахметова", "Раушан")]
        {
            assert!(stored_hits(s, f).await.is_empty(), "{s} {f}");
        }
    });
}
