//! `netscaler-testbed nitro`: run the emulator as a process (demos, benchmarks, manual tests).

use super::{Emulator, EmulatorOptions};
use clap::Parser;
use std::io::Write;
use std::time::Duration;

/// Serve the NITRO emulator on 127.0.0.1 until killed; prints the URL on the first line.
#[derive(Parser, Debug)]
#[command(name = "netscaler-testbed nitro")]
struct Args {
    /// TCP port on 127.0.0.1 (0 = pick a free one)
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Serve HTTPS with a self-signed certificate (its PEM is printed to stderr)
    #[arg(long)]
    tls: bool,
    /// Initial state to load (JSON or YAML, same shape as GET /_emulator/state)
    #[arg(long, value_name = "FILE")]
    state: Option<std::path::PathBuf>,
    /// Delay added to every request, in milliseconds
    #[arg(long, value_name = "N", default_value_t = 0)]
    latency_ms: u64,
    #[arg(long, default_value = "nsroot")]
    username: String,
    #[arg(long, default_value = "nsroot")]
    password: String,
    /// Answer writes like an HA secondary node (599/1028)
    #[arg(long)]
    ha_secondary: bool,
    /// Keep connections open instead of `Connection: close`
    #[arg(long)]
    keep_alive: bool,
}

pub fn cli_main(args: &[String]) -> anyhow::Result<()> {
    let a = Args::try_parse_from(std::iter::once("nitro".to_string()).chain(args.iter().cloned()))
        .map_err(|e| {
            let _ = e.print();
            anyhow::anyhow!("invalid arguments")
        })?;
    let opts = EmulatorOptions {
        username: a.username,
        password: a.password,
        tls: a.tls,
        latency: Duration::from_millis(a.latency_ms),
        ha_secondary: a.ha_secondary,
        connection_close: !a.keep_alive,
        ..EmulatorOptions::default()
    };
    let emu = Emulator::start_on(opts, a.port);
    if let Some(path) = &a.state {
        emu.load_state_file(path)?;
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", emu.url())?;
    out.flush()?;
    drop(out);
    if let Some(pem) = emu.ca_pem() {
        eprint!("{pem}");
    }
    loop {
        std::thread::park();
    }
}
