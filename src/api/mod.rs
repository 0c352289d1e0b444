//! The API: the only module that knows GraphQL and HTTP. Resolvers are thin: they parse input
//! into domain types, read through the personal-data gate ([`access::PersonalData`]) and map
//! errors to codes ([`error::ApiError`]).

pub mod access;
pub mod assessments;
pub mod error;
pub mod http;
pub mod pages;
pub mod proactive;
pub mod schema;

use crate::domain::offer::ProactiveRules;
use crate::proactive::Titles;
use crate::rules::RuleSet;
use crate::store::Store;
use std::sync::Arc;

/// What the API needs besides the request: the store and the rules it evaluates with.
#[derive(Clone)]
pub struct AppContext {
    pub store: Store,
    /// Legal parameters, well-being methodologies, benefit rules.
    pub rules: Arc<RuleSet>,
    pub proactive: Arc<ProactiveRules>,
    /// Benefit titles by code, for SMS texts.
    pub titles: Arc<Titles>,
    /// Shared secret the SMS gateway sends in `x-webhook-token` (`None`: not checked).
    pub webhook_token: Option<String>,
}

impl AppContext {
    /// The bundled rules, no webhook secret.
    pub fn new(store: Store) -> Self {
        Self::with_rules(store, RuleSet::bundled(), ProactiveRules::bundled())
    }

    pub fn with_rules(store: Store, rules: RuleSet, proactive: ProactiveRules) -> Self {
        AppContext {
            store,
            rules: Arc::new(rules),
            proactive: Arc::new(proactive),
            titles: Arc::new(benefit_titles()),
            webhook_token: None,
        }
    }
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
    schema::build_schema(None).sdl()
}
