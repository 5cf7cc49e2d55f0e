//! An error type that cannot describe itself (no `Display`, `Error` or `TaskError`): reported at the error type.

use conductor::worker;

#[derive(Debug)]
struct ShipError;

#[worker(name = "ship")]
async fn ship(id: String) -> Result<String, ShipError> {
    if id.is_empty() { Err(ShipError) } else { Ok(id) }
}

fn main() {}
