//! Reading `#[worker]` parameters from the task input: one key deserialised into the parameter's
//! type, with an [`InputError`] that names the key, the parameter, the expected type and what
//! arrived, never a silent default.

use std::fmt;

use conductor_models::{JsonMap, Task};
use serde::de::{self, DeserializeOwned, Visitor};
use serde_json::Value;

use crate::output::WorkerOutput;

/// How much of a received value an error message quotes.
const MAX_QUOTED_CHARS: usize = 200;
/// How many of the input's keys a "missing input" message lists.
const MAX_LISTED_KEYS: usize = 10;

/// A parameter read from the task input, as the macro saw it.
#[derive(Debug, Clone, Copy)]
pub struct InputParam {
    key: &'static str,
    name: &'static str,
    type_name: &'static str,
}

impl InputParam {
    /// The parameter `name: type_name` read from the input key `key` (empty for the whole input).
    #[must_use]
    pub const fn new(key: &'static str, name: &'static str, type_name: &'static str) -> Self {
        Self {
            key,
            name,
            type_name,
        }
    }
}

/// Why a parameter could not be read from the task input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    message: String,
}

impl InputError {
    /// The human-readable reason.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for InputError {}

/// Reads `param` from the task input: the value under its key deserialised into `T`.
///
/// An absent key is `None` for an `Option` (and any type whose `Deserialize` accepts a missing
/// value the way `Option` does); for every other type it is an error.
///
/// # Errors
///
/// An [`InputError`] when the key is missing or its value does not deserialise into `T`.
pub fn input<T: DeserializeOwned>(task: &Task, param: &InputParam) -> Result<T, InputError> {
    match task.input_data.get(param.key) {
        Some(value) => serde_path_to_error::deserialize::<_, T>(value).map_err(|err| {
            let at = location(err.path());
            InputError {
                message: format!(
                    "input \"{}\" ({}) is invalid{at}: {}; received {}",
                    param.key,
                    describe(param),
                    err.inner(),
                    quote_value(value)
                ),
            }
        }),
        None => T::deserialize(Missing).map_err(|_| InputError {
            message: format!(
                "missing input \"{}\" ({}){}",
                param.key,
                describe(param),
                key_hint(&task.input_data, param.key)
            ),
        }),
    }
}

/// Reads the whole task input into `T` (`#[input(all)]`).
///
/// # Errors
///
/// An [`InputError`] when the input does not deserialise into `T`.
pub fn input_all<T: DeserializeOwned>(task: &Task, param: &InputParam) -> Result<T, InputError> {
    let input = Value::Object(task.input_data.clone());
    serde_path_to_error::deserialize::<_, T>(&input).map_err(|err| InputError {
        message: format!(
            "the task input ({}) is invalid{}: {}; received {}",
            describe(param),
            location(err.path()),
            err.inner(),
            quote_value(&input)
        ),
    })
}

/// Whether a parameter of type `T` may be absent from the input (`Option<T>`): used to mark the
/// other parameters `required` in the generated input schema, by the same rule [`input`] applies.
#[must_use]
pub fn accepts_missing<T: DeserializeOwned>() -> bool {
    T::deserialize(Missing).is_ok()
}

/// The outcome of a task whose input could not be read: `FAILED_WITH_TERMINAL_ERROR` (the same
/// input would fail again), with every problem in the reason.
pub fn input_failure<const N: usize>(errors: [Option<InputError>; N]) -> WorkerOutput {
    let reasons: Vec<String> = errors
        .into_iter()
        .flatten()
        .map(|err| err.message)
        .collect();
    WorkerOutput::FailedWithTerminalError(format!("invalid task input: {}", reasons.join("; ")))
}

/// `parameter `name: Type``.
fn describe(param: &InputParam) -> String {
    format!("parameter `{}: {}`", param.name, param.type_name)
}

/// ` at `lines[0].sku`` for an error inside the value, nothing for the value itself.
fn location(path: &serde_path_to_error::Path) -> String {
    if path.iter().len() == 0 {
        String::new()
    } else {
        format!(" at `{path}`")
    }
}

/// The value as JSON, cut to a readable length.
fn quote_value(value: &Value) -> String {
    let json = value.to_string();
    if json.chars().count() <= MAX_QUOTED_CHARS {
        return json;
    }
    let cut: String = json.chars().take(MAX_QUOTED_CHARS).collect();
    format!("{cut}… ({} bytes)", json.len())
}

/// What the input holds instead: the key spelt differently, or the keys it has.
fn key_hint(input: &JsonMap, key: &str) -> String {
    let wanted = loose(key);
    if let Some(similar) = input.keys().find(|candidate| loose(candidate) == wanted) {
        return format!(
            "; the input has \"{similar}\": set `rename_all` or `#[input(rename = \"{similar}\")]` to read it"
        );
    }
    if input.is_empty() {
        return "; the task input is empty".to_owned();
    }
    let mut keys: Vec<String> = input
        .keys()
        .take(MAX_LISTED_KEYS)
        .map(|k| format!("\"{k}\""))
        .collect();
    if input.len() > MAX_LISTED_KEYS {
        keys.push(format!("... ({} keys)", input.len()));
    }
    format!("; the input has {}", keys.join(", "))
}

/// A key without case, `_` or `-`: `orderId`, `order_id` and `order-id` compare equal.
fn loose(key: &str) -> String {
    key.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// The deserializer of an absent input: `Option`s become `None`, everything else fails.
struct Missing;

impl<'de> de::Deserializer<'de> for Missing {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("missing"))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_none()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    fn task(input: Value) -> Task {
        let Value::Object(input_data) = input else {
            panic!("not an object")
        };
        Task {
            input_data,
            ..Task::default()
        }
    }

    const COUNT: InputParam = InputParam::new("count", "count", "i32");

    #[test]
    fn present_values_deserialise() {
        let task = task(json!({"count": 3, "tags": ["a"], "note": null}));
        assert_eq!(input::<i32>(&task, &COUNT), Ok(3));
        let tags = InputParam::new("tags", "tags", "Vec<String>");
        assert_eq!(input::<Vec<String>>(&task, &tags), Ok(vec!["a".to_owned()]));
        let note = InputParam::new("note", "note", "Option<String>");
        assert_eq!(input::<Option<String>>(&task, &note), Ok(None));
        let value = InputParam::new("count", "count", "Value");
        assert_eq!(input::<Value>(&task, &value), Ok(json!(3)));
    }

    #[test]
    fn absent_options_are_none_and_anything_else_is_missing() {
        let task = task(json!({"other": 1}));
        let note = InputParam::new("note", "note", "Option<String>");
        assert_eq!(input::<Option<String>>(&task, &note), Ok(None));
        let err = input::<i32>(&task, &COUNT).unwrap_err();
        assert_eq!(
            err.message(),
            "missing input \"count\" (parameter `count: i32`); the input has \"other\""
        );
        // `serde_json::Value` accepts `null`, but a missing key is still missing.
        let value = InputParam::new("count", "count", "serde_json::Value");
        assert!(input::<Value>(&task, &value).is_err());
        assert!(accepts_missing::<Option<u8>>());
        assert!(!accepts_missing::<u8>());
        assert!(!accepts_missing::<Value>());
        assert!(!accepts_missing::<String>());
    }

    #[test]
    fn missing_keys_point_at_a_differently_spelt_key() {
        let param = InputParam::new("order_id", "order_id", "String");
        let err = input::<String>(&task(json!({"orderId": "o1"})), &param).unwrap_err();
        assert_eq!(
            err.message(),
            "missing input \"order_id\" (parameter `order_id: String`); the input has \"orderId\": set \
             `rename_all` or `#[input(rename = \"orderId\")]` to read it"
        );
        let err = input::<String>(&task(json!({})), &param).unwrap_err();
        assert!(
            err.message().ends_with("; the task input is empty"),
            "{err}"
        );
    }

    #[test]
    fn ill_typed_values_name_the_expected_type_and_what_arrived() {
        let err = input::<i32>(&task(json!({"count": "three"})), &COUNT).unwrap_err();
        assert_eq!(
            err.message(),
            "input \"count\" (parameter `count: i32`) is invalid: invalid type: string \"three\", \
             expected i32; received \"three\""
        );
        let err = input::<i32>(&task(json!({"count": null})), &COUNT).unwrap_err();
        assert!(
            err.message()
                .contains("invalid type: null, expected i32; received null"),
            "{err}"
        );
    }

    #[test]
    fn nested_errors_carry_their_path_and_long_values_are_cut() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Line {
            sku: String,
        }
        let param = InputParam::new("lines", "lines", "Vec<Line>");
        let err = input::<Vec<Line>>(&task(json!({"lines": [{"sku": "a"}, {"sku": 5}]})), &param)
            .unwrap_err();
        assert_eq!(
            err.message(),
            "input \"lines\" (parameter `lines: Vec<Line>`) is invalid at `[1].sku`: invalid type: \
             integer `5`, expected a string; received [{\"sku\":\"a\"},{\"sku\":5}]"
        );
        let long = "x".repeat(500);
        let err = input::<i32>(&task(json!({"count": long})), &COUNT).unwrap_err();
        assert!(err.message().ends_with("… (502 bytes)"), "{err}");
    }

