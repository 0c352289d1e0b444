//! Benefit rules, case by case, with the arithmetic worked in the comments. Figures: МРП 3 692 /
//! 3 932 / 4 325, ПМ 43 407 / 46 228 / 50 851, МЗП 85 000 (2024 / 2025 / 2026).

use super::*;
use crate::domain::ids::{Iban, Sex};
use crate::domain::parameters::BUNDLED_LEGAL_PARAMETERS;
use crate::domain::registry::*;
use crate::domain::testkit::{d, World};

fn params() -> LegalParameters {
    LegalParameters::bundled()
}

fn rules() -> BenefitCatalog {
    BenefitCatalog::bundled()
}

fn eval(w: &World, anchor: &Iin, on: &str) -> Vec<Entitlement> {
    let es = evaluate_family(&w.snapshot(anchor, on), &params(), &rules());
    for e in &es {
        assert!(e.error.is_none(), "{on}: {e:#?}");
    }
    es
}

fn only(es: &[Entitlement], k: BenefitKind) -> Vec<&Entitlement> {
    es.iter().filter(|e| e.benefit == k).collect()
}

fn one(es: &[Entitlement], k: BenefitKind) -> &Entitlement {
    let v = only(es, k);
    assert_eq!(v.len(), 1, "{k}: {v:#?}");
    v[0]
}

fn register_all(w: &mut World, who: &[&Iin], address: &str, region: &str) {
    for x in who {
        w.live(x, address, SettlementType::OblastCity, region);
    }
}

/// A mother with `n` children born a year apart (youngest born `youngest`), all registered with
/// her.
fn mother_with_children(n: usize, youngest: &str) -> (World, Iin, Vec<Iin>) {
    let mut w = World::default();
    let mum = w.person("1985-05-05", Sex::Female);
    let y: NaiveDate = d(youngest);
    let kids: Vec<Iin> = (0..n)
        .map(|i| {
            let b = y - chrono::Duration::days(400 * (n - 1 - i) as i64);
            w.person(
                &b.to_string(),
                if i % 2 == 0 { Sex::Male } else { Sex::Female },
            )
        })
        .collect();
    for k in &kids {
        w.child_of(&[&mum], k);
    }
    let mut all: Vec<&Iin> = kids.iter().collect();
    all.push(&mum);
    register_all(&mut w, &all, "H1", "KARAGANDA");
    (w, mum, kids)
}

#[test]
fn large_family_by_number_of_co_residing_children_for_each_year() {
    let (w, mum, _) = mother_with_children(4, "2020-01-01");
    // 16.03 МРП: 2024 16.03 × 3 692 = 59 182.76 → 59 183; 2025 × 3 932 = 63 029.96 → 63 030;
    // 2026 × 4 325 = 69 329.75 → 69 330 (DOMAIN §3.1).
    for (on, amount) in [
        ("2024-06-15", 59_183),
        ("2025-06-15", 63_030),
        ("2026-06-15", 69_330),
    ] {
        let e = eval(&w, &mum, on);
        let lf = one(&e, BenefitKind::LargeFamily);
        assert!(lf.eligible, "{on}: {:#?}", lf.reasons);
        assert_eq!(lf.amount_kzt, Some(amount), "{on}");
        assert_eq!(lf.recipient.as_ref().unwrap().iin, mum);
    }
    // 5 children: 20.04 × 4 325 = 86 673; 8 children: 8 × 4 × 4 325 = 138 400.
    let (w, mum, _) = mother_with_children(5, "2020-01-01");
    assert_eq!(
        one(&eval(&w, &mum, "2026-06-15"), BenefitKind::LargeFamily).amount_kzt,
        Some(86_673)
    );
    let (w, mum, _) = mother_with_children(8, "2020-01-01");
    assert_eq!(
        one(&eval(&w, &mum, "2026-06-15"), BenefitKind::LargeFamily).amount_kzt,
        Some(138_400)
    );
}

#[test]
fn a_child_registered_elsewhere_is_not_co_residing_and_three_are_not_a_large_family() {
    let (mut w, mum, kids) = mother_with_children(4, "2020-01-01");
    w.facts(&kids[0]).registrations.clear();
    w.live(
        &kids[0],
        "ELSEWHERE",
        SettlementType::OblastCity,
        "KARAGANDA",
    );
    let e = eval(&w, &mum, "2026-06-15");
    let lf = one(&e, BenefitKind::LargeFamily);
    assert!(!lf.eligible);
    assert_eq!(lf.amount_kzt, None);
    assert!(lf.reasons[0]
        .detail
        .contains("not registered with the family"));
}

#[test]
fn a_student_of_22_counts_and_one_of_23_does_not() {
    let (mut w, mum, kids) = mother_with_children(3, "2015-01-01");
    let student = w.person("2003-09-01", Sex::Female); // 22 on 2026-06-15, 23 on 2026-09-01
    w.child_of(&[&mum], &student);
    w.live(&student, "H1", SettlementType::OblastCity, "KARAGANDA");
    w.facts(&student).education.push(EducationAttachment {
        iin: student.clone(),
        organisation: "КарГУ".into(),
        level: EducationLevel::University,
        full_time: true,
        from: d("2022-09-01"),
        to: None,
    });
    assert!(one(&eval(&w, &mum, "2026-06-15"), BenefitKind::LargeFamily).eligible);
    // On her 23rd birthday she leaves the family: three children remain.
    assert_eq!(kids.len(), 3);
    assert!(!one(&eval(&w, &mum, "2026-09-15"), BenefitKind::LargeFamily).eligible);
}

