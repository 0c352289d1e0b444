//! The delivery worker (one per instance, started by `Application::build`).
//!
//! The loop: (1) fan-out — new `ChangeEvent`s become one `EventDelivery` per matching
//! subscription (active or disabled: a disabled endpoint misses nothing) and are broadcast to
//! this instance's GraphQL subscriptions; (2) delivery — every active subscription's rounds run
//! on a task of their own, at most one round per subscription at a time, so one subscription's
//! backlog, slow endpoint or failures never hold back another's deliveries (webhook requests in
//! flight are bounded over all of them: `concurrency`). A subscription's round takes per subject
//! the pending delivery with the lowest sequence and, each time the endpoint acknowledges, the
//! next one of the same subject (up to `chain_length`), so a healthy endpoint receives a
//! subject's backlog in one round, strictly in order; a failure ends that subject's chain and
//! holds back only its own subject. The due-query reads pending deliveries only (the indexed
//! `pending_for`), never the delivered history. A delivery is a `POST` of
//! the CloudEvent (`application/cloudevents+json`) signed per Standard Webhooks: `webhook-id`
//! (the event id, the same on every retry: receivers deduplicate on it), `webhook-timestamp`,
//! `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">` with one signature per
//! valid secret (rotation). Any 2xx acknowledges; the delivery is then marked delivered (before
//! the next of its subject is sent) and never sent again. Anything else (status, timeout, refused
//! connection, refused address) is logged
//! and retried after [`super::endpoints::retry_delay`]; after `max_attempts` failures in a row
//! the subscription is disabled until its owner re-enables it. At least once: a crash between
//! the receiver's acknowledgement and our record re-sends the same `webhook-id`.

use super::endpoints::{check_address, retry_delay};
use super::{ts, CloudEvent, EventHub, EventSettings};
use crate::store::{AttemptRecord, DueChain, Store, StoreResult};
use futures::StreamExt;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

/// A subscription as the worker reads it.
#[derive(Debug, Clone)]
pub struct Subscription {
    pub id: String,
    pub partner_id: String,
    pub types: Vec<String>,
    /// `None`: every region and events without one (a national partner); else that region only.
    pub region: Option<String>,
    pub url: String,
    pub active: bool,
    /// The secrets that sign a delivery now (current first, then a rotated-out one in grace).
    pub signing_secrets: Vec<String>,
}

impl Subscription {
    pub fn from_node(v: &Value, now: &str) -> Option<Subscription> {
        let s = |k: &str| v[k].as_str().map(str::to_string);
        let mut secrets = vec![s("secret")?];
        if let (Some(p), Some(until)) = (s("previous_secret"), s("previous_secret_until")) {
            if until.as_str() > now {
                secrets.push(p);
            }
        }
        Some(Subscription {
            id: s("subscription_id")?,
            partner_id: s("partner_id")?,
            types: v["event_types"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|t| t.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
            region: s("region").filter(|r| r != "*"),
            url: s("url")?,
            active: v["status"].as_str() == Some("ACTIVE"),
            signing_secrets: secrets,
        })
    }

    /// Whether the subscription receives `e` (its type, and its region scope).
    pub fn wants(&self, e: &CloudEvent) -> bool {
        self.types.contains(&e.event_type)
            && match &self.region {
                None => true,
                Some(r) => e.region.as_deref() == Some(r.as_str()),
            }
    }
}

/// The body partners receive: the CloudEvent with identifiers masked in every string (partners
/// never see full identifiers; the events carry none by design, this is the second line).
pub fn partner_body(e: &CloudEvent) -> Vec<u8> {
    let mut v = serde_json::to_value(e).unwrap_or(Value::Null);
    crate::api::access::for_each_string(&mut v, &mut |s| {
        if let Some(m) = crate::api::access::mask_identifiers(s) {
            *s = m;
        }
    });
    serde_json::to_vec(&v).unwrap_or_default()
}

/// The `webhook-signature` header value for a body: `v1,<sig>` per secret, space-separated.
pub fn signature_header(secrets: &[String], id: &str, timestamp: i64, body: &[u8]) -> String {
    secrets
        .iter()
        .filter_map(|s| crate::api::webhook::decode_secret(s).ok())
        .map(|k| format!("v1,{}", crate::api::webhook::sign(&k, id, timestamp, body)))
        .collect::<Vec<_>>()
        .join(" ")
}

pub struct Worker {
    store: Store,
    settings: Arc<EventSettings>,
    hub: EventHub,
    client: reqwest::Client,
    /// Webhook requests in flight over every subscription (`concurrency`).
    requests: tokio::sync::Semaphore,
}

/// Starts the worker on the current runtime.
pub fn spawn(
    store: Store,
    settings: Arc<EventSettings>,
    hub: EventHub,
) -> tokio::task::JoinHandle<()> {
    let w = Arc::new(Worker::new(store, settings, hub));
    tokio::spawn(async move { w.run().await })
}

fn jitter() -> f64 {
    let b = crate::secret::random_bytes::<2>();
    0.75 + 0.5 * (u16::from_le_bytes(b) as f64 / u16::MAX as f64)
}

/// Subjects one subscription round takes up (each with its chain).
const SUBJECTS_PER_ROUND: i64 = 100;

impl Worker {
    pub fn new(store: Store, settings: Arc<EventSettings>, hub: EventHub) -> Worker {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(settings.request_timeout)
            .user_agent("family-card-webhooks/1")
            .build()
            .unwrap_or_default();
        Worker {
            requests: tokio::sync::Semaphore::new(settings.concurrency.max(1)),
            store,
            settings,
            hub,
            client,
        }
    }

