//! Metadata: task definitions, workflow definitions (versions) and event handlers, with the
//! validation conductor-oss applies on registration (`MetadataServiceImpl`, the constraint
//! validators in `common/.../constraints` and `core/.../validations`).

use std::collections::{BTreeMap, HashSet};

use conductor_models::{
    BulkResponse, EventHandler, TaskDef, TaskType, WorkflowDef, WorkflowDefSummary, WorkflowTask,
};

use super::def_tree;
use super::error::{EngineError, EngineResult, Violation};
use super::executor::Exec;

/// Checks a task definition; `path` prefixes the violation paths.
///
/// Names are `@NotEmpty` in conductor-oss, not `@NotBlank`: a name of spaces passes (3.21.14 and
/// 3.32.3 register a task definition, a workflow definition, its tasks and an event handler
/// named `" "`), as do the violation paths' `arg0` (its classes are compiled without parameter
/// names).
pub(crate) fn validate_task_def(def: &TaskDef, path: &str) -> Vec<Violation> {
    let mut errors = Vec::new();
    if def.name.is_empty() {
        errors.push(Violation::new(
            format!("{path}.name"),
            "TaskDef name cannot be null or empty",
        ));
    }
    // A violated number carries its value (`invalidValue`), as conductor-oss's do; its message
    // templates name the bound where they mean the value (`0 must be >= 0`).
    let number = |field: &str, message: String, value: String| {
        Violation::with_value(format!("{path}.{field}"), message, value)
    };
    if def.retry_count < 0 {
        errors.push(number(
            "retryCount",
            "TaskDef retryCount: 0 must be >= 0".to_owned(),
            def.retry_count.to_string(),
        ));
    }
    if def.response_timeout_seconds < 1 {
        errors.push(number(
            "responseTimeoutSeconds",
            format!(
                "TaskDef responseTimeoutSeconds: {} should be minimum 1 second",
                def.response_timeout_seconds
            ),
            def.response_timeout_seconds.to_string(),
        ));
    }
    if def.timeout_seconds > 0 && def.response_timeout_seconds > def.timeout_seconds {
        errors.push(Violation::new(
            path,
            format!(
                "TaskDef: {} responseTimeoutSeconds: {} must be less than timeoutSeconds: {}",
                def.name, def.response_timeout_seconds, def.timeout_seconds
            ),
        ));
    }
    // 3.32.3's bound; 3.21.14 does not check it.
    if def.total_timeout_seconds < 0 {
        errors.push(number(
            "totalTimeoutSeconds",
            "TaskDef totalTimeoutSeconds: 0 must be >= 0".to_owned(),
            def.total_timeout_seconds.to_string(),
        ));
    }
    if def.total_timeout_seconds > 0 && def.timeout_seconds > def.total_timeout_seconds {
        errors.push(Violation::new(
            path,
            format!(
                "TaskDef: {} timeoutSeconds: {} must be less than or equal to totalTimeoutSeconds: {}",
                def.name, def.timeout_seconds, def.total_timeout_seconds
            ),
        ));
    }
    if def.backoff_scale_factor < 1 {
        errors.push(number(
            "backoffScaleFactor",
            "Backoff scale factor. Applicable for LINEAR_BACKOFF".to_owned(),
            def.backoff_scale_factor.to_string(),
        ));
    }
    if let Some(poll_timeout) = def.poll_timeout_seconds.filter(|p| *p < 0) {
        errors.push(number(
            "pollTimeoutSeconds",
            "TaskDef pollTimeoutSeconds: 0 must be >= 0".to_owned(),
            poll_timeout.to_string(),
        ));
    }
    errors
}

fn required(task: &WorkflowTask, field: &str) -> String {
    format!(
        "{field} field is required for taskType: {} taskName: {}",
        task.task_type, task.name
    )
}

fn at_least_one(task: &WorkflowTask, field: &str) -> String {
    format!(
        "{field} should have atleast one task for taskType: {} taskName: {}",
        task.task_type, task.name
    )
}

