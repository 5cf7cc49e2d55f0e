//! Parameter classification: which parameters are read from the task input (and under which
//! key), which receive the [`Task`] or its `TaskContext`, and which are mistakes, with the
//! `#[input(...)]` helper attributes parsed and stripped from the emitted function.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{FnArg, Meta, Pat, Type};

use crate::args::unraw;
use crate::diagnostics::{Errors, closest, type_display};
use crate::rename::RenameRule;

/// One parameter of the worker function.
pub(crate) struct Param {
    /// What the parameter receives.
    pub(crate) kind: ParamKind,
    /// The parameter's type as written.
    pub(crate) ty: Type,
    /// The parameter's name, for messages (`order_id`).
    pub(crate) name: String,
}

/// What a parameter receives.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ParamKind {
    /// The task input value under `key`, deserialised into the parameter's type.
    Input {
        /// The task input key.
        key: String,
    },
    /// The whole task input, deserialised into the parameter's type (`#[input(all)]`).
    WholeInput,
    /// The task itself (`Task` or `&Task`).
    Task {
        /// `&Task` rather than `Task`.
        by_ref: bool,
    },
    /// The task's context (`TaskContext` or `&TaskContext`).
    Context {
        /// `&TaskContext` rather than `TaskContext`.
        by_ref: bool,
    },
}

/// The keys `#[input(...)]` accepts.
const INPUT_KEYS: &[&str] = &["rename", "all"];

/// Classifies every parameter of `inputs`, removing the `#[input(...)]` attributes it reads.
pub(crate) fn classify(
    inputs: &mut syn::punctuated::Punctuated<FnArg, syn::Token![,]>,
    rename_all: Option<RenameRule>,
    errors: &mut Errors,
) -> Vec<Param> {
    let mut params = Vec::new();
    for input in inputs.iter_mut() {
        let typed = match input {
            FnArg::Receiver(receiver) => {
                errors.at(
                    &*receiver,
                    "`#[worker]` functions cannot take `self`; write a free function, or implement \
                     the `Worker` trait on a struct for a worker with state",
                );
                continue;
            }
            FnArg::Typed(typed) => typed,
        };
        let attribute = take_input_attribute(&mut typed.attrs, errors);
        let name = match &*typed.pat {
            Pat::Ident(pat) if pat.by_ref.is_none() && pat.subpat.is_none() => {
                unraw(&pat.ident.to_string())
            }
            other => {
                errors.at(
                    other,
                    "`#[worker]` parameters must be plain names, which are the task input keys \
                     (`order_id: String`); destructure the value inside the function",
                );
                continue;
            }
        };
        let ty = (*typed.ty).clone();
        let kind = match attribute {
            Some(InputAttribute { all: true, .. }) => Some(ParamKind::WholeInput),
            Some(InputAttribute {
                rename: Some(key), ..
            }) => Some(ParamKind::Input { key }),
            Some(InputAttribute { .. }) => Some(ParamKind::Input {
                key: input_key(&name, rename_all),
            }),
            None => match injected(&ty, errors) {
                Injected::Yes(kind) => Some(kind),
                Injected::No => Some(ParamKind::Input {
                    key: input_key(&name, rename_all),
                }),
                Injected::Rejected => None,
            },
        };
        let Some(kind) = kind else { continue };
        if matches!(kind, ParamKind::Input { .. } | ParamKind::WholeInput)
            && !owned_input_type(&ty, errors)
        {
            continue;
        }
        params.push(Param { kind, ty, name });
    }
    check_combinations(&params, errors);
    params
}

/// The key of an input parameter named `name`.
fn input_key(name: &str, rename_all: Option<RenameRule>) -> String {
    match rename_all {
        Some(rule) => rule.apply(name),
        None => name.to_owned(),
    }
}

/// Whether a parameter is injected by the runtime.
enum Injected {
    /// A `Task` or `TaskContext` parameter.
    Yes(ParamKind),
    /// An input.
    No,
    /// An injected type taken the wrong way (`&mut Task`); the error is recorded.
    Rejected,
}

