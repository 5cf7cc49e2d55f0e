//! Two parameters reading the same input key after `rename_all`.

use conductor::worker;

#[worker(name = "order", rename_all = "camelCase")]
#[allow(non_snake_case)]
async fn order(order_id: String, orderId: String) -> String {
    order_id + &orderId
}

fn main() {}
