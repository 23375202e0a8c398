//! The HTTP endpoints of `watch --metrics-addr HOST:PORT` (SPEC §6), on the process's tokio
//! runtime:
//!
//! - `/metrics`: every [`Metrics`] value in the OpenMetrics text format Prometheus scrapes;
//! - `/healthz`: 200 while the process works (see [`Readiness::with_liveness_timeout`]);
//! - `/readyz`: 200 once every watched kind is synced and the first reconcile succeeded, 503
//!   before that and while the ADC is unreachable (see [`Readiness`]).
//!
//! Both probes answer a one-line plain-text reason, so `kubectl describe pod` shows why a
//! probe failed.

use super::metrics::{CONTENT_TYPE, Metrics};
use crate::error::{Error, Result};
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// What the probes answer, updated by the reconcile loop. Cheap to clone; clones share state.
///
/// Ready means: every watched kind is synced, and
/// - as the leader (the writer Lease holder): a reconcile has succeeded since the start and the
///   last contact with the ADC did not fail ([`Readiness::adc_unreachable`] until the next
///   [`Readiness::adc_reachable`] or [`Readiness::reconcile_succeeded`]);
/// - as a standby ([`Readiness::set_standby`]): nothing more. A standby never writes, so its
///   readiness cannot depend on a reconcile; being ready once synced keeps a rolling update of
///   a leader/standby Deployment moving. A standby that takes over the Lease is ready again after
///   its first successful reconcile as the leader.
#[derive(Clone, Debug)]
pub struct Readiness {
    state: Arc<Mutex<ProbeState>>,
}

#[derive(Debug)]
struct ProbeState {
    synced: bool,
    standby: bool,
    reconciled: bool,
    adc_unreachable: bool,
    liveness_timeout: Option<Duration>,
    last_heartbeat: Instant,
}

impl Default for Readiness {
    fn default() -> Self {
        Readiness::new()
    }
}

impl Readiness {
    /// Not ready (nothing synced yet), a leader, `/healthz` always 200.
    pub fn new() -> Readiness {
        Readiness {
            state: Arc::new(Mutex::new(ProbeState {
                synced: false,
                standby: false,
                reconciled: false,
                adc_unreachable: false,
                liveness_timeout: None,
                last_heartbeat: Instant::now(),
            })),
        }
    }

    /// Makes `/healthz` answer 503 when [`Readiness::heartbeat`] has not been called for
    /// `timeout`: the loop calls it on every turn (including idle timer turns), so a loop that
    /// hangs gets the pod restarted by its liveness probe. Without this, `/healthz` answers 200
    /// as long as the process serves HTTP.
    pub fn with_liveness_timeout(self, timeout: Duration) -> Readiness {
        self.lock().liveness_timeout = Some(timeout);
        self.heartbeat();
        self
    }

    fn lock(&self) -> MutexGuard<'_, ProbeState> {
        // The state stays consistent even if a holder panicked: every write is one field.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every watched kind's store has synced (the initial list completed).
    pub fn set_synced(&self) {
        self.lock().synced = true;
    }

    /// This process is a standby (`true`) or has become the leader (`false`).
    pub fn set_standby(&self, standby: bool) {
        let mut s = self.lock();
        if s.standby && !standby {
            // A new leader is ready after its own first reconcile.
            s.reconciled = false;
        }
        s.standby = standby;
    }

    /// A reconcile succeeded (which also means the ADC answered).
    pub fn reconcile_succeeded(&self) {
        let mut s = self.lock();
        s.reconciled = true;
        s.adc_unreachable = false;
    }

    /// The ADC could not be reached (connection refused or reset, timeout, 503).
    pub fn adc_unreachable(&self) {
        self.lock().adc_unreachable = true;
    }

    /// The ADC answered again.
    pub fn adc_reachable(&self) {
        self.lock().adc_unreachable = false;
    }

    /// The loop is alive (see [`Readiness::with_liveness_timeout`]).
    pub fn heartbeat(&self) {
        self.lock().last_heartbeat = Instant::now();
    }

    /// `Ok` when ready, else why not.
    pub fn ready(&self) -> Result<(), String> {
        let s = self.lock();
        if !s.synced {
            return Err("waiting for the cluster watches to sync".into());
        }
        if s.standby {
            return Ok(());
        }
        if s.adc_unreachable {
            return Err("the ADC is unreachable".into());
        }
        if !s.reconciled {
            return Err("waiting for the first successful reconcile".into());
        }
        Ok(())
    }

