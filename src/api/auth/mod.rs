//! Authentication, fail-closed: a request is somebody only with a valid bearer access token.
//!
//! Checks, in order: `Authorization: Bearer <jwt>`; the header's `alg` on the allow-list
//! (asymmetric only: RS*, PS*, ES256/384, EdDSA — never `none`, never HMAC, so a public key can
//! never be used as an HMAC secret); a `kid` naming a key of the issuer (cached, see [`jwks`]);
//! the key's own `alg`, when it states one, equal to the header's; the signature; `iss`; `aud`;
//! `exp` and `nbf` with a small leeway; then the claims map to a [`Principal`]:
//!
//! | claim | principal |
//! |---|---|
//! | `sub` | subject |
//! | `role` | one of analyst, investigator, operator, partner, auditor, admin |
//! | `region` | region scope (`*` national); required for analyst, investigator, operator |
//! | `partner_id` | required for partner |
//! | `purpose` | declared purpose or case id (investigators must have one to read) |
//! | `jti` | token id, recorded in the audit trail |

pub mod jwks;
pub mod local;

use super::policy::{Principal, RegionScope, Role};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Signature algorithms accepted in a token header. Asymmetric only.
pub const ALLOWED_ALGORITHMS: [Algorithm; 9] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// Clock skew tolerated on `exp` and `nbf`.
pub const LEEWAY_SECONDS: u64 = 30;

/// The claims we read from an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub sub: String,
    /// A string or a list of strings.
    pub aud: serde_json::Value,
    pub exp: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
}

/// Why a token was refused. Clients see [`AuthError::message`]; all are 401 but
/// `KeysUnavailable` (503: the identity provider has not been reached yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthError {
    Missing,
    Malformed,
    DisallowedAlgorithm,
    UnknownKey,
    BadSignature,
    Expired,
    NotYetValid,
    WrongIssuer,
    WrongAudience,
    BadClaims(String),
    KeysUnavailable,
}

impl AuthError {
    pub fn message(&self) -> String {
        match self {
            AuthError::Missing => "an access token is required (Authorization: Bearer …)".into(),
            AuthError::Malformed => "the access token is not a well-formed JWT".into(),
            AuthError::DisallowedAlgorithm => {
                "the token's signature algorithm is not accepted".into()
            }
            AuthError::UnknownKey => {
                "the token is signed with a key the issuer does not publish".into()
            }
            AuthError::BadSignature => "the token's signature is invalid".into(),
            AuthError::Expired => "the access token has expired".into(),
            AuthError::NotYetValid => "the access token is not valid yet".into(),
            AuthError::WrongIssuer => "the token is from another issuer".into(),
            AuthError::WrongAudience => "the token is for another audience".into(),
            AuthError::BadClaims(m) => format!("the token's claims are not usable: {m}"),
            AuthError::KeysUnavailable => {
                "the identity provider's keys are not available yet; try again shortly".into()
            }
        }
    }
    /// For `WWW-Authenticate` and the audit trail.
    pub fn code(&self) -> &'static str {
        match self {
            AuthError::Missing => "missing_token",
            AuthError::Malformed => "malformed_token",
            AuthError::DisallowedAlgorithm => "disallowed_algorithm",
            AuthError::UnknownKey => "unknown_key",
            AuthError::BadSignature => "bad_signature",
            AuthError::Expired => "expired",
            AuthError::NotYetValid => "not_yet_valid",
            AuthError::WrongIssuer => "wrong_issuer",
            AuthError::WrongAudience => "wrong_audience",
            AuthError::BadClaims(_) => "bad_claims",
            AuthError::KeysUnavailable => "keys_unavailable",
        }
    }
}

/// Where the issuer's keys come from.
enum Keys {
    /// The local issuer's own key (no network).
    Local(Arc<local::LocalIssuer>),
    Remote(Arc<jwks::JwksCache>),
}

pub struct Authenticator {
    issuer: String,
    audience: String,
    keys: Keys,
    verified: VerifiedTokens,
}

/// Tokens already verified, by the SHA-256 of their text, with the principal they gave and the
/// instant they stop being trusted without a new check: their `exp`, and at most
/// [`VerifiedTokens::RECHECK_SECONDS`] after the check (so a key withdrawn from the issuer's JWKS
/// stops working soon after). A client sends the same token for every request of a session; an
/// Ed25519 or RSA verification costs more than the rest of the request's authentication.
/// Bounded: when full, it is emptied.
#[derive(Default)]
struct VerifiedTokens(std::sync::Mutex<std::collections::HashMap<[u8; 32], (Principal, i64)>>);

