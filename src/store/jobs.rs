//! Store side of country-wide jobs: family-card pages (typed, by key range), the raw snapshot
//! stream, checkpoints, well-being assessments and detected entitlements. Job modules hand typed
//! rows (`Serialize` structs) that become the statements' parameters; this file knows the statements.
//!
//! [`StatementLog`]: a job run with a log keeps a copy of every statement it sends besides the
//! snapshot reads (previous-assessment reads, record writes, checkpoints), with its parameters,
//! in order, so `bench jobs` can replay exactly that database work on a copy of the database
//! ([`Store::replay_statements`]) and compare the job with its raw reads plus its raw writes.

use super::pages::KeyRange;
use super::{bolt, cypher, shape, Store, StoreResult};
use neo4rs::query;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A family card as the jobs page through them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct FamilyRef {
    pub family_id: String,
    pub anchor_iin: String,
}

/// The statements (with their parameters) a job sent besides its snapshot reads, in order.
#[derive(Clone, Default)]
pub struct StatementLog(std::sync::Arc<std::sync::Mutex<Vec<neo4rs::Query>>>);

impl std::fmt::Debug for StatementLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StatementLog({} statements)", self.len())
    }
}

impl StatementLog {
    fn push(&self, q: &neo4rs::Query) {
        self.0.lock().expect("statement log lock").push(q.clone());
    }
    pub fn len(&self) -> usize {
        self.0.lock().expect("statement log lock").len()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Empties the log, returning what it held.
    pub fn take(&self) -> Vec<neo4rs::Query> {
        std::mem::take(&mut *self.0.lock().expect("statement log lock"))
    }
}

/// Keeps `q` in `log` (when the run has one) and hands it back.
fn logged(q: neo4rs::Query, log: Option<&StatementLog>) -> neo4rs::Query {
    if let Some(l) = log {
        l.push(&q);
    }
    q
}

/// A stored assessment as the recompute compares with it (`cypher/wellbeing_previous.cypher`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct StoredAssessment {
    pub family_id: String,
    pub as_of: String,
    pub inputs_hash: String,
    pub level: Option<String>,
    /// Absent on assessments written before the composition digest existed.
    pub composition: Option<String>,
    pub members: Option<i64>,
    /// The digest of the neighbourhood rows it was computed from (`store::digest`); absent on
    /// assessments written before digests.
    #[serde(default)]
    pub rows_digest: Option<String>,
}

/// Above every family id (`FAM-` + hex): the upper bound of an unbounded range.
const KEY_MAX: &str = "\u{10FFFF}";

/// Where a resumable job stands.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Checkpoint {
    /// The last family id fully processed (keyset position); empty = from the start.
    pub after: String,
    pub processed: u64,
    pub finished: bool,
    /// Identifies one run from start to finish (a resumed run keeps its id).
    pub run_id: String,
}

impl Store {
    pub async fn checkpoint(&self, job: &str) -> StoreResult<Option<Checkpoint>> {
        let rows = self
            .fetch_rows(
                query(cypher::JOB_CHECKPOINT_GET).param("job", job),
                &["after", "processed", "finished", "run_id"],
            )
            .await?;
        Ok(rows.into_iter().next().map(|r| Checkpoint {
            after: r["after"].as_str().unwrap_or_default().to_string(),
            processed: r["processed"].as_i64().unwrap_or(0).max(0) as u64,
            finished: r["finished"].as_bool().unwrap_or(false),
            run_id: r["run_id"].as_str().unwrap_or_default().to_string(),
        }))
    }

    pub async fn save_checkpoint(&self, job: &str, c: &Checkpoint) -> StoreResult<()> {
        self.save_checkpoint_logged(job, c, None).await
    }

