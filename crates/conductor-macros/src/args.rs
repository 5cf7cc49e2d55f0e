//! The arguments of `#[worker(...)]`: parsed from the attribute's tokens into [`WorkerArgs`], with
//! a spanned, actionable error for every unknown key, duplicate, missing `name` or wrong value.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, Lit, Meta, Token};

use crate::diagnostics::{Errors, closest};
use crate::rename::RenameRule;

/// Every key `#[worker(...)]` accepts, in the order the documentation lists them.
pub(crate) const KEYS: &[&str] = &[
    "name",
    "thread_count",
    "poll_interval",
    "poll_timeout",
    "domain",
    "identity",
    "register_task_def",
    "lease_extend_enabled",
    "paused",
    "rate_limit",
    "rate_limit_burst",
    "adaptive_concurrency",
    "concurrency_limiter",
    "rename_all",
    "strict_schema",
    "blocking",
    "crate",
];

/// The parsed `#[worker(...)]` arguments.
pub(crate) struct WorkerArgs {
    /// The task definition name: a value expression (a string literal, or a `&str` constant).
    pub(crate) name: Option<Setting>,
    /// Whether a `name` argument was written (even an invalid one).
    pub(crate) name_given: bool,
    /// `thread_count`: how many tasks run at once.
    pub(crate) thread_count: Option<Setting>,
    /// `poll_interval`, in milliseconds.
    pub(crate) poll_interval: Option<Setting>,
    /// `poll_timeout` (long poll), in milliseconds.
    pub(crate) poll_timeout: Option<Setting>,
    /// `domain`.
    pub(crate) domain: Option<Setting>,
    /// `identity` (worker id).
    pub(crate) identity: Option<Setting>,
    /// `register_task_def`.
    pub(crate) register_task_def: Option<Setting>,
    /// `lease_extend_enabled`.
    pub(crate) lease_extend_enabled: Option<Setting>,
    /// `paused`.
    pub(crate) paused: Option<Setting>,
    /// `rate_limit`: tasks per second (an `f64`).
    pub(crate) rate_limit: Option<Setting>,
    /// `rate_limit_burst`: tasks at once under the rate limit (a `u32`); only with `rate_limit`.
    pub(crate) rate_limit_burst: Option<Setting>,
    /// `adaptive_concurrency`.
    pub(crate) adaptive_concurrency: Option<Setting>,
    /// `concurrency_limiter`: the adaptive-concurrency algorithm (turns adaptive concurrency on).
    pub(crate) concurrency_limiter: Option<LimiterChoice>,
    /// `rename_all`: how parameter names become input keys.
    pub(crate) rename_all: Option<RenameRule>,
    /// `strict_schema`: close the generated input schema (`additionalProperties: false`).
    pub(crate) strict_schema: bool,
    /// `blocking`: the span of the flag when present (a synchronous function on the blocking pool).
    pub(crate) blocking: Option<Span>,
    /// `crate`: the path of the crate whose `__private` module the expansion uses.
    pub(crate) krate: syn::Path,
}

/// The algorithms `concurrency_limiter` names, as `ConcurrencyLimiter::from_name` spells them,
/// with the `ConcurrencyLimiter` constant each stands for.
pub(crate) const LIMITERS: &[(&str, &str)] = &[("aimd", "AIMD"), ("gradient2", "GRADIENT2")];

/// A `concurrency_limiter = "..."` argument, checked against [`LIMITERS`].
pub(crate) struct LimiterChoice {
    /// The `ConcurrencyLimiter` constant to use (`AIMD`, `GRADIENT2`).
    pub(crate) constant: &'static str,
    /// The span of the string literal, for the generated call.
    pub(crate) span: Span,
}

/// One worker setting: the tokens to emit (spanned at the user's value, so type errors point
/// there) and, for a literal, its text for the generated documentation.
pub(crate) struct Setting {
    pub(crate) tokens: TokenStream,
    pub(crate) literal: Option<String>,
}

