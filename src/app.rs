//! The one start-up path of the service, shared by `main` (`serve`), the integration tests and
//! the benchmarks: [`Application::build`] takes [`Settings`] and a connected store, sets up
//! authentication (an external OIDC issuer, or the local issuer), the audit trail, the keyed
//! identifiers, the limits and the router, and binds the listener.

use crate::api::auth::{jwks::JwksCache, local::LocalIssuer, Authenticator};
use crate::api::limits::{Limits, RateLimiter};
use crate::api::webhook::WebhookAuth;
use crate::api::AppContext;
use crate::audit::AuditLog;
use crate::domain::offer::ProactiveRules;
use crate::rules::RuleSet;
use crate::secret::Secret;
use crate::store::Store;
use anyhow::Context;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Where tokens come from.
#[derive(Debug, Clone)]
pub enum AuthSettings {
    /// The service signs its own tokens with a key kept in `key_dir` (development, one-step
    /// start, tests).
    Local { key_dir: PathBuf },
    /// An OIDC identity provider: tokens for `audience` from `issuer`, keys from `jwks_url` or
    /// discovered from the issuer.
    External {
        issuer: String,
        audience: String,
        jwks_url: Option<String>,
    },
}

/// Everything the service is configured with. `Debug` prints no secret.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `host:port` (port 0: any free port).
    pub bind: String,
    pub auth: AuthSettings,
    /// Where the audit trail is appended (`audit.ndjson`).
    pub audit_dir: PathBuf,
    /// fsync the audit trail after each group of records.
    pub audit_sync: bool,
    /// The key family ids are derived with; shared by every instance and by `load`.
    pub id_key: Secret<[u8; 32]>,
    pub limits: Limits,
    pub webhook: WebhookAuth,
    /// Bulk ingest jobs: where they are kept, partners' size and rate limits.
    pub ingest: crate::ingest::jobs::JobSettings,
    /// Change events: delivery worker, retry schedule, outbound URL rules.
    pub events: crate::events::EventSettings,
    /// Where the key that signs DCI envelopes is kept (Ed25519, created on first use; its public
    /// key is served at `/dci/.well-known/jwks.json`).
    pub dci_key_dir: PathBuf,
}

impl Settings {
    /// Defaults for a data directory: the local issuer's key and the id key in
    /// `<dir>/secrets`, the audit trail in `<dir>/audit`.
    pub fn local(state_dir: &std::path::Path) -> anyhow::Result<Settings> {
        Ok(Settings {
            bind: "127.0.0.1:8080".into(),
            auth: AuthSettings::Local {
                key_dir: state_dir.join("secrets"),
            },
            audit_dir: state_dir.join("audit"),
            audit_sync: true,
            id_key: id_key_in(state_dir)?,
            limits: Limits::default(),
            webhook: WebhookAuth::Closed,
            ingest: crate::ingest::jobs::JobSettings::in_dir(state_dir.join("ingest")),
            events: crate::events::EventSettings::default(),
            dci_key_dir: state_dir.join("secrets").join("dci"),
        })
    }
}

/// The id key of a data directory (created on first use), unless `FAMILY_CARD_ID_KEY` (64 hex)
/// gives it.
pub fn id_key_in(state_dir: &std::path::Path) -> anyhow::Result<Secret<[u8; 32]>> {
    if let Ok(hexkey) = std::env::var("FAMILY_CARD_ID_KEY") {
        let b = hex::decode(hexkey.trim()).context("FAMILY_CARD_ID_KEY must be hex")?;
        let k: [u8; 32] = b
            .try_into()
            .map_err(|_| anyhow::anyhow!("FAMILY_CARD_ID_KEY must be 32 bytes (64 hex digits)"))?;
        return Ok(Secret::new(k));
    }
    let p = state_dir.join("secrets").join("family-id.key");
    crate::secret::key_file(&p).with_context(|| format!("reading or creating {}", p.display()))
}

/// Installs the key family ids are derived with (once per process; later calls must agree).
pub fn install_id_key(key: &Secret<[u8; 32]>) {
    crate::domain::family::FamilyId::install_key(*key.expose());
}

