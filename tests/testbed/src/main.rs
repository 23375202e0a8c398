//! `netscaler-testbed`: run the NITRO emulator or the fake Kubernetes API server as a process,
//! for demos and benchmarks.

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("nitro") => netscaler_testbed::nitro::cli_main(&args[2..]),
        Some("kube") => netscaler_testbed::kubeapi::cli_main(&args[2..]),
        _ => {
            eprintln!(
                "usage: netscaler-testbed nitro|kube [OPTIONS]  (--help after the subcommand)"
            );
            std::process::exit(2);
        }
    }
}
