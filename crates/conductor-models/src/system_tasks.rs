//! Builders for the system tasks of a [`WorkflowTask`] beyond the basic ones: `JSON_JQ_TRANSFORM`,
//! `EVENT`, `HUMAN`, `START_WORKFLOW`, `KAFKA_PUBLISH`, `HTTP_POLL` (and [`PollingStrategy`]),
//! `WAIT_FOR_WEBHOOK`, `GET_DOCUMENT`.
//!
//! Input names were read from the servers: the OSS tasks and mappers (`JsonJqTransform`, `Event`,
//! `StartWorkflow`, `KafkaPublishTask.Input`) and, for the Orkes-only types (`HTTP_POLL`,
//! `WAIT_FOR_WEBHOOK`, `GET_DOCUMENT`), the Orkes Python SDK (`http_poll_task.py`,
//! `wait_for_webhook_task.py`, `get_document.py`) and the HTTP-poll page of the conductor-oss
//! documentation. As for the other system tasks, the task `name` is the reference name.

use serde_json::Value;

use crate::wire_enum::wire_enum;
use crate::{StartWorkflowRequest, TaskType, WorkflowTask};

wire_enum! {
    /// How an `HTTP_POLL` task spaces its polls (`http_request.pollingStrategy`).
    ///
    /// Converts from the wire strings (`"FIXED"`...), so the seed's
    /// `.with_polling_strategy("FIXED")` and `.with_polling_strategy(PollingStrategy::Fixed)` are
    /// the same.
    ///
    /// ```
    /// use conductor_models::{PollingStrategy, WorkflowTask};
    ///
    /// let task = WorkflowTask::http_poll("poll_ref", "https://api.example.com/jobs/1")
    ///     .with_polling_strategy(PollingStrategy::ExponentialBackoff);
    /// assert_eq!(task.input_parameters["http_request"]["pollingStrategy"], "EXPONENTIAL_BACKOFF");
    /// ```
    pub enum PollingStrategy {
        /// The same interval between every poll.
        Fixed => "FIXED",
        /// The interval grows linearly with the poll count.
        LinearBackoff => "LINEAR_BACKOFF",
        /// The interval doubles with every poll.
        ExponentialBackoff => "EXPONENTIAL_BACKOFF",
    }
}

impl From<&str> for PollingStrategy {
    fn from(raw: &str) -> Self {
        PollingStrategy::from_wire(raw)
    }
}

impl From<String> for PollingStrategy {
    fn from(raw: String) -> Self {
        PollingStrategy::from_wire(&raw)
    }
}

impl WorkflowTask {
    /// A `JSON_JQ_TRANSFORM` task: runs the jq program `query` over the task's input (add the data
    /// with [`WorkflowTask::with_input_param`]); the output has `result` (first value) and
    /// `resultList` (all values). Wire: `inputParameters.queryExpression`.
    ///
    /// ```
    /// use conductor_models::{WorkflowTask, workflow_input};
    /// let task = WorkflowTask::json_jq("names_ref", ".users | map(.name)")
    ///     .with_input_param("users", workflow_input("users"));
    /// let json = serde_json::to_value(&task).unwrap();
    /// assert_eq!(json["type"], "JSON_JQ_TRANSFORM");
    /// assert_eq!(
    ///     json["inputParameters"],
    ///     serde_json::json!({"queryExpression": ".users | map(.name)", "users": "${workflow.input.users}"})
    /// );
    /// ```
    pub fn json_jq(task_reference_name: impl Into<String>, query: impl Into<String>) -> Self {
        let reference = task_reference_name.into();
        Self::new(TaskType::JsonJqTransform, reference.clone(), reference)
            .with_input_param("queryExpression", query.into())
    }

    /// An `EVENT` task: publishes its input (plus workflow metadata) to `sink`: `conductor`
    /// (queue `conductor:<workflow>:<taskRef>`), `conductor:<name>`, or `<type>:<queue>` for a
    /// configured event-queue provider (`sqs:`, `kafka:`, `amqp:`, `nats:`...).
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    /// let task = WorkflowTask::event("notify_ref", "conductor:order_events")
    ///     .with_input_param("orderId", "${workflow.input.orderId}");
    /// let json = serde_json::to_value(&task).unwrap();
    /// assert_eq!(json["type"], "EVENT");
    /// assert_eq!(json["sink"], "conductor:order_events");
    /// ```
    pub fn event(task_reference_name: impl Into<String>, sink: impl Into<String>) -> Self {
        let reference = task_reference_name.into();
        WorkflowTask {
            sink: Some(sink.into()),
            ..Self::new(TaskType::Event, reference.clone(), reference)
        }
    }

