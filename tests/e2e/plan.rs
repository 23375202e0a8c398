//! `plan` end to end: the real binary on snapshot files (`--cluster-file`), on the loopback
//! fake API server and as an installed kubectl plugin. Output formats are pinned by golden
//! files in `tests/golden/plan/` (regenerate with `UPDATE_GOLDEN=1`, then read them).

use crate::support::unreachable_kubeconfig;
use crate::support::{self, Outcome, assert_same_plan, fixture, golden, netscaler};
use netscaler_testbed::kubeapi::{FakeApiServer, KubeFault};
use pretty_assertions::assert_eq;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// A snapshot with healthy nodes and one node for every case of SPEC §2.3.
const CLUSTER: &str = "plan-cluster.yaml";
/// Its settings: cluster prod, vtepIp, adcPodCidr, notReady remove, a nodeSelector.
const CONFIG: &str = "plan-config.yaml";

fn path_str(p: &Path) -> String {
    p.to_str().expect("UTF-8 path").to_string()
}

/// `plan --cluster-file <fixture> --config plan-config.yaml <extra>`.
fn plan_file(cluster: &Path, extra: &[&str]) -> support::Run {
    netscaler(&["plan"])
        .arg("--cluster-file")
        .arg(cluster)
        .arg("--config")
        .arg(fixture(CONFIG))
        .args(extra)
}

fn plan_fixture(extra: &[&str]) -> support::Run {
    plan_file(&fixture(CLUSTER), extra)
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// The fixture snapshot as a JSON value (a `List`).
fn fixture_list() -> Value {
    let text = std::fs::read_to_string(fixture(CLUSTER)).unwrap();
    serde_saphyr::from_str(&text).expect("fixture is YAML")
}

fn write_json(dir: &Path, name: &str, v: &Value) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, serde_json::to_string_pretty(v).unwrap()).unwrap();
    p
}

fn fingerprint(out: &Outcome) -> String {
    out.json()["inputsFingerprint"]
        .as_str()
        .expect("inputsFingerprint")
        .to_string()
}

