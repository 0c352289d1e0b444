//! `spawn_app` for integration tests: one real local ArcadeDB per test binary (fresh data
//! directory), the sample registry loaded, the HTTP API served on a free port. Tests share one
//! tokio runtime (neo4rs connections belong to the runtime that made them) and keep their own
//! data apart by using IINs nobody else uses ([`Extract`]).

use chrono::NaiveDate;
use family_card::domain::ids::{make_iin, Iin, Sex};
use family_card::ingest::{self, IngestOptions, IngestSummary};
use family_card::localdb::{default_cache_dir, LocalDb, LocalDbOptions};
use family_card::store::Store;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

pub struct TestApp {
    pub rt: tokio::runtime::Runtime,
    pub store: Store,
    pub base_url: String,
    /// The running service's context (its local issuer mints the tests' tokens).
    pub ctx: family_card::api::AppContext,
    /// The data directory the service keeps its secrets and audit trail in.
    pub state_dir: PathBuf,
    pub sample_summary: IngestSummary,
    /// How to reach the test database (for child processes of the CLI).
    pub db_config: family_card::store::DbConfig,
    _db: LocalDb,
    _dir: tempfile::TempDir,
}

static APP: OnceLock<TestApp> = OnceLock::new();

pub fn repo_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// The shared app, started on first use.
pub fn app() -> &'static TestApp {
    APP.get_or_init(|| {
        if std::env::var("TEST_LOG").is_ok() {
            let _ = tracing_subscriber::fmt()
                .with_env_filter("info,neo4rs=warn")
                .try_init();
        }
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let dir = tempfile::tempdir().expect("temp dir");
        let state_dir = dir.path().join("state");
        let (db, store, base_url, sample_summary, ctx) = rt.block_on(async {
            // The same settings `serve` uses, with a fixed id key so family ids are those of
            // fixtures/expected, a webhook token, and a rate limit tests never reach.
            let mut settings = family_card::app::Settings::local(&state_dir).expect("settings");
            settings.bind = "127.0.0.1:0".into();
            settings.id_key = family_card::secret::Secret::new(TEST_ID_KEY);
            settings.webhook =
                family_card::api::webhook::WebhookAuth::from_config(Some(WEBHOOK_TOKEN), None)
                    .expect("webhook");
            settings.limits.rate_per_second = 1e6;
            settings.limits.rate_burst = 1e6;
            // As `serve --graphql-introspection` (GraphiQL's docs in the browser test); the
            // default (off) is checked on the schema itself.
            settings.limits.introspection = true;
            // A partner with a small body limit (the 413 test).
            settings
                .ingest
                .partner_max_bytes
                .insert(SMALL_PARTNER.into(), 1024);
            // Change events: fast retries so outages and disabling take seconds, and local
            // receivers (127.0.0.1) allowed.
            settings.events.poll_interval = std::time::Duration::from_millis(100);
            settings.events.retry_base = std::time::Duration::from_millis(200);
            settings.events.retry_cap = std::time::Duration::from_secs(2);
            settings.events.max_attempts = 6;
            settings.events.request_timeout = std::time::Duration::from_secs(2);
            settings.events.allow_private_networks = true;
            family_card::app::install_id_key(&settings.id_key);
            let db = LocalDb::start(&LocalDbOptions {
                cache_dir: default_cache_dir(),
                data_dir: dir.path().join("db"),
                heap: "1g".into(),
            })
            .await
            .expect("local ArcadeDB starts");
            let store = Store::connect(&db.db_config()).await.expect("connect");
            store.apply_schema().await.expect("schema");
            let sample_summary = ingest::load_dir(
                &store,
                &repo_path("fixtures/sample"),
                &IngestOptions::default(),
            )
            .await
            .expect("sample loads");
            family_card::family_cards::materialise_family_cards(&store, reference_date())
                .await
                .expect("family cards");
            let application = family_card::app::Application::build(
                settings,
                store.clone(),
                family_card::rules::RuleSet::bundled(),
                family_card::domain::offer::ProactiveRules::bundled(),
            )
            .await
            .expect("application builds");
            let base_url = format!("http://127.0.0.1:{}", application.port);
            let ctx = application.app.clone();
            tokio::spawn(application.run_until(std::future::pending()));
            (db, store, base_url, sample_summary, ctx)
        });
        let db_config = db.db_config();
        TestApp {
            rt,
            ctx,
            state_dir,
            db_config,
            store,
            base_url,
            sample_summary,
            _db: db,
            _dir: dir,
        }
    })
}

/// Tests share one database: ordinary tests run side by side (shared guard); a test that needs
/// the database to itself (exact counts) takes the exclusive guard.
static DATABASE_TURN: std::sync::RwLock<()> = std::sync::RwLock::new(());

