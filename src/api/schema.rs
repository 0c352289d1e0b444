//! The GraphQL schema: thin resolvers over the personal-data gate and the pure domain.

use super::access::Gate;
use super::assessments::{
    self, BenefitView, EntitlementView, LevelCountView, WellbeingRecordView, WellbeingView,
};
use super::error::{ApiError, ApiResult};
use crate::domain::family::FamilyRole;
use crate::domain::ids::Iin;
use crate::domain::registry::{self, PersonFacts};
use crate::domain::snapshot::{FamilySnapshot, MemberSnapshot};
use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, EmptySubscription, Object, Schema, SimpleObject};
use chrono::NaiveDate;
use std::sync::Arc;

pub type AppSchema = Schema<QueryRoot, super::proactive::MutationRoot, EmptySubscription>;

/// Largest page a list field returns; larger `first` values are refused.
pub const MAX_PAGE: usize = 100;
const DEFAULT_PAGE: usize = 50;

/// The request's gate (every resolver reads through it; see `access`).
pub(super) fn gate<'a>(ctx: &'a Context<'_>) -> &'a Gate {
    ctx.data_unchecked::<Arc<Gate>>()
}

fn parse_iin(field: &str, s: &str) -> ApiResult<Iin> {
    Iin::parse(s).map_err(|e| ApiError::bad_input(field, e))
}

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

