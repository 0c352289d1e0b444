//! Partners' bulk ingest jobs over HTTP (guide: `docs/partners-ingest.md`):
//!
//! - `POST /ingest/jobs?kind=persons` with an NDJSON body of one record kind and an
//!   `Idempotency-Key` header → `202 Accepted`, the job resource and its `Location`; the same
//!   key with the same body → `200` with the same job (`Idempotent-Replayed: true`); the same key
//!   with another body → `422` (IETF `Idempotency-Key` draft); no key → `400`; a body over the
//!   partner's limit → `413`; too many submissions → `429` with `Retry-After`.
//! - `GET /ingest/jobs` (own jobs, newest first), `GET /ingest/jobs/{id}` (state, counts,
//!   timestamps), `GET /ingest/jobs/{id}/rejects` (NDJSON: file, line, field, reason) and
//!   `GET /ingest/jobs/{id}/accepted` (NDJSON: file, line and the keys written).
//!
//! One kind per job, not a mixed stream: records refer to each other (registrations to persons
//! and addresses), so a mixed stream would have to be sorted by kind before writing, which needs
//! the whole body; one kind per job keeps the body's order, its line numbers in the reports, and
//! the registries' own split (each registry owns one kind). A partner sends kinds in the load
//! order of `family-card load` (addresses, persons, then the rest).
//!
//! Every call authenticates, asks the policy through the [`Gate`] (`SubmitIngest`,
//! `ReadIngestJob`: partners only, with a `partner_id` claim), sees only the partner's own jobs
//! (another partner's job is `404`, as is an unknown one), and is audited before it is answered.
//! Reports are masked like every other answer: partners never see full identifiers.

use super::access::{mask_identifiers, Gate};
use super::http::{admit, new_draft, note_gate, refuse, AppState, MediaType};
use super::limits::RateLimiter;
use super::policy::{Action, Principal};
use super::AppContext;
use crate::audit::{AuditAccess, AuditDraft};
use crate::ingest::jobs::{Job, JobError, Submission};
use crate::ingest::sink::Accepted;
use crate::ingest::{Kind, Reject};
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use futures::StreamExt;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::BufRead;
use std::sync::Arc;

/// Submissions per partner (a limiter of its own: polling a job does not use up submissions).
#[derive(Clone)]
struct SubmissionRate(Arc<RateLimiter>);

pub fn routes(app: &AppContext) -> Router<AppState> {
    let s = app.ingest.settings();
    let rate = SubmissionRate(Arc::new(RateLimiter::new(
        s.submissions_per_second,
        s.submission_burst,
    )));
    Router::new()
        .route("/ingest/jobs", get(list_jobs).post(submit))
        .route("/ingest/jobs/{id}", get(get_job))
        .route("/ingest/jobs/{id}/rejects", get(get_rejects))
        .route("/ingest/jobs/{id}/accepted", get(get_accepted))
        .layer(Extension(rate))
}

/// The job resource as answered: the stored job and where its reports are.
fn view(job: &Job) -> Value {
    let mut v = serde_json::to_value(job).unwrap_or(Value::Null);
    let base = format!("/ingest/jobs/{}", job.id);
    v["links"] = json!({
        "self": base,
        "rejects": format!("{base}/rejects"),
        "accepted": format!("{base}/accepted"),
    });
    v
}

fn location(job: &Job) -> HeaderValue {
    HeaderValue::from_str(&format!("/ingest/jobs/{}", job.id)).expect("hex id")
}

