//! A plain `fn` without `blocking`: the message says how to fix it.

use conductor::worker;

#[worker(name = "checksum")]
fn checksum(data: String) -> u32 {
    data.len() as u32
}

fn main() {}
