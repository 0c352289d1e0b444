//! Family composition: who belongs to a person's legal family on a date, and who lives at the
//! same address (the address household), kept apart.
//!
//! Input is a [`Neighbourhood`]: the persons around an anchor with the civil-registry links among
//! them (marriages, parent links, guardianships). The rules below are pure and dated; the store
//! only loads the neighbourhood.
//!
//! Confirmed rules (DOMAIN §6): the civil registry (marriage, birth, adoption, guardianship,
//! death, divorce) and registration addresses define the family; a child is counted in one family
//! only. Inferred rules are marked `[Inf]` where they are applied:
//! - [Inf] a family is built around a married couple (or a single adult), plus dependent
//!   children: under 18, or full-time students under 23 who are unmarried;
//! - [Inf] the family's anchor (whose IIN gives the family id) is the wife in a married couple,
//!   otherwise the adult himself or herself;
//! - [Inf] a ward under active guardianship belongs to the guardian's family;
//! - [Inf] a child whose parents are in different families is counted with the parent registered
//!   at the same dwelling; failing that, with the mother;
//! - [Inf] an unmarried adult child with disability group 1 or 2 who is registered with a parent
//!   and has no dependants of their own stays in the parent's family as a dependant.

use super::ids::{Iin, IinMap, Sex};
use super::registry::{
    covers, Guardianship, Marriage, ParentKind, ParentLink, PersonFacts, RegistrationKind,
};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Students count as dependants below this age.
pub const STUDENT_DEPENDANT_AGE_LIMIT: i32 = 23;
/// Adulthood.
pub const ADULT_AGE: i32 = 18;

/// Stable, opaque family identifier: an HMAC of the anchor's IIN under the installation's secret
/// id key, so it cannot be computed (or reversed by trying IINs) without that key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FamilyId(pub String);

static ID_KEY: std::sync::OnceLock<[u8; 32]> = std::sync::OnceLock::new();

/// Used only where no key was installed (unit tests of the pure rules); the service always
/// installs the installation's key at start-up (`app::install_id_key`).
const UNIT_TEST_KEY: [u8; 32] = [0x5a; 32];

impl FamilyId {
    /// Sets the key for this process. A second call with another key is ignored (ids must not
    /// change while the process runs) and reported by `false`.
    pub fn install_key(key: [u8; 32]) -> bool {
        *ID_KEY.get_or_init(|| key) == key
    }

