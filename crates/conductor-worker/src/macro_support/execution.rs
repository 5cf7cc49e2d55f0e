//! Running a `#[worker]` function: async futures boxed as `Send`, synchronous functions on the
//! blocking pool.

use std::future::Future;
use std::pin::Pin;

use conductor_http::{ConductorError, Result};

use crate::TaskContext;

/// `future`, boxed as a `Send` future.
///
/// The expansion calls it at the user's function name, so a function whose future is not
/// `Send` (it holds an `Rc` or a `std::sync::MutexGuard` across an `.await`) is reported there,
/// once, instead of deep inside the generated worker.
pub fn send_future<'a, F>(future: F) -> Pin<Box<dyn Future<Output = F::Output> + Send + 'a>>
where
    F: Future + Send + 'a,
{
    Box::pin(future)
}

/// Runs `function` on tokio's blocking thread pool and waits for it without blocking the
/// async threads.
///
/// The function sees the same [`TaskContext::current`] as an async worker would. A panic is
/// resumed on the calling task, so the runtime reports it like any worker panic (the task
/// fails with the panic message).
///
/// # Errors
///
/// [`ConductorError::Worker`] when the blocking task was cancelled (the runtime is shutting
/// down).
pub async fn run_blocking<F, R>(function: F) -> Result<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let context = TaskContext::current();
    let handle = tokio::runtime::Handle::current();
    // The guard lives on the blocking thread: it says "code of this execution is running" for as
    // long as the function runs, even if this future is dropped meanwhile.
    let running = context.as_ref().map(TaskContext::enter_blocking);
    let joined = tokio::task::spawn_blocking(move || {
        let _running = running;
        match context {
            // A blocking-pool thread is outside the runtime's async context, so `block_on` is
            // allowed; the future is ready at its first poll (it only sets the task-local).
            Some(context) => handle.block_on(context.scope(async move { function() })),
            None => function(),
        }
    })
    .await;
    match joined {
        Ok(value) => Ok(value),
        Err(err) => match err.try_into_panic() {
            Ok(payload) => std::panic::resume_unwind(payload),
            Err(err) => Err(ConductorError::worker(format!(
                "the blocking worker function did not finish: {err}"
            ))),
        },
    }
}

#[cfg(test)]
mod tests {
    use conductor_models::Task;
    use tokio_util::sync::CancellationToken;

    use super::*;

    #[tokio::test]
    async fn blocking_functions_see_the_task_context() {
        let task = Task {
            task_id: "t1".into(),
            ..Task::default()
        };
        let context = TaskContext::for_execution(&task, "w1", CancellationToken::new());
        let seen = context
            .clone()
            .scope(run_blocking(|| {
                let current = TaskContext::current().expect("context inside the blocking call");
                current.add_log("from the blocking pool");
                (
                    current.task_id().to_owned(),
                    std::thread::current().name().map(str::to_owned),
                )
            }))
            .await
            .unwrap();
        assert_eq!(seen.0, "t1");
        assert_eq!(context.take_reports().logs, ["from the blocking pool"]);
        // Outside an execution there is no context, and the function still runs.
        assert!(
            run_blocking(|| TaskContext::current().is_none())
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn panics_are_resumed_on_the_caller() {
        let outcome = tokio::spawn(run_blocking(|| -> u8 { panic!("boom in the pool") })).await;
        let payload = outcome.unwrap_err().into_panic();
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom in the pool"));
    }
}
