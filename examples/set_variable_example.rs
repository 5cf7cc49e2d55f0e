//! set_variable_example: Workflow variables with SET_VARIABLE.
//!
//! ```sh
//! cargo run --example set_variable_example                                         # embedded server
//! CONDUCTOR_SERVER_URL=http://localhost:8080/api cargo run --example set_variable_example  # a real server
//! ```
//!
//! The example's code is in `examples/src/set_variable_example.rs` (so the test suite runs it too).

#![allow(clippy::print_stdout)]

use conductor_examples::{BoxError, connect, set_variable_example};

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let env = connect().await?;
    let outcome = set_variable_example::run(&env).await;
    env.shutdown().await;
    println!("{}", outcome?.report());
    Ok(())
}
