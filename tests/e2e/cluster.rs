//! Kubernetes-facing behaviour against a real kube-apiserver: planning from the live cluster
//! equals planning from a `kubectl get -o yaml` snapshot of it, node lists are paginated at
//! scale, and the ADC's Node object is updated in place (or recreated when its immutable pod
//! CIDR changes) without losing what others added to it; an API server that cannot be reached or
//! rejects the credentials is named, with the kubeconfig context and the cause.

use crate::harness::{ADC_NODE, Bed, BedOptions};
use crate::support::{assert_same_plan, netscaler};
use netscaler_testbed::nitro::{Emulator, EmulatorOptions};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

#[test]
fn live_plan_equals_the_plan_of_a_kubectl_snapshot() {
    let bed = Bed::start();
    let snapshot = bed.kubectl(&[
        "get",
        "nodes,services,endpointslices,configmaps",
        "-A",
        "-o",
        "yaml",
    ]);
    let file = bed.dir.path().join("snapshot.yaml");
    std::fs::write(&file, snapshot).unwrap();
    let settings = bed.config.display().to_string();
    let live = netscaler(&["plan", "-o", "json", "--config", &settings])
        .args(["--kubeconfig", &bed.kubeconfig.display().to_string()])
        .expect(0);
    let offline = netscaler(&["plan", "-o", "json", "--config", &settings])
        .args(["--cluster-file", &file.display().to_string()])
        .expect(0);
    let (live, offline) = (live.json(), offline.json());
    assert_eq!(
        live["adc"].as_array().map(Vec::len),
        Some(3 + 3 * bed.nodes.len())
    );
    assert_same_plan(&live, &offline);
}

#[test]
fn five_thousand_nodes_are_listed_in_pages() {
    let bed = Bed::with(BedOptions {
        nodes: 1,
        ..Default::default()
    });
    // 5,000 nodes in one List document, created by kubectl (one POST each).
    let items: Vec<Value> = (0..5000)
        .map(|i| {
            json!({
                "apiVersion": "v1",
                "kind": "Node",
                "metadata": {
                    "name": format!("scale-{i:04}"),
                    "annotations": {
                        "flannel.alpha.coreos.com/backend-type": "vxlan",
                        "flannel.alpha.coreos.com/backend-data":
                            format!(r#"{{"VNI":1,"VtepMAC":"0a:58:{:02x}:{:02x}:00:01"}}"#, i / 256, i % 256),
                        "flannel.alpha.coreos.com/public-ip":
                            format!("198.18.{}.{}", i / 250, 1 + i % 250),
                    },
                },
                // /29s from 10.244.16.0 up, clear of the bed's /24s and the ADC's range.
                "spec": {"podCIDR": format!("10.244.{}.{}/29", 16 + i * 8 / 256, i * 8 % 256)},
            })
        })
        .collect();
    let list = bed.dir.path().join("scale.json");
    std::fs::write(
        &list,
        json!({"apiVersion": "v1", "kind": "List", "items": items}).to_string(),
    )
    .unwrap();
    bed.kubectl(&["create", "-f", &list.display().to_string()]);

    let out = netscaler(&["plan", "-o", "json", "-vv"])
        .args(["--config", &bed.config.display().to_string()])
        .args(["--kubeconfig", &bed.kubeconfig.display().to_string()])
        .expect(0);
    let doc = out.json();
    let routes = doc["adc"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["resource"] == "route")
        .count();
    assert_eq!(routes, 5001, "every node planned");
    // 5,001 Nodes at 500 per page: 11 pages, each logged by the tool.
    let pages = out.stderr.matches("listed a page of nodes").count();
    assert_eq!(pages, 11, "pages listed:\n{}", out.stderr);
}

#[test]
fn the_adc_node_is_updated_in_place_keeping_what_others_added() {
    let bed = Bed::start();
    bed.run(&["apply", "--yes"]).expect(0);
    let created = bed.node(ADC_NODE).expect("ADC node");
    let uid = created["metadata"]["uid"].clone();

    // Drift on our fields, and additions by others that must survive.
    bed.kubectl(&[
        "annotate",
        "--overwrite",
        "node",
        ADC_NODE,
        "flannel.alpha.coreos.com/public-ip=203.0.113.9",
        "example.com/owner=netops",
    ]);
    bed.kubectl(&["label", "node", ADC_NODE, "example.com/rack=r1"]);
    bed.kubectl(&[
        "taint",
        "node",
        ADC_NODE,
        "example.com/maintenance=true:NoSchedule",
    ]);
    bed.kubectl(&[
        "taint",
        "node",
        ADC_NODE,
        "kubectl-netscaler.io/adc:NoExecute-",
    ]);

    let out = bed.run(&["diff"]).expect(1);
    out.stdout_has("~ node netscaler-e2e: metadata.annotations.flannel.alpha.coreos.com/public-ip")
        .stdout_has("spec.taints")
        .stdout_has("Summary: 0 to add, 1 to update, 0 to delete.");

    bed.run(&["apply", "--yes"]).expect(0);
    let node = bed.node(ADC_NODE).expect("ADC node");
    assert_eq!(
        node["metadata"]["uid"], uid,
        "updated in place, not recreated"
    );
    let meta = &node["metadata"];
    assert_eq!(
        meta["annotations"]["flannel.alpha.coreos.com/public-ip"],
        "192.0.2.10"
    );
    assert_eq!(meta["annotations"]["example.com/owner"], "netops");
    assert_eq!(meta["labels"]["example.com/rack"], "r1");
    let taints: Vec<String> = node["spec"]["taints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            format!(
                "{}:{}",
                t["key"].as_str().unwrap(),
                t["effect"].as_str().unwrap()
            )
        })
        .collect();
    for want in [
        "example.com/maintenance:NoSchedule",
        "kubectl-netscaler.io/adc:NoExecute",
        "node.kubernetes.io/unschedulable:NoSchedule",
    ] {
        assert!(
            taints.contains(&want.to_string()),
            "{want} missing: {taints:?}"
        );
    }
    bed.run(&["diff"]).expect(0);
}

