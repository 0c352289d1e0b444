//! Loading a family neighbourhood (`cypher/family_neighbourhood.cypher`) in one round trip and
//! turning its rows into the pure [`Neighbourhood`] the domain resolves.

use super::{cypher, shape, Store, StoreError, StoreResult};
use crate::domain::family::{CoRegistration, Neighbourhood};
use crate::domain::ids::Iin;
use crate::domain::registry::{Dwelling, Person, PersonFacts, Registration, RegistrationAt};
use neo4rs::query;
use serde::de::DeserializeOwned;
use serde_json::Value;
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

/// A registration as the neighbourhood query returns it: the relationship's properties with the
/// dwelling nested.
#[derive(serde::Deserialize)]
struct RegistrationRow {
    #[serde(flatten)]
    registration: Registration,
    dwelling: Dwelling,
}

const FACT_COLUMNS: &[&str] = &[
    "real_estate",
    "vehicles",
    "land_plots",
    "farms",
    "incomes",
    "contributions",
    "loans",
    "employments",
    "businesses",
    "disabilities",
    "health_attachments",
    "health_insurance",
    "diseases",
    "addictions",
    "education",
    "convictions",
    "bank_accounts",
    "awards",
    "pregnancies",
    "unemployment",
    "benefits",
];

fn list<T: DeserializeOwned>(v: &Value, what: &'static str) -> StoreResult<Vec<T>> {
    match v {
        Value::Null => Ok(vec![]),
        _ => serde_json::from_value(v.clone()).map_err(shape(what)),
    }
}

impl Store {
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
        let mut cols = vec![
            "focus",
            "person",
            "is_focus",
            "co_registrations",
            "registrations",
            "marriages",
            "parent_links",
            "guardianships",
        ];
        cols.extend_from_slice(FACT_COLUMNS);
        let list_param: Vec<&str> = iins.iter().map(|i| i.as_str()).collect();
        let rows = self
            .with_retry(|| async {
                let q = query(cypher::FAMILY_NEIGHBOURHOOD)
                    .param("iins", list_param.clone())
                    .param("max_co_registrations", MAX_CO_REGISTRATIONS);
                self.fetch_rows(q, &cols).await
            })
            .await?;
        let mut by_focus: HashMap<String, Vec<Value>> = HashMap::new();
        for row in rows {
            let focus = row["focus"].as_str().unwrap_or_default().to_string();
            by_focus.entry(focus).or_default().push(row);
        }
        let mut out = Vec::with_capacity(by_focus.len());
        for iin in iins {
            if let Some(rows) = by_focus.remove(iin.as_str()) {
                out.push(assemble(iin, rows)?);
            }
        }
        Ok(out)
    }
}

/// Turns the rows of one focus person into a [`LoadedNeighbourhood`].
fn assemble(iin: &Iin, rows: Vec<Value>) -> StoreResult<LoadedNeighbourhood> {
    let mut n = Neighbourhood::default();
    let mut co_registrations = vec![];
    for row in rows {
        let person: Person =
            serde_json::from_value(row["person"].clone()).map_err(shape("person"))?;
        let mut f = PersonFacts::new(person);
        f.registrations = list::<RegistrationRow>(&row["registrations"], "registrations")?
            .into_iter()
            .map(|r| RegistrationAt {
                registration: r.registration,
                dwelling: r.dwelling,
            })
            .collect();
        f.real_estate = list(&row["real_estate"], "real_estate")?;
        f.vehicles = list(&row["vehicles"], "vehicles")?;
        f.land_plots = list(&row["land_plots"], "land_plots")?;
        f.farms = list(&row["farms"], "farms")?;
        f.incomes = super::series::incomes_json(&row["incomes"]).map_err(shape("incomes"))?;
        f.contributions = super::series::contributions_json(&row["contributions"])
            .map_err(shape("contributions"))?;
        f.loans = list(&row["loans"], "loans")?;
        f.employments = list(&row["employments"], "employments")?;
        f.businesses = list(&row["businesses"], "businesses")?;
        f.disabilities = list(&row["disabilities"], "disabilities")?;
        f.health_attachments = list(&row["health_attachments"], "health_attachments")?;
        f.health_insurance = list(&row["health_insurance"], "health_insurance")?;
        f.diseases = list(&row["diseases"], "diseases")?;
        f.addictions = list(&row["addictions"], "addictions")?;
        f.education = list(&row["education"], "education")?;
        f.convictions = list(&row["convictions"], "convictions")?;
        f.bank_accounts = list(&row["bank_accounts"], "bank_accounts")?;
        f.awards = list(&row["awards"], "awards")?;
        f.pregnancies = list(&row["pregnancies"], "pregnancies")?;
        f.unemployment = list(&row["unemployment"], "unemployment")?;
        f.benefits = list(&row["benefits"], "benefits")?;
        sort_facts(&mut f);
        n.marriages.extend(list(&row["marriages"], "marriages")?);
        n.parent_links
            .extend(list(&row["parent_links"], "parent_links")?);
        n.guardianships
            .extend(list(&row["guardianships"], "guardianships")?);
        if row["is_focus"].as_bool() == Some(true) {
            co_registrations = row["co_registrations"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter(|v| !v["iin"].is_null())
                        .map(|v| serde_json::from_value(v.clone()))
                        .collect::<Result<Vec<CoRegistration>, _>>()
                })
                .transpose()
                .map_err(shape("co_registrations"))?
                .unwrap_or_default();
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
    Ok(LoadedNeighbourhood {
        focus: iin.clone(),
        neighbourhood: n,
        co_registrations,
    })
}

/// Pattern comprehensions return facts in storage order; sort them so evaluations and hashes do
/// not depend on it.
fn sort_facts(f: &mut PersonFacts) {
    f.registrations.sort_by_key(|a| a.registration.from);
    f.incomes.sort_by(|a, b| {
        (a.month, format!("{:?}", a.source), a.amount_kzt).cmp(&(
            b.month,
            format!("{:?}", b.source),
            b.amount_kzt,
        ))
    });
    f.contributions.sort_by_key(|c| c.month);
    f.real_estate
        .sort_by(|a, b| a.property_id.cmp(&b.property_id));
    f.vehicles.sort_by(|a, b| a.vehicle_id.cmp(&b.vehicle_id));
    f.land_plots
        .sort_by(|a, b| a.cadastral_number.cmp(&b.cadastral_number));
    f.farms
        .sort_by(|a, b| (a.year, &a.farm_id).cmp(&(b.year, &b.farm_id)));
    f.loans.sort_by(|a, b| a.loan_id.cmp(&b.loan_id));
    f.employments.sort_by_key(|e| e.from);
    f.businesses.sort_by_key(|e| e.from);
    f.disabilities.sort_by_key(|e| e.from);
    f.health_attachments.sort_by_key(|e| e.from);
    f.health_insurance.sort_by_key(|e| e.from);
    f.diseases.sort_by_key(|e| e.from);
    f.addictions.sort_by_key(|e| e.from);
    f.education.sort_by_key(|e| e.from);
    f.convictions.sort_by_key(|e| e.convicted_on);
    f.bank_accounts.sort_by(|a, b| a.iban.cmp(&b.iban));
    f.awards.sort_by_key(|e| e.awarded_on);
    f.pregnancies.sort_by_key(|e| e.leave_from);
    f.unemployment.sort_by_key(|e| e.registered_on);
    f.benefits
        .sort_by(|a, b| (a.from, &a.benefit).cmp(&(b.from, &b.benefit)));
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Shape {
            what: "json",
            cause: e.to_string(),
        }
    }
}
