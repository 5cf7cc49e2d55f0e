//! dynamic_workflow: Build a workflow in code with ConductorWorkflow and execute it.
//!
//! ```sh
//! cargo run --example dynamic_workflow                                         # embedded server
//! CONDUCTOR_SERVER_URL=http://localhost:8080/api cargo run --example dynamic_workflow  # a real server
//! ```
//!
//! The example's code is in `examples/src/dynamic_workflow.rs` (so the test suite runs it too).

#![allow(clippy::print_stdout)]

use conductor_examples::{BoxError, connect, dynamic_workflow};

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let env = connect().await?;
    let outcome = dynamic_workflow::run(&env).await;
    env.shutdown().await;
    println!("{}", outcome?.report());
    Ok(())
}
