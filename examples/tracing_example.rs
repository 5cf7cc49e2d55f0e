//! tracing_example: one workflow as one OpenTelemetry trace, across two workers.
//!
//! ```sh
//! cargo run --example tracing_example --features otel                        # embedded server
//! CONDUCTOR_SERVER_URL=http://localhost:8080/api cargo run --example tracing_example --features otel
//! ```
//!
//! The example's code is in `examples/src/tracing_example.rs` (so the test suite runs it too).

#![allow(clippy::print_stdout)]

use conductor_examples::tracing_example::{self, Tracing};
use conductor_examples::{BoxError, connect};

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    // Before `connect`, which would otherwise install a plain log subscriber.
    let tracing = Tracing::install()?;
    let env = connect().await?;
    let outcome = tracing_example::run(&env, &tracing).await;
    env.shutdown().await;
    println!("{}", outcome?.report());
    Ok(())
}
