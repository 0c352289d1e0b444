//! Housing and infrastructure: living space per member, residential and commercial property, settlement type.
//!
//! Each function is one measure of the methodology (`Measure`): it turns the snapshot into the
//! integer the bands apply to and the facts it used; bands and points are the methodology file's.

use super::assessment::{fact, Ctx, FactUsed, Measured};
use super::methodology::{Indicator, Measure};
use crate::domain::registry::{covers, SettlementType};

pub(super) fn properties(c: &Ctx, ind: &Indicator) -> Measured {
    let d = c.d;
    let commercial = ind.measure == Measure::CommercialProperties;
    let mut area = 0.0;
    let mut facts = vec![];
    for m in c.members() {
        for r in m
            .facts
            .real_estate
            .iter()
            .filter(|r| r.commercial == commercial && covers(Some(r.from), r.to, d))
        {
            area += r.area_m2;
            facts.push(fact(
                m,
                "real_estate",
                format!(
                    "{} {}: {} m²",
                    if r.commercial {
                        "commercial"
                    } else {
                        "residential"
                    },
                    r.property_id,
                    r.area_m2
                ),
            ));
        }
    }
    let size = c.s.members.len().max(1);
    match ind.measure {
        Measure::ResidentialM2PerMember if facts.is_empty() => Measured {
            value: -1,
            shown: "no housing owned by a member".into(),
            facts,
        },
        Measure::ResidentialM2PerMember => {
            let per = (area / size as f64).floor() as i64;
            Measured {
                value: per,
                shown: format!("{area} m² for {size} member(s) = {per} m² per person"),
                facts,
            }
        }
        _ => Measured {
            value: facts.len() as i64,
            shown: format!("{} propert(y/ies)", facts.len()),
            facts,
        },
    }
}

pub(super) fn settlement_type(c: &Ctx) -> Measured {
    match &c.s.dwelling {
        None => Measured {
            value: 0,
            shown: "no registration on the date".into(),
            facts: vec![],
        },
        Some(dw) => {
            let value = match dw.settlement_type {
                SettlementType::RuralSettlement => 1,
                SettlementType::RuralOkrug => 2,
                SettlementType::DistrictTown => 3,
                SettlementType::OblastCity => 4,
                SettlementType::RepublicanCity => 5,
            };
            Measured {
                value,
                shown: format!(
                    "{} ({}, {:?})",
                    dw.settlement, dw.region, dw.settlement_type
                ),
                facts: vec![FactUsed {
                    member_iin: Some(c.s.composition.anchor.clone()),
                    kind: "registration".into(),
                    description: format!("registered at {}", dw.address_id),
                }],
            }
        }
    }
}
