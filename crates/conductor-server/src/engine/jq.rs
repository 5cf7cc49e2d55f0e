//! jq for JSON_JQ_TRANSFORM, on `jaq` (a Rust implementation of jq): compile the query, run it
//! over a JSON value, collect every emitted value (conductor-oss `JsonJqTransform` uses
//! jackson-jq the same way).

use jaq_core::load::{Arena, File, Loader};
use jaq_core::{Compiler, Ctx, Vars, data, unwrap_valr};
use jaq_json::Val;
use serde_json::Value;

/// Runs `query` over `input`; returns all emitted values, or the first error's message.
pub(crate) fn run(query: &str, input: &Value) -> Result<Vec<Value>, String> {
    let program = File {
        code: query,
        path: (),
    };
    let defs = jaq_core::defs()
        .chain(jaq_std::defs())
        .chain(jaq_json::defs());
    let funs = jaq_core::funs()
        .chain(jaq_std::funs())
        .chain(jaq_json::funs());
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
    let ctx = Ctx::<data::JustLut<Val>>::new(&filter.lut, Vars::new([]));
    let mut out = Vec::new();
    for item in filter.id.run((ctx, input)).map(unwrap_valr) {
        let val = item.map_err(|e| e.to_string())?;
        out.push(to_json(&val)?);
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
