//! The tidy checks that hold the documentation's claims to the code: public APIs re-export no
//! third-party crate, every guide's Rust is compiled, files stay under a size budget, and the
//! declared `rust-version` is the toolchain CI builds with.
//!
//! Like the rest of tidy these are text scans with no dependencies; `tidy::check` calls them.

use std::fs;
use std::path::{Path, PathBuf};

use crate::tidy::relative;

/// Lines of code (no blank lines, comments, doc comments or `#[cfg(test)]` modules) a file may hold.
pub(crate) const LINE_BUDGET: usize = 800;

/// Files over [`LINE_BUDGET`] today, each to be split by the issue that next touches it. A file
/// not listed here fails tidy once it grows past the budget; a listed file that shrank under it
/// (or moved) must leave the list, so the list only ever shortens.
pub(crate) const OVER_BUDGET: &[&str] = &[];

/// The marker that lets one `pub use` of a third-party crate through, on the line above it. Only
/// for `#[doc(hidden)]` plumbing that generated code needs (the `#[worker]` macro's `inventory`).
pub(crate) const ALLOW_REEXPORT: &str = "tidy: allow-reexport";

/// Info strings that make rustdoc compile a fenced block as Rust (the first comma-separated word).
const RUST_FENCES: &[&str] = &[
    "rust",
    "no_run",
    "should_panic",
    "compile_fail",
    "ignore",
    "edition2015",
    "edition2018",
    "edition2021",
    "edition2024",
];

/// Runs the checks of this module over the repository at `root`.
pub(crate) fn check(root: &Path, rust_files: &[PathBuf], problems: &mut Vec<String>) {
    check_reexports(root, rust_files, problems);
    check_guides_compiled(root, rust_files, problems);
    check_line_budget(root, rust_files, problems);
    check_rust_version(root, problems);
}

/// No `pub use` of a third-party crate in a published crate's library code: the docs promise that
/// no third-party type is part of the API (`docs/architecture.md`), so reqwest or axum can be
/// upgraded without a breaking release.
fn check_reexports(root: &Path, rust_files: &[PathBuf], problems: &mut Vec<String>) {
    let third_party = third_party_crates(root);
    for file in rust_files {
        let rel = relative(root, file);
        if !is_published_library_code(root, &rel) {
            continue;
        }
        let Ok(text) = fs::read_to_string(file) else {
            continue;
        };
        let mut previous = "";
        for (idx, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if let Some(path) = code.strip_prefix("pub use ") {
                let first = path
                    .trim_start_matches("::")
                    .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .next()
                    .unwrap_or("");
                if third_party.iter().any(|name| name == first)
                    && !previous.contains(ALLOW_REEXPORT)
                {
                    problems.push(format!(
                        "{rel}:{}: `pub use {first}::...` makes a third-party type part of the API; \
                         wrap it in our own type (or mark #[doc(hidden)] macro plumbing with \
                         `// {ALLOW_REEXPORT}: why` on the line above)",
                        idx + 1
                    ));
                }
            }
            previous = code;
        }
    }
}

/// The names (as Rust paths spell them) of the third-party crates in `[workspace.dependencies]`.
fn third_party_crates(root: &Path) -> Vec<String> {
    let Ok(text) = fs::read_to_string(root.join("Cargo.toml")) else {
        return Vec::new();
    };
    let mut in_deps = false;
    let mut names = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_deps = line == "[workspace.dependencies]";
            continue;
        }
        if !in_deps || line.starts_with('#') || line.contains("path =") {
            continue;
        }
        if let Some((name, _)) = line.split_once('=') {
            let name = name.trim();
            if !name.is_empty() {
                names.push(name.replace('-', "_"));
            }
        }
    }
    names
}

