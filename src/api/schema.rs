//! The GraphQL schema: the query root (registry queries here; `Family` in `family.rs`, `Person`
//! in `person.rs`, rule results in `assessments.rs`, offers in `proactive.rs`, links, the audit
//! trail, the dashboard in theirs), shared helpers, and `build_schema` with its limits.

use super::access::Gate;
use super::assessments::{self, BenefitView, LevelCountView};
use super::error::{ApiError, ApiResult};
use super::family::FamilyView;
use super::person::PersonView;
use crate::domain::ids::Iin;
use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, Object, Schema};
use chrono::NaiveDate;
use std::sync::Arc;

pub type AppSchema = Schema<QueryRoot, MutationRoot, super::events::SubscriptionRoot>;

/// The mutation root: operators' offer answers and partners' event subscriptions.
#[derive(async_graphql::MergedObject)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(
    super::proactive::MutationRoot,
    super::events::EventsMutation,
    super::cases::CasesMutation,
);

/// Largest page a list field returns; larger `first` values are refused.
pub const MAX_PAGE: usize = 100;
const DEFAULT_PAGE: usize = 50;

/// The request's gate (every resolver reads through it; see `access`).
pub(super) fn gate<'a>(ctx: &'a Context<'_>) -> &'a Gate {
    ctx.data_unchecked::<Arc<Gate>>()
}

pub(super) fn parse_iin(field: &str, s: &str) -> ApiResult<Iin> {
    Iin::parse(s).map_err(|e| ApiError::bad_input(field, e))
}

pub(super) fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

pub(super) fn snake<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Index-cursor pagination over an in-memory list (lists here are per family: small, bounded).
pub(super) fn paginate<T: async_graphql::OutputType>(
    items: Vec<T>,
    after: Option<String>,
    first: Option<i32>,
) -> ApiResult<Connection<String, T, EmptyFields, EmptyFields>> {
    let first = match first {
        None => DEFAULT_PAGE,
        Some(n) if n < 0 => return Err(ApiError::bad_input("first", "must not be negative")),
        Some(n) if n as usize > MAX_PAGE => {
            return Err(ApiError::bad_input("first", format!("at most {MAX_PAGE}")))
        }
        Some(n) => n as usize,
    };
    let start = match after {
        None => 0,
        Some(c) => {
            c.strip_prefix("i:")
                .and_then(|n| n.parse::<usize>().ok())
                .ok_or_else(|| ApiError::bad_input("after", "not a cursor from this list"))?
                + 1
        }
    };
    let total = items.len();
    let end = (start + first).min(total);
    let mut conn = Connection::new(start > 0, end < total);
    conn.edges.extend(
        items
            .into_iter()
            .enumerate()
            .skip(start)
            .take(end.saturating_sub(start))
            .map(|(i, t)| Edge::new(format!("i:{i}"), t)),
    );
    Ok(conn)
}

/// The query root: the registry (persons, families) plus the proactive flow.
#[derive(async_graphql::MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoot(
    RegistryQuery,
    super::proactive::ProactiveQuery,
    super::audit_trail::AuditQuery,
    super::links::LinksQuery,
    super::links::SignalHitsQuery,
    super::dashboard::DashboardQuery,
    super::events::EventsQuery,
    super::cases::CasesQuery,
);

#[derive(Default)]
pub struct RegistryQuery;

#[Object]
impl RegistryQuery {
    /// A person by IIN (12 digits, check digit verified).
    #[graphql(complexity = "10 + child_complexity")]
    async fn person(
        &self,
        ctx: &Context<'_>,
        iin: String,
    ) -> async_graphql::Result<Option<PersonView>> {
        let iin = parse_iin("iin", &iin)?;
        let f = gate(ctx).person(&iin).await?;
        Ok(f.map(|f| PersonView {
            facts: Arc::new(f),
            role: None,
            basis: None,
            as_of: None,
        }))
    }

