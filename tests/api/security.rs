//! Security as an outside caller meets it: tokens, the role matrix on every object type, masking
//! for partners and operators, abuse limits, GraphQL over HTTP, the SMS webhook, the audit trail.

use crate::helpers::*;
use crate::proactive::{applicant_with_entitlement, campaign, code_in, one_at_a_time, TestGateway};
use chrono::Utc;
use family_card::api::auth::local::{LocalIssuer, DEFAULT_AUDIENCE, LOCAL_ISSUER};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// F01 of the sample (README): a large family in Shymkent.
const F01: &str = "880315401029";
const FAMILY_Q: &str = r#"query($iin: String!) { family(iin: $iin, asOf: "2026-06-15") { familyId anchorIin members { edges { node { iin fullName } } } household { residents } entitlements { benefit reasons { detail } } } }"#;

async fn post_raw(body: Value, auth: Option<&str>) -> reqwest::Response {
    let mut r = reqwest::Client::new()
        .post(format!("{}/graphql", app().base_url))
        .json(&body);
    if let Some(a) = auth {
        r = r.header("authorization", a);
    }
    r.send().await.unwrap()
}

fn issuer() -> &'static LocalIssuer {
    app().ctx.local_issuer.as_deref().unwrap()
}

fn claims(exp_in: i64) -> Value {
    let now = Utc::now().timestamp();
    json!({"iss": LOCAL_ISSUER, "aud": DEFAULT_AUDIENCE, "sub": "mallory", "exp": now + exp_in,
           "role": "analyst", "region": "*"})
}

fn b64(v: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v)
}

