//! [`Reporter`]: delivers one worker's results. A result is retried in its execution slot with
//! capped, jittered backoff until the server has it, or can no longer accept it (the task's
//! response timeout), or rejects it; before calling a result lost it asks the server whether the
//! result arrived after all. Also returns unfinished tasks to the server ([`Reporter::hand_back`]).

use std::sync::{Arc, Mutex};

use conductor_events::{TaskUpdateAttemptFailure, TaskUpdateCompleted, TaskUpdateFailure};
use conductor_http::{Backoff, ConductorError, Result, Retries};
use conductor_models::{Task, TaskResult, TaskResultStatus};
use serde_json::Value;
use tokio::time::{Duration, Instant};
use tracing::{Instrument as _, debug, error, info, warn};

use crate::classify::{error_type, is_permanent_update_error, may_have_been_applied};
use crate::lease::Lease;
use crate::outbox::{Outbox, Pending};
use crate::poller::backoff::LogLimiter;
use crate::runtime::Runtime;
use crate::telemetry;

/// The output key under which a handed-back task counts its hand-backs. The runtime reads it
/// back when the task comes again, takes those polls off `pollCount` and removes the key, so the
/// worker's code sees the poll count it would have seen without the hand-backs.
pub const HAND_BACK_OUTPUT_KEY: &str = "_conductorHandBacks";

/// How long after its lease a result is still retried while the server cannot be reached to say
/// whether it timed the task out: an outage of the whole connection hides that.
const UNREACHABLE_AFTER_EXPIRY: Duration = Duration::from_secs(600);

/// First wait between two attempts to hand a task back, doubling up to [`HAND_BACK_MAX_WAIT`].
const HAND_BACK_FIRST_WAIT: Duration = Duration::from_millis(100);
const HAND_BACK_MAX_WAIT: Duration = Duration::from_secs(1);

/// Reports the results of one worker (its task type and worker id) through the runtime's server
/// connection.
pub(crate) struct Reporter {
    runtime: Arc<Runtime>,
    task_type: String,
    worker_id: String,
    /// At most one warning a minute about failing updates, whatever the number of results.
    failure_log: Mutex<LogLimiter>,
}

impl Reporter {
    pub(crate) fn new(runtime: Arc<Runtime>, task_type: &str, worker_id: &str) -> Self {
        let interval = runtime.options.poll_error_log_interval();
        Self {
            runtime,
            task_type: task_type.to_owned(),
            worker_id: worker_id.to_owned(),
            failure_log: Mutex::new(LogLimiter::new(interval)),
        }
    }

    /// Delivers `result`, in the caller's execution slot. Returns the next task when update-v2
    /// handed one out (`want_next`).
    ///
    /// Each failed attempt is published as a `TaskUpdateAttemptFailure`. Failed attempts are
    /// retried with backoff until the result is delivered, the server
    /// rejects it (a 4xx), the lease has expired and the server says it timed the task out (while
    /// it cannot be reached, for up to 10 minutes more), the optional retry cap is reached, or the
    /// shutdown deadline passes. Only the first attempt may use
    /// update-v2: a retry must not be handed a task nobody is waiting for.
    pub(crate) async fn report(
        &self,
        result: TaskResult,
        lease: &Lease,
        want_next: bool,
    ) -> Option<Task> {
        self.deliver(result, lease, want_next, false).await
    }

    /// Sends a result found in the outbox at start-up again, like [`report`](Self::report).
    pub(crate) async fn redeliver(&self, pending: Pending) {
        info!(task_type = %self.task_type, task_id = %pending.result.task_id, "re-sending a result from the outbox");
        let lease = Lease::until(pending.accept_until_ms.map(instant_of_epoch_ms));
        let span = telemetry::redelivery_span(&self.task_type, &self.worker_id, &pending.result);
        span.run(self.deliver(pending.result, &lease, false, true))
            .await;
    }

