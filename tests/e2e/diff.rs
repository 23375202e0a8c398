//! `diff` end-to-end (issue 3): the real binary against a real kube-apiserver and the NITRO
//! emulator. What a user sees: the change list (table and `-o json`), the exit status (0 no
//! differences, 1 differences, >1 error), plain-word precondition errors, and that `diff`
//! never writes anything.

use crate::harness::{
    self, ADC_MAC, ADC_NODE, Bed, BedOptions, DRIFTED_MAC, NodeSpec, VTEP_IP, expected_adc,
};
use netscaler_testbed::nitro::{EmulatorOptions, Fault, Match};
use serde_json::{Value, json};

/// The `changes` of a `kind: Diff` document.
fn changes(doc: &Value) -> Vec<Value> {
    assert_eq!(doc["formatVersion"], 1, "{doc:#}");
    assert_eq!(doc["kind"], "Diff", "{doc:#}");
    doc["changes"].as_array().cloned().expect("changes array")
}

/// Takes the one change with this op and resource whose `after` (adds, updates) or `before`
/// (deletes) equals `attrs` out of `pool`; panics naming what is missing.
fn take_change(pool: &mut Vec<Value>, op: &str, resource: &str, attrs: &Value) -> Value {
    let side = if op == "delete" { "before" } else { "after" };
    let found = pool.iter().position(|c| {
        c["op"] == op && c["resource"] == resource && {
            let obj = &c[side];
            attrs
                .as_object()
                .unwrap()
                .iter()
                .all(|(k, v)| obj.get(k) == Some(v))
        }
    });
    let i = found.unwrap_or_else(|| {
        panic!(
            "no `{op} {resource}` change with {side} {attrs} among:\n{}",
            serde_json::to_string_pretty(pool).unwrap()
        )
    });
    let c = pool.remove(i);
    // The key is the object's identity: a part of its attributes.
    let key = c["key"].as_object().expect("key object");
    assert!(!key.is_empty(), "empty key in {c}");
    for (k, v) in key {
        assert_eq!(
            &c[side][k], v,
            "key {k} of {c} is not one of its attributes"
        );
    }
    c
}

/// Asserts the document adds exactly the converged configuration for `nodes` plus the ADC Node
/// object, and nothing else.
fn assert_exactly_the_adds(doc: &Value, nodes: &[NodeSpec]) {
    let mut pool = changes(doc);
    let want = expected_adc(nodes);
    for (resource, attrs) in &want {
        let c = take_change(&mut pool, "add", resource, attrs);
        assert_eq!(c["before"], Value::Null, "{c}");
        assert_eq!(
            &c["after"], attrs,
            "an add shows exactly the object's attributes"
        );
    }
    assert_eq!(
        pool.len(),
        1,
        "besides the ADC objects only the Node object is added: {pool:#?}"
    );
    let node = &pool[0];
    assert_eq!(node["op"], "add", "{node}");
    assert_eq!(node["resource"], "node", "{node}");
    assert_eq!(node["key"], json!({"name": ADC_NODE}), "{node}");
    let backend: Value = serde_json::from_str(
        node["after"]["metadata"]["annotations"]["flannel.alpha.coreos.com/backend-data"]
            .as_str()
            .expect("backend-data annotation"),
    )
    .unwrap();
    assert_eq!(
        backend,
        json!({"VNI": 1, "VtepMAC": ADC_MAC}),
        "diff resolves vtepMac: auto from the ADC"
    );
    assert_eq!(
        doc["summary"],
        json!({"add": want.len() + 1, "update": 0, "delete": 0})
    );
}

fn assert_nothing_created(bed: &Bed, what: &str) {
    bed.assert_no_adc_writes(what);
    assert!(
        bed.node(ADC_NODE).is_none(),
        "{what}: the ADC Node object was created"
    );
}

/// Fails unless the log shows a request to `path_part` answered `status` followed by a
/// successful one (the fault fired and was recovered from).
fn assert_fault_recovered(bed: &Bed, method: &str, path_part: &str, status: u16) {
    let log = bed.adc.requests();
    let hits: Vec<_> = log
        .iter()
        .filter(|r| r.method == method && r.path.contains(path_part))
        .collect();
    let failed = hits.iter().position(|r| r.status == status);
    assert!(
        failed.is_some_and(|i| hits[i + 1..].iter().any(|r| r.status < 300)),
        "expected {method} {path_part} to be answered {status} and then retried successfully:\n{}",
        harness::describe(&log)
    );
}

#[test]
fn empty_adc_lists_exactly_the_adds() {
    let bed = Bed::start();

    let out = bed.run(&["diff", "-o", "json"]).expect(1);
    assert_exactly_the_adds(&out.json(), &bed.nodes);

    let out = bed.run(&["diff"]).expect(1);
    out.stdout_has("+ vxlan id=1")
        .stdout_has("+ node netscaler-e2e")
        .stdout_has("Summary: 13 to add, 0 to update, 0 to delete.");
    for n in &bed.nodes {
        out.stdout_has(&format!("(node {})", n.name()));
    }
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 14, "13 changes and a summary:\n{}", out.stdout);
    assert!(
        lines[..13].iter().all(|l| l.starts_with("+ ")),
        "only adds:\n{}",
        out.stdout
    );
    assert_nothing_created(&bed, "diff");
}