/// `(node, level, reason)` of a plan document's diagnostics.
fn diagnostics(doc: &Value) -> Vec<(String, String, String)> {
    doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["node"].as_str().unwrap_or("-").to_string(),
                d["level"].as_str().unwrap().to_string(),
                d["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Output formats

#[test]
fn golden_outputs_for_every_format() {
    for (format, name) in [
        ("table", "plan/table.txt"),
        ("wide", "plan/wide.txt"),
        ("json", "plan/plan.json"),
        ("yaml", "plan/plan.yaml"),
        ("commands", "plan/commands.txt"),
    ] {
        let out = plan_fixture(&["-o", format]).expect(0);
        golden(name, &out.stdout);
        if format == "commands" {
            // stdout stays pasteable; the warnings go to stderr.
            golden("plan/commands.stderr.txt", &out.stderr);
        } else {
            assert_eq!(out.stderr, "", "-o {format} writes nothing to stderr");
        }
    }
}

#[test]
fn table_is_the_default_format() {
    let default = plan_fixture(&[]).expect(0);
    let table = plan_fixture(&["-o", "table"]).expect(0);
    assert_eq!(default.stdout, table.stdout);
}

#[test]
fn golden_routes_mode() {
    let out = plan_fixture(&["--mode", "routes"]).expect(0);
    golden("plan/routes-table.txt", &out.stdout);
    // Routes via the nodes' InternalIPs; no VXLAN objects and no ADC Node object.
    let route_rows: Vec<Vec<&str>> = out
        .stdout
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert!(
        route_rows.contains(&vec!["10.244.1.0", "255.255.255.0", "192.0.2.21"]),
        "{}",
        out.stdout
    );
    out.stdout_has("routes mode")
        .stdout_lacks("vxlan")
        .stdout_lacks("cluster Node");
}

/// What SPEC §2.3 says about each fixture node, independent of the golden files.
#[test]
fn the_json_plan_follows_the_node_rules() {
    let doc = plan_fixture(&["-o", "json"]).expect(0).json();
    assert_eq!(doc["formatVersion"], 1);
    assert_eq!(doc["kind"], "Plan");
    assert_eq!(doc["cluster"], "prod");
    assert_eq!(doc["mode"], "vxlan");
    let fp = doc["inputsFingerprint"].as_str().unwrap();
    assert!(
        fp.starts_with("sha256:") && fp.len() == 7 + 64,
        "fingerprint {fp}"
    );
    let w = "warning";
    let i = "info";
    let want: Vec<(String, String, String)> = [
        ("bad-host-gw", w, "NotVxlanBackend"),
        ("bad-ipv6-only", w, "IPv6PodCIDR"),
        ("bad-json", w, "MalformedBackendData"),
        ("bad-mac", w, "InvalidVtepMAC"),
        ("bad-no-annotations", w, "MissingFlannelAnnotations"),
        ("bad-no-pod-cidr", w, "MissingPodCIDR"),
        ("bad-no-public-ip", w, "MissingPublicIP"),
        ("bad-no-vtepmac", w, "MissingVtepMAC"),
        ("bad-outside-cluster-cidr", w, "PodCIDROutsideClusterCIDR"),
        ("bad-vni", w, "VNIMismatch"),
        ("cp-1", w, "GatewayIsSubnetBoundary"),
        ("edge-1", i, "NotSelected"),
        ("netscaler-prod", i, "AdcNode"),
        ("worker-3-dualstack", w, "DualStack"),
        ("worker-4-notready", i, "NotReady"),
        ("worker-5-dup-cidr", w, "DuplicatePodCIDR"),
        ("worker-6-dup-mac", w, "DuplicateVtepMAC"),
    ]
    .iter()
    .map(|(n, l, r)| (n.to_string(), l.to_string(), r.to_string()))
    .collect();
    assert_eq!(diagnostics(&doc), want);

    // Planned: worker-1, worker-2 and the dual-stack worker-3, in create order.
    let adc: Vec<(String, Value)> = doc["adc"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["resource"].as_str().unwrap().into(),
                o["attributes"].clone(),
            )
        })
        .collect();
    let resources: Vec<&str> = adc.iter().map(|(r, _)| r.as_str()).collect();
    assert_eq!(
        resources,
        [
            "vxlan",
            "vxlan_srcip_binding",
            "nsip",
            "route",
            "route",
            "route",
            "arp",
            "arp",
            "arp",
            "bridgetable",
            "bridgetable",
            "bridgetable"
        ]
    );
    assert_eq!(adc[0].1, json!({"id": 1, "port": 8472}));
    assert_eq!(adc[1].1, json!({"id": 1, "srcip": "192.0.2.10"}));
    assert_eq!(
        adc[2].1,
        json!({"ipaddress": "10.244.254.1", "netmask": "255.255.0.0", "type": "SNIP"})
    );
    let routes: Vec<&Value> = adc[3..6].iter().map(|(_, a)| a).collect();
    assert_eq!(
        routes,
        [
            &json!({"network": "10.244.1.0", "netmask": "255.255.255.0", "gateway": "10.244.1.0"}),
            &json!({"network": "10.244.2.0", "netmask": "255.255.255.0", "gateway": "10.244.2.0"}),
            &json!({"network": "10.244.3.0", "netmask": "255.255.255.0", "gateway": "10.244.3.0"}),
        ]
    );
    assert_eq!(
        adc[7].1,
        json!({"ipaddress": "10.244.2.0", "mac": "12:42:10:00:02:00", "vxlan": 1, "vtep": "192.0.2.22"})
    );

    let node = &doc["cluster_objects"][0];
    assert_eq!(doc["cluster_objects"].as_array().unwrap().len(), 1);
    assert_eq!(node["kind"], "Node");
    assert_eq!(node["metadata"]["name"], "netscaler-prod");
    assert_eq!(
        node["metadata"]["labels"]["app.kubernetes.io/managed-by"],
        "kubectl-netscaler"
    );
    let ann = &node["metadata"]["annotations"];
    assert_eq!(
        ann["flannel.alpha.coreos.com/backend-data"],
        r#"{"VNI":1,"VtepMAC":null}"#
    );
    assert_eq!(ann["flannel.alpha.coreos.com/backend-type"], "vxlan");
    assert_eq!(ann["flannel.alpha.coreos.com/kube-subnet-manager"], "true");
    assert_eq!(ann["flannel.alpha.coreos.com/public-ip"], "192.0.2.10");
    assert_eq!(
        ann["flannel.alpha.coreos.com/public-ip-overwrite"],
        "192.0.2.10"
    );
    assert_eq!(node["spec"]["podCIDR"], "10.244.254.0/24");
    assert_eq!(node["spec"]["unschedulable"], true);
    assert_eq!(
        node["spec"]["taints"],
        json!([
            {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"},
            {"key": "kubectl-netscaler.io/adc", "effect": "NoExecute"},
        ])
    );
}

#[test]
fn yaml_is_the_same_document_as_json() {
    let json = plan_fixture(&["-o", "json"]).expect(0).json();
    let yaml = plan_fixture(&["-o", "yaml"]).expect(0);
    let from_yaml: Value = serde_saphyr::from_str(&yaml.stdout).expect("-o yaml is YAML");
    assert_eq!(from_yaml, json);
}

#[test]
fn commands_are_the_adc_objects_in_create_order() {
    let doc = plan_fixture(&["-o", "json"]).expect(0).json();
    let out = plan_fixture(&["-o", "commands"]).expect(0);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), doc["adc"].as_array().unwrap().len());
    assert_eq!(
        lines[..4],
        [
            "add vxlan 1 -port 8472",
            "bind vxlan 1 -srcIP 192.0.2.10",
            "add ns ip 10.244.254.1 255.255.0.0 -type SNIP",
            "add route 10.244.1.0 255.255.255.0 10.244.1.0",
        ]
    );
    assert!(
        lines.contains(
            &"add arp -IPAddress 10.244.1.0 -mac 0a:58:0a:f4:01:00 -vxlan 1 -vtep 192.0.2.21"
        ),
        "{}",
        out.stdout
    );
    assert!(
        lines.contains(&"add bridgetable -mac 0a:58:0a:f4:01:00 -vxlan 1 -vtep 192.0.2.21"),
        "{}",
        out.stdout
    );
    // Diagnostics never pollute the pasteable stdout.
    out.stdout_lacks("warning").stdout_lacks("cp-1");
    out.stderr_has("warning: node cp-1:")
        .stderr_has("(GatewayIsSubnetBoundary)");
}

