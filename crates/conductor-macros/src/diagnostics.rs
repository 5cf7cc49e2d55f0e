//! Error collection for the macro (report every problem in one compile) and "did you mean"
//! suggestions for misspelt names.

use std::fmt::Display;

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;

/// Collects spanned errors so the user sees all of them at once, not one per compile.
#[derive(Default)]
pub(crate) struct Errors {
    errors: Vec<syn::Error>,
}

impl Errors {
    /// Records an error spanned at `tokens` (all of them, first to last token).
    pub(crate) fn at(&mut self, tokens: impl ToTokens, message: impl Display) {
        self.errors.push(syn::Error::new_spanned(tokens, message));
    }

    /// Records an error at `span`.
    pub(crate) fn at_span(&mut self, span: Span, message: impl Display) {
        self.errors.push(syn::Error::new(span, message));
    }

    /// Records an error produced elsewhere (a `syn` parse error).
    pub(crate) fn push(&mut self, error: syn::Error) {
        self.errors.push(error);
    }

    /// Whether nothing was recorded.
    pub(crate) fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// The `compile_error!` invocations of every recorded error.
    pub(crate) fn to_compile_errors(&self) -> TokenStream {
        self.errors
            .iter()
            .map(syn::Error::to_compile_error)
            .collect()
    }

    /// The messages, for tests.
    #[cfg(test)]
    pub(crate) fn messages(&self) -> Vec<String> {
        self.errors.iter().map(ToString::to_string).collect()
    }
}

/// The candidate closest to `unknown`, if one is close enough to be a likely typo.
///
/// Close enough: an edit distance of at most a third of the longer name (at least 1), or the
/// same name up to case, `_` and `-`.
pub(crate) fn closest<'a>(
    unknown: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let normalised = normalise(unknown);
    candidates
        .into_iter()
        .filter_map(|candidate| {
            if normalise(candidate) == normalised {
                return Some((0, candidate));
            }
            let distance = edit_distance(unknown, candidate);
            let limit = (unknown.len().max(candidate.len()) / 3).max(1);
            (distance <= limit).then_some((distance, candidate))
        })
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

fn normalise(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Edit distance over chars counting insertions, deletions, substitutions and transpositions of
/// neighbours (optimal string alignment), so `nmae` is one edit from `name`.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // distances[i][j]: distance between the first i chars of `a` and the first j chars of `b`.
    let mut distances = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in distances.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in distances[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (distances[i - 1][j] + 1)
                .min(distances[i][j - 1] + 1)
                .min(distances[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(distances[i - 2][j - 2] + 1);
            }
            distances[i][j] = best;
        }
    }
    distances[a.len()][b.len()]
}

/// A type as the user wrote it, without the token printer's spaces (`Option<Vec<String>>`, not
/// `Option < Vec < String > >`): used in messages, at compile time and at run time.
pub(crate) fn type_display(ty: &syn::Type) -> String {
    let raw = ty.to_token_stream().to_string();
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c == ' ' {
            let previous = out.chars().last();
            let next = chars.peek().copied();
            let glue_before = matches!(next, Some('<' | '>' | ',' | ';' | ':' | ')' | ']'));
            let glue_after = matches!(previous, Some('<' | ':' | '&' | '(' | '[' | ',' | ';'));
            // `dyn Trait`, `mut T`, `'a T` keep their space; everything else is glued.
            if glue_before || glue_after {
                continue;
            }
        }
        out.push(c);
    }
    out.replace(",", ", ").replace(";", "; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let keys = ["name", "thread_count", "poll_interval", "domain"];
        assert_eq!(closest("threadcount", keys), Some("thread_count"));
        assert_eq!(closest("thread_cont", keys), Some("thread_count"));
        assert_eq!(closest("nmae", keys), Some("name"));
        assert_eq!(closest("pollInterval", keys), Some("poll_interval"));
        assert_eq!(closest("timeout", keys), None);
        assert_eq!(closest("x", keys), None);
    }

    #[test]
    fn edit_distance_counts_single_edits() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
        assert_eq!(edit_distance("nmae", "name"), 1);
    }

    #[test]
    fn types_print_without_token_spacing() {
        let cases: [(syn::Type, &str); 6] = [
            (
                syn::parse_quote!(Option<Vec<String>>),
                "Option<Vec<String>>",
            ),
            (
                syn::parse_quote!(std::collections::HashMap<String, i32>),
                "std::collections::HashMap<String, i32>",
            ),
            (syn::parse_quote!(&TaskContext), "&TaskContext"),
            (syn::parse_quote!((u8, bool)), "(u8, bool)"),
            (syn::parse_quote!([u8; 4]), "[u8; 4]"),
            (
                syn::parse_quote!(Box<dyn std::error::Error>),
                "Box<dyn std::error::Error>",
            ),
        ];
        for (ty, expected) in cases {
            assert_eq!(type_display(&ty), expected);
        }
    }
}
