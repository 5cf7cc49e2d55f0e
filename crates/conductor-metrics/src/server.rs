//! [`MetricsServer`]: serves the collector's metrics (and a health check) over HTTP with axum.

use std::net::SocketAddr;

use axum::Router;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tracing::{info, warn};

use crate::collector::MetricsCollector;
use crate::error::MetricsError;
use crate::settings::{HEALTH_PATH, MetricsSettings};

/// An HTTP endpoint serving a [`MetricsCollector`]: `GET {metrics_path}` answers the Prometheus
/// text format, `GET /health` answers `{"status":"UP"}`.
///
/// Runs on the current tokio runtime until [`shutdown`](Self::shutdown) or until dropped (dropping
/// stops it too, without waiting).
///
/// ```no_run
/// use conductor_metrics::{MetricsCollector, MetricsServer, MetricsSettings};
///
/// # async fn run() -> Result<(), conductor_metrics::MetricsError> {
/// let settings = MetricsSettings::default().with_http_port(9090);
/// let collector = MetricsCollector::new(&settings)?;
/// let server = MetricsServer::start(collector, &settings).await?;
/// println!("metrics at http://{}/metrics", server.local_addr());
/// server.shutdown().await;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct MetricsServer {
    local_addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl MetricsServer {
    /// Binds `settings`' address and port and starts serving.
    ///
    /// # Errors
    ///
    /// [`MetricsError::NoHttpPort`] when the settings have no port,
    /// [`MetricsError::InvalidSettings`] when they do not validate, [`MetricsError::Bind`] when the
    /// address cannot be bound.
    ///
    /// ```
    /// use conductor_metrics::{MetricsCollector, MetricsServer, MetricsSettings};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), conductor_metrics::MetricsError> {
    /// // Port 0: the system picks a free port.
    /// let settings = MetricsSettings::default().with_http_port(0).with_bind_address([127, 0, 0, 1].into());
    /// let server = MetricsServer::start(MetricsCollector::new(&settings)?, &settings).await?;
    /// assert_ne!(server.local_addr().port(), 0);
    /// server.shutdown().await;
    /// // Without a port there is nothing to serve.
    /// let no_port = MetricsSettings::default();
    /// let err = MetricsServer::start(MetricsCollector::new(&no_port)?, &no_port).await.unwrap_err();
    /// assert!(matches!(err, conductor_metrics::MetricsError::NoHttpPort));
    /// # Ok(())
    /// # }
    /// ```
    pub async fn start(
        collector: MetricsCollector,
        settings: &MetricsSettings,
    ) -> Result<Self, MetricsError> {
        settings.validate()?;
        let address = settings.socket_address().ok_or(MetricsError::NoHttpPort)?;
        let listener = TcpListener::bind(address)
            .await
            .map_err(|source| MetricsError::Bind { address, source })?;
        let local_addr = listener
            .local_addr()
            .map_err(|source| MetricsError::Bind { address, source })?;
        let router = Router::new()
            .route(settings.metrics_path(), get(metrics))
            .route(HEALTH_PATH, get(health))
            .with_state(collector);
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    // A dropped sender stops the server as well.
                    let _ = stopped.await;
                })
                .await;
            if let Err(err) = served {
                warn!(error = %err, "metrics endpoint stopped with an error");
            }
        });
        info!(address = %local_addr, path = settings.metrics_path(), "serving metrics");
        Ok(Self {
            local_addr,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// The address the endpoint listens on (with the real port when the settings said `0`).
    ///
    /// ```
    /// use conductor_metrics::{MetricsCollector, MetricsServer, MetricsSettings};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), conductor_metrics::MetricsError> {
    /// let settings = MetricsSettings::default().with_http_port(0).with_bind_address([127, 0, 0, 1].into());
    /// let server = MetricsServer::start(MetricsCollector::new(&settings)?, &settings).await?;
    /// let url = format!("http://{}/metrics", server.local_addr());
    /// assert!(url.starts_with("http://127.0.0.1:"));
    /// # server.shutdown().await;
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops accepting connections and waits for requests in flight to finish.
    ///
    /// ```
    /// use conductor_metrics::{MetricsCollector, MetricsServer, MetricsSettings};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), conductor_metrics::MetricsError> {
    /// let settings = MetricsSettings::default().with_http_port(0).with_bind_address([127, 0, 0, 1].into());
    /// let server = MetricsServer::start(MetricsCollector::new(&settings)?, &settings).await?;
    /// let address = server.local_addr();
    /// server.shutdown().await;
    /// // The port is free again.
    /// assert!(std::net::TcpListener::bind(address).is_ok());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take()
            && let Err(err) = task.await
        {
            warn!(error = %err, "metrics endpoint task failed");
        }
    }
}

impl Drop for MetricsServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn metrics(State(collector): State<MetricsCollector>) -> impl IntoResponse {
    (
        [(CONTENT_TYPE, collector.content_type())],
        collector.gather(),
    )
}

async fn health() -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/json")], r#"{"status":"UP"}"#)
}
