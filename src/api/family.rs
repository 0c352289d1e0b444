//! GraphQL type `Family`: a family card on a date, with its members, household, assets, incomes,
//! well-being and entitlements (views of the pure domain; reads through the gate).

use super::assessments::{self, EntitlementView, WellbeingRecordView, WellbeingView};
use super::error::ApiResult;
use super::person::{
    assets_of, incomes_of, show, AssetsView, DwellingView, IncomeView, PersonView,
};
use super::schema::{gate, paginate};
use crate::domain::registry::PersonFacts;
use crate::domain::snapshot::{FamilySnapshot, MemberSnapshot};
use crate::store::LoadScope;
use async_graphql::connection::{Connection, EmptyFields};
use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection, SelectionSet};
use async_graphql::{Context, Object, SimpleObject};
use chrono::NaiveDate;
use std::sync::Arc;

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
    /// Investigators: the fraud-signal hits stored for this card by `family-card signals run`.
    #[graphql(complexity = "20 + child_complexity")]
    async fn signals(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<super::links::StoredSignalHitView>> {
        super::links::family_signal_hits(ctx, self.s.composition.family_id.as_str()).await
    }
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
                facts: m.facts.clone(),
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
        let m: Vec<&PersonFacts> = self.s.members.iter().map(|m| &*m.facts).collect();
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
        let m: Vec<&PersonFacts> = self.s.members.iter().map(|m| &*m.facts).collect();
        Ok(paginate(
            incomes_of(ctx, &m, from_month.as_deref(), to_month.as_deref()),
            after,
            first,
        )?)
    }
}

/// Fields whose answers come from a family's composition alone (persons, registrations,
/// dwellings, links, co-registrations): the family card's own, its members', their
/// registrations and dwellings, the connection wrappers. Nothing here reads incomes, assets,
/// health, benefits or any other fact.
const COMPOSITION_FIELDS: &[&str] = &[
    "__typename",
    // Query
    "family",
    // Family
    "familyId",
    "anchorIin",
    "asOf",
    "size",
    "members",
    "notCounted",
    "deceased",
    "household",
    "dwelling",
    // connections
    "edges",
    "node",
    "cursor",
    "pageInfo",
    "hasNextPage",
    "hasPreviousPage",
    "startCursor",
    "endCursor",
    // Person (as a member; `family` above)
    "iin",
    "fullName",
    "birthDate",
    "sex",
    "deathDate",
    "citizenship",
    "age",
    "role",
    "basis",
    "registrations",
    // Registration, Dwelling, NotCounted, Deceased, Household
    "kind",
    "from",
    "to",
    "addressId",
    "region",
    "settlement",
    "settlementType",
    "street",
    "house",
    "flat",
    "reason",
    "relation",
    "residents",
    "outsideFamily",
];

/// What the family loads of a request need: only the composition when every field the
/// document names (in any operation or fragment) is answered from it; the composition and the
/// asset registries when the only other fields are `assets` (the README's screen); else every
/// fact. Decided by name over the whole document, so it errs towards loading everything: one
/// field outside these anywhere (`wellbeing`, `incomes`, `entitlements`, a mutation …) and the
/// request loads full cards.
pub fn load_scope(doc: &ExecutableDocument) -> LoadScope {
    /// Whether every field of `set` is a composition field, or (with `assets_allowed`) an
    /// `assets` field with any selection.
    fn fits(set: &SelectionSet, assets_allowed: bool) -> bool {
        set.items.iter().all(|s| match &s.node {
            Selection::Field(f) => {
                let name = f.node.name.node.as_str();
                (assets_allowed && name == "assets")
                    || (COMPOSITION_FIELDS.contains(&name)
                        && fits(&f.node.selection_set.node, assets_allowed))
            }
            Selection::InlineFragment(i) => fits(&i.node.selection_set.node, assets_allowed),
            Selection::FragmentSpread(_) => true,
        })
    }
    let queries_only = doc
        .operations
        .iter()
        .all(|(_, op)| op.node.ty == OperationType::Query);
    let document_fits = |assets_allowed: bool| {
        queries_only
            && doc
                .operations
                .iter()
                .all(|(_, op)| fits(&op.node.selection_set.node, assets_allowed))
            && doc
                .fragments
                .values()
                .all(|f| fits(&f.node.selection_set.node, assets_allowed))
    };
    if document_fits(false) {
        LoadScope::Composition
    } else if document_fits(true) {
        LoadScope::CompositionWithAssets
    } else {
        LoadScope::Full
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(q: &str) -> LoadScope {
        load_scope(&async_graphql::parser::parse_query(q).unwrap())
    }

    #[test]
    fn composition_only_documents_skip_the_other_facts() {
        assert_eq!(
            scope("{ family(iin: \"1\") { familyId size members { edges { node { iin fullName role age registrations { dwelling { region } } } } } household { residents } } }"),
            LoadScope::Composition
        );
        assert_eq!(
            scope("query { ...F } fragment F on Query { family(iin: \"1\") { familyId } }"),
            LoadScope::Composition
        );
        for q in [
            crate::bench::FAMILY_QUERY,
            "{ family(iin: \"1\") { assets { vehicles { kind } } } }",
            "{ family(iin: \"1\") { members { edges { node { assets { farms { farmId } } } } } } }",
        ] {
            assert_eq!(scope(q), LoadScope::CompositionWithAssets, "{q}");
        }
        for q in [
            "{ family(iin: \"1\") { familyId wellbeing { level } } }",
            "{ family(iin: \"1\") { members { edges { node { entitlements { benefit } } } } } }",
            "{ family(iin: \"1\") { assets { vehicles { kind } } incomes { edges { node { month } } } } }",
            "query { ...F } fragment F on Query { family(iin: \"1\") { incomes { edges { node { month } } } } }",
            "mutation { family { familyId } }",
            "{ person(iin: \"1\") { iin } }",
        ] {
            assert_eq!(scope(q), LoadScope::Full, "{q}");
        }
    }
}
