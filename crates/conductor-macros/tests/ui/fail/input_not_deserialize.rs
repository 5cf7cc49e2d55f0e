//! An input type without `Deserialize`: reported at the parameter type.

use conductor::worker;

struct Address {
    street: String,
}

#[worker(name = "ship")]
async fn ship(address: Address) -> String {
    address.street
}

fn main() {}
