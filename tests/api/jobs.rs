//! The country-wide job runner against the real database: shards are disjoint and cover every
//! family card, each shard keeps its own checkpoint, and the keyset stream resumes after it.

use crate::helpers::*;
use family_card::jobs::{run_family_job, Evaluated, JobOptions};
use std::collections::BTreeSet;
use std::sync::Mutex;

async fn families_of(
    job: &str,
    opts: &JobOptions,
) -> (BTreeSet<String>, family_card::jobs::JobReport) {
    let seen = Mutex::new(BTreeSet::new());
    let report = run_family_job(
        &app().store,
        job,
        date("2026-06-15"),
        opts,
        |_| Ok(Evaluated::Row(())),
        |rows: Vec<(family_card::domain::family::FamilyId, ())>| {
            seen.lock()
                .unwrap()
                .extend(rows.into_iter().map(|(f, _)| f.as_str().to_string()));
            async { Ok(0) }
        },
    )
    .await
    .expect("the job runs");
    (seen.into_inner().unwrap(), report)
}

#[test]
fn shards_are_disjoint_cover_every_family_and_keep_their_own_checkpoints() {
    run(async {
        let store = &app().store;
        let small = JobOptions {
            page_size: 7,
            load_batch: 3,
            restart: true,
            ..Default::default()
        };
        let (all, whole) = families_of("test-shards", &small).await;
        assert!(whole.finished);
        assert!(all.len() > 10, "the sample has families: {}", all.len());
        let mut union = BTreeSet::new();
        let mut processed = 0;
        for i in 0..3 {
            let opts = JobOptions {
                shard: Some((i, 3)),
                ..small.clone()
            };
            let (part, r) = families_of("test-shards", &opts).await;
            assert!(r.finished, "shard {i}");
            assert!(union.is_disjoint(&part), "shard {i} overlaps another");
            processed += r.families;
            union.extend(part);
            let cp = store
                .checkpoint(&format!("test-shards#shard-{}-of-3", i + 1))
                .await
                .unwrap()
                .expect("a checkpoint per shard");
            assert!(cp.finished && cp.processed == r.families_total, "{cp:?}");
        }
        // Evaluated families (those in force on the date) are the same; every card is processed once.
        assert_eq!(union, all);
        assert_eq!(processed, whole.families);
        // An interrupted shard resumes after its own checkpoint, not another shard's.
        let first_page = JobOptions {
            shard: Some((1, 3)),
            max_pages: Some(1),
            ..small.clone()
        };
        let (_, r1) = families_of("test-shards-resume", &first_page).await;
        assert!(!r1.finished);
        let resume = JobOptions {
            shard: Some((1, 3)),
            restart: false,
            ..small.clone()
        };
        let (_, r2) = families_of("test-shards-resume", &resume).await;
        assert!(r2.finished && r2.resumed_after.is_some());
        assert_eq!(r1.families + r2.families, r2.families_total);
    });
}

/// `--compare-raw` streams the jobs' own statement with the jobs' parameters over the same
/// families: as many families as the job sees, and at least one row per person of every anchor's
/// neighbourhood (a person on a cycle of links comes back once per path, the load keeps one).
#[test]
fn the_raw_stream_reads_the_jobs_statement_over_the_jobs_families() {
    run(async {
        let store = &app().store;
        let opts = JobOptions {
            page_size: 7,
            load_batch: 3,
            restart: true,
            checkpoint: false,
            ..Default::default()
        };
        let (_, job) = families_of("test-raw-stream", &opts).await;
        let raw = family_card::jobs::stream_snapshots_raw(store, &opts)
            .await
            .expect("the raw stream runs");
        assert_eq!(raw.families, job.families);
        let mut anchors = vec![];
        let mut after = String::new();
        loop {
            let page = store
                .family_refs_page(&opts.range(), &after, 500)
                .await
                .unwrap();
            let Some(last) = page.last() else { break };
            after = last.family_id.clone();
            anchors.extend(
                page.iter()
                    .map(|f| family_card::domain::ids::Iin::parse(&f.anchor_iin).unwrap()),
            );
        }
        let persons: usize = store
            .load_neighbourhoods(&anchors)
            .await
            .unwrap()
            .iter()
            .map(|n| n.neighbourhood.persons.len())
            .sum();
        assert!(persons > 0);
        assert!(
            raw.rows >= persons as u64,
            "{} rows < {persons} persons",
            raw.rows
        );
    });
}