    /// A `HUMAN` task: waits, `IN_PROGRESS`, until a person completes (or fails) it through a task
    /// update (`TaskClient::update_task`, or update by reference name). Workers never poll it.
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    /// let task = WorkflowTask::human("approval_ref");
    /// assert_eq!(serde_json::to_value(&task).unwrap()["type"], "HUMAN");
    /// ```
    pub fn human(task_reference_name: impl Into<String>) -> Self {
        let reference = task_reference_name.into();
        Self::new(TaskType::Human, reference.clone(), reference)
    }

    /// A `START_WORKFLOW` task: starts another workflow and completes as soon as it exists
    /// (fire-and-forget; output `workflowId`). Wire: `inputParameters.startWorkflow` = the
    /// request (`name`, `version`, `input`, `correlationId`, ...); its values may be
    /// expressions. An empty correlation id or task-to-domain map inherits the starter's.
    ///
    /// ```
    /// use conductor_models::{StartWorkflowRequest, WorkflowTask, workflow_input};
    /// let request = StartWorkflowRequest::new("audit_flow")
    ///     .with_version(2)
    ///     .with_input_value("orderId", workflow_input("orderId"));
    /// let task = WorkflowTask::start_workflow("audit_ref", request);
    /// let json = serde_json::to_value(&task).unwrap();
    /// assert_eq!(json["type"], "START_WORKFLOW");
    /// assert_eq!(json["inputParameters"]["startWorkflow"]["name"], "audit_flow");
    /// assert_eq!(json["inputParameters"]["startWorkflow"]["version"], 2);
    /// assert_eq!(
    ///     json["inputParameters"]["startWorkflow"]["input"]["orderId"],
    ///     "${workflow.input.orderId}"
    /// );
    /// ```
    pub fn start_workflow(
        task_reference_name: impl Into<String>,
        request: StartWorkflowRequest,
    ) -> Self {
        let reference = task_reference_name.into();
        let request = serde_json::to_value(&request).expect(
            "invariant: a StartWorkflowRequest (string keys, JSON values) always serialises",
        );
        Self::new(TaskType::StartWorkflow, reference.clone(), reference)
            .with_input_param("startWorkflow", request)
    }

    /// A `KAFKA_PUBLISH` task: publishes `value` (any JSON, or an expression) to `topic` on the
    /// cluster at `bootstrap_servers`. Wire: `inputParameters.kafka_request` =
    /// `{bootStrapServers, topic, value}`; add `key`, `headers`, `keySerializer`,
    /// `requestTimeoutMs`, `maxBlockMs` with the `with_kafka_*` setters.
    ///
    /// ```
    /// use conductor_models::{WorkflowTask, workflow_input};
    /// let task = WorkflowTask::kafka_publish("publish_ref", "localhost:9092", "orders", workflow_input("order"))
    ///     .with_kafka_key("${workflow.input.orderId}")
    ///     .with_kafka_header("x-source", "conductor");
    /// let json = serde_json::to_value(&task).unwrap();
    /// assert_eq!(json["type"], "KAFKA_PUBLISH");
    /// assert_eq!(
    ///     json["inputParameters"]["kafka_request"],
    ///     serde_json::json!({
    ///         "bootStrapServers": "localhost:9092",
    ///         "topic": "orders",
    ///         "value": "${workflow.input.order}",
    ///         "key": "${workflow.input.orderId}",
    ///         "headers": {"x-source": "conductor"}
    ///     })
    /// );
    /// ```
    pub fn kafka_publish(
        task_reference_name: impl Into<String>,
        bootstrap_servers: impl Into<String>,
        topic: impl Into<String>,
        value: impl Into<Value>,
    ) -> Self {
        let reference = task_reference_name.into();
        let (servers, topic, value) = (bootstrap_servers.into(), topic.into(), value.into());
        Self::new(TaskType::KafkaPublish, reference.clone(), reference).update_kafka_request(
            |request| {
                request.insert("bootStrapServers".to_owned(), Value::String(servers));
                request.insert("topic".to_owned(), Value::String(topic));
                request.insert("value".to_owned(), value);
            },
        )
    }