#[test]
fn awarded_mothers() {
    let mut w = World::default();
    let a = w.person("1970-01-01", Sex::Female);
    w.facts(&a).awards.push(MotherAward {
        iin: a.clone(),
        award: MotherAwardKind::KumisAlqa,
        awarded_on: d("2015-03-08"),
    });
    // Күміс алқа 6.40 × 4 325 = 27 680.
    assert_eq!(
        one(&eval(&w, &a, "2026-06-15"), BenefitKind::MotherAward).amount_kzt,
        Some(27_680)
    );
    w.facts(&a).awards.push(MotherAward {
        iin: a.clone(),
        award: MotherAwardKind::AltynAlqa,
        awarded_on: d("2020-03-08"),
    });
    // The higher award counts once: Алтын алқа 7.40 × 4 325 = 32 005; 2025: × 3 932 = 29 096.8 → 29 097.
    let e = eval(&w, &a, "2026-06-15");
    assert_eq!(one(&e, BenefitKind::MotherAward).amount_kzt, Some(32_005));
    assert_eq!(
        one(&eval(&w, &a, "2025-06-15"), BenefitKind::MotherAward).amount_kzt,
        Some(29_097)
    );
    // 2024: 7.40 × 3 692 = 27 320.8 → 27 321.
    assert_eq!(
        one(&eval(&w, &a, "2024-06-15"), BenefitKind::MotherAward).amount_kzt,
        Some(27_321)
    );
}

fn disabled(w: &mut World, who: &Iin, group: Option<u8>, cause: DisabilityCause) {
    let i = who.clone();
    w.facts(who).disabilities.push(Disability {
        iin: i,
        group,
        cause,
        from: d("2023-01-01"),
        to: None,
    });
}

#[test]
fn a_disabled_child_brings_the_childs_benefit_and_the_carers() {
    let (mut w, mum, kids) = mother_with_children(1, "2021-02-01"); // 5 years old in 2026
    disabled(&mut w, &kids[0], None, DisabilityCause::SinceChildhood);
    let e = eval(&w, &mum, "2026-06-15");
    // Carer 1.61 ПМ: 1.61 × 50 851 = 81 870.11 → 81 870; child under 7: the same coefficient.
    let carer = one(&e, BenefitKind::DisabledChildCarer);
    assert_eq!(carer.amount_kzt, Some(81_870));
    assert_eq!(carer.subject_iin.as_ref(), Some(&kids[0]));
    let child = one(&e, BenefitKind::Disability);
    assert_eq!(child.amount_kzt, Some(81_870));
    assert_eq!(child.recipient.as_ref().unwrap().iin, mum);
    // 2025: 1.61 × 46 228 = 74 427.08 → 74 427; 2024: 1.61 × 43 407 = 69 885.27 → 69 885.
    assert_eq!(
        one(
            &eval(&w, &mum, "2025-06-15"),
            BenefitKind::DisabledChildCarer
        )
        .amount_kzt,
        Some(74_427)
    );
    assert_eq!(
        one(
            &eval(&w, &mum, "2024-06-15"),
            BenefitKind::DisabledChildCarer
        )
        .amount_kzt,
        Some(69_885)
    );
}

#[test]
fn disability_by_group_cause_and_age() {
    let mut w = World::default();
    let a = w.person("1980-01-01", Sex::Male);
    disabled(&mut w, &a, Some(1), DisabilityCause::GeneralIllness);
    // Group 1: 2.2 × 50 851 = 111 872.2 → 111 872.
    assert_eq!(
        one(&eval(&w, &a, "2026-06-15"), BenefitKind::Disability).amount_kzt,
        Some(111_872)
    );
    w.facts(&a).disabilities[0].group = Some(2);
    // Group 2: 1.76 × 50 851 = 89 497.76 → 89 498.
    assert_eq!(
        one(&eval(&w, &a, "2026-06-15"), BenefitKind::Disability).amount_kzt,
        Some(89_498)
    );
    w.facts(&a).disabilities[0].group = Some(3);
    // Group 3: 1.2 × 50 851 = 61 021.2 → 61 021.
    assert_eq!(
        one(&eval(&w, &a, "2026-06-15"), BenefitKind::Disability).amount_kzt,
        Some(61_021)
    );
    // Since childhood, group 2: 1.83 × 50 851 = 93 057.33 → 93 057.
    w.facts(&a).disabilities[0].group = Some(2);
    w.facts(&a).disabilities[0].cause = DisabilityCause::SinceChildhood;
    assert_eq!(
        one(&eval(&w, &a, "2026-06-15"), BenefitKind::Disability).amount_kzt,
        Some(93_057)
    );
    // Ended disability: nothing.
    w.facts(&a).disabilities[0].to = Some(d("2026-01-01"));
    assert!(only(&eval(&w, &a, "2026-06-15"), BenefitKind::Disability).is_empty());
}

