//! A real Kubernetes API server (kube-apiserver 1.20.2 + etcd 3.4) on loopback, for tests that
//! need genuine API semantics: RBAC decisions, validation, resourceVersions, watches, server-side
//! apply, field selectors.
//!
//! Everything is done by `tests/kube-testenv/kube-testenv.sh` (see [`script`]); this module only
//! gives it a temporary directory, calls `up`/`down` and wraps `kubectl`.
//!
//! - The first [`RealApiServer::start`] on a machine builds kube-apiserver from Debian's source
//!   package (a few minutes) and caches it under
//!   `${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-netscaler-testenv/` (override with
//!   `KUBE_TESTENV_CACHE`). Parallel test threads and processes wait for that one build (`flock`).
//!   Later starts take a few seconds. Run `tests/kube-testenv/kube-testenv.sh build` beforehand to
//!   keep the build out of test timings.
//! - Each instance has its own etcd, its own certificates and its own temp directory, so tests
//!   can run in parallel and never see each other's objects.
//! - The servers are started with `--watch-pid` = this process: if the test process dies without
//!   running `Drop` (SIGKILL, `abort`), a watchdog stops them within about a second.
//! - Set `KUBE_TESTENV_KEEP=1` to keep the directory (logs, kubeconfigs, certificates) after the
//!   test, or `KUBE_TESTENV_KEEP_ON_PANIC=1` to keep it only when the test panics; the path is
//!   printed on stderr.
//!
//! Only the API server runs: no controller-manager, scheduler or kubelet. Consequently Node
//! status stays exactly as written (see [`RealApiServer::set_node_status`]), Endpoints and
//! EndpointSlices exist only if a test writes them, deleted namespaces stay `Terminating`, no
//! `default` ServiceAccount is created (the ServiceAccount admission plugin is disabled so Pods can
//! still be created). 1.20 serves EndpointSlices only as `discovery.k8s.io/v1beta1`.
//!
//! Identities (both by client certificate; bearer-token kubeconfigs `admin-token.kubeconfig`
//! and `limited-token.kubeconfig` sit in the same directory):
//! - admin: user `kubectl-netscaler-admin` in group `system:masters` (cluster-admin);
//! - limited: user [`LIMITED_USER`], no RBAC permissions until a test grants some.

use anyhow::{Context, Result, anyhow, bail};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

/// User name of the limited identity (`limited.kubeconfig`); bind roles to this user.
pub const LIMITED_USER: &str = "kubectl-netscaler-tester";
/// User name of the admin identity (`admin.kubeconfig`, group `system:masters`).
pub const ADMIN_USER: &str = "kubectl-netscaler-admin";

/// Path of `kube-testenv.sh`, relative to this crate's manifest directory.
pub fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../kube-testenv/kube-testenv.sh")
}

/// The `kubectl` to run: `$KUBECTL` if set, else `kubectl` from `PATH`.
pub fn kubectl_bin() -> PathBuf {
    std::env::var_os("KUBECTL").map_or_else(|| PathBuf::from("kubectl"), PathBuf::from)
}