    /// The delivery loop; `journaled` when the result is in the outbox already.
    async fn deliver(
        &self,
        result: TaskResult,
        lease: &Lease,
        want_next: bool,
        mut journaled: bool,
    ) -> Option<Task> {
        let runtime = &self.runtime;
        let (initial, max) = runtime.options.update_backoff();
        let mut backoff = Retries::new(Backoff::new(initial, max));
        let started = Instant::now();
        let mut attempts: u32 = 0;
        loop {
            let use_v2 = want_next && attempts == 0 && runtime.v2_usable();
            attempts += 1;
            let span = telemetry::update_span(result.status.as_str(), attempts);
            let sent = runtime
                .bounded(self.send(&result, use_v2))
                .instrument(span.clone())
                .await;
            match &sent {
                Some(Ok(_)) => telemetry::record_outcome(&span, "accepted", false),
                Some(Err(error)) => telemetry::record_outcome(&span, error_type(error), true),
                None => telemetry::record_outcome(&span, "shutdown_deadline", true),
            }
            let error = match sent {
                Some(Ok(next)) => {
                    if lease.has_expired() {
                        // The server answers 200 to an update of a task it timed out, and
                        // ignores it: only the task's status says whether this one counted.
                        if let Confirmation::Superseded(server_status) =
                            self.server_has(&result).await
                        {
                            self.superseded(
                                &result,
                                &server_status,
                                "sent after the task's response timeout",
                            );
                            self.forget(&result, journaled).await;
                            return next;
                        }
                    }
                    if attempts > 1 {
                        info!(task_id = %result.task_id, attempts, "task result delivered after retrying");
                        runtime.server_is_back();
                    }
                    self.forget(&result, journaled).await;
                    self.publish_completed(&result, started, attempts);
                    return next;
                }
                Some(Err(error)) => error,
                None => {
                    ConductorError::timeout("task update still pending at the shutdown deadline")
                }
            };
            if use_v2 && may_have_been_applied(&error) {
                runtime.suspend_v2(&result.task_id);
            }
            let retries = attempts - 1;
            if !journaled
                && !is_permanent_update_error(&error)
                && let Some(outbox) = &runtime.outbox
            {
                journaled = journal(outbox, &self.task_type, &self.worker_id, &result, lease).await;
            }
            let give_up = if is_permanent_update_error(&error) {
                Some("the server rejected it")
            } else if runtime
                .options
                .update_retries()
                .is_some_and(|cap| retries >= cap)
            {
                Some("retries exhausted")
            } else if runtime.deadline.is_cancelled() {
                Some("shutdown deadline")
            } else if lease.has_expired() {
                // The server times a task out only at its next sweep, and while it cannot be
                // reached nobody knows whether it has: ask it before giving anything up.
                match self.server_has(&result).await {
                    Confirmation::Applied => {
                        self.publish_attempt_failure(&result, &error, attempts, false);
                        self.forget(&result, journaled).await;
                        self.publish_completed(&result, started, attempts);
                        return None;
                    }
                    Confirmation::Superseded(server_status) => {
                        self.publish_attempt_failure(&result, &error, attempts, false);
                        self.superseded(&result, &server_status, &error.to_string());
                        self.forget(&result, journaled).await;
                        return None;
                    }
                    // It still waits for the result: keep trying to deliver it.
                    Confirmation::Pending(_) => None,
                    Confirmation::Unknown(_)
                        if lease
                            .expires_at()
                            .is_some_and(|at| Instant::now() < at + UNREACHABLE_AFTER_EXPIRY) =>
                    {
                        None
                    }
                    Confirmation::Unknown(_) => Some(
                        "the task's response timeout passed long ago and the server cannot be reached",
                    ),
                }
            } else {
                None
            };
            self.publish_attempt_failure(&result, &error, attempts, give_up.is_none());
            if let Some(why) = give_up {
                if journaled
                    && runtime.deadline.is_cancelled()
                    && !is_permanent_update_error(&error)
                {
                    warn!(task_type = %self.task_type, task_id = %result.task_id, %error, "task result not delivered by the shutdown deadline; kept in the outbox, to be sent at the next start");
                    return None;
                }
                self.give_up(&result, &error, retries, started, why).await;
                self.forget(&result, journaled).await;
                return None;
            }
            let mut wait = backoff.on_failure();
            if let Some(expires_at) = lease.expires_at().filter(|_| !lease.has_expired()) {
                // An attempt right when the lease runs out, not a backoff after it.
                wait = wait.min(expires_at.saturating_duration_since(Instant::now()));
            }
            self.log_failure(&result, &error, attempts, wait);
            runtime.wait_before_retry(wait).await;
        }
    }