#[test]
fn loss_of_breadwinner_by_number_of_dependants() {
    let (mut w, mum, kids) = mother_with_children(2, "2012-01-01"); // 14 and 15: no child under 8
    let dad = w.person("1983-01-01", Sex::Male);
    w.marry(&dad, &mum, "2008-01-01");
    for k in &kids {
        w.child_of(&[&dad], k);
    }
    w.facts(&dad).person.death_date = Some(d("2025-11-20"));
    // 2 dependants (the children; the widow is neither of pension age nor caring for a child
    // under 8): 1.70 × 50 851 = 86 446.7 → 86 447.
    let e = eval(&w, &mum, "2026-06-15");
    let b = one(&e, BenefitKind::BreadwinnerLoss);
    assert!(b.eligible, "{:#?}", b.reasons);
    assert_eq!(b.amount_kzt, Some(86_447));
    assert_eq!(b.subject_iin.as_ref(), Some(&dad));
    assert_eq!(b.period.as_ref().unwrap().from, d("2025-11-20"));
    // Before the death: nothing.
    assert!(only(&eval(&w, &mum, "2025-11-19"), BenefitKind::BreadwinnerLoss).is_empty());
    // With a child under 8 the widow is a dependant too: 3 → 2.25 × 50 851 = 114 414.75 → 114 415.
    let baby = w.person("2022-03-01", Sex::Male);
    w.child_of(&[&mum, &dad], &baby);
    let e = eval(&w, &mum, "2026-06-15");
    // 4 dependants now (3 children + widow): 2.60 × 50 851 = 132 212.6 → 132 213.
    assert_eq!(
        one(&e, BenefitKind::BreadwinnerLoss).amount_kzt,
        Some(132_213)
    );
}

fn insured(w: &mut World, who: &Iin, monthly: i64, from: &str, to: &str) {
    w.contributions(who, monthly, from, to);
}

#[test]
fn child_care_insurance_payment_or_state_allowance_never_both() {
    // Not insured: the state allowance by birth order.
    let (w, mum, kids) = mother_with_children(2, "2026-02-01"); // the elder born 2024-12-28
    let e = eval(&w, &mum, "2026-07-01");
    let care: Vec<_> = only(&e, BenefitKind::ChildCareAllowance);
    assert_eq!(care.len(), 1, "only the baby is under 1.5");
    // Second child: 6.81 × 4 325 = 29 453.25 → 29 453.
    assert_eq!(care[0].amount_kzt, Some(29_453));
    assert_eq!(care[0].subject_iin.as_ref(), Some(&kids[1]));
    assert!(!one(&e, BenefitKind::ChildCareInsurance).eligible);

    // Insured: 40 % of the average over 24 months, 300 000 → 120 000; the allowance is excluded.
    let (mut w, mum, _) = mother_with_children(1, "2026-02-01");
    insured(&mut w, &mum, 300_000, "2024-02", "2026-01");
    let e = eval(&w, &mum, "2026-06-15");
    let ins = one(&e, BenefitKind::ChildCareInsurance);
    assert!(ins.eligible);
    assert_eq!(ins.amount_kzt, Some(120_000));
    assert!(!one(&e, BenefitKind::ChildCareAllowance).eligible);
    // A high income is capped: 40 % × 7 × 85 000 = 238 000.
    let (mut w, mum, _) = mother_with_children(1, "2026-02-01");
    insured(&mut w, &mum, 2_000_000, "2024-02", "2026-01");
    assert_eq!(
        one(
            &eval(&w, &mum, "2026-06-15"),
            BenefitKind::ChildCareInsurance
        )
        .amount_kzt,
        Some(238_000)
    );
    // A low one is raised to the allowance: 40 % × 40 000 = 16 000 < 5.76 × 4 325 = 24 912.
    let (mut w, mum, _) = mother_with_children(1, "2026-02-01");
    insured(&mut w, &mum, 40_000, "2024-02", "2026-01");
    assert_eq!(
        one(
            &eval(&w, &mum, "2026-06-15"),
            BenefitKind::ChildCareInsurance
        )
        .amount_kzt,
        Some(24_912)
    );
    // At 18 months the right ends (a child born 2025-01-10 is 18 months old on 2026-07-10).
    let (mut w, mum, _) = mother_with_children(1, "2025-01-10");
    insured(&mut w, &mum, 300_000, "2023-01", "2024-12");
    assert_eq!(
        only(
            &eval(&w, &mum, "2026-07-09"),
            BenefitKind::ChildCareInsurance
        )
        .len(),
        1
    );
    assert!(only(
        &eval(&w, &mum, "2026-07-10"),
        BenefitKind::ChildCareInsurance
    )
    .is_empty());
}

