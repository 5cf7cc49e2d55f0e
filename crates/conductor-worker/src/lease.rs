//! Lease extension: heartbeats that keep a long execution from hitting its response timeout.

use conductor_models::{Task, TaskResult};
use tokio::time::Duration;
use tracing::{debug, warn};

use crate::runner::TaskRunner;

/// Attempts per heartbeat before waiting for the next one.
const ATTEMPTS: u32 = 3;
/// Wait between the attempts of one heartbeat.
const ATTEMPT_GAP: Duration = Duration::from_secs(1);
/// The shortest heartbeat period (a response timeout of 1 s would otherwise mean 800 ms).
const MIN_PERIOD: Duration = Duration::from_millis(500);

/// Sends `extendLease` updates for `task` every `fraction × responseTimeoutSeconds` until the
/// future is dropped (when the execution ends). Never returns. A task without a response timeout
/// needs no heartbeat: then this only waits.
///
/// The server handles `extendLease: true` by refreshing the task's `updateTime` (the start of its
/// response-timeout clock) and nothing else, so the task stays `IN_PROGRESS` with this worker.
pub(crate) async fn keep_alive(runner: &TaskRunner, task: &Task) {
    let Some(period) = heartbeat_period(
        task.response_timeout_seconds,
        runner.runtime.options.lease_extend_fraction(),
    ) else {
        return std::future::pending().await;
    };
    let heartbeat = TaskResult::in_progress(&task.task_id, &task.workflow_instance_id, 0)
        .with_extend_lease(true)
        .with_worker_id(runner.worker_id());
    loop {
        tokio::time::sleep(period).await;
        let mut attempt = 1;
        loop {
            match runner.runtime.api.update(&heartbeat).await {
                Ok(()) => {
                    debug!(task_id = %task.task_id, "lease extended");
                    break;
                }
                Err(err) if attempt < ATTEMPTS => {
                    debug!(task_id = %task.task_id, attempt, %err, "lease extension failed; trying again");
                    attempt += 1;
                    tokio::time::sleep(ATTEMPT_GAP).await;
                }
                Err(err) => {
                    warn!(task_id = %task.task_id, %err, "lease extension failed; the task may time out on the server");
                    break;
                }
            }
        }
    }
}

/// The heartbeat period for a response timeout, or `None` when there is no timeout.
pub(crate) fn heartbeat_period(response_timeout_seconds: i64, fraction: f64) -> Option<Duration> {
    let seconds = u64::try_from(response_timeout_seconds)
        .ok()
        .filter(|s| *s > 0)?;
    Some(
        Duration::from_secs(seconds)
            .mul_f64(fraction)
            .max(MIN_PERIOD),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn period_is_a_fraction_of_the_response_timeout() {
        assert_eq!(heartbeat_period(10, 0.8), Some(Duration::from_secs(8)));
        assert_eq!(heartbeat_period(3600, 0.5), Some(Duration::from_secs(1800)));
        assert_eq!(heartbeat_period(0, 0.8), None);
        assert_eq!(heartbeat_period(-1, 0.8), None);
        assert_eq!(heartbeat_period(1, 0.1), Some(MIN_PERIOD));
    }
}
