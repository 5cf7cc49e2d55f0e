//! `rename_all` rules: how a parameter's (snake_case) name becomes a task input key, with the
//! same rule names as serde.

/// A serde-style rename rule applied to snake_case parameter names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(
    clippy::enum_variant_names,
    reason = "the variants are serde's rule names"
)]
pub(crate) enum RenameRule {
    /// `order_id` -> `order_id` (serde lowercases; snake_case names already are).
    LowerCase,
    /// `order_id` -> `ORDER_ID`.
    UpperCase,
    /// `order_id` -> `OrderId`.
    PascalCase,
    /// `order_id` -> `orderId`.
    CamelCase,
    /// `order_id` -> `order_id`.
    SnakeCase,
    /// `order_id` -> `ORDER_ID`.
    ScreamingSnakeCase,
    /// `order_id` -> `order-id`.
    KebabCase,
    /// `order_id` -> `ORDER-ID`.
    ScreamingKebabCase,
}

impl RenameRule {
    /// The accepted rule names, as serde spells them.
    pub(crate) const NAMES: &'static [&'static str] = &[
        "lowercase",
        "UPPERCASE",
        "PascalCase",
        "camelCase",
        "snake_case",
        "SCREAMING_SNAKE_CASE",
        "kebab-case",
        "SCREAMING-KEBAB-CASE",
    ];

    /// The rule named `name` (exact spelling).
    pub(crate) fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "lowercase" => Self::LowerCase,
            "UPPERCASE" => Self::UpperCase,
            "PascalCase" => Self::PascalCase,
            "camelCase" => Self::CamelCase,
            "snake_case" => Self::SnakeCase,
            "SCREAMING_SNAKE_CASE" => Self::ScreamingSnakeCase,
            "kebab-case" => Self::KebabCase,
            "SCREAMING-KEBAB-CASE" => Self::ScreamingKebabCase,
            _ => return None,
        })
    }

    /// Applies the rule to a snake_case name (serde's `apply_to_field`).
    pub(crate) fn apply(self, field: &str) -> String {
        match self {
            Self::LowerCase | Self::SnakeCase => field.to_owned(),
            Self::UpperCase => field.to_ascii_uppercase(),
            Self::PascalCase => {
                let mut pascal = String::with_capacity(field.len());
                let mut capitalize = true;
                for ch in field.chars() {
                    if ch == '_' {
                        capitalize = true;
                    } else if capitalize {
                        pascal.push(ch.to_ascii_uppercase());
                        capitalize = false;
                    } else {
                        pascal.push(ch);
                    }
                }
                pascal
            }
            Self::CamelCase => {
                let pascal = Self::PascalCase.apply(field);
                let mut chars = pascal.chars();
                match chars.next() {
                    Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
                    None => pascal,
                }
            }
            Self::ScreamingSnakeCase => field.to_ascii_uppercase(),
            Self::KebabCase => field.replace('_', "-"),
            Self::ScreamingKebabCase => Self::ScreamingSnakeCase.apply(field).replace('_', "-"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_match_serde() {
        let cases = [
            ("lowercase", "order_id"),
            ("UPPERCASE", "ORDER_ID"),
            ("PascalCase", "OrderId"),
            ("camelCase", "orderId"),
            ("snake_case", "order_id"),
            ("SCREAMING_SNAKE_CASE", "ORDER_ID"),
            ("kebab-case", "order-id"),
            ("SCREAMING-KEBAB-CASE", "ORDER-ID"),
        ];
        for (rule, expected) in cases {
            let rule = RenameRule::from_name(rule).unwrap();
            assert_eq!(rule.apply("order_id"), expected, "{rule:?}");
        }
        assert_eq!(RenameRule::CamelCase.apply("a"), "a");
        assert_eq!(RenameRule::CamelCase.apply("item_2_count"), "item2Count");
        assert_eq!(RenameRule::from_name("camelcase"), None);
    }
}
