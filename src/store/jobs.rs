//! Store side of country-wide jobs: family-card pages (typed, by key range), the raw snapshot
//! stream, checkpoints, well-being assessments and detected entitlements. Job modules hand typed
//! rows (`Serialize` structs) that become the statements' parameters; this file knows the statements.

use super::pages::KeyRange;
use super::{bolt, cypher, shape, Store, StoreResult};
use crate::domain::ids::Iin;
use neo4rs::query;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A family card as the jobs page through them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct FamilyRef {
    pub family_id: String,
    pub anchor_iin: String,
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
        let now = chrono::Utc::now().to_rfc3339();
        self.with_retry(|| async {
            let q = query(cypher::JOB_CHECKPOINT_SAVE)
                .param("job", job)
                .param("after", c.after.as_str())
                .param("processed", c.processed as i64)
                .param("finished", c.finished)
                .param("run_id", c.run_id.as_str())
                .param("updated_at", now.as_str());
            self.fetch_column::<String>(q, "job").await.map(|_| ())
        })
        .await
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

    /// The raw snapshot stream: runs the jobs' neighbourhood statement for `iins` and counts the
    /// rows received, decoding none of them (the database's and the wire's share of a job's read).
    pub async fn count_neighbourhood_rows(&self, iins: &[Iin]) -> StoreResult<u64> {
        let list: Vec<&str> = iins.iter().map(|i| i.as_str()).collect();
        self.with_retry(|| async {
            let q = query(cypher::FAMILY_NEIGHBOURHOOD)
                .param("iins", list.clone())
                .param("with_relatives", false)
                .param(
                    "max_co_registrations",
                    super::neighbourhood::MAX_CO_REGISTRATIONS,
                );
            let mut s = self.graph.execute(q).await?;
            let mut n = 0u64;
            while s.next().await?.is_some() {
                n += 1;
            }
            Ok(n)
        })
        .await
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

    /// `(family_id, as_of, inputs_hash)` of the assessments stored on or before `as_of`.
    pub async fn wellbeing_previous(
        &self,
        family_ids: &[String],
        as_of: &str,
    ) -> StoreResult<Vec<(String, String, String)>> {
        let rows = self
            .with_retry(|| async {
                let q = query(cypher::WELLBEING_PREVIOUS)
                    .param("family_ids", family_ids.to_vec())
                    .param("as_of", as_of);
                self.fetch_rows(q, &["family_id", "as_of", "inputs_hash"])
                    .await
            })
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                Some((
                    r["family_id"].as_str()?.to_string(),
                    r["as_of"].as_str()?.to_string(),
                    r["inputs_hash"].as_str()?.to_string(),
                ))
            })
            .collect())
    }

    /// Writes assessments (`rows`: `[{family_id, assessment_key, props}]`); returns how many.
    pub async fn record_wellbeing<T: Serialize + ?Sized>(&self, rows: &T) -> StoreResult<u64> {
        let rows = serde_json::to_value(rows)?;
        if rows.as_array().is_none_or(|a| a.is_empty()) {
            return Ok(0);
        }
        let keys = self
            .with_retry(|| async {
                let q = query(cypher::WELLBEING_RECORD).param("rows", bolt(rows.clone())?);
                self.fetch_column::<String>(q, "assessment_key").await
            })
            .await?;
        Ok(keys.len() as u64)
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
        let rows = serde_json::to_value(rows)?;
        if rows.as_array().is_none_or(|a| a.is_empty()) {
            return Ok(0);
        }
        let rows = &super::events::with_event_refs(&rows);
        let out = self
            .with_retry(|| async {
                let q = query(cypher::ENTITLEMENTS_RECORD).param("rows", bolt(rows.clone())?);
                self.fetch_rows(q, &["entitlement_key", "created"]).await
            })
            .await?;
        Ok(out
            .iter()
            .filter(|r| r["created"].as_bool() == Some(true))
            .count() as u64)
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
