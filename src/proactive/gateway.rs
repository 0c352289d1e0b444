//! The SMS gateway port and its adapters: an HTTP adapter for the operator's gateway and a file
//! adapter for development. Both are idempotent by message id: sending the same message twice
//! (a retry, or a re-send after a crash between sending and acknowledging) delivers it once —
//! the HTTP adapter passes the id as `Idempotency-Key` and `client_message_id`, which the gateway
//! deduplicates on; the file adapter skips ids already in its file.

use crate::domain::offer::SENDER_ID;
use serde_json::json;
use std::collections::HashSet;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingSms {
    /// Our idempotency key.
    pub message_id: String,
    pub sender: String,
    pub to: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GatewayError {
    /// Worth retrying later (network, 5xx, 429).
    #[error("temporary gateway failure: {0}")]
    Transient(String),
    /// Retrying will not help (4xx, a refused sender).
    #[error("gateway refused the message: {0}")]
    Permanent(String),
}

/// Where SMS go.
pub enum SmsGateway {
    Http(HttpGateway),
    File(FileGateway),
}

impl SmsGateway {
    /// Sends one message; returns the gateway's message id.
    pub async fn send(&self, m: &OutgoingSms) -> Result<String, GatewayError> {
        if m.sender != SENDER_ID {
            return Err(GatewayError::Permanent(format!(
                "sender id must be {SENDER_ID}, got {:?}",
                m.sender
            )));
        }
        match self {
            SmsGateway::Http(g) => g.send(m).await,
            SmsGateway::File(g) => g.send(m),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            SmsGateway::Http(g) => format!("HTTP gateway {}", g.url),
            SmsGateway::File(g) => format!("file {}", g.path.display()),
        }
    }
}

/// POSTs `{"sender","to","text","client_message_id"}` as JSON to `url`, with
/// `Authorization: Bearer <token>` when a token is set and `Idempotency-Key: <message id>`.
/// A 2xx answer may carry `{"message_id": "..."}`. Network errors, 429 and 5xx are retried a few
/// times with backoff inside one attempt, then reported as transient.
pub struct HttpGateway {
    pub url: String,
    token: Option<String>,
    client: reqwest::Client,
    retries: u32,
}

impl HttpGateway {
    pub fn new(url: String, token: Option<String>) -> Self {
        HttpGateway {
            url,
            token,
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(15))
                .build()
                .expect("HTTP client"),
            retries: 3,
        }
    }

    async fn send(&self, m: &OutgoingSms) -> Result<String, GatewayError> {
        let mut delay = Duration::from_millis(200);
        let mut last = String::new();
        for attempt in 0..=self.retries {
            if attempt > 0 {
                tokio::time::sleep(delay).await;
                delay *= 2;
            }
            let mut req = self
                .client
                .post(&self.url)
                .header("Idempotency-Key", &m.message_id)
                .json(&json!({
                    "sender": m.sender, "to": m.to, "text": m.text, "client_message_id": m.message_id
                }));
            if let Some(t) = &self.token {
                req = req.bearer_auth(t);
            }
            match req.send().await {
                Ok(r) if r.status().is_success() => {
                    let body: serde_json::Value = r.json().await.unwrap_or_default();
                    return Ok(body["message_id"]
                        .as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| m.message_id.clone()));
                }
                Ok(r) if r.status().as_u16() == 429 || r.status().is_server_error() => {
                    last = format!("HTTP {}", r.status());
                }
                Ok(r) => return Err(GatewayError::Permanent(format!("HTTP {}", r.status()))),
                Err(e) => last = e.to_string(),
            }
        }
        Err(GatewayError::Transient(last))
    }
}

/// Appends each message as one NDJSON line to a file (development: read the SMS there).
pub struct FileGateway {
    pub path: PathBuf,
    sent: Mutex<Option<HashSet<String>>>,
}

impl FileGateway {
    pub fn new(path: PathBuf) -> Self {
        FileGateway {
            path,
            sent: Mutex::new(None),
        }
    }

    fn send(&self, m: &OutgoingSms) -> Result<String, GatewayError> {
        let io = |e: std::io::Error| GatewayError::Transient(e.to_string());
        let mut sent = self.sent.lock().expect("not poisoned");
        let ids = match sent.as_mut() {
            Some(s) => s,
            None => {
                let mut s = HashSet::new();
                if let Ok(text) = std::fs::read_to_string(&self.path) {
                    for line in text.lines() {
                        if let Ok(v) = serde_json::from_str::<serde_json::Value>(line) {
                            if let Some(id) = v["message_id"].as_str() {
                                s.insert(id.to_string());
                            }
                        }
                    }
                }
                sent.insert(s)
            }
        };
        if ids.contains(&m.message_id) {
            return Ok(m.message_id.clone());
        }
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(io)?;
        let line = json!({
            "message_id": m.message_id, "sender": m.sender, "to": m.to, "text": m.text,
            "at": chrono::Utc::now().to_rfc3339(),
        });
        writeln!(f, "{line}").map_err(io)?;
        f.sync_data().map_err(io)?;
        ids.insert(m.message_id.clone());
        Ok(m.message_id.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(id: &str, sender: &str) -> OutgoingSms {
        OutgoingSms {
            message_id: id.into(),
            sender: sender.into(),
            to: "+77011234567".into(),
            text: "R 123456 1".into(),
        }
    }

    #[tokio::test]
    async fn file_gateway_delivers_each_message_once_even_after_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sms.ndjson");
        let g = SmsGateway::File(FileGateway::new(path.clone()));
        g.send(&msg("a", "1414")).await.unwrap();
        g.send(&msg("a", "1414")).await.unwrap();
        g.send(&msg("b", "1414")).await.unwrap();
        // A new adapter (a restarted process) still knows what was sent.
        let g2 = SmsGateway::File(FileGateway::new(path.clone()));
        g2.send(&msg("a", "1414")).await.unwrap();
        let lines = std::fs::read_to_string(&path).unwrap().lines().count();
        assert_eq!(lines, 2);
    }

    #[tokio::test]
    async fn only_1414_may_send() {
        let dir = tempfile::tempdir().unwrap();
        let g = SmsGateway::File(FileGateway::new(dir.path().join("sms.ndjson")));
        assert!(matches!(
            g.send(&msg("a", "7777")).await,
            Err(GatewayError::Permanent(_))
        ));
    }
}
