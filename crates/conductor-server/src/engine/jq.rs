//! jq for JSON_JQ_TRANSFORM, on `jaq` (a Rust implementation of jq): compile the query, run it
//! over a JSON value, collect every emitted value (conductor-oss `JsonJqTransform` uses
//! jackson-jq the same way).
//!
//! A query has a time limit (the scripts' one), though jaq cannot be interrupted: the deadline is
//! checked between the values the query emits, and at every step of the standard generators,
//! which this module redefines to check it ([`GUARDED_DEFS`]: `range`, `repeat`, `recurse`,
//! `while`, `until`). So a query that emits values forever (`range(1e12)`, `repeat(1)`), or runs
//! or collects one of those generators for ever (`last(range(1e12))`, `[repeat(1)]`,
//! `until(false; .)`, `reduce range(1e12) as $x (0; . + $x)`) fails at the limit. Not bounded: a
//! query that loops by recursion of its own (`def f: f; f`) or spends its time inside one native
//! step (a huge string or array built at once): it holds its thread until it ends. Nor is its
//! memory, nor its recursion depth: jaq has no depth limit, and a recursion that is not a tail
//! call (`def f: 1 + f; f`) overflows the thread's stack, which aborts the process.

use std::cell::Cell;
use std::time::{Duration, Instant};

use jaq_core::box_iter::box_once;
use jaq_core::load::{Arena, File, Loader};
use jaq_core::native::{self, v};
use jaq_core::{Compiler, Ctx, Cv, Error, Exn, ValXs, Vars, data, unwrap_valr};
use jaq_json::Val;
use serde_json::Value;

/// The standard generators, redefined to check the deadline at every step (`__tick`). Loaded
/// after the standard library, they shadow its definitions for the query.
const GUARDED_DEFS: &str = r#"
def __native_range($from; $to; $by): range($from; $to; $by);
def range($from; $to; $by): __native_range($from; $to; $by) | __tick;
def range($from; $to): range($from; $to; 1);
def range($to): range(0; $to);
def repeat(f): def rec: f, (__tick | rec); rec;
def recurse(f): def rec: ., (f | __tick | rec); rec;
def recurse: recurse(.[]?);
def recurse(f; cond): recurse(f | select(cond));
def while(cond; update): def rec: if cond then ., (update | __tick | rec) else empty end; rec;
def until(cond; update): def rec: if cond then . else (update | __tick | rec) end; rec;
"#;

type Data = data::JustLut<Val>;

thread_local! {
    /// The deadline of the query running on this thread.
    static DEADLINE: Cell<Option<Instant>> = const { Cell::new(None) };
}

fn past_deadline() -> bool {
    DEADLINE.with(|d| d.get().is_some_and(|at| Instant::now() >= at))
}

/// `__tick`: passes its input on, or fails once the deadline passed.
fn tick<'a>(cv: Cv<'a, Data>) -> ValXs<'a, Val> {
    if past_deadline() {
        return box_once(Err(Exn::from(Error::str("jq query time limit reached"))));
    }
    box_once(Ok(cv.1))
}

/// Sets the thread's deadline for as long as it lives.
struct DeadlineGuard;

impl DeadlineGuard {
    fn set(at: Instant) -> Self {
        DEADLINE.with(|d| d.set(Some(at)));
        Self
    }
}

impl Drop for DeadlineGuard {
    fn drop(&mut self) {
        DEADLINE.with(|d| d.set(None));
    }
}

/// The failure of a query that ran past `limit`.
fn timed_out(limit: Duration) -> String {
    format!(
        "jq query not evaluated within {} seconds, interrupted.",
        limit.as_secs().max(1)
    )
}

/// Runs `query` over `input` within `limit` (see the module documentation for what the limit
/// bounds); returns all emitted values, or the first error's message.
pub(crate) fn run(query: &str, input: &Value, limit: Duration) -> Result<Vec<Value>, String> {
    let program = File {
        code: query,
        path: (),
    };
    let guarded = jaq_core::load::parse(GUARDED_DEFS, |p| p.defs()).unwrap_or_default();
    let defs = jaq_core::defs()
        .chain(jaq_std::defs())
        .chain(jaq_json::defs())
        .chain(guarded);
    let funs = jaq_core::funs()
        .chain(jaq_std::funs())
        .chain(jaq_json::funs())
        .chain([native::run::<Data>(("__tick", v(0), tick))]);
    let loader = Loader::new(defs);
    let arena = Arena::default();
    let modules = loader.load(&arena, program).map_err(|errors| {
        let detail: Vec<String> = errors
            .iter()
            .map(|(_, error)| format!("{error:?}"))
            .collect();
        format!("Cannot parse jq query '{query}': {}", detail.join("; "))
    })?;
    let filter = Compiler::default()
        .with_funs(funs)
        .compile(modules)
        .map_err(|errors| {
            let detail: Vec<String> = errors
                .iter()
                .flat_map(|(_, errs)| errs.iter().map(|(name, _)| (*name).to_owned()))
                .collect();
            format!(
                "Cannot compile jq query '{query}': undefined {}",
                detail.join(", ")
            )
        })?;
    let input = jaq_json::read::parse_single(input.to_string().as_bytes())
        .map_err(|e| format!("Cannot read the input as JSON: {e}"))?;
    let ctx = Ctx::<Data>::new(&filter.lut, Vars::new([]));
    let _deadline = DeadlineGuard::set(Instant::now() + limit);
    let mut out = Vec::new();
    for item in filter.id.run((ctx, input)).map(unwrap_valr) {
        if past_deadline() {
            return Err(timed_out(limit));
        }
        let val = item.map_err(|e| e.to_string())?;
        out.push(to_json(&val)?);
    }
    if past_deadline() {
        return Err(timed_out(limit));
    }
    Ok(out)
}