    /// Removes a result that no longer needs delivering from the outbox.
    async fn forget(&self, result: &TaskResult, journaled: bool) {
        let Some(outbox) = self.runtime.outbox.clone().filter(|_| journaled) else {
            return;
        };
        let task_id = result.task_id.clone();
        let removed = tokio::task::spawn_blocking(move || outbox.remove(&task_id)).await;
        if let Ok(Err(err)) | Err(err) = removed.map_err(std::io::Error::other) {
            warn!(task_id = %result.task_id, %err, "could not remove a delivered result from the outbox; it will be sent again at the next start (harmless)");
        }
    }

    /// One attempt: update-v2 when `use_v2`, else v1.
    async fn send(&self, result: &TaskResult, use_v2: bool) -> Result<Option<Task>> {
        let runtime = &self.runtime;
        if use_v2 {
            match runtime.api.update_v2(result).await {
                Ok(next) => return Ok(next),
                // No handler ran (conductor-oss before 3.21.12 answers 500 "Request method 'POST'
                // is not supported", others 404 "No static resource" or 405; the client reports
                // UnsupportedByServer), so the result was not recorded: send it with v1.
                Err(err) if err.is_missing_endpoint() => {
                    runtime.disable_v2(&format!("update-v2 unavailable: {err}"));
                }
                Err(err) if err.status() == Some(404) => {
                    // A 404 that does not say "no handler" (a proxy's page, say) means either "no
                    // update-v2 endpoint" or "no such task/workflow". v1 tells them apart: if it
                    // accepts the result, the endpoint is what was missing.
                    return match runtime.api.update(result).await {
                        Ok(()) => {
                            runtime.disable_v2(
                                "404 on update-v2 while POST /tasks accepted the result",
                            );
                            Ok(None)
                        }
                        Err(v1_err) => Err(v1_err),
                    };
                }
                Err(err) => return Err(err),
            }
        }
        runtime.api.update(result).await.map(|()| None)
    }

    fn log_failure(
        &self,
        result: &TaskResult,
        error: &ConductorError,
        attempts: u32,
        wait: Duration,
    ) {
        let allowed = match self.failure_log.lock() {
            Ok(mut limiter) => limiter.check(Instant::now()),
            Err(poisoned) => poisoned.into_inner().check(Instant::now()),
        };
        let retry_in_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
        match allowed {
            Some(not_logged) => warn!(
                task_type = %self.task_type,
                task_id = %result.task_id,
                attempts,
                retry_in_ms,
                not_logged,
                %error,
                "task update failed; retrying until the server accepts it or its response timeout passes"
            ),
            None => {
                debug!(task_id = %result.task_id, attempts, retry_in_ms, %error, "task update failed; retrying")
            }
        }
    }

    /// Ends the delivery of a result that could not be sent: first asks the server whether it has
    /// the result after all (an answer lost after the server applied it is not a lost result) or
    /// no longer wants it (the task ended otherwise); only a result the server still waits for
    /// is logged as lost and published as a `TaskUpdateFailure`.
    async fn give_up(
        &self,
        result: &TaskResult,
        error: &ConductorError,
        retries: u32,
        started: Instant,
        why: &str,
    ) {
        match self.server_has(result).await {
            Confirmation::Applied => {
                info!(
                    task_id = %result.task_id,
                    status = %result.status,
                    "the server has the task's result after all (an answer was lost after it applied the update)"
                );
                self.publish_completed(result, started, retries + 1);
                return;
            }
            Confirmation::Superseded(server_status) => {
                self.superseded(result, &server_status, &error.to_string());
                return;
            }
            Confirmation::Pending(server_status) | Confirmation::Unknown(server_status) => error!(
                task_type = %self.task_type,
                task_id = %result.task_id,
                workflow_instance_id = %result.workflow_instance_id,
                status = %result.status,
                server_status = %server_status,
                retries,
                %error,
                "task result LOST ({why}). Listen for TaskUpdateFailure to keep it"
            ),
        }
        self.runtime.events.publish_with(|| TaskUpdateFailure {
            task_type: self.task_type.clone(),
            task_id: result.task_id.clone(),
            workflow_instance_id: result.workflow_instance_id.clone(),
            worker_id: self.worker_id.clone(),
            error: error.to_string(),
            error_type: error_type(error).to_owned(),
            retry_count: retries,
            duration: started.elapsed(),
            task_result: result.clone(),
        });
    }

    /// Logs a result the server no longer wants. Not lost: the workflow was terminated or rerun,
    /// or the task timed out and was retried, so there is nothing an application could do with it.
    fn superseded(&self, result: &TaskResult, server_status: &str, error: &str) {
        warn!(
            task_type = %self.task_type,
            task_id = %result.task_id,
            status = %result.status,
            %server_status,
            error,
            "task result not applied: the task is no longer this worker's on the server"
        );
    }

