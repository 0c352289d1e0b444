//! The audit trail: who read or changed what, kept where it survives restarts and where tampering
//! shows.
//!
//! One JSON line per API operation in `<audit dir>/audit.ndjson`, appended by a single writer
//! thread (or, when the trail is not synced, by each request under one lock). Each record carries `seq`, the previous record's hash and its own hash (SHA-256 over the
//! previous hash and the record's canonical JSON without `hash`), so deleting, inserting or
//! editing any line breaks the chain from there on ([`verify`]). Records are serde-encoded:
//! a newline or quote in an argument is escaped, never a new line. Writes are grouped: the
//! writer takes every record waiting, appends them, syncs the file once, then answers each
//! request; a request is answered only after its record is on disk, and fails if it cannot be.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use tokio::sync::{mpsc, oneshot};

/// One check of one object inside an operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditAccess {
    /// e.g. `family_by_iin`, `person`, `offer`, `consent_offer`.
    pub action: String,
    /// The object asked for: an IIN, family id, offer id.
    pub object: String,
    /// `allowed`, `denied_role`, `denied_region`, `denied_no_purpose`, `not_found`, `failed`.
    pub outcome: String,
}

/// A record before the writer numbers and chains it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditDraft {
    pub at: String,
    pub request_id: String,
    pub subject: String,
    pub role: String,
    #[serde(default)]
    pub partner_id: Option<String>,
    /// Purpose or case id declared in the token.
    #[serde(default)]
    pub purpose: Option<String>,
    #[serde(default)]
    pub token_id: Option<String>,
    /// `graphql`, `sms_inbound`, `audit_export`, `auth` …
    pub channel: String,
    #[serde(default)]
    pub operation: Option<String>,
    /// SHA-256 of the query text (the text itself may hold identifiers).
    #[serde(default)]
    pub query_sha256: Option<String>,
    pub accesses: Vec<AuditAccess>,
    /// Every person whose data the operation loaded and let through the gate.
    pub accessed_iins: Vec<String>,
    /// Every full IIN that appears in the answer.
    pub disclosed_iins: Vec<String>,
    /// `ok`, `denied`, `not_found`, `error`, `unauthenticated`, `refused_limit`.
    pub outcome: String,
    /// Whether the operation changed something.
    pub change: bool,
    /// The open case the operation's reads were done under (absent: none). Absent from the
    /// record when none, so records written before it hash alike.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_id: Option<String>,
}

/// A stored record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub seq: u64,
    #[serde(flatten)]
    pub draft: AuditDraft,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditRecord {
    fn compute_hash(seq: u64, draft: &AuditDraft, prev_hash: &str) -> String {
        Self::hashed_line(seq, draft, prev_hash).0
    }

    /// The record's hash and its line as stored (without the newline): the JSON of the record
    /// without `hash` is what is hashed, and the stored line is that JSON with `hash` appended
    /// as its last member — byte for byte what serialising the [`AuditRecord`] gives (a unit
    /// test checks it), with one serialisation instead of two.
    fn hashed_line(seq: u64, draft: &AuditDraft, prev_hash: &str) -> (String, Vec<u8>) {
        #[derive(Serialize)]
        struct Unhashed<'a> {
            seq: u64,
            #[serde(flatten)]
            draft: &'a AuditDraft,
            prev_hash: &'a str,
        }
        let body = serde_json::to_vec(&Unhashed {
            seq,
            draft,
            prev_hash,
        })
        .unwrap_or_default();
        let mut h = Sha256::new();
        h.update(prev_hash.as_bytes());
        h.update(b"\n");
        h.update(&body);
        let hash = hex::encode(h.finalize());
        let mut line = body;
        if line.last() == Some(&b'}') {
            line.pop();
            line.extend_from_slice(b",\"hash\":\"");
            line.extend_from_slice(hash.as_bytes());
            line.extend_from_slice(b"\"}");
        }
        (hash, line)
    }

    /// Whether this record mentions the person (accessed, disclosed or asked for).
    pub fn concerns(&self, iin: &str) -> bool {
        self.draft.accessed_iins.iter().any(|i| i == iin)
            || self.draft.disclosed_iins.iter().any(|i| i == iin)
            || self.draft.accesses.iter().any(|a| a.object == iin)
    }
}

