//! Assets on relatives (DOMAIN §7: the Turkestan 2025 families that hid cars and land): the
//! person asked about receives a benefit the rule names on the date, nobody of their own family
//! (themselves, their spouse, their minor children) holds an asset of the listed kinds that day,
//! and relatives within the rule's civil links — parents, siblings, in-laws — hold at least
//! `min_assets` of them. Relations are walked over civil links in force (marriage, parenthood),
//! at most `max_links` of them; the evidence is the chain of links and the assets.

use super::{pair, receives, spouse_on, Hit, SignalKind, SignalRules};
use crate::domain::ids::Iin;
use crate::domain::links::{person_id, Edge, LinkRecord, Slice};
use crate::domain::registry::{age_on, covers, VehicleKind};
use chrono::NaiveDate;
use std::collections::{BTreeMap, BTreeSet};

/// The asset kinds the rule may name.
pub const ASSET_KINDS: [&str; 4] = ["vehicle", "agricultural_machinery", "real_estate", "land"];

/// The assets of the listed kinds a person holds on `d`: (asset node id, description).
pub fn assets_on(r: &LinkRecord, kinds: &[String], d: NaiveDate) -> Vec<(String, String)> {
    let wants = |k: &str| kinds.iter().any(|x| x == k);
    let mut out = vec![];
    for v in r.vehicles.iter().filter(|v| covers(Some(v.from), v.to, d)) {
        let kind = if v.kind == VehicleKind::Agricultural {
            "agricultural_machinery"
        } else {
            "vehicle"
        };
        if wants(kind) {
            let what = v.model.as_deref().unwrap_or(&v.vehicle_id);
            out.push((
                format!("vehicle:{}", v.vehicle_id),
                format!("{kind} {what} since {}", v.from),
            ));
        }
    }
    if wants("real_estate") {
        for p in r
            .real_estate
            .iter()
            .filter(|p| covers(Some(p.from), p.to, d))
        {
            out.push((
                format!("real_estate:{}", p.property_id),
                format!(
                    "real_estate {} ({} m²) since {}",
                    p.property_id, p.area_m2, p.from
                ),
            ));
        }
    }
    if wants("land") {
        for l in r
            .land_plots
            .iter()
            .filter(|l| covers(Some(l.from), l.to, d))
        {
            out.push((
                format!("land:{}", l.cadastral_number),
                format!(
                    "land {} ({} ha) since {}",
                    l.cadastral_number, l.area_ha, l.from
                ),
            ));
        }
    }
    out
}

/// One civil step from `who` on `d`: (the other person, `parent` / `child` / `spouse`).
fn steps(r: &LinkRecord, d: NaiveDate) -> Vec<(Iin, &'static str)> {
    let me = r.iin();
    let mut out = vec![];
    for m in &r.marriages {
        if covers(Some(m.registered_on), m.dissolved_on, d) {
            let o = if &m.spouse_a == me {
                &m.spouse_b
            } else {
                &m.spouse_a
            };
            out.push((o.clone(), "spouse"));
        }
    }
    for l in r
        .parent_links
        .iter()
        .filter(|l| covers(l.since, l.until, d))
    {
        if &l.child_iin == me {
            out.push((l.parent_iin.clone(), "parent"));
        } else if &l.parent_iin == me {
            out.push((l.child_iin.clone(), "child"));
        }
    }
    out
}

/// The applicant's own family on `d`: themselves, a spouse in force, minor children of either.
pub(crate) fn own_family(
    slice: &Slice,
    focus: &Iin,
    d: NaiveDate,
    adult_age: i32,
) -> BTreeSet<Iin> {
    let mut fam: BTreeSet<Iin> = [focus.clone()].into_iter().collect();
    if let Some(s) = spouse_on(slice, focus, d) {
        fam.insert(s);
    }
    for p in fam.clone() {
        let Some(r) = slice.records.get(&p) else {
            continue;
        };
        for l in r.parent_links.iter().filter(|l| l.parent_iin == p) {
            if age_on(l.child_iin.birth_date(), d) < adult_age && covers(l.since, l.until, d) {
                fam.insert(l.child_iin.clone());
            }
        }
    }
    fam
}

/// A walk from the applicant: where it is, the relation so far (`spouse>parent`), its steps.
type Walk = (Iin, String, Vec<(Iin, Iin)>);

