//! Bulk ingest jobs over HTTP against the real database: every good record of a large job lands
//! and every bad one is reported; a re-post with its key creates nothing; another body with the
//! same key is refused; a job killed mid-write resumes after a restart with nothing duplicated;
//! partners see only their own jobs; size and rate limits answer 413 and 429.

use crate::helpers::*;
use chrono::{Duration, NaiveDate};
use family_card::domain::ids::{make_iin, Iin, Sex};
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// `n` distinct valid IINs of men born from `from` on, with serials 9000+ (which neither the
/// fixtures nor `fresh_iin` use).
fn iins(from: &str, n: usize) -> Vec<Iin> {
    let mut out = Vec::with_capacity(n);
    let mut day = NaiveDate::parse_from_str(from, "%Y-%m-%d").unwrap();
    while out.len() < n {
        for serial in 9000..10_000 {
            if let Some(i) = make_iin(day, Sex::Male, serial) {
                out.push(i);
                if out.len() == n {
                    break;
                }
            }
        }
        day += Duration::days(1);
    }
    out
}

fn person_line(iin: &str, surname: &str) -> String {
    json!({"iin": iin, "surname": surname, "first_name": "Партнёр", "citizenship": "citizen"})
        .to_string()
}

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

async fn post_job(base: &str, token: &str, kind: &str, key: Option<&str>, body: String) -> Answer {
    let mut r = reqwest::Client::new()
        .post(format!("{base}/ingest/jobs?kind={kind}"))
        .bearer_auth(token)
        .header("content-type", "application/x-ndjson")
        .body(body);
    if let Some(k) = key {
        r = r.header("idempotency-key", format!("\"{k}\""));
    }
    let resp = r.send().await.expect("request");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap_or_default();
    Answer {
        status,
        headers,
        body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
    }
}

async fn get(base: &str, token: &str, path: &str) -> (u16, String) {
    let resp = reqwest::Client::new()
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    (
        resp.status().as_u16(),
        resp.text().await.unwrap_or_default(),
    )
}

async fn job(base: &str, token: &str, id: &str) -> Value {
    let (status, text) = get(base, token, &format!("/ingest/jobs/{id}")).await;
    assert_eq!(status, 200, "{text}");
    serde_json::from_str(&text).unwrap()
}