#[test]
fn twins_are_paid_per_child() {
    let mut w = World::default();
    let mum = w.person("1992-01-01", Sex::Female);
    let t1 = w.person("2026-03-03", Sex::Male);
    let t2 = w.person("2026-03-03", Sex::Female);
    w.child_of(&[&mum], &t1);
    w.child_of(&[&mum], &t2);
    let e = eval(&w, &mum, "2026-06-15");
    let care = only(&e, BenefitKind::ChildCareAllowance);
    assert_eq!(care.len(), 2);
    // 1st and 2nd child: 24 912 and 29 453.
    let mut amounts: Vec<i64> = care.iter().map(|c| c.amount_kzt.unwrap()).collect();
    amounts.sort();
    assert_eq!(amounts, vec![24_912, 29_453]);
    // Birth allowance, 38 МРП each: 164 350.
    let births = only(&e, BenefitKind::BirthAllowance);
    assert_eq!(births.len(), 2);
    assert!(births.iter().all(|b| b.amount_kzt == Some(164_350)));
}

#[test]
fn birth_allowance_for_the_fourth_child_and_in_earlier_years() {
    let (w, mum, _) = mother_with_children(4, "2026-05-01");
    let e = eval(&w, &mum, "2026-06-15");
    // 4th child: 63 × 4 325 = 272 475.
    assert_eq!(
        one(&e, BenefitKind::BirthAllowance).amount_kzt,
        Some(272_475)
    );
    let (w, mum, _) = mother_with_children(1, "2025-03-01");
    // 38 × 3 932 = 149 416 (the birth year's МРП).
    assert_eq!(
        one(&eval(&w, &mum, "2025-06-15"), BenefitKind::BirthAllowance).amount_kzt,
        Some(149_416)
    );
    let (w, mum, _) = mother_with_children(1, "2024-03-01");
    // 38 × 3 692 = 140 296.
    assert_eq!(
        one(&eval(&w, &mum, "2024-06-15"), BenefitKind::BirthAllowance).amount_kzt,
        Some(140_296)
    );
}

#[test]
fn pregnancy_and_childbirth_payment() {
    let mut w = World::default();
    let mum = w.person("1994-01-01", Sex::Female);
    insured(&mut w, &mum, 200_000, "2025-04", "2026-03");
    w.facts(&mum).pregnancies.push(Pregnancy {
        iin: mum.clone(),
        leave_from: d("2026-04-01"),
        expected_birth: d("2026-06-10"),
        complicated_or_multiple: false,
    });
    // 200 000 × 12 / 12 × 126 / 30 × 0.9 = 756 000.
    let e = eval(&w, &mum, "2026-04-15");
    let p = one(&e, BenefitKind::PregnancyChildbirth);
    assert!(p.eligible);
    assert_eq!(p.amount_kzt, Some(756_000));
    assert_eq!(p.period.as_ref().unwrap().to, Some(d("2026-08-05")));
    // Complicated: 140 days → 840 000. Capped income: 7 × 85 000 = 595 000 → × 4.2 × 0.9 = 2 249 100.
    w.facts(&mum).pregnancies[0].complicated_or_multiple = true;
    assert_eq!(
        one(
            &eval(&w, &mum, "2026-04-15"),
            BenefitKind::PregnancyChildbirth
        )
        .amount_kzt,
        Some(840_000)
    );
    w.facts(&mum).pregnancies[0].complicated_or_multiple = false;
    for c in &mut w.facts(&mum).contributions {
        c.insured_income_kzt = 1_500_000;
    }
    assert_eq!(
        one(
            &eval(&w, &mum, "2026-04-15"),
            BenefitKind::PregnancyChildbirth
        )
        .amount_kzt,
        Some(2_249_100)
    );
    // Not insured: not eligible, the reason says why.
    w.facts(&mum).contributions.clear();
    let e = eval(&w, &mum, "2026-04-15");
    let p = one(&e, BenefitKind::PregnancyChildbirth);
    assert!(!p.eligible);
    assert!(p
        .reasons
        .iter()
        .any(|r| !r.met && r.inferred && r.condition.contains("insured")));
}

#[test]
fn job_loss_payment_and_its_duration() {
    let mut w = World::default();
    let a = w.person("1988-01-01", Sex::Male);
    insured(&mut w, &a, 200_000, "2024-03", "2026-02");
    w.facts(&a).unemployment.push(Unemployment {
        iin: a.clone(),
        registered_on: d("2026-03-10"),
        job_lost_on: d("2026-03-01"),
        to: None,
    });
    // 45 % × 200 000 = 90 000 a month; 24 months of contributions → 3 months.
    let e = eval(&w, &a, "2026-04-01");
    let j = one(&e, BenefitKind::JobLoss);
    assert!(j.eligible, "{:#?}", j.reasons);
    assert_eq!(j.amount_kzt, Some(90_000));
    assert_eq!(j.period.as_ref().unwrap().to, Some(d("2026-06-10")));
    // Three months of contributions only: no payment.
    w.facts(&a)
        .contributions
        .retain(|c| c.month >= YearMonth::new(2025, 12).unwrap());
    assert!(!one(&eval(&w, &a, "2026-04-01"), BenefitKind::JobLoss).eligible);
}

/// An Aktobe family of five: a working father, a mother at home, three children (3, 8, 12).
fn aktobe_family_of_five(monthly_wage: i64, months: (&str, &str)) -> (World, Iin, Iin) {
    let mut w = World::default();
    let mum = w.person("1990-01-01", Sex::Female);
    let dad = w.person("1988-01-01", Sex::Male);
    let k1 = w.person("2022-09-01", Sex::Male);
    let k2 = w.person("2017-09-01", Sex::Female);
    let k3 = w.person("2013-09-01", Sex::Male);
    w.marry(&dad, &mum, "2012-01-01");
    for k in [&k1, &k2, &k3] {
        w.child_of(&[&mum, &dad], k);
    }
    register_all(&mut w, &[&mum, &dad, &k1, &k2, &k3], "A1", "AKTOBE");
    w.income(&dad, IncomeSource::Wage, monthly_wage, months.0, months.1);
    (w, mum, dad)
}