fn to_json(val: &Val) -> Result<Value, String> {
    let text = val.to_string();
    serde_json::from_str(&text)
        .map_err(|e| format!("jq produced a value that is not JSON ({text}): {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const LIMIT: Duration = Duration::from_secs(5);

    fn run(query: &str, input: &Value) -> Result<Vec<Value>, String> {
        super::run(query, input, LIMIT)
    }

    #[test]
    fn the_guarded_generators_parse_and_behave_as_the_standard_ones() {
        assert!(jaq_core::load::parse(GUARDED_DEFS, |p| p.defs()).is_some());
        let input = json!({});
        assert_eq!(run("[range(3)]", &input), Ok(vec![json!([0, 1, 2])]));
        assert_eq!(run("[range(1; 7; 2)]", &input), Ok(vec![json!([1, 3, 5])]));
        assert_eq!(
            run("[range(0, 1; 3)]", &input),
            Ok(vec![json!([0, 1, 2, 1, 2])])
        );
        assert_eq!(
            run("[limit(3; repeat(1))]", &input),
            Ok(vec![json!([1, 1, 1])])
        );
        assert_eq!(
            run("[2 | recurse(if . < 20 then . * . else empty end)]", &input),
            Ok(vec![json!([2, 4, 16, 256])])
        );
        assert_eq!(
            run("[1 | while(. < 5; . + 1)]", &input),
            Ok(vec![json!([1, 2, 3, 4])])
        );
        assert_eq!(run("1 | until(. > 4; . * 2)", &input), Ok(vec![json!(8)]));
        assert_eq!(
            run("[{a: [1]} | recurse] | length", &input),
            Ok(vec![json!(3)])
        );
    }

    #[test]
    fn runaway_generators_fail_at_the_time_limit() {
        let limit = Duration::from_millis(200);
        for query in [
            "range(1e12)",
            "[repeat(1)]",
            "last(range(1e12))",
            "reduce range(1e12) as $x (0; . + $x)",
            "0 | until(false; . + 1)",
            "[0 | recurse(. + 1)] | length",
            "[range(1e12)?]",
        ] {
            let started = Instant::now();
            let error = super::run(query, &json!({}), limit).unwrap_err();
            assert!(
                error.contains("not evaluated within 1 seconds"),
                "{query}: {error}"
            );
            assert!(
                started.elapsed() < Duration::from_secs(3),
                "{query}: {:?}",
                started.elapsed()
            );
        }
    }

    #[test]
    fn runs_queries_and_collects_outputs() {
        let input = json!({"in1": {"array": ["a", "b"]}, "in2": {"array": ["c"]}});
        assert_eq!(
            run("{ out: (.in1.array + .in2.array) }", &input),
            Ok(vec![json!({"out": ["a", "b", "c"]})])
        );
        assert_eq!(
            run(".in1.array[]", &input),
            Ok(vec![json!("a"), json!("b")])
        );
        assert_eq!(run("empty", &input), Ok(vec![]));
        assert_eq!(
            run("[.[] | length] | add", &json!({"a": [1], "b": [1, 2]})),
            Ok(vec![json!(3)])
        );
        assert_eq!(run(".x / 2", &json!({"x": 3})), Ok(vec![json!(1.5)]));
    }

    #[test]
    fn reports_errors() {
        let err = run(".a.array", &json!({"a": "text"})).unwrap_err();
        assert!(err.to_lowercase().contains("cannot index"), "{err}");
        assert!(run("{{{", &json!({})).unwrap_err().contains("Cannot parse"));
        assert!(
            run("nosuchfn(1)", &json!({}))
                .unwrap_err()
                .contains("nosuchfn")
        );
    }
}