/// Authentication, the policy's role check and the partner id: the start of every route.
async fn partner(
    app: &AppContext,
    h: &HeaderMap,
    action: Action,
    what: &str,
    object: &str,
) -> Result<(Principal, String, AuditDraft), Response> {
    let who = admit(app, h, MediaType::Json).await?;
    let gate = Gate::new(app.store.clone(), who.clone());
    let mut draft = AuditDraft {
        partner_id: who.partner_id.clone(),
        token_id: who.token_id.clone(),
        ..new_draft(who.subject.clone(), who.role.as_str(), "ingest")
    };
    if let Err(e) = gate.require(action, what, object) {
        note_gate(&mut draft, &gate);
        draft.outcome = "denied".into();
        let r = refuse(
            StatusCode::FORBIDDEN,
            MediaType::Json,
            "FORBIDDEN",
            &e.message(),
        );
        return Err(answer(app, draft, r).await);
    }
    let Some(pid) = who.partner_id.clone().filter(|p| !p.trim().is_empty()) else {
        draft.outcome = "denied".into();
        let r = refuse(
            StatusCode::FORBIDDEN,
            MediaType::Json,
            "FORBIDDEN",
            "ingest jobs belong to a partner: the token needs a partner_id claim",
        );
        return Err(answer(app, draft, r).await);
    };
    Ok((who, pid, draft))
}

/// The audit record first, then the answer (none if the record cannot be written).
async fn answer(app: &AppContext, draft: AuditDraft, r: Response) -> Response {
    if let Err(e) = app.audit.append(draft).await {
        tracing::error!(error = %e, "audit record not written; answer withheld");
        return refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            MediaType::Json,
            "UNAVAILABLE",
            "the audit trail cannot be written; try again later",
        );
    }
    r
}

fn access(draft: &mut AuditDraft, action: &str, object: &str, outcome: &str) {
    draft.accesses.push(AuditAccess {
        action: action.into(),
        object: object.into(),
        outcome: outcome.into(),
    });
    draft.outcome = outcome.into();
}

/// The `Idempotency-Key` header: an sf-string (`"…"`) or a bare token, 1–255 visible ASCII
/// characters.
fn idempotency_key(h: &HeaderMap) -> Result<String, &'static str> {
    let raw = h
        .get("idempotency-key")
        .ok_or("the Idempotency-Key header is required (a unique string per job, e.g. a UUID)")?
        .to_str()
        .map_err(|_| "the Idempotency-Key header must be visible ASCII")?
        .trim();
    let key = raw
        .strip_prefix('"')
        .and_then(|k| k.strip_suffix('"'))
        .unwrap_or(raw);
    if key.is_empty()
        || key.len() > 255
        || !key
            .bytes()
            .all(|b| (0x21..=0x7e).contains(&b) && b != b'"' && b != b'\\')
    {
        return Err("the Idempotency-Key must be 1–255 visible ASCII characters");
    }
    Ok(key.to_string())
}

