//! A fault-injecting HTTP proxy for reliability tests: it forwards requests to a server and, by
//! rules that can change while it runs, answers with an error status instead, delays, resets the
//! connection before or after forwarding, or refuses every connection (an outage).
//!
//! One request per connection: the proxy reads a request, forwards it with `Connection: close`,
//! and passes the whole answer back, so each request meets the rules on its own. It speaks plain
//! HTTP/1.1 with `Content-Length` bodies, which is what the SDK sends.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use crate::HarnessError;

/// The largest request head the proxy reads.
const MAX_HEAD: usize = 64 * 1024;

/// What the proxy does to a request a rule picks.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answers with this status without forwarding (a 503 from a load balancer, a 429 from a
    /// rate limiter); `retry_after` adds a `Retry-After` header, in seconds.
    Status {
        /// The HTTP status.
        status: u16,
        /// The `Retry-After` header's seconds, if any.
        retry_after: Option<u32>,
    },
    /// Resets the connection without forwarding: the server never sees the request.
    ResetBeforeForward,
    /// Forwards, lets the server answer, then resets the connection instead of passing the
    /// answer on: the server applied the request and the client never learns it.
    ResetAfterForward,
    /// Forwards after a delay (a slow network or an overloaded server).
    Delay(Duration),
    /// Resets every connection as soon as it is accepted, whatever it carries: the server is
    /// unreachable. Its rule's method and path filters are ignored.
    Refuse,
}

/// When a [`Fault`] applies: to a share of the requests, optionally only to one method or to
/// paths containing a string.
///
/// ```
/// use conductor_test_support::{Fault, FaultRule};
///
/// // One task update in ten gets a 503 with Retry-After: 1.
/// let rule = FaultRule::new(Fault::Status { status: 503, retry_after: Some(1) })
///     .probability(0.1)
///     .method("POST")
///     .path_ends_with("/api/tasks");
/// assert_eq!(rule.fault(), &Fault::Status { status: 503, retry_after: Some(1) });
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FaultRule {
    fault: Fault,
    probability: f64,
    method: Option<String>,
    path_contains: Option<String>,
    path_ends_with: Option<String>,
}

impl FaultRule {
    /// A rule that applies `fault` to every request.
    pub fn new(fault: Fault) -> Self {
        FaultRule {
            fault,
            probability: 1.0,
            method: None,
            path_contains: None,
            path_ends_with: None,
        }
    }

    /// Applies to this share of the matching requests (clamped to 0..=1).
    #[must_use]
    pub fn probability(mut self, probability: f64) -> Self {
        self.probability = probability.clamp(0.0, 1.0);
        self
    }

    /// Applies only to this HTTP method.
    #[must_use]
    pub fn method(mut self, method: &str) -> Self {
        self.method = Some(method.to_ascii_uppercase());
        self
    }

    /// Applies only to request paths (query excluded) containing `part`.
    #[must_use]
    pub fn path_contains(mut self, part: &str) -> Self {
        self.path_contains = Some(part.to_owned());
        self
    }

    /// Applies only to request paths (query excluded) ending with `suffix`.
    #[must_use]
    pub fn path_ends_with(mut self, suffix: &str) -> Self {
        self.path_ends_with = Some(suffix.to_owned());
        self
    }

    /// The fault this rule injects.
    pub fn fault(&self) -> &Fault {
        &self.fault
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        let path = path.split('?').next().unwrap_or(path);
        self.method.as_deref().is_none_or(|m| m == method)
            && self
                .path_contains
                .as_deref()
                .is_none_or(|part| path.contains(part))
            && self
                .path_ends_with
                .as_deref()
                .is_none_or(|suffix| path.ends_with(suffix))
    }
}

/// What the proxy has done since it started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProxyStats {
    /// Requests read from clients.
    pub requests: u64,
    /// Requests passed to the server (delayed and reset-after ones included).
    pub forwarded: u64,
    /// Requests answered with an injected status.
    pub statuses: u64,
    /// Requests dropped with a reset before forwarding.
    pub reset_before: u64,
    /// Requests forwarded whose answer was replaced by a reset.
    pub reset_after: u64,
    /// Requests delayed.
    pub delayed: u64,
    /// Connections refused (reset on accept).
    pub refused: u64,
    /// Requests the server could not be reached for (answered 502).
    pub upstream_errors: u64,
}

#[derive(Debug, Default)]
struct Counters {
    requests: AtomicU64,
    forwarded: AtomicU64,
    statuses: AtomicU64,
    reset_before: AtomicU64,
    reset_after: AtomicU64,
    delayed: AtomicU64,
    refused: AtomicU64,
    upstream_errors: AtomicU64,
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

#[derive(Debug)]
struct Shared {
    upstream: SocketAddr,
    rules: Mutex<Vec<FaultRule>>,
    rng: Mutex<fastrand::Rng>,
    counters: Counters,
}

impl Shared {
    fn rules(&self) -> std::sync::MutexGuard<'_, Vec<FaultRule>> {
        self.rules.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn roll(&self, probability: f64) -> bool {
        probability >= 1.0
            || self
                .rng
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .f64()
                < probability
    }