pub const GENESIS: &str = "genesis";

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("the audit trail cannot be written ({path}): {cause}")]
    Write { path: String, cause: String },
    #[error("the audit writer has stopped")]
    Stopped,
    #[error("the audit trail {path} is broken at line {line}: {why}")]
    Broken {
        path: String,
        line: u64,
        why: String,
    },
}

type Job = (AuditDraft, oneshot::Sender<Result<u64, AuditError>>);

/// The handle requests append through. Cheap to clone.
#[derive(Clone)]
pub struct AuditLog {
    to: Appender,
    path: PathBuf,
    writes: std::sync::Arc<WriteTimes>,
}

/// How long each group's write took (`write(2)`, and `fdatasync(2)` when the trail is synced),
/// for benchmarks: at one client this durable write is most of a card's extra time, and it is the
/// disk's time, not the service's (docs/benchmarks.md, "The audit's durable write"). Off until a
/// benchmark turns it on ([`AuditLog::start_timing_writes`]), so a running service neither locks
/// nor keeps anything for it. Bounded: beyond [`WriteTimes::MAX`] samples, new ones are not kept
/// until the next take.
#[derive(Default)]
struct WriteTimes {
    on: std::sync::atomic::AtomicBool,
    times: std::sync::Mutex<Vec<std::time::Duration>>,
}

impl WriteTimes {
    const MAX: usize = 1 << 20;

