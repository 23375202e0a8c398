//! The release step (`.ci/release`): the archive holds exactly the files the krew manifest names,
//! the rendered manifest's sha256 is the archive's, its version is Cargo.toml's, and a manifest
//! with a placeholder sha256 is refused unless asked for as a partial (local) one.
//!
//! The archive is built from this test run's binaries (`--bin-dir`), packed under the name of the
//! manifest's platform for this machine; building the release binaries for each target is the
//! release workflow's part (see the README's "Releases").

use crate::generated::check_krew_manifest;
use crate::support;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const PLACEHOLDER: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

fn release(args: &[&str]) -> Output {
    Command::new("bash")
        .arg(support::root().join(".ci/release"))
        .args(args)
        .output()
        .expect("run .ci/release")
}

fn ok(out: Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The directory holding this test run's `kubectl-netscaler` and `kubectl_complete-netscaler`.
fn bin_dir() -> PathBuf {
    support::bin().parent().unwrap().to_path_buf()
}

/// The target triple of a platform, from its archive's name (`…-vX.Y.Z-TRIPLE.tar.gz`).
fn triple(platform: &Value) -> String {
    let uri = platform["uri"].as_str().unwrap();
    let name = uri.rsplit('/').next().unwrap().trim_end_matches(".tar.gz");
    let version = format!("kubectl-netscaler-v{}-", env!("CARGO_PKG_VERSION"));
    name.strip_prefix(&version)
        .unwrap_or_else(|| panic!("{uri}: archive name does not start with {version}"))
        .to_string()
}

fn archive_name(triple: &str) -> String {
    format!(
        "kubectl-netscaler-v{}-{triple}.tar.gz",
        env!("CARGO_PKG_VERSION")
    )
}

fn files_of(platform: &Value) -> BTreeSet<String> {
    platform["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["from"].as_str().unwrap().to_string())
        .collect()
}

/// The manifest's platform for this machine (the one whose archive this test builds).
fn host_platform(manifest: &Value) -> Value {
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        os => os,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        arch => arch,
    };
    manifest["spec"]["platforms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| {
            p["selector"]["matchLabels"]["os"] == os && p["selector"]["matchLabels"]["arch"] == arch
        })
        .unwrap_or_else(|| panic!("krew-manifest.yaml has no platform for {os}/{arch}"))
        .clone()
}

fn sha256(path: &Path) -> String {
    hex::encode(Sha256::digest(std::fs::read(path).unwrap()))
}

fn tar(args: &[&str], dir: &Path) -> String {
    let out = Command::new("tar")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run tar");
    ok(out, &format!("tar {args:?}"))
}