/// What a key's value must be.
#[derive(Clone, Copy)]
enum Kind {
    /// A non-empty string literal, or an expression of type `&str`.
    Str,
    /// A positive integer literal, or an expression of the setting's integer type.
    Count {
        min: u64,
        max: Option<u64>,
        example: &'static str,
    },
    /// `true`/`false`, or the bare key (meaning `true`).
    Bool,
    /// A positive number literal (whole or decimal), or an `f64` expression.
    Rate,
}

impl WorkerArgs {
    /// Parses the attribute's argument tokens; every problem is recorded in `errors`.
    pub(crate) fn parse(args: TokenStream, errors: &mut Errors) -> Self {
        let mut parsed = WorkerArgs {
            name: None,
            name_given: false,
            thread_count: None,
            poll_interval: None,
            poll_timeout: None,
            domain: None,
            identity: None,
            register_task_def: None,
            lease_extend_enabled: None,
            paused: None,
            rate_limit: None,
            rate_limit_burst: None,
            adaptive_concurrency: None,
            concurrency_limiter: None,
            rename_all: None,
            strict_schema: false,
            blocking: None,
            krate: syn::parse_quote!(::conductor),
        };
        let metas = match Punctuated::<Meta, Token![,]>::parse_terminated.parse2(args) {
            Ok(metas) => metas,
            Err(err) => {
                errors.at_span(
                    err.span(),
                    format_args!(
                        "{err}; `#[worker]` takes `key = value` pairs, e.g. \
                         `#[worker(name = \"greet\", thread_count = 4)]`"
                    ),
                );
                return parsed;
            }
        };
        let mut seen: Vec<String> = Vec::new();
        for meta in &metas {
            let key_path = meta.path();
            let Some(key) = key_path.get_ident().map(|ident| unraw(&ident.to_string())) else {
                errors.at(key_path, "expected a key such as `name`, not a path");
                continue;
            };
            let key = key.as_str();
            if !KEYS.contains(&key) {
                let hint = match closest(key, KEYS.iter().copied()) {
                    Some(suggestion) => format!("did you mean `{suggestion}`?"),
                    None => format!("expected one of {}", list(KEYS)),
                };
                errors.at(
                    key_path,
                    format_args!("unknown `#[worker]` argument `{key}`; {hint}"),
                );
                continue;
            }
            if seen.iter().any(|previous| previous == key) {
                errors.at(
                    key_path,
                    format_args!("duplicate `{key}` in `#[worker]`; give each argument once"),
                );
                continue;
            }
            seen.push(key.to_owned());
            parsed.apply(key, meta, errors);
        }
        if let (Some(limiter), Some(adaptive)) =
            (&parsed.concurrency_limiter, &parsed.adaptive_concurrency)
            && adaptive.literal.as_deref() == Some("false")
        {
            errors.at_span(
                limiter.span,
                "`concurrency_limiter` turns adaptive concurrency on, which `adaptive_concurrency = false` turns off; give one of them",
            );
        }
        if parsed.rate_limit.is_none()
            && let Some(burst) = &parsed.rate_limit_burst
        {
            errors.at(
                &burst.tokens,
                "`rate_limit_burst` needs a `rate_limit`, e.g. `rate_limit = 10, rate_limit_burst = 20`",
            );
        }
        parsed
    }

