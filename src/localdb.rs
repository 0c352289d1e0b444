//! The local graph database, managed by the service: ArcadeDB with its Bolt plugin, from the
//! PyPI wheel `arcadedb-embedded` (server jars + a JRE), for development and CI where no Neo4j
//! can be installed. Production points the same binary at Neo4j 5 with `--db-uri`.
//!
//! `LocalDb::start` installs the wheel into a cache directory if missing (`pip install --no-deps
//! --target`), starts the server on free 127.0.0.1 ports with a persistent data directory, waits
//! until Bolt answers, and stops the server when the handle is dropped.
//!
//! One database per data directory. While `serve` or `db` runs ([`announce_as`]), the data
//! directory holds a record of how to reach its database ([`RUNNING_RECORD`]: the owner's pid,
//! the server's pid and Bolt URI; the password stays in `root-password`), and `LocalDb::start` on
//! that directory in any other process uses that database instead of starting a second one
//! ([`LocalDb::is_shared`]; dropping a shared handle stops nothing). A record whose processes are
//! gone is stale: it is removed and a server started as usual.

use crate::store::{DbConfig, Store};
use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The vertex type `Neo4jImporter` makes the parent of every label's type, as a literal, so
/// the administrative statements about it are constants (`concat!`), not formatted strings.
macro_rules! importer_root {
    () => {
        "~NO_LABEL~"
    };
}
const IMPORTER_ROOT_TYPE: &str = importer_root!();
/// The importer's unique index on its `id`.
const IMPORTER_ID_INDEX: &str = concat!(importer_root!(), "[id]");

pub const ARCADEDB_WHEEL: &str = "arcadedb-embedded==26.10.2.post1";
const INSTALL_DIR_NAME: &str = "arcadedb-embedded-26.10.2.post1";
const DATABASE: &str = "graph";

/// The file in a data directory that tells other commands where the running database is.
pub const RUNNING_RECORD: &str = "running.json";

/// How to reach the database a running `serve` or `db` started on a data directory.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RunningRecord {
    /// The command that owns the database (`serve` or `db`).
    pub command: String,
    /// Its process id.
    pub owner_pid: u32,
    /// The database server's process id.
    pub db_pid: u32,
    pub bolt_uri: String,
    pub http_port: u16,
    pub started_at: String,
}

static ANNOUNCE: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Makes the local database this process starts known to the other commands on its data
/// directory (`serve`, `db`: long-running owners). Other commands only use a record, never
/// write one.
pub fn announce_as(command: &str) {
    let _ = ANNOUNCE.set(command.to_string());
}

