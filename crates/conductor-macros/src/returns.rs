//! Return-type classification: how the function's return value becomes the task's outcome.
//!
//! The classification is syntactic, on the last segment of the type's path (`Result`, `Option`,
//! `WorkerOutput`, `TaskInProgress`, `()`); everything else is a value that must implement
//! `Serialize`, checked by the compiler at the return type.

use syn::{GenericArgument, PathArguments, ReturnType, Type};

/// How a returned value becomes the task's outcome.
pub(crate) enum ReturnKind {
    /// Nothing (`()`): `COMPLETED` with an empty output.
    Unit,
    /// A `WorkerOutput`: used as is.
    WorkerOutput,
    /// A `TaskInProgress`: `IN_PROGRESS`.
    InProgress,
    /// `Option<T>`: `Some(v)` as `T` would be, `None` completes with an empty output.
    Option(Box<ReturnKind>),
    /// `Result<T, E>`: `Ok(v)` as `T` would be, `Err(e)` fails the task (`FAILED`, or
    /// `FAILED_WITH_TERMINAL_ERROR` when `e` says it is terminal).
    Result {
        /// How the `Ok` value is reported.
        ok: Box<ReturnKind>,
        /// The error type, when written (`Result<T>` aliases leave it implicit).
        err: Option<Type>,
    },
    /// Any other `Serialize` value: its fields at the top level of the output when it is a struct
    /// or map, else `{"result": value}`.
    Value(Type),
}

impl ReturnKind {
    /// The classification of a function's return type.
    pub(crate) fn of_signature(output: &ReturnType) -> Self {
        match output {
            ReturnType::Default => ReturnKind::Unit,
            ReturnType::Type(_, ty) => Self::of(ty),
        }
    }

    /// The classification of `ty`.
    pub(crate) fn of(ty: &Type) -> Self {
        match ty {
            Type::Tuple(tuple) if tuple.elems.is_empty() => ReturnKind::Unit,
            Type::Paren(paren) => Self::of(&paren.elem),
            Type::Group(group) => Self::of(&group.elem),
            Type::Path(path) if path.qself.is_none() => {
                let Some(last) = path.path.segments.last() else {
                    return ReturnKind::Value(ty.clone());
                };
                let types = type_arguments(&last.arguments);
                match (last.ident.to_string().as_str(), types.as_slice()) {
                    ("WorkerOutput", []) => ReturnKind::WorkerOutput,
                    ("TaskInProgress", []) => ReturnKind::InProgress,
                    ("Option", [inner]) => ReturnKind::Option(Box::new(Self::of(inner))),
                    ("Result", [ok]) => ReturnKind::Result {
                        ok: Box::new(Self::of(ok)),
                        err: None,
                    },
                    ("Result", [ok, err]) => ReturnKind::Result {
                        ok: Box::new(Self::of(ok)),
                        err: Some((*err).clone()),
                    },
                    _ => ReturnKind::Value(ty.clone()),
                }
            }
            _ => ReturnKind::Value(ty.clone()),
        }
    }

    /// The type whose JSON Schema describes the output, and whether the output may be empty.
    ///
    /// `None` when no schema can be stated from the type alone (`WorkerOutput`, `()`).
    pub(crate) fn schema_type(&self) -> Option<(&Type, bool)> {
        match self {
            ReturnKind::Value(ty) => Some((ty, false)),
            ReturnKind::Option(inner) => inner.schema_type().map(|(ty, _)| (ty, true)),
            ReturnKind::Result { ok, .. } => ok.schema_type(),
            ReturnKind::Unit | ReturnKind::WorkerOutput | ReturnKind::InProgress => None,
        }
    }
}

#[cfg(test)]
impl ReturnKind {
    /// A compact rendering for tests: `Result<Option<Value(u8)>, E>`.
    pub(crate) fn describe(&self) -> String {
        use crate::diagnostics::type_display;
        match self {
            ReturnKind::Unit => "Unit".to_owned(),
            ReturnKind::WorkerOutput => "WorkerOutput".to_owned(),
            ReturnKind::InProgress => "InProgress".to_owned(),
            ReturnKind::Option(inner) => format!("Option<{}>", inner.describe()),
            ReturnKind::Result { ok, err } => {
                let err = err.as_ref().map_or_else(|| "_".to_owned(), type_display);
                format!("Result<{}, {err}>", ok.describe())
            }
            ReturnKind::Value(ty) => format!("Value({})", type_display(ty)),
        }
    }
}

/// The type arguments of `Name<A, B>` (lifetimes and constants skipped).
fn type_arguments(arguments: &PathArguments) -> Vec<&Type> {
    match arguments {
        PathArguments::AngleBracketed(bracketed) => bracketed
            .args
            .iter()
            .filter_map(|arg| match arg {
                GenericArgument::Type(ty) => Some(ty),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use syn::parse_quote;

    use super::*;

    #[test]
    fn classifies_by_the_last_path_segment() {
        let cases: Vec<(ReturnType, &str)> = vec![
            (parse_quote!(), "Unit"),
            (parse_quote!(-> ()), "Unit"),
            (parse_quote!(-> String), "Value(String)"),
            (
                parse_quote!(-> serde_json::Value),
                "Value(serde_json::Value)",
            ),
            (parse_quote!(-> WorkerOutput), "WorkerOutput"),
            (
                parse_quote!(-> conductor::worker::WorkerOutput),
                "WorkerOutput",
            ),
            (parse_quote!(-> TaskInProgress), "InProgress"),
            (parse_quote!(-> Option<Shipment>), "Option<Value(Shipment)>"),
            (
                parse_quote!(-> Result<String, String>),
                "Result<Value(String), String>",
            ),
            (
                parse_quote!(-> conductor::error::Result<WorkerOutput>),
                "Result<WorkerOutput, _>",
            ),
            (
                parse_quote!(-> std::result::Result<(), MyError>),
                "Result<Unit, MyError>",
            ),
            (
                parse_quote!(-> Result<Option<u8>, E>),
                "Result<Option<Value(u8)>, E>",
            ),
            (parse_quote!(-> (Option<u8>)), "Option<Value(u8)>"),
            (parse_quote!(-> Vec<Task>), "Value(Vec<Task>)"),
            (parse_quote!(-> MyOutput), "Value(MyOutput)"),
            (parse_quote!(-> (u8, u8)), "Value((u8, u8))"),
            (parse_quote!(-> impl Serialize), "Value(impl Serialize)"),
            (parse_quote!(-> Option<u8, u8>), "Value(Option<u8, u8>)"),
        ];
        for (ret, expected) in cases {
            assert_eq!(
                ReturnKind::of_signature(&ret).describe(),
                expected,
                "{}",
                quote::quote!(#ret)
            );
        }
    }

    #[test]
    fn schema_types_follow_the_payload() {
        let kind = ReturnKind::of(&parse_quote!(Result<Option<Shipment>, E>));
        let (ty, optional) = kind.schema_type().unwrap();
        assert_eq!(crate::diagnostics::type_display(ty), "Shipment");
        assert!(optional);
        let kind = ReturnKind::of(&parse_quote!(Result<String, E>));
        assert_eq!(
            kind.schema_type().map(|(_, optional)| optional),
            Some(false)
        );
        assert!(
            ReturnKind::of(&parse_quote!(WorkerOutput))
                .schema_type()
                .is_none()
        );
        assert!(
            ReturnKind::of(&parse_quote!(Result<(), E>))
                .schema_type()
                .is_none()
        );
    }
}
