//! Link slices for investigators: the registry around a person as a small typed graph (nodes,
//! edges with their dates), explored breadth-first one person hop at a time, and a person's
//! timeline. Pure: the store hands in [`LinkRecord`]s, one per person, and [`Explorer`] says
//! which persons it needs next; dates are filtered here, never in Cypher.
//!
//! A *hop* is one step between two persons: a civil-registry link (marriage, parent, guardian),
//! co-registration at one dwelling, a shared bank account or a shared phone number. Dwellings,
//! assets and accounts hang off the persons they belong to and are not hops of their own.

use super::family::CoRegistration;
use super::ids::{Iban, Iin};
use super::registry::{
    covers, BankAccount, BenefitReceipt, Business, EducationAttachment, Employment, Guardianship,
    HealthAttachment, Income, LandPlot, Marriage, ParentLink, Person, RealEstate, RegistrationAt,
    Vehicle,
};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Most nodes a slice holds; a slice the cap cut says so (`truncated`).
pub const MAX_NODES: usize = 500;
/// Most hops of a neighbourhood.
pub const MAX_NEIGHBOURHOOD_HOPS: usize = 3;
/// Most hops of a path search.
pub const MAX_PATH_HOPS: usize = 6;
/// Most shortest paths listed.
pub const MAX_PATHS: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    Person,
    Dwelling,
    Vehicle,
    RealEstate,
    Land,
    Business,
    Account,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EdgeKind {
    MarriedTo,
    ParentOf,
    GuardianOf,
    /// Person → dwelling; two persons registered at one dwelling are one hop apart.
    RegisteredAt,
    OwnsVehicle,
    OwnsRealEstate,
    OwnsLand,
    RunsBusiness,
    /// Person → bank account (a leaf).
    HoldsAccount,
    /// Two holders of one bank account (a hop).
    SharesAccount,
    /// Two persons with the same phone number (a hop).
    SharesPhone,
}

impl EdgeKind {
    pub const ALL: [EdgeKind; 11] = [
        EdgeKind::MarriedTo,
        EdgeKind::ParentOf,
        EdgeKind::GuardianOf,
        EdgeKind::RegisteredAt,
        EdgeKind::OwnsVehicle,
        EdgeKind::OwnsRealEstate,
        EdgeKind::OwnsLand,
        EdgeKind::RunsBusiness,
        EdgeKind::HoldsAccount,
        EdgeKind::SharesAccount,
        EdgeKind::SharesPhone,
    ];
    /// The kinds that lead from a person to another person (what paths may go `via`).
    pub const HOPS: [EdgeKind; 6] = [
        EdgeKind::MarriedTo,
        EdgeKind::ParentOf,
        EdgeKind::GuardianOf,
        EdgeKind::RegisteredAt,
        EdgeKind::SharesAccount,
        EdgeKind::SharesPhone,
    ];
    /// The civil-registry kinds (what relatives are reached by).
    pub const CIVIL: [EdgeKind; 3] = [
        EdgeKind::MarriedTo,
        EdgeKind::ParentOf,
        EdgeKind::GuardianOf,
    ];
    pub fn is_civil(self) -> bool {
        matches!(
            self,
            EdgeKind::MarriedTo | EdgeKind::ParentOf | EdgeKind::GuardianOf
        )
    }
}

/// A node of a slice. `facts` are its key facts as name/value pairs, for display.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    pub id: String,
    pub kind: NodeKind,
    pub label: String,
    pub facts: Vec<(String, String)>,
}

/// An edge of a slice with its period (`[from, to)`; `None` = open).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub kind: EdgeKind,
    pub from_date: Option<NaiveDate>,
    pub to_date: Option<NaiveDate>,
    pub directed: bool,
}

impl Edge {
    pub fn in_force(&self, d: NaiveDate) -> bool {
        covers(self.from_date, self.to_date, d)
    }
    /// Whether the edge touches `id`.
    pub fn touches(&self, id: &str) -> bool {
        self.from == id || self.to == id
    }
    /// The other end of the edge seen from `id`.
    pub fn other(&self, id: &str) -> &str {
        if self.from == id {
            &self.to
        } else {
            &self.from
        }
    }
}

/// Another holder of one of a person's bank accounts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountHolder {
    pub iban: Iban,
    pub iin: Iin,
    pub opened_on: NaiveDate,
    #[serde(default)]
    pub closed_on: Option<NaiveDate>,
}

