//! Loading a family neighbourhood (`cypher/family_neighbourhood.cypher`) in one round trip and
//! turning its typed rows ([`super::rows`]) into the pure [`Neighbourhood`] the domain resolves.
//! A family card read loads the focus's neighbourhood together with those of its direct
//! relatives ([`CardLoad`]), so the card of a person who is not the anchor needs no second load.

use super::rows::{self, PersonEntry};
use super::{cypher, Store, StoreError, StoreResult};
use crate::domain::family::{CoRegistration, Neighbourhood};
use crate::domain::ids::{Iin, IinMap};
use crate::domain::registry::PersonFacts;
use neo4rs::query;
use rustc_hash::FxBuildHasher;
use std::collections::HashMap;

/// Co-registrations listed per dwelling at most (a shared-address hub must not flood a load).
pub const MAX_CO_REGISTRATIONS: i64 = 500;

/// A neighbourhood as loaded around a focus person.
#[derive(Debug, Clone)]
pub struct LoadedNeighbourhood {
    pub focus: Iin,
    pub neighbourhood: Neighbourhood,
    /// Everybody registered at the focus person's dwellings (all periods).
    pub co_registrations: Vec<CoRegistration>,
}

/// One focus of [`Store::load_neighbourhoods_digested`]: the digest of its rows and its
/// neighbourhood, decoded unless the digest was the one the caller called unchanged.
#[derive(Debug, Clone)]
pub struct DigestedLoad {
    pub focus: Iin,
    pub digest: String,
    pub loaded: Option<LoadedNeighbourhood>,
}

/// How far a load reaches from each focus person (the statements' `$with_relatives` and
/// `$with_neighbours`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Reach {
    /// The focus alone: its own record and facts (`person(iin:)`).
    Focus,
    /// The focus's radius-3 neighbourhood (the jobs; the reference load of the tests).
    Neighbourhood,
    /// The radius-3 neighbourhoods of the focus and of its direct relatives (a card read).
    Card,
}

/// Which statement a load uses: every fact (rules run on the result), only what the
/// composition rules read (`card_composition.cypher`: persons, registrations, links,
/// disabilities, education), or that and the four asset registries (`card_assets.cypher`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum LoadScope {
    #[default]
    Full,
    Composition,
    CompositionWithAssets,
}

impl LoadScope {
    fn statement(self) -> &'static str {
        match self {
            LoadScope::Full => cypher::FAMILY_NEIGHBOURHOOD,
            LoadScope::Composition => cypher::CARD_COMPOSITION,
            LoadScope::CompositionWithAssets => cypher::CARD_ASSETS,
        }
    }
}

/// Everything one card read loads around a focus person: the focus's radius-3 neighbourhood
/// united with those of its direct relatives (each person once). [`CardLoad::around`] cuts out
/// exactly the neighbourhood a radius-3 load of one of these centres would return, so the
/// rules see the same facts as with a load of its own.
#[derive(Debug, Clone)]
pub struct CardLoad {
    pub focus: Iin,
    entries: Vec<PersonEntry>,
    index: IinMap<usize>,
}

impl CardLoad {
    /// Whether `iin`'s own radius-3 neighbourhood is inside this load.
    pub fn is_centre(&self, iin: &Iin) -> bool {
        self.index
            .get(iin)
            .is_some_and(|&i| self.entries[i].co_registrations.is_some())
    }

    /// The neighbourhood of `centre` (radius 3 over marriages, parent links and guardianships,
    /// as `family_neighbourhood.cypher` computes it), or `None` when `centre` is not a centre
    /// of this load. The load stays whole (its entries are copied).
    pub fn around(&self, centre: &Iin) -> Option<LoadedNeighbourhood> {
        let reached = self.reach(centre)?;
        let entries = self
            .entries
            .iter()
            .enumerate()
            .filter(|(i, _)| reached[*i])
            .map(|(_, e)| Self::as_seen_from(e.clone(), centre))
            .collect();
        Some(assemble(centre, entries))
    }

    /// [`CardLoad::around`] for the last use of a load: its entries are moved, not copied.
    pub fn into_around(self, centre: &Iin) -> Option<LoadedNeighbourhood> {
        let reached = self.reach(centre)?;
        let entries = self
            .entries
            .into_iter()
            .zip(reached)
            .filter(|(_, r)| *r)
            .map(|(e, _)| Self::as_seen_from(e, centre))
            .collect();
        Some(assemble(centre, entries))
    }

