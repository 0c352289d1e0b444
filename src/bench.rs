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
    /// The same query on the same schema without authentication, policy, limits and audit.
    pub bare_p50: Duration,
    pub bare_p99: Duration,
    /// The full service with the audit trail written but not fsynced.
    pub unsynced_p50: Duration,
    pub unsynced_p99: Duration,
}

/// Every stored person's IIN (benchmarks pick their samples from it).
pub(crate) async fn stored_persons(store: &Store) -> anyhow::Result<Vec<String>> {
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
    Ok(all)
}

/// splitmix64: the benchmarks' seeded choice of persons (reproducible, no dependency).
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> Self {
        SplitMix64(seed.max(1))
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// Picks `samples` persons uniformly at random (seeded) from every stored person, serves the API on
/// a free local port, and times `family(iin:)` for each, one request at a time.
pub async fn family_lookup_latency(
    store: &Store,
    rules: &crate::rules::RuleSet,
    samples: usize,
    seed: u64,
) -> anyhow::Result<LatencyReport> {
    let all = stored_persons(store).await?;
    let mut rng = SplitMix64::new(seed);
    let mut next = move || rng.next_u64();
    let picks: Vec<String> = (0..samples)
        .map(|_| all[(next() % all.len() as u64) as usize].clone())
        .collect();

    // The full service (authentication, policy, limits, masking, audit on disk) …
    let dir = tempfile_dir()?;
    let start = |sync: bool, sub: &str| {
        let dir = dir.join(sub);
        let rules = rules.clone();
        let store = store.clone();
        async move {
            let mut settings = crate::app::Settings::local(&dir)?;
            settings.bind = "127.0.0.1:0".into();
            settings.audit_sync = sync;
            settings.limits.rate_per_second = 1e9;
            settings.limits.rate_burst = 1e9;
            crate::app::Application::build(
                settings,
                store,
                rules,
                crate::domain::offer::ProactiveRules::bundled(),
            )
            .await
        }
    };
    let application = start(true, "synced").await?;
    // … the same without the audit trail's fsync (to tell its share) …
    let unsynced = start(false, "unsynced").await?;
    // A national analyst's token from each service's own issuer.
    let analyst_token = |a: &crate::app::Application| {
        a.app.local_issuer.as_ref().expect("local issuer").mint(
            &crate::api::auth::local::TokenRequest {
                subject: "bench".into(),
                role: "analyst".into(),
                region: "*".into(),
                partner_id: None,
                purpose: None,
                ttl: Duration::from_secs(3600),
            },
        )
    };
    let token = analyst_token(&application)?;
    let unsynced_token = analyst_token(&unsynced)?;
    let unsynced_url = format!("http://127.0.0.1:{}/graphql", unsynced.port);
    let full_url = format!("http://127.0.0.1:{}/graphql", application.port);
    // … and the same schema behind a bare route: no token, no limits, no masking, no audit.
    let schema = crate::api::schema::build_schema(
        Some(application.app.clone()),
        &crate::api::limits::Limits {
            introspection: true,
            max_complexity: usize::MAX,
            max_depth: usize::MAX,
            ..Default::default()
        },
        crate::api::schema::TextChecks::ByCaller,
    );
    let bare = bare_router(schema, store.clone());
    let bare_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let bare_url = format!("http://{}/graphql", bare_listener.local_addr()?);
    let bare_server = tokio::spawn(async move { axum::serve(bare_listener, bare).await });
    let server = tokio::spawn(application.run_until(std::future::pending()));
    let unsynced_server = tokio::spawn(unsynced.run_until(std::future::pending()));
    let client = reqwest::Client::new();
    let ask = |url: String, iin: String, auth: Option<&String>| {
        let mut r = client
            .post(url)
            .header("content-type", "application/json")
            .json(&json!({"query": FAMILY_QUERY, "variables": {"iin": iin}}));
        if let Some(t) = auth {
            r = r.bearer_auth(t);
        }
        async move {
            let t = Instant::now();
            let body: serde_json::Value = r.send().await?.json().await?;
            Ok::<_, anyhow::Error>((t.elapsed(), body.get("errors").is_some()))
        }
    };
    // Warm up connections and the server's caches.
    for iin in picks.iter().take(20) {
        ask(full_url.clone(), iin.clone(), Some(&token)).await?;
        ask(unsynced_url.clone(), iin.clone(), Some(&unsynced_token)).await?;
        ask(bare_url.clone(), iin.clone(), None).await?;
    }
    let mut times = Vec::with_capacity(samples);
    let mut bare_times = Vec::with_capacity(samples);
    let mut unsynced_times = Vec::with_capacity(samples);
    let mut errors = 0;
    // Alternate, so both see the same machine load.
    for iin in &picks {
        let (t, e) = ask(full_url.clone(), iin.clone(), Some(&token)).await?;
        times.push(t);
        errors += usize::from(e);
        let (t, _) = ask(unsynced_url.clone(), iin.clone(), Some(&unsynced_token)).await?;
        unsynced_times.push(t);
        let (t, _) = ask(bare_url.clone(), iin.clone(), None).await?;
        bare_times.push(t);
    }
    server.abort();
    unsynced_server.abort();
    bare_server.abort();
    let _ = std::fs::remove_dir_all(&dir);
    let pct = |v: &mut Vec<Duration>, p: f64| {
        v.sort();
        v[((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1]
    };
    let bare_p50 = pct(&mut bare_times, 0.5);
    let bare_p99 = pct(&mut bare_times, 0.99);
    let unsynced_p50 = pct(&mut unsynced_times, 0.5);
    let unsynced_p99 = pct(&mut unsynced_times, 0.99);
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
        bare_p50,
        bare_p99,
        unsynced_p50,
        unsynced_p99,
    })
}

fn tempfile_dir() -> std::io::Result<std::path::PathBuf> {
    let d = std::env::temp_dir().join(format!(
        "family-card-bench-{}",
        crate::secret::random_hex::<6>()
    ));
    std::fs::create_dir_all(&d)?;
    Ok(d)
}

/// The schema executed directly for a national analyst, for the comparison above.
fn bare_router(schema: crate::api::schema::AppSchema, store: Store) -> axum::Router {
    use axum::routing::post;
    let who = crate::api::policy::Principal {
        subject: "bench-bare".into(),
        role: crate::api::policy::Role::Analyst,
        region: crate::api::policy::RegionScope::National,
        partner_id: None,
        purpose: None,
        token_id: None,
    };
    axum::Router::new().route(
        "/graphql",
        post(move |body: axum::Json<serde_json::Value>| {
            let schema = schema.clone();
            let gate =
                std::sync::Arc::new(crate::api::access::Gate::new(store.clone(), who.clone()));
            async move {
                let q = body["query"].as_str().unwrap_or_default().to_string();
                let vars = async_graphql::Variables::from_json(body["variables"].clone());
                let r = schema
                    .execute(async_graphql::Request::new(q).variables(vars).data(gate))
                    .await;
                axum::Json(serde_json::to_value(&r).unwrap_or_default())
            }
        }),
    )
}

/// Event delivery: rate and lag from the outbox to an acknowledging local webhook receiver.
#[derive(Debug, Clone)]
pub struct EventDeliveryReport {
    pub events: usize,
    pub subjects: usize,
    pub seconds: f64,
    pub per_second: f64,
    pub lag_p50: Duration,
    pub lag_p99: Duration,
    pub lag_max: Duration,
    /// Reading the same events straight from the outbox (pages of 500), per second.
    pub raw_read_per_second: f64,
    pub duplicates: usize,
    /// After the run, the due-query of the bench subscription (every delivery delivered):
    /// median of the current statement and of the one before `pending_for`, sampled in turn.
    pub due_after_delivery: DueQueryTimes,
    /// The same for a dead subscription beside (every delivery still pending), when there is one.
    pub due_all_pending: Option<DueQueryTimes>,
}

/// The due-query's median time: this branch's statement against the former full scan.
#[derive(Debug, Clone)]
pub struct DueQueryTimes {
    pub samples: usize,
    pub current: Duration,
    pub former_scan: Duration,
}

async fn due_query_times(store: &Store, subscription_id: &str) -> anyhow::Result<DueQueryTimes> {
    let now = crate::events::ts(chrono::Utc::now());
    let samples = 21;
    let (mut current, mut former) = (vec![], vec![]);
    for _ in 0..samples {
        let t = Instant::now();
        store.deliveries_due(subscription_id, &now, 100, 20).await?;
        current.push(t.elapsed());
        let t = Instant::now();
        store.bench_due_scan(subscription_id, &now, 100).await?;
        former.push(t.elapsed());
    }
    current.sort();
    former.sort();
    Ok(DueQueryTimes {
        samples,
        current: current[samples / 2],
        former_scan: former[samples / 2],
    })
}

/// How `bench events` runs the worker and what sits beside the bench subscription.
#[derive(Debug, Clone)]
pub struct EventBenchOptions {
    /// `EventSettings::chain_length` (1: one event per subject per round).
    pub chain_length: usize,
    /// Subscriptions to the same events whose endpoint refuses connections.
    pub dead_subscriptions: usize,
}

/// Serves the API (with its delivery worker) on a free port, subscribes a local receiver that
/// acknowledges at once, writes `events` synthetic change events over `subjects` subjects into
/// the outbox, and waits until every one was acknowledged. Lag: from the event's `time` (when it
/// was written) to its receipt.
pub async fn event_delivery(
    store: &Store,
    events: usize,
    subjects: usize,
    options: &EventBenchOptions,
) -> anyhow::Result<EventDeliveryReport> {
    use axum::extract::State;
    use std::sync::{Arc, Mutex};
    type Seen = Arc<Mutex<Vec<(String, chrono::DateTime<chrono::Utc>, Duration)>>>;
    let seen: Seen = Arc::default();
    async fn receive(State(seen): State<Seen>, body: axum::body::Bytes) -> axum::http::StatusCode {
        let now = chrono::Utc::now();
        if let Ok(v) = serde_json::from_slice::<serde_json::Value>(&body) {
            let t = v["time"]
                .as_str()
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.with_timezone(&chrono::Utc))
                .unwrap_or(now);
            let lag = (now - t).to_std().unwrap_or_default();
            if let Ok(mut s) = seen.lock() {
                s.push((v["id"].as_str().unwrap_or_default().to_string(), now, lag));
            }
        }
        axum::http::StatusCode::NO_CONTENT
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/hook", listener.local_addr()?);
    let receiver = axum::Router::new()
        .route("/hook", axum::routing::post(receive))
        .with_state(seen.clone());
    tokio::spawn(async move { axum::serve(listener, receiver).await });

    let dir = tempfile_dir()?;
    let mut settings = crate::app::Settings::local(&dir)?;
    settings.bind = "127.0.0.1:0".into();
    settings.events.poll_interval = Duration::from_millis(20);
    settings.events.allow_private_networks = true;
    settings.events.chain_length = options.chain_length.max(1);
    let _application = crate::app::Application::build(
        settings,
        store.clone(),
        crate::rules::RuleSet::bundled(),
        crate::domain::offer::ProactiveRules::bundled(),
    )
    .await?;
    let run = crate::secret::random_hex::<4>();
    let kind = "kz.family-card.wellbeing.level-changed";
    let now = crate::events::ts(chrono::Utc::now());
    store
        .create_subscription(
            &format!("sub_bench_{run}"),
            &json!({"subscription_id": format!("sub_bench_{run}"), "partner_id": format!("bench-{run}"),
                    "event_types": [kind], "region": "*", "url": url, "status": "ACTIVE",
                    "secret": crate::events::endpoints::new_secret(), "created_at": now, "updated_at": now}),
        )
        .await?;
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0")?;
        format!("http://{}/hook", l.local_addr()?)
    };
    let mut dead_ids = vec![];
    for i in 0..options.dead_subscriptions {
        let id = format!("sub_bench_{run}_dead{i}");
        store
            .create_subscription(
                &id,
                &json!({"subscription_id": id, "partner_id": format!("bench-{run}-dead"),
                        "event_types": [kind], "region": "*", "url": dead, "status": "ACTIVE",
                        "secret": crate::events::endpoints::new_secret(), "created_at": now, "updated_at": now}),
            )
            .await?;
        dead_ids.push(id);
    }
    let prefix = format!("bench-{run}:");
    let started = Instant::now();
    let subjects = subjects.max(1);
    for chunk in (0..events).collect::<Vec<_>>().chunks(1_000) {
        let t = crate::events::ts(chrono::Utc::now());
        let rows: Vec<serde_json::Value> = chunk
            .iter()
            .map(|i| {
                json!({"event_id": format!("{prefix}{i:09}"), "specversion": "1.0", "type": kind,
                       "source": "/family-card/bench", "subject": format!("bench-{run}-{}", i % subjects),
                       "time": t, "datacontenttype": "application/json", "status": "NEW",
                       "seq": (i / subjects) as i64 + 1, "data_level": "C"})
            })
            .collect();
        store
            .bench_seed_events(&serde_json::Value::Array(rows))
            .await?;
    }
    let deadline = Instant::now() + Duration::from_secs(3_600);
    loop {
        let n = seen.lock().map(|s| s.len()).unwrap_or(0);
        if n >= events || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let seconds = started.elapsed().as_secs_f64();
    let seen = seen.lock().map(|s| s.clone()).unwrap_or_default();
    let mut ids: Vec<&str> = seen.iter().map(|s| s.0.as_str()).collect();
    ids.sort();
    let before = ids.len();
    ids.dedup();
    let mut lags: Vec<Duration> = seen.iter().map(|s| s.2).collect();
    lags.sort();
    let pct = |p: f64| lags[((lags.len() as f64 * p) as usize).min(lags.len().saturating_sub(1))];

    // The raw outbox read of the same events.
    let t = Instant::now();
    let mut after = String::new();
    let mut read = 0;
    loop {
        let page = store.bench_read_events(&prefix, &after, 500).await?;
        let Some(last) = page.last() else { break };
        after = last["event_id"].as_str().unwrap_or_default().to_string();
        read += page.len();
    }
    let raw = read as f64 / t.elapsed().as_secs_f64().max(1e-9);
    let due_after_delivery = due_query_times(store, &format!("sub_bench_{run}")).await?;
    let due_all_pending = match dead_ids.first() {
        Some(id) => Some(due_query_times(store, id).await?),
        None => None,
    };
    Ok(EventDeliveryReport {
        due_after_delivery,
        due_all_pending,
        events,
        subjects,
        seconds,
        per_second: seen.len() as f64 / seconds.max(1e-9),
        lag_p50: pct(0.5),
        lag_p99: pct(0.99),
        lag_max: *lags.last().unwrap_or(&Duration::ZERO),
        raw_read_per_second: raw,
        duplicates: before - ids.len(),
    })
}

/// One latency series: the service's answer times and the raw statement's, sampled in turn.
#[derive(Debug, Clone)]
pub struct Paired {
    pub samples: usize,
    pub service_p50: Duration,
    pub service_p99: Duration,
    pub raw_p50: Duration,
    pub raw_p99: Duration,
    /// Means: a few slow answers (an fsync queued behind other disk traffic) show here first.
    pub service_mean: Duration,
    pub raw_mean: Duration,
}

/// Requests per second at one concurrency, the service's and the raw statement's, and the bench
/// process's CPU time per request in each (the process holds the client, the service and the raw
/// side's driver: the difference is the service's own CPU, which the load of other work on the
/// machine inflates far less than it does wall-clock times).
#[derive(Debug, Clone)]
pub struct Throughput {
    pub clients: usize,
    pub service_per_s: f64,
    pub raw_per_s: f64,
    pub service_cpu_per_request: Duration,
    pub raw_cpu_per_request: Duration,
}

/// User + system CPU time of every thread of this process so far, to the nanosecond
/// (`CLOCK_PROCESS_CPUTIME_ID`; `/proc/self/stat` counts 10 ms ticks, too coarse to put around
/// one request), zero where unavailable.
fn process_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; the call only writes into it.
    if unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) } != 0 {
        return Duration::ZERO;
    }
    Duration::new(
        ts.tv_sec.max(0) as u64,
        ts.tv_nsec.clamp(0, 999_999_999) as u32,
    )
}

