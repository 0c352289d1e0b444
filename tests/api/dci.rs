//! The DCI social-registry API against the real database: a DCI search returns the same person
//! data as GraphQL under the same policy (and is refused where GraphQL is), predicate search,
//! signed envelopes verified with the published key, the asynchronous search answered to the
//! sender's own subscription endpoint through the signed event delivery, transaction status,
//! subscribe and unsubscribe; every request in the audit trail.

use crate::events::{partner, subscribe, until, verify, Receiver};
use crate::helpers::*;
use crate::proactive::applicant_with_entitlement;
use serde_json::{json, Value};

const F01: &str = "880315401029"; // sample person registered in SHYMKENT
const PERSON_FIELDS: &str = "iin fullName birthDate sex deathDate citizenship registrations { kind from to dwelling { addressId region settlement settlementType } }";

fn envelope(action: &str, message: Value) -> Value {
    json!({
        "signature": "",
        "header": {"version": "1.0.0", "message_id": "m-1", "message_ts": "2026-06-15T00:00:00Z",
                   "action": action, "sender_id": "test", "receiver_id": "family-card", "total_count": 1},
        "message": message,
    })
}

fn by_iin(iin: &str) -> Value {
    envelope(
        "search",
        json!({"transaction_id": "T-1", "search_request": [{"reference_id": "R-1", "timestamp": "2026-06-15T00:00:00Z",
            "search_criteria": {"version": "1.0.0", "reg_type": "ns:kz:family-card:person",
                                 "query_type": "idtype-value", "query": {"type": "IIN", "value": iin}}}]}),
    )
}

async fn post(path: &str, token: &str, body: &Value) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(format!("{}{path}", app().base_url))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Verifies an envelope's signature with the published DCI key set.
async fn verify_envelope(env: &Value) {
    let jwks: jsonwebtoken::jwk::JwkSet =
        reqwest::get(format!("{}/dci/.well-known/jwks.json", app().base_url))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    let key = jsonwebtoken::DecodingKey::from_jwk(&jwks.keys[0]).unwrap();
    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::EdDSA);
    v.required_spec_claims.clear();
    v.validate_exp = false;
    let claims = jsonwebtoken::decode::<Value>(env["signature"].as_str().unwrap(), &key, &v)
        .expect("the envelope's signature verifies with the published key")
        .claims;
    assert_eq!(
        claims["digest"],
        family_card::api::dci::digest(&env["header"], &env["message"]),
        "the digest covers the header and message as received"
    );
}

