//! Change events end to end: real database, the service's own delivery worker, local webhook
//! receivers (axum on port 0) and a real WebSocket client. A change (a campaign and an operator's
//! answer to an offer, a detected entitlement) produces one event per subscriber, signed per
//! Standard Webhooks (verified here with an independent HMAC), delivered in order after the
//! receiver was down, never twice once acknowledged; a persistently failing endpoint is disabled
//! and re-enabled by its owner; another partner sees nothing of it.

use crate::helpers::*;
use crate::proactive::{applicant_with_entitlement, campaign, one_at_a_time, TestGateway};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use base64::Engine;
use chrono::Utc;
use futures::{SinkExt, StreamExt};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const OFFER_TYPES: [&str; 2] = [
    "kz.family-card.offer.state-changed",
    "kz.family-card.payment-order.created",
];
const ENTITLEMENT: &str = "kz.family-card.entitlement.detected";

/// One webhook request as received.
#[derive(Clone, Debug)]
pub(crate) struct Received {
    pub(crate) id: String,
    pub(crate) timestamp: String,
    pub(crate) signature: String,
    pub(crate) content_type: String,
    pub(crate) body: Vec<u8>,
    pub(crate) event: Value,
}

/// A local webhook receiver that answers `status` (200 by default) and keeps every request.
#[derive(Clone)]
pub(crate) struct Receiver {
    log: Arc<Mutex<Vec<Received>>>,
    status: Arc<Mutex<u16>>,
}

impl Receiver {
    pub(crate) fn new() -> Receiver {
        Receiver {
            log: Arc::default(),
            status: Arc::new(Mutex::new(200)),
        }
    }

    async fn serve(&self, listener: tokio::net::TcpListener) {
        let app = Router::new()
            .route("/hook", post(receive))
            .with_state(self.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
    }

    pub(crate) async fn start() -> (Receiver, String) {
        let r = Receiver::new();
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", l.local_addr().unwrap());
        r.serve(l).await;
        (r, url)
    }

    fn answer(&self, status: u16) {
        *self.status.lock().unwrap() = status;
    }

    /// Acknowledged requests (the receiver answered 2xx) about `subject`.
    fn about(&self, subject: &str) -> Vec<Received> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.event["subject"] == subject)
            .cloned()
            .collect()
    }

    pub(crate) fn all(&self) -> Vec<Received> {
        self.log.lock().unwrap().clone()
    }
}

async fn receive(State(r): State<Receiver>, h: HeaderMap, body: Bytes) -> StatusCode {
    let status = *r.status.lock().unwrap();
    if status >= 300 {
        return StatusCode::from_u16(status).unwrap();
    }
    let s = |k: &str| {
        h.get(k)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    r.log.lock().unwrap().push(Received {
        id: s("webhook-id"),
        timestamp: s("webhook-timestamp"),
        signature: s("webhook-signature"),
        content_type: s("content-type"),
        event: serde_json::from_slice(&body).unwrap_or(Value::Null),
        body: body.to_vec(),
    });
    StatusCode::NO_CONTENT
}

/// Standard Webhooks verification written out independently of the service's code.
pub(crate) fn verify(secret: &str, r: &Received) {
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix("whsec_").expect("whsec_ secret"))
        .unwrap();
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.", r.id, r.timestamp).as_bytes());
    mac.update(&r.body);
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    assert!(
        r.signature
            .split(' ')
            .any(|s| s.strip_prefix("v1,") == Some(expected.as_str())),
        "signature {} does not verify",
        r.signature
    );
    let ts: i64 = r.timestamp.parse().unwrap();
    assert!((Utc::now().timestamp() - ts).abs() < 300);
    assert_eq!(r.content_type, "application/cloudevents+json");
    assert_eq!(r.event["specversion"], "1.0");
    assert_eq!(r.event["id"], r.id, "webhook-id is the CloudEvent id");
}

