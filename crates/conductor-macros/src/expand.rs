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
    if args.name.is_none() {
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
        (None, None) => errors.at(
            sig.fn_token,
            format_args!(
                "`{name}` is not `async`: write `async fn {name}`, or add `blocking` \
                 (`#[worker(name = \"...\", blocking)]`) to run this synchronous function on the \
                 blocking thread pool"
            ),
        ),
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