/// What the store loads about one person for link queries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkRecord {
    pub person: Person,
    /// Marriages in either direction.
    #[serde(default)]
    pub marriages: Vec<Marriage>,
    /// Parent links as parent and as child.
    #[serde(default)]
    pub parent_links: Vec<ParentLink>,
    /// Guardianships as guardian and as ward.
    #[serde(default)]
    pub guardianships: Vec<Guardianship>,
    #[serde(default)]
    pub registrations: Vec<RegistrationAt>,
    /// Other persons registered at this person's dwellings (all periods; capped by the store).
    #[serde(default)]
    pub co_registrations: Vec<CoRegistration>,
    #[serde(default)]
    pub vehicles: Vec<Vehicle>,
    #[serde(default)]
    pub real_estate: Vec<RealEstate>,
    #[serde(default)]
    pub land_plots: Vec<LandPlot>,
    #[serde(default)]
    pub businesses: Vec<Business>,
    /// Employments (wages), for the hidden-earner signal.
    #[serde(default)]
    pub employments: Vec<Employment>,
    #[serde(default)]
    pub bank_accounts: Vec<BankAccount>,
    /// Other holders of this person's accounts.
    #[serde(default)]
    pub account_holders: Vec<AccountHolder>,
    /// Other persons with this person's phone number.
    #[serde(default)]
    pub phone_sharers: Vec<Iin>,
    #[serde(default)]
    pub benefits: Vec<BenefitReceipt>,
    /// Incomes with source `benefit` (payments made).
    #[serde(default)]
    pub benefit_incomes: Vec<Income>,
    /// Schools, kindergartens … the person is attached to (registration-mismatch signal).
    #[serde(default)]
    pub education: Vec<EducationAttachment>,
    /// Polyclinics the person is attached to (registration-mismatch signal).
    #[serde(default)]
    pub health_attachments: Vec<HealthAttachment>,
}

pub fn person_id(iin: &Iin) -> String {
    format!("person:{}", iin.as_str())
}
pub fn dwelling_id(address_id: &str) -> String {
    format!("dwelling:{address_id}")
}
fn account_id(iban: &Iban) -> String {
    format!("account:{}", iban.as_str())
}

fn fact(name: &str, value: impl ToString) -> (String, String) {
    (name.to_string(), value.to_string())
}

