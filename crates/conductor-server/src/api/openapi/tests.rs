//! Tests of the OpenAPI document: the route table matches the routes registered in
//! `src/api/*.rs` both ways, operation ids are unique, path templates and parameters agree, and
//! every `$ref` resolves.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use super::table::{Method, ROUTES};
use super::{DOC_PATHS, build};

/// `/api/workflow/{id}` → `/api/workflow/{}`: the router's and the document's parameter names
/// differ (the document keeps conductor-oss's).
fn shape(path: &str) -> String {
    let mut out = String::new();
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    out
}

fn method_named(name: &str) -> Option<Method> {
    match name {
        "get" => Some(Method::Get),
        "post" => Some(Method::Post),
        "put" => Some(Method::Put),
        "delete" => Some(Method::Delete),
        _ => None,
    }
}

/// Every `.route("path", get(..).post(..))` in one source file: (method, path shape).
fn registered_routes(source: &str) -> Vec<(Method, String)> {
    let mut found = Vec::new();
    let mut rest = source;
    while let Some(start) = rest.find(".route(") {
        let call = &rest[start + ".route(".len()..];
        // The call ends where its parenthesis closes.
        let mut depth = 1usize;
        let mut end = call.len();
        for (i, c) in call.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = i;
                        break;
                    }
                }
                _ => {}
            }
        }
        let call = &call[..end];
        rest = &rest[start + 1..];
        let Some(path) = call.split('"').nth(1) else {
            continue; // `route(DOC_PATHS[..], ..)`: the document itself.
        };
        let bytes = call.as_bytes();
        for (i, _) in call.match_indices('(') {
            let word_start = call[..i]
                .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .map_or(0, |p| p + 1);
            let word = &call[word_start..i];
            let before = word_start.checked_sub(1).map(|p| bytes[p]);
            if matches!(before, Some(b'.' | b' ' | b':' | b'\n' | b'(') | None)
                && let Some(method) = method_named(word)
            {
                found.push((method, shape(path)));
            }
        }
    }
    found
}

#[test]
fn the_table_lists_exactly_the_routes_the_router_registers() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/api");
    let mut registered = BTreeSet::new();
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).expect("src/api is readable") {
        let path = entry.expect("a directory entry").path();
        if path.extension().is_some_and(|e| e == "rs") {
            let source = std::fs::read_to_string(&path).expect("a readable source file");
            registered.extend(registered_routes(&source));
            files += 1;
        }
    }
    assert!(
        files >= 8,
        "only {files} route files found under {}",
        dir.display()
    );
    let listed: BTreeSet<(Method, String)> =
        ROUTES.iter().map(|r| (r.method, shape(r.path))).collect();
    assert_eq!(listed.len(), ROUTES.len(), "a route is listed twice");
    let unlisted: Vec<_> = registered.difference(&listed).collect();
    let unserved: Vec<_> = listed.difference(&registered).collect();
    assert!(
        unlisted.is_empty(),
        "routes missing from the OpenAPI table: {unlisted:?}"
    );
    assert!(
        unserved.is_empty(),
        "table routes the router does not serve: {unserved:?}"
    );
}

#[test]
fn the_source_scan_sees_chained_methods_and_skips_handler_names() {
    let source = r#"Router::new()
        .route("/a/{id}", get(get_a).post(post_a).delete(delete_a))
        .route(
            "/b",
            axum::routing::delete(remove),
        )
        .route(DOC_PATHS[0], get(document))"#;
    let found = registered_routes(source);
    assert_eq!(
        found,
        vec![
            (Method::Get, "/a/{}".to_owned()),
            (Method::Post, "/a/{}".to_owned()),
            (Method::Delete, "/a/{}".to_owned()),
            (Method::Delete, "/b".to_owned()),
        ]
    );
}

#[test]
fn operation_ids_are_unique_and_path_parameters_match_the_templates() {
    let mut ids = BTreeSet::new();
    for route in ROUTES {
        assert!(
            ids.insert(super::operation_id(route)),
            "duplicate id for {}",
            route.path
        );
        let in_template: BTreeSet<&str> = route
            .path
            .split('{')
            .skip(1)
            .filter_map(|s| s.split('}').next())
            .collect();
        let declared: BTreeSet<&str> = route
            .params
            .iter()
            .filter(|p| p.in_path)
            .map(|p| p.name)
            .collect();
        assert_eq!(in_template, declared, "{:?} {}", route.method, route.path);
        assert!(
            route
                .params
                .iter()
                .filter(|p| p.in_path)
                .all(|p| p.required)
        );
    }
    assert!(
        !DOC_PATHS
            .iter()
            .any(|p| ROUTES.iter().any(|r| r.path == *p))
    );
}

/// Every `$ref` under `value`.
fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get("$ref") {
                out.push(target);
            }
            map.values().for_each(|v| refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[test]
fn every_reference_resolves_and_the_model_schemas_are_there() {
    let doc = build();
    let mut targets = Vec::new();
    refs(&doc, &mut targets);
    assert!(targets.len() > 50, "only {} references", targets.len());
    for target in targets {
        let pointer = target.strip_prefix('#').expect("a local reference");
        assert!(doc.pointer(pointer).is_some(), "{target} does not resolve");
    }
    let schemas = &doc["components"]["schemas"];
    for name in [
        "WorkflowDef",
        "TaskDef",
        "Task",
        "Workflow",
        "TaskResult",
        "ErrorResponse",
    ] {
        assert!(schemas[name].is_object(), "no schema for {name}");
    }
    let workflow_def = &schemas["WorkflowDef"]["properties"];
    assert!(workflow_def["tasks"].is_object() && workflow_def["timeoutPolicy"].is_object());
    assert_eq!(
        schemas["TaskResult"]["properties"]["status"]["$ref"],
        "#/components/schemas/TaskResultStatus"
    );
}