/// `Task`, `&Task`, `TaskContext` or `&TaskContext`, recognised by the last segment of the type's
/// path (so `conductor::models::Task` works and `TaskInput` is an input).
fn injected(ty: &Type, errors: &mut Errors) -> Injected {
    let (inner, reference) = match ty {
        Type::Reference(reference) => (&*reference.elem, Some(reference)),
        other => (other, None),
    };
    let Type::Path(path) = inner else {
        return Injected::No;
    };
    let Some(last) = path.path.segments.last() else {
        return Injected::No;
    };
    if path.qself.is_some() || !last.arguments.is_none() {
        return Injected::No;
    }
    let by_ref = reference.is_some();
    let kind = match last.ident.to_string().as_str() {
        "Task" => ParamKind::Task { by_ref },
        "TaskContext" => ParamKind::Context { by_ref },
        _ => return Injected::No,
    };
    if let Some(reference) = reference.filter(|reference| reference.mutability.is_some()) {
        let what = if matches!(kind, ParamKind::Task { .. }) {
            "Task"
        } else {
            "TaskContext"
        };
        errors.at(
            reference,
            format_args!(
                "`#[worker]` passes the {what} by shared reference: write `&{what}` or `{what}`"
            ),
        );
        return Injected::Rejected;
    }
    Injected::Yes(kind)
}

/// Inputs are deserialised, so they must be owned (no borrowed or `impl Trait` types).
fn owned_input_type(ty: &Type, errors: &mut Errors) -> bool {
    match ty {
        Type::Reference(reference) => {
            let owned = match &*reference.elem {
                Type::Path(path) if path.path.is_ident("str") => "String".to_owned(),
                Type::Slice(slice) => format!("Vec<{}>", type_display(&slice.elem)),
                other => type_display(other),
            };
            errors.at(
                ty,
                format_args!(
                    "input parameters must be owned types, deserialised from the task input: \
                     write `{owned}` instead of `{}`",
                    type_display(ty)
                ),
            );
            false
        }
        Type::ImplTrait(_) => {
            errors.at(
                ty,
                "input parameters need a concrete type to deserialise the task input into; \
                 `impl Trait` is not supported",
            );
            false
        }
        _ => true,
    }
}

/// At most one `Task`, one `TaskContext`, one `#[input(all)]` (and then no keyed inputs), and no
/// two parameters reading the same key.
fn check_combinations(params: &[Param], errors: &mut Errors) {
    let mut seen_task = false;
    let mut seen_context = false;
    let mut keys: Vec<(&str, &str)> = Vec::new();
    let whole = params
        .iter()
        .find(|param| param.kind == ParamKind::WholeInput);
    let mut seen_whole = false;
    for param in params {
        match &param.kind {
            ParamKind::Task { .. } => {
                if seen_task {
                    errors.at(&param.ty, "only one `Task` parameter is allowed");
                }
                seen_task = true;
            }
            ParamKind::Context { .. } => {
                if seen_context {
                    errors.at(&param.ty, "only one `TaskContext` parameter is allowed");
                }
                seen_context = true;
            }
            ParamKind::WholeInput => {
                if seen_whole {
                    errors.at(&param.ty, "only one `#[input(all)]` parameter is allowed");
                }
                seen_whole = true;
            }
            ParamKind::Input { key } => {
                if let Some(whole) = whole {
                    errors.at(
                        &param.ty,
                        format_args!(
                            "`{}` reads the input key \"{key}\", but `{}` already takes the whole input \
                             with `#[input(all)]`; make it a field of `{}`",
                            param.name,
                            whole.name,
                            type_display(&whole.ty)
                        ),
                    );
                } else if let Some((_, other)) = keys.iter().find(|(existing, _)| existing == key) {
                    errors.at(
                        &param.ty,
                        format_args!(
                            "`{}` and `{other}` both read the input key \"{key}\"; rename one with \
                             `#[input(rename = \"...\")]`",
                            param.name
                        ),
                    );
                }
                keys.push((key, &param.name));
            }
        }
    }
}

/// The parsed `#[input(...)]` attribute of a parameter.
#[derive(Default)]
struct InputAttribute {
    rename: Option<String>,
    all: bool,
}