#[test]
fn a_new_adc_pod_cidr_recreates_the_adc_node() {
    let bed = Bed::start();
    bed.run(&["apply", "--yes"]).expect(0);
    let uid = bed.node(ADC_NODE).expect("ADC node")["metadata"]["uid"].clone();
    bed.run(&["apply", "--yes", "--adc-pod-cidr", "10.244.253.0/24"])
        .expect(0);
    let node = bed.node(ADC_NODE).expect("ADC node");
    assert_eq!(node["spec"]["podCIDR"], "10.244.253.0/24");
    assert_ne!(
        node["metadata"]["uid"], uid,
        "spec.podCIDR is immutable: recreated"
    );
    bed.run(&["diff", "--adc-pod-cidr", "10.244.253.0/24"])
        .expect(0);
}

/// The managers of the ADC Node's fields, as `manager/operation` pairs.
fn managers(bed: &Bed) -> Vec<String> {
    let out = bed.kubectl(&[
        "get",
        "node",
        ADC_NODE,
        "-o",
        "json",
        "--show-managed-fields",
    ]);
    let node: Value = serde_json::from_str(&out).expect("node JSON");
    node["metadata"]["managedFields"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| {
            format!(
                "{}/{}",
                m["manager"].as_str().unwrap_or(""),
                m["operation"].as_str().unwrap_or("")
            )
        })
        .collect()
}

