//! The OpenAPI document over HTTP: `GET /v3/api-docs` and `GET /api-docs` answer the same
//! OpenAPI 3.1 document, every `$ref` in it resolves, every operation is well formed, and every
//! operation it lists is served by the router (no request to it falls through to the 404/405
//! fallbacks).

#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

use std::collections::BTreeSet;
use std::time::Duration;

use conductor_server::DevServer;
use serde_json::Value;

const METHODS: [&str; 4] = ["get", "post", "put", "delete"];

async fn fetch(http: &reqwest::Client, url: &str) -> Value {
    let response = http.get(url).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200, "{url}");
    assert_eq!(response.headers()["content-type"], "application/json");
    response.json().await.unwrap()
}

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

/// A request path for `template`: path parameters filled in with a value of their type.
fn concrete(template: &str, params: &[Value]) -> String {
    let mut path = template.to_owned();
    for p in params.iter().filter(|p| p["in"] == "path") {
        let name = p["name"].as_str().unwrap();
        let value = if p["schema"]["type"] == "integer" {
            "1"
        } else {
            "x1"
        };
        path = path.replace(&format!("{{{name}}}"), value);
    }
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_is_valid_openapi_and_lists_only_served_routes() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let server = DevServer::start().await.unwrap();
    let root = server.url().trim_end_matches("/api").to_owned();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let doc = fetch(&http, &format!("{root}/v3/api-docs")).await;
    assert_eq!(doc, fetch(&http, &format!("{root}/api-docs")).await);

    // The top level of an OpenAPI 3.1 document.
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["info"]["title"].is_string() && doc["info"]["version"].is_string());
    let paths = doc["paths"].as_object().unwrap();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    assert!(paths.len() > 60, "{} paths", paths.len());
    assert!(schemas.contains_key("WorkflowDef") && schemas.contains_key("ErrorResponse"));
    // The paths the real server uses.
    for path in [
        "/api/workflow/{workflowId}",
        "/api/metadata/taskdefs/{tasktype}",
        "/health",
    ] {
        assert!(paths.contains_key(path), "{path} missing");
    }

    // Every reference resolves.
    let mut targets = Vec::new();
    refs(&doc, &mut targets);
    for target in &targets {
        let pointer = target.strip_prefix('#').unwrap();
        assert!(doc.pointer(pointer).is_some(), "{target} does not resolve");
    }

    let mut ids = BTreeSet::new();
    let mut operations = 0;
    for (template, item) in paths {
        assert!(template.starts_with('/'), "{template}");
        for (method, op) in item.as_object().unwrap() {
            assert!(METHODS.contains(&method.as_str()), "{method} {template}");
            operations += 1;
            assert!(ids.insert(op["operationId"].as_str().unwrap().to_owned()));
            assert!(op["responses"].as_object().is_some_and(|r| !r.is_empty()));
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            for p in &params {
                assert!(p["in"] == "path" || p["in"] == "query", "{p}");
                assert!(p["name"].is_string() && p["schema"].is_object(), "{p}");
            }
            // Each `{name}` in the template is a required path parameter, and no other.
            let in_template: BTreeSet<&str> = template
                .split('{')
                .skip(1)
                .filter_map(|s| s.split('}').next())
                .collect();
            let declared: BTreeSet<&str> = params
                .iter()
                .filter(|p| p["in"] == "path")
                .inspect(|p| assert_eq!(p["required"], true))
                .map(|p| p["name"].as_str().unwrap())
                .collect();
            assert_eq!(in_template, declared, "{method} {template}");
            if let Some(body) = op.get("requestBody") {
                assert!(body["content"].as_object().is_some_and(|c| !c.is_empty()));
            }

            // The router serves it: the answer is not a fallback's.
            let url = format!("{root}{}", concrete(template, &params));
            let mut request = http.request(method.to_uppercase().parse().unwrap(), &url);
            if method != "get" {
                request = request
                    .header("content-type", "application/json")
                    .body("{}");
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let text = response.text().await.unwrap();
            assert_ne!(status, 405, "{method} {template} is not routed: {text}");
            assert!(
                !(status == 404 && text.contains("No static resource")),
                "{method} {template} is not routed: {text}"
            );
        }
    }
    assert!(operations > 80, "{operations} operations");
    server.shutdown().await;
}
