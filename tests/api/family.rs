//! Family composition through GraphQL: legal family vs address household, divorce, remarriage,
//! adoption, guardianship, students, history by date.

use crate::helpers::*;
use family_card::domain::ids::Sex;
use serde_json::{json, Value};

const FAMILY: &str = r#"query($iin: String, $id: String, $asOf: NaiveDate) {
  family(iin: $iin, familyId: $id, asOf: $asOf) {
    familyId anchorIin size
    members { edges { node { iin role basis } } }
    notCounted { iin reason }
    deceased { iin relation }
    household { addressId residents outsideFamily }
    dwelling { region settlementType }
  }
}"#;

fn roles(body: &Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = body["data"]["family"]["members"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("no members in {body}"))
        .iter()
        .map(|e| {
            (
                e["node"]["iin"].as_str().unwrap().to_string(),
                e["node"]["role"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

fn sorted(mut v: Vec<(String, &str)>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = v.drain(..).map(|(a, b)| (a, b.to_string())).collect();
    out.sort();
    out
}

#[test]
fn divorce_and_remarriage_count_each_child_once_and_keep_household_apart() {
    run(async {
        let mother = fresh_iin("1990-03-15", Sex::Female);
        let ex = fresh_iin("1985-05-05", Sex::Male);
        let husband = fresh_iin("1988-01-01", Sex::Male);
        let first_son = fresh_iin("2012-07-07", Sex::Male);
        let daughter = fresh_iin("2020-02-02", Sex::Female);
        let ex_new_wife = fresh_iin("1992-09-09", Sex::Female);
        let lodger = fresh_iin("1970-04-04", Sex::Male);
        let (a1, a2) = (format!("T-{}-A", mother), format!("T-{}-B", mother));
        let mut x = Extract::default();
        x.add("addresses.ndjson", json!({"address_id": a1, "region": "ASTANA", "settlement": "Astana", "settlement_type": "republican_city"}))
            .add("addresses.ndjson", json!({"address_id": a2, "region": "AKTOBE", "settlement": "Aktobe", "settlement_type": "oblast_city"}));
        for (p, s, f) in [
            (&mother, "Ахметова", "Айгуль"),
            (&ex, "Серіков", "Бауыржан"),
            (&husband, "Ахметов", "Ерлан"),
            (&first_son, "Серіков", "Нурлан"),
            (&daughter, "Ахметова", "Аружан"),
            (&ex_new_wife, "Серікова", "Дана"),
            (&lodger, "Иванов", "Пётр"),
        ] {
            x.person(p, s, f);
        }
        for p in [&mother, &husband, &first_son, &daughter, &lodger] {
            x.add("registrations.ndjson", json!({"iin": p.as_str(), "address_id": a1, "kind": "permanent", "from": "2021-01-01"}));
        }
        for p in [&ex, &ex_new_wife] {
            x.add("registrations.ndjson", json!({"iin": p.as_str(), "address_id": a2, "kind": "permanent", "from": "2019-01-01"}));
        }
        x.add("marriages.ndjson", json!({"marriage_id": format!("M-{ex}"), "spouse_a": ex.as_str(), "spouse_b": mother.as_str(), "registered_on": "2011-05-01", "dissolved_on": "2016-02-01"}))
            .add("marriages.ndjson", json!({"marriage_id": format!("M-{husband}"), "spouse_a": husband.as_str(), "spouse_b": mother.as_str(), "registered_on": "2017-01-01"}))
            .add("marriages.ndjson", json!({"marriage_id": format!("M-{ex_new_wife}"), "spouse_a": ex.as_str(), "spouse_b": ex_new_wife.as_str(), "registered_on": "2018-01-01"}));
        for (p, c) in [
            (&mother, &first_son),
            (&ex, &first_son),
            (&mother, &daughter),
            (&husband, &daughter),
        ] {
            x.add(
                "parent_links.ndjson",
                json!({"parent_iin": p.as_str(), "child_iin": c.as_str(), "kind": "birth"}),
            );
        }
        let s = x.load().await;
        assert_eq!(s.rejected(), 0, "{:?}", s.rejects);

        // The son's family is his mother's (he lives with her), not his father's.
        let body = gql(
            FAMILY,
            json!({"iin": first_son.as_str(), "asOf": "2026-06-15"}),
        )
        .await;
        assert_eq!(
            roles(&body),
            sorted(vec![
                (mother.to_string(), "head"),
                (husband.to_string(), "spouse"),
                (first_son.to_string(), "child"),
                (daughter.to_string(), "child")
            ])
        );
        let f = &body["data"]["family"];
        assert_eq!(f["anchorIin"], mother.as_str());
        assert_eq!(f["dwelling"]["region"], "ASTANA");
        // The lodger shares the address but not the family.
        assert_eq!(f["household"]["outsideFamily"], json!([lodger.as_str()]));
        assert_eq!(f["household"]["residents"].as_array().unwrap().len(), 5);

        // The father's family: his new wife, and the son listed as counted elsewhere.
        let body = gql(FAMILY, json!({"iin": ex.as_str(), "asOf": "2026-06-15"})).await;
        assert_eq!(
            roles(&body),
            sorted(vec![
                (ex_new_wife.to_string(), "head"),
                (ex.to_string(), "spouse")
            ])
        );
        let nc = &body["data"]["family"]["notCounted"];
        assert_eq!(nc[0]["iin"], first_son.as_str());
        assert!(
            nc[0]["reason"]
                .as_str()
                .unwrap()
                .contains("counted in another family"),
            "{nc}"
        );

        // History: in 2014 the mother was married to the ex-husband, with the son.
        let body = gql(
            FAMILY,
            json!({"iin": mother.as_str(), "asOf": "2014-06-15"}),
        )
        .await;
        assert_eq!(
            roles(&body),
            sorted(vec![
                (mother.to_string(), "head"),
                (ex.to_string(), "spouse"),
                (first_son.to_string(), "child")
            ])
        );
    });
}

#[test]
fn guardianship_adoption_students_and_death() {
    run(async {
        let grandmother = fresh_iin("1960-01-20", Sex::Female);
        let grandson = fresh_iin("2015-03-03", Sex::Male);
        let his_mother = fresh_iin("1990-10-10", Sex::Female);
        let widow = fresh_iin("1980-02-02", Sex::Female);
        let late_husband = fresh_iin("1978-08-08", Sex::Male);
        let student = fresh_iin("2004-01-10", Sex::Female); // 22 on the reference date
        let graduate = fresh_iin("2003-01-10", Sex::Male); // 23 on the reference date
        let adopted = fresh_iin("2018-05-05", Sex::Female);
        let addr = format!("T-{}-A", grandmother);
        let mut x = Extract::default();
        x.add("addresses.ndjson", json!({"address_id": addr, "region": "KARAGANDA", "settlement": "Karaganda", "settlement_type": "oblast_city"}));
        for (p, s, f) in [
            (&grandmother, "Омарова", "Сауле"),
            (&grandson, "Омаров", "Тимур"),
            (&his_mother, "Омарова", "Динара"),
            (&widow, "Ким", "Елена"),
            (&late_husband, "Ким", "Виктор"),
            (&student, "Ким", "Анна"),
            (&graduate, "Ким", "Олег"),
            (&adopted, "Ким", "Мария"),
        ] {
            x.person(p, s, f);
        }
        x.add("persons.ndjson", json!({"iin": late_husband.as_str(), "surname": "Ким", "first_name": "Виктор", "citizenship": "citizen", "death_date": "2025-03-01"}));
        x.add("guardianships.ndjson", json!({"guardian_iin": grandmother.as_str(), "ward_iin": grandson.as_str(), "from": "2022-01-01"}));
        x.add("parent_links.ndjson", json!({"parent_iin": his_mother.as_str(), "child_iin": grandson.as_str(), "kind": "birth"}));
        x.add("parent_links.ndjson", json!({"parent_iin": grandmother.as_str(), "child_iin": his_mother.as_str(), "kind": "birth"}));
        x.add("marriages.ndjson", json!({"marriage_id": format!("M-{widow}"), "spouse_a": late_husband.as_str(), "spouse_b": widow.as_str(), "registered_on": "2002-06-01"}));
        for c in [&student, &graduate] {
            for p in [&widow, &late_husband] {
                x.add(
                    "parent_links.ndjson",
                    json!({"parent_iin": p.as_str(), "child_iin": c.as_str(), "kind": "birth"}),
                );
            }
            x.add("education.ndjson", json!({"iin": c.as_str(), "organisation": "KarU", "level": "university", "full_time": true, "from": "2021-09-01"}));
        }
        x.add("parent_links.ndjson", json!({"parent_iin": widow.as_str(), "child_iin": adopted.as_str(), "kind": "adoption", "since": "2020-01-15"}));
        let s = x.load().await;
        assert_eq!(s.rejected(), 0, "{:?}", s.rejects);

        // The ward belongs to the guardian's family, not to his living mother's.
        let body = gql(
            FAMILY,
            json!({"iin": grandson.as_str(), "asOf": "2026-06-15"}),
        )
        .await;
        assert_eq!(
            roles(&body),
            sorted(vec![
                (grandmother.to_string(), "head"),
                (grandson.to_string(), "ward")
            ])
        );
        assert!(body["data"]["family"]["notCounted"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["iin"] == his_mother.as_str()));

        // The widow's family: the student of 22 counts, the graduate of 23 does not; the adopted
        // daughter counts; the late husband is recorded as deceased spouse.
        let body = gql(FAMILY, json!({"iin": widow.as_str(), "asOf": "2026-06-15"})).await;
        assert_eq!(
            roles(&body),
            sorted(vec![
                (widow.to_string(), "head"),
                (student.to_string(), "student_dependant"),
                (adopted.to_string(), "adopted_child")
            ])
        );
        assert_eq!(
            body["data"]["family"]["deceased"][0]["iin"],
            late_husband.as_str()
        );
        assert_eq!(body["data"]["family"]["deceased"][0]["relation"], "spouse");
        // Before his death and before the adoption, the couple's card had both children (minors then).
        let body = gql(FAMILY, json!({"iin": widow.as_str(), "asOf": "2019-06-15"})).await;
        assert_eq!(
            roles(&body),
            sorted(vec![
                (widow.to_string(), "head"),
                (late_husband.to_string(), "spouse"),
                (student.to_string(), "child"),
                (graduate.to_string(), "child")
            ])
        );
    });
}

#[test]
fn family_card_by_id_matches_family_by_iin() {
    run(async {
        let body = gql(
            FAMILY,
            json!({"iin": sample_anchor().await, "asOf": "2026-06-15"}),
        )
        .await;
        let id = body["data"]["family"]["familyId"]
            .as_str()
            .expect("family id")
            .to_string();
        let by_id = gql(FAMILY, json!({"id": id, "asOf": "2026-06-15"})).await;
        assert_eq!(roles(&by_id), roles(&body));
        assert_eq!(by_id["data"]["family"]["familyId"], id.as_str());
    });
}

/// An anchor of a materialised card from the sample registry.
async fn sample_anchor() -> String {
    let rows = app()
        .store
        .families_page("", 1)
        .await
        .expect("families page");
    rows.first().expect("the sample has family cards").1.clone()
}
