//! The key set of an external identity provider (OIDC), cached by `kid`.
//!
//! - Keys come from the JWKS URL given, or the `jwks_uri` of `{issuer}/.well-known/openid-configuration`.
//! - A token with an unknown `kid` triggers a refresh, at most once per `min_refresh` (a flood of
//!   made-up `kid`s cannot make us hammer the provider); a background task refreshes every
//!   `max_age` so rotated keys arrive without a miss.
//! - When the provider is down, the last good keys stay in use; without any keys yet, requests
//!   are refused (fail-closed) with "keys unavailable".

use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::DecodingKey;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

#[derive(Clone)]
pub struct CachedKey {
    pub jwk: Jwk,
    pub key: DecodingKey,
}

pub struct JwksCache {
    issuer: String,
    jwks_url: Option<String>,
    http: reqwest::Client,
    min_refresh: Duration,
    state: RwLock<State>,
    refresh: tokio::sync::Mutex<()>,
    fetches: AtomicU64,
}

#[derive(Default)]
struct State {
    keys: HashMap<String, CachedKey>,
    last_attempt: Option<Instant>,
    discovered_jwks_url: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{0}")]
    Http(String),
    #[error("{0}")]
    Shape(String),
}

impl JwksCache {
    pub fn new(issuer: String, jwks_url: Option<String>, min_refresh: Duration) -> Arc<Self> {
        Arc::new(JwksCache {
            issuer,
            jwks_url,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(5))
                .build()
                .unwrap_or_default(),
            min_refresh,
            state: RwLock::new(State::default()),
            refresh: tokio::sync::Mutex::new(()),
            fetches: AtomicU64::new(0),
        })
    }

    /// How many times the key set was fetched (tests check the rate limit on refreshes).
    pub fn fetch_count(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    pub fn has_keys(&self) -> bool {
        !self.read().keys.is_empty()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|p| p.into_inner())
    }
    fn write(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(|p| p.into_inner())
    }

    /// The key for `kid`: from the cache, or after a (rate-limited) refresh.
    pub async fn key(&self, kid: &str) -> Option<CachedKey> {
        if let Some(k) = self.read().keys.get(kid) {
            return Some(k.clone());
        }
        let _one_at_a_time = self.refresh.lock().await;
        // Another request may have refreshed while we waited.
        if let Some(k) = self.read().keys.get(kid) {
            return Some(k.clone());
        }
        let due = self
            .read()
            .last_attempt
            .is_none_or(|t| t.elapsed() >= self.min_refresh);
        if due {
            if let Err(e) = self.refresh_now().await {
                tracing::warn!(issuer = %self.issuer, error = %e, "refreshing the identity provider's keys failed; keeping the last good keys");
            }
        }
        self.read().keys.get(kid).cloned()
    }

    /// Fetches the key set now. On failure the cached keys stay as they were.
    pub async fn refresh_now(&self) -> Result<usize, FetchError> {
        self.write().last_attempt = Some(Instant::now());
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let url = self.jwks_url().await?;
        let set: JwkSet = self
            .http
            .get(&url)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| FetchError::Http(format!("{url}: {e}")))?
            .json()
            .await
            .map_err(|e| FetchError::Shape(format!("{url}: not a JWKS: {e}")))?;
        let mut keys = HashMap::new();
        for jwk in set.keys {
            let Some(kid) = jwk.common.key_id.clone() else {
                continue; // a key without kid cannot be selected safely
            };
            match DecodingKey::from_jwk(&jwk) {
                Ok(key) => {
                    keys.insert(kid, CachedKey { jwk, key });
                }
                Err(e) => tracing::warn!(kid = %kid, error = %e, "skipping an unusable key"),
            }
        }
        if keys.is_empty() {
            return Err(FetchError::Shape(format!("{url}: no usable keys")));
        }
        let n = keys.len();
        self.write().keys = keys;
        Ok(n)
    }

    async fn jwks_url(&self) -> Result<String, FetchError> {
        if let Some(u) = &self.jwks_url {
            return Ok(u.clone());
        }
        if let Some(u) = self.read().discovered_jwks_url.clone() {
            return Ok(u);
        }
        let disc = format!(
            "{}/.well-known/openid-configuration",
            self.issuer.trim_end_matches('/')
        );
        let v: serde_json::Value = self
            .http
            .get(&disc)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| FetchError::Http(format!("{disc}: {e}")))?
            .json()
            .await
            .map_err(|e| FetchError::Shape(format!("{disc}: {e}")))?;
        let u = v["jwks_uri"]
            .as_str()
            .ok_or_else(|| FetchError::Shape(format!("{disc}: no jwks_uri")))?
            .to_string();
        self.write().discovered_jwks_url = Some(u.clone());
        Ok(u)
    }

    /// Refreshes every `every` in the background for as long as the cache lives.
    pub fn spawn_periodic_refresh(self: &Arc<Self>, every: Duration) {
        let weak = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.tick().await;
            loop {
                tick.tick().await;
                let Some(c) = weak.upgrade() else { break };
                let _one = c.refresh.lock().await;
                if let Err(e) = c.refresh_now().await {
                    tracing::warn!(error = %e, "periodic refresh of the identity provider's keys failed; keeping the last good keys");
                }
            }
        });
    }
}