#[test]
fn a_dci_search_returns_the_same_person_as_graphql_under_the_same_policy() {
    run(async {
        let analyst = token("analyst", "*");
        let (status, env) = post("/dci/registry/sync/search", &analyst, &by_iin(F01)).await;
        assert_eq!(status, 200, "{env}");
        assert_eq!(env["header"]["action"], "on-search");
        assert_eq!(env["header"]["receiver_id"], "test-analyst");
        let resp = &env["message"]["search_response"][0];
        assert_eq!(resp["status"], "succ", "{env}");
        assert_eq!(resp["reference_id"], "R-1");
        let gq = gql_as(
            &format!("query($iin: String!) {{ person(iin: $iin) {{ {PERSON_FIELDS} }} }}"),
            json!({"iin": F01}),
            &analyst,
        )
        .await;
        assert_eq!(
            resp["data"]["reg_records"][0], gq["data"]["person"],
            "{env}"
        );
        assert_eq!(resp["data"]["reg_records"][0]["iin"], F01);
        verify_envelope(&env).await;

        // The same refusals as GraphQL: another region, a partner (no person cards).
        for t in [token("analyst", "ALMATY_CITY"), partner("bank-dci", "*")] {
            let gq = gql_as(
                "query($iin: String!) { person(iin: $iin) { iin } }",
                json!({"iin": F01}),
                &t,
            )
            .await;
            assert_eq!(error_code(&gq).as_deref(), Some("FORBIDDEN"));
            let (status, env) = post("/dci/registry/sync/search", &t, &by_iin(F01)).await;
            assert_eq!(status, 200);
            let r = &env["message"]["search_response"][0];
            assert_eq!(r["status"], "rjct", "{env}");
            assert_eq!(r["status_reason_code"], "rjct.permission");
            assert!(
                !env.to_string().contains(F01),
                "nothing of the person leaks: {env}"
            );
        }
        // Operators may not use the DCI API at all; nobody without a token.
        let (status, _) = post(
            "/dci/registry/sync/search",
            &token("operator", "*"),
            &by_iin(F01),
        )
        .await;
        assert_eq!(status, 403);
        let r = reqwest::Client::new()
            .post(format!("{}/dci/registry/sync/search", app().base_url))
            .json(&by_iin(F01))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 401);
        // Bad input is named.
        let (status, env) = post("/dci/registry/sync/search", &analyst, &by_iin("12345")).await;
        assert_eq!(status, 200);
        assert_eq!(
            env["message"]["search_response"][0]["status_reason_code"],
            "rjct.query.invalid"
        );
        let (status, _) = post(
            "/dci/registry/sync/search",
            &analyst,
            &json!({"header": {}}),
        )
        .await;
        assert_eq!(status, 400);

        // Every DCI request is in the audit trail, with the person it disclosed.
        let trail =
            std::fs::read_to_string(app().state_dir.join("audit").join("audit.ndjson")).unwrap();
        assert!(trail
            .lines()
            .any(|l| l.contains("\"channel\":\"dci\"") && l.contains(F01)));
    });
}

#[test]
fn predicate_search_finds_families_by_region_level_and_benefit() {
    run(async {
        let a = applicant_with_entitlement(true).await;
        app()
            .store
            .record_wellbeing(&json!([{
                "family_id": a.family_id,
                "assessment_key": format!("{}/2026-06-15", a.family_id),
                "props": {"family_id": a.family_id, "as_of": "2026-06-15", "level": "E", "region": "ASTANA",
                          "total": 1, "methodology_version": "test", "inputs_hash": "x",
                          "evaluated_at": "2026-06-15T00:00:00.000000Z"}
            }]))
            .await
            .unwrap();
        let q = |region: &str| {
            envelope(
                "search",
                json!({"transaction_id": "T-2", "search_request": [{"reference_id": "R-2",
                    "search_criteria": {"query_type": "predicate", "query": [
                        {"expression1": {"attribute_name": "region", "operator": "eq", "attribute_value": region}},
                        {"expression1": {"attribute_name": "wellbeing_level", "operator": "eq", "attribute_value": "E"}},
                        {"expression1": {"attribute_name": "benefit", "operator": "eq", "attribute_value": "child_care_allowance"}}]}}]}),
            )
        };
        let (_, env) = post(
            "/dci/registry/sync/search",
            &token("analyst", "ASTANA"),
            &q("ASTANA"),
        )
        .await;
        let r = &env["message"]["search_response"][0];
        assert_eq!(r["status"], "succ", "{env}");
        let records = r["data"]["reg_records"].as_array().unwrap();
        let mine = records
            .iter()
            .find(|x| x["family_id"] == a.family_id.as_str())
            .expect("found");
        assert_eq!(mine["wellbeing_level"], "E");
        assert!(mine["benefits"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b == "child_care_allowance"));
        // An analyst of another region gets none of them.
        let (_, env) = post(
            "/dci/registry/sync/search",
            &token("analyst", "ALMATY_CITY"),
            &q("ASTANA"),
        )
        .await;
        let records = env["message"]["search_response"][0]["data"]["reg_records"]
            .as_array()
            .unwrap()
            .clone();
        assert!(records.is_empty(), "{env}");
    });
}

