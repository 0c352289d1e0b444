//! The write step of the pipeline: one batch (a round of rows with distinct endpoints) through
//! its kind's `UNWIND … MERGE … RETURN row.line AS line` statement. MERGE on natural keys makes a
//! batch an idempotent unit: re-written after a crash or a re-load, it changes nothing. The
//! statement returns the lines that found their referenced nodes; the others are unknown
//! references, which only the database can tell.
//!
//! A batch is prepared (grouped into series, turned into Bolt parameters) by the task that writes
//! it, off the reading task, so the next batch is read and validated while this one is prepared
//! and sent (`ingest::Pipeline`). Where it goes is a [`WriteTarget`]: the database, or a
//! [`Capture`] that keeps the exact statements and parameters in memory instead — the raw replay
//! of `family-card bench load` (`src/bench_load.rs`) sends those again, with nothing else to do.

use super::validate::Row;
use crate::store::BoltRows as BoltType;
use crate::store::{bolt, Store, StoreResult};
use serde_json::Value;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

/// Writes one batch: `statement` over `rows` → the lines the database wrote.
pub async fn write_rows(
    store: &Store,
    statement: &'static str,
    rows: &Value,
) -> StoreResult<Vec<i64>> {
    store.write_batch(statement, rows).await
}

/// Sends one prepared batch (its `$rows` already Bolt) and returns the lines the database wrote;
/// the whole statement is re-run on a transient error (it is idempotent).
pub async fn send_prepared(
    store: &Store,
    statement: &'static str,
    rows: &BoltType,
) -> StoreResult<Vec<i64>> {
    store
        .with_retry(|| async { store.write_prepared_rows(statement, rows.clone()).await })
        .await
}

/// One write as the pipeline would send it: the file it came from, its statement and `$rows`.
pub struct CapturedWrite {
    pub file: &'static str,
    pub statement: &'static str,
    pub rows: BoltType,
    /// Extract records (lines) in the batch.
    pub records: usize,
}

/// The writes of a pipeline run kept in memory, in the order they were sent.
#[derive(Clone, Default)]
pub struct Capture(Arc<Mutex<Vec<CapturedWrite>>>);

impl Capture {
    /// The writes captured so far (the capture is left empty).
    pub fn take(&self) -> Vec<CapturedWrite> {
        std::mem::take(&mut *self.0.lock().expect("capture lock"))
    }
}

/// Where the write step sends its batches.
#[derive(Clone)]
pub(crate) enum WriteTarget {
    Database(Store),
    /// Nothing is sent: every batch is kept (and every row counts as written).
    Capture(Capture),
}

/// What became of a batch: the rows written and the rows whose references were unknown.
pub(crate) struct BatchOutcome {
    pub(crate) written: Vec<Row>,
    pub(crate) unknown: Vec<Row>,
}

/// Writes `batch` of `file`'s rows and sorts them into written and unknown references. Rows of a
/// yearly series file are grouped per person first (`store::series::group_batch`). The batch is
/// prepared at once and sent when `turn` is ready (what it yields is held while sending).
pub(crate) async fn write_batch<T>(
    target: &WriteTarget,
    file: &'static str,
    statement: &'static str,
    batch: Vec<Row>,
    turn: impl std::future::Future<Output = T>,
) -> StoreResult<BatchOutcome> {
    let rows = bolt(crate::store::series::group_batch(
        file,
        batch.iter().map(|r| &r.value),
    ))?;
    let _turn = turn.await;
    let store = match target {
        WriteTarget::Database(store) => store,
        WriteTarget::Capture(c) => {
            c.0.lock().expect("capture lock").push(CapturedWrite {
                file,
                statement,
                rows,
                records: batch.len(),
            });
            return Ok(BatchOutcome {
                written: batch,
                unknown: vec![],
            });
        }
    };
    let lines: HashSet<i64> = send_prepared(store, statement, &rows)
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