// ---------------------------------------------------------------------------------------------
// --out

#[test]
fn out_writes_the_same_document_as_json() {
    let dir = tempdir();
    let file = dir.path().join("plan.json");
    let table = plan_fixture(&["--out", &path_str(&file)]).expect(0);
    table.stdout_has("route (3):");
    table.stderr_has("plan.json");
    let json = plan_fixture(&["-o", "json"]).expect(0);
    let written = std::fs::read_to_string(&file).expect("plan file written");
    assert_eq!(written, json.stdout);
    // Also next to -o yaml: the file is JSON whatever stdout shows.
    let file2 = dir.path().join("plan2.json");
    plan_fixture(&["-o", "yaml", "--out", &path_str(&file2)]).expect(0);
    assert_eq!(std::fs::read_to_string(&file2).unwrap(), json.stdout);
}

#[test]
fn out_to_an_unwritable_path_is_an_input_error() {
    let dir = tempdir();
    let file = dir.path().join("no-such-dir").join("plan.json");
    plan_fixture(&["--out", &path_str(&file)])
        .expect(2)
        .stderr_has("--out")
        .stderr_has("no-such-dir");
}

// ---------------------------------------------------------------------------------------------
// inputsFingerprint

#[test]
fn fingerprint_is_stable_across_runs_order_and_format() {
    let dir = tempdir();
    let base = plan_fixture(&["-o", "json"]).expect(0);
    let again = plan_fixture(&["-o", "json"]).expect(0);
    assert_eq!(fingerprint(&base), fingerprint(&again));

    // The same objects as a JSON List in reverse order, with every map's keys reversed.
    fn reverse_maps(v: &mut Value) {
        match v {
            Value::Object(m) => {
                let mut entries: Vec<(String, Value)> = std::mem::take(m).into_iter().collect();
                entries.reverse();
                for (k, mut v) in entries {
                    reverse_maps(&mut v);
                    m.insert(k, v);
                }
            }
            Value::Array(a) => a.iter_mut().for_each(reverse_maps),
            _ => {}
        }
    }
    let mut list = fixture_list();
    list["items"].as_array_mut().unwrap().reverse();
    reverse_maps(&mut list);
    let reordered = write_json(dir.path(), "reordered.json", &list);
    let out = plan_file(&reordered, &["-o", "json"]).expect(0);
    assert_eq!(fingerprint(&out), fingerprint(&base));
    let (a, b) = (out.json(), base.json());
    for key in ["adc", "cluster_objects", "diagnostics"] {
        assert_eq!(a[key], b[key], "{key}");
    }

    // ... and as multi-document YAML (one object per document, as `kubectl get -o yaml` of
    // single objects concatenated).
    let docs: Vec<String> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| serde_saphyr::to_string(o).unwrap())
        .collect();
    let multi = dir.path().join("multi.yaml");
    std::fs::write(&multi, docs.join("---\n")).unwrap();
    let out = plan_file(&multi, &["-o", "json"]).expect(0);
    assert_eq!(fingerprint(&out), fingerprint(&base));
}

