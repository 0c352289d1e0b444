//! The methodology file, its validation and the assessment, case by case.

use super::*;
use crate::domain::ids::Iin;
use crate::domain::ids::Sex;
use crate::domain::parameters::LegalParameters;
use crate::domain::registry::*;
use crate::domain::testkit::{d, World};

fn params() -> LegalParameters {
    LegalParameters::bundled()
}

fn score<'a>(a: &'a WellbeingAssessment, code: &str) -> &'a IndicatorScore {
    a.directions
        .iter()
        .flat_map(|d| d.indicators.iter())
        .find(|i| i.code == code)
        .unwrap()
}

#[test]
fn the_bundled_methodology_has_eight_directions_and_five_levels() {
    let m = Methodology::bundled();
    assert_eq!(m.directions.len(), 8);
    assert_eq!(m.levels.len(), 5);
    assert_eq!(m.version, "2023-06-29");
}

#[test]
fn every_band_edge_of_every_indicator() {
    let m = Methodology::bundled();
    for dir in &m.directions {
        for ind in &dir.indicators {
            for (i, b) in ind.bands.iter().enumerate() {
                // At the lower edge: this band; just below: the previous band.
                assert_eq!(ind.band_for(b.from), b, "{}: at {}", ind.code, b.from);
                if i > 0 {
                    assert_eq!(
                        ind.band_for(b.from - 1),
                        &ind.bands[i - 1],
                        "{}: below {}",
                        ind.code,
                        b.from
                    );
                }
                // Just below the upper edge: still this band; at it: the next band.
                if let Some(t) = b.to {
                    assert_eq!(ind.band_for(t - 1), b, "{}: below {t}", ind.code);
                    assert_eq!(ind.band_for(t), &ind.bands[i + 1], "{}: at {t}", ind.code);
                } else {
                    assert_eq!(ind.band_for(b.from + 1_000_000), b);
                }
            }
        }
    }
}

#[test]
fn level_cut_offs_at_their_edges() {
    let m = Methodology::bundled();
    let cases = [
        (1800, WellbeingLevel::A),
        (1799, WellbeingLevel::B),
        (730, WellbeingLevel::B),
        (729, WellbeingLevel::C),
        (-30, WellbeingLevel::C),
        (-31, WellbeingLevel::D),
        (-458, WellbeingLevel::D),
        (-459, WellbeingLevel::E),
        (-5000, WellbeingLevel::E),
    ];
    for (total, level) in cases {
        assert_eq!(m.level_of(total), level, "total {total}");
    }
}

/// A single adult in Astana earning `monthly` for the 12 months before 2026-06-15.
fn earner(monthly: i64) -> (World, Iin) {
    let mut w = World::default();
    let a = w.person("1985-02-02", Sex::Female);
    w.live(&a, "X1", SettlementType::RepublicanCity, "ASTANA");
    if monthly > 0 {
        w.income(&a, IncomeSource::Wage, monthly, "2025-06", "2026-05");
    }
    (w, a)
}

#[test]
fn per_capita_income_is_compared_with_the_pm_of_the_year_at_the_band_edges() {
    let pm_2026 = 50_851;
    let m = Methodology::bundled();
    let p = params();
    for (monthly, points) in [
        (0, 0),
        (1, 40),
        (pm_2026 - 1, 100),
        (pm_2026, 170),
        (2 * pm_2026 - 1, 170),
        (2 * pm_2026, 280),
        (4 * pm_2026, 620),
    ] {
        let (w, a) = earner(monthly);
        let r = m.evaluate(&w.snapshot(&a, "2026-06-15"), &p).unwrap();
        let s = score(&r, "per_capita_income");
        assert_eq!(s.points, points, "monthly {monthly}: {}", s.measured);
    }
    // The facts name the member, the source, the months and the total.
    let (w, a) = earner(300_000);
    let r = m.evaluate(&w.snapshot(&a, "2026-06-15"), &p).unwrap();
    let f = &score(&r, "per_capita_income").facts[0];
    assert_eq!(f.member_iin.as_ref(), Some(&a));
    assert_eq!(
        f.description,
        "wage 2025-06..2026-05: 3 600 000 ₸ over 12 month(s)"
    );
    // 2024 uses the 2024 ПМ (43 407): 50 000 is above 1 ПМ then.
    let mut w = World::default();
    let b = w.person("1985-02-02", Sex::Female);
    w.income(&b, IncomeSource::Wage, 50_000, "2023-06", "2024-05");
    let r = m.evaluate(&w.snapshot(&b, "2024-06-15"), &p).unwrap();
    assert_eq!(score(&r, "per_capita_income").points, 170);
}

