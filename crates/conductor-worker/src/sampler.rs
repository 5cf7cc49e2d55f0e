//! The gauge sampler: publishes each worker's active task count when it changes and, after the
//! event dispatcher dropped events, re-publishes every worker's count and concurrency limit
//! until one re-publication went through whole.

use std::sync::{Arc, Mutex};

use conductor_events::{ActiveWorkersChanged, ConcurrencyLimitChanged, EventDispatcher};
use tokio::task::JoinHandle;
use tokio::time::Duration;
use tokio_util::sync::CancellationToken;

use crate::runtime::WorkerState;

/// The started workers, by task type, as the sampler reads them.
pub(crate) type Sampled = Arc<Mutex<Vec<(String, Arc<WorkerState>)>>>;

/// Publishes each started worker's active task count whenever it changed since the last
/// sample. After the dispatcher dropped events (a listener's queue was full), it also
/// re-publishes every worker's count and concurrency limit, so that gauges kept from these
/// events (`active_workers`, `task_concurrency_limit`) heal within one interval instead of
/// staying wrong until the next change (see [`Healing`] for when it stops).
pub(crate) fn spawn(
    interval: Duration,
    sampled: Sampled,
    events: EventDispatcher,
    stopping: CancellationToken,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut last: Vec<Option<usize>> = Vec::new();
        let mut healing = Healing::default();
        let mut ticks = tokio::time::interval(interval);
        loop {
            tokio::select! {
                () = stopping.cancelled() => return,
                _ = ticks.tick() => {}
            }
            let workers: Vec<(String, Arc<WorkerState>)> = match sampled.lock() {
                Ok(workers) => workers.clone(),
                Err(poisoned) => poisoned.into_inner().clone(),
            };
            last.resize(workers.len(), None);
            let dropped = events.dropped_events();
            let heal = healing.due(dropped);
            let mut every_limit_known = !workers.is_empty();
            for ((task_type, state), last) in workers.iter().zip(last.iter_mut()) {
                let count = state.active();
                // 0: the worker's runner has not set its limit yet.
                let limit = state.concurrency_limit();
                every_limit_known &= limit > 0;
                if heal && limit > 0 {
                    events.publish(ConcurrencyLimitChanged {
                        task_type: task_type.clone(),
                        worker_id: state.worker_id(),
                        limit,
                    });
                }
                if heal || *last != Some(count) {
                    *last = Some(count);
                    events.publish(ActiveWorkersChanged {
                        task_type: task_type.clone(),
                        worker_id: state.worker_id(),
                        count,
                    });
                }
            }
            healing.published(heal && every_limit_known, dropped, events.dropped_events());
        }
    })
}

/// When the sampler owes a re-publication. One is owed from the first drop the dispatcher counts
/// (counting from 0, so drops before the sampler started, such as the runners' first events, are
/// healed at its first tick) until a re-publication went through whole: every worker sampled
/// with its limit set, and nothing dropped while it was published. Its own events may be what a
/// full queue drops, and a re-publication made before a worker was sampled or had its limit
/// would leave that worker's gauges wrong: either way it is made again at the next tick.
#[derive(Debug, Default)]
struct Healing {
    /// The drop count after the last tick's publications.
    dropped_before: u64,
    owed: bool,
}

impl Healing {
    /// At a tick, with the dispatcher's drop count now: whether to re-publish.
    fn due(&mut self, dropped: u64) -> bool {
        self.owed |= dropped != self.dropped_before;
        self.owed
    }

    /// After the tick's publications: `complete` when the tick re-published every worker with
    /// its limit; `dropped_before_publishing` is the count [`due`](Self::due) was given.
    fn published(&mut self, complete: bool, dropped_before_publishing: u64, dropped_after: u64) {
        if complete && dropped_after == dropped_before_publishing {
            self.owed = false;
        }
        self.dropped_before = dropped_after;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_owed_while_nothing_is_dropped() {
        let mut healing = Healing::default();
        assert!(!healing.due(0));
        healing.published(false, 0, 0);
        assert!(!healing.due(0));
    }

    #[test]
    fn a_heal_that_went_through_whole_ends_it_until_the_next_drop() {
        let mut healing = Healing::default();
        assert!(healing.due(3));
        healing.published(true, 3, 3);
        assert!(!healing.due(3));
        healing.published(false, 3, 3);
        assert!(healing.due(4));
    }

    #[test]
    fn a_heal_whose_own_events_were_dropped_is_made_again() {
        let mut healing = Healing::default();
        assert!(healing.due(3));
        healing.published(true, 3, 5);
        assert!(healing.due(5), "the heal's own events were dropped");
    }

    /// The case that made the gauges test flaky: the drops were seen at a tick when the worker
    /// was not sampled yet (or had no limit yet), so nothing was re-published, and no drop came
    /// after it to start another heal.
    #[test]
    fn a_heal_made_before_every_worker_was_known_is_made_again_without_a_new_drop() {
        let mut healing = Healing::default();
        assert!(healing.due(3));
        healing.published(false, 3, 3);
        assert!(healing.due(3), "owed until a complete heal went through");
        healing.published(true, 3, 3);
        assert!(!healing.due(3));
    }
}