#[test]
fn asp_in_q1_2026_in_aktobe_uses_the_q1_2026_line_on_the_income_of_q4_2025() {
    let (w, mum, _) = aktobe_family_of_five(100_000, ("2025-10", "2025-12"));
    let e = eval(&w, &mum, "2026-02-10");
    let a = one(&e, BenefitKind::Asp);
    assert!(a.eligible, "{:#?}", a.reasons);
    // Line of Q1 2026 in AKTOBE: 37 060. Income Oct–Dec 2025: 300 000 / 5 members / 3 months
    // = 20 000 per person a month. (37 060 × 5 × 3 − 300 000) / 3 = (555 900 − 300 000) / 3
    // = 85 300; + one child aged 1–6: 1.5 × 4 325 = 6 487.5 → 6 488; = 91 788.
    // (The previous-quarter lookup found no Q4 2025 line for AKTOBE and used the national default
    // 32 360: (32 360 − 20 000) × 5 = 61 800, 23 500 less.)
    assert_eq!(a.amount_kzt, Some(91_788));
    assert_eq!(a.assumed, None, "the Aktobe line is published");
    assert_eq!(a.rules_version, "2026-01-01");
    let p = a.period.as_ref().unwrap();
    assert_eq!((p.from, p.to), (d("2026-01-01"), Some(d("2026-04-01"))));
    let income = a
        .reasons
        .iter()
        .find(|r| r.condition.starts_with("per-capita income"))
        .unwrap();
    assert!(
        income.detail.contains("2025-10..2025-12"),
        "{}",
        income.detail
    );
    assert!(
        income.detail.contains("AKTOBE 2026 Q1"),
        "{}",
        income.detail
    );
    assert!(a
        .reasons
        .iter()
        .any(|r| r.condition.starts_with("conditional")));
    // Income at the line: refused (ground 1 of art. 128).
    let (w, mum, _) = aktobe_family_of_five(37_060 * 5, ("2025-10", "2025-12"));
    let a = eval(&w, &mum, "2026-02-10");
    let a = one(&a, BenefitKind::Asp);
    assert!(!a.eligible);
    assert_eq!(a.amount_kzt, None);
}

#[test]
fn asp_on_the_national_default_line_says_the_line_was_assumed() {
    // Q2 2026: no AKTOBE line is loaded, so the national default 35 596 applies, visibly.
    let (w, mum, _) = aktobe_family_of_five(100_000, ("2026-01", "2026-03"));
    let e = eval(&w, &mum, "2026-05-15");
    let a = one(&e, BenefitKind::Asp);
    // (35 596 × 15 − 300 000) / 3 = (533 940 − 300 000) / 3 = 77 980; + 6 488 = 84 468.
    assert_eq!(a.amount_kzt, Some(84_468));
    let assumed = a.assumed.as_deref().expect("the line is assumed");
    assert!(
        assumed.contains("35 596") && assumed.contains("AKTOBE 2026 Q2"),
        "{assumed}"
    );
    assert!(a.to_offer());
    // Detection can be told not to offer amounts resting on an assumed line.
    let strict = BenefitRules::from_toml(&BUNDLED_BENEFIT_RULES.replacen(
        "offer_with_assumed_parameters = true",
        "offer_with_assumed_parameters = false",
        1,
    ))
    .unwrap();
    assert!(!a.to_offer_under(&strict));
    assert!(a.to_offer_under(rules().in_force(d("2026-05-15")).unwrap()));
}

