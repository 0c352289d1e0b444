//! Store side of change events: the outbox the change statements write (`ChangeEvent`, numbered
//! per subject by `EventSubject`), its fan-out into one `EventDelivery` per subscription, the
//! delivery log (`EventDeliveryAttempt`) and the partners' subscriptions (`EventSubscription`).

use super::{bolt, cypher, Store, StoreResult};
use neo4rs::query;
use serde_json::Value;

/// The outcome of one delivery attempt, as recorded.
#[derive(Debug, Clone)]
pub struct AttemptRecord {
    pub delivery_id: String,
    pub attempt_id: String,
    pub at: String,
    /// `DELIVERED` or `PENDING` (retry at `next_attempt_at`).
    pub status: &'static str,
    pub next_attempt_at: Option<String>,
    pub status_code: Option<i64>,
    pub latency_ms: i64,
    pub error: Option<String>,
    pub delivered_at: Option<String>,
}

/// One subject's deliveries that may be attempted now, in sequence: the head (the subject's
/// pending delivery with the lowest sequence, due) first, then the pending ones after it. Each
/// may be sent only once the one before it was acknowledged.
#[derive(Debug, Clone, PartialEq)]
pub struct DueChain {
    pub subject: String,
    /// `(delivery, event)` node properties.
    pub deliveries: Vec<(Value, Value)>,
}

/// Builds the chains from the due-query's rows (`subject, head, seq, event_status, event,
/// delivery`: every event of the subject in the window after its head). Walking the subject's
/// events in sequence: an event without a delivery of this subscription (another type or region)
/// or already delivered is skipped; the first event not yet fanned out ends the chain (what comes
/// after it must wait for it); a chain that does not start at its head is dropped (never out of
/// order). Pure.
pub fn due_chains(rows: Vec<Value>) -> Vec<DueChain> {
    let mut by_head: Vec<(String, String, Vec<Value>)> = vec![];
    for r in rows {
        let head = r["head"].as_str().unwrap_or_default().to_string();
        match by_head.iter_mut().find(|(h, _, _)| *h == head) {
            Some((_, _, rs)) => rs.push(r),
            None => {
                let subject = r["subject"].as_str().unwrap_or_default().to_string();
                by_head.push((head, subject, vec![r]));
            }
        }
    }
    let mut chains = vec![];
    for (head, subject, mut rs) in by_head {
        rs.sort_by_key(|r| r["seq"].as_i64().unwrap_or(i64::MAX));
        let mut deliveries = vec![];
        for mut r in rs {
            if r["event_status"] == "NEW" {
                break;
            }
            if r["delivery"]["status"] != "PENDING" {
                continue;
            }
            if deliveries.is_empty() && r["delivery"]["delivery_id"] != head.as_str() {
                break;
            }
            deliveries.push((r["delivery"].take(), r["event"].take()));
        }
        if !deliveries.is_empty() {
            chains.push(DueChain {
                subject,
                deliveries,
            });
        }
    }
    chains
}

