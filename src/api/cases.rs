//! Investigators' cases over GraphQL: open a case (purpose, legal basis, subjects), add persons,
//! notes and pinned graph views, change its status (closing needs a conclusion), read, list,
//! search and export it (JSON, CSV). Every operation asks the gate (`ManageCases` to change,
//! `ReadCases` to read: investigators in their region scope, auditors every case); the rules of
//! a case are `domain::cases`, and the link queries' `caseId` (reads under a case) is checked by
//! `Gate::under_case`.
//!
//! Changes never lose one another: each is made on the case as loaded and saved only onto that
//! version (`Store::update_case`); when another change landed first, the resolver reloads the
//! case and applies its change again (so two concurrent notes are both kept), and a client that
//! names the `expectedVersion` it saw gets a `CONFLICT` error instead when the case moved on.
//! A subject added must be a person registered in the investigator's region scope today — the
//! rule the gate applies to a link read about that person. The list pages by keyset cursors
//! (the last case id seen), so cases opened meanwhile never shift or repeat a page.

use super::access::Gate;
use super::error::{ApiError, ApiResult};
use super::policy::Action;
use super::schema::{gate, today, MAX_PAGE};
use crate::domain::cases::{self, Case, CaseError, CaseStatus, NewCase};
use crate::domain::ids::Iin;
use crate::family_cards::FamilyError;
use crate::store::cases::CaseFilter;
use async_graphql::connection::{Connection, EmptyFields};
use async_graphql::{Context, Enum, Object, SimpleObject};

fn store_error(e: crate::store::StoreError) -> ApiError {
    ApiError::from(FamilyError::Store(e))
}

fn refused(e: CaseError) -> ApiError {
    ApiError::bad_input(e.field, e.message)
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "CaseStatus")]
pub enum CaseStatusView {
    Open,
    Suspended,
    Closed,
}

impl From<CaseStatusView> for CaseStatus {
    fn from(s: CaseStatusView) -> Self {
        match s {
            CaseStatusView::Open => CaseStatus::Open,
            CaseStatusView::Suspended => CaseStatus::Suspended,
            CaseStatusView::Closed => CaseStatus::Closed,
        }
    }
}

