//! Generated and distributed files: the committed completions and man pages are what the clap
//! definition produces now, kubectl's plugin completion works through `kubectl_complete-netscaler`,
//! and the krew manifest passes krew's validation rules.

use crate::support;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

const REGENERATE: &str = "UPDATE_GENERATED=1 cargo test --test e2e generated";

/// Every file of `kubectl_netscaler::cli::generate::files()` is committed as generated, and
/// `completions/` and `man/` hold nothing else. With `UPDATE_GENERATED=1` the files are written
/// (and stale ones removed) instead.
#[test]
fn generated_files_are_fresh() {
    let root = support::root();
    let files = kubectl_netscaler::cli::generate::files();
    let update = std::env::var_os("UPDATE_GENERATED").is_some_and(|v| !v.is_empty());
    let dirs = [
        kubectl_netscaler::cli::generate::COMPLETIONS_DIR,
        kubectl_netscaler::cli::generate::MAN_DIR,
    ];
    for (path, _) in &files {
        assert!(
            dirs.iter().any(|d| path.starts_with(d)),
            "generated file {} is outside {dirs:?}: the staleness check would miss extra files",
            path.display()
        );
    }
    let produced: BTreeSet<PathBuf> = files.iter().map(|(p, _)| p.clone()).collect();

    let mut problems = Vec::new();
    for (rel, want) in &files {
        let path = root.join(rel);
        if update {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            if std::fs::read(&path).ok().as_ref() != Some(want) {
                std::fs::write(&path, want)
                    .unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
            }
            continue;
        }
        match std::fs::read(&path) {
            Ok(have) if have == *want => {}
            Ok(have) => problems.push(format!(
                "{} is stale{}",
                rel.display(),
                first_difference(&have, want)
            )),
            Err(e) => problems.push(format!("{} is missing ({e})", rel.display())),
        }
    }
    for dir in dirs {
        for rel in committed_files(&root, Path::new(dir)) {
            if produced.contains(&rel) {
                continue;
            }
            if update {
                std::fs::remove_file(root.join(&rel)).unwrap();
            } else {
                problems.push(format!(
                    "{} is no longer generated (remove it)",
                    rel.display()
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "generated files are out of date:\n  {}\nregenerate with: {REGENERATE}",
        problems.join("\n  ")
    );
}

/// Files under `dir` (relative to `root`), recursively, as paths relative to `root`.
fn committed_files(root: &Path, dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(root.join(&d)) else {
            continue;
        };
        for entry in entries {
            let entry = entry.unwrap();
            let rel = d.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                todo.push(rel);
            } else {
                out.push(rel);
            }
        }
    }
    out.sort();
    out
}

/// ` (line N: committed "…", generated "…")` for the first differing line.
fn first_difference(have: &[u8], want: &[u8]) -> String {
    let have = String::from_utf8_lossy(have);
    let want = String::from_utf8_lossy(want);
    let mut have_lines = have.lines();
    let mut want_lines = want.lines();
    for n in 1.. {
        match (have_lines.next(), want_lines.next()) {
            (None, None) => break,
            (h, w) if h == w => continue,
            (h, w) => {
                return format!(
                    " (line {n}: committed {:?}, generated {:?})",
                    h.unwrap_or("<end of file>"),
                    w.unwrap_or("<end of file>")
                );
            }
        }
    }
    " (line endings differ)".to_string()
}

/// Runs `kubectl_complete-netscaler` as kubectl does for `kubectl netscaler <words><TAB>`.
fn complete(words: &[&str]) -> Vec<String> {
    let out = Command::new(env!("CARGO_BIN_EXE_kubectl_complete-netscaler"))
        .args(words)
        .output()
        .expect("run kubectl_complete-netscaler");
    assert!(
        out.status.success(),
        "kubectl_complete-netscaler {words:?} exited {}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn generated_kubectl_plugin_completion() {
    assert_eq!(complete(&["pl"]), ["plan", ":4"]);
    let subcommands = complete(&[""]);
    for want in ["plan", "diff", "apply", "teardown", ":4"] {
        assert!(subcommands.contains(&want.to_string()), "{subcommands:?}");
    }
    assert!(
        !subcommands.contains(&"help".to_string()),
        "{subcommands:?}"
    );

    let values = complete(&["plan", "--output", ""]);
    assert_eq!(values.last().map(String::as_str), Some(":4"), "{values:?}");
    for want in ["table", "wide", "json", "yaml", "commands"] {
        assert!(values.contains(&want.to_string()), "{values:?}");
    }
    assert_eq!(complete(&["plan", "-o", "ya"]), ["yaml", ":4"]);
    assert_eq!(
        complete(&["diff", "-o", ""]),
        ["table", "json", "yaml", "commands", ":4"]
    );
    // A short flag's value is not taken for a subcommand (here a namespace named `plan`).
    assert_eq!(complete(&["-n", "plan", "te"]), ["teardown", ":4"]);
    assert_eq!(complete(&["--mode", "vx"]), ["vxlan", ":4"]);

    let flags = complete(&["apply", "--dr"]);
    assert_eq!(flags, ["--dry-run", ":4"]);
    // File-valued flags and `apply PLAN` leave file names to the shell (directive 0).
    assert_eq!(complete(&["plan", "--cluster-file", ""]), [":0"]);
    assert_eq!(complete(&["apply", ""]), [":0"]);
}

/// kubectl itself (1.26 and later) asks the plugin's completer for `kubectl netscaler <TAB>`.
#[test]
fn kubectl_completes_the_plugin_through_its_completer() {
    let kubectl = Path::new("/usr/bin/kubectl");
    if !kubectl.exists() {
        eprintln!("skipped: no /usr/bin/kubectl");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for bin in [
        env!("CARGO_BIN_EXE_kubectl-netscaler"),
        env!("CARGO_BIN_EXE_kubectl_complete-netscaler"),
    ] {
        let name = Path::new(bin).file_name().unwrap();
        std::os::unix::fs::symlink(bin, dir.path().join(name)).unwrap();
    }
    let out = Command::new(kubectl)
        .args(["__complete", "netscaler", "pl"])
        .env("PATH", format!("{}:/usr/bin:/bin", dir.path().display()))
        .env("HOME", dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.lines().any(|l| l == "plan"), "{text}");
}

/// The generated bash script (the same as the committed one, see `generated_files_are_fresh`),
/// written to a fresh directory, so a test does not race that test's UPDATE_GENERATED run.
fn generated_bash_script() -> (tempfile::TempDir, PathBuf) {
    let (_, contents) = kubectl_netscaler::cli::generate::files()
        .into_iter()
        .find(|(p, _)| p.ends_with("kubectl-netscaler.bash"))
        .expect("a bash completion script is generated");
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("kubectl-netscaler.bash");
    std::fs::write(&script, contents).unwrap();
    (dir, script)
}

/// The bash script completes subcommands, their flags and flag values when bash runs it
/// (skipped where there is no bash). It runs the generated script (the same as the committed
/// one, see `generated_files_are_fresh`), so it does not race that test's UPDATE_GENERATED run.
#[test]
fn generated_bash_completion_completes_in_bash() {
    let (_dir, script) = generated_bash_script();
    let bash = |words: &[&str]| -> Option<Vec<String>> {
        // As bash calls a completion function: COMP_WORDS/COMP_CWORD, then
        // `_fn <command> <word being completed> <previous word>`.
        let cword = words.len() - 1;
        let program = format!(
            "source \"$1\"; shift; COMP_WORDS=(\"$@\"); COMP_CWORD={cword}; \
             _kubectl__netscaler \"$1\" \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"; \
             printf '%s\\n' \"${{COMPREPLY[@]}}\""
        );
        let out = Command::new("bash")
            .arg("-c")
            .arg(program)
            .arg("bash")
            .arg(&script)
            .args(words)
            .output()
            .ok()?;
        assert!(
            out.status.success(),
            "bash completion of {words:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Some(
            String::from_utf8(out.stdout)
                .unwrap()
                .lines()
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect(),
        )
    };
    let Some(subcommands) = bash(&["kubectl-netscaler", "te"]) else {
        eprintln!("no bash: skipped");
        return;
    };
    assert_eq!(subcommands, ["teardown"]);
    assert_eq!(
        bash(&["kubectl-netscaler", "plan", "-o", "ya"]).unwrap(),
        ["yaml"]
    );
    assert_eq!(
        bash(&["kubectl-netscaler", "apply", "--dr"]).unwrap(),
        ["--dry-run"]
    );
}

/// `kubectl netscaler <TAB>` in a bash that loaded only this script: without the completer
/// on PATH the static answers, with it the dynamic ones (kubeconfig contexts, file names).
#[test]
fn generated_bash_completion_completes_kubectl_netscaler() {
    let (dir, script) = generated_bash_script();
    let bin_dir = dir.path().join("bin");
    std::fs::create_dir(&bin_dir).unwrap();
    std::os::unix::fs::symlink(
        env!("CARGO_BIN_EXE_kubectl_complete-netscaler"),
        bin_dir.join("kubectl_complete-netscaler"),
    )
    .unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c1\n  cluster: {server: 'https://127.0.0.1:1'}\ncontexts:\n- name: dev\n  context: {cluster: c1, user: u1}\n- name: prod\n  context: {cluster: c1, user: u1}\nusers:\n- name: u1\n  user: {token: t}\ncurrent-context: dev\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("plan-a.json"), "{}").unwrap();
    let bash = |path: &str, words: &[&str]| -> Option<Vec<String>> {
        let cword = words.len() - 1;
        // `complete -p kubectl` names the function the script registered for kubectl.
        let program = format!(
            "source \"$1\"; shift; fn=$(complete -p kubectl | sed 's/.*-F \\([^ ]*\\).*/\\1/'); \
             COMP_WORDS=(\"$@\"); COMP_CWORD={cword}; \
             $fn kubectl \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"; \
             printf '%s\\n' \"${{COMPREPLY[@]}}\""
        );
        let out = Command::new("bash")
            .arg("-c")
            .arg(program)
            .arg("bash")
            .arg(&script)
            .args(words)
            .env("PATH", path)
            .env("KUBECONFIG", &kubeconfig)
            .current_dir(dir.path())
            .output()
            .ok()?;
        assert!(
            out.status.success(),
            "bash completion of {words:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut lines: Vec<String> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect();
        lines.sort();
        Some(lines)
    };
    let static_path = "/usr/bin:/bin";
    let Some(subcommands) = bash(static_path, &["kubectl", "netscaler", "te"]) else {
        eprintln!("no bash: skipped");
        return;
    };
    assert_eq!(subcommands, ["teardown"]);
    assert_eq!(
        bash(static_path, &["kubectl", "netscaler", "plan", "-o", "ya"]).unwrap(),
        ["yaml"]
    );
    let dynamic_path = format!("{}:/usr/bin:/bin", bin_dir.display());
    assert_eq!(
        bash(&dynamic_path, &["kubectl", "netscaler", "te"]).unwrap(),
        ["teardown"]
    );
    assert_eq!(
        bash(
            &dynamic_path,
            &["kubectl", "netscaler", "diff", "--context", ""]
        )
        .unwrap(),
        ["dev", "prod"]
    );
    assert_eq!(
        bash(&dynamic_path, &["kubectl", "netscaler", "apply", "plan-"]).unwrap(),
        ["plan-a.json"]
    );
}

/// The krew manifest passes the rules krew's validation (and `krew install --manifest`) applies.
#[test]
fn generated_krew_manifest_is_valid() {
    check_krew_manifest(&support::root().join("krew-manifest.yaml"));
}

/// Checks the krew manifest at `path` against krew's rules and returns it parsed; the release
/// step's rendered manifest is held to the same rules.
pub fn check_krew_manifest(path: &Path) -> serde_json::Value {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let doc: serde_json::Value =
        serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));

    assert_eq!(
        doc["apiVersion"],
        "krew.googlecontainertools.github.com/v1alpha2"
    );
    assert_eq!(doc["kind"], "Plugin");
    let name = doc["metadata"]["name"].as_str().expect("metadata.name");
    assert!(is_plugin_name(name), "metadata.name {name:?}");
    assert_eq!(name, "netscaler", "invoked as `kubectl netscaler`");

    let spec = &doc["spec"];
    let version = spec["version"].as_str().expect("spec.version");
    assert_eq!(version, format!("v{}", env!("CARGO_PKG_VERSION")));
    assert!(is_semver(&version[1..]), "spec.version {version:?}");
    let short = spec["shortDescription"]
        .as_str()
        .expect("spec.shortDescription");
    assert!(
        !short.trim().is_empty() && short.chars().count() < 50,
        "shortDescription {short:?}"
    );
    assert!(
        spec["description"]
            .as_str()
            .is_some_and(|d| !d.trim().is_empty())
    );
    assert!(
        spec["homepage"]
            .as_str()
            .is_some_and(|h| h.starts_with("https://")),
        "homepage"
    );

    let platforms = spec["platforms"].as_array().expect("spec.platforms");
    assert!(!platforms.is_empty(), "no platforms");
    // Compared as values: key order does not make two selectors different.
    let mut selectors: Vec<&serde_json::Value> = Vec::new();
    let mut targets = BTreeSet::new();
    for (i, p) in platforms.iter().enumerate() {
        let selector = &p["selector"];
        assert!(selector.is_object(), "platform {i}: no selector");
        assert!(
            !selectors.contains(&selector),
            "platform {i}: selector {selector} repeats another platform's"
        );
        selectors.push(selector);
        let labels = &selector["matchLabels"];
        let (os, arch) = (
            labels["os"].as_str().unwrap_or_default(),
            labels["arch"].as_str().unwrap_or_default(),
        );
        targets.insert(format!("{os}/{arch}"));

        let uri = p["uri"].as_str().unwrap_or_default();
        assert!(uri.starts_with("https://"), "platform {i}: uri {uri:?}");
        assert!(
            uri.contains(&format!("/releases/download/{version}/")) && uri.ends_with(".tar.gz"),
            "platform {i}: uri {uri:?} is not this version's release archive"
        );
        let sha = p["sha256"].as_str().unwrap_or_default();
        assert!(
            sha.len() == 64 && sha.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')),
            "platform {i}: sha256 {sha:?}"
        );

        let bin = p["bin"].as_str().unwrap_or_default();
        assert!(
            !bin.is_empty() && !bin.contains(['/', '\\']),
            "platform {i}: bin {bin:?}"
        );
        let files = p["files"].as_array().expect("platform files");
        let listed = files.iter().any(|f| {
            [&f["from"], &f["to"]].into_iter().any(|v| {
                v.as_str()
                    .is_some_and(|s| s == bin || s.rsplit('/').next() == Some(bin))
            })
        });
        assert!(listed, "platform {i}: bin {bin} is not among its files");
        for f in files {
            assert!(
                f["from"].as_str().is_some_and(|s| !s.is_empty()),
                "platform {i}: file without from: {f}"
            );
        }
    }
    for want in ["linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64"] {
        assert!(targets.contains(want), "no platform {want}: {targets:?}");
    }
    doc
}

/// krew's plugin name rule.
fn is_plugin_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Semantic Versioning 2.0.0: `MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]`.
fn is_semver(v: &str) -> bool {
    let (v, build) = match v.split_once('+') {
        Some((v, b)) => (v, Some(b)),
        None => (v, None),
    };
    let (core, pre) = match v.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (v, None),
    };
    let numeric = |s: &str| {
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'))
    };
    let ident =
        |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| numeric(p))
        && pre.is_none_or(|p| {
            p.split('.')
                .all(|id| ident(id) && (!id.bytes().all(|b| b.is_ascii_digit()) || numeric(id)))
        })
        && build.is_none_or(|b| b.split('.').all(ident))
}

#[test]
fn generated_semver_check_rejects_invalid_versions() {
    for good in ["0.1.0", "1.2.3-rc.1", "1.0.0+build.5", "1.0.0-alpha-1"] {
        assert!(is_semver(good), "{good}");
    }
    for bad in ["0.1", "01.1.0", "1.2.3-", "1.2.3-01", "v1.2.3", "1.2.3+"] {
        assert!(!is_semver(bad), "{bad}");
    }
    assert!(is_plugin_name("netscaler"));
    assert!(!is_plugin_name("-netscaler") && !is_plugin_name("Net"));
}
