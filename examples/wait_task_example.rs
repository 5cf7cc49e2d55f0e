//! wait_task_example: WAIT task completed from outside (human approval).
//!
//! ```sh
//! cargo run --example wait_task_example                                         # embedded server
//! CONDUCTOR_SERVER_URL=http://localhost:8080/api cargo run --example wait_task_example  # a real server
//! ```
//!
//! The example's code is in `examples/src/wait_task_example.rs` (so the test suite runs it too).

#![allow(clippy::print_stdout)]

use conductor_examples::{BoxError, connect, wait_task_example};

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let env = connect().await?;
    let outcome = wait_task_example::run(&env).await;
    env.shutdown().await;
    println!("{}", outcome?.report());
    Ok(())
}
