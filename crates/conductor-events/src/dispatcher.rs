//! [`EventDispatcher`]: fans events out to listeners without ever blocking or endangering the
//! publisher.

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Condvar, Mutex, RwLock};
use std::time::{Duration, Instant};

use tracing::{error, warn};

use crate::event::TaskRunnerEvent;
use crate::listener::TaskRunnerEventsListener;
use crate::panic::panic_message;

/// Default number of events queued per listener before new ones are dropped.
///
/// ```
/// use conductor_events::{DEFAULT_QUEUE_CAPACITY, EventDispatcher};
///
/// // A listener that may fall behind during bursts gets a deeper queue.
/// let dispatcher = EventDispatcher::with_capacity(DEFAULT_QUEUE_CAPACITY * 4);
/// assert!(!dispatcher.has_listeners());
/// ```
pub const DEFAULT_QUEUE_CAPACITY: usize = 4096;

/// Delivers [`TaskRunnerEvent`]s to [`TaskRunnerEventsListener`]s.
///
/// Publishing never blocks and never fails: each listener has its own bounded queue and its own
/// delivery thread (`conductor-events-N`). So
///
/// - a **slow** listener delays only its own events; once its queue is full, further events for it
///   are dropped and counted ([`dropped_events`](Self::dropped_events)), never waited for;
/// - a **panicking** listener is caught at each call (`catch_unwind`), logged, counted
///   ([`listener_panics`](Self::listener_panics)) and keeps receiving later events;
/// - with **no** listener, [`publish`](Self::publish) is one atomic load.
///
/// Events reach each listener in the order they were published. Cloning is cheap and clones share
/// the listeners. The delivery threads end when the last clone is dropped, after draining their
/// queues.
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::time::{Duration, Instant};
/// use conductor_events::{EventDispatcher, TaskPaused, TaskRunnerEventsListener};
///
/// #[derive(Default)]
/// struct CountPauses(AtomicUsize);
/// impl TaskRunnerEventsListener for CountPauses {
///     fn on_task_paused(&self, _event: &TaskPaused) {
///         self.0.fetch_add(1, Ordering::Relaxed);
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let listener = Arc::new(CountPauses::default());
/// let dispatcher = EventDispatcher::new();
/// dispatcher.add_listener(listener.clone());
/// dispatcher.publish(TaskPaused { task_type: "greet".into(), worker_id: "w1".into() });
/// assert!(dispatcher.flush(Duration::from_secs(5)).await);
/// assert_eq!(listener.0.load(Ordering::Relaxed), 1);
/// # }
/// ```
#[derive(Clone)]
pub struct EventDispatcher {
    inner: Arc<Inner>,
}

struct Inner {
    capacity: usize,
    has_listeners: AtomicBool,
    sinks: RwLock<Vec<Sink>>,
    dropped: Arc<AtomicU64>,
    panics: Arc<AtomicU64>,
}

/// One listener's queue; its delivery thread owns the receiving end and the listener.
struct Sink {
    sender: SyncSender<Message>,
    taken: Arc<Taken>,
    /// Critical events that found the queue full: never dropped, delivered by the thread before
    /// its next queued message.
    overflow: Arc<Overflow>,
}

/// Unbounded spill-over for critical events ([`TaskRunnerEvent::is_critical`]).
type Overflow = Mutex<std::collections::VecDeque<Arc<TaskRunnerEvent>>>;

fn take_overflow(overflow: &Overflow) -> std::collections::VecDeque<Arc<TaskRunnerEvent>> {
    let mut queue = match overflow.lock() {
        Ok(queue) => queue,
        Err(poisoned) => poisoned.into_inner(),
    };
    std::mem::take(&mut *queue)
}

/// How many messages a delivery thread has taken off its queue, signalled at each one: a flush
/// that finds the queue full waits on it for room, instead of polling.
#[derive(Default)]
struct Taken {
    count: Mutex<u64>,
    signal: Condvar,
}

impl Taken {
    /// The count now.
    fn current(&self) -> u64 {
        *lock(&self.count)
    }