/// Polls the job until `done` says so (at most ten minutes).
async fn wait_for(base: &str, token: &str, id: &str, done: impl Fn(&Value) -> bool) -> Value {
    let started = std::time::Instant::now();
    loop {
        let j = job(base, token, id).await;
        if done(&j) {
            return j;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(600),
            "job did not get there: {j}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

fn is_final(j: &Value) -> bool {
    ["completed", "completed_with_rejects", "failed"].contains(&j["state"].as_str().unwrap_or(""))
}

async fn wait_final(base: &str, token: &str, id: &str) -> Value {
    wait_for(base, token, id, is_final).await
}

fn ndjson(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn partner_token(partner: &str) -> String {
    token_with(
        "partner",
        "*",
        &format!("sub-{partner}"),
        None,
        Some(partner),
    )
}

fn id_of(a: &Answer) -> String {
    a.body["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{}", a.body))
        .to_string()
}

#[test]
fn a_100k_record_job_with_1_percent_bad_records_lands_every_good_one_and_reports_every_bad_one() {
    run(async {
        // A database and service of its own: 100k persons would slow every later test down.
        let dir = tempfile::tempdir().unwrap();
        let (_db, store) = own_database(&dir.path().join("db")).await;
        let service = RunningApp::start(&dir.path().join("state"), &store, |_| {}).await;
        let base = &service.base_url;
        let tok = service.token("partner", Some("registry-civil"));
        let people = iins("1961-01-01", 100_000);
        let mut lines = Vec::with_capacity(people.len());
        let mut bad: BTreeSet<(u64, String)> = BTreeSet::new();
        for (i, iin) in people.iter().enumerate() {
            let line = i as u64 + 1;
            if i % 100 == 50 {
                let (text, field) = match (i / 100) % 3 {
                    0 => {
                        // The check digit broken.
                        let s = iin.as_str();
                        let last = (s.as_bytes()[11] - b'0' + 1) % 10;
                        (person_line(&format!("{}{last}", &s[..11]), "Сломан"), "iin")
                    }
                    1 => (person_line(iin.as_str(), " "), "surname"),
                    _ => ("{not json".to_string(), "$"),
                };
                lines.push(text);
                bad.insert((line, field.to_string()));
            } else {
                lines.push(person_line(iin.as_str(), "Партнёрова"));
            }
        }
        assert_eq!(bad.len(), 1_000);
        let body = lines.join("\n") + "\n";
        let before = store.counts().await.unwrap();

        let a = post_job(
            base,
            &tok,
            "persons",
            Some("civil-2026-12-01"),
            body.clone(),
        )
        .await;
        assert_eq!(a.status, 202, "{}", a.body);
        let id = id_of(&a);
        assert_eq!(
            a.headers["location"].to_str().unwrap(),
            format!("/ingest/jobs/{id}")
        );
        assert_eq!(a.body["state"], "received");
        let j = wait_final(base, &tok, &id).await;
        assert_eq!(j["state"], "completed_with_rejects", "{j}");
        assert_eq!(j["counts"]["records"], 100_000);
        assert_eq!(j["counts"]["invalid"], 1_000);
        assert_eq!(j["counts"]["written"], 99_000);
        assert_eq!(j["counts"]["rejected"], 1_000);
        assert_eq!(j["attempts"], 1);
        assert!(j["finished_at"].is_string() && j["started_at"].is_string());
        let after = store.counts().await.unwrap();
        assert_eq!(
            after["node:Person"] - before.get("node:Person").copied().unwrap_or(0),
            99_000,
            "every good record landed, no bad one"
        );

        // Every bad record reported, with file, line, field and reason; nothing else.
        let (status, text) = get(base, &tok, &format!("/ingest/jobs/{id}/rejects")).await;
        assert_eq!(status, 200);
        let rejects = ndjson(&text);
        let got: BTreeSet<(u64, String)> = rejects
            .iter()
            .map(|r| {
                assert_eq!(r["file"], "persons.ndjson");
                assert!(r["reason"].as_str().is_some_and(|s| !s.is_empty()), "{r}");
                assert!(r.get("record").is_none(), "no raw record leaves: {r}");
                (
                    r["line"].as_u64().unwrap(),
                    r["field"].as_str().unwrap().into(),
                )
            })
            .collect();
        assert_eq!(rejects.len(), 1_000);
        assert_eq!(got, bad);
        // Every accepted record once, by line; identifiers masked for the partner.
        let (_, text) = get(base, &tok, &format!("/ingest/jobs/{id}/accepted")).await;
        let accepted = ndjson(&text);
        let lines_ok: BTreeSet<u64> = accepted
            .iter()
            .map(|a| a["line"].as_u64().unwrap())
            .collect();
        assert_eq!(accepted.len(), 99_000);
        assert_eq!(lines_ok.len(), 99_000);
        assert!(lines_ok.iter().all(|l| !bad.iter().any(|(b, _)| b == l)));
        let key = accepted[0]["key"].as_str().unwrap();
        assert!(!key.chars().all(|c| c.is_ascii_digit()), "masked: {key}");

        // The same body with its key: the same job, nothing new.
        let again = post_job(
            base,
            &tok,
            "persons",
            Some("civil-2026-12-01"),
            body.clone(),
        )
        .await;
        assert_eq!(again.status, 200, "{}", again.body);
        assert_eq!(id_of(&again), id);
        assert_eq!(again.headers["idempotent-replayed"], "true");
        assert_eq!(again.body["counts"]["written"], 99_000);
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        assert_eq!(
            store.counts().await.unwrap(),
            after,
            "a replay writes nothing"
        );
        let (_, list) = get(base, &tok, "/ingest/jobs").await;
        let list: Value = serde_json::from_str(&list).unwrap();
        let ids: Vec<&str> = list["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|j| j["id"].as_str())
            .collect();
        assert_eq!(ids.iter().filter(|i| **i == id).count(), 1, "{list}");

        // Another body (or another kind) with the same key: refused, the job named.
        let other = lines[..10].join("\n");
        let c = post_job(base, &tok, "persons", Some("civil-2026-12-01"), other).await;
        assert_eq!(c.status, 422, "{}", c.body);
        assert_eq!(
            c.body["errors"][0]["extensions"]["code"],
            "IDEMPOTENCY_KEY_REUSED"
        );
        assert_eq!(
            c.headers["location"].to_str().unwrap(),
            format!("/ingest/jobs/{id}")
        );
        let c = post_job(base, &tok, "addresses", Some("civil-2026-12-01"), body).await;
        assert_eq!(c.status, 422);
        // The key is the partner's own: another partner may use it for its own job.
        let tok2 = service.token("partner", Some("registry-other"));
        let d = post_job(
            base,
            &tok2,
            "persons",
            Some("civil-2026-12-01"),
            String::new(),
        )
        .await;
        assert_eq!(d.status, 202, "{}", d.body);
        assert_ne!(id_of(&d), id);
        let d = wait_final(base, &tok2, &id_of(&d)).await;
        assert_eq!(d["state"], "completed");
        assert_eq!(d["counts"]["records"], 0);
        service.kill();
    });
}

/// Registrations refer to persons and addresses: a reference the registry does not know is
/// reported by the database's write, with the others.
#[test]
fn unknown_references_are_rejects_of_the_write_and_the_rest_lands() {
    run(async {
        let base = &app().base_url;
        let tok = partner_token("registry-addresses");
        let people = iins("1964-01-01", 300);
        let addr = |n: usize| format!("J-{}-{n}", &people[0].as_str()[..6]);
        let addresses: Vec<String> = (0..3)
            .map(|n| json!({"address_id": addr(n), "region": "ALMATY", "settlement": "Almaty", "settlement_type": "republican_city"}).to_string())
            .collect();
        let persons: Vec<String> = people
            .iter()
            .map(|p| person_line(p.as_str(), "Адресова"))
            .collect();
        let mut regs = vec![];
        for (i, p) in people.iter().enumerate() {
            let mut r = json!({"iin": p.as_str(), "address_id": addr(i % 3), "kind": "permanent", "from": "2010-01-01"});
            if i % 100 == 10 {
                r["address_id"] = json!("NO-SUCH-ADDRESS");
            }
            if i % 100 == 20 {
                r["to"] = json!("2009-01-01");
            }
            regs.push(r.to_string());
        }
        for (kind, lines) in [("addresses", &addresses), ("persons", &persons)] {
            let a = post_job(base, &tok, kind, Some(kind), lines.join("\n")).await;
            assert_eq!(a.status, 202, "{}", a.body);
            let j = wait_final(base, &tok, &id_of(&a)).await;
            assert_eq!(j["state"], "completed", "{j}");
        }
        let a = post_job(base, &tok, "registrations", Some("regs"), regs.join("\n")).await;
        let j = wait_final(base, &tok, &id_of(&a)).await;
        assert_eq!(j["state"], "completed_with_rejects", "{j}");
        assert_eq!(j["counts"]["invalid"], 3);
        assert_eq!(j["counts"]["unknown_references"], 3);
        assert_eq!(j["counts"]["written"], 294);
        let (_, text) = get(base, &tok, &format!("/ingest/jobs/{}/rejects", id_of(&a))).await;
        let mut got: Vec<(u64, String)> = ndjson(&text)
            .iter()
            .map(|r| {
                (
                    r["line"].as_u64().unwrap(),
                    r["field"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        got.sort();
        let want: Vec<(u64, String)> = [11, 21, 111, 121, 211, 221]
            .iter()
            .map(|l| {
                (
                    *l,
                    if l % 100 == 11 {
                        "iin or address_id"
                    } else {
                        "to"
                    }
                    .to_string(),
                )
            })
            .collect();
        assert_eq!(got, want);
        assert!(text.contains("NO-SUCH-ADDRESS"), "{text}");
        let body = gql(
            r#"query($iin: String!) { person(iin: $iin) { registrations { dwelling { addressId } } } }"#,
            json!({"iin": people[0].as_str()}),
        )
        .await;
        assert_eq!(
            body["data"]["person"]["registrations"][0]["dwelling"]["addressId"],
            addr(0).as_str(),
            "{body}"
        );
    });
}

#[test]
fn a_job_killed_mid_write_resumes_after_a_restart_and_nothing_is_duplicated() {
    run(async {
        let dir = tempfile::tempdir().unwrap();
        let (_db, store) = own_database(&dir.path().join("db")).await;
        let state = dir.path().join("state");
        let small_batches = |s: &mut family_card::app::Settings| s.ingest.batch_size = 250;
        let first = RunningApp::start(&state, &store, small_batches).await;
        let tok = first.token("partner", Some("registry-restart"));
        let people = iins("1966-01-01", 20_000);
        let body = people
            .iter()
            .map(|p| person_line(p.as_str(), "Перезапускова"))
            .collect::<Vec<_>>()
            .join("\n");
        let before = store
            .counts()
            .await
            .unwrap()
            .get("node:Person")
            .copied()
            .unwrap_or(0);
        let a = post_job(
            &first.base_url,
            &tok,
            "persons",
            Some("restart-1"),
            body.clone(),
        )
        .await;
        assert_eq!(a.status, 202, "{}", a.body);
        let id = id_of(&a);
        let mid = wait_for(&first.base_url, &tok, &id, |j| {
            j["state"] == "writing" && j["counts"]["written"].as_u64().unwrap_or(0) >= 1_000
        })
        .await;
        assert!(mid["counts"]["written"].as_u64().unwrap() < 20_000, "{mid}");
        first.kill();
        // Some records landed; the job is still "writing" on disk.
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        let landed = store.counts().await.unwrap()["node:Person"] - before;
        assert!((1_000..20_000).contains(&landed), "{landed}");

        // The restart on the same data directory and database picks the job up again.
        let second = RunningApp::start(&state, &store, small_batches).await;
        let tok = second.token("partner", Some("registry-restart"));
        let j = wait_final(&second.base_url, &tok, &id).await;
        assert_eq!(j["state"], "completed", "{j}");
        assert_eq!(j["attempts"], 2);
        assert_eq!(j["resumed"], 1);
        assert_eq!(j["counts"]["records"], 20_000);
        assert_eq!(j["counts"]["written"], 20_000);
        let after = store.counts().await.unwrap();
        assert_eq!(after["node:Person"] - before, 20_000, "nothing twice");
        let (_, text) = get(
            &second.base_url,
            &tok,
            &format!("/ingest/jobs/{id}/accepted"),
        )
        .await;
        let accepted = ndjson(&text);
        let lines: BTreeSet<u64> = accepted
            .iter()
            .map(|a| a["line"].as_u64().unwrap())
            .collect();
        assert_eq!(
            (accepted.len(), lines.len()),
            (20_000, 20_000),
            "each record reported once"
        );
        let (_, text) = get(
            &second.base_url,
            &tok,
            &format!("/ingest/jobs/{id}/rejects"),
        )
        .await;
        assert_eq!(text, "");
        // Its key still names it after the restart.
        let again = post_job(&second.base_url, &tok, "persons", Some("restart-1"), body).await;
        assert_eq!((again.status, id_of(&again)), (200, id));
        second.kill();
    });
}

#[test]
fn partners_see_only_their_own_jobs_and_limits_answer_400_403_413_429() {
    run(async {
        let base = &app().base_url;
        let owner = partner_token("registry-owner");
        let a = post_job(base, &owner, "addresses", Some("own-1"), String::new()).await;
        assert_eq!(a.status, 202, "{}", a.body);
        let id = id_of(&a);
        wait_final(base, &owner, &id).await;

        let stranger = partner_token("registry-stranger");
        for path in ["", "/rejects", "/accepted"] {
            let (status, _) = get(base, &stranger, &format!("/ingest/jobs/{id}{path}")).await;
            assert_eq!(status, 404, "{path}");
        }
        let (_, list) = get(base, &stranger, "/ingest/jobs").await;
        assert!(!list.contains(&id), "{list}");
        let (_, list) = get(base, &owner, "/ingest/jobs").await;
        assert!(list.contains(&id), "{list}");
        // Only partners, and only with a partner id.
        let (status, _) = get(base, &token("analyst", "*"), &format!("/ingest/jobs/{id}")).await;
        assert_eq!(status, 403);
        let a = post_job(
            base,
            &token("admin", "*"),
            "persons",
            Some("k"),
            String::new(),
        )
        .await;
        assert_eq!(a.status, 403);
        // (A partner's token without its partner id is refused by authentication already.)
        let no_partner = token_with("partner", "*", "sub-nobody", None, None);
        let a = post_job(base, &no_partner, "persons", Some("k"), String::new()).await;
        assert_eq!(a.status, 401, "{}", a.body);
        let (status, _) = get(base, "", "/ingest/jobs").await;
        assert_eq!(status, 401);
        // A key and a kind are required.
        let a = post_job(base, &owner, "persons", None, String::new()).await;
        assert_eq!(a.status, 400, "{}", a.body);
        assert!(a.body.to_string().contains("Idempotency-Key"), "{}", a.body);
        let a = post_job(base, &owner, "people", Some("k2"), String::new()).await;
        assert_eq!(a.status, 400);
        assert!(a.body.to_string().contains("registrations"), "{}", a.body);

        // Size: over the partner's limit → 413, and no job.
        let small = partner_token(SMALL_PARTNER);
        // (A fresh IIN: other tests rely on the sample's absent ones staying absent.)
        let fits = fresh_iin("1990-02-02", family_card::domain::ids::Sex::Female);
        let big = person_line(fits.as_str(), &"Ж".repeat(100)).repeat(20);
        assert!(big.len() > 1024);
        let a = post_job(base, &small, "persons", Some("too-big"), big).await;
        assert_eq!(a.status, 413, "{}", a.body);
        let (_, list) = get(base, &small, "/ingest/jobs").await;
        assert_eq!(list, r#"{"jobs":[]}"#);
        let a = post_job(
            base,
            &small,
            "persons",
            Some("fits"),
            person_line(fits.as_str(), "A"),
        )
        .await;
        assert_eq!(a.status, 202, "{}", a.body);

        // Rate: submissions per partner → 429 with Retry-After.
        let busy = partner_token("registry-busy");
        let mut refused = None;
        for n in 0..40 {
            let a = post_job(
                base,
                &busy,
                "no-such-kind",
                Some(&format!("r{n}")),
                String::new(),
            )
            .await;
            if a.status == 429 {
                refused = Some(a);
                break;
            }
            assert_eq!(a.status, 400);
        }
        let r = refused.expect("the submission rate is limited");
        assert!(r.headers.contains_key("retry-after"));
        // Another partner is not slowed down.
        let a = post_job(base, &owner, "no-such-kind", Some("r"), String::new()).await;
        assert_eq!(a.status, 400);

        // Every call is in the audit trail, with the partner.
        let trail = std::fs::read_to_string(app().ctx.audit.path()).unwrap();
        assert!(trail.lines().any(|l| l.contains("\"channel\":\"ingest\"")
            && l.contains(&id)
            && l.contains("registry-owner")));
    });
}