fn alive(pid: u32) -> bool {
    if pid == 0 || pid > i32::MAX as u32 {
        return false;
    }
    // Signal 0: no signal sent, only whether the process exists (EPERM: it does, not ours).
    let r = unsafe { libc::kill(pid as i32, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// The record of the database running on `data_dir`, if its processes are alive. A stale record
/// (owner or server gone) is removed.
pub fn running(data_dir: &Path) -> Option<RunningRecord> {
    let p = data_dir.join(RUNNING_RECORD);
    let text = std::fs::read_to_string(&p).ok()?;
    match serde_json::from_str::<RunningRecord>(&text) {
        Ok(r) if r.owner_pid != std::process::id() && alive(r.owner_pid) && alive(r.db_pid) => {
            Some(r)
        }
        Ok(r) if r.owner_pid == std::process::id() => None,
        other => {
            let _ = std::fs::remove_file(&p);
            tracing::info!(record = %p.display(), owner_pid = other.as_ref().map(|r| r.owner_pid).unwrap_or(0),
                "removed a stale record of a local database (its process is gone)");
            None
        }
    }
}

fn write_record(data_dir: &Path, r: &RunningRecord) -> Result<(), LocalDbError> {
    let p = data_dir.join(RUNNING_RECORD);
    let tmp = data_dir.join(format!("{RUNNING_RECORD}.tmp-{}", std::process::id()));
    let text = serde_json::to_string_pretty(r).expect("record serialises");
    std::fs::write(&tmp, text).map_err(io_err(&tmp))?;
    std::fs::rename(&tmp, &p).map_err(io_err(&p))
}

#[derive(Debug, Clone)]
pub struct LocalDbOptions {
    /// Where the wheel is installed (shared between data directories).
    pub cache_dir: PathBuf,
    /// The database files, the root password and the server log.
    pub data_dir: PathBuf,
    /// JVM heap, e.g. `1g`.
    pub heap: String,
}

#[derive(Debug, thiserror::Error)]
pub enum LocalDbError {
    #[error("installing {ARCADEDB_WHEEL} with pip failed ({0}); is python3 with pip available? Set FAMILY_CARD_PYTHON to choose the interpreter")]
    Install(String),
    #[error("local database I/O error at {path}: {cause}")]
    Io {
        path: PathBuf,
        cause: std::io::Error,
    },
    /// `log`: the cause in one line (see [`summarise_log`]), then the log file's path.
    #[error("the local ArcadeDB did not become ready within {secs} s: {log}")]
    NotReady { secs: u64, log: String },
    #[error("the local ArcadeDB exited during start-up ({status}): {log}")]
    Exited { status: String, log: String },
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> LocalDbError + '_ {
    move |cause| LocalDbError::Io {
        path: path.to_path_buf(),
        cause,
    }
}

/// A running local ArcadeDB. Dropping it stops the server.
pub struct LocalDb {
    owner: Option<std::thread::JoinHandle<()>>,
    stop: Option<std::sync::mpsc::Sender<()>>,
    exited: std::sync::Mutex<std::sync::mpsc::Receiver<String>>,
    pid: u32,
    config: DbConfig,
    http_port: u16,
    log_path: PathBuf,
    /// Another process's database (from its record): dropping this handle stops nothing.
    shared: Option<RunningRecord>,
    /// The record this process wrote (removed when it stops).
    record: Option<PathBuf>,
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// The default cache directory for the wheel: `$FAMILY_CARD_CACHE`, else `~/.cache/family-card`.
pub fn default_cache_dir() -> PathBuf {
    if let Ok(d) = std::env::var("FAMILY_CARD_CACHE") {
        return PathBuf::from(d);
    }
    let home = std::env::var("HOME").unwrap_or_else(|_| ".".into());
    PathBuf::from(home).join(".cache").join("family-card")
}

/// Installs the wheel into the cache if it is not there yet; returns the package directory.
pub fn ensure_installed(cache_dir: &Path) -> Result<PathBuf, LocalDbError> {
    let target = cache_dir.join(INSTALL_DIR_NAME);
    let pkg = target.join("arcadedb_embedded");
    if pkg.join("jre/bin/java").is_file() && pkg.join("jars").is_dir() {
        return Ok(pkg);
    }
    std::fs::create_dir_all(cache_dir).map_err(io_err(cache_dir))?;
    let tmp = cache_dir.join(format!("{INSTALL_DIR_NAME}.tmp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let python = std::env::var("FAMILY_CARD_PYTHON").unwrap_or_else(|_| "python3".into());
    tracing::info!(wheel = ARCADEDB_WHEEL, dir = %target.display(), "installing the local graph database");
    let out = Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--target",
        ])
        .arg(&tmp)
        .arg(ARCADEDB_WHEEL)
        .output()
        .map_err(|e| LocalDbError::Install(format!("cannot run {python}: {e}")))?;
    if !out.status.success() {
        return Err(LocalDbError::Install(
            String::from_utf8_lossy(&out.stderr).trim().to_string(),
        ));
    }
    // Another process may have finished first; either copy is complete.
    if std::fs::rename(&tmp, &target).is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    if !pkg.join("jre/bin/java").is_file() {
        return Err(LocalDbError::Install(format!(
            "the wheel installed but {} has no jre/bin/java",
            pkg.display()
        )));
    }
    Ok(pkg)
}

fn read_or_create_password(data_dir: &Path) -> Result<String, LocalDbError> {
    let p = data_dir.join("root-password");
    if let Ok(s) = std::fs::read_to_string(&p) {
        let s = s.trim().to_string();
        if s.len() >= 8 {
            return Ok(s);
        }
    }
    let mut bytes = [0u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(io_err(Path::new("/dev/urandom")))?;
    let pw: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    std::fs::write(&p, &pw).map_err(io_err(&p))?;
    Ok(pw)
}

/// Java's log in one line: the deepest cause it names (the last `Caused by:`, else the last
/// exception or SEVERE/ERROR line, else the last line), then where the whole log is.
pub fn summarise_log(text: &str, path: &Path) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let pick = lines
        .iter()
        .rev()
        .find(|l| l.starts_with("Caused by:"))
        .or_else(|| {
            lines.iter().rev().find(|l| {
                (l.contains("Exception") || l.contains("Error:") || l.contains("SEVERE"))
                    && !l.starts_with("at ")
            })
        })
        .or_else(|| lines.last());
    let mut cause = pick
        .map(|l| l.trim_start_matches("Caused by:").trim().to_string())
        .unwrap_or_else(|| "no log output".into());
    if cause.chars().count() > 300 {
        cause = cause.chars().take(300).collect::<String>() + "…";
    }
    format!("{cause} (full log: {})", path.display())
}

fn log_summary(path: &Path) -> String {
    summarise_log(&std::fs::read_to_string(path).unwrap_or_default(), path)
}

impl LocalDb {
    /// Installs if needed, starts the server and waits until it answers Bolt queries.
    pub async fn start(opts: &LocalDbOptions) -> Result<LocalDb, LocalDbError> {
        if let Some(db) = Self::attach(&opts.data_dir).await {
            return Ok(db);
        }
        let cache = opts.cache_dir.clone();
        let pkg = tokio::task::spawn_blocking(move || ensure_installed(&cache))
            .await
            .expect("install task")?;
        let data = &opts.data_dir;
        std::fs::create_dir_all(data.join("databases")).map_err(io_err(data))?;
        let data = std::fs::canonicalize(data).map_err(io_err(data))?;
        let password = read_or_create_password(&data)?;
        let port = |_| LocalDbError::Io {
            path: data.clone(),
            cause: std::io::Error::other("no free port"),
        };
        let bolt_port = free_port().map_err(port)?;
        let http_port = free_port().map_err(port)?;
        let log_path = data.join("server.log");
        let log = std::fs::File::create(&log_path).map_err(io_err(&log_path))?;
        let log2 = log.try_clone().map_err(io_err(&log_path))?;
        let mut cmd = Command::new(pkg.join("jre/bin/java"));
        cmd.arg(format!("-Xmx{}", opts.heap))
            .arg("-cp")
            .arg(format!("{}/*", pkg.join("jars").display()))
            .arg(format!("-Darcadedb.server.rootPath={}", data.display()))
            .arg(format!(
                "-Darcadedb.server.databaseDirectory={}",
                data.join("databases").display()
            ))
            .arg(format!("-Darcadedb.server.rootPassword={password}"))
            .arg("-Darcadedb.server.mode=development")
            .arg("-Darcadedb.server.httpIncomingHost=127.0.0.1")
            .arg(format!("-Darcadedb.server.httpIncomingPort={http_port}"))
            .arg("-Darcadedb.server.plugins=Bolt:com.arcadedb.bolt.BoltProtocolPlugin")
            .arg("-Darcadedb.bolt.host=127.0.0.1")
            .arg(format!("-Darcadedb.bolt.port={bolt_port}"))
            .arg(format!(
                "-Darcadedb.server.defaultDatabases={DATABASE}[root]"
            ))
            .arg(format!("-Darcadedb.bolt.defaultDatabase={DATABASE}"))
            .arg("com.arcadedb.server.ArcadeDBServer")
            // ArcadeDB writes its `log/` folder into the working directory: keep it in the data dir.
            .current_dir(&data)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2);
        // The server is spawned and owned by a dedicated thread that lives as long as this
        // handle: PR_SET_PDEATHSIG fires when the spawning *thread* exits, so spawning from a
        // short-lived thread (a test, a blocking pool worker) would stop the server early.
        let (pid_tx, pid_rx) = std::sync::mpsc::channel::<std::io::Result<u32>>();
        let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
        let (exit_tx, exit_rx) = std::sync::mpsc::channel::<String>();
        let owner = std::thread::Builder::new()
            .name("arcadedb-owner".into())
            .spawn(move || {
                #[cfg(target_os = "linux")]
                unsafe {
                    use std::os::unix::process::CommandExt;
                    cmd.pre_exec(|| {
                        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
                        Ok(())
                    });
                }
                let mut child = match cmd.spawn() {
                    Ok(c) => c,
                    Err(e) => {
                        let _ = pid_tx.send(Err(e));
                        return;
                    }
                };
                let _ = pid_tx.send(Ok(child.id()));
                loop {
                    if let Ok(Some(status)) = child.try_wait() {
                        let _ = exit_tx.send(status.to_string());
                        return;
                    }
                    match stop_rx.recv_timeout(Duration::from_millis(200)) {
                        Ok(()) | Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
                        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                    }
                }
                terminate(&mut child);
            })
            .map_err(io_err(&pkg))?;
        let pid = pid_rx
            .recv()
            .map_err(|_| LocalDbError::Io {
                path: pkg.clone(),
                cause: std::io::Error::other("server owner thread died"),
            })?
            .map_err(io_err(&pkg))?;
        // Another process may have started one meanwhile: the record is written only after this
        // server is ready, so the later of two racing starts fails on the database's own lock.
        let mut db = LocalDb {
            shared: None,
            record: None,
            owner: Some(owner),
            stop: Some(stop_tx),
            exited: std::sync::Mutex::new(exit_rx),
            pid,
            config: DbConfig {
                uri: format!("bolt://127.0.0.1:{bolt_port}"),
                user: "root".into(),
                password: password.into(),
                database: None,
                max_connections: 16,
            },
            http_port,
            log_path,
        };
        db.wait_ready(Duration::from_secs(120)).await?;
        tracing::info!(uri = %db.config.uri, data = %data.display(), "local ArcadeDB ready");
        if let Some(command) = ANNOUNCE.get() {
            let r = RunningRecord {
                command: command.clone(),
                owner_pid: std::process::id(),
                db_pid: db.pid,
                bolt_uri: db.config.uri.clone(),
                http_port,
                started_at: chrono::Utc::now().to_rfc3339(),
            };
            write_record(&data, &r)?;
            db.record = Some(data.join(RUNNING_RECORD));
        }
        Ok(db)
    }

    /// The database another process runs on `data_dir` (its record), if it answers.
    async fn attach(data_dir: &Path) -> Option<LocalDb> {
        let r = running(data_dir)?;
        let password = std::fs::read_to_string(data_dir.join("root-password")).ok()?;
        let config = DbConfig {
            uri: r.bolt_uri.clone(),
            user: "root".into(),
            password: password.trim().to_string().into(),
            database: None,
            max_connections: 16,
        };
        if let Err(e) = Store::connect(&config).await {
            tracing::warn!(uri = %r.bolt_uri, error = %e, "the recorded local database does not answer; starting another is not possible while its process runs");
            return None;
        }
        tracing::info!(uri = %r.bolt_uri, command = %r.command, pid = r.owner_pid,
            "using the database of the running `{}` on this data directory", r.command);
        let (_tx, exit_rx) = std::sync::mpsc::channel::<String>();
        Some(LocalDb {
            owner: None,
            stop: None,
            exited: std::sync::Mutex::new(exit_rx),
            pid: r.db_pid,
            config,
            http_port: r.http_port,
            log_path: data_dir.join("server.log"),
            shared: Some(r),
            record: None,
        })
    }

    /// The running process whose database this handle uses, when it is not this process's own.
    pub fn is_shared(&self) -> Option<&RunningRecord> {
        self.shared.as_ref()
    }

    async fn wait_ready(&mut self, limit: Duration) -> Result<(), LocalDbError> {
        let started = Instant::now();
        loop {
            let exited = self
                .exited
                .lock()
                .map(|r| r.try_recv().ok())
                .unwrap_or(None);
            if let Some(status) = exited {
                return Err(LocalDbError::Exited {
                    status,
                    log: log_summary(&self.log_path),
                });
            }
            if tokio::net::TcpStream::connect(self.config.uri.trim_start_matches("bolt://"))
                .await
                .is_ok()
                && Store::connect(&self.config).await.is_ok()
            {
                return Ok(());
            }
            if started.elapsed() > limit {
                return Err(LocalDbError::NotReady {
                    secs: limit.as_secs(),
                    log: log_summary(&self.log_path),
                });
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }

    pub fn db_config(&self) -> DbConfig {
        self.config.clone()
    }

    pub fn http_port(&self) -> u16 {
        self.http_port
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Stops the server and waits for it to exit (flushes the database files).
    pub fn stop(&mut self) {
        if let Some(p) = self.record.take() {
            // Only our own record (a later owner may have replaced a record we left stale).
            let ours = std::fs::read_to_string(&p)
                .ok()
                .and_then(|t| serde_json::from_str::<RunningRecord>(&t).ok())
                .is_some_and(|r| r.owner_pid == std::process::id());
            if ours {
                let _ = std::fs::remove_file(&p);
            }
        }
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.owner.take() {
            let _ = t.join();
        }
    }
}

/// The directory of the database a data directory holds (`databases/graph`).
pub fn database_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("databases").join(DATABASE)
}

/// One run of ArcadeDB's importer.
#[derive(Debug, Clone)]
pub struct ImportRun {
    pub seconds: f64,
    /// The importer process's peak resident memory (`VmHWM`), in bytes.
    pub peak_rss_bytes: u64,
    /// Its output (the importer's own summary at the end).
    pub log: PathBuf,
}

/// The peak resident memory (`VmHWM`) of a process, in bytes.
pub fn peak_rss_bytes(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Imports an APOC-style JSONL file (`export::apoc_jsonl`) into a NEW database of `data_dir` with
/// ArcadeDB's `Neo4jImporter`, run as its own process while no server has the database open
/// (the fastest path it offers: no WAL, edges sorted per vertex). Fails if the database exists.
pub fn import_neo4j_jsonl(
    cache_dir: &Path,
    data_dir: &Path,
    jsonl: &Path,
    heap: &str,
) -> Result<ImportRun, LocalDbError> {
    let pkg = ensure_installed(cache_dir)?;
    let db = database_dir(data_dir);
    if db.exists() {
        return Err(LocalDbError::Io {
            path: db,
            cause: std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "a bulk load needs a fresh database; this data directory already has one",
            ),
        });
    }
    std::fs::create_dir_all(data_dir.join("databases")).map_err(io_err(data_dir))?;
    let log_path = data_dir.join("import.log");
    let log = std::fs::File::create(&log_path).map_err(io_err(&log_path))?;
    let log2 = log.try_clone().map_err(io_err(&log_path))?;
    let started = Instant::now();
    let mut child = Command::new(pkg.join("jre/bin/java"))
        .arg(format!("-Xmx{heap}"))
        .arg("-cp")
        .arg(format!("{}/*", pkg.join("jars").display()))
        .arg("com.arcadedb.integration.importer.Neo4jImporter")
        .arg("-i")
        .arg(jsonl)
        .arg("-d")
        .arg(&db)
        // Amounts are whole numbers; a fraction stays a double, as over Bolt.
        .args(["-decimalType", "double"])
        .current_dir(data_dir)
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log2)
        .spawn()
        .map_err(io_err(&pkg))?;
    let pid = child.id();
    let mut peak = 0;
    let status = loop {
        peak = peak.max(peak_rss_bytes(pid).unwrap_or(0));
        match child.try_wait().map_err(io_err(&pkg))? {
            Some(status) => break status,
            None => std::thread::sleep(Duration::from_millis(100)),
        }
    };
    let text = std::fs::read_to_string(&log_path).unwrap_or_default();
    // The importer reports problems in its log and still exits 0: any error is a failure.
    let clean = text.contains("completed in") && text.contains("with 0 errors and 0 warnings");
    if !status.success() || !clean {
        return Err(LocalDbError::Exited {
            status: format!("importer {status}"),
            log: summarise_log(&text, &log_path),
        });
    }
    Ok(ImportRun {
        seconds: started.elapsed().as_secs_f64(),
        peak_rss_bytes: peak,
        log: log_path,
    })
}

impl LocalDb {
    /// Runs one SQL command on the database over the server's HTTP API (administration the
    /// Cypher subset cannot express: the importer's schema, `IMPORT DATABASE`). Returns the
    /// answer's `result`.
    pub async fn sql(&self, command: &str) -> Result<serde_json::Value, LocalDbError> {
        let url = format!(
            "http://127.0.0.1:{}/api/v1/command/{DATABASE}",
            self.http_port
        );
        let fail = |cause: String| LocalDbError::Io {
            path: PathBuf::from(&url),
            cause: std::io::Error::other(cause),
        };
        let resp = reqwest::Client::new()
            .post(&url)
            .basic_auth(&self.config.user, Some(self.config.password.expose()))
            .json(&serde_json::json!({"language": "sql", "command": command}))
            .send()
            .await
            .map_err(|e| fail(e.to_string()))?;
        let status = resp.status();
        let body: serde_json::Value = resp.json().await.map_err(|e| fail(e.to_string()))?;
        if !status.is_success() {
            return Err(fail(format!(
                "{status}: {} {}",
                body["exception"].as_str().unwrap_or(""),
                body["detail"].as_str().unwrap_or("")
            )));
        }
        Ok(body["result"].clone())
    }

    /// Removes what `Neo4jImporter` adds to every vertex and `load` never writes: the `id`
    /// property (the JSONL's node id), its unique index and its schema property, all on the
    /// importer's root type (every imported vertex type extends it; `labels()` never shows it).
    /// In batches, so no single transaction holds the whole graph.
    pub async fn remove_importer_ids(&self) -> Result<(), LocalDbError> {
        let root = IMPORTER_ROOT_TYPE;
        let indexes = self
            .sql("SELECT name, typeName FROM schema:indexes")
            .await?;
        let has_index = indexes
            .as_array()
            .into_iter()
            .flatten()
            .any(|i| i["typeName"] == root && i["name"].as_str() == Some(IMPORTER_ID_INDEX));
        if has_index {
            self.sql(concat!("DROP INDEX `", importer_root!(), "[id]`"))
                .await?;
        }
        // One constant statement over the root type, which is polymorphic (every imported label's
        // type extends it), a bounded batch at a time so no single transaction holds the whole
        // graph; type names are never spliced into the text.
        loop {
            let result = self
                .sql(concat!(
                    "UPDATE `",
                    importer_root!(),
                    "` REMOVE id WHERE id IS NOT NULL LIMIT 50000"
                ))
                .await?;
            let Some(updated) = result[0]["count"].as_u64() else {
                return Err(LocalDbError::Io {
                    path: self.log_path.clone(),
                    cause: std::io::Error::other(format!(
                        "removing the importer's ids answered no count: {result}"
                    )),
                });
            };
            if updated == 0 {
                break;
            }
        }
        let root_props = self
            .sql(concat!(
                "SELECT properties FROM schema:types WHERE name = '",
                importer_root!(),
                "'"
            ))
            .await?;
        if root_props.to_string().contains("\"id\"") {
            self.sql(concat!("DROP PROPERTY `", importer_root!(), "`.id"))
                .await?;
        }
        Ok(())
    }
}

/// SIGTERM, up to 20 s for a clean exit, then SIGKILL.
fn terminate(c: &mut Child) {
    unsafe {
        libc::kill(c.id() as i32, libc::SIGTERM);
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = c.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = c.kill();
    let _ = c.wait();
}

impl Drop for LocalDb {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stale_record_is_detected_and_cleared() {
        let d = tempfile::tempdir().unwrap();
        // A pid that is gone: a child that has exited and been reaped.
        let mut child = Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        let r = RunningRecord {
            command: "serve".into(),
            owner_pid: dead,
            db_pid: dead,
            bolt_uri: "bolt://127.0.0.1:1".into(),
            http_port: 1,
            started_at: "2026-01-01T00:00:00Z".into(),
        };
        write_record(d.path(), &r).unwrap();
        assert!(running(d.path()).is_none());
        assert!(!d.path().join(RUNNING_RECORD).exists(), "stale record left");
        // A live one (this test's parent process stands in for the owner) is returned.
        let live = RunningRecord {
            owner_pid: std::os::unix::process::parent_id(),
            db_pid: std::os::unix::process::parent_id(),
            ..r
        };
        write_record(d.path(), &live).unwrap();
        assert_eq!(running(d.path()), Some(live));
        // Garbage is stale too.
        std::fs::write(d.path().join(RUNNING_RECORD), "not json").unwrap();
        assert!(running(d.path()).is_none());
        assert!(!d.path().join(RUNNING_RECORD).exists());
    }

    #[test]
    fn a_java_log_is_summarised_by_its_deepest_cause() {
        let log = "INFO starting\n\
            SEVERE Error on starting server\n\
            com.arcadedb.exception.DatabaseOperationException: Error on creating new database 'graph'\n\
            \tat com.arcadedb.server.ArcadeDBServer.start(ArcadeDBServer.java:120)\n\
            Caused by: java.nio.channels.OverlappingFileLockException: the database is locked by another process\n\
            \tat java.base/sun.nio.ch.FileLockTable.checkList(FileLockTable.java:229)\n";
        let s = summarise_log(log, Path::new("/d/server.log"));
        assert_eq!(
            s,
            "java.nio.channels.OverlappingFileLockException: the database is locked by another \
             process (full log: /d/server.log)"
        );
        assert_eq!(
            summarise_log("", Path::new("x.log")),
            "no log output (full log: x.log)"
        );
    }
}