    /// What the server's task says of `result`: applied (its status is the result's terminal
    /// status), superseded (another end, or gone), still waiting for a result, or unknown (the
    /// server could not be asked). An `IN_PROGRESS` result cannot be told apart from the task
    /// before it: it is never checked.
    async fn server_has(&self, result: &TaskResult) -> Confirmation {
        if result.status == TaskResultStatus::InProgress {
            return Confirmation::Unknown("not checked".into());
        }
        let timeout = self.runtime.options.hand_back_timeout();
        match tokio::time::timeout(timeout, self.runtime.api.get_task(&result.task_id)).await {
            Ok(Ok(Some(task))) if task.status.as_str() == result.status.as_str() => {
                Confirmation::Applied
            }
            Ok(Ok(Some(task))) if task.status.is_terminal() => {
                Confirmation::Superseded(task.status.to_string())
            }
            Ok(Ok(Some(task))) => Confirmation::Pending(task.status.to_string()),
            Ok(Ok(None)) => Confirmation::Superseded("NOT_FOUND".into()),
            Ok(Err(err)) => Confirmation::Unknown(format!("unknown ({err})")),
            Err(_) => Confirmation::Unknown("unknown (no answer)".into()),
        }
    }

    /// Publishes one failed attempt (each is counted in `task_update_error_total`).
    fn publish_attempt_failure(
        &self,
        result: &TaskResult,
        error: &ConductorError,
        attempt: u32,
        will_retry: bool,
    ) {
        self.runtime
            .events
            .publish_with(|| TaskUpdateAttemptFailure {
                task_type: self.task_type.clone(),
                task_id: result.task_id.clone(),
                workflow_instance_id: result.workflow_instance_id.clone(),
                worker_id: self.worker_id.clone(),
                attempt,
                error: error.to_string(),
                error_type: error_type(error).to_owned(),
                will_retry,
            });
    }

    fn publish_completed(&self, result: &TaskResult, started: Instant, attempts: u32) {
        self.runtime.events.publish_with(|| TaskUpdateCompleted {
            task_type: self.task_type.clone(),
            task_id: result.task_id.clone(),
            workflow_instance_id: result.workflow_instance_id.clone(),
            worker_id: self.worker_id.clone(),
            status: result.status.clone(),
            duration: started.elapsed(),
            attempts,
        });
    }

    /// Returns an unfinished task to the server so another worker picks it up at once.
    ///
    /// It is reported `IN_PROGRESS` with `callbackAfterSeconds` 0: for a worker task the server
    /// then puts it back to `SCHEDULED` and makes it pollable immediately, without using up a
    /// retry (a `FAILED` report would consume one, and fail the workflow when none is left). The
    /// task's output is sent back with its hand-back count under [`HAND_BACK_OUTPUT_KEY`] (an
    /// update replaces the output), and a log line on the task says why. Failed attempts are
    /// retried quickly for up to the hand-back timeout; after that the task waits out its
    /// `responseTimeoutSeconds`, as it would have anyway.
    pub(crate) async fn hand_back(&self, task: &Task, why: &str) {
        let span = telemetry::hand_back_span();
        let returned = self.try_hand_back(task, why).instrument(span.clone()).await;
        telemetry::record_outcome(
            &span,
            if returned { "returned" } else { "failed" },
            !returned,
        );
    }

