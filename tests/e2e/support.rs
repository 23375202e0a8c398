//! A small fluent helper to run the real binary and assert on stdout, stderr and exit status.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Path of the built `kubectl-netscaler` binary.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_kubectl-netscaler"))
}

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures").join(name)
}

/// A command line to run.
pub struct Run {
    cmd: Command,
    stdin: Option<String>,
    display: String,
}

/// What a run produced.
#[derive(Debug)]
pub struct Outcome {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
    display: String,
}

/// Removes from `cmd`'s environment every variable the product reads.
pub fn clean_environment(cmd: &mut Command) {
    for var in kubectl_netscaler::cli::generate::environment_variables() {
        cmd.env_remove(var);
    }
}

/// Starts a command line for the product binary. The environment is cleaned of the variables
/// the product reads, so tests never depend on the developer's shell.
pub fn netscaler(args: &[&str]) -> Run {
    let mut cmd = Command::new(bin());
    cmd.args(args);
    clean_environment(&mut cmd);
    // No kubeconfig of the developer's is ever picked up by accident.
    cmd.env(
        "HOME",
        std::env::temp_dir().join("kubectl-netscaler-test-home"),
    );
    Run {
        display: format!("kubectl-netscaler {}", args.join(" ")),
        cmd,
        stdin: None,
    }
}

impl Run {
    pub fn arg(mut self, a: impl AsRef<std::ffi::OsStr>) -> Self {
        self.display.push(' ');
        self.display.push_str(&a.as_ref().to_string_lossy());
        self.cmd.arg(a);
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        for a in args {
            self = self.arg(a);
        }
        self
    }

    pub fn env(mut self, k: &str, v: impl AsRef<std::ffi::OsStr>) -> Self {
        self.cmd.env(k, v);
        self
    }

    pub fn stdin(mut self, text: &str) -> Self {
        self.stdin = Some(text.to_string());
        self
    }

    pub fn current_dir(mut self, dir: &Path) -> Self {
        self.cmd.current_dir(dir);
        self
    }

    pub fn run(mut self) -> Outcome {
        use std::io::Write;
        self.cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = self.cmd.spawn().expect("spawn kubectl-netscaler");
        {
            let mut stdin = child.stdin.take().expect("stdin");
            if let Some(text) = &self.stdin {
                let _ = stdin.write_all(text.as_bytes());
            }
        }
        let Output {
            status,
            stdout,
            stderr,
        } = child
            .wait_with_output()
            .expect("wait for kubectl-netscaler");
        Outcome {
            status: status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
            display: self.display,
        }
    }

    /// Runs and asserts the exit status.
    pub fn expect(self, status: i32) -> Outcome {
        let out = self.run();
        out.status(status);
        out
    }
}

impl Outcome {
    pub fn status(&self, want: i32) -> &Self {
        assert_eq!(
            self.status, want,
            "`{}` exited {} (wanted {want})\n--- stdout\n{}\n--- stderr\n{}",
            self.display, self.status, self.stdout, self.stderr
        );
        self
    }

    pub fn stdout_has(&self, needle: &str) -> &Self {
        assert!(
            self.stdout.contains(needle),
            "stdout of `{}` lacks {needle:?}:\n{}\n--- stderr\n{}",
            self.display,
            self.stdout,
            self.stderr
        );
        self
    }

    pub fn stderr_has(&self, needle: &str) -> &Self {
        assert!(
            self.stderr.contains(needle),
            "stderr of `{}` lacks {needle:?}:\n{}",
            self.display,
            self.stderr
        );
        self
    }

    pub fn stderr_lacks(&self, needle: &str) -> &Self {
        assert!(
            !self.stderr.contains(needle),
            "stderr of `{}` has {needle:?}:\n{}",
            self.display,
            self.stderr
        );
        self
    }

    pub fn stdout_lacks(&self, needle: &str) -> &Self {
        assert!(
            !self.stdout.contains(needle),
            "stdout of `{}` has {needle:?}:\n{}",
            self.display,
            self.stdout
        );
        self
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout of `{}` is not JSON: {e}\n{}",
                self.display, self.stdout
            )
        })
    }
}

/// Compares `actual` with the golden file `tests/golden/<name>`; with `UPDATE_GOLDEN=1` the
/// file is (re)written instead.
pub fn golden(name: &str, actual: &str) {
    let path = root().join("tests/golden").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "golden file {} missing ({e}); run with UPDATE_GOLDEN=1",
            path.display()
        )
    });
    pretty_assertions::assert_eq!(want, actual, "golden file {}", path.display());
}

/// Two `plan -o json` documents plan the same thing: the same cluster, mode, ADC objects,
/// cluster objects, diagnostics and inputs fingerprint (the inputs' sources may differ).
pub fn assert_same_plan(a: &serde_json::Value, b: &serde_json::Value) {
    for key in [
        "cluster",
        "mode",
        "adc",
        "cluster_objects",
        "diagnostics",
        "inputsFingerprint",
    ] {
        pretty_assertions::assert_eq!(a[key], b[key], "{key}");
    }
}

/// A kubeconfig whose API server is 127.0.0.1:9 (discard; nothing listens there).
pub fn unreachable_kubeconfig(dir: &Path) -> PathBuf {
    let p = dir.join("unreachable.kubeconfig");
    std::fs::write(
        &p,
        "apiVersion: v1\nkind: Config\nclusters:\n- name: gone\n  cluster:\n    server: https://127.0.0.1:9\ncontexts:\n- name: gone\n  context:\n    cluster: gone\n    user: gone\ncurrent-context: gone\nusers:\n- name: gone\n  user:\n    token: not-used\n",
    )
    .unwrap();
    p
}
