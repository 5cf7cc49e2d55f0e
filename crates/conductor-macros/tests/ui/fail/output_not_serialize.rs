//! A return type without `Serialize`: reported at the return type.

use conductor::worker;

struct Shipment {
    tracking: String,
}

#[worker(name = "ship")]
async fn ship(id: String) -> Shipment {
    Shipment { tracking: id }
}

fn main() {}