/// One layer's samples in [`Layers`]' loop: the elapsed time of each request and this process's
/// CPU over all of them.
#[derive(Default)]
struct LayerSamples {
    elapsed: Vec<Duration>,
    cpu: Duration,
}

impl LayerSamples {
    /// The clocks at the start of one request, for [`LayerSamples::record`].
    fn start() -> (Instant, Duration) {
        (Instant::now(), process_cpu())
    }

    fn record(&mut self, (t, cpu): (Instant, Duration)) {
        self.elapsed.push(t.elapsed());
        self.cpu += process_cpu().saturating_sub(cpu);
    }

    fn p50(&mut self) -> Duration {
        percentile(&mut self.elapsed, 0.5)
    }

    fn cpu_per_request(&self) -> Duration {
        self.cpu / (self.elapsed.len().max(1) as u32)
    }
}

#[derive(Debug, Clone)]
pub struct CardReport {
    pub persons_in_db: usize,
    pub anchors: Paired,
    pub members: Paired,
    pub throughput: Vec<Throughput>,
    /// Latency of an authenticated, audited GraphQL request that reads nothing: what the HTTP,
    /// token, GraphQL and audit path costs before any card is read.
    pub floor_p50: Duration,
    pub floor_p99: Duration,
    /// Where a card's time goes, by layer: p50 of each layer over the same persons (anchors and
    /// members), each timed in turn with the raw statement ([`Layers`]).
    pub layers: Layers,
    /// The audit trail's group writes during the paired runs (`write(2)`, plus `fdatasync(2)`
    /// when synced), timed around the calls: how much of a card's time is the disk's.
    pub audit_writes: usize,
    pub audit_write_p50: Duration,
    pub audit_write_p90: Duration,
    /// Card reads by person during the run, and those that needed a second load.
    pub card_reads: u64,
    pub second_loads: u64,
    pub errors: usize,
}

