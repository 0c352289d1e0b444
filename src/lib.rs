pub mod domain;
pub mod ingest;
pub mod store;
