//! Durable SQLite storage: opening a database file, its schema, loading it into a [`Store`], and
//! the writer that persists every change.
//!
//! The in-memory [`Store`] stays the engine's working set; the file is its durable copy. At start
//! the whole file is loaded (see [`load`]); afterwards each engine operation that wrote something
//! takes a batch number from the [`writer`], and whoever commits collects everything written
//! since the last commit ([`Changes`](crate::changes::Changes)) in one transaction. The HTTP layer answers a request only once everything submitted
//! before its response is committed, so an acknowledged change survives a crash of the process.

mod load;
mod schema;
mod write;
pub(crate) mod writer;

use std::path::{Path, PathBuf};

use rusqlite::Connection;
use thiserror::Error;

use crate::store::Store;

/// Why durable storage could not be opened or written.
///
/// ```no_run
/// # async fn demo() {
/// use conductor_server::{DevServer, ServerError, StoreError};
///
/// match DevServer::builder().database("state.db").start().await {
///     Ok(server) => server.shutdown().await,
///     Err(ServerError::Storage(StoreError::NewerSchema { found, .. })) => {
///         eprintln!("state.db is from a newer server (schema {found})");
///     }
///     Err(other) => eprintln!("cannot start: {other}"),
/// }
/// # }
/// ```
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum StoreError {
    /// SQLite could not open or read the file (missing directory, permissions, locked, not a
    /// database at all).
    #[error("cannot open the database {path}: {source}")]
    Open {
        /// The database file.
        path: PathBuf,
        /// SQLite's error.
        source: SqliteError,
    },
    /// The file is a database, but damaged or not a conductor-server database.
    #[error("the database {path} is damaged or not a conductor-server database: {detail}")]
    Corrupt {
        /// The database file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
    },
    /// The file was written by a newer conductor-server with a schema this one does not know.
    #[error(
        "the database {path} has schema version {found}, newer than this server's {supported}: \
         open it with a newer conductor-server"
    )]
    NewerSchema {
        /// The database file.
        path: PathBuf,
        /// The file's schema version.
        found: i64,
        /// The newest version this server reads and writes.
        supported: i64,
    },
    /// Writing a change failed (disk full, I/O error); the server keeps retrying.
    #[error("cannot write the database: {0}")]
    Write(#[source] SqliteError),
    /// The writer thread could not be started.
    #[error("cannot start the database writer: {0}")]
    Thread(std::io::Error),
    /// A value could not be encoded as JSON for storage (which value, and the encoder's error).
    #[error("cannot encode {0} for storage")]
    Encode(String),
}

/// An error reported by SQLite. Opaque, so that the SQLite binding is not part of this crate's
/// API; its message is SQLite's.
#[derive(Debug)]
pub struct SqliteError(rusqlite::Error);

impl std::fmt::Display for SqliteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for SqliteError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

/// `?` for SQLite calls made while writing: their errors become [`StoreError::Write`].
pub(crate) trait OrWrite<T> {
    /// The result with a SQLite error mapped to [`StoreError::Write`].
    fn or_write(self) -> Result<T, StoreError>;
}

impl<T> OrWrite<T> for rusqlite::Result<T> {
    fn or_write(self) -> Result<T, StoreError> {
        self.map_err(|error| StoreError::Write(SqliteError(error)))
    }
}

/// What an acknowledged change survives ([`DevServerBuilder::durability`](crate::DevServerBuilder::durability)).
///
/// The database is in WAL mode either way, and stays consistent after any crash; the choice is
/// whether the last commits before a power loss or a kernel crash may roll back.
///
/// ```no_run
/// # async fn demo() -> Result<(), conductor_server::ServerError> {
/// use conductor_server::{DevServer, Durability};
///
/// let server = DevServer::builder()
///     .database("conductor.db")
///     .durability(Durability::PowerLoss)
///     .start()
///     .await?;
/// # server.shutdown().await;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Durability {
    /// The default: a change is acknowledged once it is in the write-ahead log in the operating
    /// system's page cache (`synchronous=NORMAL`, no fsync per commit). It survives the death of
    /// the server's process; the last changes before a power loss may be lost.
    #[default]
    ProcessCrash,
    /// A change is acknowledged once the write-ahead log is fsynced (`synchronous=FULL`): it
    /// survives a power loss too. On ordinary disks an fsync takes milliseconds, which caps a
    /// single client at a few hundred acknowledged writes per second.
    PowerLoss,
}

impl Durability {
    /// SQLite's `synchronous` setting for it.
    fn synchronous(self) -> &'static str {
        match self {
            Durability::ProcessCrash => "NORMAL",
            Durability::PowerLoss => "FULL",
        }
    }
}

