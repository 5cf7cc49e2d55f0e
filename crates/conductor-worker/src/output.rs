//! [`WorkerOutput`] (what a worker's `execute` returns) and [`TaskInProgress`] (the long-running
//! task marker).

use conductor_models::JsonMap;
use serde::Serialize;

/// The outcome of one execution of a task, returned by [`Worker::execute`](crate::Worker::execute).
///
/// | variant | reported status | the server then |
/// |---|---|---|
/// | `Completed(output)` | `COMPLETED` | continues the workflow |
/// | `Failed(reason)` | `FAILED` | retries per the task definition |
/// | `FailedWithTerminalError(reason)` | `FAILED_WITH_TERMINAL_ERROR` | fails without retrying |
/// | `InProgress(..)` | `IN_PROGRESS` | hands the task out again after `callbackAfterSeconds` |
///
/// An `Err` from `execute` is reported `FAILED` too, or `FAILED_WITH_TERMINAL_ERROR` for
/// [`ConductorError::non_retryable`](conductor_http::ConductorError::non_retryable).
///
/// ```
/// use std::collections::HashMap;
/// use conductor_worker::WorkerOutput;
///
/// let out = WorkerOutput::completed_with_result("result_value"); // {"result": "result_value"}
/// let out = WorkerOutput::completed(HashMap::from([("key", "value")]));
/// let out = WorkerOutput::failed("Error message");
/// let out = WorkerOutput::in_progress(60); // callback after 60 seconds
/// assert!(matches!(out, WorkerOutput::InProgress(_)));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum WorkerOutput {
    /// The task completed with this output (a JSON object; insertion order is kept).
    Completed(JsonMap),
    /// The task failed with this reason; the server retries it if its definition allows.
    Failed(String),
    /// The task failed with this reason and must not be retried.
    FailedWithTerminalError(String),
    /// The task is still running: the server hands it out again after the callback delay.
    InProgress(TaskInProgress),
}

impl WorkerOutput {
    /// `COMPLETED` with `{"result": value}`.
    ///
    /// `value` is anything serialisable. If it cannot be serialised to JSON (a map with non-string
    /// keys, a failing `Serialize` impl), the task is reported `FAILED` with the serialisation
    /// error as the reason, rather than silently losing the output.
    ///
    /// ```
    /// use conductor_worker::WorkerOutput;
    ///
    /// let out = WorkerOutput::completed_with_result(vec![1, 2, 3]);
    /// let WorkerOutput::Completed(output) = out else { unreachable!() };
    /// assert_eq!(output["result"], serde_json::json!([1, 2, 3]));
    /// ```
    pub fn completed_with_result(value: impl Serialize) -> Self {
        match serde_json::to_value(value) {
            Ok(value) => {
                let mut output = JsonMap::new();
                output.insert("result".to_owned(), value);
                WorkerOutput::Completed(output)
            }
            Err(err) => WorkerOutput::Failed(format!("task output could not be serialised: {err}")),
        }
    }

