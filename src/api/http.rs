//! HTTP: GraphQL at `/graphql` (GraphQL over HTTP: POST JSON, GET for queries), the GraphiQL
//! page at `/`, liveness at `/health` (the only route open without a token), readiness at
//! `/ready`, the local issuer's keys at `/.well-known/jwks.json`, the audit export at
//! `/audit/export`, the SMS gateway's replies at `/sms/inbound` (closed unless configured),
//! partners' bulk ingest jobs under `/ingest/jobs` ([`super::ingest_jobs`]), GraphQL
//! subscriptions over WebSocket at `/graphql/ws`, and the DCI API under `/dci/` ([`super::dci`]).
//!
//! A GraphQL request goes: body size (413) → `Accept` negotiation (406) → authentication (401)
//! → rate limit per principal (429 + `Retry-After`) → content type (415) → JSON parameters (400)
//! → text limits, parse, document limits ([`super::limits`]) → execution under a time budget
//! with a fresh [`Gate`] → identifiers masked in every string of the answer for roles that do
//! not see them → one audit record, on disk before the answer leaves.

use super::access::{full_iins_in_json, mask_response, Gate};
use super::audit_trail::parse_time;
use super::auth::AuthError;
use super::limits;
use super::policy::{Action, Principal};
use super::schema::{build_schema, AppSchema, TextChecks};
use super::AppContext;
use crate::audit::{AuditDraft, AuditQuery};
use crate::proactive::replies::{handle_inbound, InboundSms};
use crate::store::LoadScope;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

/// The routes' state: one shared value, so that axum's per-request clone of the state is one
/// reference count, not a copy of every handle (the schemas, the context's stores and channels).
#[derive(Clone)]
pub struct AppState(Arc<AppStateInner>);

impl std::ops::Deref for AppState {
    type Target = AppStateInner;
    fn deref(&self) -> &AppStateInner {
        &self.0
    }
}

pub struct AppStateInner {
    /// For `POST`/`GET /graphql`: this module checks the text and document before it.
    pub schema: AppSchema,
    /// The same schema for a document that already passed the strict validation once
    /// ([`TextChecks::ByCallerDocumentValidated`]).
    pub validated_schema: AppSchema,
    /// For `/graphql/ws`: the schema checks each operation's text and document itself.
    pub ws_schema: AppSchema,
    pub app: AppContext,
    /// Checked documents of repeated queries with the family load scope they need.
    pub documents: Arc<limits::DocumentCache<DocumentFacts>>,
}

/// What the handler keeps beside a checked document.
pub struct DocumentFacts {
    /// The family load scope its selection needs.
    pub scope: LoadScope,
    /// Whether one request of this text passed async-graphql's strict validation.
    pub validated: std::sync::atomic::AtomicBool,
}

impl DocumentFacts {
    fn of(doc: &async_graphql::parser::types::ExecutableDocument) -> Self {
        DocumentFacts {
            scope: super::family::load_scope(doc),
            validated: std::sync::atomic::AtomicBool::new(false),
        }
    }
}

/// Whether every variable of the operation to run is a built-in scalar whose value (or
/// default) is plainly of its type, so that the strict validation of this request could not
/// find anything its document did not already pass: then a validated document runs on
/// [`AppStateInner::validated_schema`]. Anything else (lists, input objects, enums, custom
/// scalars, a missing non-null value, an unknown or ambiguous operation) goes through the strict
/// validation again, with its usual errors.
fn variables_plainly_typed(
    doc: &async_graphql::parser::types::ExecutableDocument,
    operation: Option<&str>,
    variables: Option<&async_graphql::Variables>,
) -> bool {
    use async_graphql::parser::types::BaseType;
    use async_graphql::Value as ConstValue;
    let mut ops = doc.operations.iter();
    let op = match operation {
        Some(want) => ops
            .find(|(n, _)| n.is_some_and(|n| n.as_str() == want))
            .map(|(_, o)| o),
        None => match (ops.next(), ops.next()) {
            (Some((_, o)), None) => Some(o),
            _ => None,
        },
    };
    let Some(op) = op else {
        return false;
    };
    let none = async_graphql::Variables::default();
    let given = variables.unwrap_or(&none);
    op.node.variable_definitions.iter().all(|d| {
        let (d, ty) = (&d.node, &d.node.var_type.node);
        let BaseType::Named(name) = &ty.base else {
            return false;
        };
        let Some(v) = given.get(d.name.node.as_str()) else {
            return ty.nullable || d.default_value.is_some();
        };
        match (name.as_str(), v) {
            (_, ConstValue::Null) => ty.nullable,
            ("String", ConstValue::String(_)) | ("Boolean", ConstValue::Boolean(_)) => true,
            ("ID", ConstValue::String(_)) => true,
            ("ID", ConstValue::Number(n)) => n.is_i64() || n.is_u64(),
            ("Int", ConstValue::Number(n)) => n.as_i64().is_some_and(|i| i32::try_from(i).is_ok()),
            ("Float", ConstValue::Number(_)) => true,
            _ => false,
        }
    })
}

