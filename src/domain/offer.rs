//! The proactive offer: its state machine and the strict SMS reply format (DOMAIN §4).
//!
//! ```text
//! DETECTED ─notify─► NOTIFIED ─consent─► CONSENTED ─confirm account─► ACCOUNT_CONFIRMED ─assign─► ASSIGNED ─order─► PAYMENT_ORDERED
//!                       │  └─remind─┘ (once, before expiry)
//!                       ├─refuse─► REFUSED
//!                       └─expire─► EXPIRED      (72 h after sending unless answered; configurable per benefit)
//! ```
//! A consent that carries an account number (or a consent when the registry already knows an
//! open account) goes straight through CONSENTED to ACCOUNT_CONFIRMED. REFUSED and EXPIRED are
//! final for the offer but keep the entitlement: the person can still apply the ordinary way.
//! Every other move is an [`IllegalTransition`].

use super::ids::{quote, Iban};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The only sender id offers may use (DOMAIN §4.7: reply only to SMS from 1414).
pub const SENDER_ID: &str = "1414";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OfferState {
    Detected,
    Notified,
    Consented,
    AccountConfirmed,
    Assigned,
    PaymentOrdered,
    Refused,
    Expired,
}

impl OfferState {
    pub fn as_str(self) -> &'static str {
        match self {
            OfferState::Detected => "DETECTED",
            OfferState::Notified => "NOTIFIED",
            OfferState::Consented => "CONSENTED",
            OfferState::AccountConfirmed => "ACCOUNT_CONFIRMED",
            OfferState::Assigned => "ASSIGNED",
            OfferState::PaymentOrdered => "PAYMENT_ORDERED",
            OfferState::Refused => "REFUSED",
            OfferState::Expired => "EXPIRED",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [
            OfferState::Detected,
            OfferState::Notified,
            OfferState::Consented,
            OfferState::AccountConfirmed,
            OfferState::Assigned,
            OfferState::PaymentOrdered,
            OfferState::Refused,
            OfferState::Expired,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
    /// No further transition is possible.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            OfferState::PaymentOrdered | OfferState::Refused | OfferState::Expired
        )
    }
    /// Waiting for the citizen's answer.
    pub fn awaits_reply(self) -> bool {
        self == OfferState::Notified
    }
}

impl fmt::Display for OfferState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What happens to an offer. Each event is recorded with its time and who caused it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum OfferEvent {
    Notify {
        message_id: String,
    },
    Remind {
        message_id: String,
    },
    Consent {
        /// An account given with the consent, or known from the registry.
        account: Option<Iban>,
    },
    ConfirmAccount {
        account: Iban,
    },
    Refuse,
    Expire,
    Assign,
    OrderPayment {
        order_id: String,
    },
}