    /// Records one more message taken and wakes the waiters.
    fn bump(&self) {
        *lock(&self.count) += 1;
        self.signal.notify_all();
    }

    /// Waits until the count moves past `seen` or `deadline` passes; returns whether it moved.
    fn wait_past(&self, seen: u64, deadline: Instant) -> bool {
        let mut count = lock(&self.count);
        while *count == seen {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return false;
            }
            count = match self.signal.wait_timeout(count, remaining) {
                Ok((count, _)) => count,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
        true
    }
}

/// Locks `mutex`; a poisoned lock only means a panic elsewhere while holding it, and a counter
/// is still valid.
fn lock(mutex: &Mutex<u64>) -> std::sync::MutexGuard<'_, u64> {
    match mutex.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

enum Message {
    Event(Arc<TaskRunnerEvent>),
    /// Sent after a critical event went to the overflow, so an idle thread picks it up.
    Wake,
    /// Answered once every message queued before it has been delivered.
    Flush(mpsc::Sender<()>),
}

impl EventDispatcher {
    /// A dispatcher with no listener and the default queue capacity
    /// ([`DEFAULT_QUEUE_CAPACITY`] events per listener).
    ///
    /// ```
    /// use conductor_events::EventDispatcher;
    ///
    /// let dispatcher = EventDispatcher::new();
    /// assert_eq!(dispatcher.listener_count(), 0);
    /// assert_eq!(dispatcher.dropped_events(), 0);
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self::with_capacity(DEFAULT_QUEUE_CAPACITY)
    }

