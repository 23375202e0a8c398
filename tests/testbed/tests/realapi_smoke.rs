//! Smoke test of the real API server tier (`netscaler_testbed::realapi`): start, write a Node
//! the way flannel and the kubelet leave it, read it back with kubectl, RBAC denial for the
//! limited user, and no process left behind after `down`.
//!
//! The first run on a machine builds kube-apiserver (minutes); see `tests/kube-testenv/`.

use netscaler_testbed::realapi::{self, LIMITED_USER, RealApiServer};
use serde_json::{Value, json};
use std::path::Path;
use std::time::{Duration, Instant};

const NODE: &str = "worker-1";

const NODE_MANIFEST: &str = r#"
apiVersion: v1
kind: Node
metadata:
  name: worker-1
  labels:
    kubernetes.io/hostname: worker-1
    kubernetes.io/os: linux
  annotations:
    flannel.alpha.coreos.com/backend-data: '{"VNI":1,"VtepMAC":"5a:3e:6b:1c:22:01"}'
    flannel.alpha.coreos.com/backend-type: vxlan
    flannel.alpha.coreos.com/kube-subnet-manager: "true"
    flannel.alpha.coreos.com/public-ip: 10.0.0.11
spec:
  podCIDR: 10.244.1.0/24
  podCIDRs:
  - 10.244.1.0/24
"#;

/// Live processes whose command line mentions `dir` (etcd, kube-apiserver, watchdog).
fn processes_mentioning(dir: &Path) -> Vec<(u32, String)> {
    let needle = dir.to_string_lossy().into_owned();
    let mut found = Vec::new();
    let me = std::process::id();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == me {
            continue;
        }
        let Ok(raw) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let cmdline = format!(" {} ", String::from_utf8_lossy(&raw).replace('\0', " "));
        // The whole directory as an argument or a path prefix (not a longer sibling's name).
        if cmdline.contains(&format!(" {needle}/")) || cmdline.contains(&format!(" {needle} ")) {
            found.push((pid, cmdline));
        }
    }
    found
}

