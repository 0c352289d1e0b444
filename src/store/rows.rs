//! Typed rows of the neighbourhood statements (`family_neighbourhood.cypher`,
//! `card_composition.cypher`): each Bolt row is deserialized by neo4rs straight into these
//! records (serde over Bolt values), never through `serde_json::Value` maps. The column names
//! are the field names; a column a statement does not return (the composition-only statement
//! has no incomes, assets, …) decodes as an empty list.
//!
//! The monthly series (`incomes`, `contributions`) are columns of the same row, read in the
//! same pass as the rest ([`PersonRow`]): stored as yearly series (`store::series`), expanded
//! back into the extract's monthly records by [`super::series::incomes`] and
//! [`super::series::contributions`].

use super::{StoreError, StoreResult};
use crate::domain::family::CoRegistration;
use crate::domain::ids::Iin;
use crate::domain::registry::{
    AddictionRegistration, BankAccount, BenefitReceipt, Business, Conviction, Disability,
    DiseaseRegistration, Dwelling, EducationAttachment, Employment, Farm, Guardianship,
    HealthAttachment, HealthInsurance, LandPlot, Loan, Marriage, MotherAward, ParentLink, Person,
    PersonFacts, Pregnancy, RealEstate, Registration, RegistrationAt, Unemployment, Vehicle,
};
use serde::Deserialize;

/// A registration as the statements return it: the relationship's properties with the
/// dwelling nested.
#[derive(Deserialize)]
struct RegistrationRow {
    #[serde(flatten)]
    registration: Registration,
    dwelling: Dwelling,
}

/// One person of a neighbourhood with the links leaving them (one Bolt row).
#[derive(Deserialize)]
struct PersonRow {
    focus: Iin,
    person: Person,
    /// A person whose own radius-3 neighbourhood the row set holds (the focus; with
    /// `$with_relatives` also its direct relatives); only these carry co-registrations.
    is_centre: bool,
    #[serde(default)]
    co_registrations: Vec<CoRegistration>,
    #[serde(default)]
    registrations: Vec<RegistrationRow>,
    /// Yearly series, expanded into months in [`person_entry`].
    #[serde(default)]
    incomes: Vec<super::series::IncomeYear>,
    #[serde(default)]
    contributions: Vec<super::series::ContributionYear>,
    #[serde(default)]
    marriages: Vec<Marriage>,
    #[serde(default)]
    parent_links: Vec<ParentLink>,
    #[serde(default)]
    guardianships: Vec<Guardianship>,
    #[serde(default)]
    real_estate: Vec<RealEstate>,
    #[serde(default)]
    vehicles: Vec<Vehicle>,
    #[serde(default)]
    land_plots: Vec<LandPlot>,
    #[serde(default)]
    farms: Vec<Farm>,
    #[serde(default)]
    loans: Vec<Loan>,
    #[serde(default)]
    employments: Vec<Employment>,
    #[serde(default)]
    businesses: Vec<Business>,
    #[serde(default)]
    disabilities: Vec<Disability>,
    #[serde(default)]
    health_attachments: Vec<HealthAttachment>,
    #[serde(default)]
    health_insurance: Vec<HealthInsurance>,
    #[serde(default)]
    diseases: Vec<DiseaseRegistration>,
    #[serde(default)]
    addictions: Vec<AddictionRegistration>,
    #[serde(default)]
    education: Vec<EducationAttachment>,
    #[serde(default)]
    convictions: Vec<Conviction>,
    #[serde(default)]
    bank_accounts: Vec<BankAccount>,
    #[serde(default)]
    awards: Vec<MotherAward>,
    #[serde(default)]
    pregnancies: Vec<Pregnancy>,
    #[serde(default)]
    unemployment: Vec<Unemployment>,
    #[serde(default)]
    benefits: Vec<BenefitReceipt>,
}

/// A decoded row: the person's facts, the civil links leaving them, and — on a centre row —
/// everybody else registered at their dwellings.
#[derive(Debug, Clone)]
pub struct PersonEntry {
    pub focus: Iin,
    /// Shared: a card load hands the same facts to several neighbourhoods, snapshots and
    /// views without copying them (sorted once, here).
    pub facts: std::sync::Arc<PersonFacts>,
    pub marriages: Vec<Marriage>,
    pub parent_links: Vec<ParentLink>,
    pub guardianships: Vec<Guardianship>,
    /// `Some` on centre rows only.
    pub co_registrations: Option<Vec<CoRegistration>>,
}