#[test]
fn a_benefit_that_cannot_be_evaluated_reports_its_own_error_and_the_others_still_are() {
    // Legal parameters without any poverty line for Q2 2026: the ASP cannot be evaluated.
    let mut f: crate::domain::parameters::LegalParametersFile =
        toml::from_str(BUNDLED_LEGAL_PARAMETERS).unwrap();
    f.poverty_lines
        .retain(|l| !(l.year == 2026 && l.quarter == 2));
    let p = LegalParameters::from_toml(&toml::to_string(&f).unwrap()).unwrap();
    let (w, mum, _) = mother_with_children(4, "2020-01-01");
    let es = evaluate_family(&w.snapshot(&mum, "2026-05-15"), &p, &rules());
    let a = one(&es, BenefitKind::Asp);
    assert!(!a.eligible && a.amount_kzt.is_none() && a.reasons.is_empty());
    assert!(a.error.as_deref().unwrap().contains("2026 Q2"), "{a:#?}");
    assert_eq!(a.rules_version, "2026-01-01");
    let lf = one(&es, BenefitKind::LargeFamily);
    assert!(lf.error.is_none() && lf.eligible);
    assert_eq!(lf.amount_kzt, Some(69_330));

    // In 2023 the child-care payment needs the insured income of 2021–2023, and 2022 has no
    // figures: both child-care entitlements carry the error; the birth allowance is evaluated
    // (38 × 3 450 = 131 100).
    let mut w = World::default();
    let mum = w.person("1995-01-01", Sex::Female);
    let baby = w.person("2023-08-01", Sex::Male);
    w.child_of(&[&mum], &baby);
    register_all(&mut w, &[&mum, &baby], "H1", "KARAGANDA");
    insured(&mut w, &mum, 300_000, "2022-01", "2023-06");
    let es = evaluate_family(&w.snapshot(&mum, "2023-09-15"), &params(), &rules());
    for k in [
        BenefitKind::ChildCareInsurance,
        BenefitKind::ChildCareAllowance,
    ] {
        let c = one(&es, k);
        assert!(c.error.as_deref().unwrap().contains("2022"), "{c:#?}");
    }
    let b = one(&es, BenefitKind::BirthAllowance);
    assert_eq!((b.error.as_deref(), b.amount_kzt), (None, Some(131_100)));
    assert_eq!(b.rules_version, "2023-07-01");

    // Before the first rules file (the Social Code from 2023-07-01) every benefit says so.
    let es = evaluate_family(&w.snapshot(&mum, "2023-02-15"), &params(), &rules());
    assert_eq!(es.len(), 12);
    assert!(es
        .iter()
        .all(|e| e.error.as_deref().is_some_and(|m| m.contains("2023-07-01"))));
}

#[test]
fn each_evaluation_names_the_rules_version_in_force_on_its_date() {
    let (w, mum, _) = mother_with_children(4, "2020-01-01");
    for (on, version, amount) in [
        ("2023-09-15", "2023-07-01", 55_304), // 16.03 × 3 450 = 55 303.5 → 55 304
        ("2024-06-15", "2024-01-01", 59_183),
        ("2024-12-31", "2024-01-01", 59_183),
        ("2025-01-01", "2025-01-01", 63_030),
        ("2026-06-15", "2026-01-01", 69_330),
    ] {
        let es = eval(&w, &mum, on);
        assert!(es.iter().all(|e| e.rules_version == version), "{on}");
        assert_eq!(
            one(&es, BenefitKind::LargeFamily).amount_kzt,
            Some(amount),
            "{on}"
        );
    }
}

#[test]
fn periods_are_half_open_for_every_benefit() {
    // Every entitlement found on a date covers it: from ≤ date < to (`to` exclusive).
    let (w1, mum1, _) = mother_with_children(1, "2025-01-10");
    let (w2, mum2, _) = aktobe_family_of_five(100_000, ("2025-10", "2025-12"));
    let (w3, mum3, _) = mother_with_children(4, "2026-05-01");
    for (w, who, on) in [
        (&w1, &mum1, "2026-07-09"),
        (&w2, &mum2, "2026-02-10"),
        (&w2, &mum2, "2026-03-31"),
        (&w3, &mum3, "2026-06-15"),
    ] {
        for e in eval(w, who, on) {
            if let Some(Period { from, to: Some(to) }) = e.period {
                assert!(from <= d(on) && d(on) < to, "{on}: {e:#?}");
            }
        }
    }
    // The child-care period ends on the day the child turns 18 months, which is not covered.
    let c = eval(&w1, &mum1, "2026-07-09");
    let c = one(&c, BenefitKind::ChildCareAllowance);
    assert_eq!(c.period.as_ref().unwrap().to, Some(d("2026-07-10")));
    assert!(only(
        &eval(&w1, &mum1, "2026-07-10"),
        BenefitKind::ChildCareAllowance
    )
    .is_empty());
    // The ASP quarter Q1 2026 is [2026-01-01, 2026-04-01).
    let a = eval(&w2, &mum2, "2026-03-31");
    let p = one(&a, BenefitKind::Asp).period.clone().unwrap();
    assert_eq!((p.from, p.to), (d("2026-01-01"), Some(d("2026-04-01"))));
}

