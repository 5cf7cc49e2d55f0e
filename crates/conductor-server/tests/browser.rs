//! The execution page (`GET /`) in a real headless Chromium, driven through `chromedriver`:
//! WebDriver is plain HTTP and JSON, so `reqwest` is the whole client. A finished fork/join is
//! drawn with one box per task in the COMPLETED colour (checked in the screenshot's pixels); a
//! click on a box shows the task; the search form filters; "Retry", "Rerun" and "Terminate"
//! change the server's state, and the page follows a running workflow without a reload.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`CHROMIUM` and `CHROMEDRIVER` override the
//! paths) and fails when they are missing; `cargo xtask browser-test` installs them and runs it.
//! Built only with the `browser-tests` feature, so `cargo test --workspace` does not need them.

#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

use std::collections::BTreeSet;
use std::future::Future;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use conductor_server::DevServer;
use serde_json::{Value, json};

/// How long any awaited condition may take.
const PATIENCE: Duration = Duration::from_secs(30);
/// The W3C WebDriver key of an element reference.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// The fill colours of the page's task boxes (`src/ui/graph.rs`, `status_colours`).
const COMPLETED_RGB: [u8; 3] = [0x2e, 0x9d, 0x4f];
const FAILED_RGB: [u8; 3] = [0xd6, 0x45, 0x45];
const IN_PROGRESS_RGB: [u8; 3] = [0x2f, 0x7f, 0xd8];
/// Area of one task box in CSS pixels (200 × 58; screenshots are taken at scale 1).
const BOX_AREA: usize = 200 * 58;

/// Waits until `probe` returns `Some`, polling; panics with `what` after [`PATIENCE`].
async fn eventually<T, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn tool(env: &str, default: &str) -> PathBuf {
    let path = std::env::var_os(env).map_or_else(|| PathBuf::from(default), PathBuf::from);
    assert!(
        path.exists(),
        "{} not found: this test needs Debian's `chromium` and `chromium-driver` (or {env}=PATH); \
         `cargo xtask browser-test` installs them and runs it",
        path.display()
    );
    path
}

/// One chromedriver process and one browser session in it.
struct Browser {
    driver: Child,
    base: String,
    session: String,
    http: reqwest::Client,
}

