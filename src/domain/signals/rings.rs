//! Rings (DOMAIN §7): connected groups of families linked by shared identifiers — a bank
//! account, a phone number, a dwelling — found by a deterministic connected-components pass and
//! ranked by size. Families are the households of the slice (persons joined by a marriage in
//! force, parenthood of a minor, a guardianship in force; keyed by their smallest IIN); two
//! families are linked when persons of both hold one identifier on the date. A ring of at least
//! `min_families` families of which at least `min_recipient_families` receive a benefit the rule
//! names is a hit; its score grows with every family beyond the minimum (capped at 100).
//! [`components`] is the pure pass itself, usable over any (family, identifier) list.

use super::{pair, receives, Groups, Hit, SignalKind, SignalRules};
use crate::domain::ids::Iin;
use crate::domain::links::{dwelling_id, person_id, EdgeKind, Slice};
use crate::domain::registry::{age_on, covers};
use chrono::NaiveDate;
use std::collections::{BTreeMap, BTreeSet};

/// The identifiers the rule may name.
pub const IDENTIFIERS: [&str; 3] = ["account", "phone", "dwelling"];

/// Connected components of families linked by identifiers: `links` are (family, identifier)
/// pairs; families sharing an identifier are in one component. Deterministic: components are
/// sorted sets, listed largest first, then by their smallest family. Singletons are left out.
pub fn components<F: Ord + Clone, I: Ord>(links: &[(F, I)]) -> Vec<BTreeSet<F>> {
    let mut by_id: BTreeMap<&I, Vec<&F>> = BTreeMap::new();
    for (f, i) in links {
        by_id.entry(i).or_default().push(f);
    }
    let mut parent: BTreeMap<F, F> = BTreeMap::new();
    fn find<F: Ord + Clone>(p: &mut BTreeMap<F, F>, x: &F) -> F {
        let mut r = x.clone();
        while let Some(n) = p.get(&r) {
            if n == &r {
                break;
            }
            r = n.clone();
        }
        p.insert(x.clone(), r.clone());
        r
    }
    for fams in by_id.values() {
        for w in fams.windows(2) {
            let (a, b) = (find(&mut parent, w[0]), find(&mut parent, w[1]));
            if a != b {
                let (lo, hi) = if a < b { (a, b) } else { (b, a) };
                parent.insert(hi, lo);
            }
        }
    }
    let mut groups: BTreeMap<F, BTreeSet<F>> = BTreeMap::new();
    let all: BTreeSet<F> = links.iter().map(|(f, _)| f.clone()).collect();
    for f in all {
        let r = find(&mut parent, &f);
        groups.entry(r).or_default().insert(f);
    }
    let mut out: Vec<BTreeSet<F>> = groups.into_values().filter(|g| g.len() > 1).collect();
    out.sort_by(|a, b| {
        b.len()
            .cmp(&a.len())
            .then_with(|| a.iter().next().cmp(&b.iter().next()))
    });
    out
}

/// The score of a ring of `families` families.
pub fn score(rules: &SignalRules, families: usize) -> u32 {
    let r = &rules.rings;
    let extra = families.saturating_sub(r.min_families) as u32;
    (r.weight + r.per_extra_family * extra).min(100)
}

