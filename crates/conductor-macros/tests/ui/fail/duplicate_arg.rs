//! An argument given twice: reported at the second one.

use conductor::worker;

#[worker(name = "greet", thread_count = 2, name = "hello")]
async fn greet(name: String) -> String {
    format!("Hello, {name}!")
}

fn main() {}
