//! Settings and input errors, as a newcomer meets them: ADC connection settings are checked
//! before any network access (SPEC §5) — with a cluster that cannot be reached and an ADC that
//! does not exist, a bad ADC setting is still exit 2 naming the setting — and a snapshot that
//! is not a cluster is exit 2 naming the file and saying what was expected.

use crate::support::{fixture, netscaler, unreachable_kubeconfig};
use std::path::Path;

#[test]
fn bad_adc_settings_are_exit_2_before_the_cluster_or_adc_is_contacted() {
    let dir = tempfile::tempdir().unwrap();
    let kc = unreachable_kubeconfig(dir.path());
    let pw = dir.path().join("pw");
    std::fs::write(&pw, "secret\n").unwrap();
    let pw = pw.to_str().unwrap().to_string();
    let missing_pw = dir
        .path()
        .join("no-such-password")
        .to_str()
        .unwrap()
        .to_string();
    let missing_ca = dir
        .path()
        .join("no-such-ca.pem")
        .to_str()
        .unwrap()
        .to_string();
    let url = "https://192.0.2.1".to_string();
    let cases: Vec<(Vec<String>, Vec<&str>)> = vec![
        (
            vec![
                "--adc-url".into(),
                url.clone(),
                "--adc-password-file".into(),
                missing_pw.clone(),
            ],
            vec![
                "adc.passwordFile (--adc-password-file)",
                "no-such-password: no such file",
            ],
        ),
        (
            vec![
                "--adc-url".into(),
                "https://nsroot:s3cret@192.0.2.1".into(),
                "--adc-password-file".into(),
                pw.clone(),
            ],
            vec!["adc.url (--adc-url): must not carry credentials"],
        ),
        (
            vec![
                "--adc-url".into(),
                url.clone(),
                "--adc-password-file".into(),
                pw.clone(),
                "--adc-ca-file".into(),
                missing_ca.clone(),
            ],
            vec!["adc.caFile (--adc-ca-file)", "no-such-ca.pem: no such file"],
        ),
        (
            vec!["--adc-url".into(), url.clone()],
            vec!["no ADC password", "--adc-password-file"],
        ),
        (
            vec!["--adc-password-file".into(), missing_pw.clone()],
            vec![
                "2 settings need attention",
                "adc.url (--adc-url, NETSCALER_URL) is required",
                "adc.passwordFile (--adc-password-file)",
            ],
        ),
    ];
    for sub in [&["diff"][..], &["apply", "--yes"], &["teardown", "--yes"]] {
        for (flags, wants) in &cases {
            let out = netscaler(sub)
                .arg("--kubeconfig")
                .arg(&kc)
                .arg("--config")
                .arg(fixture("plan-config.yaml"))
                .args(flags)
                .run();
            out.status(2);
            for want in wants {
                out.stderr_has(want);
            }
            out.stderr_lacks("s3cret");
            out.stderr_lacks("127.0.0.1:9");
        }
    }
}

#[test]
fn a_snapshot_from_standard_input_plans_as_the_file_does() {
    let file = std::fs::read_to_string(fixture("plan-cluster.yaml")).unwrap();
    let plan = |cluster_file: &str, stdin: &str| {
        netscaler(&["plan", "-o", "json", "--cluster-file", cluster_file])
            .arg("--config")
            .arg(fixture("plan-config.yaml"))
            .stdin(stdin)
            .expect(0)
            .json()
    };
    let from_file = plan(fixture("plan-cluster.yaml").to_str().unwrap(), "");
    let from_stdin = plan("-", &file);
    assert_eq!(from_file["adc"], from_stdin["adc"]);
    assert!(!from_file["adc"].as_array().unwrap().is_empty());
}

#[test]
fn a_snapshot_that_is_not_a_cluster_is_exit_2_naming_the_file_even_without_strict() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text, want) in [
        (
            "empty.json",
            r#"{"apiVersion":"v1","kind":"List","items":[]}"#,
            "holds no Node objects (no objects)",
        ),
        (
            "service.yaml",
            "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: default}\n",
            "holds no Node objects (only 1 Service)",
        ),
        ("foo.json", r#"{"foo":1}"#, "holds no Node objects"),
        (
            "numbers.yaml",
            "[1, 2, 3]\n",
            "is YAML but not Kubernetes objects: document 1 is a sequence",
        ),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        for strict in [false, true] {
            let mut run = netscaler(&["plan", "--cluster-file"])
                .arg(&path)
                .arg("--config")
                .arg(fixture("plan-config.yaml"));
            if strict {
                run = run.arg("--strict");
            }
            let out = run.expect(2);
            out.stderr_has(&format!("--cluster-file {}: {want}", path.display()));
            out.stderr_has("kubectl get nodes,services,endpointslices,configmaps -A -o yaml");
            assert_eq!(out.stdout, "");
        }
    }
}

