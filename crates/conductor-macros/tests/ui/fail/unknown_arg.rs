//! Misspelt and unknown arguments: the closest known one is suggested, else all are listed.

use conductor::worker;

#[worker(name = "greet", thread_cont = 2, timeout = 5)]
async fn greet(name: String) -> String {
    format!("Hello, {name}!")
}

fn main() {
    // The constructor still exists (a fallback), so this line adds no error of its own.
    let _ = greet_worker;
}