impl Browser {
    async fn start() -> Browser {
        let chromium = tool("CHROMIUM", "/usr/bin/chromium");
        let chromedriver = tool("CHROMEDRIVER", "/usr/bin/chromedriver");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map(|addr| addr.port())
            .unwrap();
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromedriver.display()));
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let status_url = format!("{base}/status");
        eventually("chromedriver to answer", || {
            let request = http.get(&status_url).send();
            async move {
                let body: Value = request.await.ok()?.json().await.ok()?;
                (body["value"]["ready"] == true).then_some(())
            }
        })
        .await;
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--window-size=1400,1000",
                         "--force-device-scale-factor=1", "--hide-scrollbars"],
            },
        }}});
        let mut browser = Browser {
            driver,
            base,
            session: String::new(),
            http,
        };
        let created = browser.call("POST", "/session", Some(capabilities)).await;
        browser.session = created["sessionId"].as_str().unwrap().to_owned();
        browser
    }

    /// One WebDriver command; returns its `value`, panics on a WebDriver error.
    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.try_call(method, path, body)
            .await
            .unwrap_or_else(|e| panic!("WebDriver {method} {path}: {e}"))
    }

    async fn try_call(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, String> {
        let url = if path == "/session" {
            format!("{}{path}", self.base)
        } else {
            format!("{}/session/{}{path}", self.base, self.session)
        };
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self.http.request(method, url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let reply = request.send().await.map_err(|e| e.to_string())?;
        let ok = reply.status().is_success();
        let body: Value = reply.json().await.map_err(|e| e.to_string())?;
        if ok {
            Ok(body["value"].clone())
        } else {
            Err(body["value"].to_string())
        }
    }

    async fn goto(&self, url: &str) {
        self.call("POST", "/url", Some(json!({"url": url}))).await;
    }

    /// The elements matching a CSS selector.
    async fn find_all(&self, css: &str) -> Vec<String> {
        let found = self
            .call(
                "POST",
                "/elements",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        found
            .as_array()
            .unwrap()
            .iter()
            .map(|element| element[ELEMENT_KEY].as_str().unwrap().to_owned())
            .collect()
    }

    /// The one element matching a CSS selector, once it exists.
    async fn find(&self, css: &str) -> String {
        eventually(&format!("an element `{css}`"), || async {
            self.find_all(css).await.into_iter().next()
        })
        .await
    }

    async fn attribute(&self, element: &str, name: &str) -> Option<String> {
        let value = self
            .call("GET", &format!("/element/{element}/attribute/{name}"), None)
            .await;
        value.as_str().map(str::to_owned)
    }

    async fn click(&self, element: &str) {
        self.call(
            "POST",
            &format!("/element/{element}/click"),
            Some(json!({})),
        )
        .await;
    }

    /// Clicks the element matching `css`, finding it again if the page re-rendered it between
    /// the look-up and the click.
    async fn click_css(&self, css: &str) {
        eventually(&format!("a click on `{css}`"), || async {
            let element = self.find_all(css).await.into_iter().next()?;
            let path = format!("/element/{element}/click");
            match self.try_call("POST", &path, Some(json!({}))).await {
                Ok(_) => Some(()),
                Err(e) if e.contains("stale element") => None,
                Err(e) => panic!("WebDriver POST {path}: {e}"),
            }
        })
        .await;
    }

    async fn type_into(&self, element: &str, text: &str) {
        self.call(
            "POST",
            &format!("/element/{element}/clear"),
            Some(json!({})),
        )
        .await;
        self.call(
            "POST",
            &format!("/element/{element}/value"),
            Some(json!({"text": text})),
        )
        .await;
    }

    /// Runs `script` in the page; returns what it returns.
    async fn run(&self, script: &str, args: Value) -> Value {
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": args})),
        )
        .await
    }

    /// The text of the first element matching `css`, or "" when there is none.
    async fn text_of(&self, css: &str) -> String {
        let script =
            "const e = document.querySelector(arguments[0]); return e ? e.textContent : '';";
        let text = self.run(script, json!([css])).await;
        text.as_str().unwrap_or_default().to_owned()
    }

    /// A screenshot of the viewport (`None`) or of one element, decoded to RGB(A) pixels.
    async fn screenshot(&self, element: Option<&str>) -> (Vec<u8>, Screenshot) {
        let path = match element {
            Some(element) => format!("/element/{element}/screenshot"),
            None => "/screenshot".to_owned(),
        };
        let encoded = self.call("GET", &path, None).await;
        let png = base64_decode(encoded.as_str().unwrap());
        let decoded = Screenshot::decode(&png);
        (png, decoded)
    }

    /// Ends the session (closing Chromium) and stops chromedriver.
    async fn quit(mut self) {
        let _ = self.try_call("DELETE", "", None).await;
        self.session.clear();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            // A test that failed half-way still closes its Chromium: a blocking DELETE.
            let session = std::mem::take(&mut self.session);
            let authority = self.base.trim_start_matches("http://").to_owned();
            if let Ok(mut stream) = std::net::TcpStream::connect(&authority) {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                let _ = write!(
                    stream,
                    "DELETE /session/{session} HTTP/1.1\r\nHost: {authority}\r\n\
                     Connection: close\r\nContent-Length: 0\r\n\r\n"
                );
                let _ = std::io::Read::read_to_end(&mut stream, &mut Vec::new());
            }
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// A decoded screenshot.
struct Screenshot {
    width: u32,
    height: u32,
    channels: usize,
    pixels: Vec<u8>,
}

impl Screenshot {
    fn decode(png_bytes: &[u8]) -> Screenshot {
        let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
        decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
        let mut reader = decoder.read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
        let frame = reader.next_frame(&mut pixels).unwrap();
        pixels.truncate(frame.buffer_size());
        let channels = frame.color_type.samples();
        assert!(
            channels >= 3,
            "a colour screenshot, got {:?}",
            frame.color_type
        );
        Screenshot {
            width: frame.width,
            height: frame.height,
            channels,
            pixels,
        }
    }

    /// How many pixels have exactly this colour.
    fn count(&self, rgb: [u8; 3]) -> usize {
        self.pixels
            .chunks_exact(self.channels)
            .filter(|pixel| pixel[..3] == rgb)
            .count()
    }
}

/// Standard base64 (what WebDriver's screenshots are in).
fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let digits: Vec<u8> = text
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
        .map(value)
        .collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let bits = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &d)| acc | (u32::from(d) << (18 - 6 * i)));
        let bytes = bits.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    out
}

