//! Parameter and return shapes that must compile, in a crate that forbids `unsafe` and requires
//! docs (the generated code must not trip the user's lints).
#![forbid(unsafe_code)]
#![deny(missing_docs, unused, clippy::all)]

use conductor::Task;
use conductor::worker;
use conductor::worker::{TaskContext, TaskInProgress, WorkerOutput};
use serde::{Deserialize, Serialize};

/// An order.
#[derive(Deserialize)]
pub struct Order {
    /// Its id.
    pub id: String,
}

/// A receipt.
#[derive(Serialize)]
pub struct Receipt {
    /// Its id.
    pub id: String,
}

/// No inputs, no output.
#[worker(name = "noop")]
pub async fn noop() {}

/// Optional inputs.
#[worker(name = "optional", rename_all = "camelCase")]
pub async fn optional(order_id: Option<String>, #[input(rename = "n")] count: Option<u32>) -> Option<Receipt> {
    Some(Receipt { id: format!("{order_id:?}{count:?}") })
}

/// The whole input.
#[worker(name = "whole")]
pub(crate) async fn whole(#[input(all)] order: Order, ctx: &TaskContext) -> Result<Receipt, String> {
    ctx.add_log("whole");
    Ok(Receipt { id: order.id })
}

/// The raw task, an in-progress answer.
#[worker(name = "progress")]
pub async fn progress(task: &Task) -> TaskInProgress {
    TaskInProgress::new(u64::try_from(task.poll_count).unwrap_or(0))
}

/// A `WorkerOutput` inside a `Result` with the SDK's alias.
#[worker(name = "aliased")]
pub async fn aliased(ctx: TaskContext) -> conductor::error::Result<WorkerOutput> {
    Ok(WorkerOutput::completed_with_result(ctx.poll_count()))
}

/// A synchronous function on the blocking pool.
#[worker(name = "sync_sum", blocking)]
pub fn sync_sum(values: Vec<i64>) -> i64 {
    values.iter().sum()
}

/// A synchronous function with the task and its context.
#[worker(name = "sync_task", blocking)]
pub fn sync_task(task: &Task, ctx: TaskContext) -> String {
    ctx.add_log("sync");
    task.task_id.clone()
}

/// Boxed errors.
#[worker(name = "boxed")]
pub async fn boxed(mut n: u8) -> Result<u8, Box<dyn std::error::Error + Send + Sync>> {
    n = n.checked_add(1).ok_or("overflow")?;
    Ok(n)
}

mod nested {
    use conductor::worker;

    /// In a module, private.
    #[worker(name = "nested")]
    async fn nested(r#type: String) -> String {
        r#type
    }

    pub(crate) fn build() -> conductor::worker::FnWorker {
        nested_worker()
    }
}

/// The crate path override.
#[worker(name = "overridden", crate = "::conductor")]
pub async fn overridden() -> &'static str {
    "ok"
}

fn main() {
    let workers = [
        noop_worker(),
        optional_worker(),
        whole_worker(),
        progress_worker(),
        aliased_worker(),
        sync_sum_worker(),
        sync_task_worker(),
        boxed_worker(),
        nested::build(),
        overridden_worker(),
    ];
    assert_eq!(workers.len(), conductor::worker::discovered_workers().len());
}