pub fn evaluate(slice: &Slice, focus: &Iin, as_of: NaiveDate, rules: &SignalRules) -> Vec<Hit> {
    let rule = &rules.assets_on_relatives;
    let receipts = receives(slice, focus, &rule.benefits, as_of);
    if receipts.is_empty() {
        return vec![];
    }
    let family = own_family(slice, focus, as_of, rule.adult_age);
    // "Declares none": nobody of the family holds an asset of the kinds.
    for m in &family {
        if let Some(r) = slice.records.get(m) {
            if !assets_on(r, &rule.asset_kinds, as_of).is_empty() {
                return vec![];
            }
        }
    }
    // Breadth first over civil links from the family, at most `max_links` from the applicant.
    let mut relation: BTreeMap<Iin, (String, Vec<(Iin, Iin)>)> = BTreeMap::new();
    let mut seen: BTreeSet<Iin> = family.clone();
    let mut frontier: Vec<Walk> = vec![(focus.clone(), String::new(), vec![])];
    for _ in 0..rule.max_links {
        let mut next = vec![];
        for (at, how, chain) in &frontier {
            let Some(r) = slice.records.get(at) else {
                continue;
            };
            for (o, step) in steps(r, as_of) {
                let how2 = if how.is_empty() {
                    step.to_string()
                } else {
                    format!("{how}>{step}")
                };
                let mut chain2 = chain.clone();
                chain2.push((at.clone(), o.clone()));
                // Members of the own family are walked through, never counted.
                if family.contains(&o) {
                    if !chain.iter().any(|(a, _)| a == &o) && &o != focus {
                        next.push((o, how2, chain2));
                    }
                    continue;
                }
                if !seen.insert(o.clone()) {
                    continue;
                }
                relation.insert(o.clone(), (how2.clone(), chain2.clone()));
                next.push((o, how2, chain2));
            }
        }
        frontier = next;
    }
    let mut facts = vec![];
    let mut subjects = vec![focus.clone()];
    let mut ids: BTreeSet<String> = family.iter().map(person_id).collect();
    let mut edges: Vec<Edge> = vec![];
    let mut count = 0;
    for (who, (how, chain)) in &relation {
        let Some(r) = slice.records.get(who) else {
            continue;
        };
        let assets = assets_on(r, &rule.asset_kinds, as_of);
        if assets.is_empty() {
            continue;
        }
        count += assets.len();
        subjects.push(who.clone());
        facts.push(pair("relative", format!("{} ({how})", who.as_str())));
        let rid = person_id(who);
        for (aid, what) in &assets {
            facts.push(pair("asset", format!("{}: {what}", who.as_str())));
            ids.insert(aid.clone());
            edges.extend(
                slice
                    .edges
                    .iter()
                    .filter(|e| e.from == rid && &e.to == aid && e.in_force(as_of))
                    .cloned(),
            );
        }
        for (a, b) in chain {
            let (a, b) = (person_id(a), person_id(b));
            ids.insert(a.clone());
            ids.insert(b.clone());
            edges.extend(
                slice
                    .edges
                    .iter()
                    .filter(|e| {
                        e.kind.is_civil() && e.touches(&a) && e.touches(&b) && e.in_force(as_of)
                    })
                    .cloned(),
            );
        }
    }
    if count < rule.min_assets {
        return vec![];
    }
    facts.push(pair("relatives_assets", count));
    facts.push(pair("declared_assets", 0));
    facts.extend(receipts.iter().map(|r| pair("benefit", r)));
    vec![Hit {
        signal: SignalKind::AssetsOnRelatives,
        subjects,
        score: rule.weight,
        rule_version: rules.version.clone(),
        thresholds: vec![
            pair("max_links", rule.max_links),
            pair("min_assets", rule.min_assets),
            pair("asset_kinds", rule.asset_kinds.join(",")),
        ],
        facts,
        matters_for: rule.benefits.clone(),
        evidence: slice.subset(&ids, edges),
    }]
}

#[cfg(test)]
mod tests {
    use crate::domain::links::tests::{d, iin, marriage, rec};
    use crate::domain::registry::{Vehicle, VehicleKind};
    use crate::domain::signals::tests::{hits_of, of_kind, parent_of, receives_benefit};
    use crate::domain::signals::SignalKind;
    use std::collections::BTreeMap;

    fn car(r: &mut crate::domain::links::LinkRecord, id: &str) {
        r.vehicles.push(Vehicle {
            vehicle_id: id.into(),
            owner_iin: r.person.iin.clone(),
            kind: VehicleKind::Passenger,
            machinery_type: None,
            model: Some("Toyota Camry".into()),
            from: d("2024-01-01"),
            to: None,
        });
    }

    #[test]
    fn a_car_of_the_wifes_brother_is_found_and_an_own_car_clears_it() {
        // Applicant a (ASP) married to w; w's father f; f's son b (w's brother) owns a car.
        for own_car in [false, true] {
            let base = if own_car { 600 } else { 500 };
            let (a, w, f, b) = (iin(base), iin(base + 1), iin(base + 2), iin(base + 3));
            let mut all: BTreeMap<_, _> = [&a, &w, &f, &b]
                .iter()
                .map(|i| ((*i).clone(), rec(i)))
                .collect();
            let m = marriage(&a, &w, "2015-01-01", None);
            all.get_mut(&a).unwrap().marriages.push(m.clone());
            all.get_mut(&w).unwrap().marriages.push(m);
            parent_of(&mut all, &f, &w);
            parent_of(&mut all, &f, &b);
            receives_benefit(all.get_mut(&a).unwrap(), "asp");
            car(all.get_mut(&b).unwrap(), "VH-B");
            if own_car {
                car(all.get_mut(&w).unwrap(), "VH-W");
            }
            let h = hits_of(&all, &a, 3);
            let h = of_kind(&h, SignalKind::AssetsOnRelatives);
            if own_car {
                assert!(h.is_empty(), "{h:?}");
                continue;
            }
            assert_eq!(h.len(), 1);
            let facts = &h[0].facts;
            assert!(
                facts.iter().any(|(k, v)| k == "relative"
                    && v == &format!("{} (spouse>parent>child)", b.as_str())),
                "{facts:?}"
            );
            assert_eq!(h[0].subjects, vec![a.clone(), b.clone()]);
            let kinds: Vec<_> = h[0].evidence.edges.iter().map(|e| e.kind).collect();
            assert_eq!(kinds.len(), 4, "{kinds:?}"); // marriage, two parent links, the car
        }
    }
}
