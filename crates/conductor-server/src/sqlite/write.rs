//! Writes a batch of [`Changes`] to the database in one transaction.

use rusqlite::{Connection, params};

use super::{OrWrite, StoreError};
use crate::changes::Changes;

/// Applies `changes` atomically: either every row is written or none is.
pub(crate) fn apply(conn: &mut Connection, changes: &Changes) -> Result<(), StoreError> {
    if let Some(what) = changes.unencodable.first() {
        return Err(StoreError::Encode(what.clone()));
    }
    let tx = conn.transaction().or_write()?;
    for (name, def) in &changes.task_defs {
        match def {
            Some(json) => {
                tx.prepare_cached("INSERT OR REPLACE INTO task_defs (name, json) VALUES (?1, ?2)")
                    .or_write()?
                    .execute(params![name, json])
                    .or_write()?;
            }
            None => {
                tx.prepare_cached("DELETE FROM task_defs WHERE name = ?1")
                    .or_write()?
                    .execute([name])
                    .or_write()?;
            }
        }
    }
    for (name, versions) in &changes.workflow_defs {
        tx.prepare_cached("DELETE FROM workflow_defs WHERE name = ?1")
            .or_write()?
            .execute([name])
            .or_write()?;
        for (version, json) in versions {
            tx.prepare_cached(
                "INSERT INTO workflow_defs (name, version, json) VALUES (?1, ?2, ?3)",
            )
            .or_write()?
            .execute(params![name, version, json])
            .or_write()?;
        }
    }
    for (name, handler) in &changes.event_handlers {
        match handler {
            Some(json) => {
                tx.prepare_cached(
                    "INSERT OR REPLACE INTO event_handlers (name, json) VALUES (?1, ?2)",
                )
                .or_write()?
                .execute(params![name, json])
                .or_write()?;
            }
            None => {
                tx.prepare_cached("DELETE FROM event_handlers WHERE name = ?1")
                    .or_write()?
                    .execute([name])
                    .or_write()?;
            }
        }
    }
    for (id, row) in &changes.workflows {
        match row {
            Some(row) => {
                // An upsert rewrites the row in place: `INSERT OR REPLACE` would delete it and
                // insert it under a new rowid, writing the old page, the last page and the
                // primary-key index on every update.
                tx.prepare_cached(
                    "INSERT INTO workflows (id, seq, archived, json) VALUES (?1, ?2, ?3, ?4) \
                     ON CONFLICT (id) DO UPDATE SET \
                     seq = excluded.seq, archived = excluded.archived, json = excluded.json",
                )
                .or_write()?
                .execute(params![id, sql_seq(row.seq), row.archived, row.json])
                .or_write()?;
            }
            None => {
                tx.prepare_cached("DELETE FROM workflows WHERE id = ?1")
                    .or_write()?
                    .execute([id])
                    .or_write()?;
            }
        }
    }
    for ((queue, id), message) in &changes.messages {
        match message {
            Some(m) => {
                tx.prepare_cached(
                    "INSERT OR REPLACE INTO queue_messages \
                     (queue, task_id, priority, deliver_at, seq) VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .or_write()?
                .execute(params![queue, id, m.priority, m.deliver_at, sql_seq(m.seq)])
                .or_write()?;
            }
            None => {
                tx.prepare_cached("DELETE FROM queue_messages WHERE queue = ?1 AND task_id = ?2")
                    .or_write()?
                    .execute([queue, id])
                    .or_write()?;
            }
        }
    }
    for ((task_type, domain), json) in &changes.poll_data {
        tx.prepare_cached(
            "INSERT OR REPLACE INTO poll_data (task_type, domain, json) VALUES (?1, ?2, ?3)",
        )
        .or_write()?
        .execute(params![task_type, domain, json])
        .or_write()?;
    }
    for (id, logs) in &changes.task_logs {
        match logs {
            Some(json) => {
                tx.prepare_cached(
                    "INSERT OR REPLACE INTO task_logs (task_id, json) VALUES (?1, ?2)",
                )
                .or_write()?
                .execute(params![id, json])
                .or_write()?;
            }
            None => {
                tx.prepare_cached("DELETE FROM task_logs WHERE task_id = ?1")
                    .or_write()?
                    .execute([id])
                    .or_write()?;
            }
        }
    }
    write_times(&tx, "timers", "task_id", &changes.timers)?;
    tx.commit().or_write()?;
    Ok(())
}

/// Writes or deletes the epoch-millisecond times of `table`.
fn write_times(
    tx: &rusqlite::Transaction<'_>,
    table: &str,
    key: &str,
    times: &std::collections::HashMap<String, Option<i64>>,
) -> Result<(), StoreError> {
    for (id, at) in times {
        match at {
            Some(at) => {
                tx.prepare_cached(&format!(
                    "INSERT OR REPLACE INTO {table} ({key}, at) VALUES (?1, ?2)"
                ))
                .or_write()?
                .execute(params![id, at])
                .or_write()?;
            }
            None => {
                tx.prepare_cached(&format!("DELETE FROM {table} WHERE {key} = ?1"))
                    .or_write()?
                    .execute([id])
                    .or_write()?;
            }
        }
    }
    Ok(())
}

/// Sequence numbers are `u64` in memory and `INTEGER` (i64) in SQLite; they count operations and
/// never come near `i64::MAX`.
fn sql_seq(seq: u64) -> i64 {
    i64::try_from(seq).unwrap_or(i64::MAX)
}