/// Edits the fixture: `f` gets the Node named `name`.
fn edited(dir: &Path, file: &str, name: &str, f: impl FnOnce(&mut Value)) -> PathBuf {
    let mut list = fixture_list();
    let node = list["items"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|o| o["kind"] == "Node" && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no node {name} in the fixture"));
    f(node);
    write_json(dir, file, &list)
}

#[test]
fn fingerprint_changes_when_a_pod_cidr_changes() {
    let dir = tempdir();
    let base = fingerprint(&plan_fixture(&["-o", "json"]).expect(0));
    let moved = edited(dir.path(), "moved.json", "worker-1", |n| {
        n["spec"]["podCIDR"] = json!("10.244.21.0/24");
        n["spec"]["podCIDRs"] = json!(["10.244.21.0/24"]);
    });
    let out = plan_file(&moved, &["-o", "json"]).expect(0);
    assert_ne!(fingerprint(&out), base);
    out.stdout_has("10.244.21.0");

    // Whereas a label the plan does not use, or a Service, changes nothing.
    let relabelled = edited(dir.path(), "relabelled.json", "worker-1", |n| {
        n["metadata"]["labels"]["topology.kubernetes.io/zone"] = json!("eu-west-1a");
    });
    assert_eq!(
        fingerprint(&plan_file(&relabelled, &["-o", "json"]).expect(0)),
        base
    );
    // A label the nodeSelector uses does.
    let excluded = edited(dir.path(), "excluded.json", "worker-1", |n| {
        n["metadata"]["labels"]["kubectl-netscaler.io/exclude"] = json!("true");
    });
    assert_ne!(
        fingerprint(&plan_file(&excluded, &["-o", "json"]).expect(0)),
        base
    );
}

// ---------------------------------------------------------------------------------------------
// --strict

#[test]
fn strict_fails_on_warnings() {
    let out = plan_fixture(&["--strict"]).expect(2);
    out.stderr_has("--strict")
        .stderr_has("cp-1")
        .stderr_has("GatewayIsSubnetBoundary");
    // Info diagnostics are not what failed the run.
    assert!(
        !out.stderr.contains("AdcNode") && !out.stderr.contains("NotSelected"),
        "{}",
        out.stderr
    );
}

#[test]
fn strict_passes_with_only_info_diagnostics() {
    // Two healthy workers, the ADC's own Node object, a NotReady node under `remove` and one
    // outside the nodeSelector: three info diagnostics, no warnings.
    let dir = tempdir();
    let mut list = fixture_list();
    let keep = [
        "worker-1",
        "worker-2",
        "netscaler-prod",
        "worker-4-notready",
        "edge-1",
    ];
    list["items"]
        .as_array_mut()
        .unwrap()
        .retain(|o| o["kind"] != "Node" || keep.contains(&o["metadata"]["name"].as_str().unwrap()));
    let clean = write_json(dir.path(), "clean.json", &list);
    let out = plan_file(&clean, &["--strict", "-o", "json"]).expect(0);
    let diags = diagnostics(&out.json());
    assert_eq!(diags.len(), 3, "{diags:?}");
    assert!(
        diags.iter().all(|(_, level, _)| level == "info"),
        "{diags:?}"
    );
    // With notReady keep the NotReady node is planned and there is nothing to report but
    // the info lines.
    plan_file(&clean, &["--strict", "--not-ready", "keep"])
        .expect(0)
        .stdout_has("10.244.4.0");
}

#[test]
fn strict_does_not_write_a_plan_file() {
    let dir = tempdir();
    let file = dir.path().join("plan.json");
    plan_fixture(&["--strict", "--out", &path_str(&file)]).expect(2);
    assert!(
        !file.exists(),
        "a plan that failed --strict must not be written"
    );
}

// ---------------------------------------------------------------------------------------------
// Settings and input errors (exit 2), Kubernetes errors (exit 3)

#[test]
fn unreachable_api_server_is_exit_3() {
    let dir = tempdir();
    let kc = unreachable_kubeconfig(dir.path());
    let out = netscaler(&["plan", "--request-timeout", "5s"])
        .arg("--kubeconfig")
        .arg(&kc)
        .arg("--config")
        .arg(fixture(CONFIG))
        .expect(3);
    assert_eq!(out.stdout, "");
    out.stderr_has("error:");
}

#[test]
fn settings_are_validated_before_anything_is_contacted() {
    let dir = tempdir();
    let kc = unreachable_kubeconfig(dir.path());
    let bad_key = dir.path().join("bad-key.yaml");
    std::fs::write(&bad_key, "vtepIP: 192.0.2.10\n").unwrap();
    let bad_key = path_str(&bad_key);
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--vtep-ip", "nope"], "vtepIp"),
        (vec!["--cluster-cidr", "10.0.0.1/8"], "clusterCidr"),
        (vec!["--cluster-cidr", "10.0.0.0/33"], "clusterCidr"),
        (
            vec![
                "--adc-pod-cidr",
                "10.244.254.0/24",
                "--overlay-ip",
                "10.244.1.1",
            ],
            "overlayIp",
        ),
        (
            vec![
                "--cluster-cidr",
                "10.244.0.0/16",
                "--adc-pod-cidr",
                "10.99.0.0/24",
            ],
            "adcPodCidr",
        ),
        (vec!["--config", &bad_key], "vtepIP"),
        (
            vec!["--mode", "vxlan", "--adc-pod-cidr", "10.244.254.0/24"],
            "vtepIp",
        ),
        (
            vec!["--mode", "vxlan", "--vtep-ip", "192.0.2.10"],
            "adcPodCidr",
        ),
        (vec!["--vtep-mac", "not-a-mac"], "vtepMac"),
        (vec!["--node-selector", "a in (b"], "nodeSelector"),
        (vec!["--node-address-type", "Hostname"], "nodeAddressType"),
        (vec!["--cluster-name", "Prod_EU"], "cluster"),
    ];
    for (args, setting) in cases {
        let out = netscaler(&["plan"])
            .arg("--kubeconfig")
            .arg(&kc)
            .args(&args)
            .expect(2);
        out.stderr_has(setting);
        assert!(
            !out.stderr.contains("127.0.0.1") && !out.stderr.contains("list nodes"),
            "{args:?}: the cluster was contacted before the settings were checked:\n{}",
            out.stderr
        );
    }
    // The control: with valid settings, the same kubeconfig fails on the network (exit 3).
    netscaler(&["plan", "--request-timeout", "5s"])
        .arg("--kubeconfig")
        .arg(&kc)
        .args(["--mode", "routes", "--cluster-cidr", "10.244.0.0/16"])
        .expect(3);
}

