//! The proactive flow (DOMAIN §4): detected entitlements become offers; an offer SMS goes out from
//! 1414 through the outbox; the citizen consents (with or without an account) or refuses within
//! the reply window, or the offer expires; a consent with an account is assigned and a payment
//! order produced. Pension-age notices go through the same outbox.
//!
//! Every state change is checked by the pure state machine ([`crate::domain::offer::transition`])
//! and written in one statement with its audit record and outbox messages
//! ([`Store::apply_offer_transition`]); the dispatcher sends the outbox through an
//! [`gateway::SmsGateway`] with idempotency keys, so a crash anywhere neither loses nor duplicates
//! an SMS.

pub mod gateway;
pub mod replies;

use crate::domain::ids::Iban;
use crate::domain::offer::{render, transition, OfferEvent, OfferState, ProactiveRules};
use crate::store::{Store, StoreError, TransitionWrite};
use chrono::{DateTime, SecondsFormat, Utc};
use futures::TryStreamExt;
use gateway::{GatewayError, OutgoingSms, SmsGateway};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Timestamps are stored as RFC 3339 UTC with milliseconds, so they compare as strings.
pub fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn short_hash(parts: &[&str]) -> String {
    let h = Sha256::digest(parts.join("\u{1f}").as_bytes());
    h[..10].iter().map(|b| format!("{b:02x}")).collect()
}

/// A six-digit reply code from the operating system's CSPRNG (uniform: rejection sampling).
pub fn reply_code() -> String {
    loop {
        let n = u32::from_be_bytes(crate::secret::random_bytes::<4>());
        // 4_294_000_000 is the largest multiple of 1_000_000 below 2^32.
        if n < 4_294_000_000 {
            return format!("{:06}", n % 1_000_000);
        }
    }
}

/// An offer as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Offer {
    pub offer_id: String,
    pub code: String,
    pub entitlement_key: String,
    pub benefit: String,
    pub family_id: String,
    pub recipient_iin: String,
    #[serde(default)]
    pub phone: Option<String>,
    pub state: String,
    pub version: i64,
    #[serde(default)]
    pub amount_kzt: Option<i64>,
    #[serde(default)]
    pub period_from: Option<String>,
    #[serde(default)]
    pub period_to: Option<String>,
    /// The account known from the registry at creation, or given in a reply.
    #[serde(default)]
    pub account_iban: Option<String>,
    #[serde(default)]
    pub sent_at: Option<String>,
    #[serde(default)]
    pub expires_at: Option<String>,
    #[serde(default)]
    pub reminder_due_at: Option<String>,
    #[serde(default)]
    pub reminded_at: Option<String>,
    #[serde(default)]
    pub replied_at: Option<String>,
}