    fn on(&self) -> bool {
        self.on.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn record(&self, took: std::time::Duration) {
        let mut v = self.times.lock().unwrap_or_else(|p| p.into_inner());
        if v.len() < Self::MAX {
            v.push(took);
        }
    }

    fn take(&self) -> Vec<std::time::Duration> {
        std::mem::take(&mut *self.times.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// Where a record goes. With fsync, to the writer thread, which groups every record waiting
/// into one write and one sync (a sync per request would be the service's floor). Without it
/// there is nothing to group for: the request appends its own record under the lock — one
/// `write(2)` — instead of waking the writer and being woken by its answer, two thread hand-offs
/// that cost more than the write (70–170 µs per request measured, stop 27).
#[derive(Clone)]
enum Appender {
    Grouped(mpsc::Sender<Job>),
    Inline(std::sync::Arc<std::sync::Mutex<Chain>>),
}

impl std::fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditLog")
            .field("path", &self.path)
            .finish()
    }
}

/// The file of an audit directory.
pub fn file_in(dir: &Path) -> PathBuf {
    dir.join("audit.ndjson")
}

impl AuditLog {
    /// Opens (or creates) the trail in `dir` and checks its chain. `sync`: fsync after every
    /// group of records, by a writer thread (off only for benchmarks of the rest; then each
    /// request writes its own record).
    pub fn open(dir: &Path, sync: bool) -> Result<AuditLog, AuditError> {
        let path = file_in(dir);
        let werr = |e: std::io::Error| AuditError::Write {
            path: path.display().to_string(),
            cause: e.to_string(),
        };
        std::fs::create_dir_all(dir).map_err(werr)?;
        let summary = verify(&path)?;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(werr)?;
        let writes = std::sync::Arc::new(WriteTimes::default());
        let chain = Chain {
            file,
            path: path.clone(),
            seq: summary.records,
            prev: summary.last_hash,
            sync,
            writes: writes.clone(),
        };
        let to = if sync {
            let (tx, rx) = mpsc::channel::<Job>(4096);
            std::thread::Builder::new()
                .name("audit-writer".into())
                .spawn(move || writer(rx, chain))
                .map_err(werr)?;
            Appender::Grouped(tx)
        } else {
            Appender::Inline(std::sync::Arc::new(std::sync::Mutex::new(chain)))
        };
        Ok(AuditLog { to, path, writes })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Starts (or restarts) timing each group write, dropping the times kept so far.
    pub fn start_timing_writes(&self) {
        self.writes.take();
        self.writes
            .on
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// The durations of the group writes (write, and sync when synced) since timing started or
    /// since the last call, in the order they happened; the next call starts afresh.
    pub fn take_write_times(&self) -> Vec<std::time::Duration> {
        self.writes.take()
    }

    /// Appends a record; returns its `seq` once it is on disk.
    pub async fn append(&self, draft: AuditDraft) -> Result<u64, AuditError> {
        self.submit(draft).await?.on_disk().await
    }

    /// Hands a record to the writer and returns at once: the caller may do other work (serialise
    /// its answer) while the record is written and synced, and must await
    /// [`PendingRecord::on_disk`] before it answers.
    pub async fn submit(&self, draft: AuditDraft) -> Result<PendingRecord, AuditError> {
        match &self.to {
            Appender::Grouped(to_writer) => {
                let (tx, rx) = oneshot::channel();
                to_writer
                    .send((draft, tx))
                    .await
                    .map_err(|_| AuditError::Stopped)?;
                Ok(PendingRecord(Pending::Waiting(rx)))
            }
            Appender::Inline(chain) => {
                // A poisoned lock means a panic mid-append; the chain's state is still the last
                // group known written (it is restored before any error returns).
                let mut chain = chain.lock().unwrap_or_else(|p| p.into_inner());
                Ok(PendingRecord(Pending::Written(chain.append_one(draft))))
            }
        }
    }
}

/// A record handed to the writer, not yet known to be on disk.
#[must_use = "an answer may leave only once its record is on disk"]
pub struct PendingRecord(Pending);

enum Pending {
    Waiting(oneshot::Receiver<Result<u64, AuditError>>),
    Written(Result<u64, AuditError>),
}

impl PendingRecord {
    /// The record's `seq` once it is on disk, or why it could not be written.
    pub async fn on_disk(self) -> Result<u64, AuditError> {
        match self.0 {
            Pending::Waiting(rx) => rx.await.map_err(|_| AuditError::Stopped)?,
            Pending::Written(r) => r,
        }
    }
}

/// The end of the trail: its file, and the last record's `seq` and hash, which the next one
/// chains from.
struct Chain {
    file: std::fs::File,
    path: PathBuf,
    seq: u64,
    prev: String,
    sync: bool,
    writes: std::sync::Arc<WriteTimes>,
}

impl Chain {
    /// Appends one draft (the inline path): its `seq` once written.
    fn append_one(&mut self, draft: AuditDraft) -> Result<u64, AuditError> {
        self.append_each([(draft, ())])
            .pop()
            .map(|(seq, ())| seq)
            .unwrap_or(Err(AuditError::Stopped))
    }

    /// Appends the drafts in order with one write (and one sync if asked for), each carrying a
    /// tag (the grouped writer's reply channel), and answers each: its `seq`, or why not. A
    /// draft that cannot be serialised fails alone; a failed write fails the whole group, and
    /// the chain continues from the last record known on disk.
    fn append_each<T>(
        &mut self,
        drafts: impl IntoIterator<Item = (AuditDraft, T)>,
    ) -> Vec<(Result<u64, AuditError>, T)> {
        let mut buf = Vec::new();
        let mut numbered = Vec::new();
        let (start_seq, start_prev) = (self.seq, self.prev.clone());
        for (draft, tag) in drafts {
            let (hash, line) = AuditRecord::hashed_line(self.seq + 1, &draft, &self.prev);
            if line.is_empty() {
                numbered.push((Err(self.write_error("record not serialisable")), tag));
                continue;
            }
            self.seq += 1;
            buf.extend_from_slice(&line);
            buf.push(b'\n');
            self.prev = hash;
            numbered.push((Ok(self.seq), tag));
        }
        let sync = self.sync;
        let file = &mut self.file;
        let started = self.writes.on().then(std::time::Instant::now);
        let written = file
            .write_all(&buf)
            .and_then(|_| file.flush())
            .and_then(|_| if sync { file.sync_data() } else { Ok(()) });
        if let Some(started) = started {
            self.writes.record(started.elapsed());
        }
        if let Err(e) = written {
            tracing::error!(path = %self.path.display(), error = %e, "audit trail write failed");
            self.seq = start_seq;
            self.prev = start_prev;
            let cause = e.to_string();
            for (seq, _) in &mut numbered {
                if seq.is_ok() {
                    *seq = Err(self.write_error(&cause));
                }
            }
        }
        numbered
    }

    fn write_error(&self, cause: &str) -> AuditError {
        AuditError::Write {
            path: self.path.display().to_string(),
            cause: cause.to_string(),
        }
    }
}

fn writer(mut rx: mpsc::Receiver<Job>, mut chain: Chain) {
    while let Some(first) = rx.blocking_recv() {
        let mut jobs = vec![first];
        while let Ok(j) = rx.try_recv() {
            jobs.push(j);
            if jobs.len() >= 1024 {
                break;
            }
        }
        for (seq, ack) in chain.append_each(jobs) {
            let _ = ack.send(seq);
        }
    }
}

pub struct VerifySummary {
    pub records: u64,
    pub last_hash: String,
}

/// Checks the whole chain of a trail file (absent = empty).
pub fn verify(path: &Path) -> Result<VerifySummary, AuditError> {
    let mut prev = GENESIS.to_string();
    let mut n = 0u64;
    for_each_record(path, |line, rec| {
        let broken = |why: String| AuditError::Broken {
            path: path.display().to_string(),
            line,
            why,
        };
        let rec = rec.map_err(broken)?;
        if rec.seq != n + 1 {
            return Err(broken(format!("seq {} where {} was due", rec.seq, n + 1)));
        }
        if rec.prev_hash != prev {
            return Err(broken("prev_hash does not match the line before".into()));
        }
        if AuditRecord::compute_hash(rec.seq, &rec.draft, &rec.prev_hash) != rec.hash {
            return Err(broken("hash does not match the record".into()));
        }
        prev = rec.hash;
        n += 1;
        Ok(true)
    })?;
    Ok(VerifySummary {
        records: n,
        last_hash: prev,
    })
}

/// Calls `f` with each line's number and record until it returns `Ok(false)`.
fn for_each_record(
    path: &Path,
    mut f: impl FnMut(u64, Result<AuditRecord, String>) -> Result<bool, AuditError>,
) -> Result<(), AuditError> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(AuditError::Write {
                path: path.display().to_string(),
                cause: e.to_string(),
            })
        }
    };
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| AuditError::Broken {
            path: path.display().to_string(),
            line: i as u64 + 1,
            why: e.to_string(),
        })?;
        let rec = serde_json::from_str::<AuditRecord>(&line).map_err(|e| e.to_string());
        if !f(i as u64 + 1, rec)? {
            break;
        }
    }
    Ok(())
}

