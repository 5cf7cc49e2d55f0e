//! One server under test: sends the script's raw HTTP requests, records every answer as a
//! normalised [`Exchange`], and keeps the per-server dynamic values (workflow and task ids) behind
//! placeholders so that both servers' answers compare equal where they should.
//!
//! Normalisation replaces every tracked id (captured by the script: `{wf1}`, `{task_wf1}`...) with
//! its placeholder, in string values and object keys alike, and any other UUID with `{uuid}`.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Map, Value};

use super::differ::{Body, Exchange};

/// How long a step that waits for a condition (a task to be scheduled, an index to catch up)
/// polls before it gives up and reports the wait as a difference.
const WAIT_LIMIT: Duration = Duration::from_secs(20);
/// Pause between two attempts of such a step.
const WAIT_STEP: Duration = Duration::from_millis(100);
/// How often a request that met a locked SQLite database on the reference is sent.
const BUSY_ATTEMPTS: u32 = 5;

/// A raw answer: status, content type and text.
#[derive(Debug, Clone)]
pub struct Raw {
    /// HTTP status; 0 when no answer came (the text then says why).
    pub status: u16,
    /// The `Content-Type` header, lower-cased, without parameters.
    pub content_type: String,
    /// The body as text.
    pub text: String,
}

impl Raw {
    /// The body as JSON, when it is JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_str(&self.text).ok()
    }

    /// Whether the status is 2xx.
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The string field `key` of a JSON object body.
    pub fn field(&self, key: &str) -> Option<String> {
        self.json()?.get(key)?.as_str().map(str::to_owned)
    }
}

