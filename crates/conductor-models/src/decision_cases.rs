//! `DecisionCases`: the cases of a `SWITCH` (or `DECISION`) task, kept in the order they were
//! written.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::WorkflowTask;

/// The `decisionCases` of a `SWITCH` or `DECISION` task: case value → the tasks to run, **in
/// insertion order**, like the server's `LinkedHashMap`. A definition registered with the cases
/// `"zeta"`, `"alpha"` reads back as `"zeta"`, `"alpha"`, and a definition read from the server
/// serialises back with its cases in the server's order.
///
/// It has the map methods a `BTreeMap` user expects (`get`, `insert`, `values`, `iter`, `len`...);
/// inserting an existing case replaces its tasks in place. Two `DecisionCases` are equal when they
/// hold the same cases with the same tasks, in any order (the server looks cases up by value).
///
/// ```
/// use conductor_models::{DecisionCases, WorkflowTask};
///
/// let mut cases = DecisionCases::new();
/// cases.insert("zeta".to_owned(), vec![WorkflowTask::simple("z", "z_ref")]);
/// cases.insert("alpha".to_owned(), vec![WorkflowTask::simple("a", "a_ref")]);
/// assert_eq!(cases.keys().collect::<Vec<_>>(), ["zeta", "alpha"]);
/// assert_eq!(cases["alpha"][0].task_reference_name, "a_ref");
///
/// let json = serde_json::to_string(&cases)?;
/// assert!(json.find("zeta") < json.find("alpha"));
/// let back: DecisionCases = serde_json::from_str(&json)?;
/// assert_eq!(back.keys().collect::<Vec<_>>(), ["zeta", "alpha"]);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct DecisionCases {
    entries: Vec<(String, Vec<WorkflowTask>)>,
}

impl DecisionCases {
    /// No cases.
    ///
    /// ```
    /// assert!(conductor_models::DecisionCases::new().is_empty());
    /// ```
    pub fn new() -> Self {
        DecisionCases::default()
    }

    /// The number of cases.
    ///
    /// ```
    /// use conductor_models::{DecisionCases, WorkflowTask};
    ///
    /// let cases = DecisionCases::from_iter([("a".to_owned(), Vec::<WorkflowTask>::new())]);
    /// assert_eq!(cases.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// `true` when there is no case.
    ///
    /// ```
    /// assert!(conductor_models::DecisionCases::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The tasks of `case`.
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    ///
    /// let switch = WorkflowTask::switch("route_ref", "${workflow.input.kind}")
    ///     .with_case("express", vec![WorkflowTask::simple("ship_fast", "fast_ref")]);
    /// assert_eq!(switch.decision_cases.get("express").map(Vec::len), Some(1));
    /// assert!(switch.decision_cases.get("standard").is_none());
    /// ```
    pub fn get(&self, case: &str) -> Option<&Vec<WorkflowTask>> {
        self.entries
            .iter()
            .find(|(key, _)| key == case)
            .map(|(_, tasks)| tasks)
    }

    /// The tasks of `case`, to change them.
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    ///
    /// let mut switch = WorkflowTask::switch("route_ref", "${workflow.input.kind}")
    ///     .with_case("express", vec![]);
    /// if let Some(tasks) = switch.decision_cases.get_mut("express") {
    ///     tasks.push(WorkflowTask::simple("ship_fast", "fast_ref"));
    /// }
    /// assert_eq!(switch.decision_cases["express"].len(), 1);
    /// ```
    pub fn get_mut(&mut self, case: &str) -> Option<&mut Vec<WorkflowTask>> {
        self.entries
            .iter_mut()
            .find(|(key, _)| key == case)
            .map(|(_, tasks)| tasks)
    }

    /// Whether there is a case `case`.
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    ///
    /// let switch = WorkflowTask::switch("route_ref", "${workflow.input.kind}").with_case("a", vec![]);
    /// assert!(switch.decision_cases.contains_key("a"));
    /// ```
    pub fn contains_key(&self, case: &str) -> bool {
        self.get(case).is_some()
    }

    /// Sets the tasks of `case`: a new case goes last, an existing one keeps its place. Returns the
    /// tasks it replaced.
    ///
    /// ```
    /// use conductor_models::{DecisionCases, WorkflowTask};
    ///
    /// let mut cases = DecisionCases::new();
    /// cases.insert("b".to_owned(), vec![]);
    /// cases.insert("a".to_owned(), vec![]);
    /// let old = cases.insert("b".to_owned(), vec![WorkflowTask::simple("x", "x_ref")]);
    /// assert_eq!(old, Some(vec![]));
    /// assert_eq!(cases.keys().collect::<Vec<_>>(), ["b", "a"]);
    /// ```
    pub fn insert(&mut self, case: String, tasks: Vec<WorkflowTask>) -> Option<Vec<WorkflowTask>> {
        match self.get_mut(&case) {
            Some(slot) => Some(std::mem::replace(slot, tasks)),
            None => {
                self.entries.push((case, tasks));
                None
            }
        }
    }

