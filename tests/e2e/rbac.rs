//! The permissions the tool needs (deploy/rbac.yaml), against a real kube-apiserver: a user
//! bound to exactly those can run every subcommand; without them the tool exits 3 naming the
//! verb and resource that was forbidden.

use crate::support::{netscaler, root};
use netscaler_testbed::nitro::{Emulator, EmulatorOptions};
use netscaler_testbed::realapi::{LIMITED_USER, RealApiServer};
use serde_json::json;

const CLUSTER: &str = "rbac";

fn adc() -> Emulator {
    let adc = Emulator::start(EmulatorOptions::default());
    adc.load_state(&json!({
        "nsip": [{"ipaddress": "192.0.2.10", "netmask": "255.255.255.0", "type": "SNIP"}],
    }))
    .expect("load ADC state");
    adc
}

/// Two flannel nodes and the flannel ConfigMap, created as admin.
fn cluster(api: &RealApiServer) {
    api.apply(
        r#"
apiVersion: v1
kind: Namespace
metadata: {name: kube-flannel}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: kube-flannel-cfg, namespace: kube-flannel}
data:
  net-conf.json: '{"Network":"10.244.0.0/16","Backend":{"Type":"vxlan"}}'
"#,
    )
    .expect("flannel config");
    for i in 1..=2 {
        api.apply(&format!(
            r#"
apiVersion: v1
kind: Node
metadata:
  name: n{i}
  annotations:
    flannel.alpha.coreos.com/backend-type: vxlan
    flannel.alpha.coreos.com/backend-data: '{{"VNI":1,"VtepMAC":"0a:58:0a:f4:0{i}:00"}}'
    flannel.alpha.coreos.com/public-ip: 192.0.2.2{i}
spec:
  podCIDR: 10.244.{i}.0/24
"#
        ))
        .expect("node");
        api.set_node_status(
            &format!("n{i}"),
            json!({"addresses": [{"type": "InternalIP", "address": format!("192.0.2.2{i}")}],
                   "conditions": [{"type": "Ready", "status": "True"}]}),
        )
        .expect("node status");
    }
}

/// deploy/rbac.yaml, bound to the limited test user, for this cluster's Lease name.
fn role_manifest() -> String {
    std::fs::read_to_string(root().join("deploy/rbac.yaml"))
        .expect("rbac.yaml")
        .replace("netscaler-operator", LIMITED_USER)
        .replace(
            "kubectl-netscaler-CLUSTER",
            &format!("kubectl-netscaler-{CLUSTER}"),
        )
}

fn grant(api: &RealApiServer) {
    api.apply(&role_manifest()).expect("apply deploy/rbac.yaml");
}

fn args<'a>(api: &'a RealApiServer, adc: &'a Emulator) -> Vec<String> {
    vec![
        "--kubeconfig".into(),
        api.limited_kubeconfig().display().to_string(),
        "--cluster-name".into(),
        CLUSTER.into(),
        "--vtep-ip".into(),
        "192.0.2.10".into(),
        "--vtep-mac".into(),
        "02:00:5e:00:01:01".into(),
        "--adc-pod-cidr".into(),
        "10.244.254.0/24".into(),
        "--adc-url".into(),
        adc.url(),
    ]
}

