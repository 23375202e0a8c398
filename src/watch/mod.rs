//! `watch`: a foreground controller over the same stages as `apply` (STYLE.md): reflector
//! stores → facts → desired → diff against a cached actual → bulk executor; and its operations
//! side: Prometheus metrics, the `/metrics`, `/healthz` and `/readyz` endpoints
//! (`--metrics-addr`), and Kubernetes Events on the object the controller reports on.

pub mod debounce;
pub mod events;
pub mod metrics;
pub mod server;
pub mod stores;
