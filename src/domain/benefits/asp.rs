//! (9) АСП, targeted social assistance (Social Code art. 120–128): per-capita income of the
//! previous quarter (all members' incomes in its three months ÷ members ÷ 3) below the poverty line
//! set for the region and the quarter of the application → (line − per-capita income) × members a
//! month, plus 1.5 МРП a month per child aged 1–6; assigned for the quarter. Unconditional when the
//! family has no able-bodied member, otherwise conditional on a social contract (employment
//! measures).
//!
//! The line is the one published for the application quarter (an application in Q1 2026 in
//! Aktobe oblast uses the Q1 2026 line, 37 060 ₸, against the income of Oct–Dec 2025, as the
//! region's notice says); the line itself is derived from the previous quarter's subsistence
//! minimum by whoever publishes it, not by us. Where no regional line is loaded the national
//! default is used and the entitlement says so in `assumed`.
//!
//! The ASP family is not the family card. Art. 127 computes per-capita income over the family
//! living together: spouses, their children (adult children included) and other relatives who keep
//! a common household with them. It is composed here from the card's members plus the relatives
//! registered at the family's dwelling within `asp.family_relatives_within_links` civil-registry
//! links of a member [Inf: co-registration stands for the common household, which the Code does
//! not define]; the reasons list who was counted and why. An ASP family that spans several cards
//! (parents and their adult son at home each have one) is assessed once, on the card whose anchor
//! is the eldest [Inf]; the other cards say where it is assessed.

use super::*;
use chrono::Datelike;