/// The page size of a new database file.
const PAGE_SIZE: u32 = 8192;

/// Opens (creating if needed) the database at `path` and loads its state.
///
/// The connection is returned for the writer: WAL journal, `synchronous` as `durability` says
/// (see [`configure`]).
pub(crate) fn open(path: &Path, durability: Durability) -> Result<(Connection, Store), StoreError> {
    let mut conn = open_connection(path)?;
    let empty = schema::identify(&conn, path)?;
    if empty {
        // Before the first write (the journal mode below is one): a page holds a whole workflow
        // of a few kilobytes, so rewriting one writes one page, not a page and an overflow
        // chain (whose pages go through the free list on every rewrite). A file created by an
        // earlier version keeps its page size.
        conn.execute_batch(&format!("PRAGMA page_size = {PAGE_SIZE}"))
            .map_err(|source| classify(path, source))?;
    }
    configure(&conn, path, durability)?;
    schema::prepare(&mut conn, path, empty)?;
    let store = load::load(&conn, path)?;
    Ok((conn, store))
}

/// A connection holding the file exclusively; nothing is written yet, so a file that turns out
/// not to be ours is left as it was.
fn open_connection(path: &Path) -> Result<Connection, StoreError> {
    let open_err = |source| StoreError::Open {
        path: path.to_owned(),
        source: SqliteError(source),
    };
    let conn = Connection::open(path).map_err(open_err)?;
    // A second server on the same file would be a second owner of the working set, and the two
    // would overwrite each other's rows: the first holds an exclusive lock for its lifetime (the
    // kernel drops it if the process dies), the second fails at open after a short wait.
    conn.busy_timeout(std::time::Duration::from_secs(1))
        .map_err(open_err)?;
    conn.execute_batch("PRAGMA locking_mode = EXCLUSIVE")
        .map_err(open_err)?;
    Ok(conn)
}

/// Configures the connection for the writer.
///
/// WAL with `synchronous=NORMAL` by default ([`Durability::ProcessCrash`]): a commit appends to
/// the write-ahead log without an fsync, so it survives the death of the process (the data is in
/// the operating system's page cache) but the last commits before a power loss or kernel crash
/// may roll back (the file stays consistent). `FULL` ([`Durability::PowerLoss`]) fsyncs every
/// commit, which on ordinary disks caps a single client at a few hundred acknowledged writes per
/// second; the embedded server is a development and test server, where a process crash is the
/// failure that matters, so that is the opt-in.
fn configure(conn: &Connection, path: &Path, durability: Durability) -> Result<(), StoreError> {
    // "file is not a database" surfaces at the first statement that reads the header.
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
        .map_err(|source| classify(path, source))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Corrupt {
            path: path.to_owned(),
            detail: format!("cannot switch to WAL journal mode (got {mode})"),
        });
    }
    // An empty write transaction takes the exclusive lock now rather than at the first change.
    conn.execute_batch(&format!(
        "PRAGMA synchronous = {}; PRAGMA foreign_keys = OFF; PRAGMA cache_size = -65536; \
         BEGIN EXCLUSIVE; COMMIT;",
        durability.synchronous()
    ))
    .map_err(|source| classify(path, source))?;
    Ok(())
}

/// Maps SQLite's "not a database" and "corrupt" codes to [`StoreError::Corrupt`].
fn classify(path: &Path, source: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode;
    match source.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => StoreError::Corrupt {
            path: path.to_owned(),
            detail: source.to_string(),
        },
        _ => StoreError::Open {
            path: path.to_owned(),
            source: SqliteError(source),
        },
    }
}

// The integration tests' temporary database, for the unit tests: both clean up the same way.
#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "test helper, fails loudly")]
#[path = "../../tests/temp_db/mod.rs"]
mod temp_db;

#[cfg(test)]
mod tests {
    use super::temp_db::TempDb;
    use super::*;

    /// SQLite's `synchronous` values: 1 is NORMAL, 2 is FULL.
    fn synchronous_of(durability: Durability) -> i64 {
        let db = TempDb::new("durability");
        let (conn, _) = open(&db.path(), durability).expect("the file opens");
        conn.query_row("PRAGMA synchronous", [], |row| row.get(0))
            .expect("the pragma reads")
    }

    #[test]
    fn durability_sets_how_commits_are_synced() {
        assert_eq!(synchronous_of(Durability::default()), 1);
        assert_eq!(synchronous_of(Durability::ProcessCrash), 1);
        assert_eq!(synchronous_of(Durability::PowerLoss), 2);
    }
}
