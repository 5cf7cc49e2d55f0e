//! `#[worker]` on something other than a function.

use conductor::worker;

#[worker(name = "greet")]
struct Greeter {
    name: String,
}

fn main() {}
