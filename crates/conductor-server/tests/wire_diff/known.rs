//! The accepted differences (`known_differences.json`): each names a step, a path and a kind
//! (`*` matches any run of characters in the step and path), the server versions it applies to
//! (all when absent), and why it is accepted. A difference not listed fails the run; so does a
//! listed one that no longer occurs, so the file never goes stale.

use serde::Deserialize;

use super::differ::{Difference, Kind};

/// The file's contents.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnownFile {
    /// What the file is and how to read it (free text).
    #[serde(rename = "_comment")]
    pub comment: String,
    /// The accepted differences.
    pub differences: Vec<Known>,
}

/// One accepted difference.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Known {
    /// The step (glob).
    pub step: String,
    /// The path in the body (glob), e.g. `$.tasks[*].taskDefinition`.
    pub path: String,
    /// The kind, as in [`Kind::as_str`].
    pub kind: String,
    /// The reference server versions this applies to; all when absent.
    #[serde(default)]
    pub versions: Option<Vec<String>>,
    /// Why the difference is accepted (required, never empty).
    pub reason: String,
}

impl Known {
    fn applies_to(&self, version: &str) -> bool {
        self.versions
            .as_ref()
            .is_none_or(|vs| vs.iter().any(|v| v == version))
    }

    fn matches(&self, difference: &Difference) -> bool {
        Kind::parse(&self.kind) == Some(difference.kind)
            && glob(&self.step, &difference.step)
            && glob(&self.path, &difference.path)
    }
}

/// Parses the file and checks every entry is well formed (a known kind, a reason).
pub fn parse(text: &str) -> Result<KnownFile, String> {
    let file: KnownFile = serde_json::from_str(text).map_err(|e| e.to_string())?;
    for (i, known) in file.differences.iter().enumerate() {
        if Kind::parse(&known.kind).is_none() {
            return Err(format!("entry {i}: unknown kind {:?}", known.kind));
        }
        if known.reason.trim().is_empty() {
            return Err(format!("entry {i} ({}): no reason given", known.step));
        }
        if known.versions.as_ref().is_some_and(Vec::is_empty) {
            return Err(format!("entry {i} ({}): empty version list", known.step));
        }
    }
    Ok(file)
}

/// The outcome of checking found differences against the file for one server version.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Differences no entry accepts.
    pub unexpected: Vec<Difference>,
    /// Differences some entry accepts, with the index of the entry.
    pub accepted: Vec<(Difference, usize)>,
    /// Entries for this version that matched nothing: stale.
    pub stale: Vec<usize>,
}

/// Sorts `found` into accepted and unexpected differences and finds stale entries, for the
/// reference server `version`.
pub fn check(file: &KnownFile, version: &str, found: Vec<Difference>) -> Outcome {
    let mut used = vec![false; file.differences.len()];
    let mut outcome = Outcome::default();
    for difference in found {
        let entry = file
            .differences
            .iter()
            .enumerate()
            .find(|(_, k)| k.applies_to(version) && k.matches(&difference));
        match entry {
            Some((i, _)) => {
                used[i] = true;
                outcome.accepted.push((difference, i));
            }
            None => outcome.unexpected.push(difference),
        }
    }
    outcome.stale = file
        .differences
        .iter()
        .enumerate()
        .filter(|(i, k)| k.applies_to(version) && !used[*i])
        .map(|(i, _)| i)
        .collect();
    outcome
}

/// Whether `text` matches `pattern`, where `*` matches any run of characters (also none).
pub fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // Classic two-pointer wildcard match with backtracking to the last `*`.
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] != '*' && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn difference(step: &str, path: &str, kind: Kind) -> Difference {
        Difference {
            step: step.into(),
            path: path.into(),
            kind,
            detail: String::new(),
        }
    }

    #[test]
    fn globs_match_runs_of_characters() {
        assert!(glob("*", ""));
        assert!(glob("$.tasks[*].x", "$.tasks[12].x"));
        assert!(glob("workflow.*", "workflow.get"));
        assert!(!glob("workflow.*", "tasks.get"));
        assert!(glob("a*b*c", "aXbYbZc"));
        assert!(!glob("a*b", "a"));
        assert!(glob("exact", "exact"));
    }

    #[test]
    fn entries_accept_by_version_and_stale_ones_are_reported() {
        let file = parse(
            r#"{"_comment": "c", "differences": [
                {"step": "health.*", "path": "$", "kind": "status", "versions": ["3.21.14"], "reason": "no /api/health"},
                {"step": "*", "path": "*.x", "kind": "missing", "reason": "x is never sent"}
            ]}"#,
        )
        .expect("the file parses");
        let found = vec![
            difference("health.get", "$", Kind::Status),
            difference("task.get", "$.x", Kind::Extra),
        ];
        let old = check(&file, "3.21.14", found.clone());
        assert_eq!(old.accepted.len(), 1);
        assert_eq!(old.unexpected, [difference("task.get", "$.x", Kind::Extra)]);
        assert_eq!(old.stale, [1]);
        let new = check(&file, "3.32.3", found);
        assert_eq!(new.unexpected.len(), 2);
        assert_eq!(
            new.stale,
            [1],
            "the 3.21.14-only entry is not stale on 3.32.3"
        );
    }

    #[test]
    fn malformed_entries_are_refused() {
        let no_reason = r#"{"_comment": "c", "differences": [{"step": "a", "path": "$", "kind": "status", "reason": " "}]}"#;
        assert!(parse(no_reason).is_err());
        let bad_kind = r#"{"_comment": "c", "differences": [{"step": "a", "path": "$", "kind": "odd", "reason": "r"}]}"#;
        assert!(parse(bad_kind).is_err());
        let unknown_field = r#"{"_comment": "c", "differences": [{"step": "a", "path": "$", "kind": "status", "reason": "r", "x": 1}]}"#;
        assert!(parse(unknown_field).is_err());
    }
}
