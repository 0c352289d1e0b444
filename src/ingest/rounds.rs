//! Rounds, the third step of the pipeline: valid rows dealt into statements.

use super::validate::Row;
use serde_json::Value;

/// Groups rows into statements in which no node appears twice (as key, owner or target).
///
/// ArcadeDB 26.10 fails a statement with `DeadlockDetected` ("record modified by a concurrent
/// transaction") when one UNWIND touches the same vertex from several rows — a person with twelve
/// monthly incomes, a mother with three children — and the retry fails the same way. Rows are
/// therefore dealt into rounds with distinct endpoints; a round is written when it reaches the
/// batch size, the rest at the end of the file. Neo4j does not need this and does not mind it.
pub(crate) struct Rounds {
    batch_size: usize,
    /// Rows of a yearly series file (`store::series`) stay together: the write groups them into one
    /// row per person, so they need no dealing.
    grouped: bool,
    open: Vec<(std::collections::HashSet<String>, Vec<Row>)>,
}

/// More open rounds than this (a node with very many rows in a window) flushes the fullest.
const MAX_OPEN_ROUNDS: usize = 64;

impl Rounds {
    pub(crate) fn new(batch_size: usize, grouped: bool) -> Self {
        Rounds {
            batch_size: batch_size.max(1),
            grouped,
            open: vec![],
        }
    }

    fn endpoints(v: &Value) -> Vec<String> {
        ["key", "owner", "target"]
            .iter()
            .filter_map(|k| v.get(*k).and_then(Value::as_str).map(str::to_string))
            .collect()
    }

    /// Adds a row; returns a full round to write, if any.
    pub(crate) fn push(&mut self, row: Row) -> Option<Vec<Row>> {
        let ends = if self.grouped {
            vec![]
        } else {
            Self::endpoints(&row.value)
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

    pub(crate) fn drain(&mut self) -> Vec<Vec<Row>> {
        self.open.drain(..).map(|(_, rows)| rows).collect()
    }
}