pub fn router_with(app: AppContext) -> Router {
    let schema = build_schema(Some(app.clone()), &app.limits, TextChecks::ByCaller);
    let validated_schema = build_schema(
        Some(app.clone()),
        &app.limits,
        TextChecks::ByCallerDocumentValidated,
    );
    let ws_schema = build_schema(Some(app.clone()), &app.limits, TextChecks::InSchema);
    let body_limit = app.limits.max_body_bytes;
    Router::new()
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/.well-known/jwks.json", get(jwks))
        .route("/audit/export", get(audit_export))
        .route("/sms/inbound", post(sms_inbound))
        .merge(super::ingest_jobs::routes(&app))
        .route("/graphql/ws", get(graphql_ws))
        .merge(super::dci::routes())
        .merge(super::pages::routes())
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(
            // Paths only: query strings may carry identifiers and never reach the logs.
            tower_http::trace::TraceLayer::new_for_http().make_span_with(
                |r: &axum::http::Request<axum::body::Body>| {
                    tracing::info_span!("http", method = %r.method(), path = %r.uri().path())
                },
            ),
        )
        .with_state(AppState(Arc::new(AppStateInner {
            schema,
            validated_schema,
            ws_schema,
            app,
            documents: Arc::new(limits::DocumentCache::new(512)),
        })))
}

/// GraphQL subscriptions over WebSocket (`graphql-transport-ws`, also the older `graphql-ws`):
/// the bearer token travels in the `connection_init` payload (`{"token": "…"}` or
/// `{"Authorization": "Bearer …"}`), is validated like any other ([`super::auth`]) and rate
/// limited; the connection is audited before it is accepted, and each subscription then reads
/// through a gate of its principal.
async fn graphql_ws(
    State(st): State<AppState>,
    protocol: async_graphql_axum::GraphQLProtocol,
    ws: axum::extract::WebSocketUpgrade,
) -> Response {
    let schema = st.ws_schema.clone();
    let app = st.app.clone();
    ws.protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |stream| {
            async_graphql_axum::GraphQLWebSocket::new(stream, schema, protocol)
                .on_connection_init(move |payload| ws_connection_init(app, payload))
                .serve()
        })
}

async fn ws_connection_init(
    app: AppContext,
    payload: Value,
) -> async_graphql::Result<async_graphql::Data> {
    let given = payload["token"]
        .as_str()
        .map(|t| format!("Bearer {t}"))
        .or_else(|| {
            ["Authorization", "authorization"]
                .iter()
                .find_map(|k| payload[*k].as_str().map(str::to_string))
        });
    let who = match app.auth.authenticate(given.as_deref()).await {
        Ok(p) => p,
        Err(e) => {
            tracing::info!(target: "security", event = "authentication_failed", reason = e.code(), channel = "graphql_ws");
            return Err(async_graphql::Error::new(e.message()));
        }
    };
    if app.rate.check(&who.subject).is_err() {
        return Err(async_graphql::Error::new("too many requests; slow down"));
    }
    let draft = AuditDraft {
        partner_id: who.partner_id.clone(),
        purpose: who.purpose.clone(),
        token_id: who.token_id.clone(),
        accesses: vec![crate::audit::AuditAccess {
            action: "graphql_ws_connection".into(),
            object: "*".into(),
            outcome: "allowed".into(),
        }],
        outcome: "ok".into(),
        ..new_draft(who.subject.clone(), who.role.as_str(), "graphql_ws")
    };
    if app.audit.append(draft).await.is_err() {
        return Err(async_graphql::Error::new(
            "the audit trail cannot be written; try again later",
        ));
    }
    let mut data = async_graphql::Data::default();
    data.insert(Arc::new(Gate::new(app.store.clone(), who)));
    Ok(data)
}

