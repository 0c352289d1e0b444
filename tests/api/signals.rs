//! The signals run against the real database: rings found by the whole-graph pass (the F35 ring
//! stored once, on each of its three family cards, with its evidence; the F36 look-alike not),
//! re-runs idempotent (no new hit, none removed), and `--compare-raw` replaying the run's reads.

use crate::helpers::*;
use family_card::domain::signals::SignalCatalog;
use family_card::jobs::signals::{compare_raw, run_signals};
use family_card::jobs::JobOptions;
use serde_json::Value;
use std::collections::BTreeSet;

fn sample_iin(surname: &str, first: &str) -> String {
    sample_records("persons.ndjson")
        .into_iter()
        .find(|p| p["surname"] == surname && p["first_name"] == first)
        .and_then(|p| p["iin"].as_str().map(str::to_string))
        .unwrap_or_else(|| panic!("no {surname} {first} in the sample"))
}

async fn hits_of(surname: &str, first: &str) -> Vec<Value> {
    let fid = family_id_of(&sample_iin(surname, first)).await;
    app().store.signal_hits_of_family(&fid).await.unwrap()
}

async fn all_hit_keys(as_of: &str) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    let mut after: Option<(i64, String)> = None;
    loop {
        let page = app()
            .store
            .signal_hits_page(
                None,
                None,
                0,
                after.as_ref().map(|(s, k)| (*s, k.as_str())),
                100,
            )
            .await
            .unwrap();
        for h in &page {
            if h["as_of"] == as_of {
                keys.insert(h["hit_key"].as_str().unwrap().to_string());
            }
        }
        match page.last() {
            Some(h) if page.len() == 100 => {
                after = Some((
                    h["score"].as_i64().unwrap(),
                    h["hit_key"].as_str().unwrap().to_string(),
                ))
            }
            _ => break,
        }
    }
    keys
}

fn opts() -> JobOptions {
    JobOptions {
        page_size: 40,
        load_batch: 10,
        restart: true,
        ..Default::default()
    }
}

#[test]
fn signals_rings_are_a_whole_graph_pass_stored_on_every_family_of_the_ring() {
    run_exclusive(async {
        let on = date("2026-06-15");
        let catalog = SignalCatalog::bundled();
        let r = run_signals(&app().store, &catalog, on, &opts())
            .await
            .unwrap();
        let rings = r.rings.expect("a finished run makes the ring pass");
        assert!(rings.persons_read > 0 && rings.candidates >= 1, "{rings:?}");
        assert!(rings.hits >= 1, "{rings:?}");
        let mut keys = BTreeSet::new();
        for (s, f) in [
            ("Каримова", "Асель"),
            ("Нургалиева", "Жанар"),
            ("Сейтказина", "Айгуль"),
        ] {
            let ring: Vec<Value> = hits_of(s, f)
                .await
                .into_iter()
                .filter(|h| h["signal"] == "ring")
                .collect();
            assert_eq!(ring.len(), 1, "{s} {f}: {ring:?}");
            keys.insert(ring[0]["hit_key"].as_str().unwrap().to_string());
            let facts = ring[0]["facts"].as_str().unwrap();
            assert!(
                facts.contains(r#""name":"families","value":"3""#),
                "{facts}"
            );
            let evidence: Value =
                serde_json::from_str(ring[0]["evidence"].as_str().unwrap()).unwrap();
            let edges = evidence["edges"].as_array().unwrap();
            assert!(
                edges
                    .iter()
                    .filter(|e| e["to"].as_str().is_some_and(|t| t.starts_with("account:")))
                    .count()
                    >= 4,
                "both shared accounts, each with its two holders: {evidence}"
            );
            assert_eq!(ring[0]["region"], "ZHAMBYL");
            assert_eq!(ring[0]["score"], 40);
        }
        assert_eq!(keys.len(), 1, "one ring, one record: {keys:?}");
        // The look-alike: two families sharing one account.
        assert!(
            hits_of("Ахметова", "Раушан")
                .await
                .iter()
                .all(|h| h["signal"] != "ring"),
            "F36 is no ring"
        );

        // A re-run finds the same hits: none new, none removed.
        let before = all_hit_keys("2026-06-15").await;
        let again = run_signals(&app().store, &catalog, on, &opts())
            .await
            .unwrap();
        assert_eq!(again.pruned, 0);
        assert_eq!(all_hit_keys("2026-06-15").await, before);
    });
}

#[test]
fn signals_run_compare_raw_replays_the_same_reads() {
    run_exclusive(async {
        let on = date("2026-06-15");
        let (r, raw) = compare_raw(&app().store, &SignalCatalog::bundled(), on, &opts())
            .await
            .unwrap();
        assert!(r.job.finished);
        assert_eq!(raw.families, r.job.families, "{raw:?}");
        assert!(raw.link_reads > 0 && raw.link_rows > 0, "{raw:?}");
        assert!(raw.snapshot_rows > 0 && raw.ring_rows > 0, "{raw:?}");
        assert_eq!(
            raw.ring_rows,
            r.rings.as_ref().unwrap().persons_read,
            "the ring pass's pages, replayed"
        );
    });
}

#[test]
fn signals_run_stores_a_lone_dead_recipient_who_has_no_family_card() {
    use family_card::domain::ids::Sex;
    use serde_json::json;
    run_exclusive(async {
        // Lone men, no relatives: no family card is in force for the dead, so only the
        // dead-recipient pass reaches them. The look-alike's receipt ended at his death.
        let dead = fresh_iin("1949-04-04", Sex::Male);
        let closed = fresh_iin("1948-03-03", Sex::Male);
        let mut x = Extract::default();
        x.add("persons.ndjson", json!({"iin": dead.as_str(), "surname": "Одинов", "first_name": "Болат", "citizenship": "citizen", "death_date": "2025-02-01"}))
            .add("persons.ndjson", json!({"iin": closed.as_str(), "surname": "Одинов", "first_name": "Серик", "citizenship": "citizen", "death_date": "2025-02-01"}))
            .add("benefits.ndjson", json!({"iin": dead.as_str(), "benefit": "disability", "amount_kzt": 90000, "from": "2020-01-01"}))
            .add("benefits.ndjson", json!({"iin": closed.as_str(), "benefit": "disability", "amount_kzt": 90000, "from": "2020-01-01", "to": "2025-02-01"}));
        let s = x.load().await;
        assert!(s.rejects.is_empty(), "{:?}", s.rejects);
        let on = date("2026-06-15");
        let r = run_signals(&app().store, &SignalCatalog::bundled(), on, &opts())
            .await
            .unwrap();
        let d = r
            .dead
            .expect("a finished run makes the dead-recipient pass");
        assert!(d.persons_read >= 2 && d.hits >= 1, "{d:?}");
        let named = app()
            .store
            .signals_naming(&dead, "2026-06-15")
            .await
            .unwrap();
        assert!(named.iter().any(|s| s == "dead_recipient"), "{named:?}");
        let named = app()
            .store
            .signals_naming(&closed, "2026-06-15")
            .await
            .unwrap();
        assert!(!named.iter().any(|s| s == "dead_recipient"), "{named:?}");
        // A re-run stores the same hit again, removes nothing.
        let before = all_hit_keys("2026-06-15").await;
        let again = run_signals(&app().store, &SignalCatalog::bundled(), on, &opts())
            .await
            .unwrap();
        assert_eq!(again.pruned, 0);
        assert_eq!(all_hit_keys("2026-06-15").await, before);
    });
}
