//! Bulk ingest jobs: a partner's NDJSON body of one record kind, spooled to disk, run in the
//! background through the same pipeline as `family-card load`, with its state, counts and
//! reports persisted so that a restart resumes it (the writes are idempotent MERGEs) or reports
//! it failed with what landed — never half-applied silently.
//!
//! Life cycle (`JobState`): `received` (the body is on disk, hashed) → `validating` (every line
//! checked, invalid lines reported, nothing written) → `writing` (valid lines written in
//! batches; unknown references reported, written records listed) → `completed`,
//! `completed_with_rejects` or `failed`. One job runs at a time, in submission order.
//!
//! On disk, under the settings' directory:
//! `p-<sha256(partner id)>/jobs/<job id>/{job.json, body.ndjson, rejects.ndjson, accepted.ndjson}`
//! and `p-<…>/keys/<sha256(idempotency key)>.json` → the job id and the request's fingerprint
//! (SHA-256 of kind and body). Keys are therefore scoped per partner, and a partner's lookups
//! never reach another partner's directory. `job.json` is replaced atomically (write, rename).
//!
//! A job interrupted in `validating` or `writing` is run again from its first line on start-up
//! (both reports are rewritten from scratch, so no report line is duplicated, and MERGE writes
//! nothing twice); the job records how often it was resumed. After `max_attempts` starts it is
//! marked failed, with its counts of what landed.

use super::sink::{Discard, NdjsonFile};
use super::{run_source, Context, IngestError, Kind, Pass, SourceCounts};
use crate::store::Store;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;

/// Where jobs live and how much a partner may send.
#[derive(Debug, Clone)]
pub struct JobSettings {
    pub dir: PathBuf,
    /// Largest body of one job, in bytes (413 above) …
    pub max_job_bytes: u64,
    /// … unless the partner has its own limit here.
    pub partner_max_bytes: BTreeMap<String, u64>,
    /// Submissions per second per partner, sustained …
    pub submissions_per_second: f64,
    /// … and in a burst.
    pub submission_burst: f64,
    /// Records per write statement.
    pub batch_size: usize,
    /// Starts of one job (the first and every resume) before it is marked failed.
    pub max_attempts: u32,
}

impl JobSettings {
    pub fn in_dir(dir: PathBuf) -> Self {
        JobSettings {
            dir,
            max_job_bytes: 2 * 1024 * 1024 * 1024,
            partner_max_bytes: BTreeMap::new(),
            submissions_per_second: 0.5,
            submission_burst: 20.0,
            batch_size: 5_000,
            max_attempts: 3,
        }
    }

    /// The body limit of a partner.
    pub fn max_bytes_for(&self, partner: &str) -> u64 {
        self.partner_max_bytes
            .get(partner)
            .copied()
            .unwrap_or(self.max_job_bytes)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Received,
    Validating,
    Writing,
    Completed,
    CompletedWithRejects,
    Failed,
}

impl JobState {
    pub fn is_final(self) -> bool {
        matches!(
            self,
            JobState::Completed | JobState::CompletedWithRejects | JobState::Failed
        )
    }
}

/// A job's counts so far (final once the job is).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobCounts {
    /// Records (non-blank lines) of the body.
    pub records: u64,
    /// Lines that failed validation.
    pub invalid: u64,
    /// Records the database wrote.
    pub written: u64,
    /// Valid records whose person or address is not in the registry.
    pub unknown_references: u64,
    /// `invalid + unknown_references`: the lines of the rejects report.
    pub rejected: u64,
    /// Bytes of the body read by the current pass.
    pub bytes_read: u64,
}

