//! Investigators' link queries: a person's neighbourhood as a graph slice, the shortest
//! connections between two persons, a person's timeline, and the fraud signals around a person.
//! Every one asks the policy for `ReadLinks` (investigators under a purpose, in their region
//! scope) and notes every person it names for the audit trail ([`Gate::admit_links`]). With
//! `caseId` the read is done under that open case ([`Gate::under_case`]) and audited with it.

use super::access::Gate;
use super::assessments;
use super::error::{ApiError, ApiResult};
use super::policy::Action;
use crate::domain::ids::Iin;
use crate::domain::links::{
    self, EdgeKind, Explorer, LinkFilter, NodeKind, Slice, MAX_NEIGHBOURHOOD_HOPS, MAX_NODES,
    MAX_PATHS, MAX_PATH_HOPS,
};
use crate::domain::signals;
use crate::family_cards::FamilyError;
use async_graphql::{Context, Enum, Object, SimpleObject};
use chrono::NaiveDate;
use std::collections::BTreeSet;
use std::sync::Arc;

fn gate<'a>(ctx: &'a Context<'_>) -> &'a Gate {
    ctx.data_unchecked::<Arc<Gate>>()
}

fn parse_iin(field: &str, s: &str) -> ApiResult<Iin> {
    Iin::parse(s).map_err(|e| ApiError::bad_input(field, e))
}

fn store_error(e: crate::store::StoreError) -> ApiError {
    ApiError::from(FamilyError::Store(e))
}

fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// The kind of a link (an edge of a slice).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "LinkKind")]
pub enum LinkKindView {
    MarriedTo,
    ParentOf,
    GuardianOf,
    /// Person → dwelling; persons registered at one dwelling are one hop apart.
    RegisteredAt,
    OwnsVehicle,
    OwnsRealEstate,
    OwnsLand,
    RunsBusiness,
    HoldsAccount,
    /// Two holders of one bank account.
    SharesAccount,
    /// Two persons with one phone number.
    SharesPhone,
}

impl From<LinkKindView> for EdgeKind {
    fn from(k: LinkKindView) -> Self {
        match k {
            LinkKindView::MarriedTo => EdgeKind::MarriedTo,
            LinkKindView::ParentOf => EdgeKind::ParentOf,
            LinkKindView::GuardianOf => EdgeKind::GuardianOf,
            LinkKindView::RegisteredAt => EdgeKind::RegisteredAt,
            LinkKindView::OwnsVehicle => EdgeKind::OwnsVehicle,
            LinkKindView::OwnsRealEstate => EdgeKind::OwnsRealEstate,
            LinkKindView::OwnsLand => EdgeKind::OwnsLand,
            LinkKindView::RunsBusiness => EdgeKind::RunsBusiness,
            LinkKindView::HoldsAccount => EdgeKind::HoldsAccount,
            LinkKindView::SharesAccount => EdgeKind::SharesAccount,
            LinkKindView::SharesPhone => EdgeKind::SharesPhone,
        }
    }
}

impl From<EdgeKind> for LinkKindView {
    fn from(k: EdgeKind) -> Self {
        match k {
            EdgeKind::MarriedTo => LinkKindView::MarriedTo,
            EdgeKind::ParentOf => LinkKindView::ParentOf,
            EdgeKind::GuardianOf => LinkKindView::GuardianOf,
            EdgeKind::RegisteredAt => LinkKindView::RegisteredAt,
            EdgeKind::OwnsVehicle => LinkKindView::OwnsVehicle,
            EdgeKind::OwnsRealEstate => LinkKindView::OwnsRealEstate,
            EdgeKind::OwnsLand => LinkKindView::OwnsLand,
            EdgeKind::RunsBusiness => LinkKindView::RunsBusiness,
            EdgeKind::HoldsAccount => LinkKindView::HoldsAccount,
            EdgeKind::SharesAccount => LinkKindView::SharesAccount,
            EdgeKind::SharesPhone => LinkKindView::SharesPhone,
        }
    }
}

/// The kind of a node of a slice.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "GraphNodeKind")]
pub enum NodeKindView {
    Person,
    Dwelling,
    Vehicle,
    RealEstate,
    Land,
    Business,
    Account,
}

