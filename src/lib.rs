//! # family-card
//!
//! A graph-backed digital family card: the registry as a property graph, each person's legal family
//! and address household resolved as of any date, the well-being level, benefit eligibility, and
//! the GraphQL API that serves them. A tour of the modules, from the inside out:
//!
//! - [`domain`] — pure types and rules, no I/O: identifiers that parse ([`domain::ids::Iin`] with
//!   its check digit), registry facts ([`domain::registry`]), family composition on a date
//!   ([`domain::family`]), the [`domain::snapshot::FamilySnapshot`] every rule takes, and legal
//!   parameters as data ([`domain::parameters`]).
//! - [`store`] — the only module that speaks Cypher (neo4rs, statements from `cypher/*.cypher`),
//!   with retries of idempotent units; Neo4j 5 in production, ArcadeDB locally.
//! - [`localdb`] — installs and runs the local ArcadeDB when no database URI is given.
//! - [`ingest`] — NDJSON registry extracts into the graph: validation with file/line/field,
//!   rejects file, UNWIND batches, idempotent MERGEs.
//! - [`family_cards`] — a person's family on a date, a card by id, materialising cards.
//! - [`jobs`] — country-wide jobs over every card (keyset pages, batched loads, checkpoints).
//! - [`api`] — the only module that knows HTTP and GraphQL: router, principal, the one gate for
//!   personal data, the error policy.
//!
//! `ARCHITECTURE.md` holds the code map and the invariants; `schema/graph-model.md` the graph.
// The request path's nested futures (HTTP → GraphQL → gate → store → neo4rs) are deeper than
// rustc's default layout query depth.
#![recursion_limit = "256"]

// Every future of the API stays under `future-size-threshold` (clippy.toml): async-graphql boxes a
// resolver's future per field, sized by the object's largest resolver (`store::boxed`).
#[warn(clippy::large_futures)]
pub mod api;
pub mod app;
pub mod audit;
pub mod bench;
pub mod bench_ingest;
pub mod bench_links;
pub mod bench_load;
pub mod bulk_load;
pub mod domain;
pub mod events;
pub mod export;
pub mod family_cards;
pub mod generate;
pub mod ingest;
pub mod jobs;
pub mod localdb;
pub mod proactive;
pub mod rules;
pub mod secret;
pub mod store;
