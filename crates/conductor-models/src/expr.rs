//! `Expr`: typed `${...}` references to workflow input, variables and task input/output, so
//! definitions are written without hand-typed expression strings.
//!
//! The server resolves `${...}` expressions in `inputParameters` when it schedules a task, and in
//! `outputParameters` when the workflow ends (Jayway JSONPath over a document whose root keys are
//! `workflow` and every task reference name). An [`Expr`] is nothing more than that string, built
//! from parts that cannot be misspelt the same way twice: the task reference comes from the task
//! itself ([`WorkflowTask::output_ref`](crate::WorkflowTask::output_ref)), the `${`/`}` and the
//! `.output.` come from the SDK. It converts into a [`serde_json::Value`] string, so it goes
//! anywhere a value does (`with_input_param`, `with_output_param`, `json!` through `Serialize`).
//!
//! ```
//! use conductor_models::{WorkflowDef, WorkflowTask, workflow_input};
//!
//! let fetch = WorkflowTask::http("fetch_ref", "https://api.example.com/users");
//! let greet = WorkflowTask::simple("greet", "greet_ref")
//!     .with_input_param("name", workflow_input("name"))
//!     .with_input_param("user", fetch.output_ref("response.body"));
//! let def = WorkflowDef::new("greetings")
//!     .with_output_param("greeting", greet.output_ref("result"))
//!     .with_task(fetch)
//!     .with_task(greet);
//!
//! let json = serde_json::to_value(&def).unwrap();
//! assert_eq!(json["tasks"][1]["inputParameters"]["name"], "${workflow.input.name}");
//! assert_eq!(json["tasks"][1]["inputParameters"]["user"], "${fetch_ref.output.response.body}");
//! assert_eq!(json["outputParameters"]["greeting"], "${greet_ref.output.result}");
//! ```

use std::fmt;

use serde::{Serialize, Serializer};

use crate::WorkflowTask;

/// A Conductor expression: the string `${path}`, resolved by the server against the workflow's
/// document (`workflow.input`, `workflow.variables`, `<taskRef>.output`...).
///
/// Build one with the constructors ([`Expr::workflow_input`], [`Expr::task_output`]...), the free
/// functions ([`workflow_input`], [`task_output`]...) or from a task
/// ([`WorkflowTask::output_ref`]). A `path` argument is appended after a `.` (`"a.b"`,
/// `"items[0].id"`); a path starting with `[` is appended as is (`"['my-key']"`, `"[0]"`); an
/// empty path refers to the whole object.
///
/// When the expression is the **whole** string value, the server substitutes the referenced value
/// with its JSON type (a number stays a number, an object an object); embedded in a longer string
/// (`format!("Hello {expr}")`, through [`Display`](fmt::Display)) it is substituted as text.
///
/// ```
/// use conductor_models::Expr;
///
/// assert_eq!(Expr::workflow_input("order.id").as_str(), "${workflow.input.order.id}");
/// assert_eq!(Expr::workflow_variable("count").as_str(), "${workflow.variables.count}");
/// assert_eq!(Expr::task_output("charge_ref", "").as_str(), "${charge_ref.output}");
/// assert_eq!(Expr::task_output("search_ref", "[0]").as_str(), "${search_ref.output[0]}");
/// assert_eq!(format!("id={}", Expr::workflow("workflowId")), "id=${workflow.workflowId}");
/// assert_eq!(serde_json::Value::from(Expr::task_input("t", "x")), "${t.input.x}");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Expr(String);

impl Expr {
    /// `${path}`: any path of the server's document (for example `workflow.correlationId` or
    /// `my_ref.status`).
    ///
    /// ```
    /// use conductor_models::Expr;
    ///
    /// assert_eq!(Expr::new("workflow.correlationId").as_str(), "${workflow.correlationId}");
    /// ```
    pub fn new(path: impl AsRef<str>) -> Self {
        Expr(format!("${{{}}}", path.as_ref()))
    }

    /// `${workflow.<field>}`: a property of the running workflow (`workflowId`, `correlationId`,
    /// `workflowType`, `version`, `status`, `parentWorkflowId`...).
    ///
    /// ```
    /// use conductor_models::Expr;
    ///
    /// assert_eq!(Expr::workflow("workflowId").as_str(), "${workflow.workflowId}");
    /// ```
    pub fn workflow(field: impl AsRef<str>) -> Self {
        Expr::new(join_path("workflow", field.as_ref()))
    }

    /// `${workflow.input.<path>}`: (part of) the workflow input; an empty path is the whole input.
    ///
    /// ```
    /// use conductor_models::Expr;
    ///
    /// assert_eq!(Expr::workflow_input("order.id").as_str(), "${workflow.input.order.id}");
    /// assert_eq!(Expr::workflow_input("").as_str(), "${workflow.input}"); // the whole input
    /// ```
    pub fn workflow_input(path: impl AsRef<str>) -> Self {
        Expr::new(join_path("workflow.input", path.as_ref()))
    }

    /// `${workflow.variables.<path>}`: a workflow variable (set by `SET_VARIABLE` tasks or the
    /// definition's `variables`).
    ///
    /// ```
    /// use conductor_models::Expr;
    ///
    /// assert_eq!(Expr::workflow_variable("attempts").as_str(), "${workflow.variables.attempts}");
    /// ```
    pub fn workflow_variable(path: impl AsRef<str>) -> Self {
        Expr::new(join_path("workflow.variables", path.as_ref()))
    }