#[test]
fn the_adc_node_is_server_side_applied_and_others_labels_survive() {
    let bed = Bed::start();
    bed.run(&["apply", "--yes"]).expect(0);
    let first = managers(&bed);
    assert!(
        first.contains(&"kubectl-netscaler/Apply".to_string()),
        "{first:?}"
    );

    // Another manager's label, and a change of ours (a taint removed) to apply over it.
    bed.kubectl(&["label", "node", ADC_NODE, "example.com/rack=r1"]);
    bed.kubectl(&[
        "taint",
        "node",
        ADC_NODE,
        "kubectl-netscaler.io/adc:NoExecute-",
    ]);
    bed.run(&["apply", "--yes"]).expect(0);
    let node = bed.node(ADC_NODE).expect("ADC node");
    assert_eq!(node["metadata"]["labels"]["example.com/rack"], "r1");
    bed.run(&["diff"]).expect(0);
    let after = managers(&bed);
    assert!(
        after.contains(&"kubectl-label/Update".to_string()),
        "the label stays the other manager's: {after:?}"
    );

    // Teardown deletes our Node and nothing else of the cluster.
    bed.run(&["teardown", "--yes"]).expect(0);
    assert!(bed.node(ADC_NODE).is_none(), "the ADC node is deleted");
    assert_eq!(bed.node_names().len(), 3, "{:?}", bed.node_names());
}

/// A kubeconfig with one context, `context`, for `server`; `cluster` and `user` are the YAML
/// bodies of its cluster and user entries.
fn kubeconfig(dir: &Path, context: &str, server: &str, cluster: &str, user: &str) -> PathBuf {
    let path = dir.join(format!("{context}.kubeconfig"));
    std::fs::write(
        &path,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: {server}\n{cluster}\
             contexts:\n- name: {context}\n  context:\n    cluster: c\n    user: u\n\
             current-context: {context}\nusers:\n- name: u\n  user:\n{user}"
        ),
    )
    .unwrap();
    path
}

/// `plan` with `kubeconfig`: exit 3, and the message names the server, the context and `cause`.
fn assert_plan_fails(bed: &Bed, kubeconfig: &Path, server: &str, context: &str, cause: &str) {
    let settings = bed.config.display().to_string();
    let out = netscaler(&["plan", "--request-timeout", "10s", "--config", &settings])
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .expect(3);
    out.stderr_has(server)
        .stderr_has(&format!("kubeconfig context \"{context}\""))
        .stderr_has(cause)
        .stderr_lacks("ServiceError");
}

#[test]
fn a_closed_port_is_named_with_the_context_and_connection_refused() {
    let bed = Bed::with(BedOptions {
        fake_kube: true,
        ..BedOptions::default()
    });
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let server = format!("https://{}", listener.local_addr().unwrap());
    drop(listener);
    let kc = kubeconfig(
        bed.dir.path(),
        "closed",
        &server,
        "",
        "    token: not-used\n",
    );
    assert_plan_fails(&bed, &kc, &server, "closed", "connection refused");
}

#[test]
fn an_untrusted_certificate_and_a_bad_token_are_named_with_the_context() {
    let bed = Bed::start();
    let server = bed.real().url();
    let ca = bed.real().ca_cert().display().to_string();

    // Another CA than the one that signed the API server's certificate.
    let other = Emulator::start(EmulatorOptions {
        tls: true,
        ..EmulatorOptions::default()
    });
    let other_ca = bed.dir.path().join("other-ca.pem");
    std::fs::write(&other_ca, other.ca_pem().expect("a TLS emulator has a CA")).unwrap();
    let kc = kubeconfig(
        bed.dir.path(),
        "wrong-ca",
        &server,
        &format!("    certificate-authority: {}\n", other_ca.display()),
        "    token: not-used\n",
    );
    assert_plan_fails(&bed, &kc, &server, "wrong-ca", "TLS handshake failed");

    let kc = kubeconfig(
        bed.dir.path(),
        "bad-token",
        &server,
        &format!("    certificate-authority: {ca}\n"),
        "    token: not-a-valid-token\n",
    );
    assert_plan_fails(&bed, &kc, &server, "bad-token", "401 unauthorised");
}
