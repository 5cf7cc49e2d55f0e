//! do_while_example: Loops with DO_WHILE.
//!
//! ```sh
//! cargo run --example do_while_example                                         # embedded server
//! CONDUCTOR_SERVER_URL=http://localhost:8080/api cargo run --example do_while_example  # a real server
//! ```
//!
//! The example's code is in `examples/src/do_while_example.rs` (so the test suite runs it too).

#![allow(clippy::print_stdout)]

use conductor_examples::{BoxError, connect, do_while_example};

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let env = connect().await?;
    let outcome = do_while_example::run(&env).await;
    env.shutdown().await;
    println!("{}", outcome?.report());
    Ok(())
}