    /// `Ok` while the loop is alive, else for how long it has not reported.
    pub fn alive(&self) -> Result<(), String> {
        let s = self.lock();
        match s.liveness_timeout {
            Some(timeout) if s.last_heartbeat.elapsed() > timeout => Err(format!(
                "the reconcile loop has not reported for {}s",
                s.last_heartbeat.elapsed().as_secs()
            )),
            _ => Ok(()),
        }
    }
}

/// The running endpoint server.
#[derive(Debug)]
pub struct Server {
    /// The address it listens on (the actual port when started on port 0).
    pub local_addr: SocketAddr,
    /// Ends after the cancellation token fired and open requests were answered.
    pub handle: JoinHandle<()>,
}

#[derive(Clone)]
struct AppState {
    metrics: Metrics,
    readiness: Readiness,
}

/// Listens on `addr` (`HOST:PORT`) and serves the endpoints until `cancel` fires. An address
/// that cannot be listened on is a usage error (exit 2) naming it.
pub async fn start(
    addr: &str,
    metrics: Metrics,
    readiness: Readiness,
    cancel: CancellationToken,
) -> Result<Server> {
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
        Error::usage(format!(
            "watch.metricsAddr (--metrics-addr): cannot listen on {addr}: {e}"
        ))
    })?;
    let local_addr = listener.local_addr().map_err(|e| {
        Error::usage(format!(
            "watch.metricsAddr (--metrics-addr): cannot listen on {addr}: {e}"
        ))
    })?;
    let app = Router::new()
        .route("/metrics", get(metrics_handler))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .with_state(AppState { metrics, readiness });
    let serve = axum::serve(listener, app)
        .with_graceful_shutdown(async move { cancel.cancelled_owned().await });
    let handle = tokio::spawn(async move {
        if let Err(e) = serve.await {
            tracing::warn!("metrics endpoint {local_addr}: {e}");
        }
    });
    Ok(Server { local_addr, handle })
}

async fn metrics_handler(State(app): State<AppState>) -> Response {
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], app.metrics.encode()).into_response()
}

fn probe(outcome: Result<(), String>) -> Response {
    let (status, body) = match outcome {
        Ok(()) => (StatusCode::OK, "ok\n".to_string()),
        Err(why) => (StatusCode::SERVICE_UNAVAILABLE, format!("{why}\n")),
    };
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body,
    )
        .into_response()
}

async fn healthz(State(app): State<AppState>) -> Response {
    probe(app.readiness.alive())
}

