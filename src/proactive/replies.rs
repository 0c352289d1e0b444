//! Inbound SMS: the reply webhook's logic. Every message gets a defined, recorded outcome; none
//! can crash anything.
//!
//! | Situation | Outcome | Offer changes |
//! |---|---|---|
//! | the same provider message delivered again | `duplicate_delivery` (the first outcome is returned) | no |
//! | a phone with no offer | `unknown_sender` | no |
//! | text not in the reply format | `malformed` + the reason | no |
//! | an offer code not sent to this phone | `unknown_offer` | no |
//! | more than [`WRONG_CODES_PER_HOUR`] wrong codes from this phone in the last hour | `throttled` (not evaluated) | no |
//! | reply after the window closed | `after_expiry` (the offer expires if not yet marked) | → EXPIRED |
//! | the same answer again (consent twice, refusal twice) | `duplicate_reply` | no |
//! | an answer the state does not allow (consent after refusal) | `rejected` + why | no |
//! | consent / refusal / account accepted | `applied` + the new state | yes |

use super::{answer, load_offer, ts, FlowError, Offer, Titles};
use crate::domain::ids::Iban;
use crate::domain::offer::{parse_reply, reply_event, OfferEvent, OfferState, ProactiveRules};
use crate::store::{Store, StoreError};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

/// An inbound SMS as the gateway posts it to `POST /sms/inbound`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboundSms {
    /// The gateway's id of the message (deduplicates repeated deliveries); optional.
    #[serde(default)]
    pub message_id: Option<String>,
    /// Sender phone, E.164 (`+77011234567`); `87011234567` and spaces are accepted.
    pub from: String,
    pub text: String,
    #[serde(default)]
    pub received_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReplyOutcome {
    pub outcome: String,
    pub detail: String,
    #[serde(default)]
    pub offer_id: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
}

impl ReplyOutcome {
    fn new(outcome: &str, detail: impl Into<String>) -> Self {
        ReplyOutcome {
            outcome: outcome.into(),
            detail: detail.into(),
            offer_id: None,
            state: None,
        }
    }
}

/// Normalises a Kazakh mobile number to E.164 (`+7XXXXXXXXXX`).
pub fn normalise_phone(raw: &str) -> Option<String> {
    let digits: String = raw.chars().filter(|c| c.is_ascii_digit()).collect();
    let national = match digits.len() {
        11 if digits.starts_with('7') || digits.starts_with('8') => &digits[1..],
        10 => &digits[..],
        _ => return None,
    };
    Some(format!("+7{national}"))
}

/// Wrong offer codes one phone may send per hour before its replies are no longer evaluated
/// (six-digit codes: guessing one takes ~500,000 tries on average).
pub const WRONG_CODES_PER_HOUR: i64 = 5;

pub async fn handle_inbound(
    store: &Store,
    rules: &ProactiveRules,
    titles: &Titles,
    sms: &InboundSms,
    now: DateTime<Utc>,
) -> Result<ReplyOutcome, StoreError> {
    let received = sms.received_at.unwrap_or(now);
    let inbound_id = sms.message_id.clone().unwrap_or_else(|| {
        let h = Sha256::digest(format!(
            "{}\u{1f}{}\u{1f}{}",
            sms.from,
            sms.text,
            ts(received)
        ));
        h[..12].iter().map(|b| format!("{b:02x}")).collect()
    });
    let props = json!({
        "inbound_id": inbound_id, "phone": sms.from, "text": sms.text,
        "received_at": ts(received), "outcome": "received",
    });
    let (first, earlier) = store.record_inbound_sms(&inbound_id, &props).await?;
    if !first {
        return Ok(ReplyOutcome::new(
            "duplicate_delivery",
            format!(
                "this message was already processed ({})",
                earlier.unwrap_or_default()
            ),
        ));
    }
    let since = ts(now - chrono::Duration::hours(1));
    let out = if store.inbound_wrong_codes_since(&sms.from, &since).await? >= WRONG_CODES_PER_HOUR {
        ReplyOutcome::new(
            "throttled",
            format!(
                "more than {WRONG_CODES_PER_HOUR} wrong offer codes from this number in the last hour; replies are not evaluated for now"
            ),
        )
    } else {
        decide(store, rules, titles, sms, received, now).await?
    };
    store
        .set_inbound_outcome(
            &inbound_id,
            &out.outcome,
            &out.detail,
            out.offer_id.as_deref(),
        )
        .await?;
    tracing::info!(target: "audit", inbound_id = %inbound_id, outcome = %out.outcome, offer_id = ?out.offer_id, "inbound SMS");
    Ok(out)
}