impl From<NodeKind> for NodeKindView {
    fn from(k: NodeKind) -> Self {
        match k {
            NodeKind::Person => NodeKindView::Person,
            NodeKind::Dwelling => NodeKindView::Dwelling,
            NodeKind::Vehicle => NodeKindView::Vehicle,
            NodeKind::RealEstate => NodeKindView::RealEstate,
            NodeKind::Land => NodeKindView::Land,
            NodeKind::Business => NodeKindView::Business,
            NodeKind::Account => NodeKindView::Account,
        }
    }
}

/// A key fact of a node, or a threshold or finding of a signal.
#[derive(SimpleObject, Clone)]
#[graphql(name = "GraphFact")]
pub struct FactView {
    pub name: String,
    pub value: String,
}

fn facts(v: &[(String, String)]) -> Vec<FactView> {
    v.iter()
        .map(|(n, x)| FactView {
            name: n.clone(),
            value: x.clone(),
        })
        .collect()
}

#[derive(SimpleObject, Clone)]
#[graphql(name = "GraphNode")]
pub struct NodeView {
    /// `person:<iin>`, `dwelling:<address id>`, `vehicle:<id>`, `account:<iban>` …
    pub id: String,
    pub kind: NodeKindView,
    pub label: String,
    pub facts: Vec<FactView>,
}

#[derive(SimpleObject, Clone)]
#[graphql(name = "GraphEdge")]
pub struct EdgeView {
    pub from: String,
    pub to: String,
    pub kind: LinkKindView,
    /// First day in force (absent: unknown).
    pub from_date: Option<NaiveDate>,
    /// First day no longer in force (absent: still in force).
    pub to_date: Option<NaiveDate>,
    pub directed: bool,
}

fn edge_view(e: &links::Edge) -> EdgeView {
    EdgeView {
        from: e.from.clone(),
        to: e.to.clone(),
        kind: e.kind.into(),
        from_date: e.from_date,
        to_date: e.to_date,
        directed: e.directed,
    }
}

fn node_view(n: &links::Node) -> NodeView {
    NodeView {
        id: n.id.clone(),
        kind: n.kind.into(),
        label: n.label.clone(),
        facts: facts(&n.facts),
    }
}

/// A piece of the registry graph.
#[derive(SimpleObject)]
#[graphql(name = "GraphSlice")]
pub struct SliceView {
    pub nodes: Vec<NodeView>,
    pub edges: Vec<EdgeView>,
    /// Whether the node cap (500) cut the slice.
    pub truncated: bool,
}

fn slice_view(s: &Slice) -> SliceView {
    SliceView {
        nodes: s.nodes.iter().map(node_view).collect(),
        edges: s.edges.iter().map(edge_view).collect(),
        truncated: s.truncated,
    }
}

/// One shortest connection between two persons.
#[derive(SimpleObject)]
#[graphql(name = "GraphPath")]
pub struct PathView {
    /// Person hops (a co-registration is one hop of two edges through the dwelling).
    pub length: i32,
    /// The nodes along the path, in order.
    pub nodes: Vec<NodeView>,
    /// The edges along the path, in order, with their dates.
    pub edges: Vec<EdgeView>,
}

#[derive(SimpleObject)]
#[graphql(name = "GraphPaths")]
pub struct PathsView {
    /// Every shortest path found (at most 20), all of the same length.
    pub paths: Vec<PathView>,
    /// Whether the node cap (500) cut the search: a longer or missing path may be incomplete.
    pub truncated: bool,
}

#[derive(SimpleObject)]
#[graphql(name = "TimelineEvent")]
pub struct TimelineEventView {
    pub date: NaiveDate,
    /// `birth`, `death`, `marriage`, `divorce`, `child_born`, `registered`, `acquired`,
    /// `benefit_started` …
    pub kind: String,
    pub label: String,
    /// The node the event concerns besides the person (spouse, child, dwelling, asset …).
    pub node: Option<String>,
    /// The person whose event it is (`person:<IIN>`).
    pub person: String,
}

/// A fraud signal hit: a lead to check, with the evidence it rests on.
#[derive(SimpleObject)]
#[graphql(name = "SignalHit")]
pub struct SignalHitView {
    /// `shared_address_cluster`, `fictitious_divorce`, `hidden_earner`, `dead_recipient`,
    /// `assets_on_relatives`, `registration_mismatch`, `double_counting`, `ring`.
    pub signal: String,
    /// The IINs the hit is about.
    pub subjects: Vec<String>,
    /// The rule's weight (0–100).
    pub score: i32,
    /// The signal rules version applied (`rules/signals/<version>.toml`).
    pub rule_version: String,
    pub thresholds: Vec<FactView>,
    pub facts: Vec<FactView>,
    /// The benefits the signal matters for.
    pub matters_for: Vec<String>,
    pub evidence: SliceView,
}

