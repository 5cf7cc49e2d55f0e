//! A method taking `self`.

use conductor::worker;

struct Greeter;

impl Greeter {
    #[worker(name = "greet")]
    async fn greet(&self, name: String) -> String {
        format!("Hello, {name}!")
    }
}

fn main() {}