#[test]
fn an_adult_child_at_home_counts_in_the_asp_family_of_the_parents() {
    // Aktobe, Q1 2026 (line 37 060). Father earns 60 000 a month in Oct–Dec 2025; the mother
    // has no income; a daughter of 5 and a son of 18 with no income live with them. The son has
    // a card of his own, but the ASP family is the family living together: 4 persons.
    let mut w = World::default();
    let mum = w.person("1978-03-01", Sex::Female);
    let dad = w.person("1976-03-01", Sex::Male);
    let son = w.person("2007-09-01", Sex::Male);
    let girl = w.person("2020-09-01", Sex::Female);
    w.marry(&dad, &mum, "2005-01-01");
    w.child_of(&[&mum, &dad], &son);
    w.child_of(&[&mum, &dad], &girl);
    register_all(&mut w, &[&mum, &dad, &son, &girl], "A2", "AKTOBE");
    w.income(&dad, IncomeSource::Wage, 60_000, "2025-10", "2025-12");
    let parents = w.snapshot(&mum, "2026-02-10");
    assert_eq!(
        parents.members.len(),
        3,
        "the son is not on the parents' card"
    );
    let e = evaluate_family(&parents, &params(), &rules());
    let a = one(&e, BenefitKind::Asp);
    assert!(a.eligible, "{:#?}", a.reasons);
    // 180 000 / 4 persons / 3 months = 15 000 per person a month.
    // (37 060 × 4 × 3 − 180 000) / 3 = (444 720 − 180 000) / 3 = 88 240; + the daughter aged 5:
    // 1.5 × 4 325 = 6 487.5 → 6 488; = 94 728. (Over the card of three it was
    // (37 060 × 9 − 180 000) / 3 + 6 488 = 57 668.)
    assert_eq!(a.amount_kzt, Some(94_728));
    let who = a
        .reasons
        .iter()
        .find(|r| r.condition.starts_with("the ASP family"))
        .unwrap();
    assert!(who.inferred);
    assert!(who.detail.starts_with("4 person(s)"), "{}", who.detail);
    assert!(
        who.detail.contains(&format!("{son}: child of {mum}")),
        "{}",
        who.detail
    );
    // The son's own card: the same ASP family, assessed once — on the parents' card. Before,
    // he was a one-person family offered 37 060 ₸ on a zero income.
    let e = eval(&w, &son, "2026-02-10");
    let a = one(&e, BenefitKind::Asp);
    assert!(!a.eligible && a.amount_kzt.is_none());
    let once = a
        .reasons
        .iter()
        .find(|r| r.condition.starts_with("assessed once"))
        .unwrap();
    assert!(!once.met && once.detail.contains(mum.as_str()), "{once:#?}");
    let who = a
        .reasons
        .iter()
        .find(|r| r.condition.starts_with("the ASP family"))
        .unwrap();
    assert!(
        who.detail.contains(&format!("{dad}: parent of {son}")),
        "{}",
        who.detail
    );
    assert!(
        who.detail.contains(&format!("{girl}: sibling of {son}")),
        "{}",
        who.detail
    );
    // A relative registered elsewhere is not in the ASP family.
    let mut w2 = World::default();
    let mum2 = w2.person("1978-03-01", Sex::Female);
    let son2 = w2.person("2007-09-01", Sex::Male);
    w2.child_of(&[&mum2], &son2);
    w2.live(&mum2, "A3", SettlementType::OblastCity, "AKTOBE");
    w2.live(&son2, "A4", SettlementType::OblastCity, "AKTOBE");
    let a = eval(&w2, &son2, "2026-02-10");
    let a = one(&a, BenefitKind::Asp);
    assert!(a
        .reasons
        .iter()
        .any(|r| r.condition.starts_with("the ASP family") && r.detail.starts_with("1 person(s)")));
    // Nor is anybody related through a child not yet born on the date (the future father of her
    // baby, registered with her, is no relative before the birth and no spouse before the
    // marriage).
    let mut w3 = World::default();
    let her = w3.person("1996-06-16", Sex::Female);
    let him = w3.person("1990-01-01", Sex::Male);
    let baby = w3.person("2025-12-01", Sex::Female);
    w3.child_of(&[&her, &him], &baby);
    w3.marry(&him, &her, "2024-09-01");
    register_all(&mut w3, &[&her, &him, &baby], "A5", "AKTOBE");
    let s = w3.snapshot(&her, "2024-06-15");
    assert!(
        s.co_resident_relatives.is_empty(),
        "{:#?}",
        s.co_resident_relatives
    );
    assert!(s.live_births.is_empty());
    assert_eq!(w3.snapshot(&her, "2026-02-10").live_births.len(), 1);
}

#[test]
fn birth_order_counts_every_live_birth_of_the_mother() {
    // A fourth birth; the three older children are adults living elsewhere, on no card of hers.
    let mut w = World::default();
    let mum = w.person("1980-01-01", Sex::Female);
    let adults: Vec<Iin> = ["1999-02-01", "2001-05-01", "2004-08-01"]
        .iter()
        .map(|b| w.person(b, Sex::Male))
        .collect();
    let baby = w.person("2026-03-01", Sex::Female);
    for k in adults.iter().chain([&baby]) {
        w.child_of(&[&mum], k);
    }
    register_all(&mut w, &[&mum, &baby], "H4", "KARAGANDA");
    for a in &adults {
        w.live(a, "ELSEWHERE", SettlementType::OblastCity, "KARAGANDA");
    }
    let s = w.snapshot(&mum, "2026-06-15");
    assert_eq!(s.members.len(), 2, "only the baby is in the family");
    let e = evaluate_family(&s, &params(), &rules());
    // 4th child: 63 × 4 325 = 272 475 (not 38 × 4 325 = 164 350 for a "first" child).
    let b = one(&e, BenefitKind::BirthAllowance);
    assert_eq!(b.amount_kzt, Some(272_475));
    let order = b
        .reasons
        .iter()
        .find(|r| r.condition == "amount by birth order")
        .unwrap();
    assert!(
        order.detail.contains("child no. 4 of 4 live birth(s)"),
        "{}",
        order.detail
    );
    // The state care allowance of the 4th child: 8.90 × 4 325 = 38 492.5 → 38 493.
    let c = one(&e, BenefitKind::ChildCareAllowance);
    assert_eq!(c.amount_kzt, Some(38_493));
    assert!(c
        .reasons
        .iter()
        .any(|r| r.detail.contains("child no. 4 of 4 live birth(s)")));
}

