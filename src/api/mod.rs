//! The API: the only module that knows GraphQL and HTTP. Resolvers are thin: they parse input
//! into domain types, read through the personal-data gate ([`access::PersonalData`]) and map
//! errors to codes ([`error::ApiError`]).

pub mod access;
pub mod error;
pub mod http;
pub mod proactive;
pub mod schema;

use crate::domain::offer::ProactiveRules;
use crate::proactive::Titles;
use crate::store::Store;
use std::sync::Arc;

/// What the API needs besides the request: the store and the rules it evaluates with.
#[derive(Clone)]
pub struct AppContext {
    pub store: Store,
    pub proactive: Arc<ProactiveRules>,
    /// Benefit titles by code, for SMS texts.
    pub titles: Arc<Titles>,
    /// Shared secret the SMS gateway sends in `x-webhook-token` (`None`: not checked).
    pub webhook_token: Option<String>,
}

impl AppContext {
    /// The bundled rules, no webhook secret.
    pub fn new(store: Store) -> Self {
        AppContext {
            store,
            proactive: Arc::new(ProactiveRules::bundled()),
            titles: Arc::new(Titles::new()),
            webhook_token: None,
        }
    }
}

/// The SDL of the schema, as committed in `schema/schema.graphql`.
pub fn sdl() -> String {
    schema::build_schema(None).sdl()
}
