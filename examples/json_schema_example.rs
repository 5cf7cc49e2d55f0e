//! json_schema_example: Input/output JSON schemas generated from Rust types.
//!
//! ```sh
//! cargo run --example json_schema_example                                         # embedded server
//! CONDUCTOR_SERVER_URL=http://localhost:8080/api cargo run --example json_schema_example  # a real server
//! ```
//!
//! The example's code is in `examples/src/json_schema_example.rs` (so the test suite runs it too).

#![allow(clippy::print_stdout)]

use conductor_examples::{BoxError, connect, json_schema_example};

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let env = connect().await?;
    let outcome = json_schema_example::run(&env).await;
    env.shutdown().await;
    println!("{}", outcome?.report());
    Ok(())
}
