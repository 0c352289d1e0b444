//! Test support: build small families in memory and take their snapshot (unit tests only).
#![allow(dead_code)]

use super::family::Neighbourhood;
use super::ids::{make_iin, Iin, Sex};
use super::registry::*;
use super::snapshot::FamilySnapshot;
use chrono::NaiveDate;

pub fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

pub fn ym(s: &str) -> YearMonth {
    YearMonth::try_from(s.to_string()).unwrap()
}

/// A neighbourhood under construction.
#[derive(Default)]
pub struct World {
    pub n: Neighbourhood,
    serial: u32,
}

impl World {
    pub fn person(&mut self, birth: &str, sex: Sex) -> Iin {
        self.serial += 1;
        let iin = make_iin(d(birth), sex, self.serial).unwrap();
        let p = Person {
            iin: iin.clone(),
            surname: "Тестова".into(),
            first_name: "Т".into(),
            patronymic: None,
            birth_date: d(birth),
            sex,
            death_date: None,
            citizenship: Citizenship::Citizen,
            phone: None,
        };
        self.n
            .persons
            .insert(iin.clone(), std::sync::Arc::new(PersonFacts::new(p)));
        iin
    }

    pub fn facts(&mut self, who: &Iin) -> &mut PersonFacts {
        std::sync::Arc::make_mut(self.n.persons.get_mut(who).unwrap())
    }

    pub fn marry(&mut self, husband: &Iin, wife: &Iin, on: &str) {
        self.n.marriages.push(Marriage {
            marriage_id: format!("M{}", self.n.marriages.len()),
            spouse_a: husband.clone(),
            spouse_b: wife.clone(),
            registered_on: d(on),
            dissolved_on: None,
        });
    }

    pub fn child_of(&mut self, parents: &[&Iin], child: &Iin) {
        for p in parents {
            self.n.parent_links.push(ParentLink {
                parent_iin: (*p).clone(),
                child_iin: child.clone(),
                kind: ParentKind::Birth,
                since: None,
                until: None,
            });
        }
    }

    pub fn live(
        &mut self,
        who: &Iin,
        address: &str,
        settlement_type: SettlementType,
        region: &str,
    ) {
        let iin = who.clone();
        self.facts(who).registrations.push(RegistrationAt {
            registration: Registration {
                iin,
                address_id: address.into(),
                kind: RegistrationKind::Permanent,
                from: d("2000-01-01"),
                to: None,
            },
            dwelling: Dwelling {
                address_id: address.into(),
                region: region.into(),
                settlement: "Тест".into(),
                settlement_type,
                street: None,
                house: None,
                flat: None,
            },
        });
    }

    /// The same monthly income for every month in `from..=to`.
    pub fn income(&mut self, who: &Iin, source: IncomeSource, amount: i64, from: &str, to: &str) {
        let (mut m, last) = (ym(from), ym(to));
        let iin = who.clone();
        while m <= last {
            self.facts(who).incomes.push(Income {
                iin: iin.clone(),
                month: m,
                source,
                amount_kzt: amount,
                payer_bin: None,
                benefit: None,
            });
            m = m.minus(-1);
        }
    }

    /// Monthly social-insurance contributions on `insured` income for every month in `from..=to`.
    pub fn contributions(&mut self, who: &Iin, insured: i64, from: &str, to: &str) {
        let (mut m, last) = (ym(from), ym(to));
        let iin = who.clone();
        while m <= last {
            self.facts(who).contributions.push(Contribution {
                iin: iin.clone(),
                month: m,
                insured_income_kzt: insured,
                pension_kzt: insured / 10,
                social_kzt: insured * 5 / 100,
                payer_bin: None,
            });
            m = m.minus(-1);
        }
    }

    pub fn snapshot(&self, anchor: &Iin, on: &str) -> FamilySnapshot {
        let coregs: Vec<super::family::CoRegistration> = self
            .n
            .persons
            .values()
            .flat_map(|f| {
                f.registrations
                    .iter()
                    .map(|r| super::family::CoRegistration {
                        iin: f.person.iin.clone(),
                        address_id: r.registration.address_id.clone(),
                        kind: r.registration.kind,
                        from: r.registration.from,
                        to: r.registration.to,
                    })
            })
            .collect();
        FamilySnapshot::build(&self.n, anchor, d(on), &coregs).unwrap()
    }
}