/// `bench jobs` rests on this: the statement log of a run holds every statement it sent besides
/// the snapshot reads, and replayed on another database in the run's starting state it does the
/// run's work — the same assessments and the same change events with the same per-family `seq`;
/// replayed once more, it adds nothing (the writes stay idempotent).
#[test]
fn a_runs_statement_log_replayed_on_a_copy_does_the_runs_work() {
    use family_card::jobs::recompute::recompute_wellbeing;
    use family_card::store::{StatementLog, Store};
    run(async {
        let dir = tempfile::tempdir().unwrap();
        let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sample");
        let on = date("2026-06-15");
        let fresh = |name: &'static str| {
            let (dir, sample) = (dir.path().to_path_buf(), sample.clone());
            async move {
                let (db, store) = own_database(&dir.join(name)).await;
                let opts = family_card::ingest::IngestOptions {
                    rejects_path: Some(dir.join(format!("{name}.rejects.ndjson"))),
                    ..Default::default()
                };
                family_card::ingest::load_dir(&store, &sample, &opts)
                    .await
                    .unwrap();
                family_card::family_cards::materialise_family_cards(&store, on)
                    .await
                    .unwrap();
                (db, store)
            }
        };
        let (_run_db, run_store) = fresh("run").await;
        let (_replay_db, replay_store) = fresh("replay").await;
        let rules = family_card::rules::RuleSet::bundled();
        let log = StatementLog::default();
        let opts = JobOptions {
            page_size: 7,
            load_batch: 3,
            restart: true,
            statement_log: Some(log.clone()),
            ..Default::default()
        };
        let r = recompute_wellbeing(&run_store, &rules.wellbeing, &rules.legal, on, &opts)
            .await
            .unwrap();
        assert!(r.written > 0 && r.finished, "{r:?}");
        let pages = r.families.div_ceil(7) as usize;
        // Per page: the previous-assessment read, the write, the checkpoint; and the last checkpoint.
        assert_eq!(log.len(), 3 * pages + 1, "{log:?}");
        let events = |store: Store| async move {
            let mut e: Vec<(String, String, i64)> = store
                .bench_read_events("wellbeing-level:", "", 10_000)
                .await
                .unwrap()
                .into_iter()
                .map(|e| {
                    (
                        e["event_id"].as_str().unwrap_or_default().to_string(),
                        e["subject"].as_str().unwrap_or_default().to_string(),
                        e["seq"].as_i64().unwrap_or(-1),
                    )
                })
                .collect();
            e.sort();
            e
        };
        let statements = log.take();
        replay_store
            .replay_statements(statements.clone())
            .await
            .unwrap();
        let ran = events(run_store.clone()).await;
        assert_eq!(
            ran.len() as u64,
            r.written,
            "one level event per first assessment"
        );
        assert_eq!(events(replay_store.clone()).await, ran);
        assert_eq!(
            replay_store
                .wellbeing_distribution(&on.to_string(), None)
                .await
                .unwrap(),
            run_store
                .wellbeing_distribution(&on.to_string(), None)
                .await
                .unwrap()
        );
        replay_store.replay_statements(statements).await.unwrap();
        assert_eq!(
            events(replay_store).await,
            ran,
            "a second replay adds nothing"
        );
    });
}

