//! worker_macro_example: The #[worker] macro (requires the macros feature).
//!
//! ```sh
//! cargo run --example worker_macro_example --features macros                                         # embedded server
//! CONDUCTOR_SERVER_URL=http://localhost:8080/api cargo run --example worker_macro_example --features macros  # a real server
//! ```
//!
//! The example's code is in `examples/src/worker_macro_example.rs` (so the test suite runs it too).

#![allow(clippy::print_stdout)]

use conductor_examples::{BoxError, connect, worker_macro_example};

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let env = connect().await?;
    let outcome = worker_macro_example::run(&env).await;
    env.shutdown().await;
    println!("{}", outcome?.report());
    Ok(())
}
