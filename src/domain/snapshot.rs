//! A family snapshot: the composition on a date plus every fact of every member, the input of
//! the well-being methodology and of the benefit rules. Built from a loaded
//! [`Neighbourhood`](super::family::Neighbourhood); holds no reference to the store.
//!
//! Besides the legal family it keeps two things some benefit rules need beyond the card:
//! - the **live births** of the mothers of the family's children from the birth acts, adult
//!   children and children no longer in the family included (birth order for the birth and
//!   child-care allowances is the mother's, not the card's);
//! - the **co-resident relatives**: persons registered at the family's dwelling on the date who
//!   are related to a member by civil-registry links but belong to another card (an adult child at
//!   home, a grandparent), with the relation in words — the ASP family is computed over the family
//!   living together, not over the card.

use super::family::{
    address_household, AddressHousehold, CoRegistration, CompositionError, FamilyComposition,
    FamilyRole, Neighbourhood, Resolver,
};
use super::ids::{Iin, Sex};
use super::registry::{Dwelling, ParentKind, PersonFacts};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

/// A child born to a mother, from the birth act (`ParentKind::Birth`), alive today or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveBirth {
    pub mother: Iin,
    pub child: Iin,
    pub born: NaiveDate,
}

/// A relative registered at the family's dwelling on the date who is not a member of the card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoResidentRelative {
    #[serde(with = "super::shared::one")]
    pub facts: Arc<PersonFacts>,
    /// Civil-registry links (marriage in force, parent link) to the nearest member (1–3).
    pub links: u32,
    /// The relation in words: "parent of 9001…", "sibling of …", "child of …".
    pub relation: String,
    /// The anchor of the relative's own family card on the date, with the anchor's birth date.
    pub card_anchor: Option<(NaiveDate, Iin)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberSnapshot {
    pub role: FamilyRole,
    #[serde(with = "super::shared::one")]
    pub facts: Arc<PersonFacts>,
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
    #[serde(with = "super::shared::list")]
    pub deceased: Vec<Arc<PersonFacts>>,
    /// The head's dwelling on the date (settlement type, region).
    pub dwelling: Option<Dwelling>,
    pub household: AddressHousehold,
    /// Every live birth of the mothers of the family's children and of its women (birth acts).
    #[serde(default)]
    pub live_births: Vec<LiveBirth>,
    /// Relatives registered at the family's dwelling who are not card members.
    #[serde(default)]
    pub co_resident_relatives: Vec<CoResidentRelative>,
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

    /// The mother of `child` from the birth act, if the registry knows her.
    pub fn birth_mother(&self, child: &Iin) -> Option<&Iin> {
        self.live_births
            .iter()
            .find(|b| &b.child == child)
            .map(|b| &b.mother)
    }

    /// The live births of `mother`, oldest first (twins by IIN).
    pub fn births_of(&self, mother: &Iin) -> Vec<&LiveBirth> {
        let mut v: Vec<&LiveBirth> = self
            .live_births
            .iter()
            .filter(|b| &b.mother == mother)
            .collect();
        v.sort_by(|a, b| (a.born, &a.child).cmp(&(b.born, &b.child)));
        v
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
        let live_births = live_births(n, &composition);
        let co_resident_relatives = co_resident_relatives(n, &r, &composition, &household);
        Ok(FamilySnapshot {
            composition,
            members,
            deceased,
            dwelling,
            household,
            live_births,
            co_resident_relatives,
        })
    }
}

/// The birth acts (up to the date) of the family's women and of the mothers of its children.
fn live_births(n: &Neighbourhood, c: &FamilyComposition) -> Vec<LiveBirth> {
    let is_woman = |i: &Iin| {
        n.persons
            .get(i)
            .is_some_and(|f| f.person.sex == Sex::Female)
    };
    let births = || {
        n.parent_links
            .iter()
            .filter(|l| l.kind == ParentKind::Birth && is_woman(&l.parent_iin))
    };
    let mut mothers: Vec<&Iin> = c
        .members
        .iter()
        .map(|m| &m.iin)
        .filter(|i| is_woman(i))
        .collect();
    for m in &c.members {
        mothers.extend(
            births()
                .filter(|l| l.child_iin == m.iin)
                .map(|l| &l.parent_iin),
        );
    }
    mothers.sort();
    mothers.dedup();
    let mut out: Vec<LiveBirth> = births()
        .filter(|l| mothers.contains(&&l.parent_iin))
        .filter_map(|l| {
            let born = n
                .persons
                .get(&l.child_iin)
                .map(|f| f.person.birth_date)
                .or(l.since)
                .filter(|b| *b <= c.as_of)?;
            Some(LiveBirth {
                mother: l.parent_iin.clone(),
                child: l.child_iin.clone(),
                born,
            })
        })
        .collect();
    out.sort_by(|a, b| (&a.mother, a.born, &a.child).cmp(&(&b.mother, b.born, &b.child)));
    out.dedup();
    out
}

