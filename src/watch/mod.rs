//! The operations side of `watch`: Prometheus metrics, the `/metrics`, `/healthz` and
//! `/readyz` HTTP endpoints (`--metrics-addr`), and Kubernetes Events on the object the
//! controller reports on.

pub mod events;
pub mod metrics;
pub mod server;