/// Adds to entitlement rows the opaque reference their change event is keyed by (the
/// entitlement key holds IINs, which never appear in an event).
pub(super) fn with_event_refs(rows: &Value) -> Value {
    let mut rows = rows.clone();
    if let Some(a) = rows.as_array_mut() {
        for r in a {
            let key = r["entitlement_key"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            r["event_ref"] = Value::String(crate::domain::family::FamilyId::opaque_ref(
                "entitlement",
                &key,
            ));
        }
    }
    rows
}

impl Store {
    /// Change events not yet fanned out, oldest first.
    pub async fn new_events(&self, limit: i64) -> StoreResult<Vec<Value>> {
        self.fetch_column::<Value>(query(cypher::EVENTS_NEW).param("limit", limit), "event")
            .await
    }

    /// Fans events out (`rows`: `[{event_id, subscription_ids}]`); returns the deliveries.
    pub async fn fan_out_events(&self, rows: &Value, now: &str) -> StoreResult<u64> {
        if rows.as_array().is_none_or(|a| a.is_empty()) {
            return Ok(0);
        }
        let n = self
            .with_retry(|| async {
                let q = query(cypher::EVENTS_FAN_OUT)
                    .param("rows", bolt(rows.clone())?)
                    .param("now", now);
                self.fetch_column::<i64>(q, "deliveries").await
            })
            .await?;
        Ok(n.into_iter().sum::<i64>().max(0) as u64)
    }

    /// The deliveries of a subscription due now: per subject (at most `limit` subjects) a chain
    /// of at most `chain` pending deliveries in sequence, the subject's head first, each with its
    /// event (see [`due_chains`]).
    pub async fn deliveries_due(
        &self,
        subscription_id: &str,
        now: &str,
        limit: i64,
        chain: i64,
    ) -> StoreResult<Vec<DueChain>> {
        let rows = self
            .fetch_rows(
                query(cypher::EVENTS_DELIVERIES_DUE)
                    .param("subscription_id", subscription_id)
                    .param("now", now)
                    .param("limit", limit)
                    .param("chain", chain.max(1)),
                &[
                    "subject",
                    "head",
                    "seq",
                    "event_status",
                    "event",
                    "delivery",
                ],
            )
            .await?;
        Ok(due_chains(rows))
    }

    /// How many deliveries of a subscription are pending.
    pub async fn pending_deliveries(&self, subscription_id: &str) -> StoreResult<i64> {
        let n = self
            .fetch_column::<i64>(
                query(cypher::EVENTS_PENDING_COUNT).param("subscription_id", subscription_id),
                "pending",
            )
            .await?;
        Ok(n.into_iter().sum())
    }

    /// Records an attempt; `false` when the delivery was no longer pending.
    pub async fn record_delivery_attempt(&self, a: &AttemptRecord) -> StoreResult<bool> {
        let ids = self
            .with_retry(|| async {
                let q = query(cypher::EVENTS_DELIVERY_ATTEMPT)
                    .param("delivery_id", a.delivery_id.as_str())
                    .param("attempt_id", a.attempt_id.as_str())
                    .param("at", a.at.as_str())
                    .param("status", a.status)
                    .param("next_attempt_at", a.next_attempt_at.clone())
                    .param("status_code", a.status_code)
                    .param("latency_ms", a.latency_ms)
                    .param("error", a.error.clone())
                    .param("delivered_at", a.delivered_at.clone());
                self.fetch_column::<String>(q, "delivery_id").await
            })
            .await?;
        Ok(!ids.is_empty())
    }

    /// The newest attempts of a subscription.
    pub async fn delivery_log(&self, subscription_id: &str, limit: i64) -> StoreResult<Vec<Value>> {
        self.fetch_column::<Value>(
            query(cypher::EVENTS_DELIVERY_LOG)
                .param("subscription_id", subscription_id)
                .param("limit", limit),
            "attempt",
        )
        .await
    }

    pub async fn create_subscription(
        &self,
        subscription_id: &str,
        props: &Value,
    ) -> StoreResult<Option<Value>> {
        let rows = self
            .with_retry(|| async {
                let q = query(cypher::SUBSCRIPTION_CREATE)
                    .param("subscription_id", subscription_id)
                    .param("props", bolt(props.clone())?);
                self.fetch_column::<Value>(q, "subscription").await
            })
            .await?;
        Ok(rows.into_iter().next())
    }

    /// A partner's subscriptions, or (`None`) every active one.
    pub async fn subscriptions(&self, partner_id: Option<&str>) -> StoreResult<Vec<Value>> {
        self.fetch_column::<Value>(
            query(cypher::SUBSCRIPTION_LIST).param("partner_id", partner_id.map(str::to_string)),
            "subscription",
        )
        .await
    }

    /// Changes a partner's subscription; `None` when it is not theirs (or does not exist).
    pub async fn update_subscription(
        &self,
        subscription_id: &str,
        partner_id: &str,
        props: &Value,
    ) -> StoreResult<Option<Value>> {
        let rows = self
            .with_retry(|| async {
                let q = query(cypher::SUBSCRIPTION_UPDATE)
                    .param("subscription_id", subscription_id)
                    .param("partner_id", partner_id)
                    .param("props", bolt(props.clone())?);
                self.fetch_column::<Value>(q, "subscription").await
            })
            .await?;
        Ok(rows.into_iter().next())
    }

    /// Deletes a partner's subscription with its pending deliveries; `false` when not theirs.
    pub async fn delete_subscription(
        &self,
        subscription_id: &str,
        partner_id: &str,
    ) -> StoreResult<bool> {
        let n = self
            .with_retry(|| async {
                let q = query(cypher::SUBSCRIPTION_DELETE)
                    .param("subscription_id", subscription_id)
                    .param("partner_id", partner_id);
                self.fetch_column::<i64>(q, "deleted").await
            })
            .await?;
        Ok(n.into_iter().sum::<i64>() > 0)
    }

    /// DCI predicate search: `[{family_id, region, level, as_of, benefits}]`.
    pub async fn dci_families(
        &self,
        region: Option<&str>,
        level: Option<&str>,
        benefit: Option<&str>,
        as_of: &str,
        after: &str,
        limit: i64,
    ) -> StoreResult<Vec<Value>> {
        self.fetch_rows(
            query(cypher::DCI_FAMILIES_BY_PREDICATE)
                .param("region", region.map(str::to_string))
                .param("level", level.map(str::to_string))
                .param("benefit", benefit.map(str::to_string))
                .param("as_of", as_of)
                .param("after", after)
                .param("limit", limit),
            &["family_id", "region", "level", "as_of", "benefits"],
        )
        .await
    }

    /// Records an asynchronous DCI search and queues its callback to `subscription_id`.
    pub async fn dci_save_transaction(
        &self,
        transaction_id: &str,
        subscription_id: &str,
        props: &Value,
        envelope: &str,
        now: &str,
    ) -> StoreResult<()> {
        self.with_retry(|| async {
            let q = query(cypher::DCI_TRANSACTION_SAVE)
                .param("transaction_id", transaction_id)
                .param("subscription_id", subscription_id)
                .param("props", bolt(props.clone())?)
                .param("envelope", envelope)
                .param("now", now);
            self.fetch_column::<String>(q, "transaction_id")
                .await
                .map(|_| ())
        })
        .await
    }

    /// A sender's asynchronous DCI search: `{transaction, delivery_status, attempts}`.
    pub async fn dci_transaction(
        &self,
        transaction_id: &str,
        sender_id: &str,
    ) -> StoreResult<Option<Value>> {
        let rows = self
            .fetch_rows(
                query(cypher::DCI_TRANSACTION_GET)
                    .param("transaction_id", transaction_id)
                    .param("sender_id", sender_id),
                &["transaction", "delivery_status", "attempts"],
            )
            .await?;
        Ok(rows.into_iter().next())
    }

    /// Benchmarks and tests: writes synthetic change events (status NEW, as the change
    /// statements write them).
    pub async fn bench_seed_events(&self, rows: &Value) -> StoreResult<()> {
        self.with_retry(|| async {
            let q = query(cypher::EVENTS_BENCH_SEED).param("rows", bolt(rows.clone())?);
            self.fetch_column::<i64>(q, "events").await.map(|_| ())
        })
        .await
    }

    /// Benchmark only: the due-query before `pending_for` (`events_bench_due_scan.cypher`), rows.
    pub async fn bench_due_scan(
        &self,
        subscription_id: &str,
        now: &str,
        limit: i64,
    ) -> StoreResult<usize> {
        let rows = self
            .fetch_rows(
                query(cypher::EVENTS_BENCH_DUE_SCAN)
                    .param("subscription_id", subscription_id)
                    .param("now", now)
                    .param("limit", limit),
                &["delivery", "event"],
            )
            .await?;
        Ok(rows.len())
    }

    /// Benchmark only: a page of one run's events (the raw outbox read).
    pub async fn bench_read_events(
        &self,
        prefix: &str,
        after: &str,
        limit: i64,
    ) -> StoreResult<Vec<Value>> {
        self.fetch_column::<Value>(
            query(cypher::EVENTS_BENCH_READ)
                .param("prefix", prefix)
                .param("after", after)
                .param("limit", limit),
            "event",
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(seq: i64, event_status: &str, delivery: Option<&str>) -> Value {
        json!({
            "subject": "OF-1", "head": "s/e2", "seq": seq, "event_status": event_status,
            "event": {"event_id": format!("e{seq}"), "seq": seq},
            "delivery": delivery.map(|st| json!({"delivery_id": format!("s/e{seq}"), "status": st})),
        })
    }

    fn seqs(c: &DueChain) -> Vec<i64> {
        c.deliveries
            .iter()
            .map(|(_, e)| e["seq"].as_i64().unwrap())
            .collect()
    }

    #[test]
    fn a_chain_runs_in_sequence_from_its_head_over_other_subscriptions_events() {
        // Rows in any order; e4 has no delivery of this subscription, e5 was delivered already.
        let rows = vec![
            row(6, "FANNED", Some("PENDING")),
            row(3, "FANNED", Some("PENDING")),
            row(2, "FANNED", Some("PENDING")),
            row(4, "FANNED", None),
            row(5, "FANNED", Some("DELIVERED")),
        ];
        let c = due_chains(rows);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].subject, "OF-1");
        assert_eq!(seqs(&c[0]), vec![2, 3, 6]);
    }

    #[test]
    fn a_chain_stops_before_an_event_not_yet_fanned_out_and_never_starts_after_its_head() {
        let rows = vec![
            row(2, "FANNED", Some("PENDING")),
            row(3, "NEW", None),
            row(4, "FANNED", Some("PENDING")),
        ];
        assert_eq!(seqs(&due_chains(rows)[0]), vec![2]);
        // The head itself no longer pending (acknowledged meanwhile): nothing after it is sent.
        let rows = vec![
            row(2, "FANNED", Some("DELIVERED")),
            row(3, "FANNED", Some("PENDING")),
        ];
        assert!(due_chains(rows).is_empty());
    }
}
