//! openai_helloworld: LLM text completion.
//!
//! ```sh
//! cargo run --example openai_helloworld                                         # embedded server
//! CONDUCTOR_SERVER_URL=http://localhost:8080/api cargo run --example openai_helloworld  # a real server
//! ```
//!
//! The example's code is in `examples/src/openai_helloworld.rs` (so the test suite runs it too).

#![allow(clippy::print_stdout)]

use conductor_examples::{BoxError, connect, openai_helloworld};

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let env = connect().await?;
    let outcome = openai_helloworld::run(&env).await;
    env.shutdown().await;
    println!("{}", outcome?.report());
    Ok(())
}
