//! vector_db_example: RAG: index text in a vector DB, search it, answer.
//!
//! ```sh
//! cargo run --example vector_db_example                                         # embedded server
//! CONDUCTOR_SERVER_URL=http://localhost:8080/api cargo run --example vector_db_example  # a real server
//! ```
//!
//! The example's code is in `examples/src/vector_db_example.rs` (so the test suite runs it too).

#![allow(clippy::print_stdout)]

use conductor_examples::{BoxError, connect, vector_db_example};

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let env = connect().await?;
    let outcome = vector_db_example::run(&env).await;
    env.shutdown().await;
    println!("{}", outcome?.report());
    Ok(())
}
