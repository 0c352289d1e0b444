//! Investigators' cases (`cypher/case_*.cypher`): one `Case` node per case, created at version 1
//! and then changed only onto the version a change was made from (`case_update.cypher`: optimistic
//! concurrency, so two investigators' concurrent changes never overwrite each other). Subjects, notes and pinned views are kept as JSON text
//! (both databases store strings alike), with the subjects also as `,iin,` text and the title
//! in lower case so the list filters with `CONTAINS` only.

use super::{bolt, cypher, Store, StoreError, StoreResult};
use crate::domain::cases::{Case, CaseStatus};
use neo4rs::query;
use serde_json::{json, Value};

fn props(c: &Case) -> Value {
    json!({
        "title": c.title,
        "title_lower": c.title.to_lowercase(),
        "purpose": c.purpose,
        "legal_basis": c.legal_basis,
        "region": c.region,
        "status": c.status.as_str(),
        "opened_by": c.opened_by,
        "opened_at": c.opened_at,
        "subjects_json": js(&c.subjects),
        "subjects_text": format!(",{},", c.subjects.join(",")),
        "notes_json": js(&c.notes),
        "views_json": js(&c.views),
        "conclusion": c.conclusion,
    })
}

fn js<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

fn shape(cause: impl std::fmt::Display) -> StoreError {
    StoreError::Shape {
        what: "case",
        cause: cause.to_string(),
    }
}

fn from_props(v: &Value) -> StoreResult<Case> {
    let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
    fn list<T: serde::de::DeserializeOwned>(v: &Value, k: &str) -> StoreResult<Vec<T>> {
        match v[k].as_str() {
            None => Ok(vec![]),
            Some(t) => serde_json::from_str(t).map_err(shape),
        }
    }
    Ok(Case {
        case_id: s("case_id"),
        title: s("title"),
        purpose: s("purpose"),
        legal_basis: s("legal_basis"),
        region: s("region"),
        status: CaseStatus::parse(&s("status")).ok_or_else(|| shape("unknown status"))?,
        opened_by: s("opened_by"),
        opened_at: s("opened_at"),
        subjects: list(v, "subjects_json")?,
        notes: list(v, "notes_json")?,
        views: list(v, "views_json")?,
        conclusion: v["conclusion"].as_str().map(str::to_string),
        version: v["version"].as_i64().unwrap_or(1),
    })
}

/// Filters of the case list (`None`: any).
#[derive(Debug, Default, Clone)]
pub struct CaseFilter {
    pub status: Option<CaseStatus>,
    pub region: Option<String>,
    pub subject: Option<String>,
    pub search: Option<String>,
}

impl Store {
    /// Creates a new case (version 1).
    pub async fn create_case(&self, c: &Case) -> StoreResult<()> {
        let p = props(c);
        self.with_retry(|| async {
            let q = query(cypher::CASE_CREATE)
                .param("case_id", c.case_id.as_str())
                .param("props", bolt(p.clone())?);
            self.fetch_column::<String>(q, "case_id").await
        })
        .await?;
        Ok(())
    }

    /// Saves a changed case onto `c.version`, the version it was loaded at: the new version, or
    /// `None` when the stored case is no longer at that version (changed meanwhile) or is gone.
    pub async fn update_case(&self, c: &Case) -> StoreResult<Option<i64>> {
        let p = props(c);
        let out = self
            .with_retry(|| async {
                let q = query(cypher::CASE_UPDATE)
                    .param("case_id", c.case_id.as_str())
                    .param("version", c.version)
                    .param("props", bolt(p.clone())?);
                self.fetch_column::<i64>(q, "version").await
            })
            .await?;
        Ok(out.first().copied())
    }

    /// One case by id.
    pub async fn case(&self, case_id: &str) -> StoreResult<Option<Case>> {
        let rows = self
            .fetch_column::<Value>(query(cypher::CASE_GET).param("case_id", case_id), "found")
            .await?;
        rows.first().map(from_props).transpose()
    }

    /// One page of cases in id order after `after`.
    pub async fn cases_page(
        &self,
        f: &CaseFilter,
        after: Option<&str>,
        limit: i64,
    ) -> StoreResult<Vec<Case>> {
        let q = query(cypher::CASE_PAGE)
            .param("status", f.status.map(|s| s.as_str()))
            .param("region", f.region.as_deref())
            .param("subject", f.subject.as_ref().map(|s| format!(",{s},")))
            .param("search", f.search.as_ref().map(|s| s.to_lowercase()))
            .param("after", after)
            .param("limit", limit);
        let rows = self.fetch_column::<Value>(q, "found").await?;
        rows.iter().map(from_props).collect()
    }
}
