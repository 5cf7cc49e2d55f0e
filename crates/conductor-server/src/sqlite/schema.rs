//! The database schema, its version (`PRAGMA user_version`) and the checks made at open.
//!
//! Values are stored as the JSON of the wire models (the same documents the REST API returns),
//! keyed by what the engine looks them up by; timers and queue visibility are epoch milliseconds,
//! so they keep their meaning across a restart.

use std::path::Path;

use rusqlite::Connection;

use super::{StoreError, classify};

/// The schema version this server reads and writes. A file with a higher `user_version` was
/// written by a newer server and is refused; a lower one would be migrated here.
pub(crate) const SCHEMA_VERSION: i64 = 1;

/// `PRAGMA application_id` of a conductor-server database (ASCII "CoND"), so another
/// application's SQLite file is recognised as such instead of being written into.
const APPLICATION_ID: i64 = 0x436F_4E44;

const SCHEMA_V1: &str = "
CREATE TABLE task_defs (name TEXT PRIMARY KEY, json TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE workflow_defs (
    name TEXT NOT NULL, version INTEGER NOT NULL, json TEXT NOT NULL,
    PRIMARY KEY (name, version)) WITHOUT ROWID;
CREATE TABLE event_handlers (name TEXT PRIMARY KEY, json TEXT NOT NULL) WITHOUT ROWID;
-- seq: creation order (search results); archived: removed with archiving, still searchable.
CREATE TABLE workflows (
    id TEXT PRIMARY KEY, seq INTEGER NOT NULL, archived INTEGER NOT NULL, json TEXT NOT NULL);
-- deliver_at: epoch ms when the message becomes visible; seq orders equal messages.
CREATE TABLE queue_messages (
    queue TEXT NOT NULL, task_id TEXT NOT NULL, priority INTEGER NOT NULL,
    deliver_at INTEGER NOT NULL, seq INTEGER NOT NULL,
    PRIMARY KEY (queue, task_id)) WITHOUT ROWID;
CREATE TABLE poll_data (
    task_type TEXT NOT NULL, domain TEXT NOT NULL, json TEXT NOT NULL,
    PRIMARY KEY (task_type, domain)) WITHOUT ROWID;
CREATE TABLE task_logs (task_id TEXT PRIMARY KEY, json TEXT NOT NULL) WITHOUT ROWID;
-- WAIT deadlines by task id, epoch ms.
CREATE TABLE timers (task_id TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID;
";

/// Checks, before anything is written, that the file is empty or a conductor-server database
/// this server can read: its application id and its schema version. Returns whether it is empty.
pub(super) fn identify(conn: &Connection, path: &Path) -> Result<bool, StoreError> {
    let number = |sql: &str| -> Result<i64, StoreError> {
        conn.query_row(sql, [], |row| row.get(0))
            .map_err(|source| classify(path, source))
    };
    let corrupt = |detail: String| StoreError::Corrupt {
        path: path.to_owned(),
        detail,
    };
    let app = number("PRAGMA application_id")?;
    if app != 0 && app != APPLICATION_ID {
        return Err(corrupt(format!(
            "its application id is {app:#x}, not conductor-server's {APPLICATION_ID:#x}"
        )));
    }
    let version = number("PRAGMA user_version")?;
    if version > SCHEMA_VERSION {
        return Err(StoreError::NewerSchema {
            path: path.to_owned(),
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    if version == 0 {
        if number("SELECT count(*) FROM sqlite_master")? != 0 {
            return Err(corrupt(
                "it holds tables but no conductor-server schema version".to_owned(),
            ));
        }
        return Ok(true);
    }
    Ok(false)
}

/// Creates the schema in an empty file, or checks the integrity of an existing one
/// (`PRAGMA quick_check`), so damage is reported at open rather than met halfway through loading.
pub(super) fn prepare(conn: &mut Connection, path: &Path, empty: bool) -> Result<(), StoreError> {
    if empty {
        let tx = conn
            .transaction()
            .map_err(|source| classify(path, source))?;
        tx.execute_batch(SCHEMA_V1)
            .and_then(|()| tx.execute_batch(&format!("PRAGMA application_id = {APPLICATION_ID}")))
            .and_then(|()| tx.execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION}")))
            .and_then(|()| tx.commit())
            .map_err(|source| classify(path, source))?;
        tracing::info!(path = %path.display(), version = SCHEMA_VERSION, "created database");
        return Ok(());
    }
    let problems: Vec<String> = conn
        .prepare("PRAGMA quick_check")
        .and_then(|mut stmt| {
            stmt.query_map([], |row| row.get::<_, String>(0))?
                .collect::<Result<_, _>>()
        })
        .map_err(|source| classify(path, source))?;
    if problems.iter().any(|p| p != "ok") {
        return Err(StoreError::Corrupt {
            path: path.to_owned(),
            detail: format!("integrity check: {}", problems.join("; ")),
        });
    }
    Ok(())
}