#[derive(Clone, Copy)]
enum Step {
    Parent,
    Child,
    Spouse,
}

/// The relation of a path of steps from a member, in words.
fn relation(path: &[Step], member: &Iin) -> String {
    use Step::*;
    let name = match path {
        [Parent] => "parent",
        [Child] => "child",
        [Spouse] => "spouse",
        [Parent, Child] => "sibling",
        [Parent, Parent] => "grandparent",
        [Child, Child] => "grandchild",
        [Spouse, Parent] => "parent-in-law",
        [Child, Spouse] => "child's spouse",
        [Parent, Spouse] => "step-parent",
        [Spouse, Child] => "step-child",
        [Parent, Child, Child] => "nephew or niece",
        [Parent, Parent, Child] => "aunt or uncle",
        [Parent, Child, Spouse] => "sibling's spouse",
        [Spouse, Parent, Child] => "spouse's sibling",
        _ => "relative",
    };
    let steps: Vec<&str> = path
        .iter()
        .map(|s| match s {
            Parent => "parent",
            Child => "child",
            Spouse => "spouse",
        })
        .collect();
    if name == "relative" {
        format!("relative of {member} ({})", steps.join(" → "))
    } else {
        format!("{name} of {member}")
    }
}

/// Residents of the family's dwelling related to a member by at most three civil-registry links
/// (marriages in force, parent links in force), nearest relation first.
fn co_resident_relatives(
    n: &Neighbourhood,
    r: &Resolver,
    c: &FamilyComposition,
    h: &AddressHousehold,
) -> Vec<CoResidentRelative> {
    let d = c.as_of;
    let mut edges: BTreeMap<&Iin, Vec<(&Iin, Step)>> = BTreeMap::new();
    for m in &n.marriages {
        if m.registered_on <= d && m.dissolved_on.is_none_or(|x| d < x) {
            edges
                .entry(&m.spouse_a)
                .or_default()
                .push((&m.spouse_b, Step::Spouse));
            edges
                .entry(&m.spouse_b)
                .or_default()
                .push((&m.spouse_a, Step::Spouse));
        }
    }
    for l in &n.parent_links {
        if super::registry::covers(l.since, l.until, d) {
            edges
                .entry(&l.child_iin)
                .or_default()
                .push((&l.parent_iin, Step::Parent));
            edges
                .entry(&l.parent_iin)
                .or_default()
                .push((&l.child_iin, Step::Child));
        }
    }
    // Breadth-first from every member at once: the first path found to a person is a shortest.
    let mut seen: BTreeMap<&Iin, (&Iin, Vec<Step>)> = BTreeMap::new();
    let mut queue: VecDeque<&Iin> = VecDeque::new();
    for m in &c.members {
        seen.insert(&m.iin, (&m.iin, vec![]));
        queue.push_back(&m.iin);
    }
    while let Some(x) = queue.pop_front() {
        let (from, path) = seen[x].clone();
        if path.len() >= 3 {
            continue;
        }
        for (y, step) in edges.get(x).into_iter().flatten() {
            // Nobody is related through a person not yet born on the date.
            let unborn = n.persons.get(*y).is_some_and(|f| f.person.birth_date > d);
            if unborn || seen.contains_key(y) {
                continue;
            }
            let mut p = path.clone();
            p.push(*step);
            seen.insert(y, (from, p));
            queue.push_back(y);
        }
    }
    let mut out: Vec<CoResidentRelative> = h
        .outside_family
        .iter()
        .filter_map(|i| {
            let f = n.persons.get(i).filter(|f| f.person.alive_on(d))?;
            let (member, path) = seen.get(i).filter(|(_, p)| !p.is_empty())?;
            let card_anchor = r
                .anchor_for(i)
                .ok()
                .and_then(|a| n.persons.get(a).map(|af| (af.person.birth_date, a.clone())));
            Some(CoResidentRelative {
                facts: f.clone(),
                links: path.len() as u32,
                relation: relation(path, member),
                card_anchor,
            })
        })
        .collect();
    out.sort_by(|a, b| (a.links, &a.facts.person.iin).cmp(&(b.links, &b.facts.person.iin)));
    out
}
