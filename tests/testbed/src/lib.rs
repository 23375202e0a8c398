//! Test bed for `kubectl netscaler`: everything the end-to-end tests run against that is not
//! the product itself.
//!
//! - [`nitro`]: a stateful NetScaler NITRO emulator (HTTP/HTTPS on loopback) that follows
//!   `NITRO.md`: sessions, error codes, bulk requests, encoding, ordering rules, fault injection.
//! - [`kubeapi`]: a loopback fake Kubernetes API server, only for what a real API server cannot
//!   produce on demand (dropped watch streams, 410 Gone on relist, 5xx answers).
//! - [`realapi`]: starts a real kube-apiserver + etcd on loopback through
//!   `tests/kube-testenv/kube-testenv.sh`.

pub mod kubeapi;
pub mod nitro;
pub mod realapi;
