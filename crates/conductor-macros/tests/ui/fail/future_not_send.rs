//! A function whose future is not `Send`: reported at the function name, with the value held across `.await`.

use std::rc::Rc;

use conductor::worker;

async fn pause() {}

#[worker(name = "count")]
async fn count(n: u32) -> u32 {
    let shared = Rc::new(n);
    pause().await;
    *shared
}

fn main() {}
