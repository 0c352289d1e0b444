//! A family snapshot: the composition on a date plus every fact of every member, the input of
//! the well-being methodology and of the benefit rules. Built from a loaded
//! [`Neighbourhood`](super::family::Neighbourhood); holds no reference to the store.

use super::family::{
    address_household, AddressHousehold, CoRegistration, CompositionError, FamilyComposition,
    FamilyRole, Neighbourhood, Resolver,
};
use super::ids::Iin;
use super::registry::{Dwelling, PersonFacts};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberSnapshot {
    pub role: FamilyRole,
    pub facts: PersonFacts,
}

impl MemberSnapshot {
    pub fn iin(&self) -> &Iin {
        &self.facts.person.iin
    }
    pub fn age_on(&self, d: NaiveDate) -> i32 {
        self.facts.person.age_on(d)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FamilySnapshot {
    pub composition: FamilyComposition,
    /// Members in composition order (head, spouse, children by age, dependants).
    pub members: Vec<MemberSnapshot>,
    /// Facts of deceased spouses / parents of counted children (survivor benefits).
    pub deceased: Vec<PersonFacts>,
    /// The head's dwelling on the date (settlement type, region).
    pub dwelling: Option<Dwelling>,
    pub household: AddressHousehold,
}

impl FamilySnapshot {
    pub fn as_of(&self) -> NaiveDate {
        self.composition.as_of
    }

    pub fn head(&self) -> &MemberSnapshot {
        &self.members[0]
    }

    pub fn member(&self, iin: &Iin) -> Option<&MemberSnapshot> {
        self.members.iter().find(|m| m.iin() == iin)
    }

    /// Members with a child role (children, adopted, wards, student dependants).
    pub fn children(&self) -> impl Iterator<Item = &MemberSnapshot> {
        self.members.iter().filter(|m| m.role.is_child())
    }

    /// Adults of the family: head, spouse and adult dependants.
    pub fn adults(&self) -> impl Iterator<Item = &MemberSnapshot> {
        let d = self.as_of();
        self.members.iter().filter(move |m| m.age_on(d) >= 18)
    }

    /// The region code of the family's dwelling, if registered.
    pub fn region(&self) -> Option<&str> {
        self.dwelling.as_ref().map(|d| d.region.as_str())
    }

    /// Builds the snapshot of the family anchored at `anchor` on `as_of`.
    pub fn build(
        n: &Neighbourhood,
        anchor: &Iin,
        as_of: NaiveDate,
        co_registrations: &[CoRegistration],
    ) -> Result<Self, CompositionError> {
        let r = Resolver::new(n, as_of);
        let composition = r.compose(anchor)?;
        let members = composition
            .members
            .iter()
            .filter_map(|m| {
                n.persons.get(&m.iin).map(|f| MemberSnapshot {
                    role: m.role,
                    facts: f.clone(),
                })
            })
            .collect();
        let deceased = composition
            .deceased
            .iter()
            .filter_map(|x| n.persons.get(&x.iin).cloned())
            .collect();
        let reg = n.persons.get(anchor).and_then(|f| f.registration_on(as_of));
        let dwelling = reg.map(|r| r.dwelling.clone());
        let household = address_household(
            &composition,
            reg.map(|r| r.registration.address_id.as_str()),
            co_registrations,
        );
        Ok(FamilySnapshot {
            composition,
            members,
            deceased,
            dwelling,
            household,
        })
    }
}
