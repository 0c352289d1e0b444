//! Rings (DOMAIN §7): connected groups of families linked by shared identifiers — a bank
//! account, a phone number, a dwelling — found by a deterministic connected-components pass and
//! ranked by size. Families are the households of the slice (persons joined by a marriage in
//! force, parenthood of a minor, a guardianship in force; keyed by their smallest IIN); two
//! families are linked when persons of both hold one identifier on the date. A ring of at least
//! `min_families` families of which at least `min_recipient_families` receive a benefit the rule
//! names is a hit; its score grows with every family beyond the minimum (capped at 100).
//! [`components`] is the pure pass itself, usable over any (family, identifier) list.
//!
//! Over a slice this sees only what is two hops around the person asked about. The country-wide
//! signals run finds rings over the WHOLE graph instead with [`RingPass`]: every person's
//! identifiers and household links stream in keyset pages ([`RingFacts`]) into union-finds over
//! compact person numbers (memory: a few words per person and per distinct identifier, never a
//! page's rows), and the components with at least `min_families` households are the candidates
//! whose persons are then loaded and judged by [`evaluate`] like any slice — same households, same
//! evidence, same key. A dwelling links families there only when adults who are not kin (not one
//! household, parent and child, or spouses) are registered at it: a three-generation home is not a
//! ring.

use super::{pair, receives, Groups, Hit, SignalKind, SignalRules};
use crate::domain::ids::Iin;
use crate::domain::links::{dwelling_id, person_id, EdgeKind, Slice};
use crate::domain::registry::{age_on, covers};
use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

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

/// One dated link of a person in [`RingFacts`]: an identifier (IBAN, address id) or another
/// person's IIN, with the dates it holds between (`None`: open).
#[derive(Debug, Clone, Deserialize)]
pub struct DatedLink {
    pub id: String,
    #[serde(default)]
    pub from: Option<NaiveDate>,
    #[serde(default)]
    pub to: Option<NaiveDate>,
}

/// What the whole-graph ring pass reads of one person (`cypher/signal_ring_facts.cypher`): the
/// identifiers they hold and their household links, every date still to be judged.
#[derive(Debug, Clone, Deserialize)]
pub struct RingFacts {
    pub iin: Iin,
    #[serde(default)]
    pub death_date: Option<NaiveDate>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub accounts: Vec<DatedLink>,
    #[serde(default)]
    pub dwellings: Vec<DatedLink>,
    /// Marriages (either side).
    #[serde(default)]
    pub spouses: Vec<DatedLink>,
    /// Children (parent links from this person).
    #[serde(default)]
    pub children: Vec<DatedLink>,
    /// Wards (guardianships of this person).
    #[serde(default)]
    pub wards: Vec<DatedLink>,
}

/// Union-find over person numbers; the root of two joined sets is the smaller number.
#[derive(Debug, Default)]
struct UnionFind(Vec<u32>);

impl UnionFind {
    fn grow(&mut self, n: usize) {
        while self.0.len() < n {
            self.0.push(self.0.len() as u32);
        }
    }
    fn find(&mut self, mut x: u32) -> u32 {
        while self.0[x as usize] != x {
            let up = self.0[self.0[x as usize] as usize];
            self.0[x as usize] = up;
            x = up;
        }
        x
    }
    fn join(&mut self, a: u32, b: u32) {
        let (a, b) = (self.find(a), self.find(b));
        if a != b {
            let (lo, hi) = if a < b { (a, b) } else { (b, a) };
            self.0[hi as usize] = lo;
        }
    }
}

/// The whole-graph connected-components pass of the rings rule on one date: feed every person's
/// [`RingFacts`] ([`RingPass::add`], in any order, page by page), then [`RingPass::rings`].
#[derive(Debug)]
pub struct RingPass {
    as_of: NaiveDate,
    adult_age: i32,
    min_families: usize,
    accounts: bool,
    phones: bool,
    dwellings: bool,
    number: HashMap<Iin, u32>,
    persons: Vec<Iin>,
    /// Households (the rule's families).
    house: UnionFind,
    /// Households joined with parents and children of any age and spouses: kin.
    kin: UnionFind,
    /// Households joined by shared identifiers: the rings.
    ring: UnionFind,
    /// The first living holder of each account or phone seen.
    holder: HashMap<String, u32>,
    /// The living persons registered at each dwelling on the date (judged at the end, when every
    /// kin link is known).
    residents: HashMap<String, Vec<u32>>,
}