fn shape(what: &'static str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Shape {
        what,
        cause: e.to_string(),
    }
}

/// Decodes one row of a neighbourhood statement.
pub fn person_entry(row: &neo4rs::Row) -> StoreResult<PersonEntry> {
    let r: PersonRow = row.to().map_err(|e| shape("neighbourhood row", e))?;
    let incomes = super::series::incomes(r.incomes);
    let contributions = super::series::contributions(r.contributions);
    let mut facts = PersonFacts {
        person: r.person,
        registrations: r
            .registrations
            .into_iter()
            .map(|x| RegistrationAt {
                registration: x.registration,
                dwelling: x.dwelling,
            })
            .collect(),
        real_estate: r.real_estate,
        vehicles: r.vehicles,
        land_plots: r.land_plots,
        farms: r.farms,
        incomes,
        contributions,
        loans: r.loans,
        employments: r.employments,
        businesses: r.businesses,
        disabilities: r.disabilities,
        health_attachments: r.health_attachments,
        health_insurance: r.health_insurance,
        diseases: r.diseases,
        addictions: r.addictions,
        education: r.education,
        convictions: r.convictions,
        bank_accounts: r.bank_accounts,
        awards: r.awards,
        pregnancies: r.pregnancies,
        unemployment: r.unemployment,
        benefits: r.benefits,
    };
    sort_facts(&mut facts);
    Ok(PersonEntry {
        focus: r.focus,
        facts: std::sync::Arc::new(facts),
        marriages: r.marriages,
        parent_links: r.parent_links,
        guardianships: r.guardianships,
        co_registrations: r.is_centre.then_some(r.co_registrations),
    })
}

/// Pattern comprehensions return facts in storage order; sort them so evaluations and hashes do
/// not depend on it.
fn sort_facts(f: &mut PersonFacts) {
    f.registrations.sort_by_key(|a| a.registration.from);
    // By month, then by the source's name, then by amount (the source's name is only spelled
    // out for two records of one month from different sources, not in every comparison).
    f.incomes.sort_by(|a, b| {
        a.month
            .cmp(&b.month)
            .then_with(|| match a.source == b.source {
                true => std::cmp::Ordering::Equal,
                false => format!("{:?}", a.source).cmp(&format!("{:?}", b.source)),
            })
            .then(a.amount_kzt.cmp(&b.amount_kzt))
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

#[cfg(test)]
mod tests {
    use neo4rs::{BoltList, BoltType, Row};

    fn row(fields: &[&str], values: Vec<BoltType>) -> Row {
        let fields: Vec<BoltType> = fields.iter().map(|f| BoltType::from(*f)).collect();
        Row::new(BoltList::from(fields), BoltList::from(values))
    }

    /// The vendored neo4rs keeps a row as its values beside the result's column names
    /// (`vendor/neo4rs/PATCHED.md`, patch 2): it must read exactly as the map it replaced.
    #[test]
    fn a_row_reads_as_the_map_of_its_columns() {
        #[derive(serde::Deserialize, Debug, PartialEq)]
        struct Two {
            name: String,
            age: i64,
            #[serde(default)]
            missing: Option<String>,
        }
        let r = row(
            &["name", "age", "extra"],
            vec!["Aisha".into(), 42_i64.into(), true.into()],
        );
        assert_eq!(r.get::<String>("name").unwrap(), "Aisha");
        assert_eq!(r.get::<i64>("age").unwrap(), 42);
        assert!(
            r.get::<i64>("nope").is_err(),
            "an absent column is an error"
        );
        assert_eq!(
            r.to::<Two>().unwrap(),
            Two {
                name: "Aisha".into(),
                age: 42,
                missing: None
            }
        );
        let keys: Vec<&str> = r.keys().iter().map(|k| k.value.as_str()).collect();
        assert_eq!(keys, ["name", "age", "extra"]);
        // A one-column row also converts as its only value.
        assert_eq!(row(&["n"], vec![7_i64.into()]).to::<i64>().unwrap(), 7);
        // A row with fewer values than names has only the columns it holds.
        let short = row(&["a", "b"], vec![1_i64.into()]);
        assert_eq!(short.keys().len(), 1);
        assert!(short.get::<i64>("b").is_err());
    }
}
