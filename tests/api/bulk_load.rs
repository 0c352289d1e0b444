//! The bulk path (`family-card bulk-load`, ArcadeDB's importer) ends in exactly the graph `load`
//! builds: the sample loaded both ways into two fresh databases, dumped canonically through the
//! store (every node with its labels and typed properties, every relationship by type, ends and
//! properties, the counts) and compared line by line; the sample's assessments computed on the
//! bulk-loaded database are `fixtures/expected/assessments.tsv`; rejects are `load`'s.

use crate::helpers::*;
use family_card::bulk_load::{bulk_load, BulkOptions, Importer};
use family_card::domain::ids::Sex;
use family_card::export::apoc_jsonl;
use family_card::ingest::{self, Context, IngestOptions};
use family_card::jobs::assess::{assess_all, FamilyAssessmentRow};
use family_card::jobs::JobOptions;
use family_card::localdb::{default_cache_dir, LocalDbOptions};
use family_card::rules::RuleSet;
use family_card::store::dump::GraphDump;
use family_card::store::Store;
use serde_json::json;
use std::collections::BTreeSet;
use std::path::Path;

const PAGE: i64 = 400;

/// The one property that differs between two loads by nature: when a change event was made.
fn without_run_times(mut d: GraphDump) -> GraphDump {
    for line in d
        .nodes
        .iter_mut()
        .filter(|l| l.starts_with("(ChangeEvent:"))
    {
        let marker = "time: string \"";
        let Some(at) = line.find(marker) else {
            continue;
        };
        let start = at + marker.len();
        let end = start + line[start..].find('"').expect("closing quote");
        chrono::DateTime::parse_from_rfc3339(&line[start..end]).expect("an RFC 3339 time");
        line.replace_range(start..end, "<run time>");
    }
    d
}

fn assert_same_graph(what: &str, expected: &GraphDump, actual: &GraphDump) {
    let diff = |a: &[String], b: &[String]| -> Vec<String> {
        let b: BTreeSet<&String> = b.iter().collect();
        a.iter()
            .filter(|l| !b.contains(l))
            .take(10)
            .cloned()
            .collect()
    };
    assert_eq!(expected.counts, actual.counts, "{what}: counts");
    assert_eq!(
        expected.nodes,
        actual.nodes,
        "{what}: nodes differ; load only: {:#?}\n{what} only: {:#?}",
        diff(&expected.nodes, &actual.nodes),
        diff(&actual.nodes, &expected.nodes)
    );
    assert_eq!(
        expected.relationships,
        actual.relationships,
        "{what}: relationships differ; load only: {:#?}\n{what} only: {:#?}",
        diff(&expected.relationships, &actual.relationships),
        diff(&actual.relationships, &expected.relationships)
    );
}

async fn dump(store: &Store) -> GraphDump {
    let d = without_run_times(store.graph_dump(PAGE).await.expect("dump"));
    let nodes: i64 = d
        .counts
        .iter()
        .filter(|(k, _)| k.starts_with("node:"))
        .map(|(_, n)| n)
        .sum();
    let rels: i64 = d
        .counts
        .iter()
        .filter(|(k, _)| k.starts_with("rel:"))
        .map(|(_, n)| n)
        .sum();
    assert_eq!(d.nodes.len() as i64, nodes, "every node dumped once");
    assert_eq!(
        d.relationships.len() as i64,
        rels,
        "every relationship dumped once"
    );
    d
}

fn options(dir: &Path, importer: Importer) -> BulkOptions {
    BulkOptions {
        db: LocalDbOptions {
            cache_dir: default_cache_dir(),
            data_dir: dir.join("db"),
            heap: "1g".into(),
        },
        importer,
        ctx: Context::on(reference_date()),
        cards_as_of: reference_date(),
        rejects: dir.join("rejects.ndjson"),
        work_dir: dir.join("export"),
        keep_export: false,
    }
}

async fn assessments_tsv(store: &Store) -> Vec<String> {
    let opts = JobOptions {
        page_size: 50,
        load_batch: 10,
        ..Default::default()
    };
    let mut out = vec![FamilyAssessmentRow::TSV_HEADER.to_string()];
    for d in ["2024-06-15", "2025-06-15", "2026-06-15"] {
        let rows = assess_all(store, &RuleSet::bundled(), date(d), &opts)
            .await
            .expect("assessment runs");
        out.extend(rows.iter().map(|r| r.tsv()));
    }
    out
}

