//! sync_state_update_example: Synchronous task updates that answer the new state.
//!
//! ```sh
//! cargo run --example sync_state_update_example                                         # embedded server
//! CONDUCTOR_SERVER_URL=http://localhost:8080/api cargo run --example sync_state_update_example  # a real server
//! ```
//!
//! The example's code is in `examples/src/sync_state_update_example.rs` (so the test suite runs it too).

#![allow(clippy::print_stdout)]

use conductor_examples::{BoxError, connect, sync_state_update_example};

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let env = connect().await?;
    let outcome = sync_state_update_example::run(&env).await;
    env.shutdown().await;
    println!("{}", outcome?.report());
    Ok(())
}
