//! conductor-oss's own server, started on demand: a fresh SQLite file in a temporary folder, a
//! free port on 127.0.0.1, ready when it answers `GET /health`, and ended (that JVM only) on drop.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::error::HarnessError;
use crate::jar::{ensure_jar, tail};
use crate::java::java_for;

/// Properties every version is started with: SQLite for persistence, queues and indexing (the
/// 3.21 jar defaults to Redis and Elasticsearch), a process-local execution lock, no sample
/// workflows, and optional owner e-mails (the 3.32 default; 3.21 requires them).
const BASE_PROPERTIES: &[(&str, &str)] = &[
    ("conductor.db.type", "sqlite"),
    ("conductor.queue.type", "sqlite"),
    ("conductor.indexing.type", "sqlite"),
    ("conductor.indexing.enabled", "true"),
    // 3.21's Elasticsearch 7 module switches itself on unless told another version.
    ("conductor.elasticsearch.version", "0"),
    ("conductor.workflow-execution-lock.type", "local_only"),
    ("conductor.app.ownerEmailMandatory", "false"),
    ("loadSample", "false"),
];

/// Properties for 3.21.x only: one SQLite connection. With the default pool, concurrent writers
/// on 3.21 fail with `SQLITE_BUSY` (seen: 7 of 50 client tests over 5 runs; none with one
/// connection). 3.32 serialises its writes itself.
const PROPERTIES_3_21: &[(&str, &str)] = &[("spring.datasource.hikari.maximum-pool-size", "1")];

/// Properties for 3.22 and later: event queues poll without a long poll. With the SQLite queue,
/// each event queue's long poll holds one of the (one per core) poll threads for good, so on a
/// 2-core machine the third event handler ever registered never fires; with `0ms` each poll
/// returns and the threads are shared. (On 3.21 the same setting makes SQLite lock errors worse.)
const PROPERTIES_3_22_ON: &[(&str, &str)] =
    &[("conductor.app.event-queue-long-poll-timeout", "0ms")];

/// The harness's properties for `version`: [`BASE_PROPERTIES`] plus the version's own.
fn properties_for(version: &str) -> Vec<(&'static str, &'static str)> {
    let mut properties = BASE_PROPERTIES.to_vec();
    if version.starts_with("3.21.") {
        properties.extend_from_slice(PROPERTIES_3_21);
    } else {
        properties.extend_from_slice(PROPERTIES_3_22_ON);
    }
    properties
}

/// How to start a conductor-oss server.
///
/// ```
/// use conductor_test_support::OssServerOptions;
/// let options = OssServerOptions::new("3.32.3").port(8080).property("conductor.app.sweeperThreadCount", "2");
/// assert_eq!(options.version(), "3.32.3");
/// ```
#[derive(Debug, Clone)]
pub struct OssServerOptions {
    version: String,
    port: Option<u16>,
    properties: Vec<(String, String)>,
    startup_timeout: Duration,
}

impl OssServerOptions {
    /// Options for `version` (one of [`OSS_VERSIONS`](crate::OSS_VERSIONS), or any version Maven
    /// Central serves), on a free port, ready within 3 minutes.
    pub fn new(version: impl Into<String>) -> Self {
        OssServerOptions {
            version: version.into(),
            port: None,
            properties: Vec::new(),
            startup_timeout: Duration::from_secs(180),
        }
    }

    /// The version to start.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Listens on `port` instead of a free one.
    #[must_use]
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// Sets a Spring property (`--key=value`), after the harness's own, so it wins.
    #[must_use]
    pub fn property(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.properties.push((key.into(), value.into()));
        self
    }

    /// How long the server may take to answer its health check.
    #[must_use]
    pub fn startup_timeout(mut self, timeout: Duration) -> Self {
        self.startup_timeout = timeout;
        self
    }
}