/// Whether the registered definition of a task name has a key in its input template: the
/// metadata conductor-oss's validators read (`ValidationContext.getMetadataDAO()`).
pub(crate) type TemplateLookup<'a> = &'a dyn Fn(&str, &str) -> bool;

/// What a workflow task of its type lacks (`WorkflowTaskTypeConstraint`). As there, a field
/// counts as given when it is not null (an empty string passes); a list or map of tasks must
/// not be empty.
fn type_violations(task: &WorkflowTask, template_has: TemplateLookup<'_>) -> Vec<String> {
    let input = &task.input_parameters;
    // An input parameter of the task, or a key of its definition's input template (the
    // embedded definition, else the registered one).
    let configured = |key: &str| {
        input.contains_key(key)
            || match &task.task_definition {
                Some(def) => def.input_template.contains_key(key),
                None => template_has(&task.name, key),
            }
    };
    let mut violations = Vec::new();
    match task.task_type {
        TaskType::Switch => {
            if task.evaluator_type.is_none() {
                violations.push(required(task, "evaluatorType"));
            } else if task.expression.is_none() {
                violations.push(required(task, "expression"));
            }
            if task.decision_cases.is_empty() {
                violations.push(at_least_one(task, "decisionCases"));
            }
        }
        TaskType::Decision => {
            if task.case_value_param.is_none() && task.case_expression.is_none() {
                violations.push(required(task, "caseValueParam or caseExpression"));
            }
            if task.decision_cases.is_empty() {
                violations.push(at_least_one(task, "decisionCases"));
            }
        }
        TaskType::ForkJoin if task.fork_tasks.is_empty() => {
            violations.push(at_least_one(task, "forkTasks"));
        }
        // The "simple" style of 3.22+ (`forkTaskName` + `forkTaskInputs`) needs neither
        // parameter: 3.32 lets any task with `forkTaskInputs` through.
        TaskType::ForkJoinDynamic if input.contains_key("forkTaskInputs") => {}
        TaskType::ForkJoinDynamic => {
            let tasks_param = task.dynamic_fork_tasks_param.is_some();
            let input_param = task.dynamic_fork_tasks_input_param_name.is_some();
            if task.dynamic_fork_join_tasks_param.is_some() {
                if tasks_param || input_param {
                    violations.push(format!(
                        "dynamicForkJoinTasksParam or combination of dynamicForkTasksInputParamName and dynamicForkTasksParam cam be used for taskType: {} taskName: {}",
                        task.task_type, task.name
                    ));
                }
            } else {
                if !tasks_param {
                    violations.push(required(task, "dynamicForkTasksParam"));
                }
                if !input_param {
                    violations.push(required(task, "dynamicForkTasksInputParamName"));
                }
            }
        }
        TaskType::Dynamic if task.dynamic_task_name_param.is_none() => {
            violations.push(required(task, "dynamicTaskNameParam"));
        }
        TaskType::DoWhile => {
            if task.loop_condition.is_none() {
                violations.push(required(task, "loopCondition"));
            }
            if task.loop_over.is_empty() {
                violations.push(required(task, "loopOver"));
            }
        }
        TaskType::SubWorkflow if task.sub_workflow_param.is_none() => {
            violations.push(required(task, "subWorkflowParam"));
        }
        TaskType::JsonJqTransform if !configured("queryExpression") => {
            violations.push(required(task, "inputParameters.queryExpression"));
        }
        TaskType::KafkaPublish if !configured("kafka_request") => {
            violations.push(required(task, "inputParameters.kafka_request"));
        }
        // 3.32 takes a top-level `uri` too (3.21 wanted `http_request`).
        TaskType::Http if !configured("http_request") && !configured("uri") => {
            violations.push(required(
                task,
                "inputParameters.http_request or inputParameters.uri",
            ));
        }
        TaskType::Event if task.sink.is_none() => violations.push(required(task, "sink")),
        TaskType::Wait => violations.extend(wait_violations(input)),
        _ => {}
    }
    violations
}

