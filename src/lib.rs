//! `kubectl netscaler`: connects a Kubernetes cluster's pod network to a NetScaler ADC.
//!
//! The pipeline (see STYLE.md): settings → cluster facts → [`model::desired`] → actual ADC
//! state → [`model::diff_objects`] → change set → NITRO executor → render. Everything between
//! the facts and the change set is pure.

pub mod cli;
pub mod cluster;
pub mod commands;
pub mod error;
pub mod exit;
pub mod model;
pub mod nitro;
pub mod render;
pub mod settings;
pub mod watch;

use cli::{Cli, Command};
use error::Result;
use exit::ExitStatus;
pub use tokio_util::sync::CancellationToken;

/// Runs a parsed command line. `cancel` is the one cancellation signal (Ctrl-C, SIGTERM):
/// a writing command stops at a safe point, releases its lock and returns
/// [`error::Error::Interrupted`].
pub async fn run(cli: Cli, cancel: CancellationToken) -> Result<ExitStatus> {
    let out = render::Printer::new(cli.global.color)
        .with_json_logs(cli.global.log_format == cli::LogFormat::Json);
    match &cli.command {
        Command::Plan(args) => commands::plan::run(&cli, args, &out).await,
        Command::Diff(args) => commands::diff::run(&cli, args, &out).await,
        Command::Apply(args) => commands::apply::apply(&cli, args, &out, &cancel).await,
        Command::Teardown(args) => commands::apply::teardown(&cli, args, &out, &cancel).await,
        Command::Watch(args) => commands::watch::run(&cli, args, &out, &cancel).await,
        Command::Version(args) => commands::version::run(args, &out),
    }
}