impl VerifiedTokens {
    const RECHECK_SECONDS: i64 = 60;
    const MAX_ENTRIES: usize = 10_000;

    fn digest(token: &str) -> [u8; 32] {
        <sha2::Sha256 as sha2::Digest>::digest(token.as_bytes()).into()
    }

    fn get(&self, token: &str, now: i64) -> Option<Principal> {
        let map = self.0.lock().ok()?;
        match map.get(&Self::digest(token)) {
            Some((p, until)) if now < *until => Some(p.clone()),
            _ => None,
        }
    }

    fn put(&self, token: &str, who: &Principal, exp: i64, now: i64) {
        let until = exp.min(now + Self::RECHECK_SECONDS);
        if let Ok(mut map) = self.0.lock() {
            if map.len() >= Self::MAX_ENTRIES {
                map.clear();
            }
            map.insert(Self::digest(token), (who.clone(), until));
        }
    }
}

impl Authenticator {
    pub fn local(issuer: Arc<local::LocalIssuer>) -> Self {
        Authenticator {
            issuer: issuer.issuer.clone(),
            audience: issuer.audience.clone(),
            keys: Keys::Local(issuer),
            verified: VerifiedTokens::default(),
        }
    }

    pub fn remote(issuer: String, audience: String, cache: Arc<jwks::JwksCache>) -> Self {
        Authenticator {
            issuer,
            audience,
            keys: Keys::Remote(cache),
            verified: VerifiedTokens::default(),
        }
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }
    pub fn audience(&self) -> &str {
        &self.audience
    }

    async fn key(&self, kid: &str) -> Result<(Option<Algorithm>, DecodingKey), AuthError> {
        match &self.keys {
            Keys::Local(i) => {
                if kid != i.kid() {
                    return Err(AuthError::UnknownKey);
                }
                let jwk = &i.jwks().keys[0];
                let key = DecodingKey::from_jwk(jwk).map_err(|_| AuthError::UnknownKey)?;
                Ok((jwk_alg(jwk), key))
            }
            Keys::Remote(c) => match c.key(kid).await {
                Some(k) => Ok((jwk_alg(&k.jwk), k.key)),
                None if !c.has_keys() => Err(AuthError::KeysUnavailable),
                None => Err(AuthError::UnknownKey),
            },
        }
    }

    /// The principal of a request, from its `Authorization` header value.
    pub async fn authenticate(&self, authorization: Option<&str>) -> Result<Principal, AuthError> {
        let raw = authorization.ok_or(AuthError::Missing)?.trim();
        let (scheme, token) = raw.split_once(' ').ok_or(AuthError::Malformed)?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(AuthError::Missing);
        }
        let token = token.trim();
        if token.len() > 16 * 1024 {
            return Err(AuthError::Malformed);
        }
        let now = chrono::Utc::now().timestamp();
        if let Some(who) = self.verified.get(token, now) {
            return Ok(who);
        }
        // Boxed: a verification may fetch the issuer's keys, a large future that would otherwise
        // be part of every request's, including the cached majority (see `store::boxed`).
        let (who, exp) = Box::pin(self.verify(token)).await?;
        self.verified.put(token, &who, exp, now);
        Ok(who)
    }

    /// Every check of the module doc on one token: its principal and its `exp`.
    async fn verify(&self, token: &str) -> Result<(Principal, i64), AuthError> {
        // `alg: none` and unknown algorithms fail to parse here; HMAC parses and is refused next.
        let header = jsonwebtoken::decode_header(token).map_err(|_| AuthError::Malformed)?;
        if !ALLOWED_ALGORITHMS.contains(&header.alg) {
            return Err(AuthError::DisallowedAlgorithm);
        }
        let kid = header.kid.as_deref().ok_or(AuthError::UnknownKey)?;
        let (key_alg, key) = self.key(kid).await?;
        if key_alg.is_some_and(|a| a != header.alg) {
            return Err(AuthError::DisallowedAlgorithm);
        }
        let mut v = Validation::new(header.alg);
        v.algorithms = vec![header.alg];
        v.leeway = LEEWAY_SECONDS;
        v.validate_exp = true;
        v.validate_nbf = true;
        v.set_issuer(&[&self.issuer]);
        v.set_audience(&[&self.audience]);
        v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        let data = jsonwebtoken::decode::<Claims>(token, &key, &v).map_err(|e| {
            use jsonwebtoken::errors::ErrorKind as K;
            match e.kind() {
                K::InvalidSignature => AuthError::BadSignature,
                K::ExpiredSignature => AuthError::Expired,
                K::ImmatureSignature => AuthError::NotYetValid,
                K::InvalidIssuer => AuthError::WrongIssuer,
                K::InvalidAudience => AuthError::WrongAudience,
                K::InvalidAlgorithm | K::InvalidAlgorithmName => AuthError::DisallowedAlgorithm,
                K::MissingRequiredClaim(c) => AuthError::BadClaims(format!("{c} missing")),
                K::Json(_) => AuthError::BadClaims("claims of the wrong type".into()),
                K::InvalidKeyFormat => AuthError::DisallowedAlgorithm,
                _ => AuthError::Malformed,
            }
        })?;
        let exp = data.claims.exp;
        Ok((principal_of(data.claims)?, exp))
    }
}

