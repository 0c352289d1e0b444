//! Integration tests against the real local ArcadeDB over Bolt and the real HTTP API.
//! One binary (one database start) with a module per feature.

mod assessments;
mod errors;
mod family;
mod helpers;
mod ingest;
mod links;
mod pages;
mod proactive;
mod round_trips;
mod security;
