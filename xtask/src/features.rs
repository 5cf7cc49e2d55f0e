//! `cargo xtask features`: every workspace crate builds with no default features, and with each
//! of its features alone (what `cargo hack --each-feature --no-dev-deps` checks, without
//! installing it).
//!
//! The features come from `cargo metadata`, so a new feature is checked the day it is declared.
//! Each combination is a `cargo check -p <crate> --no-default-features [--features <f>]`; the
//! combinations share one target directory, so only the crates whose features change rebuild.

use std::process::Command;
use std::time::Instant;

use serde_json::Value;

/// One `cargo check` to run: a package and at most one feature.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Combination {
    /// The package name.
    pub(crate) package: String,
    /// The one feature turned on, or `None` for no features at all.
    pub(crate) feature: Option<String>,
}

/// Runs every combination; stops at the first that fails to build.
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let only = match args {
        [] => None,
        [flag, package] if flag == "-p" || flag == "--package" => Some(package.as_str()),
        _ => return Err("usage: cargo xtask features [-p PACKAGE]".to_owned()),
    };
    let metadata = cargo_metadata()?;
    let combinations: Vec<Combination> = combinations(&metadata)?
        .into_iter()
        .filter(|combination| only.is_none_or(|name| combination.package == name))
        .collect();
    if combinations.is_empty() {
        return Err("no package matched".to_owned());
    }
    let started = Instant::now();
    for (idx, combination) in combinations.iter().enumerate() {
        let mut command = Command::new(cargo());
        command.args([
            "check",
            "--quiet",
            "-p",
            &combination.package,
            "--no-default-features",
        ]);
        let label = match &combination.feature {
            Some(feature) => {
                command.args(["--features", feature]);
                format!("--features {feature}")
            }
            None => "(none)".to_owned(),
        };
        println!(
            "features [{}/{}]: {} {label}",
            idx + 1,
            combinations.len(),
            combination.package
        );
        let status = command
            .status()
            .map_err(|err| format!("cannot run cargo: {err}"))?;
        if !status.success() {
            return Err(format!(
                "`cargo check -p {} --no-default-features {label}` failed",
                combination.package
            ));
        }
    }
    println!(
        "features: {} combinations build, in {:.0} s",
        combinations.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The cargo that runs the xtask (so the pinned toolchain), or `cargo` from the path.
fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

fn cargo_metadata() -> Result<Value, String> {
    let output = Command::new(cargo())
        .args(["metadata", "--no-deps", "--format-version", "1"])
        .output()
        .map_err(|err| format!("cannot run cargo metadata: {err}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    serde_json::from_slice(&output.stdout).map_err(|err| format!("bad cargo metadata: {err}"))
}

/// The combinations to check for the workspace described by `metadata` (`cargo metadata
/// --no-deps` output): per package, no features, then each feature alone (not `default`, which
/// the ordinary build covers). A package without features has nothing to add to the ordinary
/// build and is skipped.
pub(crate) fn combinations(metadata: &Value) -> Result<Vec<Combination>, String> {
    let packages = metadata["packages"]
        .as_array()
        .ok_or("cargo metadata has no `packages`")?;
    let mut combinations = Vec::new();
    for package in packages {
        let name = package["name"].as_str().ok_or("a package without a name")?;
        let mut features: Vec<&str> = package["features"]
            .as_object()
            .map(|features| features.keys().map(String::as_str).collect())
            .unwrap_or_default();
        features.retain(|feature| *feature != "default");
        let has_default = package["features"]["default"]
            .as_array()
            .is_some_and(|enabled| !enabled.is_empty());
        if features.is_empty() && !has_default {
            continue;
        }
        features.sort_unstable();
        combinations.push(Combination {
            package: name.to_owned(),
            feature: None,
        });
        combinations.extend(features.into_iter().map(|feature| Combination {
            package: name.to_owned(),
            feature: Some(feature.to_owned()),
        }));
    }
    Ok(combinations)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_feature_alone_and_none() {
        let metadata = serde_json::json!({
            "packages": [
                { "name": "plain", "features": {} },
                { "name": "facade", "features": {
                    "default": ["client"], "client": [], "server": ["dep:srv"] } },
            ]
        });
        let checked: Vec<(String, Option<String>)> = combinations(&metadata)
            .unwrap()
            .into_iter()
            .map(|c| (c.package, c.feature))
            .collect();
        assert_eq!(
            checked,
            [
                ("facade".to_owned(), None),
                ("facade".to_owned(), Some("client".to_owned())),
                ("facade".to_owned(), Some("server".to_owned())),
            ]
        );
    }
}