    /// `KAFKA_PUBLISH`: the message key (`kafka_request.key`). Default: none.
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    ///
    /// let task = WorkflowTask::kafka_publish("publish_ref", "kafka:9092", "orders", "${workflow.input.order}")
    ///     .with_kafka_key("${workflow.input.orderId}");
    /// assert_eq!(task.input_parameters["kafka_request"]["key"], "${workflow.input.orderId}");
    /// ```
    #[must_use]
    pub fn with_kafka_key(self, key: impl Into<Value>) -> Self {
        let key = key.into();
        self.update_kafka_request(|request| {
            request.insert("key".to_owned(), key);
        })
    }

    /// `KAFKA_PUBLISH`: the key serializer class (`kafka_request.keySerializer`, e.g.
    /// `org.apache.kafka.common.serialization.IntegerSerializer`). Default: the server's
    /// `StringSerializer`.
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    ///
    /// let task = WorkflowTask::kafka_publish("publish_ref", "kafka:9092", "orders", "payload")
    ///     .with_kafka_key(42)
    ///     .with_kafka_key_serializer("org.apache.kafka.common.serialization.IntegerSerializer");
    /// assert_eq!(
    ///     task.input_parameters["kafka_request"]["keySerializer"],
    ///     "org.apache.kafka.common.serialization.IntegerSerializer"
    /// );
    /// ```
    #[must_use]
    pub fn with_kafka_key_serializer(self, serializer: impl Into<String>) -> Self {
        let serializer = Value::String(serializer.into());
        self.update_kafka_request(|request| {
            request.insert("keySerializer".to_owned(), serializer);
        })
    }

    /// `KAFKA_PUBLISH`: adds a message header (`kafka_request.headers`). Default: none.
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    ///
    /// let task = WorkflowTask::kafka_publish("publish_ref", "kafka:9092", "orders", "payload")
    ///     .with_kafka_header("source", "checkout");
    /// assert_eq!(task.input_parameters["kafka_request"]["headers"]["source"], "checkout");
    /// ```
    #[must_use]
    pub fn with_kafka_header(self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        let (name, value) = (name.into(), value.into());
        self.update_kafka_request(|request| {
            let headers = request.entry("headers").or_insert(Value::Null);
            let mut map = match std::mem::take(headers) {
                Value::Object(map) => map,
                _ => crate::JsonMap::new(),
            };
            map.insert(name, value);
            *headers = Value::Object(map);
        })
    }

    /// `KAFKA_PUBLISH`: the request timeout in milliseconds (`kafka_request.requestTimeoutMs`)
    /// and the maximum time to block while publishing (`kafka_request.maxBlockMs`). Default: the
    /// server's.
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    ///
    /// let task = WorkflowTask::kafka_publish("publish_ref", "kafka:9092", "orders", "payload")
    ///     .with_kafka_timeouts(5_000, 2_000);
    /// assert_eq!(task.input_parameters["kafka_request"]["requestTimeoutMs"], 5_000);
    /// assert_eq!(task.input_parameters["kafka_request"]["maxBlockMs"], 2_000);
    /// ```
    #[must_use]
    pub fn with_kafka_timeouts(self, request_timeout_ms: u32, max_block_ms: u32) -> Self {
        self.update_kafka_request(|request| {
            request.insert(
                "requestTimeoutMs".to_owned(),
                Value::from(request_timeout_ms),
            );
            request.insert("maxBlockMs".to_owned(), Value::from(max_block_ms));
        })
    }

    fn update_kafka_request(self, edit: impl FnOnce(&mut crate::JsonMap)) -> Self {
        self.update_input_object("kafka_request", edit)
    }

