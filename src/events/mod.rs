//! Change events for integration partners: the CloudEvents the change statements write to the
//! graph outbox (see `cypher/wellbeing_record.cypher` and the other statements that change what
//! partners care about), the partners' subscriptions to them, and their delivery.
//!
//! Why an outbox in the graph: an event is written by the SAME statement as the change it reports
//! (one transaction), with an id derived from the change, so no change goes unreported, a re-run
//! reports nothing twice (MERGE on the id), and a crash between the change and its report cannot
//! happen. Each event carries a per-subject sequence (`sequence`: the `EventSubject` counter of
//! its family or offer) so subscribers can order what they receive.
//!
//! - [`delivery`]: the worker started by `Application::build`: fans new events out to the
//!   matching subscriptions (one `EventDelivery` each), broadcasts them to the GraphQL
//!   subscriptions of this instance, and delivers by webhook (Standard Webhooks signatures, at
//!   least once, in order per subject per subscription, exponential backoff with jitter, the
//!   subscription disabled after persistent failure), logging every attempt.
//! - [`endpoints`]: what a subscription may name: event types, an outbound URL (http/https, no
//!   credentials, optional host allow-list, private networks refused unless allowed), secrets
//!   (`whsec_…`) and the retry schedule. Pure.
//!
//! The access policy is asked by the API when a subscription is made (its region scope is the
//! one the partner's token allowed, through `api::access::Gate`); the worker only applies the
//! stored scope.

pub mod delivery;
pub mod endpoints;

use serde::Serialize;
use serde_json::{Map, Value};
use std::time::Duration;

/// Every event type the service emits.
pub const EVENT_TYPES: [&str; 5] = [
    "kz.family-card.family.composition-changed",
    "kz.family-card.wellbeing.level-changed",
    "kz.family-card.entitlement.detected",
    "kz.family-card.offer.state-changed",
    "kz.family-card.payment-order.created",
];

/// A change event in the CloudEvents 1.0 JSON format (structured mode), with two extension
/// attributes: `sequence` (per subject, from 1) and `region` (absent: national only).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CloudEvent {
    pub specversion: String,
    pub id: String,
    pub source: String,
    #[serde(rename = "type")]
    pub event_type: String,
    pub subject: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    pub datacontenttype: String,
    pub sequence: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    pub data: Value,
}

impl CloudEvent {
    /// From the properties of a `ChangeEvent` node: envelope attributes as they are, the
    /// `data_*` properties as the data object (without the prefix).
    pub fn from_node(node: &Value) -> Option<CloudEvent> {
        let o = node.as_object()?;
        let s = |k: &str| o.get(k).and_then(Value::as_str).map(str::to_string);
        let mut data = Map::new();
        // A whole JSON document as data (a DCI envelope), kept as text in the graph.
        if let Some(Ok(Value::Object(m))) = o
            .get("data_json")
            .and_then(Value::as_str)
            .map(serde_json::from_str::<Value>)
        {
            data = m;
        }
        for (k, v) in o {
            if k == "data_json" {
                continue;
            }
            if let Some(name) = k.strip_prefix("data_") {
                if !v.is_null() {
                    data.insert(name.to_string(), v.clone());
                }
            }
        }
        Some(CloudEvent {
            specversion: s("specversion").unwrap_or_else(|| "1.0".into()),
            id: s("event_id")?,
            source: s("source")?,
            event_type: s("type")?,
            subject: s("subject")?,
            time: s("time"),
            datacontenttype: s("datacontenttype").unwrap_or_else(|| "application/json".into()),
            sequence: o.get("seq").and_then(Value::as_i64).unwrap_or(0),
            region: s("region"),
            data: Value::Object(data),
        })
    }
}

/// How events are delivered. Production defaults; tests shorten the delays.
#[derive(Debug, Clone)]
pub struct EventSettings {
    /// Start the delivery worker (off for commands that only read).
    pub enabled: bool,
    /// How often the worker looks for new events and due deliveries when idle.
    pub poll_interval: Duration,
    /// The first retry delay; attempt n waits `retry_base × 2^(n-1)` (capped), ± 25 % jitter.
    pub retry_base: Duration,
    /// The longest wait between two attempts.
    pub retry_cap: Duration,
    /// Failed attempts in a row after which the subscription is disabled (its owner re-enables
    /// it; delivery resumes where it stopped).
    pub max_attempts: u32,
    /// Webhook requests in flight at once (over all subscriptions).
    pub concurrency: usize,
    /// How many of a subject's pending deliveries one round sends, one after another, while the
    /// endpoint acknowledges them (a backlog drains in one round, not one event per round).
    pub chain_length: usize,
    /// Per-request timeout of a webhook call.
    pub request_timeout: Duration,
    /// When set, endpoint hosts must be in this list (exact host names or IP literals).
    pub allowed_hosts: Option<Vec<String>>,
    /// Allow endpoints on loopback, private and link-local addresses (tests, local receivers).
    pub allow_private_networks: bool,
    /// How long a rotated-out secret still signs deliveries.
    pub rotation_grace: Duration,
}

impl Default for EventSettings {
    fn default() -> Self {
        EventSettings {
            enabled: true,
            poll_interval: Duration::from_secs(1),
            retry_base: Duration::from_secs(30),
            retry_cap: Duration::from_secs(6 * 3600),
            max_attempts: 20,
            concurrency: 16,
            chain_length: 20,
            request_timeout: Duration::from_secs(10),
            allowed_hosts: None,
            allow_private_networks: false,
            rotation_grace: Duration::from_secs(24 * 3600),
        }
    }
}

/// The broadcast of fanned-out events to this instance's GraphQL subscriptions.
#[derive(Clone)]
pub struct EventHub {
    tx: tokio::sync::broadcast::Sender<std::sync::Arc<CloudEvent>>,
}

impl Default for EventHub {
    fn default() -> Self {
        let (tx, _) = tokio::sync::broadcast::channel(4096);
        EventHub { tx }
    }
}

impl EventHub {
    pub fn publish(&self, e: CloudEvent) {
        let _ = self.tx.send(std::sync::Arc::new(e));
    }
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<std::sync::Arc<CloudEvent>> {
        self.tx.subscribe()
    }
}

/// RFC 3339 in UTC with microseconds: one fixed width, so stored times compare lexically.
pub fn ts(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_event_node_becomes_a_cloudevent() {
        let node = json!({
            "event_id": "wellbeing-level:F/2026-01-01:C", "specversion": "1.0",
            "type": "kz.family-card.wellbeing.level-changed", "source": "/family-card/wellbeing",
            "subject": "F", "time": "2026-01-01T00:00:00Z", "datacontenttype": "application/json",
            "region": "75", "status": "NEW", "seq": 2, "data_level": "C", "data_previous_level": null,
        });
        let e = CloudEvent::from_node(&node).unwrap();
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["type"], "kz.family-card.wellbeing.level-changed");
        assert_eq!(v["sequence"], 2);
        assert_eq!(v["data"], json!({"level": "C"}));
        assert!(v.get("status").is_none());
    }
}