    /// `COMPLETED` with `output`: any collection of `(key, value)` pairs whose values convert
    /// to JSON (a `HashMap<&str, &str>`, a `JsonMap`, a `Vec<(String, serde_json::Value)>`...).
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use conductor_worker::WorkerOutput;
    ///
    /// let out = WorkerOutput::completed(HashMap::from([("greeting", "hi"), ("lang", "en")]));
    /// let WorkerOutput::Completed(output) = out else { unreachable!() };
    /// assert_eq!(output["greeting"], "hi");
    /// assert_eq!(output.len(), 2);
    /// ```
    pub fn completed<K, V>(output: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<serde_json::Value>,
    {
        WorkerOutput::Completed(
            output
                .into_iter()
                .map(|(key, value)| (key.into(), value.into()))
                .collect(),
        )
    }

    /// `COMPLETED` with the fields of `value` (a struct or map serialising to a JSON object) as the
    /// output, at the top level: `${ref.output.field}`, as the Python and Java SDKs do.
    ///
    /// A value that does not serialise to an object is wrapped as `{"result": value}`; a value that
    /// cannot be serialised reports the task `FAILED` with the reason.
    ///
    /// ```
    /// use conductor_worker::WorkerOutput;
    ///
    /// #[derive(serde::Serialize)]
    /// struct Receipt {
    ///     order_id: String,
    ///     total: f64,
    /// }
    ///
    /// let out = WorkerOutput::completed_with_fields(Receipt { order_id: "o-1".into(), total: 9.5 });
    /// let WorkerOutput::Completed(output) = out else { unreachable!() };
    /// assert_eq!(output["order_id"], "o-1"); // top level: ${ref.output.order_id}
    /// assert_eq!(output["total"], 9.5);
    ///
    /// // A non-object value is wrapped as {"result": value}.
    /// let out = WorkerOutput::completed_with_fields(42);
    /// assert_eq!(out, WorkerOutput::completed_with_result(42));
    /// ```
    pub fn completed_with_fields(value: impl Serialize) -> Self {
        match serde_json::to_value(value) {
            Ok(serde_json::Value::Object(output)) => WorkerOutput::Completed(output),
            Ok(other) => Self::completed_with_result(other),
            Err(err) => WorkerOutput::Failed(format!("task output could not be serialised: {err}")),
        }
    }

    /// `FAILED` (retried per the task definition) with `reason`.
    ///
    /// ```
    /// use conductor_worker::WorkerOutput;
    ///
    /// let out = WorkerOutput::failed("payment gateway timed out");
    /// assert_eq!(out, WorkerOutput::Failed("payment gateway timed out".to_owned()));
    /// ```
    pub fn failed(reason: impl Into<String>) -> Self {
        WorkerOutput::Failed(reason.into())
    }

    /// `FAILED_WITH_TERMINAL_ERROR` (never retried) with `reason`.
    ///
    /// ```
    /// use conductor_worker::WorkerOutput;
    ///
    /// let out = WorkerOutput::failed_with_terminal_error("card declined");
    /// assert_eq!(out, WorkerOutput::FailedWithTerminalError("card declined".to_owned()));
    /// ```
    pub fn failed_with_terminal_error(reason: impl Into<String>) -> Self {
        WorkerOutput::FailedWithTerminalError(reason.into())
    }

    /// `IN_PROGRESS`: the server hands the task out again after `callback_after_seconds`
    /// (`0` = at once), with `pollCount` one higher.
    ///
    /// ```
    /// use conductor_worker::{TaskInProgress, WorkerOutput};
    ///
    /// let out = WorkerOutput::in_progress(30);
    /// assert_eq!(out, WorkerOutput::InProgress(TaskInProgress::new(30)));
    /// ```
    pub fn in_progress(callback_after_seconds: u64) -> Self {
        WorkerOutput::InProgress(TaskInProgress::new(callback_after_seconds))
    }
}

/// An `IN_PROGRESS` outcome: when to be called back, and the output so far.
///
/// The server replaces the task's output with each update, so the output reported here is what
/// the task shows until the next update.
///
/// ```
/// use conductor_worker::{TaskInProgress, WorkerOutput};
///
/// let progress = 40;
/// let out = WorkerOutput::InProgress(
///     TaskInProgress::new(10)
///         .with_output_value("progress", progress + 10)
///         .with_output_value("status", "Processing..."),
/// );
/// # let WorkerOutput::InProgress(p) = out else { unreachable!() };
/// assert_eq!(p.callback_after_seconds(), 10);
/// assert_eq!(p.output()["progress"], 50);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskInProgress {
    callback_after_seconds: u64,
    output: JsonMap,
}

impl TaskInProgress {
    /// Call back after `callback_after_seconds` (`0` = at once), with an empty output.
    ///
    /// ```
    /// use conductor_worker::TaskInProgress;
    ///
    /// let progress = TaskInProgress::new(5);
    /// assert_eq!(progress.callback_after_seconds(), 5);
    /// assert!(progress.output().is_empty());
    /// ```
    #[must_use]
    pub fn new(callback_after_seconds: u64) -> Self {
        Self {
            callback_after_seconds,
            output: JsonMap::new(),
        }
    }

    /// Adds one output value (anything convertible to JSON).
    ///
    /// ```
    /// use conductor_worker::TaskInProgress;
    ///
    /// let progress = TaskInProgress::new(10).with_output_value("percent", 40);
    /// assert_eq!(progress.output()["percent"], 40);
    /// ```
    #[must_use]
    pub fn with_output_value(
        mut self,
        key: impl Into<String>,
        value: impl Into<serde_json::Value>,
    ) -> Self {
        self.output.insert(key.into(), value.into());
        self
    }

