//! sub_workflow_example: Sub-workflow composition.
//!
//! ```sh
//! cargo run --example sub_workflow_example                                         # embedded server
//! CONDUCTOR_SERVER_URL=http://localhost:8080/api cargo run --example sub_workflow_example  # a real server
//! ```
//!
//! The example's code is in `examples/src/sub_workflow_example.rs` (so the test suite runs it too).

#![allow(clippy::print_stdout)]

use conductor_examples::{BoxError, connect, sub_workflow_example};

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let env = connect().await?;
    let outcome = sub_workflow_example::run(&env).await;
    env.shutdown().await;
    println!("{}", outcome?.report());
    Ok(())
}