#[test]
fn settings_errors_that_need_the_cluster_name_the_setting() {
    let dir = tempdir();
    // vxlan detected from the nodes, but no vtepIp / adcPodCidr.
    netscaler(&["plan"])
        .arg("--cluster-file")
        .arg(fixture(CLUSTER))
        .args(["--adc-pod-cidr", "10.244.254.0/24"])
        .expect(2)
        .stderr_has("vtepIp")
        .stderr_has("--vtep-ip");
    netscaler(&["plan"])
        .arg("--cluster-file")
        .arg(fixture(CLUSTER))
        .args(["--vtep-ip", "192.0.2.10"])
        .expect(2)
        .stderr_has("adcPodCidr");
    // adcPodCidr outside the cluster CIDR that flannel's net-conf gives.
    plan_fixture(&["--adc-pod-cidr", "10.250.0.0/24"])
        .expect(2)
        .stderr_has("adcPodCidr")
        .stderr_has("10.244.0.0/16");
    // adcPodCidr overlapping a node's pod CIDR.
    plan_fixture(&["--adc-pod-cidr", "10.244.2.0/24"])
        .expect(2)
        .stderr_has("adcPodCidr")
        .stderr_has("worker-2");
    // No net-conf and no --cluster-cidr.
    let mut list = fixture_list();
    list["items"]
        .as_array_mut()
        .unwrap()
        .retain(|o| o["kind"] != "ConfigMap");
    let no_cm = write_json(dir.path(), "no-configmap.json", &list);
    plan_file(&no_cm, &[])
        .expect(2)
        .stderr_has("clusterCidr")
        .stderr_has("--cluster-cidr");
    // ... which --cluster-cidr fixes.
    plan_file(&no_cm, &["--cluster-cidr", "10.244.0.0/16"]).expect(0);
}

#[test]
fn cluster_file_missing_or_malformed_is_exit_2_naming_the_file() {
    let dir = tempdir();
    let missing = dir.path().join("missing.yaml");
    plan_file(&missing, &[])
        .expect(2)
        .stderr_has("--cluster-file")
        .stderr_has(&path_str(&missing));

    let cases = [
        ("bad.yaml", "kind: List\nitems: [\n"),
        ("bad.json", "{\"kind\": \"List\", \"items\": [\n"),
        (
            "bad-node.json",
            r#"{"kind":"List","items":[{"apiVersion":"v1","kind":"Node","metadata":{"name":["x"]}}]}"#,
        ),
        (
            "bad-netconf.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: kube-flannel-cfg, namespace: kube-flannel}\ndata:\n  net-conf.json: '{nope'\n",
        ),
    ];
    for (name, text) in cases {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        let out = plan_file(&p, &[]).expect(2);
        out.stderr_has(&path_str(&p));
        assert_eq!(out.stdout, "", "{name}");
    }
}

#[test]
fn kubeconfig_that_does_not_exist_is_exit_2() {
    let dir = tempdir();
    let missing = dir.path().join("nope.kubeconfig");
    netscaler(&["plan"])
        .arg("--kubeconfig")
        .arg(&missing)
        .arg("--config")
        .arg(fixture(CONFIG))
        .expect(2)
        .stderr_has("--kubeconfig");
}

// ---------------------------------------------------------------------------------------------
// The live cluster: the loopback fake API server

