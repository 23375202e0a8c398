//! ADC connection settings are checked before any network access (SPEC §5): with a cluster
//! that cannot be reached and an ADC that does not exist, a bad ADC setting is still exit 2
//! naming the setting, for every subcommand that talks to the ADC.

use crate::support::{fixture, netscaler};
use std::path::{Path, PathBuf};

/// A kubeconfig whose API server is 127.0.0.1:9 (discard; nothing listens there).
fn unreachable_kubeconfig(dir: &Path) -> PathBuf {
    let p = dir.join("unreachable.kubeconfig");
    std::fs::write(
        &p,
        "apiVersion: v1\nkind: Config\nclusters:\n- name: gone\n  cluster:\n    server: https://127.0.0.1:9\ncontexts:\n- name: gone\n  context:\n    cluster: gone\n    user: gone\ncurrent-context: gone\nusers:\n- name: gone\n  user:\n    token: not-used\n",
    )
    .unwrap();
    p
}

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
