//! Finding a Java runtime new enough for a conductor-oss version: 3.21.x runs on Java 17, later
//! releases are compiled for Java 21.

use std::path::{Path, PathBuf};

use crate::error::HarnessError;

/// The lowest Java feature release that runs `version` of conductor-oss.
fn required_java(version: &str) -> u32 {
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let major = parts.next().unwrap_or(0);
    let minor = parts.next().unwrap_or(0);
    // 3.21.x is built for Java 17; the 3.22+ line (checked: 3.32.3) for Java 21.
    if (major, minor) <= (3, 21) { 17 } else { 21 }
}

/// The `java` binary to run `version` of conductor-oss with.
///
/// `$CONDUCTOR_OSS_JAVA` (a path to a `java` binary) wins. Otherwise the JDKs in `$JAVA_HOME` and
/// under `/usr/lib/jvm` are read (their `release` file), and the oldest one that is new enough is
/// chosen; failing that, `java` from `PATH`.
///
/// # Errors
///
/// [`HarnessError::NoJava`] when only JDKs older than the version needs are installed.
///
/// ```no_run
/// let java = conductor_test_support::java_for("3.32.3")?;
/// assert!(java.ends_with("java"));
/// # Ok::<(), conductor_test_support::HarnessError>(())
/// ```
pub fn java_for(version: &str) -> Result<PathBuf, HarnessError> {
    if let Some(java) = std::env::var_os("CONDUCTOR_OSS_JAVA").filter(|j| !j.is_empty()) {
        return Ok(PathBuf::from(java));
    }
    let required = required_java(version);
    let mut homes: Vec<PathBuf> = Vec::new();
    if let Some(home) = std::env::var_os("JAVA_HOME").filter(|h| !h.is_empty()) {
        homes.push(PathBuf::from(home));
    }
    if let Ok(entries) = std::fs::read_dir("/usr/lib/jvm") {
        homes.extend(entries.filter_map(Result::ok).map(|e| e.path()));
    }
    let mut found: Vec<(u32, PathBuf)> = homes
        .iter()
        .filter_map(|home| Some((java_release(home)?, home.join("bin").join("java"))))
        .filter(|(_, java)| java.exists())
        .collect();
    found.sort();
    if let Some((_, java)) = found.iter().find(|(release, _)| *release >= required) {
        return Ok(java.clone());
    }
    if found.is_empty() {
        // Nothing identifiable: trust PATH and let the JVM say what is wrong.
        return Ok(PathBuf::from("java"));
    }
    Err(HarnessError::NoJava {
        version: version.to_owned(),
        required,
        found: found.into_iter().map(|(release, _)| release).collect(),
    })
}

/// The feature release (17, 21, 25, ...) of the JDK at `home`, from its `release` file.
fn java_release(home: &Path) -> Option<u32> {
    let text = std::fs::read_to_string(home.join("release")).ok()?;
    parse_release(&text)
}

fn parse_release(text: &str) -> Option<u32> {
    let line = text
        .lines()
        .find_map(|line| line.strip_prefix("JAVA_VERSION="))?;
    let version = line.trim().trim_matches('"');
    let first = version.split(['.', '+', '-']).next()?;
    // Java 8 and older say "1.8.0_x".
    match first.parse::<u32>().ok()? {
        1 => version.split('.').nth(1)?.parse().ok(),
        release => Some(release),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_map_to_the_java_they_were_built_for() {
        assert_eq!(required_java("3.21.14"), 17);
        assert_eq!(required_java("3.32.3"), 21);
    }

    #[test]
    fn release_files_are_parsed() {
        assert_eq!(
            parse_release("IMPLEMENTOR=x\nJAVA_VERSION=\"17.0.15\"\n"),
            Some(17)
        );
        assert_eq!(parse_release("JAVA_VERSION=\"25\"\n"), Some(25));
        assert_eq!(parse_release("JAVA_VERSION=\"1.8.0_392\"\n"), Some(8));
        assert_eq!(parse_release("OS_NAME=Linux\n"), None);
    }
}