/// Runs a test body on the shared runtime.
pub fn run<F: Future>(f: F) -> F::Output {
    let a = app();
    let _shared = DATABASE_TURN.read().unwrap_or_else(|p| p.into_inner());
    a.rt.block_on(f)
}

/// Runs a test body with nothing else writing to the database meanwhile.
pub fn run_exclusive<F: Future>(f: F) -> F::Output {
    let a = app();
    let _alone = DATABASE_TURN.write().unwrap_or_else(|p| p.into_inner());
    a.rt.block_on(f)
}

/// The sample registry's reference date.
pub fn reference_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 15).unwrap()
}

pub fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// The id key of the test service (fixed, so family ids match `fixtures/expected`).
pub const TEST_ID_KEY: [u8; 32] = [0x42; 32];
/// The partner whose ingest jobs may be at most 1 KiB.
pub const SMALL_PARTNER: &str = "partner-small";

/// Another instance of the service on the shared database, with its own data directory (its
/// secrets, audit trail and ingest jobs): what a restart looks like when built again on the same
/// directory.
pub struct RunningApp {
    pub ctx: family_card::api::AppContext,
    pub base_url: String,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl RunningApp {
    /// Starts the service on `state_dir` through `Application::build`, as `serve` does (the
    /// test id key; `tweak` adjusts the settings).
    pub async fn start(
        state_dir: &Path,
        store: &Store,
        tweak: impl FnOnce(&mut family_card::app::Settings),
    ) -> RunningApp {
        let mut settings = family_card::app::Settings::local(state_dir).expect("settings");
        settings.bind = "127.0.0.1:0".into();
        settings.id_key = family_card::secret::Secret::new(TEST_ID_KEY);
        settings.limits.rate_per_second = 1e6;
        settings.limits.rate_burst = 1e6;
        tweak(&mut settings);
        let application = family_card::app::Application::build(
            settings,
            store.clone(),
            family_card::rules::RuleSet::bundled(),
            family_card::domain::offer::ProactiveRules::bundled(),
        )
        .await
        .expect("application builds");
        let base_url = format!("http://127.0.0.1:{}", application.port);
        let ctx = application.app.clone();
        let server = tokio::spawn(application.run_until(std::future::pending()));
        RunningApp {
            ctx,
            base_url,
            server,
        }
    }

    /// Stops it as a crash would: the server and the ingest job runner stop at once, whatever
    /// they were doing.
    pub fn kill(self) {
        self.ctx.ingest.halt();
        self.server.abort();
    }

    /// A token from this instance's local issuer.
    pub fn token(&self, role: &str, partner: Option<&str>) -> String {
        self.ctx
            .local_issuer
            .as_ref()
            .expect("local issuer")
            .mint(&family_card::api::auth::local::TokenRequest {
                subject: format!("test-{role}"),
                role: role.into(),
                region: "*".into(),
                partner_id: partner.map(str::to_string),
                purpose: None,
                ttl: std::time::Duration::from_secs(3600),
            })
            .expect("token")
    }
}

/// A database of its own (fresh, schema applied) for a test that writes so much that its records
/// would slow every later test of the shared one down (they would become family cards).
pub async fn own_database(dir: &Path) -> (LocalDb, Store) {
    let db = LocalDb::start(&LocalDbOptions {
        cache_dir: default_cache_dir(),
        data_dir: dir.to_path_buf(),
        heap: "1g".into(),
    })
    .await
    .expect("local ArcadeDB starts");
    let store = Store::connect(&db.db_config()).await.expect("connect");
    store.apply_schema().await.expect("schema");
    (db, store)
}

/// The SMS gateway's shared secret in tests.
pub const WEBHOOK_TOKEN: &str = "test-webhook-token-0123456789";

/// A token from the test service's local issuer.
pub fn token_with(
    role: &str,
    region: &str,
    subject: &str,
    purpose: Option<&str>,
    partner: Option<&str>,
) -> String {
    app()
        .ctx
        .local_issuer
        .as_ref()
        .expect("the test service issues its own tokens")
        .mint(&family_card::api::auth::local::TokenRequest {
            subject: subject.into(),
            role: role.into(),
            region: region.into(),
            partner_id: partner.map(str::to_string),
            purpose: purpose.map(str::to_string),
            ttl: std::time::Duration::from_secs(3600),
        })
        .expect("token")
}

/// A token for `role` in `region` (`*`: national); partners get a partner id, investigators a
/// purpose.
pub fn token(role: &str, region: &str) -> String {
    let purpose = (role == "investigator").then_some("CASE-TEST");
    let partner = (role == "partner").then_some("partner-test");
    token_with(role, region, &format!("test-{role}"), purpose, partner)
}

/// POSTs a GraphQL query with a bearer token; returns the JSON body.
pub async fn gql_as(query: &str, variables: Value, token: &str) -> Value {
    let resp = reqwest::Client::new()
        .post(format!("{}/graphql", app().base_url))
        .bearer_auth(token)
        .json(&json!({"query": query, "variables": variables}))
        .send()
        .await
        .expect("request");
    resp.json().await.expect("json body")
}

/// As a national analyst.
pub async fn gql(query: &str, variables: Value) -> Value {
    gql_as(query, variables, &token("analyst", "*")).await
}

/// As a national operator (offer transitions).
pub async fn gql_operator(query: &str, variables: Value) -> Value {
    gql_as(query, variables, &token("operator", "*")).await
}

/// The first error's code, if any.
pub fn error_code(body: &Value) -> Option<String> {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .map(str::to_string)
}

static SERIAL: AtomicU32 = AtomicU32::new(7000);

/// A fresh, valid IIN no other test uses (serials 7000+ are never used by fixtures).
pub fn fresh_iin(birth: &str, sex: Sex) -> Iin {
    let b = date(birth);
    loop {
        let s = SERIAL.fetch_add(1, Ordering::Relaxed);
        if let Some(i) = make_iin(b, sex, s) {
            return i;
        }
    }
}

/// A small registry extract written by a test, one NDJSON file per record type.
#[derive(Default)]
pub struct Extract {
    files: BTreeMap<&'static str, Vec<String>>,
}

impl Extract {
    pub fn add(&mut self, file: &'static str, record: Value) -> &mut Self {
        self.files.entry(file).or_default().push(record.to_string());
        self
    }
    pub fn add_raw(&mut self, file: &'static str, line: &str) -> &mut Self {
        self.files.entry(file).or_default().push(line.to_string());
        self
    }
    pub fn person(&mut self, iin: &Iin, surname: &str, first: &str) -> &mut Self {
        self.add("persons.ndjson", json!({"iin": iin.as_str(), "surname": surname, "first_name": first, "citizenship": "citizen"}))
    }
    pub fn write(&self) -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        for (f, lines) in &self.files {
            std::fs::write(d.path().join(f), lines.join("\n") + "\n").unwrap();
        }
        d
    }
    pub async fn load(&self) -> IngestSummary {
        let d = self.write();
        ingest::load_dir(&app().store, d.path(), &IngestOptions::default())
            .await
            .expect("load")
    }
}

