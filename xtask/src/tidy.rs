//! Repository invariants checked by `cargo xtask tidy` and by the `tidy` unit test.
//!
//! The checks are plain text scans with no dependencies, so they run in milliseconds:
//! - every `.rs` file opens with a `//!` doc line saying what it holds;
//! - every internal dependency in `[workspace.dependencies]` is pinned exactly (`version = "=x.y.z"`);
//! - every package manifest opts into the shared lints (`[lints]` with `workspace = true`);
//! - library code holds no stubs (`todo!`, `unimplemented!`) and no test is `#[ignore]`d;
//! - the claims of the docs hold (see `tidy_claims`): no third-party re-export in a public API,
//!   every guide's Rust compiled, files under the line budget, `rust-version` = the pinned toolchain.

use std::fs;
use std::path::{Path, PathBuf};

/// Folders never scanned: build output, VCS data, and test fixtures that are data, not code.
const SKIPPED_DIRS: &[&str] = &["target", ".git", "fixtures", "node_modules"];

/// Macro calls that mark unfinished code; spelled in two halves so this file does not match itself.
const STUB_MACROS: &[&str] = &[concat!("todo", "!("), concat!("unimplemented", "!(")];

/// Runs every check; returns the list of problems found (empty means tidy).
pub(crate) fn check(root: &Path) -> Result<(), Vec<String>> {
    let mut problems = Vec::new();
    let mut rust_files = Vec::new();
    let mut manifests = Vec::new();
    collect_files(root, &mut rust_files, &mut manifests, &mut problems);

    for file in &rust_files {
        check_rust_file(root, file, &mut problems);
    }
    check_workspace_pins(root, &mut problems);
    for manifest in &manifests {
        if manifest.parent() != Some(root) {
            check_member_manifest(root, manifest, &mut problems);
        }
    }
    crate::tidy_claims::check(root, &rust_files, &mut problems);
    if rust_files.is_empty() {
        problems.push("no .rs files found: is the root right?".to_owned());
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

fn collect_files(
    dir: &Path,
    rust_files: &mut Vec<PathBuf>,
    manifests: &mut Vec<PathBuf>,
    problems: &mut Vec<String>,
) {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) => {
            problems.push(format!("cannot read {}: {err}", dir.display()));
            return;
        }
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if path.is_dir() {
            if !SKIPPED_DIRS.contains(&name) && !name.starts_with('.') {
                collect_files(&path, rust_files, manifests, problems);
            }
        } else if name.ends_with(".rs") {
            rust_files.push(path);
        } else if name == "Cargo.toml" {
            manifests.push(path);
        }
    }
}

/// `path` relative to `root`, with `/` separators, for messages and path rules.
pub(crate) fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

fn check_rust_file(root: &Path, file: &Path, problems: &mut Vec<String>) {
    let text = match fs::read_to_string(file) {
        Ok(text) => text,
        Err(err) => {
            problems.push(format!("cannot read {}: {err}", relative(root, file)));
            return;
        }
    };
    let rel = relative(root, file);
    let first_line = text
        .lines()
        .find(|line| !line.trim().is_empty())
        .unwrap_or("");
    if !first_line.starts_with("//!") {
        problems.push(format!(
            "{rel}: must open with a `//!` line saying what the file holds"
        ));
    }
    // Trybuild UI cases are meant to fail; they may contain anything.
    let is_ui_case = rel.contains("/ui/");
    let in_tests = rel.contains("/tests/") || rel.starts_with("tests/");
    for (idx, line) in text.lines().enumerate() {
        let code = line.trim_start();
        if code.starts_with("//") {
            continue;
        }
        if !is_ui_case && !in_tests && STUB_MACROS.iter().any(|stub| code.contains(stub)) {
            problems.push(format!("{rel}:{}: stub macro in library code", idx + 1));
        }
        if code.starts_with("#[ignore") {
            problems.push(format!(
                "{rel}:{}: ignored test (gate slow tests by feature instead)",
                idx + 1
            ));
        }
    }
}

/// Internal crates are those whose path dependency lives in this repository.
fn check_workspace_pins(root: &Path, problems: &mut Vec<String>) {
    let manifest = root.join("Cargo.toml");
    let Ok(text) = fs::read_to_string(&manifest) else {
        problems.push("cannot read the root Cargo.toml".to_owned());
        return;
    };
    let mut in_deps = false;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            in_deps = trimmed == "[workspace.dependencies]";
            continue;
        }
        if in_deps && trimmed.contains("path =") {
            let name = trimmed.split('=').next().unwrap_or("").trim();
            if !trimmed.contains("version = \"=") {
                problems.push(format!(
                    "Cargo.toml: internal dependency `{name}` must be pinned with version = \"=x.y.z\""
                ));
            }
        }
    }
}

