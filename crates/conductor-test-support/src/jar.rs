//! The conductor-oss server jars: which versions the SDK is tested against, and fetching one with
//! Maven into a cache outside the clone (never committed).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::HarnessError;

/// The conductor-oss versions the SDK is tested against: the oldest 3.21.x and the newest release
/// that Maven Central serves as `org.conductoross:conductor-server` with classifier `boot` (a
/// self-contained Spring Boot jar that carries the SQLite persistence modules).
///
/// `conductor-server-lite` (classifier `standalone`) is not published to Maven Central, so the
/// harness runs the `boot` jar with its SQLite persistence switched on (see
/// [`OssServer`](crate::OssServer)).
///
/// ```
/// assert_eq!(conductor_test_support::OSS_VERSIONS, ["3.21.14", "3.32.3"]);
/// ```
pub const OSS_VERSIONS: [&str; 2] = ["3.21.14", "3.32.3"];

/// The Maven coordinates' group and artifact of the server jar.
const GROUP: &str = "org.conductoross";
const ARTIFACT: &str = "conductor-server";
const CLASSIFIER: &str = "boot";
/// Pinned so that a fresh machine resolves the same plugin every time.
const DEPENDENCY_PLUGIN: &str = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1";

/// Where jars are cached: `$CONDUCTOR_OSS_CACHE`, else `$HOME/.cache/conductor-oss`, else a folder
/// under the system's temporary directory.
///
/// ```
/// let dir = conductor_test_support::cache_dir();
/// assert!(dir.ends_with("conductor-oss") || std::env::var_os("CONDUCTOR_OSS_CACHE").is_some());
/// ```
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CONDUCTOR_OSS_CACHE").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    match std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        Some(home) => PathBuf::from(home).join(".cache").join("conductor-oss"),
        None => std::env::temp_dir().join("conductor-oss"),
    }
}

/// The cached jar of `version`: `<cache>/<version>/conductor-server-<version>-boot.jar`.
fn jar_path(cache: &Path, version: &str) -> PathBuf {
    cache
        .join(version)
        .join(format!("{ARTIFACT}-{version}-{CLASSIFIER}.jar"))
}

/// The path of the server jar of `version`, fetched with Maven (`mvn dependency:copy`) into
/// [`cache_dir`] on first use.
///
/// Maven's own repository for this lives in `<cache>/m2` (so the plugin it needs is cached
/// too); the jar is moved out of it rather than kept twice.
///
/// # Errors
///
/// [`HarnessError::Fetch`] when Maven is missing or cannot resolve the artifact (the error carries
/// Maven's output), [`HarnessError::Io`] when the cache cannot be written.
///
/// ```no_run
/// let jar = conductor_test_support::ensure_jar("3.32.3")?;
/// assert!(jar.exists());
/// # Ok::<(), conductor_test_support::HarnessError>(())
/// ```
pub fn ensure_jar(version: &str) -> Result<PathBuf, HarnessError> {
    let cache = cache_dir();
    let jar = jar_path(&cache, version);
    if std::fs::metadata(&jar).is_ok_and(|m| m.len() > 0) {
        return Ok(jar);
    }
    let out_dir = cache.join(version);
    std::fs::create_dir_all(&out_dir).map_err(|e| HarnessError::io(&out_dir, e))?;
    let local_repo = cache.join("m2");
    let artifact = format!("{GROUP}:{ARTIFACT}:{version}:jar:{CLASSIFIER}");
    let output = Command::new("mvn")
        .arg("-B")
        .arg("-q")
        .arg(format!("{DEPENDENCY_PLUGIN}:copy"))
        .arg(format!("-Dartifact={artifact}"))
        .arg(format!("-DoutputDirectory={}", out_dir.display()))
        .arg(format!("-Dmaven.repo.local={}", local_repo.display()))
        .current_dir(&out_dir)
        .output()
        .map_err(|e| HarnessError::Fetch {
            artifact: artifact.clone(),
            detail: format!("could not run `mvn` ({e}); install Maven"),
        })?;
    if !output.status.success() || !jar.exists() {
        let mut detail = String::from_utf8_lossy(&output.stdout).into_owned();
        detail.push_str(&String::from_utf8_lossy(&output.stderr));
        return Err(HarnessError::Fetch {
            artifact,
            detail: tail(&detail, 40),
        });
    }
    // The copy in Maven's repository is the same 400 MB again: keep only the cached one.
    let in_repo = local_repo
        .join(GROUP.replace('.', "/"))
        .join(ARTIFACT)
        .join(version);
    if let Err(error) = std::fs::remove_dir_all(&in_repo) {
        // Only disk space is at stake.
        tracing::warn!(path = %in_repo.display(), %error, "could not remove Maven's copy of the jar");
    }
    Ok(jar)
}

/// The last `lines` lines of `text`.
pub(crate) fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jars_are_cached_per_version() {
        let path = jar_path(Path::new("/c"), "3.21.14");
        assert_eq!(
            path,
            Path::new("/c/3.21.14/conductor-server-3.21.14-boot.jar")
        );
    }

    #[test]
    fn tail_keeps_the_last_lines() {
        assert_eq!(tail("a\nb\nc", 2), "b\nc");
        assert_eq!(tail("a", 5), "a");
    }
}
