//! Reads a whole database into a fresh [`Store`] at start-up.
//!
//! Derived indexes (task id → workflow, creation order) are rebuilt from the rows; a row whose
//! JSON does not decode makes the open fail with [`StoreError::Corrupt`] naming the row.

use std::path::Path;

use rusqlite::{Connection, Row};
use serde::de::DeserializeOwned;

use super::{StoreError, classify};
use crate::queue::Message;
use crate::store::Store;

/// Loads every table of `conn` into a new store, with change tracking on.
pub(super) fn load(conn: &Connection, path: &Path) -> Result<Store, StoreError> {
    let mut store = Store::default();
    let reader = Reader { conn, path };
    reader
        .rows("SELECT name, json FROM task_defs", |row| {
            let name: String = row.get(0)?;
            Ok((name, row.get::<_, String>(1)?))
        })?
        .into_iter()
        .try_for_each(|(name, json)| {
            let def = decode(path, "task definition", &name, &json)?;
            store.task_defs.insert(name, def);
            Ok::<_, StoreError>(())
        })?;
    for (name, version, json) in
        reader.rows("SELECT name, version, json FROM workflow_defs", |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, i32>(1)?,
                row.get::<_, String>(2)?,
            ))
        })?
    {
        let def = decode(
            path,
            "workflow definition",
            &format!("{name} v{version}"),
            &json,
        )?;
        store
            .workflow_defs
            .entry_or_default::<std::collections::BTreeMap<i32, _>>(name)
            .insert(version, def);
    }
    for (name, json) in reader.rows("SELECT name, json FROM event_handlers", pair)? {
        let handler = decode(path, "event handler", &name, &json)?;
        store.event_handlers.insert(name, handler);
    }
    // Creation order, so search results come back in the order they had before the restart.
    for (id, seq, archived, json) in reader.rows(
        "SELECT id, seq, archived, json FROM workflows ORDER BY seq",
        |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, bool>(2)?,
                row.get::<_, String>(3)?,
            ))
        },
    )? {
        let workflow: conductor_models::Workflow = decode(path, "workflow", &id, &json)?;
        let seq = u64::try_from(seq).unwrap_or_default();
        if archived {
            store.archive_restored(seq, workflow);
        } else {
            store.insert_workflow_at(seq, workflow);
        }
    }
    for (queue, id, priority, deliver_at, seq) in reader.rows(
        "SELECT queue, task_id, priority, deliver_at, seq FROM queue_messages",
        |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, i32>(2)?,
                row.get::<_, i64>(3)?,
                row.get::<_, i64>(4)?,
            ))
        },
    )? {
        let seq = u64::try_from(seq).unwrap_or_default();
        store.queues.restore(
            &queue,
            &id,
            Message {
                priority,
                deliver_at,
                seq,
            },
        );
    }
    for (task_type, domain, json) in
        reader.rows("SELECT task_type, domain, json FROM poll_data", |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
            ))
        })?
    {
        let data = decode(path, "poll data", &format!("{domain}:{task_type}"), &json)?;
        store.set_poll_data((task_type, domain), data);
    }
    for (id, json) in reader.rows("SELECT task_id, json FROM task_logs", pair)? {
        let logs = decode(path, "task log", &id, &json)?;
        store.task_logs.insert(id, logs);
    }
    for (id, at) in reader.rows("SELECT task_id, at FROM timers", timestamp)? {
        store.timers.insert(id, at);
    }
    // The sweeper's due times are not stored: they derive from the tasks' epoch timestamps, and
    // with none loaded the first sweep decides every running workflow and recomputes them.
    tracing::info!(
        path = %path.display(),
        workflows = store.workflows.len(),
        archived = store.archived.len(),
        queued = store.queues.sizes().values().sum::<usize>(),
        "loaded database"
    );
    store.track();
    Ok(store)
}

fn pair(row: &Row<'_>) -> rusqlite::Result<(String, String)> {
    Ok((row.get(0)?, row.get(1)?))
}

fn timestamp(row: &Row<'_>) -> rusqlite::Result<(String, i64)> {
    Ok((row.get(0)?, row.get(1)?))
}

/// Runs queries, mapping SQLite errors to the open errors of `path`.
struct Reader<'a> {
    conn: &'a Connection,
    path: &'a Path,
}

impl Reader<'_> {
    fn rows<T>(
        &self,
        sql: &str,
        map: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, StoreError> {
        let run = || -> rusqlite::Result<Vec<T>> {
            let mut stmt = self.conn.prepare(sql)?;
            stmt.query_map([], map)?.collect()
        };
        run().map_err(|source| match source {
            // A column of the wrong type: the file was not written by this schema.
            rusqlite::Error::FromSqlConversionFailure(..)
            | rusqlite::Error::InvalidColumnType(..) => StoreError::Corrupt {
                path: self.path.to_owned(),
                detail: format!("{sql}: {source}"),
            },
            other => classify(self.path, other),
        })
    }
}

fn decode<T: DeserializeOwned>(
    path: &Path,
    what: &str,
    key: &str,
    json: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(json).map_err(|error| StoreError::Corrupt {
        path: path.to_owned(),
        detail: format!("{what} '{key}' does not decode: {error}"),
    })
}
