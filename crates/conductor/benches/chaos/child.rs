//! A worker child (`--worker-child`): a `WorkerHost` with signals handled (SIGTERM drains within
//! the grace period), the durable outbox on, and every execution, SDK log line and reported loss
//! appended to the shared journal.

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use conductor::events::{TaskRunnerEventsListener, TaskUpdateFailure};
use conductor::worker::{FnWorker, RunnerOptions, WorkerOutput};
use conductor::{Configuration, Task, WorkerHost};

use crate::journal::JournalWriter;
use crate::{arg, text_arg};

/// Whether execution `exec` panics: about one in `every`, from the seed (splitmix64).
pub(crate) fn panics(seed: u64, exec: u64, every: u64) -> bool {
    if every == 0 {
        return false;
    }
    let mut z = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ exec;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)).is_multiple_of(every)
}

/// Writes the SDK's INFO, WARN and ERROR events to the journal (`L` lines).
struct JournalSubscriber(Arc<JournalWriter>);

/// An event's message, and its other fields as `name=value`.
#[derive(Default)]
struct Fields {
    message: String,
    others: String,
}

impl tracing::field::Visit for Fields {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            let _ = write!(self.others, " {}={value:?}", field.name());
        }
    }
}

impl tracing::Subscriber for JournalSubscriber {
    fn enabled(&self, metadata: &tracing::Metadata<'_>) -> bool {
        *metadata.level() <= tracing::Level::INFO
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        // The message, a tab, the fields: the parent groups lines by message.
        let text = format!("{}\t{}", fields.message, fields.others).replace('\n', " ");
        self.0
            .line('L', &format!("{} {text}", event.metadata().level()));
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

/// Results the SDK reports lost go to the journal (`U` lines).
struct ReportLost(Arc<JournalWriter>);

impl TaskRunnerEventsListener for ReportLost {
    fn on_task_update_failure(&self, event: &TaskUpdateFailure) {
        self.0.line(
            'U',
            &format!("{} {}", event.workflow_instance_id, event.task_id),
        );
    }
}

/// Serves until SIGTERM (or SIGINT), then drains and exits.
pub(crate) async fn serve() {
    let child = arg("--child-no", 0);
    let url = text_arg("--url").unwrap();
    let task_type = text_arg("--task-type").unwrap();
    let journal_path = text_arg("--journal").unwrap();
    let outbox = text_arg("--outbox").unwrap();
    let threads = usize::try_from(arg("--threads", 8)).unwrap();
    let work = Duration::from_millis(arg("--work-ms", 100));
    let seed = arg("--seed", 7);
    let panic_every = arg("--panic-every", 200);
    let grace = Duration::from_secs(arg("--grace-secs", 5));

    let journal = Arc::new(JournalWriter::open(journal_path.as_ref(), child));
    tracing::subscriber::set_global_default(JournalSubscriber(Arc::clone(&journal))).unwrap();
    // A panic is caught by the runtime and fails the task; the journal records it, so the
    // default hook's message on stderr adds nothing.
    std::panic::set_hook(Box::new(|_| {}));

    let counter = Arc::new(AtomicU64::new(0));
    let record = Arc::clone(&journal);
    let worker = FnWorker::new(&task_type, move |task: Task| {
        let (record, counter) = (Arc::clone(&record), Arc::clone(&counter));
        async move {
            let exec = child * 1_000_000 + counter.fetch_add(1, Ordering::Relaxed);
            let ids = format!("{exec} {} {}", task.workflow_instance_id, task.task_id);
            record.line('S', &ids);
            tokio::time::sleep(work).await;
            if panics(seed, exec, panic_every) {
                record.line('F', &format!("{ids} panic"));
                panic!("chaos: injected panic in execution {exec}");
            }
            record.line('F', &format!("{ids} done"));
            Ok(WorkerOutput::completed([("exec", exec)]))
        }
    })
    .with_thread_count(threads);
    let listener = Arc::new(ReportLost(Arc::clone(&journal)));
    let host = WorkerHost::builder(Configuration::new(&url))
        .worker(worker)
        .configure(|handler| {
            handler
                .event_listener(listener as Arc<dyn TaskRunnerEventsListener>)
                // `options` replaces the whole value: the grace period goes in it.
                .options(
                    RunnerOptions::default()
                        .with_outbox_dir(&outbox)
                        .with_shutdown_grace_period(grace),
                )
        })
        .start()
        .await
        .unwrap();
    journal.line('B', &std::process::id().to_string());
    let result = host.wait_for_shutdown().await;
    journal.line('X', &format!("{result:?}").replace(' ', "_"));
}
