//! The writer: persists what the engine's operations wrote, with group commit.
//!
//! An operation that wrote something takes a batch number under the engine lock and leaves its
//! writes marked in the [`Store`]. Whoever commits holds the connection, collects everything
//! marked so far under the engine lock, encoded straight from the store ([`Store::take_changes`]),
//! and writes it in one transaction: a workflow updated ten times between two commits is encoded
//! and written once, and no operation pays for a copy of what it wrote. A request that is the only
//! one waiting commits inline when the connection is free: a lone client pays one commit and no
//! thread hand-off. When several wait, the background thread commits for all of them (group
//! commit) and the runtime's threads stay free to serve; it also commits what no request waits
//! for (sweeper, network tasks), flushes poll data, retries failed commits and checkpoints the log.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rusqlite::Connection;
use tokio::sync::watch;

use super::{OrWrite, StoreError, write};
use crate::changes::Changes;
use crate::store::Store;

/// What the writer has made durable.
#[derive(Debug, Clone, Default)]
struct Durable {
    /// Every batch up to this number is committed.
    seq: u64,
    /// The last commit failed with this (cleared by the next successful one).
    error: Option<String>,
}

/// How often the background thread looks for changes no request commits (the sweeper's, the
/// network tasks'); they are durable within this time.
const POLL: Duration = Duration::from_millis(10);
/// How often poll data (each worker's last poll time) is written. It changes on every poll and
/// no answer depends on it being durable, so it is left out of the commits requests wait for:
/// a crash loses at most this much of it.
const POLL_DATA_EVERY: Duration = Duration::from_secs(1);
/// How long the background thread waits before retrying a failed commit.
const RETRY_DELAY: Duration = Duration::from_secs(1);
/// Failed attempts after which a writer that is closing gives up.
const RETRIES_AT_CLOSE: u32 = 5;
/// Commits between two checkpoints of the log into the main file (automatic checkpoints are off,
/// so a request never pays for one). A long log also coalesces the many versions of the same hot
/// pages (queues, workflows), so each checkpoint writes far fewer pages than were committed.
const CHECKPOINT_EVERY: u32 = 5_000;

/// State shared by the engine's handle and the background thread.
#[derive(Debug)]
struct Shared {
    /// The engine's state, where operations mark what they wrote.
    store: Arc<Mutex<Store>>,
    /// Changes collected whose commit failed, retried under newer ones. Its mutex also pairs
    /// with `wake`.
    retry: Mutex<Option<Changes>>,
    wake: Condvar,
    conn: Mutex<Option<Connection>>,
    /// The number of the last batch handed out (under the engine lock).
    submitted: AtomicU64,
    durable: watch::Sender<Durable>,
    closing: AtomicBool,
    commits: AtomicU64,
    /// Requests waiting for a commit right now.
    waiting: AtomicUsize,
}

