//! A JSONPath evaluator over `serde_json::Value`, covering the Jayway JsonPath 2.4 features that
//! Conductor expressions use: dot and bracket notation, array indexes (negative too), slices,
//! wildcards, deep scan, simple filters and the aggregate functions.
//!
//! Evaluation follows Jayway with `SUPPRESS_EXCEPTIONS`: a definite path that does not exist reads
//! as `None` (JSON null), an indefinite path (wildcard, deep scan, slice, filter) always yields a list.

use serde_json::{Map, Number, Value};

/// The result of evaluating a path.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PathResult {
    /// The value found (`None` when a definite path does not exist).
    pub(crate) value: Option<Value>,
    /// `true` when the path was indefinite, so `value` is a JsonPath array (rendered as JSON text
    /// when embedded in a string, unlike ordinary lists which render in Java `toString` form).
    pub(crate) indefinite: bool,
}

#[derive(Debug, Clone, PartialEq)]
enum Segment {
    Property(String),
    Properties(Vec<String>),
    Index(i64),
    Indexes(Vec<i64>),
    Slice(Option<i64>, Option<i64>),
    Wildcard,
    DeepScan(Box<Segment>),
    Filter(Filter),
    Function(String),
}

#[derive(Debug, Clone, PartialEq)]
enum Filter {
    Exists(Vec<String>),
    Compare(Operand, CompareOp, Operand),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
}

#[derive(Debug, Clone, PartialEq)]
enum Operand {
    Current(Vec<String>),
    Literal(Value),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// Evaluates `path` (with or without the leading `$`) against `root`.
/// A syntax error yields `None`, as Jayway does under `SUPPRESS_EXCEPTIONS`.
pub(crate) fn read(root: &Value, path: &str) -> PathResult {
    let Some(segments) = parse(path) else {
        return PathResult {
            value: None,
            indefinite: false,
        };
    };
    let indefinite = segments.iter().any(|s| {
        matches!(
            s,
            Segment::Wildcard
                | Segment::DeepScan(_)
                | Segment::Slice(..)
                | Segment::Filter(_)
                | Segment::Indexes(_)
        )
    });
    let (function, path_segments) = match segments.split_last() {
        Some((Segment::Function(name), rest)) => (Some(name.clone()), rest),
        _ => (None, segments.as_slice()),
    };
    let mut nodes: Vec<Value> = vec![root.clone()];
    for segment in path_segments {
        let mut next = Vec::new();
        for node in &nodes {
            apply(segment, node, &mut next);
        }
        nodes = next;
        if nodes.is_empty() {
            break;
        }
    }
    if let Some(function) = function {
        let target = if indefinite {
            Some(Value::Array(nodes))
        } else {
            nodes.into_iter().next()
        };
        return PathResult {
            value: target.and_then(|t| apply_function(&function, &t)),
            indefinite: false,
        };
    }
    if indefinite {
        PathResult {
            value: Some(Value::Array(nodes)),
            indefinite: true,
        }
    } else {
        PathResult {
            value: nodes.into_iter().next(),
            indefinite: false,
        }
    }
}

fn apply(segment: &Segment, node: &Value, out: &mut Vec<Value>) {
    match segment {
        Segment::Property(name) => {
            if let Value::Object(map) = node
                && let Some(v) = map.get(name)
            {
                out.push(v.clone());
            }
        }
        Segment::Properties(names) => {
            if let Value::Object(map) = node {
                let mut picked = Map::new();
                for name in names {
                    if let Some(v) = map.get(name) {
                        picked.insert(name.clone(), v.clone());
                    }
                }
                out.push(Value::Object(picked));
            }
        }
        Segment::Index(i) => {
            if let Value::Array(items) = node
                && let Some(v) = index(items, *i)
            {
                out.push(v.clone());
            }
        }
        Segment::Indexes(list) => {
            if let Value::Array(items) = node {
                out.extend(list.iter().filter_map(|i| index(items, *i)).cloned());
            }
        }
        Segment::Slice(from, to) => {
            if let Value::Array(items) = node {
                let len = items.len() as i64;
                let norm = |v: i64| if v < 0 { (len + v).max(0) } else { v.min(len) };
                let start = from.map_or(0, norm);
                let end = to.map_or(len, norm);
                if start < end {
                    out.extend(items[start as usize..end as usize].iter().cloned());
                }
            }
        }
        Segment::Wildcard => match node {
            Value::Object(map) => out.extend(map.values().cloned()),
            Value::Array(items) => out.extend(items.iter().cloned()),
            _ => {}
        },
        Segment::DeepScan(inner) => deep_scan(inner, node, out),
        Segment::Filter(filter) => match node {
            Value::Array(items) => {
                out.extend(
                    items
                        .iter()
                        .filter(|item| matches_filter(filter, item))
                        .cloned(),
                );
            }
            Value::Object(_) if matches_filter(filter, node) => out.push(node.clone()),
            _ => {}
        },
        Segment::Function(_) => {}
    }
}

fn deep_scan(inner: &Segment, node: &Value, out: &mut Vec<Value>) {
    apply(inner, node, out);
    match node {
        Value::Object(map) => map.values().for_each(|v| deep_scan(inner, v, out)),
        Value::Array(items) => items.iter().for_each(|v| deep_scan(inner, v, out)),
        _ => {}
    }
}

fn index(items: &[Value], i: i64) -> Option<&Value> {
    let idx = if i < 0 { items.len() as i64 + i } else { i };
    usize::try_from(idx).ok().and_then(|idx| items.get(idx))
}

fn matches_filter(filter: &Filter, item: &Value) -> bool {
    match filter {
        Filter::Exists(path) => lookup(item, path).is_some(),
        Filter::And(a, b) => matches_filter(a, item) && matches_filter(b, item),
        Filter::Or(a, b) => matches_filter(a, item) || matches_filter(b, item),
        Filter::Compare(left, op, right) => {
            let resolve = |o: &Operand| match o {
                Operand::Current(path) => lookup(item, path).cloned(),
                Operand::Literal(v) => Some(v.clone()),
            };
            let (Some(l), Some(r)) = (resolve(left), resolve(right)) else {
                return matches!(op, CompareOp::Ne);
            };
            compare(&l, *op, &r)
        }
    }
}

fn lookup<'a>(item: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter()
        .try_fold(item, |node, key| node.as_object().and_then(|m| m.get(key)))
}