/// Builds (or finds in the cache) the kube-apiserver binary and returns its path. Calling this
/// is optional: [`RealApiServer::start`] does it too.
pub fn ensure_built() -> Result<PathBuf> {
    let out = run_script(&["path"])?;
    Ok(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}

/// One running etcd + kube-apiserver pair; stopped and its directory removed on drop.
pub struct RealApiServer {
    dir: PathBuf,
    env: BTreeMap<String, String>,
    keep: bool,
}

impl RealApiServer {
    /// Starts a fresh etcd + kube-apiserver (building/caching the binary on first use) in a new
    /// temp dir, with `--watch-pid` = this process. Each instance is fully isolated.
    pub fn start() -> Result<RealApiServer> {
        let dir = new_temp_dir()?;
        let keep = std::env::var_os("KUBE_TESTENV_KEEP").is_some_and(|v| !v.is_empty() && v != "0");
        let pid = std::process::id().to_string();
        let dir_str = dir.to_str().context("temp dir path is not UTF-8")?;
        if let Err(e) = run_script(&["up", dir_str, "--watch-pid", &pid]) {
            // `up` already stopped whatever it had started; make sure, then clean up.
            let _ = run_script(&["down", dir_str]);
            if keep {
                eprintln!(
                    "kube-testenv: keeping {} (KUBE_TESTENV_KEEP)",
                    dir.display()
                );
            } else {
                let _ = std::fs::remove_dir_all(&dir);
            }
            return Err(e.context("starting the real API server"));
        }
        // From here on `Drop` runs `down` if anything below fails.
        let mut server = RealApiServer {
            env: BTreeMap::new(),
            dir,
            keep,
        };
        let env_path = server.dir.join("env");
        let env_text = std::fs::read_to_string(&env_path)
            .with_context(|| format!("reading {}", env_path.display()))?;
        server.env = parse_env(&env_text)?;
        if !server.env.contains_key("APISERVER_URL") {
            bail!("{} has no APISERVER_URL", env_path.display());
        }
        Ok(server)
    }

    /// `https://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        self.env["APISERVER_URL"].clone()
    }

    /// Kubeconfig of the admin (group `system:masters`), client-certificate authentication.
    pub fn admin_kubeconfig(&self) -> PathBuf {
        self.dir.join("admin.kubeconfig")
    }

    /// Kubeconfig of [`LIMITED_USER`] (no permissions by default), client-certificate authentication.
    pub fn limited_kubeconfig(&self) -> PathBuf {
        self.dir.join("limited.kubeconfig")
    }

    /// The instance directory: kubeconfigs, `env`, `pki/`, `etcd/`, `*.log`.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// CA certificate that signed the serving and client certificates.
    pub fn ca_cert(&self) -> PathBuf {
        self.dir.join("pki/ca.crt")
    }

    /// Bearer token of the admin identity.
    pub fn admin_token(&self) -> String {
        self.env.get("ADMIN_TOKEN").cloned().unwrap_or_default()
    }

    /// Bearer token of [`LIMITED_USER`].
    pub fn limited_token(&self) -> String {
        self.env.get("LIMITED_TOKEN").cloned().unwrap_or_default()
    }

    /// Any variable of `DIR/env` (`APISERVER_PORT`, `ETCD_URL`, `APISERVER_PID`, ...).
    pub fn env_var(&self, key: &str) -> Option<&str> {
        self.env.get(key).map(String::as_str)
    }

    /// Runs `kubectl --kubeconfig admin.kubeconfig <args>` and returns stdout; error with stderr on failure.
    pub fn kubectl(&self, args: &[&str]) -> Result<String> {
        self.kubectl_as(&self.admin_kubeconfig(), args, None)
    }

    /// Same as [`kubectl`](Self::kubectl) with the limited identity.
    pub fn kubectl_limited(&self, args: &[&str]) -> Result<String> {
        self.kubectl_as(&self.limited_kubeconfig(), args, None)
    }

    /// Runs kubectl with any kubeconfig and optional stdin; returns stdout, or an error whose
    /// message contains kubectl's stderr (e.g. `Error from server (Forbidden): ...`).
    pub fn kubectl_as(
        &self,
        kubeconfig: &Path,
        args: &[&str],
        stdin: Option<&str>,
    ) -> Result<String> {
        let mut cmd = Command::new(kubectl_bin());
        cmd.arg("--kubeconfig").arg(kubeconfig).args(args);
        let out = run_with_stdin(&mut cmd, stdin)
            .with_context(|| format!("running {} {}", kubectl_bin().display(), args.join(" ")))?;
        if !out.status.success() {
            bail!(
                "kubectl {} failed ({}): {}",
                args.join(" "),
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        String::from_utf8(out.stdout).context("kubectl output is not UTF-8")
    }

    /// `kubectl apply -f -` of the given YAML/JSON text (one or more documents) as admin.
    ///
    /// Note that `apply` (a PATCH of the main resource) never changes `status`; except on
    /// creation, where the API server keeps the status given in the object. Use
    /// [`set_node_status`](Self::set_node_status) to change a Node's status later.
    pub fn apply(&self, manifest: &str) -> Result<()> {
        self.kubectl_as(
            &self.admin_kubeconfig(),
            &["apply", "-f", "-"],
            Some(manifest),
        )?;
        Ok(())
    }

    /// `kubectl create -f -` of the given YAML/JSON text as admin (fails if an object exists).
    pub fn create(&self, manifest: &str) -> Result<()> {
        self.kubectl_as(
            &self.admin_kubeconfig(),
            &["create", "-f", "-"],
            Some(manifest),
        )?;
        Ok(())
    }

    /// Replaces the whole `status` of Node `node` (conditions, addresses, ...) with `status`.
    ///
    /// How: GET the node, put `status` into it and `PUT /api/v1/nodes/NODE/status` with
    /// `kubectl replace --raw /api/v1/nodes/NODE/status -f -` (checked with kubectl 1.32 against
    /// this 1.20 server). A plain `kubectl apply`/`replace` of the Node cannot do it: writes to
    /// the main resource keep the old status (only a *create* keeps the status it is given).
    /// `kubectl patch node NODE --subresource=status -p ...` also works against 1.20, for a
    /// partial change; the default strategic merge merges `conditions` by `type` and
    /// `addresses` by `type`, so use `--type=merge` to replace those lists.
    /// Nothing else writes Node status on this server (no kubelet, no node-lifecycle
    /// controller), so what is written here stays.
    pub fn set_node_status(&self, node: &str, status: serde_json::Value) -> Result<()> {
        let path = format!("/api/v1/nodes/{node}/status");
        let mut last_err = None;
        for _ in 0..5 {
            let current = self.kubectl(&["get", "node", node, "-o", "json"])?;
            let mut obj: serde_json::Value =
                serde_json::from_str(&current).context("parsing kubectl get node output")?;
            obj["status"] = status.clone();
            let body = serde_json::to_string(&obj)?;
            match self.kubectl_as(
                &self.admin_kubeconfig(),
                &["replace", "--raw", &path, "-f", "-"],
                Some(&body),
            ) {
                Ok(_) => return Ok(()),
                // Someone updated the node between GET and PUT: read it again.
                Err(e)
                    if e.to_string().contains("Conflict")
                        || e.to_string().contains("the object has been modified") =>
                {
                    last_err = Some(e);
                }
                Err(e) => return Err(e.context(format!("setting status of node {node}"))),
            }
        }
        Err(last_err
            .unwrap_or_else(|| anyhow!("conflict"))
            .context(format!("setting status of node {node}")))
    }

    /// The last `lines` lines of the API server log (handy in assertion messages).
    pub fn apiserver_log_tail(&self, lines: usize) -> String {
        let text = std::fs::read_to_string(self.dir.join("apiserver.log")).unwrap_or_default();
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }
}

impl Drop for RealApiServer {
    fn drop(&mut self) {
        let dir = self.dir.to_string_lossy().into_owned();
        if let Err(e) = run_script(&["down", &dir]) {
            eprintln!("kube-testenv: down {dir} failed: {e:#}");
            // Leave the directory: its pid files are what a manual `down` needs.
            return;
        }
        if self.keep
            || (std::thread::panicking()
                && std::env::var_os("KUBE_TESTENV_KEEP_ON_PANIC").is_some())
        {
            eprintln!("kube-testenv: keeping {dir}");
        } else if let Err(e) = std::fs::remove_dir_all(&self.dir) {
            eprintln!("kube-testenv: removing {dir}: {e}");
        }
    }
}

fn run_script(args: &[&str]) -> Result<Output> {
    let script = script();
    let out = Command::new("bash")
        .arg(&script)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("running {}", script.display()))?;
    if !out.status.success() {
        bail!(
            "{} {} failed ({}):\n{}",
            script.display(),
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim_end()
        );
    }
    Ok(out)
}

fn run_with_stdin(cmd: &mut Command, stdin: Option<&str>) -> std::io::Result<Output> {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    let mut child = cmd.spawn()?;
    if let Some(text) = stdin {
        let mut pipe = child.stdin.take().expect("piped stdin");
        // kubectl reads all of stdin before writing much, so writing first cannot deadlock.
        pipe.write_all(text.as_bytes())?;
    }
    child.wait_with_output()
}

/// A new, empty directory under the system temp dir, unique across threads and processes.
fn new_temp_dir() -> Result<PathBuf> {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let base = std::env::temp_dir();
    for _ in 0..100 {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!(
            "kube-testenv-{}-{}-{nanos:x}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let dir = base.join(name);
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e).with_context(|| format!("creating {}", dir.display())),
        }
    }
    bail!(
        "could not create a unique directory under {}",
        base.display()
    )
}

