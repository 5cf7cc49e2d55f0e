//! An unknown `concurrency_limiter` name, reported at the name with the closest known one, and
//! a limiter beside `adaptive_concurrency = false`.

use conductor::worker;

#[worker(name = "send_sms", thread_count = 8, concurrency_limiter = "gradient")]
async fn send_sms() {}

#[worker(name = "send_mail", concurrency_limiter = "vegas")]
async fn send_mail() {}

#[worker(name = "send_fax", adaptive_concurrency = false, concurrency_limiter = "aimd")]
async fn send_fax() {}

fn main() {}