fn fake_with_fixture() -> FakeApiServer {
    let fake = FakeApiServer::start();
    let text = std::fs::read_to_string(fixture(CLUSTER)).unwrap();
    let n = fake
        .load(&text)
        .expect("load the fixture into the fake API server");
    assert!(n >= 20, "loaded {n} objects");
    fake
}

fn kubeconfig(fake: &FakeApiServer, dir: &Path, cluster: &str) -> PathBuf {
    let p = dir.join(format!("{cluster}.kubeconfig"));
    fake.write_kubeconfig(&p, cluster).unwrap();
    p
}

fn plan_live(kc: &Path, extra: &[&str]) -> support::Run {
    netscaler(&["plan"])
        .arg("--kubeconfig")
        .arg(kc)
        .arg("--config")
        .arg(fixture(CONFIG))
        .args(extra)
}

#[test]
fn live_plan_matches_the_snapshot_plan() {
    let fake = fake_with_fixture();
    let dir = tempdir();
    let kc = kubeconfig(&fake, dir.path(), "lab-west");
    let live = plan_live(&kc, &["-o", "json", "--cluster-name", "prod"])
        .expect(0)
        .json();
    let file = plan_fixture(&["-o", "json", "--cluster-name", "prod"])
        .expect(0)
        .json();
    assert_same_plan(&live, &file);
    // The table too.
    let live = plan_live(&kc, &["--cluster-name", "prod"]).expect(0);
    let file = plan_fixture(&["--cluster-name", "prod"]).expect(0);
    assert_eq!(live.stdout, file.stdout);
    // It read the nodes and flannel's ConfigMap, and wrote nothing.
    let requests = fake.requests();
    assert!(requests.iter().any(|r| r.path == "/api/v1/nodes"));
    assert!(
        requests
            .iter()
            .any(|r| r.path.ends_with("/configmaps/kube-flannel-cfg")),
        "{requests:#?}"
    );
    assert!(
        requests.iter().all(|r| r.method == "GET"),
        "plan must only read: {requests:#?}"
    );
}

#[test]
fn cluster_name_defaults_to_the_kubeconfig_cluster() {
    let fake = fake_with_fixture();
    let dir = tempdir();
    let kc = kubeconfig(&fake, dir.path(), "lab-west");
    let settings = [
        "--vtep-ip",
        "192.0.2.10",
        "--adc-pod-cidr",
        "10.244.254.0/24",
    ];
    let live = netscaler(&["plan", "-o", "json"])
        .arg("--kubeconfig")
        .arg(&kc)
        .args(settings)
        .expect(0)
        .json();
    assert_eq!(live["cluster"], "lab-west");
    assert_eq!(
        live["cluster_objects"][0]["metadata"]["name"],
        "netscaler-lab-west"
    );
    assert_eq!(
        live["cluster_objects"][0]["metadata"]["labels"]["kubectl-netscaler.io/cluster"],
        "lab-west"
    );
    // With --cluster-file it is `kubernetes`.
    let file = netscaler(&["plan", "-o", "json"])
        .arg("--cluster-file")
        .arg(fixture(CLUSTER))
        .args(settings)
        .expect(0)
        .json();
    assert_eq!(file["cluster"], "kubernetes");
    assert_eq!(
        file["cluster_objects"][0]["metadata"]["name"],
        "netscaler-kubernetes"
    );
    // The `cluster` setting beats both.
    let named = netscaler(&["plan", "-o", "json", "--cluster-name", "eu-1"])
        .arg("--kubeconfig")
        .arg(&kc)
        .args(settings)
        .expect(0)
        .json();
    assert_eq!(named["cluster"], "eu-1");
}

#[test]
fn node_list_is_paginated() {
    const NODES: usize = 1100;
    let fake = FakeApiServer::start();
    for i in 0..NODES {
        let name = format!("node-{i:04}");
        fake.apply(json!({
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {"name": name, "creationTimestamp": "2026-01-10T09:00:00Z"},
            "spec": {"podCIDR": format!("10.{}.{}.0/24", 1 + i / 256, i % 256)},
            "status": {
                "addresses": [{"type": "InternalIP", "address": format!("192.168.{}.{}", i / 250, 1 + i % 250)}],
                "conditions": [{"type": "Ready", "status": "True"}],
            },
        }))
        .unwrap();
    }
    let dir = tempdir();
    let kc = kubeconfig(&fake, dir.path(), "big");
    let out = netscaler(&["plan", "-o", "commands"])
        .arg("--kubeconfig")
        .arg(&kc)
        .args(["--mode", "routes", "--cluster-cidr", "10.0.0.0/8"])
        .expect(0);
    assert_eq!(out.stdout.lines().count(), NODES, "one route per node");
    out.stdout_has("add route 10.1.0.0 255.255.255.0 192.168.0.1")
        .stdout_has("add route 10.5.75.0 255.255.255.0 192.168.4.100");
    let lists: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path == "/api/v1/nodes")
        .collect();
    assert!(lists.len() >= 3, "{lists:#?}");
    assert!(
        lists.iter().all(|r| r.query.contains("limit=")),
        "every page is limited: {lists:#?}"
    );
    assert!(!lists[0].query.contains("continue="), "{lists:#?}");
    assert!(
        lists[1..].iter().all(|r| r.query.contains("continue=")),
        "later pages continue: {lists:#?}"
    );
}