async fn health() -> &'static str {
    "ok"
}

/// Which media type the client accepts for GraphQL responses.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum MediaType {
    /// `application/graphql-response+json`: request errors get 4xx.
    GraphqlResponse,
    /// `application/json`: every well-formed request gets 200.
    Json,
}

impl MediaType {
    fn negotiate(h: &HeaderMap) -> Option<MediaType> {
        let Some(accept) = h.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
            return Some(MediaType::GraphqlResponse);
        };
        let types: Vec<String> = accept
            .split(',')
            .map(|t| {
                t.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            })
            .collect();
        if types
            .iter()
            .any(|t| t == "application/graphql-response+json")
        {
            Some(MediaType::GraphqlResponse)
        } else if types.iter().any(|t| t == "application/json") {
            Some(MediaType::Json)
        } else if types.iter().any(|t| t == "*/*" || t == "application/*") {
            Some(MediaType::GraphqlResponse)
        } else {
            None
        }
    }
    fn content_type(self) -> &'static str {
        match self {
            MediaType::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
            MediaType::Json => "application/json; charset=utf-8",
        }
    }
}

fn json_response(status: StatusCode, media: MediaType, body: &Value) -> Response {
    bytes_response(status, media, serde_json::to_vec(body).unwrap_or_default())
}

fn bytes_response(status: StatusCode, media: MediaType, body: Vec<u8>) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(media.content_type()),
    );
    r
}

fn errors_body(code: &str, message: &str) -> Value {
    json!({"errors": [{"message": message, "extensions": {"code": code}}]})
}

/// A refused request (not a GraphQL result): its own status whatever the media type.
pub(super) fn refuse(status: StatusCode, media: MediaType, code: &str, message: &str) -> Response {
    json_response(status, media, &errors_body(code, message))
}

