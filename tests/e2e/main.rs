//! End-to-end tests: the real `kubectl-netscaler` binary against the test bed (NITRO emulator,
//! fake and real Kubernetes API servers). One integration-test binary, one module per
//! subcommand.

mod support;

mod generated;
mod plan;
mod rbac;
