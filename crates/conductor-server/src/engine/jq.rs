//! jq for JSON_JQ_TRANSFORM, on `jaq` (a Rust implementation of jq): compile the query, run it
//! over a JSON value, collect every emitted value (conductor-oss `JsonJqTransform` uses
//! jackson-jq the same way).
//!
//! A query has a time limit (the scripts' one) and a recursion limit, though jaq can be neither
//! interrupted nor told a depth: both are checked by `__tick`, a native filter that passes its
//! input on, which runs
//! - between the values the query emits;
//! - at every step of the standard generators, which this module redefines to call it
//!   ([`GUARDED_DEFS`]: `range`, `repeat`, `recurse`, `while`, `until`);
//! - at every call of a function the query defines itself: [`with_ticks`] puts `__tick |` at the
//!   start of each `def`'s body.
//!
//! So a query that emits values for ever (`range(1e12)`, `repeat(1)`), runs or collects one of
//! those generators for ever (`last(range(1e12))`, `[repeat(1)]`, `until(false; .)`), or loops by
//! a recursion of its own (`def f: f; f`) fails at the time limit. And a recursion that is not a
//! tail call (`def f: 1 + f; f`), which grows the stack at each call, fails once it has used
//! [`STACK_BUDGET`] of the thread the query runs on (a thread of its own with a
//! [`STACK_SIZE`] stack), where without the check it would overflow the stack and abort the
//! whole process. A result nested too deep for JSON fails without being printed or dropped by
//! recursion (either recursed as deep as the value). Not bounded: a query that spends its time
//! inside one native step (a huge string or array built at once), nor its memory; and a value
//! nested about a million deep that the query consumes itself still overflows the stack when jaq
//! drops it.

use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use jaq_core::box_iter::box_once;
use jaq_core::load::lex::{Lexer, StrPart, Tok, Token};
use jaq_core::load::{Arena, File, Loader};
use jaq_core::native::v;
use jaq_core::{Compiler, Ctx, Error, Exn, Native, Vars, data, unwrap_valr};
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

/// The stack of the thread a query runs on. Only the pages a query touches are committed, and
/// they are returned when the thread ends, after the query.
const STACK_SIZE: usize = 256 << 20;

/// How much of its stack a query may use before `__tick` fails it. The rest is headroom for
/// what runs between two checks (jaq's own frames for one call, a native filter) and for
/// dropping what the query built on its way down.
const STACK_BUDGET: usize = 128 << 20;

thread_local! {
    /// The deadline of the query running on this thread.
    static DEADLINE: Cell<Option<Instant>> = const { Cell::new(None) };
    /// The address of the stack where the query running on this thread started (0: none).
    static STACK_BASE: Cell<usize> = const { Cell::new(0) };
}

fn past_deadline() -> bool {
    DEADLINE.with(|d| d.get().is_some_and(|at| Instant::now() >= at))
}

/// An address on the stack of the calling frame (stacks grow down on every platform Rust's
/// tier 1 supports, so the difference from the base is how deep the query is).
#[inline(never)]
fn stack_address() -> usize {
    let marker = 0_u8;
    std::hint::black_box(&marker) as *const u8 as usize
}

fn past_stack_budget() -> bool {
    let base = STACK_BASE.with(Cell::get);
    base != 0 && base.saturating_sub(stack_address()) > STACK_BUDGET
}

/// Why `__tick` stops a query, if it does.
fn tick_error() -> Option<Exn<'static, Val>> {
    if past_deadline() {
        return Some(Exn::from(Error::str("jq query time limit reached")));
    }
    if past_stack_budget() {
        return Some(Exn::from(Error::str(RECURSION_TOO_DEEP)));
    }
    None
}

/// The error `__tick` raises when the recursion went past [`STACK_BUDGET`] (a query may catch
/// it; uncaught, it becomes [`too_deep`]).
const RECURSION_TOO_DEEP: &str = "jq query recursion too deep";

/// `__tick`: passes its input on, or fails once the deadline passed or the recursion is too
/// deep. It is an identity in paths (`path(f)`) and updates (`f |= g`) too, as the functions
/// whose bodies start with it may be used there.
fn tick() -> Native<Data> {
    Native::new(|cv| match tick_error() {
        Some(error) => box_once(Err(error)),
        None => box_once(Ok(cv.1)),
    })
    .with_paths(|cv| match tick_error() {
        Some(error) => box_once(Err(error)),
        None => box_once(Ok(cv.1)),
    })
    .with_update(|cv, update| match tick_error() {
        Some(error) => box_once(Err(error)),
        None => update(cv.1),
    })
}

