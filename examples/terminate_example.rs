//! terminate_example: Ending a workflow early: TERMINATE task and terminate_workflow.
//!
//! ```sh
//! cargo run --example terminate_example                                         # embedded server
//! CONDUCTOR_SERVER_URL=http://localhost:8080/api cargo run --example terminate_example  # a real server
//! ```
//!
//! The example's code is in `examples/src/terminate_example.rs` (so the test suite runs it too).

#![allow(clippy::print_stdout)]

use conductor_examples::{BoxError, connect, terminate_example};

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let env = connect().await?;
    let outcome = terminate_example::run(&env).await;
    env.shutdown().await;
    println!("{}", outcome?.report());
    Ok(())
}