impl RingPass {
    pub fn new(rules: &SignalRules, as_of: NaiveDate) -> Self {
        let r = &rules.rings;
        let uses = |k: &str| r.identifiers.iter().any(|i| i == k);
        RingPass {
            as_of,
            adult_age: r.adult_age,
            min_families: r.min_families,
            accounts: uses("account"),
            phones: uses("phone"),
            dwellings: uses("dwelling"),
            number: HashMap::new(),
            persons: vec![],
            house: UnionFind::default(),
            kin: UnionFind::default(),
            ring: UnionFind::default(),
            holder: HashMap::new(),
            residents: HashMap::new(),
        }
    }

    /// Persons known to the pass so far.
    pub fn persons(&self) -> usize {
        self.persons.len()
    }

    fn number(&mut self, i: &Iin) -> u32 {
        if let Some(n) = self.number.get(i) {
            return *n;
        }
        let n = self.persons.len() as u32;
        self.persons.push(i.clone());
        self.number.insert(i.clone(), n);
        let len = self.persons.len();
        self.house.grow(len);
        self.kin.grow(len);
        self.ring.grow(len);
        n
    }

    fn household(&mut self, a: u32, b: u32) {
        self.house.join(a, b);
        self.kin.join(a, b);
        self.ring.join(a, b);
    }

    pub fn add(&mut self, f: &RingFacts) {
        let d = self.as_of;
        let me = self.number(&f.iin);
        let held = |l: &&DatedLink| covers(l.from, l.to, d);
        for s in f.spouses.iter().filter(held) {
            if let Ok(o) = Iin::parse(&s.id) {
                let o = self.number(&o);
                self.household(me, o);
            }
        }
        for c in f.children.iter().filter(held) {
            if let Ok(child) = Iin::parse(&c.id) {
                let minor = age_on(child.birth_date(), d) < self.adult_age;
                let o = self.number(&child);
                if minor {
                    self.household(me, o);
                } else {
                    self.kin.join(me, o);
                }
            }
        }
        for w in f.wards.iter().filter(held) {
            if let Ok(o) = Iin::parse(&w.id) {
                let o = self.number(&o);
                self.household(me, o);
            }
        }
        let alive = f.death_date.is_none_or(|dd| d < dd) && f.iin.birth_date() <= d;
        if !alive {
            return;
        }
        let mut ids: Vec<String> = vec![];
        if self.accounts {
            ids.extend(
                f.accounts
                    .iter()
                    .filter(held)
                    .map(|a| format!("account:{}", a.id)),
            );
        }
        if self.phones {
            ids.extend(f.phone.iter().map(|p| format!("phone:{p}")));
        }
        for i in ids {
            match self.holder.get(&i) {
                Some(first) => {
                    let first = *first;
                    self.ring.join(first, me);
                }
                None => {
                    self.holder.insert(i, me);
                }
            }
        }
        if self.dwellings {
            for r in f.dwellings.iter().filter(held) {
                let at = self.residents.entry(dwelling_id(&r.id)).or_default();
                if !at.contains(&me) {
                    at.push(me);
                }
            }
        }
    }

    /// The candidate rings: the persons of every component of at least `min_families`
    /// households, each sorted, largest (in households) first, then by the smallest IIN.
    pub fn rings(mut self) -> Vec<Vec<Iin>> {
        let residents = std::mem::take(&mut self.residents);
        for (_, at) in residents {
            let kins: BTreeSet<u32> = at.iter().map(|p| self.kin.find(*p)).collect();
            if kins.len() > 1 {
                for w in at.windows(2) {
                    self.ring.join(w[0], w[1]);
                }
            }
        }
        let mut by_root: BTreeMap<u32, (BTreeSet<u32>, Vec<Iin>)> = BTreeMap::new();
        for n in 0..self.persons.len() as u32 {
            let root = self.ring.find(n);
            let house = self.house.find(n);
            let e = by_root.entry(root).or_default();
            e.0.insert(house);
            e.1.push(self.persons[n as usize].clone());
        }
        let mut out: Vec<(usize, Vec<Iin>)> = by_root
            .into_values()
            .filter(|(houses, _)| houses.len() >= self.min_families)
            .map(|(houses, mut persons)| {
                persons.sort();
                (houses.len(), persons)
            })
            .collect();
        out.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.first().cmp(&b.1.first())));
        out.into_iter().map(|(_, p)| p).collect()
    }
}

