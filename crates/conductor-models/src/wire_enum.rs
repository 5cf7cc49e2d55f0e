//! The `wire_enum!` macro: string enums that keep unknown values instead of failing.
//!
//! Conductor sends enums as their exact Java names (`IN_PROGRESS`). A newer server may add a value this
//! SDK does not know yet; failing the whole `Workflow` because one task has a new status would make the
//! SDK brittle, so every wire enum carries an `Unknown(String)` arm that round-trips the raw string.

/// Declares a `#[non_exhaustive]` string enum with exact wire names, an `Unknown(String)` arm,
/// `as_str()`, `Display`, `FromStr` (infallible), `Serialize` and `Deserialize`.
///
/// ```text
/// wire_enum! {
///     /// Docs for the enum.
///     pub enum RetryLogic {
///         /// Docs for the variant.
///         Fixed => "FIXED",
///     }
/// }
/// ```
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $(
                $(#[$vmeta:meta])*
                $variant:ident => $wire:literal
            ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        ///
        /// On the wire it is the exact Java name; a value this SDK does not know is kept as `Unknown`:
        ///
        #[doc = concat!(
            "```\n",
            "use conductor_models::", stringify!($name), ";\n\n",
            "let known = ", stringify!($name), "::KNOWN[0].clone();\n",
            "let json = serde_json::to_value(&known).unwrap();\n",
            "assert_eq!(json, known.as_str());\n",
            "assert_eq!(serde_json::from_value::<", stringify!($name), ">(json).unwrap(), known);\n\n",
            "let newer: ", stringify!($name), " = serde_json::from_str(\"\\\"FROM_A_NEWER_SERVER\\\"\").unwrap();\n",
            "assert_eq!(newer, ", stringify!($name), "::Unknown(\"FROM_A_NEWER_SERVER\".into()));\n",
            "```",
        )]
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum $name {
            $(
                $(#[$vmeta])*
                $variant,
            )+
            /// A value this version of the SDK does not know (sent by a newer server); kept verbatim.
            Unknown(String),
        }

        impl $name {
            /// Every known value, in declaration order.
            ///
            #[doc = concat!(
                "```\nuse conductor_models::", stringify!($name), ";\n\n",
                "assert!(", stringify!($name), "::KNOWN.iter().all(|value| !value.is_unknown()));\n```",
            )]
            pub const KNOWN: &'static [$name] = &[$($name::$variant),+];

            /// The exact string Conductor uses on the wire.
            ///
            #[doc = concat!(
                "```\nuse conductor_models::", stringify!($name), ";\n\n",
                "for value in ", stringify!($name), "::KNOWN {\n",
                "    assert_eq!(", stringify!($name), "::from_wire(value.as_str()), *value);\n}\n",
                "assert_eq!(", stringify!($name), "::Unknown(\"X\".into()).as_str(), \"X\");\n```",
            )]
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $wire,)+
                    $name::Unknown(raw) => raw.as_str(),
                }
            }

            /// Parses a wire string; unknown strings become `Unknown(raw)`.
            ///
            #[doc = concat!(
                "```\nuse conductor_models::", stringify!($name), ";\n\n",
                "assert_eq!(", stringify!($name), "::from_wire(\"NOT_A_VALUE\"), ",
                stringify!($name), "::Unknown(\"NOT_A_VALUE\".into()));\n```",
            )]
            pub fn from_wire(raw: &str) -> Self {
                match raw {
                    $($wire => $name::$variant,)+
                    other => $name::Unknown(other.to_owned()),
                }
            }

            /// `true` for the `Unknown` arm.
            ///
            #[doc = concat!(
                "```\nuse conductor_models::", stringify!($name), ";\n\n",
                "assert!(", stringify!($name), "::from_wire(\"NOT_A_VALUE\").is_unknown());\n",
                "assert!(!", stringify!($name), "::KNOWN[0].is_unknown());\n```",
            )]
            pub fn is_unknown(&self) -> bool {
                matches!(self, $name::Unknown(_))
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            fn from_str(raw: &str) -> ::std::result::Result<Self, Self::Err> {
                Ok($name::from_wire(raw))
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                struct WireVisitor;
                impl ::serde::de::Visitor<'_> for WireVisitor {
                    type Value = $name;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(concat!("a ", stringify!($name), " string"))
                    }
                    fn visit_str<E: ::serde::de::Error>(self, raw: &str) -> ::std::result::Result<$name, E> {
                        Ok($name::from_wire(raw))
                    }
                }
                deserializer.deserialize_str(WireVisitor)
            }
        }

        /// A string, one of the known wire names.
        #[cfg(feature = "schemars")]
        impl ::schemars::JsonSchema for $name {
            fn schema_name() -> ::std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut ::schemars::SchemaGenerator) -> ::schemars::Schema {
                ::schemars::json_schema!({"type": "string", "enum": [$($wire),+]})
            }
        }
    };
}

pub(crate) use wire_enum;
