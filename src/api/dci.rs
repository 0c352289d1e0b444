//! A social-registry API in the manner of the DCI (Digital Convergence Initiative) Social
//! Registry specification: JSON envelopes `{signature, header, message}` over HTTP under `/dci/`.
//!
//! - `POST /dci/registry/sync/search`: search by identifier (`query_type: "idtype-value"`,
//!   `query: {type: "IIN", value}`) or by predicates (`query_type: "predicate"`, a list of
//!   `{attribute_name: region | wellbeing_level | benefit, operator: "eq", attribute_value}`);
//!   answers `on-search` at once.
//! - `POST /dci/registry/search`: the same, asynchronously: answers an ACK; the `on-search`
//!   envelope goes to `header.sender_uri`, which must be the endpoint of one of the sender's own
//!   event subscriptions, through the change-event delivery (Standard Webhooks signature with
//!   that subscription's secret, retries, delivery log).
//! - `POST /dci/registry/txn/status`: the state of an asynchronous search (and its response).
//! - `POST /dci/registry/subscribe` / `unsubscribe`: event subscriptions (notify = the
//!   deliveries of `events`), the same objects as the GraphQL mutations.
//! - `GET /dci/.well-known/jwks.json`: the public key that signs every envelope.
//!
//! Why it executes GraphQL inside: a person record of a DCI search IS the GraphQL `person`
//! object, run through the same schema with the same gate, so a DCI search returns exactly the
//! data GraphQL returns to the same principal under the same policy (and is refused the same
//! way). Every request asks `DciSearch` first, is audited (channel `dci`) before it is answered,
//! and identifiers are masked for roles that do not see them.
//!
//! Signature: `signature` is a compact JWS (EdDSA, Ed25519, the DCI key's `kid`) whose claims
//! hold `digest`: base64 SHA-256 of the compact JSON of `header` followed by that of `message`
//! exactly as sent. Verify the JWS with the key set, then the digest.

use super::access::{for_each_string, mask_identifiers, Gate};
use super::http::{admit, finish, new_draft, note_gate, AppState, MediaType};
use super::policy::Action;
use crate::events::endpoints::check_types;
use crate::events::ts;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use serde_json::{json, Value};
use std::sync::Arc;

pub const DCI_VERSION: &str = "1.0.0";
/// The registry type of person records.
pub const REG_TYPE_PERSON: &str = "ns:kz:family-card:person";
pub const REG_TYPE_FAMILY: &str = "ns:kz:family-card:family";
const MAX_PAGE_SIZE: i64 = 50;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dci/registry/sync/search", post(sync_search))
        .route("/dci/registry/search", post(async_search))
        .route("/dci/registry/txn/status", post(txn_status))
        .route("/dci/registry/subscribe", post(subscribe))
        .route("/dci/registry/unsubscribe", post(unsubscribe))
        .route("/dci/.well-known/jwks.json", get(jwks))
}

async fn jwks(State(st): State<AppState>) -> Response {
    Json(st.app.dci_signer.jwks()).into_response()
}

/// `base64(SHA-256(compact JSON of header ++ compact JSON of message))`.
pub fn digest(header: &Value, message: &Value) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(serde_json::to_vec(header).unwrap_or_default());
    h.update(serde_json::to_vec(message).unwrap_or_default());
    base64::engine::general_purpose::STANDARD.encode(h.finalize())
}

/// A signed envelope from this registry to `receiver`.
fn envelope(st: &AppState, action: &str, receiver: &str, total: usize, message: Value) -> Value {
    let header = json!({
        "version": DCI_VERSION,
        "message_id": crate::secret::random_hex::<12>(),
        "message_ts": ts(chrono::Utc::now()),
        "action": action,
        "status": "succ",
        "sender_id": "family-card",
        "receiver_id": receiver,
        "total_count": total,
        "completed_count": total,
        "is_msg_encrypted": false,
    });
    let claims = json!({
        "iss": "family-card",
        "iat": chrono::Utc::now().timestamp(),
        "digest": digest(&header, &message),
    });
    let signature = st.app.dci_signer.sign(&claims).unwrap_or_default();
    json!({"signature": signature, "header": header, "message": message})
}

