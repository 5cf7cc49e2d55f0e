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
pub(crate) fn validate_task_def(def: &TaskDef, path: &str) -> Vec<Violation> {
    let mut errors = Vec::new();
    if def.name.trim().is_empty() {
        errors.push(Violation::new(
            format!("{path}.name"),
            "TaskDef name cannot be null or empty",
        ));
    }
    if def.retry_count < 0 {
        errors.push(Violation::new(
            format!("{path}.retryCount"),
            format!("TaskDef retryCount: {} must be >= 0", def.retry_count),
        ));
    }
    if def.response_timeout_seconds < 1 {
        errors.push(Violation::new(
            format!("{path}.responseTimeoutSeconds"),
            format!(
                "TaskDef responseTimeoutSeconds: {} must be greater than 0",
                def.response_timeout_seconds
            ),
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
        errors.push(Violation::new(
            format!("{path}.backoffScaleFactor"),
            format!(
                "TaskDef backoffScaleFactor: {} must be >= 1",
                def.backoff_scale_factor
            ),
        ));
    }
    if def.poll_timeout_seconds.is_some_and(|p| p < 0) {
        errors.push(Violation::new(
            format!("{path}.pollTimeoutSeconds"),
            "TaskDef pollTimeoutSeconds: must be >= 0",
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

/// The fields a workflow task of its type must have and lacks (`WorkflowTaskTypeConstraint`).
fn missing_fields(task: &WorkflowTask) -> Vec<&'static str> {
    let input = &task.input_parameters;
    match task.task_type {
        TaskType::Switch => {
            let mut m = Vec::new();
            if task.evaluator_type.as_deref().is_none_or(str::is_empty) {
                m.push("evaluatorType");
            }
            if task.expression.as_deref().is_none_or(str::is_empty) {
                m.push("expression");
            }
            if task.decision_cases.is_empty() {
                m.push("decisionCases");
            }
            m
        }
        TaskType::Decision => {
            let mut m = Vec::new();
            if task.case_value_param.is_none() && task.case_expression.is_none() {
                m.push("caseValueParam or caseExpression");
            }
            if task.decision_cases.is_empty() {
                m.push("decisionCases");
            }
            m
        }
        TaskType::ForkJoin if task.fork_tasks.is_empty() => vec!["forkTasks"],
        TaskType::Dynamic if task.dynamic_task_name_param.is_none() => vec!["dynamicTaskNameParam"],
        TaskType::DoWhile => {
            let mut m = Vec::new();
            if task.loop_condition.as_deref().is_none_or(str::is_empty) {
                m.push("loopCondition");
            }
            if task.loop_over.is_empty() {
                m.push("loopOver");
            }
            m
        }
        TaskType::SubWorkflow if task.sub_workflow_param.is_none() => vec!["subWorkflowParam"],
        TaskType::JsonJqTransform if !input.contains_key("queryExpression") => {
            vec!["inputParameters.queryExpression"]
        }
        TaskType::KafkaPublish if !input.contains_key("kafka_request") => {
            vec!["inputParameters.kafka_request"]
        }
        TaskType::Http if !input.contains_key("http_request") && !input.contains_key("uri") => {
            vec!["inputParameters.http_request"]
        }
        TaskType::Event if task.sink.as_deref().is_none_or(str::is_empty) => vec!["sink"],
        _ => Vec::new(),
    }
}

fn validate_workflow_task(task: &WorkflowTask, path: &str, errors: &mut Vec<Violation>) {
    if task.name.trim().is_empty() {
        errors.push(Violation::new(
            path,
            "WorkflowTask name cannot be empty or null",
        ));
    }
    if task.task_reference_name.trim().is_empty() {
        errors.push(Violation::new(
            path,
            "WorkflowTask taskReferenceName name cannot be empty or null",
        ));
    }
    let input = &task.input_parameters;
    let missing = missing_fields(task);
    for field in missing {
        errors.push(Violation::new(path, required(task, field)));
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
    // `isWaitTaskValid`.
    let non_blank = |key: &str| {
        input.get(key).is_some_and(|v| match v {
            serde_json::Value::Null => false,
            serde_json::Value::String(s) => !s.trim().is_empty(),
            _ => true,
        })
    };
    if task.task_type == TaskType::Wait && non_blank("duration") && non_blank("until") {
        errors.push(Violation::new(
            path,
            "Both 'duration' and 'until' specified. Please provide only one input",
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
            validate_workflow_task(child, &format!("{path}[{i}][{j}]"), errors);
        }
    }
}

/// Checks a workflow definition.
pub(crate) fn validate_workflow_def(def: &WorkflowDef, path: &str) -> Vec<Violation> {
    let mut errors = Vec::new();
    if def.name.trim().is_empty() {
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
        errors.push(Violation::new(
            format!("{path}.schemaVersion"),
            "workflowDef schemaVersion: 2 is only supported",
        ));
    }
    if def.timeout_seconds < 0 {
        errors.push(Violation::new(
            format!("{path}.timeoutSeconds"),
            "timeoutSeconds must be >= 0",
        ));
    }
    for (i, task) in def.tasks.iter().enumerate() {
        validate_workflow_task(task, &format!("{path}.tasks[{i}]"), &mut errors);
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
    /// `POST /metadata/taskdefs`: upsert a list.
    pub(crate) fn register_task_defs(&mut self, defs: Vec<TaskDef>) -> EngineResult<()> {
        if defs.is_empty() {
            return Err(EngineError::Validation(vec![Violation::new(
                "registerTaskDef.taskDefinitions",
                "TaskDefList cannot be empty or null",
            )]));
        }
        let mut errors = Vec::new();
        for (i, def) in defs.iter().enumerate() {
            errors.extend(validate_task_def(
                def,
                &format!("registerTaskDef.taskDefinitions[{i}]"),
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
        check(validate_task_def(&def, "updateTaskDef.taskDefinition"))?;
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
            "registerWorkflowDef.workflowDef",
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
            "validateWorkflowDef.workflowDef",
        ))
    }

    /// `PUT /metadata/workflow`: upsert a list.
    pub(crate) fn update_workflow_defs(
        &mut self,
        defs: Vec<WorkflowDef>,
    ) -> EngineResult<BulkResponse<String>> {
        if defs.is_empty() {
            return Err(EngineError::Validation(vec![Violation::new(
                "updateWorkflowDef.workflowDefs",
                "WorkflowDef list name cannot be null or empty",
            )]));
        }
        let mut errors = Vec::new();
        for (i, def) in defs.iter().enumerate() {
            errors.extend(validate_workflow_def(
                def,
                &format!("updateWorkflowDef.workflowDefs[{i}]"),
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
    pub(crate) fn add_event_handler(&mut self, handler: EventHandler) -> EngineResult<()> {
        check(validate_event_handler(
            &handler,
            "addEventHandler.eventHandler",
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
    pub(crate) fn update_event_handler(&mut self, handler: EventHandler) -> EngineResult<()> {
        check(validate_event_handler(
            &handler,
            "updateEventHandler.eventHandler",
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

fn validate_event_handler(handler: &EventHandler, path: &str) -> Vec<Violation> {
    let mut errors = Vec::new();
    if handler.name.trim().is_empty() {
        errors.push(Violation::new(
            format!("{path}.name"),
            "Missing event handler name",
        ));
    }
    if handler.event.trim().is_empty() {
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
