//! An event listener that records every event, and a tracing subscriber that counts warnings.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use conductor_events::{TaskRunnerEvent, TaskRunnerEventsListener};

/// Records every event it receives.
#[derive(Default)]
pub struct EventLog {
    events: Mutex<Vec<TaskRunnerEvent>>,
}

impl EventLog {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    pub fn events(&self) -> Vec<TaskRunnerEvent> {
        self.events.lock().unwrap().clone()
    }

    pub fn named(&self, name: &str) -> Vec<TaskRunnerEvent> {
        self.events()
            .into_iter()
            .filter(|e| e.name() == name)
            .collect()
    }
}

impl TaskRunnerEventsListener for EventLog {
    fn on_event(&self, event: &TaskRunnerEvent) {
        self.events.lock().unwrap().push(event.clone());
    }
}

/// Counts `WARN` events whose message contains `needle`.
pub struct WarnCounter {
    needle: &'static str,
    count: Arc<AtomicUsize>,
}

impl WarnCounter {
    pub fn new(needle: &'static str) -> (Self, Arc<AtomicUsize>) {
        let count = Arc::new(AtomicUsize::new(0));
        (
            Self {
                needle,
                count: Arc::clone(&count),
            },
            count,
        )
    }
}

struct MessageVisitor {
    message: String,
}

impl tracing::field::Visit for MessageVisitor {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.message = format!("{value:?}");
        }
    }
}

impl tracing::Subscriber for WarnCounter {
    fn enabled(&self, metadata: &tracing::Metadata<'_>) -> bool {
        *metadata.level() <= tracing::Level::WARN
    }

    fn new_span(&self, _span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }

    fn record(&self, _span: &tracing::span::Id, _values: &tracing::span::Record<'_>) {}

    fn record_follows_from(&self, _span: &tracing::span::Id, _follows: &tracing::span::Id) {}

    fn event(&self, event: &tracing::Event<'_>) {
        if *event.metadata().level() != tracing::Level::WARN {
            return;
        }
        let mut visitor = MessageVisitor {
            message: String::new(),
        };
        event.record(&mut visitor);
        if visitor.message.contains(self.needle) {
            self.count.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn enter(&self, _span: &tracing::span::Id) {}

    fn exit(&self, _span: &tracing::span::Id) {}
}
