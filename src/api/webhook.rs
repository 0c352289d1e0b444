//! Who may post inbound SMS replies: closed unless a secret is configured.
//!
//! - [`WebhookAuth::Closed`] (the default): `/sms/inbound` answers 404; nothing is read.
//! - [`WebhookAuth::Token`]: the gateway sends the shared secret in `x-webhook-token` (or as
//!   `Authorization: Bearer`), compared in constant time. The received time is the server's.
//! - [`WebhookAuth::Signed`]: Standard Webhooks — `webhook-id`, `webhook-timestamp`,
//!   `webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">` (several
//!   space-separated signatures allowed, for secret rotation), with a `whsec_` base64 secret; a
//!   timestamp more than five minutes from now is refused (replays). The received time is the
//!   signed timestamp (never later than now), and `webhook-id` deduplicates re-deliveries.
//!
//! A body's own `received_at` is never believed.

use crate::secret::{constant_time_eq, Secret};
use axum::http::HeaderMap;
use base64::Engine;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};

/// Signed timestamps this far from now are refused.
pub const TOLERANCE_SECONDS: i64 = 300;

#[derive(Clone, Debug, Default)]
pub enum WebhookAuth {
    #[default]
    Closed,
    Token(Secret<String>),
    /// The HMAC keys (decoded `whsec_` secrets; the first signs, all verify).
    Signed(Vec<Secret<Vec<u8>>>),
}

