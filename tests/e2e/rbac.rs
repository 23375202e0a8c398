//! The permissions the tool needs (deploy/rbac.yaml), against a real kube-apiserver: the file
//! applied exactly as shipped lets the user it binds (netscaler-operator, impersonated through a
//! kubeconfig) run every subcommand and nothing more; without them the tool exits 3 naming the
//! verb and resource that was forbidden.

use crate::support::{netscaler, root};
use netscaler_testbed::nitro::{Emulator, EmulatorOptions};
use netscaler_testbed::realapi::{LIMITED_USER, RealApiServer};
use serde_json::json;
use std::path::PathBuf;

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

/// The user deploy/rbac.yaml binds.
const OPERATOR: &str = "netscaler-operator";

/// deploy/rbac.yaml exactly as shipped.
fn shipped_manifest() -> String {
    std::fs::read_to_string(root().join("deploy/rbac.yaml")).expect("deploy/rbac.yaml")
}

fn grant(api: &RealApiServer) {
    api.apply(&shipped_manifest())
        .expect("kubectl apply -f deploy/rbac.yaml");
}

/// A kubeconfig that acts as [`OPERATOR`]: the admin's credentials, impersonating the user
/// (`as:`), so every request is authorized as that user alone.
fn operator_kubeconfig(api: &RealApiServer) -> PathBuf {
    let admin = std::fs::read_to_string(api.admin_kubeconfig()).expect("admin kubeconfig");
    // The users entry is the file's last mapping (`users: - name: admin  user: ...`).
    assert!(
        admin.rfind("users:") > admin.rfind("contexts:"),
        "unexpected kubeconfig layout:\n{admin}"
    );
    let path = api.dir().join("operator.kubeconfig");
    std::fs::write(&path, format!("{}\n    as: {OPERATOR}\n", admin.trim_end()))
        .expect("write the operator kubeconfig");
    assert!(
        api.kubectl_as(&path, &["auth", "can-i", "list", "pods"], None)
            .is_err(),
        "the impersonating kubeconfig still acts as admin"
    );
    path
}