/// The card read layer by layer, in process, each layer timed around the same person in turn (p50
/// over anchors and members): the raw statement; the card read without GraphQL
/// (`family_of_person_in`: the statement, typed rows, the anchor resolved, the snapshot composed);
/// GraphQL execution of the README selection on the service's schema through a [`Gate`], as the
/// service runs a repeated text (parsed once, validated fast; no HTTP, token or audit); the
/// service's router called in process (token, limits, masking, audit; no socket, no HTTP
/// parsing); the full service (all that over the bench's connection). Timed in one loop,
/// so every layer sees the database in the same state (the paired run's raw p50 can differ from
/// this loop's by a fifth on a shared machine). Beside each p50, this process's mean CPU per
/// request in that layer (all its threads: the bench's client side, the service, the audit
/// writer; the database runs in its own process).
///
/// [`Gate`]: crate::api::access::Gate
#[derive(Debug, Clone)]
pub struct Layers {
    pub raw_p50: Duration,
    pub card_read_p50: Duration,
    pub graphql_p50: Duration,
    pub router_p50: Duration,
    pub service_p50: Duration,
    pub raw_cpu: Duration,
    pub card_read_cpu: Duration,
    pub graphql_cpu: Duration,
    pub router_cpu: Duration,
    pub service_cpu: Duration,
    /// The same for the floor request (`{ __typename }` over the bench's connection).
    pub floor_cpu: Duration,
}