impl OfferEvent {
    pub fn name(&self) -> &'static str {
        match self {
            OfferEvent::Notify { .. } => "notify",
            OfferEvent::Remind { .. } => "remind",
            OfferEvent::Consent { .. } => "consent",
            OfferEvent::ConfirmAccount { .. } => "confirm_account",
            OfferEvent::Refuse => "refuse",
            OfferEvent::Expire => "expire",
            OfferEvent::Assign => "assign",
            OfferEvent::OrderPayment { .. } => "order_payment",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an offer in state {from} cannot {event}")]
pub struct IllegalTransition {
    pub from: OfferState,
    pub event: &'static str,
}

/// The state after `event`, or why it is not allowed.
pub fn transition(from: OfferState, event: &OfferEvent) -> Result<OfferState, IllegalTransition> {
    use OfferState as S;
    let to = match (from, event) {
        (S::Detected, OfferEvent::Notify { .. }) => S::Notified,
        (S::Notified, OfferEvent::Remind { .. }) => S::Notified,
        (S::Notified, OfferEvent::Consent { account: None }) => S::Consented,
        (S::Notified, OfferEvent::Consent { account: Some(_) }) => S::AccountConfirmed,
        (S::Consented, OfferEvent::ConfirmAccount { .. }) => S::AccountConfirmed,
        (S::Notified, OfferEvent::Refuse) => S::Refused,
        (S::Notified, OfferEvent::Expire) => S::Expired,
        (S::AccountConfirmed, OfferEvent::Assign) => S::Assigned,
        (S::Assigned, OfferEvent::OrderPayment { .. }) => S::PaymentOrdered,
        _ => {
            return Err(IllegalTransition {
                from,
                event: event.name(),
            })
        }
    };
    Ok(to)
}

/// Timing of offers for one benefit (configurable per benefit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferTiming {
    /// How long the citizen has to answer (DOMAIN §4.3: 72 hours).
    pub reply_window_hours: i64,
    /// One reminder this long before expiry (`0` = no reminder). [Inf] DOMAIN §4.4.
    pub reminder_before_expiry_hours: i64,
}

impl Default for OfferTiming {
    fn default() -> Self {
        OfferTiming {
            reply_window_hours: 72,
            reminder_before_expiry_hours: 24,
        }
    }
}

impl OfferTiming {
    pub fn expires_at(&self, sent_at: DateTime<Utc>) -> DateTime<Utc> {
        sent_at + Duration::hours(self.reply_window_hours)
    }
    /// When the reminder is due, if there is one.
    pub fn reminder_at(&self, sent_at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        (self.reminder_before_expiry_hours > 0
            && self.reminder_before_expiry_hours < self.reply_window_hours)
            .then(|| self.expires_at(sent_at) - Duration::hours(self.reminder_before_expiry_hours))
    }
}

/// What a citizen's SMS says, in the strict reply format:
///
/// ```text
/// R <code> 1 [IBAN]   consent (optionally with the account to pay to)
/// R <code> 2          refusal
/// R <code> <IBAN>     the account, after a consent without one
/// ```
/// `<code>` is the six-digit offer code printed in the offer SMS; `R` is a Latin or Cyrillic R,
/// any case; spaces may be repeated; the IBAN may contain spaces. Anything else is malformed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reply", rename_all = "snake_case")]
pub enum Reply {
    Consent { code: String, account: Option<Iban> },
    Refuse { code: String },
    Account { code: String, account: Iban },
}

impl Reply {
    pub fn code(&self) -> &str {
        match self {
            Reply::Consent { code, .. } | Reply::Refuse { code } | Reply::Account { code, .. } => {
                code
            }
        }
    }
}

/// Why a reply could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MalformedReply {
    #[error("empty message")]
    Empty,
    #[error("a reply starts with R, then the six-digit offer code")]
    NoPrefix,
    #[error("the offer code must be six digits, got {0:?}")]
    BadCode(String),
    #[error("after the offer code: 1 (consent), 2 (refusal) or an account number")]
    NoChoice,
    #[error("the account number is not a valid Kazakh IBAN: {0}")]
    BadAccount(String),
    #[error("unexpected text after the reply: {0:?}")]
    TrailingText(String),
}

/// Parses a reply text (strict format above). Any text is answered, never a panic; an error
/// quotes at most a bounded prefix of what was sent ([`crate::domain::ids::quote`]), and a text
/// is read no further than the longest valid reply needs.
pub fn parse_reply(text: &str) -> Result<Reply, MalformedReply> {
    // The longest valid reply is "R", the code, "1" and an IBAN split into single characters:
    // 23 words. More than a few dozen words is never a reply, so at most that many are read.
    const MAX_WORDS: usize = 40;
    let words: Vec<String> = text
        .split_whitespace()
        .take(MAX_WORDS + 1)
        .map(|w| w.to_uppercase())
        .collect();
    let Some(first) = words.first() else {
        return Err(MalformedReply::Empty);
    };
    if first != "R" && first != "Р" {
        return Err(MalformedReply::NoPrefix);
    }
    let code = words.get(1).ok_or(MalformedReply::NoPrefix)?;
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return Err(MalformedReply::BadCode(quote(code)));
    }
    let code = code.clone();
    if words.len() > MAX_WORDS {
        return Err(MalformedReply::TrailingText(quote(
            &words[MAX_WORDS..].join(" "),
        )));
    }
    let rest = &words[2..];
    let iban_of = |ws: &[String]| -> Result<Iban, MalformedReply> {
        let joined: String = ws.concat();
        Iban::parse(&joined).map_err(|e| MalformedReply::BadAccount(e.to_string()))
    };
    match rest.first().map(String::as_str) {
        None => Err(MalformedReply::NoChoice),
        Some("1") if rest.len() == 1 => Ok(Reply::Consent {
            code,
            account: None,
        }),
        Some("1") => Ok(Reply::Consent {
            code,
            account: Some(iban_of(&rest[1..])?),
        }),
        Some("2") if rest.len() == 1 => Ok(Reply::Refuse { code }),
        Some("2") => Err(MalformedReply::TrailingText(quote(&rest[1..].join(" ")))),
        Some(w) if w.starts_with("KZ") => Ok(Reply::Account {
            code,
            account: iban_of(rest)?,
        }),
        Some(_) => Err(MalformedReply::NoChoice),
    }
}

/// The event a parsed reply asks for, given what the registry knows about the recipient's
/// account (a consent without an account is confirmed with the known one).
pub fn reply_event(reply: &Reply, known_account: Option<&Iban>) -> OfferEvent {
    match reply {
        Reply::Consent { account, .. } => OfferEvent::Consent {
            account: account.clone().or_else(|| known_account.cloned()),
        },
        Reply::Refuse { .. } => OfferEvent::Refuse,
        Reply::Account { account, .. } => OfferEvent::ConfirmAccount {
            account: account.clone(),
        },
    }
}

