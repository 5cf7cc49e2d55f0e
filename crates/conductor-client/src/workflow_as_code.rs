//! [`ConductorWorkflow`]: workflow as code. Build a definition from tasks, check it, register it,
//! start or execute it; [`RegisterWorkflowError`] is what registration returns.

use std::time::Duration;

use conductor_http::{ConductorError, Result};
use conductor_models::{
    Expr, JsonMap, SignalResponse, StartWorkflowRequest, WorkflowDef, WorkflowRun, WorkflowTask,
    WorkflowTimeoutPolicy, WorkflowValidationError,
};
use serde::Serialize;
use tracing::debug;

use crate::util::json_object;
use crate::{ConductorClient, ExecuteOptions};

/// A workflow definition built in code, bound to the client that registers and runs it (the
/// `ConductorWorkflow` of the other Conductor SDKs).
///
/// Tasks are added in order with [`add`](Self::add); [`fork`](Self::fork) adds a fork and its
/// join. [`register`](Self::register) checks the definition first ([`WorkflowDef::validate`]:
/// unknown task references in expressions, duplicate reference names anywhere in the tree, forks
/// not followed by their join) and sends nothing when it finds a problem.
/// [`start`](Self::start) and [`execute`](Self::execute) run the registered version.
///
/// ```no_run
/// use std::time::Duration;
/// use conductor_client::{ConductorClient, Configuration, ConductorWorkflow};
/// use conductor_client::models::WorkflowTask;
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let client = ConductorClient::new(Configuration::from_env())?;
/// let workflow = ConductorWorkflow::new(&client, "greetings").with_version(1);
/// let greet = WorkflowTask::simple("greet", "greet_ref")
///     .with_input_param("name", workflow.input("name"));
/// let workflow = workflow
///     .with_output_param("greeting", greet.output_ref("result"))
///     .add(greet);
///
/// workflow.register(true).await?;
/// let workflow_id = workflow.start(&serde_json::json!({"name": "World"})).await?;
/// let run = workflow
///     .execute(&serde_json::json!({"name": "Rust"}), Duration::from_secs(10))
///     .await?;
/// println!("{workflow_id} {:?}", run.output);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct ConductorWorkflow {
    client: ConductorClient,
    definition: WorkflowDef,
}

impl ConductorWorkflow {
    /// An empty workflow named `name` (version 1 and the server's defaults), registered and run
    /// through `client`.
    #[must_use]
    pub fn new(client: &ConductorClient, name: impl Into<String>) -> Self {
        Self::from_definition(client, WorkflowDef::new(name))
    }

    /// Wraps an existing definition (built with [`WorkflowDef`]'s builders, or read from the
    /// server) to add to it, check it, register and run it.
    #[must_use]
    pub fn from_definition(client: &ConductorClient, definition: WorkflowDef) -> Self {
        Self {
            client: client.clone(),
            definition,
        }
    }

    /// Sets the version. Default: 1.
    #[must_use]
    pub fn with_version(mut self, version: i32) -> Self {
        self.definition.version = version;
        self
    }

