//! Stored fraud-signal hits of the country-wide signals run (`cypher/signal_*.cypher`):
//! recorded by hit key (idempotent), stale hits of a date pruned after a finished run, pages
//! for the investigators' list and the hits of one family. Also the reads of the signals run:
//! signal slices of many persons at once ([`Store::signal_slices`]: the same slices as
//! [`Store::signal_slice`], every explorer's hop loaded together), the whole-graph ring pass's
//! pages of [`RingFacts`], and their raw replay (rows counted, nothing decoded) for
//! `signals run --compare-raw`.

use super::{bolt, cypher, shape, Store, StoreResult};
use crate::domain::ids::Iin;
use crate::domain::links::{EdgeKind, Explorer, LinkFilter, LinkRecord, Slice, MAX_NODES};
use crate::domain::signals::rings::RingFacts;
use neo4rs::query;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Persons per link-record statement of a batched signal-slice load.
const LINK_BATCH: usize = 200;

/// The inputs of one link-record read (`Store::link_records`): the persons asked for and the
/// phone numbers then looked up, kept for the raw replay.
#[derive(Debug, Clone, Default)]
pub struct LinkRead {
    pub iins: Vec<Iin>,
    pub phones: Vec<String>,
}

impl Store {
    /// Records one page of hits (`family_id`, `hit_key`, `props` per row); returns how many.
    pub async fn record_signal_hits(&self, run_id: &str, rows: &Value) -> StoreResult<u64> {
        if rows.as_array().is_none_or(|a| a.is_empty()) {
            return Ok(0);
        }
        let out = self
            .with_retry(|| async {
                let q = query(cypher::SIGNAL_RECORD)
                    .param("rows", bolt(rows.clone())?)
                    .param("run_id", run_id);
                self.fetch_rows(q, &["hit_key"]).await
            })
            .await?;
        Ok(out.len() as u64)
    }

    /// Records hits on persons (`iin`, `hit_key`, `props` per row) who have no family card to
    /// hang them on (`signal_record_person.cypher`); returns how many.
    pub async fn record_person_signal_hits(&self, run_id: &str, rows: &Value) -> StoreResult<u64> {
        if rows.as_array().is_none_or(|a| a.is_empty()) {
            return Ok(0);
        }
        let out = self
            .with_retry(|| async {
                let q = query(cypher::SIGNAL_RECORD_PERSON)
                    .param("rows", bolt(rows.clone())?)
                    .param("run_id", run_id);
                self.fetch_rows(q, &["hit_key"]).await
            })
            .await?;
        Ok(out.len() as u64)
    }

    /// A keyset page of the IINs of persons with a death record on or before `as_of`.
    pub async fn dead_persons_page(
        &self,
        as_of: &str,
        after: &str,
        limit: i64,
    ) -> StoreResult<Vec<String>> {
        self.fetch_column::<String>(
            query(cypher::SIGNAL_DEAD_PERSONS)
                .param("as_of", as_of)
                .param("after", after)
                .param("limit", limit),
            "iin",
        )
        .await
    }

    /// Removes the hits of `as_of` that run `run_id` did not record again; returns how many.
    pub async fn prune_signal_hits(&self, as_of: &str, run_id: &str) -> StoreResult<u64> {
        let n = self
            .with_retry(|| async {
                let q = query(cypher::SIGNAL_PRUNE)
                    .param("as_of", as_of)
                    .param("run_id", run_id);
                self.fetch_column::<i64>(q, "removed").await
            })
            .await?;
        Ok(n.first().copied().unwrap_or(0) as u64)
    }

    /// One page of stored hits (JSON maps of the node's properties), highest score first,
    /// after the keyset `(score, hit_key)`.
    pub async fn signal_hits_page(
        &self,
        region: Option<&str>,
        signal: Option<&str>,
        min_score: i64,
        after: Option<(i64, &str)>,
        limit: i64,
    ) -> StoreResult<Vec<Value>> {
        let q = query(cypher::SIGNAL_PAGE)
            .param("region", region)
            .param("signal", signal)
            .param("min_score", min_score)
            .param("after_score", after.map(|a| a.0).unwrap_or(0))
            .param("after_key", after.map(|a| a.1))
            .param("limit", limit);
        self.fetch_column::<Value>(q, "hit").await
    }

    /// The signals of the stored hits of `as_of` that name `iin` (subject or evidence).
    pub async fn signals_naming(&self, iin: &Iin, as_of: &str) -> StoreResult<Vec<String>> {
        let q = query(cypher::SIGNAL_NAMING)
            .param("as_of", as_of)
            .param("iin", iin.as_str())
            .param("person_id", crate::domain::links::person_id(iin));
        self.fetch_column::<String>(q, "signal").await
    }

    /// The stored hits of one family card.
    pub async fn signal_hits_of_family(&self, family_id: &str) -> StoreResult<Vec<Value>> {
        self.fetch_column::<Value>(
            query(cypher::SIGNAL_OF_FAMILY).param("family_id", family_id),
            "hit",
        )
        .await
    }

