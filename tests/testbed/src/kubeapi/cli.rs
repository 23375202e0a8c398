//! `netscaler-testbed kube`: run the fake API server as a process.

use std::path::PathBuf;

use anyhow::{Context as _, bail};

use super::FakeApiServer;

const USAGE: &str = "usage: netscaler-testbed kube [--port P] [--load FILE]... [--kubeconfig-out PATH [--cluster-name NAME]]

Serves a fake Kubernetes API on http://127.0.0.1:P (P=0: any free port), prints the URL on
stdout and serves until killed. --load takes a `kubectl get -o yaml|json` List or multi-document
YAML (repeatable). --kubeconfig-out writes a kubeconfig for it (cluster/context/user NAME,
default \"fake\").";

/// Entry point for `netscaler-testbed kube ARGS...`.
pub fn cli_main(args: &[String]) -> anyhow::Result<()> {
    let mut port: u16 = 0;
    let mut loads: Vec<PathBuf> = Vec::new();
    let mut kubeconfig: Option<PathBuf> = None;
    let mut cluster_name = "fake".to_string();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value = |name: &str| -> anyhow::Result<String> {
            match inline.clone() {
                Some(v) => Ok(v),
                None => it
                    .next()
                    .cloned()
                    .with_context(|| format!("{name} needs a value")),
            }
        };
        match flag {
            "--port" => port = value("--port")?.parse().context("--port")?,
            "--load" => loads.push(value("--load")?.into()),
            "--kubeconfig-out" => kubeconfig = Some(value("--kubeconfig-out")?.into()),
            "--cluster-name" => cluster_name = value("--cluster-name")?,
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => bail!("unknown argument {other:?}\n{USAGE}"),
        }
    }
    let server = FakeApiServer::start_on(port)?;
    for path in &loads {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("read {}", path.display()))?;
        let n = server
            .load(&text)
            .with_context(|| format!("load {}", path.display()))?;
        eprintln!("loaded {n} objects from {}", path.display());
    }
    if let Some(path) = &kubeconfig {
        server.write_kubeconfig(path, &cluster_name)?;
        eprintln!("wrote kubeconfig {}", path.display());
    }
    println!("{}", server.url());
    use std::io::Write as _;
    std::io::stdout().flush()?;
    loop {
        std::thread::park();
    }
}
