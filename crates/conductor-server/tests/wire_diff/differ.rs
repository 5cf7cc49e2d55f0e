//! The structural differ: compares two recorded answers to the same request (status, kind of
//! body, key sets at every level, JSON value types, and the values of fields that must be
//! deterministic) and lists every difference.

use std::collections::BTreeSet;
use std::fmt;

use serde_json::Value;

/// The body of a recorded answer, classified by its `Content-Type`.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// No body at all.
    Empty,
    /// A JSON body (`Content-Type: application/json`), normalised (see `script::Target`).
    Json(Value),
    /// Any other body, as normalised text.
    Text(String),
}

impl Body {
    fn kind(&self) -> &'static str {
        match self {
            Body::Empty => "empty",
            Body::Json(_) => "json",
            Body::Text(_) => "text",
        }
    }
}

/// One request and the answer it got from one server.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// The script's stable name of the request (e.g. `workflow.get_unknown`).
    pub step: String,
    /// Method and path, with placeholders for dynamic values (for reading the report).
    pub request: String,
    /// The HTTP status.
    pub status: u16,
    /// The body.
    pub body: Body,
    /// Whether a text body's value varies between servers by nature (a version string, a count
    /// that depends on the server's other traffic): then only its presence is compared.
    pub text_varies: bool,
}

/// What kind of difference was found. "Missing" and "extra" are seen from our server: a key the
/// reference server sends and ours does not is missing, one only ours sends is extra.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// Different HTTP status.
    Status,
    /// Different kind of body (empty, JSON, text).
    Body,
    /// A key the reference server sends and ours does not.
    Missing,
    /// A key only our server sends.
    Extra,
    /// Different JSON value types (null, boolean, number, string, array, object).
    Type,
    /// Different values of a field that must be deterministic.
    Value,
    /// Arrays of different lengths.
    Length,
    /// The scripted sequence itself went differently (a step only one server ran, or a wait that
    /// timed out).
    Script,
}

impl Kind {
    /// The name used in the known-differences file.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Status => "status",
            Kind::Body => "body",
            Kind::Missing => "missing",
            Kind::Extra => "extra",
            Kind::Type => "type",
            Kind::Value => "value",
            Kind::Length => "length",
            Kind::Script => "script",
        }
    }

    /// The kind named `name` in the known-differences file.
    pub fn parse(name: &str) -> Option<Kind> {
        [
            Kind::Status,
            Kind::Body,
            Kind::Missing,
            Kind::Extra,
            Kind::Type,
            Kind::Value,
            Kind::Length,
            Kind::Script,
        ]
        .into_iter()
        .find(|k| k.as_str() == name)
    }
}

/// One difference between our answer and the reference answer.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Difference {
    /// The script step.
    pub step: String,
    /// Where in the body: `$` is the root, `$.tasks[0].status` a nested field.
    pub path: String,
    /// The kind of difference.
    pub kind: Kind,
    /// Both sides, for the person reading the report.
    pub detail: String,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:<8} {:<40} {:<45} {}",
            self.kind.as_str(),
            self.step,
            self.path,
            self.detail
        )
    }
}

/// Keys whose values must be equal on both servers wherever they occur: enums, names and
/// versions the script sent, flags, and ids (normalised to placeholders before diffing).
const VALUE_KEYS: &[&str] = &[
    "status",
    "retryable",
    "healthy",
    "name",
    "version",
    "workflowType",
    "workflowName",
    "workflowVersion",
    "taskType",
    "taskDefName",
    "referenceTaskName",
    "correlationId",
    "workflowId",
    "workflowInstanceId",
    "taskId",
    "parentWorkflowId",
    "reRunFromWorkflowId",
    "type",
    "event",
    "active",
    "responseType",
    "targetWorkflowId",
    "targetWorkflowStatus",
    "timeoutPolicy",
    "retryLogic",
    "schemaVersion",
    "totalHits",
    "seq",
    "retryCount",
    "pollCount",
    "workerId",
    "queueName",
    "domain",
    "log",
    "action",
    "signalTimeout",
    "reasonForIncompletion",
];

/// The JSON type name of `value`.
pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// A short rendering of a value for a report line.
fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 80 {
        let cut: String = text.chars().take(77).collect();
        format!("{cut}...")
    } else {
        text
    }
}