    /// The signal slices of `iins` (as [`Store::signal_slice`] builds each: every link kind two
    /// hops out merged with the civil links `civil_hops` out), all explorers advanced together so
    /// each round of hops is one statement per [`LINK_BATCH`] persons for the whole batch. `None`
    /// for a person nobody has. Every read is appended to `log` when given.
    pub async fn signal_slices(
        &self,
        iins: &[Iin],
        civil_hops: usize,
        mut log: Option<&mut Vec<LinkRead>>,
    ) -> StoreResult<Vec<Option<Slice>>> {
        let civil = LinkFilter {
            kinds: EdgeKind::CIVIL.into_iter().collect(),
            as_of: None,
        };
        let mut explorers: Vec<Explorer> = vec![];
        for i in iins {
            explorers.push(Explorer::new(
                i.clone(),
                LinkFilter::all(None),
                2,
                MAX_NODES,
                None,
            ));
            explorers.push(Explorer::new(
                i.clone(),
                civil.clone(),
                civil_hops,
                MAX_NODES,
                None,
            ));
        }
        loop {
            let wants: Vec<Option<Vec<Iin>>> = explorers.iter().map(|e| e.wants()).collect();
            let all: BTreeSet<Iin> = wants.iter().flatten().flatten().cloned().collect();
            if all.is_empty() {
                break;
            }
            let all: Vec<Iin> = all.into_iter().collect();
            let mut loaded: BTreeMap<Iin, LinkRecord> = BTreeMap::new();
            for chunk in all.chunks(LINK_BATCH) {
                let recs = self.link_records(chunk).await?;
                if let Some(log) = log.as_deref_mut() {
                    let phones: BTreeSet<String> =
                        recs.iter().filter_map(|r| r.person.phone.clone()).collect();
                    log.push(LinkRead {
                        iins: chunk.to_vec(),
                        phones: phones.into_iter().collect(),
                    });
                }
                loaded.extend(recs.into_iter().map(|r| (r.iin().clone(), r)));
            }
            for (ex, want) in explorers.iter_mut().zip(wants) {
                if let Some(want) = want {
                    ex.absorb(want.iter().filter_map(|i| loaded.get(i).cloned()).collect());
                }
            }
        }
        let mut out = Vec::with_capacity(iins.len());
        let mut it = explorers.into_iter();
        while let (Some(all), Some(rel)) = (it.next(), it.next()) {
            out.push(all.found_start().then(|| all.slice().merge(rel.slice())));
        }
        Ok(out)
    }

    /// Replays one link-record read and counts the rows that come back (raw stream).
    pub async fn count_link_rows(&self, read: &LinkRead) -> StoreResult<u64> {
        let ids: Vec<&str> = read.iins.iter().map(|i| i.as_str()).collect();
        let mut n = self
            .with_retry(|| async {
                let q = query(cypher::LINKS_PERSONS)
                    .param("iins", ids.clone())
                    .param(
                        "max_co_registrations",
                        super::neighbourhood::MAX_CO_REGISTRATIONS,
                    )
                    .param("benefit_source", "benefit");
                self.count_rows(q).await
            })
            .await?;
        if !read.phones.is_empty() {
            n += self
                .with_retry(|| async {
                    let q = query(cypher::LINKS_PHONE_SHARERS).param("phones", read.phones.clone());
                    self.count_rows(q).await
                })
                .await?;
        }
        Ok(n)
    }

    async fn count_rows(&self, q: neo4rs::Query) -> StoreResult<u64> {
        let mut s = self.graph.execute_read(q).await?;
        let mut n = 0u64;
        while s.next().await?.is_some() {
            n += 1;
        }
        Ok(n)
    }

    /// One keyset page of the whole-graph ring pass: persons after `after` in IIN order.
    pub async fn ring_facts_page(&self, after: &str, limit: i64) -> StoreResult<Vec<RingFacts>> {
        const COLS: [&str; 8] = [
            "iin",
            "death_date",
            "phone",
            "accounts",
            "dwellings",
            "spouses",
            "children",
            "wards",
        ];
        let q = query(cypher::SIGNAL_RING_FACTS)
            .param("after", after)
            .param("limit", limit);
        self.read_each(q, |row| {
            let mut m = serde_json::Map::new();
            for c in COLS {
                let v: Value = row.get(c).unwrap_or(Value::Null);
                m.insert(c.to_string(), v);
            }
            serde_json::from_value(Value::Object(m)).map_err(shape("ring facts"))
        })
        .await
    }

    /// The raw ring pass page: the same statement, rows counted, only the last IIN read (the
    /// keyset position).
    pub async fn count_ring_facts_rows(
        &self,
        after: &str,
        limit: i64,
    ) -> StoreResult<(u64, String)> {
        let q = query(cypher::SIGNAL_RING_FACTS)
            .param("after", after)
            .param("limit", limit);
        let mut s = self.graph.execute_read(q).await?;
        let (mut n, mut last) = (0u64, String::new());
        while let Some(row) = s.next().await? {
            n += 1;
            if n as i64 == limit {
                last = row.get::<String>("iin").map_err(shape("ring facts"))?;
            }
        }
        Ok((n, last))
    }
}