    /// An `HTTP_POLL` task (**Orkes**): calls `uri` with `GET` until the termination condition
    /// holds, sleeping between calls.
    ///
    /// Wire: `inputParameters.http_request` = `{uri, method}` plus, from the setters,
    /// `terminationCondition` ([`WorkflowTask::with_termination_condition`]), `pollingInterval`
    /// ([`WorkflowTask::with_polling_interval`], **seconds**), `pollingStrategy`
    /// ([`WorkflowTask::with_polling_strategy`]) and `maxPollCount`
    /// ([`WorkflowTask::with_max_poll_count`]); the HTTP setters ([`WorkflowTask::with_method`],
    /// [`WorkflowTask::with_header`], [`WorkflowTask::with_body`]) work as for `HTTP`. Unset
    /// polling fields take the server's defaults. The OSS server has no `HTTP_POLL`.
    ///
    /// ```
    /// use conductor_models::{PollingStrategy, WorkflowTask};
    /// let task = WorkflowTask::http_poll("poll_ref", "https://api.example.com/status/${workflow.input.job_id}")
    ///     .with_method("GET")
    ///     .with_polling_interval(5)
    ///     .with_polling_strategy(PollingStrategy::Fixed)
    ///     .with_termination_condition("(function(){ return $.output.response.body.status === 'COMPLETED'; })();")
    ///     .with_max_poll_count(20);
    /// let json = serde_json::to_value(&task).unwrap();
    /// assert_eq!(json["type"], "HTTP_POLL");
    /// assert_eq!(
    ///     json["inputParameters"]["http_request"],
    ///     serde_json::json!({
    ///         "uri": "https://api.example.com/status/${workflow.input.job_id}",
    ///         "method": "GET",
    ///         "pollingInterval": 5,
    ///         "pollingStrategy": "FIXED",
    ///         "terminationCondition": "(function(){ return $.output.response.body.status === 'COMPLETED'; })();",
    ///         "maxPollCount": 20
    ///     })
    /// );
    /// ```
    pub fn http_poll(task_reference_name: impl Into<String>, uri: impl Into<String>) -> Self {
        let reference = task_reference_name.into();
        let uri = Value::String(uri.into());
        Self::new(TaskType::HttpPoll, reference.clone(), reference).update_http_request(|request| {
            request.insert("uri".to_owned(), uri);
            request.insert("method".to_owned(), Value::String("GET".to_owned()));
        })
    }

    /// `HTTP_POLL`: seconds between two polls (`http_request.pollingInterval`).
    ///
    /// The unit is **seconds**, as the server reads it (the conductor-oss HTTP-poll guide: "Seconds
    /// between polls"; the seed's example `with_polling_interval(5) // Poll every 5 seconds`); the
    /// seed's parameter table saying milliseconds is wrong. The server clamps the value to its
    /// minimum poll interval (`conductor.worker.http_poll.min_poll_interval`, 60 s by default),
    /// so a smaller value may be raised. Default: the server's.
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    ///
    /// let task = WorkflowTask::http_poll("poll_ref", "https://api.example.com/jobs/1").with_polling_interval(30);
    /// assert_eq!(task.input_parameters["http_request"]["pollingInterval"], 30);
    /// ```
    #[must_use]
    pub fn with_polling_interval(self, seconds: u32) -> Self {
        self.update_http_request(|request| {
            request.insert("pollingInterval".to_owned(), Value::from(seconds));
        })
    }

    /// `HTTP_POLL`: how the interval evolves between polls (`http_request.pollingStrategy`):
    /// a [`PollingStrategy`] or its wire string (`"FIXED"`, `"LINEAR_BACKOFF"`,
    /// `"EXPONENTIAL_BACKOFF"`). Default: the server's (`FIXED`).
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    ///
    /// let task = WorkflowTask::http_poll("poll_ref", "https://api.example.com/jobs/1")
    ///     .with_polling_strategy("LINEAR_BACKOFF");
    /// assert_eq!(task.input_parameters["http_request"]["pollingStrategy"], "LINEAR_BACKOFF");
    /// ```
    #[must_use]
    pub fn with_polling_strategy(self, strategy: impl Into<PollingStrategy>) -> Self {
        let strategy = Value::String(strategy.into().as_str().to_owned());
        self.update_http_request(|request| {
            request.insert("pollingStrategy".to_owned(), strategy);
        })
    }

    /// `HTTP_POLL`: the JavaScript condition that stops polling when true
    /// (`http_request.terminationCondition`). It sees the last response as
    /// `$.output.response` (`body`, `headers`, `statusCode`).
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    ///
    /// let script = "(function(){ return $.output.response.body.state === 'DONE'; })();";
    /// let task = WorkflowTask::http_poll("poll_ref", "https://api.example.com/jobs/1").with_termination_condition(script);
    /// assert_eq!(task.input_parameters["http_request"]["terminationCondition"], script);
    /// ```
    #[must_use]
    pub fn with_termination_condition(self, script: impl Into<String>) -> Self {
        let script = Value::String(script.into());
        self.update_http_request(|request| {
            request.insert("terminationCondition".to_owned(), script);
        })
    }