/// A request body.
#[derive(Debug, Clone)]
pub enum Req {
    /// No body.
    None,
    /// A JSON body.
    Json(Value),
    /// Raw bytes sent as `application/json` (for malformed JSON).
    RawJson(&'static str),
    /// A `text/plain` body.
    Text(String),
}

/// A transformation of a JSON body before it is compared: picks out of a list shared with other
/// tests on a long-lived server the entries this run created.
pub type Select = Box<dyn Fn(Value) -> Value + Send + Sync>;

/// A condition on an answer that a waiting step polls for.
pub type Condition = Box<dyn Fn(&Raw) -> bool + Send + Sync>;

/// A server under test.
pub struct Target {
    base: String,
    http: reqwest::Client,
    /// `(actual value, placeholder)`, longest actual value first.
    subs: Vec<(String, String)>,
    /// Every answer, in script order.
    pub exchanges: Vec<Exchange>,
    /// Steps whose wait timed out or whose capture failed: `(step, what happened)`.
    pub notes: Vec<(String, String)>,
}

impl Target {
    /// A target for the API base URL `base` (ending in `/api`).
    pub fn new(base: String) -> Target {
        // reqwest is built without a default TLS provider; plain HTTP still needs one installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("the HTTP client builds");
        Target {
            base,
            http,
            subs: Vec::new(),
            exchanges: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Tracks `actual` (an id this server made up) as `placeholder` (e.g. `{wf1}`); an empty
    /// value (a failed capture) is noted instead.
    pub fn capture(&mut self, step: &str, placeholder: &str, actual: Option<String>) {
        match actual.filter(|a| !a.trim().is_empty()) {
            Some(actual) => {
                self.subs.retain(|(_, p)| p != placeholder);
                self.subs
                    .push((actual.trim().to_owned(), placeholder.to_owned()));
                self.subs
                    .sort_by_key(|(actual, _)| std::cmp::Reverse(actual.len()));
            }
            None => self.notes.push((
                step.to_owned(),
                format!("could not capture {placeholder} (see the step's answer)"),
            )),
        }
    }

    /// Forgets the last `exchanges` answers and the value tracked as `placeholder`: a start the
    /// reference server botched (see `script::start_workflow`) is tried again as if it never
    /// happened.
    pub fn forget(&mut self, exchanges: usize, placeholder: &str) {
        let keep = self.exchanges.len().saturating_sub(exchanges);
        self.exchanges.truncate(keep);
        self.subs.retain(|(_, p)| p != placeholder);
    }

    /// `template` with every placeholder replaced by its actual value.
    fn resolve(&self, template: &str) -> String {
        self.subs
            .iter()
            .fold(template.to_owned(), |s, (actual, placeholder)| {
                s.replace(placeholder, actual)
            })
    }

    /// Starts describing a request of step `step`.
    pub fn req(&mut self, step: &str, method: Method, path: &str) -> Call<'_> {
        Call {
            target: self,
            step: step.to_owned(),
            method,
            path: path.to_owned(),
            query: Vec::new(),
            body: Req::None,
            select: None,
            until: None,
            varies: false,
        }
    }

    /// Sends a request; an answer that reports a locked SQLite database (a reference server
    /// under load from other test suites: `SQLITE_BUSY`, in an error or in a bulk answer), or
    /// 3.21's single connection still held by a slow request (Hikari's "Connection is not
    /// available"), is a hiccup of that server, not an answer, and the request is sent again.
    async fn send(
        &self,
        method: &Method,
        path: &str,
        query: &[(String, String)],
        body: &Req,
    ) -> Raw {
        let mut attempt = 1;
        loop {
            let raw = self.send_once(method, path, query, body).await;
            let locked =
                raw.text.contains("SQLITE_BUSY") || raw.text.contains("database is locked");
            // Hikari gives up after 30 s; the slow request holding the connection may take as long.
            let starved = raw.text.contains("Connection is not available");
            if !(locked || starved) || attempt >= BUSY_ATTEMPTS {
                return raw;
            }
            attempt += 1;
            let pause = if starved {
                Duration::from_secs(5)
            } else {
                WAIT_STEP * 2
            };
            tokio::time::sleep(pause).await;
        }
    }

    async fn send_once(
        &self,
        method: &Method,
        path: &str,
        query: &[(String, String)],
        body: &Req,
    ) -> Raw {
        let url = format!("{}{}", self.base, self.resolve(path));
        let query: Vec<(String, String)> = query
            .iter()
            .map(|(k, v)| (k.clone(), self.resolve(v)))
            .collect();
        let mut request = self.http.request(method.clone(), url).query(&query);
        request = match body {
            Req::None => request,
            Req::Json(value) => request
                .header("content-type", "application/json")
                .body(self.resolve(&value.to_string())),
            Req::RawJson(text) => request
                .header("content-type", "application/json")
                .body(*text),
            Req::Text(text) => request
                .header("content-type", "text/plain")
                .body(self.resolve(text)),
        };
        match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                let content_type = response
                    .headers()
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase();
                let text = response
                    .text()
                    .await
                    .unwrap_or_else(|e| format!("<body unreadable: {e}>"));
                Raw {
                    status,
                    content_type,
                    text,
                }
            }
            Err(error) => Raw {
                status: 0,
                content_type: String::new(),
                text: format!("<no answer: {error}>"),
            },
        }
    }

    /// `text` with tracked ids replaced by placeholders and other UUIDs by `{uuid}`.
    pub fn normalise_text(&self, text: &str) -> String {
        let replaced = self
            .subs
            .iter()
            .fold(text.to_owned(), |s, (actual, placeholder)| {
                s.replace(actual, placeholder)
            });
        replace_uuids(&replaced)
    }