/// Library code of a crate that is published: `crates/<name>/src/**`, unless the crate's manifest
/// says `publish = false`.
fn is_published_library_code(root: &Path, rel: &str) -> bool {
    let mut parts = rel.split('/');
    let (Some("crates"), Some(krate), Some("src")) = (parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let manifest =
        fs::read_to_string(root.join("crates").join(krate).join("Cargo.toml")).unwrap_or_default();
    !manifest
        .lines()
        .any(|line| line.replace(' ', "") == "publish=false")
}

/// Every `docs/*.md` with a Rust block is compiled as a doctest: some `.rs` file includes it with
/// `include_str!` (the guides are included by `examples/src/lib.rs`). A block with no language is
/// Rust to rustdoc, so it must say what it is (`text`, `rust`, ...).
fn check_guides_compiled(root: &Path, rust_files: &[PathBuf], problems: &mut Vec<String>) {
    let Ok(entries) = fs::read_dir(root.join("docs")) else {
        return;
    };
    let mut guides: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .collect();
    guides.sort();
    let sources: Vec<String> = rust_files
        .iter()
        .filter_map(|file| fs::read_to_string(file).ok())
        .collect();
    for guide in guides {
        let Ok(text) = fs::read_to_string(&guide) else {
            continue;
        };
        let rel = relative(root, &guide);
        let mut has_rust = false;
        for (line, info) in fence_openings(&text) {
            if info.is_empty() {
                problems.push(format!(
                    "{rel}:{line}: a fenced block without a language is Rust to rustdoc; \
                     say what it is (```text, ```rust, ...)"
                ));
            }
            let first = info.split(',').next().unwrap_or("").trim();
            has_rust |= info.is_empty() || RUST_FENCES.contains(&first);
        }
        let name = guide
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or_default();
        let included = sources.iter().any(|source| {
            source.contains(&format!("include_str!(\"../../docs/{name}\")"))
                || source.contains(&format!("include_str!(\"../../../docs/{name}\")"))
        });
        if has_rust && !included {
            problems.push(format!(
                "{rel}: has Rust blocks but no doctest compiles them; add \
                 `#[cfg(doctest)] #[doc = include_str!(\"../../docs/{name}\")] struct ...;` \
                 to examples/src/lib.rs"
            ));
        }
    }
}

/// The opening fences of a Markdown text: (1-based line, info string).
fn fence_openings(text: &str) -> Vec<(usize, &str)> {
    let mut inside = false;
    let mut openings = Vec::new();
    for (idx, line) in text.lines().enumerate() {
        if let Some(info) = line.trim_start().strip_prefix("```") {
            if !inside {
                openings.push((idx + 1, info.trim()));
            }
            inside = !inside;
        }
    }
    openings
}

/// No file holds more than [`LINE_BUDGET`] lines of code, except the listed ones; tests (`tests/`
/// folders, `#[cfg(test)]` modules), trybuild cases and comments do not count.
fn check_line_budget(root: &Path, rust_files: &[PathBuf], problems: &mut Vec<String>) {
    check_line_budget_against(root, rust_files, OVER_BUDGET, problems);
}

/// [`check_line_budget`] with `over_budget` as the list of files allowed over the budget (the
/// tests plant their own list).
fn check_line_budget_against(
    root: &Path,
    rust_files: &[PathBuf],
    over_budget: &[&str],
    problems: &mut Vec<String>,
) {
    for file in rust_files {
        let rel = relative(root, file);
        if rel.contains("/tests/") || rel.starts_with("tests/") || rel.contains("/ui/") {
            continue;
        }
        let Ok(text) = fs::read_to_string(file) else {
            continue;
        };
        let lines = code_lines(&text);
        let listed = over_budget.contains(&rel.as_str());
        if lines > LINE_BUDGET && !listed {
            problems.push(format!(
                "{rel}: {lines} lines of code, over the budget of {LINE_BUDGET}; split it \
                 (a module per concept)"
            ));
        } else if lines <= LINE_BUDGET && listed {
            problems.push(format!(
                "{rel}: {lines} lines of code, within the budget now; remove it from \
                 OVER_BUDGET in xtask/src/tidy_claims.rs"
            ));
        }
    }
    for listed in over_budget {
        if !root.join(listed).is_file() {
            problems.push(format!(
                "{listed}: listed in OVER_BUDGET (xtask/src/tidy_claims.rs) but gone; remove it"
            ));
        }
    }
}

/// Lines of code in a Rust source: no blank lines, no comment lines (`//`, `///`, `//!`), and
/// nothing inside a `#[cfg(test)]` module.
pub(crate) fn code_lines(text: &str) -> usize {
    let lines: Vec<&str> = text.lines().collect();
    let mut count = 0;
    let mut idx = 0;
    while idx < lines.len() {
        let line = lines[idx].trim();
        if line.starts_with("#[cfg(test)]") {
            let mut next = idx + 1;
            while next < lines.len() && lines[next].trim().starts_with("#[") {
                next += 1;
            }
            if next < lines.len() && is_module_opening(lines[next].trim()) {
                idx = skip_block(&lines, next);
                continue;
            }
        }
        if !line.is_empty() && !line.starts_with("//") {
            count += 1;
        }
        idx += 1;
    }
    count
}

/// `mod name {` with any visibility.
fn is_module_opening(line: &str) -> bool {
    let rest = line
        .strip_prefix("pub(crate) ")
        .or_else(|| line.strip_prefix("pub "))
        .unwrap_or(line);
    rest.starts_with("mod ") && rest.ends_with('{')
}

/// The index of the line after the block opened on line `start` (braces counted outside comments).
fn skip_block(lines: &[&str], start: usize) -> usize {
    let mut depth: i64 = 0;
    for (idx, line) in lines.iter().enumerate().skip(start) {
        let code = line.split("//").next().unwrap_or("");
        for c in code.chars() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => {}
            }
        }
        if depth <= 0 {
            return idx + 1;
        }
    }
    lines.len()
}