#[test]
fn without_permissions_every_subcommand_exits_3_naming_verb_and_resource() {
    let api = RealApiServer::start().expect("real API server");
    cluster(&api);
    let adc = adc();
    for sub in ["plan", "diff", "apply", "teardown"] {
        let mut run = netscaler(&[sub])
            .args(args(&api, &adc))
            .env("NETSCALER_PASSWORD", "nsroot");
        if matches!(sub, "apply" | "teardown") {
            run = run.arg("--yes");
        }
        let out = run.expect(3);
        out.stderr_has("forbidden");
        // The message names the user, the verb and the resource (which read fails first
        // varies: the node list and the flannel ConfigMap are read concurrently, and writers
        // take the lock first).
        let named = [
            ("list", "\"nodes\""),
            ("get", "\"configmaps\""),
            ("get", "\"leases\""),
        ]
        .iter()
        .any(|(verb, res)| {
            out.stderr
                .contains(&format!("cannot {verb} resource {res}"))
        });
        assert!(named, "{sub}: verb and resource not named:\n{}", out.stderr);
        out.stderr_has(LIMITED_USER);
        out.stderr_has("deploy/rbac.yaml");
    }
    // Nothing reached the ADC beyond, at most, reads.
    assert!(
        adc.requests().iter().all(|r| r.method == "GET"
            || r.path.ends_with("/login")
            || r.path.ends_with("/logout")),
        "no writes without permissions"
    );
}

#[test]
fn the_documented_role_is_enough_for_every_subcommand() {
    let api = RealApiServer::start().expect("real API server");
    cluster(&api);
    grant(&api);
    // Credentials from a Secret the role lets the user read.
    api.apply(
        r#"
apiVersion: v1
kind: Secret
metadata: {name: netscaler-credentials, namespace: kube-system}
stringData: {username: nsroot, password: nsroot}
"#,
    )
    .expect("secret");
    let adc = adc();
    let run = |sub: &[&str], code: i32| {
        netscaler(sub)
            .args(args(&api, &adc))
            .args(["--adc-secret", "kube-system/netscaler-credentials"])
            .expect(code)
    };
    run(&["plan"], 0).stdout_has("10.244.1.0");
    run(&["diff"], 1).stdout_has("+ node netscaler-rbac");
    run(&["apply", "--yes"], 0);
    run(&["diff"], 0).stdout_has("No changes");
    // A Secret named without its namespace is looked up in -n's namespace.
    netscaler(&[
        "diff",
        "-n",
        "kube-system",
        "--adc-secret",
        "netscaler-credentials",
    ])
    .args(args(&api, &adc))
    .expect(0);
    let node = api
        .kubectl(&[
            "get",
            "node",
            "netscaler-rbac",
            "-o",
            "jsonpath={.spec.podCIDR}",
        ])
        .expect("ADC node created by the limited user");
    assert_eq!(node.trim(), "10.244.254.0/24");
    run(&["teardown", "--yes"], 0);
    assert!(
        api.kubectl(&["get", "node", "netscaler-rbac"]).is_err(),
        "teardown removed the ADC node"
    );
    assert!(
        api.kubectl(&[
            "get",
            "lease",
            "-n",
            "kube-system",
            "kubectl-netscaler-rbac"
        ])
        .is_err(),
        "the lock was released"
    );
    let dump = adc.dump();
    assert_eq!(
        dump["route"]
            .as_array()
            .map(|r| r.iter().filter(|r| r["Static"] == true).count()),
        Some(0)
    );
}

#[test]
fn a_missing_write_permission_is_found_before_the_adc_is_touched() {
    let api = RealApiServer::start().expect("real API server");
    cluster(&api);
    let manifest = role_manifest();
    let without_create = manifest.replace(
        r#"verbs: ["get", "list", "create", "patch", "delete"]"#,
        r#"verbs: ["get", "list", "patch", "delete"]"#,
    );
    assert_ne!(
        manifest, without_create,
        "the node rule was found and trimmed"
    );
    api.apply(&without_create).expect("apply trimmed role");
    let adc = adc();
    netscaler(&["apply", "--yes"])
        .args(args(&api, &adc))
        .env("NETSCALER_PASSWORD", "nsroot")
        .expect(3)
        .stderr_has("cannot create nodes")
        .stderr_has("nothing was changed");
    let writes: Vec<_> = adc
        .requests()
        .into_iter()
        .filter(|r| {
            r.method != "GET" && !r.path.ends_with("/login") && !r.path.ends_with("/logout")
        })
        .collect();
    assert!(writes.is_empty(), "the ADC was written to: {writes:?}");
}
