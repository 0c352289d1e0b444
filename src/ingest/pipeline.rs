//! Writes in flight: the reading task hands each full batch to a task of its own and goes on
//! reading and validating the next one while the batch is prepared (series grouping, JSON →
//! Bolt) and sent — the client's work overlapped with the database's (issue 11).
//!
//! At most `writers` batches are sent at once (one by default: then the database sees exactly
//! the sequence of statements of a plain loop, one transaction at a time, so no two
//! transactions ever touch the same node and ArcadeDB's concurrent-modification deadlocks
//! cannot occur), and at most `writers + 1` are held, so memory stays bounded by a few batches.
//! Outcomes are collected in submission order, so rejects and accepted records reach their sinks
//! in the order of a plain loop; an error of any batch stops the run (nothing is silently lost:
//! the batches are idempotent, a re-run writes them again).

use super::write::{write_batch, BatchOutcome, WriteTarget};
use super::IngestError;
use super::validate::Row;
use crate::store::StoreResult;
use std::collections::VecDeque;
use std::sync::Arc;
use tokio::sync::{oneshot, Semaphore};
use tokio::task::JoinHandle;

pub(crate) struct Pipeline {
    target: WriteTarget,
    sending: Arc<Semaphore>,
    held: usize,
    /// Fires when the last submitted batch has its turn to send: batches take turns in order.
    last_turn: Option<oneshot::Receiver<()>>,
    in_flight: VecDeque<JoinHandle<StoreResult<BatchOutcome>>>,
}

impl Pipeline {
    pub(crate) fn new(target: WriteTarget, writers: usize) -> Self {
        let writers = writers.max(1);
        Pipeline {
            target,
            sending: Arc::new(Semaphore::new(writers)),
            held: writers + 1,
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
        let done = if self.in_flight.len() >= self.held {
            self.next_outcome().await?
        } else {
            None
        };
        let target = self.target.clone();
        let sending = self.sending.clone();
        let previous = self.last_turn.take();
        let (my_turn, next) = oneshot::channel();
        self.last_turn = Some(next);
        self.in_flight.push_back(tokio::spawn(async move {
            write_batch(&target, file, statement, batch, async move {
                // Batches are sent in the order they were submitted: a later month or a later
                // record of the same key wins, as in a plain loop.
                if let Some(p) = previous {
                    p.await.ok();
                }
                let permit = sending.acquire_owned().await.expect("semaphore never closed");
                my_turn.send(()).ok();
                permit
            })
            .await
        }));
        Ok(done)
    }

    /// The outcome of the oldest batch in flight (`None` when none is).
    pub(crate) async fn next_outcome(&mut self) -> Result<Option<BatchOutcome>, IngestError> {
        let Some(h) = self.in_flight.pop_front() else {
            return Ok(None);
        };
        match h.await {
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
        for h in &self.in_flight {
            h.abort();
        }
    }
}
