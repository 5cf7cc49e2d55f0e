//! The polling side of a task runner: reserving execution slots before a poll, the waits
//! between polls ([`backoff`]), the adaptive concurrency limit ([`limit`]) and the rate limit
//! ([`rate`]).

pub(crate) mod backoff;
pub(crate) mod limit;
pub(crate) mod rate;

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Takes every free slot of `slots`, at most `capacity`, without waiting. Empty when none is free.
///
/// Taking the permits *before* polling is what guarantees the runner never holds more tasks than
/// it can execute: it asks the server for exactly as many tasks as it has permits.
pub(crate) fn take_free_slots(
    slots: &Arc<Semaphore>,
    capacity: usize,
) -> Vec<OwnedSemaphorePermit> {
    let mut permits = Vec::new();
    while permits.len() < capacity {
        match Arc::clone(slots).try_acquire_owned() {
            Ok(permit) => permits.push(permit),
            Err(_) => break,
        }
    }
    permits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_only_free_slots_up_to_capacity() {
        let slots = Arc::new(Semaphore::new(4));
        let held = take_free_slots(&slots, 3);
        assert_eq!(held.len(), 3);
        assert_eq!(take_free_slots(&slots, 3).len(), 1);
        let rest = take_free_slots(&slots, 3);
        assert_eq!(rest.len(), 1);
        assert!(take_free_slots(&slots, 3).is_empty());
        drop(held);
        drop(rest);
        assert_eq!(slots.available_permits(), 4);
    }
}