    /// Sets the description. Default: none.
    #[must_use]
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.definition.description = Some(description.into());
        self
    }

    /// Sets the owner's email. Default: none (Orkes fills in the caller; OSS leaves it empty).
    #[must_use]
    pub fn with_owner_email(mut self, owner_email: impl Into<String>) -> Self {
        self.definition.owner_email = Some(owner_email.into());
        self
    }

    /// Sets the workflow timeout and what it does. Default: no timeout, `ALERT_ONLY`.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration, policy: WorkflowTimeoutPolicy) -> Self {
        self.definition.timeout_seconds = i64::try_from(timeout.as_secs()).unwrap_or(i64::MAX);
        self.definition.timeout_policy = policy;
        self
    }

    /// Sets the workflow started when this one fails. Default: none.
    #[must_use]
    pub fn with_failure_workflow(mut self, name: impl Into<String>) -> Self {
        self.definition.failure_workflow = Some(name.into());
        self
    }

    /// Sets whether completed executions may be restarted. Default: true.
    #[must_use]
    pub fn with_restartable(mut self, restartable: bool) -> Self {
        self.definition.restartable = restartable;
        self
    }

    /// Documents the input keys (informational: the server does not enforce them). Default:
    /// none.
    #[must_use]
    pub fn with_input_parameters<S: Into<String>>(
        mut self,
        keys: impl IntoIterator<Item = S>,
    ) -> Self {
        self.definition.input_parameters = keys.into_iter().map(Into::into).collect();
        self
    }

    /// Sets one output parameter, usually a task output reference
    /// (`task.output_ref("x")`). Default: no output parameters.
    #[must_use]
    pub fn with_output_param(
        mut self,
        key: impl Into<String>,
        value: impl Into<serde_json::Value>,
    ) -> Self {
        self.definition
            .output_parameters
            .insert(key.into(), value.into());
        self
    }

    /// Sets one initial workflow variable. Default: none.
    #[must_use]
    pub fn with_variable(
        mut self,
        key: impl Into<String>,
        value: impl Into<serde_json::Value>,
    ) -> Self {
        self.definition.variables.insert(key.into(), value.into());
        self
    }

    /// Appends a task (run after the ones already added).
    #[must_use]
    #[allow(
        clippy::should_implement_trait,
        reason = "`add` is the name every other Conductor SDK's ConductorWorkflow uses; `+` would not read as appending a task"
    )]
    pub fn add(mut self, task: WorkflowTask) -> Self {
        self.definition.tasks.push(task);
        self
    }

    /// Appends several tasks, in order.
    #[must_use]
    pub fn add_all(mut self, tasks: impl IntoIterator<Item = WorkflowTask>) -> Self {
        self.definition.tasks.extend(tasks);
        self
    }

    /// Appends a `FORK_JOIN` running `branches` in parallel, and the `JOIN` that must follow it:
    /// reference `<fork_ref>_join`, waiting for the last task of every non-empty branch (as the
    /// Java and Python SDKs do).
    ///
    /// The join waits for exactly those tasks: when a branch ends in a `SWITCH`, the join sees
    /// the switch complete as soon as it has picked its case, before the tasks of the case run;
    /// end such a branch with a task after the switch, or add
    /// [`WorkflowTask::fork_join`] and your own [`WorkflowTask::join`] with [`add`](Self::add).
    ///
    /// ```
    /// use conductor_client::{ConductorClient, Configuration, ConductorWorkflow};
    /// use conductor_client::models::WorkflowTask;
    ///
    /// let client = ConductorClient::new(Configuration::new("http://localhost:8080/api")).unwrap();
    /// let workflow = ConductorWorkflow::new(&client, "fan_out").fork(
    ///     "fork_ref",
    ///     vec![
    ///         vec![WorkflowTask::simple("a", "a_ref"), WorkflowTask::simple("a2", "a2_ref")],
    ///         vec![WorkflowTask::simple("b", "b_ref")],
    ///     ],
    /// );
    /// let def = workflow.to_workflow_def();
    /// assert_eq!(def.tasks[1].task_reference_name, "fork_ref_join");
    /// assert_eq!(def.tasks[1].join_on, ["a2_ref", "b_ref"]);
    /// assert!(workflow.validate().is_ok());
    /// ```
    #[must_use]
    pub fn fork(self, fork_ref: impl Into<String>, branches: Vec<Vec<WorkflowTask>>) -> Self {
        let fork_ref = fork_ref.into();
        let join_ref = format!("{fork_ref}_join");
        let join_on: Vec<String> = branches
            .iter()
            .filter_map(|branch| branch.last())
            .map(|task| task.task_reference_name.clone())
            .collect();
        self.add(WorkflowTask::fork_join(
            fork_ref,
            branches,
            join_ref.clone(),
        ))
        .add(WorkflowTask::join(join_ref, join_on))
    }

    /// `${workflow.input.<path>}`: a reference to this workflow's input, for task inputs.
    #[must_use]
    pub fn input(&self, path: impl AsRef<str>) -> Expr {
        Expr::workflow_input(path)
    }

    /// `${workflow.variables.<path>}`: a reference to one of this workflow's variables.
    #[must_use]
    pub fn variable(&self, path: impl AsRef<str>) -> Expr {
        Expr::workflow_variable(path)
    }

    /// The workflow's name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.definition.name
    }

    /// The workflow's version.
    #[must_use]
    pub fn version(&self) -> i32 {
        self.definition.version
    }

    /// The definition built so far.
    #[must_use]
    pub fn definition(&self) -> &WorkflowDef {
        &self.definition
    }

    /// A copy of the definition built so far, as [`register`](Self::register) sends it.
    #[must_use]
    pub fn to_workflow_def(&self) -> WorkflowDef {
        self.definition.clone()
    }

    /// Checks the definition without sending anything (see [`WorkflowDef::validate`]).
    ///
    /// # Errors
    ///
    /// [`WorkflowValidationError`] listing every problem found.
    pub fn validate(&self) -> std::result::Result<(), WorkflowValidationError> {
        self.definition.validate()
    }

    /// The definition as a Mermaid flowchart (see [`WorkflowDef::to_mermaid`]).
    #[must_use]
    pub fn to_mermaid(&self) -> String {
        self.definition.to_mermaid()
    }

    /// The definition as a Graphviz DOT graph (see [`WorkflowDef::to_dot`]).
    #[must_use]
    pub fn to_dot(&self) -> String {
        self.definition.to_dot()
    }

    /// Checks the definition, then registers it.
    ///
    /// With `overwrite` false: `POST /metadata/workflow` (a 409 conflict when this name and
    /// version exist). With `overwrite` true: `POST /metadata/workflow?overwrite=true`, falling
    /// back to `PUT /metadata/workflow` on servers that ignore `overwrite` (see
    /// [`MetadataClient::register_or_update_workflow_def`](crate::MetadataClient::register_or_update_workflow_def)).
    ///
    /// # Errors
    ///
    /// [`RegisterWorkflowError::Invalid`] (nothing sent) when [`WorkflowDef::validate`] finds
    /// problems; [`RegisterWorkflowError::Conductor`] for the server's answer or a transport
    /// failure.
    pub async fn register(
        &self,
        overwrite: bool,
    ) -> std::result::Result<(), RegisterWorkflowError> {
        self.definition.validate()?;
        debug!(name = %self.definition.name, version = self.definition.version, overwrite, "registering workflow as code");
        let metadata = self.client.metadata_client();
        if overwrite {
            metadata
                .register_or_update_workflow_def(&self.definition)
                .await?;
        } else {
            metadata.register_workflow_def(&self.definition).await?;
        }
        Ok(())
    }

    /// A start request for this workflow's name and version with `input` (to add a correlation
    /// id, task-to-domain mapping, priority... before starting it with
    /// [`WorkflowClient::start_workflow`](crate::WorkflowClient::start_workflow)).
    ///
    /// # Errors
    ///
    /// [`ConductorError::Json`] when `input` does not serialise to a JSON object.
    pub fn start_request<I: Serialize + ?Sized>(&self, input: &I) -> Result<StartWorkflowRequest> {
        let input = match json_object(input, "workflow input")? {
            serde_json::Value::Object(map) => map,
            // `json_object` only returns objects.
            _ => JsonMap::new(),
        };
        Ok(StartWorkflowRequest::new(self.definition.name.clone())
            .with_version(self.definition.version)
            .with_input(input))
    }

    /// Starts this workflow (its name and version) with `input` and returns the new workflow id.
    ///
    /// `POST /workflow`; see [`WorkflowClient::start_workflow`](crate::WorkflowClient::start_workflow).
    ///
    /// # Errors
    ///
    /// [`ConductorError::Json`] when `input` is not a JSON object; otherwise as
    /// [`WorkflowClient::start_workflow`](crate::WorkflowClient::start_workflow) (404 when this
    /// version is not registered).
    pub async fn start<I: Serialize + ?Sized>(&self, input: &I) -> Result<String> {
        let request = self.start_request(input)?;
        self.client.workflow_client().start_workflow(&request).await
    }

    /// Starts this workflow with `input` and waits up to `wait_for` for it to finish (or block
    /// on a `WAIT` task), returning it as it then stands.
    ///
    /// `POST /workflow/execute/{name}/{version}`; see
    /// [`WorkflowClient::execute_workflow`](crate::WorkflowClient::execute_workflow).
    ///
    /// # Errors
    ///
    /// As [`start`](Self::start).
    pub async fn execute<I: Serialize + ?Sized>(
        &self,
        input: &I,
        wait_for: Duration,
    ) -> Result<WorkflowRun> {
        let request = self.start_request(input)?;
        self.client
            .workflow_client()
            .execute_workflow(&request, wait_for)
            .await
    }

    /// Starts this workflow with `input` and waits as `options` say (until given tasks, with a
    /// return strategy...).
    ///
    /// # Errors
    ///
    /// As [`start`](Self::start).
    pub async fn execute_with<I: Serialize + ?Sized>(
        &self,
        input: &I,
        options: &ExecuteOptions,
    ) -> Result<SignalResponse> {
        let request = self.start_request(input)?;
        self.client
            .workflow_client()
            .execute_workflow_with(&request, options)
            .await
    }
}

