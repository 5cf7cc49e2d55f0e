//! Turning what a `#[worker]` function returns into a [`WorkerOutput`], and attaching the
//! generated schemas to the worker.

use conductor_models::JsonMap;
use serde::Serialize;
use serde_json::Value;

use crate::fn_worker::FnWorker;
use crate::output::{TaskInProgress, WorkerOutput};

/// A returned value: `COMPLETED` with its fields at the top level of the output when it
/// serialises to a JSON object (a struct or map, like the Python and Java SDKs), otherwise
/// `{"result": value}`. A value that cannot be serialised fails the task with the reason.
pub fn output_value<T: Serialize>(value: T) -> WorkerOutput {
    WorkerOutput::completed_with_fields(value)
}

/// `()`: `COMPLETED` with an empty output.
pub fn output_unit(_: ()) -> WorkerOutput {
    output_empty()
}

/// `COMPLETED` with an empty output (`None`, `()`).
#[must_use]
pub fn output_empty() -> WorkerOutput {
    WorkerOutput::Completed(JsonMap::new())
}

/// A `WorkerOutput`, used as is.
#[must_use]
pub fn output_passthrough(output: WorkerOutput) -> WorkerOutput {
    output
}

/// A `TaskInProgress`: `IN_PROGRESS`.
#[must_use]
pub fn output_in_progress(progress: TaskInProgress) -> WorkerOutput {
    WorkerOutput::InProgress(progress)
}

/// `worker` with the generated schemas, when there are any.
#[must_use]
pub fn with_schemas(worker: FnWorker, input: Option<Value>, output: Option<Value>) -> FnWorker {
    let worker = match input {
        Some(schema) => worker.with_input_schema(schema),
        None => worker,
    };
    match output {
        Some(schema) => worker.with_output_schema(schema),
        None => worker,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn completed(output: WorkerOutput) -> Value {
        let WorkerOutput::Completed(map) = output else {
            panic!("not completed: {output:?}")
        };
        Value::Object(map)
    }

    #[test]
    fn objects_are_the_output_and_other_values_go_under_result() {
        #[derive(Serialize)]
        struct Shipment {
            tracking: &'static str,
        }
        assert_eq!(
            completed(output_value(Shipment { tracking: "T1" })),
            json!({"tracking": "T1"})
        );
        assert_eq!(
            completed(output_value(json!({"sum": 3}))),
            json!({"sum": 3})
        );
        assert_eq!(completed(output_value("Hello")), json!({"result": "Hello"}));
        assert_eq!(
            completed(output_value(vec![1, 2])),
            json!({"result": [1, 2]})
        );
        assert_eq!(completed(output_unit(())), json!({}));
        assert_eq!(completed(output_empty()), json!({}));
        assert_eq!(
            output_passthrough(WorkerOutput::failed("x")),
            WorkerOutput::failed("x")
        );
        assert_eq!(
            output_in_progress(TaskInProgress::new(5)),
            WorkerOutput::in_progress(5)
        );
    }

    #[test]
    fn schemas_are_attached_only_when_generated() {
        use crate::Worker;
        let worker = FnWorker::new("t", |_| async { Ok(output_empty()) });
        let worker = with_schemas(worker, Some(json!({"type": "object"})), None);
        assert_eq!(worker.input_schema(), Some(json!({"type": "object"})));
        assert_eq!(worker.output_schema(), None);
    }
}