    pub fn for_anchor(anchor: &Iin) -> Self {
        use hmac::{Hmac, Mac};
        let key = ID_KEY.get().unwrap_or(&UNIT_TEST_KEY);
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key");
        mac.update(b"family-card/family/");
        mac.update(anchor.as_str().as_bytes());
        let h = mac.finalize().into_bytes();
        let hex: String = h[..10].iter().map(|b| format!("{b:02x}")).collect();
        FamilyId(format!("FAM-{hex}"))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// An opaque reference to a key that holds identifiers (an entitlement key, for the id of
    /// its change event), keyed like family ids so partners cannot recover the IINs in it.
    pub fn opaque_ref(purpose: &str, text: &str) -> String {
        use hmac::{Hmac, Mac};
        let key = ID_KEY.get().unwrap_or(&UNIT_TEST_KEY);
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key");
        mac.update(b"family-card/");
        mac.update(purpose.as_bytes());
        mac.update(b"/");
        mac.update(text.as_bytes());
        let h = mac.finalize().into_bytes();
        h[..12].iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl std::fmt::Display for FamilyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The persons around an anchor and the civil links among them, as loaded from the graph.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Neighbourhood {
    /// Shared with the snapshots and views built from it (never copied per card).
    #[serde(with = "super::shared::map")]
    pub persons: IinMap<Arc<PersonFacts>>,
    pub marriages: Vec<Marriage>,
    pub parent_links: Vec<ParentLink>,
    pub guardianships: Vec<Guardianship>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FamilyRole {
    /// The anchor: the wife in a married couple, or the single adult.
    Head,
    Spouse,
    /// Own child (birth act), under 18.
    Child,
    /// Adopted child, under 18.
    AdoptedChild,
    /// Ward under guardianship or trusteeship.
    Ward,
    /// Child aged 18–22 in full-time education.
    StudentDependant,
    /// Another dependant (e.g. an adult child with disability group 1–2 living with a parent).
    OtherDependant,
}

impl FamilyRole {
    pub fn is_child(self) -> bool {
        matches!(
            self,
            FamilyRole::Child
                | FamilyRole::AdoptedChild
                | FamilyRole::Ward
                | FamilyRole::StudentDependant
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Member {
    pub iin: Iin,
    pub role: FamilyRole,
    /// Why this person is in the family, in words a social worker can read.
    pub basis: String,
}

/// A relative who is not counted in this family, and why (e.g. a child counted with the other
/// parent, an adult child with their own family).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotCounted {
    pub iin: Iin,
    pub reason: String,
}

/// A deceased spouse or parent of a counted child: the breadwinner for survivor benefits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeceasedRelative {
    pub iin: Iin,
    pub death_date: NaiveDate,
    /// Spouse, or parent of which counted children.
    pub relation: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FamilyComposition {
    pub family_id: FamilyId,
    pub anchor: Iin,
    pub as_of: NaiveDate,
    pub members: Vec<Member>,
    pub not_counted: Vec<NotCounted>,
    pub deceased: Vec<DeceasedRelative>,
}

impl FamilyComposition {
    pub fn member(&self, iin: &Iin) -> Option<&Member> {
        self.members.iter().find(|m| &m.iin == iin)
    }
    pub fn size(&self) -> usize {
        self.members.len()
    }
}

/// Why a composition could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompositionError {
    #[error("person {0} is not in the loaded neighbourhood")]
    UnknownPerson(String),
    #[error("person {0} was not alive on {1}")]
    NotAlive(String, NaiveDate),
}

/// The composition rules over one neighbourhood on one date.
pub struct Resolver<'a> {
    n: &'a Neighbourhood,
    d: NaiveDate,
}

impl<'a> Resolver<'a> {
    pub fn new(n: &'a Neighbourhood, as_of: NaiveDate) -> Self {
        Resolver { n, d: as_of }
    }

    fn facts(&self, iin: &Iin) -> Option<&'a PersonFacts> {
        self.n.persons.get(iin).map(|f| &**f)
    }

    fn alive(&self, iin: &Iin) -> bool {
        self.facts(iin).is_some_and(|f| f.person.alive_on(self.d))
    }

    /// The spouse in a marriage in force on the date (registered, not dissolved, both alive).
    pub fn spouse_of(&self, iin: &Iin) -> Option<&'a Iin> {
        self.n.marriages.iter().find_map(|m| {
            let other = if &m.spouse_a == iin {
                &m.spouse_b
            } else if &m.spouse_b == iin {
                &m.spouse_a
            } else {
                return None;
            };
            (m.registered_on <= self.d
                && m.dissolved_on.is_none_or(|x| self.d < x)
                && self.alive(iin)
                && self.alive(other))
            .then_some(other)
        })
    }

    /// Married on the date (used for the student-dependant rule).
    fn married(&self, iin: &Iin) -> bool {
        self.spouse_of(iin).is_some()
    }

    /// A dependent child on the date: under 18, or a full-time unmarried student under 23.
    pub fn is_dependent_child(&self, iin: &Iin) -> bool {
        let Some(f) = self.facts(iin) else {
            return false;
        };
        if !f.person.alive_on(self.d) {
            return false;
        }
        let age = f.person.age_on(self.d);
        age < ADULT_AGE
            || (age < STUDENT_DEPENDANT_AGE_LIMIT
                && f.full_time_study_on(self.d).is_some()
                && !self.married(iin))
    }

    fn active_parent_links_of_child(&self, child: &Iin) -> Vec<&'a ParentLink> {
        self.n
            .parent_links
            .iter()
            .filter(|l| &l.child_iin == child && covers(l.since, l.until, self.d))
            .filter(|l| self.alive(&l.parent_iin))
            .collect()
    }

    fn active_guardian_of(&self, ward: &Iin) -> Option<&'a Guardianship> {
        self.n
            .guardianships
            .iter()
            .find(|g| &g.ward_iin == ward && covers(Some(g.from), g.to, self.d))
            .filter(|g| self.alive(&g.guardian_iin))
    }