    /// The attempts of [`hand_back`](Self::hand_back); whether the server took the task back.
    async fn try_hand_back(&self, task: &Task, why: &str) -> bool {
        let runtime = &self.runtime;
        let mut output = task.output_data.clone();
        let hand_backs = hand_back_count(task) + 1;
        output.insert(HAND_BACK_OUTPUT_KEY.to_owned(), Value::from(hand_backs));
        let result = TaskResult::in_progress(&task.task_id, &task.workflow_instance_id, 0)
            .with_output(output)
            .with_worker_id(&self.worker_id)
            .with_log(format!(
                "{why}: returned to the queue by worker {}",
                self.worker_id
            ));
        if past_poll_timeout(task) {
            // conductor-oss measures a SCHEDULED task's poll timeout from its first scheduling
            // and an update never resets it: the hand-back makes the server time the task out
            // and retry it (one retry used). Waiting for the response timeout would use it too,
            // later; handing back is still the quicker way to get the task run again.
            warn!(task_type = %self.task_type, task_id = %task.task_id, "the task's pollTimeoutSeconds has passed since it was scheduled: the server will time it out when it comes back, and retry it if its definition allows");
        }
        let started = Instant::now();
        let give_up_at = started + runtime.options.hand_back_timeout();
        let mut backoff = Retries::new(Backoff::new(HAND_BACK_FIRST_WAIT, HAND_BACK_MAX_WAIT));
        let mut attempts: u32 = 0;
        loop {
            attempts += 1;
            let remaining = give_up_at.saturating_duration_since(Instant::now());
            let error = match tokio::time::timeout(remaining, runtime.api.update(&result)).await {
                Ok(Ok(())) => {
                    info!(task_type = %self.task_type, task_id = %task.task_id, reason = why, attempts, "task returned to the server");
                    self.publish_completed(&result, started, attempts);
                    return true;
                }
                Ok(Err(error)) => error,
                Err(_) => ConductorError::timeout("returning the task timed out"),
            };
            let wait = backoff.on_failure();
            if is_permanent_update_error(&error) || Instant::now() + wait >= give_up_at {
                let why = format!("could not return the task: {why}");
                self.give_up(&result, &error, attempts - 1, started, &why)
                    .await;
                return false;
            }
            tokio::time::sleep(wait).await;
        }
    }
}

/// Writes `result` to the outbox; `true` once it is on disk.
async fn journal(
    outbox: &Outbox,
    task_type: &str,
    worker_id: &str,
    result: &TaskResult,
    lease: &Lease,
) -> bool {
    let pending = Pending {
        task_type: task_type.to_owned(),
        worker_id: worker_id.to_owned(),
        accept_until_ms: lease.expires_at().map(epoch_ms_of_instant),
        result: result.clone(),
    };
    let outbox = outbox.clone();
    let stored = tokio::task::spawn_blocking(move || outbox.store(&pending)).await;
    match stored.map_err(std::io::Error::other) {
        Ok(Ok(())) => {
            debug!(task_id = %result.task_id, "undelivered result written to the outbox");
            true
        }
        Ok(Err(err)) | Err(err) => {
            warn!(task_id = %result.task_id, %err, "could not write an undelivered result to the outbox; it is kept in memory only");
            false
        }
    }
}

/// Milliseconds since the Unix epoch now.
fn now_epoch_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| {
            u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
        })
}

/// The wall-clock time of `at`, in ms since the Unix epoch.
fn epoch_ms_of_instant(at: Instant) -> u64 {
    let now = Instant::now();
    let now_ms = now_epoch_ms();
    let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    if at >= now {
        now_ms.saturating_add(ms(at - now))
    } else {
        now_ms.saturating_sub(ms(now - at))
    }
}

/// The `Instant` of a wall-clock time in ms since the Unix epoch (now, when it has passed).
fn instant_of_epoch_ms(epoch_ms: u64) -> Instant {
    Instant::now() + Duration::from_millis(epoch_ms.saturating_sub(now_epoch_ms()))
}

/// What the server says of a result the runtime could not deliver.
enum Confirmation {
    /// The server has it: an answer was lost after the update was applied.
    Applied,
    /// The task ended otherwise, or is gone: the result is no longer wanted.
    Superseded(String),
    /// The server still waits for a result.
    Pending(String),
    /// The server could not be asked.
    Unknown(String),
}

/// Whether `task` has a poll timeout that has run out since it was first scheduled (the server
/// would time it out once it is `SCHEDULED` again).
fn past_poll_timeout(task: &Task) -> bool {
    let Some(poll_timeout) = task
        .task_definition
        .as_ref()
        .and_then(|def| def.poll_timeout_seconds)
        .filter(|seconds| *seconds > 0)
    else {
        return false;
    };
    let now_ms = i64::try_from(now_epoch_ms()).unwrap_or(i64::MAX);
    task.scheduled_time > 0 && now_ms - task.scheduled_time >= i64::from(poll_timeout) * 1000
}

/// How many times `task` was handed back by a worker of this SDK (0 when never).
pub(crate) fn hand_back_count(task: &Task) -> u64 {
    task.output_data
        .get(HAND_BACK_OUTPUT_KEY)
        .and_then(Value::as_u64)
        .unwrap_or(0)
}

