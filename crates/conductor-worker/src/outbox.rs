//! [`Outbox`]: the opt-in durable journal of results not delivered yet. A result whose first
//! update fails is written to a file of its own (written to a temporary name, synced, renamed,
//! the directory synced), removed once the server has it, and re-sent at the next start when the
//! process died first, even by SIGKILL.

use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use conductor_models::TaskResult;
use serde::{Deserialize, Serialize};
use tracing::warn;

/// The extension of a journaled result.
const ENTRY_EXTENSION: &str = "json";
/// The extension of an entry being written (left over only by a crash mid-write: discarded).
const PARTIAL_EXTENSION: &str = "partial";
/// The extension an unreadable entry is renamed to, so it is kept for a person to look at.
const UNREADABLE_EXTENSION: &str = "unreadable";

/// A result waiting in the outbox, with what is needed to send it again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Pending {
    /// The worker's task type (for logs, events and metrics).
    pub(crate) task_type: String,
    /// The worker id that executed the task.
    pub(crate) worker_id: String,
    /// When the server stops accepting the result, in ms since the Unix epoch; `None` when the
    /// task has no response timeout.
    pub(crate) accept_until_ms: Option<u64>,
    /// The result to deliver.
    pub(crate) result: TaskResult,
}

/// A directory of results not delivered yet, one file per task.
///
/// One process per directory: two processes sharing one would each re-send the other's results
/// (harmless, the server keeps the first) and remove them.
#[derive(Debug, Clone)]
pub(crate) struct Outbox {
    dir: PathBuf,
}

impl Outbox {
    /// Opens (creating it if needed) the outbox in `dir`, discarding entries a crash left
    /// half-written.
    pub(crate) fn open(dir: &Path) -> io::Result<Self> {
        fs::create_dir_all(dir)?;
        for entry in fs::read_dir(dir)? {
            let path = entry?.path();
            if has_extension(&path, PARTIAL_EXTENSION) {
                fs::remove_file(&path)?;
            }
        }
        Ok(Self {
            dir: dir.to_owned(),
        })
    }

    /// Writes `pending` durably: once this returns, a crash of the process or the machine does
    /// not lose it. Replaces an earlier entry of the same task.
    pub(crate) fn store(&self, pending: &Pending) -> io::Result<()> {
        let bytes = serde_json::to_vec(pending).map_err(io::Error::other)?;
        let final_path = self.path_of(&pending.result.task_id, ENTRY_EXTENSION);
        let partial_path = self.path_of(&pending.result.task_id, PARTIAL_EXTENSION);
        let mut file = fs::File::create(&partial_path)?;
        file.write_all(&bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&partial_path, &final_path)?;
        sync_dir(&self.dir)
    }

    /// Removes the entry of `task_id`; nothing happens when there is none.
    pub(crate) fn remove(&self, task_id: &str) -> io::Result<()> {
        match fs::remove_file(self.path_of(task_id, ENTRY_EXTENSION)) {
            Ok(()) => Ok(()),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(err) => Err(err),
        }
    }

    /// Every entry, oldest file name first. An entry that cannot be read is renamed with the
    /// `.unreadable` extension and logged, not returned.
    pub(crate) fn load(&self) -> io::Result<Vec<Pending>> {
        let mut paths: Vec<PathBuf> = fs::read_dir(&self.dir)?
            .map(|entry| entry.map(|entry| entry.path()))
            .collect::<io::Result<_>>()?;
        paths.retain(|path| has_extension(path, ENTRY_EXTENSION));
        paths.sort();
        let mut pending = Vec::with_capacity(paths.len());
        for path in paths {
            let parsed = fs::read(&path).and_then(|bytes| {
                serde_json::from_slice::<Pending>(&bytes).map_err(io::Error::other)
            });
            match parsed {
                Ok(entry) => pending.push(entry),
                Err(err) => {
                    warn!(path = %path.display(), %err, "unreadable entry in the result outbox; set aside");
                    fs::rename(&path, path.with_extension(UNREADABLE_EXTENSION))?;
                }
            }
        }
        Ok(pending)
    }

    /// The file of `task_id`: its id with anything but letters, digits, `-` and `_` replaced, so
    /// a task id can never name a path outside the directory.
    fn path_of(&self, task_id: &str, extension: &str) -> PathBuf {
        let name: String = task_id
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        self.dir.join(format!("{name}.{extension}"))
    }
}

fn has_extension(path: &Path, extension: &str) -> bool {
    path.extension().is_some_and(|ext| ext == extension)
}

/// Makes a rename in `dir` durable (a no-op where directories cannot be opened, as on Windows).
fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        fs::File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pending(task_id: &str) -> Pending {
        Pending {
            task_type: "charge".into(),
            worker_id: "pod-1".into(),
            accept_until_ms: Some(1_700_000_000_000),
            result: TaskResult::completed(task_id, "wf-1").with_output_value("receipt", "r-42"),
        }
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "conductor-outbox-{name}-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn stored_results_survive_a_reopen_until_removed() {
        let dir = temp_dir("reopen");
        let outbox = Outbox::open(&dir).unwrap();
        outbox.store(&pending("t-1")).unwrap();
        outbox.store(&pending("t-2")).unwrap();
        // A second store of the same task replaces the first.
        outbox.store(&pending("t-2")).unwrap();
        let reopened = Outbox::open(&dir).unwrap();
        assert_eq!(reopened.load().unwrap(), [pending("t-1"), pending("t-2")]);
        reopened.remove("t-1").unwrap();
        reopened.remove("t-1").unwrap(); // twice is fine
        assert_eq!(reopened.load().unwrap(), [pending("t-2")]);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn half_written_and_unreadable_entries_are_set_aside() {
        let dir = temp_dir("broken");
        let outbox = Outbox::open(&dir).unwrap();
        outbox.store(&pending("good")).unwrap();
        fs::write(dir.join("crashed.partial"), b"{\"taskTy").unwrap();
        fs::write(dir.join("garbage.json"), b"not json").unwrap();
        let reopened = Outbox::open(&dir).unwrap();
        assert!(!dir.join("crashed.partial").exists());
        assert_eq!(reopened.load().unwrap(), [pending("good")]);
        assert!(dir.join("garbage.unreadable").exists());
        assert_eq!(reopened.load().unwrap(), [pending("good")]);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_task_id_cannot_name_a_path_outside_the_directory() {
        let dir = temp_dir("escape");
        let outbox = Outbox::open(&dir).unwrap();
        outbox.store(&pending("../../etc/passwd")).unwrap();
        let names: Vec<String> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["______etc_passwd.json"]);
        assert_eq!(outbox.load().unwrap()[0].result.task_id, "../../etc/passwd");
        fs::remove_dir_all(dir).unwrap();
    }
}