fn wait_until_gone(dir: &Path, within: Duration) -> Vec<(u32, String)> {
    let deadline = Instant::now() + within;
    loop {
        let left = processes_mentioning(dir);
        if left.is_empty() || Instant::now() > deadline {
            return left;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn real_api_server_smoke() {
    let server = RealApiServer::start().expect("start real API server");
    assert!(
        server.url().starts_with("https://127.0.0.1:"),
        "{}",
        server.url()
    );
    let dir = server.dir().to_path_buf();
    assert!(
        !processes_mentioning(&dir).is_empty(),
        "no process runs for {}",
        dir.display()
    );

    // --- a flannel-annotated Node with a Ready status ---
    server.apply(NODE_MANIFEST).expect("apply node");
    server
        .set_node_status(
            NODE,
            json!({
                "conditions": [{
                    "type": "Ready",
                    "status": "True",
                    "reason": "KubeletReady",
                    "message": "kubelet is posting ready status",
                    "lastHeartbeatTime": "2024-01-01T00:00:00Z",
                    "lastTransitionTime": "2024-01-01T00:00:00Z"
                }],
                "addresses": [
                    {"type": "InternalIP", "address": "10.0.0.11"},
                    {"type": "Hostname", "address": "worker-1"}
                ]
            }),
        )
        .expect("set node status");

    let node: Value = serde_json::from_str(
        &server
            .kubectl(&["get", "node", NODE, "-o", "json"])
            .expect("get node"),
    )
    .unwrap();
    let ann = &node["metadata"]["annotations"];
    assert_eq!(ann["flannel.alpha.coreos.com/backend-type"], "vxlan");
    assert_eq!(ann["flannel.alpha.coreos.com/public-ip"], "10.0.0.11");
    let backend: Value = serde_json::from_str(
        ann["flannel.alpha.coreos.com/backend-data"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(backend["VtepMAC"], "5a:3e:6b:1c:22:01");
    assert_eq!(node["spec"]["podCIDR"], "10.244.1.0/24");
    // TaintNodesByCondition is disabled: nothing would ever remove its not-ready taint.
    assert!(
        node["spec"]["taints"].is_null(),
        "unexpected taints: {}",
        node["spec"]["taints"]
    );
    let conditions = node["status"]["conditions"].as_array().expect("conditions");
    assert!(
        conditions
            .iter()
            .any(|c| c["type"] == "Ready" && c["status"] == "True"),
        "{conditions:?}"
    );
    assert_eq!(
        node["status"]["addresses"][0],
        json!({"type": "InternalIP", "address": "10.0.0.11"})
    );

    // The human-readable view agrees (and kubectl 1.32 talks to the 1.20 server).
    let table = server
        .kubectl(&["get", "nodes", "--no-headers"])
        .expect("get nodes");
    assert!(table.contains(NODE) && table.contains("Ready"), "{table}");

    // Status written through the subresource survives a later apply of the main resource.
    server
        .apply(&NODE_MANIFEST.replace(
            "kube-subnet-manager: \"true\"",
            "kube-subnet-manager: \"false\"",
        ))
        .unwrap();
    let ready = server
        .kubectl(&[
            "get",
            "node",
            NODE,
            "-o",
            "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}",
        ])
        .unwrap();
    assert_eq!(ready, "True");

    // --- RBAC: the limited user may not list nodes ---
    let err = server
        .kubectl_limited(&["get", "nodes", "-v=6"])
        .expect_err("limited user must not list nodes")
        .to_string();
    assert!(err.contains("403 Forbidden"), "{err}");
    assert!(err.contains("Error from server (Forbidden)"), "{err}");
    assert!(err.contains(&format!("User \"{LIMITED_USER}\"")), "{err}");
    assert!(err.contains("cannot list resource \"nodes\""), "{err}");

    // ... until a test grants it.
    server
        .apply(&format!(
            r#"
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {{name: node-reader}}
rules:
- apiGroups: [""]
  resources: [nodes]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {{name: node-reader}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: node-reader}}
subjects:
- {{apiGroup: rbac.authorization.k8s.io, kind: User, name: {LIMITED_USER}}}
"#
        ))
        .expect("grant");
    let names = server
        .kubectl_limited(&["get", "nodes", "-o", "name"])
        .expect("list after grant");
    assert_eq!(names.trim(), "node/worker-1");
    let err = server
        .kubectl_limited(&["delete", "node", NODE])
        .expect_err("delete not granted")
        .to_string();
    assert!(err.contains("cannot delete resource \"nodes\""), "{err}");

    // --- down (Drop) leaves nothing of this dir running ---
    drop(server);
    let left = wait_until_gone(&dir, Duration::from_secs(2));
    assert!(left.is_empty(), "still running after down: {left:?}");
    assert!(!dir.exists(), "{} not removed", dir.display());
}

/// A test process killed without running destructors must not leave servers behind: `up
/// --watch-pid` stops them once the watched process is gone.
#[test]
fn watchdog_stops_servers_when_watched_process_dies() {
    let dir = std::env::temp_dir().join(format!("kube-testenv-watchdog-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut sleeper = std::process::Command::new("sleep")
        .arg("600")
        .spawn()
        .unwrap();
    let out = std::process::Command::new("bash")
        .arg(realapi::script())
        .arg("up")
        .arg(&dir)
        .arg("--watch-pid")
        .arg(sleeper.id().to_string())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "up failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        processes_mentioning(&dir).len() >= 3,
        "{:?}",
        processes_mentioning(&dir)
    );

    sleeper.kill().unwrap();
    sleeper.wait().unwrap();
    let left = wait_until_gone(&dir, Duration::from_secs(15));
    if !left.is_empty() {
        // Clean up before failing.
        let _ = std::process::Command::new("bash")
            .arg(realapi::script())
            .arg("down")
            .arg(&dir)
            .status();
    }
    assert!(left.is_empty(), "watchdog left processes running: {left:?}");
    let log = std::fs::read_to_string(dir.join("watchdog.log")).unwrap_or_default();
    assert!(log.contains("is gone"), "watchdog.log: {log}");
    // `down` after the watchdog did the work is a harmless no-op.
    let st = std::process::Command::new("bash")
        .arg(realapi::script())
        .arg("down")
        .arg(&dir)
        .status()
        .unwrap();
    assert!(st.success());
    std::fs::remove_dir_all(&dir).unwrap();
}
