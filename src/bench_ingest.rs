//! Benchmark: bulk ingest over HTTP against `family-card load` of the same records
//! (`family-card bench ingest-http`; results in `docs/benchmarks.md`).
//!
//! Each side gets a fresh local database of its own, so both do the same work (every record a
//! create, not a re-MERGE of what the other wrote): first the CLI's pipeline over the extract's
//! files (`ingest::load_dir`), then the full service (`Application::build`: authentication,
//! policy, audit, the job store) with one job per file, posted in load order by a partner and
//! run by the background runner, timed from the first POST until the last job is final. The
//! figure is the ratio of the two rates (written records per second), measured in the same run.

use crate::ingest::{self, IngestOptions, Kind};
use crate::localdb::{LocalDb, LocalDbOptions};
use crate::store::Store;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct IngestRateReport {
    pub records: u64,
    pub cli_written: u64,
    pub cli_seconds: f64,
    pub http_written: u64,
    pub http_seconds: f64,
    /// Of which: the time to post every body (the rest is the jobs' validation and writes).
    pub http_upload_seconds: f64,
    pub jobs: usize,
}

impl IngestRateReport {
    pub fn cli_rate(&self) -> f64 {
        self.cli_written as f64 / self.cli_seconds.max(1e-9)
    }
    pub fn http_rate(&self) -> f64 {
        self.http_written as f64 / self.http_seconds.max(1e-9)
    }
    pub fn ratio(&self) -> f64 {
        self.http_rate() / self.cli_rate().max(1e-9)
    }
}

/// A fresh local database in `dir` with the schema applied (also `bench load`'s).
pub(crate) async fn fresh_db(
    cache_dir: &Path,
    dir: PathBuf,
    heap: &str,
) -> anyhow::Result<(LocalDb, Store)> {
    let db = LocalDb::start(&LocalDbOptions {
        cache_dir: cache_dir.to_path_buf(),
        data_dir: dir,
        heap: heap.into(),
    })
    .await?;
    let store = Store::connect(&db.db_config()).await?;
    store.apply_schema().await?;
    Ok((db, store))
}

/// Loads `extract` with the CLI pipeline into one fresh database and with HTTP jobs into
/// another (both under `scratch`, removed afterwards).
pub async fn ingest_http_vs_cli(
    extract: &Path,
    scratch: &Path,
    cache_dir: &Path,
    heap: &str,
    batch_size: usize,
) -> anyhow::Result<IngestRateReport> {
    std::fs::create_dir_all(scratch)?;
    let files: Vec<(&'static Kind, PathBuf)> = Kind::all()
        .iter()
        .map(|k| (k, extract.join(k.file())))
        .filter(|(_, p)| p.is_file())
        .collect();
    anyhow::ensure!(
        !files.is_empty(),
        "no registry files in {}",
        extract.display()
    );

    // 1. The CLI's pipeline.
    let (mut db, store) = fresh_db(cache_dir, scratch.join("cli-db"), heap).await?;
    let opts = IngestOptions {
        batch_size,
        ..Default::default()
    };
    let s = ingest::load_dir(&store, extract, &opts).await?;
    let (cli_written, cli_seconds, records) = (s.written() as u64, s.seconds, s.read() as u64);
    drop(store);
    db.stop();
    std::fs::remove_dir_all(scratch.join("cli-db")).ok();

    // 2. The service, one job per file.
    let (mut db, store) = fresh_db(cache_dir, scratch.join("http-db"), heap).await?;
    let mut settings = crate::app::Settings::local(&scratch.join("http-state"))?;
    settings.bind = "127.0.0.1:0".into();
    settings.ingest.batch_size = batch_size;
    settings.ingest.submission_burst = 1e6;
    let application = crate::app::Application::build(
        settings,
        store.clone(),
        crate::rules::RuleSet::bundled(),
        crate::domain::offer::ProactiveRules::bundled(),
    )
    .await?;
    let token = application
        .app
        .local_issuer
        .as_ref()
        .expect("local issuer")
        .mint(&crate::api::auth::local::TokenRequest {
            subject: "bench-partner".into(),
            role: "partner".into(),
            region: "*".into(),
            partner_id: Some("bench".into()),
            purpose: None,
            ttl: Duration::from_secs(24 * 3600),
        })?;
    let base = format!("http://127.0.0.1:{}", application.port);
    let ctx = application.app.clone();
    let server = tokio::spawn(application.run_until(std::future::pending()));
    let client = reqwest::Client::new();
    let started = Instant::now();
    let mut ids = vec![];
    for (kind, path) in &files {
        let body = std::fs::read(path)?;
        let resp = client
            .post(format!("{base}/ingest/jobs?kind={}", kind.name()))
            .bearer_auth(&token)
            .header("content-type", "application/x-ndjson")
            .header("idempotency-key", format!("bench-{}", kind.name()))
            .body(body)
            .send()
            .await?;
        anyhow::ensure!(
            resp.status().as_u16() == 202,
            "POST {}: {}",
            kind.name(),
            resp.status()
        );
        let job: Value = resp.json().await?;
        ids.push(job["id"].as_str().unwrap_or_default().to_string());
    }
    let http_upload_seconds = started.elapsed().as_secs_f64();
    let mut http_written = 0;
    for id in &ids {
        loop {
            let job: Value = client
                .get(format!("{base}/ingest/jobs/{id}"))
                .bearer_auth(&token)
                .send()
                .await?
                .json()
                .await?;
            let state = job["state"].as_str().unwrap_or("");
            anyhow::ensure!(state != "failed", "job failed: {job}");
            if state.starts_with("completed") {
                http_written += job["counts"]["written"].as_u64().unwrap_or(0);
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let http_seconds = started.elapsed().as_secs_f64();
    ctx.ingest.halt();
    server.abort();
    drop(ctx);
    drop(store);
    db.stop();
    std::fs::remove_dir_all(scratch).ok();
    Ok(IngestRateReport {
        records,
        cli_written,
        cli_seconds,
        http_written,
        http_seconds,
        http_upload_seconds,
        jobs: ids.len(),
    })
}
