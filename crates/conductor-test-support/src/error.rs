//! The harness's error: what went wrong fetching, finding Java for, or starting conductor-oss.

use std::path::{Path, PathBuf};

/// Why a conductor-oss server could not be provided.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HarnessError {
    /// Maven could not fetch the server jar.
    #[error("could not fetch {artifact} with Maven:\n{detail}")]
    Fetch {
        /// The Maven coordinates asked for.
        artifact: String,
        /// Maven's last lines of output, or why it could not run.
        detail: String,
    },
    /// No installed Java is new enough for the version.
    #[error(
        "conductor-oss {version} needs Java {required} or newer; found only {found:?} \
         (set CONDUCTOR_OSS_JAVA to a java binary)"
    )]
    NoJava {
        /// The server version.
        version: String,
        /// The Java feature release it needs.
        required: u32,
        /// The feature releases found.
        found: Vec<u32>,
    },
    /// The server process exited, or did not answer, before it was ready.
    #[error("conductor-oss {version} did not start: {reason}\n--- last lines of {} ---\n{log_tail}", log.display())]
    Start {
        /// The server version.
        version: String,
        /// What happened.
        reason: String,
        /// The server's log file.
        log: PathBuf,
        /// The last lines of that log.
        log_tail: String,
    },
    /// A file or process operation failed.
    #[error("{path}: {source}")]
    Io {
        /// The file, folder or program involved.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The fault-injecting proxy could not start.
    #[error("fault proxy: {0}")]
    Proxy(String),
}

impl HarnessError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        HarnessError::Io {
            path: path.display().to_string(),
            source,
        }
    }
}