/// Removes the parameter's `#[input...]` attributes and parses them.
fn take_input_attribute(
    attrs: &mut Vec<syn::Attribute>,
    errors: &mut Errors,
) -> Option<InputAttribute> {
    let mut found: Option<(InputAttribute, Span)> = None;
    let mut kept = Vec::with_capacity(attrs.len());
    for attr in attrs.drain(..) {
        if !attr.path().is_ident("input") {
            kept.push(attr);
            continue;
        }
        if found.is_some() {
            errors.at(
                &attr,
                "duplicate `#[input]` attribute; combine them into one",
            );
            continue;
        }
        found = Some((parse_input_attribute(&attr, errors), attr.span()));
    }
    *attrs = kept;
    let (attribute, span) = found?;
    if attribute.all && attribute.rename.is_some() {
        errors.at_span(
            span,
            "`#[input(all)]` takes the whole input, so it has no key to `rename`",
        );
    }
    Some(attribute)
}

fn parse_input_attribute(attr: &syn::Attribute, errors: &mut Errors) -> InputAttribute {
    let mut parsed = InputAttribute::default();
    match &attr.meta {
        // `#[input]`: an input under its own name, even if its type is called `Task`.
        Meta::Path(_) => {}
        Meta::NameValue(name_value) => errors.at(
            name_value,
            "write `#[input(rename = \"key\")]`, `#[input(all)]` or `#[input]`",
        ),
        Meta::List(_) => {
            let result = attr.parse_nested_meta(|meta| {
                let key = meta
                    .path
                    .get_ident()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                match key.as_str() {
                    "rename" => {
                        if parsed.rename.is_some() {
                            return Err(meta.error("duplicate `rename`"));
                        }
                        let value: syn::LitStr = meta.value()?.parse().map_err(|err| {
                            syn::Error::new(
                                err.span(),
                                "`rename` takes a string: `#[input(rename = \"orderId\")]`",
                            )
                        })?;
                        if value.value().is_empty() {
                            return Err(syn::Error::new(
                                value.span(),
                                "the input key must not be empty",
                            ));
                        }
                        parsed.rename = Some(value.value());
                    }
                    "all" => parsed.all = true,
                    _ => {
                        let hint = match closest(&key, INPUT_KEYS.iter().copied()) {
                            Some(suggestion) => format!("did you mean `{suggestion}`?"),
                            None => "expected `rename = \"key\"` or `all`".to_owned(),
                        };
                        return Err(
                            meta.error(format_args!("unknown `#[input]` argument `{key}`; {hint}"))
                        );
                    }
                }
                Ok(())
            });
            if let Err(err) = result {
                errors.push(err);
            }
        }
    }
    parsed
}

#[cfg(test)]
mod tests {
    use syn::parse_quote;

    use super::*;

    fn check(
        sig: syn::Signature,
        rename_all: Option<RenameRule>,
    ) -> (Vec<(String, ParamKind)>, Vec<String>) {
        let mut sig = sig;
        let mut errors = Errors::default();
        let params = classify(&mut sig.inputs, rename_all, &mut errors);
        (
            params.into_iter().map(|p| (p.name, p.kind)).collect(),
            errors.messages(),
        )
    }

    fn input(key: &str) -> ParamKind {
        ParamKind::Input {
            key: key.to_owned(),
        }
    }