    fn apply(&mut self, key: &str, meta: &Meta, errors: &mut Errors) {
        let count = |min, max, example| Kind::Count { min, max, example };
        match key {
            "name" => {
                self.name_given = true;
                self.name = setting(meta, key, Kind::Str, errors);
            }
            "thread_count" => {
                self.thread_count = setting(meta, key, count(1, None, "thread_count = 4"), errors);
            }
            "poll_interval" => {
                self.poll_interval =
                    setting(meta, key, count(0, None, "poll_interval = 100"), errors);
            }
            "poll_timeout" => {
                self.poll_timeout = setting(
                    meta,
                    key,
                    count(0, Some(5_000), "poll_timeout = 1000"),
                    errors,
                );
            }
            "domain" => self.domain = setting(meta, key, Kind::Str, errors),
            "identity" => self.identity = setting(meta, key, Kind::Str, errors),
            "register_task_def" => self.register_task_def = setting(meta, key, Kind::Bool, errors),
            "lease_extend_enabled" => {
                self.lease_extend_enabled = setting(meta, key, Kind::Bool, errors)
            }
            "paused" => self.paused = setting(meta, key, Kind::Bool, errors),
            "rate_limit" => self.rate_limit = setting(meta, key, Kind::Rate, errors),
            "rate_limit_burst" => {
                self.rate_limit_burst =
                    setting(meta, key, count(1, None, "rate_limit_burst = 20"), errors);
            }
            "adaptive_concurrency" => {
                self.adaptive_concurrency = setting(meta, key, Kind::Bool, errors)
            }
            "concurrency_limiter" => self.concurrency_limiter = limiter_choice(meta, errors),
            "strict_schema" => {
                self.strict_schema = literal_bool(meta, key, errors).unwrap_or(false)
            }
            "blocking" => {
                if literal_bool(meta, key, errors) == Some(true) {
                    self.blocking = Some(meta.path().span());
                }
            }
            "rename_all" => self.rename_all = rename_rule(meta, errors),
            "crate" => {
                if let Some(path) = crate_path(meta, errors) {
                    self.krate = path;
                }
            }
            _ => errors.at(
                meta.path(),
                format_args!("`{key}` is not handled; this is a bug in `#[worker]`"),
            ),
        }
    }
}