/// Sending policy of the outbox dispatcher.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendingPolicy {
    pub max_attempts: u32,
    pub first_retry_seconds: i64,
}

impl SendingPolicy {
    /// Delay before attempt `attempt + 1` after `attempt` failed ones (doubling, capped at a day).
    pub fn backoff(&self, attempts_so_far: u32) -> Duration {
        let secs = self
            .first_retry_seconds
            .saturating_mul(1i64 << attempts_so_far.min(20))
            .min(86_400);
        Duration::seconds(secs)
    }
}

/// SMS texts with `{placeholders}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Templates {
    pub offer: String,
    pub reminder: String,
    pub account_request: String,
    pub assigned: String,
    pub pension_notice: String,
}

/// The proactive flow's configuration (`rules/proactive.toml`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProactiveRules {
    pub version: String,
    pub sender_id: String,
    pub timing: OfferTiming,
    #[serde(default)]
    pub timing_by_benefit: std::collections::BTreeMap<String, OfferTiming>,
    pub sending: SendingPolicy,
    pub templates: Templates,
}

/// The configuration shipped with this build.
pub const BUNDLED_PROACTIVE_RULES: &str = include_str!("../../rules/proactive.toml");

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProactiveRulesError {
    #[error("proactive rules: {0}")]
    Parse(String),
    #[error("proactive rules: sender_id must be \"1414\" (the single contact centre), got {0:?}")]
    Sender(String),
    #[error("proactive rules: timing of {benefit}: {problem}")]
    Timing { benefit: String, problem: String },
}

impl ProactiveRules {
    pub fn bundled() -> Self {
        Self::from_toml(BUNDLED_PROACTIVE_RULES).expect("bundled proactive rules are valid")
    }

    pub fn from_toml(text: &str) -> Result<Self, ProactiveRulesError> {
        let r: ProactiveRules =
            toml::from_str(text).map_err(|e| ProactiveRulesError::Parse(e.to_string()))?;
        if r.sender_id != SENDER_ID {
            return Err(ProactiveRulesError::Sender(r.sender_id));
        }
        let all = std::iter::once(("(default)".to_string(), r.timing))
            .chain(r.timing_by_benefit.iter().map(|(k, v)| (k.clone(), *v)));
        for (benefit, t) in all {
            if t.reply_window_hours <= 0 {
                return Err(ProactiveRulesError::Timing {
                    benefit,
                    problem: "reply_window_hours must be positive".into(),
                });
            }
            if t.reminder_before_expiry_hours < 0
                || t.reminder_before_expiry_hours >= t.reply_window_hours
            {
                return Err(ProactiveRulesError::Timing {
                    benefit,
                    problem: "reminder_before_expiry_hours must be within the reply window".into(),
                });
            }
        }
        if r.sending.max_attempts == 0 {
            return Err(ProactiveRulesError::Parse(
                "sending.max_attempts must be at least 1".into(),
            ));
        }
        Ok(r)
    }

    pub fn timing_for(&self, benefit: &str) -> OfferTiming {
        self.timing_by_benefit
            .get(benefit)
            .copied()
            .unwrap_or(self.timing)
    }
}

