//! Movable property: passenger cars, commercial vehicles, agricultural machinery.
//!
//! Each function is one measure of the methodology (`Measure`): it turns the snapshot into the
//! integer the bands apply to and the facts it used; bands and points are the methodology file's.

use super::assessment::{fact, Ctx, Measured};
use super::methodology::{Indicator, Measure};
use crate::domain::registry::{covers, VehicleKind};
use std::collections::BTreeSet;

pub(super) fn vehicles(c: &Ctx, ind: &Indicator) -> Measured {
    let d = c.d;
    let want = if ind.measure == Measure::PassengerCars {
        VehicleKind::Passenger
    } else {
        VehicleKind::Commercial
    };
    let mut facts = vec![];
    for m in c.members() {
        for v in m
            .facts
            .vehicles
            .iter()
            .filter(|v| v.kind == want && covers(Some(v.from), v.to, d))
        {
            facts.push(fact(
                m,
                "vehicle",
                format!(
                    "{} {}{} since {}",
                    format!("{:?}", v.kind).to_lowercase(),
                    v.vehicle_id,
                    v.model
                        .as_deref()
                        .map(|x| format!(" ({x})"))
                        .unwrap_or_default(),
                    v.from
                ),
            ));
        }
    }
    Measured {
        value: facts.len() as i64,
        shown: format!("{} vehicle(s)", facts.len()),
        facts,
    }
}

pub(super) fn agricultural_machinery_types(c: &Ctx) -> Measured {
    let d = c.d;
    let mut types = BTreeSet::new();
    let mut facts = vec![];
    for m in c.members() {
        for v in m
            .facts
            .vehicles
            .iter()
            .filter(|v| v.kind == VehicleKind::Agricultural && covers(Some(v.from), v.to, d))
        {
            let t = v
                .machinery_type
                .clone()
                .unwrap_or_else(|| "unspecified".into());
            facts.push(fact(
                m,
                "vehicle",
                format!("agricultural {} ({t})", v.vehicle_id),
            ));
            types.insert(t);
        }
    }
    Measured {
        value: types.len() as i64,
        shown: format!("{} type(s) of machinery", types.len()),
        facts,
    }
}