    /// The worker's loop: fan-out, and every active subscription's rounds on a task of its own,
    /// so a subscription with a backlog, a slow endpoint (timeouts) or failures holds back no
    /// other. A subscription has at most one round running (its subjects stay in order); its
    /// next round starts when the loop sees the last one finished: at once when it did
    /// something, else after `poll_interval`.
    async fn run(self: Arc<Self>) {
        let mut running: HashMap<String, tokio::task::JoinHandle<StoreResult<usize>>> =
            HashMap::new();
        let worked = Arc::new(tokio::sync::Notify::new());
        loop {
            let mut busy = false;
            let finished: Vec<String> = running
                .iter()
                .filter(|(_, h)| h.is_finished())
                .map(|(id, _)| id.clone())
                .collect();
            for id in finished {
                let Some(h) = running.remove(&id) else {
                    continue;
                };
                match h.await {
                    Ok(Ok(n)) => busy |= n > 0,
                    Ok(Err(e)) => {
                        tracing::warn!(subscription = %id, error = %e, "event delivery round failed; retrying")
                    }
                    Err(e) => {
                        tracing::warn!(subscription = %id, error = %e, "event delivery round ended abnormally")
                    }
                }
            }
            match self.subscriptions_and_fan_out().await {
                Ok((subs, fanned)) => {
                    busy |= fanned > 0;
                    for s in subs.into_iter().filter(|s| s.active) {
                        if running.contains_key(&s.id) {
                            continue;
                        }
                        let (w, worked) = (self.clone(), worked.clone());
                        let id = s.id.clone();
                        running.insert(
                            id,
                            tokio::spawn(async move {
                                let r = w.deliver_subscription(&s).await;
                                if matches!(r, Ok(n) if n > 0) {
                                    worked.notify_one();
                                }
                                r
                            }),
                        );
                    }
                }
                Err(e) => tracing::warn!(error = %e, "event fan-out failed; retrying"),
            }
            if !busy {
                tokio::select! {
                    _ = tokio::time::sleep(self.settings.poll_interval) => {}
                    _ = worked.notified() => {}
                }
            }
        }
    }

    /// One whole round, waiting for every part: fan-out, then one delivery round of every active
    /// subscription; returns how much it did (fanned-out events + attempted deliveries).
    pub async fn round(&self) -> StoreResult<usize> {
        let (subs, fanned) = self.subscriptions_and_fan_out().await?;
        let active: Vec<Subscription> = subs.into_iter().filter(|s| s.active).collect();
        Ok(fanned + self.deliver_to(&active).await?)
    }

