//! The search query language of `/workflow/search` and `/tasks/search`: an SQL-like filter
//! (`=`, `!=`, `<`, `>`, `<=`, `>=`, `IN (..)`, `BETWEEN a AND b`, `IS NULL`, `STARTS_WITH`,
//! `AND`/`OR`, parentheses), free text, `field:ASC|DESC` sorts joined by `|`, and paging.

use std::cmp::Ordering;

use serde_json::Value;
use thiserror::Error;

/// A malformed query (answered with 400, as OSS's parser errors are `IllegalArgumentException`s).
#[derive(Debug, Error, PartialEq, Eq)]
#[error("Invalid search query: {0}")]
pub struct QueryError(pub String);

/// A parsed filter expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Query {
    /// Matches everything (empty query).
    All,
    /// Both sides match.
    And(Box<Query>, Box<Query>),
    /// Either side matches.
    Or(Box<Query>, Box<Query>),
    /// `field op value`.
    Compare(String, Op, String),
    /// `field IN (a, b)`.
    In(String, Vec<String>),
    /// `field BETWEEN a AND b` (inclusive).
    Between(String, String, String),
    /// `field IS NULL` (`true`) / `IS NOT NULL` (`false`).
    IsNull(String, bool),
    /// `field STARTS_WITH prefix`.
    StartsWith(String, String),
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Quoted(String),
    Op(Op),
    Open,
    Close,
    Comma,
}

