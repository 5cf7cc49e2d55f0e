//! [`Tracked`]: a map of the store that remembers which keys were written since the last drain.
//!
//! Durable storage persists only what an engine operation changed. Rather than relying on every
//! call site to report its writes, the store's maps are wrapped: reads go through `Deref` to the
//! plain map, and the only ways to mutate (below) record the key. A new mutation path cannot
//! forget to report itself, since the wrapper offers no `&mut` access to the inner map.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Deref;

/// The map operations [`Tracked`] forwards to (implemented for `HashMap` and `BTreeMap` with
/// `String` keys, the only kinds the store uses).
pub(crate) trait StringMap<V>: Default {
    /// Inserts, returning the previous value.
    fn put(&mut self, key: String, value: V) -> Option<V>;
    /// Removes, returning the value.
    fn take(&mut self, key: &str) -> Option<V>;
    /// Mutable access to one value.
    fn value_mut(&mut self, key: &str) -> Option<&mut V>;
    /// Mutable access to one value, inserting the default when absent.
    fn value_or_default(&mut self, key: String) -> &mut V
    where
        V: Default;
}

impl<V> StringMap<V> for HashMap<String, V> {
    fn put(&mut self, key: String, value: V) -> Option<V> {
        self.insert(key, value)
    }
    fn take(&mut self, key: &str) -> Option<V> {
        self.remove(key)
    }
    fn value_mut(&mut self, key: &str) -> Option<&mut V> {
        self.get_mut(key)
    }
    fn value_or_default(&mut self, key: String) -> &mut V
    where
        V: Default,
    {
        self.entry(key).or_default()
    }
}

impl<V> StringMap<V> for BTreeMap<String, V> {
    fn put(&mut self, key: String, value: V) -> Option<V> {
        self.insert(key, value)
    }
    fn take(&mut self, key: &str) -> Option<V> {
        self.remove(key)
    }
    fn value_mut(&mut self, key: &str) -> Option<&mut V> {
        self.get_mut(key)
    }
    fn value_or_default(&mut self, key: String) -> &mut V
    where
        V: Default,
    {
        self.entry(key).or_default()
    }
}

/// A map whose written keys are recorded while tracking is on (a persistent store turns it on;
/// the in-memory server leaves it off so the dirty set never grows).
#[derive(Debug, Default)]
pub(crate) struct Tracked<M> {
    map: M,
    dirty: HashSet<String>,
    tracking: bool,
}

impl<M> Deref for Tracked<M> {
    type Target = M;
    fn deref(&self) -> &M {
        &self.map
    }
}

impl<M> Tracked<M> {
    /// Starts recording written keys.
    pub(crate) fn track(&mut self) {
        self.tracking = true;
    }

    fn mark(&mut self, key: &str) {
        if self.tracking && !self.dirty.contains(key) {
            self.dirty.insert(key.to_owned());
        }
    }

    /// The keys written since the last call (each either holds its new value or was removed).
    pub(crate) fn take_dirty(&mut self) -> HashSet<String> {
        std::mem::take(&mut self.dirty)
    }

    /// Whether a key was written since the last [`take_dirty`](Self::take_dirty).
    pub(crate) fn has_dirty(&self) -> bool {
        !self.dirty.is_empty()
    }
}

impl<M> Tracked<M> {
    /// Inserts `value` at `key`.
    pub(crate) fn insert<V>(&mut self, key: String, value: V) -> Option<V>
    where
        M: StringMap<V>,
    {
        self.mark(&key);
        self.map.put(key, value)
    }

    /// Removes `key`.
    pub(crate) fn remove<V>(&mut self, key: &str) -> Option<V>
    where
        M: StringMap<V>,
    {
        let removed = self.map.take(key);
        if removed.is_some() {
            self.mark(key);
        }
        removed
    }

    /// Mutable access to the value at `key` (recorded as written when it exists).
    pub(crate) fn get_mut<V>(&mut self, key: &str) -> Option<&mut V>
    where
        M: StringMap<V>,
    {
        if self.map.value_mut(key).is_some() {
            self.mark(key);
        }
        self.map.value_mut(key)
    }

    /// Mutable access to the value at `key`, inserting the default when absent.
    pub(crate) fn entry_or_default<V: Default>(&mut self, key: String) -> &mut V
    where
        M: StringMap<V>,
    {
        self.mark(&key);
        self.map.value_or_default(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_written_keys_only_while_tracking() {
        let mut map: Tracked<HashMap<String, i32>> = Tracked::default();
        map.insert("ignored".into(), 1);
        assert!(map.take_dirty().is_empty(), "not tracking yet");
        map.track();
        map.insert("a".into(), 1);
        *map.entry_or_default("b".into()) += 2;
        assert!(map.get_mut("missing").is_none());
        assert_eq!(map.remove::<i32>("missing"), None);
        if let Some(v) = map.get_mut("ignored") {
            *v = 5;
        }
        let mut dirty: Vec<String> = map.take_dirty().into_iter().collect();
        dirty.sort();
        assert_eq!(dirty, ["a", "b", "ignored"]);
        assert!(!map.has_dirty());
        assert_eq!(map.get("b"), Some(&2));
    }
}