    /// `${workflow.secrets.<name>}`: a secret (OSS v3.31.2+ and Orkes; resolved only when the
    /// task input is handed to the worker, never stored).
    ///
    /// ```
    /// use conductor_models::{Expr, WorkflowTask};
    ///
    /// let call = WorkflowTask::http("call_ref", "https://api.example.com/orders")
    ///     .with_header("Authorization", format!("Bearer {}", Expr::workflow_secret("api_token")));
    /// assert_eq!(Expr::workflow_secret("api_token").as_str(), "${workflow.secrets.api_token}");
    /// # let _ = call;
    /// ```
    pub fn workflow_secret(name: impl AsRef<str>) -> Self {
        Expr::new(join_path("workflow.secrets", name.as_ref()))
    }

    /// `${<task_ref>.output.<path>}`: (part of) the output of the task with that reference name.
    ///
    /// ```
    /// use conductor_models::Expr;
    ///
    /// assert_eq!(Expr::task_output("charge_ref", "receipt.id").as_str(), "${charge_ref.output.receipt.id}");
    /// ```
    pub fn task_output(task_ref: impl AsRef<str>, path: impl AsRef<str>) -> Self {
        Expr::new(join_path(
            &format!("{}.output", task_ref.as_ref()),
            path.as_ref(),
        ))
    }

    /// `${<task_ref>.input.<path>}`: (part of) the resolved input of the task with that reference
    /// name.
    ///
    /// ```
    /// use conductor_models::Expr;
    ///
    /// assert_eq!(Expr::task_input("charge_ref", "amount").as_str(), "${charge_ref.input.amount}");
    /// ```
    pub fn task_input(task_ref: impl AsRef<str>, path: impl AsRef<str>) -> Self {
        Expr::new(join_path(
            &format!("{}.input", task_ref.as_ref()),
            path.as_ref(),
        ))
    }

    /// The expression string, `${...}` included.
    ///
    /// ```
    /// use conductor_models::Expr;
    ///
    /// let expr = Expr::workflow_input("name");
    /// assert_eq!(expr.as_str(), "${workflow.input.name}");
    /// assert_eq!(format!("Hello {expr}"), "Hello ${workflow.input.name}");
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The expression string, `${...}` included.
    ///
    /// ```
    /// use conductor_models::Expr;
    ///
    /// let text: String = Expr::workflow_variable("count").into_string();
    /// assert_eq!(text, "${workflow.variables.count}");
    /// ```
    pub fn into_string(self) -> String {
        self.0
    }
}

/// `${workflow.input.<path>}`; see [`Expr::workflow_input`].
///
/// ```
/// assert_eq!(conductor_models::workflow_input("x").as_str(), "${workflow.input.x}");
/// ```
pub fn workflow_input(path: impl AsRef<str>) -> Expr {
    Expr::workflow_input(path)
}

/// `${workflow.variables.<path>}`; see [`Expr::workflow_variable`].
///
/// ```
/// assert_eq!(conductor_models::workflow_variable("n").as_str(), "${workflow.variables.n}");
/// ```
pub fn workflow_variable(path: impl AsRef<str>) -> Expr {
    Expr::workflow_variable(path)
}

/// `${<task_ref>.output.<path>}`; see [`Expr::task_output`].
///
/// ```
/// assert_eq!(conductor_models::task_output("t_ref", "y").as_str(), "${t_ref.output.y}");
/// ```
pub fn task_output(task_ref: impl AsRef<str>, path: impl AsRef<str>) -> Expr {
    Expr::task_output(task_ref, path)
}

/// `${<task_ref>.input.<path>}`; see [`Expr::task_input`].
///
/// ```
/// assert_eq!(conductor_models::task_input("t_ref", "y").as_str(), "${t_ref.input.y}");
/// ```
pub fn task_input(task_ref: impl AsRef<str>, path: impl AsRef<str>) -> Expr {
    Expr::task_input(task_ref, path)
}

impl WorkflowTask {
    /// `${<this task's reference name>.output.<path>}`: a reference to this task's output, for the
    /// input of a later task or the workflow output. An empty path is the whole output.
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    /// let charge = WorkflowTask::simple("charge", "charge_ref");
    /// assert_eq!(charge.output_ref("receipt.id").as_str(), "${charge_ref.output.receipt.id}");
    /// assert_eq!(charge.output_ref("").as_str(), "${charge_ref.output}");
    /// ```
    pub fn output_ref(&self, path: impl AsRef<str>) -> Expr {
        Expr::task_output(&self.task_reference_name, path)
    }

    /// `${<this task's reference name>.input.<path>}`: a reference to this task's resolved input.
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    /// let charge = WorkflowTask::simple("charge", "charge_ref");
    /// assert_eq!(charge.input_ref("amount").as_str(), "${charge_ref.input.amount}");
    /// ```
    pub fn input_ref(&self, path: impl AsRef<str>) -> Expr {
        Expr::task_input(&self.task_reference_name, path)
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Expr {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<Expr> for String {
    fn from(expr: Expr) -> Self {
        expr.0
    }
}

impl From<Expr> for serde_json::Value {
    fn from(expr: Expr) -> Self {
        serde_json::Value::String(expr.0)
    }
}

impl From<&Expr> for serde_json::Value {
    fn from(expr: &Expr) -> Self {
        serde_json::Value::String(expr.0.clone())
    }
}

impl Serialize for Expr {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// `base` followed by `path`: nothing for an empty path, the path as is when it starts with `[`
/// (bracket notation), otherwise `.` and the path.
fn join_path(base: &str, path: &str) -> String {
    if path.is_empty() {
        base.to_owned()
    } else if path.starts_with('[') {
        format!("{base}{path}")
    } else {
        format!("{base}.{path}")
    }
}
