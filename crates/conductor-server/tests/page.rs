//! The execution page over plain HTTP (no browser): `GET /` and its compiled-in assets, and the
//! execution graph `GET /ui/workflow/{id}/graph.svg` (the browser itself is `tests/browser.rs`).

#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

use std::time::{Duration, Instant};

use conductor_server::DevServer;
use serde_json::{Value, json};

async fn start() -> (DevServer, reqwest::Client, String) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let server = DevServer::start().await.expect("server starts");
    let root = server.url().trim_end_matches("/api").to_owned();
    (server, reqwest::Client::new(), root)
}

async fn get(http: &reqwest::Client, url: &str) -> (u16, String, String) {
    let reply = http.get(url).send().await.unwrap();
    let status = reply.status().as_u16();
    let content_type = reply
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, content_type, reply.text().await.unwrap())
}

#[tokio::test]
async fn the_root_serves_the_page_and_every_asset_it_references() {
    let (_server, http, root) = start().await;
    let (status, content_type, html) = get(&http, &format!("{root}/")).await;
    assert_eq!(status, 200);
    assert_eq!(content_type, "text/html; charset=utf-8");
    assert!(html.contains("<form id=\"search-form\""), "{html}");
    // Every local reference resolves, with the right type; nothing is fetched from elsewhere.
    let mut references = 0;
    for attribute in ["src=\"", "href=\""] {
        for piece in html.split(attribute).skip(1) {
            let target = &piece[..piece.find('"').unwrap()];
            assert!(target.starts_with("/ui/"), "a local asset: {target}");
            let (status, content_type, body) = get(&http, &format!("{root}{target}")).await;
            assert_eq!(status, 200, "{target}");
            let want = if target.ends_with(".js") {
                "text/javascript"
            } else {
                "text/css"
            };
            assert!(content_type.starts_with(want), "{target}: {content_type}");
            assert!(
                !body.contains("http://") && !body.contains("https://"),
                "{target}"
            );
            references += 1;
        }
    }
    assert_eq!(references, 2, "the script and the style sheet");
    // Other unknown paths keep the API's 404.
    let (status, _, body) = get(&http, &format!("{root}/nothing-here")).await;
    assert_eq!(status, 404);
    assert!(body.contains("No static resource nothing-here."), "{body}");
}

#[tokio::test]
async fn the_graph_of_an_execution_is_svg_with_one_coloured_box_per_task() {
    let (server, http, root) = start().await;
    let api = server.url().to_owned();
    let task = |reference: &str| {
        json!({"name": reference, "taskReferenceName": reference, "type": "INLINE",
               "inputParameters": {"evaluatorType": "javascript", "expression": "1"}})
    };
    let def = json!({"name": "page_fork", "version": 1, "schemaVersion": 2, "tasks": [
        {"name": "fork", "taskReferenceName": "fork", "type": "FORK_JOIN",
         "forkTasks": [[task("left")], [task("right")]]},
        {"name": "join", "taskReferenceName": "join", "type": "JOIN", "joinOn": ["left", "right"]},
        {"name": "wait", "taskReferenceName": "wait", "type": "WAIT"},
    ]});
    let reply = http
        .post(format!("{api}/metadata/workflow"))
        .json(&def)
        .send()
        .await
        .unwrap();
    assert!(reply.status().is_success());
    let id = http
        .post(format!("{api}/workflow/page_fork"))
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // The branches complete; the WAIT stays in progress.
    let deadline = Instant::now() + Duration::from_secs(20);
    let svg = loop {
        let (status, content_type, svg) =
            get(&http, &format!("{root}/ui/workflow/{id}/graph.svg")).await;
        assert_eq!(status, 200, "{svg}");
        assert_eq!(content_type, "image/svg+xml");
        if svg.contains("data-ref=\"wait\" data-status=\"IN_PROGRESS\"") {
            break svg;
        }
        assert!(Instant::now() < deadline, "the WAIT never started: {svg}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert_eq!(svg.matches("class=\"node task\"").count(), 5, "{svg}");
    for reference in ["fork", "left", "right", "join"] {
        let node = format!("data-ref=\"{reference}\" data-status=\"COMPLETED\" data-task-id=\"");
        assert!(svg.contains(&node), "{reference}: {svg}");
    }
    // COMPLETED boxes are green, the running one blue (the colours the browser test counts).
    assert_eq!(svg.matches("fill=\"#2e9d4f\"").count(), 4);
    assert_eq!(svg.matches("fill=\"#2f7fd8\"").count(), 1);
    // The start and end circles and one edge per arrow of the SDK's diagram.
    assert_eq!(svg.matches("<circle").count(), 2);
    let workflow: Value = http
        .get(format!("{api}/workflow/{id}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let def: conductor_models::WorkflowDef =
        serde_json::from_value(workflow["workflowDefinition"].clone()).unwrap();
    assert_eq!(
        svg.matches("marker-end=").count(),
        def.to_mermaid().matches("-->").count()
    );
}

#[tokio::test]
async fn the_graph_of_an_unknown_execution_is_the_apis_404() {
    let (_server, http, root) = start().await;
    let (status, content_type, body) =
        get(&http, &format!("{root}/ui/workflow/no-such-id/graph.svg")).await;
    assert_eq!(status, 404);
    assert_eq!(content_type, "application/json");
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["status"], 404);
}