fn check_member_manifest(root: &Path, manifest: &Path, problems: &mut Vec<String>) {
    let rel = relative(root, manifest);
    let Ok(text) = fs::read_to_string(manifest) else {
        problems.push(format!("cannot read {rel}"));
        return;
    };
    let mut lines = text
        .lines()
        .map(str::trim)
        .skip_while(|line| *line != "[lints]");
    let has_workspace_lints = lines.next() == Some("[lints]")
        && lines
            .take_while(|line| !line.starts_with('['))
            .any(|line| line.replace(' ', "") == "workspace=true");
    if !has_workspace_lints {
        problems.push(format!("{rel}: must have `[lints] workspace = true`"));
    }
    let mut table = "";
    let path_dependency = text.lines().map(str::trim).any(|line| {
        if line.starts_with('[') {
            table = line;
        }
        table.contains("dependencies") && !line.starts_with('#') && line.contains("path =")
    });
    if path_dependency {
        problems.push(format!(
            "{rel}: depend on internal crates through `.workspace = true`, not a path"
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-tidy-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("crates/a/src")).unwrap();
        dir
    }

    #[test]
    fn flags_missing_module_doc_unpinned_dep_and_missing_lints() {
        let root = scratch("bad");
        fs::write(
            root.join("Cargo.toml"),
            "[workspace.dependencies]\na = { path = \"crates/a\", version = \"0.1.0\" }\n",
        )
        .unwrap();
        fs::write(
            root.join("crates/a/Cargo.toml"),
            "[package]\nname = \"a\"\n",
        )
        .unwrap();
        let stub = format!("pub fn f() {{ {}() }}\n", concat!("todo", "!"));
        fs::write(root.join("crates/a/src/lib.rs"), stub).unwrap();
        let problems = check(&root).unwrap_err();
        let joined = problems.join("\n");
        assert!(joined.contains("must open with a `//!`"), "{joined}");
        assert!(joined.contains("must be pinned"), "{joined}");
        assert!(joined.contains("[lints] workspace = true"), "{joined}");
        assert!(joined.contains("stub macro"), "{joined}");
        assert!(joined.contains("must pin a toolchain"), "{joined}");
        let _ = fs::remove_dir_all(&root);
    }

    #[test]
    fn flags_the_claims_that_do_not_hold() {
        let root = scratch("claims");
        tidy_skeleton(&root);
        fs::write(
            root.join("Cargo.toml"),
            "[workspace.package]\nrust-version = \"1.85\"\n\n[workspace.dependencies]\n\
             a = { path = \"crates/a\", version = \"=0.1.0\" }\nreqwest = \"0.13\"\n",
        )
        .unwrap();
        let big: String = (0..=crate::tidy_claims::LINE_BUDGET)
            .map(|n| format!("const C{n}: u32 = {n};\n"))
            .collect();
        fs::write(
            root.join("crates/a/src/lib.rs"),
            format!("//! A crate.\npub use reqwest::Method;\n{big}"),
        )
        .unwrap();
        fs::create_dir_all(root.join("docs")).unwrap();
        fs::write(
            root.join("docs/guide.md"),
            "# Guide\n```rust\nfn main() {}\n```\n",
        )
        .unwrap();
        fs::write(root.join("docs/notes.md"), "# Notes\n```\nplain\n```\n").unwrap();
        let problems = check(&root).unwrap_err();
        let joined = problems.join("\n");
        assert!(joined.contains("`pub use reqwest::...`"), "{joined}");
        assert!(joined.contains("over the budget of 800"), "{joined}");
        assert!(
            joined.contains("docs/guide.md: has Rust blocks"),
            "{joined}"
        );
        assert!(
            joined.contains("docs/notes.md:2: a fenced block without a language"),
            "{joined}"
        );
        assert!(
            joined.contains("rust-version = \"1.85\" is not tested"),
            "{joined}"
        );
        let _ = fs::remove_dir_all(&root);
    }

    /// What a tidy tree needs besides the crate itself: the pinned toolchain, and the files
    /// `OVER_BUDGET` lists (still over the budget, so that only the planted problems show).
    fn tidy_skeleton(root: &Path) {
        fs::write(
            root.join("rust-toolchain.toml"),
            "[toolchain]\nchannel = \"1.95.0\"\n",
        )
        .unwrap();
        for listed in crate::tidy_claims::OVER_BUDGET {
            let path = root.join(listed);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            let body: String = (0..=crate::tidy_claims::LINE_BUDGET)
                .map(|n| format!("const C{n}: u32 = {n};\n"))
                .collect();
            fs::write(path, format!("//! Over budget upstream.\n{body}")).unwrap();
        }
    }

    #[test]
    fn accepts_a_tidy_tree() {
        let root = scratch("good");
        tidy_skeleton(&root);
        fs::write(
            root.join("Cargo.toml"),
            "[workspace.package]\nrust-version = \"1.95\"\n\n[workspace.dependencies]\n\
             a = { path = \"crates/a\", version = \"=0.1.0\" }\nreqwest = \"0.13\"\n",
        )
        .unwrap();
        fs::write(
            root.join("crates/a/Cargo.toml"),
            "[package]\nname = \"a\"\n\n[lints]\nworkspace = true\n",
        )
        .unwrap();
        fs::write(
            root.join("crates/a/src/lib.rs"),
            "//! A crate.\npub fn f() {}\n// tidy: allow-reexport: macro plumbing\npub use reqwest;\n",
        )
        .unwrap();
        fs::create_dir_all(root.join("docs")).unwrap();
        fs::write(
            root.join("docs/guide.md"),
            "```rust\nfn main() {}\n```\n```text\nx\n```\n",
        )
        .unwrap();
        fs::write(
            root.join("crates/a/src/docs.rs"),
            "//! Doctests.\n#[doc = include_str!(\"../../docs/guide.md\")]\nstruct Guide;\n",
        )
        .unwrap();
        assert_eq!(check(&root), Ok(()));
        let _ = fs::remove_dir_all(&root);
    }
}