#[test]
fn version_reports_the_crate_version_as_text_and_json() {
    let version = env!("CARGO_PKG_VERSION");
    let out = netscaler(&["version"]).expect(0);
    assert!(
        out.stdout
            .starts_with(&format!("kubectl-netscaler {version} (")),
        "{}",
        out.stdout
    );
    let doc = netscaler(&["version", "--output", "json"]).expect(0).json();
    assert_eq!(doc["kind"], "Version");
    assert_eq!(doc["formatVersion"], 1);
    assert_eq!(doc["version"], version);
    // Through kubectl's plugin mechanism, as users run it.
    let kubectl = Path::new("/usr/bin/kubectl");
    if kubectl.exists() {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(crate::support::bin(), dir.path().join("kubectl-netscaler"))
            .unwrap();
        let out = std::process::Command::new(kubectl)
            .args(["netscaler", "version", "-o", "json"])
            .env("PATH", format!("{}:/usr/bin:/bin", dir.path().display()))
            .env("HOME", dir.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(doc["version"], version);
    }
}

/// On a terminal, `apply` asks before writing, naming the ADC URL and the cluster (with the
/// API server and kubeconfig context) it is about to change; declining writes nothing.
#[test]
fn the_confirmation_prompt_names_the_adc_and_the_cluster() {
    if !Path::new("/usr/bin/script").exists() {
        eprintln!("skipped: no script(1) for a pseudo-terminal");
        return;
    }
    let bed = crate::harness::Bed::start();
    let mut line = vec![crate::support::bin().display().to_string(), "apply".into()];
    line.extend(bed.conn_args(&bed.adc));
    let quoted: Vec<String> = line.iter().map(|a| format!("'{a}'")).collect();
    let mut child = std::process::Command::new("/usr/bin/script")
        .args(["-qec", &quoted.join(" "), "/dev/null"])
        .env("NETSCALER_PASSWORD", crate::harness::PASSWORD)
        .env_remove("CI")
        .env_remove("KUBECONFIG")
        .env("HOME", bed.dir.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run script");
    // Answer once the question is asked (typing early would be read before the prompt).
    let mut stdout = child.stdout.take().unwrap();
    let mut seen = Vec::new();
    let started = std::time::Instant::now();
    while !String::from_utf8_lossy(&seen).contains('?') {
        let mut buf = [0u8; 4096];
        let n = std::io::Read::read(&mut stdout, &mut buf).unwrap_or(0);
        if n == 0 || started.elapsed() > std::time::Duration::from_secs(60) {
            break;
        }
        seen.extend_from_slice(&buf[..n]);
    }
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), b"n\r").unwrap();
    let mut rest = Vec::new();
    let _ = std::io::Read::read_to_end(&mut stdout, &mut rest);
    let status = child.wait().unwrap();
    seen.extend(rest);
    let text = String::from_utf8_lossy(&seen);
    assert!(
        text.contains(&format!(
            "Apply these changes to the ADC at {} and cluster {} at {}",
            bed.adc.url(),
            crate::harness::CLUSTER,
            bed.real().url().trim_end_matches('/')
        )),
        "{text}"
    );
    assert!(text.contains("kubeconfig context"), "{text}");
    assert!(text.contains("declined at the prompt"), "{text}");
    assert_eq!(status.code(), Some(6), "{text}");
    bed.assert_no_adc_writes("a declined apply");
}

/// `--log-format json`: errors are JSON records on stderr too, not plain lines.
#[test]
fn errors_are_json_records_with_log_format_json() {
    let out = netscaler(&[
        "plan",
        "--log-format",
        "json",
        "--cluster-file",
        "/nonexistent/cluster.yaml",
    ])
    .expect(2);
    let lines: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert!(!lines.is_empty());
    for line in &lines {
        let record: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("stderr line is not JSON ({e}): {line}"));
        assert_eq!(record["level"], "ERROR", "{record}");
        assert_eq!(record["fields"]["exit_code"], 2, "{record}");
        assert!(
            record["fields"]["message"]
                .as_str()
                .unwrap()
                .contains("--cluster-file /nonexistent/cluster.yaml"),
            "{record}"
        );
    }
}

/// `diff -o commands`: the NetScaler CLI lines of the changes for a change window, `rm`
/// included, and a comment for the cluster-side Node; `plan -o commands` says on stderr that the
/// Node is not among its lines.
#[test]
fn diff_as_commands_lists_the_cli_lines_of_the_changes() {
    let bed = crate::harness::Bed::start();
    bed.run(&["apply", "--yes"]).expect(0);
    let stale = bed.drift();
    let out = bed.run(&["diff", "-o", "commands"]).expect(1);
    let lines: Vec<&str> = out.stdout.lines().collect();
    let stale_route = format!("rm route {} 255.255.255.0 {}", stale.net(), stale.net());
    assert!(lines.contains(&stale_route.as_str()), "{}", out.stdout);
    let w2 = &bed.nodes[1];
    let missing = format!("add route {} 255.255.255.0 {}", w2.net(), w2.net());
    assert!(lines.contains(&missing.as_str()), "{}", out.stdout);
    assert!(
        lines.iter().position(|l| *l == stale_route) < lines.iter().position(|l| *l == missing),
        "deletes come first:\n{}",
        out.stdout
    );
    bed.assert_no_adc_writes("diff -o commands");

    let plan = bed.run(&["plan", "-o", "commands"]).expect(0);
    plan.stderr_has("is a cluster-side object, not part of these CLI lines");
    assert!(
        plan.stdout.lines().all(|l| !l.contains("netscaler-e2e")),
        "{}",
        plan.stdout
    );
}