/// Every difference between `ours` and `reference`, two answers to the same step.
pub fn diff_exchange(ours: &Exchange, reference: &Exchange) -> Vec<Difference> {
    let mut out = Vec::new();
    let step = ours.step.as_str();
    if ours.status != reference.status {
        out.push(Difference {
            step: step.to_owned(),
            path: "$".to_owned(),
            kind: Kind::Status,
            detail: format!("ours {} vs reference {}", ours.status, reference.status),
        });
        // A success and an error (or two different successes) have unrelated bodies: the status
        // says it all. Two errors still have to share the `ErrorResponse` shape.
        if ours.status < 400 || reference.status < 400 {
            return out;
        }
    }
    match (&ours.body, &reference.body) {
        (Body::Json(a), Body::Json(b)) => {
            let from = out.len();
            diff_json(step, "$", a, b, &mut out);
            if ours.status != reference.status {
                // An error body's `status` repeats the HTTP status, already reported.
                let mut i = from;
                while i < out.len() {
                    if out[i].path == "$.status" && out[i].kind == Kind::Value {
                        out.remove(i);
                    } else {
                        i += 1;
                    }
                }
            }
        }
        (Body::Text(a), Body::Text(b)) => {
            if !ours.text_varies && a != b {
                out.push(Difference {
                    step: step.to_owned(),
                    path: "$".to_owned(),
                    kind: Kind::Value,
                    detail: format!("ours {a:?} vs reference {b:?}"),
                });
            }
        }
        (Body::Empty, Body::Empty) => {}
        (a, b) => out.push(Difference {
            step: step.to_owned(),
            path: "$".to_owned(),
            kind: Kind::Body,
            detail: format!(
                "ours {} {} vs reference {} {}",
                a.kind(),
                body_preview(a),
                b.kind(),
                body_preview(b)
            ),
        }),
    }
    out
}

fn body_preview(body: &Body) -> String {
    match body {
        Body::Empty => String::new(),
        Body::Json(v) => short(v),
        Body::Text(t) => short(&Value::String(t.clone())),
    }
}

/// Compares two JSON values at `path`: types, then (objects) key sets and each common key,
/// (arrays) lengths and each common index, and the values of deterministic fields.
pub fn diff_json(
    step: &str,
    path: &str,
    ours: &Value,
    reference: &Value,
    out: &mut Vec<Difference>,
) {
    diff_value(step, path, None, ours, reference, out);
}

