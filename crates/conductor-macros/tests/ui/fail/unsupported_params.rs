//! Parameter shapes `#[worker]` cannot read: patterns, borrowed inputs, two contexts, `&mut Task`, unknown `#[input]` arguments.

use conductor::worker;
use conductor::worker::TaskContext;

#[worker(name = "shapes")]
async fn shapes(
    (a, b): (u8, u8),
    name: &str,
    ctx: &TaskContext,
    other: &TaskContext,
    task: &mut conductor::Task,
    #[input(renam = "x")] x: u8,
) -> u8 {
    let _ = (name, ctx, other, task);
    a + b + x
}

fn main() {}