/// A running conductor-oss server. Dropping it ends the JVM it started (and only that one) and
/// removes its temporary folder.
///
/// ```no_run
/// use conductor_test_support::{OssServer, OssServerOptions};
/// let server = OssServer::start(OssServerOptions::new("3.32.3"))?;
/// println!("conductor-oss at {}", server.url());
/// drop(server); // the JVM is gone
/// # Ok::<(), conductor_test_support::HarnessError>(())
/// ```
#[derive(Debug)]
pub struct OssServer {
    version: String,
    port: u16,
    child: Child,
    dir: PathBuf,
    options: OssServerOptions,
}

impl OssServer {
    /// Fetches the jar if needed, starts the server and waits until it answers `GET /health`.
    ///
    /// # Errors
    ///
    /// [`HarnessError`] when the jar cannot be fetched, no suitable Java is installed, the server
    /// exits early or does not answer within the start-up timeout (the error carries the end of
    /// its log).
    pub fn start(options: OssServerOptions) -> Result<OssServer, HarnessError> {
        let dir = fresh_dir(&options.version)?;
        let port = match options.port {
            Some(port) => port,
            None => free_port().map_err(|e| HarnessError::io(Path::new("127.0.0.1:0"), e))?,
        };
        let child = spawn(&options, &dir, port)?;
        let mut server = OssServer {
            version: options.version.clone(),
            port,
            child,
            dir,
            options,
        };
        server.wait_ready(server.options.startup_timeout, &server.log_path())?;
        Ok(server)
    }

    /// Ends the JVM at once with SIGKILL, as a crash would, and keeps its folder: the SQLite file
    /// (and whatever it had committed) stays for [`OssServer::restart`]. Does nothing when the
    /// JVM has already exited.
    ///
    /// ```no_run
    /// use conductor_test_support::{OssServer, OssServerOptions};
    /// let mut server = OssServer::start(OssServerOptions::new("3.32.3"))?;
    /// let url = server.url();
    /// server.kill(); // a crash: nothing answers on the port now
    /// assert!(!server.is_running());
    /// server.restart()?; // the same port and database
    /// assert_eq!(server.url(), url);
    /// # Ok::<(), conductor_test_support::HarnessError>(())
    /// ```
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts the server again on the same port, with the same SQLite file and options, and
    /// waits until it answers `GET /health`: a restart after a crash when the JVM was ended
    /// with [`OssServer::kill`], else a kill (SIGKILL) then a start. Its log is appended to
    /// the same file.
    ///
    /// # Errors
    ///
    /// As [`OssServer::start`].
    ///
    /// ```no_run
    /// use conductor_test_support::{OssServer, OssServerOptions};
    /// let mut server = OssServer::start(OssServerOptions::new("3.32.3"))?;
    /// // ... start workflows ...
    /// server.restart()?; // SIGKILL, then the same port and database: the workflows are still there
    /// # Ok::<(), conductor_test_support::HarnessError>(())
    /// ```
    pub fn restart(&mut self) -> Result<(), HarnessError> {
        self.kill();
        self.child = spawn(&self.options, &self.dir, self.port)?;
        self.wait_ready(self.options.startup_timeout, &self.log_path())
    }