    fn dwelling_of(&self, iin: &Iin) -> Option<&'a str> {
        self.facts(iin)
            .and_then(|f| f.registration_on(self.d))
            .map(|r| r.registration.address_id.as_str())
    }

    fn has_own_dependants(&self, iin: &Iin) -> bool {
        self.n.parent_links.iter().any(|l| {
            &l.parent_iin == iin
                && covers(l.since, l.until, self.d)
                && self.facts(&l.child_iin).is_some_and(|c| {
                    c.person.alive_on(self.d) && c.person.age_on(self.d) < ADULT_AGE
                })
        })
    }

    /// An adult dependant: unmarried, disability group 1–2, registered at a parent's dwelling,
    /// no children of their own. Returns that parent.
    fn adult_dependant_parent(&self, iin: &Iin) -> Option<&'a Iin> {
        let f = self.facts(iin)?;
        if self.married(iin) || self.has_own_dependants(iin) {
            return None;
        }
        let grave = f
            .disability_on(self.d)
            .is_some_and(|x| matches!(x.group, Some(1) | Some(2)));
        if !grave {
            return None;
        }
        let home = self.dwelling_of(iin)?;
        self.active_parent_links_of_child(iin)
            .into_iter()
            .map(|l| &l.parent_iin)
            .find(|p| self.dwelling_of(p) == Some(home))
    }

    /// The anchor of an adult's own family: the wife if married, else the adult.
    fn anchor_of_adult(&self, iin: &'a Iin) -> &'a Iin {
        match self.spouse_of(iin) {
            Some(s) => {
                let sex = |x: &Iin| self.facts(x).map(|f| f.person.sex);
                match (sex(iin), sex(s)) {
                    (Some(Sex::Female), Some(Sex::Male)) => iin,
                    (Some(Sex::Male), Some(Sex::Female)) => s,
                    _ => iin.min(s),
                }
            }
            None => iin,
        }
    }

    /// Which parent a dependent child is counted with, and why.
    fn counting_parent(&self, child: &Iin) -> Option<(&'a Iin, String)> {
        if let Some(g) = self.active_guardian_of(child) {
            return Some((
                &g.guardian_iin,
                format!(
                    "ward of {} under guardianship since {}",
                    g.guardian_iin.masked(),
                    g.from
                ),
            ));
        }
        let links = self.active_parent_links_of_child(child);
        match links.len() {
            0 => None,
            1 => Some((&links[0].parent_iin, "only parent on record".into())),
            _ => {
                // Parents in one family: either gives the same anchor.
                let a0 = self.anchor_of_adult(&links[0].parent_iin);
                if links
                    .iter()
                    .all(|l| self.anchor_of_adult(&l.parent_iin) == a0)
                {
                    return Some((&links[0].parent_iin, "child of the couple".into()));
                }
                let home = self.dwelling_of(child);
                if let Some(l) = links
                    .iter()
                    .find(|l| home.is_some() && self.dwelling_of(&l.parent_iin) == home)
                {
                    return Some((
                        &l.parent_iin,
                        "parents live apart; counted with the parent registered at the child's address [Inf]".into(),
                    ));
                }
                let mother = links.iter().find(|l| {
                    self.facts(&l.parent_iin)
                        .is_some_and(|f| f.person.sex == Sex::Female)
                });
                let l = mother.unwrap_or(&links[0]);
                Some((
                    &l.parent_iin,
                    "parents live apart and neither shares the child's address; counted with the mother [Inf]".into(),
                ))
            }
        }
    }

    /// The anchor of the family `iin` belongs to on the date, with the basis in words.
    pub fn anchor_for(&self, iin: &'a Iin) -> Result<&'a Iin, CompositionError> {
        self.anchor_for_depth(iin, 0)
    }

    fn anchor_for_depth(&self, iin: &'a Iin, depth: u8) -> Result<&'a Iin, CompositionError> {
        let f = self
            .facts(iin)
            .ok_or_else(|| CompositionError::UnknownPerson(iin.masked()))?;
        if !f.person.alive_on(self.d) {
            return Err(CompositionError::NotAlive(iin.masked(), self.d));
        }
        if depth < 3 && self.is_dependent_child(iin) {
            if let Some((parent, _)) = self.counting_parent(iin) {
                if self.facts(parent).is_some() {
                    return self.anchor_for_depth(parent, depth + 1);
                }
            }
        }
        if depth < 3 {
            if let Some(p) = self.adult_dependant_parent(iin) {
                return self.anchor_for_depth(p, depth + 1);
            }
        }
        Ok(self.anchor_of_adult(iin))
    }

    /// The legal family anchored at `anchor` on the date.
    pub fn compose(&self, anchor: &'a Iin) -> Result<FamilyComposition, CompositionError> {
        let fa = self
            .facts(anchor)
            .ok_or_else(|| CompositionError::UnknownPerson(anchor.masked()))?;
        if !fa.person.alive_on(self.d) {
            return Err(CompositionError::NotAlive(anchor.masked(), self.d));
        }
        let mut members: BTreeMap<Iin, Member> = BTreeMap::new();
        let mut not_counted: BTreeMap<Iin, NotCounted> = BTreeMap::new();
        let mut deceased: Vec<DeceasedRelative> = vec![];
        members.insert(
            anchor.clone(),
            Member {
                iin: anchor.clone(),
                role: FamilyRole::Head,
                basis: "anchor of the family".into(),
            },
        );
        let mut adults = vec![anchor];
        if let Some(s) = self.spouse_of(anchor) {
            members.insert(
                s.clone(),
                Member {
                    iin: s.clone(),
                    role: FamilyRole::Spouse,
                    basis: "registered marriage in force".into(),
                },
            );
            adults.push(s);
        }
        // A spouse who died while the marriage was in force.
        for m in &self.n.marriages {
            for (me, other) in [(&m.spouse_a, &m.spouse_b), (&m.spouse_b, &m.spouse_a)] {
                if !adults.contains(&me) {
                    continue;
                }
                if let Some(of) = self.facts(other) {
                    if let Some(dd) = of.person.death_date {
                        if dd <= self.d
                            && m.registered_on <= dd
                            && m.dissolved_on.is_none_or(|x| dd < x)
                        {
                            deceased.push(DeceasedRelative {
                                iin: other.clone(),
                                death_date: dd,
                                relation: "spouse".into(),
                            });
                        }
                    }
                }
            }
        }
        // Children and wards of the adults.
        let mut candidates: Vec<(&Iin, FamilyRole, String)> = vec![];
        for a in &adults {
            for l in self.n.parent_links.iter().filter(|l| &&l.parent_iin == a) {
                if !covers(l.since, l.until, self.d) {
                    continue;
                }
                let role = match l.kind {
                    ParentKind::Birth => FamilyRole::Child,
                    ParentKind::Adoption => FamilyRole::AdoptedChild,
                };
                candidates.push((
                    &l.child_iin,
                    role,
                    format!("{:?} link to {}", l.kind, a.masked()).to_lowercase(),
                ));
            }
            for g in self
                .n
                .guardianships
                .iter()
                .filter(|g| &&g.guardian_iin == a)
            {
                if covers(Some(g.from), g.to, self.d) {
                    candidates.push((
                        &g.ward_iin,
                        FamilyRole::Ward,
                        format!("guardianship since {}", g.from),
                    ));
                }
            }
        }
        for (c, role, link) in candidates {
            if members.contains_key(c) || !self.alive(c) {
                continue;
            }
            let Some(cf) = self.facts(c) else { continue };
            let dependent = self.is_dependent_child(c);
            let dependant_adult = !dependent && self.adult_dependant_parent(c).is_some();
            if !dependent && !dependant_adult {
                not_counted.insert(
                    c.clone(),
                    NotCounted {
                        iin: c.clone(),
                        reason: "adult child: forms a family of their own".into(),
                    },
                );
                continue;
            }
            match self.anchor_for(c) {
                Ok(a) if a == anchor => {
                    let age = cf.person.age_on(self.d);
                    let role = if dependant_adult {
                        FamilyRole::OtherDependant
                    } else if age >= ADULT_AGE && role != FamilyRole::Ward {
                        FamilyRole::StudentDependant
                    } else {
                        role
                    };
                    let why = match role {
                        FamilyRole::StudentDependant => {
                            format!("{link}; aged {age}, full-time student (dependant to 23)")
                        }
                        FamilyRole::OtherDependant => format!(
                            "{link}; adult with disability group 1–2 registered with the parent [Inf]"
                        ),
                        _ => match self.counting_parent(c) {
                            Some((_, basis)) => format!("{link}; aged {age}; {basis}"),
                            None => format!("{link}; aged {age}"),
                        },
                    };
                    members.insert(
                        c.clone(),
                        Member {
                            iin: c.clone(),
                            role,
                            basis: why,
                        },
                    );
                }
                Ok(other) => {
                    not_counted.insert(
                        c.clone(),
                        NotCounted {
                            iin: c.clone(),
                            reason: format!(
                                "counted in another family ({}): {}",
                                FamilyId::for_anchor(other),
                                self.counting_parent(c)
                                    .map(|(_, b)| b)
                                    .unwrap_or_else(|| "its own".into())
                            ),
                        },
                    );
                }
                Err(_) => {}
            }
        }
        // Deceased parents of counted children (outside a marriage with the adults).
        for m in members.values().filter(|m| m.role.is_child()) {
            for l in self.n.parent_links.iter().filter(|l| l.child_iin == m.iin) {
                if adults.contains(&&l.parent_iin) {
                    continue;
                }
                if let Some(pf) = self.facts(&l.parent_iin) {
                    if let Some(dd) = pf.person.death_date {
                        if dd <= self.d && !deceased.iter().any(|x| x.iin == l.parent_iin) {
                            deceased.push(DeceasedRelative {
                                iin: l.parent_iin.clone(),
                                death_date: dd,
                                relation: "parent of a counted child".into(),
                            });
                        }
                    }
                }
            }
        }
        let mut members: Vec<Member> = members.into_values().collect();
        members.sort_by(|a, b| {
            (a.role, self.facts(&a.iin).map(|f| f.person.birth_date))
                .cmp(&(b.role, self.facts(&b.iin).map(|f| f.person.birth_date)))
        });
        Ok(FamilyComposition {
            family_id: FamilyId::for_anchor(anchor),
            anchor: anchor.clone(),
            as_of: self.d,
            members,
            not_counted: not_counted.into_values().collect(),
            deceased,
        })
    }
}

/// A person registered at a dwelling, as the store reports co-registrations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoRegistration {
    pub iin: Iin,
    pub address_id: String,
    pub kind: RegistrationKind,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

/// The address household: everybody registered at the family's dwelling on the date, whether or
/// not they belong to the legal family.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddressHousehold {
    pub address_id: Option<String>,
    pub residents: Vec<Iin>,
    /// Residents who are not members of the legal family.
    pub outside_family: Vec<Iin>,
}

pub fn address_household(
    composition: &FamilyComposition,
    anchor_dwelling: Option<&str>,
    co_registrations: &[CoRegistration],
) -> AddressHousehold {
    let d = composition.as_of;
    let Some(addr) = anchor_dwelling else {
        return AddressHousehold {
            address_id: None,
            residents: vec![],
            outside_family: vec![],
        };
    };
    let mut residents: Vec<Iin> = co_registrations
        .iter()
        .filter(|r| r.address_id == addr && covers(Some(r.from), r.to, d))
        .map(|r| r.iin.clone())
        .collect();
    residents.sort();
    residents.dedup();
    let outside_family = residents
        .iter()
        .filter(|i| composition.member(i).is_none())
        .cloned()
        .collect();
    AddressHousehold {
        address_id: Some(addr.to_string()),
        residents,
        outside_family,
    }
}

/// A marriage as the family-card materialisation sees it (no neighbourhood needed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarriageSummary {
    pub registered_on: Option<NaiveDate>,
    pub dissolved_on: Option<NaiveDate>,
    pub spouse_sex: Option<Sex>,
    pub spouse_death_date: Option<NaiveDate>,
}

