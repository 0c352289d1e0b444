//! GraphQL for auditors (the trail: by subject, by person, by period) and admins (the service
//! configuration, without secrets).

use super::error::{ApiError, ApiResult};
use super::schema::gate;
use super::AppContext;
use crate::audit::{self, AuditQuery as Filter};
use async_graphql::{Context, Object, SimpleObject};
use chrono::{DateTime, Utc};

#[derive(SimpleObject)]
#[graphql(name = "AuditAccess")]
pub struct AccessView {
    pub action: String,
    pub object: String,
    pub outcome: String,
}

/// One operation of the trail.
#[derive(SimpleObject)]
#[graphql(name = "AuditEntry")]
pub struct AuditEntryView {
    pub seq: u64,
    pub at: String,
    pub subject: String,
    pub role: String,
    pub partner_id: Option<String>,
    pub purpose: Option<String>,
    pub channel: String,
    pub operation: Option<String>,
    pub outcome: String,
    pub change: bool,
    pub accesses: Vec<AccessView>,
    /// Persons whose data the operation loaded and let through.
    pub accessed_iins: Vec<String>,
    /// Full IINs the answer contained.
    pub disclosed_iins: Vec<String>,
    pub hash: String,
}

#[derive(SimpleObject)]
#[graphql(name = "AuditPage")]
pub struct AuditPageView {
    pub entries: Vec<AuditEntryView>,
    /// Pass as `afterSeq` for the next page.
    pub last_seq: Option<u64>,
    pub has_more: bool,
}

#[derive(SimpleObject)]
#[graphql(name = "ServiceConfiguration")]
pub struct ConfigurationView {
    pub auth_issuer: String,
    pub auth_audience: String,
    pub rules_origin: String,
    pub legal_parameters_version: String,
    pub benefit_rules_version: String,
    pub max_body_bytes: u64,
    pub max_query_bytes: u64,
    pub max_depth: u64,
    pub max_complexity: u64,
    pub max_aliases: u64,
    pub requests_per_second: f64,
    pub introspection: bool,
    pub sms_webhook: String,
    pub audit_file: String,
}

#[derive(Default)]
pub struct AuditQuery;

fn app<'a>(ctx: &'a Context<'_>) -> &'a AppContext {
    ctx.data_unchecked::<AppContext>()
}

#[Object]
impl AuditQuery {
    /// The audit trail, oldest first (auditors). Every condition given must hold: `subject` (who
    /// asked), `iin` (whose data was loaded, disclosed or asked for), `from`/`to` (RFC 3339).
    #[allow(clippy::too_many_arguments)]
    async fn audit_trail(
        &self,
        ctx: &Context<'_>,
        subject: Option<String>,
        iin: Option<String>,
        from: Option<DateTime<Utc>>,
        to: Option<DateTime<Utc>>,
        after_seq: Option<u64>,
        first: Option<i32>,
    ) -> async_graphql::Result<AuditPageView> {
        gate(ctx).audit_trail(iin.as_deref().or(subject.as_deref()).unwrap_or("*"))?;
        let limit = match first {
            None => 50,
            Some(n) if (1..=500).contains(&n) => n as usize,
            Some(_) => return Err(ApiError::bad_input("first", "between 1 and 500").into()),
        };
        let q = Filter {
            subject,
            iin,
            from,
            to,
            after_seq: after_seq.unwrap_or(0),
            limit,
        };
        let path = app(ctx).audit.path().to_path_buf();
        let (rows, has_more) = tokio::task::spawn_blocking(move || audit::search(&path, &q))
            .await
            .map_err(|e| ApiError::Internal(e.into()))?
            .map_err(|e| ApiError::Internal(e.into()))?;
        Ok(AuditPageView {
            last_seq: rows.last().map(|r| r.seq),
            has_more,
            entries: rows.into_iter().map(view).collect(),
        })
    }

    /// What the service runs with (admins): issuer, limits, rule versions. No secrets.
    async fn service_configuration(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<ConfigurationView> {
        gate(ctx).configuration()?;
        Ok(configuration(app(ctx)))
    }
}

fn configuration(a: &AppContext) -> ConfigurationView {
    let l = &a.limits;
    ConfigurationView {
        auth_issuer: a.auth.issuer().into(),
        auth_audience: a.auth.audience().into(),
        rules_origin: a.rules.origin.to_string(),
        legal_parameters_version: a.rules.legal.version.to_string(),
        benefit_rules_version: a.rules.benefits.version.to_string(),
        max_body_bytes: l.max_body_bytes as u64,
        max_query_bytes: l.max_query_bytes as u64,
        max_depth: l.max_depth as u64,
        max_complexity: l.max_complexity as u64,
        max_aliases: l.max_aliases as u64,
        requests_per_second: l.rate_per_second,
        introspection: l.introspection,
        sms_webhook: a.webhook.describe().into(),
        audit_file: a.audit.path().display().to_string(),
    }
}

fn view(r: audit::AuditRecord) -> AuditEntryView {
    let d = r.draft;
    AuditEntryView {
        seq: r.seq,
        at: d.at,
        subject: d.subject,
        role: d.role,
        partner_id: d.partner_id,
        purpose: d.purpose,
        channel: d.channel,
        operation: d.operation,
        outcome: d.outcome,
        change: d.change,
        accesses: d
            .accesses
            .into_iter()
            .map(|a| AccessView {
                action: a.action,
                object: a.object,
                outcome: a.outcome,
            })
            .collect(),
        accessed_iins: d.accessed_iins,
        disclosed_iins: d.disclosed_iins,
        hash: r.hash,
    }
}

/// Parses an RFC 3339 bound of an export query.
pub fn parse_time(field: &str, v: Option<&str>) -> ApiResult<Option<DateTime<Utc>>> {
    v.map(|s| {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| ApiError::bad_input(field, e))
    })
    .transpose()
}