    fn normalise_json(&self, value: Value) -> Value {
        match value {
            Value::String(s) => Value::String(self.normalise_text(&s)),
            Value::Array(items) => {
                Value::Array(items.into_iter().map(|v| self.normalise_json(v)).collect())
            }
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .map(|(k, v)| (self.normalise_text(&k), self.normalise_json(v)))
                    .collect::<Map<String, Value>>(),
            ),
            other => other,
        }
    }

    fn record(
        &mut self,
        step: &str,
        request: String,
        raw: &Raw,
        select: Option<&Select>,
        varies: bool,
    ) {
        let body = if raw.text.is_empty() {
            Body::Empty
        } else if raw.content_type.contains("json") {
            match raw.json() {
                Some(value) => {
                    let value = self.normalise_json(value);
                    Body::Json(match select {
                        Some(select) => select(value),
                        None => value,
                    })
                }
                None => Body::Text(format!(
                    "<malformed JSON> {}",
                    self.normalise_text(&raw.text)
                )),
            }
        } else {
            Body::Text(self.normalise_text(&raw.text))
        };
        self.exchanges.push(Exchange {
            step: step.to_owned(),
            request,
            status: raw.status,
            body,
            text_varies: varies,
        });
    }
}

/// A request being described; [`Call::send`] sends (and, with [`Call::until`], repeats) it and
/// records the final answer.
pub struct Call<'a> {
    target: &'a mut Target,
    step: String,
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    body: Req,
    select: Option<Select>,
    until: Option<Condition>,
    varies: bool,
}

impl Call<'_> {
    /// Adds a query parameter (placeholders are resolved).
    pub fn q(mut self, key: &str, value: &str) -> Self {
        self.query.push((key.to_owned(), value.to_owned()));
        self
    }

    /// Like [`Call::until`] when `wait` holds (the step that should lead to `done` succeeded);
    /// otherwise the request is sent once.
    pub fn until_if(self, wait: bool, done: impl Fn(&Raw) -> bool + Send + Sync + 'static) -> Self {
        if wait { self.until(done) } else { self }
    }

    /// Sends a JSON body (placeholders in it are resolved).
    pub fn json(mut self, body: Value) -> Self {
        self.body = Req::Json(body);
        self
    }

    /// Sends any other body.
    pub fn body(mut self, body: Req) -> Self {
        self.body = body;
        self
    }

    /// Transforms the normalised JSON body before it is compared.
    pub fn select(mut self, select: impl Fn(Value) -> Value + Send + Sync + 'static) -> Self {
        self.select = Some(Box::new(select));
        self
    }

    /// Repeats the request (up to 20 s) until `done` holds for the answer or the answer is an
    /// error; a wait that runs out is noted as a difference of the step.
    pub fn until(mut self, done: impl Fn(&Raw) -> bool + Send + Sync + 'static) -> Self {
        self.until = Some(Box::new(done));
        self
    }

    /// A text answer whose value varies between servers by nature: only compare its presence.
    pub fn varies(mut self) -> Self {
        self.varies = true;
        self
    }

    /// Sends the request (repeating it per [`Call::until`]) and records the final answer.
    pub async fn send(self) -> Raw {
        let Call {
            target,
            step,
            method,
            path,
            query,
            body,
            select,
            until,
            varies,
        } = self;
        let started = Instant::now();
        let raw = loop {
            let raw = target.send(&method, &path, &query, &body).await;
            match &until {
                // An error is an answer, not a server catching up: stop waiting.
                Some(done) if !done(&raw) && raw.status < 300 => {
                    if started.elapsed() >= WAIT_LIMIT {
                        target.notes.push((
                            step.clone(),
                            format!(
                                "waited {}s in vain; last answer {} {}",
                                WAIT_LIMIT.as_secs(),
                                raw.status,
                                raw.text.chars().take(200).collect::<String>()
                            ),
                        ));
                        break raw;
                    }
                    tokio::time::sleep(WAIT_STEP).await;
                }
                _ => break raw,
            }
        };
        let mut request = format!("{method} {path}");
        if !query.is_empty() {
            let pairs: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
            request.push('?');
            request.push_str(&pairs.join("&"));
        }
        target.record(&step, request, &raw, select.as_ref(), varies);
        raw
    }
}