/// `task` as the worker's code should see it: the polls that only handed it back are taken off
/// `pollCount` (so "initialise on the first poll" still works after a deploy), and the
/// hand-back counter is removed from its output.
pub(crate) fn without_hand_backs(task: &Task) -> std::borrow::Cow<'_, Task> {
    let hand_backs = hand_back_count(task);
    if hand_backs == 0 && !task.output_data.contains_key(HAND_BACK_OUTPUT_KEY) {
        return std::borrow::Cow::Borrowed(task);
    }
    let mut task = task.clone();
    task.output_data.remove(HAND_BACK_OUTPUT_KEY);
    let hand_backs = i32::try_from(hand_backs).unwrap_or(i32::MAX);
    task.poll_count = task.poll_count.saturating_sub(hand_backs).max(1);
    std::borrow::Cow::Owned(task)
}

#[cfg(test)]
mod tests {
    use conductor_events::EventDispatcher;

    use super::*;
    use crate::options::RunnerOptions;
    use crate::stub_api::StubApi;

    fn reporter(server: Arc<StubApi>) -> Reporter {
        let runtime = Runtime::new(server, EventDispatcher::new(), RunnerOptions::default());
        Reporter::new(Arc::new(runtime), "t", "w1")
    }

    fn server(v2_error: fn() -> ConductorError) -> Arc<StubApi> {
        Arc::new(StubApi {
            v2_error: Some(v2_error),
            ..StubApi::new()
        })
    }

    /// conductor-oss 3.21.0–3.21.11 (before 3.32 a wrong method is a 500).
    fn method_not_supported() -> ConductorError {
        ConductorError::Server {
            status: 500,
            message: "Request method 'POST' is not supported".into(),
            retryable: false,
            response: None,
        }
    }

    fn no_static_resource() -> ConductorError {
        ConductorError::Api {
            status: 404,
            message: "No static resource api/tasks/update-v2.".into(),
            code: None,
            response: None,
        }
    }

    fn unsupported() -> ConductorError {
        ConductorError::unsupported_by_server("POST /tasks/update-v2", "conductor-oss 3.21.12")
    }

    fn validation_failed() -> ConductorError {
        ConductorError::Server {
            status: 500,
            message: "Validation failed for argument [0]".into(),
            retryable: false,
            response: None,
        }
    }

    #[tokio::test]
    async fn a_missing_update_v2_switches_to_v1_for_good_after_one_try() {
        for v2_error in [method_not_supported, no_static_resource, unsupported] {
            let server = server(v2_error);
            let reporter = reporter(Arc::clone(&server));
            let result = TaskResult::completed("task-1", "wf-1");
            for _ in 0..3 {
                let use_v2 = reporter.runtime.v2_usable();
                assert!(matches!(reporter.send(&result, use_v2).await, Ok(None)));
            }
            assert_eq!(StubApi::count(&server.v2_calls), 1, "{}", v2_error());
            assert_eq!(StubApi::count(&server.v1_calls), 3);
            assert!(!reporter.runtime.use_v2());
        }
    }

    #[tokio::test]
    async fn other_update_v2_errors_keep_update_v2() {
        let server = server(validation_failed);
        let reporter = reporter(Arc::clone(&server));
        let result = TaskResult::completed("task-1", "wf-1");
        let error = reporter.send(&result, true).await.unwrap_err();
        assert_eq!(error.status(), Some(500));
        assert_eq!(StubApi::count(&server.v1_calls), 0);
        assert!(reporter.runtime.use_v2());
    }

    #[test]
    fn the_worker_sees_the_poll_count_without_hand_backs() {
        let mut task = Task {
            poll_count: 3,
            ..Task::default()
        };
        task.output_data.insert("kept".into(), Value::from("yes"));
        assert!(matches!(
            without_hand_backs(&task),
            std::borrow::Cow::Borrowed(_)
        ));
        task.output_data
            .insert(HAND_BACK_OUTPUT_KEY.into(), Value::from(2));
        let seen = without_hand_backs(&task);
        assert_eq!(seen.poll_count, 1);
        assert_eq!(seen.output_data.get(HAND_BACK_OUTPUT_KEY), None);
        assert_eq!(seen.output_data.get("kept"), Some(&Value::from("yes")));
        // Never below one: this delivery is a poll.
        task.output_data
            .insert(HAND_BACK_OUTPUT_KEY.into(), Value::from(9));
        assert_eq!(without_hand_backs(&task).poll_count, 1);
    }
}
