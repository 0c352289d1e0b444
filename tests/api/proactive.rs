//! The proactive flow end to end against the real database and a local test SMS gateway:
//! detection → offer SMS from 1414 → reply → assignment → payment order; odd replies; a
//! dispatcher killed between sending and acknowledging.

use crate::helpers::*;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use axum::{Json, Router};
use chrono::{DateTime, Duration, Utc};
use family_card::domain::family::FamilyId;
use family_card::domain::ids::{Iban, Iin, Sex};
use family_card::domain::offer::ProactiveRules;
use family_card::proactive::gateway::{HttpGateway, SmsGateway};
use family_card::proactive::{self, Titles};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// Campaign runs dispatch every due message in the (shared) database, so the tests of this module
/// take turns: another test's campaign must not send this test's messages to its own gateway.
static FLOW: Mutex<()> = Mutex::new(());

pub(crate) fn one_at_a_time() -> MutexGuard<'static, ()> {
    FLOW.lock().unwrap_or_else(|p| p.into_inner())
}

/// A local SMS gateway: deduplicates on `Idempotency-Key` like a real provider, remembers every
/// request, and can hold its answer (to let a test kill the sender mid-request).
#[derive(Clone, Default)]
pub(crate) struct TestGateway {
    inner: Arc<Mutex<GatewayLog>>,
}

#[derive(Default)]
struct GatewayLog {
    /// Delivered messages by idempotency key (what phones receive).
    delivered: BTreeMap<String, Value>,
    requests: usize,
    hold_ms: u64,
}

impl TestGateway {
    pub(crate) async fn start() -> (TestGateway, String) {
        let g = TestGateway::default();
        let app = Router::new()
            .route("/sms", post(receive))
            .with_state(g.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/sms", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        (g, url)
    }
    pub(crate) fn to(&self, phone: &str) -> Vec<Value> {
        let l = self.inner.lock().unwrap();
        l.delivered
            .values()
            .filter(|m| m["to"] == phone)
            .cloned()
            .collect()
    }
    fn requests(&self) -> usize {
        self.inner.lock().unwrap().requests
    }
    fn hold(&self, ms: u64) {
        self.inner.lock().unwrap().hold_ms = ms;
    }
}

async fn receive(
    State(g): State<TestGateway>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Json<Value> {
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let hold = {
        let mut l = g.inner.lock().unwrap();
        l.requests += 1;
        l.delivered.entry(key.clone()).or_insert(body);
        l.hold_ms
    };
    if hold > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(hold)).await;
    }
    Json(json!({"message_id": format!("gw-{key}")}))
}

pub(crate) struct Applicant {
    pub(crate) mother: Iin,
    pub(crate) phone: String,
    pub(crate) family_id: String,
    pub(crate) iban: Iban,
}