    #[test]
    fn inputs_are_read_by_name_and_renamed() {
        let (params, errors) = check(
            parse_quote!(fn f(order_id: String, count: Option<u32>, #[input(rename = "X-Key")] key: String, r#type: String)),
            Some(RenameRule::CamelCase),
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            params,
            [
                ("order_id".into(), input("orderId")),
                ("count".into(), input("count")),
                ("key".into(), input("X-Key")),
                ("type".into(), input("type")),
            ]
        );
    }

    #[test]
    fn task_and_context_are_recognised_by_the_last_path_segment() {
        let (params, errors) = check(
            parse_quote!(fn f(t: &Task, c: conductor::worker::TaskContext, input: TaskInput, tasks: Vec<Task>)),
            None,
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            params,
            [
                ("t".into(), ParamKind::Task { by_ref: true }),
                ("c".into(), ParamKind::Context { by_ref: false }),
                ("input".into(), input("input")),
                ("tasks".into(), input("tasks")),
            ]
        );
        let (params, _) = check(
            parse_quote!(fn f(task: conductor::models::Task, ctx: &TaskContext)),
            None,
        );
        assert_eq!(params[0].1, ParamKind::Task { by_ref: false });
        assert_eq!(params[1].1, ParamKind::Context { by_ref: true });
        // `#[input]` forces a parameter whose type is named `Task` to be read from the input.
        let (params, _) = check(parse_quote!(fn f(#[input] task: my::Task)), None);
        assert_eq!(params[0].1, input("task"));
    }

    #[test]
    fn whole_input_parameter() {
        let (params, errors) = check(
            parse_quote!(fn f(#[input(all)] order: Order, ctx: &TaskContext)),
            None,
        );
        assert!(errors.is_empty());
        assert_eq!(params[0].1, ParamKind::WholeInput);
        let (_, errors) = check(
            parse_quote!(fn f(#[input(all)] order: Order, extra: u8)),
            None,
        );
        assert_eq!(
            errors,
            [
                "`extra` reads the input key \"extra\", but `order` already takes the whole input with `#[input(all)]`; make it a field of `Order`"
            ]
        );
    }

    #[test]
    fn input_attributes_are_stripped_and_others_kept() {
        let mut sig: syn::Signature =
            parse_quote!(fn f(#[input(rename = "a")] #[allow(unused)] x: u8));
        let mut errors = Errors::default();
        classify(&mut sig.inputs, None, &mut errors);
        let FnArg::Typed(typed) = &sig.inputs[0] else {
            panic!()
        };
        assert_eq!(typed.attrs.len(), 1);
        assert!(typed.attrs[0].path().is_ident("allow"));
    }

    #[test]
    fn mistakes_are_all_reported() {
        let (_, errors) = check(
            parse_quote!(fn f(&self, (a, b): (u8, u8), name: &str, items: &[u8], x: impl Serialize,
                t1: Task, t2: &Task, c: &mut TaskContext, first: u8, #[input(rename = "first")] second: u8,
                #[input(renam = "z")] z: u8, #[input(all, rename = "w")] w: W, #[input] #[input] v: u8)),
            None,
        );
        assert_eq!(
            errors,
            [
                "`#[worker]` functions cannot take `self`; write a free function, or implement the `Worker` trait on a struct for a worker with state",
                "`#[worker]` parameters must be plain names, which are the task input keys (`order_id: String`); destructure the value inside the function",
                "input parameters must be owned types, deserialised from the task input: write `String` instead of `&str`",
                "input parameters must be owned types, deserialised from the task input: write `Vec<u8>` instead of `&[u8]`",
                "input parameters need a concrete type to deserialise the task input into; `impl Trait` is not supported",
                "`#[worker]` passes the TaskContext by shared reference: write `&TaskContext` or `TaskContext`",
                "unknown `#[input]` argument `renam`; did you mean `rename`?",
                "`#[input(all)]` takes the whole input, so it has no key to `rename`",
                "duplicate `#[input]` attribute; combine them into one",
                "only one `Task` parameter is allowed",
                "`first` reads the input key \"first\", but `w` already takes the whole input with `#[input(all)]`; make it a field of `W`",
                "`second` reads the input key \"first\", but `w` already takes the whole input with `#[input(all)]`; make it a field of `W`",
                "`z` reads the input key \"z\", but `w` already takes the whole input with `#[input(all)]`; make it a field of `W`",
                "`v` reads the input key \"v\", but `w` already takes the whole input with `#[input(all)]`; make it a field of `W`",
            ]
        );
    }

    #[test]
    fn duplicate_keys_after_renaming() {
        let (_, errors) = check(
            parse_quote!(fn f(order_id: String, orderId: String)),
            Some(RenameRule::CamelCase),
        );
        assert_eq!(
            errors,
            [
                "`orderId` and `order_id` both read the input key \"orderId\"; rename one with `#[input(rename = \"...\")]`"
            ]
        );
    }
}
