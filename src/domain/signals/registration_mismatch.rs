//! Registration mismatch (DOMAIN §7: the Almaty 2019 large families registered in the city while
//! their children lived and went to school elsewhere): the person asked about receives a benefit
//! the rule names on the date, and a minor child of theirs (birth, adoption or guardianship in
//! force) is attached that day to a school, kindergarten or polyclinic whose region differs from
//! the region of the family's registration. The organisation's region comes from the rule's
//! organisation list; an organisation it does not list is never a hit (no guess).

use super::{pair, receives, spouse_on, Hit, SignalKind, SignalRules};
use crate::domain::ids::Iin;
use crate::domain::links::{person_id, Slice};
use crate::domain::registry::{age_on, covers, EducationLevel};
use chrono::NaiveDate;
use std::collections::BTreeSet;

fn level_code(l: EducationLevel) -> &'static str {
    match l {
        EducationLevel::Kindergarten => "kindergarten",
        EducationLevel::School => "school",
        EducationLevel::College => "college",
        EducationLevel::University => "university",
    }
}

pub fn evaluate(slice: &Slice, focus: &Iin, as_of: NaiveDate, rules: &SignalRules) -> Vec<Hit> {
    let rule = &rules.registration_mismatch;
    let Some(me) = slice.records.get(focus) else {
        return vec![];
    };
    let mut receipts = receives(slice, focus, &rule.benefits, as_of);
    if let Some(s) = spouse_on(slice, focus, as_of) {
        receipts.extend(receives(slice, &s, &rule.benefits, as_of));
    }
    if receipts.is_empty() {
        return vec![];
    }
    let Some(home) = me.region_on(as_of) else {
        return vec![];
    };
    let children = super::children_and_wards(me, focus, as_of);
    let me_id = person_id(focus);
    let mut ids: BTreeSet<String> = [me_id.clone()].into_iter().collect();
    let mut facts = vec![pair("family_region", home)];
    let mut subjects = vec![focus.clone()];
    let mut child_ids: BTreeSet<String> = BTreeSet::new();
    for c in &children {
        let Some(r) = slice.records.get(c) else {
            continue;
        };
        if age_on(r.person.birth_date, as_of) >= rule.child_age || !r.person.alive_on(as_of) {
            continue;
        }
        let mut found = vec![];
        for e in r.education.iter().filter(|e| {
            covers(Some(e.from), e.to, as_of)
                && rule
                    .education_levels
                    .iter()
                    .any(|l| l == level_code(e.level))
        }) {
            if let Some(region) = rule.organisations.get(&e.organisation) {
                if region != home {
                    found.push(format!(
                        "{}: {} {} ({region}) since {}",
                        c.as_str(),
                        level_code(e.level),
                        e.organisation,
                        e.from
                    ));
                }
            }
        }
        for h in r
            .health_attachments
            .iter()
            .filter(|h| covers(Some(h.from), h.to, as_of))
        {
            if let Some(region) = rule.organisations.get(&h.organisation) {
                if region != home {
                    found.push(format!(
                        "{}: polyclinic {} ({region}) since {}",
                        c.as_str(),
                        h.organisation,
                        h.from
                    ));
                }
            }
        }
        if found.is_empty() {
            continue;
        }
        subjects.push(c.clone());
        child_ids.insert(person_id(c));
        facts.extend(found.into_iter().map(|f| pair("attachment", f)));
    }
    if child_ids.is_empty() {
        return vec![];
    }
    facts.extend(receipts.iter().map(|r| pair("benefit", r)));
    ids.extend(child_ids.iter().cloned());
    let mut edges = vec![];
    for e in slice.edges.iter().filter(|e| e.in_force(as_of)) {
        let family_link =
            e.kind.is_civil() && e.touches(&me_id) && child_ids.iter().any(|c| e.touches(c));
        let home_reg = e.kind == crate::domain::links::EdgeKind::RegisteredAt && e.from == me_id;
        if family_link || home_reg {
            ids.insert(e.from.clone());
            ids.insert(e.to.clone());
            edges.push(e.clone());
        }
    }
    vec![Hit {
        signal: SignalKind::RegistrationMismatch,
        subjects,
        score: rule.weight,
        rule_version: rules.version.clone(),
        thresholds: vec![
            pair("child_age", rule.child_age),
            pair("education_levels", rule.education_levels.join(",")),
        ],
        facts,
        matters_for: rule.benefits.clone(),
        evidence: slice.subset(&ids, edges),
    }]
}

#[cfg(test)]
mod tests {
    use crate::domain::links::tests::{d, iin, registered};
    use crate::domain::registry::{EducationAttachment, EducationLevel};
    use crate::domain::signals::tests::{
        child, hits_of, of_kind, parent_of, rec, receives_benefit,
    };
    use crate::domain::signals::SignalKind;
    use std::collections::BTreeMap;

    #[test]
    fn a_child_at_school_in_another_region_is_found_and_one_at_home_is_not() {
        for (school, expect) in [
            ("Сельская школа аула Шаян", 1),
            ("Школа №12", 0),
            ("Школа №999", 0),
        ] {
            let (m, c) = (iin(700), child(701));
            let mut all: BTreeMap<_, _> = [&m, &c].iter().map(|i| ((*i).clone(), rec(i))).collect();
            parent_of(&mut all, &m, &c);
            registered(all.get_mut(&m).unwrap(), "AD-AST", "2020-01-01", None);
            receives_benefit(all.get_mut(&m).unwrap(), "large_family");
            all.get_mut(&c)
                .unwrap()
                .education
                .push(EducationAttachment {
                    iin: c.clone(),
                    organisation: school.into(),
                    level: EducationLevel::School,
                    full_time: true,
                    from: d("2022-09-01"),
                    to: None,
                });
            let h = hits_of(&all, &m, 1);
            let h = of_kind(&h, SignalKind::RegistrationMismatch);
            assert_eq!(h.len(), expect, "{school}");
            if expect == 1 {
                assert!(h[0]
                    .facts
                    .iter()
                    .any(|(k, v)| k == "family_region" && v == "ASTANA"));
                assert!(h[0]
                    .facts
                    .iter()
                    .any(|(k, v)| k == "attachment" && v.contains("(TURKESTAN)")));
                assert_eq!(h[0].subjects, vec![m.clone(), c.clone()]);
            }
        }
    }
}
