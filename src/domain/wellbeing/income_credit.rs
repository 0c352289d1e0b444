//! Income and credit (Пдк): per-capita income against the ПМ of the year, open loans, arrears.
//!
//! Each function is one measure of the methodology (`Measure`): it turns the snapshot into the
//! integer the bands apply to and the facts it used; bands and points are the methodology file's.

use super::assessment::{fact, Ctx, Measured};
use super::methodology::Indicator;
use crate::domain::money::tenge;
use crate::domain::registry::YearMonth;
use std::collections::BTreeMap;

pub(super) fn per_capita_income(c: &Ctx) -> Measured {
    let d = c.d;
    let n = c.m.income_window_months as i32;
    let last = YearMonth::of(d).minus(1);
    let first = last.minus(n - 1);
    let mut facts = vec![];
    let mut total: i64 = 0;
    for m in c.members() {
        let mut by_source: BTreeMap<String, (i64, u32)> = BTreeMap::new();
        for i in m
            .facts
            .incomes
            .iter()
            .filter(|i| i.month >= first && i.month <= last)
        {
            let e = by_source
                .entry(format!("{:?}", i.source).to_lowercase())
                .or_default();
            e.0 += i.amount_kzt;
            e.1 += 1;
            total += i.amount_kzt;
        }
        for (src, (sum, months)) in by_source {
            facts.push(fact(
                m,
                "income",
                format!(
                    "{src} {first}..{last}: {} over {months} month(s)",
                    tenge(sum)
                ),
            ));
        }
    }
    let size = c.s.members.len().max(1) as i64;
    // Per capita per month, in basis points of the ПМ, exact integer arithmetic:
    // total / (n * size) / pm * 10_000, rounded down, at least 1 when income > 0.
    let denom = n as i64 * size * c.pm;
    let mut bp = total * 10_000 / denom;
    if total > 0 && bp == 0 {
        bp = 1;
    }
    let per_capita = total / (n as i64 * size);
    Measured {
        value: bp,
        shown: format!(
            "{} per person per month = {}.{:02} ПМ (ПМ {} = {}; {} member(s), months {first}..{last})",
            tenge(per_capita),
            bp / 10_000,
            (bp % 10_000) / 100,
            d.format("%Y"),
            tenge(c.pm),
            size
        ),
        facts,
    }
}

/// Open loans of every member (the `OpenLoans` measure).
pub(super) fn open_loans(c: &Ctx) -> Measured {
    let d = c.d;
    let mut facts = vec![];
    for m in c.members() {
        for l in m
            .facts
            .loans
            .iter()
            .filter(|l| l.opened_on <= d && l.closed_on.is_none_or(|c| c > d))
        {
            facts.push(fact(
                m,
                "loan",
                format!(
                    "loan {} ({}): {} opened {}",
                    l.loan_id,
                    l.lender,
                    tenge(l.amount_kzt),
                    l.opened_on
                ),
            ));
        }
    }
    Measured {
        value: facts.len() as i64,
        shown: format!("{} open loan(s)", facts.len()),
        facts,
    }
}

pub(super) fn adults_with_arrears(c: &Ctx, ind: &Indicator) -> Measured {
    let d = c.d;
    let param = |k: &str, default: i64| ind.params.get(k).copied().unwrap_or(default);
    let (min_days, min_amount) = (param("min_days", 90), param("min_amount_kzt", 1000));
    let adults = c.adults();
    let mut facts = vec![];
    let mut with = 0;
    for a in &adults {
        let bad: Vec<_> = a
            .facts
            .loans
            .iter()
            .filter(|l| {
                l.reported_on <= d
                    && l.opened_on <= d
                    && l.closed_on.is_none_or(|c| c > d)
                    && l.overdue_days as i64 > min_days
                    && l.overdue_kzt > min_amount
            })
            .collect();
        if !bad.is_empty() {
            with += 1;
        }
        for l in bad {
            facts.push(fact(
                a,
                "loan",
                format!(
                    "loan {} ({}): {} days overdue, {} (reported {})",
                    l.loan_id,
                    l.lender,
                    l.overdue_days,
                    tenge(l.overdue_kzt),
                    l.reported_on
                ),
            ));
        }
    }
    let value = if with == 0 {
        0
    } else if with == adults.len() {
        2
    } else {
        1
    };
    Measured {
        value,
        shown: format!("{with} of {} adult(s) with arrears", adults.len()),
        facts,
    }
}
