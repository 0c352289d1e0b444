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

/// A query text is validated strictly once; later requests of the same text skip the rules that
/// depend on the document alone. Whatever depends on the request (its variables, its operation)
/// must still be refused exactly as on the text's first request.
#[test]
fn a_repeated_query_text_is_refused_as_strictly_as_its_first_request() {
    run(async {
        let iin = sample_records("persons.ndjson")[0]["iin"]
            .as_str()
            .unwrap()
            .to_string();
        let text = |probe: &str| {
            format!(
                "# {probe}\nquery Probe($iin: String!, $n: Int) {{ person(iin: $iin) {{ fullName }} \
                 family(iin: $iin) {{ members(first: $n) {{ edges {{ node {{ iin }} }} }} }} }}\n\
                 query Other {{ __typename }}"
            )
        };
        let post = |query: String, variables: serde_json::Value, operation: Option<&str>| {
            let body = json!({"query": query, "variables": variables, "operationName": operation});
            async move {
                let r = reqwest::Client::new()
                    .post(format!("{}/graphql", app().base_url))
                    .bearer_auth(token("analyst", "*"))
                    .header("accept", "application/graphql-response+json")
                    .json(&body)
                    .send()
                    .await
                    .expect("request");
                let status = r.status().as_u16();
                (status, r.json::<serde_json::Value>().await.expect("json"))
            }
        };
        let bad_requests = [
            (json!({"iin": 123}), Some("Probe")),
            (json!({"iin": iin, "n": "ten"}), Some("Probe")),
            (json!({"iin": iin, "n": 1e12}), Some("Probe")),
            (json!({"iin": null}), Some("Probe")),
            (json!({}), Some("Probe")),
            (json!({"iin": iin}), Some("Missing")),
            (json!({"iin": iin}), None),
        ];
        for (k, (variables, operation)) in bad_requests.iter().enumerate() {
            // The strict answer: this text's first request.
            let first = post(text(&format!("first-{k}")), variables.clone(), *operation).await;
            assert!(first.1["errors"].is_array(), "case {k}: {}", first.1);
            // The same refusal after a good request of the same text passed the validation.
            let repeated = text(&format!("repeated-{k}"));
            let good = post(repeated.clone(), json!({"iin": iin, "n": 5}), Some("Probe")).await;
            assert_eq!(good.0, 200, "{}", good.1);
            assert!(good.1["errors"].is_null(), "{}", good.1);
            let again = post(repeated, variables.clone(), *operation).await;
            assert_eq!(again, first, "case {k}: {variables} {operation:?}");
        }
        // And a good request answers the same before and after.
        let a = post(text("good"), json!({"iin": iin, "n": 5}), Some("Probe")).await;
        let b = post(text("good"), json!({"iin": iin, "n": 5}), Some("Probe")).await;
        assert_eq!(a, b);
    });
}