#[test]
fn pension_age_notification() {
    let mut w = World::default();
    let a = w.person("1963-07-01", Sex::Male); // 63 on 2026-07-01
    let e = eval(&w, &a, "2026-06-15");
    let n = one(&e, BenefitKind::PensionAgeNotification);
    assert!(n.eligible);
    assert_eq!(n.payment, Payment::Notification);
    assert_eq!(n.period.as_ref().unwrap().from, d("2026-07-01"));
    assert!(only(
        &eval(&w, &a, "2026-01-15"),
        BenefitKind::PensionAgeNotification
    )
    .is_empty());
    // A woman reaches it at 61.
    let b = w.person("1965-06-20", Sex::Female);
    assert!(!only(
        &eval(&w, &b, "2026-06-15"),
        BenefitKind::PensionAgeNotification
    )
    .is_empty());
}

#[test]
fn recipient_account_already_paid_and_stable_keys() {
    let (mut w, mum, _) = mother_with_children(4, "2020-01-01");
    let iban = Iban::from_parts("601", "0000000012345").unwrap();
    w.facts(&mum).bank_accounts.push(BankAccount {
        iban: iban.clone(),
        iin: mum.clone(),
        bank: "Halyk".into(),
        opened_on: d("2019-01-01"),
        closed_on: None,
    });
    let a = eval(&w, &mum, "2026-06-15");
    let b = eval(&w, &mum, "2026-09-15");
    let (x, y) = (
        one(&a, BenefitKind::LargeFamily),
        one(&b, BenefitKind::LargeFamily),
    );
    assert_eq!(x.recipient.as_ref().unwrap().iban.as_ref(), Some(&iban));
    assert_eq!(
        x.key(),
        y.key(),
        "detecting again later finds the same entitlement"
    );
    assert!(x.to_offer());
    w.facts(&mum).benefits.push(BenefitReceipt {
        iin: mum.clone(),
        benefit: "large_family".into(),
        amount_kzt: 69_330,
        from: d("2024-01-01"),
        to: None,
    });
    let c = eval(&w, &mum, "2026-06-15");
    let lf = one(&c, BenefitKind::LargeFamily);
    assert!(lf.eligible && lf.already_paid && !lf.to_offer());
}

#[test]
fn a_foreigner_without_residence_is_not_eligible() {
    let (mut w, mum, _) = mother_with_children(4, "2020-01-01");
    w.facts(&mum).person.citizenship = Citizenship::Foreigner;
    let lf = eval(&w, &mum, "2026-06-15");
    let lf = one(&lf, BenefitKind::LargeFamily);
    assert!(!lf.eligible);
    assert!(lf
        .reasons
        .iter()
        .any(|r| !r.met && r.condition.contains("citizen")));
}

#[test]
fn a_new_yearly_parameter_file_changes_amounts_without_code_changes() {
    let (w, mum, _) = mother_with_children(4, "2020-01-01");
    let edited = BUNDLED_LEGAL_PARAMETERS.replacen("mrp = 4325", "mrp = 5000", 1);
    let p = LegalParameters::from_toml(&edited).unwrap();
    let e = evaluate_family(&w.snapshot(&mum, "2026-06-15"), &p, &rules());
    // 16.03 × 5 000 = 80 150.
    assert_eq!(one(&e, BenefitKind::LargeFamily).amount_kzt, Some(80_150));
    // And a new coefficient in the rules file likewise.
    let r = BenefitRules::from_toml(&BUNDLED_BENEFIT_RULES.replacen(
        "mrp_by_children = [16.03,",
        "mrp_by_children = [17.0,",
        1,
    ))
    .unwrap();
    let e = evaluate_family(
        &w.snapshot(&mum, "2026-06-15"),
        &params(),
        &BenefitCatalog::single(r),
    );
    assert_eq!(one(&e, BenefitKind::LargeFamily).amount_kzt, Some(73_525));
}

#[test]
fn a_date_outside_the_parameters_is_an_error_not_a_guess() {
    let (w, mum, _) = mother_with_children(4, "2020-01-01");
    let es = evaluate_family(&w.snapshot(&mum, "2027-02-01"), &params(), &rules());
    // Every benefit reports the error in its own entitlement, none is a guess.
    assert_eq!(es.len(), 12, "one per benefit kind: {es:#?}");
    for e in &es {
        assert!(!e.eligible && e.amount_kzt.is_none());
        assert!(e.error.as_deref().unwrap().contains("2027"), "{e:#?}");
    }
}

#[test]
fn invalid_rules_are_refused() {
    let bad = BUNDLED_BENEFIT_RULES.replacen(
        "pm_by_dependants = [0.92, 1.70,",
        "pm_by_dependants = [1.70,",
        1,
    );
    assert!(BenefitRules::from_toml(&bad)
        .unwrap_err()
        .to_string()
        .contains("pm_by_dependants"));
    let bad = BUNDLED_BENEFIT_RULES.replacen("pm = 1.61", "pm = 1.61234", 1);
    assert!(BenefitRules::from_toml(&bad).is_err());
    assert!(BenefitKind::ALL
        .iter()
        .all(|k| BenefitKind::parse(k.code()) == Some(*k)));
}