    /// Only the centre of a neighbourhood keeps its co-registrations.
    fn as_seen_from(mut e: PersonEntry, centre: &Iin) -> PersonEntry {
        if &e.facts.person.iin != centre {
            e.co_registrations = None;
        }
        e
    }

    /// Which entries lie within radius 3 of `centre` (by position), or `None` when `centre` is
    /// not a centre of this load.
    fn reach(&self, centre: &Iin) -> Option<Vec<bool>> {
        if !self.is_centre(centre) {
            return None;
        }
        // Undirected adjacency over the links leaving every loaded person.
        let mut adjacent: HashMap<&Iin, Vec<&Iin>, FxBuildHasher> = HashMap::default();
        let mut link = |a: &'_ Iin, b: &'_ Iin| {
            let (a, b) = (self.key(a), self.key(b));
            if let (Some(a), Some(b)) = (a, b) {
                adjacent.entry(a).or_default().push(b);
                adjacent.entry(b).or_default().push(a);
            }
        };
        for e in &self.entries {
            for m in &e.marriages {
                link(&m.spouse_a, &m.spouse_b);
            }
            for l in &e.parent_links {
                link(&l.parent_iin, &l.child_iin);
            }
            for g in &e.guardianships {
                link(&g.guardian_iin, &g.ward_iin);
            }
        }
        let mut reached: HashMap<&Iin, u8, FxBuildHasher> = HashMap::default();
        let start = self.key(centre)?;
        reached.insert(start, 0);
        let mut frontier = vec![start];
        for depth in 1..=3u8 {
            let mut next = vec![];
            for x in frontier {
                for y in adjacent.get(x).into_iter().flatten() {
                    if !reached.contains_key(y) {
                        reached.insert(y, depth);
                        next.push(*y);
                    }
                }
            }
            frontier = next;
        }
        Some(
            self.entries
                .iter()
                .map(|e| reached.contains_key(&e.facts.person.iin))
                .collect(),
        )
    }

    /// The loaded person's own key (so adjacency borrows from `self`), `None` when not loaded.
    fn key(&self, iin: &Iin) -> Option<&Iin> {
        self.index
            .get(iin)
            .map(|&i| &self.entries[i].facts.person.iin)
    }
}

impl Store {
    /// One person's own record and facts (no neighbourhood), or `None` when not stored. One
    /// round trip; the facts are those a neighbourhood load would give the same person.
    pub async fn load_person(&self, iin: &Iin) -> StoreResult<Option<PersonFacts>> {
        let entries = self
            .neighbourhood_rows(std::slice::from_ref(iin), Reach::Focus, LoadScope::Full)
            .await?;
        Ok(entries
            .into_iter()
            .find(|e| e.facts.person.iin == *iin)
            .map(|e| std::sync::Arc::unwrap_or_clone(e.facts)))
    }

    /// The neighbourhood of `iin`, or `None` when no such person is stored. One round trip.
    pub async fn load_neighbourhood(&self, iin: &Iin) -> StoreResult<Option<LoadedNeighbourhood>> {
        Ok(self
            .load_neighbourhoods(std::slice::from_ref(iin))
            .await?
            .into_iter()
            .next())
    }

    /// The neighbourhoods of many persons in ONE round trip (country-wide jobs load a page of
    /// anchors at once). Persons not stored are simply absent from the result; the order follows
    /// `iins`.
    pub async fn load_neighbourhoods(&self, iins: &[Iin]) -> StoreResult<Vec<LoadedNeighbourhood>> {
        let entries = self
            .neighbourhood_rows(iins, Reach::Neighbourhood, LoadScope::Full)
            .await?;
        let mut by_focus: IinMap<Vec<PersonEntry>> = IinMap::default();
        for e in entries {
            by_focus.entry(e.focus.clone()).or_default().push(e);
        }
        Ok(iins
            .iter()
            .filter_map(|iin| by_focus.remove(iin).map(|rows| assemble(iin, rows)))
            .collect())
    }