/// The embedded server plus a REST client for it.
struct Server {
    server: DevServer,
    http: reqwest::Client,
}

impl Server {
    async fn start() -> Server {
        let _ = rustls::crypto::ring::default_provider().install_default();
        Server {
            server: DevServer::start().await.expect("server starts"),
            http: reqwest::Client::new(),
        }
    }

    /// The page's address (the server's root).
    fn page(&self, execution: Option<&str>) -> String {
        let root = self.server.url().trim_end_matches("/api").to_owned();
        match execution {
            Some(id) => format!("{root}/#/execution/{id}"),
            None => format!("{root}/"),
        }
    }

    /// A REST call under `/api`; panics unless it succeeds. Returns the body, JSON when it is.
    async fn rest(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.server.url()));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let reply = request.send().await.unwrap();
        let status = reply.status();
        let text = reply.text().await.unwrap();
        assert!(status.is_success(), "{path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    }

    async fn start_workflow(&self, name: &str, correlation_id: &str) -> String {
        let id = self
            .rest(
                "POST",
                "/workflow",
                Some(json!({"name": name, "correlationId": correlation_id, "input": {"n": 21}})),
            )
            .await;
        id.as_str().unwrap().to_owned()
    }

    async fn workflow(&self, id: &str) -> Value {
        self.rest("GET", &format!("/workflow/{id}?includeTasks=true"), None)
            .await
    }

    async fn wait_status(&self, id: &str, status: &str) -> Value {
        eventually(&format!("workflow {id} to be {status}"), || async {
            let workflow = self.workflow(id).await;
            (workflow["status"] == status).then_some(workflow)
        })
        .await
    }

    /// Polls one `task_type` task and reports `status` for it.
    async fn finish_task(&self, task_type: &str, status: &str) {
        let task = eventually(&format!("a {task_type} task to poll"), || async {
            let task = self
                .rest(
                    "GET",
                    &format!("/tasks/poll/{task_type}?workerid=browser-test"),
                    None,
                )
                .await;
            task.is_object().then_some(task)
        })
        .await;
        self.rest(
            "POST",
            "/tasks",
            Some(json!({
                "workflowInstanceId": task["workflowInstanceId"],
                "taskId": task["taskId"],
                "status": status,
                "reasonForIncompletion": if status == "FAILED" { "the worker gave up" } else { "" },
                "outputData": {"worker": "browser-test"},
                "logs": [{"log": format!("reported {status}"), "createdTime": 1}],
            })),
        )
        .await;
    }
}

fn inline(reference: &str, expression: &str) -> Value {
    json!({
        "name": reference, "taskReferenceName": reference, "type": "INLINE",
        "inputParameters": {"evaluatorType": "javascript", "expression": expression, "n": "${workflow.input.n}"},
    })
}

/// The page shows the execution: its graph is loaded.
async fn open_execution(browser: &Browser, server: &Server, id: &str) {
    browser.goto(&server.page(Some(id))).await;
    browser
        .find(&format!("body[data-loaded=\"{id}\"] #graph svg"))
        .await;
}

/// Waits until the page's header shows `status`.
async fn page_status(browser: &Browser, status: &str) {
    eventually(&format!("the page to show {status}"), || async {
        let shown = browser.text_of("#wf-status").await;
        (shown == status).then_some(())
    })
    .await;
}