/// Why [`ConductorWorkflow::register`] failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegisterWorkflowError {
    /// The definition has problems (all of them listed); nothing was sent. Fix the definition:
    /// retrying cannot help.
    #[error(transparent)]
    Invalid(#[from] WorkflowValidationError),
    /// The server refused the definition, or it could not be reached; see
    /// [`ConductorError::is_retryable`].
    #[error(transparent)]
    Conductor(#[from] ConductorError),
}

impl RegisterWorkflowError {
    /// The problems found in the definition, when that is why registration failed.
    #[must_use]
    pub fn validation_error(&self) -> Option<&WorkflowValidationError> {
        match self {
            Self::Invalid(error) => Some(error),
            Self::Conductor(_) => None,
        }
    }

    /// Whether trying again later may succeed (never for an invalid definition).
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Invalid(_) => false,
            Self::Conductor(error) => error.is_retryable(),
        }
    }
}

impl From<RegisterWorkflowError> for ConductorError {
    /// Folds a registration failure into the SDK-wide error (for `?` in functions returning
    /// `conductor_client::Result`): an invalid definition becomes [`ConductorError::Workflow`]
    /// carrying the list of problems.
    fn from(error: RegisterWorkflowError) -> Self {
        match error {
            RegisterWorkflowError::Invalid(invalid) => {
                ConductorError::Workflow(invalid.to_string())
            }
            RegisterWorkflowError::Conductor(error) => error,
        }
    }
}