fn tokenize(input: &str) -> Result<Vec<Token>, QueryError> {
    let chars: Vec<char> = input.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '(' => {
                tokens.push(Token::Open);
                i += 1;
            }
            ')' => {
                tokens.push(Token::Close);
                i += 1;
            }
            ',' => {
                tokens.push(Token::Comma);
                i += 1;
            }
            '\'' | '"' => {
                let mut j = i + 1;
                let mut text = String::new();
                while j < chars.len() && chars[j] != c {
                    text.push(chars[j]);
                    j += 1;
                }
                if j >= chars.len() {
                    return Err(QueryError(format!("unterminated quote in '{input}'")));
                }
                tokens.push(Token::Quoted(text));
                i = j + 1;
            }
            '=' => {
                tokens.push(Token::Op(Op::Eq));
                i += 1;
            }
            '!' | '<' | '>' => {
                let next_eq = chars.get(i + 1) == Some(&'=');
                let op = match (c, next_eq) {
                    ('!', true) => Op::Ne,
                    ('<', true) => Op::Le,
                    ('>', true) => Op::Ge,
                    ('<', false) => Op::Lt,
                    ('>', false) => Op::Gt,
                    _ => return Err(QueryError(format!("unexpected '!' in '{input}'"))),
                };
                tokens.push(Token::Op(op));
                i += if next_eq { 2 } else { 1 };
            }
            _ => {
                let mut word = String::new();
                while i < chars.len()
                    && !chars[i].is_whitespace()
                    && !matches!(
                        chars[i],
                        '(' | ')' | ',' | '=' | '!' | '<' | '>' | '\'' | '"'
                    )
                {
                    word.push(chars[i]);
                    i += 1;
                }
                tokens.push(Token::Word(word));
            }
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn keyword(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(kw))
    }

    fn or(&mut self) -> Result<Query, QueryError> {
        let mut left = self.and()?;
        while self.keyword("OR") {
            self.pos += 1;
            left = Query::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Query, QueryError> {
        let mut left = self.primary()?;
        while self.keyword("AND") {
            self.pos += 1;
            left = Query::And(Box::new(left), Box::new(self.primary()?));
        }
        Ok(left)
    }

    fn value(&mut self) -> Result<String, QueryError> {
        match self.next() {
            Some(Token::Word(w) | Token::Quoted(w)) => Ok(w),
            // conductor-oss's SQLite index reads `status=` as "status is the empty string".
            None => Ok(String::new()),
            other => Err(QueryError(format!("expected a value, found {other:?}"))),
        }
    }

    fn primary(&mut self) -> Result<Query, QueryError> {
        if self.peek() == Some(&Token::Open) {
            self.pos += 1;
            let inner = self.or()?;
            if self.next() != Some(Token::Close) {
                return Err(QueryError("missing ')'".into()));
            }
            return Ok(inner);
        }
        let field = match self.next() {
            Some(Token::Word(w)) => w,
            other => {
                return Err(QueryError(format!(
                    "expected a field name, found {other:?}"
                )));
            }
        };
        match self.next() {
            Some(Token::Op(op)) => Ok(Query::Compare(field, op, self.value()?)),
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("IN") => {
                if self.next() != Some(Token::Open) {
                    return Err(QueryError("expected '(' after IN".into()));
                }
                let mut values = Vec::new();
                loop {
                    match self.next() {
                        Some(Token::Close) => break,
                        Some(Token::Comma) => {}
                        Some(Token::Word(v) | Token::Quoted(v)) => values.push(v),
                        other => return Err(QueryError(format!("bad IN list near {other:?}"))),
                    }
                }
                Ok(Query::In(field, values))
            }
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("BETWEEN") => {
                let low = self.value()?;
                if !self.keyword("AND") {
                    return Err(QueryError("expected AND in BETWEEN".into()));
                }
                self.pos += 1;
                Ok(Query::Between(field, low, self.value()?))
            }
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("IS") => {
                let not = self.keyword("NOT");
                if not {
                    self.pos += 1;
                }
                if !self.keyword("NULL") {
                    return Err(QueryError("expected NULL after IS".into()));
                }
                self.pos += 1;
                Ok(Query::IsNull(field, !not))
            }
            Some(Token::Word(w)) if w.eq_ignore_ascii_case("STARTS_WITH") => {
                Ok(Query::StartsWith(field, self.value()?))
            }
            other => Err(QueryError(format!(
                "expected an operator after '{field}', found {other:?}"
            ))),
        }
    }
}

impl Query {
    /// Parses a query; a blank query matches everything.
    pub fn parse(input: &str) -> Result<Query, QueryError> {
        let tokens = tokenize(input)?;
        if tokens.is_empty() {
            return Ok(Query::All);
        }
        let mut parser = Parser { tokens, pos: 0 };
        let query = parser.or()?;
        if parser.pos < parser.tokens.len() {
            return Err(QueryError(format!(
                "unexpected trailing input in '{input}'"
            )));
        }
        Ok(query)
    }

    /// Evaluates the query; `field` returns a document's value for a field name.
    pub fn matches(&self, field: &dyn Fn(&str) -> Option<Value>) -> bool {
        match self {
            Query::All => true,
            Query::And(a, b) => a.matches(field) && b.matches(field),
            Query::Or(a, b) => a.matches(field) || b.matches(field),
            Query::Compare(name, op, value) => {
                let actual = field(name);
                let ordering = actual.as_ref().and_then(|a| compare_to(a, value));
                match op {
                    Op::Eq => ordering == Some(Ordering::Equal),
                    Op::Ne => ordering != Some(Ordering::Equal),
                    Op::Lt => ordering == Some(Ordering::Less),
                    Op::Le => matches!(ordering, Some(Ordering::Less | Ordering::Equal)),
                    Op::Gt => ordering == Some(Ordering::Greater),
                    Op::Ge => matches!(ordering, Some(Ordering::Greater | Ordering::Equal)),
                }
            }
            Query::In(name, values) => field(name).is_some_and(|a| {
                values
                    .iter()
                    .any(|v| compare_to(&a, v) == Some(Ordering::Equal))
            }),
            Query::Between(name, low, high) => field(name).is_some_and(|a| {
                matches!(
                    compare_to(&a, low),
                    Some(Ordering::Greater | Ordering::Equal)
                ) && matches!(compare_to(&a, high), Some(Ordering::Less | Ordering::Equal))
            }),
            Query::IsNull(name, want_null) => {
                let is_null = matches!(field(name), None | Some(Value::Null))
                    || field(name).is_some_and(|v| v.as_str() == Some(""));
                is_null == *want_null
            }
            Query::StartsWith(name, prefix) => field(name)
                .is_some_and(|a| value_text(&a).is_some_and(|t| t.starts_with(prefix.as_str()))),
        }
    }
}

fn value_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Compares a document value with a query literal: numerically when both are numbers,
/// otherwise as text.
fn compare_to(actual: &Value, literal: &str) -> Option<Ordering> {
    if let (Some(a), Ok(b)) = (actual.as_f64(), literal.parse::<f64>()) {
        return a.partial_cmp(&b);
    }
    value_text(actual).map(|t| t.as_str().cmp(literal))
}

/// Whether a document matches free text: `*` or blank matches all; otherwise every
/// whitespace-separated word must occur (case-insensitively) in the document's JSON.
pub fn free_text_matches(free_text: &str, document: &str) -> bool {
    let text = free_text.trim();
    if text.is_empty() || text == "*" {
        return true;
    }
    let haystack = document.to_lowercase();
    text.split_whitespace()
        .map(|w| w.trim_matches('*').to_lowercase())
        .filter(|w| !w.is_empty())
        .all(|w| haystack.contains(&w))
}

/// A sort key: field name and ascending flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortKey {
    /// The field sorted on.
    pub field: String,
    /// `true` for ascending.
    pub ascending: bool,
}