#[tokio::test]
async fn a_finished_fork_join_is_drawn_with_one_completed_box_per_task() {
    let server = Server::start().await;
    server
        .rest(
            "POST",
            "/metadata/workflow",
            Some(json!({
                "name": "browser_fork_join", "version": 1, "schemaVersion": 2,
                "tasks": [
                    {"name": "fork", "taskReferenceName": "fork", "type": "FORK_JOIN",
                     "forkTasks": [
                        [inline("a1", "$.n * 2"), inline("a2", "'a2 done'")],
                        [inline("b1", "$.n + 1"), inline("b2", "'b2 done'")],
                     ]},
                    {"name": "join", "taskReferenceName": "join", "type": "JOIN", "joinOn": ["a2", "b2"]},
                    inline("last", "'all done'"),
                ],
            })),
        )
        .await;
    let id = server.start_workflow("browser_fork_join", "fj-1").await;
    server.wait_status(&id, "COMPLETED").await;

    let browser = Browser::start().await;
    open_execution(&browser, &server, &id).await;
    page_status(&browser, "COMPLETED").await;

    // One box per task of the definition, each COMPLETED.
    let mut boxes = BTreeSet::new();
    for element in browser.find_all("#graph g.node.task").await {
        let reference = browser.attribute(&element, "data-ref").await.unwrap();
        let status = browser.attribute(&element, "data-status").await.unwrap();
        assert_eq!(status, "COMPLETED", "box {reference}");
        assert!(boxes.insert(reference), "one box per task");
    }
    let expected: BTreeSet<String> = ["fork", "a1", "a2", "b1", "b2", "join", "last"]
        .map(str::to_owned)
        .into();
    assert_eq!(boxes, expected);

    // The pixels: seven boxes' worth of the COMPLETED colour (less their text), nothing else.
    let graph = browser.find("#graph svg").await;
    let (_, shot) = browser.screenshot(Some(&graph)).await;
    let completed = shot.count(COMPLETED_RGB);
    assert!(
        (7 * BOX_AREA * 6 / 10..=7 * BOX_AREA).contains(&completed),
        "{completed} COMPLETED pixels in a {}×{} graph; 7 boxes are {}",
        shot.width,
        shot.height,
        7 * BOX_AREA
    );
    assert_eq!(shot.count(FAILED_RGB), 0);
    assert_eq!(shot.count(IN_PROGRESS_RGB), 0);

    // A click on a box shows its task: input, output and timing.
    let a1 = browser.find("#graph g.node.task[data-ref=\"a1\"]").await;
    browser.click(&a1).await;
    eventually("a1's details", || async {
        let output = browser.text_of("#task-output").await;
        (browser.text_of("#task-ref").await == "a1" && output.contains("\"result\": 42"))
            .then_some(())
    })
    .await;
    assert!(browser.text_of("#task-input").await.contains("\"n\": 21"));
    let timing = browser.text_of("#task-timing").await;
    assert!(
        timing.contains("Took") && timing.contains("Queue wait"),
        "{timing}"
    );
    assert_eq!(browser.text_of("#task-status").await, "COMPLETED");
    eventually("a1's logs", || async {
        (browser.text_of("#task-logs").await == "No logs.").then_some(())
    })
    .await;

    // The whole page, kept for a look: list, graph, task details.
    let (png_bytes, page) = browser.screenshot(None).await;
    assert!(page.width >= 1000 && page.count(COMPLETED_RGB) >= completed);
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("execution-page.png");
    std::fs::write(&path, png_bytes).unwrap();
    let _ = writeln!(std::io::stderr(), "screenshot: {}", path.display());
    browser.quit().await;
}