/// `isWaitTaskValid`: not both `duration` and `until`; a literal `duration` must parse as one
/// (`1h 30m`, `10s`; not ISO-8601, not a bare number) and, failing a `duration`, a literal
/// `until` as a date (`yyyy-MM-dd[ HH:mm[ z]]`). An expression (`${...}` at the start) is
/// checked when the task runs. Values are read as Java's `toString` gives them.
fn wait_violations(input: &conductor_models::JsonMap) -> Vec<String> {
    let text = |key: &str| match input.get(key) {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::String(text)) => text.clone(),
        Some(other) => other.to_string(),
    };
    let (duration, until) = (text("duration"), text("until"));
    let given = |value: &str| !value.trim().is_empty();
    let mut violations = Vec::new();
    if given(&duration) && given(&until) {
        violations.push(
            "Both 'duration' and 'until' specified. Please provide only one input".to_owned(),
        );
    }
    if given(&duration) && !duration.starts_with("${") {
        if super::tasks::parse_duration(&duration).is_none() {
            // conductor-oss's text for any duration `DateTimeUtils.parseDuration` refuses.
            violations.push("Either date or duration is passed as null ".to_owned());
        }
    } else if given(&until)
        && !until.starts_with("${")
        && super::tasks::parse_until(&until).is_none()
    {
        violations.push("Unable to parse date ".to_owned());
    }
    violations
}

fn validate_workflow_task(
    task: &WorkflowTask,
    path: &str,
    template_has: TemplateLookup<'_>,
    errors: &mut Vec<Violation>,
) {
    if task.name.is_empty() {
        errors.push(Violation::new(
            format!("{path}.name"),
            "WorkflowTask name cannot be empty or null",
        ));
    }
    if task.task_reference_name.is_empty() {
        errors.push(Violation::new(
            format!("{path}.taskReferenceName"),
            "WorkflowTask taskReferenceName name cannot be empty or null",
        ));
    }
    if task.start_delay < 0 {
        errors.push(Violation::with_value(
            format!("{path}.startDelay"),
            "must be greater than or equal to 0",
            task.start_delay,
        ));
    }
    let input = &task.input_parameters;
    for message in type_violations(task, template_has) {
        errors.push(Violation::new(path, message));
    }
    // `WorkflowTaskTypeConstraint.isTerminateTaskValid`: a literal COMPLETED, FAILED or
    // TERMINATED (`Terminate.validateInputStatus`).
    let status_ok = input
        .get("terminationStatus")
        .and_then(serde_json::Value::as_str)
        .is_some_and(|s| ["COMPLETED", "FAILED", "TERMINATED"].contains(&s));
    if task.task_type == TaskType::Terminate && !status_ok {
        errors.push(Violation::new(
            path,
            format!(
                "terminate task must have an terminationStatus parameter and must be set to COMPLETED or FAILED, taskName: {}",
                task.name
            ),
        ));
    }
    if task.task_type == TaskType::Terminate && task.optional {
        errors.push(Violation::new(
            path,
            format!("terminate task cannot be optional, taskName: {}", task.name),
        ));
    }
    if let Some(td) = &task.task_definition {
        errors.extend(validate_task_def(td, &format!("{path}.taskDefinition")));
    }
    for (i, list) in def_tree::children(task).into_iter().enumerate() {
        for (j, child) in list.iter().enumerate() {
            validate_workflow_task(child, &format!("{path}[{i}][{j}]"), template_has, errors);
        }
    }
}

