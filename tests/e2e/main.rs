//! End-to-end tests: the real `kubectl-netscaler` binary against the test bed (NITRO emulator,
//! fake and real Kubernetes API servers). One integration-test binary, one module per
//! subcommand.

mod support;

mod apply;
mod cluster;
mod deploy;
mod diff;
mod foreign;
mod generated;
mod harness;
mod plan;
mod rbac;
mod release;
mod services;
mod settings;
mod teardown;
mod watch;
