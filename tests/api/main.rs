//! Integration tests against the real local ArcadeDB over Bolt and the real HTTP API.
//! One binary (one database start) with a module per feature.

mod assessments;
mod bulk_load;
mod cases;
mod dci;
mod errors;
mod events;
mod family;
mod helpers;
mod ingest;
mod ingest_jobs;
mod jobs;
mod links;
mod load;
mod pages;
mod proactive;
mod round_trips;
mod security;
mod signals;