#[test]
fn converged_adc_reports_no_changes() {
    let bed = Bed::start();
    bed.run(&["apply", "--yes"]).expect(0);
    bed.adc.clear_requests();

    bed.run(&["diff"])
        .expect(0)
        .stdout_has("No changes")
        .stdout_lacks("+ ")
        .stdout_lacks("- ");
    let doc = bed.run(&["diff", "-o", "json"]).expect(0).json();
    assert_eq!(changes(&doc), Vec::<Value>::new());
    assert_eq!(doc["summary"], json!({"add": 0, "update": 0, "delete": 0}));
    bed.assert_no_adc_writes("diff of a converged ADC");
}

#[test]
fn drift_is_listed_exactly() {
    let bed = Bed::start();
    bed.run(&["apply", "--yes"]).expect(0);
    let stale = bed.drift();
    let (w1, w2) = (&bed.nodes[0], &bed.nodes[1]);

    let doc = bed.run(&["diff", "-o", "json"]).expect(1).json();
    let mut pool = changes(&doc);
    // worker-2's route was deleted by hand: added back.
    let (_, route) = &w2.expected_adc()[0];
    take_change(&mut pool, "add", "route", route);
    // worker-1's ARP entry points at another MAC: updated, showing both values.
    let arp = take_change(
        &mut pool,
        "update",
        "arp",
        &json!({"ipaddress": w1.net(), "mac": w1.mac()}),
    );
    assert_eq!(arp["before"]["mac"], DRIFTED_MAC, "{arp}");
    assert_eq!(arp["key"], json!({"ipaddress": w1.net()}), "{arp}");
    // The stale node's entries (inside the cluster CIDR, our VNI) are deleted.
    for (resource, attrs) in stale.expected_adc() {
        let c = take_change(&mut pool, "delete", resource, &attrs);
        assert_eq!(c["after"], Value::Null, "{c}");
    }
    assert!(pool.is_empty(), "unexpected changes: {pool:#?}");
    assert_eq!(doc["summary"], json!({"add": 1, "update": 1, "delete": 3}));

    let out = bed.run(&["diff"]).expect(1);
    out.stdout_has(&format!("+ route network={}", w2.net()))
        .stdout_has(&format!("~ arp ipaddress={}", w1.net()))
        .stdout_has(DRIFTED_MAC)
        .stdout_has(&format!("- route network={}", stale.net()))
        .stdout_has(&format!("- arp ipaddress={}", stale.net()))
        .stdout_has(&format!("- bridgetable mac={}", stale.mac()))
        .stdout_has("Summary: 1 to add, 1 to update, 3 to delete.");
    assert_eq!(out.stdout.lines().count(), 6, "{}", out.stdout);
    bed.assert_no_adc_writes("diff of a drifted ADC");
}

/// Markers of the objects in `adc-foreign.json`.
const FOREIGN: &[&str] = &[
    "198.51.100.",
    "10.0.0.0",
    "172.16.0.0",
    "10.244.50.0",
    "10.244.60.0",
    "10.244.70.5",
    "192.0.2.50",
    "192.0.2.60",
    "192.0.2.61",
    "0a:58:0a:f4:3c:00",
    "0a:58:0a:f4:3d:00",
    "4789",
    "id=2",
    "\"id\": 2",
];

#[test]
fn foreign_objects_are_never_mentioned() {
    let bed = Bed::start();
    bed.adc
        .load_state(&harness::foreign_adc_state())
        .expect("load foreign objects");

    let out = bed.run(&["diff", "-o", "json"]).expect(1);
    assert_exactly_the_adds(&out.json(), &bed.nodes);
    for marker in FOREIGN {
        out.stdout_lacks(marker);
    }
    let out = bed.run(&["diff"]).expect(1);
    for marker in FOREIGN {
        out.stdout_lacks(marker);
    }
    out.stdout_has("Summary: 13 to add, 0 to update, 0 to delete.");

    bed.run(&["apply", "--yes"]).expect(0);
    // Entries the ADC learnt by itself on our VXLAN are its own, not ours.
    bed.adc
        .load_state(&json!({
            "arp": [{"ipaddress": "10.244.1.77", "mac": "0a:58:0a:f4:01:77", "vxlan": 1,
                     "vtep": "192.0.2.21", "type": "DYNAMIC"}],
            "bridgetable": [{"mac": "0a:58:0a:f4:01:78", "vxlan": 1, "vtep": "192.0.2.21",
                             "type": "DYNAMIC"}],
        }))
        .unwrap();
    let out = bed.run(&["diff", "-o", "yaml"]).expect(0);
    for marker in FOREIGN.iter().chain(&["10.244.1.77", "01:77", "01:78"]) {
        out.stdout_lacks(marker);
    }
    bed.run(&["diff"]).expect(0).stdout_has("No changes");
}