fn snake<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// An undirected edge is stored with its ends in order, so the same link seen from both ends is
/// one edge.
fn undirected(
    a: String,
    b: String,
    kind: EdgeKind,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Edge {
    let (from_id, to_id) = if a <= b { (a, b) } else { (b, a) };
    Edge {
        from: from_id,
        to: to_id,
        kind,
        from_date: from,
        to_date: to,
        directed: false,
    }
}

fn directed(
    a: String,
    b: String,
    kind: EdgeKind,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Edge {
    Edge {
        from: a,
        to: b,
        kind,
        from_date: from,
        to_date: to,
        directed: true,
    }
}

impl LinkRecord {
    pub fn iin(&self) -> &Iin {
        &self.person.iin
    }

    /// The region of the dwelling the person is registered at on `d` (permanent first).
    pub fn region_on(&self, d: NaiveDate) -> Option<&str> {
        let mut regs: Vec<&RegistrationAt> = self
            .registrations
            .iter()
            .filter(|r| covers(Some(r.registration.from), r.registration.to, d))
            .collect();
        regs.sort_by_key(|r| {
            r.registration.kind != crate::domain::registry::RegistrationKind::Permanent
        });
        regs.first().map(|r| r.dwelling.region.as_str())
    }

    /// The person's node.
    pub fn node(&self) -> Node {
        let p = &self.person;
        let mut facts = vec![
            fact("iin", p.iin.as_str()),
            fact("birth_date", p.birth_date),
            fact("sex", snake(&p.sex)),
            fact("citizenship", snake(&p.citizenship)),
        ];
        if let Some(d) = p.death_date {
            facts.push(fact("death_date", d));
        }
        if let Some(ph) = &p.phone {
            facts.push(fact("phone", ph));
        }
        Node {
            id: person_id(&p.iin),
            kind: NodeKind::Person,
            label: p.full_name(),
            facts,
        }
    }

    /// Every edge of this person with the node at its far end when that node is not a person
    /// (dwellings, assets, accounts). Person-to-person edges name the other person by id only.
    pub fn edges(&self) -> Vec<(Edge, Option<Node>)> {
        let me = person_id(self.iin());
        let mut out: Vec<(Edge, Option<Node>)> = vec![];
        for m in &self.marriages {
            out.push((
                undirected(
                    person_id(&m.spouse_a),
                    person_id(&m.spouse_b),
                    EdgeKind::MarriedTo,
                    Some(m.registered_on),
                    m.dissolved_on,
                ),
                None,
            ));
        }
        for l in &self.parent_links {
            out.push((
                directed(
                    person_id(&l.parent_iin),
                    person_id(&l.child_iin),
                    EdgeKind::ParentOf,
                    l.since,
                    l.until,
                ),
                None,
            ));
        }
        for g in &self.guardianships {
            out.push((
                directed(
                    person_id(&g.guardian_iin),
                    person_id(&g.ward_iin),
                    EdgeKind::GuardianOf,
                    Some(g.from),
                    g.to,
                ),
                None,
            ));
        }
        for r in &self.registrations {
            let d = &r.dwelling;
            let did = dwelling_id(&d.address_id);
            let place = [d.street.as_deref(), d.house.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            let mut label = format!("{}, {}", d.settlement, place);
            if let Some(f) = &d.flat {
                label.push_str(&format!(", кв. {f}"));
            }
            let node = Node {
                id: did.clone(),
                kind: NodeKind::Dwelling,
                label,
                facts: vec![
                    fact("address_id", &d.address_id),
                    fact("region", &d.region),
                    fact("settlement_type", snake(&d.settlement_type)),
                ],
            };
            out.push((
                directed(
                    me.clone(),
                    did.clone(),
                    EdgeKind::RegisteredAt,
                    Some(r.registration.from),
                    r.registration.to,
                ),
                Some(node.clone()),
            ));
            for c in self
                .co_registrations
                .iter()
                .filter(|c| c.address_id == d.address_id && &c.iin != self.iin())
            {
                out.push((
                    directed(
                        person_id(&c.iin),
                        did.clone(),
                        EdgeKind::RegisteredAt,
                        Some(c.from),
                        c.to,
                    ),
                    Some(node.clone()),
                ));
            }
        }
        for v in &self.vehicles {
            let id = format!("vehicle:{}", v.vehicle_id);
            let mut facts = vec![
                fact("vehicle_id", &v.vehicle_id),
                fact("kind", snake(&v.kind)),
            ];
            if let Some(t) = &v.machinery_type {
                facts.push(fact("machinery_type", t));
            }
            let label = v.model.clone().unwrap_or_else(|| v.vehicle_id.clone());
            out.push((
                directed(
                    me.clone(),
                    id.clone(),
                    EdgeKind::OwnsVehicle,
                    Some(v.from),
                    v.to,
                ),
                Some(Node {
                    id,
                    kind: NodeKind::Vehicle,
                    label,
                    facts,
                }),
            ));
        }
        for r in &self.real_estate {
            let id = format!("real_estate:{}", r.property_id);
            let mut facts = vec![
                fact("property_id", &r.property_id),
                fact("area_m2", r.area_m2),
                fact("commercial", r.commercial),
            ];
            if let Some(a) = &r.address_id {
                facts.push(fact("address_id", a));
            }
            out.push((
                directed(
                    me.clone(),
                    id.clone(),
                    EdgeKind::OwnsRealEstate,
                    Some(r.from),
                    r.to,
                ),
                Some(Node {
                    id,
                    kind: NodeKind::RealEstate,
                    label: format!("{} ({} m²)", r.property_id, r.area_m2),
                    facts,
                }),
            ));
        }
        for l in &self.land_plots {
            let id = format!("land:{}", l.cadastral_number);
            let mut facts = vec![
                fact("cadastral_number", &l.cadastral_number),
                fact("area_ha", l.area_ha),
            ];
            if let Some(p) = &l.purpose {
                facts.push(fact("purpose", p));
            }
            out.push((
                directed(
                    me.clone(),
                    id.clone(),
                    EdgeKind::OwnsLand,
                    Some(l.from),
                    l.to,
                ),
                Some(Node {
                    id,
                    kind: NodeKind::Land,
                    label: format!("{} ({} ha)", l.cadastral_number, l.area_ha),
                    facts,
                }),
            ));
        }
        for b in &self.businesses {
            let key = b
                .bin
                .as_ref()
                .map(|x| x.as_str().to_string())
                .unwrap_or_else(|| format!("{}:{}", self.iin().as_str(), b.name));
            let id = format!("business:{key}");
            let mut facts = vec![fact("role", snake(&b.role))];
            if let Some(bin) = &b.bin {
                facts.push(fact("bin", bin.as_str()));
            }
            out.push((
                directed(
                    me.clone(),
                    id.clone(),
                    EdgeKind::RunsBusiness,
                    Some(b.from),
                    b.to,
                ),
                Some(Node {
                    id,
                    kind: NodeKind::Business,
                    label: b.name.clone(),
                    facts,
                }),
            ));
        }
        for a in &self.bank_accounts {
            let id = account_id(&a.iban);
            out.push((
                directed(
                    me.clone(),
                    id.clone(),
                    EdgeKind::HoldsAccount,
                    Some(a.opened_on),
                    a.closed_on,
                ),
                Some(Node {
                    id,
                    kind: NodeKind::Account,
                    label: format!("{} {}", a.bank, a.iban.as_str()),
                    facts: vec![fact("iban", a.iban.as_str()), fact("bank", &a.bank)],
                }),
            ));
        }
        for h in self.account_holders.iter().filter(|h| &h.iin != self.iin()) {
            out.push((
                undirected(
                    me.clone(),
                    person_id(&h.iin),
                    EdgeKind::SharesAccount,
                    Some(h.opened_on),
                    h.closed_on,
                ),
                None,
            ));
        }
        for o in self.phone_sharers.iter().filter(|o| *o != self.iin()) {
            out.push((
                undirected(me.clone(), person_id(o), EdgeKind::SharesPhone, None, None),
                None,
            ));
        }
        out
    }
}

/// Which edges a query admits: their kinds, and (with `as_of`) only those in force that day.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkFilter {
    pub kinds: BTreeSet<EdgeKind>,
    pub as_of: Option<NaiveDate>,
}

impl LinkFilter {
    pub fn all(as_of: Option<NaiveDate>) -> Self {
        LinkFilter {
            kinds: EdgeKind::ALL.into_iter().collect(),
            as_of,
        }
    }
    pub fn admits(&self, e: &Edge) -> bool {
        self.kinds.contains(&e.kind) && self.as_of.is_none_or(|d| e.in_force(d))
    }
}

/// One hop from a person: the person reached and the edges that make the step.
#[derive(Debug, Clone, PartialEq)]
pub struct Hop {
    pub to: Iin,
    pub edges: Vec<Edge>,
}

fn iin_of_person_id(id: &str) -> Option<Iin> {
    id.strip_prefix("person:").and_then(|s| Iin::parse(s).ok())
}

/// The hops from one person under a filter (co-registration: both registrations in force
/// together, when the filter has a date).
pub fn hops(r: &LinkRecord, f: &LinkFilter) -> Vec<Hop> {
    let me = person_id(r.iin());
    let edges: Vec<Edge> = r
        .edges()
        .into_iter()
        .map(|(e, _)| e)
        .filter(|e| f.admits(e))
        .collect();
    let mut out: Vec<Hop> = vec![];
    for e in &edges {
        match e.kind {
            EdgeKind::MarriedTo
            | EdgeKind::ParentOf
            | EdgeKind::GuardianOf
            | EdgeKind::SharesAccount
            | EdgeKind::SharesPhone => {
                if let Some(o) = e
                    .touches(&me)
                    .then(|| e.other(&me))
                    .and_then(iin_of_person_id)
                {
                    out.push(Hop {
                        to: o,
                        edges: vec![e.clone()],
                    });
                }
            }
            EdgeKind::RegisteredAt if e.from == me => {
                for o in edges
                    .iter()
                    .filter(|o| o.kind == EdgeKind::RegisteredAt && o.to == e.to && o.from != me)
                {
                    if let Some(i) = iin_of_person_id(&o.from) {
                        out.push(Hop {
                            to: i,
                            edges: vec![e.clone(), o.clone()],
                        });
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// A graph slice: nodes, edges, whether the node cap cut it, and the records of its persons
/// (for the rules that read typed facts: signals).
#[derive(Debug, Clone, Default)]
pub struct Slice {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    pub truncated: bool,
    pub records: BTreeMap<Iin, LinkRecord>,
}

impl Slice {
    pub fn node(&self, id: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.id == id)
    }
    /// Every person the slice names.
    pub fn persons(&self) -> impl Iterator<Item = &Iin> {
        self.records.keys()
    }
    /// This slice with everything of `other` added (nodes and records by id, edges once).
    pub fn merge(mut self, other: Slice) -> Slice {
        let ids: BTreeSet<String> = self.nodes.iter().map(|n| n.id.clone()).collect();
        self.nodes
            .extend(other.nodes.into_iter().filter(|n| !ids.contains(&n.id)));
        let mut edges: BTreeSet<Edge> = self.edges.into_iter().collect();
        edges.extend(other.edges);
        self.edges = edges.into_iter().collect();
        self.truncated |= other.truncated;
        for (i, r) in other.records {
            self.records.entry(i).or_insert(r);
        }
        self
    }

    /// A sub-slice of the given nodes and edges (evidence), nodes in this slice's order.
    pub fn subset(&self, node_ids: &BTreeSet<String>, edges: Vec<Edge>) -> Slice {
        let mut edges = edges;
        edges.sort();
        edges.dedup();
        Slice {
            nodes: self
                .nodes
                .iter()
                .filter(|n| node_ids.contains(&n.id))
                .cloned()
                .collect(),
            edges,
            truncated: false,
            records: self
                .records
                .iter()
                .filter(|(i, _)| node_ids.contains(&person_id(i)))
                .map(|(i, r)| (i.clone(), r.clone()))
                .collect(),
        }
    }
}

/// One shortest connection between two persons.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    /// The persons along the path, from the start to the target.
    pub persons: Vec<Iin>,
    /// The edges in order (a co-registration step is two edges through the dwelling).
    pub edges: Vec<Edge>,
}

/// Breadth-first exploration one person hop at a time. The store loads what [`Explorer::wants`]
/// asks for and hands it to [`Explorer::absorb`] until it asks for nothing.
#[derive(Debug)]
pub struct Explorer {
    filter: LinkFilter,
    max_hops: usize,
    max_nodes: usize,
    target: Option<Iin>,
    /// Persons discovered, with their hop distance, in discovery order.
    order: Vec<Iin>,
    level: BTreeMap<Iin, usize>,
    records: BTreeMap<Iin, LinkRecord>,
    /// Shortest-path predecessors: person → [(previous person, edges of the step)].
    preds: BTreeMap<Iin, Vec<(Iin, Vec<Edge>)>>,
    /// Persons to load next.
    pending: Vec<Iin>,
    /// Persons whose hops were followed.
    expanded: BTreeSet<Iin>,
    truncated: bool,
    missing: BTreeSet<Iin>,
}

impl Explorer {
    pub fn new(
        start: Iin,
        filter: LinkFilter,
        max_hops: usize,
        max_nodes: usize,
        target: Option<Iin>,
    ) -> Self {
        let mut level = BTreeMap::new();
        level.insert(start.clone(), 0);
        Explorer {
            filter,
            max_hops,
            max_nodes,
            target,
            order: vec![start.clone()],
            level,
            records: BTreeMap::new(),
            preds: BTreeMap::new(),
            pending: vec![start],
            expanded: BTreeSet::new(),
            truncated: false,
            missing: BTreeSet::new(),
        }
    }

    /// The persons to load next, or `None` when the exploration is complete.
    pub fn wants(&self) -> Option<Vec<Iin>> {
        (!self.pending.is_empty()).then(|| self.pending.clone())
    }

    /// Whether the start person was found at all.
    pub fn found_start(&self) -> bool {
        self.order
            .first()
            .is_some_and(|s| self.records.contains_key(s))
    }

    /// Whether the target (of a path search) was reached.
    pub fn reached_target(&self) -> bool {
        self.target
            .as_ref()
            .is_some_and(|t| self.level.contains_key(t))
    }

    /// Takes the records of the persons asked for (absent ones: not stored) and follows their
    /// hops one level further when the hop budget allows.
    pub fn absorb(&mut self, records: Vec<LinkRecord>) {
        let asked = std::mem::take(&mut self.pending);
        for r in records {
            self.records.insert(r.iin().clone(), r);
        }
        for a in &asked {
            if !self.records.contains_key(a) {
                self.missing.insert(a.clone());
            }
        }
        if self.reached_target() {
            // A path search stops at the level that reached the target (the start itself: a
            // path of no hops).
            return;
        }
        let mut next: Vec<Iin> = vec![];
        for a in asked {
            let Some(lvl) = self.level.get(&a).copied() else {
                continue;
            };
            if lvl >= self.max_hops || !self.expanded.insert(a.clone()) {
                continue;
            }
            let Some(r) = self.records.get(&a) else {
                continue;
            };
            for h in hops(r, &self.filter) {
                match self.level.get(&h.to).copied() {
                    None => {
                        if self.order.len() >= self.max_nodes {
                            self.truncated = true;
                            continue;
                        }
                        self.level.insert(h.to.clone(), lvl + 1);
                        self.order.push(h.to.clone());
                        self.preds
                            .entry(h.to.clone())
                            .or_default()
                            .push((a.clone(), h.edges));
                        next.push(h.to);
                    }
                    Some(l) if l == lvl + 1 => {
                        let p = self.preds.entry(h.to.clone()).or_default();
                        if !p.iter().any(|(q, e)| q == &a && e == &h.edges) {
                            p.push((a.clone(), h.edges));
                        }
                    }
                    Some(_) => {}
                }
            }
        }
        self.pending = next;
    }

    /// The slice of everything discovered: persons, their dwellings, assets and accounts, and
    /// the admitted edges between nodes of the slice; at most `max_nodes` nodes.
    pub fn slice(&self) -> Slice {
        let mut nodes: Vec<Node> = vec![];
        let mut ids: BTreeSet<String> = BTreeSet::new();
        let mut truncated = self.truncated;
        let persons: Vec<&LinkRecord> = self
            .order
            .iter()
            .filter_map(|i| self.records.get(i))
            .collect();
        for r in &persons {
            let n = r.node();
            ids.insert(n.id.clone());
            nodes.push(n);
        }
        let mut edges: BTreeSet<Edge> = BTreeSet::new();
        for r in &persons {
            for (e, far) in r.edges() {
                if !self.filter.admits(&e) {
                    continue;
                }
                if let Some(n) = far {
                    if !ids.contains(&n.id) {
                        if nodes.len() >= self.max_nodes {
                            truncated = true;
                            continue;
                        }
                        ids.insert(n.id.clone());
                        nodes.push(n);
                    }
                }
                if ids.contains(&e.from) && ids.contains(&e.to) {
                    edges.insert(e);
                }
            }
        }
        Slice {
            nodes,
            edges: edges.into_iter().collect(),
            truncated,
            records: persons
                .into_iter()
                .map(|r| (r.iin().clone(), r.clone()))
                .collect(),
        }
    }

    /// The shortest paths from the start to the target (at most `limit`), each with its edges.
    pub fn paths(&self, limit: usize) -> Vec<Path> {
        let Some(target) = self.target.clone() else {
            return vec![];
        };
        if !self.level.contains_key(&target) {
            return vec![];
        }
        let start = self.order[0].clone();
        let mut out: Vec<Path> = vec![];
        // Walk back from the target over the predecessor lists (depth first, bounded).
        let mut stack: VecDeque<(Iin, Vec<Iin>, Vec<Edge>)> = VecDeque::new();
        stack.push_back((target.clone(), vec![target], vec![]));
        while let Some((at, persons, edges)) = stack.pop_back() {
            if out.len() >= limit {
                break;
            }
            if at == start {
                let mut persons = persons;
                persons.reverse();
                let mut edges = edges;
                edges.reverse();
                out.push(Path { persons, edges });
                continue;
            }
            for (prev, step) in self.preds.get(&at).into_iter().flatten().rev() {
                let mut p = persons.clone();
                p.push(prev.clone());
                let mut e = edges.clone();
                e.extend(step.iter().rev().cloned());
                stack.push_back((prev.clone(), p, e));
            }
        }
        out
    }
}

/// One event of a person's life in the registries.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct TimelineEvent {
    pub date: NaiveDate,
    /// `birth`, `death`, `marriage`, `divorce`, `child_born`, `child_adopted`,
    /// `guardianship_started`/`_ended`, `registered`/`deregistered`, `acquired`/`disposed`
    /// (assets), `business_started`/`_ended`, `account_opened`/`_closed`,
    /// `benefit_started`/`_ended`.
    pub kind: String,
    pub label: String,
    /// The node the event concerns besides the person (spouse, child, dwelling, asset …).
    pub node: Option<String>,
    /// The person whose event it is (`person:<IIN>`): a family's timeline merges its members'.
    pub person: String,
}

/// A proactive offer made to a person (the store's `offers_of_persons`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferMade {
    pub iin: Iin,
    pub offer_id: String,
    pub benefit: String,
    /// The offer's state now (`DETECTED`, `NOTIFIED`, `CONSENTED`, …).
    pub state: String,
    pub made_on: NaiveDate,
}

/// The timeline events of offers: one `offer_made` on the day each offer was made.
pub fn offer_events(offers: &[OfferMade]) -> Vec<TimelineEvent> {
    offers
        .iter()
        .map(|o| TimelineEvent {
            date: o.made_on,
            kind: "offer_made".into(),
            label: format!("offer of {} ({})", o.benefit, o.state.to_lowercase()),
            node: Some(format!("offer:{}", o.offer_id)),
            person: person_id(&o.iin),
        })
        .collect()
}

/// A person's timeline in date order (same-day events by kind).
pub fn timeline(r: &LinkRecord) -> Vec<TimelineEvent> {
    let me = r.iin();
    let subject = person_id(me);
    let mut out: Vec<TimelineEvent> = vec![];
    let mut ev = |date: NaiveDate, kind: &str, label: String, node: Option<String>| {
        out.push(TimelineEvent {
            date,
            kind: kind.into(),
            label,
            node,
            person: subject.clone(),
        })
    };
    ev(r.person.birth_date, "birth", "born".into(), None);
    if let Some(d) = r.person.death_date {
        ev(d, "death", "died".into(), None);
    }
    for m in &r.marriages {
        let other = if &m.spouse_a == me {
            &m.spouse_b
        } else {
            &m.spouse_a
        };
        ev(
            m.registered_on,
            "marriage",
            format!("marriage {} to {}", m.marriage_id, other.as_str()),
            Some(person_id(other)),
        );
        if let Some(d) = m.dissolved_on {
            ev(
                d,
                "divorce",
                format!("marriage {} dissolved", m.marriage_id),
                Some(person_id(other)),
            );
        }
    }
    for l in r.parent_links.iter().filter(|l| &l.parent_iin == me) {
        // A birth link without `since` dates from the child's birth (decoded from the IIN).
        let since = match l.kind {
            crate::domain::registry::ParentKind::Birth => {
                Some(l.since.unwrap_or_else(|| l.child_iin.birth_date()))
            }
            crate::domain::registry::ParentKind::Adoption => l.since,
        };
        if let Some(d) = since {
            let kind = match l.kind {
                crate::domain::registry::ParentKind::Birth => "child_born",
                crate::domain::registry::ParentKind::Adoption => "child_adopted",
            };
            ev(
                d,
                kind,
                format!("child {}", l.child_iin.as_str()),
                Some(person_id(&l.child_iin)),
            );
        }
        if let Some(d) = l.until {
            ev(
                d,
                "parental_rights_ended",
                format!("child {}", l.child_iin.as_str()),
                Some(person_id(&l.child_iin)),
            );
        }
    }
    for g in r.guardianships.iter().filter(|g| &g.guardian_iin == me) {
        let w = Some(person_id(&g.ward_iin));
        ev(
            g.from,
            "guardianship_started",
            format!("guardian of {}", g.ward_iin.as_str()),
            w.clone(),
        );
        if let Some(d) = g.to {
            ev(
                d,
                "guardianship_ended",
                format!("guardian of {}", g.ward_iin.as_str()),
                w,
            );
        }
    }
    for (e, far) in r.edges() {
        if e.from != person_id(me) {
            continue;
        }
        let (start, end) = match e.kind {
            EdgeKind::RegisteredAt => ("registered", "deregistered"),
            EdgeKind::OwnsVehicle | EdgeKind::OwnsRealEstate | EdgeKind::OwnsLand => {
                ("acquired", "disposed")
            }
            EdgeKind::RunsBusiness => ("business_started", "business_ended"),
            EdgeKind::HoldsAccount => ("account_opened", "account_closed"),
            _ => continue,
        };
        let label = far.as_ref().map(|n| n.label.clone()).unwrap_or_default();
        if let Some(d) = e.from_date {
            ev(d, start, label.clone(), Some(e.to.clone()));
        }
        if let Some(d) = e.to_date {
            ev(d, end, label, Some(e.to.clone()));
        }
    }
    for b in &r.benefits {
        ev(
            b.from,
            "benefit_started",
            format!("{} {} ₸", b.benefit, b.amount_kzt),
            None,
        );
        if let Some(d) = b.to {
            ev(d, "benefit_ended", b.benefit.clone(), None);
        }
    }
    // Incomes: wages by employment (start and end), benefit payments by month.
    for e in &r.employments {
        let employer = e
            .employer_name
            .clone()
            .unwrap_or_else(|| e.employer_bin.as_str().to_string());
        ev(
            e.from,
            "employment_started",
            format!("employed at {employer}"),
            None,
        );
        if let Some(d) = e.to {
            ev(d, "employment_ended", format!("left {employer}"), None);
        }
    }
    for i in &r.benefit_incomes {
        ev(
            i.month.first_day(),
            "benefit_paid",
            format!(
                "{} {} ₸",
                i.benefit.as_deref().unwrap_or("benefit"),
                i.amount_kzt
            ),
            None,
        );
    }
    out.sort();
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::ids::{make_iin, Sex};
    use crate::domain::registry::{
        Citizenship, Dwelling, Registration, RegistrationKind, SettlementType,
    };

    pub(crate) fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    pub(crate) fn iin(n: u32) -> Iin {
        (0..)
            .find_map(|k| make_iin(d("1990-01-01"), Sex::Male, n * 10 + k))
            .unwrap()
    }

    pub(crate) fn rec(i: &Iin) -> LinkRecord {
        LinkRecord {
            person: Person {
                iin: i.clone(),
                surname: "Тестов".into(),
                first_name: i.as_str().into(),
                patronymic: None,
                birth_date: d("1990-01-01"),
                sex: Sex::Male,
                death_date: None,
                citizenship: Citizenship::Citizen,
                phone: None,
            },
            marriages: vec![],
            parent_links: vec![],
            guardianships: vec![],
            registrations: vec![],
            co_registrations: vec![],
            vehicles: vec![],
            real_estate: vec![],
            land_plots: vec![],
            businesses: vec![],
            employments: vec![],
            bank_accounts: vec![],
            account_holders: vec![],
            phone_sharers: vec![],
            benefits: vec![],
            benefit_incomes: vec![],
            education: vec![],
            health_attachments: vec![],
        }
    }

    pub(crate) fn marriage(a: &Iin, b: &Iin, on: &str, off: Option<&str>) -> Marriage {
        Marriage {
            marriage_id: format!("M-{}-{}", a.as_str(), b.as_str()),
            spouse_a: a.clone(),
            spouse_b: b.clone(),
            registered_on: d(on),
            dissolved_on: off.map(d),
        }
    }

    pub(crate) fn registered(r: &mut LinkRecord, addr: &str, from: &str, to: Option<&str>) {
        r.registrations.push(RegistrationAt {
            registration: Registration {
                iin: r.person.iin.clone(),
                address_id: addr.into(),
                kind: RegistrationKind::Permanent,
                from: d(from),
                to: to.map(d),
            },
            dwelling: Dwelling {
                address_id: addr.into(),
                region: "ASTANA".into(),
                settlement: "Астана".into(),
                settlement_type: SettlementType::RepublicanCity,
                street: None,
                house: None,
                flat: None,
            },
        });
    }

    pub(crate) fn run(ex: &mut Explorer, all: &BTreeMap<Iin, LinkRecord>) {
        while let Some(w) = ex.wants() {
            ex.absorb(w.iter().filter_map(|i| all.get(i).cloned()).collect());
        }
    }

    #[test]
    fn a_divorce_is_outside_the_slice_after_it_and_inside_before() {
        let (a, b) = (iin(1), iin(2));
        let m = marriage(&a, &b, "2010-01-01", Some("2020-01-01"));
        let mut ra = rec(&a);
        ra.marriages.push(m.clone());
        let mut rb = rec(&b);
        rb.marriages.push(m);
        let all: BTreeMap<_, _> = [(a.clone(), ra), (b.clone(), rb)].into_iter().collect();
        for (on, expect) in [(Some("2015-06-01"), 1), (Some("2021-01-01"), 0), (None, 1)] {
            let mut ex = Explorer::new(a.clone(), LinkFilter::all(on.map(d)), 1, MAX_NODES, None);
            run(&mut ex, &all);
            let s = ex.slice();
            assert_eq!(s.edges.len(), expect, "{on:?}");
            assert_eq!(s.nodes.len(), 1 + expect, "{on:?}");
        }
    }

    #[test]
    fn co_registration_is_one_hop_through_the_dwelling_and_paths_are_shortest() {
        let (a, b, c) = (iin(3), iin(4), iin(5));
        let mut ra = rec(&a);
        registered(&mut ra, "AD-X", "2020-01-01", None);
        ra.co_registrations.push(CoRegistration {
            iin: b.clone(),
            address_id: "AD-X".into(),
            kind: RegistrationKind::Permanent,
            from: d("2021-01-01"),
            to: None,
        });
        let mut rb = rec(&b);
        registered(&mut rb, "AD-X", "2021-01-01", None);
        rb.co_registrations.push(CoRegistration {
            iin: a.clone(),
            address_id: "AD-X".into(),
            kind: RegistrationKind::Permanent,
            from: d("2020-01-01"),
            to: None,
        });
        let m = marriage(&b, &c, "2022-01-01", None);
        rb.marriages.push(m.clone());
        let mut rc = rec(&c);
        rc.marriages.push(m);
        let all: BTreeMap<_, _> = [(a.clone(), ra), (b.clone(), rb), (c.clone(), rc)]
            .into_iter()
            .collect();
        let mut ex = Explorer::new(
            a.clone(),
            LinkFilter::all(None),
            6,
            MAX_NODES,
            Some(c.clone()),
        );
        run(&mut ex, &all);
        let p = ex.paths(10);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].persons, vec![a.clone(), b.clone(), c.clone()]);
        let kinds: Vec<EdgeKind> = p[0].edges.iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            vec![
                EdgeKind::RegisteredAt,
                EdgeKind::RegisteredAt,
                EdgeKind::MarriedTo
            ]
        );
        // Before b moved in, a and b are not linked.
        let mut ex = Explorer::new(
            a.clone(),
            LinkFilter::all(Some(d("2020-06-01"))),
            6,
            MAX_NODES,
            Some(c),
        );
        run(&mut ex, &all);
        assert!(ex.paths(10).is_empty());
        // From a person to themselves: one path of no hops, nothing explored.
        let mut ex = Explorer::new(
            a.clone(),
            LinkFilter::all(None),
            6,
            MAX_NODES,
            Some(a.clone()),
        );
        run(&mut ex, &all);
        let p = ex.paths(10);
        assert_eq!(p.len(), 1);
        assert!(p[0].edges.is_empty());
        assert_eq!(ex.slice().records.len(), 1);
    }

    #[test]
    fn the_node_cap_truncates() {
        let a = iin(6);
        let mut ra = rec(&a);
        let others: Vec<Iin> = (100..110).map(iin).collect();
        ra.phone_sharers = others.clone();
        let mut all: BTreeMap<_, _> = others.iter().map(|o| (o.clone(), rec(o))).collect();
        all.insert(a.clone(), ra);
        let mut ex = Explorer::new(a, LinkFilter::all(None), 1, 5, None);
        run(&mut ex, &all);
        let s = ex.slice();
        assert!(s.truncated);
        assert_eq!(s.nodes.len(), 5);
    }

    #[test]
    fn the_timeline_is_in_date_order() {
        let (a, b) = (iin(7), iin(8));
        let mut ra = rec(&a);
        ra.marriages
            .push(marriage(&a, &b, "2012-01-01", Some("2019-05-05")));
        registered(&mut ra, "AD-Y", "2011-01-01", Some("2020-01-01"));
        let t = timeline(&ra);
        let kinds: Vec<&str> = t.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(
            kinds,
            vec!["birth", "registered", "marriage", "divorce", "deregistered"]
        );
    }
}