fn compare(l: &Value, op: CompareOp, r: &Value) -> bool {
    let ordering = match (l, r) {
        (Value::Number(a), Value::Number(b)) => a
            .as_f64()
            .zip(b.as_f64())
            .and_then(|(a, b)| a.partial_cmp(&b)),
        (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
        _ => None,
    };
    match op {
        CompareOp::Eq => ordering.map_or(l == r, |o| o.is_eq()),
        CompareOp::Ne => ordering.map_or(l != r, |o| o.is_ne()),
        CompareOp::Lt => ordering.is_some_and(|o| o.is_lt()),
        CompareOp::Le => ordering.is_some_and(|o| o.is_le()),
        CompareOp::Gt => ordering.is_some_and(|o| o.is_gt()),
        CompareOp::Ge => ordering.is_some_and(|o| o.is_ge()),
    }
}

fn apply_function(name: &str, target: &Value) -> Option<Value> {
    let numbers = || -> Vec<f64> {
        match target {
            Value::Array(items) => items.iter().filter_map(Value::as_f64).collect(),
            _ => Vec::new(),
        }
    };
    match name {
        "length" | "size" => match target {
            Value::Array(items) => Some(Value::from(items.len())),
            Value::Object(map) => Some(Value::from(map.len())),
            Value::String(s) => Some(Value::from(s.chars().count())),
            _ => None,
        },
        "min" => numbers().into_iter().reduce(f64::min).and_then(float),
        "max" => numbers().into_iter().reduce(f64::max).and_then(float),
        "sum" => {
            let n = numbers();
            if n.is_empty() {
                None
            } else {
                float(n.iter().sum())
            }
        }
        "avg" => {
            let n = numbers();
            if n.is_empty() {
                None
            } else {
                float(n.iter().sum::<f64>() / n.len() as f64)
            }
        }
        "stddev" => {
            let n = numbers();
            if n.is_empty() {
                return None;
            }
            let mean = n.iter().sum::<f64>() / n.len() as f64;
            let var = n.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n.len() as f64;
            float(var.sqrt())
        }
        _ => None,
    }
}

fn float(v: f64) -> Option<Value> {
    Number::from_f64(v).map(Value::Number)
}

// ---------------------------------------------------------------------------------------------
// Parsing

fn parse(path: &str) -> Option<Vec<Segment>> {
    let path = path.trim();
    let mut chars: Vec<char> = path.chars().collect();
    // Jayway prepends "$." to paths that do not start with '$' ("$[" for a leading bracket).
    if chars.first() != Some(&'$') {
        let prefix: &[char] = if chars.first() == Some(&'[') {
            &['$']
        } else {
            &['$', '.']
        };
        chars.splice(0..0, prefix.iter().copied());
    }
    let mut p = Parser { chars, pos: 1 };
    let mut segments = Vec::new();
    while p.pos < p.chars.len() {
        segments.push(p.segment()?);
    }
    Some(segments)
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    fn segment(&mut self) -> Option<Segment> {
        match self.peek()? {
            '.' if self.peek_at(1) == Some('.') => {
                self.pos += 2;
                let inner = if self.peek() == Some('[') {
                    self.bracket()?
                } else {
                    self.dotted()?
                };
                Some(Segment::DeepScan(Box::new(inner)))
            }
            '.' => {
                self.pos += 1;
                self.dotted()
            }
            '[' => self.bracket(),
            _ => None,
        }
    }

    fn dotted(&mut self) -> Option<Segment> {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if c == '.' || c == '[' {
                break;
            }
            if c == '(' {
                // function call: name()
                let name: String = self.chars[start..self.pos].iter().collect();
                self.pos += 1;
                if self.peek() != Some(')') {
                    return None;
                }
                self.pos += 1;
                return Some(Segment::Function(name));
            }
            self.pos += 1;
        }
        let name: String = self.chars[start..self.pos].iter().collect();
        if name.is_empty() {
            return None;
        }
        if name == "*" {
            return Some(Segment::Wildcard);
        }
        Some(Segment::Property(name))
    }

    fn bracket(&mut self) -> Option<Segment> {
        self.pos += 1; // '['
        self.skip_ws();
        let segment = match self.peek()? {
            '\'' | '"' => {
                let mut names = vec![self.quoted()?];
                self.skip_ws();
                while self.peek() == Some(',') {
                    self.pos += 1;
                    self.skip_ws();
                    names.push(self.quoted()?);
                    self.skip_ws();
                }
                if names.len() == 1 {
                    Segment::Property(names.remove(0))
                } else {
                    Segment::Properties(names)
                }
            }
            '*' => {
                self.pos += 1;
                Segment::Wildcard
            }
            '?' => {
                self.pos += 1;
                self.skip_ws();
                if self.peek() != Some('(') {
                    return None;
                }
                let close = self.matching_paren(self.pos)?;
                let body: String = self.chars[self.pos + 1..close].iter().collect();
                self.pos = close + 1;
                Segment::Filter(parse_filter(&body)?)
            }
            _ => {
                let start = self.pos;
                while self.peek().is_some_and(|c| c != ']') {
                    self.pos += 1;
                }
                let body: String = self.chars[start..self.pos].iter().collect();
                parse_index_body(body.trim())?
            }
        };
        self.skip_ws();
        if self.peek() != Some(']') {
            return None;
        }
        self.pos += 1;
        Some(segment)
    }

    fn quoted(&mut self) -> Option<String> {
        let quote = self.peek()?;
        self.pos += 1;
        let mut out = String::new();
        while let Some(c) = self.peek() {
            self.pos += 1;
            if c == '\\' {
                out.push(self.peek()?);
                self.pos += 1;
            } else if c == quote {
                return Some(out);
            } else {
                out.push(c);
            }
        }
        None
    }

    fn matching_paren(&self, open: usize) -> Option<usize> {
        let mut depth = 0usize;
        let mut quote: Option<char> = None;
        for (i, c) in self.chars.iter().enumerate().skip(open) {
            match (quote, *c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '\'' | '"') => quote = Some(*c),
                (None, '(') => depth += 1,
                (None, ')') => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(i);
                    }
                }
                _ => {}
            }
        }
        None
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }
}

