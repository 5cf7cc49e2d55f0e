//! workflow_rerun_example: Rerun a failed workflow from a specific task.
//!
//! ```sh
//! cargo run --example workflow_rerun_example                                         # embedded server
//! CONDUCTOR_SERVER_URL=http://localhost:8080/api cargo run --example workflow_rerun_example  # a real server
//! ```
//!
//! The example's code is in `examples/src/workflow_rerun_example.rs` (so the test suite runs it too).

#![allow(clippy::print_stdout)]

use conductor_examples::{BoxError, connect, workflow_rerun_example};

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let env = connect().await?;
    let outcome = workflow_rerun_example::run(&env).await;
    env.shutdown().await;
    println!("{}", outcome?.report());
    Ok(())
}