/// Checks a workflow definition.
pub(crate) fn validate_workflow_def(
    def: &WorkflowDef,
    path: &str,
    template_has: TemplateLookup<'_>,
) -> Vec<Violation> {
    let mut errors = Vec::new();
    if def.name.is_empty() {
        errors.push(Violation::new(
            format!("{path}.name"),
            "WorkflowDef name cannot be null or empty",
        ));
    }
    if def.tasks.is_empty() {
        errors.push(Violation::new(
            format!("{path}.tasks"),
            "WorkflowTask list cannot be empty",
        ));
    }
    if def.schema_version != 2 {
        errors.push(Violation::with_value(
            format!("{path}.schemaVersion"),
            "workflowDef schemaVersion: 2 is only supported",
            def.schema_version,
        ));
    }
    // A negative `timeoutSeconds` passes (3.21.14 and 3.32.3 register it): it never times out.
    for (i, task) in def.tasks.iter().enumerate() {
        validate_workflow_task(
            task,
            &format!("{path}.tasks[{i}]"),
            template_has,
            &mut errors,
        );
    }
    let mut all = Vec::new();
    def_tree::all(&def.tasks, &mut all);
    // `TaskReferenceNameUniqueConstraint.verifyTaskInputParameters`: the top-level tasks'
    // input expressions must be well-formed paths into the workflow or one of its tasks.
    for task in &def.tasks {
        for message in validate_input_params(&task.input_parameters, &task.name, &all) {
            errors.push(Violation::new(path, message));
        }
    }
    let mut seen = HashSet::new();
    for task in all {
        if !task.task_reference_name.is_empty() && !seen.insert(task.task_reference_name.as_str()) {
            errors.push(Violation::new(
                path,
                format!(
                    "taskReferenceName: {} should be unique across tasks for a given workflowDefinition: {}",
                    task.task_reference_name, def.name
                ),
            ));
        }
    }
    errors
}

/// conductor-oss `ConstraintParamUtil.validateInputParam`: every `${path}` in a string value (in
/// nested maps and lists too) must be a valid JsonPath, and a path that is not under `workflow`
/// (nor a system parameter or environment variable) must start with a task reference name of
/// the definition.
fn validate_input_params(
    input: &conductor_models::JsonMap,
    task_name: &str,
    all: &[&WorkflowTask],
) -> Vec<String> {
    let mut errors = Vec::new();
    for (key, value) in input {
        validate_input_value(key, value, task_name, all, &mut errors);
    }
    errors
}

fn validate_input_value(
    key: &str,
    value: &serde_json::Value,
    task_name: &str,
    all: &[&WorkflowTask],
    errors: &mut Vec<String>,
) {
    match value {
        serde_json::Value::String(text) => {
            validate_input_string(key, text, task_name, all, errors);
        }
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                validate_input_value(k, v, task_name, all, errors);
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                // List elements report the list's key; maps inside restart with their own keys.
                validate_input_value(key, item, task_name, all, errors);
            }
        }
        _ => {}
    }
}

fn validate_input_string(
    key: &str,
    text: &str,
    task_name: &str,
    all: &[&WorkflowTask],
    errors: &mut Vec<String>,
) {
    for piece in split_expressions(text) {
        let Some(path) = piece
            .strip_prefix("${")
            .and_then(|rest| rest.strip_suffix('}'))
        else {
            continue;
        };
        if !is_valid_json_path(path) {
            errors.push(format!(
                "key: {key} input parameter value: {path} is not valid"
            ));
            continue;
        }
        let system = ["CPEWF_TASK_ID", "NETFLIX_ENV", "NETFLIX_STACK"].contains(&path)
            || std::env::var_os(path).is_some();
        if system {
            continue;
        }
        let first = path.split('.').next().unwrap_or_default();
        if first != "workflow" && !all.iter().any(|t| t.task_reference_name == first) {
            errors.push(format!(
                "taskReferenceName: {first} for given task: {task_name} input value: {key} of input parameter: {text} is not defined in workflow definition."
            ));
        }
    }
}

