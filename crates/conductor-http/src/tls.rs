//! TLS set-up: an explicit rustls `ClientConfig` using the `ring` crypto provider and the
//! platform's certificate verifier, so the SDK never depends on (or panics for lack of) a
//! process-wide default crypto provider.

use std::sync::Arc;

use rustls::ClientConfig;
use rustls_platform_verifier::BuilderVerifierExt;

use crate::error::{ConductorError, Result};

/// Builds the TLS configuration handed to reqwest.
///
/// The provider is passed explicitly instead of installing a process default, so an application
/// that already installed another provider (aws-lc-rs...) is left untouched. When the system has no
/// CA certificates at all, plain-HTTP servers still work (HTTPS ones fail with a clear error):
/// `require_roots` is true when the configured server URL is HTTPS.
pub(crate) fn client_config(require_roots: bool) -> Result<ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| ConductorError::Config(format!("TLS set-up failed: {error}")))?;
    let mut config = match builder.clone().with_platform_verifier() {
        Ok(with_verifier) => with_verifier.with_no_client_auth(),
        Err(error) if require_roots => {
            return Err(ConductorError::Config(format!(
                "cannot verify HTTPS certificates: {error}"
            )));
        }
        Err(error) => {
            tracing::debug!(%error, "no platform TLS roots; HTTPS connections will be rejected");
            builder
                .with_root_certificates(rustls::RootCertStore::empty())
                .with_no_client_auth()
        }
    };
    // reqwest does not set ALPN on a preconfigured config: offer HTTP/2 and HTTP/1.1.
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_without_a_default_provider() {
        let config = client_config(false).unwrap();
        assert_eq!(config.alpn_protocols.len(), 2);
    }
}
