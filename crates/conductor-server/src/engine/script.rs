//! The embedded JavaScript engine (QuickJS through `rquickjs`) behind INLINE, LAMBDA, SWITCH and
//! DECISION expressions, DO_WHILE conditions, JOIN scripts, HTTP_POLL termination conditions and
//! event-handler conditions (conductor-oss `ScriptEvaluator`, `GraalJSEvaluator`).
//!
//! Every evaluation gets a fresh runtime with a memory limit and an interrupt handler enforcing a
//! wall-clock limit, so a runaway script (`while(true){}`, a huge allocation) fails its task
//! instead of hanging or exhausting the server. Scripts see `$` bound to a JSON document and have
//! no I/O: QuickJS without the `std`/`os` modules exposes none.

use std::time::{Duration, Instant};

use rquickjs::{CaughtError, Context, Runtime};
use serde_json::Value;

/// Limits applied to every script evaluation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ScriptLimits {
    /// Wall-clock budget (`CONDUCTOR_SCRIPT_MAX_EXECUTION_SECONDS`, 4 s in conductor-oss).
    pub(crate) time: Duration,
    /// Heap budget of the JavaScript runtime, in bytes.
    pub(crate) memory_bytes: usize,
}

impl Default for ScriptLimits {
    fn default() -> Self {
        Self {
            time: Duration::from_secs(4),
            memory_bytes: 64 * 1024 * 1024,
        }
    }
}

/// Why a script produced no value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub(crate) enum ScriptError {
    /// The script ran past the time limit and was interrupted.
    #[error("Script not evaluated within {0} seconds, interrupted.")]
    Timeout(u64),
    /// The script ran out of its memory budget.
    #[error("Script exceeded the memory limit of {0} bytes")]
    OutOfMemory(usize),
    /// A syntax error or an exception thrown by the script.
    #[error("{0}")]
    Failed(String),
}

/// Stack budget of the JavaScript runtime (deep recursion fails instead of overflowing).
const MAX_STACK_BYTES: usize = 512 * 1024;

/// Evaluates `script` with `$` bound to `bindings`; returns the script's completion value as JSON
/// (`undefined` and functions become `null`).
pub(crate) fn eval(
    script: &str,
    bindings: &Value,
    limits: ScriptLimits,
) -> Result<Value, ScriptError> {
    let runtime = Runtime::new().map_err(|e| ScriptError::Failed(e.to_string()))?;
    runtime.set_memory_limit(limits.memory_bytes);
    runtime.set_max_stack_size(MAX_STACK_BYTES);
    let deadline = Instant::now() + limits.time;
    let timed_out = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = timed_out.clone();
    runtime.set_interrupt_handler(Some(Box::new(move || {
        let over = Instant::now() >= deadline;
        if over {
            flag.store(true, std::sync::atomic::Ordering::Relaxed);
        }
        over
    })));
    let context = Context::full(&runtime).map_err(|e| ScriptError::Failed(e.to_string()))?;
    let bindings_json = bindings.to_string();
    let outcome: Result<Option<String>, String> = context.with(|ctx| {
        let caught = |error: rquickjs::Error| -> String {
            match CaughtError::from_error(&ctx, error) {
                CaughtError::Exception(ex) => {
                    let name = ex
                        .get::<_, String>("name")
                        .unwrap_or_else(|_| "Error".to_owned());
                    match ex.message() {
                        Some(message) => format!("{name}: {message}"),
                        None => name,
                    }
                }
                CaughtError::Value(value) => ctx
                    .json_stringify(value)
                    .ok()
                    .flatten()
                    .and_then(|s| s.to_string().ok())
                    .unwrap_or_else(|| "script threw a value".to_owned()),
                CaughtError::Error(error) => error.to_string(),
            }
        };
        let input = ctx.json_parse(bindings_json).map_err(caught)?;
        ctx.globals().set("$", input).map_err(caught)?;
        let value: rquickjs::Value<'_> = ctx.eval(script).map_err(caught)?;
        let text = ctx.json_stringify(value).map_err(caught)?;
        Ok(text.and_then(|s| s.to_string().ok()))
    });
    match outcome {
        Ok(Some(text)) => {
            serde_json::from_str(&text).map_err(|e| ScriptError::Failed(e.to_string()))
        }
        Ok(None) => Ok(Value::Null),
        Err(_) if timed_out.load(std::sync::atomic::Ordering::Relaxed) => {
            Err(ScriptError::Timeout(limits.time.as_secs().max(1)))
        }
        Err(message) if message.contains("out of memory") => {
            Err(ScriptError::OutOfMemory(limits.memory_bytes))
        }
        Err(message) => Err(ScriptError::Failed(message)),
    }
}

/// `ScriptEvaluator.evalBool`: a boolean is used as is, a number is true when `> 0`, anything
/// else (including the string `"true"`) is false.
pub(crate) fn truthy(value: &Value) -> bool {
    match value {
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f > 0.0),
        _ => false,
    }
}

/// Java's `"" + value` for a script result: the case key of SWITCH and DECISION.
pub(crate) fn case_string(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
            _ => n.to_string(),
        },
        other => crate::expr::java_to_string(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn quick() -> ScriptLimits {
        ScriptLimits {
            time: Duration::from_millis(300),
            memory_bytes: 8 * 1024 * 1024,
        }
    }

    #[test]
    fn evaluates_with_dollar_bindings() {
        let out = eval(
            "$.a * 10 + $.list.length",
            &json!({"a": 2, "list": [1, 2]}),
            quick(),
        );
        assert_eq!(out, Ok(json!(22)));
        let obj = eval(
            "({x: $.s + '!', y: [1.5, true]})",
            &json!({"s": "hi"}),
            quick(),
        );
        assert_eq!(obj, Ok(json!({"x": "hi!", "y": [1.5, true]})));
        assert_eq!(eval("undefined", &json!({}), quick()), Ok(Value::Null));
    }

    #[test]
    fn errors_are_reported_with_their_message() {
        let err = eval("throw new Error('boom')", &json!({}), quick()).unwrap_err();
        assert_eq!(err, ScriptError::Failed("Error: boom".into()));
        let err = eval("$.nope.deeper", &json!({}), quick()).unwrap_err();
        assert!(matches!(err, ScriptError::Failed(m) if m.starts_with("TypeError")));
        let err = eval("function (", &json!({}), quick()).unwrap_err();
        assert!(matches!(err, ScriptError::Failed(m) if m.starts_with("SyntaxError")));
    }

    #[test]
    fn runaway_scripts_are_interrupted() {
        let started = Instant::now();
        let err = eval("while (true) {}", &json!({}), quick()).unwrap_err();
        assert!(matches!(err, ScriptError::Timeout(_)), "{err:?}");
        assert!(started.elapsed() < Duration::from_secs(3));
        let err = eval(
            "let a = []; while (true) { a.push(new Array(100000).fill(1)); }",
            &json!({}),
            quick(),
        )
        .unwrap_err();
        assert!(
            matches!(err, ScriptError::OutOfMemory(_) | ScriptError::Timeout(_)),
            "{err:?}"
        );
    }

    #[test]
    fn truthiness_and_case_strings_follow_java() {
        assert!(truthy(&json!(true)) && truthy(&json!(2)) && !truthy(&json!(0)));
        assert!(!truthy(&json!("true")) && !truthy(&Value::Null));
        assert_eq!(case_string(&json!(1)), "1");
        assert_eq!(case_string(&json!(1.5)), "1.5");
        assert_eq!(case_string(&Value::Null), "null");
        assert_eq!(case_string(&json!(true)), "true");
    }
}