async fn decide(
    store: &Store,
    rules: &ProactiveRules,
    titles: &Titles,
    sms: &InboundSms,
    received: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<ReplyOutcome, StoreError> {
    let Some(phone) = normalise_phone(&sms.from) else {
        return Ok(ReplyOutcome::new(
            "unknown_sender",
            "not a Kazakh mobile number",
        ));
    };
    let offers: Vec<Offer> = store
        .offers_by_phone(&phone)
        .await?
        .iter()
        .filter_map(|v| Offer::from_value(v).ok())
        .collect();
    if offers.is_empty() {
        return Ok(ReplyOutcome::new(
            "unknown_sender",
            "no offer was sent to this number",
        ));
    }
    let reply = match parse_reply(&sms.text) {
        Ok(r) => r,
        Err(e) => return Ok(ReplyOutcome::new("malformed", e.to_string())),
    };
    let Some(offer) = offers.iter().find(|o| o.code == reply.code()) else {
        return Ok(ReplyOutcome::new(
            "unknown_offer",
            format!(
                "no offer with code {} was sent to this number",
                reply.code()
            ),
        ));
    };
    let with_offer = |mut o: ReplyOutcome, state: Option<OfferState>| {
        o.offer_id = Some(offer.offer_id.clone());
        o.state = state.map(|s| s.as_str().to_string());
        o
    };
    let state = offer.state();
    let received_s = ts(received);
    let window_closed = offer
        .expires_at
        .as_deref()
        .is_some_and(|e| e <= received_s.as_str());
    if state == OfferState::Expired || (state == OfferState::Notified && window_closed) {
        if state == OfferState::Notified {
            match super::apply(
                store,
                rules,
                titles,
                offer,
                OfferEvent::Expire,
                "campaign",
                now,
            )
            .await
            {
                Ok(_) | Err(FlowError::Conflict(_)) => {}
                Err(FlowError::Store(e)) => return Err(e),
                Err(e) => tracing::warn!(error = %e, "expiring on a late reply"),
            }
        }
        return Ok(with_offer(
            ReplyOutcome::new(
                "after_expiry",
                "the reply window has closed; the right is kept: apply through eGov or a ЦОН",
            ),
            Some(OfferState::Expired),
        ));
    }
    let known = offer
        .account_iban
        .as_deref()
        .and_then(|a| Iban::parse(a).ok());
    let event = reply_event(&reply, known.as_ref());
    let repeated = matches!(
        (&event, state),
        (
            OfferEvent::Consent { .. },
            OfferState::Consented
                | OfferState::AccountConfirmed
                | OfferState::Assigned
                | OfferState::PaymentOrdered
        ) | (OfferEvent::Refuse, OfferState::Refused)
            | (
                OfferEvent::ConfirmAccount { .. },
                OfferState::AccountConfirmed | OfferState::Assigned | OfferState::PaymentOrdered
            )
    );
    if repeated {
        return Ok(with_offer(
            ReplyOutcome::new("duplicate_reply", "this answer was already recorded"),
            Some(state),
        ));
    }
    let actor = format!("sms:{phone}");
    match answer(store, rules, titles, &offer.offer_id, event, &actor, now).await {
        Ok(s) => Ok(with_offer(
            ReplyOutcome::new("applied", format!("offer is now {s}")),
            Some(s),
        )),
        Err(FlowError::Illegal(e)) => Ok(with_offer(
            ReplyOutcome::new("rejected", e.to_string()),
            Some(state),
        )),
        Err(FlowError::Conflict(_)) => {
            let now_state = load_offer(store, &offer.offer_id)
                .await
                .map(|o| o.state())
                .ok();
            Ok(with_offer(
                ReplyOutcome::new(
                    "rejected",
                    "the offer changed while this reply was processed",
                ),
                now_state,
            ))
        }
        Err(FlowError::Store(e)) => Err(e),
        Err(e) => Ok(with_offer(
            ReplyOutcome::new("rejected", e.to_string()),
            Some(state),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::normalise_phone;

    #[test]
    fn phones_normalise_to_e164() {
        assert_eq!(
            normalise_phone("+7 701 123 45 67").as_deref(),
            Some("+77011234567")
        );
        assert_eq!(
            normalise_phone("87011234567").as_deref(),
            Some("+77011234567")
        );
        assert_eq!(
            normalise_phone("7011234567").as_deref(),
            Some("+77011234567")
        );
        assert_eq!(normalise_phone("12345"), None);
    }
}
