//! Serde helpers shared by the models: JSON `null` tolerance.
//!
//! Jackson (the server's JSON library) accepts `null` for any property: a primitive becomes `0`/`false`
//! and a collection becomes `null` (which the server then treats as empty). Serde's `#[serde(default)]`
//! only covers *absent* fields, so every non-`Option` field also carries
//! `deserialize_with = "crate::serde_util::null_as_default"`, which maps an explicit `null` to the
//! type's empty value (`0`, `false`, `""`, `[]`, `{}`, the enum's default), exactly like Jackson does for
//! Java primitives.

use serde::{Deserialize, Deserializer};

/// Deserialises `T`, turning a JSON `null` into `T::default()`.
pub(crate) fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}