pub struct Application {
    listener: tokio::net::TcpListener,
    pub app: AppContext,
    pub port: u16,
}

impl Application {
    /// Binds first (a busy port fails before anything else starts), then builds the context.
    pub async fn build(
        settings: Settings,
        store: Store,
        rules: RuleSet,
        proactive: ProactiveRules,
    ) -> anyhow::Result<Application> {
        let listener = tokio::net::TcpListener::bind(&settings.bind)
            .await
            .with_context(|| {
                format!(
                    "binding {} (choose another address with --bind or FAMILY_CARD_BIND)",
                    settings.bind
                )
            })?;
        let port = listener.local_addr()?.port();
        let start_events = settings.events.enabled;
        let app = context(settings, store, rules, proactive).await?;
        if start_events {
            crate::events::delivery::spawn(
                app.store.clone(),
                app.events.clone(),
                app.event_hub.clone(),
            );
        }
        Ok(Application {
            listener,
            app,
            port,
        })
    }

    pub fn router(&self) -> axum::Router {
        crate::api::http::router_with(self.app.clone())
    }

    /// Serves until `shutdown` completes.
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        use axum::serve::ListenerExt;
        let router = self.router();
        // Responses go out as soon as they are written: with Nagle's algorithm on, a response
        // written in two segments waits for the client's delayed ACK (tens of milliseconds).
        let listener = self.listener.tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::warn!(error = %e, "TCP_NODELAY not set on an accepted connection");
            }
        });
        axum::serve(listener, router)
            .with_graceful_shutdown(shutdown)
            .await
    }
}

/// The API context of the settings (no listener): what the router and the benchmarks use.
pub async fn context(
    settings: Settings,
    store: Store,
    rules: RuleSet,
    proactive: ProactiveRules,
) -> anyhow::Result<AppContext> {
    install_id_key(&settings.id_key);
    let (auth, local_issuer) = match &settings.auth {
        AuthSettings::Local { key_dir } => {
            let issuer = Arc::new(
                LocalIssuer::open_or_create(key_dir).context("the local token issuer's key")?,
            );
            (Authenticator::local(issuer.clone()), Some(issuer))
        }
        AuthSettings::External {
            issuer,
            audience,
            jwks_url,
        } => {
            let cache = JwksCache::new(issuer.clone(), jwks_url.clone(), Duration::from_secs(5));
            match cache.refresh_now().await {
                Ok(n) => {
                    tracing::info!(issuer = %issuer, keys = n, "identity provider's keys loaded")
                }
                Err(e) => {
                    tracing::warn!(issuer = %issuer, error = %e, "identity provider not reachable yet; requests are refused until its keys load")
                }
            }
            cache.spawn_periodic_refresh(Duration::from_secs(300));
            (
                Authenticator::remote(issuer.clone(), audience.clone(), cache),
                None,
            )
        }
    };
    let audit = AuditLog::open(&settings.audit_dir, settings.audit_sync)
        .context("opening the audit trail")?;
    let rate = RateLimiter::new(settings.limits.rate_per_second, settings.limits.rate_burst);
    // Jobs left unfinished by a stop resume here (or are reported failed).
    let ingest = crate::ingest::jobs::IngestJobs::start(settings.ingest.clone(), store.clone())
        .context("opening the ingest job store")?;
    let dci_signer = Arc::new(
        LocalIssuer::open_or_create(&settings.dci_key_dir).context("the DCI signing key")?,
    );
    Ok(AppContext {
        store,
        rules: Arc::new(rules),
        proactive: Arc::new(proactive),
        titles: Arc::new(crate::api::benefit_titles()),
        auth: Arc::new(auth),
        local_issuer,
        limits: Arc::new(settings.limits),
        rate: Arc::new(rate),
        audit,
        webhook: settings.webhook,
        ingest,
        events: Arc::new(settings.events),
        event_hub: crate::events::EventHub::default(),
        dci_signer,
    })
}
