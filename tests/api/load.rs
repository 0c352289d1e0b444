//! The load path at speed: writes pipelined and sent by several writers over disjoint lanes lose
//! nothing and end in exactly the graph of the plain sequence of statements (the raw replay of
//! `bench load`), and a re-load changes nothing.

use crate::helpers::*;
use family_card::generate::{generate, GenerateOptions};
use family_card::ingest::{self, Context, IngestOptions};

#[test]
fn concurrent_writers_lose_nothing_match_the_replay_and_reload_idempotently() {
    run(async {
        let dir = tempfile::tempdir().unwrap();
        let extract = dir.path().join("extract");
        generate(
            &GenerateOptions {
                persons: 600,
                seed: 7,
                as_of: reference_date(),
            },
            &extract,
        )
        .unwrap();
        let ctx = Context::on(reference_date());
        // Small batches: many of them in flight at once, persons split over batches and lanes.
        let opts = IngestOptions {
            batch_size: 64,
            writers: 4,
            rejects_path: Some(dir.path().join("rejects.ndjson")),
            ..Default::default()
        };

        // The concurrent load, then the same load again.
        let (_db, store) = own_database(&dir.path().join("db-load")).await;
        let first = ingest::load_dir_on(&store, &extract, &opts, &ctx)
            .await
            .unwrap();
        assert_eq!(first.rejected(), 0, "{:?}", first.rejects);
        assert!(first.read() > 5_000, "a real extract: {}", first.read());
        assert_eq!(first.written(), first.read(), "every record written");
        let loaded = store.counts().await.unwrap();
        let again = ingest::load_dir_on(&store, &extract, &opts, &ctx)
            .await
            .unwrap();
        assert_eq!(again.written(), first.written());
        assert_eq!(
            store.counts().await.unwrap(),
            loaded,
            "a second load of the same extract changes nothing"
        );

        // The captured writes, replayed one after another into a fresh database.
        let (summary, writes) = ingest::capture_dir(&extract, &opts, &ctx).await.unwrap();
        assert_eq!(summary.written(), first.written());
        assert_eq!(
            writes.iter().map(|w| w.records).sum::<usize>(),
            first.written()
        );
        let (_replay_db, replay) = own_database(&dir.path().join("db-replay")).await;
        let mut lines = 0;
        for w in writes {
            lines += replay
                .fetch_column::<i64>(neo4rs::query(w.statement).param("rows", w.rows), "line")
                .await
                .unwrap()
                .len();
        }
        assert_eq!(lines, first.written(), "the replay writes every line");
        assert_eq!(
            replay.counts().await.unwrap(),
            loaded,
            "the concurrent load ends in the graph of the plain sequence of its statements"
        );
    });
}