#[test]
fn a_family_of_two_shares_one_income() {
    let m = Methodology::bundled();
    let mut w = World::default();
    let wife = w.person("1990-01-01", Sex::Female);
    let husband = w.person("1989-01-01", Sex::Male);
    w.marry(&husband, &wife, "2015-01-01");
    // 2 ПМ a month for two people = exactly 1 ПМ per person.
    w.income(
        &husband,
        IncomeSource::Wage,
        2 * 50_851,
        "2025-06",
        "2026-05",
    );
    let r = m
        .evaluate(&w.snapshot(&wife, "2026-06-15"), &params())
        .unwrap();
    assert_eq!(score(&r, "per_capita_income").points, 170);
    w.facts(&husband).incomes[0].amount_kzt -= 12; // 12 tenge less over the year
    let r = m
        .evaluate(&w.snapshot(&wife, "2026-06-15"), &params())
        .unwrap();
    assert_eq!(score(&r, "per_capita_income").points, 100);
}

/// A poor rural family with a disabled adult, arrears and an unschooled child vs a rich
/// urban one: each gets the level its facts imply, with explanations.
#[test]
fn a_crisis_family_and_a_prosperous_family() {
    let m = Methodology::bundled();
    let p = params();
    let mut w = World::default();
    let mum = w.person("1988-03-03", Sex::Female);
    let dad = w.person("1986-03-03", Sex::Male);
    let kid = w.person("2017-03-03", Sex::Male);
    w.marry(&dad, &mum, "2010-01-01");
    w.child_of(&[&mum, &dad], &kid);
    for x in [&mum, &dad, &kid] {
        w.live(x, "V1", SettlementType::RuralSettlement, "TURKESTAN");
    }
    w.facts(&dad).disabilities.push(Disability {
        iin: dad.clone(),
        group: Some(1),
        cause: DisabilityCause::GeneralIllness,
        from: d("2020-01-01"),
        to: None,
    });
    for who in [&mum, &dad] {
        let iin = who.clone();
        w.facts(who).loans.push(Loan {
            loan_id: format!("L-{iin}"),
            iin,
            lender: "МФО".into(),
            amount_kzt: 300_000,
            opened_on: d("2024-01-01"),
            closed_on: None,
            overdue_days: 120,
            overdue_kzt: 50_000,
            reported_on: d("2026-06-01"),
        });
    }
    w.income(&mum, IncomeSource::Benefit, 20_000, "2025-06", "2026-05");
    let r = m.evaluate(&w.snapshot(&mum, "2026-06-15"), &p).unwrap();
    // income 20 000/3 ≈ 0.13 ПМ +40; credit +50; arrears of all adults −500; no car −50;
    // able-bodied mum 0; working 0; child +50; adult disability group 1 −250; nobody attached −20;
    // nobody insured −20; school-age child not at school −100; no housing −200; rural −70.
    assert_eq!(score(&r, "arrears").points, -500);
    assert_eq!(score(&r, "adult_disability").points, -250);
    assert_eq!(score(&r, "school").points, -100);
    assert_eq!(score(&r, "living_space").points, -200);
    assert_eq!(score(&r, "settlement").points, -70);
    assert_eq!(
        r.total,
        40 + 50 - 500 - 50 + 50 - 250 - 20 - 20 - 100 - 200 - 70
    );
    assert_eq!(r.level, WellbeingLevel::E);
    assert!(score(&r, "arrears").facts.len() == 2);
    assert!(score(&r, "adult_disability").explanation.contains("[Inf"));

    let mut w = World::default();
    let a = w.person("1980-01-01", Sex::Female);
    let b = w.person("1979-01-01", Sex::Male);
    w.marry(&b, &a, "2005-01-01");
    for x in [&a, &b] {
        w.live(x, "U1", SettlementType::RepublicanCity, "ALMATY_CITY");
        w.income(x, IncomeSource::Wage, 900_000, "2025-06", "2026-05");
        let iin = x.clone();
        w.facts(x).employments.push(Employment {
            iin: iin.clone(),
            employer_bin: crate::domain::ids::Bin::parse("000140000070").unwrap_or_else(|_| {
                // any valid BIN
                let mut digits = [0u8; 11];
                for (i, c) in "00014000007".bytes().enumerate() {
                    digits[i] = c - b'0';
                }
                let k = crate::domain::ids::iin_check_digit(&digits).unwrap();
                crate::domain::ids::Bin::parse(&format!("00014000007{k}")).unwrap()
            }),
            employer_name: None,
            position: None,
            from: d("2015-01-01"),
            to: None,
        });
        w.facts(x).health_attachments.push(HealthAttachment {
            iin: iin.clone(),
            organisation: "ГП 1".into(),
            from: d("2010-01-01"),
            to: None,
        });
        for k in 0..2 {
            w.facts(x).vehicles.push(Vehicle {
                vehicle_id: format!("V-{iin}-{k}"),
                owner_iin: iin.clone(),
                kind: VehicleKind::Passenger,
                machinery_type: None,
                model: None,
                from: d("2020-01-01"),
                to: None,
            });
        }
        for k in 0..2 {
            w.facts(x).real_estate.push(RealEstate {
                property_id: format!("R-{iin}-{k}"),
                owner_iin: iin.clone(),
                address_id: None,
                area_m2: 120.0,
                commercial: false,
                from: d("2015-01-01"),
                to: None,
            });
        }
    }
    let r = m.evaluate(&w.snapshot(&a, "2026-06-15"), &p).unwrap();
    // 900 000 ≈ 17.7 ПМ +620; cars 4 +100; working 2 +300; housing 240 m²/person +50 and
    // 4 properties +400; republican city +70; nobody insured −20.
    assert_eq!(score(&r, "per_capita_income").points, 620);
    assert_eq!(score(&r, "properties").points, 400);
    assert_eq!(r.total, 620 + 100 + 300 + 50 + 400 + 70 - 20);
    assert_eq!(r.level, WellbeingLevel::B);
    assert!(r.directions.iter().all(|d| !d.indicators.is_empty()));
}