fn kinds_filter(
    field: &str,
    kinds: Option<Vec<LinkKindView>>,
    default: &[EdgeKind],
    as_of: Option<NaiveDate>,
) -> ApiResult<LinkFilter> {
    let kinds: BTreeSet<EdgeKind> = match kinds {
        None => default.iter().copied().collect(),
        Some(v) if v.is_empty() => {
            return Err(ApiError::bad_input(field, "name at least one kind"))
        }
        Some(v) => v.into_iter().map(EdgeKind::from).collect(),
    };
    Ok(LinkFilter { kinds, as_of })
}

fn hop_count(field: &str, v: Option<i32>, default: usize, max: usize) -> ApiResult<usize> {
    match v {
        None => Ok(default),
        Some(n) if n >= 1 && n as usize <= max => Ok(n as usize),
        Some(_) => Err(ApiError::bad_input(field, format!("must be 1..={max}"))),
    }
}

#[derive(Default)]
pub struct LinksQuery;

#[Object]
impl LinksQuery {
    /// Investigators: everything within `hops` (1–3, default 1) person hops of `iin` over the
    /// link `kinds` (default all): civil-registry links, co-registration at a dwelling, owned
    /// assets, shared accounts and phones. With `asOf`, only links in force that day. At most
    /// 500 nodes (`truncated` says when the cap cut it).
    #[graphql(complexity = "50 + child_complexity")]
    async fn neighbourhood(
        &self,
        ctx: &Context<'_>,
        iin: String,
        hops: Option<i32>,
        kinds: Option<Vec<LinkKindView>>,
        as_of: Option<NaiveDate>,
        #[graphql(desc = "The open case the read is done under (recorded in the audit trail).")]
        case_id: Option<String>,
    ) -> async_graphql::Result<SliceView> {
        let iin = parse_iin("iin", &iin)?;
        let hops = hop_count("hops", hops, 1, MAX_NEIGHBOURHOOD_HOPS)?;
        let filter = kinds_filter("kinds", kinds, &EdgeKind::ALL, as_of)?;
        let g = gate(ctx);
        let what = "neighbourhood";
        g.require(Action::ReadLinks, what, iin.as_str())?;
        g.under_case(case_id.as_deref()).await?;
        let mut ex = Explorer::new(iin.clone(), filter, hops, MAX_NODES, None);
        g.store().explore(&mut ex).await.map_err(store_error)?;
        if !ex.found_start() {
            return Err(ApiError::NotFound("no person with this IIN".into()).into());
        }
        let s = ex.slice();
        let region = s.records.get(&iin).and_then(|r| r.region_on(today()));
        g.admit_links(what, iin.as_str(), &[region], s.persons())?;
        Ok(slice_view(&s))
    }