/// A request that goes through the whole service path and reads nothing.
const FLOOR_REQUEST: &str = r#"{"query":"{ __typename }"}"#;

/// The request body of the README selection for `iin`.
fn card_request_body(iin: &crate::domain::ids::Iin) -> Vec<u8> {
    serde_json::to_vec(&json!({"query": FAMILY_QUERY, "variables": {"iin": iin.as_str()}}))
        .unwrap_or_default()
}

/// The bench's own HTTP/1.1 client: one kept-alive connection that sends a prepared request head
/// and reads each answer by its `Content-Length`, without decoding it. The raw side replays its
/// statement over the store's pool and only counts the rows; a general-purpose client (URL
/// parsing, header maps, a connection pool, its own dispatch task per request) would otherwise
/// be counted as the service's cost, in the same process.
pub(crate) struct BareHttp {
    stream: tokio::net::TcpStream,
    /// Everything of a request up to (and without) its `Content-Length` value.
    head: Vec<u8>,
    buf: Vec<u8>,
}

impl BareHttp {
    pub(crate) async fn connect(port: u16, path: &str, token: &str) -> anyhow::Result<Self> {
        let stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
        stream.set_nodelay(true)?;
        let head = format!(
            "POST {path} HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\nauthorization: Bearer {token}\r\n\
             content-type: application/json\r\naccept: application/json\r\ncontent-length: "
        )
        .into_bytes();
        Ok(BareHttp {
            stream,
            head,
            buf: Vec::with_capacity(16 * 1024),
        })
    }