    /// [`Store::save_checkpoint`], kept in `log` when given.
    pub async fn save_checkpoint_logged(
        &self,
        job: &str,
        c: &Checkpoint,
        log: Option<&StatementLog>,
    ) -> StoreResult<()> {
        let now = chrono::Utc::now().to_rfc3339();
        let q = logged(
            query(cypher::JOB_CHECKPOINT_SAVE)
                .param("job", job)
                .param("after", c.after.as_str())
                .param("processed", c.processed as i64)
                .param("finished", c.finished)
                .param("run_id", c.run_id.as_str())
                .param("updated_at", now.as_str()),
            log,
        );
        self.with_retry(|| async {
            self.fetch_column::<String>(q.clone(), "job")
                .await
                .map(|_| ())
        })
        .await
    }

    /// Sends `statements` one after another (as a job's writer does) and drains their answers:
    /// the raw database work of a job's writes (`bench jobs`). Returns the rows answered.
    pub async fn replay_statements(&self, statements: Vec<neo4rs::Query>) -> StoreResult<u64> {
        let mut rows = 0u64;
        for q in statements {
            let mut s = self.graph.execute(q).await?;
            while s.next().await?.is_some() {
                rows += 1;
            }
        }
        Ok(rows)
    }

    /// A page of family cards in `range` after `after` (keyset on family id), typed.
    pub async fn family_refs_page(
        &self,
        range: &KeyRange,
        after: &str,
        limit: i64,
    ) -> StoreResult<Vec<FamilyRef>> {
        let q = query(cypher::FAMILIES_RANGE_PAGE)
            .param("after", after)
            .param("from", range.from.as_str())
            .param("to", range.to.as_deref().unwrap_or(KEY_MAX))
            .param("limit", limit);
        let mut s = self.graph.execute(q).await?;
        let mut out = vec![];
        while let Some(row) = s.next().await? {
            out.push(row.to::<FamilyRef>().map_err(shape("family page"))?);
        }
        Ok(out)
    }

    /// A page of person IINs in IIN order after `after`.
    pub async fn persons_page(&self, after: &str, limit: i64) -> StoreResult<Vec<String>> {
        self.fetch_column::<String>(
            query(cypher::PERSONS_PAGE)
                .param("after", after)
                .param("limit", limit),
            "iin",
        )
        .await
    }

    pub async fn count_families(&self) -> StoreResult<u64> {
        let n = self
            .fetch_column::<i64>(query(cypher::FAMILIES_COUNT), "families")
            .await?;
        Ok(n.first().copied().unwrap_or(0).max(0) as u64)
    }

    /// The assessments stored on or before `as_of` of `family_ids` (kept in `log` when given).
    pub async fn wellbeing_previous(
        &self,
        family_ids: &[String],
        as_of: &str,
        log: Option<&StatementLog>,
    ) -> StoreResult<Vec<StoredAssessment>> {
        let q = logged(
            query(cypher::WELLBEING_PREVIOUS)
                .param("family_ids", family_ids.to_vec())
                .param("as_of", as_of),
            log,
        );
        self.with_retry(|| async {
            let mut s = self.graph.execute(q.clone()).await?;
            let mut out = vec![];
            while let Some(row) = s.next().await? {
                out.push(
                    row.to::<StoredAssessment>()
                        .map_err(shape("previous assessment"))?,
                );
            }
            Ok(out)
        })
        .await
    }

    /// Writes assessments (`rows`: `[{family_id, assessment_key, previous_level,
    /// previous_composition, previous_members, props}]`, see `cypher/wellbeing_record.cypher`);
    /// returns how many.
    pub async fn record_wellbeing<T: Serialize + ?Sized>(&self, rows: &T) -> StoreResult<u64> {
        self.record_wellbeing_logged(rows, None).await
    }

    /// [`Store::record_wellbeing`], kept in `log` when given.
    pub async fn record_wellbeing_logged<T: Serialize + ?Sized>(
        &self,
        rows: &T,
        log: Option<&StatementLog>,
    ) -> StoreResult<u64> {
        let keys: Vec<String> = self
            .write_rows(cypher::WELLBEING_RECORD, rows, "assessment_key", log)
            .await?;
        Ok(keys.len() as u64)
    }

