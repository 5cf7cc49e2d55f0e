//! `blocking` on an `async fn`.

use conductor::worker;

#[worker(name = "checksum", blocking)]
async fn checksum(data: String) -> u32 {
    data.len() as u32
}

fn main() {}
