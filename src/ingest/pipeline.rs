//! Writes in flight: the reading task hands each full batch to a task of its own and goes on
//! reading and validating the next one while the batch is prepared (series grouping, JSON →
//! Bolt) and sent — the client's work overlapped with the database's (issue 11).
//!
//! At most `writers` batches are sent at once and at most `writers + 1` are held, so memory stays
//! bounded by a few batches. With one writer (the default) the database sees exactly the
//! sequence of statements of a plain loop, one transaction at a time. With more, a batch that
//! shares a node (key, owner or target) with a batch submitted before it and still in flight
//! waits until that one is written, so two transactions at the same time never touch the same
//! node: ArcadeDB's concurrent-modification deadlocks on a shared vertex cannot occur, and the
//! later record of a node still wins, as in a plain loop. (`Rounds` deals rows into lanes by
//! owner so that concurrent batches rarely share one.)
//!
//! Outcomes are collected in submission order, so rejects and accepted records reach their sinks
//! in the order of a plain loop; an error of any batch stops the run (nothing is silently lost:
//! the batches are idempotent, a re-run writes them again).

use super::rounds::endpoints;
use super::validate::Row;
use super::write::{write_batch, BatchOutcome, WriteTarget};
use super::IngestError;
use crate::store::StoreResult;
use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use tokio::sync::{oneshot, watch, Semaphore};
use tokio::task::JoinHandle;

struct InFlight {
    handle: JoinHandle<StoreResult<BatchOutcome>>,
    /// The nodes the batch touches (only tracked with more than one writer).
    nodes: HashSet<String>,
    /// Turns true when the batch has been written.
    done: watch::Receiver<bool>,
}

pub(crate) struct Pipeline {
    target: WriteTarget,
    writers: usize,
    sending: Arc<Semaphore>,
    /// Fires when the last submitted batch has its turn to send: batches take turns in order.
    last_turn: Option<oneshot::Receiver<()>>,
    in_flight: VecDeque<InFlight>,
}

impl Pipeline {
    pub(crate) fn new(target: WriteTarget, writers: usize) -> Self {
        let writers = writers.max(1);
        Pipeline {
            target,
            writers,
            sending: Arc::new(Semaphore::new(writers)),
            last_turn: None,
            in_flight: VecDeque::new(),
        }
    }

    /// Hands `batch` to a writing task. If as many batches are held already, first waits for the
    /// oldest and returns its outcome (at most one per call).
    pub(crate) async fn submit(
        &mut self,
        file: &'static str,
        statement: &'static str,
        batch: Vec<Row>,
    ) -> Result<Option<BatchOutcome>, IngestError> {
        let done = if self.in_flight.len() > self.writers {
            self.next_outcome().await?
        } else {
            None
        };
        let nodes: HashSet<String> = if self.writers > 1 {
            batch.iter().flat_map(|r| endpoints(&r.value)).collect()
        } else {
            HashSet::new()
        };
        let before: Vec<watch::Receiver<bool>> = self
            .in_flight
            .iter()
            .filter(|f| !f.nodes.is_disjoint(&nodes))
            .map(|f| f.done.clone())
            .collect();
        let target = self.target.clone();
        let sending = self.sending.clone();
        let previous = self.last_turn.take();
        let (my_turn, next) = oneshot::channel();
        self.last_turn = Some(next);
        let (written, done_rx) = watch::channel(false);
        let handle = tokio::spawn(async move {
            let out = write_batch(&target, file, statement, batch, async move {
                for mut b in before {
                    // An error ends the run anyway: then there is nothing to wait for.
                    b.wait_for(|d| *d).await.ok();
                }
                // Batches take their turns in the order they were submitted.
                if let Some(p) = previous {
                    p.await.ok();
                }
                let permit = sending
                    .acquire_owned()
                    .await
                    .expect("semaphore never closed");
                my_turn.send(()).ok();
                permit
            })
            .await;
            written.send(true).ok();
            out
        });
        self.in_flight.push_back(InFlight {
            handle,
            nodes,
            done: done_rx,
        });
        Ok(done)
    }

    /// The outcome of the oldest batch in flight (`None` when none is).
    pub(crate) async fn next_outcome(&mut self) -> Result<Option<BatchOutcome>, IngestError> {
        let Some(f) = self.in_flight.pop_front() else {
            return Ok(None);
        };
        match f.handle.await {
            Ok(r) => Ok(Some(r?)),
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => Err(IngestError::Io {
                path: Default::default(),
                cause: std::io::Error::other(format!("write task cancelled: {e}")),
            }),
        }
    }
}

impl Drop for Pipeline {
    /// A run that stops early (an error, a dropped future) abandons the batches still held.
    fn drop(&mut self) {
        for f in &self.in_flight {
            f.handle.abort();
        }
    }
}