#[test]
fn tokens_that_are_not_valid_are_all_refused() {
    run(async {
        let q = json!({"query": "{ family(iin: \"880315401029\") { familyId } }"});
        let good = issuer().sign(&claims(600)).unwrap();
        let r = post_raw(q.clone(), Some(&format!("Bearer {good}"))).await;
        assert_eq!(r.status(), 200, "a valid token passes");

        let now = Utc::now().timestamp();
        let mut expired = claims(-3600);
        expired["exp"] = json!(now - 3600);
        let mut not_yet = claims(3600);
        not_yet["nbf"] = json!(now + 3600);
        let mut audience = claims(600);
        audience["aud"] = json!("another-service");
        let mut iss = claims(600);
        iss["iss"] = json!("https://idp.example/realms/other");
        let mut no_role = claims(600);
        no_role.as_object_mut().unwrap().remove("role");
        let mut root = claims(600);
        root["role"] = json!("root");
        // Another key with the same kid: the signature fails.
        let other = LocalIssuer::from_signing_key(
            &ed25519_dalek::SigningKey::from_bytes(&[9u8; 32]),
            LOCAL_ISSUER,
            DEFAULT_AUDIENCE,
        )
        .unwrap();
        let foreign = other.sign(&claims(600)).unwrap();
        // alg none; HMAC keyed with the issuer's public key.
        let payload = b64(serde_json::to_vec(&claims(600)).unwrap().as_slice());
        let none = format!(
            "{}.{payload}.",
            b64(format!(r#"{{"alg":"none","kid":"{}"}}"#, issuer().kid()).as_bytes())
        );
        let public_x = issuer().jwks().keys[0].clone();
        let public = serde_json::to_vec(&public_x).unwrap();
        let mut hs = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
        hs.kid = Some(issuer().kid().to_string());
        let hmac = jsonwebtoken::encode(
            &hs,
            &claims(600),
            &jsonwebtoken::EncodingKey::from_secret(&public).unwrap(),
        )
        .unwrap();
        let mut unknown_kid = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
        unknown_kid.kid = Some("not-a-key".into());
        let (_, body) = good.split_once('.').unwrap();
        let unknown = format!(
            "{}.{body}",
            b64(serde_json::to_vec(&unknown_kid).unwrap().as_slice())
        );

        let cases: Vec<(&str, Option<String>)> = vec![
            ("missing", None),
            ("not bearer", Some(format!("Basic {good}"))),
            ("garbage", Some("Bearer abc.def".into())),
            (
                "expired",
                Some(format!("Bearer {}", issuer().sign(&expired).unwrap())),
            ),
            (
                "not yet valid",
                Some(format!("Bearer {}", issuer().sign(&not_yet).unwrap())),
            ),
            (
                "other audience",
                Some(format!("Bearer {}", issuer().sign(&audience).unwrap())),
            ),
            (
                "other issuer",
                Some(format!("Bearer {}", issuer().sign(&iss).unwrap())),
            ),
            (
                "no role",
                Some(format!("Bearer {}", issuer().sign(&no_role).unwrap())),
            ),
            (
                "unknown role",
                Some(format!("Bearer {}", issuer().sign(&root).unwrap())),
            ),
            ("other key", Some(format!("Bearer {foreign}"))),
            ("alg none", Some(format!("Bearer {none}"))),
            ("HMAC with the public key", Some(format!("Bearer {hmac}"))),
            ("unknown kid", Some(format!("Bearer {unknown}"))),
        ];
        for (what, auth) in cases {
            let r = post_raw(q.clone(), auth.as_deref()).await;
            assert_eq!(r.status(), 401, "{what}");
            assert!(r.headers().contains_key("www-authenticate"), "{what}");
            let body: Value = r.json().await.unwrap();
            assert!(body.get("data").is_none(), "{what}: {body}");
            assert_eq!(
                error_code(&body).as_deref(),
                Some("UNAUTHENTICATED"),
                "{what}"
            );
        }
        // The old development headers mean nothing now.
        let r = reqwest::Client::new()
            .post(format!("{}/graphql", app().base_url))
            .header("x-principal-role", "admin")
            .json(&q)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
    });
}

/// An identity provider of our own on port 0: JWKS caching by kid, refresh on an unknown kid at
/// most every few seconds, rotation, and the last good keys kept while it is down.
#[test]
fn an_external_issuers_keys_are_cached_rotated_and_survive_an_outage() {
    use axum::routing::get;
    use std::sync::{Arc, Mutex};
    run(async {
        let k1 = ed25519_dalek::SigningKey::from_bytes(&[1u8; 32]);
        let k2 = ed25519_dalek::SigningKey::from_bytes(&[2u8; 32]);
        let iss = "http://idp.test";
        let i1 = LocalIssuer::from_signing_key(&k1, iss, "family-card").unwrap();
        let i2 = LocalIssuer::from_signing_key(&k2, iss, "family-card").unwrap();
        // What the provider publishes (None: it is down).
        let published: Arc<Mutex<Option<Value>>> =
            Arc::new(Mutex::new(Some(serde_json::to_value(i1.jwks()).unwrap())));
        let p = published.clone();
        let idp = axum::Router::new().route(
            "/jwks",
            get(move || {
                let p = p.clone();
                async move {
                    match p.lock().unwrap().clone() {
                        Some(v) => axum::Json(v).into_response(),
                        None => axum::http::StatusCode::SERVICE_UNAVAILABLE.into_response(),
                    }
                }
            }),
        );
        use axum::response::IntoResponse;
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/jwks", l.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(l, idp).await });

        let cache = family_card::api::auth::jwks::JwksCache::new(
            iss.into(),
            Some(url),
            Duration::from_millis(300),
        );
        let auth = family_card::api::auth::Authenticator::remote(
            iss.into(),
            "family-card".into(),
            cache.clone(),
        );
        let req = |i: &LocalIssuer| {
            let t = i
                .mint(&family_card::api::auth::local::TokenRequest {
                    subject: "s".into(),
                    role: "analyst".into(),
                    region: "ASTANA".into(),
                    partner_id: None,
                    purpose: None,
                    ttl: Duration::from_secs(600),
                })
                .unwrap();
            format!("Bearer {t}")
        };
        // First use fetches once; the next uses hit the cache.
        let p = auth.authenticate(Some(&req(&i1))).await.unwrap();
        assert_eq!(p.region.as_str(), "ASTANA");
        auth.authenticate(Some(&req(&i1))).await.unwrap();
        assert_eq!(cache.fetch_count(), 1);
        // A flood of unknown kids costs at most one fetch per interval (none right after the
        // first fetch, one once the interval has passed).
        assert!(auth.authenticate(Some(&req(&i2))).await.is_err());
        assert_eq!(cache.fetch_count(), 1);
        tokio::time::sleep(Duration::from_millis(350)).await;
        for _ in 0..20 {
            assert!(auth.authenticate(Some(&req(&i2))).await.is_err());
        }
        assert_eq!(cache.fetch_count(), 2, "refreshes are rate-limited");
        // The provider rotates to k2: after the interval, the new kid is fetched and accepted.
        *published.lock().unwrap() = Some(serde_json::to_value(i2.jwks()).unwrap());
        tokio::time::sleep(Duration::from_millis(350)).await;
        auth.authenticate(Some(&req(&i2))).await.unwrap();
        // The provider goes down: the last good keys keep working.
        *published.lock().unwrap() = None;
        tokio::time::sleep(Duration::from_millis(350)).await;
        assert!(cache.refresh_now().await.is_err());
        auth.authenticate(Some(&req(&i2))).await.unwrap();
    });
}

/// What each role gets for each object type, over HTTP: persons, families, offers (with their
/// payment orders), aggregates, the audit trail, the configuration.
#[test]
fn the_role_matrix_holds_for_every_object_type() {
    let _turn = one_at_a_time();
    run(async {
        let offer_id = notified_offer().await;
        let person = json!({"q": format!(r#"{{ person(iin: "{F01}") {{ fullName }} }}"#)});
        let family = json!({"q": format!(r#"{{ family(iin: "{F01}") {{ familyId }} }}"#)});
        let offer = json!({"q": format!(r#"{{ offer(offerId: "{offer_id}") {{ state paymentOrders {{ orderId }} }} }}"#)});
        let aggregate = json!({"q": "{ wellbeingDistribution { level families } }"});
        let audit = json!({"q": "{ auditTrail(first: 1) { entries { seq } } }"});
        let config = json!({"q": "{ serviceConfiguration { authIssuer } }"});
        let objects = [
            ("person", &person),
            ("family", &family),
            ("offer", &offer),
            ("aggregate", &aggregate),
            ("audit", &audit),
            ("config", &config),
        ];
        // role → allowed objects (national scope; investigators with a purpose).
        let expected: &[(&str, &[&str])] = &[
            ("analyst", &["person", "family", "offer", "aggregate"]),
            ("investigator", &["person", "family", "offer", "aggregate"]),
            ("operator", &["offer", "aggregate"]),
            ("partner", &["aggregate"]),
            ("auditor", &["audit"]),
            ("admin", &["aggregate", "config"]),
        ];
        for (role, allowed) in expected {
            let t = token(role, "*");
            for (name, q) in objects {
                let body = gql_as(q["q"].as_str().unwrap(), json!({}), &t).await;
                let code = error_code(&body);
                if allowed.contains(&name) {
                    assert_eq!(code, None, "{role} may read {name} ({q}): {body}");
                } else {
                    assert_eq!(
                        code.as_deref(),
                        Some("FORBIDDEN"),
                        "{role} may not read {name}: {body}"
                    );
                }
            }
        }
        // Region scope: the offer (Astana) and F01 are invisible to an Almaty analyst.
        let almaty = token("analyst", "ALMATY");
        for q in [&offer, &family, &person] {
            let body = gql_as(q["q"].as_str().unwrap(), json!({}), &almaty).await;
            assert_eq!(error_code(&body).as_deref(), Some("FORBIDDEN"), "{body}");
        }
        let astana_op = token("operator", "ASTANA");
        let body = gql_as(offer["q"].as_str().unwrap(), json!({}), &astana_op).await;
        assert_eq!(error_code(&body), None, "{body}");
        let almaty_op = token("operator", "ALMATY");
        let m = format!(r#"mutation {{ refuseOffer(offerId: "{offer_id}") {{ state }} }}"#);
        let body = gql_as(&m, json!({}), &almaty_op).await;
        assert_eq!(error_code(&body).as_deref(), Some("FORBIDDEN"), "{body}");
        // An investigator without a purpose reads nothing personal.
        let no_case = token_with("investigator", "*", "inv", None, None);
        let body = gql_as(family["q"].as_str().unwrap(), json!({}), &no_case).await;
        assert_eq!(error_code(&body).as_deref(), Some("FORBIDDEN"), "{body}");
        // Nested fields are checked too: a member's family in another region is refused.
        let nested = format!(
            r#"{{ family(iin: "{F01}") {{ members(first: 10) {{ edges {{ node {{ family {{ familyId }} }} }} }} }} }}"#
        );
        let body = gql_as(&nested, json!({}), &token("analyst", "SHYMKENT")).await;
        assert_eq!(error_code(&body), None, "{body}");
    });
}

/// A fresh applicant (Astana) with a detected entitlement, notified by a campaign: its offer id.
async fn notified_offer() -> String {
    let (_gw, url) = TestGateway::start().await;
    let a = applicant_with_entitlement(true).await;
    campaign(&url, Utc::now()).await;
    app().store.offers_by_phone(&a.phone).await.unwrap()[0]["offer_id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn no_full_iin_in(body: &Value) {
    let text = body.to_string();
    let mut found = std::collections::BTreeSet::new();
    family_card::api::access::full_iins_in(&text, &mut found);
    assert!(found.is_empty(), "full IINs {found:?} in {text}");
    assert!(!text.contains("KZ") || !text.contains("KZ86"), "{text}");
}

#[test]
fn partners_and_operators_never_see_a_full_identifier() {
    let _turn = one_at_a_time();
    run(async {
        let offer_id = notified_offer().await;
        let partner = token("partner", "*");
        for q in [
            FAMILY_Q.to_string(),
            format!(r#"{{ person(iin: "{F01}") {{ iin }} }}"#),
            format!(r#"{{ offer(offerId: "{offer_id}") {{ recipientIin }} }}"#),
            "{ wellbeingDistribution { level families } benefits { code legalBasis } }".into(),
            format!(r#"{{ family(iin: "{F01}x") {{ familyId }} }}"#),
        ] {
            let body = gql_as(&q, json!({"iin": F01}), &partner).await;
            no_full_iin_in(&body);
        }
        let operator = token("operator", "*");
        let body = gql_as(
            &format!(r#"{{ offer(offerId: "{offer_id}") {{ recipientIin transitions {{ actor }} paymentOrders {{ iban }} }} }}"#),
            json!({}),
            &operator,
        )
        .await;
        assert_eq!(error_code(&body), None, "{body}");
        no_full_iin_in(&body);
        assert!(body["data"]["offer"]["recipientIin"]
            .as_str()
            .unwrap()
            .contains("******"));
        // An analyst sees them (and the audit trail records that).
        let body = gql(FAMILY_Q, json!({"iin": F01})).await;
        assert_eq!(body["data"]["family"]["anchorIin"], F01, "{body}");
    });
}

#[test]
fn abusive_documents_are_refused_quickly_and_the_server_answers_right_after() {
    run(async {
        let t = token("analyst", "*");
        let nested_list = format!(
            "{{ family(iin: {}\"1\"{}) {{ familyId }} }}",
            "[".repeat(2000),
            "]".repeat(2000)
        );
        let nested_object = format!(
            "{{ family(iin: \"1\", asOf: {}1{}) {{ familyId }} }}",
            "{a:".repeat(1000),
            "}".repeat(1000)
        );
        let mut fragments = String::from("query { ...F0 }\n");
        for i in 0..30 {
            fragments += &format!("fragment F{i} on Query {{ ...F{n} ...F{n} }}\n", n = i + 1);
        }
        fragments += "fragment F30 on Query { benefits { code } }";
        let aliases: String = (0..1000)
            .map(|i| format!("a{i}: family(iin: \"{F01}\") {{ entitlements {{ benefit }} }} "))
            .collect();
        let deep_selection = format!(
            "{{ {}benefits {{ code }}{} }}",
            "family(iin: \"1\") { members { edges { node { family { ".repeat(10),
            " } } } } }".repeat(10)
        );
        for (what, q) in [
            ("nested list", nested_list),
            ("nested object", nested_object),
            ("doubling fragments", fragments),
            ("1000 aliases", format!("{{ {aliases} }}")),
            ("deep selection", deep_selection),
        ] {
            let started = Instant::now();
            let r = reqwest::Client::new()
                .post(format!("{}/graphql", app().base_url))
                .bearer_auth(&t)
                .json(&json!({"query": q}))
                .send()
                .await
                .unwrap();
            let status = r.status();
            let body: Value = r.json().await.unwrap();
            let took = started.elapsed();
            assert!(status == 400 || status == 413, "{what}: {status} {body}");
            assert!(body.get("data").is_none(), "{what}: {body}");
            assert!(took < Duration::from_secs(5), "{what} took {took:?}");
        }
        // 10 MB body: 413 from its Content-Length, before anything is read. The server may
        // close the connection while the client is still writing (a broken pipe): refused too.
        let big = "x".repeat(10 * 1024 * 1024);
        let r = reqwest::Client::new()
            .post(format!("{}/graphql", app().base_url))
            .bearer_auth(&t)
            .header("content-type", "application/json")
            .body(format!(r#"{{"query": "{big}"}}"#))
            .send()
            .await;
        match r {
            Ok(r) => assert_eq!(r.status(), 413),
            Err(e) => assert!(
                e.is_request() || e.is_body() || e.is_connect(),
                "neither 413 nor a refused upload: {e}"
            ),
        }
        // And the server answers normally right after.
        let body = gql(FAMILY_Q, json!({"iin": F01})).await;
        assert_eq!(error_code(&body), None, "{body}");
    });
}

#[test]
fn graphql_over_http_negotiation_and_status_codes() {
    run(async {
        let t = token("analyst", "*");
        let url = format!("{}/graphql", app().base_url);
        let c = reqwest::Client::new();
        let ask = |accept: Option<&'static str>, body: String| {
            let mut r = c
                .post(&url)
                .bearer_auth(&t)
                .header("content-type", "application/json")
                .body(body);
            if let Some(a) = accept {
                r = r.header("accept", a);
            }
            r.send()
        };
        let ok = r#"{"query": "{ benefits { code } }"}"#.to_string();
        let invalid = r#"{"query": "{ noSuchField }"}"#.to_string();
        let r = ask(Some("application/json"), ok.clone()).await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json"));
        let r = ask(Some("application/graphql-response+json"), ok.clone())
            .await
            .unwrap();
        assert!(r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/graphql-response+json"));
        // Validation errors: 400 for graphql-response+json, 200 for application/json.
        let r = ask(Some("application/graphql-response+json"), invalid.clone())
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        let r = ask(Some("application/json"), invalid.clone())
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let body: Value = r.json().await.unwrap();
        assert!(
            body.get("data").is_none() && body["errors"].is_array(),
            "{body}"
        );
        // A field error that nulls the whole data is a result, not a request error.
        let r = ask(
            Some("application/graphql-response+json"),
            r#"{"query": "{ family(iin: \"950115401235\") { size } }"}"#.into(),
        )
        .await
        .unwrap();
        assert_eq!(r.status(), 200);
        let body: Value = r.json().await.unwrap();
        assert!(
            body["data"].is_null() && body.get("data").is_some(),
            "{body}"
        );
        assert_eq!(error_code(&body).as_deref(), Some("NOT_FOUND"));
        let r = ask(None, r#"{"query": "{ benefits { "}"#.into())
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "parse errors");
        let r = ask(None, "not json".into()).await.unwrap();
        assert_eq!(r.status(), 400);
        let r = ask(None, r#"{"query": 1}"#.into()).await.unwrap();
        assert_eq!(r.status(), 400);
        // A POST without a content type is not executed.
        let r = c
            .post(&url)
            .bearer_auth(&t)
            .body(ok.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 415);
        // GET runs queries, never mutations.
        let r = c
            .get(&url)
            .bearer_auth(&t)
            .query(&[("query", "{ benefits { code } }")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let r = c
            .get(&url)
            .bearer_auth(&t)
            .query(&[(
                "query",
                "mutation { refuseOffer(offerId: \"x\") { state } }",
            )])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 405);
    });
}

#[test]
fn forged_webhook_calls_change_nothing_and_wrong_codes_are_throttled() {
    let _turn = one_at_a_time();
    run(async {
        let (gw, url) = TestGateway::start().await;
        let a = applicant_with_entitlement(true).await;
        campaign(&url, Utc::now()).await;
        let sms = gw.to(&a.phone);
        let code = code_in(sms[0]["text"].as_str().unwrap());
        let inbound = format!("{}/sms/inbound", app().base_url);
        let forged = json!({"from": a.phone, "text": format!("R {code} 2"),
                            "received_at": "2099-01-01T00:00:00Z"});
        for token in [None, Some("wrong-token-wrong-token")] {
            let mut r = reqwest::Client::new().post(&inbound).json(&forged);
            if let Some(t) = token {
                r = r.header("x-webhook-token", t);
            }
            assert_eq!(r.send().await.unwrap().status(), 401);
        }
        let state = |offers: Vec<Value>| offers[0]["state"].as_str().unwrap().to_string();
        assert_eq!(
            state(app().store.offers_by_phone(&a.phone).await.unwrap()),
            "NOTIFIED"
        );
        // Wrong codes: after five in an hour, replies from that number are not evaluated.
        for i in 0..5 {
            let out = crate::proactive::reply(
                &a.phone,
                &format!("R {:06} 1", (i * 7919) % 1_000_000),
                None,
            )
            .await;
            assert_eq!(out["outcome"], "unknown_offer", "{out}");
        }
        let out = crate::proactive::reply(&a.phone, &format!("R {code} 2"), None).await;
        assert_eq!(out["outcome"], "throttled", "{out}");
        assert_eq!(
            state(app().store.offers_by_phone(&a.phone).await.unwrap()),
            "NOTIFIED"
        );
    });
}

#[test]
fn the_audit_trail_records_every_disclosed_iin_and_is_on_disk() {
    run(async {
        let who = token_with("analyst", "*", "audit-probe-analyst", None, None);
        let body = gql_as(FAMILY_Q, json!({"iin": F01}), &who).await;
        assert_eq!(error_code(&body), None, "{body}");
        let mut shown = std::collections::BTreeSet::new();
        family_card::api::access::full_iins_in(&body.to_string(), &mut shown);
        assert!(shown.len() > 1, "a family answer names several persons");
        let auditor = token("auditor", "*");
        let q = r#"query($s: String!) { auditTrail(subject: $s, first: 50) { entries { subject role outcome disclosedIins accessedIins accesses { action object outcome } } } }"#;
        let trail = gql_as(q, json!({"s": "audit-probe-analyst"}), &auditor).await;
        let entries = trail["data"]["auditTrail"]["entries"]
            .as_array()
            .unwrap()
            .clone();
        let e = entries.last().unwrap_or_else(|| panic!("{trail}"));
        let disclosed: std::collections::BTreeSet<String> = e["disclosedIins"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        assert_eq!(disclosed, shown, "every full IIN of the answer is recorded");
        assert_eq!(e["accesses"][0]["action"], "family_by_iin");
        assert_eq!(e["accesses"][0]["outcome"], "allowed");
        // By person: the member's reads are found.
        let member = shown.iter().find(|i| i.as_str() != F01).unwrap().clone();
        let by_person = gql_as(
            r#"query($i: String!) { auditTrail(iin: $i, first: 500) { entries { subject } } }"#,
            json!({"i": member}),
            &auditor,
        )
        .await;
        assert!(
            by_person.to_string().contains("audit-probe-analyst"),
            "{by_person}"
        );
        // A denial is recorded too; a newline in a value cannot forge a line.
        let sneaky = token_with("analyst", "ALMATY", "x\n{\"seq\":1}", None, None);
        let denied = gql_as(FAMILY_Q, json!({"iin": F01}), &sneaky).await;
        assert_eq!(error_code(&denied).as_deref(), Some("FORBIDDEN"));
        // On disk, chained, readable after the process is gone.
        let path = family_card::audit::file_in(&app().state_dir.join("audit"));
        let summary = family_card::audit::verify(&path).expect("the chain is intact");
        assert!(summary.records >= 3);
        let (rows, _) = family_card::audit::search(
            &path,
            &family_card::audit::AuditQuery {
                subject: Some("x\n{\"seq\":1}".into()),
                limit: 10,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].draft.outcome, "denied");
        // Export over HTTP (auditors only).
        let c = reqwest::Client::new();
        let url = format!(
            "{}/audit/export?subject=audit-probe-analyst",
            app().base_url
        );
        let r = c.get(&url).bearer_auth(&auditor).send().await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.text().await.unwrap().lines().count() >= 1);
        let r = c.get(&url).bearer_auth(&who).send().await.unwrap();
        assert_eq!(r.status(), 403);
    });
}

#[test]
fn the_same_family_asked_twice_in_one_request_is_loaded_once() {
    run(async {
        let who = token_with("analyst", "*", "cache-probe", None, None);
        let q = format!(
            r#"{{ a: family(iin: "{F01}") {{ familyId }} b: family(iin: "{F01}") {{ size }} }}"#
        );
        let body = gql_as(&q, json!({}), &who).await;
        assert_eq!(error_code(&body), None, "{body}");
        let auditor = token("auditor", "*");
        let trail = gql_as(
            r#"{ auditTrail(subject: "cache-probe") { entries { accesses { action object } } } }"#,
            json!({}),
            &auditor,
        )
        .await;
        let accesses = &trail["data"]["auditTrail"]["entries"][0]["accesses"];
        assert_eq!(accesses.as_array().map(Vec::len), Some(1), "{trail}");
    });
}

#[test]
fn introspection_is_off_by_default() {
    use family_card::api::schema::{build_schema, TextChecks};
    for checks in [
        TextChecks::ByCaller,
        TextChecks::ByCallerDocumentValidated,
        TextChecks::InSchema,
    ] {
        let schema = build_schema(None, &family_card::api::limits::Limits::default(), checks);
        let r = run(schema.execute("{ __schema { types { name } } }"));
        let data = serde_json::to_value(&r.data).unwrap();
        assert!(data["__schema"].is_null(), "introspection answered: {data}");
    }
}
