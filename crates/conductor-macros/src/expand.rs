//! The expansion of `#[worker]`: parse the attribute and the function, check the signature,
//! then emit the function unchanged (minus `#[input]` helpers) plus its worker constructor, or,
//! when anything is wrong, every error at its token plus a fallback constructor.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::spanned::Spanned;

use crate::args::WorkerArgs;
use crate::codegen::{WorkerFn, fallback, generate};
use crate::diagnostics::Errors;
use crate::params::classify;
use crate::returns::ReturnKind;

/// Expands `#[worker(args)] item`.
pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let args = WorkerArgs::parse(args, &mut errors);
    let mut function: syn::ItemFn = match syn::parse2(item.clone()) {
        Ok(function) => function,
        Err(_) => {
            not_a_function(&item, &mut errors);
            let compile_errors = errors.to_compile_errors();
            return quote!(#compile_errors #item);
        }
    };
    check_signature(&function.sig, &args, &mut errors);
    let params = classify(&mut function.sig.inputs, args.rename_all, &mut errors);
    let returns = ReturnKind::of_signature(&function.sig.output);
    if !args.name_given {
        errors.at_span(
            Span::call_site(),
            format_args!(
                "`#[worker]` needs the task definition name: `#[worker(name = \"{}\")]`",
                crate::args::unraw(&function.sig.ident.to_string())
            ),
        );
    }
    let generated = match (&args.name, errors.is_empty()) {
        (Some(name), true) => generate(&WorkerFn {
            args: &args,
            name,
            ident: &function.sig.ident,
            vis: &function.vis,
            params: &params,
            returns: &returns,
        }),
        _ => {
            let compile_errors = errors.to_compile_errors();
            let fallback = fallback(&args.krate, &function.vis, &function.sig.ident);
            quote!(#compile_errors #fallback)
        }
    };
    quote! {
        #function
        #generated
    }
}

/// Signature rules: `async` unless `blocking`, no generics, no `unsafe`, no ABI, no variadics.
fn check_signature(sig: &syn::Signature, args: &WorkerArgs, errors: &mut Errors) {
    let name = crate::args::unraw(&sig.ident.to_string());
    match (&sig.asyncness, args.blocking) {
        (None, None) => {
            let task = args
                .name
                .as_ref()
                .and_then(|name| name.literal.clone())
                .unwrap_or_else(|| name.clone());
            errors.at(
                sig.fn_token,
                format_args!(
                    "`{name}` is not `async`: write `async fn {name}`, or add `blocking` \
                     (`#[worker(name = \"{task}\", blocking)]`) to run this synchronous function on \
                     the blocking thread pool"
                ),
            );
        }
        (Some(_), Some(blocking)) => errors.at_span(
            blocking,
            "`blocking` runs a synchronous function on the blocking thread pool; remove `blocking` \
             for an `async fn`, or remove `async`",
        ),
        _ => {}
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        let generics = &sig.generics;
        errors.at(
            quote!(#generics),
            "`#[worker]` functions cannot be generic: the task input is deserialised into the \
             parameter types, so they must be concrete",
        );
        if let Some(where_clause) = &sig.generics.where_clause
            && sig.generics.params.is_empty()
        {
            errors.at(where_clause, "remove the `where` clause");
        }
    }
    if let Some(unsafety) = &sig.unsafety {
        errors.at(
            unsafety,
            "`#[worker]` functions cannot be `unsafe`: the runtime calls them with any task input; \
             make the function safe and keep the `unsafe` block inside it",
        );
    }
    if let Some(abi) = &sig.abi {
        errors.at(
            abi,
            "`#[worker]` functions cannot have an ABI; remove the `extern`",
        );
    }
    if let Some(variadic) = &sig.variadic {
        errors.at(variadic, "`#[worker]` functions cannot be variadic");
    }
}

/// The error for `#[worker]` on something that is not a function, at the item's keyword and name.
fn not_a_function(item: &TokenStream, errors: &mut Errors) {
    const MESSAGE: &str =
        "`#[worker]` can only be applied to an `async fn` (or a `fn` with `blocking`)";
    let head: Option<TokenStream> = match syn::parse2::<syn::Item>(item.clone()) {
        Ok(syn::Item::Struct(item)) => Some(head(&item.struct_token, &item.ident)),
        Ok(syn::Item::Enum(item)) => Some(head(&item.enum_token, &item.ident)),
        Ok(syn::Item::Impl(item)) => Some(item.impl_token.to_token_stream()),
        Ok(syn::Item::Mod(item)) => Some(head(&item.mod_token, &item.ident)),
        Ok(syn::Item::Trait(item)) => Some(head(&item.trait_token, &item.ident)),
        Ok(syn::Item::Const(item)) => Some(head(&item.const_token, &item.ident)),
        Ok(syn::Item::Static(item)) => Some(head(&item.static_token, &item.ident)),
        Ok(syn::Item::Type(item)) => Some(head(&item.type_token, &item.ident)),
        Ok(syn::Item::Use(item)) => Some(item.use_token.to_token_stream()),
        Ok(syn::Item::Verbatim(tokens)) => Some(tokens),
        _ => None,
    };
    match head {
        Some(head) => errors.at(head, MESSAGE),
        None => errors.at_span(item.span(), MESSAGE),
    }
}

/// An item's keyword and name, where its errors point.
fn head(keyword: &impl ToTokens, ident: &syn::Ident) -> TokenStream {
    quote!(#keyword #ident)
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;

    /// Expands `#[worker(args)] item`, checks the result is valid Rust items, and returns it as a
    /// token string (tokens separated by single spaces, as `quote!` prints them).
    fn expand_ok(args: TokenStream, item: TokenStream) -> String {
        let expanded = expand(args, item);
        let text = expanded.to_string();
        assert!(!text.contains("compile_error"), "unexpected errors: {text}");
        syn::parse2::<syn::File>(expanded)
            .unwrap_or_else(|err| panic!("invalid expansion ({err}): {text}"));
        text
    }

    /// Asserts that `text` contains every fragment (each written as tokens), ignoring the token
    /// printer's spacing (`>>` and `> >` print differently but are the same tokens here).
    fn assert_contains(text: &str, fragments: &[TokenStream]) {
        // Spacing and trailing commas (which rustfmt adds inside `quote!`) do not matter.
        let squeeze = |text: &str| {
            let squeezed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            squeezed.replace(",}", "}").replace(",)", ")")
        };
        let squeezed = squeeze(text);
        for fragment in fragments {
            let fragment = fragment.to_string();
            assert!(
                squeezed.contains(squeeze(&fragment).trim_end_matches(',')),
                "missing `{fragment}` in:\n{text}"
            );
        }
    }

    fn errors_of(args: TokenStream, item: TokenStream) -> Vec<String> {
        let text = expand(args, item).to_string();
        text.split("compile_error !")
            .skip(1)
            .map(|rest| {
                let start = rest.find('"').map_or(0, |i| i + 1);
                let end = rest[start..].find("\" }").map_or(rest.len(), |i| start + i);
                rest[start..end].replace("\\\"", "\"")
            })
            .collect()
    }

    #[test]
    fn the_function_is_kept_and_a_constructor_and_registration_are_added() {
        let text = expand_ok(
            quote!(name = "greet"),
            quote!(
                pub async fn greet(name: String) -> String {
                    name
                }
            ),
        );
        assert_contains(
            &text,
            &[
                quote!(
                    pub async fn greet(name: String) -> String {
                        name
                    }
                ),
                quote!(#[must_use] pub fn greet_worker() -> ::conductor::__private::FnWorker),
                quote!(
                    use ::conductor::__private as __c;
                ),
                quote!(|__task: __c::Task| async move),
                quote!(::conductor::__private::inventory::submit! {
                    ::conductor::__private::WorkerRegistration::new(greet_worker)
                }),
            ],
        );
        assert!(
            text.contains("__c :: FnWorker :: new (\"greet\" , | __task"),
            "{text}"
        );
    }

    #[test]
    fn each_parameter_kind_is_decoded_or_injected() {
        let text = expand_ok(
            quote!(name = "p", rename_all = "camelCase"),
            quote!(
                async fn p(
                    order_id: String,
                    note: Option<String>,
                    #[input(rename = "X")] x: u8,
                    task: &Task,
                    ctx: &TaskContext,
                ) {
                }
            ),
        );
        assert_contains(
            &text,
            &[
                quote!(__c::input::<String>(
                    &__task,
                    &__c::InputParam::new("orderId", "order_id", "String")
                )),
                quote!(__c::input::<Option<String>>(
                    &__task,
                    &__c::InputParam::new("note", "note", "Option<String>")
                )),
                quote!(__c::input::<u8>(
                    &__task,
                    &__c::InputParam::new("X", "x", "u8")
                )),
                quote!(let __ctx = __c::TaskContext::from_task(&__task);),
                quote!(return ::core::result::Result::Ok(__c::input_failure([__arg0.err(), __arg1.err(), __arg2.err()]));),
                quote!(let __future = p(__arg0, __arg1, __arg2, &__task, &__ctx);),
                quote!(let __ret = __c::send_future(__future).await;),
            ],
        );
        // The helper attribute is gone from the emitted function.
        assert!(!text.contains("# [input"), "{text}");

        let text = expand_ok(
            quote!(name = "q"),
            quote!(
                async fn q(#[input(all)] order: Order, task: Task, ctx: TaskContext) {}
            ),
        );
        assert_contains(
            &text,
            &[
                quote!(__c::input_all::<Order>(
                    &__task,
                    &__c::InputParam::new("", "order", "Order")
                )),
                quote!(let __future = q(__arg0, __task, ::core::clone::Clone::clone(&__ctx));),
                quote!((&__c::SchemaProbe::<Order>::new()).root_schema(false)),
            ],
        );
    }

    #[test]
    fn no_inputs_means_no_decoding() {
        let text = expand_ok(
            quote!(name = "n"),
            quote!(
                async fn n() {}
            ),
        );
        assert!(!text.contains("input_failure"), "{text}");
        assert_contains(
            &text,
            &[quote!(let __future = n();), quote!(__c::output_unit(__ret))],
        );
    }

    #[test]
    fn each_return_kind_is_converted() {
        let cases: Vec<(TokenStream, TokenStream)> = vec![
            (
                quote!(),
                quote!(::core::result::Result::Ok(__c::output_unit(__ret))),
            ),
            (
                quote!(-> ()),
                quote!(::core::result::Result::Ok(__c::output_unit(__ret))),
            ),
            (
                quote!(-> String),
                quote!(::core::result::Result::Ok(__c::output_value(__ret))),
            ),
            (
                quote!(-> WorkerOutput),
                quote!(::core::result::Result::Ok(__c::output_passthrough(__ret))),
            ),
            (
                quote!(-> TaskInProgress),
                quote!(::core::result::Result::Ok(__c::output_in_progress(__ret))),
            ),
            (
                quote!(-> Option<Shipment>),
                quote!(match __ret {
                    ::core::option::Option::Some(__some) => __c::output_value(__some),
                    ::core::option::Option::None => __c::output_empty(),
                }),
            ),
            (
                quote!(-> Result<Shipment, MyError>),
                quote!(match __ret {
                    ::core::result::Result::Ok(__ok) => __c::output_value(__ok),
                    ::core::result::Result::Err(__err) => {
                        #[allow(unused_imports)]
                        use __c::{
                            ViaAnyType as _, ViaBoxedError as _, ViaDisplay as _, ViaStdError as _,
                            ViaTaskError as _,
                        };
                        __c::WorkerErrorType::check(&__err);
                        (&&&&__c::ErrorProbe(&__err)).task_failure()
                    }
                }),
            ),
            (
                quote!(-> Result<WorkerOutput>),
                quote!(::core::result::Result::Ok(__ok) => __c::output_passthrough(__ok),),
            ),
        ];
        for (ret, expected) in cases {
            let text = expand_ok(quote!(name = "r"), quote!(async fn r() #ret { make() }));
            assert_contains(&text, &[expected]);
        }
    }

    #[test]
    fn blocking_functions_run_through_the_blocking_pool() {
        let text = expand_ok(
            quote!(name = "b", blocking),
            quote!(
                fn b(n: u8, ctx: &TaskContext) -> u8 {
                    n
                }
            ),
        );
        assert_contains(
            &text,
            &[
                quote!(__c::run_blocking(move || b(__arg0, &__ctx)).await),
                quote!(::core::result::Result::Err(__err) => return ::core::result::Result::Err(__err),),
            ],
        );
        assert!(!text.contains("send_future"), "{text}");
    }

    #[test]
    fn settings_and_schemas_are_applied() {
        let text = expand_ok(
            quote!(
                name = "s",
                thread_count = 5,
                poll_interval = 200,
                poll_timeout = 1000,
                domain = "premium",
                identity = "me",
                register_task_def,
                lease_extend_enabled = false,
                paused,
                rate_limit = 2.5,
                rate_limit_burst = 5,
                adaptive_concurrency,
                concurrency_limiter = "gradient2",
                strict_schema
            ),
            quote!(
                async fn s(a: i32) -> Shipment {
                    make()
                }
            ),
        );
        assert_contains(
            &text,
            &[
                quote!(let __options = __options.with_thread_count(5);),
                quote!(let __options = __options.with_poll_interval_millis(200);),
                quote!(let __options = __options.with_poll_timeout_millis(1000);),
                quote!(let __options = __options.with_domain("premium");),
                quote!(let __options = __options.with_identity("me");),
                quote!(let __options = __options.with_register_task_def(true);),
                quote!(let __options = __options.with_lease_extend_enabled(false);),
                quote!(let __options = __options.with_paused(true);),
                quote!(let __options = __options.with_adaptive_concurrency(true);),
                quote!(let __options = __options.with_concurrency_limiter(__c::ConcurrencyLimiter::GRADIENT2);),
                quote!(let __options = __options.with_rate_limit(2.5, 5);),
                quote!(let __worker = __worker.with_options(__options);),
                quote!(
                    __c::InputSchema::new(true)
                        .property(
                            "a",
                            |__generator| (&__c::SchemaProbe::<i32>::new()).subschema(__generator),
                            __c::accepts_missing::<i32>(),
                        )
                        .build()
                ),
                quote!((&__c::SchemaProbe::<Shipment>::new()).output_schema(true, false)),
            ],
        );
    }

    #[test]
    fn the_crate_argument_changes_every_path() {
        let text = expand_ok(
            quote!(name = "c", crate = "::sdk::conductor"),
            quote!(
                async fn c() {}
            ),
        );
        assert!(
            !text.contains(":: conductor :: __private")
                || text.contains(":: sdk :: conductor :: __private")
        );
        assert_contains(
            &text,
            &[
                quote!(
                    use ::sdk::conductor::__private as __c;
                ),
                quote!(::sdk::conductor::__private::inventory::submit!),
            ],
        );
        assert!(!text.contains("use :: conductor"), "{text}");
    }

    #[test]
    fn errors_come_with_the_function_and_a_fallback_constructor() {
        let text = expand(
            quote!(name = "e", threads = 2),
            quote!(
                pub async fn e() {}
            ),
        )
        .to_string();
        assert_contains(
            &text,
            &[
                quote!(
                    pub async fn e() {}
                ),
                quote!(
                    pub fn e_worker() -> ::conductor::__private::FnWorker {
                        ::core::unreachable!(
                            "`#[worker]` reported a compile error for this function"
                        )
                    }
                ),
            ],
        );
        assert!(
            !text.contains("inventory"),
            "no registration for a broken worker: {text}"
        );
        assert_eq!(
            errors_of(
                quote!(name = "e", threads = 2),
                quote!(
                    async fn e() {}
                )
            ),
            [
                "unknown `#[worker]` argument `threads`; expected one of `name`, `thread_count`, `poll_interval`, \
             `poll_timeout`, `domain`, `identity`, `register_task_def`, `lease_extend_enabled`, `paused`, \
             `rate_limit`, `rate_limit_burst`, `adaptive_concurrency`, `concurrency_limiter`, `rename_all`, `strict_schema`, \
             `blocking`, `crate`"
            ]
        );
    }

    #[test]
    fn signature_errors_are_all_reported() {
        let errors = errors_of(
            quote!(),
            quote!(
                unsafe extern "C" fn f<T>(self, x: &str)
                where
                    T: Copy,
                {
                }
            ),
        );
        assert_eq!(
            errors,
            [
                "`f` is not `async`: write `async fn f`, or add `blocking` (`#[worker(name = \"f\", blocking)]`) \
                 to run this synchronous function on the blocking thread pool",
                "`#[worker]` functions cannot be generic: the task input is deserialised into the parameter \
                 types, so they must be concrete",
                "`#[worker]` functions cannot be `unsafe`: the runtime calls them with any task input; make the \
                 function safe and keep the `unsafe` block inside it",
                "`#[worker]` functions cannot have an ABI; remove the `extern`",
                "`#[worker]` functions cannot take `self`; write a free function, or implement the `Worker` \
                 trait on a struct for a worker with state",
                "input parameters must be owned types, deserialised from the task input: write `String` \
                 instead of `&str`",
                "`#[worker]` needs the task definition name: `#[worker(name = \"f\")]`",
            ]
        );
        assert_eq!(
            errors_of(
                quote!(name = "a", blocking),
                quote!(
                    async fn a() {}
                )
            ),
            [
                "`blocking` runs a synchronous function on the blocking thread pool; remove `blocking` for an \
              `async fn`, or remove `async`"
            ]
        );
    }

    #[test]
    fn items_other_than_functions_are_rejected() {
        for item in [
            quote!(
                struct S;
            ),
            quote!(
                enum E {}
            ),
            quote!(
                mod m {}
            ),
            quote!(
                const C: u8 = 1;
            ),
            quote!(impl S {}),
        ] {
            let errors = errors_of(quote!(name = "x"), item.clone());
            assert_eq!(
                errors,
                ["`#[worker]` can only be applied to an `async fn` (or a `fn` with `blocking`)"],
                "{item}"
            );
            // The item itself is kept.
            assert!(
                expand(quote!(name = "x"), item.clone())
                    .to_string()
                    .ends_with(&item.to_string())
            );
        }
    }
}