    /// [`Store::load_neighbourhoods`] with a digest of each focus's rows under `salt`
    /// ([`super::digest`]), in ONE round trip. A focus whose digest is the one `unchanged` holds
    /// for it is not decoded ([`DigestedLoad::loaded`] is `None`): its rows are exactly those the
    /// caller's stored result was computed from. Persons not stored are absent; the order
    /// follows `iins`.
    pub async fn load_neighbourhoods_digested(
        &self,
        iins: &[Iin],
        salt: &[u8],
        unchanged: &HashMap<Iin, String>,
    ) -> StoreResult<Vec<DigestedLoad>> {
        let list: Vec<&str> = iins.iter().map(|i| i.as_str()).collect();
        let rows = self
            .with_retry(|| async {
                self.read_rows(neighbourhood_query(
                    &list,
                    Reach::Neighbourhood,
                    LoadScope::Full,
                ))
                .await
            })
            .await?;
        let mut by_focus: HashMap<String, Vec<neo4rs::Row>> = HashMap::new();
        for row in rows {
            let focus: String = row.get("focus").map_err(|e| StoreError::Shape {
                what: "neighbourhood row",
                cause: e.to_string(),
            })?;
            by_focus.entry(focus).or_default().push(row);
        }
        let mut out = Vec::with_capacity(iins.len());
        for iin in iins {
            let Some(rows) = by_focus.remove(iin.as_str()) else {
                continue;
            };
            let digest = super::digest::rows_digest(salt, &rows);
            let loaded = if unchanged.get(iin) == Some(&digest) {
                None
            } else {
                let entries = rows
                    .iter()
                    .map(rows::person_entry)
                    .collect::<StoreResult<Vec<_>>>()?;
                Some(assemble(iin, entries))
            };
            out.push(DigestedLoad {
                focus: iin.clone(),
                digest,
                loaded,
            });
        }
        Ok(out)
    }

    /// The neighbourhood of `iin` with the facts of `scope`, or `None` when not stored.
    pub async fn load_neighbourhood_in(
        &self,
        iin: &Iin,
        scope: LoadScope,
    ) -> StoreResult<Option<LoadedNeighbourhood>> {
        let rows = self
            .neighbourhood_rows(std::slice::from_ref(iin), Reach::Neighbourhood, scope)
            .await?;
        Ok((!rows.is_empty()).then(|| assemble(iin, rows)))
    }

    /// Everything a family card read around `iin` needs, in ONE round trip (see [`CardLoad`]),
    /// or `None` when no such person is stored.
    pub async fn load_card(&self, iin: &Iin, scope: LoadScope) -> StoreResult<Option<CardLoad>> {
        let entries = self
            .neighbourhood_rows(std::slice::from_ref(iin), Reach::Card, scope)
            .await?;
        if entries.is_empty() {
            return Ok(None);
        }
        let mut index = IinMap::with_capacity_and_hasher(entries.len(), FxBuildHasher);
        for (i, e) in entries.iter().enumerate() {
            index.insert(e.facts.person.iin.clone(), i);
        }
        Ok(Some(CardLoad {
            focus: iin.clone(),
            entries,
            index,
        }))
    }

    /// The raw database work of one card read, for benchmarks: the statement `load_card` sends,
    /// with the same parameters over the same pool, its rows received and counted, not decoded.
    pub async fn card_statement_raw(&self, iin: &Iin, scope: LoadScope) -> StoreResult<usize> {
        let q = neighbourhood_query(&[iin.as_str()], Reach::Card, scope);
        Ok(self.read_each(q, |_| Ok(())).await?.len())
    }

    /// For the tests of the vendored neo4rs's row decoding (`vendor/neo4rs/PATCHED.md`, 5): every
    /// row of the card statement for `iin` decoded twice, straight from its wire bytes (what every
    /// read does) and from neo4rs's value tree of the same row, column by column and as a
    /// [`rows::person_entry`]. Returns the rows compared; an error names the first row and column
    /// whose two decodings differ.
    #[doc(hidden)]
    pub async fn card_rows_decode_alike(&self, iin: &Iin, scope: LoadScope) -> StoreResult<usize> {
        use neo4rs::{BoltList, BoltType, Row};
        let q = neighbourhood_query(&[iin.as_str()], Reach::Card, scope);
        let received = self.read_rows(q).await?;
        for (i, row) in received.iter().enumerate() {
            let keys: Vec<BoltType> = row
                .keys()
                .into_iter()
                .map(|k| BoltType::String(k.clone()))
                .collect();
            let tree = Row::new(BoltList::from(keys), BoltList::from(row.values().to_vec()));
            let differ = |what: String| StoreError::Shape {
                what: "row decoding",
                cause: format!("{iin}, row {i}: {what} differs between bytes and tree"),
            };
            for k in row.keys() {
                let (a, b) = (
                    row.get::<serde_json::Value>(&k.value),
                    tree.get::<serde_json::Value>(&k.value),
                );
                if format!("{a:?}") != format!("{b:?}") {
                    return Err(differ(format!("column {}", k.value)));
                }
            }
            let (a, b) = (rows::person_entry(row), rows::person_entry(&tree));
            if format!("{a:?}") != format!("{b:?}") {
                return Err(differ("person entry".into()));
            }
        }
        Ok(received.len())
    }

