//! The store: the only module that talks to the graph database (neo4rs over Bolt, Cypher from
//! `cypher/*.cypher`). Neo4j 5 in production, ArcadeDB locally and in CI; the same statements
//! serve both.
//!
//! Reliability contract: every write unit is idempotent (MERGE on keys), so [`Store::with_retry`]
//! may re-run a whole unit after a transient error (deadlock, leader switch). neo4rs retries only
//! its own auto-commit calls, never explicit transactions.

pub mod cases;
pub mod cypher;
mod dashboard;
mod digest;
pub mod dump;
mod events;
mod jobs;
mod links;
mod neighbourhood;
mod offers;
pub mod pages;
mod rows;
pub mod series;
mod signals;

pub use jobs::{Checkpoint, FamilyRef, StatementLog, StoredAssessment};

pub use events::{AttemptRecord, DueChain};
pub use neighbourhood::{CardLoad, DigestedLoad, LoadScope, LoadedNeighbourhood};
/// A statement's `$rows` parameter already in Bolt form (prepared once, sent as often as needed).
pub use neo4rs::BoltType as BoltRows;
pub use offers::TransitionWrite;
pub use signals::LinkRead;

use neo4rs::{query, BoltType, ConfigBuilder, Graph, Query};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

/// How to reach the database: the same shape for Neo4j and ArcadeDB.
#[derive(Debug, Clone)]
pub struct DbConfig {
    /// `bolt://host:port` (one server), or `neo4j://host:port` (a cluster: see `connect`).
    pub uri: String,
    pub user: String,
    pub password: crate::secret::Secret<String>,
    /// Database name; `None` uses the server's default.
    pub database: Option<String>,
    pub max_connections: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the graph database at {uri} is unreachable: {cause}")]
    Unreachable { uri: String, cause: String },
    #[error("database error: {0}")]
    Database(#[from] neo4rs::Error),
    #[error("unexpected shape of a database row ({what}): {cause}")]
    Shape { what: &'static str, cause: String },
}

impl StoreError {
    /// Transient failures that a re-run of the same idempotent unit can cure.
    pub fn is_transient(&self) -> bool {
        match self {
            StoreError::Database(neo4rs::Error::Neo4j(e)) => {
                matches!(e.kind(), neo4rs::Neo4jErrorKind::Transient)
                    || e.code().contains("DeadlockDetected")
                    || e.message().contains("modified by a concurrent transaction")
                    || e.message().contains("ConcurrentModification")
            }
            StoreError::Database(neo4rs::Error::ConnectionError)
            | StoreError::Database(neo4rs::Error::ConnectionTimedOut)
            | StoreError::Database(neo4rs::Error::IOError { .. }) => true,
            _ => false,
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// A handle on the graph. Cheap to clone (shares the connection pool).
#[derive(Clone)]
pub struct Store {
    graph: Graph,
    uri: String,
}

fn shape<E: std::fmt::Display>(what: &'static str) -> impl FnOnce(E) -> StoreError {
    move |e| StoreError::Shape {
        what,
        cause: e.to_string(),
    }
}

/// Converts JSON rows into a Bolt list parameter.
/// A statement's future on the heap. neo4rs's futures (the pool's checkout with its timeout, the
/// retry, the connection's reads) make every future that awaits one about 9 KB, and async-graphql
/// moves a resolver's future into a box of its own for every field it resolves — a field of an
/// object sized by the largest resolver of that object, even `familyId`. Boxed once here, where a
/// statement is run, every future above it stays small (with this, callgrind counts a quarter
/// fewer instructions in the GraphQL handler of `bench card`: docs/benchmarks.md, stop 26).
fn boxed<'a, T>(
    f: impl Future<Output = StoreResult<T>> + Send + 'a,
) -> std::pin::Pin<Box<dyn Future<Output = StoreResult<T>> + Send + 'a>> {
    Box::pin(f)
}

pub fn bolt(v: Value) -> StoreResult<BoltType> {
    BoltType::try_from(v).map_err(|e| StoreError::Shape {
        what: "parameter",
        cause: e.to_string(),
    })
}

impl Store {
    /// Connects and checks the server answers, failing fast with a clear error if it does not.
    pub async fn connect(cfg: &DbConfig) -> StoreResult<Store> {
        let mut b = ConfigBuilder::default()
            .uri(cfg.uri.as_str())
            .user(cfg.user.as_str())
            .password(cfg.password.expose().as_str())
            .max_connections(cfg.max_connections)
            .fetch_size(1000)
            .connection_timeout(Duration::from_secs(120));
        if let Some(db) = &cfg.database {
            b = b.db(db.as_str());
        }
        let unreachable = |e: neo4rs::Error| StoreError::Unreachable {
            uri: cfg.uri.clone(),
            cause: e.to_string(),
        };
        if cfg.uri.starts_with("neo4j") {
            // `neo4j://`: with the `cluster` feature neo4rs routes (ROUTE, a routing table, reads
            // to readers, writes to the leader); without it, it connects to the one address with a
            // routing context, and the cluster member routes on the server side.
            tracing::info!(
                uri = %cfg.uri,
                client_side_routing = cfg!(feature = "cluster"),
                "routing URI"
            );
        }
        let graph = Graph::connect(b.build().map_err(unreachable)?).map_err(unreachable)?;
        let store = Store {
            graph,
            uri: cfg.uri.clone(),
        };
        // neo4rs would retry a refused connection with backoff for a minute; probe once, bounded.
        match tokio::time::timeout(Duration::from_secs(10), store.ping_once()).await {
            Ok(Ok(())) => Ok(store),
            Ok(Err(e)) => Err(StoreError::Unreachable {
                uri: cfg.uri.clone(),
                cause: e.to_string(),
            }),
            Err(_) => Err(StoreError::Unreachable {
                uri: cfg.uri.clone(),
                cause: "no answer within 10 s".into(),
            }),
        }
    }

    pub fn uri(&self) -> &str {
        &self.uri
    }

    async fn ping_once(&self) -> StoreResult<()> {
        boxed(async move {
            let mut s = self.graph.execute(query(cypher::PING)).await?;
            s.next().await?;
            Ok(())
        })
        .await
    }

    /// Readiness: the database answers a trivial query within 2 s.
    pub async fn ready(&self) -> bool {
        matches!(
            tokio::time::timeout(Duration::from_secs(2), self.ping_once()).await,
            Ok(Ok(()))
        )
    }

    /// Applies `cypher/schema.cypher` (constraints and indexes; idempotent), then gives data
    /// written before an index's property existed that property (`events_pending_backfill`).
    pub async fn apply_schema(&self) -> StoreResult<()> {
        for stmt in statements(cypher::SCHEMA) {
            self.with_retry(|| async { Ok(self.graph.run(query(&stmt)).await?) })
                .await?;
        }
        self.with_retry(|| async {
            self.fetch_column::<i64>(query(cypher::EVENTS_PENDING_BACKFILL), "backfilled")
                .await
        })
        .await?;
        Ok(())
    }

    /// Runs an idempotent unit, re-running it on transient errors (up to 6 tries, backoff).
    pub async fn with_retry<T, F, Fut>(&self, mut unit: F) -> StoreResult<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = StoreResult<T>>,
    {
        let mut delay = Duration::from_millis(50);
        let mut attempt = 1;
        loop {
            match unit().await {
                Err(e) if e.is_transient() && attempt < 6 => {
                    tracing::warn!(attempt, error = %e, "transient database error; re-running the unit");
                    tokio::time::sleep(delay).await;
                    delay *= 3;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// Runs a statement and collects every row, deserializing column `col` of each.
    /// Runs an ingest statement with its prepared `$rows` once (no retry: callers decide) and
    /// returns the `line` column: the lines the database wrote.
    pub async fn write_prepared_rows(
        &self,
        statement: &'static str,
        rows: BoltRows,
    ) -> StoreResult<Vec<i64>> {
        self.fetch_column::<i64>(query(statement).param("rows", rows), "line")
            .await
    }

    pub async fn fetch_column<T: DeserializeOwned + Send>(
        &self,
        q: Query,
        col: &str,
    ) -> StoreResult<Vec<T>> {
        boxed(async move {
            let mut s = self.graph.execute(q).await?;
            let mut out = vec![];
            while let Some(row) = s.next().await? {
                out.push(row.get::<T>(col).map_err(shape("column"))?);
            }
            Ok(out)
        })
        .await
    }

    /// Runs a read-only statement (sent as a read: `mode: r`, which a Neo4j cluster may serve
    /// from any member) and decodes every row with `decode`, straight from Bolt values.
    pub async fn read_each<T: Send>(
        &self,
        q: Query,
        decode: fn(&neo4rs::Row) -> StoreResult<T>,
    ) -> StoreResult<Vec<T>> {
        boxed(async move {
            let mut s = self.graph.execute_read(q).await?;
            let mut out = vec![];
            while let Some(row) = s.next().await? {
                out.push(decode(&row)?);
            }
            Ok(out)
        })
        .await
    }

    /// [`Store::read_each`] keeping the rows as received (for a caller that looks at them before
    /// it decides which to decode: the jobs' digests).
    pub async fn read_rows(&self, q: Query) -> StoreResult<Vec<neo4rs::Row>> {
        boxed(async move {
            let mut s = self.graph.execute_read(q).await?;
            let mut out = vec![];
            while let Some(row) = s.next().await? {
                out.push(row);
            }
            Ok(out)
        })
        .await
    }

    /// Runs a statement and returns every row as a JSON object of its columns.
    pub async fn fetch_rows(&self, q: Query, cols: &[&str]) -> StoreResult<Vec<Value>> {
        boxed(async move {
            let mut s = self.graph.execute(q).await?;
            let mut out = vec![];
            while let Some(row) = s.next().await? {
                let mut m = serde_json::Map::new();
                for c in cols {
                    let v: Value = row.get(c).unwrap_or(Value::Null);
                    m.insert((*c).to_string(), v);
                }
                out.push(Value::Object(m));
            }
            Ok(out)
        })
        .await
    }

    /// Writes one batch with an `UNWIND $rows … RETURN row.line AS line` statement and returns
    /// the lines the database accepted (the others found no referenced node). Retried as a unit.
    pub async fn write_batch(
        &self,
        statement: &'static str,
        rows: &Value,
    ) -> StoreResult<Vec<i64>> {
        self.with_retry(|| async {
            let q = query(statement).param("rows", bolt(rows.clone())?);
            self.fetch_column::<i64>(q, "line").await
        })
        .await
    }

    /// Counts of nodes per label and relationships per type.
    pub async fn counts(&self) -> StoreResult<BTreeMap<String, i64>> {
        let mut out = BTreeMap::new();
        for r in self
            .fetch_rows(query(cypher::COUNTS), &["label", "n"])
            .await?
        {
            if let (Some(l), Some(n)) = (r["label"].as_str(), r["n"].as_i64()) {
                out.insert(format!("node:{l}"), n);
            }
        }
        for r in self
            .fetch_rows(query(cypher::RELATIONSHIP_COUNTS), &["type", "n"])
            .await?
        {
            if let (Some(t), Some(n)) = (r["type"].as_str(), r["n"].as_i64()) {
                out.insert(format!("rel:{t}"), n);
            }
        }
        Ok(out)
    }

    /// The anchor IIN of a materialised family card.
    pub async fn family_anchor(&self, family_id: &str) -> StoreResult<Option<String>> {
        let q = query(cypher::FAMILY_BY_ID).param("family_id", family_id);
        Ok(self
            .fetch_column::<String>(q, "anchor_iin")
            .await?
            .into_iter()
            .next())
    }

    /// The neighbourhood of the anchor of the materialised card `family_id`, with every fact, in
    /// ONE round trip (`family_neighbourhood_by_id.cypher`: the Family node and the anchor's
    /// neighbourhood in one statement), or `None` when no such card is stored.
    pub async fn load_family_by_id(
        &self,
        family_id: &str,
    ) -> StoreResult<Option<LoadedNeighbourhood>> {
        let rows = self
            .with_retry(|| async {
                let q = neighbourhood::reach_params(
                    query(cypher::FAMILY_NEIGHBOURHOOD_BY_ID).param("family_id", family_id),
                    neighbourhood::Reach::Neighbourhood,
                );
                self.read_each(q, rows::person_entry).await
            })
            .await?;
        let Some(anchor) = rows.first().map(|r| r.focus.clone()) else {
            return Ok(None);
        };
        Ok(Some(neighbourhood::assemble(&anchor, rows)))
    }

    /// A page of persons for the family-card materialisation (keyset on IIN).
    pub async fn family_candidates_page(&self, after: &str, limit: i64) -> StoreResult<Vec<Value>> {
        let q = query(cypher::FAMILY_CANDIDATES_PAGE)
            .param("after", after)
            .param("limit", limit);
        self.fetch_rows(q, &["iin", "sex", "birth_date", "death_date", "marriages"])
            .await
    }

    /// Materialises family cards (`rows`: `[{family_id, anchor_iin}]`).
    pub async fn upsert_families(&self, rows: &Value) -> StoreResult<()> {
        self.with_retry(|| async {
            let q = query(cypher::UPSERT_FAMILIES)
                .param("rows", bolt(rows.clone())?)
                .param("now", chrono::Utc::now().to_rfc3339());
            self.fetch_column::<i64>(q, "families").await.map(|_| ())
        })
        .await
    }

    /// A page of family cards (keyset on family id): `(family_id, anchor_iin)`.
    pub async fn families_page(
        &self,
        after: &str,
        limit: i64,
    ) -> StoreResult<Vec<(String, String)>> {
        let q = query(cypher::FAMILIES_PAGE)
            .param("after", after)
            .param("limit", limit);
        let rows = self.fetch_rows(q, &["family_id", "anchor_iin"]).await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                Some((
                    r["family_id"].as_str()?.to_string(),
                    r["anchor_iin"].as_str()?.to_string(),
                ))
            })
            .collect())
    }
}

/// Splits a Cypher file into statements on `;`, dropping `//` comment lines.
pub fn statements(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
        .split(';')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}
