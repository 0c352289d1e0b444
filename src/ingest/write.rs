//! The write step of the pipeline: one batch (a round of rows with distinct endpoints) through
//! its kind's `UNWIND … MERGE … RETURN row.line AS line` statement. MERGE on natural keys makes a
//! batch an idempotent unit: re-written after a crash or a re-load, it changes nothing. The
//! statement returns the lines that found their referenced nodes; the others are unknown
//! references, which only the database can tell.

use super::validate::Row;
use crate::store::{Store, StoreResult};
use serde_json::Value;
use std::collections::HashSet;

/// Writes one batch: `statement` over `rows` → the lines the database wrote.
pub async fn write_rows(
    store: &Store,
    statement: &'static str,
    rows: &Value,
) -> StoreResult<Vec<i64>> {
    store.write_batch(statement, rows).await
}

/// What became of a batch: the rows written and the rows whose references were unknown.
pub(crate) struct BatchOutcome {
    pub(crate) written: Vec<Row>,
    pub(crate) unknown: Vec<Row>,
}

/// Writes `batch` of `file`'s rows and sorts them into written and unknown references. Rows of a
/// yearly series file are grouped per person first (`store::series::group_batch`).
pub(crate) async fn write_batch(
    store: &Store,
    file: &str,
    statement: &'static str,
    batch: Vec<Row>,
) -> StoreResult<BatchOutcome> {
    let rows = crate::store::series::group_batch(file, batch.iter().map(|r| &r.value));
    let lines: HashSet<i64> = write_rows(store, statement, &rows)
        .await?
        .into_iter()
        .collect();
    let (written, unknown) = batch
        .into_iter()
        .partition(|r| lines.contains(&(r.line as i64)));
    Ok(BatchOutcome { written, unknown })
}

/// The references of a row, for the reject of an unknown one ("person 950115401235 or A-17").
pub(crate) fn describe_reference(v: &Value) -> String {
    let mut parts = vec![];
    if let Some(o) = v.get("owner").and_then(Value::as_str) {
        parts.push(format!("person {o}"));
    }
    if let Some(t) = v.get("target").and_then(Value::as_str) {
        parts.push(t.to_string());
    }
    if parts.is_empty() {
        "a referenced record".into()
    } else {
        parts.join(" or ")
    }
}