    /// Whether a `Refuse` rule takes this connection.
    fn refuses(&self) -> bool {
        let probabilities: Vec<f64> = self
            .rules()
            .iter()
            .filter(|r| r.fault == Fault::Refuse)
            .map(|r| r.probability)
            .collect();
        probabilities.into_iter().any(|p| self.roll(p))
    }

    /// The fault of the first rule that matches the request and wins its roll.
    fn pick(&self, method: &str, path: &str) -> Option<Fault> {
        let candidates: Vec<(Fault, f64)> = self
            .rules()
            .iter()
            .filter(|r| r.fault != Fault::Refuse && r.matches(method, path))
            .map(|r| (r.fault.clone(), r.probability))
            .collect();
        candidates
            .into_iter()
            .find(|(_, probability)| self.roll(*probability))
            .map(|(fault, _)| fault)
    }
}

/// A running fault-injecting proxy in front of one server; dropping it stops accepting.
///
/// ```no_run
/// # async fn demo() -> Result<(), conductor_test_support::HarnessError> {
/// use conductor_test_support::{FaultProxy, Fault, FaultRule};
///
/// let proxy = FaultProxy::start("http://127.0.0.1:8080/api", 7).await?;
/// let url = proxy.url(); // http://127.0.0.1:<port>/api: give this to the SDK
/// proxy.set_rules(vec![FaultRule::new(Fault::Refuse)]); // an outage...
/// proxy.heal(); // ...and its end
/// assert_eq!(proxy.stats().refused, 0);
/// # let _ = url; Ok(()) }
/// ```
#[derive(Debug)]
pub struct FaultProxy {
    local: SocketAddr,
    base_path: String,
    shared: Arc<Shared>,
    accept_loop: JoinHandle<()>,
}

impl FaultProxy {
    /// Starts a proxy on 127.0.0.1 and a free port in front of `upstream_url`
    /// (`http://host:port[/path]`); `seed` makes the random choices repeatable.
    pub async fn start(upstream_url: &str, seed: u64) -> Result<FaultProxy, HarnessError> {
        let (upstream, base_path) = parse_http_url(upstream_url)?;
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| HarnessError::Proxy(format!("cannot listen: {e}")))?;
        let local = listener
            .local_addr()
            .map_err(|e| HarnessError::Proxy(format!("no local address: {e}")))?;
        let shared = Arc::new(Shared {
            upstream,
            rules: Mutex::new(Vec::new()),
            rng: Mutex::new(fastrand::Rng::with_seed(seed)),
            counters: Counters::default(),
        });
        let accept_loop = tokio::spawn(accept(listener, Arc::clone(&shared)));
        Ok(FaultProxy {
            local,
            base_path,
            shared,
            accept_loop,
        })
    }

    /// The proxy's URL, with the upstream URL's path (`http://127.0.0.1:<port>/api`).
    pub fn url(&self) -> String {
        format!("http://{}{}", self.local, self.base_path)
    }

    /// Replaces the rules: each request meets them in order, and the first that matches and
    /// wins its roll applies.
    pub fn set_rules(&self, rules: Vec<FaultRule>) {
        *self.shared.rules() = rules;
    }

    /// Removes every rule: requests pass untouched.
    pub fn heal(&self) {
        self.shared.rules().clear();
    }

    /// What the proxy has done so far.
    pub fn stats(&self) -> ProxyStats {
        let c = &self.shared.counters;
        let get = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        ProxyStats {
            requests: get(&c.requests),
            forwarded: get(&c.forwarded),
            statuses: get(&c.statuses),
            reset_before: get(&c.reset_before),
            reset_after: get(&c.reset_after),
            delayed: get(&c.delayed),
            refused: get(&c.refused),
            upstream_errors: get(&c.upstream_errors),
        }
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.accept_loop.abort();
    }
}

/// `http://host:port/path` → the socket address and the path (no trailing slash).
fn parse_http_url(url: &str) -> Result<(SocketAddr, String), HarnessError> {
    let bad = |why: &str| HarnessError::Proxy(format!("upstream `{url}`: {why}"));
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| bad("only http:// is proxied"))?;
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let authority = authority.replace("localhost", "127.0.0.1");
    let address = authority
        .parse::<SocketAddr>()
        .map_err(|_| bad("wants a numeric host:port"))?;
    Ok((address, path.trim_end_matches('/').to_owned()))
}

async fn accept(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        let Ok((client, _)) = listener.accept().await else {
            // Out of descriptors or the like: try again shortly rather than spin.
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            // A client that hangs up mid-request is its own business: nothing to report.
            let _ = serve(client, &shared).await;
        });
    }
}

/// A request as read from the client, its head rewritten for the upstream.
struct Request {
    method: String,
    path: String,
    head: Vec<u8>,
    body: Vec<u8>,
}