/// `query` with `__tick |` at the start of the body of every function it defines (at any depth:
/// in parentheses, arrays, objects and string interpolations too), so that a recursion of its own
/// checks the deadline and the stack at each call. `None` when the query does not lex: it is
/// then loaded as it is, for the loader's error.
fn with_ticks(query: &str) -> Option<String> {
    let tokens = Lexer::new(query).lex().ok()?;
    let mut body_starts = Vec::new();
    find_def_bodies(&tokens, query, &mut body_starts);
    if body_starts.is_empty() {
        return Some(query.to_owned());
    }
    body_starts.sort_unstable();
    let mut ticked = String::with_capacity(query.len() + body_starts.len() * 10);
    let mut copied = 0;
    for at in body_starts {
        ticked.push_str(&query[copied..at]);
        ticked.push_str(" __tick |");
        copied = at;
    }
    ticked.push_str(&query[copied..]);
    Some(ticked)
}

/// Pushes to `out` the byte offset in `whole` right after the `:` of each `def NAME:` or
/// `def NAME(PARAMS):` among `tokens` and the tokens nested in them.
fn find_def_bodies(tokens: &[Token<&str>], whole: &str, out: &mut Vec<usize>) {
    for (i, Token(text, kind)) in tokens.iter().enumerate() {
        match kind {
            Tok::Block(inner) => find_def_bodies(inner, whole, out),
            Tok::Str(parts) => {
                for part in parts {
                    if let StrPart::Term(term) = part {
                        find_def_bodies(std::slice::from_ref(term), whole, out);
                    }
                }
            }
            Tok::Word if *text == "def" => {
                let name = tokens.get(i + 1);
                if !matches!(name, Some(Token(_, Tok::Word | Tok::Fmt))) {
                    continue; // `def` as an object key (`{def: 1}`), not a definition
                }
                let mut colon = i + 2;
                if matches!(tokens.get(colon), Some(Token(_, Tok::Block(_)))) {
                    colon += 1;
                }
                if let Some(Token(symbol, Tok::Sym)) = tokens.get(colon)
                    && *symbol == ":"
                {
                    out.push(jaq_core::load::span(whole, symbol).end);
                }
            }
            _ => {}
        }
    }
}

/// Sets the thread's deadline and stack base for as long as it lives.
struct LimitsGuard;

impl LimitsGuard {
    fn set(at: Instant) -> Self {
        DEADLINE.with(|d| d.set(Some(at)));
        STACK_BASE.with(|base| base.set(stack_address()));
        Self
    }
}

impl Drop for LimitsGuard {
    fn drop(&mut self) {
        DEADLINE.with(|d| d.set(None));
        STACK_BASE.with(|base| base.set(0));
    }
}

/// The failure of a query whose recursion went past [`STACK_BUDGET`].
fn too_deep() -> String {
    format!(
        "jq query recursion too deep (over {} MiB of stack), interrupted.",
        STACK_BUDGET >> 20
    )
}

/// The failure of a query that ran past `limit`.
fn timed_out(limit: Duration) -> String {
    format!(
        "jq query not evaluated within {} seconds, interrupted.",
        limit.as_secs().max(1)
    )
}

/// Runs `query` over `input` within `limit` (see the module documentation for what the limits
/// bound), on a thread of its own; returns all emitted values, or the first error's message.
pub(crate) fn run(query: &str, input: &Value, limit: Duration) -> Result<Vec<Value>, String> {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("jq-query".into())
            .stack_size(STACK_SIZE)
            .spawn_scoped(scope, || run_here(query, input, limit))
            .map_err(|e| format!("Cannot start the jq query's thread: {e}"))?
            .join()
            .unwrap_or_else(|_| Err("jq query evaluation panicked".to_owned()))
    })
}