/// Errors on the node list fail the run (exit 3); transient ones (503) only after a bounded
/// number of retries.
#[test]
fn api_errors_on_the_node_list_are_exit_3() {
    for code in [500, 502, 503] {
        let fake = fake_with_fixture();
        let dir = tempdir();
        let kc = kubeconfig(&fake, dir.path(), "prod");
        fake.inject(KubeFault::Status {
            code,
            path_contains: "/api/v1/nodes".into(),
            times: 100,
        });
        let out = plan_live(&kc, &["-o", "json"]).expect(3);
        assert_eq!(out.stdout, "", "no plan from a failed read");
        out.stderr_has("nodes").stderr_has(&code.to_string());
    }
}

#[test]
fn a_transient_503_on_the_node_list_is_retried() {
    let fake = fake_with_fixture();
    let dir = tempdir();
    let kc = kubeconfig(&fake, dir.path(), "prod");
    fake.inject(KubeFault::Status {
        code: 503,
        path_contains: "/api/v1/nodes".into(),
        times: 2,
    });
    let live = plan_live(&kc, &["-o", "json"]).expect(0).json();
    let file = plan_fixture(&["-o", "json"]).expect(0).json();
    assert_same_plan(&live, &file);
    let answered: Vec<u16> = fake
        .requests()
        .iter()
        .filter(|r| r.path == "/api/v1/nodes")
        .map(|r| r.status)
        .collect();
    assert_eq!(answered, [503, 503, 200]);
}

#[test]
fn a_failure_on_a_later_page_is_exit_3_not_a_partial_plan() {
    let fake = FakeApiServer::start();
    for i in 0..600 {
        fake.apply(json!({
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {"name": format!("node-{i:04}")},
            "spec": {"podCIDR": format!("10.{}.{}.0/24", 1 + i / 256, i % 256)},
            "status": {"addresses": [{"type": "InternalIP", "address": "192.168.0.1"}]},
        }))
        .unwrap();
    }
    fake.inject(KubeFault::Status {
        code: 500,
        path_contains: "continue=".into(),
        times: 100,
    });
    let dir = tempdir();
    let kc = kubeconfig(&fake, dir.path(), "big");
    let out = netscaler(&["plan", "-o", "commands"])
        .arg("--kubeconfig")
        .arg(&kc)
        .args(["--mode", "routes", "--cluster-cidr", "10.0.0.0/8"])
        .expect(3);
    assert_eq!(out.stdout, "");
}

#[test]
fn forbidden_configmap_read_is_exit_3_and_says_so() {
    let fake = fake_with_fixture();
    let dir = tempdir();
    let kc = kubeconfig(&fake, dir.path(), "prod");
    fake.inject(KubeFault::Status {
        code: 403,
        path_contains: "/configmaps/".into(),
        times: 100,
    });
    plan_live(&kc, &[])
        .expect(3)
        .stderr_has("forbidden")
        .stderr_has("kube-flannel-cfg");
}

// ---------------------------------------------------------------------------------------------
// Installed as a kubectl plugin

const KUBECTL: &str = "/usr/bin/kubectl";

/// A directory holding `kubectl-netscaler` (a symlink to the built binary), to put on PATH.
fn plugin_dir() -> tempfile::TempDir {
    let dir = tempdir();
    let link = dir.path().join("kubectl-netscaler");
    #[cfg(unix)]
    std::os::unix::fs::symlink(support::bin(), &link).unwrap();
    #[cfg(not(unix))]
    std::fs::copy(support::bin(), &link).unwrap();
    dir
}

fn kubectl(path_dir: &Path, home: &Path, args: &[&str]) -> std::process::Output {
    let path = format!("{}:/usr/bin:/bin", path_dir.display());
    std::process::Command::new(KUBECTL)
        .args(args)
        .env("PATH", path)
        .env("HOME", home)
        .env_remove("KUBECONFIG")
        .env_remove("NETSCALER_URL")
        .env_remove("NETSCALER_PASSWORD")
        .output()
        .expect("run kubectl")
}

