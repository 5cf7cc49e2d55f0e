//! async_workers: Multiple concurrent workers in a TaskHandler, with metrics.
//!
//! ```sh
//! cargo run --example async_workers                                         # embedded server
//! CONDUCTOR_SERVER_URL=http://localhost:8080/api cargo run --example async_workers  # a real server
//! ```
//!
//! The example's code is in `examples/src/async_workers.rs` (so the test suite runs it too).

#![allow(clippy::print_stdout)]

use conductor_examples::{BoxError, async_workers, connect};

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let env = connect().await?;
    let outcome = async_workers::run(&env).await;
    env.shutdown().await;
    println!("{}", outcome?.report());
    Ok(())
}