fn jwk_alg(jwk: &jsonwebtoken::jwk::Jwk) -> Option<Algorithm> {
    jwk.common
        .key_algorithm
        .and_then(|a| a.to_string().parse::<Algorithm>().ok())
}

/// Claims → principal (see the module doc for the mapping).
pub fn principal_of(c: Claims) -> Result<Principal, AuthError> {
    let bad = |m: &str| AuthError::BadClaims(m.into());
    if c.sub.trim().is_empty() || c.sub.len() > 200 {
        return Err(bad("sub must be 1–200 characters"));
    }
    let role = c.role.as_deref().ok_or_else(|| bad("role missing"))?;
    let role = Role::parse(role).ok_or_else(|| bad("unknown role"))?;
    let region = match (&c.region, role) {
        (Some(r), _) if r.trim().is_empty() || r.len() > 20 => return Err(bad("region malformed")),
        (Some(r), _) => RegionScope::parse(r),
        (None, Role::Analyst | Role::Investigator | Role::Operator) => {
            return Err(bad(
                "region missing (a region code, or * for national scope)",
            ))
        }
        (None, _) => RegionScope::National,
    };
    if role == Role::Partner && c.partner_id.as_deref().is_none_or(|p| p.trim().is_empty()) {
        return Err(bad("partner_id missing"));
    }
    let short = |v: Option<String>, what: &str| -> Result<Option<String>, AuthError> {
        match v {
            Some(s) if s.len() > 200 => Err(AuthError::BadClaims(format!("{what} too long"))),
            other => Ok(other.filter(|s| !s.trim().is_empty())),
        }
    };
    Ok(Principal {
        subject: c.sub,
        role,
        region,
        partner_id: short(c.partner_id, "partner_id")?,
        purpose: short(c.purpose, "purpose")?,
        token_id: short(c.jti, "jti")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analyst() -> Principal {
        Principal {
            subject: "s".into(),
            role: Role::Analyst,
            region: RegionScope::National,
            partner_id: None,
            purpose: None,
            token_id: None,
        }
    }

    #[test]
    fn a_verified_token_is_trusted_until_its_expiry_and_at_most_a_minute() {
        let v = VerifiedTokens::default();
        let now = 1_000_000;
        v.put("token-a", &analyst(), now + 10, now);
        assert_eq!(v.get("token-a", now), Some(analyst()));
        assert_eq!(v.get("token-a", now + 9), Some(analyst()));
        assert_eq!(v.get("token-a", now + 10), None, "expired: checked again");
        assert_eq!(v.get("token-b", now), None, "another token is not trusted");
        v.put("token-c", &analyst(), now + 3_600, now);
        assert!(v.get("token-c", now + 59).is_some());
        assert_eq!(
            v.get("token-c", now + 60),
            None,
            "re-checked after a minute"
        );
    }

    #[test]
    fn the_verified_tokens_stay_bounded() {
        let v = VerifiedTokens::default();
        for i in 0..VerifiedTokens::MAX_ENTRIES + 5 {
            v.put(&format!("t{i}"), &analyst(), 100, 0);
        }
        assert!(v.0.lock().unwrap().len() <= VerifiedTokens::MAX_ENTRIES);
    }
}