/// A mother with a baby, a phone and (optionally) a bank account, and a detected monthly
/// entitlement for her family, recorded as the detection job records it.
pub(crate) async fn applicant_with_entitlement(with_account: bool) -> Applicant {
    let mother = fresh_iin("1994-02-11", Sex::Female);
    let baby = fresh_iin("2026-03-01", Sex::Male);
    let phone = format!("+7700{}", &mother.as_str()[5..12]);
    let iban =
        Iban::from_parts("125", &format!("00{}", &mother.as_str()[1..12])).expect("valid IBAN");
    let mut x = Extract::default();
    x.add("addresses.ndjson", json!({"address_id": format!("A-{}", mother.as_str()), "region": "ASTANA", "settlement": "Астана", "settlement_type": "republican_city"}))
        .add("persons.ndjson", json!({"iin": mother.as_str(), "surname": "Оспанова", "first_name": "Дана", "citizenship": "citizen", "phone": phone}))
        .person(&baby, "Оспанов", "Арман")
        .add("parent_links.ndjson", json!({"parent_iin": mother.as_str(), "child_iin": baby.as_str(), "kind": "birth"}))
        .add("registrations.ndjson", json!({"iin": mother.as_str(), "address_id": format!("A-{}", mother.as_str()), "kind": "permanent", "from": "2015-01-01"}));
    if with_account {
        x.add("bank_accounts.ndjson", json!({"iban": iban.as_str(), "iin": mother.as_str(), "bank": "Halyk", "opened_on": "2020-01-01"}));
    }
    let s = x.load().await;
    assert_eq!(s.rejected(), 0, "{:?}", s.rejects);
    let store = &app().store;
    let family_id = FamilyId::for_anchor(&mother).as_str().to_string();
    store
        .upsert_families(&json!([{"family_id": family_id, "anchor_iin": mother.as_str()}]))
        .await
        .unwrap();
    let key = format!(
        "child_care_allowance/{}/{}/2026-03-01",
        mother.as_str(),
        baby.as_str()
    );
    let created = store
        .record_entitlements(&json!([{
            "family_id": family_id,
            "entitlement_key": key,
            "as_of": "2026-06-15",
            "now": "2026-06-15T08:00:00.000Z",
            "props": {
                "benefit": "child_care_allowance",
                "family_id": family_id,
                "recipient_iin": mother.as_str(),
                "recipient_iban": if with_account { Value::from(iban.as_str()) } else { Value::Null },
                "subject_iin": baby.as_str(),
                "amount_kzt": 25_949,
                "payment": "monthly",
                "period_from": "2026-03-01",
                "period_to": "2027-09-01",
                "rules_version": "test",
                "reasons": "[]"
            }
        }]))
        .await
        .unwrap();
    assert_eq!(created, 1);
    Applicant {
        mother,
        phone,
        family_id,
        iban,
    }
}

fn rules() -> ProactiveRules {
    ProactiveRules::bundled()
}

fn titles() -> Titles {
    Titles::from([(
        "child_care_allowance".to_string(),
        "пособие по уходу за ребёнком".to_string(),
    )])
}

pub(crate) async fn campaign(url: &str, now: DateTime<Utc>) -> proactive::CampaignReport {
    let gw = SmsGateway::Http(HttpGateway::new(url.to_string(), None));
    proactive::run_campaign(&app().store, &rules(), &titles(), &gw, now)
        .await
        .expect("campaign runs")
}