/// [`run`] on the calling thread, whose stack must be [`STACK_SIZE`].
fn run_here(query: &str, input: &Value, limit: Duration) -> Result<Vec<Value>, String> {
    let ticked = with_ticks(query);
    let program = File {
        code: ticked.as_deref().unwrap_or(query),
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
        .chain([("__tick", v(0), tick())]);
    let arena = Arena::default();
    let modules = Loader::new(defs)
        .load(&arena, program)
        .map_err(|_| parse_failure(query))?;
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
    let _limits = LimitsGuard::set(Instant::now() + limit);
    let mut out = Vec::new();
    for item in filter.id.run((ctx, input)).map(unwrap_valr) {
        if past_deadline() {
            return Err(timed_out(limit));
        }
        let val = item.map_err(|e| {
            let message = e.to_string();
            // jaq quotes a string error; ours reads as the time limit's does.
            if message.trim_matches('"') == RECURSION_TOO_DEEP {
                too_deep()
            } else {
                message
            }
        })?;
        let json = to_json(&val);
        drop_without_recursion(val);
        out.push(json?);
    }
    if past_deadline() {
        return Err(timed_out(limit));
    }
    Ok(out)
}

/// Why `query` does not parse, from the query as written (not with the `__tick`s in it, whose
/// positions the errors would otherwise point into).
fn parse_failure(query: &str) -> String {
    let arena = Arena::default();
    let program = File {
        code: query,
        path: (),
    };
    let detail: Vec<String> = match Loader::new([]).load(&arena, program) {
        Ok(_) => vec!["it does not parse once its functions check the limits".to_owned()],
        Err(errors) => errors
            .iter()
            .map(|(_, error)| format!("{error:?}"))
            .collect(),
    };
    format!("Cannot parse jq query '{query}': {}", detail.join("; "))
}

/// How deep arrays and objects may nest in a value to become JSON: `serde_json` refuses to read
/// 128 levels.
const MAX_NESTING: usize = 127;

fn to_json(val: &Val) -> Result<Value, String> {
    // Checked first, without recursion: printing a value nested a million deep (a `reduce` can
    // build one within the time limit) recurses as deep, and would overflow the stack.
    if nested_deeper_than(val, MAX_NESTING) {
        return Err(format!(
            "jq produced a value nested deeper than {MAX_NESTING} levels, which is not kept"
        ));
    }
    let text = val.to_string();
    serde_json::from_str(&text)
        .map_err(|e| format!("jq produced a value that is not JSON ({text}): {e}"))
}

/// Drops `val` taking its arrays and objects apart with a work list: dropping a value nested a
/// million deep the usual way recurses as deep, and overflows the stack.
fn drop_without_recursion(val: Val) {
    let mut pending = vec![val];
    while let Some(val) = pending.pop() {
        match val {
            // Shared parts are only released here; their last owner drops them.
            Val::Arr(items) => {
                if let Ok(items) = Rc::try_unwrap(items) {
                    pending.extend(items);
                }
            }
            Val::Obj(entries) => {
                if let Ok(entries) = Rc::try_unwrap(entries) {
                    pending.extend(entries.into_iter().flat_map(|(key, value)| [key, value]));
                }
            }
            _ => {}
        }
    }
}

/// Whether arrays and objects in `val` nest deeper than `limit` (the value itself is level 1),
/// found with a work list instead of recursion.
fn nested_deeper_than(val: &Val, limit: usize) -> bool {
    let mut pending = vec![(val, 1_usize)];
    while let Some((val, depth)) = pending.pop() {
        match val {
            Val::Arr(_) | Val::Obj(_) if depth > limit => return true,
            Val::Arr(items) => pending.extend(items.iter().map(|item| (item, depth + 1))),
            Val::Obj(entries) => pending.extend(
                entries
                    .iter()
                    .flat_map(|(key, value)| [(key, depth + 1), (value, depth + 1)]),
            ),
            _ => {}
        }
    }
    false
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
    fn runaway_generators_and_recursions_fail_at_the_time_limit() {
        let limit = Duration::from_millis(200);
        for query in [
            "range(1e12)",
            "[repeat(1)]",
            "last(range(1e12))",
            "reduce range(1e12) as $x (0; . + $x)",
            "0 | until(false; . + 1)",
            "[0 | recurse(. + 1)] | length",
            "[range(1e12)?]",
            // Loops by recursion of the query's own functions (each call ticks).
            "def f: f; f",
            "def f: ., f; [f]",
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

    #[test]
    fn with_ticks_starts_every_function_body_with_a_tick() {
        assert_eq!(with_ticks(".a").as_deref(), Some(".a"));
        assert_eq!(
            with_ticks("def f: 1 + f; f").as_deref(),
            Some("def f: __tick | 1 + f; f")
        );
        assert_eq!(
            with_ticks("def f(g; $x): def h: g; h; [def k: 1; k] | \"\\(def m: 2; m)\"").as_deref(),
            Some(
                "def f(g; $x): __tick | def h: __tick | g; h; [def k: __tick | 1; k] | \"\\(def m: __tick | 2; m)\""
            )
        );
        // Not definitions: an object key, a string.
        assert_eq!(
            with_ticks("{def: 1} | \"def f: 1;\"").as_deref(),
            Some("{def: 1} | \"def f: 1;\"")
        );
        assert_eq!(with_ticks("\"unterminated"), None);
    }

    #[test]
    fn a_recursion_that_grows_the_stack_fails_instead_of_overflowing_it() {
        for query in [
            "def f: 1 + f; f",
            "def f: [f]; f",
            "def f($n): 1 + f($n + 1); f(0)",
            "def g: def f: 1 + f; f; g",
            "[(def f: 1 + f; f)]",
            "\"\\(def f: 1 + f; f)\"",
            "def f: 1 + f; .a |= f",
        ] {
            let error = run(query, &json!({"a": 1})).unwrap_err();
            assert!(error.contains(RECURSION_TOO_DEEP), "{query}: {error}");
        }
        // Each call costs more and more here (`x` is a longer chain at each level): the time
        // limit comes first, and the query fails there.
        let error = super::run(
            "def f(x): x + f(x); f(1)",
            &json!({}),
            Duration::from_millis(300),
        )
        .unwrap_err();
        assert!(error.contains("not evaluated within 1 seconds"), "{error}");
        // The query can catch it, as any error; the stack is back where it was.
        assert_eq!(
            run("def f: 1 + f; try f catch \"caught\"", &json!({})),
            Ok(vec![json!("caught")])
        );
    }

    /// 2,000 levels: a debug build uses about 26 KB of stack per level of this query, so about
    /// 5,000 fit in the budget (a release build: over 30,000).
    #[test]
    fn a_bounded_recursion_runs_as_deep_as_it_needs() {
        assert_eq!(
            run(
                "def fact: if . <= 1 then 1 else . * (. - 1 | fact) end; 10 | fact",
                &json!({})
            ),
            Ok(vec![json!(3_628_800)])
        );
        assert_eq!(
            run(
                "def depth: if . == 0 then 0 else (. - 1 | depth) + 1 end; 2000 | depth",
                &json!({})
            ),
            Ok(vec![json!(2_000)])
        );
    }

    /// Functions the query defines, and the guarded generators, keep working in paths and
    /// updates: `__tick` is an identity there too.
    #[test]
    fn ticked_functions_work_in_paths_and_updates() {
        let input = json!({"a": {"b": 1}});
        assert_eq!(
            run("def ab: .a.b; [path(ab)]", &input),
            Ok(vec![json!([["a", "b"]])])
        );
        assert_eq!(
            run("def ab: .a.b; ab |= . + 1", &input),
            Ok(vec![json!({"a": {"b": 2}})])
        );
        assert_eq!(
            run("[path(recurse(.[]?))]", &input),
            Ok(vec![json!([[], ["a"], ["a", "b"]])])
        );
        assert_eq!(
            run("(recurse(.[]?) | numbers) |= . * 10", &input),
            Ok(vec![json!({"a": {"b": 10}})])
        );
    }

    #[test]
    fn a_parse_error_points_into_the_query_as_written() {
        let error = run("def f: ; f", &json!({})).unwrap_err();
        assert!(
            error.starts_with("Cannot parse jq query 'def f: ; f'"),
            "{error}"
        );
        assert!(!error.contains("__tick"), "{error}");
    }

    /// A deep value fails its query with a short message; printing it (as the conversion to JSON
    /// did) recursed as deep as the value and overflowed the stack at a million levels.
    #[test]
    fn a_value_nested_too_deep_fails_without_printing_it() {
        assert_eq!(
            run("reduce range(127) as $i (0; [.]) | flatten", &json!({})),
            Ok(vec![json!([0])])
        );
        assert!(run("reduce range(127) as $i (0; [.])", &json!({})).is_ok());
        for query in [
            "reduce range(128) as $i (0; [.])",
            "reduce range(127) as $i (0; [.]) | [.]",
            "reduce range(1000000) as $i (0; {a: .})",
        ] {
            let error = super::run(query, &json!({}), Duration::from_secs(60)).unwrap_err();
            assert_eq!(
                error, "jq produced a value nested deeper than 127 levels, which is not kept",
                "{query}"
            );
        }
    }

    #[test]
    fn nesting_is_measured_through_arrays_and_objects() {
        let val = |text: &str| jaq_json::read::parse_single(text.as_bytes()).unwrap();
        assert!(!nested_deeper_than(&val("1"), 1));
        assert!(!nested_deeper_than(&val("[]"), 1));
        assert!(nested_deeper_than(&val("[[]]"), 1));
        assert!(!nested_deeper_than(&val("[1, {\"a\": []}]"), 3));
        assert!(nested_deeper_than(&val("[1, {\"a\": [[]]}]"), 3));
    }
}