/// The job resource (what `job.json` holds and the API shows).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    pub id: String,
    pub partner_id: String,
    /// The record kind (`persons`, `registrations`, …).
    pub kind: String,
    pub state: JobState,
    pub body_bytes: u64,
    pub body_sha256: String,
    /// The date records are validated against (a birth after it is rejected), fixed at receipt.
    pub reference_date: chrono::NaiveDate,
    pub counts: JobCounts,
    /// Starts of the job (1 unless it was resumed after a restart).
    pub attempts: u32,
    /// Times the job was picked up again after the service stopped mid-job.
    pub resumed: u32,
    pub received_at: String,
    pub started_at: Option<String>,
    pub updated_at: String,
    pub finished_at: Option<String>,
    /// Why the job failed (safe text; the cause is in the service log under the error id).
    pub error: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error("the body is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("job storage: {0}")]
    Io(#[from] std::io::Error),
}

/// What a submission came to.
#[derive(Debug)]
pub enum Submission {
    /// A new job (202).
    Created(Job),
    /// The key's job, for the same body (a retry).
    Replayed(Job),
    /// The key is taken by a job with a different body.
    KeyReused(Job),
}

#[derive(Serialize, Deserialize)]
struct KeyRecord {
    job_id: String,
    fingerprint: String,
}

/// A body being received: appended to a spool file while hashed; removed if dropped unfinished.
pub struct Upload {
    path: PathBuf,
    file: tokio::io::BufWriter<tokio::fs::File>,
    hasher: Sha256,
    bytes: u64,
    limit: u64,
    done: bool,
}

impl Upload {
    /// Appends a chunk of the body; past the limit the upload is refused (and its file removed).
    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), JobError> {
        self.bytes += chunk.len() as u64;
        if self.bytes > self.limit {
            return Err(JobError::TooLarge { limit: self.limit });
        }
        self.hasher.update(chunk);
        self.file.write_all(chunk).await?;
        Ok(())
    }

    async fn finish(mut self) -> Result<(PathBuf, String, u64), JobError> {
        self.file.flush().await?;
        self.file.get_ref().sync_data().await?;
        self.done = true;
        let h = hex::encode(std::mem::take(&mut self.hasher).finalize());
        Ok((self.path.clone(), h, self.bytes))
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// The job store and its runner (one per service).
pub struct IngestJobs {
    settings: JobSettings,
    queue: tokio::sync::mpsc::UnboundedSender<PathBuf>,
    /// Check-and-create of idempotency keys.
    keys: tokio::sync::Mutex<()>,
    runner: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

fn sha_hex(parts: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
        h.update([0x1f]);
    }
    hex::encode(h.finalize())
}

fn now() -> String {
    crate::audit::now_ts()
}

/// A job id: 128 bits from the CSPRNG (nothing to guess).
fn is_job_id(id: &str) -> bool {
    id.len() == 32
        && id
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

impl IngestJobs {
    /// Opens the job store, queues every job that is not finished (resuming those interrupted
    /// mid-job) and starts the runner.
    pub fn start(settings: JobSettings, store: Store) -> Result<Arc<IngestJobs>, JobError> {
        std::fs::create_dir_all(settings.dir.join("tmp"))?;
        // Spool files of uploads cut off by a stop.
        for e in std::fs::read_dir(settings.dir.join("tmp"))?.flatten() {
            let _ = std::fs::remove_file(e.path());
        }
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let jobs = Arc::new(IngestJobs {
            settings,
            queue: tx,
            keys: tokio::sync::Mutex::new(()),
            runner: Mutex::new(None),
        });
        let mut pending: Vec<(String, PathBuf)> = vec![];
        for p in std::fs::read_dir(&jobs.settings.dir)?.flatten() {
            let Ok(entries) = std::fs::read_dir(p.path().join("jobs")) else {
                continue;
            };
            for j in entries.flatten() {
                if let Ok(job) = read_job(&j.path()) {
                    if !job.state.is_final() {
                        pending.push((job.received_at.clone(), j.path()));
                    }
                }
            }
        }
        pending.sort();
        for (_, dir) in pending {
            tracing::info!(job = %dir.display(), "ingest job not finished at start; queued again");
            let _ = jobs.queue.send(dir);
        }
        let runner = tokio::spawn(run_jobs(jobs.clone(), store, rx));
        *jobs.runner.lock().unwrap_or_else(|p| p.into_inner()) = Some(runner);
        Ok(jobs)
    }

    pub fn settings(&self) -> &JobSettings {
        &self.settings
    }

    /// Stops the runner at once, as a crash would: the job it was running stays in its state
    /// and is resumed by the next start.
    pub fn halt(&self) {
        if let Some(h) = self.runner.lock().unwrap_or_else(|p| p.into_inner()).take() {
            h.abort();
        }
    }

    fn partner_dir(&self, partner: &str) -> PathBuf {
        self.settings
            .dir
            .join(format!("p-{}", &sha_hex(&[partner.as_bytes()])[..32]))
    }

    fn job_dir(&self, partner: &str, id: &str) -> Option<PathBuf> {
        is_job_id(id).then(|| self.partner_dir(partner).join("jobs").join(id))
    }

    /// Starts receiving a body of `kind` for `partner` (within the partner's limit).
    pub async fn begin_upload(&self, partner: &str, kind: &Kind) -> Result<Upload, JobError> {
        let path = self
            .settings
            .dir
            .join("tmp")
            .join(crate::secret::random_hex::<16>());
        let file = tokio::fs::File::create(&path).await?;
        let mut hasher = Sha256::new();
        hasher.update(kind.name().as_bytes());
        hasher.update(b"\n");
        Ok(Upload {
            path,
            file: tokio::io::BufWriter::with_capacity(256 * 1024, file),
            hasher,
            bytes: 0,
            limit: self.settings.max_bytes_for(partner),
            done: false,
        })
    }

    /// Turns a received body into a job, or finds the job its idempotency key already names.
    pub async fn submit(
        &self,
        partner: &str,
        key: &str,
        kind: &Kind,
        upload: Upload,
    ) -> Result<Submission, JobError> {
        let (spool, fingerprint, bytes) = upload.finish().await?;
        let _one_at_a_time = self.keys.lock().await;
        let pdir = self.partner_dir(partner);
        std::fs::create_dir_all(pdir.join("keys"))?;
        let key_path = pdir
            .join("keys")
            .join(format!("{}.json", sha_hex(&[key.as_bytes()])));
        if let Ok(text) = std::fs::read(&key_path) {
            let _ = std::fs::remove_file(&spool);
            let rec: KeyRecord = serde_json::from_slice(&text).map_err(std::io::Error::other)?;
            let job = read_job(&pdir.join("jobs").join(&rec.job_id))?;
            return Ok(if rec.fingerprint == fingerprint {
                Submission::Replayed(job)
            } else {
                Submission::KeyReused(job)
            });
        }
        let id = crate::secret::random_hex::<16>();
        let dir = pdir.join("jobs").join(&id);
        std::fs::create_dir_all(&dir)?;
        std::fs::rename(&spool, dir.join("body.ndjson"))?;
        let body_sha256 = {
            // The fingerprint covers the kind too; the resource shows the body's own hash.
            let f = std::fs::File::open(dir.join("body.ndjson"))?;
            let mut h = Sha256::new();
            std::io::copy(&mut BufReader::new(f), &mut h)?;
            hex::encode(h.finalize())
        };
        let at = now();
        let job = Job {
            id: id.clone(),
            partner_id: partner.into(),
            kind: kind.name().into(),
            state: JobState::Received,
            body_bytes: bytes,
            body_sha256,
            reference_date: super::kazakhstan_today(),
            counts: JobCounts::default(),
            attempts: 0,
            resumed: 0,
            received_at: at.clone(),
            started_at: None,
            updated_at: at,
            finished_at: None,
            error: None,
        };
        write_job(&dir, &job)?;
        write_atomic(
            &key_path,
            &serde_json::to_vec(&KeyRecord {
                job_id: id,
                fingerprint,
            })
            .expect("serializes"),
        )?;
        let _ = self.queue.send(dir);
        Ok(Submission::Created(job))
    }

    /// A partner's job (`None`: no such job of this partner).
    pub fn get(&self, partner: &str, id: &str) -> Option<Job> {
        read_job(&self.job_dir(partner, id)?).ok()
    }

    /// A partner's jobs, newest first.
    pub fn list(&self, partner: &str, limit: usize) -> Vec<Job> {
        let Ok(entries) = std::fs::read_dir(self.partner_dir(partner).join("jobs")) else {
            return vec![];
        };
        let mut jobs: Vec<Job> = entries
            .flatten()
            .filter_map(|e| read_job(&e.path()).ok())
            .collect();
        jobs.sort_by(|a, b| b.received_at.cmp(&a.received_at).then(b.id.cmp(&a.id)));
        jobs.truncate(limit);
        jobs
    }

    /// The rejects report of a partner's job (NDJSON of [`super::Reject`]).
    pub fn rejects_path(&self, partner: &str, id: &str) -> Option<PathBuf> {
        Some(self.job_dir(partner, id)?.join("rejects.ndjson"))
    }

    /// The accepted-record report of a partner's job (NDJSON of [`super::sink::Accepted`]).
    pub fn accepted_path(&self, partner: &str, id: &str) -> Option<PathBuf> {
        Some(self.job_dir(partner, id)?.join("accepted.ndjson"))
    }
}

fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    {
        let mut f = std::fs::File::create(&tmp)?;
        std::io::Write::write_all(&mut f, bytes)?;
        f.sync_data()?;
    }
    std::fs::rename(tmp, path)
}

fn read_job(dir: &Path) -> std::io::Result<Job> {
    let text = std::fs::read(dir.join("job.json"))?;
    serde_json::from_slice(&text).map_err(std::io::Error::other)
}

fn write_job(dir: &Path, job: &Job) -> std::io::Result<()> {
    write_atomic(
        &dir.join("job.json"),
        &serde_json::to_vec_pretty(job).expect("serializes"),
    )
}

async fn run_jobs(
    jobs: Arc<IngestJobs>,
    store: Store,
    mut rx: tokio::sync::mpsc::UnboundedReceiver<PathBuf>,
) {
    while let Some(dir) = rx.recv().await {
        if let Err(e) = run_job(&jobs.settings, &store, &dir).await {
            tracing::error!(job = %dir.display(), error = %e, "ingest job state not saved");
        }
    }
}

/// Runs one job to its end (or to its failure), saving its state as it goes.
async fn run_job(settings: &JobSettings, store: &Store, dir: &Path) -> std::io::Result<()> {
    let mut job = read_job(dir)?;
    if job.state.is_final() {
        return Ok(());
    }
    if job.state != JobState::Received {
        job.resumed += 1;
    }
    if job.attempts >= settings.max_attempts {
        let error_id = crate::secret::random_hex::<8>();
        tracing::error!(job = %job.id, error_id, attempts = job.attempts, "ingest job interrupted too often");
        let msg = format!(
            "interrupted {} times by service restarts (error id {error_id}); the records counted \
             as written landed",
            job.attempts
        );
        return finish_failed(dir, &mut job, msg);
    }
    job.attempts += 1;
    job.started_at.get_or_insert_with(now);
    job.error = None;
    job.counts = JobCounts::default();
    job.state = JobState::Validating;
    job.updated_at = now();
    write_job(dir, &job)?;
    let kind = match Kind::find(&job.kind) {
        Some(k) => k,
        None => {
            let msg = format!("unknown kind {}", job.kind);
            return finish_failed(dir, &mut job, msg);
        }
    };
    match passes(settings, store, dir, kind, &mut job).await {
        Ok(()) => {
            job.state = if job.counts.rejected == 0 {
                JobState::Completed
            } else {
                JobState::CompletedWithRejects
            };
            job.finished_at = Some(now());
            job.updated_at = now();
            tracing::info!(job = %job.id, kind = %job.kind, records = job.counts.records, written = job.counts.written, rejected = job.counts.rejected, "ingest job finished");
            write_job(dir, &job)
        }
        Err(e) => {
            let error_id = crate::secret::random_hex::<8>();
            tracing::error!(job = %job.id, error_id, error = %e, "ingest job failed");
            let what = match e {
                IngestError::Io { .. } => "the job's files could not be read or written",
                IngestError::Store(_) => "the database failed",
            };
            let msg = format!(
                "{what} (error id {error_id}); the records counted as written landed and are in \
                 the accepted report; re-submit the body with a new key to finish (writes are \
                 idempotent)"
            );
            finish_failed(dir, &mut job, msg)
        }
    }
}

fn finish_failed(dir: &Path, job: &mut Job, error: String) -> std::io::Result<()> {
    job.state = JobState::Failed;
    job.error = Some(error);
    job.finished_at = Some(now());
    job.updated_at = now();
    write_job(dir, job)
}

/// The check pass, then the write pass, over the spooled body.
async fn passes(
    settings: &JobSettings,
    store: &Store,
    dir: &Path,
    kind: &Kind,
    job: &mut Job,
) -> Result<(), IngestError> {
    let body = dir.join("body.ndjson");
    let ctx = Context::on(job.reference_date);
    let open = || {
        std::fs::File::open(&body)
            .map(|f| BufReader::with_capacity(256 * 1024, f))
            .map_err(|cause| IngestError::Io {
                path: body.clone(),
                cause,
            })
    };
    let save_err = |cause| IngestError::Io {
        path: dir.join("job.json"),
        cause,
    };
    // 1. validating: every line checked, invalid ones reported, nothing written.
    let mut rejects = NdjsonFile::create(&dir.join("rejects.ndjson"))?;
    let checked = {
        let mut saver = Saver::new(dir, job);
        run_source(
            store,
            kind,
            open()?,
            &body,
            &ctx,
            settings.batch_size,
            Pass::Check,
            &mut rejects,
            &mut Discard,
            &mut |c, _| saver.progress(c, false),
        )
        .await?
    };
    rejects.flush()?;
    job.counts = JobCounts {
        records: checked.records,
        invalid: checked.invalid,
        rejected: checked.invalid,
        bytes_read: checked.bytes,
        ..Default::default()
    };
    job.state = JobState::Writing;
    job.updated_at = now();
    write_job(dir, job).map_err(save_err)?;
    // 2. writing: valid lines written; unknown references and written records reported.
    let mut accepted = NdjsonFile::create(&dir.join("accepted.ndjson"))?;
    let written = {
        let mut saver = Saver::new(dir, job);
        run_source(
            store,
            kind,
            open()?,
            &body,
            &ctx,
            settings.batch_size,
            Pass::Write {
                report_invalid: false,
            },
            &mut rejects,
            &mut accepted,
            &mut |c, wrote| saver.progress(c, wrote),
        )
        .await?
    };
    rejects.finish()?;
    accepted.finish()?;
    job.counts.written = written.written;
    job.counts.unknown_references = written.unknown_references;
    job.counts.rejected = job.counts.invalid + written.unknown_references;
    job.counts.bytes_read = written.bytes;
    Ok(())
}

/// Saves a running job's counts after each batch written, and at least every second.
struct Saver<'a> {
    dir: &'a Path,
    job: &'a mut Job,
    last: Instant,
}

impl<'a> Saver<'a> {
    fn new(dir: &'a Path, job: &'a mut Job) -> Self {
        Saver {
            dir,
            job,
            last: Instant::now(),
        }
    }

    fn progress(&mut self, c: &SourceCounts, wrote: bool) {
        if !wrote && self.last.elapsed() < Duration::from_secs(1) {
            return;
        }
        self.last = Instant::now();
        let counts = &mut self.job.counts;
        if self.job.state == JobState::Validating {
            counts.records = c.records;
            counts.invalid = c.invalid;
            counts.rejected = c.invalid;
        } else {
            counts.written = c.written;
            counts.unknown_references = c.unknown_references;
            counts.rejected = counts.invalid + c.unknown_references;
        }
        counts.bytes_read = c.bytes;
        self.job.updated_at = now();
        if let Err(e) = write_job(self.dir, self.job) {
            tracing::warn!(error = %e, "ingest job progress not saved");
        }
    }
}
