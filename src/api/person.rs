//! GraphQL type `Person` and the registry facts shown with it (registrations, dwellings, assets,
//! incomes).

use super::assessments::{self, EntitlementView};
use super::family::FamilyView;
use super::schema::{gate, snake, today};
use crate::domain::family::FamilyRole;
use crate::domain::ids::Iin;
use crate::domain::registry::{self, PersonFacts};
use async_graphql::{Context, Object, SimpleObject};
use chrono::NaiveDate;
use std::sync::Arc;

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

pub(super) fn show(ctx: &Context<'_>, iin: &Iin) -> String {
    gate(ctx).show_iin(iin)
}

pub(super) fn assets_of(ctx: &Context<'_>, members: &[&PersonFacts], d: NaiveDate) -> AssetsView {
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

pub(super) fn incomes_of(
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