/// Parses `field:ASC|field2:DESC` (also tolerating `,` as a separator).
pub fn parse_sort(sort: &str) -> Vec<SortKey> {
    sort.split(['|', ','])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|spec| match spec.split_once(':') {
            Some((field, dir)) => SortKey {
                field: field.trim().to_owned(),
                ascending: !dir.trim().eq_ignore_ascii_case("DESC"),
            },
            None => SortKey {
                field: spec.to_owned(),
                ascending: true,
            },
        })
        .collect()
}

/// Orders two documents by the sort keys.
pub fn compare_by(
    keys: &[SortKey],
    a: &dyn Fn(&str) -> Option<Value>,
    b: &dyn Fn(&str) -> Option<Value>,
) -> Ordering {
    for key in keys {
        let (x, y) = (a(&key.field), b(&key.field));
        let ord = match (&x, &y) {
            (Some(x), Some(y)) => match (x.as_f64(), y.as_f64()) {
                (Some(p), Some(q)) => p.partial_cmp(&q).unwrap_or(Ordering::Equal),
                _ => value_text(x).cmp(&value_text(y)),
            },
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        };
        let ord = if key.ascending { ord } else { ord.reverse() };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(status: &str, ty: &str, start: i64) -> impl Fn(&str) -> Option<Value> {
        let v =
            json!({"status": status, "workflowType": ty, "startTime": start, "correlationId": ""});
        move |f: &str| v.get(f).cloned()
    }

    #[test]
    fn grammar_covers_operators_and_grouping() {
        let q = Query::parse("workflowType = 'order' AND status IN (RUNNING,FAILED)").unwrap();
        assert!(q.matches(&doc("RUNNING", "order", 5)));
        assert!(!q.matches(&doc("COMPLETED", "order", 5)));
        assert!(!q.matches(&doc("RUNNING", "other", 5)));
        let q = Query::parse("(status = COMPLETED OR status=FAILED) AND startTime > 10").unwrap();
        assert!(q.matches(&doc("FAILED", "x", 11)));
        assert!(!q.matches(&doc("FAILED", "x", 10)));
        let q = Query::parse("startTime BETWEEN 1 AND 3 AND status != RUNNING").unwrap();
        assert!(q.matches(&doc("FAILED", "x", 3)));
        assert!(!q.matches(&doc("RUNNING", "x", 2)));
        assert!(
            Query::parse("correlationId IS NULL")
                .unwrap()
                .matches(&doc("x", "y", 0))
        );
        assert!(
            Query::parse("workflowType STARTS_WITH ord")
                .unwrap()
                .matches(&doc("x", "order", 0))
        );
        assert_eq!(Query::parse("  ").unwrap(), Query::All);
    }

    #[test]
    fn malformed_queries_are_errors() {
        assert!(Query::parse("status =").is_ok());
        assert!(Query::parse("(status = A").is_err());
        assert!(Query::parse("status 'x'").is_err());
        assert!(Query::parse("status = 'x").is_err());
    }

    #[test]
    fn sort_and_free_text() {
        let keys = parse_sort("startTime:DESC|workflowId:ASC");
        assert_eq!(keys.len(), 2);
        assert!(!keys[0].ascending && keys[1].ascending);
        assert_eq!(
            compare_by(&keys, &doc("a", "b", 2), &doc("a", "b", 1)),
            Ordering::Less
        );
        assert!(free_text_matches("*", "anything"));
        assert!(free_text_matches("Order", "{\"workflowType\":\"order\"}"));
        assert!(!free_text_matches("nope", "{\"workflowType\":\"order\"}"));
    }
}