/// A verified caller: when the message was received and the delivery id, if signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub received_at: DateTime<Utc>,
    pub delivery_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookError {
    Closed,
    Unauthenticated(&'static str),
}

impl WebhookAuth {
    /// From the configured token and/or Standard Webhooks secrets (`whsec_…`, comma-separated
    /// for rotation). A signing secret wins over a token.
    pub fn from_config(token: Option<&str>, secrets: Option<&str>) -> Result<Self, String> {
        if let Some(s) = secrets.filter(|s| !s.trim().is_empty()) {
            let keys = s
                .split(',')
                .map(|one| decode_secret(one.trim()).map(Secret::new))
                .collect::<Result<Vec<_>, _>>()?;
            return Ok(WebhookAuth::Signed(keys));
        }
        match token.filter(|t| !t.is_empty()) {
            Some(t) if t.len() < 16 => {
                Err("the SMS webhook token must be at least 16 characters".into())
            }
            Some(t) => Ok(WebhookAuth::Token(Secret::new(t.to_string()))),
            None => Ok(WebhookAuth::Closed),
        }
    }

    pub fn describe(&self) -> &'static str {
        match self {
            WebhookAuth::Closed => "closed (no secret configured)",
            WebhookAuth::Token(_) => "shared token",
            WebhookAuth::Signed(_) => "Standard Webhooks signature",
        }
    }

    pub fn verify(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<Verified, WebhookError> {
        let h = |k: &str| headers.get(k).and_then(|v| v.to_str().ok());
        match self {
            WebhookAuth::Closed => Err(WebhookError::Closed),
            WebhookAuth::Token(t) => {
                let given = h("x-webhook-token").or_else(|| {
                    h("authorization").and_then(|a| {
                        a.strip_prefix("Bearer ")
                            .or_else(|| a.strip_prefix("bearer "))
                    })
                });
                match given {
                    Some(g) if constant_time_eq(g.as_bytes(), t.expose().as_bytes()) => {
                        Ok(Verified {
                            received_at: now,
                            delivery_id: None,
                        })
                    }
                    _ => Err(WebhookError::Unauthenticated(
                        "missing or wrong x-webhook-token",
                    )),
                }
            }
            WebhookAuth::Signed(keys) => {
                let (Some(id), Some(ts), Some(sigs)) = (
                    h("webhook-id"),
                    h("webhook-timestamp"),
                    h("webhook-signature"),
                ) else {
                    return Err(WebhookError::Unauthenticated(
                        "webhook-id, webhook-timestamp and webhook-signature are required",
                    ));
                };
                let t: i64 = ts.parse().map_err(|_| {
                    WebhookError::Unauthenticated("webhook-timestamp is not a number")
                })?;
                if (now.timestamp() - t).abs() > TOLERANCE_SECONDS {
                    return Err(WebhookError::Unauthenticated(
                        "webhook-timestamp is too far from now",
                    ));
                }
                let ok = keys.iter().any(|k| {
                    let expected = sign(k.expose(), id, t, body);
                    sigs.split(' ').any(|s| {
                        s.strip_prefix("v1,")
                            .is_some_and(|b| constant_time_eq(b.as_bytes(), expected.as_bytes()))
                    })
                });
                if !ok {
                    return Err(WebhookError::Unauthenticated("no valid webhook-signature"));
                }
                let signed = DateTime::from_timestamp(t, 0).unwrap_or(now);
                Ok(Verified {
                    received_at: signed.min(now),
                    delivery_id: Some(id.to_string()),
                })
            }
        }
    }
}

/// The base64 `v1` signature of a delivery (what a sender puts after `v1,`).
pub fn sign(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key");
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// `whsec_<base64>` → key bytes.
pub fn decode_secret(s: &str) -> Result<Vec<u8>, String> {
    let b64 = s.strip_prefix("whsec_").unwrap_or(s);
    let key = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|e| format!("an SMS webhook secret must be whsec_<base64>: {e}"))?;
    if key.len() < 16 {
        return Err("an SMS webhook secret must hold at least 16 bytes".into());
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, String)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    #[test]
    fn closed_by_default() {
        let a = WebhookAuth::from_config(None, None).unwrap();
        assert_eq!(
            a.verify(&HeaderMap::new(), b"{}", Utc::now()),
            Err(WebhookError::Closed)
        );
    }

    #[test]
    fn standard_webhooks_signatures() {
        let secret = format!(
            "whsec_{}",
            base64::engine::general_purpose::STANDARD.encode([7u8; 24])
        );
        let a = WebhookAuth::from_config(None, Some(&secret)).unwrap();
        let now = Utc::now();
        let body = br#"{"from":"+77010000000","text":"R 123456 1"}"#;
        let sig = sign(&[7u8; 24], "msg_1", now.timestamp() - 10, body);
        let h = headers(&[
            ("webhook-id", "msg_1".into()),
            ("webhook-timestamp", (now.timestamp() - 10).to_string()),
            ("webhook-signature", format!("v1,bogus v1,{sig}")),
        ]);
        let v = a.verify(&h, body, now).unwrap();
        assert_eq!(v.delivery_id.as_deref(), Some("msg_1"));
        assert_eq!(v.received_at.timestamp(), now.timestamp() - 10);
        // A changed body, an old timestamp, a wrong key: refused.
        assert!(a.verify(&h, b"{}", now).is_err());
        let old = now - chrono::Duration::seconds(TOLERANCE_SECONDS + 60);
        assert!(a.verify(&h, body, old).is_err());
        let other = WebhookAuth::from_config(
            None,
            Some(&format!(
                "whsec_{}",
                base64::engine::general_purpose::STANDARD.encode([8u8; 24])
            )),
        )
        .unwrap();
        assert!(other.verify(&h, body, now).is_err());
    }

    #[test]
    fn tokens_are_compared_whole() {
        let a = WebhookAuth::from_config(Some("a-long-enough-token"), None).unwrap();
        let ok = headers(&[("x-webhook-token", "a-long-enough-token".into())]);
        assert!(a.verify(&ok, b"", Utc::now()).is_ok());
        let bad = headers(&[("x-webhook-token", "a-long-enough-toke".into())]);
        assert!(a.verify(&bad, b"", Utc::now()).is_err());
        assert!(WebhookAuth::from_config(Some("short"), None).is_err());
    }
}