    /// Every subscription (active or disabled), after fanning new events out to them. The events
    /// are read BEFORE the subscriptions are listed: a subscription made before an event was
    /// written is then always in the list that event is fanned out to (listing first, a slow
    /// round could fan out an event written after the listing without a subscription made in
    /// between, which would never get it).
    async fn subscriptions_and_fan_out(&self) -> StoreResult<(Vec<Subscription>, usize)> {
        let nodes = self.store.new_events(500).await?;
        let now = ts(chrono::Utc::now());
        let subs: Vec<Subscription> = self
            .store
            .subscriptions(None)
            .await?
            .iter()
            .filter_map(|v| Subscription::from_node(v, &now))
            .collect();
        let fanned = self.fan_out(&nodes, &subs, &now).await?;
        Ok((subs, fanned))
    }

    async fn fan_out(
        &self,
        nodes: &[Value],
        subs: &[Subscription],
        now: &str,
    ) -> StoreResult<usize> {
        let events: Vec<CloudEvent> = nodes.iter().filter_map(CloudEvent::from_node).collect();
        let rows: Vec<Value> = events
            .iter()
            .map(|e| {
                let ids: Vec<&str> = subs
                    .iter()
                    .filter(|s| s.wants(e))
                    .map(|s| s.id.as_str())
                    .collect();
                json!({"event_id": e.id, "subscription_ids": ids})
            })
            .collect();
        self.store.fan_out_events(&Value::Array(rows), now).await?;
        let n = events.len();
        for e in events {
            self.hub.publish(e);
        }
        Ok(n)
    }

    /// One delivery round of each of `subs` (whatever their stored status: the caller chose
    /// them), the subscriptions side by side; returns the attempts made.
    pub async fn deliver_to(&self, subs: &[Subscription]) -> StoreResult<usize> {
        let results: Vec<StoreResult<usize>> = futures::stream::iter(subs)
            .map(|s| self.deliver_subscription(s))
            .buffer_unordered(self.settings.concurrency.max(1))
            .collect()
            .await;
        results.into_iter().sum()
    }

    /// One delivery round of one subscription: its due chains (one per subject, at most
    /// [`SUBJECTS_PER_ROUND`]) side by side; within a chain, each delivery is sent only after the
    /// one before it was acknowledged and recorded as delivered; the first failure ends the
    /// chain (that delivery is retried after its backoff). Returns the attempts made.
    pub async fn deliver_subscription(&self, s: &Subscription) -> StoreResult<usize> {
        let now = ts(chrono::Utc::now());
        let chains = self
            .store
            .deliveries_due(
                &s.id,
                &now,
                SUBJECTS_PER_ROUND,
                self.settings.chain_length.max(1) as i64,
            )
            .await?;
        let results: Vec<StoreResult<usize>> = futures::stream::iter(chains)
            .map(|c| self.deliver_chain(s, c))
            .buffer_unordered(self.settings.concurrency.max(1))
            .collect()
            .await;
        results.into_iter().sum()
    }

    async fn deliver_chain(&self, s: &Subscription, chain: DueChain) -> StoreResult<usize> {
        let mut attempts = 0;
        for (d, e) in chain.deliveries {
            let Some(e) = CloudEvent::from_node(&e) else {
                break;
            };
            attempts += 1;
            if !self.attempt(s, d, e).await? {
                break;
            }
        }
        Ok(attempts)
    }

