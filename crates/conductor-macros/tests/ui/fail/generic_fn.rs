//! A generic function.

use conductor::worker;

#[worker(name = "echo")]
async fn echo<T: serde::de::DeserializeOwned + serde::Serialize>(value: T) -> T {
    value
}

fn main() {}