/// Java's `value.split("(?=(?<!\\$)\\$\\{)|(?<=\\})")`: a cut before every `${` not preceded by
/// `$`, and after every `}`.
fn split_expressions(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut cuts = Vec::new();
    for i in 0..bytes.len() {
        let opens =
            bytes[i] == b'$' && bytes.get(i + 1) == Some(&b'{') && (i == 0 || bytes[i - 1] != b'$');
        if opens && i > 0 {
            cuts.push(i);
        }
        if bytes[i] == b'}' && i + 1 < bytes.len() {
            cuts.push(i + 1);
        }
    }
    cuts.dedup();
    let mut pieces = Vec::new();
    let mut start = 0;
    for cut in cuts {
        if cut > start {
            pieces.push(&text[start..cut]);
            start = cut;
        }
    }
    pieces.push(&text[start..]);
    pieces
}

/// An approximation of Jayway `JsonPath.compile` succeeding: not blank, balanced brackets and
/// quotes, and no whitespace outside them.
fn is_valid_json_path(path: &str) -> bool {
    if path.trim().is_empty() {
        return false;
    }
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    for c in path.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') if depth > 0 => quote = Some(c),
            (None, '[' | '(') => depth += 1,
            (None, ']' | ')') => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            (None, c) if c.is_whitespace() && depth == 0 => return false,
            _ => {}
        }
    }
    depth == 0 && quote.is_none()
}

fn check(errors: Vec<Violation>) -> EngineResult<()> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(EngineError::Validation(errors))
    }
}

