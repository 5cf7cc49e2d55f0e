//! metrics_example: Prometheus metrics served over HTTP.
//!
//! ```sh
//! cargo run --example metrics_example                                         # embedded server
//! CONDUCTOR_SERVER_URL=http://localhost:8080/api cargo run --example metrics_example  # a real server
//! ```
//!
//! The example's code is in `examples/src/metrics_example.rs` (so the test suite runs it too).

#![allow(clippy::print_stdout)]

use conductor_examples::{BoxError, connect, metrics_example};

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let env = connect().await?;
    let outcome = metrics_example::run(&env).await;
    env.shutdown().await;
    println!("{}", outcome?.report());
    Ok(())
}