pub(super) fn evaluate(c: &Ctx) -> Result<Vec<Entitlement>, BenefitError> {
    let k = BenefitKind::Asp;
    let r = &c.r.asp;
    let q = YearMonth::of(c.d).quarter();
    let q_first = YearMonth::new(c.d.year(), (q - 1) * 3 + 1).expect("valid month");
    let prev_first = q_first.minus(3);
    let prev_last = q_first.minus(1);
    let region = c.s.region().unwrap_or("*");
    let line = c.p.poverty_line(region, q_first.year, q)?;
    let assumed = (line.region != region).then(|| {
        format!(
            "poverty line: the national default {} ({}) for {region} {} Q{q}, no regional line loaded [Inf]",
            tenge(line.amount),
            line.source,
            q_first.year
        )
    });
    let head = c.head();
    // The ASP family: the card's members, then co-resident relatives within the configured links.
    let mut family: Vec<(&PersonFacts, String)> =
        c.s.members
            .iter()
            .map(|m| {
                let role = serde_json::to_value(m.role)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default();
                (&*m.facts, format!("{}: card member ({role})", m.iin()))
            })
            .collect();
    let relatives: Vec<_> =
        c.s.co_resident_relatives
            .iter()
            .filter(|x| x.links <= r.family_relatives_within_links)
            .collect();
    for x in &relatives {
        family.push((
            &x.facts,
            format!(
                "{}: {}, registered at the same dwelling (common household [Inf])",
                x.facts.person.iin, x.relation
            ),
        ));
    }
    let here = (head.facts.person.birth_date, c.s.composition.anchor.clone());
    let assessed_on = relatives
        .iter()
        .filter_map(|x| x.card_anchor.clone())
        .filter(|a| a < &here)
        .min();
    let members = family.len().max(1) as i64;
    let mut total = 0i64;
    let mut excluded = 0i64;
    let mut lines = vec![];
    for (f, _) in &family {
        let mut sum = 0;
        for i in f
            .incomes
            .iter()
            .filter(|i| i.month >= prev_first && i.month <= prev_last)
        {
            if i.benefit
                .as_ref()
                .is_some_and(|b| r.excluded_benefit_incomes.contains(b))
            {
                excluded += i.amount_kzt;
            } else {
                sum += i.amount_kzt;
            }
        }
        if sum > 0 {
            lines.push(format!("{}: {}", f.person.iin, tenge(sum)));
        }
        total += sum;
    }
    let below = total < line.amount * members * 3;
    let per_capita = div_half_up(total as i128, (members * 3) as i128);
    let gap = if below {
        div_half_up((line.amount * members * 3 - total) as i128, 3)
    } else {
        0
    };
    let young: Vec<&PersonFacts> = family
        .iter()
        .map(|(f, _)| *f)
        .filter(|f| {
            let a = f.person.age_on(c.d);
            a >= r.child_supplement_from_age && a < r.child_supplement_to_age
        })
        .collect();
    let supplement = c.times(c.year.mrp * young.len() as i64, r.child_supplement_mrp);
    let amount = gap + supplement;
    let able: Vec<String> = family
        .iter()
        .filter(|(f, _)| c.able_bodied(f))
        .map(|(f, _)| f.person.iin.to_string())
        .collect();
    let homes: usize = family
        .iter()
        .flat_map(|(f, _)| f.real_estate.iter())
        .filter(|x| !x.commercial && covers(Some(x.from), x.to, c.d))
        .count();
    let cars: usize = family
        .iter()
        .flat_map(|(f, _)| f.vehicles.iter())
        .filter(|v| covers(Some(v.from), v.to, c.d))
        .count();
    let mut reasons = vec![
        c.inferred(
            k,
            "the ASP family: the family living together (Social Code art. 127)",
            true,
            format!(
                "{members} person(s): {}",
                family
                    .iter()
                    .map(|(_, why)| why.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        ),
        c.inferred(
            k,
            "assessed once per ASP family, on the card of its eldest anchor",
            assessed_on.is_none(),
            match &assessed_on {
                Some((_, a)) => format!("assessed on the family card anchored at {a}"),
                None => "assessed on this card".into(),
            },
        ),
        c.reason(
            k,
            "registered at an address in Kazakhstan (residence; the regional poverty line)",
            c.s.region().is_some(),
            match &c.s.dwelling {
                Some(d) => format!("{} ({}), region {}", d.address_id, d.settlement, d.region),
                None => "no registration on the date: residence and the region's line cannot be established".into(),
            },
        ),
        c.reason(
            k,
            "per-capita income of the previous quarter below the poverty line of the application quarter",
            below,
            format!(
                "{prev_first}..{prev_last}: {} for {members} member(s) → {} per person a month vs line {} ({} {} Q{}: {}){}{}",
                tenge(total),
                tenge(per_capita),
                tenge(line.amount),
                line.region,
                line.year,
                line.quarter,
                line.source,
                if lines.is_empty() { String::new() } else { format!("; incomes: {}", lines.join(", ")) },
                if excluded > 0 { format!("; excluded benefits {} [Inf]", tenge(excluded)) } else { String::new() }
            ),
        ),
        c.reason(
            k,
            if able.is_empty() {
                "unconditional: no able-bodied member"
            } else {
                "conditional: able-bodied members take part in employment measures (social contract)"
            },
            true,
            if able.is_empty() {
                "nobody aged 18 to pension age without disability of group 1–2".into()
            } else {
                format!("able-bodied: {}", able.join(", "))
            },
        ),
        c.reason(
            k,
            "amount",
            true,
            format!(
                "({} − {}) × {members} = {} a month, + {} child(ren) aged 1–6 × {} МРП × {} = {} → {}",
                tenge(line.amount),
                tenge(per_capita),
                tenge(gap),
                young.len(),
                r.child_supplement_mrp,
                tenge(c.year.mrp),
                tenge(supplement),
                tenge(amount)
            ),
        ),
        c.inferred(
            k,
            "no refusal ground known to the registry (commission check, refused employment measures, broken social contract, false information)",
            true,
            "these grounds are established by the district commission, not from registry data".into(),
        ),
        c.citizenship_reason(k, head),
    ];
    if r.refuse_with_second_home_or_car {
        reasons.push(c.inferred(
            k,
            "at most one home and no car (historic 2020 rule)",
            homes <= 1 && cars == 0,
            format!("{homes} home(s), {cars} vehicle(s)"),
        ));
    }
    let quarter_end = q_first.minus(-3).first_day();
    let mut e = c.entitlement(
        k,
        reasons,
        Some(amount),
        Payment::Monthly,
        Some(Period {
            from: q_first.first_day(),
            to: Some(quarter_end),
        }),
        Some(c.recipient(head)),
        None,
    );
    e.assumed = assumed;
    Ok(vec![e])
}