impl Exec<'_> {
    /// Whether the registered definition of `name` has `key` in its input template.
    pub(crate) fn template_has(&self, name: &str, key: &str) -> bool {
        self.store
            .task_defs
            .get(name)
            .is_some_and(|def| def.input_template.contains_key(key))
    }

    /// `POST /metadata/taskdefs`: upsert a list.
    pub(crate) fn register_task_defs(&mut self, defs: Vec<TaskDef>) -> EngineResult<()> {
        if defs.is_empty() {
            return Err(EngineError::Validation(vec![Violation::new(
                "registerTaskDef.arg0",
                "TaskDefList is empty",
            )]));
        }
        let mut errors = Vec::new();
        for (i, def) in defs.iter().enumerate() {
            errors.extend(validate_task_def(
                def,
                &format!("registerTaskDef.arg0[{i}]"),
            ));
        }
        check(errors)?;
        for mut def in defs {
            def.create_time = Some(self.now);
            // OSS clears it; its getter answers 0 for an unset time.
            def.update_time = Some(0);
            def.updated_by = None;
            self.store.task_defs.insert(def.name.clone(), def);
        }
        Ok(())
    }

    /// `PUT /metadata/taskdefs`.
    pub(crate) fn update_task_def(&mut self, mut def: TaskDef) -> EngineResult<()> {
        check(validate_task_def(&def, "updateTaskDef.arg0"))?;
        let Some(existing) = self.store.task_defs.get(&def.name) else {
            return Err(EngineError::NotFound(format!(
                "No such task by name {}",
                def.name
            )));
        };
        def.create_time = existing.create_time;
        def.update_time = Some(self.now);
        self.store.task_defs.insert(def.name.clone(), def);
        Ok(())
    }

    /// `GET /metadata/taskdefs/{name}`.
    pub(crate) fn task_def(&self, name: &str) -> EngineResult<TaskDef> {
        self.store
            .task_defs
            .get(name)
            .cloned()
            .ok_or_else(|| EngineError::NotFound(format!("No such taskType found by name: {name}")))
    }

    /// `DELETE /metadata/taskdefs/{name}`.
    pub(crate) fn delete_task_def(&mut self, name: &str) -> EngineResult<()> {
        self.store
            .task_defs
            .remove(name)
            .map(|_| ())
            .ok_or_else(|| EngineError::NotFound("No such task definition".into()))
    }

    /// `POST /metadata/workflow?overwrite=`.
    pub(crate) fn register_workflow_def(
        &mut self,
        mut def: WorkflowDef,
        overwrite: bool,
    ) -> EngineResult<()> {
        let exists = self
            .store
            .workflow_def(&def.name, Some(def.version))
            .cloned();
        // conductor-oss 3.32 refuses a registration without `overwrite` over an existing
        // name and version before it looks at the body (3.21 validated first).
        if exists.is_some() && !overwrite {
            return Err(EngineError::Conflict(format!(
                "Workflow with {}.{} already exists!",
                def.name, def.version
            )));
        }
        check(validate_workflow_def(
            &def,
            "registerWorkflowDef.arg0",
            &|name, key| self.template_has(name, key),
        ))?;
        match exists {
            // An update replaces the whole definition: the creation time is whatever the
            // request carries (OSS's `updateWorkflowDef` keeps nothing of the stored one).
            Some(_) => {
                def.create_time = Some(def.create_time.unwrap_or(0));
                def.update_time = Some(self.now);
            }
            None => {
                def.create_time = Some(self.now);
                def.update_time = Some(def.update_time.unwrap_or(0));
            }
        }
        self.store
            .workflow_defs
            .entry_or_default(def.name.clone())
            .insert(def.version, def);
        Ok(())
    }

    /// `POST /metadata/workflow/validate`.
    pub(crate) fn validate_workflow(&self, def: &WorkflowDef) -> EngineResult<()> {
        check(validate_workflow_def(
            def,
            "validateWorkflowDef.arg0",
            &|name, key| self.template_has(name, key),
        ))
    }

    /// `PUT /metadata/workflow`: upsert a list.
    pub(crate) fn update_workflow_defs(
        &mut self,
        defs: Vec<WorkflowDef>,
    ) -> EngineResult<BulkResponse<String>> {
        if defs.is_empty() {
            return Err(EngineError::Validation(vec![Violation::new(
                "updateWorkflowDef.arg0",
                "WorkflowDefList is empty",
            )]));
        }
        let mut errors = Vec::new();
        for (i, def) in defs.iter().enumerate() {
            errors.extend(validate_workflow_def(
                def,
                &format!("updateWorkflowDef.arg0[{i}]"),
                &|name, key| self.template_has(name, key),
            ));
        }
        check(errors)?;
        let mut response = BulkResponse {
            bulk_successful_results: Vec::new(),
            bulk_error_results: BTreeMap::new(),
            message: None,
        };
        for mut def in defs {
            // As `MetadataServiceImpl.updateWorkflowDef`: only the update time is set; the
            // creation time is the request's (0 when it has none), even for a new definition.
            def.create_time = Some(def.create_time.unwrap_or(0));
            def.update_time = Some(self.now);
            response.bulk_successful_results.push(def.name.clone());
            self.store
                .workflow_defs
                .entry_or_default(def.name.clone())
                .insert(def.version, def);
        }
        Ok(response)
    }

    /// `GET /metadata/workflow/{name}?version=`.
    pub(crate) fn get_workflow_def(
        &self,
        name: &str,
        version: Option<i32>,
    ) -> EngineResult<WorkflowDef> {
        self.store
            .workflow_def(name, version)
            .cloned()
            .ok_or_else(|| {
                EngineError::NotFound(format!(
                    "No such workflow found by name: {name}, version: {}",
                    version.map_or("null".into(), |v| v.to_string())
                ))
            })
    }

    /// `DELETE /metadata/workflow/{name}/{version}`.
    pub(crate) fn delete_workflow_def(&mut self, name: &str, version: i32) -> EngineResult<()> {
        let removed = self
            .store
            .workflow_defs
            .get_mut(name)
            .and_then(|m| m.remove(&version));
        if self
            .store
            .workflow_defs
            .get(name)
            .is_some_and(BTreeMap::is_empty)
        {
            self.store.workflow_defs.remove(name);
        }
        removed.map(|_| ()).ok_or_else(|| {
            EngineError::NotFound(format!(
                "No such workflow definition: {name} version: {version}"
            ))
        })
    }

    /// Every version of every workflow definition.
    pub(crate) fn all_workflow_defs(&self) -> Vec<WorkflowDef> {
        self.store
            .workflow_defs
            .values()
            .flat_map(|m| m.values().cloned())
            .collect()
    }

    /// The latest version of each definition.
    pub(crate) fn latest_workflow_defs(&self) -> Vec<WorkflowDef> {
        self.store
            .workflow_defs
            .values()
            .filter_map(|m| m.values().next_back().cloned())
            .collect()
    }

    /// Summaries of the versions of one definition name.
    pub(crate) fn workflow_def_versions(&self, name: &str) -> Vec<WorkflowDefSummary> {
        self.store
            .workflow_defs
            .get(name)
            .map(|m| m.values().map(summary).collect())
            .unwrap_or_default()
    }

    /// `{name: [summaries]}` for all definitions.
    pub(crate) fn names_and_versions(&self) -> BTreeMap<String, Vec<WorkflowDefSummary>> {
        self.store
            .workflow_defs
            .iter()
            .map(|(name, m)| (name.clone(), m.values().map(summary).collect()))
            .collect()
    }

    /// `POST /event`.
    pub(crate) fn add_event_handler(
        &mut self,
        handler: EventHandler,
        actions_null: bool,
    ) -> EngineResult<()> {
        check(validate_event_handler(
            &handler,
            actions_null,
            "addEventHandler.arg0",
        ))?;
        if self.store.event_handlers.contains_key(&handler.name) {
            return Err(EngineError::Conflict(format!(
                "EventHandler with name {} already exists!",
                handler.name
            )));
        }
        self.store
            .event_handlers
            .insert(handler.name.clone(), handler);
        Ok(())
    }

    /// `PUT /event`.
    pub(crate) fn update_event_handler(
        &mut self,
        handler: EventHandler,
        actions_null: bool,
    ) -> EngineResult<()> {
        check(validate_event_handler(
            &handler,
            actions_null,
            "updateEventHandler.arg0",
        ))?;
        if !self.store.event_handlers.contains_key(&handler.name) {
            return Err(EngineError::NotFound(format!(
                "EventHandler with name {} not found!",
                handler.name
            )));
        }
        self.store
            .event_handlers
            .insert(handler.name.clone(), handler);
        Ok(())
    }

    /// `DELETE /event/{name}`.
    pub(crate) fn remove_event_handler(&mut self, name: &str) -> EngineResult<()> {
        self.store
            .event_handlers
            .remove(name)
            .map(|_| ())
            .ok_or_else(|| {
                EngineError::NotFound(format!("EventHandler with name {name} not found!"))
            })
    }

    /// `GET /event/{event}?activeOnly=`.
    pub(crate) fn event_handlers_for(&self, event: &str, active_only: bool) -> Vec<EventHandler> {
        self.store
            .event_handlers
            .values()
            .filter(|h| h.event == event && (!active_only || h.active))
            .cloned()
            .collect()
    }
}

fn summary(def: &WorkflowDef) -> WorkflowDefSummary {
    WorkflowDefSummary {
        name: def.name.clone(),
        version: def.version,
        create_time: def.create_time,
        update_time: def.update_time,
    }
}

/// An event handler's constraints; `actions_null` when its body set `actions` to `null`, which
/// also breaks its `@NotNull` (listed first, as 3.32.3 does; 3.21.14 lists it second).
fn validate_event_handler(
    handler: &EventHandler,
    actions_null: bool,
    path: &str,
) -> Vec<Violation> {
    let mut errors = Vec::new();
    if actions_null {
        errors.push(Violation::new(
            format!("{path}.actions"),
            "must not be null",
        ));
    }
    if handler.name.is_empty() {
        errors.push(Violation::new(
            format!("{path}.name"),
            "Missing event handler name",
        ));
    }
    if handler.event.is_empty() {
        errors.push(Violation::new(
            format!("{path}.event"),
            "Missing event location",
        ));
    }
    if handler.actions.is_empty() {
        errors.push(Violation::new(
            format!("{path}.actions"),
            "No actions specified. Please specify at-least one action",
        ));
    }
    errors
}
