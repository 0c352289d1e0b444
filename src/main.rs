//! `family-card`: the command line. See `README.md` for the two set-up commands.

use anyhow::Context;
use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand};
use family_card::domain::offer::ProactiveRules;
use family_card::ingest::{self, IngestOptions};
use family_card::localdb::{default_cache_dir, LocalDb, LocalDbOptions};
use family_card::proactive::gateway::{FileGateway, HttpGateway, SmsGateway};
use family_card::store::{DbConfig, Store};
use std::path::PathBuf;

/// mimalloc instead of glibc's malloc: a profile of `bench card` spent ~20 % of the process's CPU in
/// glibc's malloc/free (every Bolt value, row and answer is a heap object), and the jobs and the load
/// allocate the same way (`docs/benchmarks.md`, "The service's own CPU per card").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `println!` that ignores a closed standard output (`serve | head -1` must not kill the server).
macro_rules! say {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($t)*);
    }};
}

#[derive(Parser)]
#[command(
    name = "family-card",
    version,
    about = "Digital family card: registry graph, family composition, well-being, benefits"
)]
struct Cli {
    #[command(flatten)]
    db: DbArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
#[command(next_help_heading = "Global options (database and rules; every command takes them)")]
struct DbArgs {
    /// Bolt URI of Neo4j 5 (or any Bolt 4.4 server). Without it, a local ArcadeDB is installed
    /// (if missing) and started with the data in --data-dir.
    #[arg(long, env = "FAMILY_CARD_DB_URI", global = true)]
    db_uri: Option<String>,
    /// User for --db-uri.
    #[arg(
        long,
        env = "FAMILY_CARD_DB_USER",
        default_value = "neo4j",
        global = true
    )]
    db_user: String,
    /// Password for --db-uri.
    #[arg(
        long,
        env = "FAMILY_CARD_DB_PASSWORD",
        default_value = "",
        hide_env_values = true,
        global = true
    )]
    db_password: String,
    /// Database name (Neo4j multi-database); the server default when absent.
    #[arg(long, env = "FAMILY_CARD_DB_NAME", global = true)]
    db_name: Option<String>,
    /// Data directory: the local database's files, the service's secrets (token signing key,
    /// family-id key) and its audit trail.
    #[arg(
        long,
        env = "FAMILY_CARD_DATA_DIR",
        default_value = ".family-card/data",
        global = true
    )]
    data_dir: PathBuf,
    /// Where the local database is installed (default ~/.cache/family-card).
    #[arg(long, env = "FAMILY_CARD_CACHE", global = true)]
    cache_dir: Option<PathBuf>,
    /// JVM heap of the local database.
    #[arg(long, env = "FAMILY_CARD_DB_HEAP", default_value = "2g", global = true)]
    db_heap: String,
    /// Rules directory (legal parameters, methodology, benefit rules, proactive flow); default
    /// `./rules` when present, else the copies bundled into the binary.
    #[arg(long, env = "FAMILY_CARD_RULES", global = true)]
    rules_dir: Option<PathBuf>,
}

#[derive(Args, Clone)]
struct SmsArgs {
    /// HTTP SMS gateway URL (JSON POST; see docs/proactive.md). Without it SMS go to --sms-file.
    #[arg(long, env = "FAMILY_CARD_SMS_URL")]
    sms_gateway_url: Option<String>,
    /// Bearer token for the HTTP SMS gateway.
    #[arg(long, env = "FAMILY_CARD_SMS_TOKEN", hide_env_values = true)]
    sms_gateway_token: Option<String>,
    /// Development SMS gateway: every SMS appended to this NDJSON file.
    #[arg(
        long,
        env = "FAMILY_CARD_SMS_FILE",
        default_value = ".family-card/sms-outbox.ndjson"
    )]
    sms_file: PathBuf,
}

impl SmsArgs {
    fn gateway(&self) -> SmsGateway {
        match &self.sms_gateway_url {
            Some(u) => {
                SmsGateway::Http(HttpGateway::new(u.clone(), self.sms_gateway_token.clone()))
            }
            None => SmsGateway::File(FileGateway::new(self.sms_file.clone())),
        }
    }
}

#[derive(Args, Clone)]
struct JobArgs {
    /// Families per keyset page (one checkpoint per page).
    #[arg(long, default_value_t = 2_000)]
    page_size: usize,
    /// Families per snapshot read (one round trip).
    #[arg(long, default_value_t = 100)]
    load_batch: usize,
    /// Snapshot reads in flight per page (two more pages are read ahead).
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// Start from the first family even if an interrupted run could be resumed.
    #[arg(long)]
    restart: bool,
    /// Run only shard i of n (e.g. 2/4): a disjoint range of family ids with its own checkpoint,
    /// so n workers on several machines share one job.
    #[arg(long, value_parser = family_card::store::pages::parse_shard)]
    shard: Option<(u32, u32)>,
}

impl JobArgs {
    fn options(&self) -> family_card::jobs::JobOptions {
        family_card::jobs::JobOptions {
            page_size: self.page_size,
            load_batch: self.load_batch,
            concurrency: self.concurrency,
            restart: self.restart,
            progress: std::io::IsTerminal::is_terminal(&std::io::stderr()),
            shard: self.shard,
            ..Default::default()
        }
    }
}