    /// A family card: the family a person belongs to (`iin`) or a card by id (`familyId`), as of
    /// a date (default today). Exactly one of `iin` and `familyId`.
    #[graphql(complexity = "20 + child_complexity")]
    async fn family(
        &self,
        ctx: &Context<'_>,
        iin: Option<String>,
        family_id: Option<String>,
        as_of: Option<NaiveDate>,
    ) -> async_graphql::Result<FamilyView> {
        let d = as_of.unwrap_or_else(today);
        let s = match (iin, family_id) {
            (Some(i), None) => {
                let i = parse_iin("iin", &i)?;
                gate(ctx).family_of_person(&i, d).await?
            }
            (None, Some(id)) => gate(ctx).family_by_id(&id, d).await?,
            _ => {
                return Err(
                    ApiError::bad_input("iin", "give exactly one of iin and familyId").into(),
                )
            }
        };
        Ok(FamilyView { s })
    }

    /// Families per well-being level on `asOf` (each family's latest stored assessment on or
    /// before it), in one region or the whole country. Aggregates only.
    async fn wellbeing_distribution(
        &self,
        ctx: &Context<'_>,
        region: Option<String>,
        as_of: Option<NaiveDate>,
    ) -> async_graphql::Result<Vec<LevelCountView>> {
        let region = gate(ctx).aggregate_region(region)?;
        let d = as_of.unwrap_or_else(today);
        let rows = assessments::app(ctx)
            .store
            .wellbeing_distribution(&d.to_string(), region.as_deref())
            .await
            .map_err(|e| ApiError::from(crate::family_cards::FamilyError::Store(e)))?;
        Ok(assessments::distribution_view(rows))
    }

    /// The benefits evaluated, with their legal basis.
    async fn benefits(&self, ctx: &Context<'_>) -> Vec<BenefitView> {
        assessments::benefit_list(assessments::app(ctx))
    }
}

/// Where the pre-parse limits on the text and the parsed document are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextChecks {
    /// By the caller before the schema sees the request (`api::http`, through its
    /// [`super::limits::DocumentCache`]): the schema has no extension, so async-graphql resolves
    /// every field on its fast path (with any extension registered it looks up each field's
    /// types in the registry and formats list type names, for every field of every answer).
    ByCaller,
    /// As [`TextChecks::ByCaller`], for documents that already passed async-graphql's strict
    /// validation once, sent with variables the caller checked as plainly typed
    /// (`api::http`): the validation rules that depend on the document alone are not run
    /// again (`ValidationMode::Fast`: depth, complexity and fragment cycles still are, and the
    /// executor still checks every argument it resolves). Running every rule for every request
    /// of the same text was about a tenth of a card read's CPU.
    ByCallerDocumentValidated,
    /// By the schema itself, in a parse hook ([`super::limits::LimitsExtension`]): for requests
    /// that do not pass through `api::http`'s handler (GraphQL over WebSocket).
    InSchema,
}

/// Builds the schema with its limits (depth, complexity, introspection); `None`: for the SDL.
/// Request data (the gate) is added per request by the HTTP layer.
pub fn build_schema(
    app: Option<super::AppContext>,
    limits: &super::limits::Limits,
    checks: TextChecks,
) -> AppSchema {
    let mut b = Schema::build(
        QueryRoot::default(),
        MutationRoot(
            super::proactive::MutationRoot,
            super::events::EventsMutation,
            super::cases::CasesMutation,
        ),
        super::events::SubscriptionRoot,
    )
    .limit_depth(limits.max_depth)
    .limit_complexity(limits.max_complexity)
    .limit_recursive_depth(32)
    .limit_directives(4);
    match checks {
        TextChecks::ByCaller => {}
        TextChecks::ByCallerDocumentValidated => {
            b = b.validation_mode(async_graphql::ValidationMode::Fast);
        }
        TextChecks::InSchema => {
            b = b.extension(super::limits::LimitsExtension(limits.clone()));
        }
    }
    if !limits.introspection {
        b = b.disable_introspection().disable_suggestions();
    }
    if let Some(a) = app {
        b = b.data(a);
    }
    b.finish()
}
