//! Store side of the proactive flow: offers, their transitions, the SMS outbox, inbound SMS and
//! payment orders. Every state change is one statement (one transaction) together with its audit
//! record and outbox messages.

use super::{bolt, cypher, shape, Store, StoreResult};
use crate::domain::ids::Iin;
use neo4rs::query;
use serde_json::Value;

/// One offer state change to write atomically.
#[derive(Debug, Clone)]
pub struct TransitionWrite {
    pub offer_id: String,
    pub from: String,
    pub to: String,
    pub version: i64,
    /// Offer properties to set with the change.
    pub props: Value,
    pub transition_id: String,
    pub event: String,
    pub at: String,
    pub actor: String,
    pub details: String,
    /// Outbox messages created with the change (`[{message_id, kind, phone, …}]`).
    pub outbox: Vec<Value>,
    pub payment_orders: Vec<Value>,
}

impl Store {
    /// Detected entitlements without an offer: `(entitlement props, recipient phone)`.
    pub async fn offer_candidates(
        &self,
        after: &str,
        limit: i64,
    ) -> StoreResult<Vec<(Value, Option<String>, Option<String>)>> {
        let rows = self
            .fetch_rows(
                query(cypher::OFFERS_CANDIDATES)
                    .param("after", after)
                    .param("limit", limit),
                &["entitlement", "phone", "region"],
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                (
                    r["entitlement"].clone(),
                    r["phone"].as_str().map(str::to_string),
                    r["region"].as_str().map(str::to_string),
                )
            })
            .collect())
    }

    /// Detected notification-only entitlements not yet notified.
    pub async fn notice_candidates(
        &self,
        after: &str,
        limit: i64,
    ) -> StoreResult<Vec<(Value, Option<String>)>> {
        let rows = self
            .fetch_rows(
                query(cypher::NOTICES_CANDIDATES)
                    .param("after", after)
                    .param("limit", limit),
                &["entitlement", "phone"],
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                (
                    r["entitlement"].clone(),
                    r["phone"].as_str().map(str::to_string),
                )
            })
            .collect())
    }

    /// Creates offers (`[{entitlement_key, offer_id, now, props}]`), idempotently.
    pub async fn create_offers(&self, rows: &Value) -> StoreResult<u64> {
        if rows.as_array().is_none_or(|a| a.is_empty()) {
            return Ok(0);
        }
        let ids = self
            .with_retry(|| async {
                let q = query(cypher::OFFERS_CREATE).param("rows", bolt(rows.clone())?);
                self.fetch_column::<String>(q, "offer_id").await
            })
            .await?;
        Ok(ids.len() as u64)
    }

    /// Applies a state change if the offer is still in `from` at `version`; `false` when it was
    /// not (changed concurrently or already applied).
    pub async fn apply_offer_transition(&self, t: &TransitionWrite) -> StoreResult<bool> {
        let ids = self
            .with_retry(|| async {
                let q = query(cypher::OFFER_TRANSITION)
                    .param("offer_id", t.offer_id.as_str())
                    .param("from", t.from.as_str())
                    .param("to", t.to.as_str())
                    .param("version", t.version)
                    .param("props", bolt(t.props.clone())?)
                    .param("transition_id", t.transition_id.as_str())
                    .param("event", t.event.as_str())
                    .param("at", t.at.as_str())
                    .param("actor", t.actor.as_str())
                    .param("details", t.details.as_str())
                    .param("outbox", bolt(Value::Array(t.outbox.clone()))?)
                    .param(
                        "payment_orders",
                        bolt(Value::Array(t.payment_orders.clone()))?,
                    );
                self.fetch_column::<String>(q, "offer_id").await
            })
            .await?;
        Ok(!ids.is_empty())
    }

    /// An offer with its transitions, messages and payment orders.
    pub async fn offer(&self, offer_id: &str) -> StoreResult<Option<Value>> {
        let rows = self
            .fetch_rows(
                query(cypher::OFFER_GET).param("offer_id", offer_id),
                &["offer", "transitions", "messages", "payment_orders"],
            )
            .await?;
        Ok(rows.into_iter().next())
    }

    /// The offers made to these persons, for the investigators' timeline (`timeline_offers.cypher`).
    pub async fn offers_of_persons(
        &self,
        iins: &[Iin],
    ) -> StoreResult<Vec<crate::domain::links::OfferMade>> {
        let ids: Vec<&str> = iins.iter().map(|i| i.as_str()).collect();
        self.read_each(query(cypher::TIMELINE_OFFERS).param("iins", ids), |row| {
            let text = |c: &str| row.get::<String>(c).map_err(shape("timeline_offers"));
            // `created_at` is a Bolt datetime (or its text, depending on the engine).
            let made_on = match row.get::<chrono::DateTime<chrono::FixedOffset>>("created_at") {
                Ok(d) => d.date_naive(),
                Err(_) => {
                    let t = text("created_at")?;
                    t.get(..10)
                        .and_then(|d| d.parse().ok())
                        .ok_or_else(|| shape("timeline_offers.created_at")(t))?
                }
            };
            Ok(crate::domain::links::OfferMade {
                iin: Iin::parse(&text("iin")?).map_err(shape("timeline_offers.iin"))?,
                offer_id: text("offer_id")?,
                benefit: text("benefit")?,
                state: text("state")?,
                made_on,
            })
        })
        .await
    }

    pub async fn offers_by_phone(&self, phone: &str) -> StoreResult<Vec<Value>> {
        self.fetch_column::<Value>(
            query(cypher::OFFERS_BY_PHONE).param("phone", phone),
            "offer",
        )
        .await
    }

    pub async fn offers_in_state(
        &self,
        state: &str,
        after: &str,
        limit: i64,
    ) -> StoreResult<Vec<Value>> {
        self.fetch_column::<Value>(
            query(cypher::OFFERS_IN_STATE)
                .param("state", state)
                .param("after", after)
                .param("limit", limit),
            "offer",
        )
        .await
    }

    /// `[{benefit, state, offers, replied}]`.
    pub async fn offers_summary(&self) -> StoreResult<Vec<Value>> {
        self.fetch_rows(
            query(cypher::OFFERS_SUMMARY),
            &["benefit", "state", "offers", "replied"],
        )
        .await
    }

    pub async fn outbox_pending(&self, now: &str, limit: i64) -> StoreResult<Vec<Value>> {
        self.fetch_column::<Value>(
            query(cypher::OUTBOX_PENDING)
                .param("now", now)
                .param("limit", limit),
            "message",
        )
        .await
    }

    pub async fn outbox_mark_sent(
        &self,
        message_id: &str,
        sent_at: &str,
        provider_message_id: &str,
        expires_at: Option<String>,
        reminder_due_at: Option<String>,
    ) -> StoreResult<bool> {
        let ids = self
            .with_retry(|| async {
                let q = query(cypher::OUTBOX_MARK_SENT)
                    .param("message_id", message_id)
                    .param("sent_at", sent_at)
                    .param("provider_message_id", provider_message_id)
                    .param("expires_at", expires_at.clone())
                    .param("reminder_due_at", reminder_due_at.clone());
                self.fetch_column::<String>(q, "message_id").await
            })
            .await?;
        Ok(!ids.is_empty())
    }

    pub async fn outbox_mark_failed(
        &self,
        message_id: &str,
        error: &str,
        next_attempt_at: &str,
        give_up: bool,
    ) -> StoreResult<()> {
        self.with_retry(|| async {
            let q = query(cypher::OUTBOX_MARK_FAILED)
                .param("message_id", message_id)
                .param("error", error)
                .param("next_attempt_at", next_attempt_at)
                .param("give_up", give_up);
            self.fetch_column::<String>(q, "message_id")
                .await
                .map(|_| ())
        })
        .await
    }

    /// Enqueues stand-alone messages once (`[{message_id, entitlement_key, props}]`).
    pub async fn outbox_enqueue(&self, rows: &Value) -> StoreResult<u64> {
        if rows.as_array().is_none_or(|a| a.is_empty()) {
            return Ok(0);
        }
        let ids = self
            .with_retry(|| async {
                let q = query(cypher::OUTBOX_ENQUEUE).param("rows", bolt(rows.clone())?);
                self.fetch_column::<String>(q, "message_id").await
            })
            .await?;
        Ok(ids.len() as u64)
    }

    /// Replies from `phone` received since `since` that named a wrong offer code.
    pub async fn inbound_wrong_codes_since(&self, phone: &str, since: &str) -> StoreResult<i64> {
        let n = self
            .fetch_column::<i64>(
                query(cypher::INBOUND_SMS_RECENT_FAILURES)
                    .param("phone", phone)
                    .param("since", since),
                "failures",
            )
            .await?;
        Ok(n.into_iter().next().unwrap_or(0))
    }

    /// Records an inbound SMS; returns `(first delivery, outcome stored earlier)`.
    pub async fn record_inbound_sms(
        &self,
        inbound_id: &str,
        props: &Value,
    ) -> StoreResult<(bool, Option<String>)> {
        let rows = self
            .with_retry(|| async {
                let q = query(cypher::INBOUND_SMS_RECORD)
                    .param("inbound_id", inbound_id)
                    .param("props", bolt(props.clone())?);
                self.fetch_rows(q, &["first", "outcome"]).await
            })
            .await?;
        let r = rows.into_iter().next().unwrap_or(Value::Null);
        Ok((
            r["first"].as_bool().unwrap_or(false),
            r["outcome"].as_str().map(str::to_string),
        ))
    }

    pub async fn set_inbound_outcome(
        &self,
        inbound_id: &str,
        outcome: &str,
        detail: &str,
        offer_id: Option<&str>,
    ) -> StoreResult<()> {
        self.with_retry(|| async {
            let q = query(cypher::INBOUND_SMS_OUTCOME)
                .param("inbound_id", inbound_id)
                .param("outcome", outcome)
                .param("detail", detail)
                .param("offer_id", offer_id.map(str::to_string));
            self.fetch_column::<String>(q, "inbound_id")
                .await
                .map(|_| ())
        })
        .await
    }

    pub async fn payment_orders_page(&self, after: &str, limit: i64) -> StoreResult<Vec<Value>> {
        self.fetch_column::<Value>(
            query(cypher::PAYMENT_ORDERS_PAGE)
                .param("after", after)
                .param("limit", limit),
            "payment_order",
        )
        .await
    }
}