    fn wait_ready(&mut self, timeout: Duration, log: &Path) -> Result<(), HarnessError> {
        let deadline = Instant::now() + timeout;
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(self.start_error(format!("the JVM exited with {status}"), log));
            }
            if health_status(addr) == Some(200) {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(
                    self.start_error(format!("no answer to GET /health within {timeout:?}"), log)
                );
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    fn start_error(&self, reason: String, log: &Path) -> HarnessError {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        HarnessError::Start {
            version: self.version.clone(),
            reason,
            log: log.to_path_buf(),
            log_tail: tail(&text, 30),
        }
    }

    /// The API base URL, ending in `/api` (what `CONDUCTOR_SERVER_URL` takes).
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/api", self.port)
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The conductor-oss version running.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The server's log file (stdout and stderr of the JVM).
    pub fn log_path(&self) -> PathBuf {
        self.dir.join("server.log")
    }

    /// The JVM's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the JVM is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Ends the JVM and removes the temporary folder (what dropping does).
    pub fn stop(self) {
        drop(self);
    }
}

impl Drop for OssServer {
    fn drop(&mut self) {
        // SIGKILL: the SQLite file is thrown away with the folder, so a graceful stop buys nothing.
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Starts the JVM for `options` on `port`, with the database and log in `dir` (the log is
/// appended to, so a restart keeps the first run's lines).
fn spawn(options: &OssServerOptions, dir: &Path, port: u16) -> Result<Child, HarnessError> {
    let jar = ensure_jar(&options.version)?;
    let java = java_for(&options.version)?;
    let log_path = dir.join("server.log");
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .map_err(|e| HarnessError::io(&log_path, e))?;
    let log_err = log
        .try_clone()
        .map_err(|e| HarnessError::io(&log_path, e))?;
    let database = format!(
        "jdbc:sqlite:{}?busy_timeout=15000&journal_mode=WAL",
        dir.join("conductor.db").display()
    );
    let mut command = Command::new(&java);
    command
        .arg("-XX:+UseSerialGC")
        .arg("-Xss1m")
        .arg("-jar")
        .arg(&jar)
        .arg(format!("--server.port={port}"))
        .arg("--server.address=127.0.0.1")
        .arg(format!("--spring.datasource.url={database}"));
    for (key, value) in properties_for(&options.version) {
        command.arg(format!("--{key}={value}"));
    }
    for (key, value) in &options.properties {
        command.arg(format!("--{key}={value}"));
    }
    command
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err)
        .spawn()
        .map_err(|e| HarnessError::io(&java, e))
}

/// A new, empty folder for one server's database and log.
fn fresh_dir(version: &str) -> Result<PathBuf, HarnessError> {
    let dir = std::env::temp_dir().join(format!(
        "conductor-oss-{version}-{}-{:08x}",
        std::process::id(),
        fastrand::u32(..)
    ));
    std::fs::create_dir_all(&dir).map_err(|e| HarnessError::io(&dir, e))?;
    Ok(dir)
}

/// A port that was free a moment ago (the OS picks it; the JVM binds it shortly after).
fn free_port() -> std::io::Result<u16> {
    let listener = TcpListener::bind(("127.0.0.1", 0))?;
    Ok(listener.local_addr()?.port())
}

/// The status code of `GET /health` at `addr`, or `None` when nothing answers.
fn health_status(addr: SocketAddr) -> Option<u16> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(1)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .ok()?;
    let mut head = [0_u8; 64];
    let read = stream.read(&mut head).ok()?;
    parse_status(&head[..read])
}

fn parse_status(head: &[u8]) -> Option<u16> {
    let text = std::str::from_utf8(head).ok()?;
    text.strip_prefix("HTTP/1.")?.get(2..5)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_lines_are_parsed() {
        assert_eq!(parse_status(b"HTTP/1.1 200 OK\r\n"), Some(200));
        assert_eq!(parse_status(b"HTTP/1.0 503 Service"), Some(503));
        assert_eq!(parse_status(b"garbage"), None);
    }

    #[test]
    fn nothing_listening_means_no_status() {
        let port = free_port().expect("a free port");
        assert_eq!(
            health_status(SocketAddr::from(([127, 0, 0, 1], port))),
            None
        );
    }

    #[test]
    fn only_3_21_runs_on_one_sqlite_connection() {
        let pool = "spring.datasource.hikari.maximum-pool-size";
        assert!(
            properties_for("3.21.14")
                .iter()
                .any(|(k, v)| *k == pool && *v == "1")
        );
        assert!(!properties_for("3.32.3").iter().any(|(k, _)| *k == pool));
    }

    #[test]
    fn later_properties_are_kept_after_the_base_ones() {
        let options = OssServerOptions::new("3.21.14").property("loadSample", "true");
        assert_eq!(options.properties, [("loadSample".into(), "true".into())]);
        assert!(BASE_PROPERTIES.iter().any(|(k, _)| *k == "loadSample"));
    }
}
