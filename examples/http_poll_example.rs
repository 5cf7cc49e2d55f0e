//! http_poll_example: HTTP_POLL until a job completes.
//!
//! ```sh
//! cargo run --example http_poll_example                                         # embedded server
//! CONDUCTOR_SERVER_URL=http://localhost:8080/api cargo run --example http_poll_example  # a real server
//! ```
//!
//! The example's code is in `examples/src/http_poll_example.rs` (so the test suite runs it too).

#![allow(clippy::print_stdout)]

use conductor_examples::{BoxError, connect, http_poll_example};

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let env = connect().await?;
    let outcome = http_poll_example::run(&env).await;
    env.shutdown().await;
    println!("{}", outcome?.report());
    Ok(())
}
