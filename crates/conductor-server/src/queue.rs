//! Task queues: one per `[domain:]taskType`, with priorities and visibility delays.
//!
//! Semantics follow the SQLite queue DAO of conductor-oss: a message is a task id; it is pushed at
//! most once per queue; it becomes visible at `deliver_at`; a pop takes the visible messages with the
//! highest priority first, then the earliest `deliver_at`, then insertion order, and removes them
//! (OSS acks at poll time). Sizes count delayed messages too.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

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
    /// (queue, id) of the messages pushed, moved or removed since the last
    /// [`take_dirty`](Queues::take_dirty), while tracking is on (for durable storage).
    dirty: HashSet<(String, String)>,
    tracking: bool,
}

/// A queued message as durable storage keeps it: priority, visibility time (epoch ms) and the
/// insertion sequence that orders equal messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(
    not(feature = "sqlite"),
    allow(dead_code, reason = "read by durable storage only")
)]
pub(crate) struct Message {
    pub(crate) priority: i32,
    pub(crate) deliver_at: i64,
    pub(crate) seq: u64,
}

/// The queue name of a task type in a domain (`QueueUtils.getQueueName` for worker tasks).
pub(crate) fn queue_name(task_type: &str, domain: Option<&str>) -> String {
    match domain {
        Some(d) if !d.is_empty() => format!("{d}:{task_type}"),
        _ => task_type.to_owned(),
    }
}

#[cfg_attr(
    not(feature = "sqlite"),
    allow(dead_code, reason = "change tracking serves durable storage only")
)]
impl Queues {
    /// Starts recording which messages change.
    pub(crate) fn track(&mut self) {
        self.tracking = true;
    }

    fn mark(&mut self, queue: &str, id: &str) {
        if self.tracking {
            self.dirty.insert((queue.to_owned(), id.to_owned()));
        }
    }

    /// The (queue, id) pairs changed since the last call: each is either queued with its current
    /// [`message`](Self::message) or gone.
    pub(crate) fn take_dirty(&mut self) -> HashSet<(String, String)> {
        std::mem::take(&mut self.dirty)
    }

    /// Whether a message changed since the last [`take_dirty`](Self::take_dirty).
    pub(crate) fn has_dirty(&self) -> bool {
        !self.dirty.is_empty()
    }

    /// The queued message `id` of `queue`.
    pub(crate) fn message(&self, queue: &str, id: &str) -> Option<Message> {
        let (Reverse(priority), deliver_at, seq) = *self.queues.get(queue)?.index.get(id)?;
        Some(Message {
            priority,
            deliver_at,
            seq,
        })
    }

    /// Puts back a message read from durable storage, keeping its sequence number so the order
    /// among equal messages survives a restart.
    pub(crate) fn restore(&mut self, queue: &str, id: &str, message: Message) {
        self.seq = self.seq.max(message.seq);
        self.queues.entry(queue.to_owned()).or_default().push(
            id,
            message.priority,
            message.deliver_at,
            message.seq,
        );
    }
}

impl Queues {
    /// Pushes `id` unless it is already in `queue`; returns whether it was added.
    pub(crate) fn push(&mut self, queue: &str, id: &str, priority: i32, deliver_at: i64) -> bool {
        self.seq += 1;
        let seq = self.seq;
        let added = self
            .queues
            .entry(queue.to_owned())
            .or_default()
            .push(id, priority, deliver_at, seq);
        if added {
            self.mark(queue, id);
        }
        added
    }

    /// Removes `id` from `queue`; returns whether it was there.
    pub(crate) fn remove(&mut self, queue: &str, id: &str) -> bool {
        let removed = self
            .queues
            .get_mut(queue)
            .is_some_and(|q| q.remove(id).is_some());
        if removed {
            self.mark(queue, id);
        }
        removed
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
        self.mark(queue, id);
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
        let taken = self
            .queues
            .get_mut(queue)
            .map(|q| q.pop(count, now))
            .unwrap_or_default();
        for id in &taken {
            self.mark(queue, id);
        }
        taken
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
    fn tracks_changed_messages_and_restores_them() {
        let mut qs = Queues::default();
        qs.push("q", "before", 0, 0);
        qs.track();
        assert!(!qs.has_dirty());
        qs.push("q", "a", 3, 100);
        qs.push("q", "b", 0, 0);
        assert_eq!(qs.pop("q", 1, 50), vec!["before"]);
        let dirty = qs.take_dirty();
        assert_eq!(dirty.len(), 3);
        let a = qs.message("q", "a").unwrap();
        assert_eq!((a.priority, a.deliver_at), (3, 100));
        assert!(qs.message("q", "before").is_none());
        let mut copy = Queues::default();
        copy.restore("q", "a", a);
        copy.restore("q", "b", qs.message("q", "b").unwrap());
        assert_eq!(copy.pop("q", 5, 1_000), qs.pop("q", 5, 1_000));
        copy.push("q", "later", 0, 0);
        assert!(copy.message("q", "later").unwrap().seq > a.seq);
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