pub(crate) async fn reply(phone: &str, text: &str, message_id: Option<&str>) -> Value {
    let mut body = json!({"from": phone, "text": text});
    if let Some(id) = message_id {
        body["message_id"] = json!(id);
    }
    reqwest::Client::new()
        .post(format!("{}/sms/inbound", app().base_url))
        .header("x-webhook-token", WEBHOOK_TOKEN)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The six-digit code from the offer SMS text ("… R 123456 1 …").
pub(crate) fn code_in(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let i = words.iter().position(|w| *w == "R").expect("R in the text");
    words[i + 1].to_string()
}

const OFFER_QUERY: &str =
    "query($id: String!) { offer(offerId: $id) { offerId state benefit amountKzt \
    sentAt expiresAt transitions { from to event actor } messages { kind sender status } \
    paymentOrders { orderId amountKzt iban periodFrom } } }";

async fn offer_of(phone: &str) -> Value {
    let offers = app().store.offers_by_phone(phone).await.unwrap();
    assert_eq!(offers.len(), 1, "one offer per entitlement");
    let id = offers[0]["offer_id"].as_str().unwrap().to_string();
    let body = gql(OFFER_QUERY, json!({"id": id})).await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["offer"].clone()
}

#[test]
fn detection_to_sms_consent_assignment_and_payment_order() {
    let _turn = one_at_a_time();
    run(async {
        let (gw, url) = TestGateway::start().await;
        let a = applicant_with_entitlement(false).await;
        let now = Utc::now();
        campaign(&url, now).await;

        let sms = gw.to(&a.phone);
        assert_eq!(sms.len(), 1, "exactly one offer SMS");
        assert_eq!(sms[0]["sender"], "1414");
        let text = sms[0]["text"].as_str().unwrap();
        assert!(
            text.contains("пособие по уходу за ребёнком") && text.contains("25949 ₸"),
            "{text}"
        );
        let offer = offer_of(&a.phone).await;
        assert_eq!(offer["state"], "NOTIFIED");
        let sent: DateTime<Utc> = offer["sentAt"].as_str().unwrap().parse().unwrap();
        let expires: DateTime<Utc> = offer["expiresAt"].as_str().unwrap().parse().unwrap();
        assert_eq!(expires - sent, Duration::hours(72));

        // Consent without an account (none in the registry): an account is asked for.
        let code = code_in(text);
        let r = reply(&a.phone, &format!("R {code} 1"), None).await;
        assert_eq!(r["outcome"], "applied", "{r}");
        assert_eq!(r["state"], "CONSENTED");
        // The account, with spaces, in lower case.
        let spaced: String = a
            .iban
            .as_str()
            .to_lowercase()
            .chars()
            .collect::<Vec<_>>()
            .chunks(4)
            .map(|c| c.iter().collect::<String>())
            .collect::<Vec<_>>()
            .join(" ");
        let r = reply(&a.phone, &format!("R {code} {spaced}"), None).await;
        assert_eq!(r["outcome"], "applied", "{r}");
        assert_eq!(r["state"], "PAYMENT_ORDERED");

        let offer = offer_of(&a.phone).await;
        let moves: Vec<(String, String)> = offer["transitions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    t["from"].as_str().unwrap().into(),
                    t["to"].as_str().unwrap().into(),
                )
            })
            .collect();
        let expect = [
            ("DETECTED", "NOTIFIED"),
            ("NOTIFIED", "CONSENTED"),
            ("CONSENTED", "ACCOUNT_CONFIRMED"),
            ("ACCOUNT_CONFIRMED", "ASSIGNED"),
            ("ASSIGNED", "PAYMENT_ORDERED"),
        ];
        assert_eq!(
            moves,
            expect.map(|(a, b)| (a.to_string(), b.to_string())).to_vec()
        );
        assert!(offer["transitions"][1]["actor"]
            .as_str()
            .unwrap()
            .starts_with("sms:+7700"));
        let orders = offer["paymentOrders"].as_array().unwrap();
        assert_eq!(orders.len(), 1);
        assert_eq!(orders[0]["amountKzt"], 25_949);
        assert_eq!(orders[0]["periodFrom"], "2026-03-01");
        assert_eq!(orders[0]["iban"], a.iban.as_str());

        // The next run sends the account request and the assignment SMS; the offer SMS is not
        // sent again.
        campaign(&url, Utc::now()).await;
        let kinds: Vec<String> = gw
            .to(&a.phone)
            .iter()
            .map(|m| {
                m["client_message_id"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(kinds, vec!["account-request", "assigned", "offer"]);

        // The payment order is exported for the paying organisation.
        let mut csv = Vec::new();
        proactive::export_payment_orders(&app().store, &mut csv)
            .await
            .unwrap();
        let csv = String::from_utf8(csv).unwrap();
        let line = csv
            .lines()
            .find(|l| l.contains(a.mother.as_str()))
            .expect("order exported");
        assert!(
            line.contains(a.iban.as_str()) && line.contains(";25949;"),
            "{line}"
        );

        // Figures count the offer as detected, notified, replied, consented, assigned.
        let f = proactive::figures(&app().store).await.unwrap();
        let cc = f
            .iter()
            .find(|f| f.benefit == "child_care_allowance")
            .unwrap();
        assert!(cc.detected >= 1 && cc.payment_ordered >= 1 && cc.replied >= 1);
        let _ = a.family_id;
    });
}

#[test]
fn odd_replies_get_defined_outcomes() {
    let _turn = one_at_a_time();
    run(async {
        let (gw, url) = TestGateway::start().await;
        let a = applicant_with_entitlement(true).await;
        campaign(&url, Utc::now()).await;
        let code = code_in(gw.to(&a.phone)[0]["text"].as_str().unwrap());

        let r = reply("+77770000001", &format!("R {code} 1"), None).await;
        assert_eq!(r["outcome"], "unknown_sender");
        let r = reply(&a.phone, "да, согласна", None).await;
        assert_eq!(r["outcome"], "malformed");
        assert!(r["detail"].as_str().unwrap().contains("starts with R"));
        let r = reply(&a.phone, "R 12 1", None).await;
        assert_eq!(r["outcome"], "malformed");
        let other = if code == "000000" { "000001" } else { "000000" };
        let r = reply(&a.phone, &format!("R {other} 1"), None).await;
        assert_eq!(r["outcome"], "unknown_offer");
        let r = reply(&a.phone, &format!("R {code} 1 KZ00INVALID000000000"), None).await;
        assert_eq!(r["outcome"], "malformed");

        // Consent (the registry's account is used) — delivered twice by the gateway, then
        // repeated by the citizen, then contradicted.
        let first = reply(&a.phone, &format!("R {code} 1"), Some("in-1")).await;
        assert_eq!(first["outcome"], "applied", "{first}");
        assert_eq!(first["state"], "PAYMENT_ORDERED");
        let again = reply(&a.phone, &format!("R {code} 1"), Some("in-1")).await;
        assert_eq!(again["outcome"], "duplicate_delivery");
        let repeated = reply(&a.phone, &format!("R {code} 1"), Some("in-2")).await;
        assert_eq!(repeated["outcome"], "duplicate_reply");
        let refused = reply(&a.phone, &format!("R {code} 2"), Some("in-3")).await;
        assert_eq!(refused["outcome"], "rejected");
        assert!(refused["detail"]
            .as_str()
            .unwrap()
            .contains("cannot refuse"));
        let offer = offer_of(&a.phone).await;
        assert_eq!(offer["state"], "PAYMENT_ORDERED");
        assert_eq!(offer["paymentOrders"].as_array().unwrap().len(), 1);

        // A malformed body is a 400 naming the expected shape, not a crash.
        let resp = reqwest::Client::new()
            .post(format!("{}/sms/inbound", app().base_url))
            .header("x-webhook-token", WEBHOOK_TOKEN)
            .body("not json")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 400);
    });
}

#[test]
fn one_reminder_then_expiry_and_a_late_reply_keeps_the_right() {
    let _turn = one_at_a_time();
    run(async {
        let (gw, url) = TestGateway::start().await;
        let a = applicant_with_entitlement(true).await;
        let t0 = Utc::now();
        campaign(&url, t0).await;
        let code = code_in(gw.to(&a.phone)[0]["text"].as_str().unwrap());
        // 49 h later: the reminder (24 h before expiry) is due; a second run sends no second one.
        campaign(&url, t0 + Duration::hours(49)).await;
        campaign(&url, t0 + Duration::hours(50)).await;
        let reminders = gw
            .to(&a.phone)
            .iter()
            .filter(|m| {
                m["client_message_id"]
                    .as_str()
                    .unwrap()
                    .ends_with("/reminder")
            })
            .count();
        assert_eq!(reminders, 1);
        assert_eq!(offer_of(&a.phone).await["state"], "NOTIFIED");
        // 73 h later: expired.
        let r = campaign(&url, t0 + Duration::hours(73)).await;
        assert!(r.expired >= 1);
        assert_eq!(offer_of(&a.phone).await["state"], "EXPIRED");
        let late = reply(&a.phone, &format!("R {code} 1"), None).await;
        assert_eq!(late["outcome"], "after_expiry");
        assert!(late["detail"].as_str().unwrap().contains("eGov"));
        // The entitlement itself is kept.
        let kept = app()
            .store
            .entitlements_of_family(&a.family_id)
            .await
            .unwrap();
        assert_eq!(kept.len(), 1);
    });
}

#[test]
fn operators_answer_through_graphql_and_partners_may_not() {
    let _turn = one_at_a_time();
    run(async {
        let (_gw, url) = TestGateway::start().await;
        let a = applicant_with_entitlement(true).await;
        campaign(&url, Utc::now()).await;
        let id = app().store.offers_by_phone(&a.phone).await.unwrap()[0]["offer_id"]
            .as_str()
            .unwrap()
            .to_string();
        let m = "mutation($id: String!) { refuseOffer(offerId: $id) { state transitions { to actor } } }";
        let denied = gql_as(m, json!({"id": id}), &token("partner", "*")).await;
        assert_eq!(error_code(&denied).as_deref(), Some("FORBIDDEN"));
        let analyst = gql(m, json!({"id": id})).await;
        assert_eq!(
            error_code(&analyst).as_deref(),
            Some("FORBIDDEN"),
            "analysts read offers but only operators answer them"
        );
        let ok = gql_as(
            m,
            json!({"id": id}),
            &token_with("operator", "*", "op-17", None, None),
        )
        .await;
        assert_eq!(ok["data"]["refuseOffer"]["state"], "REFUSED", "{ok}");
        assert_eq!(
            ok["data"]["refuseOffer"]["transitions"][1]["actor"],
            "operator:op-17"
        );
        // Refusing twice is an illegal transition, reported as bad input naming the field.
        let again = gql_operator(m, json!({"id": id})).await;
        assert_eq!(error_code(&again).as_deref(), Some("BAD_USER_INPUT"));
        assert_eq!(again["errors"][0]["extensions"]["field"], "offerId");
        let bad = gql_operator(
            "mutation($id: String!) { consentOffer(offerId: $id, account: \"KZ123\") { state } }",
            json!({"id": id}),
        )
        .await;
        assert_eq!(bad["errors"][0]["extensions"]["field"], "account");
    });
}

#[test]
fn a_dispatcher_killed_between_send_and_acknowledgement_neither_loses_nor_duplicates() {
    let _turn = one_at_a_time();
    let (gw, url, a) = run(async {
        let (gw, url) = TestGateway::start().await;
        let a = applicant_with_entitlement(true).await;
        // Create and notify the offer without sending (a gateway that is down), an hour ago, so
        // its retry is due now.
        let down = SmsGateway::Http(HttpGateway::new("http://127.0.0.1:9/sms".into(), None));
        let an_hour_ago = Utc::now() - Duration::hours(1);
        let _ =
            proactive::run_campaign(&app().store, &rules(), &titles(), &down, an_hour_ago).await;
        (gw, url, a)
    });
    // The message failed once and waits for its retry; make the gateway slow and start a
    // dispatcher process that will be killed while the gateway holds its answer.
    gw.hold(60_000);
    let cfg = &app().db_config;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_family-card"))
        .current_dir(repo_path("."))
        .env("RUST_LOG", "warn")
        .args([
            "--db-uri",
            &cfg.uri,
            "--db-user",
            &cfg.user,
            "--db-password",
            cfg.password.expose(),
        ])
        .args(["proactive", "dispatch", "--sms-gateway-url", &url])
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("dispatcher starts");
    // Wait until the gateway has received (and delivered) the offer SMS, then kill -9. The
    // dispatcher sends every due message of the shared database, and the gateway holds each for
    // 60 s: a message another test left due may come first, so allow for one held request.
    let started = std::time::Instant::now();
    while gw.to(&a.phone).is_empty() {
        assert!(
            started.elapsed().as_secs() < 150,
            "the dispatcher never sent"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    run(async {
        let offer = offer_of(&a.phone).await;
        let msg = offer["messages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["kind"] == "offer")
            .unwrap()
            .clone();
        assert_eq!(msg["status"], "PENDING", "not acknowledged before the kill");
        // The next dispatcher run re-sends with the same idempotency key.
        gw.hold(0);
        let fast = SmsGateway::Http(HttpGateway::new(url.clone(), None));
        let mut r = proactive::CampaignReport::default();
        proactive::dispatch(
            &app().store,
            &rules(),
            &fast,
            &mut r,
            Utc::now() + Duration::hours(1),
        )
        .await
        .unwrap();
        let offer = offer_of(&a.phone).await;
        let msg = offer["messages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["kind"] == "offer")
            .unwrap()
            .clone();
        assert_eq!(msg["status"], "SENT");
        assert_eq!(gw.to(&a.phone).len(), 1, "delivered exactly once");
        assert!(
            gw.requests() >= 2,
            "it was sent twice, deduplicated by the gateway"
        );
    });
}

#[test]
fn a_fixture_family_from_detection_through_sms_and_consent_to_its_payment_order() {
    // The campaign dispatches every due message: nothing else may run meanwhile.
    let _turn = one_at_a_time();
    run_exclusive(async {
        let store = &app().store;
        let rules_set = family_card::rules::RuleSet::bundled();
        let opts = family_card::jobs::JobOptions {
            page_size: 10,
            load_batch: 5,
            restart: true,
            ..Default::default()
        };
        // Detection over the whole registry records each entitlement once.
        let detect = || {
            family_card::jobs::detect::detect(
                store,
                &rules_set.benefits,
                &rules_set.legal,
                reference_date(),
                &opts,
            )
        };
        assert!(detect().await.unwrap().finished);
        assert_eq!(
            detect().await.unwrap().written,
            0,
            "re-running creates nothing new"
        );

        // F01 (five children at home): the large-family benefit, 20.04 МРП × 4 325 ₸, paid to the
        // mother, whose Kaspi account the registry knows.
        let fid = family_id_of(&first_iin_at("AD-01")).await;
        let recorded = store.entitlements_of_family(&fid).await.unwrap();
        let large = recorded
            .iter()
            .find(|e| e["benefit"] == "large_family")
            .unwrap_or_else(|| panic!("{recorded:?}"));
        assert_eq!(large["amount_kzt"], 86_673);
        let mother = large["recipient_iin"].as_str().unwrap().to_string();
        let iban = large["recipient_iban"].as_str().unwrap().to_string();
        let phone = phone_of(&mother);

        // The campaign sends the offer from 1414 to the local gateway server.
        let (gw, url) = TestGateway::start().await;
        let sms = SmsGateway::Http(HttpGateway::new(url.clone(), None));
        let titles = family_card::api::benefit_titles();
        proactive::run_campaign(store, &rules(), &titles, &sms, Utc::now())
            .await
            .unwrap();
        let sent = gw.to(&phone);
        assert_eq!(sent.len(), 1, "one offer SMS: {sent:?}");
        assert_eq!(sent[0]["sender"], "1414");
        let text = sent[0]["text"].as_str().unwrap();
        assert!(text.contains("86673 ₸"), "{text}");
        // F10's husband reaches pension age on 2026-07-01: notified through the same outbox.
        let f10 = first_iin_at("AD-10");
        let notice = gw.to(&phone_of(&f10));
        assert!(
            notice.iter().any(|m| m["sender"] == "1414"),
            "pension-age notice: {notice:?}"
        );

        // Consent by SMS, no account given: the registry's account is used, the benefit is
        // assigned and its payment order written.
        let code = code_in(text);
        let r = reply(&phone, &format!("R {code} 1"), Some("fixture-f01-consent")).await;
        assert_eq!(r["outcome"], "applied", "{r}");
        assert_eq!(r["state"], "PAYMENT_ORDERED", "{r}");
        let offer = offer_of(&phone).await;
        let orders = offer["paymentOrders"].as_array().unwrap();
        assert_eq!(orders.len(), 1);
        assert_eq!(orders[0]["amountKzt"], 86_673);
        assert_eq!(orders[0]["iban"], iban.as_str());
        // The same reply delivered again changes nothing.
        let again = reply(&phone, &format!("R {code} 1"), Some("fixture-f01-consent")).await;
        assert_eq!(again["outcome"], "duplicate_delivery", "{again}");

        // The next run neither detects nor offers anything twice.
        assert_eq!(detect().await.unwrap().written, 0);
        proactive::run_campaign(store, &rules(), &titles, &sms, Utc::now())
            .await
            .unwrap();
        let offers = gw
            .to(&phone)
            .iter()
            .filter(|m| m["client_message_id"].as_str().unwrap().ends_with("/offer"))
            .count();
        assert_eq!(offers, 1);
    });
}
