//! Stored fraud-signal hits of the country-wide signals run (`cypher/signal_*.cypher`):
//! recorded by hit key (idempotent), stale hits of a date pruned after a finished run, pages
//! for the investigators' list and the hits of one family.

use super::{bolt, cypher, Store, StoreResult};
use neo4rs::query;
use serde_json::Value;

impl Store {
    /// Records one page of hits (`family_id`, `hit_key`, `props` per row); returns how many.
    pub async fn record_signal_hits(&self, run_id: &str, rows: &Value) -> StoreResult<u64> {
        if rows.as_array().is_none_or(|a| a.is_empty()) {
            return Ok(0);
        }
        let out = self
            .with_retry(|| async {
                let q = query(cypher::SIGNAL_RECORD)
                    .param("rows", bolt(rows.clone())?)
                    .param("run_id", run_id);
                self.fetch_rows(q, &["hit_key"]).await
            })
            .await?;
        Ok(out.len() as u64)
    }

    /// Removes the hits of `as_of` that run `run_id` did not record again; returns how many.
    pub async fn prune_signal_hits(&self, as_of: &str, run_id: &str) -> StoreResult<u64> {
        let n = self
            .with_retry(|| async {
                let q = query(cypher::SIGNAL_PRUNE)
                    .param("as_of", as_of)
                    .param("run_id", run_id);
                self.fetch_column::<i64>(q, "removed").await
            })
            .await?;
        Ok(n.first().copied().unwrap_or(0) as u64)
    }

    /// One page of stored hits (JSON maps of the node's properties), highest score first,
    /// after the keyset `(score, hit_key)`.
    pub async fn signal_hits_page(
        &self,
        region: Option<&str>,
        signal: Option<&str>,
        min_score: i64,
        after: Option<(i64, &str)>,
        limit: i64,
    ) -> StoreResult<Vec<Value>> {
        let q = query(cypher::SIGNAL_PAGE)
            .param("region", region)
            .param("signal", signal)
            .param("min_score", min_score)
            .param("after_score", after.map(|a| a.0).unwrap_or(0))
            .param("after_key", after.map(|a| a.1))
            .param("limit", limit);
        self.fetch_column::<Value>(q, "hit").await
    }

    /// The stored hits of one family card.
    pub async fn signal_hits_of_family(&self, family_id: &str) -> StoreResult<Vec<Value>> {
        self.fetch_column::<Value>(
            query(cypher::SIGNAL_OF_FAMILY).param("family_id", family_id),
            "hit",
        )
        .await
    }
}