#[test]
fn release_archive_and_manifest_agree() {
    let source = check_krew_manifest(&support::root().join("krew-manifest.yaml"));
    let host = host_platform(&source);
    let target = triple(&host);
    let out = tempfile::tempdir().unwrap();
    let out_dir = out.path().to_str().unwrap();
    let bins = bin_dir();
    let pack = || {
        ok(
            release(&[
                "archive",
                "--target",
                &target,
                "--bin-dir",
                bins.to_str().unwrap(),
                "--out",
                out_dir,
            ]),
            "release archive",
        )
    };

    let printed = pack();
    let archive = out.path().join(archive_name(&target));
    assert!(archive.is_file(), "no {}: {printed}", archive.display());
    let sha = sha256(&archive);
    assert!(printed.contains(&sha), "archive step printed {printed:?}");

    // The archive holds exactly the manifest's files, at its top level.
    let listed: BTreeSet<String> = tar(&["tzf", archive.to_str().unwrap()], out.path())
        .lines()
        .map(|l| l.trim_start_matches("./").to_string())
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(listed, files_of(&host), "archive contents");

    // What krew installs works: the binary runs and reports this version; LICENSE is ours.
    let unpacked = tempfile::tempdir().unwrap();
    tar(&["xzf", archive.to_str().unwrap()], unpacked.path());
    let bin = host["bin"].as_str().unwrap();
    let version = Command::new(unpacked.path().join(bin))
        .arg("--version")
        .output()
        .expect("run the archived binary");
    assert!(
        String::from_utf8_lossy(&version.stdout).contains(env!("CARGO_PKG_VERSION")),
        "{bin} --version: {version:?}"
    );
    assert_eq!(
        std::fs::read(unpacked.path().join("LICENSE")).unwrap(),
        std::fs::read(support::root().join("LICENSE")).unwrap()
    );

    // Reproducible: the same binaries give the same archive.
    pack();
    assert_eq!(sha256(&archive), sha, "the archive is not reproducible");

    // A full manifest needs every platform's archive: refused, naming the missing ones.
    let others: Vec<String> = source["spec"]["platforms"]
        .as_array()
        .unwrap()
        .iter()
        .map(triple)
        .filter(|t| *t != target)
        .collect();
    let refused = release(&["manifest", "--out", out_dir]);
    assert!(!refused.status.success(), "manifest without every archive");
    let stderr = String::from_utf8_lossy(&refused.stderr);
    for t in &others {
        assert!(
            stderr.contains(t.as_str()),
            "refusal does not name {t}: {stderr}"
        );
    }
    assert!(
        !out.path().join("netscaler.yaml").exists(),
        "a refused manifest was written"
    );

    // A partial manifest: this platform's sha256 is the archive's, the others keep the
    // placeholder, and it is still a valid krew manifest of this version.
    ok(
        release(&["manifest", "--out", out_dir, "--partial"]),
        "release manifest --partial",
    );
    let rendered = check_krew_manifest(&out.path().join("netscaler.yaml"));
    assert_eq!(
        rendered["spec"]["version"],
        format!("v{}", env!("CARGO_PKG_VERSION"))
    );
    for p in rendered["spec"]["platforms"].as_array().unwrap() {
        let t = triple(p);
        let want = if t == target {
            sha.as_str()
        } else {
            PLACEHOLDER
        };
        assert_eq!(p["sha256"], want, "platform {t}");
        assert!(
            p["uri"].as_str().unwrap().ends_with(&format!(
                "/v{}/{}",
                env!("CARGO_PKG_VERSION"),
                archive_name(&t)
            )),
            "platform {t}: uri {}",
            p["uri"]
        );
    }
}

/// With every platform's archive present, the manifest carries each archive's own sha256 and no
/// placeholder is left.
#[test]
fn release_manifest_has_every_archives_sha256() {
    let source = check_krew_manifest(&support::root().join("krew-manifest.yaml"));
    let out = tempfile::tempdir().unwrap();
    let out_dir = out.path().to_str().unwrap();
    // Stand-in binaries per platform (building them per target is the release workflow's part;
    // the other test packs the real ones); each differs, so the archives' sha256 values do too.
    let mut want = Vec::new();
    for (i, p) in source["spec"]["platforms"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        let t = triple(p);
        let staged = tempfile::tempdir().unwrap();
        for f in files_of(p) {
            if f != "LICENSE" {
                std::fs::write(staged.path().join(&f), format!("#!/bin/sh\n# {f} {i}\n")).unwrap();
            }
        }
        ok(
            release(&[
                "archive",
                "--target",
                &t,
                "--bin-dir",
                staged.path().to_str().unwrap(),
                "--out",
                out_dir,
            ]),
            &format!("release archive {t}"),
        );
        want.push((t.clone(), sha256(&out.path().join(archive_name(&t)))));
    }
    ok(release(&["manifest", "--out", out_dir]), "release manifest");
    let text = std::fs::read_to_string(out.path().join("netscaler.yaml")).unwrap();
    assert!(!text.contains(PLACEHOLDER), "placeholder left:\n{text}");
    let rendered = check_krew_manifest(&out.path().join("netscaler.yaml"));
    let got: Vec<(String, String)> = rendered["spec"]["platforms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (triple(p), p["sha256"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(got, want);
    let distinct: BTreeSet<&String> = want.iter().map(|(_, s)| s).collect();
    assert_eq!(distinct.len(), want.len(), "archives should differ");

    // An archive whose .sha256 no longer matches it is refused.
    let (t, _) = &want[0];
    std::fs::write(
        out.path().join(format!("{}.sha256", archive_name(t))),
        format!("{PLACEHOLDER}  {}\n", archive_name(t)),
    )
    .unwrap();
    let refused = release(&["manifest", "--out", out_dir]);
    assert!(!refused.status.success(), "a tampered archive was accepted");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("does not match"));
}
