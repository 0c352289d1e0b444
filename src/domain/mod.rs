//! Pure domain: identifiers, registry facts, family composition, snapshots, legal parameters,
//! the well-being methodology and the benefit rules.
//!
//! Architecture invariant: nothing in here imports neo4rs, axum, async-graphql or tokio, and
//! nothing here does I/O except parsing rule files handed in as text. Every rule is a function
//! of a [`snapshot::FamilySnapshot`] and a date.

pub mod benefits;
pub mod cases;
pub mod family;
pub mod ids;
pub mod links;
pub mod money;
pub mod offer;
pub mod parameters;
pub mod regions;
pub mod registry;
pub mod shared;
pub mod signals;
pub mod snapshot;
#[cfg(test)]
pub(crate) mod testkit;
pub mod wellbeing;