async fn submit(
    State(st): State<AppState>,
    Extension(rate): Extension<SubmissionRate>,
    Query(q): Query<HashMap<String, String>>,
    h: HeaderMap,
    body: Body,
) -> Response {
    let app = &st.app;
    let kind_name = q.get("kind").cloned().unwrap_or_default();
    let (_who, pid, mut draft) =
        match partner(app, &h, Action::SubmitIngest, "ingest_submit", &kind_name).await {
            Ok(x) => x,
            Err(r) => return r,
        };
    let bad =
        |status: StatusCode, code: &str, msg: &str| refuse(status, MediaType::Json, code, msg);
    if let Err(wait) = rate.0.check(&pid) {
        access(&mut draft, "ingest_submit", &kind_name, "refused_rate");
        let mut r = bad(
            StatusCode::TOO_MANY_REQUESTS,
            "RATE_LIMITED",
            "too many ingest jobs submitted; slow down",
        );
        let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        return answer(app, draft, r).await;
    }
    let Some(kind) = Kind::find(&kind_name).filter(|_| !kind_name.contains('.')) else {
        access(&mut draft, "ingest_submit", &kind_name, "refused");
        let kinds: Vec<&str> = Kind::all().iter().map(Kind::name).collect();
        let msg = format!(
            "the kind query parameter names the record kind of the body: one of {}",
            kinds.join(", ")
        );
        return answer(
            app,
            draft,
            bad(StatusCode::BAD_REQUEST, "BAD_REQUEST", &msg),
        )
        .await;
    };
    let key = match idempotency_key(&h) {
        Ok(k) => k,
        Err(msg) => {
            access(&mut draft, "ingest_submit", kind.name(), "refused");
            return answer(app, draft, bad(StatusCode::BAD_REQUEST, "BAD_REQUEST", msg)).await;
        }
    };
    let ct = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    if !matches!(ct.as_str(), "application/x-ndjson" | "application/jsonl") {
        access(&mut draft, "ingest_submit", kind.name(), "refused");
        let r = bad(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "BAD_REQUEST",
            "send the body as Content-Type: application/x-ndjson (one JSON record per line)",
        );
        return answer(app, draft, r).await;
    }
    let limit = app.ingest.settings().max_bytes_for(&pid);
    let too_large = |draft: &mut AuditDraft| {
        access(draft, "ingest_submit", kind.name(), "refused_limit");
        bad(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            &format!("an ingest job's body may be at most {limit} bytes for this partner; split it into several jobs"),
        )
    };
    let declared = h
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit) {
        let r = too_large(&mut draft);
        return answer(app, draft, r).await;
    }
    let internal = |draft: &mut AuditDraft, e: &dyn std::fmt::Display| {
        let error_id = crate::secret::random_hex::<8>();
        tracing::error!(error_id, error = %e, "ingest job not stored");
        access(draft, "ingest_submit", kind.name(), "error");
        bad(
            StatusCode::SERVICE_UNAVAILABLE,
            "UNAVAILABLE",
            &format!("the job could not be stored (error id {error_id}); retry with the same key"),
        )
    };
    let mut upload = match app.ingest.begin_upload(&pid, kind).await {
        Ok(u) => u,
        Err(e) => {
            let r = internal(&mut draft, &e);
            return answer(app, draft, r).await;
        }
    };
    // The body goes to disk as it arrives, hashed on the way: memory holds one chunk.
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = match chunk {
            Ok(c) => c,
            Err(_) => {
                access(&mut draft, "ingest_submit", kind.name(), "refused");
                let r = bad(
                    StatusCode::BAD_REQUEST,
                    "BAD_REQUEST",
                    "the body was cut off before its end; send it again with the same key",
                );
                return answer(app, draft, r).await;
            }
        };
        match upload.write(&chunk).await {
            Ok(()) => {}
            Err(JobError::TooLarge { .. }) => {
                let r = too_large(&mut draft);
                return answer(app, draft, r).await;
            }
            Err(e) => {
                let r = internal(&mut draft, &e);
                return answer(app, draft, r).await;
            }
        }
    }
    let (status, job, replayed) = match app.ingest.submit(&pid, &key, kind, upload).await {
        Ok(Submission::Created(job)) => {
            access(&mut draft, "ingest_submit", &job.id, "accepted");
            draft.change = true;
            (StatusCode::ACCEPTED, job, false)
        }
        Ok(Submission::Replayed(job)) => {
            access(&mut draft, "ingest_submit", &job.id, "replayed");
            (StatusCode::OK, job, true)
        }
        Ok(Submission::KeyReused(job)) => {
            access(&mut draft, "ingest_submit", &job.id, "refused_key_reused");
            let mut r = bad(
                StatusCode::UNPROCESSABLE_ENTITY,
                "IDEMPOTENCY_KEY_REUSED",
                "this Idempotency-Key was already used for a different body (or kind); a new \
                 body needs a new key",
            );
            r.headers_mut().insert(header::LOCATION, location(&job));
            return answer(app, draft, r).await;
        }
        Err(e) => {
            let r = internal(&mut draft, &e);
            return answer(app, draft, r).await;
        }
    };
    let mut r = (status, Json(view(&job))).into_response();
    r.headers_mut().insert(header::LOCATION, location(&job));
    if replayed {
        r.headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    answer(app, draft, r).await
}