/// One waiting request, counted in [`Shared::waiting`] while it lives.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The engine's handle on the database writer.
#[derive(Debug)]
pub(crate) struct Writer {
    shared: Arc<Shared>,
    durable: watch::Receiver<Durable>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Writer {
    /// Takes over `conn` (the database at `path`) and starts the background thread, which
    /// collects what operations write into `store`.
    pub(crate) fn spawn(
        conn: Connection,
        path: PathBuf,
        store: Arc<Mutex<Store>>,
    ) -> Result<Self, StoreError> {
        conn.execute_batch("PRAGMA wal_autocheckpoint = 0")
            .or_write()?;
        let (durable_tx, durable) = watch::channel(Durable::default());
        let shared = Arc::new(Shared {
            store,
            retry: Mutex::new(None),
            wake: Condvar::new(),
            conn: Mutex::new(Some(conn)),
            submitted: AtomicU64::new(0),
            durable: durable_tx,
            closing: AtomicBool::new(false),
            commits: AtomicU64::new(0),
            waiting: AtomicUsize::new(0),
        });
        let background = shared.clone();
        let thread = std::thread::Builder::new()
            .name("conductor-db-writer".to_owned())
            .spawn(move || background.run(&path))
            .map_err(StoreError::Thread)?;
        Ok(Self {
            shared,
            durable,
            thread: Mutex::new(Some(thread)),
        })
    }

    /// Numbers the writes of the operation that just ran, and returns that number. Call it under
    /// the engine lock: a commit collects the store's marks and the last number together, so a
    /// number is durable once a commit collected after it succeeds.
    pub(crate) fn submit(&self) -> u64 {
        // No wake-up here: a request waiting for this commits it or wakes the thread; the
        // thread looks every POLL for changes nobody waits for.
        self.shared.submitted.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// The number of the last batch submitted.
    pub(crate) fn submitted(&self) -> u64 {
        self.shared.submitted.load(Ordering::SeqCst)
    }

    /// Makes batch `seq` (and every one before it) durable: commits when the connection is free,
    /// else waits for the commit in progress. `Err` with the reason if the commit failed or the
    /// writer is closed.
    pub(crate) async fn wait_durable(&self, seq: u64) -> Result<(), String> {
        if self.durable.borrow().seq >= seq {
            return Ok(());
        }
        let others = self.shared.waiting.fetch_add(1, Ordering::SeqCst);
        // Counted out even when the request is dropped mid-wait (client gone).
        let _waiting = Waiting(&self.shared.waiting);
        if others == 0 {
            // Alone: commit here, blocking this runtime thread for one commit (well under a
            // millisecond; checkpoints run on the background thread only).
            self.shared.commit_if_free();
        } else {
            self.shared.wake.notify_one();
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

    /// Commits everything written (poll data too), checkpoints the log into the main file (a
    /// cleanly closed database is one self-contained file) and stops the thread.
    pub(crate) async fn close(&self) {
        let thread = self
            .thread
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(thread) = thread {
            self.shared.closing.store(true, Ordering::SeqCst);
            self.shared.wake.notify_one();
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
    }
}

impl Drop for Writer {
    /// Flushes and stops the thread when the engine goes away without [`Writer::close`].
    fn drop(&mut self) {
        if let Some(thread) = self
            .thread
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        {
            self.shared.closing.store(true, Ordering::SeqCst);
            self.shared.wake.notify_one();
            let _ = thread.join();
        }
    }
}

impl Shared {
    fn lock_retry(&self) -> MutexGuard<'_, Option<Changes>> {
        self.retry.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether some batch is not durable yet, given the retry set (held by the caller).
    fn behind(&self, retry: &Option<Changes>) -> bool {
        retry.is_some() || self.submitted.load(Ordering::SeqCst) > self.durable.borrow().seq
    }

    fn has_pending(&self) -> bool {
        self.behind(&self.lock_retry())
    }

    /// Commits what is pending unless another committer holds the connection (it commits until
    /// nothing is pending, so the changes of whoever waits on it are taken). Checking again
    /// after letting go closes the gap where a batch arrives just before the release.
    fn commit_if_free(&self) {
        loop {
            match self.conn.try_lock() {
                Ok(mut conn) => {
                    if let Some(conn) = conn.as_mut() {
                        while self.commit_pending(conn, false).is_ok() && self.has_pending() {}
                    }
                }
                Err(std::sync::TryLockError::Poisoned(poisoned)) => {
                    if let Some(conn) = poisoned.into_inner().as_mut() {
                        while self.commit_pending(conn, false).is_ok() && self.has_pending() {}
                    }
                }
                Err(std::sync::TryLockError::WouldBlock) => return,
            }
            if !self.has_pending() || self.durable.borrow().error.is_some() {
                return;
            }
        }
    }

    /// Collects what operations wrote since the last commit (with poll data when asked) and
    /// commits it in one transaction, under any earlier changes whose commit failed. On failure
    /// the changes are kept for the next attempt, and the error is published to the waiters.
    /// Call it holding the connection: collections then follow each other in order.
    fn commit_pending(&self, conn: &mut Connection, with_poll_data: bool) -> Result<(), ()> {
        let (collected, upto) = {
            let mut store = self.store.lock().unwrap_or_else(PoisonError::into_inner);
            // Read under the engine lock, where batches are numbered: every batch up to `upto`
            // has its writes marked in the store, so they are all in what is collected now.
            let upto = self.submitted.load(Ordering::SeqCst);
            (store.take_changes(with_poll_data), upto)
        };
        let changes = match (self.lock_retry().take(), collected) {
            (Some(mut earlier), Some(later)) => {
                earlier.merge(later);
                Some(earlier)
            }
            (earlier, later) => earlier.or(later),
        };
        let Some(changes) = changes else {
            self.durable.send_modify(|d| d.seq = d.seq.max(upto));
            return Ok(());
        };
        match write::apply(conn, &changes) {
            Ok(()) => {
                tracing::trace!(rows = changes.len(), upto, "committed");
                self.commits.fetch_add(1, Ordering::Relaxed);
                self.durable.send_modify(|d| {
                    d.seq = d.seq.max(upto);
                    d.error = None;
                });
                Ok(())
            }
            Err(error) => {
                tracing::error!(%error, "database commit failed; retrying");
                *self.lock_retry() = Some(changes);
                self.durable
                    .send_modify(|d| d.error = Some(error.to_string()));
                Err(())
            }
        }
    }

    /// Tells waiters, present and future, that nothing more will be committed.
    fn closed(&self) {
        self.durable
            .send_modify(|d| d.error = Some("the database is closed".to_owned()));
    }

    /// The background thread: commits what no request commits, flushes poll data, retries
    /// failures, checkpoints.
    fn run(&self, path: &std::path::Path) {
        let mut failures = 0u32;
        let mut last_checkpoint = 0u64;
        let mut poll_data_flushed = Instant::now();
        loop {
            let closing = {
                let retry = self.lock_retry();
                let (retry, _) = self
                    .wake
                    .wait_timeout_while(retry, POLL, |retry| {
                        !self.behind(retry) && !self.closing.load(Ordering::SeqCst)
                    })
                    .unwrap_or_else(PoisonError::into_inner);
                drop(retry);
                self.closing.load(Ordering::SeqCst)
            };
            let checkpoint_due = self.commits.load(Ordering::Relaxed) - last_checkpoint
                >= u64::from(CHECKPOINT_EVERY);
            let poll_data_due = closing || poll_data_flushed.elapsed() >= POLL_DATA_EVERY;
            // The connection is taken only when there is work, so a request rarely finds it busy.
            if !closing && !checkpoint_due && !poll_data_due && !self.has_pending() {
                continue;
            }
            let mut conn = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
            let Some(db) = conn.as_mut() else { return };
            let mut failed = self.commit_pending(db, poll_data_due).is_err();
            while !failed && self.has_pending() {
                failed = self.commit_pending(db, false).is_err();
            }
            if failed {
                failures += 1;
                if closing && failures >= RETRIES_AT_CLOSE {
                    tracing::error!(path = %path.display(), "giving up at close: the last changes are not persisted");
                    conn.take();
                    self.closed();
                    return;
                }
                drop(conn);
                std::thread::sleep(RETRY_DELAY);
                continue;
            }
            failures = 0;
            if poll_data_due {
                poll_data_flushed = Instant::now();
            }
            if closing || checkpoint_due {
                last_checkpoint = self.commits.load(Ordering::Relaxed);
                let mode = if closing { "TRUNCATE" } else { "PASSIVE" };
                if let Err(error) = db.execute_batch(&format!("PRAGMA wal_checkpoint({mode})")) {
                    tracing::warn!(%error, "checkpoint failed (the log is replayed at next open)");
                }
            }
            if closing {
                conn.take();
                self.closed();
                tracing::debug!(path = %path.display(), "database closed");
                return;
            }
            drop(conn);
            // A request that found the connection busy left its changes pending: take them now.
            if self.has_pending() {
                self.commit_if_free();
            }
        }
    }
}