async fn readyz(State(app): State<AppState>) -> Response {
    probe(app.readiness.ready())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exit::ExitStatus;
    use crate::watch::metrics::ReconcileResult;

    fn client() -> reqwest::Client {
        let _ = rustls::crypto::ring::default_provider().install_default();
        reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .expect("HTTP client")
    }

    async fn get(c: &reqwest::Client, server: &Server, path: &str) -> (u16, String, String) {
        let res = c
            .get(format!("http://{}{path}", server.local_addr))
            .send()
            .await
            .expect("GET");
        let status = res.status().as_u16();
        let ctype = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        (status, ctype, res.text().await.expect("body"))
    }

    async fn started(readiness: &Readiness) -> (Server, Metrics, CancellationToken) {
        let metrics = Metrics::new();
        let cancel = CancellationToken::new();
        let server = start(
            "127.0.0.1:0",
            metrics.clone(),
            readiness.clone(),
            cancel.clone(),
        )
        .await
        .expect("start the endpoint server");
        (server, metrics, cancel)
    }

    #[tokio::test]
    async fn metrics_are_served_as_openmetrics_text() {
        let readiness = Readiness::new();
        let (server, metrics, cancel) = started(&readiness).await;
        metrics.reconciled(
            ReconcileResult::Success,
            Duration::from_millis(20),
            [("route", "add")],
        );
        let (status, ctype, body) = get(&client(), &server, "/metrics").await;
        assert_eq!(status, 200);
        assert_eq!(ctype, CONTENT_TYPE);
        assert!(
            body.contains("kubectl_netscaler_reconciles_total{result=\"success\"} 1\n"),
            "{body}"
        );
        assert!(
            body.contains("kubectl_netscaler_changes_total{resource=\"route\",op=\"add\"} 1\n"),
            "{body}"
        );
        assert!(body.ends_with("# EOF\n"));
        let (status, _, _) = get(&client(), &server, "/nope").await;
        assert_eq!(status, 404);
        cancel.cancel();
    }

    #[tokio::test]
    async fn readyz_follows_sync_reconcile_and_adc_reachability() {
        let readiness = Readiness::new();
        let (server, _, cancel) = started(&readiness).await;
        let c = client();
        let readyz = async |want: u16, says: &str| {
            let (status, ctype, body) = get(&c, &server, "/readyz").await;
            assert_eq!((status, body.trim()), (want, says));
            assert_eq!(ctype, "text/plain; charset=utf-8");
        };
        readyz(503, "waiting for the cluster watches to sync").await;
        readiness.set_synced();
        readyz(503, "waiting for the first successful reconcile").await;
        readiness.adc_unreachable();
        readyz(503, "the ADC is unreachable").await;
        readiness.reconcile_succeeded();
        readyz(200, "ok").await;
        readiness.adc_unreachable();
        readyz(503, "the ADC is unreachable").await;
        readiness.adc_reachable();
        readyz(200, "ok").await;
        // /healthz does not depend on readiness.
        let (status, _, body) = get(&c, &server, "/healthz").await;
        assert_eq!((status, body.as_str()), (200, "ok\n"));
        cancel.cancel();
    }

    #[tokio::test]
    async fn a_standby_is_ready_once_synced_and_a_new_leader_after_its_first_reconcile() {
        let readiness = Readiness::new();
        let (server, _, cancel) = started(&readiness).await;
        let c = client();
        readiness.set_standby(true);
        assert_eq!(get(&c, &server, "/readyz").await.0, 503);
        readiness.set_synced();
        assert_eq!(get(&c, &server, "/readyz").await.0, 200);
        // A standby does not write: the ADC's reachability is no reason to take it out.
        readiness.adc_unreachable();
        assert_eq!(get(&c, &server, "/readyz").await.0, 200);
        readiness.adc_reachable();
        readiness.set_standby(false);
        let (status, _, body) = get(&c, &server, "/readyz").await;
        assert_eq!(
            (status, body.trim()),
            (503, "waiting for the first successful reconcile")
        );
        readiness.reconcile_succeeded();
        assert_eq!(get(&c, &server, "/readyz").await.0, 200);
        cancel.cancel();
    }

    #[tokio::test]
    async fn healthz_fails_when_the_loop_stops_reporting() {
        let readiness = Readiness::new().with_liveness_timeout(Duration::from_millis(300));
        let (server, _, cancel) = started(&readiness).await;
        let c = client();
        assert_eq!(get(&c, &server, "/healthz").await.0, 200);
        tokio::time::sleep(Duration::from_millis(450)).await;
        let (status, _, body) = get(&c, &server, "/healthz").await;
        assert_eq!(status, 503);
        assert!(
            body.starts_with("the reconcile loop has not reported for"),
            "{body}"
        );
        readiness.heartbeat();
        assert_eq!(get(&c, &server, "/healthz").await.0, 200);
        cancel.cancel();
    }

    #[tokio::test]
    async fn cancelling_stops_the_server() {
        let readiness = Readiness::new();
        let (server, _, cancel) = started(&readiness).await;
        let addr = server.local_addr;
        assert_eq!(get(&client(), &server, "/healthz").await.0, 200);
        cancel.cancel();
        tokio::time::timeout(Duration::from_secs(10), server.handle)
            .await
            .expect("the server stopped after cancel")
            .expect("server task");
        assert!(
            tokio::net::TcpStream::connect(addr).await.is_err(),
            "still listening on {addr}"
        );
    }

    #[tokio::test]
    async fn an_address_in_use_is_a_usage_error_naming_it() {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = taken.local_addr().unwrap().to_string();
        let err = start(
            &addr,
            Metrics::new(),
            Readiness::new(),
            CancellationToken::new(),
        )
        .await
        .expect_err("the address is taken");
        assert_eq!(err.exit_status(), ExitStatus::Usage);
        let msg = err.to_string();
        assert!(
            msg.contains("--metrics-addr") && msg.contains(&addr),
            "{msg}"
        );
        let err = start(
            "not-an-address",
            Metrics::new(),
            Readiness::new(),
            CancellationToken::new(),
        )
        .await
        .expect_err("no port");
        assert_eq!(err.exit_status(), ExitStatus::Usage);
        assert!(err.to_string().contains("not-an-address"), "{err}");
    }
}
