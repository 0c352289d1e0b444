//! Link records for investigators' link queries (`cypher/links_*.cypher`): one round trip per
//! hop for the persons of the hop (plus one for their phone numbers), turned into the pure
//! [`LinkRecord`]s that [`Explorer`] walks.

use super::neighbourhood::MAX_CO_REGISTRATIONS;
use super::{cypher, shape, Store, StoreResult};
use crate::domain::ids::Iin;
use crate::domain::links::{EdgeKind, Explorer, LinkFilter, LinkRecord, Slice, MAX_NODES};
use crate::domain::registry::{Dwelling, Registration, RegistrationAt};
use neo4rs::query;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Persons loaded per statement within one hop.
const BATCH: usize = 200;

#[derive(serde::Deserialize)]
struct RegistrationRow {
    #[serde(flatten)]
    registration: Registration,
    dwelling: Dwelling,
}

const LIST_COLUMNS: &[&str] = &[
    "marriages",
    "parent_links",
    "guardianships",
    "co_registrations",
    "vehicles",
    "real_estate",
    "land_plots",
    "businesses",
    "employments",
    "bank_accounts",
    "account_holders",
    "benefits",
    "benefit_incomes",
    "education",
    "health_attachments",
];

impl Store {
    /// The link records of `iins` (absent persons are left out), phone sharers included.
    pub async fn link_records(&self, iins: &[Iin]) -> StoreResult<Vec<LinkRecord>> {
        let mut cols = vec!["focus", "person", "registrations"];
        cols.extend_from_slice(LIST_COLUMNS);
        let ids: Vec<&str> = iins.iter().map(|i| i.as_str()).collect();
        let rows = self
            .with_retry(|| async {
                let q = query(cypher::LINKS_PERSONS)
                    .param("iins", ids.clone())
                    .param("max_co_registrations", MAX_CO_REGISTRATIONS)
                    .param("benefit_source", "benefit");
                self.fetch_rows(q, &cols).await
            })
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let mut m = serde_json::Map::new();
            m.insert("person".into(), row["person"].clone());
            for c in LIST_COLUMNS {
                let v = match &row[*c] {
                    Value::Null => Value::Array(vec![]),
                    v if *c == "benefit_incomes" => serde_json::to_value(
                        super::series::incomes_json(v).map_err(shape("benefit_incomes"))?,
                    )?,
                    v => v.clone(),
                };
                m.insert((*c).into(), v);
            }
            let mut r: LinkRecord =
                serde_json::from_value(Value::Object(m)).map_err(shape("link record"))?;
            let regs: Vec<RegistrationRow> = match &row["registrations"] {
                Value::Null => vec![],
                v => serde_json::from_value(v.clone()).map_err(shape("registrations"))?,
            };
            r.registrations = regs
                .into_iter()
                .map(|x| RegistrationAt {
                    registration: x.registration,
                    dwelling: x.dwelling,
                })
                .collect();
            r.registrations.sort_by_key(|x| x.registration.from);
            r.marriages
                .sort_by(|a, b| a.marriage_id.cmp(&b.marriage_id));
            r.marriages.dedup_by(|a, b| a.marriage_id == b.marriage_id);
            let me = r.iin().clone();
            r.account_holders.retain(|h| h.iin != me);
            out.push(r);
        }
        // Shared phone numbers: one more round trip for the numbers of this hop.
        let phones: BTreeSet<String> = out.iter().filter_map(|r| r.person.phone.clone()).collect();
        if !phones.is_empty() {
            let list: Vec<String> = phones.into_iter().collect();
            let rows = self
                .with_retry(|| async {
                    let q = query(cypher::LINKS_PHONE_SHARERS).param("phones", list.clone());
                    self.fetch_rows(q, &["phone", "iins"]).await
                })
                .await?;
            let by_phone: BTreeMap<String, Vec<Iin>> = rows
                .into_iter()
                .filter_map(|r| {
                    let p = r["phone"].as_str()?.to_string();
                    let v: Vec<Iin> = serde_json::from_value(r["iins"].clone()).ok()?;
                    Some((p, v))
                })
                .collect();
            for r in &mut out {
                if let Some(v) = r.person.phone.as_ref().and_then(|p| by_phone.get(p)) {
                    let me = r.iin().clone();
                    r.phone_sharers = v.iter().filter(|i| **i != me).cloned().collect();
                    r.phone_sharers.sort();
                }
            }
        }
        Ok(out)
    }

    /// The slice fraud signals are evaluated over around `iin`: every kind of link two hops
    /// out (households, shared identifiers, the other parent of a child), merged with the civil
    /// links `civil_hops` out (relatives and in-laws). `None` when nobody has this IIN.
    pub async fn signal_slice(&self, iin: &Iin, civil_hops: usize) -> StoreResult<Option<Slice>> {
        let mut ex = Explorer::new(iin.clone(), LinkFilter::all(None), 2, MAX_NODES, None);
        self.explore(&mut ex).await?;
        if !ex.found_start() {
            return Ok(None);
        }
        let civil = LinkFilter {
            kinds: EdgeKind::CIVIL.into_iter().collect(),
            as_of: None,
        };
        let mut rel = Explorer::new(iin.clone(), civil, civil_hops, MAX_NODES, None);
        self.explore(&mut rel).await?;
        Ok(Some(ex.slice().merge(rel.slice())))
    }

    /// Runs a breadth-first exploration to its end, one hop (a few statements) at a time.
    pub async fn explore(&self, ex: &mut Explorer) -> StoreResult<()> {
        while let Some(want) = ex.wants() {
            let mut recs = vec![];
            for chunk in want.chunks(BATCH) {
                recs.extend(self.link_records(chunk).await?);
            }
            ex.absorb(recs);
        }
        Ok(())
    }
}