    /// Sends `body` and reads the whole answer: `true` for a 200 whose body holds no `errors`
    /// member.
    pub(crate) async fn post(&mut self, body: &[u8]) -> anyhow::Result<bool> {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut req = Vec::with_capacity(self.head.len() + body.len() + 16);
        req.extend_from_slice(&self.head);
        req.extend_from_slice(body.len().to_string().as_bytes());
        req.extend_from_slice(b"\r\n\r\n");
        req.extend_from_slice(body);
        self.stream.write_all(&req).await?;
        self.buf.clear();
        let (head_end, status, length) = loop {
            if let Some(end) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = std::str::from_utf8(&self.buf[..end])?;
                let status = head
                    .split(' ')
                    .nth(1)
                    .and_then(|s| s.parse::<u16>().ok())
                    .ok_or_else(|| anyhow::anyhow!("not an HTTP answer: {head:.80}"))?;
                let length = head
                    .lines()
                    .filter_map(|l| l.split_once(':'))
                    .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
                    .and_then(|(_, v)| v.trim().parse::<usize>().ok())
                    .ok_or_else(|| anyhow::anyhow!("an answer without Content-Length"))?;
                break (end + 4, status, length);
            }
            if self.stream.read_buf(&mut self.buf).await? == 0 {
                anyhow::bail!("the service closed the connection");
            }
        };
        while self.buf.len() < head_end + length {
            if self.stream.read_buf(&mut self.buf).await? == 0 {
                anyhow::bail!("the service closed the connection mid-answer");
            }
        }
        Ok(answered_without_errors(
            status,
            &self.buf[head_end..head_end + length],
        ))
    }
}

