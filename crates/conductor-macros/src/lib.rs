//! The `#[worker]` attribute macro of the Conductor Rust SDK: typed workers from plain async functions.
