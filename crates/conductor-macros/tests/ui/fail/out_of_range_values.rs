//! An empty name, zero threads and a poll timeout above the server's limit.

use conductor::worker;

#[worker(name = "", thread_count = 0, poll_timeout = 60000)]
async fn greet(name: String) -> String {
    format!("Hello, {name}!")
}

fn main() {}