#[test]
fn survives_session_expiry_and_503_mid_read() {
    let bed = Bed::start();
    let get = |path: &str| Match {
        method: Some("GET".into()),
        path_contains: Some(path.into()),
    };
    bed.adc.inject(Fault::ExpireSession {
        on: get("/config/route"),
        times: 1,
    });
    bed.adc.inject(Fault::Status503 {
        on: get("/config/arp"),
        times: 1,
    });
    let out = bed.run(&["diff", "-o", "json"]).expect(1);
    assert_exactly_the_adds(&out.json(), &bed.nodes);
    assert_fault_recovered(&bed, "GET", "/config/route", 401);
    assert_fault_recovered(&bed, "GET", "/config/arp", 503);
    bed.assert_no_adc_writes("diff with faults");

    bed.run(&["apply", "--yes"]).expect(0);
    bed.adc.clear_requests();
    bed.adc.inject(Fault::ExpireSession {
        on: get("/config/bridgetable"),
        times: 1,
    });
    bed.adc.inject(Fault::Status503 {
        on: get("/config/nsip"),
        times: 1,
    });
    bed.run(&["diff"]).expect(0).stdout_has("No changes");
    assert_fault_recovered(&bed, "GET", "/config/bridgetable", 401);
    assert_fault_recovered(&bed, "GET", "/config/nsip", 503);
}

#[test]
fn vtep_ip_that_is_not_an_snip_is_named() {
    let bed = Bed::start();
    let out = bed.run(&["diff", "--vtep-ip", "192.0.2.77"]).expect(4);
    out.stderr_has("192.0.2.77").stderr_has("SNIP");
    assert_eq!(out.stdout, "", "no change list on a precondition error");
    // The configured SNIP is fine.
    bed.run(&["diff", "--vtep-ip", VTEP_IP]).expect(1);
    assert_nothing_created(&bed, "diff");
}

#[test]
fn clustered_adc_is_refused_for_vxlan() {
    let bed = Bed::with(BedOptions {
        emulator: EmulatorOptions {
            clustered: true,
            ..EmulatorOptions::default()
        },
        ..BedOptions::default()
    });
    let out = bed.run(&["diff"]).expect(4);
    out.stderr_has("cluster");
    assert!(
        out.stderr.contains("CLIP") || out.stderr.contains("not supported"),
        "the error says VXLAN is not supported on a NetScaler cluster:\n{}",
        out.stderr
    );
    assert_nothing_created(&bed, "diff on a cluster");
}

#[test]
fn ha_pair_needs_the_virtual_mac() {
    let bed = Bed::start();
    // The ADC is the primary of an HA pair.
    bed.adc
        .load_state(&json!({"hanode": [
            {"id": "1", "ipaddress": "192.0.2.6", "state": "Secondary", "hastatus": "UP"}
        ]}))
        .unwrap();
    let out = bed.run(&["diff"]).expect(4);
    out.stderr_has("HA").stderr_has("vtepMac");
    assert!(
        out.stderr.contains("virtual MAC") || out.stderr.contains("VMAC"),
        "the error names the virtual MAC:\n{}",
        out.stderr
    );
    // With the VMAC configured, diff works and the Node object carries it.
    let vmac = "00:00:5e:00:01:0a";
    let doc = bed
        .run(&["diff", "-o", "json", "--vtep-mac", vmac])
        .expect(1)
        .json();
    let node = changes(&doc)
        .into_iter()
        .find(|c| c["resource"] == "node")
        .expect("node change");
    let data = node["after"]["metadata"]["annotations"]["flannel.alpha.coreos.com/backend-data"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(data.contains(vmac), "{data}");
    assert_nothing_created(&bed, "diff on an HA pair");
}

#[test]
fn routes_mode_without_an_snip_in_the_node_network_explains_604() {
    let bed = Bed::start();
    // Positive control: InternalIPs 192.0.2.2x lie in the SNIP's subnet.
    let doc = bed
        .run(&["diff", "-o", "json", "--mode", "routes"])
        .expect(1)
        .json();
    let mut pool = changes(&doc);
    for n in &bed.nodes {
        take_change(
            &mut pool,
            "add",
            "route",
            &json!({"network": n.net(), "netmask": "255.255.255.0", "gateway": n.ip()}),
        );
    }
    assert!(
        pool.is_empty(),
        "routes mode adds only routes (no VXLAN objects, no Node): {pool:#?}"
    );

    // ExternalIPs 198.18.0.2x: no SNIP there, NetScaler would answer 604.
    let out = bed
        .run(&[
            "diff",
            "--mode",
            "routes",
            "--node-address-type",
            "ExternalIP",
        ])
        .expect(4);
    out.stderr_has("604").stderr_has("SNIP");
    for n in &bed.nodes {
        out.stderr_has(&n.external_ip()).stderr_has(&n.name());
    }
    assert_nothing_created(&bed, "routes-mode diff");
}