#[tokio::test]
async fn retry_rerun_and_terminate_buttons_change_the_server_and_the_page_follows() {
    let server = Server::start().await;
    server
        .rest(
            "POST",
            "/metadata/taskdefs",
            Some(
                json!([{"name": "browser_flaky", "retryCount": 0, "ownerEmail": "t@example.com",
                         "responseTimeoutSeconds": 600, "timeoutSeconds": 0}]),
            ),
        )
        .await;
    server
        .rest(
            "POST",
            "/metadata/workflow",
            Some(json!({
                "name": "browser_flaky_flow", "version": 1, "schemaVersion": 2,
                "tasks": [{"name": "browser_flaky", "taskReferenceName": "flaky", "type": "SIMPLE"}],
            })),
        )
        .await;
    let id = server.start_workflow("browser_flaky_flow", "flaky-1").await;
    server.finish_task("browser_flaky", "FAILED").await;
    server.wait_status(&id, "FAILED").await;

    let browser = Browser::start().await;
    open_execution(&browser, &server, &id).await;
    page_status(&browser, "FAILED").await;
    let graph = browser.find("#graph svg").await;
    let (_, shot) = browser.screenshot(Some(&graph)).await;
    assert!(shot.count(FAILED_RGB) >= BOX_AREA * 6 / 10, "a red box");
    assert_eq!(shot.count(COMPLETED_RGB), 0);
    let terminate = browser.find("#terminate").await;
    assert!(browser.attribute(&terminate, "disabled").await.is_some());

    // Retry: the server schedules the task again and the workflow runs.
    let retry = browser.find("#retry").await;
    browser.click(&retry).await;
    let running = server.wait_status(&id, "RUNNING").await;
    let tasks = running["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 2, "the failed attempt and a new one");
    assert_eq!(tasks[1]["status"], "SCHEDULED");
    page_status(&browser, "RUNNING").await;

    // The page follows the running workflow: the worker finishes, the page shows it, no reload.
    server.finish_task("browser_flaky", "COMPLETED").await;
    page_status(&browser, "COMPLETED").await;
    browser
        .find("#graph g.node.task[data-ref=\"flaky\"][data-status=\"COMPLETED\"]")
        .await;

    // Rerun starts it over; Terminate stops it.
    let rerun = browser.find("#rerun").await;
    browser.click(&rerun).await;
    server.wait_status(&id, "RUNNING").await;
    page_status(&browser, "RUNNING").await;
    let terminate = browser.find("#terminate:not([disabled])").await;
    browser.click(&terminate).await;
    let terminated = server.wait_status(&id, "TERMINATED").await;
    assert!(
        terminated["reasonForIncompletion"]
            .as_str()
            .unwrap_or_default()
            .contains("executions page"),
        "{terminated}"
    );
    page_status(&browser, "TERMINATED").await;
    browser.quit().await;
}

#[tokio::test]
async fn the_search_form_filters_by_name_status_and_correlation_id() {
    let server = Server::start().await;
    for name in ["browser_search_alpha", "browser_search_beta"] {
        server
            .rest(
                "POST",
                "/metadata/workflow",
                Some(json!({"name": name, "version": 1, "schemaVersion": 2,
                            "tasks": [inline("only", "$.n")]})),
            )
            .await;
    }
    let alpha = server
        .start_workflow("browser_search_alpha", "order-1")
        .await;
    let beta = server
        .start_workflow("browser_search_beta", "order-2")
        .await;
    server.wait_status(&alpha, "COMPLETED").await;
    server.wait_status(&beta, "COMPLETED").await;

    let browser = Browser::start().await;
    browser.goto(&server.page(None)).await;
    // Read in one script: the list re-renders every few seconds, so element handles go stale.
    let listed = || async {
        let script = "return [...document.querySelectorAll('#executions tbody tr')]\
                      .map((tr) => tr.dataset.id);";
        let ids = browser.run(script, json!([])).await;
        serde_json::from_value::<Vec<String>>(ids).unwrap()
    };
    let wait_list = |want: Vec<String>| async move {
        eventually(&format!("the list to be {want:?}"), || async {
            let ids = listed().await;
            (ids == want).then_some(())
        })
        .await;
    };
    // Newest first.
    wait_list(vec![beta.clone(), alpha.clone()]).await;

    let submit = browser.find("#search-form button[type=submit]").await;
    let correlation = browser.find("#search-correlation").await;
    browser.type_into(&correlation, "order-1").await;
    browser.click(&submit).await;
    wait_list(vec![alpha.clone()]).await;

    browser.type_into(&correlation, "").await;
    let name = browser.find("#search-name").await;
    browser.type_into(&name, "browser_search_b").await;
    browser.click(&submit).await;
    wait_list(vec![beta.clone()]).await;

    browser
        .run(
            "document.querySelector('#search-status').value = arguments[0];",
            json!(["FAILED"]),
        )
        .await;
    browser.click(&submit).await;
    wait_list(Vec::new()).await;
    assert_eq!(browser.text_of("#list-info").await, "No executions match.");

    // A row opens its execution.
    browser
        .run(
            "document.querySelector('#search-status').value = '';",
            json!([]),
        )
        .await;
    browser.click(&submit).await;
    wait_list(vec![beta.clone()]).await;
    browser
        .click_css(&format!("#executions tr[data-id=\"{beta}\"]"))
        .await;
    browser
        .find(&format!(
            "body[data-loaded=\"{beta}\"] #graph g.node.task[data-ref=\"only\"]"
        ))
        .await;
    assert!(browser.text_of("#wf-facts").await.contains("order-2"));
    browser.quit().await;
}