#[test]
fn runs_as_an_installed_kubectl_plugin() {
    if !Path::new(KUBECTL).exists() {
        eprintln!("skipped: {KUBECTL} is not installed");
        return;
    }
    let plugins = plugin_dir();
    let home = tempdir();
    let list = kubectl(plugins.path(), home.path(), &["plugin", "list"]);
    let listed = String::from_utf8_lossy(&list.stdout);
    assert!(
        listed.contains(&path_str(&plugins.path().join("kubectl-netscaler"))),
        "kubectl plugin list does not see the plugin:\n{listed}\n{}",
        String::from_utf8_lossy(&list.stderr)
    );

    let fake = fake_with_fixture();
    let dir = tempdir();
    let kc = path_str(&kubeconfig(&fake, dir.path(), "prod"));
    let config = path_str(&fixture(CONFIG));
    let args = [
        "plan",
        "--kubeconfig",
        &kc,
        "--config",
        &config,
        "-o",
        "json",
    ];
    let mut via_kubectl = vec!["netscaler"];
    via_kubectl.extend(args);
    let plugin = kubectl(plugins.path(), home.path(), &via_kubectl);
    assert_eq!(
        plugin.status.code(),
        Some(0),
        "kubectl netscaler plan failed:\n{}",
        String::from_utf8_lossy(&plugin.stderr)
    );
    let direct = netscaler(&args).expect(0);
    assert_eq!(String::from_utf8_lossy(&plugin.stdout), direct.stdout);

    // Exit statuses pass through kubectl unchanged.
    let bad = kubectl(
        plugins.path(),
        home.path(),
        &[
            "netscaler",
            "plan",
            "--kubeconfig",
            &kc,
            "--vtep-ip",
            "nope",
        ],
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("vtepIp"));
}

/// Log lines on a non-terminal stderr carry no ANSI escapes, and `--color always` still
/// decides for them (SPEC §6: `--color never` and `NO_COLOR` are honoured).
#[test]
fn log_lines_on_a_pipe_have_no_colour_escapes() {
    let fake = fake_with_fixture();
    let dir = tempdir();
    let kc = kubeconfig(&fake, dir.path(), "lab-west");
    for extra in [&["-vv"][..], &["-vv", "--color", "never"]] {
        let out = plan_live(&kc, extra).expect(0);
        assert!(
            out.stderr.contains("listed a page of nodes"),
            "{}",
            out.stderr
        );
        assert!(
            !out.stderr.contains('\u{1b}'),
            "no escapes with {extra:?}: {}",
            out.stderr
        );
    }
    let out = plan_live(&kc, &["-vv", "--color", "always"]).expect(0);
    assert!(out.stderr.contains('\u{1b}'), "{}", out.stderr);
}

/// A flannel cluster of `n` Ready nodes (pod CIDRs 10.<1+i/250>.<i%250>.0/24 inside
/// 10.0.0.0/8), as a `kubectl get nodes -o json` List.
fn many_nodes(n: u32) -> Value {
    let items: Vec<Value> = (0..n)
        .map(|i| {
            let (a, b) = (1 + i / 250, i % 250);
            json!({
                "apiVersion": "v1", "kind": "Node",
                "metadata": {"name": format!("n{i}"), "creationTimestamp": "2026-01-10T09:00:00Z",
                    "annotations": {
                        "flannel.alpha.coreos.com/backend-data":
                            format!(r#"{{"VNI":1,"VtepMAC":"0a:58:0a:{a:02x}:{b:02x}:00"}}"#),
                        "flannel.alpha.coreos.com/backend-type": "vxlan",
                        "flannel.alpha.coreos.com/public-ip": format!("192.168.{a}.{b}")}},
                "spec": {"podCIDR": format!("10.{a}.{b}.0/24")},
                "status": {"addresses": [{"type": "InternalIP", "address": format!("192.168.{a}.{b}")}],
                    "conditions": [{"type": "Ready", "status": "True"}]}
            })
        })
        .collect();
    json!({"apiVersion": "v1", "kind": "List", "items": items})
}

/// A reader that goes away (`plan -o commands | head -1`) ends the output quietly: no panic,
/// no error, the usual exit status.
#[test]
fn a_closed_stdout_pipe_is_a_quiet_exit() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let dir = tempdir();
    // Far more output than a pipe buffers, so the writes after `head` left do fail.
    let cluster = write_json(dir.path(), "big.json", &many_nodes(2_000));
    let mut child = std::process::Command::new(support::bin())
        .args(["plan", "-o", "commands", "--cluster-name", "prod"])
        .args([
            "--vtep-ip",
            "192.168.0.250",
            "--adc-pod-cidr",
            "10.250.0.0/24",
        ])
        .args(["--cluster-cidr", "10.0.0.0/8", "--cluster-file"])
        .arg(&cluster)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    // The reader is dropped here: the pipe is closed.
    assert!(first.starts_with("add vxlan"), "{first}");
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
}
