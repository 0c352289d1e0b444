//! The error policy and the access gate as clients see them.

use crate::helpers::*;
use serde_json::json;

#[test]
fn health_and_readiness() {
    run(async {
        let h = reqwest::get(format!("{}/health", app().base_url))
            .await
            .unwrap();
        assert_eq!(h.status(), 200);
        let ready = format!("{}/ready", app().base_url);
        let anonymous = reqwest::get(&ready).await.unwrap();
        assert_eq!(
            anonymous.status(),
            401,
            "only /health answers without a token"
        );
        let r = reqwest::Client::new()
            .get(&ready)
            .bearer_auth(token("admin", "*"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let g = reqwest::get(format!("{}/", app().base_url)).await.unwrap();
        assert!(g.text().await.unwrap().contains("graphiql"));
    });
}

#[test]
fn invalid_iin_is_bad_input_naming_the_field() {
    run(async {
        let body = gql(r#"{ person(iin: "950115401236") { fullName } }"#, json!({})).await;
        assert_eq!(error_code(&body).as_deref(), Some("BAD_USER_INPUT"));
        assert_eq!(body["errors"][0]["extensions"]["field"], "iin");
        assert!(body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("check digit"));
    });
}

#[test]
fn unknown_person_is_not_found_and_unknown_family_too() {
    run(async {
        let body = gql(r#"{ family(iin: "950115401235") { size } }"#, json!({})).await;
        assert_eq!(error_code(&body).as_deref(), Some("NOT_FOUND"));
        let body = gql(
            r#"{ family(familyId: "FAM-0000000000000000") { size } }"#,
            json!({}),
        )
        .await;
        assert_eq!(error_code(&body).as_deref(), Some("NOT_FOUND"));
        let body = gql(r#"{ person(iin: "950115401235") { fullName } }"#, json!({})).await;
        assert!(body["errors"].is_null(), "{body}");
        assert!(body["data"]["person"].is_null());
    });
}

#[test]
fn oversized_pages_and_ambiguous_arguments_are_refused() {
    run(async {
        let anchor = app().store.families_page("", 1).await.unwrap()[0].1.clone();
        let q = r#"query($iin: String!) { family(iin: $iin) { members(first: 1000) { edges { node { iin } } } } }"#;
        let body = gql(q, json!({"iin": anchor})).await;
        assert_eq!(error_code(&body).as_deref(), Some("BAD_USER_INPUT"));
        let body = gql(
            r#"{ family(iin: "950115401235", familyId: "x") { size } }"#,
            json!({}),
        )
        .await;
        assert_eq!(error_code(&body).as_deref(), Some("BAD_USER_INPUT"));
    });
}

#[test]
fn region_scope_is_enforced_and_partners_see_masked_iins() {
    run(async {
        let (_, anchor) = app().store.families_page("", 1).await.unwrap()[0].clone();
        let q = r#"query($iin: String!) { family(iin: $iin, asOf: "2026-06-15") { anchorIin dwelling { region } } }"#;
        let body = gql(q, json!({"iin": anchor})).await;
        let region = body["data"]["family"]["dwelling"]["region"]
            .as_str()
            .unwrap_or("NONE")
            .to_string();
        let other = if region == "ASTANA" {
            "ALMATY"
        } else {
            "ASTANA"
        };
        let denied = gql_as(q, json!({"iin": anchor}), &token("analyst", other)).await;
        assert_eq!(error_code(&denied).as_deref(), Some("FORBIDDEN"));
        let partner = gql_as(q, json!({"iin": anchor}), &token("partner", "*")).await;
        assert_eq!(
            error_code(&partner).as_deref(),
            Some("FORBIDDEN"),
            "partners read no family cards: {partner}"
        );
        let operator = gql_as(q, json!({"iin": anchor}), &token("operator", "*")).await;
        assert_eq!(error_code(&operator).as_deref(), Some("FORBIDDEN"));
    });
}