fn unauthenticated(e: &AuthError, media: MediaType) -> Response {
    let status = if *e == AuthError::KeysUnavailable {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::UNAUTHORIZED
    };
    let mut r = refuse(status, media, "UNAUTHENTICATED", &e.message());
    let challenge = if *e == AuthError::Missing {
        "Bearer realm=\"family-card\"".to_string()
    } else {
        format!(
            "Bearer realm=\"family-card\", error=\"invalid_token\", error_description=\"{}\"",
            e.code()
        )
    };
    if let Ok(v) = HeaderValue::from_str(&challenge) {
        r.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    r
}

/// Authentication and the rate limit, shared by every protected route.
pub(super) async fn admit(
    app: &AppContext,
    h: &HeaderMap,
    media: MediaType,
) -> Result<Principal, Response> {
    let auth = h.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    let who = match app.auth.authenticate(auth).await {
        Ok(p) => p,
        Err(e) => {
            tracing::info!(target: "security", event = "authentication_failed", reason = e.code());
            return Err(unauthenticated(&e, media));
        }
    };
    if let Err(wait) = app.rate.check(&who.subject) {
        let mut r = refuse(
            StatusCode::TOO_MANY_REQUESTS,
            media,
            "RATE_LIMITED",
            "too many requests; slow down",
        );
        let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        return Err(r);
    }
    Ok(who)
}

async fn ready(State(st): State<AppState>, h: HeaderMap) -> Response {
    if let Err(r) = admit(&st.app, &h, MediaType::Json).await {
        return r;
    }
    if st.app.store.ready().await {
        (StatusCode::OK, "ready").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database not reachable").into_response()
    }
}

async fn jwks(State(st): State<AppState>) -> Response {
    match &st.app.local_issuer {
        Some(i) => Json(i.jwks()).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// The GraphQL-over-HTTP parameters.
struct Params {
    query: String,
    variables: Option<async_graphql::Variables>,
    operation_name: Option<String>,
}

/// A POST body as the GraphQL-over-HTTP spec gives it, read in one pass straight into the
/// executor's variables: no JSON tree built and converted per request. Whatever it does not
/// take — a member of another type, a member twice, a body that is not an object — is read
/// again by [`params_from_json`], whose error names the member (and which decides what such a
/// body means, as before).
#[derive(serde::Deserialize)]
struct PostBody {
    query: String,
    #[serde(default, rename = "operationName")]
    operation_name: Option<String>,
    #[serde(default)]
    variables: Option<async_graphql::Variables>,
    /// Read only to check that it is an object (nothing here uses extensions).
    #[serde(default)]
    #[allow(dead_code)]
    extensions: Option<serde_json::Map<String, Value>>,
}

/// The parameters of a POST body: typed in one pass, or [`params_from_json`]'s judgement.
fn params_from_body(body: &[u8]) -> Result<Params, String> {
    if let Ok(b) = serde_json::from_slice::<PostBody>(body) {
        return Ok(Params {
            query: b.query,
            variables: b.variables,
            operation_name: b.operation_name,
        });
    }
    serde_json::from_slice::<Value>(body)
        .map_err(|e| format!("the body is not JSON: {e}"))
        .and_then(params_from_json)
}

fn params_from_json(v: Value) -> Result<Params, String> {
    let Value::Object(mut o) = v else {
        return Err("the body must be a JSON object (batches are not accepted)".into());
    };
    let query = match o.remove("query") {
        Some(Value::String(s)) => s,
        None | Some(Value::Null) => return Err("the query parameter is required".into()),
        Some(_) => return Err("the query parameter must be a string".into()),
    };
    let operation_name = match o.remove("operationName") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s),
        Some(_) => return Err("operationName must be a string".into()),
    };
    let variables = match o.remove("variables") {
        None | Some(Value::Null) => None,
        Some(v @ Value::Object(_)) => Some(async_graphql::Variables::from_json(v)),
        Some(_) => return Err("variables must be an object".into()),
    };
    match o.remove("extensions") {
        None | Some(Value::Null) | Some(Value::Object(_)) => {}
        Some(_) => return Err("extensions must be an object".into()),
    }
    Ok(Params {
        query,
        variables,
        operation_name,
    })
}

async fn graphql_post(State(st): State<AppState>, h: HeaderMap, body: Bytes) -> Response {
    let Some(media) = MediaType::negotiate(&h) else {
        return (
            StatusCode::NOT_ACCEPTABLE,
            "accepted response types: application/graphql-response+json, application/json",
        )
            .into_response();
    };
    let who = match admit(&st.app, &h, media).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let ct = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let mut parts = ct.split(';').map(str::trim);
    let mime = parts.next().unwrap_or("");
    let charset_ok = parts
        .all(|p| !p.starts_with("charset=") || matches!(p, "charset=utf-8" | "charset=\"utf-8\""));
    if mime != "application/json" || !charset_ok {
        return refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            media,
            "BAD_REQUEST",
            "send the request as Content-Type: application/json (UTF-8)",
        );
    }
    let params = match params_from_body(&body) {
        Ok(p) => p,
        Err(m) => return refuse(StatusCode::BAD_REQUEST, media, "BAD_REQUEST", &m),
    };
    execute(&st, who, params, media, false).await
}

async fn graphql_get(
    State(st): State<AppState>,
    h: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if !q.contains_key("query") {
        // Not a GraphQL request: the page (it holds no data).
        return super::pages::graphiql().await.into_response();
    }
    let Some(media) = MediaType::negotiate(&h) else {
        return StatusCode::NOT_ACCEPTABLE.into_response();
    };
    let who = match admit(&st.app, &h, media).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let variables = match q.get("variables").map(|v| serde_json::from_str::<Value>(v)) {
        None => None,
        Some(Ok(v @ Value::Object(_))) => Some(async_graphql::Variables::from_json(v)),
        Some(Ok(Value::Null)) => None,
        Some(_) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                media,
                "BAD_REQUEST",
                "variables must be a JSON object",
            )
        }
    };
    let Some(query) = q.get("query").cloned() else {
        return refuse(
            StatusCode::BAD_REQUEST,
            media,
            "BAD_REQUEST",
            "the query parameter is required",
        );
    };
    let params = Params {
        query,
        variables,
        operation_name: q.get("operationName").cloned(),
    };
    execute(&st, who, params, media, true).await
}