    /// The raw database work of one batched read of the jobs (`load_neighbourhoods`): the same
    /// statement and parameters, sent as a read over the same pool, rows received and counted,
    /// not decoded (the jobs' `--compare-raw`).
    pub async fn neighbourhoods_statement_raw(&self, iins: &[Iin]) -> StoreResult<u64> {
        let list: Vec<&str> = iins.iter().map(|i| i.as_str()).collect();
        self.with_retry(|| async {
            let q = neighbourhood_query(&list, Reach::Neighbourhood, LoadScope::Full);
            Ok(self.read_each(q, |_| Ok(())).await?.len() as u64)
        })
        .await
    }

    async fn neighbourhood_rows(
        &self,
        iins: &[Iin],
        reach: Reach,
        scope: LoadScope,
    ) -> StoreResult<Vec<PersonEntry>> {
        let list: Vec<&str> = iins.iter().map(|i| i.as_str()).collect();
        self.with_retry(|| async {
            let q = neighbourhood_query(&list, reach, scope);
            self.read_each(q, rows::person_entry).await
        })
        .await
    }
}

/// The neighbourhood statement of `scope` around `iins` with its parameters: the one place both
/// the loads and their raw counterparts (benchmarks, `--compare-raw`) take it from.
fn neighbourhood_query(iins: &[&str], reach: Reach, scope: LoadScope) -> neo4rs::Query {
    reach_params(query(scope.statement()).param("iins", iins.to_vec()), reach)
}

/// The parameters every neighbourhood statement takes besides its foci (this module's loads and
/// the card by id, `family_neighbourhood_by_id.cypher`).
pub(super) fn reach_params(q: neo4rs::Query, reach: Reach) -> neo4rs::Query {
    q.param("with_relatives", reach == Reach::Card)
        .param("with_neighbours", reach != Reach::Focus)
        .param("max_co_registrations", MAX_CO_REGISTRATIONS)
}

/// Turns the rows of one focus person into a [`LoadedNeighbourhood`]. A person reached twice
/// (the focus on a cycle of links) counts once.
pub(super) fn assemble(iin: &Iin, rows: Vec<PersonEntry>) -> LoadedNeighbourhood {
    let mut n = Neighbourhood::default();
    let mut co_registrations = vec![];
    for row in rows {
        if n.persons.contains_key(&row.facts.person.iin) {
            continue;
        }
        let f = row.facts;
        n.marriages.extend(row.marriages);
        n.parent_links.extend(row.parent_links);
        n.guardianships.extend(row.guardianships);
        if &f.person.iin == iin {
            co_registrations = row.co_registrations.unwrap_or_default();
        }
        n.persons.insert(f.person.iin.clone(), f);
    }
    n.marriages
        .sort_by(|a, b| a.marriage_id.cmp(&b.marriage_id));
    n.marriages.dedup_by(|a, b| a.marriage_id == b.marriage_id);
    // The pattern cannot return the focus's own registration edge a second time (relationship
    // uniqueness), so the focus is added to the co-registrations of its own dwellings here.
    if let Some(f) = n.persons.get(iin) {
        co_registrations.extend(f.registrations.iter().map(|r| CoRegistration {
            iin: iin.clone(),
            address_id: r.registration.address_id.clone(),
            kind: r.registration.kind,
            from: r.registration.from,
            to: r.registration.to,
        }));
    }
    LoadedNeighbourhood {
        focus: iin.clone(),
        neighbourhood: n,
        co_registrations,
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Shape {
            what: "json",
            cause: e.to_string(),
        }
    }
}