/// `rust-version` in the root manifest is the pinned toolchain's `major.minor`: that is the one
/// compiler CI builds with, so it is the only minimum the project can vouch for offline. (Cargo
/// itself refuses to build when the toolchain is older than any package's `rust-version`.)
fn check_rust_version(root: &Path, problems: &mut Vec<String>) {
    let toolchain = fs::read_to_string(root.join("rust-toolchain.toml")).unwrap_or_default();
    let Some(channel) = quoted_value(&toolchain, "channel") else {
        problems.push(
            "rust-toolchain.toml: must pin a toolchain with `channel = \"x.y.z\"`".to_owned(),
        );
        return;
    };
    let mut parts = channel.split('.');
    let (Some(major), Some(minor)) = (parts.next(), parts.next()) else {
        problems.push(format!(
            "rust-toolchain.toml: channel `{channel}` is not a version; pin one (`1.95.0`)"
        ));
        return;
    };
    let pinned = format!("{major}.{minor}");
    let manifest = fs::read_to_string(root.join("Cargo.toml")).unwrap_or_default();
    match quoted_value(&manifest, "rust-version") {
        Some(declared) if declared == pinned || declared == channel => {}
        Some(declared) => problems.push(format!(
            "Cargo.toml: rust-version = \"{declared}\" is not tested by anything; CI builds with \
             {channel} (rust-toolchain.toml), so declare \"{pinned}\" or pin the older toolchain"
        )),
        None => problems.push(
            "Cargo.toml: [workspace.package] must declare the rust-version CI builds with"
                .to_owned(),
        ),
    }
}

/// The string value of the first `key = "value"` line.
fn quoted_value<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines().find_map(|line| {
        let (name, value) = line.split_once('=')?;
        (name.trim() == key).then(|| value.trim().trim_matches('"'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_lines_skip_comments_blank_lines_and_test_modules() {
        let text = "//! Doc.\n\n/// Item doc.\npub fn f() {\n    // why\n    let x = 1;\n}\n\
                    #[cfg(test)]\nmod tests {\n    #[test]\n    fn t() {\n        assert!(true);\n    }\n}\n";
        assert_eq!(code_lines(text), 3);
    }

    #[test]
    fn the_over_budget_list_only_shortens() {
        let root = std::env::temp_dir().join(format!("xtask-budget-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        fs::create_dir_all(root.join("src")).unwrap();
        let big: String = (0..=LINE_BUDGET)
            .map(|n| format!("const C{n}: u32 = {n};\n"))
            .collect();
        let files = [
            ("src/big.rs", big.clone()),
            ("src/listed_big.rs", big),
            ("src/listed_small.rs", "const C: u32 = 0;\n".to_owned()),
        ];
        for (name, text) in &files {
            fs::write(root.join(name), format!("//! A file.\n{text}")).unwrap();
        }
        let rust_files: Vec<PathBuf> = files.iter().map(|(name, _)| root.join(name)).collect();
        let listed = ["src/listed_big.rs", "src/listed_small.rs", "src/gone.rs"];
        let mut problems = Vec::new();
        check_line_budget_against(&root, &rust_files, &listed, &mut problems);
        let joined = problems.join("\n");
        assert!(
            joined.contains("src/big.rs: 801 lines of code, over the budget of 800"),
            "{joined}"
        );
        assert!(!joined.contains("src/listed_big.rs"), "{joined}");
        assert!(
            joined.contains("src/listed_small.rs: 1 lines of code, within the budget now"),
            "{joined}"
        );
        assert!(
            joined.contains("src/gone.rs: listed in OVER_BUDGET"),
            "{joined}"
        );
        assert_eq!(problems.len(), 3, "{joined}");
        let _ = fs::remove_dir_all(&root);
    }

    #[test]
    fn fences_and_their_languages() {
        let text =
            "# Guide\n```rust,no_run\nfn main() {}\n```\n\n```\nplain\n```\n```sh\nls\n```\n";
        assert_eq!(
            fence_openings(text),
            [(2, "rust,no_run"), (6, ""), (9, "sh")]
        );
    }

    #[test]
    fn quoted_values() {
        let text = "[toolchain]\nchannel = \"1.95.0\"\n";
        assert_eq!(quoted_value(text, "channel"), Some("1.95.0"));
        assert_eq!(quoted_value(text, "components"), None);
    }
}