pub fn evaluate(slice: &Slice, focus: &Iin, as_of: NaiveDate, rules: &SignalRules) -> Vec<Hit> {
    let rule = &rules.rings;
    if !slice.records.contains_key(focus) {
        return vec![];
    }
    // Households of the slice.
    let mut groups = Groups::default();
    for r in slice.records.values() {
        for m in &r.marriages {
            if covers(Some(m.registered_on), m.dissolved_on, as_of) {
                groups.join(&m.spouse_a, &m.spouse_b);
            }
        }
        for l in &r.parent_links {
            if covers(l.since, l.until, as_of)
                && age_on(l.child_iin.birth_date(), as_of) < rule.adult_age
            {
                groups.join(&l.parent_iin, &l.child_iin);
            }
        }
        for g in &r.guardianships {
            if covers(Some(g.from), g.to, as_of) {
                groups.join(&g.guardian_iin, &g.ward_iin);
            }
        }
    }
    let uses = |k: &str| rule.identifiers.iter().any(|i| i == k);
    // (family, identifier node or key) and who holds it.
    let mut links: Vec<(Iin, String)> = vec![];
    let mut holders: BTreeMap<String, BTreeSet<Iin>> = BTreeMap::new();
    for (who, r) in &slice.records {
        if !r.person.alive_on(as_of) {
            continue;
        }
        let fam = groups.find(who);
        let mut ids: Vec<String> = vec![];
        if uses("account") {
            ids.extend(
                r.bank_accounts
                    .iter()
                    .filter(|a| covers(Some(a.opened_on), a.closed_on, as_of))
                    .map(|a| format!("account:{}", a.iban.as_str())),
            );
        }
        if uses("phone") {
            ids.extend(r.person.phone.iter().map(|p| format!("phone:{p}")));
        }
        if uses("dwelling") {
            ids.extend(
                r.registrations
                    .iter()
                    .filter(|x| covers(Some(x.registration.from), x.registration.to, as_of))
                    .map(|x| dwelling_id(&x.dwelling.address_id)),
            );
        }
        for i in ids {
            holders.entry(i.clone()).or_default().insert(who.clone());
            links.push((fam.clone(), i));
        }
    }
    let mine = groups.find(focus);
    let Some(ring) = components(&links).into_iter().find(|c| c.contains(&mine)) else {
        return vec![];
    };
    if ring.len() < rule.min_families {
        return vec![];
    }
    let members = |f: &Iin, g: &mut Groups| -> Vec<Iin> {
        slice
            .records
            .keys()
            .filter(|i| &g.find(i) == f)
            .cloned()
            .collect()
    };
    let mut facts = vec![pair("families", ring.len())];
    let mut subjects = vec![];
    let mut recipients = 0;
    let mut persons: BTreeSet<Iin> = BTreeSet::new();
    for f in &ring {
        let ms = members(f, &mut groups);
        let got: Vec<String> = ms
            .iter()
            .flat_map(|m| receives(slice, m, &rule.benefits, as_of))
            .collect();
        if !got.is_empty() {
            recipients += 1;
        }
        facts.push(pair(
            "family",
            format!(
                "{}{}",
                ms.iter().map(|m| m.as_str()).collect::<Vec<_>>().join(" "),
                if got.is_empty() {
                    String::new()
                } else {
                    format!(" — {}", got.join("; "))
                }
            ),
        ));
        subjects.push(f.clone());
        persons.extend(ms);
    }
    if recipients < rule.min_recipient_families {
        return vec![];
    }
    // The identifiers that link two families of the ring.
    let mut shared: Vec<String> = vec![];
    for (id, hs) in &holders {
        let fams: BTreeSet<Iin> = hs
            .iter()
            .filter(|h| persons.contains(*h))
            .map(|h| groups.find(h))
            .collect();
        if fams.len() > 1 {
            facts.push(pair("shared", format!("{id} ({} families)", fams.len())));
            shared.push(id.clone());
        }
    }
    facts.push(pair("recipient_families", recipients));
    let mut ids: BTreeSet<String> = persons.iter().map(person_id).collect();
    let mut edges = vec![];
    for e in slice.edges.iter().filter(|e| e.in_force(as_of)) {
        let via_node = shared.contains(&e.to) && ids.contains(&e.from);
        let phone = e.kind == EdgeKind::SharesPhone
            && uses("phone")
            && ids.contains(&e.from)
            && ids.contains(&e.to);
        let account = e.kind == EdgeKind::SharesAccount
            && uses("account")
            && ids.contains(&e.from)
            && ids.contains(&e.to);
        if via_node || phone || account {
            edges.push(e.clone());
        }
    }
    for e in &edges {
        ids.insert(e.to.clone());
    }
    vec![Hit {
        signal: SignalKind::Ring,
        subjects,
        score: score(rules, ring.len()),
        rule_version: rules.version.clone(),
        thresholds: vec![
            pair("min_families", rule.min_families),
            pair("min_recipient_families", rule.min_recipient_families),
            pair("identifiers", rule.identifiers.join(",")),
            pair("per_extra_family", rule.per_extra_family),
        ],
        facts,
        matters_for: rule.benefits.clone(),
        evidence: slice.subset(&ids, edges),
    }]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_are_deterministic_and_largest_first() {
        let links = vec![
            ("f3", "phone:1"),
            ("f1", "acct:A"),
            ("f2", "acct:A"),
            ("f2", "phone:2"),
            ("f4", "phone:2"),
            ("f5", "dw:1"),
            ("f6", "dw:1"),
            ("f7", "alone"),
        ];
        let c = components(&links);
        assert_eq!(c.len(), 2);
        assert_eq!(
            c[0].iter().copied().collect::<Vec<_>>(),
            vec!["f1", "f2", "f4"]
        );
        assert_eq!(c[1].iter().copied().collect::<Vec<_>>(), vec!["f5", "f6"]);
        let mut rev = links.clone();
        rev.reverse();
        assert_eq!(components(&rev), c);
    }

    /// `n` single adults (separate families) chained by shared phones: 0–1, 1–2, …
    fn chain(n: u32, base: u32, recipients: usize) -> Vec<Hit> {
        use crate::domain::links::tests::{iin, rec};
        use crate::domain::signals::tests::{hits_of, of_kind, receives_benefit};
        let people: Vec<Iin> = (0..n).map(|k| iin(base + k)).collect();
        let mut all: BTreeMap<Iin, crate::domain::links::LinkRecord> = BTreeMap::new();
        for (k, p) in people.iter().enumerate() {
            let mut r = rec(p);
            r.person.phone = Some(format!("+7701000{:04}", base as usize + k / 2));
            if let Some(partner) = people.get(k ^ 1) {
                r.phone_sharers.push(partner.clone());
            }
            if k < recipients {
                receives_benefit(&mut r, "asp");
            }
            all.insert(p.clone(), r);
        }
        // Pairs (0,1), (2,3)… share a phone; join the pairs by an account-less dwelling.
        for k in (1..n as usize).step_by(2) {
            if k + 1 < n as usize {
                let a = format!("AD-R-{base}-{k}");
                for p in [&people[k], &people[k + 1]] {
                    crate::domain::links::tests::registered(
                        all.get_mut(p).unwrap(),
                        &a,
                        "2020-01-01",
                        None,
                    );
                }
                for (x, y) in [(k, k + 1), (k + 1, k)] {
                    let other = people[y].clone();
                    all.get_mut(&people[x]).unwrap().co_registrations.push(
                        crate::domain::family::CoRegistration {
                            iin: other,
                            address_id: a.clone(),
                            kind: crate::domain::registry::RegistrationKind::Permanent,
                            from: crate::domain::links::tests::d("2020-01-01"),
                            to: None,
                        },
                    );
                }
            }
        }
        let h = hits_of(&all, &people[0], n as usize);
        of_kind(&h, SignalKind::Ring).into_iter().cloned().collect()
    }

    #[test]
    fn a_ring_of_families_is_found_ranked_by_size_and_a_pair_is_not() {
        let h = chain(4, 950, 2);
        assert_eq!(h.len(), 1, "{h:?}");
        assert!(h[0].facts.contains(&pair("families", 4)));
        assert_eq!(h[0].score, 50); // 40 + 10 for the fourth family
        assert!(chain(2, 960, 2).is_empty());
        // Three families, one recipient: below min_recipient_families.
        assert!(chain(3, 970, 1).is_empty());
    }
}
