//! `family-card bulk-load EXTRACT`: the first load of a whole extract into a FRESH local database
//! through ArcadeDB's own bulk importer, ending in the graph `load` builds
//! (`tests/api/bulk_load.rs` compares the two on the sample, node by node and relationship by
//! relationship).
//!
//! Why: `load` MERGEs record by record through Bolt (a few thousand records a second); the
//! importer writes vertices and edges straight into the store files, without a write-ahead log,
//! edges sorted per vertex (docs/benchmarks.md, "Bulk path").
//!
//! Steps, each timed in the [`BulkReport`]:
//! 1. export: every line validated by `ingest`'s checks (rejects as `load` reports them, with
//!    file, line, field and reason) and written as Neo4j APOC-style JSONL
//!    ([`crate::export::apoc_jsonl`]);
//! 2. import: `Neo4jImporter` into the new database, either as its own process before the server
//!    starts ([`Importer::Offline`], the default and the faster) or as `IMPORT DATABASE` on the
//!    running server ([`Importer::Server`]);
//! 3. clean-up: the importer's `id` property, index and schema property removed
//!    ([`LocalDb::remove_importer_ids`]);
//! 4. the constraints and indexes of `cypher/schema.cypher` (as every command applies them);
//! 5. family cards materialised as `load --cards-as-of` does
//!    ([`family_cards::materialise_family_cards`]).

use crate::export::apoc_jsonl::{self, JsonlSummary};
use crate::export::ExportError;
use crate::family_cards::{self, FamilyError};
use crate::ingest::Context;
use crate::localdb::{self, ImportRun, LocalDb, LocalDbError, LocalDbOptions};
use crate::store::{Store, StoreError};
use chrono::NaiveDate;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// How the JSONL reaches the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Importer {
    /// `Neo4jImporter` as its own process on the database files, then the server starts.
    Offline,
    /// `IMPORT DATABASE file://…` on the running server (over its HTTP API).
    Server,
}

impl std::str::FromStr for Importer {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "offline" => Ok(Importer::Offline),
            "server" => Ok(Importer::Server),
            other => Err(format!("{other}: expected offline or server")),
        }
    }
}

#[derive(Debug, Clone)]
pub struct BulkOptions {
    /// The local database (its data directory must hold no database yet).
    pub db: LocalDbOptions,
    pub importer: Importer,
    /// Validation's reference date (as `load`: a person born after it is rejected).
    pub ctx: Context,
    /// The date the family cards are materialised as of.
    pub cards_as_of: NaiveDate,
    /// Where the rejects go (NDJSON, as `load`'s rejects file).
    pub rejects: PathBuf,
    /// Where the JSONL is written (removed after the import unless `keep_export`).
    pub work_dir: PathBuf,
    pub keep_export: bool,
}

/// What a bulk load did, step by step.
#[derive(Debug, Clone)]
pub struct BulkReport {
    pub export: JsonlSummary,
    pub import: ImportRun,
    pub cleanup_seconds: f64,
    pub schema_seconds: f64,
    pub cards: usize,
    pub cards_seconds: f64,
    pub total_seconds: f64,
    /// This process's peak resident memory (`VmHWM`) at the end, in bytes.
    pub own_peak_rss_bytes: u64,
}

impl BulkReport {
    /// Records in the graph per second of the whole run (export to cards).
    pub fn records_per_second(&self) -> f64 {
        self.export.written() as f64 / self.total_seconds.max(1e-9)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BulkError {
    #[error(transparent)]
    Export(#[from] ExportError),
    #[error(transparent)]
    LocalDb(#[from] LocalDbError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Cards(#[from] FamilyError),
    #[error("{path}: {cause}")]
    Io {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("{0}")]
    NotFresh(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BulkError + '_ {
    move |cause| BulkError::Io {
        path: path.to_path_buf(),
        cause,
    }
}

/// Runs the whole bulk path; returns the running database (the caller decides when it stops)
/// and a store connected to it.
pub async fn bulk_load(
    extract: &Path,
    opts: &BulkOptions,
) -> Result<(LocalDb, Store, BulkReport), BulkError> {
    let started = Instant::now();
    let data = &opts.db.data_dir;
    if localdb::running(data).is_some() {
        return Err(BulkError::NotFresh(format!(
            "{}: a database is running on this data directory; a bulk load needs a fresh one",
            data.display()
        )));
    }
    if localdb::database_dir(data).exists() {
        return Err(BulkError::NotFresh(format!(
            "{}: this data directory already holds a database; a bulk load needs a fresh one (use `load` to add to it)",
            data.display()
        )));
    }
    // 1. Validate and write the importer's input.
    let (from, work, ctx) = (extract.to_path_buf(), opts.work_dir.clone(), opts.ctx);
    let export = tokio::task::spawn_blocking(move || apoc_jsonl::export(&from, &work, &ctx))
        .await
        .expect("export task")?;
    if let Some(dir) = opts.rejects.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
    }
    if std::fs::rename(&export.rejects, &opts.rejects).is_err() {
        std::fs::copy(&export.rejects, &opts.rejects).map_err(io(&opts.rejects))?;
        let _ = std::fs::remove_file(&export.rejects);
    }
    tracing::info!(
        nodes = export.nodes,
        relationships = export.relationships,
        rejected = export.rejected(),
        seconds = export.seconds,
        "extract written for the importer"
    );
    // 2. Import into the fresh database.
    let (db, import) = match opts.importer {
        Importer::Offline => {
            let (cache, data, graph, heap) = (
                opts.db.cache_dir.clone(),
                opts.db.data_dir.clone(),
                export.graph.clone(),
                opts.db.heap.clone(),
            );
            let import = tokio::task::spawn_blocking(move || {
                localdb::import_neo4j_jsonl(&cache, &data, &graph, &heap)
            })
            .await
            .expect("import task")?;
            (LocalDb::start(&opts.db).await?, import)
        }
        Importer::Server => {
            let db = LocalDb::start(&opts.db).await?;
            let t = Instant::now();
            let graph = std::fs::canonicalize(&export.graph).map_err(io(&export.graph))?;
            db.sql(&format!("IMPORT DATABASE file://{}", graph.display()))
                .await?;
            let import = ImportRun {
                seconds: t.elapsed().as_secs_f64(),
                peak_rss_bytes: localdb::peak_rss_bytes(db.pid()).unwrap_or(0),
                log: opts.db.data_dir.join("server.log"),
            };
            (db, import)
        }
    };
    tracing::info!(seconds = import.seconds, "imported");
    if !opts.keep_export {
        let _ = std::fs::remove_file(&export.graph);
    }
    // 3. What the importer adds and `load` does not.
    let t = Instant::now();
    db.remove_importer_ids().await?;
    let cleanup_seconds = t.elapsed().as_secs_f64();
    // 4. Constraints and indexes.
    let t = Instant::now();
    let store = Store::connect(&db.db_config()).await?;
    store.apply_schema().await?;
    let schema_seconds = t.elapsed().as_secs_f64();
    // 5. Family cards.
    let t = Instant::now();
    let cards = family_cards::materialise_family_cards(&store, opts.cards_as_of).await?;
    let cards_seconds = t.elapsed().as_secs_f64();
    let report = BulkReport {
        export,
        import,
        cleanup_seconds,
        schema_seconds,
        cards,
        cards_seconds,
        total_seconds: started.elapsed().as_secs_f64(),
        own_peak_rss_bytes: localdb::peak_rss_bytes(std::process::id()).unwrap_or(0),
    };
    Ok((db, store, report))
}
