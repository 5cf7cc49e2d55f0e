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
    ///
    /// ```
    /// use conductor_client::{ConductorClient, ConductorWorkflow, Configuration};
    ///
    /// let client = ConductorClient::new(Configuration::new("http://localhost:8080/api"))?;
    /// let workflow = ConductorWorkflow::new(&client, "order_fulfillment");
    /// assert_eq!(workflow.name(), "order_fulfillment");
    /// assert_eq!(workflow.version(), 1);
    /// # Ok::<(), conductor_client::ConductorError>(())
    /// ```
    #[must_use]
    pub fn new(client: &ConductorClient, name: impl Into<String>) -> Self {
        Self::from_definition(client, WorkflowDef::new(name))
    }

    /// Wraps an existing definition (built with [`WorkflowDef`]'s builders, or read from the
    /// server) to add to it, check it, register and run it.
    ///
    /// ```
    /// use conductor_client::{ConductorClient, ConductorWorkflow, Configuration};
    /// use conductor_client::models::{WorkflowDef, WorkflowTask};
    ///
    /// let client = ConductorClient::new(Configuration::new("http://localhost:8080/api"))?;
    /// let mut def = WorkflowDef::new("order_fulfillment");
    /// def.version = 2;
    /// let workflow = ConductorWorkflow::from_definition(&client, def)
    ///     .add(WorkflowTask::simple("ship", "ship_ref"));
    /// assert_eq!(workflow.version(), 2);
    /// assert_eq!(workflow.definition().tasks.len(), 1);
    /// # Ok::<(), conductor_client::ConductorError>(())
    /// ```
    #[must_use]
    pub fn from_definition(client: &ConductorClient, definition: WorkflowDef) -> Self {
        Self {
            client: client.clone(),
            definition,
        }
    }

    /// Sets the version. Default: 1.
    ///
    /// ```
    /// # use conductor_client::{ConductorClient, ConductorWorkflow, Configuration};
    /// # let client = ConductorClient::new(Configuration::new("http://localhost:8080/api"))?;
    /// let workflow = ConductorWorkflow::new(&client, "order_fulfillment").with_version(3);
    /// assert_eq!(workflow.version(), 3);
    /// # Ok::<(), conductor_client::ConductorError>(())
    /// ```
    #[must_use]
    pub fn with_version(mut self, version: i32) -> Self {
        self.definition.version = version;
        self
    }

    /// Sets the description. Default: none.
    ///
    /// ```
    /// # use conductor_client::{ConductorClient, ConductorWorkflow, Configuration};
    /// # let client = ConductorClient::new(Configuration::new("http://localhost:8080/api"))?;
    /// let workflow = ConductorWorkflow::new(&client, "order_fulfillment")
    ///     .with_description("Charges, packs and ships an order");
    /// assert_eq!(
    ///     workflow.definition().description.as_deref(),
    ///     Some("Charges, packs and ships an order")
    /// );
    /// # Ok::<(), conductor_client::ConductorError>(())
    /// ```
    #[must_use]
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.definition.description = Some(description.into());
        self
    }

    /// Sets the owner's email. Default: none (Orkes fills in the caller; OSS leaves it empty).
    ///
    /// ```
    /// # use conductor_client::{ConductorClient, ConductorWorkflow, Configuration};
    /// # let client = ConductorClient::new(Configuration::new("http://localhost:8080/api"))?;
    /// let workflow = ConductorWorkflow::new(&client, "order_fulfillment")
    ///     .with_owner_email("orders-team@example.com");
    /// assert_eq!(workflow.definition().owner_email.as_deref(), Some("orders-team@example.com"));
    /// # Ok::<(), conductor_client::ConductorError>(())
    /// ```
    #[must_use]
    pub fn with_owner_email(mut self, owner_email: impl Into<String>) -> Self {
        self.definition.owner_email = Some(owner_email.into());
        self
    }

    /// Sets the workflow timeout and what it does. Default: no timeout, `ALERT_ONLY`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use conductor_client::models::WorkflowTimeoutPolicy;
    /// # use conductor_client::{ConductorClient, ConductorWorkflow, Configuration};
    /// # let client = ConductorClient::new(Configuration::new("http://localhost:8080/api"))?;
    ///
    /// let workflow = ConductorWorkflow::new(&client, "order_fulfillment")
    ///     .with_timeout(Duration::from_secs(3600), WorkflowTimeoutPolicy::TimeOutWf);
    /// assert_eq!(workflow.definition().timeout_seconds, 3600);
    /// assert_eq!(workflow.definition().timeout_policy, WorkflowTimeoutPolicy::TimeOutWf);
    /// # Ok::<(), conductor_client::ConductorError>(())
    /// ```
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration, policy: WorkflowTimeoutPolicy) -> Self {
        self.definition.timeout_seconds = i64::try_from(timeout.as_secs()).unwrap_or(i64::MAX);
        self.definition.timeout_policy = policy;
        self
    }

    /// Sets the workflow started when this one fails. Default: none.
    ///
    /// ```
    /// # use conductor_client::{ConductorClient, ConductorWorkflow, Configuration};
    /// # let client = ConductorClient::new(Configuration::new("http://localhost:8080/api"))?;
    /// let workflow = ConductorWorkflow::new(&client, "order_fulfillment")
    ///     .with_failure_workflow("refund_order");
    /// assert_eq!(workflow.definition().failure_workflow.as_deref(), Some("refund_order"));
    /// # Ok::<(), conductor_client::ConductorError>(())
    /// ```
    #[must_use]
    pub fn with_failure_workflow(mut self, name: impl Into<String>) -> Self {
        self.definition.failure_workflow = Some(name.into());
        self
    }

    /// Sets whether completed executions may be restarted. Default: true.
    ///
    /// ```
    /// # use conductor_client::{ConductorClient, ConductorWorkflow, Configuration};
    /// # let client = ConductorClient::new(Configuration::new("http://localhost:8080/api"))?;
    /// let workflow = ConductorWorkflow::new(&client, "charge_card_once").with_restartable(false);
    /// assert!(!workflow.definition().restartable);
    /// # Ok::<(), conductor_client::ConductorError>(())
    /// ```
    #[must_use]
    pub fn with_restartable(mut self, restartable: bool) -> Self {
        self.definition.restartable = restartable;
        self
    }

    /// Documents the input keys (informational: the server does not enforce them). Default:
    /// none.
    ///
    /// ```
    /// # use conductor_client::{ConductorClient, ConductorWorkflow, Configuration};
    /// # let client = ConductorClient::new(Configuration::new("http://localhost:8080/api"))?;
    /// let workflow = ConductorWorkflow::new(&client, "order_fulfillment")
    ///     .with_input_parameters(["orderId", "customerId"]);
    /// assert_eq!(workflow.definition().input_parameters, ["orderId", "customerId"]);
    /// # Ok::<(), conductor_client::ConductorError>(())
    /// ```
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
    ///
    /// ```
    /// use conductor_client::models::WorkflowTask;
    /// # use conductor_client::{ConductorClient, ConductorWorkflow, Configuration};
    /// # let client = ConductorClient::new(Configuration::new("http://localhost:8080/api"))?;
    ///
    /// let ship = WorkflowTask::simple("ship", "ship_ref");
    /// let workflow = ConductorWorkflow::new(&client, "order_fulfillment")
    ///     .with_output_param("trackingNumber", ship.output_ref("trackingNumber"))
    ///     .add(ship);
    /// assert_eq!(
    ///     workflow.definition().output_parameters["trackingNumber"],
    ///     "${ship_ref.output.trackingNumber}"
    /// );
    /// # Ok::<(), conductor_client::ConductorError>(())
    /// ```
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
    ///
    /// ```
    /// # use conductor_client::{ConductorClient, ConductorWorkflow, Configuration};
    /// # let client = ConductorClient::new(Configuration::new("http://localhost:8080/api"))?;
    /// let workflow = ConductorWorkflow::new(&client, "order_fulfillment").with_variable("attempts", 0);
    /// assert_eq!(workflow.definition().variables["attempts"], 0);
    /// # Ok::<(), conductor_client::ConductorError>(())
    /// ```
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
    ///
    /// ```
    /// use conductor_client::models::WorkflowTask;
    /// # use conductor_client::{ConductorClient, ConductorWorkflow, Configuration};
    /// # let client = ConductorClient::new(Configuration::new("http://localhost:8080/api"))?;
    ///
    /// let workflow = ConductorWorkflow::new(&client, "order_fulfillment")
    ///     .add(WorkflowTask::simple("charge", "charge_ref"))
    ///     .add(WorkflowTask::simple("ship", "ship_ref"));
    /// let refs: Vec<_> = workflow.definition().tasks.iter().map(|t| t.task_reference_name.as_str()).collect();
    /// assert_eq!(refs, ["charge_ref", "ship_ref"]);
    /// # Ok::<(), conductor_client::ConductorError>(())
    /// ```
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
    ///
    /// ```
    /// use conductor_client::models::WorkflowTask;
    /// # use conductor_client::{ConductorClient, ConductorWorkflow, Configuration};
    /// # let client = ConductorClient::new(Configuration::new("http://localhost:8080/api"))?;
    ///
    /// let steps = ["validate", "charge", "ship"].map(|name| WorkflowTask::simple(name, format!("{name}_ref")));
    /// let workflow = ConductorWorkflow::new(&client, "order_fulfillment").add_all(steps);
    /// assert_eq!(workflow.definition().tasks.len(), 3);
    /// # Ok::<(), conductor_client::ConductorError>(())
    /// ```
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
    ///
    /// ```
    /// use conductor_client::models::WorkflowTask;
    /// # use conductor_client::{ConductorClient, ConductorWorkflow, Configuration};
    /// # let client = ConductorClient::new(Configuration::new("http://localhost:8080/api"))?;
    ///
    /// let workflow = ConductorWorkflow::new(&client, "greetings");
    /// assert_eq!(workflow.input("name").as_str(), "${workflow.input.name}");
    /// let greet = WorkflowTask::simple("greet", "greet_ref").with_input_param("name", workflow.input("name"));
    /// # let _ = greet;
    /// # Ok::<(), conductor_client::ConductorError>(())
    /// ```
    #[must_use]
    pub fn input(&self, path: impl AsRef<str>) -> Expr {
        Expr::workflow_input(path)
    }

    /// `${workflow.variables.<path>}`: a reference to one of this workflow's variables.
    ///
    /// ```
    /// # use conductor_client::{ConductorClient, ConductorWorkflow, Configuration};
    /// # let client = ConductorClient::new(Configuration::new("http://localhost:8080/api"))?;
    /// let workflow = ConductorWorkflow::new(&client, "order_fulfillment").with_variable("attempts", 0);
    /// assert_eq!(workflow.variable("attempts").as_str(), "${workflow.variables.attempts}");
    /// # Ok::<(), conductor_client::ConductorError>(())
    /// ```
    #[must_use]
    pub fn variable(&self, path: impl AsRef<str>) -> Expr {
        Expr::workflow_variable(path)
    }

    /// The workflow's name.
    ///
    /// ```
    /// # use conductor_client::{ConductorClient, ConductorWorkflow, Configuration};
    /// # let client = ConductorClient::new(Configuration::new("http://localhost:8080/api"))?;
    /// assert_eq!(ConductorWorkflow::new(&client, "greetings").name(), "greetings");
    /// # Ok::<(), conductor_client::ConductorError>(())
    /// ```
    #[must_use]
    pub fn name(&self) -> &str {
        &self.definition.name
    }

    /// The workflow's version.
    ///
    /// ```
    /// # use conductor_client::{ConductorClient, ConductorWorkflow, Configuration};
    /// # let client = ConductorClient::new(Configuration::new("http://localhost:8080/api"))?;
    /// assert_eq!(ConductorWorkflow::new(&client, "greetings").version(), 1);
    /// # Ok::<(), conductor_client::ConductorError>(())
    /// ```
    #[must_use]
    pub fn version(&self) -> i32 {
        self.definition.version
    }

    /// The definition built so far.
    ///
    /// ```
    /// # use conductor_client::{ConductorClient, ConductorWorkflow, Configuration};
    /// # let client = ConductorClient::new(Configuration::new("http://localhost:8080/api"))?;
    /// let workflow = ConductorWorkflow::new(&client, "greetings").with_description("Says hello");
    /// let def = workflow.definition();
    /// assert_eq!(def.name, "greetings");
    /// assert_eq!(def.description.as_deref(), Some("Says hello"));
    /// # Ok::<(), conductor_client::ConductorError>(())
    /// ```
    #[must_use]
    pub fn definition(&self) -> &WorkflowDef {
        &self.definition
    }

    /// A copy of the definition built so far, as [`register`](Self::register) sends it.
    ///
    /// ```
    /// use conductor_client::models::WorkflowTask;
    /// # use conductor_client::{ConductorClient, ConductorWorkflow, Configuration};
    /// # let client = ConductorClient::new(Configuration::new("http://localhost:8080/api"))?;
    ///
    /// let workflow = ConductorWorkflow::new(&client, "greetings").add(WorkflowTask::simple("greet", "greet_ref"));
    /// let json = serde_json::to_value(workflow.to_workflow_def())?;
    /// assert_eq!(json["name"], "greetings");
    /// assert_eq!(json["tasks"][0]["taskReferenceName"], "greet_ref");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn to_workflow_def(&self) -> WorkflowDef {
        self.definition.clone()
    }

    /// Checks the definition without sending anything (see [`WorkflowDef::validate`]).
    ///
    /// # Errors
    ///
    /// [`WorkflowValidationError`] listing every problem found.
    ///
    /// ```
    /// use conductor_client::models::WorkflowTask;
    /// # use conductor_client::{ConductorClient, ConductorWorkflow, Configuration};
    /// # let client = ConductorClient::new(Configuration::new("http://localhost:8080/api"))?;
    ///
    /// // Two tasks with the same reference name: caught before anything is sent.
    /// let workflow = ConductorWorkflow::new(&client, "broken")
    ///     .add(WorkflowTask::simple("a", "step_ref"))
    ///     .add(WorkflowTask::simple("b", "step_ref"));
    /// assert!(workflow.validate().is_err());
    /// # Ok::<(), conductor_client::ConductorError>(())
    /// ```
    pub fn validate(&self) -> std::result::Result<(), WorkflowValidationError> {
        self.definition.validate()
    }

    /// The definition as a Mermaid flowchart (see [`WorkflowDef::to_mermaid`]).
    ///
    /// ```
    /// use conductor_client::models::WorkflowTask;
    /// # use conductor_client::{ConductorClient, ConductorWorkflow, Configuration};
    /// # let client = ConductorClient::new(Configuration::new("http://localhost:8080/api"))?;
    ///
    /// let workflow = ConductorWorkflow::new(&client, "greetings").add(WorkflowTask::simple("greet", "greet_ref"));
    /// let chart = workflow.to_mermaid();
    /// assert!(chart.contains("greet_ref"));
    /// # Ok::<(), conductor_client::ConductorError>(())
    /// ```
    #[must_use]
    pub fn to_mermaid(&self) -> String {
        self.definition.to_mermaid()
    }

    /// The definition as a Graphviz DOT graph (see [`WorkflowDef::to_dot`]).
    ///
    /// ```
    /// use conductor_client::models::WorkflowTask;
    /// # use conductor_client::{ConductorClient, ConductorWorkflow, Configuration};
    /// # let client = ConductorClient::new(Configuration::new("http://localhost:8080/api"))?;
    ///
    /// let workflow = ConductorWorkflow::new(&client, "greetings").add(WorkflowTask::simple("greet", "greet_ref"));
    /// let dot = workflow.to_dot();
    /// assert!(dot.starts_with("digraph"));
    /// assert!(dot.contains("greet_ref"));
    /// # Ok::<(), conductor_client::ConductorError>(())
    /// ```
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
    ///
    /// ```no_run
    /// use conductor_client::{ConductorClient, ConductorWorkflow, Configuration, RegisterWorkflowError};
    /// use conductor_client::models::WorkflowTask;
    ///
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let client = ConductorClient::new(Configuration::from_env())?;
    /// let workflow = ConductorWorkflow::new(&client, "greetings").add(WorkflowTask::simple("greet", "greet_ref"));
    /// match workflow.register(true).await {
    ///     Ok(()) => {}
    ///     Err(RegisterWorkflowError::Invalid(problems)) => return Err(problems.into()),
    ///     Err(err) if err.is_retryable() => { /* try again later */ }
    ///     Err(err) => return Err(err.into()),
    /// }
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// ```
    /// use conductor_client::{ConductorClient, ConductorWorkflow, Configuration};
    /// # let client = ConductorClient::new(Configuration::new("http://localhost:8080/api"))?;
    ///
    /// let workflow = ConductorWorkflow::new(&client, "greetings").with_version(2);
    /// let mut request = workflow.start_request(&serde_json::json!({"name": "World"}))?;
    /// request.correlation_id = Some("order-42".to_owned());
    /// assert_eq!(request.name, "greetings");
    /// assert_eq!(request.version, Some(2));
    /// assert_eq!(request.input["name"], "World");
    /// // then: client.workflow_client().start_workflow(&request).await?
    /// # Ok::<(), conductor_client::ConductorError>(())
    /// ```
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
    ///
    /// ```no_run
    /// # use conductor_client::{ConductorClient, ConductorWorkflow, Configuration};
    /// # async fn run(workflow: ConductorWorkflow) -> conductor_client::Result<()> {
    /// let workflow_id = workflow.start(&serde_json::json!({"name": "World"})).await?;
    /// assert!(!workflow_id.is_empty());
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// # use conductor_client::{ConductorClient, ConductorWorkflow, Configuration};
    /// # async fn run(workflow: ConductorWorkflow) -> conductor_client::Result<()> {
    /// let run = workflow
    ///     .execute(&serde_json::json!({"name": "World"}), Duration::from_secs(10))
    ///     .await?;
    /// let greeting = run.output.get("greeting");
    /// # let _ = greeting;
    /// # Ok(())
    /// # }
    /// ```
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
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use conductor_client::ExecuteOptions;
    /// # use conductor_client::{ConductorClient, ConductorWorkflow, Configuration};
    /// # async fn run(workflow: ConductorWorkflow) -> conductor_client::Result<()> {
    /// // Return as soon as the approval task is reached, at most 30 s.
    /// let options = ExecuteOptions::new()
    ///     .wait_for(Duration::from_secs(30))
    ///     .wait_until_task_ref("approval_ref");
    /// let response = workflow.execute_with(&serde_json::json!({"orderId": "order-42"}), &options).await?;
    /// # let _ = response;
    /// # Ok(())
    /// # }
    /// ```
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
///
/// ```
/// use conductor_client::{ConductorClient, ConductorWorkflow, Configuration, RegisterWorkflowError};
/// use conductor_client::models::WorkflowTask;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> conductor_client::Result<()> {
/// let client = ConductorClient::new(Configuration::new("http://localhost:8080/api"))?;
/// let workflow = ConductorWorkflow::new(&client, "broken")
///     .add(WorkflowTask::simple("a", "step_ref"))
///     .add(WorkflowTask::simple("b", "step_ref"));
/// // Invalid definitions are refused before any request is sent.
/// let err = workflow.register(false).await.unwrap_err();
/// assert!(matches!(err, RegisterWorkflowError::Invalid(_)));
/// assert!(!err.is_retryable());
/// # Ok(())
/// # }
/// ```
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
    ///
    /// ```
    /// use conductor_client::{ConductorClient, ConductorWorkflow, Configuration};
    /// use conductor_client::models::WorkflowTask;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> conductor_client::Result<()> {
    /// let client = ConductorClient::new(Configuration::new("http://localhost:8080/api"))?;
    /// let workflow = ConductorWorkflow::new(&client, "broken")
    ///     .add(WorkflowTask::simple("a", "step_ref"))
    ///     .add(WorkflowTask::simple("b", "step_ref"));
    /// let err = workflow.register(false).await.unwrap_err();
    /// let problems = err.validation_error().expect("refused as invalid");
    /// assert!(problems.to_string().contains("step_ref"));
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn validation_error(&self) -> Option<&WorkflowValidationError> {
        match self {
            Self::Invalid(error) => Some(error),
            Self::Conductor(_) => None,
        }
    }

    /// Whether trying again later may succeed (never for an invalid definition).
    ///
    /// ```no_run
    /// # use conductor_client::ConductorWorkflow;
    /// # async fn run(workflow: ConductorWorkflow) {
    /// if let Err(err) = workflow.register(true).await {
    ///     if err.is_retryable() {
    ///         // The server was unreachable or busy: try again later.
    ///     } else {
    ///         // Invalid definition or refused by the server: fix it first.
    ///     }
    /// }
    /// # }
    /// ```
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