#[test]
fn the_hash_ignores_the_date_but_not_the_facts() {
    let m = Methodology::bundled();
    let (mut w, a) = earner(200_000);
    let h1 = m
        .evaluate(&w.snapshot(&a, "2026-06-15"), &params())
        .unwrap()
        .inputs_hash();
    let h2 = m
        .evaluate(&w.snapshot(&a, "2026-06-20"), &params())
        .unwrap()
        .inputs_hash();
    assert_eq!(h1, h2);
    let iin = a.clone();
    w.facts(&a).vehicles.push(Vehicle {
        vehicle_id: "V9".into(),
        owner_iin: iin,
        kind: VehicleKind::Passenger,
        machinery_type: None,
        model: None,
        from: d("2026-01-01"),
        to: None,
    });
    let h3 = m
        .evaluate(&w.snapshot(&a, "2026-06-20"), &params())
        .unwrap()
        .inputs_hash();
    assert_ne!(h1, h3);
}

#[test]
fn a_year_without_parameters_is_an_error() {
    let (w, a) = earner(100_000);
    let e = Methodology::bundled()
        .evaluate(&w.snapshot(&a, "2031-01-01"), &params())
        .unwrap_err();
    assert!(e.to_string().contains("2031"), "{e}");
}

fn edited(from: &str, to: &str) -> Result<Methodology, MethodologyError> {
    assert!(BUNDLED_METHODOLOGY.contains(from), "{from}");
    Methodology::from_toml(&BUNDLED_METHODOLOGY.replacen(from, to, 1))
}