fn diff_value(
    step: &str,
    path: &str,
    key: Option<&str>,
    ours: &Value,
    reference: &Value,
    out: &mut Vec<Difference>,
) {
    let push = |out: &mut Vec<Difference>, kind: Kind, detail: String| {
        out.push(Difference {
            step: step.to_owned(),
            path: path.to_owned(),
            kind,
            detail,
        });
    };
    match (ours, reference) {
        (Value::Object(a), Value::Object(b)) => {
            let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for k in keys {
                let child = format!("{path}.{k}");
                match (a.get(k), b.get(k)) {
                    (Some(x), Some(y)) => diff_value(step, &child, Some(k), x, y, out),
                    (None, Some(y)) => out.push(Difference {
                        step: step.to_owned(),
                        path: child,
                        kind: Kind::Missing,
                        detail: format!("reference has {} {}", type_name(y), short(y)),
                    }),
                    (Some(x), None) => out.push(Difference {
                        step: step.to_owned(),
                        path: child,
                        kind: Kind::Extra,
                        detail: format!("ours has {} {}", type_name(x), short(x)),
                    }),
                    (None, None) => {}
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            if a.len() != b.len() {
                push(
                    out,
                    Kind::Length,
                    format!("ours {} elements vs reference {}", a.len(), b.len()),
                );
            }
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                // Elements inherit the array's key: `["{wf1}"]` under `workflowIds`-like keys.
                diff_value(step, &format!("{path}[{i}]"), key, x, y, out);
            }
        }
        (a, b) if type_name(a) != type_name(b) => push(
            out,
            Kind::Type,
            format!(
                "ours {} {} vs reference {} {}",
                type_name(a),
                short(a),
                type_name(b),
                short(b)
            ),
        ),
        (a, b) => {
            if a != b && compares_value(key, a, b) {
                push(
                    out,
                    Kind::Value,
                    format!("ours {} vs reference {}", short(a), short(b)),
                );
            }
        }
    }
}

/// Whether two scalars of the same type under `key` must be equal: the key is a deterministic
/// one, or either side is a placeholder for a name or id the script tracks (not merely holds
/// one, as a free-text message may).
fn compares_value(key: Option<&str>, a: &Value, b: &Value) -> bool {
    let placeholder = |v: &Value| {
        v.as_str()
            .is_some_and(|s| s.starts_with('{') && s.ends_with('}') && !s.contains(' '))
    };
    key.is_some_and(|k| VALUE_KEYS.contains(&k)) || placeholder(a) || placeholder(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn exchange(status: u16, body: Body) -> Exchange {
        Exchange {
            step: "s".into(),
            request: "GET /x".into(),
            status,
            body,
            text_varies: false,
        }
    }

    fn diff(ours: Value, reference: Value) -> Vec<Difference> {
        diff_exchange(
            &exchange(200, Body::Json(ours)),
            &exchange(200, Body::Json(reference)),
        )
    }

    fn kinds(diffs: &[Difference]) -> Vec<(Kind, &str)> {
        diffs.iter().map(|d| (d.kind, d.path.as_str())).collect()
    }

    #[test]
    fn equal_bodies_have_no_difference() {
        let body = json!({"a": 1, "b": [{"c": "x"}], "d": null});
        assert!(diff(body.clone(), body).is_empty());
    }

    #[test]
    fn a_missing_key_is_caught_at_any_depth() {
        let d = diff(json!({"a": {"b": 1}}), json!({"a": {"b": 1, "c": "x"}}));
        assert_eq!(kinds(&d), [(Kind::Missing, "$.a.c")]);
    }

    #[test]
    fn an_extra_key_is_caught_and_null_is_not_absent() {
        let d = diff(json!({"a": 1, "n": null}), json!({"a": 1}));
        assert_eq!(kinds(&d), [(Kind::Extra, "$.n")]);
    }

    #[test]
    fn a_type_change_is_caught() {
        let d = diff(json!({"t": "1"}), json!({"t": 1}));
        assert_eq!(kinds(&d), [(Kind::Type, "$.t")]);
        let d = diff(json!({"t": null}), json!({"t": {}}));
        assert_eq!(kinds(&d), [(Kind::Type, "$.t")]);
    }

    #[test]
    fn a_status_change_is_caught() {
        let d = diff_exchange(&exchange(404, Body::Empty), &exchange(200, Body::Empty));
        assert_eq!(kinds(&d), [(Kind::Status, "$")]);
    }

    #[test]
    fn bodies_are_compared_only_when_statuses_agree_or_both_are_errors() {
        let error = |status| {
            exchange(
                status,
                Body::Json(json!({"status": status, "message": "m"})),
            )
        };
        let d = diff_exchange(&exchange(200, Body::Json(json!({"a": 1}))), &error(404));
        assert_eq!(kinds(&d), [(Kind::Status, "$")]);
        // The body's `status` repeats the HTTP status: reported once.
        let d = diff_exchange(&error(404), &error(500));
        assert_eq!(kinds(&d), [(Kind::Status, "$")]);
        let d = diff_exchange(
            &error(404),
            &exchange(500, Body::Json(json!({"status": 500}))),
        );
        assert_eq!(kinds(&d), [(Kind::Status, "$"), (Kind::Extra, "$.message")]);
    }

    #[test]
    fn a_body_kind_change_is_caught() {
        let d = diff_exchange(
            &exchange(200, Body::Text("x".into())),
            &exchange(200, Body::Json(json!("x"))),
        );
        assert_eq!(kinds(&d), [(Kind::Body, "$")]);
        let d = diff_exchange(
            &exchange(200, Body::Empty),
            &exchange(200, Body::Text("".into())),
        );
        assert_eq!(kinds(&d), [(Kind::Body, "$")]);
    }

    #[test]
    fn arrays_are_compared_element_wise_and_by_length() {
        let d = diff(json!([{"a": 1}, {"a": 2}]), json!([{"a": 1, "b": 2}]));
        assert_eq!(kinds(&d), [(Kind::Length, "$"), (Kind::Missing, "$[0].b")]);
    }

    #[test]
    fn only_deterministic_values_are_compared() {
        // Timestamps may differ; statuses and tracked ids may not.
        assert!(diff(json!({"startTime": 1}), json!({"startTime": 2})).is_empty());
        let d = diff(json!({"status": "RUNNING"}), json!({"status": "COMPLETED"}));
        assert_eq!(kinds(&d), [(Kind::Value, "$.status")]);
        let d = diff(json!({"anything": "{wf1}"}), json!({"anything": "{wf2}"}));
        assert_eq!(kinds(&d), [(Kind::Value, "$.anything")]);
        // Free text naming an id is not compared.
        assert!(diff(json!({"m": "no {wf1} here"}), json!({"m": "{wf1} is gone"})).is_empty());
    }

    #[test]
    fn text_values_are_compared_unless_they_vary_by_nature() {
        let ours = exchange(200, Body::Text("{wf1}".into()));
        let d = diff_exchange(&ours, &exchange(200, Body::Text("{wf2}".into())));
        assert_eq!(kinds(&d), [(Kind::Value, "$")]);
        let varying = Exchange {
            text_varies: true,
            ..exchange(200, Body::Text("0.1.0".into()))
        };
        assert!(diff_exchange(&varying, &exchange(200, Body::Text("3.32.3".into()))).is_empty());
    }
}