impl From<CaseStatus> for CaseStatusView {
    fn from(s: CaseStatus) -> Self {
        match s {
            CaseStatus::Open => CaseStatusView::Open,
            CaseStatus::Suspended => CaseStatusView::Suspended,
            CaseStatus::Closed => CaseStatusView::Closed,
        }
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum CaseExportFormat {
    Json,
    Csv,
}

#[derive(SimpleObject, Clone)]
#[graphql(name = "CaseNote")]
pub struct CaseNoteView {
    pub at: String,
    pub by: String,
    pub text: String,
}

/// A graph view pinned to a case; `slice` is the JSON the explorer drew.
#[derive(SimpleObject, Clone)]
#[graphql(name = "PinnedView")]
pub struct PinnedViewView {
    pub at: String,
    pub by: String,
    pub name: String,
    pub slice: String,
}

/// An investigators' case.
#[derive(SimpleObject, Clone)]
#[graphql(name = "Case")]
pub struct CaseView {
    pub case_id: String,
    pub title: String,
    pub purpose: String,
    pub legal_basis: String,
    pub region: String,
    pub status: CaseStatusView,
    pub opened_by: String,
    pub opened_at: String,
    /// IINs of the persons the case concerns.
    pub subjects: Vec<String>,
    pub notes: Vec<CaseNoteView>,
    pub pinned_views: Vec<PinnedViewView>,
    pub conclusion: Option<String>,
    /// Saved changes so far (1 when opened); pass it as `expectedVersion` to change only this
    /// version.
    pub version: i64,
}

fn case_view(c: &Case) -> CaseView {
    CaseView {
        case_id: c.case_id.clone(),
        title: c.title.clone(),
        purpose: c.purpose.clone(),
        legal_basis: c.legal_basis.clone(),
        region: c.region.clone(),
        status: c.status.into(),
        opened_by: c.opened_by.clone(),
        opened_at: c.opened_at.clone(),
        subjects: c.subjects.clone(),
        notes: c
            .notes
            .iter()
            .map(|n| CaseNoteView {
                at: n.at.clone(),
                by: n.by.clone(),
                text: n.text.clone(),
            })
            .collect(),
        pinned_views: c
            .views
            .iter()
            .map(|v| PinnedViewView {
                at: v.at.clone(),
                by: v.by.clone(),
                name: v.name.clone(),
                slice: v.slice.clone(),
            })
            .collect(),
        conclusion: c.conclusion.clone(),
        version: c.version,
    }
}

/// Loads and changes a case this many times at most when other changes keep landing first.
const CHANGE_ATTEMPTS: usize = 10;

fn conflict(case_id: &str, expected: i64, now: i64) -> ApiError {
    ApiError::Conflict(format!(
        "case {case_id} changed since version {expected} (now version {now}): reload it and apply \
         your change again"
    ))
}

/// Loads a case the principal may change, applies `change` (the domain's rules) and saves it onto
/// the version it was loaded at. Another change saved first: with `expected` (the version the
/// client saw) a conflict error, else the case is reloaded and the change applied again.
async fn change_case(
    g: &Gate,
    what: &str,
    case_id: &str,
    expected: Option<i32>,
    change: impl Fn(&mut Case, &str, &str) -> Result<(), CaseError>,
) -> ApiResult<CaseView> {
    for _ in 0..CHANGE_ATTEMPTS {
        let mut c = g.case(Action::ManageCases, what, case_id).await?;
        if let Some(v) = expected.map(i64::from) {
            if c.version != v {
                return Err(conflict(case_id, v, c.version));
            }
        }
        let by = g.principal().subject.clone();
        change(&mut c, &by, &crate::audit::now_ts()).map_err(refused)?;
        g.note_change();
        match g.store().update_case(&c).await.map_err(store_error)? {
            Some(v) => {
                c.version = v;
                return Ok(case_view(&c));
            }
            None if expected.is_some() => {
                let now = g.store().case(case_id).await.map_err(store_error)?;
                return Err(conflict(
                    case_id,
                    c.version,
                    now.map_or(c.version, |n| n.version),
                ));
            }
            None => continue,
        }
    }
    Err(ApiError::Conflict(format!(
        "case {case_id} is being changed by others: try again"
    )))
}

/// A person to make a subject of a case: stored, and registered today in the principal's region
/// scope (the gate's rule for a link read about them); refused with the region otherwise.
async fn admit_subject(g: &Gate, what: &str, field: &str, iin: &str) -> ApiResult<Iin> {
    let i = Iin::parse(iin.trim()).map_err(|e| ApiError::bad_input(field, e))?;
    let found = g
        .store()
        .link_records(std::slice::from_ref(&i))
        .await
        .map_err(store_error)?;
    let Some(r) = found.first() else {
        return Err(ApiError::NotFound(format!(
            "{field}: no person with this IIN"
        )));
    };
    let region = r.region_on(today());
    g.admit_links(what, i.as_str(), &[region], [&i])
        .map_err(|e| match e {
            ApiError::Forbidden(_) => ApiError::Forbidden(format!(
                "{field}: this person is registered {} today, outside your region scope; a case's \
                 subjects must be registered in it",
                region.map_or("nowhere".to_string(), |r| format!("in {r}"))
            )),
            other => other,
        })?;
    Ok(i)
}

/// The keyset cursor of a case in the list: the case id.
fn case_cursor(c: &Case) -> String {
    format!("c:{}", c.case_id)
}

#[derive(Default)]
pub struct CasesQuery;

#[Object]
impl CasesQuery {
    /// Investigators (their region scope) and auditors: one case.
    async fn case(&self, ctx: &Context<'_>, id: String) -> async_graphql::Result<CaseView> {
        let c = gate(ctx).case(Action::ReadCases, "case", &id).await?;
        Ok(case_view(&c))
    }

    /// Investigators (their region scope) and auditors: cases in id order, filtered by status,
    /// region, a subject's IIN and text in the title; `after` is the keyset cursor of the last
    /// case seen (stable while cases are opened).
    #[graphql(complexity = "50 + child_complexity")]
    #[allow(clippy::too_many_arguments)]
    async fn cases(
        &self,
        ctx: &Context<'_>,
        status: Option<CaseStatusView>,
        region: Option<String>,
        subject: Option<String>,
        search: Option<String>,
        after: Option<String>,
        first: Option<i32>,
    ) -> async_graphql::Result<Connection<String, CaseView, EmptyFields, EmptyFields>> {
        let subject = subject
            .map(|s| super::schema::parse_iin("subject", &s).map(|i| i.as_str().to_string()))
            .transpose()?;
        if search
            .as_ref()
            .is_some_and(|s| s.chars().count() > cases::MAX_TITLE)
        {
            return Err(ApiError::bad_input("search", "at most 200 characters").into());
        }
        let g = gate(ctx);
        let region = g.case_list_region(region)?;
        let after_id = match after.as_deref() {
            None => None,
            Some(c) => match c.strip_prefix("c:") {
                Some(id) if id.starts_with("CASE-") && id.len() <= 64 => Some(id.to_string()),
                _ => return Err(ApiError::bad_input("after", "not a cursor from this list").into()),
            },
        };
        let first = match first {
            None => 50,
            Some(n) if n < 0 => {
                return Err(ApiError::bad_input("first", "must not be negative").into())
            }
            Some(n) if n as usize > MAX_PAGE => {
                return Err(ApiError::bad_input("first", format!("at most {MAX_PAGE}")).into())
            }
            Some(n) => n as usize,
        };
        let filter = CaseFilter {
            status: status.map(CaseStatus::from),
            region,
            subject,
            search: search
                .filter(|s| !s.trim().is_empty())
                .map(|s| s.trim().to_string()),
        };
        let mut found = g
            .store()
            .cases_page(&filter, after_id.as_deref(), first as i64 + 1)
            .await
            .map_err(store_error)?;
        let more = found.len() > first;
        found.truncate(first);
        let mut conn = Connection::new(after_id.is_some(), more);
        for c in &found {
            g.admit_case(Action::ReadCases, "cases", c)?;
            conn.edges.push(async_graphql::connection::Edge::new(
                case_cursor(c),
                case_view(c),
            ));
        }
        Ok(conn)
    }

    /// Investigators (their region scope) and auditors: the case as JSON or CSV text.
    async fn case_export(
        &self,
        ctx: &Context<'_>,
        id: String,
        format: CaseExportFormat,
    ) -> async_graphql::Result<String> {
        let c = gate(ctx)
            .case(Action::ReadCases, "case_export", &id)
            .await?;
        Ok(match format {
            CaseExportFormat::Json => serde_json::to_string_pretty(&c)
                .map_err(|e| ApiError::Internal(anyhow::anyhow!(e)))?,
            CaseExportFormat::Csv => cases::to_csv(&c),
        })
    }
}

#[derive(Default)]
pub struct CasesMutation;

#[Object]
impl CasesMutation {
    /// Investigators: opens a case of `region` (default: the token's region) with its purpose,
    /// legal basis and first subjects (IINs).
    async fn open_case(
        &self,
        ctx: &Context<'_>,
        title: String,
        purpose: String,
        legal_basis: String,
        region: Option<String>,
        subjects: Option<Vec<String>>,
    ) -> async_graphql::Result<CaseView> {
        let g = gate(ctx);
        let what = "open_case";
        g.require(Action::ManageCases, what, "*")?;
        let region = region.unwrap_or_else(|| g.principal().region.as_str().to_string());
        if !crate::domain::regions::is_region(&region) {
            return Err(ApiError::bad_input("region", "not a region code").into());
        }
        let id = format!("CASE-{}", crate::secret::random_hex::<8>());
        let subjects = subjects.unwrap_or_default();
        if subjects.len() > cases::MAX_SUBJECTS {
            return Err(ApiError::bad_input(
                "subjects",
                format!("at most {}", cases::MAX_SUBJECTS),
            )
            .into());
        }
        let mut admitted = Vec::with_capacity(subjects.len());
        for s in &subjects {
            admitted.push(
                admit_subject(g, what, "subjects", s)
                    .await?
                    .as_str()
                    .to_string(),
            );
        }
        let c = cases::open(
            id,
            &NewCase {
                title: &title,
                purpose: &purpose,
                legal_basis: &legal_basis,
                region: &region,
                subjects: &admitted,
            },
            &g.principal().subject,
            &crate::audit::now_ts(),
        )
        .map_err(refused)?;
        g.admit_case(Action::ManageCases, what, &c)?;
        g.note_change();
        g.store().create_case(&c).await.map_err(store_error)?;
        Ok(case_view(&c))
    }

    /// Investigators: adds a person registered in their region scope to an open or suspended
    /// case.
    async fn add_case_subject(
        &self,
        ctx: &Context<'_>,
        case_id: String,
        iin: String,
        #[graphql(desc = "Change only this version of the case (else CONFLICT).")]
        expected_version: Option<i32>,
    ) -> async_graphql::Result<CaseView> {
        let g = gate(ctx);
        let what = "add_case_subject";
        g.require(Action::ManageCases, what, &case_id)?;
        let iin = admit_subject(g, what, "iin", &iin).await?;
        Ok(change_case(g, what, &case_id, expected_version, |c, _, _| {
            cases::add_subject(c, iin.as_str())
        })
        .await?)
    }

    /// Investigators: adds a note (not on a closed case).
    async fn add_case_note(
        &self,
        ctx: &Context<'_>,
        case_id: String,
        text: String,
        #[graphql(desc = "Change only this version of the case (else CONFLICT).")]
        expected_version: Option<i32>,
    ) -> async_graphql::Result<CaseView> {
        Ok(change_case(
            gate(ctx),
            "add_case_note",
            &case_id,
            expected_version,
            |c, by, at| cases::add_note(c, &text, by, at),
        )
        .await?)
    }

    /// Investigators: pins a graph view (`slice`: the JSON the explorer drew).
    async fn pin_case_view(
        &self,
        ctx: &Context<'_>,
        case_id: String,
        name: String,
        slice: String,
        #[graphql(desc = "Change only this version of the case (else CONFLICT).")]
        expected_version: Option<i32>,
    ) -> async_graphql::Result<CaseView> {
        Ok(change_case(
            gate(ctx),
            "pin_case_view",
            &case_id,
            expected_version,
            |c, by, at| cases::pin_view(c, &name, &slice, by, at),
        )
        .await?)
    }

    /// Investigators: open ⇄ suspended, or closed with a `conclusion` (final).
    async fn set_case_status(
        &self,
        ctx: &Context<'_>,
        case_id: String,
        status: CaseStatusView,
        conclusion: Option<String>,
        #[graphql(desc = "Change only this version of the case (else CONFLICT).")]
        expected_version: Option<i32>,
    ) -> async_graphql::Result<CaseView> {
        Ok(change_case(
            gate(ctx),
            "set_case_status",
            &case_id,
            expected_version,
            |c, _, _| cases::set_status(c, status.into(), conclusion.as_deref()),
        )
        .await?)
    }
}