#[test]
fn an_async_search_is_answered_to_the_senders_subscription_and_its_status_is_queryable() {
    run(async {
        let (r, url) = Receiver::start().await;
        let t = partner("bank-dci-async", "*");
        let (sid, secret) =
            subscribe(&t, &url, &["kz.family-card.offer.state-changed"], None).await;
        let mut body = by_iin(F01);
        body["header"]["sender_uri"] = json!(url);
        body["message"]["transaction_id"] = json!("TX-ASYNC-1");
        let (status, ack) = post("/dci/registry/search", &t, &body).await;
        assert_eq!(status, 202, "{ack}");
        assert_eq!(ack["message"]["ack_status"], "ACK");
        verify_envelope(&ack).await;
        until("the on-search callback", 30, || {
            r.all()
                .iter()
                .any(|x| x.event["type"] == "kz.family-card.dci.on-search")
        })
        .await;
        let cb = r
            .all()
            .into_iter()
            .find(|x| x.event["type"] == "kz.family-card.dci.on-search")
            .unwrap();
        verify(&secret, &cb);
        let env = &cb.event["data"];
        assert_eq!(env["header"]["action"], "on-search");
        assert_eq!(env["message"]["transaction_id"], "TX-ASYNC-1");
        // A partner reads no person cards: the same refusal as GraphQL.
        assert_eq!(
            env["message"]["search_response"][0]["status_reason_code"],
            "rjct.permission"
        );
        verify_envelope(env).await;

        let status_q = envelope(
            "txn-status",
            json!({"txnstatus_request": {"attribute_value": "TX-ASYNC-1"}}),
        );
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let (_, st) = post("/dci/registry/txn/status", &t, &status_q).await;
        assert_eq!(
            st["message"]["txnstatus_response"]["status"], "succ",
            "{st}"
        );
        assert_eq!(
            st["message"]["txnstatus_response"]["callback_status"], "DELIVERED",
            "{st}"
        );
        // Another partner cannot see it.
        let (_, other) = post(
            "/dci/registry/txn/status",
            &partner("bank-other", "*"),
            &status_q,
        )
        .await;
        assert_eq!(other["message"]["txnstatus_response"]["status"], "rjct");
        // A callback URI that is not the sender's subscription is refused.
        body["header"]["sender_uri"] = json!("http://127.0.0.1:9/elsewhere");
        body["message"]["transaction_id"] = json!("TX-ASYNC-2");
        let (status, _) = post("/dci/registry/search", &t, &body).await;
        assert_eq!(status, 400);

        // subscribe / unsubscribe map to event subscriptions.
        let (_, sub) = post(
            "/dci/registry/subscribe",
            &t,
            &envelope("subscribe", json!({"subscribe_request": {"reg_event_type": ["kz.family-card.wellbeing.level-changed"], "notify_uri": url}})),
        )
        .await;
        let code = sub["message"]["subscribe_response"]["subscription_code"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(sub["message"]["subscribe_response"]["secret"]
            .as_str()
            .unwrap()
            .starts_with("whsec_"));
        let listed = gql_as(
            "{ eventSubscriptions { subscriptionId eventTypes } }",
            json!({}),
            &t,
        )
        .await;
        assert!(listed.to_string().contains(&code));
        let (_, un) = post(
            "/dci/registry/unsubscribe",
            &t,
            &envelope(
                "unsubscribe",
                json!({"unsubscribe_request": {"subscription_codes": [code, sid]}}),
            ),
        )
        .await;
        assert_eq!(
            un["message"]["unsubscribe_response"][0]["status"], "succ",
            "{un}"
        );
        assert_eq!(
            un["message"]["unsubscribe_response"][1]["status"], "succ",
            "{un}"
        );
        let listed = gql_as("{ eventSubscriptions { subscriptionId } }", json!({}), &t).await;
        assert_eq!(
            listed["data"]["eventSubscriptions"]
                .as_array()
                .unwrap()
                .len(),
            0
        );
    });
}