fn parse_index_body(body: &str) -> Option<Segment> {
    if body.contains(':') {
        let (from, to) = body.split_once(':')?;
        let parse_opt = |s: &str| -> Option<Option<i64>> {
            let s = s.trim();
            if s.is_empty() {
                Some(None)
            } else {
                s.parse().ok().map(Some)
            }
        };
        return Some(Segment::Slice(parse_opt(from)?, parse_opt(to)?));
    }
    if body.contains(',') {
        let list: Option<Vec<i64>> = body.split(',').map(|s| s.trim().parse().ok()).collect();
        return Some(Segment::Indexes(list?));
    }
    body.parse().ok().map(Segment::Index)
}

fn parse_filter(body: &str) -> Option<Filter> {
    let body = body.trim();
    if let Some((a, b)) = split_top(body, "||") {
        return Some(Filter::Or(
            Box::new(parse_filter(a)?),
            Box::new(parse_filter(b)?),
        ));
    }
    if let Some((a, b)) = split_top(body, "&&") {
        return Some(Filter::And(
            Box::new(parse_filter(a)?),
            Box::new(parse_filter(b)?),
        ));
    }
    for (token, op) in [
        ("==", CompareOp::Eq),
        ("!=", CompareOp::Ne),
        ("<=", CompareOp::Le),
        (">=", CompareOp::Ge),
        ("<", CompareOp::Lt),
        (">", CompareOp::Gt),
    ] {
        if let Some((l, r)) = split_top(body, token) {
            return Some(Filter::Compare(operand(l)?, op, operand(r)?));
        }
    }
    match operand(body)? {
        Operand::Current(path) => Some(Filter::Exists(path)),
        Operand::Literal(_) => None,
    }
}