/// Parses `DIR/env`: `KEY=value` lines whose values are quoted with bash's `printf %q`
/// (backslash escapes; the script only writes paths, URLs, numbers and hex tokens).
fn parse_env(text: &str) -> Result<BTreeMap<String, String>> {
    let mut map = BTreeMap::new();
    for line in text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
    {
        let (key, raw) = line
            .split_once('=')
            .with_context(|| format!("bad env line {line:?}"))?;
        if raw.starts_with("$'") {
            bail!("unsupported quoting in env line {line:?}");
        }
        let value = if raw == "''" {
            String::new()
        } else {
            let mut value = String::with_capacity(raw.len());
            let mut chars = raw.chars();
            while let Some(c) = chars.next() {
                if c == '\\' {
                    value.extend(chars.next());
                } else {
                    value.push(c);
                }
            }
            value
        };
        map.insert(key.to_string(), value);
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_env_unescapes_printf_q() {
        let map = parse_env("A=/tmp/a\\ b\nB=''\nC=https://127.0.0.1:1234\n").unwrap();
        assert_eq!(map["A"], "/tmp/a b");
        assert_eq!(map["B"], "");
        assert_eq!(map["C"], "https://127.0.0.1:1234");
    }

    #[test]
    fn script_exists() {
        assert!(script().is_file(), "{}", script().display());
    }
}