/// Reads a key's value as a setting of `kind`.
fn setting(meta: &Meta, key: &str, kind: Kind, errors: &mut Errors) -> Option<Setting> {
    if let Kind::Bool = kind {
        return literal_bool(meta, key, errors).map(|value| Setting {
            tokens: quote!(#value),
            literal: Some(value.to_string()),
        });
    }
    let expr = name_value(meta, key, example_of(key, kind), errors)?;
    match (kind, expr) {
        (
            Kind::Str,
            Expr::Lit(syn::ExprLit {
                lit: Lit::Str(lit), ..
            }),
        ) => {
            if lit.value().trim().is_empty() {
                errors.at(lit, format_args!("`{key}` must not be empty"));
                return None;
            }
            Some(Setting {
                tokens: lit.to_token_stream(),
                literal: Some(lit.value()),
            })
        }
        (
            Kind::Count { min, max, example },
            Expr::Lit(syn::ExprLit {
                lit: Lit::Int(lit), ..
            }),
        ) => {
            match lit.base10_parse::<u64>() {
                Ok(value) if value < min => {
                    errors.at(lit, format_args!("`{key}` must be at least {min}"));
                    None
                }
                Ok(value) if max.is_some_and(|max| value > max) => {
                    let max = max.unwrap_or(value);
                    errors.at(
                        lit,
                        format_args!("`{key}` must be at most {max} (the server's limit)"),
                    );
                    None
                }
                Ok(value) => {
                    // An unsuffixed literal so it takes the setting's type (`usize` or `u64`).
                    let unsuffixed = proc_macro2::Literal::u64_unsuffixed(value);
                    let mut literal = proc_macro2::TokenStream::new();
                    let mut token = proc_macro2::TokenTree::Literal(unsuffixed);
                    token.set_span(lit.span());
                    literal.extend([token]);
                    Some(Setting {
                        tokens: literal,
                        literal: Some(value.to_string()),
                    })
                }
                Err(_) => {
                    errors.at(
                        lit,
                        format_args!("`{key}` must be a whole number, e.g. `{example}`"),
                    );
                    None
                }
            }
        }
        (Kind::Rate, Expr::Lit(syn::ExprLit { lit, .. }))
            if matches!(lit, Lit::Int(_) | Lit::Float(_)) =>
        {
            rate_literal(key, &lit, errors)
        }
        (_, Expr::Lit(lit)) => {
            errors.at(
                &lit,
                format_args!("wrong type for `{key}`: expected {}", example_of(key, kind)),
            );
            None
        }
        // A constant or other expression: the compiler checks its type at the value.
        (_, expr) => Some(Setting {
            tokens: expr.to_token_stream(),
            literal: None,
        }),
    }
}

/// A `rate_limit` literal, as an unsuffixed `f64` literal (`10` becomes `10.0`).
fn rate_literal(key: &str, lit: &Lit, errors: &mut Errors) -> Option<Setting> {
    let parsed = match lit {
        Lit::Int(int) => int.base10_parse::<f64>().ok(),
        Lit::Float(float) => float.base10_parse::<f64>().ok(),
        _ => None,
    };
    match parsed {
        Some(value) if value.is_finite() && value > 0.0 => {
            let mut token = proc_macro2::Literal::f64_unsuffixed(value);
            token.set_span(lit.span());
            Some(Setting {
                tokens: proc_macro2::TokenTree::Literal(token).into(),
                literal: Some(value.to_string()),
            })
        }
        _ => {
            errors.at(
                lit,
                format_args!("`{key}` must be a positive number of tasks per second, e.g. `{key} = 10` or `{key} = 0.5`"),
            );
            None
        }
    }
}

fn example_of(key: &str, kind: Kind) -> String {
    match kind {
        Kind::Str => format!("a string, e.g. `{key} = \"...\"`"),
        Kind::Count { example, .. } => format!("a whole number, e.g. `{example}`"),
        Kind::Bool => format!("`true` or `false`, e.g. `{key} = true`"),
        Kind::Rate => format!("a number of tasks per second, e.g. `{key} = 10`"),
    }
}

/// The `= value` of a `key = value` argument.
fn name_value(meta: &Meta, key: &str, expected: String, errors: &mut Errors) -> Option<Expr> {
    match meta {
        Meta::NameValue(name_value) => Some(name_value.value.clone()),
        Meta::Path(path) => {
            errors.at(path, format_args!("`{key}` needs a value: {expected}"));
            None
        }
        Meta::List(list) => {
            errors.at(
                list,
                format_args!("`{key}` is written `{key} = value`: {expected}"),
            );
            None
        }
    }
}

/// A boolean argument: `key`, `key = true` or `key = false`.
fn literal_bool(meta: &Meta, key: &str, errors: &mut Errors) -> Option<bool> {
    match meta {
        Meta::Path(_) => Some(true),
        Meta::NameValue(syn::MetaNameValue {
            value:
                Expr::Lit(syn::ExprLit {
                    lit: Lit::Bool(value),
                    ..
                }),
            ..
        }) => Some(value.value),
        Meta::NameValue(name_value) => {
            errors.at(
                &name_value.value,
                format_args!("wrong type for `{key}`: expected `true` or `false`, e.g. `{key} = true` or just `{key}`"),
            );
            None
        }
        Meta::List(list) => {
            errors.at(
                list,
                format_args!("`{key}` is a flag: write `{key}` or `{key} = true`"),
            );
            None
        }
    }
}

fn rename_rule(meta: &Meta, errors: &mut Errors) -> Option<RenameRule> {
    let expected = format!("one of {}", list(RenameRule::NAMES));
    let value = name_value(meta, "rename_all", expected.clone(), errors)?;
    let Expr::Lit(syn::ExprLit {
        lit: Lit::Str(lit), ..
    }) = &value
    else {
        errors.at(
            &value,
            format_args!("wrong type for `rename_all`: expected a string, {expected}"),
        );
        return None;
    };
    let text = lit.value();
    match RenameRule::from_name(&text) {
        Some(rule) => Some(rule),
        None => {
            let hint = match closest(&text, RenameRule::NAMES.iter().copied()) {
                Some(suggestion) => format!("did you mean \"{suggestion}\"?"),
                None => format!("expected {expected}"),
            };
            errors.at(
                lit,
                format_args!("unknown `rename_all` rule \"{text}\"; {hint}"),
            );
            None
        }
    }
}

/// `concurrency_limiter = "aimd"` or `"gradient2"` (any case, as the environment takes them).
fn limiter_choice(meta: &Meta, errors: &mut Errors) -> Option<LimiterChoice> {
    let names: Vec<&str> = LIMITERS.iter().map(|(name, _)| *name).collect();
    let expected = format!(
        "one of {}",
        names
            .iter()
            .map(|name| format!("\"{name}\""))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let value = name_value(meta, "concurrency_limiter", expected.clone(), errors)?;
    let Expr::Lit(syn::ExprLit {
        lit: Lit::Str(lit), ..
    }) = &value
    else {
        errors.at(
            &value,
            format_args!(
                "wrong type for `concurrency_limiter`: expected a string literal, {expected}, e.g. `concurrency_limiter = \"gradient2\"`"
            ),
        );
        return None;
    };
    let text = lit.value();
    let wanted = text.trim().to_ascii_lowercase();
    if let Some((_, constant)) = LIMITERS.iter().find(|(name, _)| *name == wanted) {
        return Some(LimiterChoice {
            constant,
            span: lit.span(),
        });
    }
    let hint = match closest(&wanted, names.iter().copied()) {
        Some(suggestion) => format!("did you mean \"{suggestion}\"?"),
        None => format!("expected {expected}"),
    };
    errors.at(
        lit,
        format_args!("unknown `concurrency_limiter` \"{text}\"; {hint}"),
    );
    None
}

/// `crate = "::path"` or `crate = ::path`.
fn crate_path(meta: &Meta, errors: &mut Errors) -> Option<syn::Path> {
    let expected = "a path, e.g. `crate = \"::conductor\"`".to_owned();
    match name_value(meta, "crate", expected.clone(), errors)? {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Str(lit), ..
        }) => match lit.parse::<syn::Path>() {
            Ok(path) => Some(path),
            Err(err) => {
                errors.at(
                    &lit,
                    format_args!("`crate` is not a path ({err}): expected {expected}"),
                );
                None
            }
        },
        Expr::Path(syn::ExprPath {
            path, qself: None, ..
        }) => Some(path),
        other => {
            errors.at(
                &other,
                format_args!("wrong type for `crate`: expected {expected}"),
            );
            None
        }
    }
}

