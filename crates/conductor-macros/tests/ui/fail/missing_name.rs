//! No `name`: the task definition name is required.

use conductor::worker;

#[worker(thread_count = 2)]
async fn greet(name: String) -> String {
    format!("Hello, {name}!")
}

fn main() {}