    /// Sends `statement` with `$rows` (nothing when there are none), kept in `log` when given,
    /// retried on a transient error; returns `column` of every row answered.
    async fn write_rows<T: Serialize + ?Sized, C: serde::de::DeserializeOwned + Send>(
        &self,
        statement: &str,
        rows: &T,
        column: &str,
        log: Option<&StatementLog>,
    ) -> StoreResult<Vec<C>> {
        let rows = serde_json::to_value(rows)?;
        if rows.as_array().is_none_or(|a| a.is_empty()) {
            return Ok(vec![]);
        }
        let q = logged(query(statement).param("rows", bolt(rows)?), log);
        self.with_retry(|| async { self.fetch_column::<C>(q.clone(), column).await })
            .await
    }

    /// Notes on assessments the digest of the rows they were computed from (`rows`:
    /// `[{assessment_key, rows_digest}]`, see `cypher/wellbeing_rows_digest.cypher`); returns how
    /// many were found.
    pub async fn note_wellbeing_rows_digests<T: Serialize + ?Sized>(
        &self,
        rows: &T,
        log: Option<&StatementLog>,
    ) -> StoreResult<u64> {
        let n: Vec<i64> = self
            .write_rows(cypher::WELLBEING_ROWS_DIGEST, rows, "noted", log)
            .await?;
        Ok(n.first().copied().unwrap_or(0).max(0) as u64)
    }

    /// Every stored assessment of a family (JSON maps of the node's properties), oldest first.
    pub async fn wellbeing_history(&self, family_id: &str) -> StoreResult<Vec<Value>> {
        self.fetch_column::<Value>(
            query(cypher::WELLBEING_HISTORY).param("family_id", family_id),
            "assessment",
        )
        .await
    }

    /// `(level, families)` on `as_of`, optionally in one region.
    pub async fn wellbeing_distribution(
        &self,
        as_of: &str,
        region: Option<&str>,
    ) -> StoreResult<Vec<(String, i64)>> {
        let q = query(cypher::WELLBEING_DISTRIBUTION)
            .param("as_of", as_of)
            .param("region", region.map(str::to_string));
        let rows = self.fetch_rows(q, &["level", "families"]).await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| Some((r["level"].as_str()?.to_string(), r["families"].as_i64()?)))
            .collect())
    }

    /// Records entitlements once (`rows`: `[{family_id, entitlement_key, as_of, now, props}]`);
    /// returns how many were new.
    pub async fn record_entitlements<T: Serialize + ?Sized>(&self, rows: &T) -> StoreResult<u64> {
        self.record_entitlements_logged(rows, None).await
    }

    /// [`Store::record_entitlements`], kept in `log` when given.
    pub async fn record_entitlements_logged<T: Serialize + ?Sized>(
        &self,
        rows: &T,
        log: Option<&StatementLog>,
    ) -> StoreResult<u64> {
        let rows = serde_json::to_value(rows)?;
        if rows.as_array().is_none_or(|a| a.is_empty()) {
            return Ok(0);
        }
        let rows = super::events::with_event_refs(&rows);
        let q = logged(
            query(cypher::ENTITLEMENTS_RECORD).param("rows", bolt(rows)?),
            log,
        );
        // The statement answers one row per NEW entitlement.
        let out = self
            .with_retry(|| async {
                self.fetch_column::<String>(q.clone(), "entitlement_key")
                    .await
            })
            .await?;
        Ok(out.len() as u64)
    }

    /// Entitlements recorded for a family (JSON maps of the node's properties).
    pub async fn entitlements_of_family(&self, family_id: &str) -> StoreResult<Vec<Value>> {
        self.fetch_column::<Value>(
            query(cypher::ENTITLEMENTS_OF_FAMILY).param("family_id", family_id),
            "entitlement",
        )
        .await
    }

    /// `(benefit, status, count)` over all recorded entitlements.
    pub async fn entitlements_summary(&self) -> StoreResult<Vec<(String, String, i64)>> {
        let rows = self
            .fetch_rows(
                query(cypher::ENTITLEMENTS_SUMMARY),
                &["benefit", "status", "entitlements"],
            )
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                Some((
                    r["benefit"].as_str()?.to_string(),
                    r["status"].as_str()?.to_string(),
                    r["entitlements"].as_i64()?,
                ))
            })
            .collect())
    }
}