    /// One attempt of one delivery, recorded; disables the subscription after persistent failure.
    /// `true` when the endpoint acknowledged it and it was recorded as delivered.
    async fn attempt(&self, s: &Subscription, d: Value, e: CloudEvent) -> StoreResult<bool> {
        let delivery_id = d["delivery_id"].as_str().unwrap_or_default().to_string();
        let failed_before = d["attempts"].as_i64().unwrap_or(0).max(0) as u32;
        // The semaphore is never closed: `acquire` only waits for a free slot.
        let slot = self.requests.acquire().await.ok();
        let started = Instant::now();
        let outcome = self.post(s, &e).await;
        drop(slot);
        let latency_ms = started.elapsed().as_millis() as i64;
        let at = chrono::Utc::now();
        let (status_code, error) = match &outcome {
            Ok(code) if (200..300).contains(code) => (Some(*code as i64), None),
            Ok(code) => (Some(*code as i64), Some(format!("HTTP {code}"))),
            Err(why) => (None, Some(why.clone())),
        };
        let ok = error.is_none();
        let failures = failed_before + 1;
        let give_up = !ok && failures.is_multiple_of(self.settings.max_attempts.max(1));
        let next = if ok || give_up {
            // A disabled subscription's delivery is due again as soon as it is re-enabled.
            at
        } else {
            at + chrono::Duration::from_std(retry_delay(failures, &self.settings, jitter()))
                .unwrap_or_else(|_| chrono::Duration::hours(1))
        };
        let record = AttemptRecord {
            delivery_id,
            attempt_id: crate::secret::random_hex::<12>(),
            at: ts(at),
            status: if ok { "DELIVERED" } else { "PENDING" },
            next_attempt_at: (!ok).then(|| ts(next)),
            status_code,
            latency_ms,
            error: error.clone(),
            delivered_at: ok.then(|| ts(at)),
        };
        let recorded = self.store.record_delivery_attempt(&record).await?;
        if give_up {
            tracing::warn!(subscription = %s.id, failures, "endpoint failing persistently; subscription disabled");
            self.store
                .update_subscription(
                    &s.id,
                    &s.partner_id,
                    &json!({
                        "status": "DISABLED",
                        "disabled_at": ts(at),
                        "disabled_reason": format!(
                            "{failures} failed deliveries in a row (last: {})",
                            error.unwrap_or_default()
                        ),
                    }),
                )
                .await?;
        }
        Ok(ok && recorded)
    }

    /// Sends one signed delivery; the status code, or why nothing was answered.
    async fn post(&self, s: &Subscription, e: &CloudEvent) -> Result<u16, String> {
        let url = reqwest::Url::parse(&s.url).map_err(|e| format!("bad URL: {e}"))?;
        let host = url.host_str().unwrap_or_default().to_string();
        let port = url.port_or_known_default().unwrap_or(443);
        let addrs = tokio::net::lookup_host((host.trim_matches(['[', ']']), port))
            .await
            .map_err(|e| format!("name resolution failed: {e}"))?;
        for a in addrs {
            check_address(a.ip(), &self.settings)?;
        }
        let body = partner_body(e);
        let timestamp = chrono::Utc::now().timestamp();
        let sig = signature_header(&s.signing_secrets, &e.id, timestamp, &body);
        let r = self
            .client
            .post(url)
            .header("content-type", "application/cloudevents+json")
            .header("webhook-id", e.id.as_str())
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", sig)
            .body(body)
            .send()
            .await
            .map_err(|e| {
                if e.is_timeout() {
                    "timeout".to_string()
                } else if e.is_connect() {
                    "connection failed".to_string()
                } else {
                    e.without_url().to_string()
                }
            })?;
        Ok(r.status().as_u16())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Standard Webhooks specification's test vector (github.com/standard-webhooks,
    /// `spec/standard-webhooks.md` and the reference libraries' tests).
    #[test]
    fn signatures_match_the_standard_webhooks_test_vector() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_string();
        let id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
        let timestamp = 1614265330;
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            signature_header(&[secret], id, timestamp, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn subscriptions_filter_by_type_and_region() {
        let now = "2026-01-01T00:00:00.000000Z";
        let node = json!({
            "subscription_id": "s", "partner_id": "p", "url": "http://x/", "status": "ACTIVE",
            "event_types": ["kz.family-card.offer.state-changed"], "region": "75",
            "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "previous_secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "previous_secret_until": "2025-01-01T00:00:00.000000Z",
        });
        let s = Subscription::from_node(&node, now).unwrap();
        assert_eq!(s.signing_secrets.len(), 1, "the old secret's grace is over");
        let mut e = CloudEvent::from_node(&json!({
            "event_id": "e", "source": "/x", "type": "kz.family-card.offer.state-changed",
            "subject": "OF-1", "region": "75", "seq": 1
        }))
        .unwrap();
        assert!(s.wants(&e));
        e.region = Some("71".into());
        assert!(!s.wants(&e));
        e.region = None;
        assert!(
            !s.wants(&e),
            "a regional partner gets no event without a region"
        );
        e.event_type = "kz.family-card.wellbeing.level-changed".into();
        e.region = Some("75".into());
        assert!(!s.wants(&e));
    }
}
