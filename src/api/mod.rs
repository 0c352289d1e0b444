//! The API: the only module that knows GraphQL and HTTP. Resolvers are thin: they parse input
//! into domain types, read through the request's gate ([`access::Gate`]), which asks the access
//! policy ([`policy`]) and notes every access for the audit trail, and map errors to codes
//! ([`error::ApiError`]). Requests are authenticated ([`auth`]) and bounded ([`limits`]) in
//! [`http`] before any resolver runs.

pub mod access;
pub mod assessments;
pub mod audit_trail;
pub mod auth;
pub mod cases;
pub mod dashboard;
pub mod dci;
pub mod error;
pub mod events;
pub mod family;
pub mod http;
pub mod ingest_jobs;
pub mod limits;
pub mod links;
pub mod pages;
pub mod person;
pub mod policy;
pub mod proactive;
pub mod schema;
pub mod webhook;

use crate::audit::AuditLog;
use crate::domain::offer::ProactiveRules;
use crate::proactive::Titles;
use crate::rules::RuleSet;
use crate::store::Store;
use std::sync::Arc;

/// What the API needs besides the request: the store, the rules it evaluates with, who may come
/// in, how much they may ask, and where accesses are recorded.
#[derive(Clone)]
pub struct AppContext {
    pub store: Store,
    /// Legal parameters, well-being methodologies, benefit rules.
    pub rules: Arc<RuleSet>,
    pub proactive: Arc<ProactiveRules>,
    /// Benefit titles by code, for SMS texts.
    pub titles: Arc<Titles>,
    pub auth: Arc<auth::Authenticator>,
    /// The local issuer, when the service signs its own tokens (its JWKS is published).
    pub local_issuer: Option<Arc<auth::local::LocalIssuer>>,
    pub limits: Arc<limits::Limits>,
    pub rate: Arc<limits::RateLimiter>,
    pub audit: AuditLog,
    /// Who may post inbound SMS replies (closed by default).
    pub webhook: webhook::WebhookAuth,
    /// Partners' bulk ingest jobs and their runner.
    pub ingest: Arc<crate::ingest::jobs::IngestJobs>,
    /// How change events are delivered (the worker, subscriptions' URL rules).
    pub events: Arc<crate::events::EventSettings>,
    /// Fanned-out change events, for this instance's GraphQL subscriptions.
    pub event_hub: crate::events::EventHub,
    /// Signs DCI envelopes (a key of its own, not the token issuer's).
    pub dci_signer: Arc<auth::local::LocalIssuer>,
}

/// Benefit titles by code, for SMS texts.
pub fn benefit_titles() -> Titles {
    crate::domain::benefits::BenefitKind::ALL
        .iter()
        .map(|k| (k.code().to_string(), k.title().to_string()))
        .collect()
}

/// The SDL of the schema, as committed in `schema/schema.graphql`.
pub fn sdl() -> String {
    schema::build_schema(
        None,
        &limits::Limits::default(),
        schema::TextChecks::ByCaller,
    )
    .sdl()
}
