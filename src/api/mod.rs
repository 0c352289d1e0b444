//! The API: the only module that knows GraphQL and HTTP. Resolvers are thin: they parse input
//! into domain types, read through the personal-data gate ([`access::PersonalData`]) and map
//! errors to codes ([`error::ApiError`]).

pub mod access;
pub mod error;
pub mod http;
pub mod schema;

/// The SDL of the schema, as committed in `schema/schema.graphql`.
pub fn sdl() -> String {
    schema::build_schema(None).sdl()
}