fn args(kubeconfig: &std::path::Path, adc: &Emulator) -> Vec<String> {
    vec![
        "--kubeconfig".into(),
        kubeconfig.display().to_string(),
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
            .args(args(&api.limited_kubeconfig(), &adc))
            .env("NETSCALER_PASSWORD", "nsroot");
        if matches!(sub, "apply" | "teardown") {
            run = run.arg("--yes");
        }
        let out = run.expect(3);
        out.stderr_has("forbidden");
        // The message names the user, the verb and the resource (which read fails first
        // varies: the node list, the flannel ConfigMap, the Services and EndpointSlices are
        // read concurrently, and writers take the lock first).
        let named = [
            ("list", "\"nodes\""),
            ("get", "\"configmaps\""),
            ("list", "\"services\""),
            ("list", "\"endpointslices\""),
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

/// A Lease in kube-system as JSON, held by `holder`, renewed `renew` (a MicroTime).
fn lease(name: &str, holder: &str, renew: &str) -> String {
    json!({
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {"name": name, "namespace": "kube-system"},
        "spec": {
            "holderIdentity": holder,
            "leaseDurationSeconds": 15,
            "acquireTime": renew,
            "renewTime": renew,
        },
    })
    .to_string()
}

#[test]
fn the_shipped_role_is_enough_for_every_subcommand_and_no_more() {
    let api = RealApiServer::start().expect("real API server");
    cluster(&api);
    grant(&api);
    let operator = operator_kubeconfig(&api);
    // Credentials from the Secret the role lets the user read.
    api.apply(
        r#"
apiVersion: v1
kind: Secret
metadata: {name: netscaler-credentials, namespace: kube-system}
stringData: {username: nsroot, password: nsroot}
"#,
    )
    .expect("secret");
    // A lock left behind by a run that crashed long ago: taking it over needs get and update.
    api.apply(&lease(
        "kubectl-netscaler",
        "crashed-run/pid-1/0",
        "2020-01-01T00:00:00.000000Z",
    ))
    .expect("stale lock");
    let adc = adc();
    let run = |sub: &[&str], code: i32| {
        netscaler(sub)
            .args(args(&operator, &adc))
            .args(["--adc-secret", "kube-system/netscaler-credentials"])
            .expect(code)
    };
    run(&["plan"], 0).stdout_has("10.244.1.0");
    run(&["diff"], 1).stdout_has("+ node netscaler-rbac");
    run(&["apply", "--yes"], 0)
        .stderr_has("took over the lock kube-system/kubectl-netscaler from crashed-run/pid-1/0");
    run(&["diff"], 0).stdout_has("No changes");
    // A Secret named without its namespace is looked up in -n's namespace.
    netscaler(&[
        "diff",
        "-n",
        "kube-system",
        "--adc-secret",
        "netscaler-credentials",
    ])
    .args(args(&operator, &adc))
    .expect(0);
    let node = api
        .kubectl(&[
            "get",
            "node",
            "netscaler-rbac",
            "-o",
            "jsonpath={.spec.podCIDR}",
        ])
        .expect("ADC node created by the operator");
    assert_eq!(node.trim(), "10.244.254.0/24");
    run(&["teardown", "--yes"], 0);
    assert!(
        api.kubectl(&["get", "node", "netscaler-rbac"]).is_err(),
        "teardown removed the ADC node"
    );
    // Created by apply (create), released by teardown (delete).
    assert!(
        api.kubectl(&["get", "lease", "-n", "kube-system", "kubectl-netscaler"])
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

    // No more: another component's Lease in kube-system can be neither read, nor updated, nor
    // deleted by the operator.
    let theirs = lease(
        "kube-scheduler",
        "master-1_abc",
        "2020-01-01T00:00:00.000000Z",
    );
    api.apply(&theirs).expect("another Lease");
    let before = api
        .kubectl(&[
            "get",
            "lease",
            "-n",
            "kube-system",
            "kube-scheduler",
            "-o",
            "json",
        ])
        .expect("the other Lease");
    let hijack = theirs.replace("master-1_abc", "netscaler-operator");
    for (args, stdin, verb) in [
        (&["replace", "-f", "-"][..], Some(hijack.as_str()), "update"),
        (
            &["delete", "lease", "-n", "kube-system", "kube-scheduler"][..],
            None,
            "delete",
        ),
        (
            &["get", "lease", "-n", "kube-system", "kube-scheduler"][..],
            None,
            "get",
        ),
    ] {
        let err = api
            .kubectl_as(&operator, args, stdin)
            .expect_err("the operator reached another Lease")
            .to_string();
        assert!(
            err.contains("Forbidden")
                && err.contains(&format!("cannot {verb} resource \"leases\"")),
            "{args:?}: {err}"
        );
    }
    let after = api
        .kubectl(&[
            "get",
            "lease",
            "-n",
            "kube-system",
            "kube-scheduler",
            "-o",
            "json",
        ])
        .expect("the other Lease is still there");
    assert_eq!(before, after, "the other Lease was changed");
}

#[test]
fn a_missing_write_permission_is_found_before_the_adc_is_touched() {
    let api = RealApiServer::start().expect("real API server");
    cluster(&api);
    let manifest = shipped_manifest();
    let without_create = manifest.replace(
        r#"verbs: ["get", "list", "create", "patch", "delete"]"#,
        r#"verbs: ["get", "list", "patch", "delete"]"#,
    );
    assert_ne!(
        manifest, without_create,
        "the node rule was found and trimmed"
    );
    api.apply(&without_create).expect("apply trimmed role");
    let operator = operator_kubeconfig(&api);
    let adc = adc();
    netscaler(&["apply", "--yes"])
        .args(args(&operator, &adc))
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

/// Routes mode records the applied scope in the ConfigMap kubectl-netscaler-<cluster> of the
/// lock namespace: the shipped role lets apply write it and teardown remove it (cluster prod,
/// the name the shipped file grants), and no other ConfigMap is within reach.
#[test]
fn the_shipped_role_covers_the_routes_mode_record_and_no_other_config_map() {
    let api = RealApiServer::start().expect("real API server");
    cluster(&api);
    grant(&api);
    let operator = operator_kubeconfig(&api);
    let adc = adc();
    let run = |sub: &[&str], code: i32| {
        netscaler(sub)
            .args([
                "--kubeconfig",
                &operator.display().to_string(),
                "--cluster-name",
                "prod",
                "--adc-url",
                &adc.url(),
            ])
            .env("NETSCALER_PASSWORD", "nsroot")
            .expect(code)
    };
    run(&["apply", "--yes", "--mode", "routes"], 0);
    let record = api
        .kubectl(&[
            "get",
            "configmap",
            "-n",
            "kube-system",
            "kubectl-netscaler-prod",
            "-o",
            "jsonpath={.data.scope}",
        ])
        .expect("the record written by the operator");
    assert!(record.contains(r#""mode":"routes""#), "{record}");
    // No settings: the record says what to remove.
    run(&["teardown", "--yes"], 0);
    assert!(
        api.kubectl(&[
            "get",
            "configmap",
            "-n",
            "kube-system",
            "kubectl-netscaler-prod"
        ])
        .is_err(),
        "teardown removed the record"
    );
    for args in [
        &["get", "configmaps/coredns", "-n", "kube-system"][..],
        &["patch", "configmaps/kube-flannel-cfg", "-n", "kube-flannel"][..],
        &[
            "delete",
            "configmaps/kubectl-netscaler-other",
            "-n",
            "kube-system",
        ][..],
        &["list", "configmaps", "-n", "kube-system"][..],
    ] {
        let mut all = vec!["auth", "can-i"];
        all.extend_from_slice(args);
        assert!(
            api.kubectl_as(&operator, &all, None).is_err(),
            "the operator may {args:?}"
        );
    }
}
