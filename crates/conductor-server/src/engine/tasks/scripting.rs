//! Tasks that compute their output from their input: INLINE, LAMBDA (legacy) and
//! JSON_JQ_TRANSFORM (conductor-oss `Inline`, `Lambda`, `JsonJqTransform`). Scripts and jq
//! queries are evaluated outside the engine lock ([`offload`]: an effect the engine runs); so are
//! the scripts of the other tasks ([`script_value`]: SWITCH, DECISION, DO_WHILE, JOIN).

use conductor_models::{Task, TaskStatus, Workflow};
use serde_json::{Value, json};

use crate::engine::effects::Effect;
use crate::engine::effects::{Executed, Terminate};
use crate::engine::evaluation::{Apply, Attempt, Evaluation, Outcome, Verdict};
use crate::engine::jq;
use crate::engine::script::{self, ScriptError};
use crate::engine::system_task::SystemTask;
use crate::engine::view::View;

fn fail(task: &mut Task, status: TaskStatus, message: String) {
    task.output_data.insert("error".into(), json!(message));
    task.reason_for_incompletion = Some(message);
    task.status = status;
}

/// `INLINE`: evaluates `expression` with `evaluatorType` (`javascript`, `graaljs`, `value-param`).
#[derive(Debug)]
pub(super) struct Inline;

impl SystemTask for Inline {
    fn task_type(&self) -> &'static str {
        "INLINE"
    }

    fn execute(
        &self,
        view: &View<'_>,
        _: &Workflow,
        task: &mut Task,
    ) -> Result<Executed, Terminate> {
        let evaluator = match task.input_data.get("evaluatorType") {
            None | Some(Value::Null) => "javascript".to_owned(),
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
        };
        let Some(expression) = task
            .input_data
            .get("expression")
            .and_then(Value::as_str)
            .map(str::to_owned)
        else {
            fail(
                task,
                TaskStatus::FailedWithTerminalError,
                "Empty 'expression' in Inline task's input parameters. A non-empty String value must be provided.".into(),
            );
            return Ok(Executed::changed());
        };
        let result = match evaluator.as_str() {
            "value-param" => Ok(task
                .input_data
                .get(&expression)
                .cloned()
                .unwrap_or(Value::Null)),
            "javascript" | "graaljs" | "js" => {
                let (input, limits) =
                    (Value::Object(task.input_data.clone()), view.settings.script);
                return Ok(offload(view, task, move || {
                    let result = script::eval(&expression, &input, limits);
                    move |task: &mut Task| inline_outcome(task, result)
                }));
            }
            other => Err(ScriptError::Failed(format!(
                "Evaluator type '{other}' is not supported (javascript, graaljs, value-param)"
            ))),
        };
        inline_outcome(task, result);
        Ok(Executed::changed())
    }
}

fn inline_outcome(task: &mut Task, result: Result<Value, ScriptError>) {
    match result {
        Ok(value) => {
            task.output_data.insert("result".into(), value);
            task.status = TaskStatus::Completed;
        }
        Err(error @ (ScriptError::Timeout(_) | ScriptError::OutOfMemory(_))) => {
            fail(task, TaskStatus::Failed, error.to_string());
        }
        Err(error) => fail(task, TaskStatus::FailedWithTerminalError, error.to_string()),
    }
}

/// `LAMBDA` (legacy): `scriptExpression` is the body of a function, so it must `return`.
#[derive(Debug)]
pub(super) struct Lambda;

impl SystemTask for Lambda {
    fn task_type(&self) -> &'static str {
        "LAMBDA"
    }

    fn execute(
        &self,
        view: &View<'_>,
        _: &Workflow,
        task: &mut Task,
    ) -> Result<Executed, Terminate> {
        let body = task
            .input_data
            .get("scriptExpression")
            .and_then(Value::as_str)
            .filter(|s| !s.trim().is_empty())
            .map(str::to_owned);
        let Some(body) = body else {
            fail(
                task,
                TaskStatus::Failed,
                "Empty 'scriptExpression' in Lambda task's input parameters. A non-empty String value must be provided.".into(),
            );
            return Ok(Executed::changed());
        };
        let wrapped = format!("function scriptFun(){{{body}}} scriptFun();");
        let (input, limits) = (Value::Object(task.input_data.clone()), view.settings.script);
        Ok(offload(view, task, move || {
            let result = script::eval(&wrapped, &input, limits);
            move |task: &mut Task| match result {
                Ok(value) => {
                    task.output_data.insert("result".into(), value);
                    task.status = TaskStatus::Completed;
                }
                Err(error) => fail(task, TaskStatus::Failed, error.to_string()),
            }
        }))
    }
}