/// A request that is not a DCI envelope: 400 with the DCI error shape.
fn bad_request(why: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"error": {"code": "err.request.bad", "message": why}})),
    )
        .into_response()
}

/// Parses `{header, message}`; the sender is the token's partner id or subject, never the
/// header's claim (which is kept for the audit trail).
fn parse(body: &[u8]) -> Result<(Value, Value), String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    let header = v
        .get("header")
        .cloned()
        .ok_or("the envelope has no header")?;
    let message = v
        .get("message")
        .cloned()
        .ok_or("the envelope has no message")?;
    if !header.is_object() || !message.is_object() {
        return Err("header and message must be objects".into());
    }
    Ok((header, message))
}

/// Answers through the audit trail, masking identifiers for roles that do not see them.
async fn answer(
    st: &AppState,
    gate: &Gate,
    what: &str,
    status: StatusCode,
    mut body: Value,
) -> Response {
    let who = gate.principal();
    let mut draft = new_draft(who.subject.clone(), who.role.as_str(), "dci");
    draft.partner_id = who.partner_id.clone();
    draft.purpose = who.purpose.clone();
    draft.token_id = who.token_id.clone();
    draft.operation = Some(what.into());
    note_gate(&mut draft, gate);
    draft.outcome = if draft
        .accesses
        .iter()
        .any(|a| a.outcome.starts_with("denied"))
    {
        "denied".into()
    } else {
        "ok".into()
    };
    draft.change = what != "sync_search" && what != "txn_status";
    if !who.sees_full_identifiers() {
        for_each_string(&mut body, &mut |s| {
            if let Some(m) = mask_identifiers(s) {
                *s = m;
            }
        });
    }
    finish(&st.app, draft, status, MediaType::Json, body).await
}

/// Authenticates and asks `DciSearch`; the gate of the request.
async fn enter(st: &AppState, h: &HeaderMap, what: &str) -> Result<Arc<Gate>, Response> {
    let who = admit(&st.app, h, MediaType::Json).await?;
    let gate = Arc::new(Gate::new(st.app.store.clone(), who));
    if let Err(e) = gate.dci(what) {
        let r = answer(
            st,
            &gate,
            what,
            StatusCode::FORBIDDEN,
            json!({"error": {"code": "err.permission", "message": e.message()}}),
        )
        .await;
        return Err(r);
    }
    Ok(gate)
}

fn sender_of(gate: &Gate) -> String {
    let p = gate.principal();
    p.partner_id.clone().unwrap_or_else(|| p.subject.clone())
}

const PERSON_QUERY: &str = "query($iin: String!) { person(iin: $iin) { iin fullName birthDate sex deathDate citizenship registrations { kind from to dwelling { addressId region settlement settlementType } } } }";