/// `r#type` -> `type`.
pub(crate) fn unraw(ident: &str) -> String {
    ident.strip_prefix("r#").unwrap_or(ident).to_owned()
}

fn list(names: &[&str]) -> String {
    names
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(tokens: TokenStream) -> (WorkerArgs, Vec<String>) {
        let mut errors = Errors::default();
        let args = WorkerArgs::parse(tokens, &mut errors);
        (args, errors.messages())
    }

    #[test]
    fn every_key_parses() {
        let (args, errors) = parse(quote!(
            name = "greet",
            thread_count = 5,
            poll_interval = 200,
            poll_timeout = 1000,
            domain = "premium",
            identity = "me",
            register_task_def,
            lease_extend_enabled = true,
            paused = false,
            rate_limit = 10,
            rate_limit_burst = 20,
            adaptive_concurrency,
            concurrency_limiter = "Gradient2",
            rename_all = "camelCase",
            strict_schema,
            blocking,
            crate = "::my::conductor"
        ));
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(args.name.unwrap().literal.as_deref(), Some("greet"));
        assert_eq!(args.thread_count.unwrap().tokens.to_string(), "5");
        assert_eq!(args.poll_interval.unwrap().tokens.to_string(), "200");
        assert_eq!(args.poll_timeout.unwrap().tokens.to_string(), "1000");
        assert_eq!(args.domain.unwrap().literal.as_deref(), Some("premium"));
        assert_eq!(args.identity.unwrap().literal.as_deref(), Some("me"));
        assert_eq!(args.register_task_def.unwrap().tokens.to_string(), "true");
        assert_eq!(
            args.lease_extend_enabled.unwrap().tokens.to_string(),
            "true"
        );
        assert_eq!(args.paused.unwrap().tokens.to_string(), "false");
        assert_eq!(args.rate_limit.unwrap().tokens.to_string(), "10.0");
        assert_eq!(args.rate_limit_burst.unwrap().tokens.to_string(), "20");
        assert_eq!(
            args.adaptive_concurrency.unwrap().tokens.to_string(),
            "true"
        );
        assert_eq!(args.concurrency_limiter.unwrap().constant, "GRADIENT2");
        assert_eq!(args.rename_all, Some(RenameRule::CamelCase));
        assert!(args.strict_schema);
        assert!(args.blocking.is_some());
        assert_eq!(
            args.krate.to_token_stream().to_string(),
            ":: my :: conductor"
        );
    }

    #[test]
    fn constants_are_accepted_as_values() {
        let (args, errors) = parse(quote!(
            name = GREET_TASK,
            thread_count = THREADS,
            crate = ::conductor
        ));
        assert!(errors.is_empty(), "{errors:?}");
        let name = args.name.unwrap();
        assert_eq!(name.tokens.to_string(), "GREET_TASK");
        assert_eq!(name.literal, None);
        assert_eq!(args.thread_count.unwrap().tokens.to_string(), "THREADS");
    }

    #[test]
    fn defaults_when_only_the_name_is_given() {
        let (args, errors) = parse(quote!(name = "x"));
        assert!(errors.is_empty());
        assert!(args.thread_count.is_none() && args.domain.is_none() && args.blocking.is_none());
        assert!(!args.strict_schema);
        assert_eq!(args.krate.to_token_stream().to_string(), ":: conductor");
        let (args, _) = parse(quote!(name = "x", blocking = false));
        assert!(args.blocking.is_none());
    }

    #[test]
    fn unknown_keys_suggest_the_closest() {
        let (_, errors) = parse(quote!(name = "x", thread_cont = 3, timeout = 5));
        assert_eq!(errors.len(), 2);
        assert_eq!(
            errors[0],
            "unknown `#[worker]` argument `thread_cont`; did you mean `thread_count`?"
        );
        assert!(
            errors[1]
                .starts_with("unknown `#[worker]` argument `timeout`; expected one of `name`, ")
        );
    }

    #[test]
    fn duplicates_wrong_types_and_bad_values_are_all_reported() {
        let (_, errors) = parse(quote!(
            name = "x",
            name = "y",
            thread_count = "4",
            poll_interval = -1,
            domain = 3,
            thread_count = 0,
            paused = "yes",
            rename_all = "camelcase",
            poll_timeout = 60000,
            name("z")
        ));
        assert_eq!(
            errors,
            [
                "duplicate `name` in `#[worker]`; give each argument once",
                "wrong type for `thread_count`: expected a whole number, e.g. `thread_count = 4`",
                "wrong type for `domain`: expected a string, e.g. `domain = \"...\"`",
                "duplicate `thread_count` in `#[worker]`; give each argument once",
                "wrong type for `paused`: expected `true` or `false`, e.g. `paused = true` or just `paused`",
                "unknown `rename_all` rule \"camelcase\"; did you mean \"camelCase\"?",
                "`poll_timeout` must be at most 5000 (the server's limit)",
                "duplicate `name` in `#[worker]`; give each argument once",
            ]
        );
        // `poll_interval = -1` is an expression, not a literal: the compiler rejects it at the
        // value as a negative `u64`.
    }

    #[test]
    fn concurrency_limiters_are_checked_by_name() {
        let (args, errors) = parse(quote!(name = "n", concurrency_limiter = "aimd"));
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(args.concurrency_limiter.unwrap().constant, "AIMD");
        let (_, errors) = parse(quote!(name = "n", concurrency_limiter = "gradient"));
        assert_eq!(
            errors,
            ["unknown `concurrency_limiter` \"gradient\"; did you mean \"gradient2\"?"]
        );
        let (_, errors) = parse(quote!(name = "n", concurrency_limiter = "vegas"));
        assert_eq!(
            errors,
            ["unknown `concurrency_limiter` \"vegas\"; expected one of \"aimd\", \"gradient2\""]
        );
        let (_, errors) = parse(quote!(name = "n", concurrency_limiter = LIMITER));
        assert_eq!(
            errors,
            [
                "wrong type for `concurrency_limiter`: expected a string literal, one of \"aimd\", \"gradient2\", e.g. `concurrency_limiter = \"gradient2\"`"
            ]
        );
        let (_, errors) = parse(quote!(
            name = "n",
            adaptive_concurrency = false,
            concurrency_limiter = "gradient2"
        ));
        assert_eq!(
            errors,
            [
                "`concurrency_limiter` turns adaptive concurrency on, which `adaptive_concurrency = false` turns off; give one of them"
            ]
        );
        let (args, errors) = parse(quote!(
            name = "n",
            adaptive_concurrency = true,
            concurrency_limiter = "gradient2"
        ));
        assert!(errors.is_empty(), "{errors:?}");
        assert!(args.concurrency_limiter.is_some());
    }

    #[test]
    fn zero_threads_and_empty_names_are_rejected() {
        let (_, errors) = parse(quote!(name = "  ", thread_count = 0));
        assert_eq!(
            errors,
            [
                "`name` must not be empty",
                "`thread_count` must be at least 1"
            ]
        );
    }

    #[test]
    fn malformed_argument_lists_say_how_to_write_them() {
        let (_, errors) = parse(quote!(name "x"));
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].contains("`#[worker]` takes `key = value` pairs"),
            "{errors:?}"
        );
    }

    #[test]
    fn a_flag_without_value_for_a_valued_key_is_explained() {
        let (_, errors) = parse(quote!(name));
        assert_eq!(
            errors,
            ["`name` needs a value: a string, e.g. `name = \"...\"`"]
        );
    }

    #[test]
    fn rate_limits_take_decimals_and_constants_and_are_checked() {
        let (args, errors) = parse(quote!(name = "n", rate_limit = 0.5));
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(args.rate_limit.unwrap().tokens.to_string(), "0.5");
        let (args, errors) = parse(quote!(
            name = "n",
            rate_limit = RATE,
            rate_limit_burst = BURST
        ));
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(args.rate_limit.unwrap().tokens.to_string(), "RATE");
        assert_eq!(args.rate_limit_burst.unwrap().tokens.to_string(), "BURST");

        let (_, errors) = parse(quote!(
            name = "n",
            rate_limit = 0,
            rate_limit_burst = 0,
            adaptive_concurrency = "yes"
        ));
        assert_eq!(
            errors,
            [
                "`rate_limit` must be a positive number of tasks per second, e.g. `rate_limit = 10` or `rate_limit = 0.5`",
                "`rate_limit_burst` must be at least 1",
                "wrong type for `adaptive_concurrency`: expected `true` or `false`, e.g. `adaptive_concurrency = true` or just `adaptive_concurrency`",
            ]
        );
        let (_, errors) = parse(quote!(name = "n", rate_limit = "fast"));
        assert_eq!(
            errors,
            [
                "wrong type for `rate_limit`: expected a number of tasks per second, e.g. `rate_limit = 10`"
            ]
        );
        let (_, errors) = parse(quote!(name = "n", rate_limit_burst = 5));
        assert_eq!(
            errors,
            [
                "`rate_limit_burst` needs a `rate_limit`, e.g. `rate_limit = 10, rate_limit_burst = 20`"
            ]
        );
    }
}
