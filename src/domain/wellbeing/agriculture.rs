//! Agriculture: the personal subsidiary farm, land plots.
//!
//! Each function is one measure of the methodology (`Measure`): it turns the snapshot into the
//! integer the bands apply to and the facts it used; bands and points are the methodology file's.

use super::assessment::{fact, Ctx, Measured};
use crate::domain::money::tenge;
use crate::domain::registry::covers;
use chrono::Datelike;

pub(super) fn farm_value(c: &Ctx) -> Measured {
    let d = c.d;
    let mut value = 0;
    let mut facts = vec![];
    for m in c.members() {
        let latest = m
            .facts
            .farms
            .iter()
            .filter(|f| f.year <= d.year())
            .map(|f| f.year)
            .max();
        for f in m.facts.farms.iter().filter(|f| Some(f.year) == latest) {
            value += f.value_kzt;
            facts.push(fact(
                m,
                "farm",
                format!(
                    "farm {} in {}: {} (cattle {}, small stock {}, horses {}, poultry {})",
                    f.farm_id,
                    f.year,
                    tenge(f.value_kzt),
                    f.cattle,
                    f.small_stock,
                    f.horses,
                    f.poultry
                ),
            ));
        }
    }
    Measured {
        value,
        shown: if value == 0 {
            "no subsidiary farm".into()
        } else {
            tenge(value)
        },
        facts,
    }
}

pub(super) fn land_plots(c: &Ctx) -> Measured {
    let d = c.d;
    let mut facts = vec![];
    for m in c.members() {
        for l in m
            .facts
            .land_plots
            .iter()
            .filter(|l| covers(Some(l.from), l.to, d))
        {
            facts.push(fact(
                m,
                "land",
                format!("plot {}: {} ha", l.cadastral_number, l.area_ha),
            ));
        }
    }
    Measured {
        value: facts.len() as i64,
        shown: format!("{} land plot(s)", facts.len()),
        facts,
    }
}
