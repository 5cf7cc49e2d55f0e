//! task_status_audit_example: Task state change events as an audit trail.
//!
//! ```sh
//! cargo run --example task_status_audit_example                                         # embedded server
//! CONDUCTOR_SERVER_URL=http://localhost:8080/api cargo run --example task_status_audit_example  # a real server
//! ```
//!
//! The example's code is in `examples/src/task_status_audit_example.rs` (so the test suite runs it too).

#![allow(clippy::print_stdout)]

use conductor_examples::{BoxError, connect, task_status_audit_example};

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let env = connect().await?;
    let outcome = task_status_audit_example::run(&env).await;
    env.shutdown().await;
    println!("{}", outcome?.report());
    Ok(())
}