/// Fills `{name}` placeholders; unknown placeholders stay as written.
pub fn render(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_string();
    for (k, v) in values {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use OfferState as S;

    fn iban() -> Iban {
        Iban::parse("KZ86125KZT5004100100").unwrap()
    }

    #[test]
    fn the_happy_path_reaches_payment_order() {
        let mut s = S::Detected;
        for e in [
            OfferEvent::Notify {
                message_id: "m1".into(),
            },
            OfferEvent::Remind {
                message_id: "m2".into(),
            },
            OfferEvent::Consent { account: None },
            OfferEvent::ConfirmAccount { account: iban() },
            OfferEvent::Assign,
            OfferEvent::OrderPayment {
                order_id: "p1".into(),
            },
        ] {
            s = transition(s, &e).unwrap();
        }
        assert_eq!(s, S::PaymentOrdered);
        assert!(s.is_final());
    }

    #[test]
    fn consent_with_an_account_confirms_it_at_once() {
        let s = transition(
            S::Notified,
            &OfferEvent::Consent {
                account: Some(iban()),
            },
        );
        assert_eq!(s, Ok(S::AccountConfirmed));
    }

    #[test]
    fn illegal_moves_are_refused_with_the_state_and_event() {
        let e = transition(S::Refused, &OfferEvent::Consent { account: None }).unwrap_err();
        assert_eq!(e.to_string(), "an offer in state REFUSED cannot consent");
        assert!(transition(S::Expired, &OfferEvent::Refuse).is_err());
        assert!(transition(S::Detected, &OfferEvent::Assign).is_err());
        assert!(transition(S::Consented, &OfferEvent::Assign).is_err());
        assert!(transition(
            S::Notified,
            &OfferEvent::Notify {
                message_id: "x".into()
            }
        )
        .is_err());
        assert!(transition(S::AccountConfirmed, &OfferEvent::Expire).is_err());
    }

    #[test]
    fn timing_is_72_hours_with_one_reminder_a_day_before() {
        let t = OfferTiming::default();
        let sent = "2026-06-01T10:00:00Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(t.expires_at(sent).to_rfc3339(), "2026-06-04T10:00:00+00:00");
        assert_eq!(
            t.reminder_at(sent).unwrap().to_rfc3339(),
            "2026-06-03T10:00:00+00:00"
        );
        let none = OfferTiming {
            reply_window_hours: 72,
            reminder_before_expiry_hours: 0,
        };
        assert_eq!(none.reminder_at(sent), None);
    }

    #[test]
    fn replies_in_the_strict_format() {
        assert_eq!(
            parse_reply("R 123456 1"),
            Ok(Reply::Consent {
                code: "123456".into(),
                account: None
            })
        );
        assert_eq!(
            parse_reply("  р   123456   2 "),
            Ok(Reply::Refuse {
                code: "123456".into()
            })
        );
        assert_eq!(
            parse_reply("r 123456 1 kz86 125K ZT50 0410 0100"),
            Ok(Reply::Consent {
                code: "123456".into(),
                account: Some(iban())
            })
        );
        assert_eq!(
            parse_reply("R 123456 KZ86125KZT5004100100"),
            Ok(Reply::Account {
                code: "123456".into(),
                account: iban()
            })
        );
    }

    #[test]
    fn odd_replies_are_malformed_with_a_reason() {
        assert_eq!(parse_reply("   "), Err(MalformedReply::Empty));
        assert_eq!(parse_reply("да"), Err(MalformedReply::NoPrefix));
        assert_eq!(parse_reply("R"), Err(MalformedReply::NoPrefix));
        assert!(matches!(
            parse_reply("R 12345 1"),
            Err(MalformedReply::BadCode(_))
        ));
        assert_eq!(parse_reply("R 123456"), Err(MalformedReply::NoChoice));
        assert_eq!(parse_reply("R 123456 3"), Err(MalformedReply::NoChoice));
        assert!(matches!(
            parse_reply("R 123456 2 спасибо"),
            Err(MalformedReply::TrailingText(_))
        ));
        assert!(matches!(
            parse_reply("R 123456 1 KZ00125KZT5004100100"),
            Err(MalformedReply::BadAccount(_))
        ));
    }

    #[test]
    fn huge_replies_are_malformed_with_a_bounded_message() {
        let word = "9".repeat(1_000_000);
        for text in [
            format!("R {word} 1"),
            format!("R 123456 2 {word}"),
            format!("R 123456 1 KZ{word}"),
            format!("R 123456 2{}", " x".repeat(100_000)),
        ] {
            let e = parse_reply(&text).unwrap_err().to_string();
            assert!(e.len() < 300, "{} bytes", e.len());
        }
    }

    #[test]
    fn bundled_rules_load_and_only_1414_may_send() {
        let r = ProactiveRules::bundled();
        assert_eq!(r.sender_id, "1414");
        assert_eq!(r.timing_for("asp").reply_window_hours, 72);
        let bad = BUNDLED_PROACTIVE_RULES.replace("sender_id = \"1414\"", "sender_id = \"7777\"");
        assert_eq!(
            ProactiveRules::from_toml(&bad),
            Err(ProactiveRulesError::Sender("7777".into()))
        );
        let bad = BUNDLED_PROACTIVE_RULES.replace(
            "reminder_before_expiry_hours = 24",
            "reminder_before_expiry_hours = 80",
        );
        assert!(matches!(
            ProactiveRules::from_toml(&bad),
            Err(ProactiveRulesError::Timing { .. })
        ));
    }

    #[test]
    fn templates_render() {
        assert_eq!(
            render("R {code} 1, {x}", &[("code", "042017")]),
            "R 042017 1, {x}"
        );
    }

    #[test]
    fn backoff_doubles() {
        let p = SendingPolicy {
            max_attempts: 5,
            first_retry_seconds: 30,
        };
        assert_eq!(p.backoff(0), Duration::seconds(30));
        assert_eq!(p.backoff(3), Duration::seconds(240));
        assert_eq!(p.backoff(40), Duration::seconds(86_400));
    }

    #[test]
    fn a_consent_without_account_uses_the_known_one() {
        let r = parse_reply("R 123456 1").unwrap();
        assert_eq!(
            reply_event(&r, Some(&iban())),
            OfferEvent::Consent {
                account: Some(iban())
            }
        );
        assert_eq!(reply_event(&r, None), OfferEvent::Consent { account: None });
    }
}
