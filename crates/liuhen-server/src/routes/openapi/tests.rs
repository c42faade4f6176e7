//! The document against the router it describes.

use std::collections::BTreeSet;

use super::*;

/// Every `.route("PATH", …)` of `routes/mod.rs` and the methods chained on
/// it. The router cannot list its own routes, so its source is the list;
/// `api()` is the one place a route is added.
fn routed() -> BTreeSet<(String, String)> {
    let source = include_str!("../mod.rs");
    let body = source.split("pub(crate) fn api()").nth(1).expect("routes/mod.rs defines api()");
    let mut routes = BTreeSet::new();
    for piece in body.split(".route(\"").skip(1) {
        let (path, rest) = piece.split_once('"').expect("a route's path is a string literal");
        let mut depth = 1;
        let end = rest
            .char_indices()
            .find(|&(_, c)| {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                depth == 0
            })
            .map(|(index, _)| index)
            .expect("a .route( call is closed");
        let methods = &rest[..end];
        for method in ["get", "post", "put", "delete", "patch", "head", "options", "trace"] {
            let called = methods.match_indices(&format!("{method}(")).any(|(index, _)| {
                // A method router (`get(` or `.post(`), not the tail of a
                // longer name such as `budget(`.
                methods[..index].chars().next_back().is_none_or(|before| !(before.is_alphanumeric() || before == '_' || before == ':'))
            });
            if called {
                routes.insert((method.to_uppercase(), path.to_owned()));
            }
        }
    }
    routes
}

fn documented() -> BTreeSet<(String, String)> {
    let mut document = ApiDoc::openapi();
    let mut operations = BTreeSet::new();
    for (path, item) in document.paths.paths.iter_mut() {
        for (method, _) in operations_mut(item) {
            operations.insert((method.to_uppercase(), path.clone()));
        }
    }
    operations
}

#[test]
fn the_document_describes_exactly_the_routes_of_the_router() {
    let routed = routed();
    let documented = documented();
    assert!(routed.len() > 60, "the route list of routes/mod.rs was not read: {routed:?}");
    let undocumented: Vec<_> = routed.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&routed).collect();
    assert!(
        undocumented.is_empty() && unrouted.is_empty(),
        "routes without a #[utoipa::path] in routes/openapi.rs `paths(...)`: {undocumented:?}; \
         documented operations the router does not have: {unrouted:?}"
    );
}

#[test]
fn operation_ids_are_unique_and_every_operation_answers_something() {
    let document: serde_json::Value = serde_json::from_str(&ApiDoc::openapi().to_json().unwrap()).unwrap();
    let mut ids = BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let id = operation["operationId"].as_str().unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            assert!(ids.insert(id.to_owned()), "two operations are called {id}");
            assert!(!operation["responses"].as_object().unwrap().is_empty(), "{method} {path} documents no response");
        }
    }
}

#[test]
fn refusals_share_the_error_body_and_both_credentials_are_described() {
    let document: serde_json::Value = serde_json::from_str(&ApiDoc::openapi().to_json().unwrap()).unwrap();
    let schemes = &document["components"]["securitySchemes"];
    assert_eq!(schemes["session"]["in"], "cookie");
    assert_eq!(schemes["session"]["name"], SESSION_COOKIE);
    assert_eq!(schemes["device_token"]["scheme"], "bearer");
    assert_eq!(document["components"]["schemas"]["ErrorBody"]["required"], serde_json::json!(["error"]));
    assert_eq!(operation_id("get", "/api/v1/cases/{id}/av-checklist.xlsx"), "get_api_v1_cases_id_av_checklist_xlsx");
    assert_eq!(tag_of("/api/v1/cases/{id}"), "cases");
    assert_eq!(tag_of("/api/v1/openapi.json"), "openapi");
    assert_eq!(tag_of("/healthz"), "health");
}