/// What an auditor asks for. All given conditions must hold.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub subject: Option<String>,
    /// Records that loaded, disclosed or asked for this person.
    pub iin: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Records after this `seq` (cursor).
    pub after_seq: u64,
    pub limit: usize,
}

impl AuditQuery {
    fn matches(&self, r: &AuditRecord) -> bool {
        let at = |t: &DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Millis, true);
        r.seq > self.after_seq
            && self.subject.as_ref().is_none_or(|s| &r.draft.subject == s)
            && self.iin.as_ref().is_none_or(|i| r.concerns(i))
            && self.from.as_ref().is_none_or(|f| r.draft.at >= at(f))
            && self.to.as_ref().is_none_or(|t| r.draft.at <= at(t))
    }
}

/// Records matching `q`, oldest first, at most `q.limit`, and whether there are more. Streams
/// the file: memory holds one page.
pub fn search(path: &Path, q: &AuditQuery) -> Result<(Vec<AuditRecord>, bool), AuditError> {
    let mut out = vec![];
    let mut more = false;
    for_each_record(path, |line, rec| {
        let rec = rec.map_err(|why| AuditError::Broken {
            path: path.display().to_string(),
            line,
            why,
        })?;
        if q.matches(&rec) {
            if out.len() == q.limit {
                more = true;
                return Ok(false);
            }
            out.push(rec);
        }
        Ok(true)
    })?;
    Ok((out, more))
}

/// Writes every record matching `q` (ignoring its limit) as NDJSON.
pub fn export(path: &Path, q: &AuditQuery, out: &mut impl Write) -> Result<u64, AuditError> {
    let mut n = 0;
    for_each_record(path, |line, rec| {
        let rec = rec.map_err(|why| AuditError::Broken {
            path: path.display().to_string(),
            line,
            why,
        })?;
        if q.matches(&rec) {
            serde_json::to_writer(&mut *out, &rec)
                .map_err(|e| e.to_string())
                .and_then(|_| out.write_all(b"\n").map_err(|e| e.to_string()))
                .map_err(|why| AuditError::Broken {
                    path: "export".into(),
                    line,
                    why,
                })?;
            n += 1;
        }
        Ok(true)
    })?;
    Ok(n)
}

