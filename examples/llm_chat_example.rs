//! llm_chat_example: LLM chat completion with a system prompt.
//!
//! ```sh
//! cargo run --example llm_chat_example                                         # embedded server
//! CONDUCTOR_SERVER_URL=http://localhost:8080/api cargo run --example llm_chat_example  # a real server
//! ```
//!
//! The example's code is in `examples/src/llm_chat_example.rs` (so the test suite runs it too).

#![allow(clippy::print_stdout)]

use conductor_examples::{BoxError, connect, llm_chat_example};

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let env = connect().await?;
    let outcome = llm_chat_example::run(&env).await;
    env.shutdown().await;
    println!("{}", outcome?.report());
    Ok(())
}