/// The slice of a candidate ring: the link records of its persons (loaded by the caller), with
/// the nodes and edges between them as the explorer draws them, explored from the first person
/// within these records only.
pub fn ring_slice(records: Vec<crate::domain::links::LinkRecord>) -> Option<Slice> {
    use crate::domain::links::{Explorer, LinkFilter, MAX_NODES};
    let start = records.iter().map(|r| r.iin().clone()).min()?;
    let mut by_iin: BTreeMap<Iin, crate::domain::links::LinkRecord> =
        records.into_iter().map(|r| (r.iin().clone(), r)).collect();
    let mut ex = Explorer::new(start, LinkFilter::all(None), by_iin.len(), MAX_NODES, None);
    while let Some(want) = ex.wants() {
        ex.absorb(want.iter().filter_map(|i| by_iin.remove(i)).collect());
    }
    Some(ex.slice())
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

    fn facts(i: &Iin) -> RingFacts {
        RingFacts {
            iin: i.clone(),
            death_date: None,
            phone: None,
            accounts: vec![],
            dwellings: vec![],
            spouses: vec![],
            children: vec![],
            wards: vec![],
        }
    }

    fn link(id: &str, from: &str) -> DatedLink {
        DatedLink {
            id: id.to_string(),
            from: Some(crate::domain::links::tests::d(from)),
            to: None,
        }
    }

    fn rules() -> SignalRules {
        crate::domain::signals::SignalCatalog::bundled()
            .in_force(crate::domain::links::tests::d("2026-06-15"))
            .unwrap()
            .clone()
    }

    #[test]
    fn the_whole_graph_pass_joins_households_by_identifiers_in_any_order() {
        use crate::domain::links::tests::{d, iin};
        let on = d("2026-06-15");
        // Three mothers with a minor child each; accounts A (m0, m1) and B (m1, m2).
        let mothers: Vec<Iin> = (0..3).map(|k| iin(800 + k)).collect();
        let mut all = vec![];
        for (k, m) in mothers.iter().enumerate() {
            let mut f = facts(m);
            let child = (0..)
                .find_map(|j| {
                    crate::domain::ids::make_iin(
                        d("2019-01-01"),
                        crate::domain::ids::Sex::Female,
                        8_100 + 10 * k as u32 + j,
                    )
                })
                .unwrap();
            f.children.push(link(child.as_str(), "2019-01-01"));
            if k < 2 {
                f.accounts.push(link("KZ-A", "2020-01-01"));
            }
            if k > 0 {
                f.accounts.push(link("KZ-B", "2020-01-01"));
            }
            all.push(f);
            all.push(facts(&child));
        }
        // A pair sharing a phone: below the minimum.
        let (p, q) = (iin(820), iin(821));
        for x in [&p, &q] {
            let mut f = facts(x);
            f.phone = Some("+77010000820".into());
            all.push(f);
        }
        let mut pass = RingPass::new(&rules(), on);
        for f in &all {
            pass.add(f);
        }
        let rings = pass.rings();
        assert_eq!(rings.len(), 1, "{rings:?}");
        assert_eq!(rings[0].len(), 6, "mothers and children: {rings:?}");
        assert!(mothers.iter().all(|m| rings[0].contains(m)));
        let mut reversed = RingPass::new(&rules(), on);
        for f in all.iter().rev() {
            reversed.add(f);
        }
        assert_eq!(reversed.rings(), rings);
        // Closed before the date, the middle account links nothing.
        let mut closed = RingPass::new(&rules(), on);
        for f in &all {
            let mut f = f.clone();
            for a in &mut f.accounts {
                if a.id == "KZ-B" {
                    a.to = Some(d("2025-01-01"));
                }
            }
            closed.add(&f);
        }
        assert!(closed.rings().is_empty());
    }

    #[test]
    fn a_dwelling_links_families_only_through_adults_who_are_not_kin() {
        use crate::domain::links::tests::{d, iin};
        let on = d("2026-06-15");
        // Grandmother, her adult son with his wife: two households (the son is an adult), one
        // kin; an adult grandson of the couple: a third household. All at one flat.
        let (g, s, w, gs) = (iin(830), iin(831), iin(832), iin(833));
        let mut fg = facts(&g);
        fg.children.push(link(s.as_str(), "1980-01-01"));
        let mut fs = facts(&s);
        fs.spouses.push(link(w.as_str(), "2000-01-01"));
        fs.children.push(link(gs.as_str(), "2001-01-01"));
        let mut fw = facts(&w);
        fw.spouses.push(link(s.as_str(), "2000-01-01"));
        let fgs = facts(&gs);
        let mut home = vec![fg, fs, fw, fgs];
        for f in &mut home {
            f.dwellings.push(link("AD-H", "2010-01-01"));
        }
        let mut pass = RingPass::new(&rules(), on);
        for f in &home {
            pass.add(f);
        }
        assert!(
            pass.rings().is_empty(),
            "a three-generation home is not a ring"
        );
        // An unrelated lodger registered there too links them all.
        let mut lodger = facts(&iin(834));
        lodger.dwellings.push(link("AD-H", "2024-01-01"));
        home.push(lodger);
        let mut pass = RingPass::new(&rules(), on);
        for f in &home {
            pass.add(f);
        }
        let rings = pass.rings();
        assert_eq!(rings.len(), 1, "{rings:?}");
        assert_eq!(rings[0].len(), 5);
    }
}