fn snake<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Index-cursor pagination over an in-memory list (lists here are per family: small, bounded).
fn paginate<T: async_graphql::OutputType>(
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
    super::dashboard::DashboardQuery,
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

/// An entitlement recorded by a detection run.
#[derive(SimpleObject)]
#[graphql(name = "DetectedEntitlement")]
pub struct DetectedEntitlementView {
    pub benefit: String,
    pub amount_kzt: Option<i64>,
    pub period_from: Option<String>,
    /// DETECTED, then NOTIFIED for notices; the offer carries the rest of the flow.
    pub status: String,
    pub detected_on: String,
}

pub struct FamilyView {
    pub s: Arc<FamilySnapshot>,
}

#[derive(SimpleObject)]
#[graphql(name = "NotCounted")]
pub struct NotCountedView {
    pub iin: String,
    pub reason: String,
}

#[derive(SimpleObject)]
#[graphql(name = "Deceased")]
pub struct DeceasedView {
    pub iin: String,
    pub death_date: NaiveDate,
    pub relation: String,
}

#[derive(SimpleObject)]
#[graphql(name = "Household")]
pub struct HouseholdView {
    /// The dwelling the family's anchor is registered at on the date.
    pub address_id: Option<String>,
    /// Everybody registered there on the date.
    pub residents: Vec<String>,
    /// Residents who are not members of the legal family.
    pub outside_family: Vec<String>,
}

#[derive(SimpleObject, Clone)]
#[graphql(name = "Dwelling")]
pub struct DwellingView {
    pub address_id: String,
    pub region: String,
    pub settlement: String,
    pub settlement_type: String,
    pub street: Option<String>,
    pub house: Option<String>,
    pub flat: Option<String>,
}

impl From<&registry::Dwelling> for DwellingView {
    fn from(d: &registry::Dwelling) -> Self {
        DwellingView {
            address_id: d.address_id.clone(),
            region: d.region.clone(),
            settlement: d.settlement.clone(),
            settlement_type: snake(&d.settlement_type),
            street: d.street.clone(),
            house: d.house.clone(),
            flat: d.flat.clone(),
        }
    }
}

#[derive(SimpleObject)]
#[graphql(name = "Registration")]
pub struct RegistrationView {
    pub dwelling: DwellingView,
    pub kind: String,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

#[derive(SimpleObject)]
#[graphql(name = "RealEstate")]
pub struct RealEstateView {
    pub property_id: String,
    pub owner_iin: String,
    pub area_m2: f64,
    pub commercial: bool,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

#[derive(SimpleObject)]
#[graphql(name = "Vehicle")]
pub struct VehicleView {
    pub vehicle_id: String,
    pub owner_iin: String,
    pub kind: String,
    pub machinery_type: Option<String>,
    pub model: Option<String>,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

#[derive(SimpleObject)]
#[graphql(name = "LandPlot")]
pub struct LandPlotView {
    pub cadastral_number: String,
    pub owner_iin: String,
    pub area_ha: f64,
    pub from: NaiveDate,
}

#[derive(SimpleObject)]
#[graphql(name = "Farm")]
pub struct FarmView {
    pub farm_id: String,
    pub owner_iin: String,
    pub year: i32,
    pub value_kzt: i64,
}

#[derive(SimpleObject)]
#[graphql(name = "Assets")]
pub struct AssetsView {
    pub real_estate: Vec<RealEstateView>,
    pub vehicles: Vec<VehicleView>,
    pub land_plots: Vec<LandPlotView>,
    pub farms: Vec<FarmView>,
}

#[derive(SimpleObject, Clone)]
#[graphql(name = "Income")]
pub struct IncomeView {
    pub iin: String,
    /// `YYYY-MM`
    pub month: String,
    pub source: String,
    pub amount_kzt: i64,
    pub benefit: Option<String>,
}

fn show(ctx: &Context<'_>, iin: &Iin) -> String {
    gate(ctx).show_iin(iin)
}

fn assets_of(ctx: &Context<'_>, members: &[&PersonFacts], d: NaiveDate) -> AssetsView {
    let mut a = AssetsView {
        real_estate: vec![],
        vehicles: vec![],
        land_plots: vec![],
        farms: vec![],
    };
    for f in members {
        for r in f
            .real_estate
            .iter()
            .filter(|r| registry::covers(Some(r.from), r.to, d))
        {
            a.real_estate.push(RealEstateView {
                property_id: r.property_id.clone(),
                owner_iin: show(ctx, &r.owner_iin),
                area_m2: r.area_m2,
                commercial: r.commercial,
                from: r.from,
                to: r.to,
            });
        }
        for v in f
            .vehicles
            .iter()
            .filter(|v| registry::covers(Some(v.from), v.to, d))
        {
            a.vehicles.push(VehicleView {
                vehicle_id: v.vehicle_id.clone(),
                owner_iin: show(ctx, &v.owner_iin),
                kind: snake(&v.kind),
                machinery_type: v.machinery_type.clone(),
                model: v.model.clone(),
                from: v.from,
                to: v.to,
            });
        }
        for l in f
            .land_plots
            .iter()
            .filter(|l| registry::covers(Some(l.from), l.to, d))
        {
            a.land_plots.push(LandPlotView {
                cadastral_number: l.cadastral_number.clone(),
                owner_iin: show(ctx, &l.owner_iin),
                area_ha: l.area_ha,
                from: l.from,
            });
        }
        for x in f.farms.iter() {
            a.farms.push(FarmView {
                farm_id: x.farm_id.clone(),
                owner_iin: show(ctx, &x.owner_iin),
                year: x.year,
                value_kzt: x.value_kzt,
            });
        }
    }
    a
}

fn incomes_of(
    ctx: &Context<'_>,
    members: &[&PersonFacts],
    from: Option<&str>,
    to: Option<&str>,
) -> Vec<IncomeView> {
    let mut v: Vec<IncomeView> = members
        .iter()
        .flat_map(|f| f.incomes.iter())
        .filter(|i| {
            let m = i.month.to_string();
            from.is_none_or(|f| m.as_str() >= f) && to.is_none_or(|t| m.as_str() <= t)
        })
        .map(|i| IncomeView {
            iin: show(ctx, &i.iin),
            month: i.month.to_string(),
            source: snake(&i.source),
            amount_kzt: i.amount_kzt,
            benefit: i.benefit.clone(),
        })
        .collect();
    v.sort_by(|a, b| (&b.month, &a.iin).cmp(&(&a.month, &b.iin)));
    v
}

impl FamilyView {
    /// This family's snapshot on `as_of` (itself when the date is its own).
    async fn on(
        &self,
        ctx: &Context<'_>,
        as_of: Option<NaiveDate>,
    ) -> ApiResult<Arc<FamilySnapshot>> {
        match as_of {
            None => Ok(self.s.clone()),
            Some(d) if d == self.s.as_of() => Ok(self.s.clone()),
            Some(d) => {
                gate(ctx)
                    .family_by_id(self.s.composition.family_id.as_str(), d)
                    .await
            }
        }
    }
}

#[Object(name = "Family")]
impl FamilyView {
    /// The well-being level A–E on `asOf` (default: the family's date) by the methodology in
    /// force that day, with points per direction and indicator and the facts used.
    #[graphql(complexity = "5 + child_complexity")]
    async fn wellbeing(
        &self,
        ctx: &Context<'_>,
        as_of: Option<NaiveDate>,
    ) -> async_graphql::Result<WellbeingView> {
        let s = self.on(ctx, as_of).await?;
        let a = assessments::evaluate_wellbeing(assessments::app(ctx), &s)?;
        Ok(assessments::wellbeing_view(a, |i| show(ctx, i)))
    }
    /// Stored assessments of this family (`family-card recompute wellbeing`), oldest first; a new
    /// record only when the family's inputs changed.
    #[graphql(complexity = "10 + child_complexity")]
    async fn wellbeing_history(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<WellbeingRecordView>> {
        let rows = gate(ctx).wellbeing_history(&self.s).await?;
        Ok(rows.iter().map(assessments::record_view).collect())
    }
    /// Every benefit considered for this family on `asOf` (default: the family's date), eligible
    /// or not, with amounts and reasons; `onlyEligible` to hide the others.
    #[graphql(complexity = "5 + child_complexity")]
    async fn entitlements(
        &self,
        ctx: &Context<'_>,
        as_of: Option<NaiveDate>,
        only_eligible: Option<bool>,
    ) -> async_graphql::Result<Vec<EntitlementView>> {
        let s = self.on(ctx, as_of).await?;
        let es = assessments::evaluate_entitlements(assessments::app(ctx), &s)?;
        let full = gate(ctx).principal().sees_full_identifiers();
        Ok(es
            .into_iter()
            .filter(|e| e.eligible || !only_eligible.unwrap_or(false))
            .map(|e| assessments::entitlement_view(e, full, |i| show(ctx, i)))
            .collect())
    }
    /// Entitlements recorded by detection runs (`family-card detect`), with their offer status.
    #[graphql(complexity = "10 + child_complexity")]
    async fn detected_entitlements(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<DetectedEntitlementView>> {
        let rows = gate(ctx).recorded_entitlements(&self.s).await?;
        Ok(rows
            .iter()
            .map(|v| {
                let s = |k: &str| v[k].as_str().map(str::to_string);
                DetectedEntitlementView {
                    benefit: s("benefit").unwrap_or_default(),
                    amount_kzt: v["amount_kzt"].as_i64(),
                    period_from: s("period_from"),
                    status: s("status").unwrap_or_default(),
                    detected_on: s("detected_on").unwrap_or_default(),
                }
            })
            .collect())
    }
    /// Stable, opaque id of the family card.
    async fn family_id(&self) -> &str {
        self.s.composition.family_id.as_str()
    }
    async fn anchor_iin(&self, ctx: &Context<'_>) -> String {
        show(ctx, &self.s.composition.anchor)
    }
    async fn as_of(&self) -> NaiveDate {
        self.s.as_of()
    }
    /// Number of members of the legal family.
    async fn size(&self) -> usize {
        self.s.members.len()
    }
    /// Members of the legal family with their roles (head first, then spouse, children by age).
    #[graphql(complexity = "(first.unwrap_or(50).clamp(1, 100) as usize) * child_complexity")]
    async fn members(
        &self,
        after: Option<String>,
        first: Option<i32>,
    ) -> async_graphql::Result<Connection<String, PersonView, EmptyFields, EmptyFields>> {
        let items = self
            .s
            .members
            .iter()
            .map(|m: &MemberSnapshot| PersonView {
                facts: Arc::new(m.facts.clone()),
                role: Some(m.role),
                basis: self.s.composition.member(m.iin()).map(|x| x.basis.clone()),
                as_of: Some(self.s.as_of()),
            })
            .collect();
        Ok(paginate(items, after, first)?)
    }
    /// Relatives not counted in this family, and why (e.g. a child counted with the other parent).
    async fn not_counted(&self, ctx: &Context<'_>) -> Vec<NotCountedView> {
        self.s
            .composition
            .not_counted
            .iter()
            .map(|n| NotCountedView {
                iin: show(ctx, &n.iin),
                reason: n.reason.clone(),
            })
            .collect()
    }
    /// Deceased spouses or parents of counted children (survivor benefits).
    async fn deceased(&self, ctx: &Context<'_>) -> Vec<DeceasedView> {
        self.s
            .composition
            .deceased
            .iter()
            .map(|d| DeceasedView {
                iin: show(ctx, &d.iin),
                death_date: d.death_date,
                relation: d.relation.clone(),
            })
            .collect()
    }
    /// The address household, kept apart from the legal family.
    async fn household(&self, ctx: &Context<'_>) -> HouseholdView {
        let h = &self.s.household;
        HouseholdView {
            address_id: h.address_id.clone(),
            residents: h.residents.iter().map(|i| show(ctx, i)).collect(),
            outside_family: h.outside_family.iter().map(|i| show(ctx, i)).collect(),
        }
    }
    /// The anchor's dwelling on the date.
    async fn dwelling(&self) -> Option<DwellingView> {
        self.s.dwelling.as_ref().map(DwellingView::from)
    }
    /// Assets of all members held on the date.
    async fn assets(&self, ctx: &Context<'_>) -> AssetsView {
        let m: Vec<&PersonFacts> = self.s.members.iter().map(|m| &m.facts).collect();
        assets_of(ctx, &m, self.s.as_of())
    }
    /// Monthly incomes of all members, newest first; `fromMonth`/`toMonth` as `YYYY-MM`.
    #[graphql(complexity = "(first.unwrap_or(50).clamp(1, 100) as usize) * child_complexity")]
    async fn incomes(
        &self,
        ctx: &Context<'_>,
        from_month: Option<String>,
        to_month: Option<String>,
        after: Option<String>,
        first: Option<i32>,
    ) -> async_graphql::Result<Connection<String, IncomeView, EmptyFields, EmptyFields>> {
        let m: Vec<&PersonFacts> = self.s.members.iter().map(|m| &m.facts).collect();
        Ok(paginate(
            incomes_of(ctx, &m, from_month.as_deref(), to_month.as_deref()),
            after,
            first,
        )?)
    }
}

pub struct PersonView {
    pub facts: Arc<PersonFacts>,
    /// Role in the family, when listed as a member.
    pub role: Option<FamilyRole>,
    pub basis: Option<String>,
    /// The family's date when the person is reached as one of its members (`age` defaults to it).
    pub as_of: Option<NaiveDate>,
}

#[Object(name = "Person")]
impl PersonView {
    async fn iin(&self, ctx: &Context<'_>) -> String {
        show(ctx, &self.facts.person.iin)
    }
    async fn full_name(&self) -> String {
        self.facts.person.full_name()
    }
    async fn birth_date(&self) -> NaiveDate {
        self.facts.person.birth_date
    }
    async fn sex(&self) -> String {
        snake(&self.facts.person.sex)
    }
    async fn death_date(&self) -> Option<NaiveDate> {
        self.facts.person.death_date
    }
    async fn citizenship(&self) -> String {
        snake(&self.facts.person.citizenship)
    }
    /// Age in whole years on `asOf`; by default on the family's `asOf` when the person is reached
    /// as a member of a family, otherwise today.
    async fn age(&self, as_of: Option<NaiveDate>) -> i32 {
        self.facts
            .person
            .age_on(as_of.or(self.as_of).unwrap_or_else(today))
    }
    /// Role in the family (members only): head, spouse, child, adopted_child, ward,
    /// student_dependant, other_dependant.
    async fn role(&self) -> Option<String> {
        self.role.map(|r| snake(&r))
    }
    /// Why this person is counted in the family (members only).
    async fn basis(&self) -> Option<&str> {
        self.basis.as_deref()
    }
    async fn registrations(&self) -> Vec<RegistrationView> {
        self.facts
            .registrations
            .iter()
            .map(|r| RegistrationView {
                dwelling: DwellingView::from(&r.dwelling),
                kind: snake(&r.registration.kind),
                from: r.registration.from,
                to: r.registration.to,
            })
            .collect()
    }
    /// Assets held on `asOf` (default today).
    async fn assets(&self, ctx: &Context<'_>, as_of: Option<NaiveDate>) -> AssetsView {
        assets_of(ctx, &[&self.facts], as_of.unwrap_or_else(today))
    }
    /// Entitlements of this person's family on `asOf` (default today) where the person is the
    /// recipient or the subject.
    #[graphql(complexity = "20 + child_complexity")]
    async fn entitlements(
        &self,
        ctx: &Context<'_>,
        as_of: Option<NaiveDate>,
    ) -> async_graphql::Result<Vec<EntitlementView>> {
        let me = &self.facts.person.iin;
        let s = gate(ctx)
            .family_of_person(me, as_of.unwrap_or_else(today))
            .await?;
        let es = assessments::evaluate_entitlements(assessments::app(ctx), &s)?;
        let full = gate(ctx).principal().sees_full_identifiers();
        Ok(es
            .into_iter()
            .filter(|e| {
                e.recipient.as_ref().is_some_and(|r| &r.iin == me)
                    || e.subject_iin.as_ref() == Some(me)
            })
            .map(|e| assessments::entitlement_view(e, full, |i| show(ctx, i)))
            .collect())
    }
    /// The family this person belongs to on `asOf` (default today).
    #[graphql(complexity = "20 + child_complexity")]
    async fn family(
        &self,
        ctx: &Context<'_>,
        as_of: Option<NaiveDate>,
    ) -> async_graphql::Result<FamilyView> {
        let s = gate(ctx)
            .family_of_person(&self.facts.person.iin, as_of.unwrap_or_else(today))
            .await?;
        Ok(FamilyView { s })
    }
}

/// Builds the schema with its limits (depth, complexity, introspection); `None`: for the SDL.
/// Request data (the gate) is added per request by the HTTP layer.
pub fn build_schema(app: Option<super::AppContext>, limits: &super::limits::Limits) -> AppSchema {
    let mut b = Schema::build(
        QueryRoot::default(),
        super::proactive::MutationRoot,
        EmptySubscription,
    )
    .limit_depth(limits.max_depth)
    .limit_complexity(limits.max_complexity)
    .limit_recursive_depth(32)
    .limit_directives(4);
    if !limits.introspection {
        b = b.disable_introspection().disable_suggestions();
    }
    if let Some(a) = app {
        b = b.data(a);
    }
    b.finish()
}