    /// Investigators: the shortest connections between two persons within `maxHops` (1–6,
    /// default 4) person hops `via` the given link kinds (default: marriage, parenthood,
    /// guardianship, co-registration, shared account, shared phone), each path with its edges
    /// and their dates. With `asOf`, only links in force that day. No path: an empty list.
    #[graphql(complexity = "100 + child_complexity")]
    #[allow(clippy::too_many_arguments)]
    async fn paths(
        &self,
        ctx: &Context<'_>,
        from: String,
        to: String,
        max_hops: Option<i32>,
        via: Option<Vec<LinkKindView>>,
        as_of: Option<NaiveDate>,
        #[graphql(desc = "The open case the read is done under (recorded in the audit trail).")]
        case_id: Option<String>,
    ) -> async_graphql::Result<PathsView> {
        let a = parse_iin("from", &from)?;
        let b = parse_iin("to", &to)?;
        let max_hops = hop_count("maxHops", max_hops, 4, MAX_PATH_HOPS)?;
        let filter = kinds_filter("via", via, &EdgeKind::HOPS, as_of)?;
        let g = gate(ctx);
        let what = "paths";
        let object = format!("{}->{}", a.as_str(), b.as_str());
        g.require(Action::ReadLinks, what, &object)?;
        g.under_case(case_id.as_deref()).await?;
        let target = g
            .store()
            .link_records(std::slice::from_ref(&b))
            .await
            .map_err(store_error)?;
        let Some(target) = target.into_iter().next() else {
            return Err(ApiError::NotFound("no person with the IIN `to`".into()).into());
        };
        let mut ex = Explorer::new(a.clone(), filter, max_hops, MAX_NODES, Some(b.clone()));
        g.store().explore(&mut ex).await.map_err(store_error)?;
        if !ex.found_start() {
            return Err(ApiError::NotFound("no person with the IIN `from`".into()).into());
        }
        let s = ex.slice();
        let found = ex.paths(MAX_PATHS);
        let d = today();
        let regions = [
            s.records.get(&a).and_then(|r| r.region_on(d)),
            target.region_on(d),
        ];
        let mut named: BTreeSet<Iin> = [a.clone(), b.clone()].into_iter().collect();
        named.extend(found.iter().flat_map(|p| p.persons.iter().cloned()));
        g.admit_links(what, &object, &regions, named.iter())?;
        let paths = found
            .iter()
            .map(|p| {
                let mut ids: Vec<String> = vec![links::person_id(&p.persons[0])];
                for e in &p.edges {
                    for end in [&e.from, &e.to] {
                        if !ids.contains(end) {
                            ids.push(end.clone());
                        }
                    }
                }
                PathView {
                    length: (p.persons.len() - 1) as i32,
                    nodes: ids
                        .iter()
                        .filter_map(|i| s.node(i))
                        .map(node_view)
                        .collect(),
                    edges: p.edges.iter().map(edge_view).collect(),
                }
            })
            .collect();
        Ok(PathsView {
            paths,
            truncated: s.truncated,
        })
    }

    /// Investigators: a person's life in the registries in date order — birth, marriages,
    /// divorces, children, guardianships, registrations, asset changes, accounts, employments,
    /// benefits and their payments, death — or a family card's (`familyId`: its members'
    /// timelines merged, each event naming its person). Give exactly one of `iin`, `familyId`.
    async fn timeline(
        &self,
        ctx: &Context<'_>,
        iin: Option<String>,
        #[graphql(desc = "A family card's id: the timelines of its members on today's card.")]
        family_id: Option<String>,
        #[graphql(desc = "The open case the read is done under (recorded in the audit trail).")]
        case_id: Option<String>,
    ) -> async_graphql::Result<Vec<TimelineEventView>> {
        let g = gate(ctx);
        let what = "timeline";
        let (object, person) = match (iin, family_id) {
            (Some(iin), None) => {
                let iin = parse_iin("iin", &iin)?;
                (iin.as_str().to_string(), Some(iin))
            }
            (None, Some(id)) => (id, None),
            _ => {
                return Err(
                    ApiError::bad_input("iin", "give exactly one of `iin` and `familyId`").into(),
                )
            }
        };
        g.require(Action::ReadLinks, what, &object)?;
        g.under_case(case_id.as_deref()).await?;
        let iins: Vec<Iin> = match person {
            Some(iin) => vec![iin],
            None => {
                let card = crate::family_cards::family_by_id(g.store(), &object, today())
                    .await
                    .map_err(ApiError::from)?;
                card.composition
                    .members
                    .iter()
                    .map(|m| m.iin.clone())
                    .collect()
            }
        };
        let recs = g.store().link_records(&iins).await.map_err(store_error)?;
        if recs.is_empty() {
            return Err(ApiError::NotFound("no person with this IIN".into()).into());
        }
        let offers = g
            .store()
            .offers_of_persons(&iins)
            .await
            .map_err(store_error)?;
        let mut events: Vec<links::TimelineEvent> = recs.iter().flat_map(links::timeline).collect();
        events.extend(links::offer_events(&offers));
        events.sort();
        let mut named: BTreeSet<Iin> = iins.iter().cloned().collect();
        named.extend(
            events
                .iter()
                .filter_map(|e| e.node.as_deref()?.strip_prefix("person:"))
                .filter_map(|i| Iin::parse(i).ok()),
        );
        let regions: Vec<_> = recs.iter().map(|r| r.region_on(today())).collect();
        g.admit_links(what, &object, &regions, named.iter())?;
        Ok(events
            .into_iter()
            .map(|e| TimelineEventView {
                date: e.date,
                kind: e.kind,
                label: e.label,
                node: e.node,
                person: e.person,
            })
            .collect())
    }