/// Replaces every UUID (8-4-4-4-12 hex digits) in `text` with `{uuid}`.
pub fn replace_uuids(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut copied = 0;
    while i + 36 <= bytes.len() {
        if is_uuid(&bytes[i..i + 36]) {
            out.push_str(&text[copied..i]);
            out.push_str("{uuid}");
            i += 36;
            copied = i;
        } else {
            i += 1;
        }
    }
    out.push_str(&text[copied..]);
    out
}

fn is_uuid(bytes: &[u8]) -> bool {
    bytes.iter().enumerate().all(|(i, b)| match i {
        8 | 13 | 18 | 23 => *b == b'-',
        _ => b.is_ascii_hexdigit(),
    })
}

/// Keeps the elements of a JSON array whose `key` is one of `values` (others' entries on a
/// shared server are dropped), sorted by that key.
pub fn where_in(key: &'static str, values: Vec<String>) -> impl Fn(Value) -> Value + Send + Sync {
    move |value| match value {
        Value::Array(items) => {
            let mut kept: Vec<Value> = items
                .into_iter()
                .filter(|item| {
                    item.get(key)
                        .and_then(Value::as_str)
                        .is_some_and(|v| values.iter().any(|w| w == v))
                })
                .collect();
            kept.sort_by_key(|item| item.get(key).map(Value::to_string));
            Value::Array(kept)
        }
        other => other,
    }
}

/// Keeps the entries of a JSON object whose key is one of `keys`.
pub fn keys_in(keys: Vec<String>) -> impl Fn(Value) -> Value + Send + Sync {
    move |value| match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(k, _)| keys.iter().any(|w| w == k))
                .collect(),
        ),
        other => other,
    }
}

/// Keeps the string elements of a JSON array that are one of `values`, sorted.
pub fn strings_in(values: Vec<String>) -> impl Fn(Value) -> Value + Send + Sync {
    move |value| match value {
        Value::Array(items) => {
            let mut kept: Vec<Value> = items
                .into_iter()
                .filter(|v| v.as_str().is_some_and(|s| values.iter().any(|w| w == s)))
                .collect();
            kept.sort_by_key(Value::to_string);
            Value::Array(kept)
        }
        other => other,
    }
}

/// Sorts a JSON array by the string field `key` of its elements.
pub fn sorted_by(key: &'static str) -> impl Fn(Value) -> Value + Send + Sync {
    move |value| match value {
        Value::Array(mut items) => {
            items.sort_by_key(|item| item.get(key).map(Value::to_string));
            Value::Array(items)
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn uuids_are_replaced() {
        assert_eq!(
            replace_uuids("id 993bc617-738a-4072-8ba9-143257665010."),
            "id {uuid}."
        );
        assert_eq!(replace_uuids("not-a-uuid"), "not-a-uuid");
    }

    #[test]
    fn tracked_ids_become_placeholders_in_keys_and_values() {
        let mut target = Target::new("http://x/api".into());
        target.capture(
            "s",
            "{wf1}",
            Some("993bc617-738a-4072-8ba9-143257665010".into()),
        );
        let value = target.normalise_json(json!({
            "993bc617-738a-4072-8ba9-143257665010": "x 993bc617-738a-4072-8ba9-143257665010",
            "other": "00000000-0000-0000-0000-000000000000"
        }));
        assert_eq!(value, json!({"{wf1}": "x {wf1}", "other": "{uuid}"}));
        assert_eq!(
            target.resolve("/workflow/{wf1}"),
            "/workflow/993bc617-738a-4072-8ba9-143257665010"
        );
    }

    #[test]
    fn selections_keep_this_runs_entries() {
        let list = json!([{"name": "b"}, {"name": "x"}, {"name": "a"}]);
        assert_eq!(
            where_in("name", vec!["a".into(), "b".into()])(list),
            json!([{"name": "a"}, {"name": "b"}])
        );
        assert_eq!(
            keys_in(vec!["k".into()])(json!({"k": 1, "j": 2})),
            json!({"k": 1})
        );
        assert_eq!(
            strings_in(vec!["a".into()])(json!(["b", "a"])),
            json!(["a"])
        );
    }
}