/// A 200 whose body holds no `errors` member.
fn answered_without_errors(status: u16, body: &[u8]) -> bool {
    status == 200 && !body.windows(9).any(|w| w == b"\"errors\":")
}

fn percentile(v: &mut [Duration], p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1]
}

/// `family(iin:)` with the README selection through the full service (`Application::build`:
/// token, limits, gate, masking, fsynced audit) against the raw statement the service sends for
/// it (same pool, rows received, not decoded), for anchors and for persons who are not their
/// family's anchor, sequentially (alternating), then throughput at each concurrency in
/// `clients` for `seconds` each (service and raw in turn).
pub async fn card_against_raw(
    store: &Store,
    rules: &crate::rules::RuleSet,
    samples: usize,
    seed: u64,
    clients: &[usize],
    seconds: f64,
    audit_sync: bool,
) -> anyhow::Result<CardReport> {
    use crate::domain::ids::Iin;
    let all = stored_persons(store).await?;
    let mut rng = SplitMix64::new(seed);
    let mut next = move || rng.next_u64();
    let on = chrono::Utc::now().date_naive();
    // Random persons, sorted into anchors and members of someone else's card.
    let (mut anchors, mut members) = (vec![], vec![]);
    let mut tries = 0;
    while (anchors.len() < samples || members.len() < samples) && tries < samples * 20 {
        tries += 1;
        let iin = Iin::parse(&all[(next() % all.len() as u64) as usize])?;
        let Ok(s) = crate::family_cards::family_of_person(store, &iin, on).await else {
            continue;
        };
        if s.composition.anchor == iin {
            if anchors.len() < samples {
                anchors.push(iin);
            }
        } else if members.len() < samples {
            members.push(iin);
        }
    }
    let dir = tempfile_dir()?;
    let mut settings = crate::app::Settings::local(&dir)?;
    settings.bind = "127.0.0.1:0".into();
    settings.audit_sync = audit_sync;
    settings.limits.rate_per_second = 1e9;
    settings.limits.rate_burst = 1e9;
    // No change-event worker: a bench database holds every event its load and jobs wrote, never
    // fanned out (no service ran on it), and fanning that backlog out would load the database
    // under both sides of the measurement.
    settings.events.enabled = false;
    let application = crate::app::Application::build(
        settings,
        store.clone(),
        rules.clone(),
        crate::domain::offer::ProactiveRules::bundled(),
    )
    .await?;
    let token = application
        .app
        .local_issuer
        .as_ref()
        .expect("local issuer")
        .mint(&crate::api::auth::local::TokenRequest {
            subject: "bench".into(),
            role: "analyst".into(),
            region: "*".into(),
            partner_id: None,
            purpose: None,
            ttl: Duration::from_secs(3600),
        })?;
    let port = application.port;
    let application_app = application.app.clone();
    let server = tokio::spawn(application.run_until(std::future::pending()));
    let http = tokio::sync::Mutex::new(BareHttp::connect(port, "/graphql", &token).await?);
    let ask = |iin: &Iin| {
        let body = card_request_body(iin);
        let http = &http;
        async move { Ok::<_, anyhow::Error>(!http.lock().await.post(&body).await?) }
    };
    // The statement the service sends for this selection (the scope its document needs).
    let scope = crate::api::family::load_scope(&async_graphql::parser::parse_query(FAMILY_QUERY)?);
    let raw = |iin: &Iin| {
        let iin = iin.clone();
        async move { store.card_statement_raw(&iin, scope).await }
    };
    for iin in anchors.iter().chain(&members).take(50) {
        ask(iin).await?;
        raw(iin).await?;
    }
    let (reads0, second0) = crate::family_cards::card_read_counts();
    application_app.audit.start_timing_writes();
    let mut errors = 0;
    let paired = |set: &[Iin]| {
        let set = set.to_vec();
        let ask = &ask;
        let raw = &raw;
        async move {
            let (mut s, mut r) = (vec![], vec![]);
            let mut errors = 0;
            for iin in &set {
                let t = Instant::now();
                errors += usize::from(ask(iin).await?);
                s.push(t.elapsed());
                let t = Instant::now();
                raw(iin).await?;
                r.push(t.elapsed());
            }
            anyhow::ensure!(!set.is_empty(), "no persons of this kind found");
            let mean = |v: &[Duration]| v.iter().sum::<Duration>() / v.len().max(1) as u32;
            let (service_mean, raw_mean) = (mean(&s), mean(&r));
            Ok::<_, anyhow::Error>((
                Paired {
                    service_mean,
                    raw_mean,
                    samples: set.len(),
                    service_p50: percentile(&mut s, 0.5),
                    service_p99: percentile(&mut s, 0.99),
                    raw_p50: percentile(&mut r, 0.5),
                    raw_p99: percentile(&mut r, 0.99),
                },
                errors,
            ))
        }
    };
    let (anchor_lat, e1) = paired(&anchors).await?;
    let (member_lat, e2) = paired(&members).await?;
    errors += e1 + e2;
    let mut audit_writes = application_app.audit.take_write_times();
    anyhow::ensure!(
        !audit_writes.is_empty(),
        "the audit trail recorded no writes"
    );
    let audit_write_p50 = percentile(&mut audit_writes, 0.5);
    let audit_write_p90 = percentile(&mut audit_writes, 0.9);
    // The floor: the same authenticated, audited GraphQL request over the same connection that
    // reads nothing (`{ __typename }`), as many times as cards were asked for.
    let mut floor = vec![];
    for _ in 0..anchors.len() + members.len() {
        let t = Instant::now();
        errors += usize::from(!http.lock().await.post(FLOOR_REQUEST.as_bytes()).await?);
        floor.push(t.elapsed());
    }
    let floor_p50 = percentile(&mut floor, 0.5);
    let floor_p99 = percentile(&mut floor, 0.99);
    let (reads1, second1) = crate::family_cards::card_read_counts();
    // The same persons layer by layer (see [`Layers`]), each timed around the same person in turn.
    let layers = {
        use crate::api::policy::{Principal, RegionScope, Role};
        let schema = crate::api::schema::build_schema(
            Some(application_app.clone()),
            &application_app.limits,
            // As the service runs a repeated, validated text: parsed once, fast validation.
            crate::api::schema::TextChecks::ByCallerDocumentValidated,
        );
        let parsed = async_graphql::parser::parse_query(FAMILY_QUERY)?;
        let analyst = Principal {
            subject: "bench".into(),
            role: Role::Analyst,
            region: RegionScope::National,
            partner_id: None,
            purpose: None,
            token_id: None,
        };
        let router = crate::api::http::router_with(application_app.clone());
        let authorization = format!("Bearer {token}");
        let in_process = |iin: &Iin| {
            use tower::ServiceExt;
            let req = axum::http::Request::post("/graphql")
                .header("authorization", authorization.as_str())
                .header("content-type", "application/json")
                .header("accept", "application/json")
                .body(axum::body::Body::from(card_request_body(iin)));
            let router = router.clone();
            async move {
                let resp = router.oneshot(req?).await?;
                let status = resp.status().as_u16();
                let body = axum::body::to_bytes(resp.into_body(), usize::MAX).await?;
                Ok::<_, anyhow::Error>(!answered_without_errors(status, &body))
            }
        };
        let [mut r, mut c, mut g, mut h, mut f] = std::array::from_fn(|_| LayerSamples::default());
        for iin in anchors.iter().chain(&members) {
            let t = LayerSamples::start();
            raw(iin).await?;
            r.record(t);
            let t = LayerSamples::start();
            crate::family_cards::family_of_person_in(store, iin, on, scope).await?;
            c.record(t);
            let gate =
                crate::api::access::Gate::new(store.clone(), analyst.clone()).with_scope(scope);
            let mut req = async_graphql::Request::new(FAMILY_QUERY)
                .variables(async_graphql::Variables::from_json(
                    json!({"iin": iin.as_str()}),
                ))
                .data(std::sync::Arc::new(gate));
            req.set_parsed_query(parsed.clone());
            let t = LayerSamples::start();
            let resp = schema.execute(req).await;
            g.record(t);
            errors += usize::from(!resp.errors.is_empty());
            let t = LayerSamples::start();
            errors += usize::from(in_process(iin).await?);
            h.record(t);
            let t = LayerSamples::start();
            errors += usize::from(ask(iin).await?);
            f.record(t);
        }
        let mut floor = LayerSamples::default();
        for _ in 0..r.elapsed.len() {
            let t = LayerSamples::start();
            http.lock().await.post(FLOOR_REQUEST.as_bytes()).await?;
            floor.record(t);
        }
        Layers {
            raw_p50: r.p50(),
            card_read_p50: c.p50(),
            graphql_p50: g.p50(),
            router_p50: h.p50(),
            service_p50: f.p50(),
            raw_cpu: r.cpu_per_request(),
            card_read_cpu: c.cpu_per_request(),
            graphql_cpu: g.cpu_per_request(),
            router_cpu: h.cpu_per_request(),
            service_cpu: f.cpu_per_request(),
            floor_cpu: floor.cpu_per_request(),
        }
    };
    // Throughput: `n` clients (tasks), each asking in a loop over the mixed picks.
    let mixed: std::sync::Arc<Vec<Iin>> =
        std::sync::Arc::new(anchors.iter().chain(&members).cloned().collect());
    let mut throughput = vec![];
    for &n in clients {
        let mut rates = [0.0f64; 2];
        let mut cpu = [Duration::ZERO; 2];
        for (k, rate) in rates.iter_mut().enumerate() {
            let deadline = Instant::now() + Duration::from_secs_f64(seconds);
            let start = Instant::now();
            let cpu_before = process_cpu();
            let tasks: Vec<_> = (0..n)
                .map(|c| {
                    let (mixed, store, token) = (mixed.clone(), store.clone(), token.clone());
                    tokio::spawn(async move {
                        let mut done = 0usize;
                        let mut i = c * 7919;
                        let mut http = match k {
                            0 => Some(BareHttp::connect(port, "/graphql", &token).await?),
                            _ => None,
                        };
                        while Instant::now() < deadline {
                            let iin = &mixed[i % mixed.len()];
                            if let Some(http) = http.as_mut() {
                                let body = card_request_body(iin);
                                anyhow::ensure!(http.post(&body).await?, "an error for {iin}");
                            } else {
                                store.card_statement_raw(iin, scope).await?;
                            }
                            done += 1;
                            i += 1;
                        }
                        Ok::<_, anyhow::Error>(done)
                    })
                })
                .collect();
            let mut done = 0;
            for t in tasks {
                done += t.await??;
            }
            *rate = done as f64 / start.elapsed().as_secs_f64();
            cpu[k] = (process_cpu() - cpu_before) / (done.max(1) as u32);
        }
        throughput.push(Throughput {
            clients: n,
            service_per_s: rates[0],
            raw_per_s: rates[1],
            service_cpu_per_request: cpu[0],
            raw_cpu_per_request: cpu[1],
        });
    }
    server.abort();
    let _ = std::fs::remove_dir_all(&dir);
    Ok(CardReport {
        persons_in_db: all.len(),
        anchors: anchor_lat,
        members: member_lat,
        throughput,
        floor_p50,
        floor_p99,
        layers,
        audit_writes: audit_writes.len(),
        audit_write_p50,
        audit_write_p90,
        card_reads: reads1 - reads0,
        second_loads: second1 - second0,
        errors,
    })
}