impl Offer {
    pub fn state(&self) -> OfferState {
        OfferState::parse(&self.state).unwrap_or(OfferState::Detected)
    }
    pub fn from_value(v: &Value) -> Result<Offer, StoreError> {
        serde_json::from_value(v.clone()).map_err(|e| StoreError::Shape {
            what: "offer",
            cause: e.to_string(),
        })
    }
    fn amount_text(&self) -> String {
        self.amount_kzt
            .map(|a| format!(", {a} ₸"))
            .unwrap_or_default()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    #[error("no offer {0}")]
    NoOffer(String),
    #[error(transparent)]
    Illegal(#[from] crate::domain::offer::IllegalTransition),
    #[error("the offer {0} was changed concurrently; try again")]
    Conflict(String),
    #[error("invalid account: {0}")]
    Account(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The benefit titles used in SMS texts, by code.
pub type Titles = BTreeMap<String, String>;

/// Applies one event to an offer: checks it with the state machine, then writes the change with
/// its outbox messages in one statement. Returns the new offer state.
pub async fn apply(
    store: &Store,
    rules: &ProactiveRules,
    titles: &Titles,
    offer: &Offer,
    event: OfferEvent,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<OfferState, FlowError> {
    let from = offer.state();
    let to = transition(from, &event)?;
    let at = ts(now);
    let title = titles
        .get(&offer.benefit)
        .cloned()
        .unwrap_or_else(|| offer.benefit.clone());
    let mut props = json!({});
    let mut outbox = vec![];
    let mut payment_orders = vec![];
    let timing = rules.timing_for(&offer.benefit);
    let message = |kind: &str, id_suffix: &str, text: String| -> Option<Value> {
        let phone = offer.phone.clone()?;
        Some(json!({
            "message_id": format!("{}/{}", offer.offer_id, id_suffix),
            "kind": kind,
            "benefit": offer.benefit,
            "offer_id": offer.offer_id,
            "phone": phone,
            "sender": rules.sender_id,
            "text": text,
            "status": "PENDING",
            "attempts": 0,
            "created_at": at,
            "next_attempt_at": at,
        }))
    };
    let mut details = json!({});
    match &event {
        OfferEvent::Notify { message_id } => {
            let text = render(
                &rules.templates.offer,
                &[
                    ("benefit", &title),
                    ("amount", &offer.amount_text()),
                    ("code", &offer.code),
                    ("hours", &timing.reply_window_hours.to_string()),
                ],
            );
            outbox.extend(message("offer", "offer", text));
            props["notified_at"] = json!(at);
            details["message_id"] = json!(message_id);
        }
        OfferEvent::Remind { message_id } => {
            let text = render(
                &rules.templates.reminder,
                &[("benefit", &title), ("code", &offer.code)],
            );
            outbox.extend(message("reminder", "reminder", text));
            props["reminder_enqueued_at"] = json!(at);
            details["message_id"] = json!(message_id);
        }
        OfferEvent::Consent { account } => {
            props["replied_at"] = json!(at);
            props["consented_at"] = json!(at);
            match account {
                Some(a) => {
                    props["account_iban"] = json!(a.as_str());
                    details["account"] = json!(a.masked());
                }
                None => {
                    let text = render(&rules.templates.account_request, &[("code", &offer.code)]);
                    outbox.extend(message("account_request", "account-request", text));
                }
            }
        }
        OfferEvent::ConfirmAccount { account } => {
            props["account_iban"] = json!(account.as_str());
            details["account"] = json!(account.masked());
        }
        OfferEvent::Refuse => {
            props["replied_at"] = json!(at);
            props["refused_at"] = json!(at);
        }
        OfferEvent::Expire => {
            props["expired_at"] = json!(at);
        }
        OfferEvent::Assign => {
            props["assigned_at"] = json!(at);
            let account = offer.account_iban.clone().unwrap_or_default();
            let masked = Iban::parse(&account)
                .map(|i| i.masked())
                .unwrap_or_default();
            let text = render(
                &rules.templates.assigned,
                &[
                    ("benefit", &title),
                    ("amount", &offer.amount_text()),
                    ("account", &masked),
                ],
            );
            outbox.extend(message("assigned", "assigned", text));
        }
        OfferEvent::OrderPayment { order_id } => {
            props["payment_ordered_at"] = json!(at);
            payment_orders.push(json!({
                "order_id": order_id,
                "offer_id": offer.offer_id,
                "entitlement_key": offer.entitlement_key,
                "benefit": offer.benefit,
                "family_id": offer.family_id,
                "recipient_iin": offer.recipient_iin,
                "iban": offer.account_iban,
                "amount_kzt": offer.amount_kzt,
                "period_from": offer.period_from,
                "period_to": offer.period_to,
                "created_at": at,
            }));
            details["order_id"] = json!(order_id);
        }
    }
    let w = TransitionWrite {
        offer_id: offer.offer_id.clone(),
        from: from.as_str().into(),
        to: to.as_str().into(),
        version: offer.version,
        props,
        transition_id: format!("{}/{}/{}", offer.offer_id, offer.version + 1, event.name()),
        event: event.name().into(),
        at,
        actor: actor.into(),
        details: details.to_string(),
        outbox,
        payment_orders,
    };
    if !store.apply_offer_transition(&w).await? {
        return Err(FlowError::Conflict(offer.offer_id.clone()));
    }
    Ok(to)
}

/// Loads an offer.
pub async fn load_offer(store: &Store, offer_id: &str) -> Result<Offer, FlowError> {
    let v = store
        .offer(offer_id)
        .await?
        .ok_or_else(|| FlowError::NoOffer(offer_id.into()))?;
    Ok(Offer::from_value(&v["offer"])?)
}

/// After an account is confirmed: assign the benefit and order the payment (two transitions).
pub async fn assign_and_order(
    store: &Store,
    rules: &ProactiveRules,
    titles: &Titles,
    offer_id: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<OfferState, FlowError> {
    let o = load_offer(store, offer_id).await?;
    apply(store, rules, titles, &o, OfferEvent::Assign, actor, now).await?;
    let o = load_offer(store, offer_id).await?;
    let order_id = format!("PO-{}", short_hash(&[&o.offer_id]));
    apply(
        store,
        rules,
        titles,
        &o,
        OfferEvent::OrderPayment { order_id },
        actor,
        now,
    )
    .await
}

/// Consent, refusal or account given by an operator or a front end (GraphQL mutations): the same
/// path as an SMS reply.
pub async fn answer(
    store: &Store,
    rules: &ProactiveRules,
    titles: &Titles,
    offer_id: &str,
    event: OfferEvent,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<OfferState, FlowError> {
    let o = load_offer(store, offer_id).await?;
    let event = match event {
        OfferEvent::Consent { account: None } => OfferEvent::Consent {
            account: o.account_iban.as_deref().and_then(|a| Iban::parse(a).ok()),
        },
        e => e,
    };
    let state = apply(store, rules, titles, &o, event, actor, now).await?;
    if state == OfferState::AccountConfirmed {
        return assign_and_order(store, rules, titles, offer_id, actor, now).await;
    }
    Ok(state)
}

/// What one campaign run did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CampaignReport {
    pub offers_created: u64,
    pub offers_notified: u64,
    pub skipped_no_phone: u64,
    pub notices_enqueued: u64,
    pub reminders: u64,
    pub expired: u64,
    pub sent: u64,
    pub send_failures: u64,
    pub gave_up: u64,
}

/// One run of the campaign: offers for new entitlements, pension notices, reminders, expiries,
/// then the outbox. `serve` runs it periodically; `family-card proactive run` once.
pub async fn run_campaign(
    store: &Store,
    rules: &ProactiveRules,
    titles: &Titles,
    gateway: &SmsGateway,
    now: DateTime<Utc>,
) -> Result<CampaignReport, FlowError> {
    let mut r = CampaignReport::default();
    create_offers(store, &mut r, now).await?;
    notify_new(store, rules, titles, &mut r, now).await?;
    enqueue_notices(store, rules, &mut r, now).await?;
    remind_and_expire(store, rules, titles, &mut r, now).await?;
    dispatch(store, rules, gateway, &mut r, now).await?;
    Ok(r)
}

async fn create_offers(
    store: &Store,
    r: &mut CampaignReport,
    now: DateTime<Utc>,
) -> Result<(), FlowError> {
    let pages = store.pages(
        String::new(),
        500,
        |s, after, limit| async move { s.offer_candidates(&after, limit).await },
        |row: &(Value, Option<String>, Option<String>)| key_of(&row.0, "entitlement_key"),
    );
    futures::pin_mut!(pages);
    while let Some(page) = pages.try_next().await? {
        let page = page.rows;
        let mut rows = vec![];
        for (e, phone, region) in &page {
            if e["payment"].as_str() == Some("notification") {
                continue; // notices, not offers
            }
            let Some(phone) = phone else {
                r.skipped_no_phone += 1;
                continue;
            };
            let key = e["entitlement_key"].as_str().unwrap_or_default();
            // Random: an offer id or a reply code computed from data the API shows would let
            // anybody answer a citizen's offer. Idempotency comes from MERGE on the entitlement.
            let offer_id = format!("OF-{}", crate::secret::random_hex::<10>());
            rows.push(json!({
                "entitlement_key": key,
                "offer_id": offer_id,
                "now": ts(now),
                "props": {
                    "offer_id": offer_id,
                    "code": reply_code(),
                    "entitlement_key": key,
                    "benefit": e["benefit"],
                    "family_id": e["family_id"],
                    "recipient_iin": e["recipient_iin"],
                    "phone": phone,
                    "amount_kzt": e["amount_kzt"],
                    "period_from": e["period_from"],
                    "period_to": e["period_to"],
                    "account_iban": e["recipient_iban"],
                    // The recipient's region at creation: the offer's region scope.
                    "region": region,
                }
            }));
        }
        r.offers_created += store.create_offers(&Value::Array(rows)).await?;
    }
    Ok(())
}

async fn notify_new(
    store: &Store,
    rules: &ProactiveRules,
    titles: &Titles,
    r: &mut CampaignReport,
    now: DateTime<Utc>,
) -> Result<(), FlowError> {
    loop {
        // Every notified offer leaves the DETECTED state, so the first page is always fresh.
        let page = store.offers_in_state("DETECTED", "", 500).await?;
        if page.is_empty() {
            break;
        }
        let mut progressed = false;
        for v in &page {
            let o = Offer::from_value(v)?;
            let message_id = format!("{}/offer", o.offer_id);
            match apply(
                store,
                rules,
                titles,
                &o,
                OfferEvent::Notify { message_id },
                "campaign",
                now,
            )
            .await
            {
                Ok(_) => {
                    r.offers_notified += 1;
                    progressed = true;
                }
                Err(FlowError::Conflict(_)) => {}
                Err(e) => return Err(e),
            }
        }
        if !progressed {
            break;
        }
    }
    Ok(())
}

async fn enqueue_notices(
    store: &Store,
    rules: &ProactiveRules,
    r: &mut CampaignReport,
    now: DateTime<Utc>,
) -> Result<(), FlowError> {
    let pages = store.pages(
        String::new(),
        500,
        |s, after, limit| async move { s.notice_candidates(&after, limit).await },
        |row: &(Value, Option<String>)| key_of(&row.0, "entitlement_key"),
    );
    futures::pin_mut!(pages);
    while let Some(page) = pages.try_next().await? {
        let page = page.rows;
        let rows: Vec<Value> = page
            .iter()
            .filter_map(|(e, phone)| {
                let phone = phone.clone()?;
                let key = e["entitlement_key"].as_str()?;
                let at = ts(now);
                Some(json!({
                    "message_id": format!("NT-{}", short_hash(&[key])),
                    "entitlement_key": key,
                    "props": {
                        "kind": "pension_notice",
                        "benefit": e["benefit"],
                        "phone": phone,
                        "sender": rules.sender_id,
                        "text": rules.templates.pension_notice,
                        "status": "PENDING",
                        "attempts": 0,
                        "created_at": at,
                        "next_attempt_at": at,
                    }
                }))
            })
            .collect();
        r.skipped_no_phone += (page.len() - rows.len()) as u64;
        r.notices_enqueued += store.outbox_enqueue(&Value::Array(rows)).await?;
    }
    Ok(())
}

async fn remind_and_expire(
    store: &Store,
    rules: &ProactiveRules,
    titles: &Titles,
    r: &mut CampaignReport,
    now: DateTime<Utc>,
) -> Result<(), FlowError> {
    let now_s = ts(now);
    let pages = store.pages(
        String::new(),
        500,
        |s, after, limit| async move { s.offers_in_state("NOTIFIED", &after, limit).await },
        |row: &Value| key_of(row, "offer_id"),
    );
    futures::pin_mut!(pages);
    while let Some(page) = pages.try_next().await? {
        let page = page.rows;
        for v in &page {
            let o = Offer::from_value(v)?;
            let res = if o.expires_at.as_deref().is_some_and(|e| e <= now_s.as_str()) {
                apply(
                    store,
                    rules,
                    titles,
                    &o,
                    OfferEvent::Expire,
                    "campaign",
                    now,
                )
                .await
                .map(|_| r.expired += 1)
            } else if o.reminded_at.is_none()
                && o.reminder_due_at
                    .as_deref()
                    .is_some_and(|d| d <= now_s.as_str())
                && v.get("reminder_enqueued_at").is_none_or(|x| x.is_null())
            {
                let message_id = format!("{}/reminder", o.offer_id);
                apply(
                    store,
                    rules,
                    titles,
                    &o,
                    OfferEvent::Remind { message_id },
                    "campaign",
                    now,
                )
                .await
                .map(|_| r.reminders += 1)
            } else {
                Ok(())
            };
            match res {
                Ok(()) | Err(FlowError::Conflict(_)) => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(())
}

/// The keyset position of a page row: its text field `field`.
fn key_of(row: &Value, field: &str) -> String {
    row[field].as_str().unwrap_or_default().to_string()
}

/// Sends every due outbox message. A message is marked SENT only after the gateway accepted it;
/// if the process dies in between, the next run sends it again with the same idempotency key.
pub async fn dispatch(
    store: &Store,
    rules: &ProactiveRules,
    gateway: &SmsGateway,
    r: &mut CampaignReport,
    now: DateTime<Utc>,
) -> Result<(), FlowError> {
    let now_s = ts(now);
    loop {
        let page = store.outbox_pending(&now_s, 200).await?;
        if page.is_empty() {
            break;
        }
        for m in &page {
            let id = m["message_id"].as_str().unwrap_or_default().to_string();
            let sms = OutgoingSms {
                message_id: id.clone(),
                sender: m["sender"].as_str().unwrap_or_default().to_string(),
                to: m["phone"].as_str().unwrap_or_default().to_string(),
                text: m["text"].as_str().unwrap_or_default().to_string(),
            };
            match gateway.send(&sms).await {
                Ok(provider_id) => {
                    let sent_at = Utc::now().max(now);
                    let (expires, reminder) = if m["kind"].as_str() == Some("offer") {
                        let t = rules.timing_for(m["benefit"].as_str().unwrap_or_default());
                        (
                            Some(ts(t.expires_at(sent_at))),
                            t.reminder_at(sent_at).map(ts),
                        )
                    } else {
                        (None, None)
                    };
                    store
                        .outbox_mark_sent(&id, &ts(sent_at), &provider_id, expires, reminder)
                        .await?;
                    r.sent += 1;
                }
                Err(e) => {
                    let attempts = m["attempts"].as_i64().unwrap_or(0).max(0) as u32;
                    let give_up = matches!(e, GatewayError::Permanent(_))
                        || attempts + 1 >= rules.sending.max_attempts;
                    let next = ts(now + rules.sending.backoff(attempts));
                    tracing::warn!(message_id = %id, error = %e, give_up, "SMS not sent");
                    store
                        .outbox_mark_failed(&id, &e.to_string(), &next, give_up)
                        .await?;
                    r.send_failures += 1;
                    if give_up {
                        r.gave_up += 1;
                    }
                }
            }
        }
    }
    Ok(())
}

/// Campaign figures per benefit: detected (every recorded entitlement, with or without an offer
/// yet), notified (an offer SMS or a notice went out), replied, consented, refused, expired,
/// assigned, payment ordered (the pilot's "56.9k SMS, 12.9k replied" report).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BenefitFigures {
    pub benefit: String,
    pub detected: i64,
    pub notified: i64,
    pub replied: i64,
    pub consented: i64,
    pub refused: i64,
    pub expired: i64,
    pub assigned: i64,
    pub payment_ordered: i64,
    /// Detected entitlements that have no offer yet (`proactive run` makes them).
    pub awaiting_offer: i64,
    /// The amounts of the detected entitlements, tenge (one period's amount each).
    pub amount_kzt: i64,
}

/// Campaign figures per benefit over the whole country.
pub async fn figures(store: &Store) -> Result<Vec<BenefitFigures>, StoreError> {
    let ents = store.dashboard_entitlements(None).await?;
    let offers = store.offers_summary().await?;
    Ok(fold_figures(&ents, &offers))
}

/// Campaign figures per benefit in one region (`None`: the whole country): entitlements in the
/// region of the recipient's open registration, offers in the region they were made for.
pub async fn figures_in(
    store: &Store,
    region: Option<&str>,
) -> Result<Vec<BenefitFigures>, StoreError> {
    let ents = store.dashboard_entitlements(region).await?;
    let offers = store.dashboard_offers(region).await?;
    Ok(fold_figures(&ents, &offers))
}

/// Folds entitlement rows (`{benefit, status, entitlements, amount_kzt}`) and offer rows
/// (`{benefit, state, offers, replied}`) into figures per benefit. An offer's state counts every
/// stage it passed (an assigned offer was consented to and notified); an entitlement with status
/// NOTIFIED without an offer is a notice (pension age), counted as notified.
pub fn fold_figures(entitlements: &[Value], offers: &[Value]) -> Vec<BenefitFigures> {
    let mut by: BTreeMap<String, BenefitFigures> = BTreeMap::new();
    let mut offered: BTreeMap<String, i64> = BTreeMap::new();
    fn slot<'a>(by: &'a mut BTreeMap<String, BenefitFigures>, b: &str) -> &'a mut BenefitFigures {
        by.entry(b.to_string()).or_insert_with(|| BenefitFigures {
            benefit: b.to_string(),
            ..Default::default()
        })
    }
    for row in offers {
        let benefit = row["benefit"].as_str().unwrap_or_default();
        let n = row["offers"].as_i64().unwrap_or(0);
        *offered.entry(benefit.to_string()).or_default() += n;
        let f = slot(&mut by, benefit);
        f.replied += row["replied"].as_i64().unwrap_or(0);
        let st = OfferState::parse(row["state"].as_str().unwrap_or_default());
        use OfferState as S;
        if !matches!(st, Some(S::Detected)) {
            f.notified += n;
        }
        match st {
            Some(S::Consented | S::AccountConfirmed) => f.consented += n,
            Some(S::Assigned) => {
                f.consented += n;
                f.assigned += n
            }
            Some(S::PaymentOrdered) => {
                f.consented += n;
                f.assigned += n;
                f.payment_ordered += n
            }
            Some(S::Refused) => f.refused += n,
            Some(S::Expired) => f.expired += n,
            _ => {}
        }
    }
    let mut recorded: BTreeMap<String, i64> = BTreeMap::new();
    let mut notices: BTreeMap<String, i64> = BTreeMap::new();
    for row in entitlements {
        let benefit = row["benefit"].as_str().unwrap_or_default();
        let n = row["entitlements"].as_i64().unwrap_or(0);
        *recorded.entry(benefit.to_string()).or_default() += n;
        if row["status"].as_str() == Some("NOTIFIED") {
            *notices.entry(benefit.to_string()).or_default() += n;
        }
        let f = slot(&mut by, benefit);
        f.amount_kzt += row["amount_kzt"].as_i64().unwrap_or(0);
    }
    for (benefit, f) in by.iter_mut() {
        let offers = offered.get(benefit).copied().unwrap_or(0);
        let ents = recorded.get(benefit).copied().unwrap_or(0);
        let notices = notices.get(benefit).copied().unwrap_or(0);
        // Every offer has its entitlement; the larger count guards against an offer whose
        // entitlement was recorded elsewhere (another region at the time).
        f.detected = ents.max(offers);
        f.notified += notices;
        f.awaiting_offer = (ents - offers - notices).max(0);
    }
    by.into_values().collect()
}

/// Writes every payment order as CSV (`;`-separated, header line) for the paying organisation.
pub async fn export_payment_orders(
    store: &Store,
    out: &mut impl std::io::Write,
) -> Result<u64, FlowError> {
    writeln!(
        out,
        "order_id;benefit;recipient_iin;iban;amount_kzt;period_from;period_to;created_at"
    )
    .map_err(|e| {
        FlowError::Store(StoreError::Shape {
            what: "export",
            cause: e.to_string(),
        })
    })?;
    let mut n = 0;
    let pages = store.pages(
        String::new(),
        1000,
        |s, after, limit| async move { s.payment_orders_page(&after, limit).await },
        |row: &Value| key_of(row, "order_id"),
    );
    futures::pin_mut!(pages);
    while let Some(page) = pages.try_next().await? {
        let page = page.rows;
        for p in &page {
            let s = |k: &str| match &p[k] {
                Value::Null => String::new(),
                Value::String(s) => s.clone(),
                v => v.to_string(),
            };
            writeln!(
                out,
                "{};{};{};{};{};{};{};{}",
                s("order_id"),
                s("benefit"),
                s("recipient_iin"),
                s("iban"),
                s("amount_kzt"),
                s("period_from"),
                s("period_to"),
                s("created_at")
            )
            .map_err(|e| {
                FlowError::Store(StoreError::Shape {
                    what: "export",
                    cause: e.to_string(),
                })
            })?;
            n += 1;
        }
    }
    Ok(n)
}