    /// Removes `case`, keeping the order of the others. Returns its tasks.
    ///
    /// ```
    /// use conductor_models::{DecisionCases, WorkflowTask};
    ///
    /// let mut cases = DecisionCases::from_iter(
    ///     ["a", "b", "c"].map(|case| (case.to_owned(), Vec::<WorkflowTask>::new())),
    /// );
    /// assert!(cases.remove("b").is_some());
    /// assert_eq!(cases.keys().collect::<Vec<_>>(), ["a", "c"]);
    /// ```
    pub fn remove(&mut self, case: &str) -> Option<Vec<WorkflowTask>> {
        let index = self.entries.iter().position(|(key, _)| key == case)?;
        Some(self.entries.remove(index).1)
    }

    /// The case values, in order.
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    ///
    /// let switch = WorkflowTask::switch("r", "x").with_case("z", vec![]).with_case("a", vec![]);
    /// assert_eq!(switch.decision_cases.keys().collect::<Vec<_>>(), ["z", "a"]);
    /// ```
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &String> + ExactSizeIterator {
        self.entries.iter().map(|(key, _)| key)
    }

    /// The task lists, in case order.
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    ///
    /// let switch = WorkflowTask::switch("r", "x")
    ///     .with_case("a", vec![WorkflowTask::simple("a", "a_ref")])
    ///     .with_case("b", vec![]);
    /// assert_eq!(switch.decision_cases.values().map(Vec::len).sum::<usize>(), 1);
    /// ```
    pub fn values(
        &self,
    ) -> impl DoubleEndedIterator<Item = &Vec<WorkflowTask>> + ExactSizeIterator {
        self.entries.iter().map(|(_, tasks)| tasks)
    }

    /// The task lists, in case order, to change them.
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    ///
    /// let mut switch = WorkflowTask::switch("r", "x").with_case("a", vec![]).with_case("b", vec![]);
    /// for tasks in switch.decision_cases.values_mut() {
    ///     tasks.push(WorkflowTask::simple("log", "log_ref"));
    /// }
    /// assert!(switch.decision_cases.values().all(|tasks| tasks.len() == 1));
    /// ```
    pub fn values_mut(
        &mut self,
    ) -> impl DoubleEndedIterator<Item = &mut Vec<WorkflowTask>> + ExactSizeIterator {
        self.entries.iter_mut().map(|(_, tasks)| tasks)
    }

    /// `(case, tasks)` pairs, in order.
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    ///
    /// let switch = WorkflowTask::switch("r", "x").with_case("z", vec![]).with_case("a", vec![]);
    /// let cases: Vec<&str> = switch.decision_cases.iter().map(|(case, _)| case.as_str()).collect();
    /// assert_eq!(cases, ["z", "a"]);
    /// ```
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            inner: self.entries.iter(),
        }
    }

    /// `(case, tasks)` pairs, in order, with the tasks mutable.
    ///
    /// ```
    /// use conductor_models::WorkflowTask;
    ///
    /// let mut switch = WorkflowTask::switch("r", "x").with_case("a", vec![]);
    /// for (case, tasks) in switch.decision_cases.iter_mut() {
    ///     tasks.push(WorkflowTask::simple(case.as_str(), format!("{case}_ref")));
    /// }
    /// assert_eq!(switch.decision_cases["a"][0].task_reference_name, "a_ref");
    /// ```
    pub fn iter_mut(&mut self) -> IterMut<'_> {
        IterMut {
            inner: self.entries.iter_mut(),
        }
    }
}

impl PartialEq for DecisionCases {
    /// The same cases with the same tasks, in any order.
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len()
            && self
                .iter()
                .all(|(case, tasks)| other.get(case) == Some(tasks))
    }
}

impl fmt::Debug for DecisionCases {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl std::ops::Index<&str> for DecisionCases {
    type Output = Vec<WorkflowTask>;

