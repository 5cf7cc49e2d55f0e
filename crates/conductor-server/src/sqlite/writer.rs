//! The writer thread: persists the engine's [`Changes`] with group commit.
//!
//! Operations submit their changes (under the engine lock, so batch numbers follow the order of
//! operations) to a channel; the thread takes everything waiting, merges it (a workflow updated
//! ten times is written once), writes it in one transaction and publishes the highest batch
//! number that is now durable. While a commit runs, the next burst accumulates, so the number of
//! transactions per second adapts to the load instead of being one per request.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError, mpsc};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::Connection;
use tokio::sync::watch;

use super::{StoreError, write};
use crate::changes::Changes;

/// What the writer has made durable.
#[derive(Debug, Clone, Default)]
struct Durable {
    /// Every batch up to this number is committed.
    seq: u64,
    /// The last write failed with this (cleared by the next successful commit).
    error: Option<String>,
}

/// Changes numbered in submission order.
#[derive(Debug)]
struct Batch {
    seq: u64,
    changes: Changes,
}

/// How long the writer waits before retrying a failed commit.
const RETRY_DELAY: Duration = Duration::from_secs(1);
/// Failed attempts after which a writer that is shutting down gives up.
const RETRIES_AT_SHUTDOWN: u32 = 5;

/// The handle of the writer thread, owned by the engine.
#[derive(Debug)]
pub(crate) struct Writer {
    tx: Mutex<Option<mpsc::Sender<Batch>>>,
    submitted: AtomicU64,
    durable: watch::Receiver<Durable>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Writer {
    /// Starts the thread that owns `conn` (the database at `path`).
    pub(crate) fn spawn(conn: Connection, path: PathBuf) -> Result<Self, StoreError> {
        let (tx, rx) = mpsc::channel();
        let (durable_tx, durable) = watch::channel(Durable::default());
        let thread = std::thread::Builder::new()
            .name("conductor-db-writer".to_owned())
            .spawn(move || run(conn, &path, &rx, &durable_tx))
            .map_err(StoreError::Thread)?;
        Ok(Self {
            tx: Mutex::new(Some(tx)),
            submitted: AtomicU64::new(0),
            durable,
            thread: Mutex::new(Some(thread)),
        })
    }

    /// Queues `changes` for writing and returns their batch number. Call it under the engine
    /// lock: numbers must follow the order in which the operations changed the state.
    pub(crate) fn submit(&self, changes: Changes) -> u64 {
        let seq = self.submitted.fetch_add(1, Ordering::SeqCst) + 1;
        let tx = self.tx.lock().unwrap_or_else(PoisonError::into_inner);
        let sent = tx
            .as_ref()
            .is_some_and(|tx| tx.send(Batch { seq, changes }).is_ok());
        if !sent {
            tracing::error!(
                seq,
                "the database writer is stopped: a change is not persisted"
            );
        }
        seq
    }

    /// The number of the last batch submitted.
    pub(crate) fn submitted(&self) -> u64 {
        self.submitted.load(Ordering::SeqCst)
    }

    /// Waits until batch `seq` (and every one before it) is committed; `Err` with the reason if
    /// the writer is failing or gone.
    pub(crate) async fn wait_durable(&self, seq: u64) -> Result<(), String> {
        if self.durable.borrow().seq >= seq {
            return Ok(());
        }
        let mut durable = self.durable.clone();
        match durable
            .wait_for(|d| d.seq >= seq || d.error.is_some())
            .await
        {
            Ok(state) if state.seq >= seq => Ok(()),
            Ok(state) => Err(state.error.clone().unwrap_or_default()),
            Err(_) => Err("the database writer stopped".to_owned()),
        }
    }

    /// Writes everything submitted, then stops the thread (it checkpoints the log into the main
    /// file first, so a cleanly stopped database is a single self-contained file).
    pub(crate) async fn close(&self) {
        self.tx
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let thread = self
            .thread
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(thread) = thread {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
    }
}

impl Drop for Writer {
    /// Flushes and stops the thread when the engine goes away without [`Writer::close`].
    fn drop(&mut self) {
        self.tx
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(thread) = self
            .thread
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        {
            let _ = thread.join();
        }
    }
}

/// The thread's loop: block for a batch, take whatever else is waiting, commit it all at once.
fn run(
    mut conn: Connection,
    path: &std::path::Path,
    rx: &mpsc::Receiver<Batch>,
    durable: &watch::Sender<Durable>,
) {
    while let Ok(first) = rx.recv() {
        let mut upto = first.seq;
        let mut pending = first.changes;
        let mut batches = 1usize;
        let mut failures = 0u32;
        loop {
            let mut disconnected = false;
            loop {
                match rx.try_recv() {
                    Ok(next) => {
                        upto = next.seq;
                        pending.merge(next.changes);
                        batches += 1;
                    }
                    Err(mpsc::TryRecvError::Empty) => break,
                    Err(mpsc::TryRecvError::Disconnected) => {
                        disconnected = true;
                        break;
                    }
                }
            }
            match write::apply(&mut conn, &pending) {
                Ok(()) => {
                    tracing::trace!(batches, rows = pending.len(), upto, "committed");
                    durable.send_modify(|d| {
                        d.seq = upto;
                        d.error = None;
                    });
                    break;
                }
                Err(error) => {
                    failures += 1;
                    tracing::error!(%error, path = %path.display(), failures, "database write failed; retrying");
                    durable.send_modify(|d| d.error = Some(error.to_string()));
                    if disconnected && failures >= RETRIES_AT_SHUTDOWN {
                        tracing::error!(
                            rows = pending.len(),
                            "giving up at shutdown: the last changes are not persisted"
                        );
                        return;
                    }
                    std::thread::sleep(RETRY_DELAY);
                }
            }
        }
    }
    if let Err(error) = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)") {
        tracing::warn!(%error, "checkpoint at close failed (the log is replayed at next open)");
    }
    tracing::debug!(path = %path.display(), "database closed");
}
