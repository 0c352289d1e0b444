pub mod api;
pub mod domain;
pub mod family_cards;
pub mod ingest;
pub mod localdb;
pub mod store;