async fn execute(
    st: &AppState,
    who: Principal,
    p: Params,
    media: MediaType,
    via_get: bool,
) -> Response {
    let app = &st.app;
    let l = &app.limits;
    let mut draft = AuditDraft {
        partner_id: who.partner_id.clone(),
        purpose: who.purpose.clone(),
        token_id: who.token_id.clone(),
        operation: p.operation_name.clone().filter(|o| o.len() <= 100),
        query_sha256: Some(hex::encode(<sha2::Sha256 as sha2::Digest>::digest(
            p.query.as_bytes(),
        ))),
        ..new_draft(who.subject.clone(), who.role.as_str(), "graphql")
    };
    // Limits before the parser, then the parsed document's (checked once per query text).
    let doc = st.documents.checked(&p.query, l, DocumentFacts::of);
    let doc = match doc {
        Ok(d) => d,
        Err((code, message)) => {
            draft.outcome = "refused_limit".into();
            let status = match media {
                MediaType::GraphqlResponse => StatusCode::BAD_REQUEST,
                MediaType::Json => StatusCode::OK,
            };
            return finish(app, draft, status, media, errors_body(code, &message)).await;
        }
    };
    if via_get {
        let mutation = doc.0.operations.iter().any(|(name, op)| {
            let chosen = match (&p.operation_name, name) {
                (Some(want), Some(n)) => n.as_str() == want,
                (None, _) => true,
                (Some(_), None) => false,
            };
            chosen && op.node.ty != async_graphql::parser::types::OperationType::Query
        });
        if mutation {
            let mut r = refuse(
                StatusCode::METHOD_NOT_ALLOWED,
                media,
                "BAD_REQUEST",
                "mutations are sent with POST",
            );
            r.headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("POST"));
            return r;
        }
    }
    let gate = Arc::new(Gate::new(app.store.clone(), who.clone()).with_scope(doc.1.scope));
    let validated = doc.1.validated.load(std::sync::atomic::Ordering::Relaxed)
        && variables_plainly_typed(&doc.0, p.operation_name.as_deref(), p.variables.as_ref());
    let schema = if validated {
        &st.validated_schema
    } else {
        &st.schema
    };
    let mut req = async_graphql::Request::new(p.query).data(gate.clone());
    req.set_parsed_query(doc.0.clone());
    if let Some(v) = p.variables {
        req = req.variables(v);
    }
    if let Some(o) = p.operation_name {
        req = req.operation_name(o);
    }
    let resp = match tokio::time::timeout(l.request_timeout, schema.execute(req)).await {
        Ok(r) => r,
        Err(_) => {
            draft.outcome = "timeout".into();
            note_gate(&mut draft, &gate);
            let body = errors_body(
                "TIMEOUT",
                &format!(
                    "the request took longer than {} s and was stopped",
                    l.request_timeout.as_secs()
                ),
            );
            return finish(app, draft, StatusCode::SERVICE_UNAVAILABLE, media, body).await;
        }
    };
    // A request error (parse, validation, limits) has no path; a field error that nulled the
    // whole data (a non-null field) is still a result: 200, with `data: null`.
    let request_error = resp.data == async_graphql::Value::Null
        && !resp.errors.is_empty()
        && resp.errors.iter().all(|e| e.path.is_empty());
    if !validated && resp.errors.iter().all(|e| !e.path.is_empty()) {
        // Past the strict validation with nothing to say about the request itself.
        doc.1
            .validated
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }
    note_gate(&mut draft, &gate);
    draft.outcome = if draft
        .accesses
        .iter()
        .any(|a| a.outcome.starts_with("denied"))
    {
        "denied".into()
    } else if request_error {
        "refused".into()
    } else if !resp.errors.is_empty() {
        "partial".into()
    } else {
        "ok".into()
    };
    let status = if request_error && media == MediaType::GraphqlResponse {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    // Masked in place where the role sees no full identifiers (data, error messages, extensions).
    let mut resp = resp;
    if !who.sees_full_identifiers() {
        mask_response(&mut resp);
    }
    if request_error {
        // Rare: rewritten as a JSON value (codes added, no `data` member).
        let mut body = serde_json::to_value(&resp)
            .unwrap_or_else(|_| errors_body("INTERNAL", "internal error"));
        if let Some(errs) = body["errors"].as_array_mut() {
            for e in errs {
                if e["extensions"]["code"].is_null() {
                    e["extensions"] = json!({"code": "GRAPHQL_VALIDATION_FAILED"});
                }
            }
        }
        if let Some(o) = body.as_object_mut() {
            o.remove("data");
        }
        return finish(app, draft, status, media, body).await;
    }
    // Every other answer is serialised once, straight from the executor's value (no
    // intermediate JSON tree).
    let bytes = serde_json::to_vec(&resp).unwrap_or_else(|_| {
        serde_json::to_vec(&errors_body("INTERNAL", "internal error")).unwrap_or_default()
    });
    finish_bytes_dropping(app, draft, status, media, bytes, (resp, gate)).await
}

