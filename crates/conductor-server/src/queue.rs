//! Task queues: one per `[domain:]taskType`, with priorities and visibility delays.
//!
//! Semantics follow the SQLite queue DAO of conductor-oss: a message is a task id; it is pushed at
//! most once per queue; it becomes visible at `deliver_at`; a pop takes the visible messages with the
//! highest priority first, then the earliest `deliver_at`, then insertion order, and removes them
//! (OSS acks at poll time). Sizes count delayed messages too.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, HashMap};

type Key = (Reverse<i32>, i64, u64);

/// One queue of task ids.
#[derive(Debug, Default, Clone)]
pub(crate) struct Queue {
    ordered: BTreeSet<(Key, String)>,
    index: HashMap<String, Key>,
}

impl Queue {
    fn push(&mut self, id: &str, priority: i32, deliver_at: i64, seq: u64) -> bool {
        if self.index.contains_key(id) {
            return false;
        }
        let key = (Reverse(priority), deliver_at, seq);
        self.ordered.insert((key, id.to_owned()));
        self.index.insert(id.to_owned(), key);
        true
    }

    fn remove(&mut self, id: &str) -> Option<Key> {
        let key = self.index.remove(id)?;
        self.ordered.remove(&(key, id.to_owned()));
        Some(key)
    }

    /// Removes and returns up to `count` visible ids.
    fn pop(&mut self, count: usize, now: i64) -> Vec<String> {
        let mut taken = Vec::new();
        let mut cursor: Option<i32> = None; // priority bucket to skip to
        loop {
            if taken.len() >= count {
                break;
            }
            let next = match cursor {
                None => self.ordered.iter().next(),
                Some(p) => self
                    .ordered
                    .range(((Reverse(p), i64::MIN, 0), String::new())..)
                    .next(),
            };
            let Some(((Reverse(priority), deliver_at, _), _)) = next else {
                break;
            };
            let priority = *priority;
            if *deliver_at > now {
                // Everything else in this priority bucket is later still: go to the next bucket.
                match priority.checked_sub(1) {
                    Some(p) => cursor = Some(p),
                    None => break,
                }
                continue;
            }
            let Some(entry) = next.cloned() else { break };
            self.ordered.remove(&entry);
            self.index.remove(&entry.1);
            taken.push(entry.1);
            cursor = Some(priority);
        }
        taken
    }

    fn len(&self) -> usize {
        self.index.len()
    }

    /// The earliest `deliver_at`: the minimum over the first entry of each priority bucket
    /// (entries are sorted by priority, then time), so this costs one step per bucket.
    fn next_visible_at(&self) -> Option<i64> {
        let mut earliest: Option<i64> = None;
        let mut next = self.ordered.iter().next();
        while let Some(((Reverse(priority), at, _), _)) = next {
            earliest = Some(earliest.map_or(*at, |e| e.min(*at)));
            let Some(lower) = priority.checked_sub(1) else {
                break;
            };
            next = self
                .ordered
                .range(((Reverse(lower), i64::MIN, 0), String::new())..)
                .next();
        }
        earliest
    }
}

/// All task queues, by name.
#[derive(Debug, Default, Clone)]
pub(crate) struct Queues {
    queues: BTreeMap<String, Queue>,
    seq: u64,
}

/// The queue name of a task type in a domain (`QueueUtils.getQueueName` for worker tasks).
pub(crate) fn queue_name(task_type: &str, domain: Option<&str>) -> String {
    match domain {
        Some(d) if !d.is_empty() => format!("{d}:{task_type}"),
        _ => task_type.to_owned(),
    }
}

impl Queues {
    /// Pushes `id` unless it is already in `queue`; returns whether it was added.
    pub(crate) fn push(&mut self, queue: &str, id: &str, priority: i32, deliver_at: i64) -> bool {
        self.seq += 1;
        let seq = self.seq;
        self.queues
            .entry(queue.to_owned())
            .or_default()
            .push(id, priority, deliver_at, seq)
    }

    /// Removes `id` from `queue`; returns whether it was there.
    pub(crate) fn remove(&mut self, queue: &str, id: &str) -> bool {
        self.queues
            .get_mut(queue)
            .is_some_and(|q| q.remove(id).is_some())
    }