/// One `search_request` item → one `search_response` item.
async fn search_one(st: &AppState, gate: &Arc<Gate>, req: &Value) -> Value {
    let reference_id = req["reference_id"].clone();
    let criteria = &req["search_criteria"];
    let rjct = |code: &str, msg: String| {
        json!({"reference_id": reference_id, "timestamp": ts(chrono::Utc::now()),
               "status": "rjct", "status_reason_code": code, "status_reason_message": msg})
    };
    let succ = |reg_type: &str, records: Vec<Value>| {
        json!({"reference_id": reference_id, "timestamp": ts(chrono::Utc::now()), "status": "succ",
               "data": {"version": DCI_VERSION, "reg_type": reg_type, "reg_record_type": reg_type,
                        "reg_records": records},
               "pagination": {"page_size": MAX_PAGE_SIZE, "page_number": 1}})
    };
    match criteria["query_type"].as_str() {
        Some("idtype-value") => {
            let q = &criteria["query"];
            if !matches!(q["type"].as_str(), Some("IIN") | Some("UIN")) {
                return rjct(
                    "rjct.query_type.invalid",
                    "identifier type must be IIN".into(),
                );
            }
            let iin = q["value"].as_str().unwrap_or_default().to_string();
            let r = st
                .schema
                .execute(
                    async_graphql::Request::new(PERSON_QUERY)
                        .variables(async_graphql::Variables::from_json(json!({"iin": iin})))
                        .data(gate.clone()),
                )
                .await;
            if let Some(e) = r.errors.first() {
                let code = e
                    .extensions
                    .as_ref()
                    .and_then(|x| x.get("code"))
                    .map(|c| c.to_string())
                    .unwrap_or_default();
                let reason = match code.trim_matches('"') {
                    "FORBIDDEN" => "rjct.permission",
                    "BAD_USER_INPUT" => "rjct.query.invalid",
                    _ => "rjct.internal",
                };
                return rjct(reason, e.message.clone());
            }
            let data = r.data.into_json().unwrap_or(Value::Null);
            let records = match &data["person"] {
                Value::Null => vec![],
                p => vec![p.clone()],
            };
            succ(REG_TYPE_PERSON, records)
        }
        Some("predicate") => {
            let Some(preds) = criteria["query"].as_array() else {
                return rjct(
                    "rjct.query.invalid",
                    "query must be a list of predicates".into(),
                );
            };
            let (mut region, mut level, mut benefit) = (None, None, None);
            for p in preds {
                let e = p.get("expression1").unwrap_or(p);
                if e["operator"].as_str().unwrap_or("eq") != "eq" {
                    return rjct(
                        "rjct.query.invalid",
                        "only the eq operator is supported".into(),
                    );
                }
                let v = e["attribute_value"].as_str().map(str::to_string);
                match e["attribute_name"].as_str() {
                    Some("region") => region = v,
                    Some("wellbeing_level") => level = v,
                    Some("benefit") => benefit = v,
                    other => {
                        return rjct(
                            "rjct.query.invalid",
                            format!(
                                "unknown attribute {other:?}: region, wellbeing_level, benefit"
                            ),
                        )
                    }
                }
            }
            if let Err(e) = gate.require(Action::ReadFamily, "dci_predicate_search", "*") {
                return rjct("rjct.permission", e.message());
            }
            let size = criteria["pagination"]["page_size"]
                .as_i64()
                .unwrap_or(20)
                .clamp(1, MAX_PAGE_SIZE);
            let today = chrono::Utc::now().date_naive().to_string();
            let rows = match st
                .app
                .store
                .dci_families(
                    region.as_deref(),
                    level.as_deref(),
                    benefit.as_deref(),
                    &today,
                    "",
                    size,
                )
                .await
            {
                Ok(r) => r,
                Err(e) => {
                    tracing::error!(error = %e, "DCI predicate search failed");
                    return rjct(
                        "rjct.internal",
                        "the registry is unavailable; retry later".into(),
                    );
                }
            };
            let records: Vec<Value> = rows
                .into_iter()
                .filter(|r| {
                    gate.admit_listed_family(
                        "dci_predicate_search",
                        r["family_id"].as_str().unwrap_or_default(),
                        r["region"].as_str(),
                    )
                })
                .map(|r| {
                    json!({"family_id": r["family_id"], "region": r["region"],
                           "wellbeing_level": r["level"], "wellbeing_as_of": r["as_of"],
                           "benefits": r["benefits"]})
                })
                .collect();
            succ(REG_TYPE_FAMILY, records)
        }
        _ => rjct(
            "rjct.query_type.invalid",
            "query_type must be idtype-value or predicate".into(),
        ),
    }
}

async fn search_all(
    st: &AppState,
    gate: &Arc<Gate>,
    message: &Value,
) -> Result<Vec<Value>, String> {
    let reqs = message["search_request"]
        .as_array()
        .ok_or("message.search_request must be a list")?;
    if reqs.is_empty() || reqs.len() > 20 {
        return Err("message.search_request holds 1 to 20 requests".into());
    }
    let mut out = vec![];
    for r in reqs {
        out.push(search_one(st, gate, r).await);
    }
    Ok(out)
}

