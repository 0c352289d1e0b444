//! Rounds, the third step of the pipeline: valid rows dealt into statements.

use super::validate::Row;
use serde_json::Value;

/// Groups rows into statements in which no node appears twice (as key, owner or target), and
/// deals them into `lanes` by their first endpoint (owner, else key), so that statements of
/// different lanes written at the same time touch different persons (`ingest::pipeline`).
///
/// ArcadeDB 26.10 fails a statement with `DeadlockDetected` ("record modified by a concurrent
/// transaction") when one UNWIND touches the same vertex from several rows — a person with twelve
/// monthly incomes, a mother with three children — and the retry fails the same way. Rows are
/// therefore dealt into rounds with distinct endpoints; a round is written when it reaches the
/// batch size, the rest at the end of the file. Neo4j does not need this and does not mind it.
pub(crate) struct Rounds {
    lanes: Vec<Lane>,
}

struct Lane {
    batch_size: usize,
    /// Rows of a yearly series file (`store::series`) stay together: the write groups them into one
    /// row per person, so they need no dealing.
    grouped: bool,
    open: Vec<(std::collections::HashSet<String>, Vec<Row>)>,
}

/// More open rounds than this (a node with very many rows in a window) flushes the fullest.
const MAX_OPEN_ROUNDS: usize = 64;

/// The nodes a row touches besides its own fact node's key: key, owner and target.
pub(crate) fn endpoints(v: &Value) -> Vec<String> {
    ["key", "owner", "target"]
        .iter()
        .filter_map(|k| v.get(*k).and_then(Value::as_str).map(str::to_string))
        .collect()
}

/// The lane of a row: a hash of its owner (else its key), the same for every row of a person.
fn lane_of(v: &Value, lanes: usize) -> usize {
    use std::hash::{Hash, Hasher};
    if lanes <= 1 {
        return 0;
    }
    let first = v
        .get("owner")
        .or_else(|| v.get("key"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let mut h = std::collections::hash_map::DefaultHasher::new();
    first.hash(&mut h);
    (h.finish() % lanes as u64) as usize
}

impl Rounds {
    pub(crate) fn new(batch_size: usize, grouped: bool, lanes: usize) -> Self {
        Rounds {
            lanes: (0..lanes.max(1))
                .map(|_| Lane {
                    batch_size: batch_size.max(1),
                    grouped,
                    open: vec![],
                })
                .collect(),
        }
    }

    /// Adds a row; returns a full round to write, if any.
    pub(crate) fn push(&mut self, row: Row) -> Option<Vec<Row>> {
        let lane = lane_of(&row.value, self.lanes.len());
        self.lanes[lane].push(row)
    }

    pub(crate) fn drain(&mut self) -> Vec<Vec<Row>> {
        self.lanes.iter_mut().flat_map(Lane::drain).collect()
    }
}

impl Lane {
    fn push(&mut self, row: Row) -> Option<Vec<Row>> {
        let ends = if self.grouped {
            vec![]
        } else {
            endpoints(&row.value)
        };
        let slot = self
            .open
            .iter()
            .position(|(used, _)| ends.iter().all(|e| !used.contains(e)));
        let i = match slot {
            Some(i) => i,
            None => {
                self.open.push((Default::default(), vec![]));
                self.open.len() - 1
            }
        };
        let (used, rows) = &mut self.open[i];
        used.extend(ends);
        rows.push(row);
        if rows.len() >= self.batch_size {
            return Some(self.open.remove(i).1);
        }
        if self.open.len() > MAX_OPEN_ROUNDS {
            let fullest = (0..self.open.len())
                .max_by_key(|&j| self.open[j].1.len())
                .expect("non-empty");
            return Some(self.open.remove(fullest).1);
        }
        None
    }

    fn drain(&mut self) -> Vec<Vec<Row>> {
        self.open.drain(..).map(|(_, rows)| rows).collect()
    }
}
