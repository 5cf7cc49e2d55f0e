//! [`TempDb`]: a SQLite file in a fresh directory of its own, removed at the end of the test.

use std::path::PathBuf;

/// A database file in a fresh directory, removed on drop.
pub struct TempDb {
    dir: PathBuf,
}

impl TempDb {
    /// A fresh directory named after `name` (and the process and a UUID, so parallel tests and
    /// runs never share one).
    pub fn new(name: &str) -> TempDb {
        let dir = std::env::temp_dir().join(format!(
            "conductor-sqlite-{name}-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDb { dir }
    }

    /// The database file (not created yet).
    pub fn path(&self) -> PathBuf {
        self.dir.join("state.db")
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