/// Whether a person should carry a family card on `on`: alive, adult, and not the husband in a
/// marriage in force (the wife anchors the couple's card). Dependent students and adult
/// dependants also pass this cheap test; jobs confirm with [`Resolver::anchor_for`] before use.
pub fn is_candidate_anchor(
    sex: Sex,
    birth: NaiveDate,
    death: Option<NaiveDate>,
    marriages: &[MarriageSummary],
    on: NaiveDate,
) -> bool {
    if death.is_some_and(|d| d <= on) || birth > on {
        return false;
    }
    if super::registry::age_on(birth, on) < ADULT_AGE {
        return false;
    }
    let married_to_woman = marriages.iter().any(|m| {
        m.registered_on.is_some_and(|r| r <= on)
            && m.dissolved_on.is_none_or(|x| on < x)
            && m.spouse_death_date.is_none_or(|x| on < x)
            && m.spouse_sex == Some(Sex::Female)
    });
    !(sex == Sex::Male && married_to_woman)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::make_iin;
    use crate::domain::registry::{
        Citizenship, Dwelling, EducationAttachment, EducationLevel, Person, Registration,
        RegistrationAt, SettlementType,
    };

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// A tiny neighbourhood builder.
    #[derive(Default)]
    struct World {
        n: Neighbourhood,
        serial: u32,
    }

    impl World {
        fn person(&mut self, birth: &str, sex: Sex) -> Iin {
            self.serial += 1;
            let iin = make_iin(d(birth), sex, self.serial).unwrap();
            let p = Person {
                iin: iin.clone(),
                surname: "Тестова".into(),
                first_name: "Т".into(),
                patronymic: None,
                birth_date: d(birth),
                sex,
                death_date: None,
                citizenship: Citizenship::Citizen,
                phone: None,
            };
            self.n
                .persons
                .insert(iin.clone(), Arc::new(PersonFacts::new(p)));
            iin
        }
        fn marry(&mut self, a: &Iin, b: &Iin, on: &str, dissolved: Option<&str>) {
            self.n.marriages.push(Marriage {
                marriage_id: format!("M{}", self.n.marriages.len()),
                spouse_a: a.clone(),
                spouse_b: b.clone(),
                registered_on: d(on),
                dissolved_on: dissolved.map(d),
            });
        }
        fn parent(&mut self, p: &Iin, c: &Iin, kind: ParentKind) {
            self.n.parent_links.push(ParentLink {
                parent_iin: p.clone(),
                child_iin: c.clone(),
                kind,
                since: None,
                until: None,
            });
        }
        fn live(&mut self, who: &Iin, address: &str) {
            let f = Arc::make_mut(self.n.persons.get_mut(who).unwrap());
            f.registrations.push(RegistrationAt {
                registration: Registration {
                    iin: who.clone(),
                    address_id: address.into(),
                    kind: RegistrationKind::Permanent,
                    from: d("2000-01-01"),
                    to: None,
                },
                dwelling: Dwelling {
                    address_id: address.into(),
                    region: "ASTANA".into(),
                    settlement: "Астана".into(),
                    settlement_type: SettlementType::RepublicanCity,
                    street: None,
                    house: None,
                    flat: None,
                },
            });
        }
        fn study(&mut self, who: &Iin, full_time: bool) {
            let f = Arc::make_mut(self.n.persons.get_mut(who).unwrap());
            f.education.push(EducationAttachment {
                iin: who.clone(),
                organisation: "ЕНУ".into(),
                level: EducationLevel::University,
                full_time,
                from: d("2022-09-01"),
                to: None,
            });
        }
        fn compose(&self, anyone: &Iin, on: &str) -> FamilyComposition {
            let r = Resolver::new(&self.n, d(on));
            let anchor = r.anchor_for(anyone).unwrap().clone();
            r.compose(&anchor).unwrap()
        }
    }

    fn roles(c: &FamilyComposition) -> Vec<(Iin, FamilyRole)> {
        c.members.iter().map(|m| (m.iin.clone(), m.role)).collect()
    }

    #[test]
    fn a_married_couple_with_children_is_anchored_at_the_wife() {
        let mut w = World::default();
        let wife = w.person("1990-03-15", Sex::Female);
        let husband = w.person("1988-01-01", Sex::Male);
        let kid = w.person("2015-06-01", Sex::Male);
        w.marry(&husband, &wife, "2012-05-05", None);
        w.parent(&wife, &kid, ParentKind::Birth);
        w.parent(&husband, &kid, ParentKind::Birth);
        let c = w.compose(&kid, "2026-06-15");
        assert_eq!(c.anchor, wife);
        assert_eq!(c.family_id, FamilyId::for_anchor(&wife));
        assert_eq!(
            roles(&c),
            vec![
                (wife.clone(), FamilyRole::Head),
                (husband, FamilyRole::Spouse),
                (kid, FamilyRole::Child)
            ]
        );
    }

    #[test]
    fn a_full_time_student_counts_until_23_and_an_adult_otherwise_leaves() {
        let mut w = World::default();
        let mum = w.person("1975-01-01", Sex::Female);
        let student = w.person("2004-01-10", Sex::Female); // 22 on 2026-06-15
        let older = w.person("2003-01-10", Sex::Male); // 23
        let part_time = w.person("2005-01-10", Sex::Male); // 21, not full-time
        for c in [&student, &older, &part_time] {
            w.parent(&mum, c, ParentKind::Birth);
        }
        w.study(&student, true);
        w.study(&older, true);
        w.study(&part_time, false);
        let c = w.compose(&mum, "2026-06-15");
        assert_eq!(
            c.member(&student).unwrap().role,
            FamilyRole::StudentDependant
        );
        assert!(c.member(&older).is_none());
        assert!(c.member(&part_time).is_none());
        // The 23-year-old is the head of their own family.
        assert_eq!(w.compose(&older, "2026-06-15").anchor, older);
    }

    #[test]
    fn after_a_divorce_the_child_counts_once_with_the_parent_at_its_dwelling() {
        let mut w = World::default();
        let mum = w.person("1990-01-01", Sex::Female);
        let dad = w.person("1989-01-01", Sex::Male);
        let kid = w.person("2016-01-01", Sex::Female);
        w.marry(&dad, &mum, "2014-01-01", Some("2020-01-01"));
        w.parent(&mum, &kid, ParentKind::Birth);
        w.parent(&dad, &kid, ParentKind::Birth);
        w.live(&dad, "A1");
        w.live(&kid, "A1");
        w.live(&mum, "A2");
        let with_dad = w.compose(&dad, "2026-06-15");
        let with_mum = w.compose(&mum, "2026-06-15");
        assert!(with_dad.member(&kid).is_some());
        assert!(with_mum.member(&kid).is_none());
        assert!(with_mum.not_counted.iter().any(|n| n.iin == kid));
        // Before the divorce they were one family.
        let before = w.compose(&kid, "2018-06-01");
        assert_eq!(before.anchor, mum);
        assert_eq!(before.size(), 3);
    }

    #[test]
    fn a_ward_belongs_to_the_guardian_and_a_deceased_spouse_is_listed_apart() {
        let mut w = World::default();
        let gran = w.person("1960-01-01", Sex::Female);
        let grandad = w.person("1958-01-01", Sex::Male);
        let ward = w.person("2014-01-01", Sex::Male);
        w.marry(&grandad, &gran, "1980-01-01", None);
        Arc::make_mut(w.n.persons.get_mut(&grandad).unwrap())
            .person
            .death_date = Some(d("2025-02-01"));
        w.n.guardianships.push(Guardianship {
            guardian_iin: gran.clone(),
            ward_iin: ward.clone(),
            from: d("2020-01-01"),
            to: None,
        });
        let c = w.compose(&ward, "2026-06-15");
        assert_eq!(c.anchor, gran);
        assert_eq!(c.member(&ward).unwrap().role, FamilyRole::Ward);
        assert!(c.member(&grandad).is_none());
        assert_eq!(c.deceased.len(), 1);
        assert_eq!(c.deceased[0].iin, grandad);
        // On his last day alive he was still the spouse.
        let earlier = w.compose(&gran, "2025-01-31");
        assert_eq!(earlier.member(&grandad).unwrap().role, FamilyRole::Spouse);
    }

    #[test]
    fn a_child_turning_18_leaves_on_the_birthday() {
        let mut w = World::default();
        let mum = w.person("1980-01-01", Sex::Female);
        let kid = w.person("2008-06-15", Sex::Male);
        w.parent(&mum, &kid, ParentKind::Adoption);
        assert_eq!(
            w.compose(&mum, "2026-06-14").member(&kid).unwrap().role,
            FamilyRole::AdoptedChild
        );
        assert!(w.compose(&mum, "2026-06-15").member(&kid).is_none());
    }
}