    /// Investigators: the fraud signals around a person on `asOf` (default today), evaluated
    /// over the person's two-hop neighbourhood and their relatives (civil links, as far as the
    /// assets-on-relatives rule reaches) with the signal rules in force that day
    /// (`rules/signals/`), highest score first, each with its evidence.
    #[graphql(complexity = "50 + child_complexity")]
    async fn signals(
        &self,
        ctx: &Context<'_>,
        iin: String,
        as_of: Option<NaiveDate>,
        #[graphql(desc = "The open case the read is done under (recorded in the audit trail).")]
        case_id: Option<String>,
    ) -> async_graphql::Result<Vec<SignalHitView>> {
        let iin = parse_iin("iin", &iin)?;
        let d = as_of.unwrap_or_else(today);
        let rules = assessments::app(ctx)
            .rules
            .signals
            .in_force(d)
            .cloned()
            .ok_or_else(|| {
                ApiError::bad_input("asOf", "no signal rules are in force on this date")
            })?;
        let g = gate(ctx);
        let what = "signals";
        g.require(Action::ReadLinks, what, iin.as_str())?;
        g.under_case(case_id.as_deref()).await?;
        let Some(s) = g
            .store()
            .signal_slice(&iin, rules.assets_on_relatives.max_links)
            .await
            .map_err(store_error)?
        else {
            return Err(ApiError::NotFound("no person with this IIN".into()).into());
        };
        let hits = signals::evaluate(&s, &iin, d, &rules);
        let mut named: BTreeSet<Iin> = [iin.clone()].into_iter().collect();
        for h in &hits {
            named.extend(h.subjects.iter().cloned());
            named.extend(h.evidence.persons().cloned());
        }
        let region = s.records.get(&iin).and_then(|r| r.region_on(today()));
        g.admit_links(what, iin.as_str(), &[region], named.iter())?;
        Ok(hits
            .into_iter()
            .map(|h| SignalHitView {
                signal: h.signal.code().into(),
                subjects: h.subjects.iter().map(|i| i.as_str().to_string()).collect(),
                score: h.score as i32,
                rule_version: h.rule_version,
                thresholds: facts(&h.thresholds),
                facts: facts(&h.facts),
                matters_for: h.matters_for,
                evidence: slice_view(&h.evidence),
            })
            .collect())
    }
}

/// A fraud-signal hit stored by a signals run (`family-card signals run`), with its evidence.
#[derive(SimpleObject)]
#[graphql(name = "StoredSignalHit")]
pub struct StoredSignalHitView {
    pub signal: String,
    /// The family card the hit was found from.
    pub family_id: String,
    /// The region of that card's dwelling.
    pub region: Option<String>,
    /// The date the signals were evaluated on.
    pub as_of: Option<NaiveDate>,
    pub score: i32,
    pub rule_version: Option<String>,
    pub subjects: Vec<String>,
    pub thresholds: Vec<FactView>,
    pub facts: Vec<FactView>,
    pub matters_for: Vec<String>,
    pub evidence: SliceView,
}

fn json_facts(v: &serde_json::Value) -> Vec<FactView> {
    let parsed: serde_json::Value = v
        .as_str()
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or_default();
    parsed
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| FactView {
            name: f["name"].as_str().unwrap_or_default().into(),
            value: f["value"].as_str().unwrap_or_default().into(),
        })
        .collect()
}

fn strings(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| x.as_str().map(str::to_string))
        .collect()
}

/// A stored hit (the node's properties) as its view; the evidence is stored as JSON.
fn stored_hit_view(h: &serde_json::Value) -> StoredSignalHitView {
    #[derive(serde::Deserialize, Default)]
    struct Evidence {
        #[serde(default)]
        nodes: Vec<links::Node>,
        #[serde(default)]
        edges: Vec<links::Edge>,
    }
    let ev: Evidence = h["evidence"]
        .as_str()
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or_default();
    StoredSignalHitView {
        signal: h["signal"].as_str().unwrap_or_default().into(),
        family_id: h["family_id"].as_str().unwrap_or_default().into(),
        region: h["region"].as_str().map(str::to_string),
        as_of: h["as_of"].as_str().and_then(|d| d.parse().ok()),
        score: h["score"].as_i64().unwrap_or_default() as i32,
        rule_version: h["rule_version"].as_str().map(str::to_string),
        subjects: strings(&h["subjects"]),
        thresholds: json_facts(&h["thresholds"]),
        facts: json_facts(&h["facts"]),
        matters_for: strings(&h["matters_for"]),
        evidence: slice_view(&Slice {
            nodes: ev.nodes,
            edges: ev.edges,
            truncated: false,
            records: Default::default(),
        }),
    }
}