/// `JSON_JQ_TRANSFORM`: runs `queryExpression` over the whole task input.
#[derive(Debug)]
pub(super) struct JsonJqTransform;

impl SystemTask for JsonJqTransform {
    fn task_type(&self) -> &'static str {
        "JSON_JQ_TRANSFORM"
    }

    fn execute(
        &self,
        view: &View<'_>,
        _: &Workflow,
        task: &mut Task,
    ) -> Result<Executed, Terminate> {
        let Some(query) = task
            .input_data
            .get("queryExpression")
            .and_then(Value::as_str)
            .map(str::to_owned)
        else {
            fail(
                task,
                TaskStatus::Failed,
                "Missing 'queryExpression' in input parameters".into(),
            );
            return Ok(Executed::changed());
        };
        let (input, limit) = (
            Value::Object(task.input_data.clone()),
            view.settings.script.time,
        );
        Ok(offload(view, task, move || {
            let result = jq::run(&query, &input, limit);
            move |task: &mut Task| match result {
                Ok(values) => {
                    task.output_data.insert(
                        "result".into(),
                        values.first().cloned().unwrap_or(Value::Null),
                    );
                    task.output_data
                        .insert("resultList".into(), Value::Array(values));
                    task.status = TaskStatus::Completed;
                }
                Err(message) => fail(task, TaskStatus::Failed, message),
            }
        }))
    }
}

/// How a system task evaluates outside the lock: `evaluate` runs on a blocking thread and the
/// closure it returns is applied to the task under the lock later, then the workflow is decided.
/// Returns what the task's `execute` returns: an [`Effect::Evaluate`] (the task stays as it is),
/// nothing when the task's evaluation is in flight already, or, when the store evaluates in
/// place (the test endpoint), the task changed by the evaluation done at once.
fn offload<E, A>(view: &View<'_>, task: &mut Task, evaluate: E) -> Executed
where
    E: FnOnce() -> A + Send + 'static,
    A: FnOnce(&mut Task) + Send + 'static,
{
    let offload = &view.store.offload;
    if offload.in_place {
        evaluate()(task);
        return Executed::changed();
    }
    if offload.in_flight.contains(&task.task_id) {
        return Executed::unchanged();
    }
    evaluation(task, move || Outcome::Apply(Box::new(evaluate()) as Apply))
}

/// The effect that runs `job` outside the lock for `task`.
fn evaluation(task: &Task, job: impl FnOnce() -> Outcome + Send + 'static) -> Executed {
    Executed::unchanged().with(Effect::Evaluate(Evaluation {
        workflow_id: task.workflow_instance_id.clone(),
        task: Attempt {
            task_id: task.task_id.clone(),
            input: task.input_data.clone(),
        },
        job: Box::new(job),
    }))
}

/// The value of `script` over `bindings` for `task`, which acts on it in the same execution (a
/// SWITCH's case, a DO_WHILE's condition, a JOIN's verdict): `Ok` with the value when it was
/// evaluated outside the lock for these very bindings (and is kept until the decide after it
/// ends), or evaluated at once when the store evaluates in place (the test endpoint); otherwise
/// `Err` with what `execute` returns meanwhile: an [`Effect::Evaluate`] (the task stays as it is
/// until the value is back and the workflow decided again), or nothing while an evaluation for
/// the task is in flight.
pub(super) fn script_value(
    view: &View<'_>,
    task: &Task,
    script: &str,
    bindings: Value,
) -> Result<Result<Value, ScriptError>, Executed> {
    let offload = &view.store.offload;
    if let Some(verdict) = offload.verdicts.get(&task.task_id)
        && verdict.script == script
        && verdict.bindings == bindings
    {
        return Ok(verdict.result.clone());
    }
    let limits = view.settings.script;
    if offload.in_place {
        return Ok(script::eval(script, &bindings, limits));
    }
    if offload.in_flight.contains(&task.task_id) {
        return Err(Executed::unchanged());
    }
    let script = script.to_owned();
    Err(evaluation(task, move || {
        let result = script::eval(&script, &bindings, limits);
        Outcome::Verdict(Verdict {
            script,
            bindings,
            result,
        })
    }))
}