#[derive(Subcommand)]
enum ExportCommand {
    /// Node and relationship CSV files for `neo4j-admin database import full` (the first load of
    /// a whole country; docs/deployment-bulk-load.md), validated exactly as `load` validates.
    Neo4jAdmin {
        /// The extract: a directory of NDJSON files.
        #[arg(long)]
        from: PathBuf,
        /// The directory the CSV files are written to (created if missing).
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum RecomputeCommand {
    /// Evaluate every family's well-being level and store what changed (resumable after a crash).
    Wellbeing {
        /// The date levels are computed for (YYYY-MM-DD; default today).
        #[arg(long)]
        as_of: Option<NaiveDate>,
        /// Also stream the raw snapshot statement over the same families in the same run (rows
        /// counted, not decoded; same pages and concurrency), for comparison.
        #[arg(long)]
        compare_raw: bool,
        /// Decode and evaluate every family, even one whose rows and rules are exactly those its
        /// record of the date was computed from (after a change of the evaluation's code within
        /// one version); what is written is decided as always.
        #[arg(long)]
        evaluate_all: bool,
        #[command(flatten)]
        job: JobArgs,
    },
}

#[derive(Subcommand)]
enum WellbeingCommand {
    /// Evaluate a draft methodology file against the stored registry without writing: how many
    /// families would change level.
    WhatIf {
        /// The draft methodology (TOML, same format as rules/wellbeing/*.toml).
        #[arg(long)]
        methodology: PathBuf,
        /// The date levels are computed for (YYYY-MM-DD; default today).
        #[arg(long)]
        as_of: Option<NaiveDate>,
        #[command(flatten)]
        job: JobArgs,
    },
}

#[derive(Subcommand)]
enum ProactiveCommand {
    /// One campaign run: offers for new entitlements, pension notices, reminders, expiries, then
    /// the outbox is sent.
    Run {
        #[command(flatten)]
        sms: SmsArgs,
    },
    /// Only send the outbox (due messages).
    Dispatch {
        #[command(flatten)]
        sms: SmsArgs,
    },
    /// Figures per benefit: detected, notified, replied, consented, refused, expired, assigned.
    Report,
    /// Payment orders as CSV for the paying organisation.
    ExportPayments {
        /// The CSV file to write (`;`-separated, with a header line).
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum Command {
    /// The main job: database up, registry loaded (with --load), GraphQL API served.
    Serve {
        /// HOST:PORT to serve on (checked before anything starts; port 0 = any free port).
        #[arg(long, env = "FAMILY_CARD_BIND", default_value = "127.0.0.1:8080")]
        bind: String,
        /// A registry extract to load before serving (e.g. fixtures/sample).
        #[arg(long)]
        load: Option<PathBuf>,
        /// Run the proactive campaign every this many seconds (0 = never).
        #[arg(long, env = "FAMILY_CARD_PROACTIVE_EVERY", default_value_t = 300)]
        proactive_every: u64,
        /// Shared secret (≥ 16 characters) the SMS gateway sends in `x-webhook-token` to
        /// `/sms/inbound`. Without it (or --sms-webhook-secret) the webhook is closed.
        #[arg(long, env = "FAMILY_CARD_SMS_WEBHOOK_TOKEN", hide_env_values = true)]
        sms_webhook_token: Option<String>,
        /// Standard Webhooks secret(s) `whsec_…` (comma-separated while rotating): the gateway
        /// signs each delivery (webhook-id, webhook-timestamp, webhook-signature).
        #[arg(long, env = "FAMILY_CARD_SMS_WEBHOOK_SECRET", hide_env_values = true)]
        sms_webhook_secret: Option<String>,
        #[command(flatten)]
        auth: AuthArgs,
        #[command(flatten)]
        sms: SmsArgs,
        #[command(flatten)]
        events: EventArgs,
    },
    /// Mint an access token with the local issuer's key (the one `serve` created in --data-dir).
    Token {
        /// analyst, investigator, operator, partner, auditor or admin.
        #[arg(long)]
        role: String,
        /// Region code the token may read, or * for the whole country.
        #[arg(long, default_value = "*")]
        region: String,
        /// Who the token is for (the audit trail's subject).
        #[arg(long)]
        subject: String,
        /// Partner (client) id, for --role partner.
        #[arg(long)]
        partner: Option<String>,
        /// Purpose or case id (investigators read only with one).
        #[arg(long)]
        purpose: Option<String>,
        /// Lifetime: 90s, 30m, 12h, 7d.
        #[arg(long, default_value = "12h")]
        ttl: String,
    },
    /// The audit trail in --data-dir/audit.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Materialise the family cards of the stored registry (after a bulk import; `load` does it
    /// itself).
    Cards {
        /// The date family cards are materialised for (default today).
        #[arg(long)]
        as_of: Option<NaiveDate>,
    },
    /// Write a registry extract in a bulk importer's format (no database needed).
    #[command(subcommand)]
    Export(ExportCommand),
    /// Import a registry extract (a directory of NDJSON files; see fixtures/README.md).
    Load {
        /// The extract: a directory of NDJSON files (e.g. fixtures/sample).
        path: PathBuf,
        /// Where rejected lines are written (default: <path>/../<name>.rejects.ndjson).
        #[arg(long)]
        rejects: Option<PathBuf>,
        /// Records per write (one UNWIND statement).
        #[arg(long, default_value_t = 5_000)]
        batch_size: usize,
        /// Writes sent at the same time (never two touching the same node).
        #[arg(long, default_value_t = 1)]
        writers: usize,
        /// The date family cards are materialised for (default today).
        #[arg(long)]
        cards_as_of: Option<NaiveDate>,
    },
    /// The first load of an extract into a FRESH local database through ArcadeDB's bulk
    /// importer: validated as `load` validates (same rejects), ending in the graph `load` builds,
    /// cards materialised (docs/deployment-bulk-load.md).
    BulkLoad {
        /// The extract: a directory of NDJSON files (e.g. fixtures/sample).
        path: PathBuf,
        /// Where rejected lines are written (default: <path>/../<name>.rejects.ndjson).
        #[arg(long)]
        rejects: Option<PathBuf>,
        /// The date family cards are materialised for (default today).
        #[arg(long)]
        cards_as_of: Option<NaiveDate>,
        /// `offline`: the importer as its own process before the server starts (fastest);
        /// `server`: `IMPORT DATABASE` on the running server.
        #[arg(long, default_value = "offline")]
        importer: family_card::bulk_load::Importer,
        /// Keep the importer's JSONL (in --data-dir/bulk-export) after the import.
        #[arg(long)]
        keep_export: bool,
    },
    /// Write a deterministic, country-shaped synthetic registry in the ingest format.
    Generate {
        /// How many persons to generate.
        #[arg(long)]
        persons: u64,
        /// Random seed: the same seed gives the same registry.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The directory to write the NDJSON files to (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// The registry's "today" (ages, income months).
        #[arg(long, default_value = "2026-06-15")]
        as_of: NaiveDate,
    },
    /// Print the GraphQL SDL (what schema/schema.graphql holds).
    Schema,
    /// Country-wide recomputes over every family card.
    #[command(subcommand)]
    Recompute(RecomputeCommand),
    /// Detect every family's new entitlements (idempotent; resumable) for the proactive flow.
    Detect {
        /// The date entitlements are evaluated on (YYYY-MM-DD; default today).
        #[arg(long)]
        as_of: Option<NaiveDate>,
        /// Also stream the raw snapshot statement over the same families in the same run (rows
        /// counted, not decoded; same pages and concurrency), for comparison.
        #[arg(long)]
        compare_raw: bool,
        #[command(flatten)]
        job: JobArgs,
    },
    /// Well-being tools.
    #[command(subcommand)]
    Wellbeing(WellbeingCommand),
    /// Investigators' fraud signals.
    #[command(subcommand)]
    Signals(SignalsCommand),
    /// Report every family card on one or more dates: members, well-being level, eligible benefits
    /// and amounts (writes nothing). For extracts and samples: rows are collected in memory.
    Assess {
        /// Dates to assess on (repeatable; default today).
        #[arg(long = "as-of")]
        as_of: Vec<NaiveDate>,
        /// `tsv` (one line per family and date) or `markdown` (one row per family).
        #[arg(long, default_value = "tsv")]
        format: AssessFormat,
        #[command(flatten)]
        job: JobArgs,
    },
    /// The proactive flow: SMS offers from 1414, replies, assignment, payment orders.
    #[command(subcommand)]
    Proactive(ProactiveCommand),
    /// Benchmarks against the loaded database (see docs/benchmarks.md).
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Start the local database and wait (prints its Bolt URI).
    Db,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the hash chain of the whole trail (exit code 1 when broken).
    Verify,
    /// Write matching records as NDJSON to standard output.
    Export {
        /// Records of this subject (the token's `sub`).
        #[arg(long)]
        subject: Option<String>,
        /// Records that loaded, disclosed or asked for this IIN.
        #[arg(long)]
        iin: Option<String>,
    },
}

/// Change events to partners' webhooks (`docs/partners.md`).
#[derive(Args, Clone)]
struct EventArgs {
    /// Run the delivery worker in this instance (run exactly one per deployment).
    #[arg(long, env = "FAMILY_CARD_EVENT_WORKER", default_value_t = true, action = clap::ArgAction::Set)]
    event_worker: bool,
    /// Comma-separated hosts webhook endpoints must be on (default: any public host).
    #[arg(long, env = "FAMILY_CARD_WEBHOOK_ALLOWED_HOSTS", value_delimiter = ',')]
    webhook_allowed_hosts: Vec<String>,
    /// Accept endpoints on loopback and private networks (local receivers only).
    #[arg(long, env = "FAMILY_CARD_WEBHOOK_ALLOW_PRIVATE_NETWORKS")]
    webhook_allow_private_networks: bool,
    /// The first retry delay in seconds (doubling, capped at 6 h, ±25 % jitter).
    #[arg(
        long,
        env = "FAMILY_CARD_WEBHOOK_RETRY_BASE_SECS",
        default_value_t = 30
    )]
    webhook_retry_base_secs: u64,
    /// Failures in a row after which a subscription is disabled.
    #[arg(long, env = "FAMILY_CARD_WEBHOOK_MAX_ATTEMPTS", default_value_t = 20)]
    webhook_max_attempts: u32,
}

#[derive(Args, Clone)]
struct AuthArgs {
    /// OIDC issuer of access tokens (its `iss`). Without it the service issues its own tokens
    /// with a key in --data-dir/secrets and prints one at start.
    #[arg(long, env = "FAMILY_CARD_AUTH_ISSUER")]
    auth_issuer: Option<String>,
    /// The `aud` tokens must carry.
    #[arg(long, env = "FAMILY_CARD_AUTH_AUDIENCE", default_value = "family-card")]
    auth_audience: String,
    /// The issuer's JWKS URL (default: discovered from the issuer's openid-configuration).
    #[arg(long, env = "FAMILY_CARD_AUTH_JWKS_URL")]
    auth_jwks_url: Option<String>,
    /// Allow introspection and field suggestions (off by default; GraphiQL's docs need it).
    #[arg(long, env = "FAMILY_CARD_GRAPHQL_INTROSPECTION")]
    graphql_introspection: bool,
    /// Requests per second per principal (bursts of twice as many).
    #[arg(long, env = "FAMILY_CARD_RATE_LIMIT", default_value_t = 50.0)]
    rate_limit: f64,
}

/// `90s`, `30m`, `12h`, `7d` or plain seconds.
fn parse_ttl(s: &str) -> anyhow::Result<std::time::Duration> {
    let (n, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = n
        .parse()
        .with_context(|| format!("--ttl {s:?}: a number and s, m, h or d"))?;
    let secs = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        _ => anyhow::bail!("--ttl {s:?}: a number and s, m, h or d"),
    };
    anyhow::ensure!(
        (60..=30 * 86_400).contains(&secs),
        "--ttl between 1 minute and 30 days"
    );
    Ok(std::time::Duration::from_secs(secs))
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum AssessFormat {
    Tsv,
    Markdown,
}

#[derive(Subcommand)]
enum SignalsCommand {
    /// Evaluate the fraud signals of every family card and store the hits with their evidence
    /// (idempotent; resumable; stale hits of the date removed when the run finishes).
    Run {
        /// The date the signals are evaluated on (YYYY-MM-DD; default today).
        #[arg(long)]
        as_of: Option<NaiveDate>,
        /// Then replay the run's reads raw (same pages, batches and reads in flight; rows
        /// counted, not decoded) and print the run's rate against it.
        #[arg(long)]
        compare_raw: bool,
        #[command(flatten)]
        job: JobArgs,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Latency of `family(iin:)` through the HTTP API for random stored persons.
    FamilyLookup {
        /// How many lookups to time.
        #[arg(long, default_value_t = 1_000)]
        samples: usize,
        /// Random seed for the choice of persons.
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// `family(iin:)` (README selection) for anchors and for members against the raw statement
    /// the service sends (latency p50/p99 and throughput at several concurrencies, as ratios).
    Card {
        /// Persons of each kind (anchors, members of someone else's card).
        #[arg(long, default_value_t = 500)]
        samples: usize,
        /// Random seed for the choice of persons.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Concurrencies of the throughput runs.
        #[arg(long, value_delimiter = ',', default_value = "1,4,16,64")]
        clients: Vec<usize>,
        /// Seconds per throughput run.
        #[arg(long, default_value_t = 10.0)]
        seconds: f64,
        /// Write the audit trail without fsyncing each record (to tell the fsync's share).
        #[arg(long)]
        no_fsync: bool,
    },
    /// Investigators' link queries: neighbourhood (2 hops) and paths (up to 6 hops) latency
    /// against the raw statements, and (with `--planted`) recall of the generator's patterns.
    Links {
        /// How many neighbourhoods and how many paths to time.
        #[arg(long, default_value_t = 200)]
        samples: usize,
        /// Random seed for the choice of persons.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// `planted.tsv` of the generated extract that was loaded.
        #[arg(long)]
        planted: Option<PathBuf>,
        /// The generator's `--as-of` (the date the planted patterns are evaluated on).
        #[arg(long, default_value = "2026-06-15")]
        as_of: NaiveDate,
    },
    /// Bulk ingest over HTTP jobs against `load` of the same extract, each into a fresh local
    /// database (the ratio of their rates).
    IngestHttp {
        /// The extract (a directory of NDJSON files, e.g. from `generate`).
        extract: PathBuf,
        /// Scratch directory for the two databases (removed afterwards).
        #[arg(long)]
        scratch: PathBuf,
        /// Records per write (one UNWIND statement), both sides.
        #[arg(long, default_value_t = 5_000)]
        batch_size: usize,
    },
    /// `load` of an extract against the raw replay of its own writes (the statements and
    /// parameters it sent, prepared in memory before timing), each into a fresh local database.
    Load {
        /// The extract (a directory of NDJSON files, e.g. from `generate`).
        extract: PathBuf,
        /// Scratch directory for the two databases (removed afterwards).
        #[arg(long)]
        scratch: PathBuf,
        /// Records per write (one UNWIND statement), both sides.
        #[arg(long, default_value_t = 5_000)]
        batch_size: usize,
        /// Writes sent at the same time (never two touching the same node).
        #[arg(long, default_value_t = 1)]
        writers: usize,
        /// Replay a file's batches through DIR/ingest_<kind>.cypher instead (statement experiments).
        #[arg(long)]
        replay_statements: Option<PathBuf>,
        /// Only the replay, no `load` side.
        #[arg(long)]
        replay_only: bool,
    },
    /// A country-wide job (on `--data-dir`, a STOPPED database, copied twice under `--scratch`)
    /// against the raw work of the same run: its snapshot reads streamed (rows counted, not
    /// decoded) and its own writes replayed on the untouched copy; first run and re-runs.
    Jobs {
        /// The job to run: `recompute` (well-being) or `detect` (entitlements).
        #[arg(value_enum)]
        job: family_card::jobs::bench::BenchedJob,
        /// Scratch directory for the two copies (removed afterwards).
        #[arg(long)]
        scratch: PathBuf,
        /// The date the job assesses families on.
        #[arg(long, default_value = "2026-06-15")]
        as_of: NaiveDate,
        /// Runs of the job on the same copy (the first writes, the next ones find it done).
        #[arg(long, default_value_t = 2)]
        passes: usize,
        #[command(flatten)]
        job_args: JobArgs,
    },
    /// Change-event delivery: events/s from the outbox to an acknowledging local webhook
    /// receiver, lag p50/p99, against the raw outbox read rate.
    Events {
        /// How many synthetic events to write and deliver.
        #[arg(long, default_value_t = 10_000)]
        events: usize,
        /// Over how many subjects (each subject's events are delivered in order).
        #[arg(long, default_value_t = 1_000)]
        subjects: usize,
        /// How many of a subject's deliveries one round sends while they are acknowledged
        /// (1: one event per subject per round, the pace before chains).
        #[arg(long, default_value_t = 20)]
        chain_length: usize,
        /// Subscriptions to the same events beside, whose endpoint refuses connections.
        #[arg(long, default_value_t = 0)]
        dead_subscriptions: usize,
    },
}

/// Checks `--bind` before anything starts: the address must parse and the port be free. A busy
/// port names the flag and the environment variable, in one line.
fn check_bind(bind: &str) -> anyhow::Result<()> {
    use std::net::ToSocketAddrs;
    let addrs: Vec<std::net::SocketAddr> = bind
        .to_socket_addrs()
        .map_err(|e| {
            anyhow::anyhow!(
                "--bind {bind:?} is not a HOST:PORT address ({e}); e.g. --bind 127.0.0.1:8080 \
                 (or FAMILY_CARD_BIND)"
            )
        })?
        .collect();
    let Some(addr) = addrs.first() else {
        anyhow::bail!("--bind {bind:?} resolves to no address (or FAMILY_CARD_BIND)");
    };
    match std::net::TcpListener::bind(addr) {
        Ok(l) => {
            drop(l);
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => anyhow::bail!(
            "{addr} is already in use (another family-card serve?): choose a free port with \
             --bind HOST:PORT or FAMILY_CARD_BIND, e.g. --bind {}:{}",
            addr.ip(),
            addr.port().checked_add(1).unwrap_or(8081)
        ),
        Err(e) => anyhow::bail!(
            "cannot listen on {addr} ({e}): choose another address with --bind HOST:PORT or \
             FAMILY_CARD_BIND"
        ),
    }
}

/// A path the user named: it must exist (says which option named it when it does not).
fn existing(path: &std::path::Path, what: &str) -> anyhow::Result<()> {
    if !path.exists() {
        anyhow::bail!("{what} {}: does not exist", path.display());
    }
    Ok(())
}

struct Db {
    store: Store,
    /// The local database this process started (stopped when dropped).
    local: Option<LocalDb>,
}

async fn open_db(a: &DbArgs) -> anyhow::Result<Db> {
    if let Some(r) = &a.rules_dir {
        existing(r, "--rules-dir")?;
    }
    // Family ids are keyed: every command that reads or writes cards uses the same key.
    family_card::app::install_id_key(&family_card::app::id_key_in(&a.data_dir)?);
    let (cfg, local) = match &a.db_uri {
        Some(uri) => (
            DbConfig {
                uri: uri.clone(),
                user: a.db_user.clone(),
                password: a.db_password.clone().into(),
                database: a.db_name.clone(),
                max_connections: 16,
            },
            None,
        ),
        None => {
            let local = LocalDb::start(&LocalDbOptions {
                cache_dir: a.cache_dir.clone().unwrap_or_else(default_cache_dir),
                data_dir: a.data_dir.clone(),
                heap: a.db_heap.clone(),
            })
            .await
            .context("starting the local graph database")?;
            (local.db_config(), Some(local))
        }
    };
    let store = Store::connect(&cfg).await?;
    store
        .apply_schema()
        .await
        .context("applying cypher/schema.cypher")?;
    Ok(Db { store, local })
}

/// Where `load` and `bulk-load` write the rejects of an extract by default.
fn default_rejects(path: &std::path::Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "extract".into());
    path.parent()
        .unwrap_or(std::path::Path::new("."))
        .join(format!("{name}.rejects.ndjson"))
}

/// `bulk-load`: the local engine's importer into a fresh database (src/bulk_load.rs).
async fn bulk_load(
    a: &DbArgs,
    path: &std::path::Path,
    rejects: Option<PathBuf>,
    cards_as_of: NaiveDate,
    importer: family_card::bulk_load::Importer,
    keep_export: bool,
) -> anyhow::Result<()> {
    if a.db_uri.is_some() {
        anyhow::bail!("bulk-load imports into the local engine (--data-dir); for Neo4j use `export neo4j-admin` (docs/deployment-bulk-load.md)");
    }
    family_card::app::install_id_key(&family_card::app::id_key_in(&a.data_dir)?);
    let rejects = rejects.unwrap_or_else(|| default_rejects(path));
    let opts = family_card::bulk_load::BulkOptions {
        db: LocalDbOptions {
            cache_dir: a.cache_dir.clone().unwrap_or_else(default_cache_dir),
            data_dir: a.data_dir.clone(),
            heap: a.db_heap.clone(),
        },
        importer,
        ctx: family_card::ingest::Context::on(family_card::ingest::kazakhstan_today()),
        cards_as_of,
        rejects: rejects.clone(),
        work_dir: a.data_dir.join("bulk-export"),
        keep_export,
    };
    let (mut db, _store, r) = family_card::bulk_load::bulk_load(path, &opts).await?;
    println!(
        "{:<28} {:>10} {:>10} {:>10}",
        "file", "read", "written", "rejected"
    );
    for f in &r.export.files {
        println!(
            "{:<28} {:>10} {:>10} {:>10}",
            f.file, f.read, f.written, f.rejected
        );
    }
    let mb = |b: u64| b as f64 / (1024.0 * 1024.0);
    println!(
        "{:<28} {:>10} {:>10} {:>10}\n\
         export   {:>8.1} s ({} nodes, {} relationships, {:.0} MB of JSONL)\n\
         import   {:>8.1} s (importer peak RSS {:.0} MB)\n\
         clean-up {:>8.1} s\n\
         schema   {:>8.1} s\n\
         cards    {:>8.1} s ({} family cards as of {cards_as_of})\n\
         bulk-loaded in {:.1} s ({:.0} records/s); this process's peak RSS {:.0} MB",
        "total",
        r.export.read(),
        r.export.written(),
        r.export.rejected(),
        r.export.seconds,
        r.export.nodes,
        r.export.relationships,
        mb(r.export.bytes),
        r.import.seconds,
        mb(r.import.peak_rss_bytes),
        r.cleanup_seconds,
        r.schema_seconds,
        r.cards_seconds,
        r.cards,
        r.total_seconds,
        r.records_per_second(),
        mb(r.own_peak_rss_bytes),
    );
    if r.export.rejected() > 0 {
        println!(
            "rejects: {} (file, line, field and error for each)",
            rejects.display()
        );
    }
    db.stop();
    Ok(())
}

async fn load(
    store: &Store,
    path: &std::path::Path,
    rejects: Option<PathBuf>,
    (batch_size, writers): (usize, usize),
    cards_as_of: NaiveDate,
) -> anyhow::Result<()> {
    let rejects = rejects.unwrap_or_else(|| default_rejects(path));
    let opts = IngestOptions {
        batch_size,
        rejects_path: Some(rejects.clone()),
        // The file has them all; the summary shows the first few.
        rejects_kept: 10,
        progress: std::io::IsTerminal::is_terminal(&std::io::stderr()),
        writers,
    };
    let s = ingest::load_dir(store, path, &opts).await?;
    println!(
        "{:<28} {:>10} {:>10} {:>10}",
        "file", "read", "written", "rejected"
    );
    for f in &s.files {
        println!(
            "{:<28} {:>10} {:>10} {:>10}",
            f.file, f.read, f.written, f.rejected
        );
    }
    println!(
        "{:<28} {:>10} {:>10} {:>10}\nloaded in {:.1} s ({:.0} records/s)",
        "total",
        s.read(),
        s.written(),
        s.rejected(),
        s.seconds,
        s.records_per_second()
    );
    if s.rejected() > 0 {
        println!(
            "rejects: {} (file, line, field and error for each)",
            rejects.display()
        );
        for r in s.rejects.iter().take(10) {
            println!("  {}:{} {}: {}", r.file, r.line, r.field, r.error);
        }
    }
    let started = std::time::Instant::now();
    let cards = family_card::family_cards::materialise_family_cards(store, cards_as_of).await?;
    println!(
        "family cards materialised as of {cards_as_of}: {cards} ({:.1} s)",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Streams the raw snapshot statement over the job's families and prints the job's rate as a
/// ratio of it.
async fn compare_with_raw(
    store: &Store,
    opts: &family_card::jobs::JobOptions,
    r: &family_card::jobs::JobReport,
) -> anyhow::Result<()> {
    let raw = family_card::jobs::stream_snapshots_raw(store, opts).await?;
    println!(
        "raw snapshot stream over the same families (rows counted, not decoded; page {}, batch {}, {} in flight): \
         {} families, {} rows in {:.1} s = {:.0} families/s; the {} ran at {:.0} families/s = {:.2} of raw",
        opts.page_size,
        opts.load_batch,
        opts.concurrency,
        raw.families,
        raw.rows,
        raw.seconds,
        raw.families_per_second(),
        r.job,
        r.families_per_second(),
        r.families_per_second() / raw.families_per_second().max(1e-9)
    );
    Ok(())
}

fn print_report(r: &family_card::jobs::JobReport) {
    println!(
        "{}: {} families in {:.1} s ({:.0} families/s){}; written {}, unchanged {}, not in force {}, failed {}{}",
        r.job,
        r.families,
        r.seconds,
        r.families_per_second(),
        r.resumed_after
            .as_ref()
            .map(|a| format!(", resumed after {a}"))
            .unwrap_or_default(),
        r.written,
        r.unchanged,
        r.not_in_force,
        r.failed,
        if r.finished { "" } else { " (not finished)" }
    );
}

/// `B 8960, C 32513, …`: families per well-being level.
fn level_counts<'a, N: std::fmt::Display + 'a>(
    levels: impl IntoIterator<Item = (&'a String, &'a N)>,
) -> String {
    levels
        .into_iter()
        .map(|(l, n)| format!("{l} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What the commands work with: the store plus the rules read from --rules-dir (or bundled).
struct CommandContext {
    store: Store,
    rules: std::sync::Arc<family_card::rules::RuleSet>,
    proactive: std::sync::Arc<ProactiveRules>,
    titles: std::sync::Arc<family_card::proactive::Titles>,
}

fn app_context(a: &DbArgs, store: Store) -> anyhow::Result<CommandContext> {
    let dir = a.rules_dir.clone().or_else(|| {
        std::path::Path::new("rules/proactive.toml")
            .exists()
            .then(|| PathBuf::from("rules"))
    });
    let proactive = match dir {
        Some(d) => {
            let p = d.join("proactive.toml");
            let text =
                std::fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()))?;
            ProactiveRules::from_toml(&text).with_context(|| p.display().to_string())?
        }
        None => ProactiveRules::bundled(),
    };
    let rules = family_card::rules::RuleSet::from_option(a.rules_dir.as_deref())?;
    tracing::info!(rules = %rules.origin, legal = %rules.legal.version, benefits = %rules.benefits.version, "rules loaded");
    Ok(CommandContext {
        store,
        rules: std::sync::Arc::new(rules),
        proactive: std::sync::Arc::new(proactive),
        titles: std::sync::Arc::new(family_card::api::benefit_titles()),
    })
}

fn ms(d: std::time::Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // FAMILY_CARD_LOG_FORMAT=json: one JSON object per line (values escaped: no input can
    // forge a line); otherwise readable text.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,neo4rs=warn".into());
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::env::var("FAMILY_CARD_LOG_FORMAT").as_deref() == Ok("json") {
        logs.json().init();
    } else {
        logs.init();
    }
    let cli = Cli::parse();
    match cli.command {
        Command::Generate {
            persons,
            seed,
            out,
            as_of,
        } => {
            let started = std::time::Instant::now();
            let s = family_card::generate::generate(
                &family_card::generate::GenerateOptions {
                    persons,
                    seed,
                    as_of,
                },
                &out,
            )
            .with_context(|| format!("writing {}", out.display()))?;
            for (f, n) in &s.records {
                println!("{f:<28} {n:>10}");
            }
            for (p, n) in &s.planted {
                println!("planted {p:<40} {n:>6}");
            }
            println!(
                "{} persons in {} households, {} records, written to {} in {:.1} s",
                s.persons,
                s.households,
                s.total_records(),
                out.display(),
                started.elapsed().as_secs_f64()
            );
        }
        Command::Schema => {
            print!("{}", family_card::api::sdl());
        }
        Command::Bench(BenchCommand::Card {
            samples,
            seed,
            clients,
            seconds,
            no_fsync,
        }) => {
            let db = open_db(&cli.db).await?;
            let rules = family_card::rules::RuleSet::from_option(cli.db.rules_dir.as_deref())?;
            let r = family_card::bench::card_against_raw(
                &db.store, &rules, samples, seed, &clients, seconds, !no_fsync,
            )
            .await?;
            println!(
                "family(iin:) (README selection) over HTTP, full service (audit fsync {}), against its raw statement; {} persons stored (seed {seed}):",
                if no_fsync { "off" } else { "on" },
                r.persons_in_db
            );
            for (what, p) in [("anchors", &r.anchors), ("members", &r.members)] {
                println!(
                    "  {what:8} n={:4}  service p50 {:.2} ms p99 {:.2} ms mean {:.2} ms | raw p50 {:.2} ms p99 {:.2} ms mean {:.2} ms | ratio p50 {:.2} p99 {:.2} mean {:.2}",
                    p.samples,
                    ms(p.service_p50),
                    ms(p.service_p99),
                    ms(p.service_mean),
                    ms(p.raw_p50),
                    ms(p.raw_p99),
                    ms(p.raw_mean),
                    p.service_p50.as_secs_f64() / p.raw_p50.as_secs_f64().max(1e-9),
                    p.service_p99.as_secs_f64() / p.raw_p99.as_secs_f64().max(1e-9),
                    p.service_mean.as_secs_f64() / p.raw_mean.as_secs_f64().max(1e-9),
                );
            }
            println!(
                "  the audit trail's group writes during those runs (write{}, timed around the calls), n={}: p50 {:.3} ms p90 {:.3} ms",
                if no_fsync { "" } else { " + fdatasync" },
                r.audit_writes,
                ms(r.audit_write_p50),
                ms(r.audit_write_p90),
            );
            println!(
                "  floor (`{{ __typename }}` through the same service path, n={}): p50 {:.2} ms p99 {:.2} ms; the raw anchors' p50 + this floor = {:.2} × the raw p50",
                r.anchors.samples + r.members.samples,
                ms(r.floor_p50),
                ms(r.floor_p99),
                (r.anchors.raw_p50 + r.floor_p50).as_secs_f64() / r.anchors.raw_p50.as_secs_f64().max(1e-9),
            );
            println!(
                "  by layer, p50 over the same {} persons in turn: raw statement {:.3} ms | card read without GraphQL {:.3} ms | GraphQL on a gate, no HTTP/token/audit {:.3} ms | the router in process, no socket {:.3} ms | full service {:.3} ms",
                r.anchors.samples + r.members.samples,
                ms(r.layers.raw_p50),
                ms(r.layers.card_read_p50),
                ms(r.layers.graphql_p50),
                ms(r.layers.router_p50),
                ms(r.layers.service_p50),
            );
            println!(
                "  this process's CPU per request, by the same layers: raw {:.3} ms | card read {:.3} ms | GraphQL on a gate {:.3} ms | router in process {:.3} ms | full service {:.3} ms | floor {:.3} ms",
                ms(r.layers.raw_cpu),
                ms(r.layers.card_read_cpu),
                ms(r.layers.graphql_cpu),
                ms(r.layers.router_cpu),
                ms(r.layers.service_cpu),
                ms(r.layers.floor_cpu),
            );
            println!(
                "  card reads {}, of which needed a second load: {}; errors {}",
                r.card_reads, r.second_loads, r.errors
            );
            for t in &r.throughput {
                println!(
                    "  {:3} clients: service {:7.0} req/s | raw {:7.0} req/s | ratio {:.2} | bench process CPU per request: service {:.3} ms, raw {:.3} ms",
                    t.clients,
                    t.service_per_s,
                    t.raw_per_s,
                    t.service_per_s / t.raw_per_s.max(1e-9),
                    ms(t.service_cpu_per_request),
                    ms(t.raw_cpu_per_request),
                );
            }
        }
        Command::Bench(BenchCommand::Links {
            samples,
            seed,
            planted,
            as_of,
        }) => {
            let db = open_db(&cli.db).await?;
            let rules = family_card::rules::RuleSet::from_option(cli.db.rules_dir.as_deref())?;
            use family_card::bench_links as bl;
            bl::print_timing(
                "neighbourhood(hops: 2)",
                &bl::neighbourhood(&db.store, samples, seed).await?,
            );
            bl::print_timing(
                "paths(maxHops: 6) between random persons",
                &bl::paths(&db.store, samples, seed).await?,
            );
            if let Some(p) = planted {
                existing(&p, "--planted")?;
                bl::print_timing(
                    "paths(maxHops: 6) from planted persons to a person two links away",
                    &bl::planted_paths(&db.store, &p).await?,
                );
                println!("recall over each planted person's signal slice:");
                bl::print_recall(&bl::recall(&db.store, &rules.signals, &p, as_of).await?);
                println!("recall over the hits stored by `signals run --as-of {as_of}`:");
                bl::print_recall(&bl::stored_recall(&db.store, &p, as_of).await?);
            }
        }
        Command::Bench(BenchCommand::Events {
            events,
            subjects,
            chain_length,
            dead_subscriptions,
        }) => {
            let db = open_db(&cli.db).await?;
            let options = family_card::bench::EventBenchOptions {
                chain_length,
                dead_subscriptions,
            };
            let r =
                family_card::bench::event_delivery(&db.store, events, subjects, &options).await?;
            println!(
                "change events, {} over {} subjects, outbox → signed webhook → acknowledging local receiver:\n  \
                 {:.0} events/s ({:.1} s), lag p50 {:.0} ms  p99 {:.0} ms  max {:.0} ms, duplicates {}\n  \
                 raw outbox read of the same events: {:.0} events/s; ratio delivered/raw {:.3}",
                r.events,
                r.subjects,
                r.per_second,
                r.seconds,
                ms(r.lag_p50),
                ms(r.lag_p99),
                ms(r.lag_max),
                r.duplicates,
                r.raw_read_per_second,
                r.per_second / r.raw_read_per_second.max(1e-9)
            );
            println!(
                "  chain length {chain_length}, {dead_subscriptions} dead subscriptions beside"
            );
            let due = |what: &str, d: &family_card::bench::DueQueryTimes| {
                println!(
                    "  due-query, {what} (median of {}): {:.2} ms; the former full scan {:.2} ms; ratio {:.2}",
                    d.samples,
                    ms(d.current),
                    ms(d.former_scan),
                    ms(d.current) / ms(d.former_scan).max(1e-9)
                )
            };
            due(
                &format!("bench subscription, {} delivered", r.events),
                &r.due_after_delivery,
            );
            if let Some(d) = &r.due_all_pending {
                due(&format!("a dead subscription, {} pending", r.events), d);
            }
        }
        Command::Bench(BenchCommand::FamilyLookup { samples, seed }) => {
            let db = open_db(&cli.db).await?;
            let rules = family_card::rules::RuleSet::from_option(cli.db.rules_dir.as_deref())?;
            let r =
                family_card::bench::family_lookup_latency(&db.store, &rules, samples, seed).await?;
            println!(
                "family(iin:) over HTTP, {} random persons of {} stored (seed {seed}), sequential:\n  \
                 p50 {:.2} ms  p90 {:.2} ms  p99 {:.2} ms  max {:.2} ms  mean {:.2} ms  errors {}",
                r.samples,
                r.persons_in_db,
                ms(r.p50),
                ms(r.p90),
                ms(r.p99),
                ms(r.max),
                ms(r.mean),
                r.errors
            );
            let ratio = |a: std::time::Duration, b: std::time::Duration| {
                a.as_secs_f64() / b.as_secs_f64().max(1e-9)
            };
            println!(
                "same service, audit trail not fsynced:                      p50 {:.2} ms  p99 {:.2} ms\n\
                 same schema without authentication, policy, limits and audit: p50 {:.2} ms  p99 {:.2} ms\n  \
                 ratio full/bare: p50 {:.2}  p99 {:.2}; without the fsync: p50 {:.2}  p99 {:.2}",
                ms(r.unsynced_p50),
                ms(r.unsynced_p99),
                ms(r.bare_p50),
                ms(r.bare_p99),
                ratio(r.p50, r.bare_p50),
                ratio(r.p99, r.bare_p99),
                ratio(r.unsynced_p50, r.bare_p50),
                ratio(r.unsynced_p99, r.bare_p99),
            );
        }
        Command::Bench(BenchCommand::IngestHttp {
            extract,
            scratch,
            batch_size,
        }) => {
            existing(&extract, "the extract")?;
            family_card::app::install_id_key(&family_card::app::id_key_in(&cli.db.data_dir)?);
            let cache = cli.db.cache_dir.clone().unwrap_or_else(default_cache_dir);
            let r = family_card::bench_ingest::ingest_http_vs_cli(
                &extract,
                &scratch,
                &cache,
                &cli.db.db_heap,
                batch_size,
            )
            .await?;
            println!(
                "{} records ({} jobs over HTTP), each side into a fresh database:\n  \
                 load:      {} written in {:.1} s = {:.0} records/s\n  \
                 HTTP jobs: {} written in {:.1} s = {:.0} records/s (bodies posted in {:.1} s)\n  \
                 ratio HTTP/load: {:.3}",
                r.records,
                r.jobs,
                r.cli_written,
                r.cli_seconds,
                r.cli_rate(),
                r.http_written,
                r.http_seconds,
                r.http_rate(),
                r.http_upload_seconds,
                r.ratio()
            );
        }
        Command::Bench(BenchCommand::Load {
            extract,
            scratch,
            batch_size,
            writers,
            replay_statements,
            replay_only,
        }) => {
            existing(&extract, "the extract")?;
            let cache = cli.db.cache_dir.clone().unwrap_or_else(default_cache_dir);
            let r = family_card::bench_load::load_against_replay(
                &extract,
                &scratch,
                &cache,
                &cli.db.db_heap,
                &family_card::bench_load::BenchLoadOptions {
                    batch_size,
                    writers,
                    replay_statements,
                    replay_only,
                },
                &ingest::Context::on(ingest::kazakhstan_today()),
            )
            .await?;
            println!(
                "{:<28} {:>9} {:>6} {:>9} {:>9} {:>10} {:>9}",
                "file", "records", "stmts", "load s", "replay s", "replay cpu", "records/s"
            );
            for f in &r.files {
                println!(
                    "{:<28} {:>9} {:>6} {:>9.1} {:>9.1} {:>10.1} {:>9.0}",
                    f.file,
                    f.records,
                    f.statements,
                    f.load_seconds,
                    f.replay_seconds,
                    f.replay_db_cpu,
                    f.records as f64 / f.replay_seconds.max(1e-9)
                );
            }
            println!(
                "database CPU: load {:.1} s ({:.0} records per CPU second), replay {:.1} s ({:.0})",
                r.load_db_cpu,
                r.written as f64 / r.load_db_cpu.max(1e-9),
                r.replay_db_cpu,
                r.replayed_lines as f64 / r.replay_db_cpu.max(1e-9)
            );
            println!(
                "{} records, each side into a fresh database (replay prepared in {:.1} s, untimed):\n  \
                 load:   {} written in {:.1} s = {:.0} records/s\n  \
                 replay: {} statements, {} lines in {:.1} s = {:.0} records/s\n  \
                 ratio load/replay: {:.3}",
                r.records,
                r.prepare_seconds,
                r.written,
                r.load_seconds,
                r.load_rate(),
                r.statements,
                r.replayed_lines,
                r.replay_seconds,
                r.replay_rate(),
                r.ratio()
            );
        }
        Command::Bench(BenchCommand::Jobs {
            job,
            scratch,
            as_of,
            passes,
            job_args,
        }) => {
            existing(&cli.db.data_dir, "--data-dir")?;
            family_card::app::install_id_key(&family_card::app::id_key_in(&cli.db.data_dir)?);
            let rules = family_card::rules::RuleSet::from_option(cli.db.rules_dir.as_deref())?;
            let cache = cli.db.cache_dir.clone().unwrap_or_else(default_cache_dir);
            let opts = job_args.options();
            let b = family_card::jobs::bench::jobs_against_raw(
                &cli.db.data_dir,
                &scratch,
                &cache,
                &cli.db.db_heap,
                job,
                &rules,
                as_of,
                &opts,
                passes,
            )
            .await?;
            println!(
                "warm-up raw streams (untimed): run copy {:.0} families/s, replay copy {:.0} families/s",
                b.warm_up.0.families_per_second(),
                b.warm_up.1.families_per_second()
            );
            for (i, p) in b.passes.iter().enumerate() {
                print_report(&p.job);
                println!(
                    "pass {}: raw reads {} families, {} rows in {:.1} s ({:.0} families/s); raw writes {} statements \
                     ({} rows answered) replayed in {:.1} s; job / raw reads {:.2}; job / (raw reads + raw writes) {:.2}",
                    i + 1,
                    p.raw_reads.families,
                    p.raw_reads.rows,
                    p.raw_reads.seconds,
                    p.raw_reads.families_per_second(),
                    p.statements,
                    p.replay_rows,
                    p.replay_seconds,
                    p.ratio_to_reads(),
                    p.ratio_to_reads_and_writes()
                );
            }
        }
        Command::Recompute(RecomputeCommand::Wellbeing {
            as_of,
            compare_raw,
            evaluate_all,
            job,
        }) => {
            let db = open_db(&cli.db).await?;
            let app = app_context(&cli.db, db.store.clone())?;
            let as_of = as_of.unwrap_or_else(today);
            let r = family_card::jobs::recompute::recompute_wellbeing(
                &app.store,
                &app.rules.wellbeing,
                &app.rules.legal,
                as_of,
                &family_card::jobs::JobOptions {
                    evaluate_all,
                    ..job.options()
                },
            )
            .await?;
            print_report(&r);
            let dist = app
                .store
                .wellbeing_distribution(&as_of.to_string(), None)
                .await?;
            println!(
                "distribution on {as_of}: {}",
                level_counts(dist.iter().map(|(l, n)| (l, n)))
            );
            if compare_raw {
                compare_with_raw(&app.store, &job.options(), &r).await?;
            }
        }
        Command::Signals(SignalsCommand::Run {
            as_of,
            compare_raw,
            job,
        }) => {
            let db = open_db(&cli.db).await?;
            let app = app_context(&cli.db, db.store.clone())?;
            let as_of = as_of.unwrap_or_else(today);
            use family_card::jobs::signals as sj;
            let opts = job.options();
            let (r, raw) = if compare_raw {
                let (r, raw) =
                    sj::compare_raw(&app.store, &app.rules.signals, as_of, &opts).await?;
                (r, Some(raw))
            } else {
                (
                    sj::run_signals(&app.store, &app.rules.signals, as_of, &opts).await?,
                    None,
                )
            };
            print_report(&r.job);
            if let Some(g) = &r.rings {
                println!(
                    "rings (whole graph): {} persons read, {} known, {} candidate components, {} hits in {:.1} s",
                    g.persons_read, g.persons_known, g.candidates, g.hits, g.seconds
                );
            }
            if let Some(d) = &r.dead {
                println!(
                    "dead recipients: {} persons with a death record read, {} hits in {:.1} s",
                    d.persons_read, d.hits, d.seconds
                );
            }
            println!("stale hits removed: {}", r.pruned);
            if let Some(raw) = raw {
                let run_seconds = r.job.seconds
                    + r.rings.as_ref().map_or(0.0, |g| g.seconds)
                    + r.dead.as_ref().map_or(0.0, |d| d.seconds);
                let run_rate = r.job.families as f64 / run_seconds.max(1e-9);
                println!(
                    "raw replay of the same reads (page {}, batch {}, {} in flight; rows counted, not decoded): \
                     {} families, {} snapshot rows, {} link reads ({} rows) in {:.1} s, ring pages {} rows in {:.1} s \
                     = {:.0} families/s; the run (family pages {:.1} s + rings {:.1} s) {:.0} families/s = {:.2} of raw",
                    opts.page_size,
                    opts.load_batch,
                    opts.concurrency,
                    raw.families,
                    raw.snapshot_rows,
                    raw.link_reads,
                    raw.link_rows,
                    raw.family_seconds,
                    raw.ring_rows,
                    raw.ring_seconds,
                    raw.families_per_second(),
                    r.job.seconds,
                    r.rings.as_ref().map_or(0.0, |g| g.seconds),
                    run_rate,
                    run_rate / raw.families_per_second().max(1e-9)
                );
            }
        }
        Command::Detect {
            as_of,
            compare_raw,
            job,
        } => {
            let db = open_db(&cli.db).await?;
            let app = app_context(&cli.db, db.store.clone())?;
            let as_of = as_of.unwrap_or_else(today);
            let r = family_card::jobs::detect::detect(
                &app.store,
                &app.rules.benefits,
                &app.rules.legal,
                as_of,
                &job.options(),
            )
            .await?;
            print_report(&r);
            if compare_raw {
                compare_with_raw(&app.store, &job.options(), &r).await?;
            }
            println!("new entitlements recorded: {}", r.written);
            for (b, st, n) in app.store.entitlements_summary().await? {
                println!("  {b:<28} {st:<10} {n:>8}");
            }
        }
        Command::Assess { as_of, format, job } => {
            let db = open_db(&cli.db).await?;
            let app = app_context(&cli.db, db.store.clone())?;
            let dates = if as_of.is_empty() {
                vec![today()]
            } else {
                as_of
            };
            let started = std::time::Instant::now();
            let mut rows = vec![];
            for d in &dates {
                rows.extend(
                    family_card::jobs::assess::assess_all(
                        &app.store,
                        &app.rules,
                        *d,
                        &job.options(),
                    )
                    .await?,
                );
            }
            match format {
                AssessFormat::Tsv => {
                    println!(
                        "{}",
                        family_card::jobs::assess::FamilyAssessmentRow::TSV_HEADER
                    );
                    for r in &rows {
                        println!("{}", r.tsv());
                    }
                }
                AssessFormat::Markdown => {
                    print!(
                        "{}",
                        family_card::jobs::assess::markdown_table(&dates, &rows)
                    )
                }
            }
            // The summary goes to stderr: stdout stays the report.
            eprintln!(
                "assess: {} rows (family card × date) on {} date(s) in {:.1} s",
                rows.len(),
                dates.len(),
                started.elapsed().as_secs_f64()
            );
        }
        Command::Wellbeing(WellbeingCommand::WhatIf {
            methodology,
            as_of,
            job,
        }) => {
            existing(&methodology, "--methodology")?;
            let text = std::fs::read_to_string(&methodology)
                .with_context(|| format!("reading {}", methodology.display()))?;
            let draft = family_card::domain::wellbeing::Methodology::from_toml(&text)
                .with_context(|| methodology.display().to_string())?;
            let db = open_db(&cli.db).await?;
            let app = app_context(&cli.db, db.store.clone())?;
            let as_of = as_of.unwrap_or_else(today);
            let w = family_card::jobs::recompute::what_if(
                &app.store,
                &app.rules.wellbeing,
                &draft,
                &app.rules.legal,
                as_of,
                &job.options(),
            )
            .await?;
            println!(
                "what-if on {as_of}: methodology {} → draft {}: {} families evaluated, {} would change level ({} failed), {:.1} s",
                w.current_version, w.draft_version, w.families, w.changed(), w.failed, w.seconds
            );
            for ((a, b), n) in &w.transitions {
                if a != b {
                    println!("  {a} → {b}: {n}");
                }
            }
            let mut current: std::collections::BTreeMap<String, u64> = Default::default();
            let mut draft: std::collections::BTreeMap<String, u64> = Default::default();
            for ((a, b), n) in &w.transitions {
                *current.entry(a.to_string()).or_default() += *n;
                *draft.entry(b.to_string()).or_default() += *n;
            }
            println!("levels now:       {}", level_counts(&current));
            println!("levels by draft:  {}", level_counts(&draft));
        }
        Command::Proactive(cmd) => {
            let db = open_db(&cli.db).await?;
            let app = app_context(&cli.db, db.store.clone())?;
            match cmd {
                ProactiveCommand::Run { sms } => {
                    let r = family_card::proactive::run_campaign(
                        &app.store,
                        &app.proactive,
                        &app.titles,
                        &sms.gateway(),
                        chrono::Utc::now(),
                    )
                    .await?;
                    println!("{}", serde_json::to_string_pretty(&r)?);
                }
                ProactiveCommand::Dispatch { sms } => {
                    let mut r = family_card::proactive::CampaignReport::default();
                    family_card::proactive::dispatch(
                        &app.store,
                        &app.proactive,
                        &sms.gateway(),
                        &mut r,
                        chrono::Utc::now(),
                    )
                    .await?;
                    println!(
                        "sent {}, failed attempts {}, given up {}",
                        r.sent, r.send_failures, r.gave_up
                    );
                }
                ProactiveCommand::Report => {
                    let line = |cells: [&dyn std::fmt::Display; 11]| {
                        let mut l = format!("{:<28}", cells[0].to_string());
                        for c in &cells[1..] {
                            l.push_str(&format!(" {:>9}", c.to_string()));
                        }
                        println!("{l}");
                    };
                    line([
                        &"benefit",
                        &"detected",
                        &"no offer",
                        &"notified",
                        &"replied",
                        &"consented",
                        &"refused",
                        &"expired",
                        &"assigned",
                        &"ordered",
                        &"amount ₸",
                    ]);
                    let figures = family_card::proactive::figures(&app.store).await?;
                    for f in &figures {
                        line([
                            &f.benefit,
                            &f.detected,
                            &f.awaiting_offer,
                            &f.notified,
                            &f.replied,
                            &f.consented,
                            &f.refused,
                            &f.expired,
                            &f.assigned,
                            &f.payment_ordered,
                            &f.amount_kzt,
                        ]);
                    }
                    if figures.is_empty() {
                        println!("nothing detected yet: run `family-card detect`, then `family-card proactive run`");
                    } else {
                        let waiting: i64 = figures.iter().map(|f| f.awaiting_offer).sum();
                        println!(
                            "{} entitlements detected, {waiting} without an offer yet{}",
                            figures.iter().map(|f| f.detected).sum::<i64>(),
                            if waiting > 0 {
                                " (`family-card proactive run` makes them)"
                            } else {
                                ""
                            }
                        );
                    }
                }
                ProactiveCommand::ExportPayments { out } => {
                    let mut f = std::io::BufWriter::new(
                        std::fs::File::create(&out)
                            .with_context(|| format!("creating {}", out.display()))?,
                    );
                    let n =
                        family_card::proactive::export_payment_orders(&app.store, &mut f).await?;
                    std::io::Write::flush(&mut f)?;
                    println!("{n} payment orders written to {}", out.display());
                }
            }
        }
        Command::Cards { as_of } => {
            let db = open_db(&cli.db).await?;
            let as_of = as_of.unwrap_or_else(today);
            let started = std::time::Instant::now();
            let cards =
                family_card::family_cards::materialise_family_cards(&db.store, as_of).await?;
            println!(
                "family cards materialised as of {as_of}: {cards} ({:.1} s)",
                started.elapsed().as_secs_f64()
            );
        }
        Command::Export(ExportCommand::Neo4jAdmin { from, out }) => {
            existing(&from, "--from")?;
            let ctx = family_card::ingest::Context::on(family_card::ingest::kazakhstan_today());
            let s = family_card::export::export_neo4j_admin(&from, &out, &ctx)?;
            for (f, n) in &s.files {
                println!("{f:<44} {n:>10}");
            }
            println!(
                "{} lines read, {} rejected ({}), in {:.1} s ({:.0} records/s)\nimport with:\n  neo4j-admin database import full neo4j --id-type=string {}",
                s.read,
                s.rejected,
                out.join("rejects.ndjson").display(),
                s.seconds,
                s.read as f64 / s.seconds.max(1e-9),
                s.import_args.join(" ")
            );
        }
        Command::Db => {
            family_card::localdb::announce_as("db");
            let db = open_db(&cli.db).await?;
            if let Some(r) = db.local.as_ref().and_then(|l| l.is_shared()) {
                println!(
                    "graph database of the running `{}` (pid {}) at {}; other commands on this --data-dir use it by themselves",
                    r.command, r.owner_pid, r.bolt_uri
                );
                return Ok(());
            }
            println!(
                "graph database ready at {} (Ctrl-C stops it); other commands on this --data-dir use it by themselves",
                db.store.uri()
            );
            if db.local.is_some() {
                println!(
                    "other commands reach it with --db-uri {} --db-user root --db-password \"$(cat {})\"",
                    db.store.uri(),
                    cli.db.data_dir.join("root-password").display()
                );
            }
            tokio::signal::ctrl_c().await?;
        }
        Command::Load {
            path,
            rejects,
            batch_size,
            writers,
            cards_as_of,
        } => {
            existing(&path, "the extract")?;
            let db = open_db(&cli.db).await?;
            load(
                &db.store,
                &path,
                rejects,
                (batch_size, writers),
                cards_as_of.unwrap_or_else(today),
            )
            .await?;
        }
        Command::BulkLoad {
            path,
            rejects,
            cards_as_of,
            importer,
            keep_export,
        } => {
            existing(&path, "the extract")?;
            bulk_load(
                &cli.db,
                &path,
                rejects,
                cards_as_of.unwrap_or_else(today),
                importer,
                keep_export,
            )
            .await?;
        }
        Command::Token {
            role,
            region,
            subject,
            partner,
            purpose,
            ttl,
        } => {
            anyhow::ensure!(
                family_card::api::policy::Role::parse(&role).is_some(),
                "--role must be one of analyst, investigator, operator, partner, auditor, admin"
            );
            let issuer =
                family_card::api::auth::local::LocalIssuer::open(&cli.db.data_dir.join("secrets"))?;
            let t = issuer.mint(&family_card::api::auth::local::TokenRequest {
                subject,
                role,
                region,
                partner_id: partner,
                purpose,
                ttl: parse_ttl(&ttl)?,
            })?;
            println!("{t}");
        }
        Command::Audit(cmd) => {
            let path = family_card::audit::file_in(&cli.db.data_dir.join("audit"));
            match cmd {
                AuditCommand::Verify => match family_card::audit::verify(&path) {
                    Ok(s) => println!("{}: {} records, chain intact", path.display(), s.records),
                    Err(e) => {
                        eprintln!("{e}");
                        std::process::exit(1);
                    }
                },
                AuditCommand::Export { subject, iin } => {
                    let q = family_card::audit::AuditQuery {
                        subject,
                        iin,
                        limit: usize::MAX,
                        ..Default::default()
                    };
                    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
                    let n = family_card::audit::export(&path, &q, &mut out)?;
                    std::io::Write::flush(&mut out)?;
                    eprintln!("{n} records");
                }
            }
        }
        Command::Serve {
            bind,
            load: extract,
            proactive_every,
            sms_webhook_token,
            sms_webhook_secret,
            auth,
            sms,
            events,
        } => {
            // Before anything starts: a second serve on the data directory, a busy port or a
            // missing extract fails in a second, not after the database came up.
            if cli.db.db_uri.is_none() {
                if let Some(r) = family_card::localdb::running(&cli.db.data_dir) {
                    if r.command == "serve" {
                        anyhow::bail!(
                            "a family-card serve (pid {}) is already running on --data-dir {}: stop it, or use another --data-dir",
                            r.owner_pid,
                            cli.db.data_dir.display()
                        );
                    }
                }
                family_card::localdb::announce_as("serve");
            }
            check_bind(&bind)?;
            if let Some(p) = &extract {
                existing(p, "--load")?;
            }
            let mut settings = family_card::app::Settings::local(&cli.db.data_dir)?;
            settings.bind = bind;
            settings.limits.introspection = auth.graphql_introspection;
            settings.limits.rate_per_second = auth.rate_limit;
            settings.limits.rate_burst = auth.rate_limit * 2.0;
            settings.events.enabled = events.event_worker;
            settings.events.allowed_hosts = (!events.webhook_allowed_hosts.is_empty())
                .then_some(events.webhook_allowed_hosts.clone());
            settings.events.allow_private_networks = events.webhook_allow_private_networks;
            settings.events.retry_base =
                std::time::Duration::from_secs(events.webhook_retry_base_secs.max(1));
            settings.events.max_attempts = events.webhook_max_attempts.max(1);
            if let Some(issuer) = auth.auth_issuer.clone() {
                settings.auth = family_card::app::AuthSettings::External {
                    issuer,
                    audience: auth.auth_audience.clone(),
                    jwks_url: auth.auth_jwks_url.clone(),
                };
            }
            settings.webhook = family_card::api::webhook::WebhookAuth::from_config(
                sms_webhook_token.as_deref(),
                sms_webhook_secret.as_deref(),
            )
            .map_err(anyhow::Error::msg)?;
            let db = open_db(&cli.db).await?;
            if let Some(p) = extract {
                load(&db.store, &p, None, (5_000, 1), today()).await?;
            }
            let base = app_context(&cli.db, db.store.clone())?;
            let application = family_card::app::Application::build(
                settings,
                db.store.clone(),
                (*base.rules).clone(),
                (*base.proactive).clone(),
            )
            .await?;
            let app = application.app.clone();
            if proactive_every > 0 {
                let app = app.clone();
                let gateway = sms.gateway();
                tracing::info!(every_s = proactive_every, gateway = %gateway.describe(), "proactive scheduler on");
                tokio::spawn(async move {
                    let mut tick =
                        tokio::time::interval(std::time::Duration::from_secs(proactive_every));
                    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                    loop {
                        tick.tick().await;
                        match family_card::proactive::run_campaign(
                            &app.store,
                            &app.proactive,
                            &app.titles,
                            &gateway,
                            chrono::Utc::now(),
                        )
                        .await
                        {
                            Ok(r) => tracing::info!(report = ?r, "proactive campaign run"),
                            Err(e) => tracing::error!(error = %e, "proactive campaign run failed"),
                        }
                    }
                });
            }
            let port = application.port;
            say!("family-card API: http://127.0.0.1:{port}/ (GraphiQL), http://127.0.0.1:{port}/dashboard (dashboard), POST http://127.0.0.1:{port}/graphql; Ctrl-C stops");
            match &app.local_issuer {
                Some(issuer) => {
                    let token = issuer.mint(&family_card::api::auth::local::TokenRequest {
                        subject: "local-analyst".into(),
                        role: "analyst".into(),
                        region: "*".into(),
                        partner_id: None,
                        purpose: None,
                        ttl: std::time::Duration::from_secs(12 * 3600),
                    })?;
                    say!("sign in (analyst, national scope, 12 h): open http://127.0.0.1:{port}/#token={token}");
                    say!("  dashboard: http://127.0.0.1:{port}/dashboard#token={token}");
                    say!("  or send  Authorization: Bearer {token}");
                    say!("  more tokens: family-card token --role investigator|operator|partner|auditor|admin --region '*' --subject NAME [--purpose CASE-ID]");
                }
                None => say!("tokens: from the identity provider {}", app.auth.issuer()),
            }
            say!("SMS webhook /sms/inbound: {}", app.webhook.describe());
            application
                .run_until(async {
                    let _ = tokio::signal::ctrl_c().await;
                })
                .await?;
            tracing::info!("shutting down");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn every_option_and_command_has_help_text() {
        fn walk(c: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for a in c.get_arguments() {
                let id = a.get_id().as_str();
                if id == "help" || id == "version" {
                    continue;
                }
                if a.get_help().is_none() && a.get_long_help().is_none() {
                    missing.push(format!("{path} {id}"));
                }
            }
            for s in c.get_subcommands() {
                if s.get_name() == "help" {
                    continue;
                }
                if s.get_about().is_none() {
                    missing.push(format!("{path} {} (command)", s.get_name()));
                }
                walk(s, &format!("{path} {}", s.get_name()), missing);
            }
        }
        let mut missing = vec![];
        walk(&Cli::command(), "family-card", &mut missing);
        assert!(missing.is_empty(), "no help text: {missing:#?}");
    }

    #[test]
    fn global_options_are_listed_apart_from_a_commands_own() {
        let mut cmd = Cli::command();
        cmd.build();
        let serve = cmd.find_subcommand_mut("serve").unwrap();
        let help = serve.render_help().to_string();
        let global = help
            .find("Global options")
            .unwrap_or_else(|| panic!("{help}"));
        assert!(help.find("--bind").unwrap() < global, "{help}");
        assert!(help.find("--db-uri").unwrap() > global, "{help}");
    }

    #[test]
    fn a_busy_port_fails_at_once_naming_the_flag_and_the_variable() {
        let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = held.local_addr().unwrap().to_string();
        let started = std::time::Instant::now();
        let e = check_bind(&addr).unwrap_err().to_string();
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        assert!(e.contains("already in use"), "{e}");
        assert!(
            e.contains("--bind") && e.contains("FAMILY_CARD_BIND"),
            "{e}"
        );
        assert!(!e.contains('\n'), "one line: {e}");
        drop(held);
        assert!(check_bind(&addr).is_ok());
        let bad = check_bind("localhost").unwrap_err().to_string();
        assert!(bad.contains("--bind") && bad.contains("HOST:PORT"), "{bad}");
    }

    #[test]
    fn a_missing_path_says_it_does_not_exist() {
        let e = existing(std::path::Path::new("no/such/extract"), "--load")
            .unwrap_err()
            .to_string();
        assert_eq!(e, "--load no/such/extract: does not exist");
    }
}