    #[test]
    fn the_whole_input_deserialises_into_one_value() {
        #[derive(Debug, Deserialize, PartialEq)]
        struct Order {
            id: String,
            qty: u32,
        }
        let param = InputParam::new("", "order", "Order");
        let order = input_all::<Order>(&task(json!({"id": "o1", "qty": 2})), &param).unwrap();
        assert_eq!(
            order,
            Order {
                id: "o1".into(),
                qty: 2
            }
        );
        let err = input_all::<Order>(&task(json!({"id": "o1"})), &param).unwrap_err();
        assert_eq!(
            err.message(),
            "the task input (parameter `order: Order`) is invalid: missing field `qty`; received {\"id\":\"o1\"}"
        );
    }

    #[test]
    fn every_problem_is_in_the_terminal_failure() {
        let task = task(json!({"count": "x"}));
        let name = InputParam::new("name", "name", "String");
        let outcome = input_failure([
            input::<i32>(&task, &COUNT).err(),
            None,
            input::<String>(&task, &name).err(),
        ]);
        let WorkerOutput::FailedWithTerminalError(reason) = outcome else {
            panic!("not terminal: {outcome:?}")
        };
        assert_eq!(
            reason,
            "invalid task input: input \"count\" (parameter `count: i32`) is invalid: invalid type: string \
             \"x\", expected i32; received \"x\"; missing input \"name\" (parameter `name: String`); the \
             input has \"count\""
        );
    }
}
