//! hello_world: Basic workflow with a simple worker.
//!
//! ```sh
//! cargo run --example hello_world                                         # embedded server
//! CONDUCTOR_SERVER_URL=http://localhost:8080/api cargo run --example hello_world  # a real server
//! ```
//!
//! The example's code is in `examples/src/hello_world.rs` (so the test suite runs it too).

#![allow(clippy::print_stdout)]

use conductor_examples::{BoxError, connect, hello_world};

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let env = connect().await?;
    let outcome = hello_world::run(&env).await;
    env.shutdown().await;
    println!("{}", outcome?.report());
    Ok(())
}