    /// A dispatcher whose listeners each queue at most `capacity` undelivered events (at least 1).
    ///
    /// ```
    /// use conductor_events::EventDispatcher;
    ///
    /// let dispatcher = EventDispatcher::with_capacity(128);
    /// assert_eq!(dispatcher.listener_count(), 0);
    /// ```
    #[must_use]
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            inner: Arc::new(Inner {
                capacity: capacity.max(1),
                has_listeners: AtomicBool::new(false),
                sinks: RwLock::new(Vec::new()),
                dropped: Arc::new(AtomicU64::new(0)),
                panics: Arc::new(AtomicU64::new(0)),
            }),
        }
    }

    /// Registers a listener; it receives the events published from now on.
    ///
    /// Starts the listener's delivery thread. If the operating system refuses to start a thread,
    /// the failure is logged at `error` and the listener is not registered.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use conductor_events::{EventDispatcher, TaskRunnerEvent, TaskRunnerEventsListener};
    ///
    /// struct LogAll;
    /// impl TaskRunnerEventsListener for LogAll {
    ///     fn on_event(&self, event: &TaskRunnerEvent) {
    ///         tracing::debug!(event = event.name(), task_type = event.task_type());
    ///     }
    /// }
    ///
    /// let dispatcher = EventDispatcher::new();
    /// dispatcher.add_listener(Arc::new(LogAll));
    /// assert_eq!(dispatcher.listener_count(), 1);
    /// ```
    pub fn add_listener(&self, listener: Arc<dyn TaskRunnerEventsListener>) {
        let (sender, receiver) = mpsc::sync_channel(self.inner.capacity);
        let mut sinks = match self.inner.sinks.write() {
            Ok(sinks) => sinks,
            Err(poisoned) => poisoned.into_inner(),
        };
        let index = sinks.len();
        let panics = Arc::clone(&self.inner.panics);
        let taken = Arc::new(Taken::default());
        let overflow = Arc::new(Overflow::default());
        let delivery = Delivery {
            index,
            listener,
            receiver,
            panics,
            taken: Arc::clone(&taken),
            overflow: Arc::clone(&overflow),
        };
        let spawned = std::thread::Builder::new()
            .name(format!("conductor-events-{index}"))
            .spawn(move || delivery.run());
        match spawned {
            Ok(_) => {
                sinks.push(Sink {
                    sender,
                    taken,
                    overflow,
                });
                self.inner.has_listeners.store(true, Ordering::Release);
            }
            Err(err) => {
                error!(error = %err, "could not start an event delivery thread; listener not registered");
            }
        }
    }

    /// Whether at least one listener is registered. Publishers may use it to skip building events.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use conductor_events::{EventDispatcher, TaskRunnerEventsListener};
    ///
    /// struct Quiet;
    /// impl TaskRunnerEventsListener for Quiet {}
    ///
    /// let dispatcher = EventDispatcher::new();
    /// assert!(!dispatcher.has_listeners());
    /// dispatcher.add_listener(Arc::new(Quiet));
    /// assert!(dispatcher.has_listeners());
    /// ```
    #[must_use]
    pub fn has_listeners(&self) -> bool {
        self.inner.has_listeners.load(Ordering::Acquire)
    }

    /// How many listeners are registered.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use conductor_events::{EventDispatcher, TaskRunnerEventsListener};
    ///
    /// struct Quiet;
    /// impl TaskRunnerEventsListener for Quiet {}
    ///
    /// let dispatcher = EventDispatcher::new();
    /// dispatcher.add_listener(Arc::new(Quiet));
    /// dispatcher.add_listener(Arc::new(Quiet));
    /// assert_eq!(dispatcher.listener_count(), 2);
    /// ```
    #[must_use]
    pub fn listener_count(&self) -> usize {
        self.read_sinks(|sinks| sinks.len())
    }

    /// Queues `event` for every listener. Never blocks: a listener whose queue is full misses it
    /// (counted in [`dropped_events`](Self::dropped_events)), unless the event is critical
    /// ([`TaskRunnerEvent::is_critical`], such as a lost task result): those are never dropped. A
    /// critical event that finds the queue full waits in an unbounded spill-over and reaches the
    /// listener before the next queued event (so possibly before events published earlier).
    ///
    /// ```
    /// use conductor_events::{EventDispatcher, TaskPaused};
    ///
    /// let dispatcher = EventDispatcher::new();
    /// // With no listener this costs one atomic load.
    /// dispatcher.publish(TaskPaused { task_type: "greet".into(), worker_id: "w1".into() });
    /// assert_eq!(dispatcher.dropped_events(), 0);
    /// ```
    pub fn publish(&self, event: impl Into<TaskRunnerEvent>) {
        if !self.has_listeners() {
            return;
        }
        let event = Arc::new(event.into());
        self.read_sinks(|sinks| {
            for sink in sinks {
                match sink.sender.try_send(Message::Event(Arc::clone(&event))) {
                    Ok(()) => {}
                    Err(TrySendError::Full(_)) if event.is_critical() => {
                        match sink.overflow.lock() {
                            Ok(mut queue) => queue.push_back(Arc::clone(&event)),
                            Err(poisoned) => poisoned.into_inner().push_back(Arc::clone(&event)),
                        }
                        // Full again: the busy thread drains the spill-over before its next
                        // message. Room now: this wakes it if it went idle meanwhile.
                        let _ = sink.sender.try_send(Message::Wake);
                    }
                    Err(TrySendError::Full(_)) => {
                        self.inner.dropped.fetch_add(1, Ordering::Relaxed);
                    }
                    // The delivery thread is gone (it cannot panic, so only at process exit).
                    Err(TrySendError::Disconnected(_)) => {
                        self.inner.dropped.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        });
    }

    /// Like [`publish`](Self::publish), but builds the event only when a listener is registered.
    ///
    /// ```
    /// use conductor_events::{EventDispatcher, PollStarted};
    ///
    /// let dispatcher = EventDispatcher::new();
    /// let mut built = false;
    /// dispatcher.publish_with(|| {
    ///     built = true;
    ///     PollStarted { task_type: "greet".into(), worker_id: "w1".into(), poll_count: 1 }
    /// });
    /// assert!(!built); // no listener: the event was never built
    /// ```
    pub fn publish_with<E: Into<TaskRunnerEvent>>(&self, make_event: impl FnOnce() -> E) {
        if self.has_listeners() {
            self.publish(make_event());
        }
    }

    /// Waits until every event published before this call has been delivered to every listener,
    /// or `timeout` passes. Returns `true` when everything was delivered.
    ///
    /// Useful before reading a listener's state in tests, and at shutdown so the last events
    /// (the final task updates) reach the metrics. The wait happens on a blocking thread in real
    /// time, so it also works under a paused tokio clock.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use std::time::Duration;
    /// use conductor_events::{EventDispatcher, TaskPaused, TaskRunnerEventsListener};
    ///
    /// #[derive(Default)]
    /// struct Seen(Mutex<Vec<String>>);
    /// impl TaskRunnerEventsListener for Seen {
    ///     fn on_task_paused(&self, event: &TaskPaused) {
    ///         self.0.lock().unwrap().push(event.task_type.clone());
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let seen = Arc::new(Seen::default());
    /// let dispatcher = EventDispatcher::new();
    /// dispatcher.add_listener(seen.clone());
    /// dispatcher.publish(TaskPaused { task_type: "greet".into(), worker_id: "w1".into() });
    /// assert!(dispatcher.flush(Duration::from_secs(5)).await);
    /// assert_eq!(*seen.0.lock().unwrap(), ["greet"]);
    /// # }
    /// ```
    pub async fn flush(&self, timeout: Duration) -> bool {
        let queues: Vec<(SyncSender<Message>, Arc<Taken>)> = self.read_sinks(|sinks| {
            sinks
                .iter()
                .map(|sink| (sink.sender.clone(), Arc::clone(&sink.taken)))
                .collect()
        });
        if queues.is_empty() {
            return true;
        }
        tokio::task::spawn_blocking(move || flush_blocking(&queues, timeout))
            .await
            .unwrap_or(false)
    }

    /// How many events were not delivered because a listener's queue was full.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex, mpsc};
    /// use conductor_events::{EventDispatcher, TaskPaused, TaskRunnerEventsListener};
    ///
    /// /// Blocks on its first event until released.
    /// struct Stuck(Mutex<mpsc::Receiver<()>>);
    /// impl TaskRunnerEventsListener for Stuck {
    ///     fn on_task_paused(&self, _event: &TaskPaused) {
    ///         let _ = self.0.lock().unwrap().recv();
    ///     }
    /// }
    ///
    /// let (release, blocked) = mpsc::channel();
    /// let dispatcher = EventDispatcher::with_capacity(1);
    /// dispatcher.add_listener(Arc::new(Stuck(Mutex::new(blocked))));
    /// for _ in 0..10 {
    ///     dispatcher.publish(TaskPaused { task_type: "greet".into(), worker_id: "w1".into() });
    /// }
    /// // One event in delivery, at most one queued: the rest were dropped, never waited for.
    /// assert!(dispatcher.dropped_events() >= 8);
    /// drop(release);
    /// ```
    #[must_use]
    pub fn dropped_events(&self) -> u64 {
        self.inner.dropped.load(Ordering::Relaxed)
    }

    /// How many listener calls panicked.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::Duration;
    /// use conductor_events::{EventDispatcher, TaskPaused, TaskRunnerEventsListener};
    ///
    /// struct Buggy;
    /// impl TaskRunnerEventsListener for Buggy {
    ///     fn on_task_paused(&self, _event: &TaskPaused) {
    ///         panic!("listener bug");
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let dispatcher = EventDispatcher::new();
    /// dispatcher.add_listener(Arc::new(Buggy));
    /// dispatcher.publish(TaskPaused { task_type: "greet".into(), worker_id: "w1".into() });
    /// assert!(dispatcher.flush(Duration::from_secs(5)).await);
    /// assert_eq!(dispatcher.listener_panics(), 1); // caught, counted; the publisher is unharmed
    /// # }
    /// ```
    #[must_use]
    pub fn listener_panics(&self) -> u64 {
        self.inner.panics.load(Ordering::Relaxed)
    }

    fn read_sinks<T>(&self, read: impl FnOnce(&[Sink]) -> T) -> T {
        // A poisoned lock only means a panic elsewhere while holding it; the Vec is still valid.
        match self.inner.sinks.read() {
            Ok(sinks) => read(&sinks),
            Err(poisoned) => read(&poisoned.into_inner()),
        }
    }
}

impl Default for EventDispatcher {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for EventDispatcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventDispatcher")
            .field("listeners", &self.listener_count())
            .field("capacity", &self.inner.capacity)
            .field("dropped_events", &self.dropped_events())
            .field("listener_panics", &self.listener_panics())
            .finish()
    }
}

/// Queues a flush marker for every listener and waits for each to be answered, until `timeout`.
/// A full queue is waited on through its [`Taken`] signal: the marker goes in as soon as the
/// delivery thread takes a message off.
fn flush_blocking(queues: &[(SyncSender<Message>, Arc<Taken>)], timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    let mut acks = Vec::with_capacity(queues.len());
    for (sender, taken) in queues {
        let (ack, acked) = mpsc::channel();
        let mut message = Message::Flush(ack);
        loop {
            // Read before trying, so that a message taken in between is not missed.
            let seen = taken.current();
            match sender.try_send(message) {
                Ok(()) => break,
                Err(TrySendError::Full(returned)) => {
                    message = returned;
                    if !taken.wait_past(seen, deadline) {
                        return false;
                    }
                }
                Err(TrySendError::Disconnected(_)) => return false,
            }
        }
        acks.push(acked);
    }
    acks.iter().all(|acked| {
        let remaining = deadline.saturating_duration_since(Instant::now());
        acked.recv_timeout(remaining).is_ok()
    })
}

/// A listener's delivery thread: its queue, the listener, and the counters it keeps.
struct Delivery {
    index: usize,
    listener: Arc<dyn TaskRunnerEventsListener>,
    receiver: Receiver<Message>,
    panics: Arc<AtomicU64>,
    taken: Arc<Taken>,
    overflow: Arc<Overflow>,
}

impl Delivery {
    /// The body of the thread: runs until every sender is gone.
    fn run(self) {
        while let Ok(message) = self.receiver.recv() {
            // Spilled-over critical events first: a flush queued after them then covers them.
            for event in take_overflow(&self.overflow) {
                self.deliver(&event);
            }
            self.taken.bump();
            match message {
                Message::Event(event) => self.deliver(&event),
                Message::Wake => {}
                Message::Flush(ack) => {
                    // The flusher may have given up waiting; nothing to do then.
                    let _ = ack.send(());
                }
            }
        }
        // Every sender is gone: what spilled over is still owed to the listener.
        for event in take_overflow(&self.overflow) {
            self.deliver(&event);
        }
    }

    fn deliver(&self, event: &TaskRunnerEvent) {
        let outcome = catch_unwind(AssertUnwindSafe(|| self.listener.on_event(event)));
        if let Err(payload) = outcome {
            self.panics.fetch_add(1, Ordering::Relaxed);
            warn!(
                listener = self.index,
                event = event.name(),
                panic = panic_message(payload.as_ref()),
                "event listener panicked; event skipped"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::sync::atomic::AtomicUsize;

    use super::*;
    use crate::event::{PollStarted, TaskPaused};

    fn paused(n: usize) -> TaskPaused {
        TaskPaused {
            task_type: format!("t{n}"),
            worker_id: "w".into(),
        }
    }

    #[derive(Default)]
    struct Recorder {
        seen: Mutex<Vec<String>>,
    }

    impl TaskRunnerEventsListener for Recorder {
        fn on_task_paused(&self, event: &TaskPaused) {
            self.seen.lock().unwrap().push(event.task_type.clone());
        }
    }

    struct Panicker {
        calls: AtomicUsize,
    }

    impl TaskRunnerEventsListener for Panicker {
        fn on_task_paused(&self, event: &TaskPaused) {
            self.calls.fetch_add(1, Ordering::SeqCst);
            assert!(event.task_type != "t1", "listener bug on t1");
        }
    }

    /// Blocks every call until the test opens the gate.
    struct Blocked {
        open: AtomicBool,
        calls: AtomicUsize,
    }

    impl TaskRunnerEventsListener for Blocked {
        fn on_event(&self, _event: &TaskRunnerEvent) {
            while !self.open.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(1));
            }
            self.calls.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[tokio::test]
    async fn delivers_in_order_to_every_listener() {
        let dispatcher = EventDispatcher::new();
        let first = Arc::new(Recorder::default());
        let second = Arc::new(Recorder::default());
        dispatcher.add_listener(first.clone());
        dispatcher.add_listener(second.clone());
        for n in 0..100 {
            dispatcher.publish(paused(n));
        }
        assert!(dispatcher.flush(Duration::from_secs(5)).await);
        let expected: Vec<String> = (0..100).map(|n| format!("t{n}")).collect();
        assert_eq!(*first.seen.lock().unwrap(), expected);
        assert_eq!(*second.seen.lock().unwrap(), expected);
        assert_eq!(dispatcher.dropped_events(), 0);
    }

    #[tokio::test]
    async fn a_panicking_listener_is_isolated_and_keeps_receiving() {
        let dispatcher = EventDispatcher::new();
        let panicker = Arc::new(Panicker {
            calls: AtomicUsize::new(0),
        });
        let recorder = Arc::new(Recorder::default());
        dispatcher.add_listener(panicker.clone());
        dispatcher.add_listener(recorder.clone());
        for n in 0..3 {
            dispatcher.publish(paused(n));
        }
        assert!(dispatcher.flush(Duration::from_secs(5)).await);
        assert_eq!(panicker.calls.load(Ordering::SeqCst), 3);
        assert_eq!(dispatcher.listener_panics(), 1);
        assert_eq!(recorder.seen.lock().unwrap().len(), 3);
    }

    #[tokio::test]
    async fn a_stuck_listener_never_blocks_the_publisher_and_overflow_is_counted() {
        let dispatcher = EventDispatcher::with_capacity(8);
        let blocked = Arc::new(Blocked {
            open: AtomicBool::new(false),
            calls: AtomicUsize::new(0),
        });
        let healthy = Arc::new(Recorder::default());
        dispatcher.add_listener(blocked.clone());
        dispatcher.add_listener(healthy.clone());
        for n in 0..30 {
            dispatcher.publish(paused(n));
            // The healthy listener keeps up while the other one is stuck.
            let deadline = std::time::Instant::now() + Duration::from_secs(5);
            while healthy.seen.lock().unwrap().len() < n + 1 {
                assert!(
                    std::time::Instant::now() < deadline,
                    "healthy listener starved"
                );
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
        // The stuck listener holds one event and has 8 queued: the rest of the 30 were dropped.
        assert!(dispatcher.dropped_events() >= 30 - 9);
        assert!(!dispatcher.flush(Duration::from_millis(50)).await);
        blocked.open.store(true, Ordering::SeqCst);
        assert!(dispatcher.flush(Duration::from_secs(5)).await);
        let delivered = blocked.calls.load(Ordering::SeqCst) as u64;
        assert_eq!(delivered + dispatcher.dropped_events(), 30);
        assert_eq!(healthy.seen.lock().unwrap().len(), 30);
    }

    /// Takes each call's permission from a channel, so the test decides when events go through.
    struct Gated {
        permits: Mutex<mpsc::Receiver<()>>,
        calls: AtomicUsize,
    }

    impl TaskRunnerEventsListener for Gated {
        fn on_event(&self, _event: &TaskRunnerEvent) {
            let _ = self.permits.lock().unwrap().recv();
            self.calls.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_flush_behind_a_full_queue_goes_in_when_the_listener_takes_an_event() {
        let (permit, permits) = mpsc::channel();
        let gated = Arc::new(Gated {
            permits: Mutex::new(permits),
            calls: AtomicUsize::new(0),
        });
        let dispatcher = EventDispatcher::with_capacity(1);
        dispatcher.add_listener(gated.clone());
        // The first event is taken at once and waits in the listener; the second fills the queue.
        dispatcher.publish(paused(0));
        let taken = dispatcher.read_sinks(|sinks| Arc::clone(&sinks[0].taken));
        assert!(taken.wait_past(0, Instant::now() + Duration::from_secs(60)));
        dispatcher.publish(paused(1));
        assert_eq!(dispatcher.dropped_events(), 0);

        let flushing = tokio::spawn({
            let dispatcher = dispatcher.clone();
            async move { dispatcher.flush(Duration::from_secs(60)).await }
        });
        // Two permits: the flush marker can only go in once the listener takes the second event.
        permit.send(()).unwrap();
        permit.send(()).unwrap();
        let started = Instant::now();
        assert!(flushing.await.unwrap(), "the flush marker never went in");
        // Woken by the listener taking the event, not by its 60 s timeout running out.
        assert!(started.elapsed() < Duration::from_secs(30));
        assert_eq!(gated.calls.load(Ordering::SeqCst), 2);
    }

    fn lost_result(n: usize) -> crate::event::TaskUpdateFailure {
        crate::event::TaskUpdateFailure {
            task_type: "t".into(),
            task_id: format!("task-{n}"),
            workflow_instance_id: "wf".into(),
            worker_id: "w".into(),
            error: "503".into(),
            error_type: "Server".into(),
            retry_count: 5,
            duration: Duration::from_secs(1),
            task_result: conductor_models::TaskResult::completed(format!("task-{n}"), "wf"),
        }
    }

    /// Waits for each call's permission, then records the event's task id (or task type).
    struct GatedRecorder {
        permits: Mutex<mpsc::Receiver<()>>,
        seen: Mutex<Vec<String>>,
    }

    impl TaskRunnerEventsListener for GatedRecorder {
        fn on_event(&self, event: &TaskRunnerEvent) {
            let _ = self.permits.lock().unwrap().recv();
            let name = match event {
                TaskRunnerEvent::TaskUpdateFailure(failure) => failure.task_id.clone(),
                other => other.task_type().to_owned(),
            };
            self.seen.lock().unwrap().push(name);
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn lost_results_reach_a_listener_whose_queue_is_full() {
        let (permit, permits) = mpsc::channel();
        let listener = Arc::new(GatedRecorder {
            permits: Mutex::new(permits),
            seen: Mutex::default(),
        });
        let dispatcher = EventDispatcher::with_capacity(2);
        dispatcher.add_listener(listener.clone());
        // The listener holds the first event; two more fill its queue; everything after finds it
        // full. Routine events are dropped then, lost results are not.
        for n in 0..10 {
            dispatcher.publish(paused(n));
            if n % 3 == 0 {
                dispatcher.publish(lost_result(n));
            }
        }
        assert!(dispatcher.dropped_events() > 0);
        for _ in 0..64 {
            permit.send(()).unwrap();
        }
        assert!(dispatcher.flush(Duration::from_secs(30)).await);
        let seen = listener.seen.lock().unwrap().clone();
        for n in [0, 3, 6, 9] {
            assert!(
                seen.contains(&format!("task-{n}")),
                "task-{n} missing: {seen:?}"
            );
        }
        let routine = seen.iter().filter(|s| !s.starts_with("task-")).count() as u64;
        assert_eq!(routine + dispatcher.dropped_events(), 10, "{seen:?}");
    }

    #[tokio::test]
    async fn publish_without_listeners_is_a_no_op() {
        let dispatcher = EventDispatcher::new();
        assert!(!dispatcher.has_listeners());
        let mut built = false;
        dispatcher.publish_with(|| {
            built = true;
            PollStarted {
                task_type: "t".into(),
                worker_id: "w".into(),
                poll_count: 1,
            }
        });
        assert!(!built);
        assert!(dispatcher.flush(Duration::from_millis(10)).await);
        assert_eq!(dispatcher.dropped_events(), 0);
    }
}
