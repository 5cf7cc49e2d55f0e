//! fork_join_script_example: JOIN with a completion script (2 of 3 branches).
//!
//! ```sh
//! cargo run --example fork_join_script_example                                         # embedded server
//! CONDUCTOR_SERVER_URL=http://localhost:8080/api cargo run --example fork_join_script_example  # a real server
//! ```
//!
//! The example's code is in `examples/src/fork_join_script_example.rs` (so the test suite runs it too).

#![allow(clippy::print_stdout)]

use conductor_examples::{BoxError, connect, fork_join_script_example};

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let env = connect().await?;
    let outcome = fork_join_script_example::run(&env).await;
    env.shutdown().await;
    println!("{}", outcome?.report());
    Ok(())
}