fn split_top<'a>(body: &'a str, token: &str) -> Option<(&'a str, &'a str)> {
    let mut quote: Option<char> = None;
    for (i, c) in body.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None if body[i..].starts_with(token) => {
                return Some((&body[..i], &body[i + token.len()..]));
            }
            None => {}
        }
    }
    None
}

fn operand(raw: &str) -> Option<Operand> {
    let raw = raw.trim();
    if let Some(rest) = raw.strip_prefix('@') {
        let path: Vec<String> = rest
            .split('.')
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.trim_matches(|c| c == '[' || c == ']' || c == '\'' || c == '"')
                    .to_owned()
            })
            .collect();
        return Some(Operand::Current(path));
    }
    if raw.len() >= 2
        && ((raw.starts_with('\'') && raw.ends_with('\''))
            || (raw.starts_with('"') && raw.ends_with('"')))
    {
        return Some(Operand::Literal(Value::String(
            raw[1..raw.len() - 1].to_owned(),
        )));
    }
    serde_json::from_str(raw).ok().map(Operand::Literal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({
            "workflow": {"input": {"n": 5, "name": "x", "list": [{"b": "x"}, {"b": "y"}], "key": "n"}},
            "t1": {"output": {"a": 1, "1": {"t": "one"}, "nums": [1, 2, 3, 4]}},
            "my-task": {"output": {"v": true}}
        })
    }

    #[test]
    fn definite_paths_return_the_typed_value() {
        let d = doc();
        assert_eq!(read(&d, "workflow.input.n").value, Some(json!(5)));
        assert_eq!(read(&d, "$.workflow.input.name").value, Some(json!("x")));
        assert_eq!(read(&d, "t1.output.1.t").value, Some(json!("one")));
        assert_eq!(read(&d, "['my-task'].output.v").value, Some(json!(true)));
        assert_eq!(read(&d, "my-task.output.v").value, Some(json!(true)));
        assert_eq!(read(&d, "t1.output.nums[0]").value, Some(json!(1)));
        assert_eq!(read(&d, "t1.output.nums[-1]").value, Some(json!(4)));
        assert!(!read(&d, "t1.output.nums[0]").indefinite);
    }

    #[test]
    fn missing_paths_are_none() {
        let d = doc();
        assert_eq!(read(&d, "workflow.input.missing").value, None);
        assert_eq!(read(&d, "t9.output.x").value, None);
        assert_eq!(read(&d, "t1.output.nums[10]").value, None);
        assert_eq!(read(&d, "workflow.input[").value, None);
    }

    #[test]
    fn indefinite_paths_return_lists() {
        let d = doc();
        let r = read(&d, "workflow.input.list[*].b");
        assert_eq!(r.value, Some(json!(["x", "y"])));
        assert!(r.indefinite);
        assert_eq!(read(&d, "t1.output.nums[1:3]").value, Some(json!([2, 3])));
        assert_eq!(read(&d, "$..b").value, Some(json!(["x", "y"])));
        assert_eq!(
            read(&d, "workflow.input.list[?(@.b == 'y')]").value,
            Some(json!([{"b": "y"}]))
        );
        assert_eq!(read(&d, "t1.output.nums[0,2]").value, Some(json!([1, 3])));
    }

    #[test]
    fn functions_aggregate() {
        let d = doc();
        assert_eq!(read(&d, "t1.output.nums.length()").value, Some(json!(4)));
        assert_eq!(read(&d, "t1.output.nums.sum()").value, Some(json!(10.0)));
        assert_eq!(read(&d, "t1.output.nums.max()").value, Some(json!(4.0)));
        assert_eq!(read(&d, "t1.output.nums.avg()").value, Some(json!(2.5)));
    }
}