    /// Makes `id` visible now if it is queued (QueueDAO `resetOffsetTime`); returns whether it was.
    pub(crate) fn reset_offset(&mut self, queue: &str, id: &str, now: i64) -> bool {
        let Some(q) = self.queues.get_mut(queue) else {
            return false;
        };
        let Some((Reverse(priority), _, seq)) = q.remove(id) else {
            return false;
        };
        q.push(id, priority, now, seq);
        true
    }

    /// The id that is delivered first (earliest `deliver_at`, then highest priority, then
    /// insertion order): QueueDAO `peekFirstIds(queue, 1)`.
    pub(crate) fn first_by_delivery(&self, queue: &str) -> Option<String> {
        let q = self.queues.get(queue)?;
        q.index
            .iter()
            .min_by_key(|(_, (priority, at, seq))| (*at, *priority, *seq))
            .map(|(id, _)| id.clone())
    }

    /// Pops up to `count` visible ids of `queue`.
    pub(crate) fn pop(&mut self, queue: &str, count: usize, now: i64) -> Vec<String> {
        self.queues
            .get_mut(queue)
            .map(|q| q.pop(count, now))
            .unwrap_or_default()
    }

    /// Whether `id` is queued in `queue`.
    pub(crate) fn contains(&self, queue: &str, id: &str) -> bool {
        self.queues
            .get(queue)
            .is_some_and(|q| q.index.contains_key(id))
    }

    /// Number of messages in `queue`, delayed ones included.
    pub(crate) fn size(&self, queue: &str) -> usize {
        self.queues.get(queue).map_or(0, Queue::len)
    }

    /// Every queue name with its size, sorted by name.
    pub(crate) fn sizes(&self) -> BTreeMap<String, usize> {
        self.queues
            .iter()
            .map(|(name, q)| (name.clone(), q.len()))
            .collect()
    }

    /// The earliest visibility time of any message in `queue`.
    pub(crate) fn next_visible_at(&self, queue: &str) -> Option<i64> {
        self.queues.get(queue).and_then(Queue::next_visible_at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_visible_by_priority_then_time() {
        let mut qs = Queues::default();
        assert!(qs.push("q", "a", 0, 100));
        assert!(qs.push("q", "b", 5, 200));
        assert!(qs.push("q", "c", 0, 50));
        assert!(qs.push("q", "late", 9, 10_000));
        assert!(!qs.push("q", "a", 0, 0), "duplicate push is ignored");
        assert_eq!(qs.size("q"), 4);
        assert_eq!(qs.pop("q", 10, 300), vec!["b", "c", "a"]);
        assert_eq!(qs.size("q"), 1, "delayed message still counted");
        assert!(qs.pop("q", 10, 300).is_empty());
        assert_eq!(qs.next_visible_at("q"), Some(10_000));
        qs.push("q", "soon", 0, 500);
        assert_eq!(qs.next_visible_at("q"), Some(500));
        assert_eq!(qs.pop("q", 1, 10_000), vec!["late"]);
    }

    #[test]
    fn count_limits_and_reset_offset() {
        let mut qs = Queues::default();
        for (i, id) in ["x", "y", "z"].iter().enumerate() {
            qs.push("q", id, 0, i as i64);
        }
        assert_eq!(qs.pop("q", 2, 10), vec!["x", "y"]);
        qs.remove("q", "z");
        qs.push("q", "z", 0, 1_000);
        assert!(qs.pop("q", 1, 10).is_empty());
        assert!(qs.reset_offset("q", "z", 10));
        assert_eq!(qs.pop("q", 1, 10), vec!["z"]);
        assert!(!qs.remove("q", "z"));
    }

    #[test]
    fn negative_priorities_do_not_block_lower_buckets() {
        let mut qs = Queues::default();
        qs.push("q", "hi-late", 50, 1_000);
        qs.push("q", "lo", 0, 0);
        assert_eq!(qs.pop("q", 5, 10), vec!["lo"]);
        assert_eq!(queue_name("t", Some("d")), "d:t");
        assert_eq!(queue_name("t", None), "t");
    }
}
