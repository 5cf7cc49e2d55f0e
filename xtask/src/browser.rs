//! `cargo xtask browser-test`: the embedded server's execution page tested in headless Chromium
//! (the `browser` test target of `conductor-server`, behind its `browser-tests` feature).
//!
//! Installs Debian's `chromium` and `chromium-driver` with `apt-get` when `/usr/bin/chromium` or
//! `/usr/bin/chromedriver` is missing, then runs the test target.

use std::path::Path;
use std::process::Command;

/// Where Debian's packages put the browser and its WebDriver server (what the test uses).
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// The Debian packages that provide them.
const PACKAGES: &[&str] = &["chromium", "chromium-driver"];

/// `browser-test [-- TEST ARGS]`.
pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let extra = match args.split_first() {
        None => &[][..],
        Some((first, rest)) if first == "--" => rest,
        Some((other, _)) => return Err(format!("unknown argument `{other}`")),
    };
    if !Path::new(CHROMIUM).exists() || !Path::new(CHROMEDRIVER).exists() {
        println!("== installing {} with apt-get", PACKAGES.join(" "));
        apt_get(&["update", "-qq"])?;
        let mut install = vec!["install", "-y", "-qq"];
        install.extend_from_slice(PACKAGES);
        apt_get(&install)?;
    }
    for tool in [CHROMIUM, CHROMEDRIVER] {
        if !Path::new(tool).exists() {
            return Err(format!(
                "{tool} is still missing after installing {PACKAGES:?}"
            ));
        }
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = Command::new(cargo)
        .args([
            "test",
            "-p",
            "conductor-server",
            "--features",
            "browser-tests",
            "--test",
            "browser",
            "--",
        ])
        .args(extra)
        .status()
        .map_err(|err| format!("cannot run cargo: {err}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("the browser tests failed ({status})"))
    }
}

/// Runs `apt-get` (through `sudo` when not root and `sudo` exists), non-interactively.
fn apt_get(args: &[&str]) -> Result<(), String> {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0");
    let mut command = if root {
        Command::new("apt-get")
    } else {
        let mut sudo = Command::new("sudo");
        sudo.arg("apt-get");
        sudo
    };
    let status = command
        .args(args)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status()
        .map_err(|err| format!("cannot run apt-get: {err}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("apt-get {} failed ({status})", args.join(" ")))
    }
}