async fn list_jobs(
    State(st): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
    h: HeaderMap,
) -> Response {
    let app = &st.app;
    let (_, pid, mut draft) =
        match partner(app, &h, Action::ReadIngestJob, "ingest_list", "*").await {
            Ok(x) => x,
            Err(r) => return r,
        };
    let limit = q
        .get("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(100)
        .clamp(1, 1_000);
    let jobs: Vec<Value> = app.ingest.list(&pid, limit).iter().map(view).collect();
    access(&mut draft, "ingest_list", "*", "ok");
    answer(app, draft, Json(json!({ "jobs": jobs })).into_response()).await
}

/// The partner's job `id`, or the 404 answer (audited) for an unknown or another's job.
async fn own_job(
    st: &AppState,
    h: &HeaderMap,
    id: &str,
    what: &str,
) -> Result<(Principal, String, AuditDraft, Job), Response> {
    let app = &st.app;
    let (who, pid, mut draft) = partner(app, h, Action::ReadIngestJob, what, id).await?;
    match app.ingest.get(&pid, id) {
        Some(job) => {
            access(&mut draft, what, id, "ok");
            Ok((who, pid, draft, job))
        }
        None => {
            access(&mut draft, what, id, "not_found");
            let r = refuse(
                StatusCode::NOT_FOUND,
                MediaType::Json,
                "NOT_FOUND",
                "no such ingest job of yours",
            );
            Err(answer(app, draft, r).await)
        }
    }
}

async fn get_job(State(st): State<AppState>, Path(id): Path<String>, h: HeaderMap) -> Response {
    match own_job(&st, &h, &id, "ingest_job").await {
        Ok((_, _, draft, job)) => answer(&st.app, draft, Json(view(&job)).into_response()).await,
        Err(r) => r,
    }
}

async fn get_rejects(State(st): State<AppState>, Path(id): Path<String>, h: HeaderMap) -> Response {
    let (who, pid, draft, _) = match own_job(&st, &h, &id, "ingest_rejects").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let path = st.app.ingest.rejects_path(&pid, &id).expect("a valid id");
    let r = stream_report(path, !who.sees_full_identifiers(), |line| {
        let r: Reject = serde_json::from_str(line).ok()?;
        Some(json!({"file": r.file, "line": r.line, "field": r.field, "reason": r.error}))
    });
    answer(&st.app, draft, r).await
}

async fn get_accepted(
    State(st): State<AppState>,
    Path(id): Path<String>,
    h: HeaderMap,
) -> Response {
    let (who, pid, draft, _) = match own_job(&st, &h, &id, "ingest_accepted").await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let path = st.app.ingest.accepted_path(&pid, &id).expect("a valid id");
    let r = stream_report(path, !who.sees_full_identifiers(), |line| {
        let a: Accepted = serde_json::from_str(line).ok()?;
        serde_json::to_value(a).ok()
    });
    answer(&st.app, draft, r).await
}

/// A report file as NDJSON, line by line through `shape` (identifiers masked when `mask`),
/// streamed through a bounded channel: memory holds a few chunks, not the report. A report not
/// written yet (the job has not got that far) is empty.
fn stream_report(
    path: std::path::PathBuf,
    mask: bool,
    shape: fn(&str) -> Option<Value>,
) -> Response {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(8);
    tokio::task::spawn_blocking(move || {
        let Ok(f) = std::fs::File::open(&path) else {
            return;
        };
        let mut chunk = Vec::with_capacity(64 * 1024);
        for line in std::io::BufReader::new(f).lines() {
            let Ok(line) = line else { break };
            let Some(mut v) = shape(&line) else { continue };
            if mask {
                super::access::for_each_string(&mut v, &mut |s| {
                    if let Some(m) = mask_identifiers(s) {
                        *s = m;
                    }
                });
            }
            serde_json::to_writer(&mut chunk, &v).expect("serializes");
            chunk.push(b'\n');
            if chunk.len() >= 64 * 1024 && tx.blocking_send(Ok(std::mem::take(&mut chunk))).is_err()
            {
                return;
            }
        }
        if !chunk.is_empty() {
            let _ = tx.blocking_send(Ok(chunk));
        }
    });
    let stream =
        futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|c| (c, rx)) });
    let mut r = Body::from_stream(stream).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-ndjson"),
    );
    r
}