/// A new audit record of `channel` for `subject` in `role` (the rest filled as the request goes).
pub(super) fn new_draft(subject: String, role: &str, channel: &str) -> AuditDraft {
    AuditDraft {
        at: crate::audit::now_ts(),
        request_id: crate::secret::random_hex::<8>(),
        subject,
        role: role.into(),
        channel: channel.into(),
        ..Default::default()
    }
}

pub(super) fn note_gate(draft: &mut AuditDraft, gate: &Gate) {
    let n = gate.notes();
    draft.accesses = n.accesses;
    draft.accessed_iins = n.accessed_iins.into_iter().collect();
    draft.change = n.changed;
    draft.case_id = n.case_id;
}

/// Records the operation (with every full IIN in the answer) and answers only once the record
/// is on disk; if it cannot be written, nothing is answered but an error.
pub(super) async fn finish(
    app: &AppContext,
    draft: AuditDraft,
    status: StatusCode,
    media: MediaType,
    body: Value,
) -> Response {
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    finish_bytes(app, draft, status, media, bytes).await
}

/// [`finish`] for an answer already serialised: the full IINs are found in its bytes.
pub(super) async fn finish_bytes(
    app: &AppContext,
    draft: AuditDraft,
    status: StatusCode,
    media: MediaType,
    body: Vec<u8>,
) -> Response {
    finish_bytes_dropping(app, draft, status, media, body, ()).await
}

/// [`finish_bytes`] that drops `done_with` — what the request no longer needs: its gate with
/// the loaded records, the executor's answer — while its audit record is being written, so
/// that freeing them is not on the answer's path.
async fn finish_bytes_dropping<T: Send>(
    app: &AppContext,
    mut draft: AuditDraft,
    status: StatusCode,
    media: MediaType,
    body: Vec<u8>,
    done_with: T,
) -> Response {
    let mut disclosed = BTreeSet::new();
    full_iins_in_json(&body, &mut disclosed);
    draft.disclosed_iins = disclosed.into_iter().collect();
    let submitted = app.audit.submit(draft).await;
    drop(done_with);
    let written = match submitted {
        Ok(pending) => pending.on_disk().await,
        Err(e) => Err(e),
    };
    match written {
        Ok(_) => bytes_response(status, media, body),
        Err(e) => {
            tracing::error!(error = %e, "audit record not written; answer withheld");
            refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                media,
                "UNAVAILABLE",
                "the audit trail cannot be written; try again later",
            )
        }
    }
}

