//! The local issuer: when no external identity provider is configured, `serve` signs its own
//! access tokens with an Ed25519 key kept in the data directory (created on first start, mode
//! 0600), publishes the public key as a JWKS at `/.well-known/jwks.json`, and validates tokens
//! exactly as it would an external issuer's (same claims, same checks). `family-card token`
//! mints more with the same key.

use super::{Claims, ALLOWED_ALGORITHMS};
use crate::secret::{random_bytes, write_private, Secret};
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ed25519_dalek::SigningKey;
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use std::path::{Path, PathBuf};

/// The `iss` of locally issued tokens.
pub const LOCAL_ISSUER: &str = "urn:family-card:local-issuer";
/// The default `aud` (the service).
pub const DEFAULT_AUDIENCE: &str = "family-card";

pub struct LocalIssuer {
    kid: String,
    encoding: Secret<EncodingKey>,
    jwk: Jwk,
    pub issuer: String,
    pub audience: String,
}

impl std::fmt::Debug for LocalIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalIssuer")
            .field("kid", &self.kid)
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

/// Where the signing key of a data directory lives.
pub fn key_path(dir: &Path) -> PathBuf {
    dir.join("auth").join("local-issuer-ed25519.pk8")
}

#[derive(Debug, thiserror::Error)]
pub enum IssuerError {
    #[error("{path}: {cause}")]
    Key { path: String, cause: String },
    #[error("signing a token: {0}")]
    Sign(String),
}

/// What a minted token says about its holder.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    pub subject: String,
    pub role: String,
    pub region: String,
    pub partner_id: Option<String>,
    pub purpose: Option<String>,
    pub ttl: std::time::Duration,
}

impl LocalIssuer {
    /// Opens the key in `dir` (see [`key_path`]), creating it when absent.
    pub fn open_or_create(dir: &Path) -> Result<LocalIssuer, IssuerError> {
        let path = key_path(dir);
        let err = |cause: String| IssuerError::Key {
            path: path.display().to_string(),
            cause,
        };
        let signing = match std::fs::read(&path) {
            Ok(der) => SigningKey::from_pkcs8_der(&der).map_err(|e| err(e.to_string()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = SigningKey::from_bytes(&random_bytes::<32>());
                let der = key.to_pkcs8_der().map_err(|e| err(e.to_string()))?;
                std::fs::create_dir_all(path.parent().unwrap_or(dir))
                    .map_err(|e| err(e.to_string()))?;
                write_private(&path, der.as_bytes()).map_err(|e| err(e.to_string()))?;
                key
            }
            Err(e) => return Err(err(e.to_string())),
        };
        Self::from_signing_key(&signing, LOCAL_ISSUER, DEFAULT_AUDIENCE)
    }

    /// Opens the key in `dir` without creating one (for `family-card token`).
    pub fn open(dir: &Path) -> Result<LocalIssuer, IssuerError> {
        let path = key_path(dir);
        let der = std::fs::read(&path).map_err(|e| IssuerError::Key {
            path: path.display().to_string(),
            cause: format!("{e} (start `family-card serve` once to create it)"),
        })?;
        let key = SigningKey::from_pkcs8_der(&der).map_err(|e| IssuerError::Key {
            path: path.display().to_string(),
            cause: e.to_string(),
        })?;
        Self::from_signing_key(&key, LOCAL_ISSUER, DEFAULT_AUDIENCE)
    }

    /// An issuer over a given key (tests make several to act as other identity providers).
    pub fn from_signing_key(
        key: &SigningKey,
        issuer: &str,
        audience: &str,
    ) -> Result<LocalIssuer, IssuerError> {
        use base64::Engine;
        let der = key
            .to_pkcs8_der()
            .map_err(|e| IssuerError::Sign(e.to_string()))?;
        let public = key.verifying_key().to_bytes();
        let kid = hex::encode(&sha2_256(&public)[..8]);
        let x = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(public);
        let jwk: Jwk = serde_json::from_value(serde_json::json!({
            "kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "alg": "EdDSA", "use": "sig"
        }))
        .map_err(|e| IssuerError::Sign(e.to_string()))?;
        Ok(LocalIssuer {
            kid,
            encoding: Secret::new(EncodingKey::from_ed_der(der.as_bytes())),
            jwk,
            issuer: issuer.into(),
            audience: audience.into(),
        })
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    pub fn jwks(&self) -> JwkSet {
        JwkSet {
            keys: vec![self.jwk.clone()],
        }
    }

    /// A signed access token.
    pub fn mint(&self, t: &TokenRequest) -> Result<String, IssuerError> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            iss: self.issuer.clone(),
            sub: t.subject.clone(),
            aud: serde_json::Value::String(self.audience.clone()),
            exp: now + t.ttl.as_secs() as i64,
            nbf: Some(now),
            iat: Some(now),
            jti: Some(crate::secret::random_hex::<12>()),
            role: Some(t.role.clone()),
            region: Some(t.region.clone()),
            partner_id: t.partner_id.clone(),
            purpose: t.purpose.clone(),
        };
        self.sign(&claims)
    }

    /// Signs any claims (tests use it for expired, foreign and malformed tokens).
    pub fn sign<C: serde::Serialize>(&self, claims: &C) -> Result<String, IssuerError> {
        debug_assert!(ALLOWED_ALGORITHMS.contains(&Algorithm::EdDSA));
        let mut h = Header::new(Algorithm::EdDSA);
        h.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&h, claims, self.encoding.expose())
            .map_err(|e| IssuerError::Sign(e.to_string()))
    }
}

fn sha2_256(b: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(b).into()
}