#[test]
fn the_bulk_path_ends_in_the_graph_load_builds_and_the_same_assessments() {
    // Through the shared runtime: the test service's id key is installed (family ids as in
    // fixtures/expected).
    run(async {
        let sample = repo_path("fixtures/sample");
        let dir = tempfile::tempdir().unwrap();
        let by_load = {
            let (mut db, store) = own_database(&dir.path().join("load")).await;
            let s = ingest::load_dir_on(
                &store,
                &sample,
                &IngestOptions::default(),
                &Context::on(reference_date()),
            )
            .await
            .expect("load");
            assert_eq!(s.rejected(), 0);
            family_card::family_cards::materialise_family_cards(&store, reference_date())
                .await
                .expect("cards");
            let d = dump(&store).await;
            drop(store);
            db.stop();
            d
        };
        assert!(by_load.counts["node:Person"] > 50, "{:?}", by_load.counts);
        assert!(by_load.counts["node:Family"] > 10, "{:?}", by_load.counts);

        let bulk_dir = dir.path().join("bulk");
        let (mut db, store, report) = bulk_load(&sample, &options(&bulk_dir, Importer::Offline))
            .await
            .expect("bulk load");
        assert_eq!(report.export.rejected(), 0);
        assert_eq!(report.cards as i64, by_load.counts["node:Family"]);
        assert!(
            report.import.peak_rss_bytes > 0,
            "the importer's memory is measured"
        );
        assert!(
            !bulk_dir
                .join("export")
                .join(apoc_jsonl::GRAPH_FILE)
                .exists(),
            "the JSONL is removed"
        );
        let by_bulk = dump(&store).await;
        assert_same_graph("bulk-load", &by_load, &by_bulk);

        // The rules see the same facts: the sample's expected table, from the bulk-loaded graph.
        let expected = std::fs::read_to_string(repo_path("fixtures/expected/assessments.tsv"))
            .expect("expected table");
        let expected: Vec<&str> = expected.lines().collect();
        assert_eq!(expected, assessments_tsv(&store).await);

        // Again, and a second bulk load onto the same data directory is refused.
        drop(store);
        db.stop();
        let again = bulk_load(&sample, &options(&bulk_dir, Importer::Offline)).await;
        assert!(
            again.is_err_and(|e| e.to_string().contains("fresh")),
            "a second bulk load is refused"
        );

        // The other importer (IMPORT DATABASE on the running server) ends in the same graph.
        let (mut db, store, _) = bulk_load(
            &sample,
            &options(&dir.path().join("server"), Importer::Server),
        )
        .await
        .expect("bulk load through the server");
        assert_same_graph("IMPORT DATABASE", &by_load, &dump(&store).await);
        drop(store);
        db.stop();
    });
}

#[test]
fn the_bulk_path_rejects_what_load_rejects() {
    run(async {
        let (a, b) = (
            fresh_iin("1980-03-04", Sex::Male),
            fresh_iin("1982-05-06", Sex::Female),
        );
        let stranger = fresh_iin("1979-01-02", Sex::Male);
        let mut x = Extract::default();
        x.person(&a, "Бекова", "Дана");
        x.add_raw("persons.ndjson", r#"{"iin": "123", "surname": "X"}"#);
        x.add_raw("persons.ndjson", "not json");
        x.person(&b, "Беков", "Нурлан");
        x.add("addresses.ndjson", json!({"address_id": "AD-BULK-7001", "region": "SHYMKENT", "settlement": "Шымкент", "settlement_type": "republican_city", "street": "ул. Абая", "house": "1"}));
        x.add("registrations.ndjson", json!({"iin": a.as_str(), "address_id": "AD-BULK-7001", "kind": "permanent", "from": "2020-01-01"}));
        x.add("registrations.ndjson", json!({"iin": a.as_str(), "address_id": "AD-NOWHERE-7001", "kind": "permanent", "from": "2020-01-01"}));
        x.add("vehicles.ndjson", json!({"vehicle_id": "VH-BULK-7001", "owner_iin": stranger.as_str(), "kind": "passenger", "model": "Lada", "from": "2020-01-01"}));
        x.add("vehicles.ndjson", json!({"vehicle_id": "VH-BULK-7002", "owner_iin": b.as_str(), "kind": "passenger", "model": "Lada", "from": "2031-01-01"}));
        x.add("incomes.ndjson", json!({"iin": stranger.as_str(), "month": "2026-01", "source": "wage", "amount_kzt": 100000}));
        let d = x.write();
        let loaded = ingest::load_dir(&app().store, d.path(), &IngestOptions::default())
            .await
            .expect("load");
        let out = tempfile::tempdir().unwrap();
        let exported = apoc_jsonl::export(
            d.path(),
            out.path(),
            &Context::on(ingest::kazakhstan_today()),
        )
        .expect("export");
        let key = |file: &str, line: usize, field: &str, error: &str| {
            format!("{file}:{line} {field}: {error}")
        };
        let by_load: BTreeSet<String> = loaded
            .rejects
            .iter()
            .map(|r| key(&r.file, r.line, &r.field, &r.error))
            .collect();
        let text = std::fs::read_to_string(out.path().join(apoc_jsonl::REJECTS_FILE)).unwrap();
        let by_bulk: BTreeSet<String> = text
            .lines()
            .map(|l| serde_json::from_str::<ingest::Reject>(l).unwrap())
            .map(|r| key(&r.file, r.line, &r.field, &r.error))
            .collect();
        assert!(by_load.len() >= 5, "{by_load:#?}");
        assert_eq!(by_load, by_bulk);
        assert_eq!(loaded.written() as u64, exported.written());
    });
}