/// `GET /audit/export?subject=&iin=&from=&to=`: the matching records as NDJSON (auditors).
async fn audit_export(
    State(st): State<AppState>,
    h: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let who = match admit(&st.app, &h, MediaType::Json).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let gate = Gate::new(st.app.store.clone(), who.clone());
    let filter = (|| -> Result<AuditQuery, super::error::ApiError> {
        gate.require(Action::ReadAudit, "audit_export", "*")?;
        Ok(AuditQuery {
            subject: q.get("subject").cloned(),
            iin: q.get("iin").cloned(),
            from: parse_time("from", q.get("from").map(String::as_str))?,
            to: parse_time("to", q.get("to").map(String::as_str))?,
            after_seq: 0,
            limit: usize::MAX,
        })
    })();
    let mut draft = new_draft(who.subject.clone(), who.role.as_str(), "audit_export");
    let filter = match filter {
        Ok(f) => f,
        Err(e) => {
            note_gate(&mut draft, &gate);
            draft.outcome = "denied".into();
            let _ = st.app.audit.append(draft).await;
            return (StatusCode::FORBIDDEN, Json(json!({"error": e.message()}))).into_response();
        }
    };
    draft.accesses = vec![crate::audit::AuditAccess {
        action: "audit_export".into(),
        object: format!(
            "{:?}",
            (&filter.subject, &filter.iin, &filter.from, &filter.to)
        ),
        outcome: "allowed".into(),
    }];
    draft.outcome = "ok".into();
    if st.app.audit.append(draft).await.is_err() {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    // Stream the file through a bounded channel: memory holds a few chunks, not the export.
    let path = st.app.audit.path().to_path_buf();
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(8);
    tokio::task::spawn_blocking(move || {
        struct ChunkWriter(
            tokio::sync::mpsc::Sender<Result<Vec<u8>, std::io::Error>>,
            Vec<u8>,
        );
        impl std::io::Write for ChunkWriter {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                self.1.extend_from_slice(b);
                if self.1.len() >= 64 * 1024 {
                    self.flush()?;
                }
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                if !self.1.is_empty() {
                    let chunk = std::mem::take(&mut self.1);
                    self.0
                        .blocking_send(Ok(chunk))
                        .map_err(|_| std::io::Error::other("client gone"))?;
                }
                Ok(())
            }
        }
        let mut w = ChunkWriter(tx, Vec::new());
        let _ = crate::audit::export(&path, &filter, &mut w);
        let _ = std::io::Write::flush(&mut w);
    });
    let stream =
        futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|c| (c, rx)) });
    let mut r = axum::body::Body::from_stream(stream).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-ndjson"),
    );
    r
}