/// A re-run of the recompute on the same date when nothing changed decodes and evaluates no
/// family: each family's rows digest as those its record of the date was computed from, so it is
/// counted unchanged and nothing is written. A fact that changes (a birth) changes the digest of
/// exactly the families whose rows hold it: those are evaluated again and F01's record of the
/// date is rewritten with one member more; the run after that skips every family again. Runs
/// on a database of its own.
#[test]
fn a_rerun_when_nothing_changed_skips_every_family_and_a_changed_fact_is_evaluated_again() {
    use family_card::domain::ids::Iin;
    use family_card::jobs::recompute::recompute_wellbeing;
    run(async {
        let dir = tempfile::tempdir().unwrap();
        let (_db, store) = own_database(&dir.path().join("db")).await;
        let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sample");
        let ingest = family_card::ingest::IngestOptions {
            rejects_path: Some(dir.path().join("rejects.ndjson")),
            ..Default::default()
        };
        family_card::ingest::load_dir(&store, &sample, &ingest)
            .await
            .unwrap();
        let on = date("2026-08-01");
        family_card::family_cards::materialise_family_cards(&store, date("2026-06-15"))
            .await
            .unwrap();
        let rules = family_card::rules::RuleSet::bundled();
        let opts = JobOptions {
            page_size: 7,
            load_batch: 3,
            restart: true,
            ..Default::default()
        };
        let recompute = || recompute_wellbeing(&store, &rules.wellbeing, &rules.legal, on, &opts);
        let first = recompute().await.unwrap();
        assert!(first.written > 0 && first.unchanged == 0, "{first:?}");
        let assessed = first.families - first.not_in_force - first.failed;
        assert_eq!(first.written, assessed, "{first:?}");

        let again = recompute().await.unwrap();
        assert_eq!(again.written, 0, "{again:?}");
        assert_eq!(
            again.unchanged, assessed,
            "every assessed family skipped: {again:?}"
        );
        assert_eq!(again.not_in_force, first.not_in_force);
        // Asked to, it evaluates every family again, and still writes nothing.
        let all = JobOptions {
            evaluate_all: true,
            ..opts.clone()
        };
        let evaluated = recompute_wellbeing(&store, &rules.wellbeing, &rules.legal, on, &all)
            .await
            .unwrap();
        assert_eq!(
            (evaluated.written, evaluated.unchanged),
            (0, 0),
            "{evaluated:?}"
        );
        assert_eq!(evaluated.families, first.families);

        // F01's mother gives birth on 2026-07-01 (before the date).
        let mother = "880315401029";
        let card =
            family_card::family_cards::family_of_person(&store, &Iin::parse(mother).unwrap(), on)
                .await
                .unwrap();
        let family_id = card.composition.family_id.as_str().to_string();
        let members_of = |history: Vec<serde_json::Value>| {
            history
                .iter()
                .find(|a| a["as_of"] == on.to_string())
                .and_then(|a| a["members"].as_i64())
                .expect("a record of the date")
        };
        let members_before = members_of(store.wellbeing_history(&family_id).await.unwrap());
        let (extra, _child) = write_f01_birth_extract(dir.path());
        let loaded = family_card::ingest::load_dir(&store, &extra, &ingest)
            .await
            .unwrap();
        assert_eq!(loaded.rejected(), 0, "the birth loads");

        let after_birth = recompute().await.unwrap();
        assert!(
            after_birth.unchanged < assessed && after_birth.written >= 1,
            "the families holding the birth are evaluated again: {after_birth:?}"
        );
        assert_eq!(
            members_of(store.wellbeing_history(&family_id).await.unwrap()),
            members_before + 1,
            "F01's record of the date counts the child"
        );

        let settled = recompute().await.unwrap();
        assert_eq!(settled.written, 0, "{settled:?}");
        assert_eq!(
            settled.unchanged,
            settled.families - settled.not_in_force - settled.failed,
            "every assessed family skipped again (records whose inputs hash was unchanged learnt the new digest): {settled:?}"
        );
    });
}