    /// `HTTP_POLL`: the most polls before the task fails (`http_request.maxPollCount`). Default:
    /// the server's.
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    ///
    /// let task = WorkflowTask::http_poll("poll_ref", "https://api.example.com/jobs/1").with_max_poll_count(20);
    /// assert_eq!(task.input_parameters["http_request"]["maxPollCount"], 20);
    /// ```
    #[must_use]
    pub fn with_max_poll_count(self, count: u32) -> Self {
        self.update_http_request(|request| {
            request.insert("maxPollCount".to_owned(), Value::from(count));
        })
    }

    /// A `WAIT_FOR_WEBHOOK` task (**Orkes**; recent OSS servers with incoming webhooks): waits
    /// until a webhook call whose payload satisfies [`WorkflowTask::with_matches`] arrives; the
    /// payload becomes the task output.
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    /// use serde_json::json;
    /// let task = WorkflowTask::wait_for_webhook("webhook_ref").with_matches(json!({
    ///     "$['type']": "payment_received",
    ///     "$['order_id']": "${workflow.input.order_id}"
    /// }));
    /// let json = serde_json::to_value(&task).unwrap();
    /// assert_eq!(json["type"], "WAIT_FOR_WEBHOOK");
    /// assert_eq!(json["inputParameters"]["matches"]["$['type']"], "payment_received");
    /// ```
    pub fn wait_for_webhook(task_reference_name: impl Into<String>) -> Self {
        let reference = task_reference_name.into();
        Self::new(TaskType::WaitForWebhook, reference.clone(), reference)
    }

    /// `WAIT_FOR_WEBHOOK`: the match criteria (`inputParameters.matches`, replacing earlier
    /// ones): an object whose keys are JSONPath expressions into the webhook payload
    /// (`"$['event']['type']"`) and whose values the payload must hold there (values may be
    /// expressions such as `${workflow.input.order_id}`). All entries must match (AND). The keys
    /// are sent exactly as given.
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    ///
    /// let task = WorkflowTask::wait_for_webhook("webhook_ref").with_matches(serde_json::json!({
    ///     "$['event']['type']": "payment.succeeded",
    ///     "$['data']['orderId']": "${workflow.input.orderId}",
    /// }));
    /// assert_eq!(task.input_parameters["matches"]["$['event']['type']"], "payment.succeeded");
    /// ```
    #[must_use]
    pub fn with_matches(self, matches: impl Into<Value>) -> Self {
        self.with_input_param("matches", matches)
    }

    /// `WAIT_FOR_WEBHOOK`: adds one match criterion (`inputParameters.matches[json_path] = value`).
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    /// let task = WorkflowTask::wait_for_webhook("webhook_ref")
    ///     .with_match("$['event']['type']", "message");
    /// let json = serde_json::to_value(&task).unwrap();
    /// assert_eq!(json["inputParameters"]["matches"], serde_json::json!({"$['event']['type']": "message"}));
    /// ```
    #[must_use]
    pub fn with_match(self, json_path: impl Into<String>, value: impl Into<Value>) -> Self {
        let (path, value) = (json_path.into(), value.into());
        self.update_input_object("matches", |matches| {
            matches.insert(path, value);
        })
    }

    /// A `GET_DOCUMENT` task (**Orkes**): fetches the document at `url` and returns its text
    /// content, read as `media_type` (`application/pdf`, `text/html`, `text/plain`...). Wire:
    /// `inputParameters = {url, mediaType}`.
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    /// let task = WorkflowTask::get_document("doc_ref", "https://example.com/report.pdf", "application/pdf");
    /// let json = serde_json::to_value(&task).unwrap();
    /// assert_eq!(json["type"], "GET_DOCUMENT");
    /// assert_eq!(
    ///     json["inputParameters"],
    ///     serde_json::json!({"url": "https://example.com/report.pdf", "mediaType": "application/pdf"})
    /// );
    /// ```
    pub fn get_document(
        task_reference_name: impl Into<String>,
        url: impl Into<Value>,
        media_type: impl Into<String>,
    ) -> Self {
        let reference = task_reference_name.into();
        Self::new(TaskType::GetDocument, reference.clone(), reference)
            .with_input_param("url", url)
            .with_input_param("mediaType", media_type.into())
    }
}
