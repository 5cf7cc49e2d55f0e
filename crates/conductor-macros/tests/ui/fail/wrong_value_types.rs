//! Values of the wrong type, each reported at the value.

use conductor::worker;

#[worker(name = greet, thread_count = "4", paused = "yes", domain = 3, rename_all = "camelcase", crate = 5)]
async fn greet(name: String) -> String {
    format!("Hello, {name}!")
}

fn main() {}