/// Admits stored hits: the policy for every region they come from, every person they name noted.
fn admit_stored(g: &Gate, what: &str, object: &str, hits: &[serde_json::Value]) -> ApiResult<()> {
    let regions: BTreeSet<Option<&str>> = hits.iter().map(|h| h["region"].as_str()).collect();
    let regions: Vec<Option<&str>> = if regions.is_empty() {
        vec![None]
    } else {
        regions.into_iter().collect()
    };
    let named: BTreeSet<Iin> = hits
        .iter()
        .flat_map(|h| strings(&h["subjects"]))
        .filter_map(|i| Iin::parse(&i).ok())
        .collect();
    g.admit_links(what, object, &regions, named.iter())
}

/// The stored hits of one family card (the `Family.signals` field).
pub(super) async fn family_signal_hits(
    ctx: &Context<'_>,
    family_id: &str,
) -> async_graphql::Result<Vec<StoredSignalHitView>> {
    let g = gate(ctx);
    let what = "family_signals";
    g.require(Action::ReadLinks, what, family_id)?;
    let hits = g
        .store()
        .signal_hits_of_family(family_id)
        .await
        .map_err(store_error)?;
    admit_stored(g, what, family_id, &hits)?;
    Ok(hits.iter().map(stored_hit_view).collect())
}

#[derive(Default)]
pub struct SignalHitsQuery;

#[Object]
impl SignalHitsQuery {
    /// Investigators: the hits stored by the country-wide signals run (`family-card signals
    /// run`), highest score first, filtered by `region`, signal `kind` and `minScore`, with cursor
    /// pagination. An investigator scoped to regions names one of them in `region`.
    #[graphql(complexity = "50 + child_complexity")]
    async fn signal_hits(
        &self,
        ctx: &Context<'_>,
        region: Option<String>,
        kind: Option<String>,
        min_score: Option<i32>,
        after: Option<String>,
        first: Option<i32>,
    ) -> async_graphql::Result<
        async_graphql::connection::Connection<
            String,
            StoredSignalHitView,
            async_graphql::connection::EmptyFields,
            async_graphql::connection::EmptyFields,
        >,
    > {
        if let Some(k) = &kind {
            if signals::SignalKind::parse(k).is_none() {
                return Err(ApiError::bad_input("kind", "not a signal code").into());
            }
        }
        if let Some(r) = &region {
            if !crate::domain::regions::is_region(r) {
                return Err(ApiError::bad_input("region", "not a region code").into());
            }
        }
        let min_score = min_score.unwrap_or(0);
        if !(0..=100).contains(&min_score) {
            return Err(ApiError::bad_input("minScore", "must be 0..=100").into());
        }
        let g = gate(ctx);
        let what = "signal_hits";
        let object = region.as_deref().unwrap_or("*");
        g.require(Action::ReadLinks, what, object)?;
        // Enough rows for the page the cursor asks for (offset cursors of `paginate`).
        let start = match after
            .as_deref()
            .map(|c| c.strip_prefix("i:").map(str::parse::<usize>))
        {
            None => 0,
            Some(Some(Ok(n))) => n + 1,
            Some(_) => {
                return Err(ApiError::bad_input("after", "not a cursor from this list").into())
            }
        };
        let want =
            start + first.unwrap_or(50).clamp(0, super::schema::MAX_PAGE as i32) as usize + 1;
        let hits = g
            .store()
            .signal_hits_page(
                region.as_deref(),
                kind.as_deref(),
                min_score as i64,
                None,
                want as i64,
            )
            .await
            .map_err(store_error)?;
        admit_stored(g, what, object, &hits)?;
        let views: Vec<StoredSignalHitView> = hits.iter().map(stored_hit_view).collect();
        Ok(super::schema::paginate(views, after, first)?)
    }
}
