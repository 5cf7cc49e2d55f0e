//! wait_for_webhook_example: WAIT_FOR_WEBHOOK completed by an incoming webhook.
//!
//! ```sh
//! cargo run --example wait_for_webhook_example                                         # embedded server
//! CONDUCTOR_SERVER_URL=http://localhost:8080/api cargo run --example wait_for_webhook_example  # a real server
//! ```
//!
//! The example's code is in `examples/src/wait_for_webhook_example.rs` (so the test suite runs it too).

#![allow(clippy::print_stdout)]

use conductor_examples::{BoxError, connect, wait_for_webhook_example};

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let env = connect().await?;
    let outcome = wait_for_webhook_example::run(&env).await;
    env.shutdown().await;
    println!("{}", outcome?.report());
    Ok(())
}