    /// Replaces the whole output.
    ///
    /// ```
    /// use conductor_models::JsonMap;
    /// use conductor_worker::TaskInProgress;
    ///
    /// let mut output = JsonMap::new();
    /// output.insert("step".to_owned(), "upload".into());
    /// let progress = TaskInProgress::new(10)
    ///     .with_output_value("old", 1)
    ///     .with_output(output.clone());
    /// assert_eq!(progress.output(), &output);
    /// ```
    #[must_use]
    pub fn with_output(mut self, output: JsonMap) -> Self {
        self.output = output;
        self
    }

    /// Seconds before the server hands the task out again.
    ///
    /// ```
    /// use conductor_worker::TaskInProgress;
    ///
    /// assert_eq!(TaskInProgress::new(60).callback_after_seconds(), 60);
    /// ```
    #[must_use]
    pub fn callback_after_seconds(&self) -> u64 {
        self.callback_after_seconds
    }

    /// The output reported with the `IN_PROGRESS` update.
    ///
    /// ```
    /// use conductor_worker::TaskInProgress;
    ///
    /// let progress = TaskInProgress::new(0).with_output_value("status", "Processing...");
    /// assert_eq!(progress.output()["status"], "Processing...");
    /// ```
    #[must_use]
    pub fn output(&self) -> &JsonMap {
        &self.output
    }

    /// The output, by value.
    ///
    /// ```
    /// use conductor_worker::TaskInProgress;
    ///
    /// let output = TaskInProgress::new(0).with_output_value("rows", 120).into_output();
    /// assert_eq!(output["rows"], 120);
    /// ```
    #[must_use]
    pub fn into_output(self) -> JsonMap {
        self.output
    }
}

impl From<TaskInProgress> for WorkerOutput {
    fn from(progress: TaskInProgress) -> Self {
        WorkerOutput::InProgress(progress)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap};

    use serde_json::json;

    use super::*;

    #[test]
    fn completed_with_result_wraps_under_result() {
        let WorkerOutput::Completed(output) = WorkerOutput::completed_with_result(json!({"a": 1}))
        else {
            panic!("not completed");
        };
        assert_eq!(
            serde_json::Value::Object(output),
            json!({"result": {"a": 1}})
        );
    }

    #[test]
    fn unserialisable_results_fail_the_task_with_the_reason() {
        let bad: BTreeMap<(u8, u8), u8> = BTreeMap::from([((1, 2), 3)]);
        let WorkerOutput::Failed(reason) = WorkerOutput::completed_with_result(&bad) else {
            panic!("should fail");
        };
        assert!(reason.contains("could not be serialised"), "{reason}");
        assert!(matches!(
            WorkerOutput::completed_with_fields(&bad),
            WorkerOutput::Failed(_)
        ));
    }

    #[test]
    fn completed_accepts_any_pairs() {
        let out = WorkerOutput::completed(HashMap::from([("key", "value")]));
        assert_eq!(
            out,
            WorkerOutput::Completed(json!({"key": "value"}).as_object().unwrap().clone())
        );
        let out = WorkerOutput::completed(vec![("n".to_owned(), json!(3))]);
        let WorkerOutput::Completed(map) = out else {
            panic!()
        };
        assert_eq!(map["n"], 3);
    }

    #[test]
    fn completed_with_fields_flattens_structs() {
        #[derive(Serialize)]
        struct Shipped {
            tracking: &'static str,
            parcels: u32,
        }
        let out = WorkerOutput::completed_with_fields(Shipped {
            tracking: "X1",
            parcels: 2,
        });
        let WorkerOutput::Completed(map) = out else {
            panic!()
        };
        assert_eq!(
            serde_json::Value::Object(map),
            json!({"tracking": "X1", "parcels": 2})
        );
        let WorkerOutput::Completed(map) = WorkerOutput::completed_with_fields(5) else {
            panic!()
        };
        assert_eq!(map["result"], 5);
    }

    #[test]
    fn in_progress_keeps_delay_and_output() {
        let out: WorkerOutput = TaskInProgress::new(30).with_output_value("step", 2).into();
        let WorkerOutput::InProgress(progress) = out else {
            panic!()
        };
        assert_eq!(progress.callback_after_seconds(), 30);
        assert_eq!(progress.output()["step"], 2);
        assert_eq!(
            WorkerOutput::in_progress(0),
            WorkerOutput::InProgress(TaskInProgress::new(0))
        );
    }
}
