//! event_driven_example: EVENT task + event handler starting another workflow.
//!
//! ```sh
//! cargo run --example event_driven_example                                         # embedded server
//! CONDUCTOR_SERVER_URL=http://localhost:8080/api cargo run --example event_driven_example  # a real server
//! ```
//!
//! The example's code is in `examples/src/event_driven_example.rs` (so the test suite runs it too).

#![allow(clippy::print_stdout)]

use conductor_examples::{BoxError, connect, event_driven_example};

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let env = connect().await?;
    let outcome = event_driven_example::run(&env).await;
    env.shutdown().await;
    println!("{}", outcome?.report());
    Ok(())
}