/// The records of one file of the sample registry (e.g. `persons.ndjson`).
pub fn sample_records(file: &str) -> Vec<Value> {
    std::fs::read_to_string(repo_path("fixtures/sample").join(file))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .collect()
}

/// The IIN of every sample person, in file order.
pub fn sample_iins() -> Vec<family_card::domain::ids::Iin> {
    sample_records("persons.ndjson")
        .iter()
        .map(|r| family_card::domain::ids::Iin::parse(r["iin"].as_str().unwrap()).unwrap())
        .collect()
}

/// The IIN of the first sample person registered at an address.
pub fn first_iin_at(address: &str) -> String {
    sample_records("registrations.ndjson")
        .into_iter()
        .find(|r| r["address_id"] == address)
        .map(|r| r["iin"].as_str().unwrap().to_string())
        .unwrap_or_else(|| panic!("nobody at {address}"))
}

/// The id of the family card a person belongs to, as the API resolves it.
pub async fn family_id_of(iin: &str) -> String {
    let body = gql(
        r#"query($iin: String!) { family(iin: $iin, asOf: "2026-06-15") { familyId } }"#,
        json!({"iin": iin}),
    )
    .await;
    body["data"]["family"]["familyId"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_string()
}

/// The phone of a sample person.
pub fn phone_of(iin: &str) -> String {
    sample_records("persons.ndjson")
        .into_iter()
        .find(|p| p["iin"] == iin)
        .and_then(|p| p["phone"].as_str().map(str::to_string))
        .unwrap_or_else(|| panic!("{iin} has no phone"))
}

/// The sample's F01 mother (`880315401029`) and father (`860210301018`) have a daughter on
/// 2026-07-01: the extract of that birth (her person record and both parent links) in
/// `dir/birth`, and her IIN.
pub fn write_f01_birth_extract(dir: &Path) -> (PathBuf, Iin) {
    let (mother, father) = ("880315401029", "860210301018");
    let child = make_iin(date("2026-07-01"), Sex::Female, 9_001).unwrap();
    let extra = dir.join("birth");
    std::fs::create_dir_all(&extra).unwrap();
    std::fs::write(
        extra.join("persons.ndjson"),
        json!({"iin": child.as_str(), "surname": "Ахметова", "first_name": "Дана", "citizenship": "citizen"})
            .to_string()
            + "\n",
    )
    .unwrap();
    std::fs::write(
        extra.join("parent_links.ndjson"),
        format!(
            "{}\n{}\n",
            json!({"parent_iin": mother, "child_iin": child.as_str(), "kind": "birth"}),
            json!({"parent_iin": father, "child_iin": child.as_str(), "kind": "birth"})
        ),
    )
    .unwrap();
    (extra, child)
}