#[test]
fn invalid_files_are_refused_naming_the_place() {
    let overlap = edited(
        "{ from = 2500, to = 10000, points = 100",
        "{ from = 2400, to = 10000, points = 100",
    )
    .unwrap_err();
    assert!(
        overlap.to_string().contains("per_capita_income")
            && overlap.to_string().contains("overlaps"),
        "{overlap}"
    );
    let gap = edited(
        "{ from = 2500, to = 10000, points = 100",
        "{ from = 2600, to = 10000, points = 100",
    )
    .unwrap_err();
    assert!(gap.to_string().contains("gap"), "{gap}");
    let unknown = edited("measure = \"open_loans\"", "measure = \"horoscope\"").unwrap_err();
    assert!(unknown.to_string().contains("horoscope"), "{unknown}");
    let closed = edited(
        "{ from = 40000, points = 620,",
        "{ from = 40000, to = 90000, points = 620,",
    )
    .unwrap_err();
    assert!(closed.to_string().contains("open-ended"), "{closed}");
    let start = edited(
        "{ from = 0, to = 1, points = 0, label = \"нет дохода\" }",
        "{ from = 1, to = 1, points = 0, label = \"нет дохода\" }",
    )
    .unwrap_err();
    assert!(start.to_string().contains("first band"), "{start}");
    let levels = edited("min = 730", "min = 1900").unwrap_err();
    assert!(levels.to_string().contains("level B"), "{levels}");
    let dup = edited("code = \"credit\"", "code = \"per_capita_income\"").unwrap_err();
    assert!(dup.to_string().contains("twice"), "{dup}");
}

#[test]
fn a_second_version_takes_over_from_its_date_without_code_changes() {
    let v2 = BUNDLED_METHODOLOGY
        .replacen("version = \"2023-06-29\"", "version = \"2026-06-17\"", 1)
        .replacen(
            "effective_from = \"2023-06-29\"",
            "effective_from = \"2026-06-17\"",
            1,
        )
        .replacen(
            "{ from = 0, to = 1, points = -50, label = \"нет\" }",
            "{ from = 0, to = 1, points = -90, label = \"нет\" }",
            1,
        );
    let c = MethodologyCatalog::from_texts(&[
        ("2023-06-29.toml".into(), BUNDLED_METHODOLOGY.into()),
        ("2026-06-17.toml".into(), v2),
    ])
    .unwrap();
    assert_eq!(c.in_force(d("2026-06-16")).unwrap().version, "2023-06-29");
    assert_eq!(c.in_force(d("2026-06-17")).unwrap().version, "2026-06-17");
    assert!(c.in_force(d("2020-01-01")).is_err());
    let (w, a) = earner(100_000);
    let s = w.snapshot(&a, "2026-07-01");
    let old = c
        .by_version("2023-06-29")
        .unwrap()
        .evaluate(&s, &params())
        .unwrap();
    let new = c
        .in_force(d("2026-07-01"))
        .unwrap()
        .evaluate(&s, &params())
        .unwrap();
    assert_eq!(new.methodology_version, "2026-06-17");
    assert_eq!(old.total - new.total, 40);
    assert_eq!(
        level_transitions([(old.level, new.level), (old.level, new.level)])
            .values()
            .sum::<u64>(),
        2
    );
}
