//! Test harness shared by the SDK's end-to-end suites: which server a suite runs against, names
//! that never collide on a shared server, conductor-oss's own server started on demand, and a
//! fault-injecting proxy to put between the SDK and a server ([`FaultProxy`]).
//!
//! The suites run against the embedded `conductor-server` by default. When
//! [`TEST_SERVER_URL_ENV`] (`CONDUCTOR_TEST_SERVER_URL`) is set, they run unchanged against that
//! server instead: `cargo xtask oss-test` starts conductor-oss with [`OssServer`] and sets it.
//!
//! ```
//! use conductor_test_support::{external_server_url, unique_name};
//!
//! // Unset in a plain `cargo test`: the suite starts its own embedded server.
//! if let Some(url) = external_server_url() {
//!     assert!(url.ends_with("/api"));
//! }
//! let name = unique_name("order_wf");
//! assert!(name.starts_with("order_wf_"));
//! ```

mod error;
mod external;
mod fault_proxy;
mod jar;
mod java;
mod oss_server;

pub use error::HarnessError;
pub use external::{
    TEST_SERVER_URL_ENV, TEST_SERVER_VERSION_ENV, external_server_url, external_server_version,
    is_external, unique_name,
};
pub use fault_proxy::{Fault, FaultProxy, FaultRule, ProxyStats};
pub use jar::{OSS_VERSIONS, cache_dir, ensure_jar};
pub use java::java_for;
pub use oss_server::{OssServer, OssServerOptions};
