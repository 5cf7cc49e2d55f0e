//! An `unsafe fn`.

use conductor::worker;

#[worker(name = "raw")]
async unsafe fn raw(n: u32) -> u32 {
    n
}

fn main() {}
