//! The `kubectl-netscaler` binary: installs the TLS provider, parses the command line, runs it
//! and maps the outcome to the documented exit status.

use clap::Parser;
use kubectl_netscaler::cli::{Cli, LogFormat};
use kubectl_netscaler::exit::ExitStatus;

fn init_logging(verbose: u8, format: LogFormat, ansi: bool) {
    let default = match verbose {
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
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let status = runtime.block_on(async {
        let report = |r: kubectl_netscaler::error::Result<ExitStatus>| match r {
            Ok(status) => status,
            Err(e) => {
                eprintln!("error: {e}");
                e.exit_status()
            }
        };
        let run = kubectl_netscaler::run(cli);
        tokio::pin!(run);
        tokio::select! {
            r = &mut run => report(r),
            _ = tokio::signal::ctrl_c() => {
                eprintln!("interrupted");
                // Give a writing command a moment to release its lock.
                let _ = tokio::time::timeout(std::time::Duration::from_secs(3), &mut run).await;
                ExitStatus::Interrupted
            }
        }
    });
    std::process::exit(status.code());
}