pub(crate) async fn until(what: &str, secs: u64, mut f: impl FnMut() -> bool) {
    let t = Instant::now();
    while !f() {
        assert!(
            t.elapsed() < Duration::from_secs(secs),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub(crate) fn partner(pid: &str, region: &str) -> String {
    token_with("partner", region, &format!("sub-{pid}"), None, Some(pid))
}

const CREATE: &str = "mutation($input: EventSubscriptionInput!) { createEventSubscription(input: $input) { secret subscription { subscriptionId status region eventTypes url } } }";

/// Creates a subscription; `(id, secret)`.
pub(crate) async fn subscribe(
    token: &str,
    url: &str,
    types: &[&str],
    region: Option<&str>,
) -> (String, String) {
    let b = gql_as(
        CREATE,
        json!({"input": {"eventTypes": types, "url": url, "region": region}}),
        token,
    )
    .await;
    let c = &b["data"]["createEventSubscription"];
    assert_eq!(c["subscription"]["status"], "ACTIVE", "{b}");
    (
        c["subscription"]["subscriptionId"].as_str().unwrap().into(),
        c["secret"].as_str().unwrap().into(),
    )
}

async fn delete(token: &str, id: &str) -> Value {
    gql_as(
        "mutation($id: String!) { deleteEventSubscription(subscriptionId: $id) }",
        json!({"id": id}),
        token,
    )
    .await
}

async fn deliveries(token: &str, id: &str) -> Value {
    gql_as(
        "query($id: String!) { eventDeliveries(subscriptionId: $id, first: 100) { eventId attempt outcome statusCode latencyMs error } }",
        json!({"id": id}),
        token,
    )
    .await
}

async fn status_of(token: &str, id: &str) -> Value {
    let b = gql_as(
        "{ eventSubscriptions { subscriptionId status disabledReason } }",
        json!({}),
        token,
    )
    .await;
    b["data"]["eventSubscriptions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["subscriptionId"] == id)
        .cloned()
        .unwrap_or(Value::Null)
}

#[test]
fn an_offer_change_reaches_every_subscriber_once_signed_and_in_order_after_an_outage() {
    let _turn = one_at_a_time();
    run(async {
        // Receiver A is down: its port is reserved, nothing listens yet.
        let reserved = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = reserved.local_addr().unwrap().port();
        drop(reserved);
        let url_a = format!("http://127.0.0.1:{port}/hook");
        let a = Receiver::new();
        let (b, url_b) = Receiver::start().await;
        let (c, url_c) = Receiver::start().await;
        let (ta, tb, tc) = (
            partner("bank-a", "*"),
            partner("bank-b", "*"),
            partner("bank-c", "ALMATY"),
        );
        let (sa, secret_a) = subscribe(&ta, &url_a, &OFFER_TYPES, None).await;
        let (sb, secret_b) = subscribe(&tb, &url_b, &OFFER_TYPES, None).await;
        let (sc, _) = subscribe(&tc, &url_c, &OFFER_TYPES, None).await;
        assert_eq!(
            status_of(&tc, &sc).await["subscriptionId"],
            sc,
            "a regional partner's subscription is kept in its region"
        );

        // The change: a campaign offers an entitlement, an operator records the consent.
        let (_gw, gw_url) = TestGateway::start().await;
        let applicant = applicant_with_entitlement(true).await;
        campaign(&gw_url, Utc::now()).await;
        let offer_id = app().store.offers_by_phone(&applicant.phone).await.unwrap()[0]["offer_id"]
            .as_str()
            .unwrap()
            .to_string();
        let consent = gql_operator(
            "mutation($id: String!) { consentOffer(offerId: $id) { state } }",
            json!({"id": offer_id}),
        )
        .await;
        assert!(consent["errors"].is_null(), "{consent}");
        let offer = app().store.offer(&offer_id).await.unwrap().unwrap();
        let expected = 1
            + offer["transitions"].as_array().unwrap().len()
            + offer["payment_orders"].as_array().unwrap().len();
        assert!(expected >= 3, "{offer}");

        until("B receives every event of the offer", 30, || {
            b.about(&offer_id).len() >= expected
        })
        .await;
        // A was down meanwhile: its attempts failed and were logged.
        tokio::time::sleep(Duration::from_millis(800)).await;
        let log = deliveries(&ta, &sa).await;
        let attempts = log["data"]["eventDeliveries"].as_array().unwrap().clone();
        assert!(
            attempts
                .iter()
                .any(|x| x["outcome"] == "PENDING" && x["error"] == "connection failed"),
            "{log}"
        );
        // A comes back on the same port and gets everything.
        a.serve(
            tokio::net::TcpListener::bind(("127.0.0.1", port))
                .await
                .unwrap(),
        )
        .await;
        until(
            "A receives every event of the offer after its outage",
            30,
            || a.about(&offer_id).len() >= expected,
        )
        .await;
        // Settle, then check nothing arrives twice.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        for (r, secret) in [(&a, &secret_a), (&b, &secret_b)] {
            let got = r.about(&offer_id);
            assert_eq!(got.len(), expected, "one delivery per event per subscriber");
            let seqs: Vec<i64> = got
                .iter()
                .map(|x| x.event["sequence"].as_i64().unwrap())
                .collect();
            assert_eq!(
                seqs,
                (1..=expected as i64).collect::<Vec<_>>(),
                "in order per subject"
            );
            for x in &got {
                verify(secret, x);
            }
            let mut ids: Vec<String> = r.all().into_iter().map(|x| x.id).collect();
            let n = ids.len();
            ids.sort();
            ids.dedup();
            assert_eq!(ids.len(), n, "never delivered twice once acknowledged");
        }
        let first = &a.about(&offer_id)[0].event;
        assert_eq!(first["type"], "kz.family-card.offer.state-changed");
        assert_eq!(first["data"]["state"], "DETECTED");
        assert_eq!(first["subject"], offer_id);
        let types: Vec<String> = a
            .about(&offer_id)
            .iter()
            .map(|x| x.event["type"].as_str().unwrap().to_string())
            .collect();
        if !offer["payment_orders"].as_array().unwrap().is_empty() {
            assert!(types
                .iter()
                .any(|t| t == "kz.family-card.payment-order.created"));
        }
        // Identifiers never travel in full to partners.
        for x in a.about(&offer_id) {
            let mut found = std::collections::BTreeSet::new();
            family_card::api::access::full_iins_in(&String::from_utf8_lossy(&x.body), &mut found);
            assert!(found.is_empty());
        }
        let log = deliveries(&ta, &sa).await;
        assert!(log["data"]["eventDeliveries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["outcome"] == "DELIVERED" && x["statusCode"] == 204));

        // Partner C (another region) received nothing of it and sees nothing of the others.
        assert!(c.about(&offer_id).is_empty());
        let theirs = gql_as("{ eventSubscriptions { subscriptionId } }", json!({}), &tc).await;
        assert_eq!(
            theirs["data"]["eventSubscriptions"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        for q in [deliveries(&tc, &sa).await, delete(&tc, &sa).await] {
            assert_eq!(error_code(&q).as_deref(), Some("NOT_FOUND"), "{q}");
        }
        // A regional partner cannot subscribe to another region; operators not at all.
        let other = gql_as(
            CREATE,
            json!({"input": {"eventTypes": OFFER_TYPES, "url": url_c, "region": "ASTANA"}}),
            &tc,
        )
        .await;
        assert_eq!(error_code(&other).as_deref(), Some("FORBIDDEN"), "{other}");
        let op = gql_operator(
            CREATE,
            json!({"input": {"eventTypes": OFFER_TYPES, "url": url_c}}),
        )
        .await;
        assert_eq!(error_code(&op).as_deref(), Some("FORBIDDEN"), "{op}");

        for (t, s) in [(&ta, &sa), (&tb, &sb), (&tc, &sc)] {
            assert_eq!(delete(t, s).await["data"]["deleteEventSubscription"], true);
        }
    });
}

/// Waits (bounded) until the service's own worker fanned `n` deliveries out to `subscription`.
async fn until_pending(subscription: &str, n: i64) {
    let t = Instant::now();
    loop {
        let pending = app().store.pending_deliveries(subscription).await.unwrap();
        if pending == n {
            return;
        }
        assert!(
            t.elapsed() < Duration::from_secs(60),
            "fan-out to {subscription}: {pending} of {n} deliveries"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The sequences a receiver acknowledged for `subject`, in arrival order.
fn sequences(r: &Receiver, subject: &str) -> Vec<i64> {
    r.about(subject)
        .iter()
        .map(|x| x.event["sequence"].as_i64().unwrap())
        .collect()
}

/// Rounds, not seconds: a healthy endpoint with a backlog of 25 events on one subject and 3 on
/// another, beside a dead endpoint with the same backlog, gets one chain per subject in ONE
/// delivery round (20 = `chain_length`, then the 5 left in the second), in order and exactly
/// once; the dead endpoint's chains stop at their heads (one attempt each, the rest untouched)
/// and hold nothing back. The two subscriptions are stored DISABLED so that the service's own
/// worker only fans out to them (as it does for disabled ones) and the rounds driven here are the
/// only ones delivering.
#[test]
fn a_backlog_drains_in_one_round_per_chain_beside_a_dead_endpoint() {
    run(async {
        let store = &app().store;
        let settings = app().ctx.events.clone();
        let chain = settings.chain_length;
        assert_eq!(chain, 20, "the default chain length");
        let tag = family_card::secret::random_hex::<4>();
        let (healthy, healthy_url) = Receiver::start().await;
        let reserved = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let dead_url = format!("http://{}/hook", reserved.local_addr().unwrap());
        drop(reserved);
        let kind = "kz.family-card.wellbeing.level-changed";
        let now = family_card::events::ts(Utc::now());
        let partner_id = format!("backlog-{tag}");
        let mut ids = vec![];
        let mut secrets = vec![];
        for (name, url) in [("healthy", &healthy_url), ("dead", &dead_url)] {
            let id = format!("sub_backlog_{name}_{tag}");
            let secret = family_card::events::endpoints::new_secret();
            store
                .create_subscription(
                    &id,
                    &json!({"subscription_id": id, "partner_id": partner_id, "event_types": [kind],
                            "region": "*", "url": url, "status": "DISABLED", "secret": secret,
                            "created_at": now, "updated_at": now}),
                )
                .await
                .unwrap();
            ids.push(id);
            secrets.push(secret);
        }
        let (long, short) = (
            format!("backlog-{tag}-long"),
            format!("backlog-{tag}-short"),
        );
        let rows: Vec<Value> = (1..=25)
            .map(|seq| (long.as_str(), seq))
            .chain((1..=3).map(|seq| (short.as_str(), seq)))
            .map(|(subject, seq)| {
                json!({"event_id": format!("{subject}:{seq:03}"), "specversion": "1.0", "type": kind,
                       "source": "/family-card/test", "subject": subject, "time": now,
                       "datacontenttype": "application/json", "status": "NEW", "seq": seq,
                       "data_level": "C"})
            })
            .collect();
        store.bench_seed_events(&Value::Array(rows)).await.unwrap();
        for id in &ids {
            until_pending(id, 28).await;
        }
        let subs: Vec<family_card::events::delivery::Subscription> = store
            .subscriptions(Some(&partner_id))
            .await
            .unwrap()
            .iter()
            .filter_map(|v| family_card::events::delivery::Subscription::from_node(v, &now))
            .collect();
        assert_eq!(subs.len(), 2);
        let worker = family_card::events::delivery::Worker::new(
            store.clone(),
            settings,
            family_card::events::EventHub::default(),
        );

        // Round 1: the healthy endpoint gets a whole chain of each subject; the dead one's two
        // heads fail and nothing after them is tried.
        let attempted = worker.deliver_to(&subs).await.unwrap();
        assert_eq!(attempted, chain + 3 + 2);
        assert_eq!(sequences(&healthy, &long), (1..=20).collect::<Vec<_>>());
        assert_eq!(sequences(&healthy, &short), vec![1, 2, 3]);
        assert_eq!(store.pending_deliveries(&ids[0]).await.unwrap(), 5);
        assert_eq!(store.pending_deliveries(&ids[1]).await.unwrap(), 28);
        let dead_log = store.delivery_log(&ids[1], 100).await.unwrap();
        assert_eq!(dead_log.len(), 2, "one attempt per head: {dead_log:?}");
        assert!(dead_log
            .iter()
            .all(|a| a["outcome"] == "PENDING" && a["error"] == "connection failed"));

        // Round 2: the rest of the long subject; the healthy endpoint has nothing pending.
        worker.deliver_to(&subs).await.unwrap();
        assert_eq!(sequences(&healthy, &long), (1..=25).collect::<Vec<_>>());
        assert_eq!(store.pending_deliveries(&ids[0]).await.unwrap(), 0);
        assert_eq!(store.pending_deliveries(&ids[1]).await.unwrap(), 28);

        // Round 3 sends the healthy endpoint nothing again: exactly once, each signed.
        worker.deliver_to(&subs[..1]).await.unwrap();
        let got = healthy.all();
        assert_eq!(got.len(), 28);
        let mut seen: Vec<&str> = got.iter().map(|x| x.id.as_str()).collect();
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 28, "never delivered twice once acknowledged");
        for x in &got {
            verify(&secrets[0], x);
        }
        for id in &ids {
            assert!(store.delete_subscription(id, &partner_id).await.unwrap());
        }
    });
}

#[test]
fn a_persistently_failing_endpoint_is_disabled_and_its_owner_re_enables_it() {
    let _turn = one_at_a_time();
    run(async {
        let (r, url) = Receiver::start().await;
        r.answer(500);
        let t = partner("bank-d", "*");
        let (sid, secret) = subscribe(&t, &url, &[ENTITLEMENT], None).await;
        let applicant = applicant_with_entitlement(true).await;
        let t0 = Instant::now();
        loop {
            let s = status_of(&t, &sid).await;
            if s["status"] == "DISABLED" {
                assert!(
                    s["disabledReason"]
                        .as_str()
                        .unwrap()
                        .contains("failed deliveries in a row"),
                    "{s}"
                );
                break;
            }
            assert!(
                t0.elapsed() < Duration::from_secs(40),
                "never disabled: {s}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let log = deliveries(&t, &sid).await;
        let failed: Vec<&Value> = log["data"]["eventDeliveries"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| x["statusCode"] == 500)
            .collect();
        assert!(failed.len() >= 6, "{log}");
        assert!(r.all().is_empty());

        // The owner fixes the endpoint and re-enables: delivery resumes with what was held.
        r.answer(200);
        let en = gql_as(
            "mutation($id: String!) { enableEventSubscription(subscriptionId: $id) { status } }",
            json!({"id": sid}),
            &t,
        )
        .await;
        assert_eq!(
            en["data"]["enableEventSubscription"]["status"], "ACTIVE",
            "{en}"
        );
        until("the held event after re-enabling", 30, || {
            !r.about(&applicant.family_id).is_empty()
        })
        .await;
        let got = r.about(&applicant.family_id);
        assert_eq!(got[0].event["type"], ENTITLEMENT);
        assert_eq!(got[0].event["data"]["benefit"], "child_care_allowance");
        verify(&secret, &got[0]);

        // Rotation: the new secret signs, and the old one still does during the grace period.
        let rot = gql_as(
            "mutation($id: String!) { rotateEventSubscriptionSecret(subscriptionId: $id) { secret subscription { previousSecretValidUntil } } }",
            json!({"id": sid}),
            &t,
        )
        .await;
        let new_secret = rot["data"]["rotateEventSubscriptionSecret"]["secret"]
            .as_str()
            .unwrap()
            .to_string();
        assert_ne!(new_secret, secret);
        let before = r.all().len();
        let again = applicant_with_entitlement(true).await;
        until("an event after the rotation", 30, || {
            !r.about(&again.family_id).is_empty()
        })
        .await;
        let x = &r.about(&again.family_id)[0];
        verify(&new_secret, x);
        verify(&secret, x);
        assert!(r.all().len() > before);
        assert_eq!(
            delete(&t, &sid).await["data"]["deleteEventSubscription"],
            true
        );
    });
}

#[test]
fn subscriptions_refuse_bad_endpoints_and_unknown_types() {
    run(async {
        let t = partner("bank-e", "*");
        for (input, field) in [
            (
                json!({"eventTypes": [ENTITLEMENT], "url": "ftp://x.kz/"}),
                "url",
            ),
            (
                json!({"eventTypes": [ENTITLEMENT], "url": "https://u:p@x.kz/"}),
                "url",
            ),
            (
                json!({"eventTypes": ["kz.nope"], "url": "https://x.kz/"}),
                "eventTypes",
            ),
            (
                json!({"eventTypes": [], "url": "https://x.kz/"}),
                "eventTypes",
            ),
        ] {
            let b = gql_as(CREATE, json!({"input": input}), &t).await;
            assert_eq!(error_code(&b).as_deref(), Some("BAD_USER_INPUT"), "{b}");
            assert_eq!(b["errors"][0]["extensions"]["field"], field);
        }
        // A partner token without a partner id is refused before anything (`api::auth`).
        let anonymous = token_with("partner", "*", "no-pid", None, None);
        let b = gql_as(
            "{ eventSubscriptions { subscriptionId } }",
            json!({}),
            &anonymous,
        )
        .await;
        assert_eq!(error_code(&b).as_deref(), Some("UNAUTHENTICATED"));
        // Other roles may not manage subscriptions.
        let b = gql_as(
            "{ eventSubscriptions { subscriptionId } }",
            json!({}),
            &token("analyst", "*"),
        )
        .await;
        assert_eq!(error_code(&b).as_deref(), Some("FORBIDDEN"));
    });
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn ws_connect(token: &str) -> (Ws, Value) {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let url = format!("{}/graphql/ws", app().base_url.replace("http://", "ws://"));
    let mut req = url.into_client_request().unwrap();
    req.headers_mut().insert(
        "sec-websocket-protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    ws.send(tokio_tungstenite::tungstenite::Message::text(
        json!({"type": "connection_init", "payload": {"token": token}}).to_string(),
    ))
    .await
    .unwrap();
    let first = next_json(&mut ws, 10).await;
    (ws, first)
}

/// The next JSON text message (a close frame or the end: `{"closed": …}`).
async fn next_json(ws: &mut Ws, secs: u64) -> Value {
    use tokio_tungstenite::tungstenite::Message;
    loop {
        match tokio::time::timeout(Duration::from_secs(secs), ws.next()).await {
            Err(_) => return json!({"timeout": true}),
            Ok(None) => return json!({"closed": null}),
            Ok(Some(Err(e))) => return json!({"closed": e.to_string()}),
            Ok(Some(Ok(Message::Text(t)))) => return serde_json::from_str(&t).unwrap(),
            Ok(Some(Ok(Message::Close(c)))) => {
                return json!({"closed": c.map(|c| c.reason.to_string())})
            }
            Ok(Some(Ok(_))) => continue,
        }
    }
}

#[test]
fn the_websocket_subscription_streams_events_within_the_policy() {
    run(async {
        let (_, refused) = ws_connect("not-a-token").await;
        assert!(
            refused.get("closed").is_some() || refused["type"] == "connection_error",
            "{refused}"
        );

        let (mut national, ack) = ws_connect(&partner("bank-f", "*")).await;
        assert_eq!(ack["type"], "connection_ack", "{ack}");
        let (mut regional, ack) = ws_connect(&partner("bank-g", "ALMATY")).await;
        assert_eq!(ack["type"], "connection_ack", "{ack}");
        let q = json!({"query": format!("subscription {{ changeEvents(types: [\"{ENTITLEMENT}\"]) {{ id type subject sequence region data }} }}")});
        for ws in [&mut national, &mut regional] {
            ws.send(tokio_tungstenite::tungstenite::Message::text(
                json!({"id": "1", "type": "subscribe", "payload": q}).to_string(),
            ))
            .await
            .unwrap();
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        let applicant = applicant_with_entitlement(true).await;
        let t0 = Instant::now();
        let event = loop {
            let m = next_json(&mut national, 20).await;
            assert_eq!(m["type"], "next", "{m}");
            let e = m["payload"]["data"]["changeEvents"].clone();
            assert_eq!(e["type"], ENTITLEMENT);
            if e["subject"] == applicant.family_id.as_str() {
                break e;
            }
            assert!(t0.elapsed() < Duration::from_secs(30));
        };
        assert_eq!(event["data"]["benefit"], "child_care_allowance");
        assert!(event["sequence"].as_i64().unwrap() >= 1);
        // The regional partner is not shown an event without its region.
        loop {
            let m = next_json(&mut regional, 1).await;
            if m.get("timeout").is_some() {
                break;
            }
            assert_ne!(
                m["payload"]["data"]["changeEvents"]["subject"],
                applicant.family_id.as_str(),
                "{m}"
            );
        }
    });
}

/// A birth changes who a card counts: the next well-being assessment writes one
/// `family.composition-changed` event (members before and after, no IIN), and re-running the
/// recompute writes none. Runs on a database of its own so the sample's cards stay as they are.
#[test]
fn a_birth_changes_the_family_composition_and_writes_one_event() {
    use family_card::jobs::{recompute::recompute_wellbeing, JobOptions};
    run(async {
        let dir = tempfile::tempdir().unwrap();
        let (_db, store) = own_database(&dir.path().join("db")).await;
        let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sample");
        let opts = family_card::ingest::IngestOptions {
            rejects_path: Some(dir.path().join("rejects.ndjson")),
            ..Default::default()
        };
        family_card::ingest::load_dir(&store, &sample, &opts)
            .await
            .unwrap();
        let before: chrono::NaiveDate = "2026-06-15".parse().unwrap();
        let after: chrono::NaiveDate = "2026-08-01".parse().unwrap();
        family_card::family_cards::materialise_family_cards(&store, before)
            .await
            .unwrap();
        let rules = family_card::rules::RuleSet::bundled();
        let recompute = |on| {
            let (store, rules) = (store.clone(), rules.clone());
            async move {
                let opts = JobOptions {
                    restart: true,
                    ..Default::default()
                };
                recompute_wellbeing(&store, &rules.wellbeing, &rules.legal, on, &opts)
                    .await
                    .unwrap()
            }
        };
        recompute(before).await;

        // F01's mother gives birth on 2026-07-01.
        let mother = "880315401029";
        let card = family_card::family_cards::family_of_person(
            &store,
            &family_card::domain::ids::Iin::parse(mother).unwrap(),
            before,
        )
        .await
        .unwrap();
        let family_id = card.composition.family_id.as_str().to_string();
        let (extra, child) = write_f01_birth_extract(dir.path());
        let loaded = family_card::ingest::load_dir(&store, &extra, &opts)
            .await
            .unwrap();
        assert_eq!(loaded.rejected(), 0, "the birth loads");

        let events = |store: family_card::store::Store| {
            let family_id = family_id.clone();
            async move {
                store
                    .bench_read_events("family-composition:", "", 10_000)
                    .await
                    .unwrap()
                    .into_iter()
                    .filter(|e| {
                        e["subject"] == family_id.as_str() && e["data_change"] == "members_changed"
                    })
                    .collect::<Vec<Value>>()
            }
        };
        assert!(events(store.clone()).await.is_empty(), "no change yet");
        recompute(after).await;
        let changed = events(store.clone()).await;
        assert_eq!(
            changed.len(),
            1,
            "one composition event for F01: {changed:?}"
        );
        let e = &changed[0];
        assert_eq!(e["type"], "kz.family-card.family.composition-changed");
        assert_eq!(
            e["data_members"].as_i64().unwrap(),
            e["data_previous_members"].as_i64().unwrap() + 1,
            "one member more: {e}"
        );
        assert!(
            !e.to_string().contains(child.as_str()),
            "no IIN in the event"
        );
        recompute(after).await;
        assert_eq!(events(store.clone()).await.len(), 1, "a re-run adds none");
    });
}

/// GraphQL over WebSocket meets the same pre-parse limits as `POST /graphql`: a nesting bomb is
/// refused as an error of that operation, before the recursive parser sees it, and the connection
/// (and the process) stay up.
#[test]
fn a_nesting_bomb_over_the_websocket_is_refused_and_the_connection_stays_up() {
    run(async {
        let (mut ws, ack) = ws_connect(&partner("bank-h", "*")).await;
        assert_eq!(ack["type"], "connection_ack", "{ack}");
        let bomb = format!(
            "subscription {}{}",
            "{changeEvents ".repeat(700),
            "}".repeat(700)
        );
        assert!(
            bomb.len() < 16 * 1024,
            "under the text limit: the nesting limit refuses it"
        );
        ws.send(tokio_tungstenite::tungstenite::Message::text(
            json!({"id": "1", "type": "subscribe", "payload": {"query": bomb}}).to_string(),
        ))
        .await
        .unwrap();
        let m = next_json(&mut ws, 10).await;
        assert!(m["type"] == "error" || m["type"] == "next", "{m}");
        assert!(
            m.to_string().contains("at most 24 levels"),
            "the refusal names the limit: {m}"
        );
        ws.send(tokio_tungstenite::tungstenite::Message::text(
            json!({"type": "ping"}).to_string(),
        ))
        .await
        .unwrap();
        // The refused operation is completed; then the ping is answered.
        let mut pong = next_json(&mut ws, 10).await;
        if pong["type"] == "complete" {
            assert_eq!(pong["id"], "1", "{pong}");
            pong = next_json(&mut ws, 10).await;
        }
        assert_eq!(
            pong["type"], "pong",
            "the connection is still served: {pong}"
        );
    });
}
