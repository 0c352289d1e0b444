//! What a subscription may name, and the retry schedule. Pure (no I/O), so the rules are unit
//! tested.
//!
//! Outbound URLs are a server-side request forgery risk: a partner could point the service at
//! an internal address. The rules: `http` or `https` only; no user name or password in the URL
//! (secrets travel as the signing secret, never in URLs that end up in logs); when an allow-list
//! of hosts is configured the host must be in it; addresses on loopback, private, link-local,
//! unique-local, CGNAT and unspecified networks are refused unless private networks are
//! explicitly allowed — checked on the literal at registration and on every resolved address
//! before each delivery (see `delivery`); redirects are never followed.

use super::{EventSettings, EVENT_TYPES};
use base64::Engine;
use std::net::IpAddr;
use std::time::Duration;

/// Why an endpoint or a subscription field is refused (shown to the partner).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub field: &'static str,
    pub reason: String,
}

fn refuse(field: &'static str, reason: impl Into<String>) -> Refusal {
    Refusal {
        field,
        reason: reason.into(),
    }
}

/// Checks an endpoint URL (see the module doc); returns it normalised.
pub fn check_url(url: &str, s: &EventSettings) -> Result<reqwest::Url, Refusal> {
    if url.len() > 2_000 {
        return Err(refuse("url", "at most 2000 characters"));
    }
    let u = reqwest::Url::parse(url).map_err(|e| refuse("url", format!("not a URL: {e}")))?;
    if !matches!(u.scheme(), "http" | "https") {
        return Err(refuse("url", "only http and https endpoints are accepted"));
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err(refuse(
            "url",
            "credentials in the URL are not accepted; deliveries are signed instead",
        ));
    }
    let Some(host) = u.host_str() else {
        return Err(refuse("url", "the URL has no host"));
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if let Some(list) = &s.allowed_hosts {
        if !list.iter().any(|h| h.eq_ignore_ascii_case(host)) {
            return Err(refuse("url", "this host is not in the endpoint allow-list"));
        }
    }
    if let Ok(ip) = host.parse::<IpAddr>() {
        check_address(ip, s).map_err(|r| refuse("url", r))?;
    } else if !s.allow_private_networks && host.eq_ignore_ascii_case("localhost") {
        return Err(refuse(
            "url",
            "endpoints on private networks are not accepted",
        ));
    }
    Ok(u)
}

/// Refuses addresses on non-public networks unless they are allowed.
pub fn check_address(ip: IpAddr, s: &EventSettings) -> Result<(), String> {
    if s.allow_private_networks || is_public(ip) {
        Ok(())
    } else {
        Err(format!(
            "endpoints on private networks are not accepted ({ip})"
        ))
    }
}

fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v) => {
            let o = v.octets();
            !(v.is_loopback()
                || v.is_private()
                || v.is_link_local()
                || v.is_unspecified()
                || v.is_broadcast()
                || v.is_documentation()
                || o[0] == 0
                || (o[0] == 100 && (64..128).contains(&o[1])))
        }
        IpAddr::V6(v) => {
            if let Some(m) = v.to_ipv4_mapped() {
                return is_public(IpAddr::V4(m));
            }
            let s = v.segments();
            !(v.is_loopback()
                || v.is_unspecified()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80)
        }
    }
}

/// Checks the event types of a subscription (at least one, each one the service emits).
pub fn check_types(types: &[String]) -> Result<Vec<String>, Refusal> {
    if types.is_empty() {
        return Err(refuse("eventTypes", "name at least one event type"));
    }
    let mut out: Vec<String> = vec![];
    for t in types {
        if !EVENT_TYPES.contains(&t.as_str()) {
            return Err(refuse(
                "eventTypes",
                format!(
                    "unknown event type {t:?}; known: {}",
                    EVENT_TYPES.join(", ")
                ),
            ));
        }
        if !out.contains(t) {
            out.push(t.clone());
        }
    }
    Ok(out)
}

/// A new signing secret: `whsec_` + base64 of 32 CSPRNG bytes (Standard Webhooks format).
pub fn new_secret() -> String {
    format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(crate::secret::random_bytes::<32>())
    )
}

/// The wait before attempt `failed + 1` after `failed` failures in a row (counted from 1):
/// `base × 2^(failed-1)`, capped, times `jitter` (a factor in 0.75..1.25 chosen by the caller).
pub fn retry_delay(failed: u32, s: &EventSettings, jitter: f64) -> Duration {
    let exp = failed.saturating_sub(1).min(30);
    let raw = s.retry_base.saturating_mul(1u32 << exp).min(s.retry_cap);
    raw.mul_f64(jitter.clamp(0.75, 1.25))
}

/// The whole schedule without jitter: the waits after each failure until the subscription is
/// disabled (documented in `docs/partners.md`).
pub fn schedule(s: &EventSettings) -> Vec<Duration> {
    (1..s.max_attempts)
        .map(|n| retry_delay(n, s, 1.0))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked() {
        let s = EventSettings::default();
        assert!(check_url("https://bank.example.kz/hooks/fc", &s).is_ok());
        for bad in [
            "ftp://bank.example.kz/",
            "https://user:pw@bank.example.kz/",
            "http://127.0.0.1:8080/",
            "http://10.1.2.3/",
            "http://169.254.169.254/latest/meta-data",
            "http://[::1]/",
            "http://localhost/",
            "not a url",
        ] {
            assert!(check_url(bad, &s).is_err(), "{bad}");
        }
        let open = EventSettings {
            allow_private_networks: true,
            ..EventSettings::default()
        };
        assert!(check_url("http://127.0.0.1:8080/", &open).is_ok());
        let listed = EventSettings {
            allowed_hosts: Some(vec!["hooks.bank.kz".into()]),
            ..EventSettings::default()
        };
        assert!(check_url("https://hooks.bank.kz/x", &listed).is_ok());
        assert!(check_url("https://other.bank.kz/x", &listed).is_err());
    }

    #[test]
    fn the_retry_schedule_backs_off_to_days() {
        let s = EventSettings::default();
        let sched = schedule(&s);
        assert_eq!(sched[0], Duration::from_secs(30));
        assert_eq!(sched[1], Duration::from_secs(60));
        assert_eq!(*sched.last().unwrap(), s.retry_cap);
        let total: Duration = sched.iter().sum();
        assert!(total > Duration::from_secs(2 * 86_400), "{total:?}");
        assert!(retry_delay(3, &s, 1.25) <= Duration::from_secs(150));
    }

    #[test]
    fn types_and_secrets() {
        assert!(check_types(&[]).is_err());
        assert!(check_types(&["kz.family-card.nope".into()]).is_err());
        let t = check_types(&[EVENT_TYPES[1].into(), EVENT_TYPES[1].into()]).unwrap();
        assert_eq!(t.len(), 1);
        let s = new_secret();
        assert!(s.starts_with("whsec_"));
        assert_eq!(crate::api::webhook::decode_secret(&s).unwrap().len(), 32);
    }
}
