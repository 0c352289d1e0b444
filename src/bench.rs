//! Benchmarks run against a loaded database (results are written down in `docs/benchmarks.md`,
//! never asserted by tests): the latency of `family(iin:)` through the real HTTP API.

use crate::store::Store;
use serde_json::json;
use std::time::{Duration, Instant};

/// The query a social worker's screen sends: the family with members, household, assets.
pub const FAMILY_QUERY: &str = "query($iin: String!) { family(iin: $iin) { familyId size \
members(first: 50) { edges { node { iin fullName role age } } } \
household { addressId residents outsideFamily } \
assets { realEstate { areaM2 } vehicles { kind } } } }";

#[derive(Debug, Clone)]
pub struct LatencyReport {
    pub samples: usize,
    pub persons_in_db: usize,
    pub errors: usize,
    pub p50: Duration,
    pub p90: Duration,
    pub p99: Duration,
    pub max: Duration,
    pub mean: Duration,
}

/// Picks `samples` persons uniformly at random (seeded) from every stored person, serves the API on
/// a free local port, and times `family(iin:)` for each, one request at a time.
pub async fn family_lookup_latency(
    store: &Store,
    samples: usize,
    seed: u64,
) -> anyhow::Result<LatencyReport> {
    let mut all = vec![];
    let mut after = String::new();
    loop {
        let page = store.persons_page(&after, 50_000).await?;
        let Some(last) = page.last().cloned() else {
            break;
        };
        all.extend(page);
        after = last;
    }
    anyhow::ensure!(!all.is_empty(), "no persons stored: load an extract first");
    let mut rng = seed.max(1);
    let mut next = || {
        // splitmix64
        rng = rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let picks: Vec<String> = (0..samples)
        .map(|_| all[(next() % all.len() as u64) as usize].clone())
        .collect();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let app = crate::api::http::router(store.clone());
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let client = reqwest::Client::new();
    let url = format!("http://{addr}/graphql");
    // Warm up connections and the server's caches.
    for iin in picks.iter().take(20) {
        let _ = client
            .post(&url)
            .json(&json!({"query": FAMILY_QUERY, "variables": {"iin": iin}}))
            .send()
            .await?
            .bytes()
            .await?;
    }
    let mut times = Vec::with_capacity(samples);
    let mut errors = 0;
    for iin in &picks {
        let t = Instant::now();
        let body: serde_json::Value = client
            .post(&url)
            .json(&json!({"query": FAMILY_QUERY, "variables": {"iin": iin}}))
            .send()
            .await?
            .json()
            .await?;
        times.push(t.elapsed());
        if body.get("errors").is_some() {
            errors += 1;
        }
    }
    server.abort();
    times.sort();
    let q = |p: f64| times[((times.len() as f64 * p).ceil() as usize).clamp(1, times.len()) - 1];
    Ok(LatencyReport {
        samples,
        persons_in_db: all.len(),
        errors,
        p50: q(0.50),
        p90: q(0.90),
        p99: q(0.99),
        max: *times.last().unwrap_or(&Duration::ZERO),
        mean: times.iter().sum::<Duration>() / times.len().max(1) as u32,
    })
}
