//! The `kubectl-netscaler` binary: installs the TLS provider, parses the command line, runs it
//! and maps the outcome to the documented exit status.

use clap::Parser;
use kubectl_netscaler::CancellationToken;
use kubectl_netscaler::cli::{Cli, LogFormat};
use kubectl_netscaler::error::{Error, Result};
use kubectl_netscaler::exit::ExitStatus;

fn init_logging(verbose: u8, format: LogFormat, ansi: bool, watch: bool) {
    // `watch` logs a line per reconcile that changed something (info) by default.
    let default = match verbose + u8::from(watch && verbose == 0) {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("KUBECTL_NETSCALER_LOG")
        .unwrap_or_else(|_| {
            tracing_subscriber::EnvFilter::new(format!("kubectl_netscaler={default}"))
        });
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .with_target(false);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.without_time().init(),
    }
}

fn main() {
    // One rustls provider (ring) for both the Kubernetes client and the NITRO client.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cli = Cli::parse();
    init_logging(
        cli.global.verbose,
        cli.global.log_format,
        kubectl_netscaler::render::use_color_stderr(cli.global.color),
        matches!(cli.command, kubectl_netscaler::cli::Command::Watch(_)),
    );
    let format = cli.global.log_format;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let status = runtime.block_on(async {
        let cancel = CancellationToken::new();
        let run = kubectl_netscaler::run(cli, cancel.clone());
        tokio::pin!(run);
        tokio::select! {
            r = &mut run => report(r, format),
            () = interrupted() => {
                note("interrupted");
                cancel.cancel();
                // The command stops at a safe point and releases its lock; it gets a bounded
                // grace period, so a second signal is never needed.
                if let Ok(Err(e)) = tokio::time::timeout(GRACE, &mut run).await
                    && !matches!(e, Error::Interrupted)
                {
                    note(&format!("error: {e}"));
                }
                ExitStatus::Interrupted
            }
        }
    });
    std::process::exit(status.code());
}

/// How long an interrupted command may take to stop cleanly.
const GRACE: std::time::Duration = std::time::Duration::from_secs(10);

fn note(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

fn report(r: Result<ExitStatus>, format: LogFormat) -> ExitStatus {
    match r {
        Ok(status) => status,
        Err(e) => {
            let status = e.exit_status();
            match format {
                // One JSON record, as every other line on stderr.
                LogFormat::Json => tracing::error!(exit_code = status.code(), "{e}"),
                LogFormat::Text => note(&format!("error: {e}")),
            }
            status
        }
    }
}

/// Resolves on the first SIGINT (Ctrl-C) or SIGTERM (a CI job cancelled, a pod stopped).
async fn interrupted() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            },
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
