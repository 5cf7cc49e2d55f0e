//! The four `#[worker]` examples of the SDK design, as written there (imports from the facade).

use conductor::Task;
use conductor::worker;
use conductor::worker::{TaskHandler, Worker, WorkerOutput};

#[worker(name = "greet", thread_count = 5)]
async fn greet(name: String) -> String {
    format!("Hello, {}!", name)
}

#[worker(name = "calculate", poll_interval = 200)]
async fn calculate(a: i32, b: i32) -> serde_json::Value {
    serde_json::json!({ "sum": a + b })
}

#[worker(name = "process", domain = "premium")]
async fn process(task: Task) -> WorkerOutput {
    let data = task.get_input_string("data").unwrap_or_default();
    WorkerOutput::completed_with_result(data)
}

#[worker(name = "validate")]
async fn validate(value: String) -> Result<String, String> {
    if value.is_empty() {
        Err("Value cannot be empty".to_string())
    } else {
        Ok(format!("Valid: {}", value))
    }
}

fn main() {
    let config = conductor::Configuration::new("http://localhost:8080/api");
    let mut handler = TaskHandler::new(config).expect("handler");
    handler.add_worker(greet_worker());
    handler.add_worker(calculate_worker());
    handler.add_worker(process_worker());
    handler.add_worker(validate_worker());
    assert_eq!(greet_worker().thread_count(), 5);
    assert_eq!(calculate_worker().poll_interval_millis(), 200);
    assert_eq!(process_worker().domain(), Some("premium"));
    assert_eq!(validate_worker().task_definition_name(), "validate");
    // The functions stay callable.
    let _ = (greet, calculate, process, validate);
}
