//! Store side of the dashboard: aggregates only (counts and sums per region, level, benefit, state,
//! date), never a person's data. Rows travel as JSON maps; `api::dashboard` shapes them.

use super::{cypher, Store, StoreResult};
use neo4rs::query;
use serde_json::Value;

impl Store {
    /// `{region, level, families}` on `as_of`, optionally in one region.
    pub async fn dashboard_wellbeing_by_region(
        &self,
        as_of: &str,
        region: Option<&str>,
    ) -> StoreResult<Vec<Value>> {
        self.fetch_rows(
            query(cypher::DASHBOARD_WELLBEING_BY_REGION)
                .param("as_of", as_of)
                .param("region", region.map(str::to_string)),
            &["region", "level", "families"],
        )
        .await
    }

    /// The dates assessments are stored for, newest first (at most `limit`).
    pub async fn dashboard_wellbeing_dates(
        &self,
        region: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<String>> {
        self.fetch_column::<String>(
            query(cypher::DASHBOARD_WELLBEING_DATES)
                .param("region", region.map(str::to_string))
                .param("limit", limit),
            "as_of",
        )
        .await
    }

    /// `{detected_on, benefit, status, entitlements, amount_kzt}`, optionally in one region.
    pub async fn dashboard_entitlements(&self, region: Option<&str>) -> StoreResult<Vec<Value>> {
        self.fetch_rows(
            query(cypher::DASHBOARD_ENTITLEMENTS).param("region", region.map(str::to_string)),
            &[
                "detected_on",
                "benefit",
                "status",
                "entitlements",
                "amount_kzt",
            ],
        )
        .await
    }

    /// `{benefit, state, offers, replied}`, optionally in one region.
    pub async fn dashboard_offers(&self, region: Option<&str>) -> StoreResult<Vec<Value>> {
        self.fetch_rows(
            query(cypher::DASHBOARD_OFFERS).param("region", region.map(str::to_string)),
            &["benefit", "state", "offers", "replied"],
        )
        .await
    }

    /// `{job, run_id, processed, finished, updated_at}` of the latest run of each job.
    pub async fn dashboard_job_runs(&self, limit: i64) -> StoreResult<Vec<Value>> {
        self.fetch_rows(
            query(cypher::DASHBOARD_JOB_RUNS).param("limit", limit),
            &["job", "run_id", "processed", "finished", "updated_at"],
        )
        .await
    }
}