/// Timestamps of records: RFC 3339 UTC with milliseconds, so they compare as strings.
pub fn now_ts() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(subject: &str, iins: &[&str]) -> AuditDraft {
        AuditDraft {
            at: now_ts(),
            request_id: "r".into(),
            subject: subject.into(),
            role: "analyst".into(),
            channel: "graphql".into(),
            accessed_iins: iins.iter().map(|s| s.to_string()).collect(),
            outcome: "ok".into(),
            ..Default::default()
        }
    }

    #[test]
    fn the_stored_line_is_the_serialised_record() {
        let mut d = draft("a", &["880315401029"]);
        for case_id in [None, Some("case-1".to_string())] {
            d.case_id = case_id;
            let (hash, line) = AuditRecord::hashed_line(7, &d, "prev");
            let rec = AuditRecord {
                seq: 7,
                draft: d.clone(),
                prev_hash: "prev".into(),
                hash: hash.clone(),
            };
            assert_eq!(line, serde_json::to_vec(&rec).unwrap());
            assert_eq!(hash, AuditRecord::compute_hash(7, &d, "prev"));
        }
    }

    #[tokio::test]
    async fn records_chain_survive_reopening_and_show_tampering() {
        let d = tempfile::tempdir().unwrap();
        {
            let log = AuditLog::open(d.path(), true).unwrap();
            assert_eq!(log.append(draft("a\nforged", &["1"])).await.unwrap(), 1);
            assert_eq!(log.append(draft("b", &["2"])).await.unwrap(), 2);
        }
        // Reopened: the chain continues, whichever way records are written.
        let log = AuditLog::open(d.path(), false).unwrap();
        assert_eq!(log.append(draft("c", &["1"])).await.unwrap(), 3);
        let path = file_in(d.path());
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 3, "a newline in a value is escaped");
        assert_eq!(verify(&path).unwrap().records, 3);

        let (hits, more) = search(
            &path,
            &AuditQuery {
                iin: Some("1".into()),
                limit: 10,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(hits.iter().map(|r| r.seq).collect::<Vec<_>>(), vec![1, 3]);
        assert!(!more);

        // Edit one record: the chain breaks at that line.
        let tampered = text.replacen("\"b\"", "\"x\"", 1);
        std::fs::write(&path, tampered).unwrap();
        match verify(&path) {
            Err(AuditError::Broken { line, .. }) => assert_eq!(line, 2),
            other => panic!("tampering not detected: {:?}", other.map(|s| s.records)),
        }
        // Delete one record: broken too.
        let lines: Vec<&str> = text.lines().collect();
        std::fs::write(&path, format!("{}\n{}\n", lines[0], lines[2])).unwrap();
        assert!(verify(&path).is_err());
    }

    /// Requests appending at once, grouped by the writer thread (fsync) or each writing its own
    /// record under the lock (no fsync): one unbroken chain, every `seq` once.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_appends_make_one_chain_either_way() {
        for sync in [true, false] {
            let d = tempfile::tempdir().unwrap();
            let log = AuditLog::open(d.path(), sync).unwrap();
            let tasks: Vec<_> = (0..64)
                .map(|i| {
                    let log = log.clone();
                    tokio::spawn(async move { log.append(draft(&format!("s{i}"), &[])).await })
                })
                .collect();
            let mut seqs = Vec::new();
            for t in tasks {
                seqs.push(t.await.unwrap().unwrap());
            }
            seqs.sort_unstable();
            assert_eq!(seqs, (1..=64).collect::<Vec<u64>>(), "sync {sync}");
            assert_eq!(verify(&file_in(d.path())).unwrap().records, 64);
        }
    }

    #[tokio::test]
    async fn each_group_write_is_timed_once_and_taken_once() {
        for sync in [true, false] {
            let d = tempfile::tempdir().unwrap();
            let log = AuditLog::open(d.path(), sync).unwrap();
            log.append(draft("before", &[])).await.unwrap();
            assert!(log.take_write_times().is_empty(), "untimed, sync {sync}");
            log.start_timing_writes();
            for i in 0..3 {
                log.append(draft(&format!("s{i}"), &[])).await.unwrap();
            }
            // One record at a time: one group each.
            assert_eq!(log.take_write_times().len(), 3, "sync {sync}");
            assert!(log.take_write_times().is_empty(), "sync {sync}");
        }
    }
}