async fn serve(mut client: TcpStream, shared: &Shared) -> std::io::Result<()> {
    if shared.refuses() {
        bump(&shared.counters.refused);
        reset(client);
        return Ok(());
    }
    let Some(request) = read_request(&mut client).await? else {
        return Ok(());
    };
    bump(&shared.counters.requests);
    match shared.pick(&request.method, &request.path) {
        Some(Fault::Status {
            status,
            retry_after,
        }) => {
            bump(&shared.counters.statuses);
            client
                .write_all(&status_answer(status, retry_after))
                .await?;
            client.shutdown().await
        }
        Some(Fault::ResetBeforeForward | Fault::Refuse) => {
            bump(&shared.counters.reset_before);
            reset(client);
            Ok(())
        }
        Some(Fault::ResetAfterForward) => {
            bump(&shared.counters.reset_after);
            bump(&shared.counters.forwarded);
            // The server must have answered before the reset: that is the point of this fault.
            let _ = forward(shared.upstream, &request).await;
            reset(client);
            Ok(())
        }
        Some(Fault::Delay(delay)) => {
            bump(&shared.counters.delayed);
            tokio::time::sleep(delay).await;
            pass_on(client, shared, &request).await
        }
        None => pass_on(client, shared, &request).await,
    }
}

async fn pass_on(mut client: TcpStream, shared: &Shared, request: &Request) -> std::io::Result<()> {
    bump(&shared.counters.forwarded);
    let answer = match forward(shared.upstream, request).await {
        Ok(answer) => answer,
        Err(_) => {
            bump(&shared.counters.upstream_errors);
            status_answer(502, None)
        }
    };
    client.write_all(&answer).await?;
    client.shutdown().await
}

/// Closes the connection with a TCP reset (linger 0), as a crashed peer or a dropped route does.
fn reset(client: TcpStream) {
    // `set_linger` is deprecated because a non-zero linger blocks the thread on drop; a zero
    // linger never waits: the kernel sends RST and discards the socket at once.
    #[allow(deprecated)]
    let _ = client.set_linger(Some(Duration::ZERO));
    drop(client);
}

fn status_answer(status: u16, retry_after: Option<u32>) -> Vec<u8> {
    let body = format!(
        "{{\"status\":{status},\"message\":\"injected by the fault proxy\",\"retryable\":true}}"
    );
    let retry = retry_after.map_or(String::new(), |s| format!("Retry-After: {s}\r\n"));
    format!(
        "HTTP/1.1 {status} Injected\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{retry}Connection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Sends the request upstream and reads the whole answer (the upstream closes after it).
async fn forward(upstream: SocketAddr, request: &Request) -> std::io::Result<Vec<u8>> {
    let mut server = TcpStream::connect(upstream).await?;
    server.write_all(&request.head).await?;
    server.write_all(&request.body).await?;
    let mut answer = Vec::new();
    server.read_to_end(&mut answer).await?;
    if answer.is_empty() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "the server closed without answering",
        ));
    }
    Ok(answer)
}

fn invalid(why: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, why.to_owned())
}

/// Reads one request; `None` when the client closed before sending one.
async fn read_request(client: &mut TcpStream) -> std::io::Result<Option<Request>> {
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        if buf.len() > MAX_HEAD {
            return Err(invalid("request head too large"));
        }
        let n = client.read(&mut chunk).await?;
        if n == 0 {
            return if buf.is_empty() {
                Ok(None)
            } else {
                Err(invalid("closed mid-head"))
            };
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = std::str::from_utf8(&buf[..head_end]).map_err(|_| invalid("head is not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default().to_owned();
    let mut parts = request_line.split(' ');
    let method = parts.next().unwrap_or_default().to_owned();
    let path = parts.next().unwrap_or_default().to_owned();
    let mut content_length = 0usize;
    let mut rewritten = format!("{request_line}\r\n");
    for line in lines.filter(|l| !l.is_empty()) {
        let (name, value) = line.split_once(':').ok_or_else(|| invalid("bad header"))?;
        if name.eq_ignore_ascii_case("content-length") {
            content_length = value
                .trim()
                .parse()
                .map_err(|_| invalid("bad content-length"))?;
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(invalid("chunked requests are not proxied"));
        } else if name.eq_ignore_ascii_case("connection") || name.eq_ignore_ascii_case("keep-alive")
        {
            continue;
        }
        rewritten.push_str(line);
        rewritten.push_str("\r\n");
    }
    rewritten.push_str("Connection: close\r\n\r\n");
    let mut body = buf[head_end..].to_vec();
    while body.len() < content_length {
        let n = client.read(&mut chunk).await?;
        if n == 0 {
            return Err(invalid("closed mid-body"));
        }
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(content_length);
    Ok(Some(Request {
        method,
        path,
        head: rewritten.into_bytes(),
        body,
    }))
}

#[cfg(test)]
#[path = "fault_proxy_tests.rs"]
mod tests;