    /// The tasks of a case.
    ///
    /// # Panics
    ///
    /// When there is no such case (like `BTreeMap`'s index).
    fn index(&self, case: &str) -> &Vec<WorkflowTask> {
        match self.get(case) {
            Some(tasks) => tasks,
            None => panic!("no decision case {case:?}"),
        }
    }
}

impl FromIterator<(String, Vec<WorkflowTask>)> for DecisionCases {
    /// Collects cases in order; a repeated case replaces the earlier tasks in place.
    fn from_iter<I: IntoIterator<Item = (String, Vec<WorkflowTask>)>>(iter: I) -> Self {
        let mut cases = DecisionCases::new();
        cases.extend(iter);
        cases
    }
}

impl Extend<(String, Vec<WorkflowTask>)> for DecisionCases {
    fn extend<I: IntoIterator<Item = (String, Vec<WorkflowTask>)>>(&mut self, iter: I) {
        for (case, tasks) in iter {
            self.insert(case, tasks);
        }
    }
}

impl From<BTreeMap<String, Vec<WorkflowTask>>> for DecisionCases {
    /// The cases of a `BTreeMap` (the type `decisionCases` had before), in its (sorted) order.
    ///
    /// ```
    /// use std::collections::BTreeMap;
    /// use conductor_models::{DecisionCases, WorkflowTask};
    ///
    /// let mut map = BTreeMap::new();
    /// map.insert("b".to_owned(), Vec::<WorkflowTask>::new());
    /// map.insert("a".to_owned(), Vec::new());
    /// assert_eq!(DecisionCases::from(map).keys().collect::<Vec<_>>(), ["a", "b"]);
    /// ```
    fn from(map: BTreeMap<String, Vec<WorkflowTask>>) -> Self {
        DecisionCases {
            entries: map.into_iter().collect(),
        }
    }
}

impl IntoIterator for DecisionCases {
    type Item = (String, Vec<WorkflowTask>);
    type IntoIter = IntoIter;

    fn into_iter(self) -> IntoIter {
        IntoIter {
            inner: self.entries.into_iter(),
        }
    }
}

impl<'a> IntoIterator for &'a DecisionCases {
    type Item = (&'a String, &'a Vec<WorkflowTask>);
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl<'a> IntoIterator for &'a mut DecisionCases {
    type Item = (&'a String, &'a mut Vec<WorkflowTask>);
    type IntoIter = IterMut<'a>;

    fn into_iter(self) -> IterMut<'a> {
        self.iter_mut()
    }
}

/// The `(case, tasks)` pairs of a [`DecisionCases`], in order ([`DecisionCases::iter`]).
#[derive(Debug, Clone)]
pub struct Iter<'a> {
    inner: std::slice::Iter<'a, (String, Vec<WorkflowTask>)>,
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a String, &'a Vec<WorkflowTask>);

    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next().map(|(case, tasks)| (case, tasks))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.inner.next_back().map(|(case, tasks)| (case, tasks))
    }
}

impl ExactSizeIterator for Iter<'_> {}

/// The `(case, tasks)` pairs of a [`DecisionCases`], tasks mutable ([`DecisionCases::iter_mut`]).
#[derive(Debug)]
pub struct IterMut<'a> {
    inner: std::slice::IterMut<'a, (String, Vec<WorkflowTask>)>,
}

impl<'a> Iterator for IterMut<'a> {
    type Item = (&'a String, &'a mut Vec<WorkflowTask>);

    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next().map(|(case, tasks)| (&*case, tasks))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl DoubleEndedIterator for IterMut<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.inner.next_back().map(|(case, tasks)| (&*case, tasks))
    }
}

impl ExactSizeIterator for IterMut<'_> {}

/// The owned `(case, tasks)` pairs of a [`DecisionCases`], in order.
#[derive(Debug)]
pub struct IntoIter {
    inner: std::vec::IntoIter<(String, Vec<WorkflowTask>)>,
}

impl Iterator for IntoIter {
    type Item = (String, Vec<WorkflowTask>);

    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl DoubleEndedIterator for IntoIter {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.inner.next_back()
    }
}

impl ExactSizeIterator for IntoIter {}

impl Serialize for DecisionCases {
    /// A JSON object, cases in order.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.len()))?;
        for (case, tasks) in self {
            map.serialize_entry(case, tasks)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for DecisionCases {
    /// A JSON object, cases kept in the order they come in (a repeated case: the last one wins,
    /// in the place of the first, like Jackson's `LinkedHashMap`).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CasesVisitor;

        impl<'de> Visitor<'de> for CasesVisitor {
            type Value = DecisionCases;

            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("an object of case value → task list")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<DecisionCases, A::Error> {
                let mut cases = DecisionCases::new();
                while let Some((case, tasks)) = map.next_entry::<String, Vec<WorkflowTask>>()? {
                    cases.insert(case, tasks);
                }
                Ok(cases)
            }
        }

        deserializer.deserialize_map(CasesVisitor)
    }
}