/// The SMS gateway posts citizens' replies here: JSON `{"message_id"?, "from", "text"}` (format:
/// `docs/proactive.md`). 404 unless a webhook secret is configured; 401 for a caller without it
/// (nothing is read or stored); 400 for a body that is not that JSON; 200 with the recorded
/// outcome otherwise (so the gateway does not re-deliver); 503 when the database is down.
async fn sms_inbound(
    State(st): State<AppState>,
    h: HeaderMap,
    method: Method,
    body: Bytes,
) -> Response {
    debug_assert_eq!(method, Method::POST);
    let now = chrono::Utc::now();
    let verified = match st.app.webhook.verify(&h, &body, now) {
        Ok(v) => v,
        Err(super::webhook::WebhookError::Closed) => return StatusCode::NOT_FOUND.into_response(),
        Err(super::webhook::WebhookError::Unauthenticated(why)) => {
            tracing::info!(target: "security", event = "webhook_refused", reason = why);
            return (StatusCode::UNAUTHORIZED, Json(json!({"error": why}))).into_response();
        }
    };
    let mut sms: InboundSms = match serde_json::from_slice(&body) {
        Ok(s) => s,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({"error": format!("body must be {{\"from\", \"text\", \"message_id\"?}}: {e}")})),
            )
                .into_response()
        }
    };
    if sms.from.len() > 32 || sms.text.len() > 1_000 {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "from or text too long"})),
        )
            .into_response();
    }
    // The received time is ours (or the signed one), never the body's.
    sms.received_at = Some(verified.received_at);
    if let Some(id) = verified.delivery_id {
        sms.message_id = Some(id);
    }
    let a = &st.app;
    match handle_inbound(&a.store, &a.proactive, &a.titles, &sms, now).await {
        Ok(out) => {
            let draft = AuditDraft {
                accesses: vec![crate::audit::AuditAccess {
                    action: "sms_reply".into(),
                    object: out.offer_id.clone().unwrap_or_default(),
                    outcome: out.outcome.clone(),
                }],
                outcome: out.outcome.clone(),
                change: out.outcome == "applied",
                ..new_draft(format!("sms:{}", sms.from), "citizen", "sms_inbound")
            };
            if a.audit.append(draft).await.is_err() {
                return StatusCode::SERVICE_UNAVAILABLE.into_response();
            }
            (StatusCode::OK, Json(out)).into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "inbound SMS not processed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"error": "temporarily unavailable; re-deliver later"})),
            )
                .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{params_from_body, params_from_json, variables_plainly_typed};
    use serde_json::json;

    #[test]
    fn a_post_body_typed_in_one_pass_means_what_its_json_tree_means() {
        let through_tree = |b: &str| {
            serde_json::from_str::<serde_json::Value>(b)
                .map_err(|e| format!("the body is not JSON: {e}"))
                .and_then(params_from_json)
        };
        let seen = |r: Result<super::Params, String>| {
            r.map(|p| {
                (
                    p.query,
                    p.variables.map(|v| v.into_value()),
                    p.operation_name,
                )
            })
        };
        for body in [
            r#"{"query":"{ a }"}"#,
            r#"{"query":"q($iin: String!) { a }","variables":{"iin":"880315401029","n":[1,2.5,null,{"x":true}]},"operationName":"q","extensions":{"k":1}}"#,
            r#"{"query":"{ a }","variables":null,"operationName":null,"extensions":null,"other":[1]}"#,
            r#"{"query":"{ a }","query":"{ b }"}"#,
            r#"{"query":null}"#,
            r#"{"query":7}"#,
            r#"{}"#,
            r#"[{"query":"{ a }"}]"#,
            r#"{"query":"{ a }","variables":[1]}"#,
            r#"{"query":"{ a }","variables":"{}"}"#,
            r#"{"query":"{ a }","operationName":5}"#,
            r#"{"query":"{ a }","extensions":[]}"#,
            r#"{"query":"{ a }""#,
            "",
        ] {
            assert_eq!(
                seen(params_from_body(body.as_bytes())),
                seen(through_tree(body)),
                "{body}"
            );
        }
    }

    #[test]
    fn only_plainly_typed_variables_skip_the_strict_rules() {
        let doc = async_graphql::parser::parse_query(
            "query A($s: String!, $n: Int, $f: Float, $b: Boolean, $id: ID, $d: Int! = 3) { __typename } \
             query L($l: [String!]!) { __typename } query E($e: Region) { __typename }",
        )
        .unwrap();
        let ok = |v: serde_json::Value, op: Option<&str>| {
            let v = async_graphql::Variables::from_json(v);
            variables_plainly_typed(&doc, op, Some(&v))
        };
        assert!(ok(json!({"s": "x"}), Some("A")));
        assert!(
            !ok(
                json!({"s": "x", "n": 7, "f": 1.5, "b": true, "id": 9, "d": null}),
                Some("A")
            ),
            "a null for a non-null variable with a default is the strict rules' to judge"
        );
        assert!(ok(
            json!({"s": "x", "n": null, "f": 2, "b": false, "id": "k"}),
            Some("A")
        ));
        for bad in [
            json!({}),
            json!({"s": 1}),
            json!({"s": null}),
            json!({"s": "x", "n": "7"}),
            json!({"s": "x", "n": 3_000_000_000u64}),
            json!({"s": "x", "n": 1.5}),
            json!({"s": "x", "b": "true"}),
            json!({"s": "x", "id": 1.5}),
        ] {
            assert!(!ok(bad.clone(), Some("A")), "{bad}");
        }
        // Lists and other types, unknown or ambiguous operations: the strict rules.
        assert!(!ok(json!({"l": ["a"]}), Some("L")));
        assert!(!ok(json!({"e": "ALMATY"}), Some("E")));
        assert!(!ok(json!({"s": "x"}), Some("Missing")));
        assert!(!ok(json!({"s": "x"}), None));
        let single = async_graphql::parser::parse_query("{ __typename }").unwrap();
        assert!(variables_plainly_typed(&single, None, None));
    }
}