async fn sync_search(State(st): State<AppState>, h: HeaderMap, body: Bytes) -> Response {
    let gate = match enter(&st, &h, "sync_search").await {
        Ok(g) => g,
        Err(r) => return r,
    };
    let (_header, message) = match parse(&body) {
        Ok(x) => x,
        Err(why) => return bad_request(&why),
    };
    let results = match search_all(&st, &gate, &message).await {
        Ok(r) => r,
        Err(why) => return bad_request(&why),
    };
    let env = envelope(
        &st,
        "on-search",
        &sender_of(&gate),
        results.len(),
        json!({"transaction_id": message["transaction_id"], "correlation_id": crate::secret::random_hex::<8>(),
               "search_response": results}),
    );
    answer(&st, &gate, "sync_search", StatusCode::OK, env).await
}

async fn async_search(State(st): State<AppState>, h: HeaderMap, body: Bytes) -> Response {
    let gate = match enter(&st, &h, "async_search").await {
        Ok(g) => g,
        Err(r) => return r,
    };
    let (header, message) = match parse(&body) {
        Ok(x) => x,
        Err(why) => return bad_request(&why),
    };
    let Some(txn) = message["transaction_id"]
        .as_str()
        .filter(|t| !t.is_empty() && t.len() <= 100)
        .map(str::to_string)
    else {
        return bad_request("message.transaction_id (1 to 100 characters) is required");
    };
    let Some(partner) = gate.principal().partner_id.clone() else {
        return bad_request("asynchronous search answers to a partner's subscription endpoint: the token needs a partner_id");
    };
    let uri = header["sender_uri"].as_str().unwrap_or_default();
    let subs = match st.app.store.subscriptions(Some(&partner)).await {
        Ok(s) => s,
        Err(_) => return StatusCode::SERVICE_UNAVAILABLE.into_response(),
    };
    let Some(sub) = subs
        .iter()
        .find(|s| s["url"].as_str() == Some(uri) && s["status"] == "ACTIVE")
    else {
        return bad_request("header.sender_uri must be the URL of one of your active event subscriptions (its secret signs the callback)");
    };
    let sub_id = sub["subscription_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let results = match search_all(&st, &gate, &message).await {
        Ok(r) => r,
        Err(why) => return bad_request(&why),
    };
    let env = envelope(
        &st,
        "on-search",
        &partner,
        results.len(),
        json!({"transaction_id": txn, "correlation_id": txn, "search_response": results}),
    );
    // The callback leaves masked like every answer to this principal.
    let mut callback = env.clone();
    if !gate.principal().sees_full_identifiers() {
        for_each_string(&mut callback, &mut |s| {
            if let Some(m) = mask_identifiers(s) {
                *s = m;
            }
        });
    }
    let now = ts(chrono::Utc::now());
    let props = json!({"transaction_id": txn, "sender_id": partner, "received_at": now,
                       "status": "succ", "subscription_id": sub_id,
                       "response": callback.to_string()});
    if let Err(e) = st
        .app
        .store
        .dci_save_transaction(&txn, &sub_id, &props, &callback.to_string(), &now)
        .await
    {
        tracing::error!(error = %e, "DCI transaction not recorded");
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    gate.note_change();
    let ack = envelope(
        &st,
        "search",
        &partner,
        0,
        json!({"ack_status": "ACK", "timestamp": now, "correlation_id": txn}),
    );
    answer(&st, &gate, "async_search", StatusCode::ACCEPTED, ack).await
}

async fn txn_status(State(st): State<AppState>, h: HeaderMap, body: Bytes) -> Response {
    let gate = match enter(&st, &h, "txn_status").await {
        Ok(g) => g,
        Err(r) => return r,
    };
    let (_header, message) = match parse(&body) {
        Ok(x) => x,
        Err(why) => return bad_request(&why),
    };
    let txn = message["txnstatus_request"]["attribute_value"]
        .as_str()
        .or_else(|| message["transaction_id"].as_str())
        .unwrap_or_default()
        .to_string();
    let t = match st.app.store.dci_transaction(&txn, &sender_of(&gate)).await {
        Ok(t) => t,
        Err(_) => return StatusCode::SERVICE_UNAVAILABLE.into_response(),
    };
    let msg = match t {
        None => json!({"txnstatus_response": {"txn_type": "search", "status": "rjct",
                       "status_reason_code": "rjct.reference_id.invalid",
                       "status_reason_message": "no transaction with this id from you"}}),
        Some(t) => {
            let response: Value = t["transaction"]["response"]
                .as_str()
                .and_then(|s| serde_json::from_str(s).ok())
                .unwrap_or(Value::Null);
            json!({"txnstatus_response": {"txn_type": "search", "transaction_id": txn,
                   "status": "succ", "callback_status": t["delivery_status"],
                   "callback_attempts": t["attempts"], "txn_status": response}})
        }
    };
    let env = envelope(&st, "on-txn-status", &sender_of(&gate), 1, msg);
    answer(&st, &gate, "txn_status", StatusCode::OK, env).await
}

/// DCI `subscribe`: `message.subscribe_request: {reg_event_type: [event types], notify_uri,
/// region?}` → an event subscription of the partner (the secret is in the answer, once).
async fn subscribe(State(st): State<AppState>, h: HeaderMap, body: Bytes) -> Response {
    let gate = match enter(&st, &h, "dci_subscribe").await {
        Ok(g) => g,
        Err(r) => return r,
    };
    let (_header, message) = match parse(&body) {
        Ok(x) => x,
        Err(why) => return bad_request(&why),
    };
    let r = &message["subscribe_request"];
    let types: Vec<String> = r["reg_event_type"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|t| t.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let made = async {
        let p = gate.own_partner_id(Action::ManageSubscriptions, "dci_subscribe", "*")?;
        let types = check_types(&types)
            .map_err(|e| super::error::ApiError::bad_input(e.field, e.reason))?;
        let url = crate::events::endpoints::check_url(
            r["notify_uri"].as_str().unwrap_or_default(),
            &st.app.events,
        )
        .map_err(|e| super::error::ApiError::bad_input("notify_uri", e.reason))?;
        let region = gate.scoped_region(
            Action::ManageSubscriptions,
            "dci_subscribe",
            r["region"].as_str().map(str::to_string),
        )?;
        gate.note_change();
        let (id, secret, props) = super::events::new_subscription(&p, &types, region, url.as_str());
        st.app
            .store
            .create_subscription(&id, &props)
            .await
            .map_err(|e| {
                super::error::ApiError::from(crate::family_cards::FamilyError::Store(e))
            })?;
        Ok::<_, super::error::ApiError>((id, secret))
    }
    .await;
    let msg = match made {
        Ok((id, secret)) => {
            json!({"subscribe_response": {"status": "succ", "subscription_code": id, "secret": secret}})
        }
        Err(e) => {
            json!({"subscribe_response": {"status": "rjct", "status_reason_code": e.code(), "status_reason_message": e.message()}})
        }
    };
    let env = envelope(&st, "on-subscribe", &sender_of(&gate), 1, msg);
    answer(&st, &gate, "dci_subscribe", StatusCode::OK, env).await
}

/// DCI `unsubscribe`: `message.unsubscribe_request: {subscription_codes: [ids]}`.
async fn unsubscribe(State(st): State<AppState>, h: HeaderMap, body: Bytes) -> Response {
    let gate = match enter(&st, &h, "dci_unsubscribe").await {
        Ok(g) => g,
        Err(r) => return r,
    };
    let (_header, message) = match parse(&body) {
        Ok(x) => x,
        Err(why) => return bad_request(&why),
    };
    let codes: Vec<String> = message["unsubscribe_request"]["subscription_codes"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|t| t.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let p = match gate.own_partner_id(Action::ManageSubscriptions, "dci_unsubscribe", "*") {
        Ok(p) => p,
        Err(e) => {
            let body = json!({"error": {"code": "err.permission", "message": e.message()}});
            return answer(&st, &gate, "dci_unsubscribe", StatusCode::FORBIDDEN, body).await;
        }
    };
    gate.note_change();
    let mut results = vec![];
    for c in codes.iter().take(100) {
        let gone = st
            .app
            .store
            .delete_subscription(c, &p)
            .await
            .unwrap_or(false);
        results.push(json!({"subscription_code": c, "status": if gone { "succ" } else { "rjct" }}));
    }
    let env = envelope(
        &st,
        "on-unsubscribe",
        &p,
        results.len(),
        json!({"unsubscribe_response": results}),
    );
    answer(&st, &gate, "dci_unsubscribe", StatusCode::OK, env).await
}
