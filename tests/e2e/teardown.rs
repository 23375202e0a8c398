//! Deleting on a NITRO that answers like a real ADC (hardening issue, points 1 and 4): bindings
//! are removed with `unbind` (the emulator refuses `rm` on a `*_binding` type with 1240), and
//! `teardown` removes the entries the ADC learned on our VXLAN, which keep `rm vxlan` at 315,
//! while apply and diff never touch them and the admin's own entries survive.

use crate::harness::{self, ADC_NODE, Bed, VTEP_IP, assert_owned_exactly, owned};
use serde_json::{Value, json};

/// A second SNIP on the node network, for moving `vtepIp`.
const NEW_VTEP_IP: &str = "192.0.2.11";

fn srcip_bindings(bed: &Bed) -> Vec<Value> {
    bed.adc.dump()["vxlan_srcip_binding"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn changing_vtep_ip_rebinds_the_source_ip_and_teardown_leaves_no_binding() {
    let bed = Bed::start();
    bed.run(&["apply", "--yes"]).expect(0);
    bed.admin(
        "POST",
        "/nitro/v1/config/nsip",
        Some(
            json!({"nsip": {"ipaddress": NEW_VTEP_IP, "netmask": "255.255.255.0", "type": "SNIP"}}),
        ),
    );
    bed.adc.clear_requests();

    bed.run(&["apply", "--yes", "--vtep-ip", NEW_VTEP_IP])
        .expect(0)
        .stdout_has(&format!("- vxlan_srcip_binding id=1,srcip={VTEP_IP}"))
        .stdout_has(&format!("+ vxlan_srcip_binding id=1,srcip={NEW_VTEP_IP}"));
    let bindings = srcip_bindings(&bed);
    assert_eq!(
        bindings.len(),
        1,
        "exactly one source IP bound: {bindings:#?}"
    );
    assert_eq!(bindings[0]["srcip"], NEW_VTEP_IP);
    let unbinds: Vec<_> = bed
        .writes()
        .into_iter()
        .filter(|r| harness::resource_of(r) == "vxlan_srcip_binding" && !r.query.is_empty())
        .collect();
    assert!(
        !unbinds.is_empty() && unbinds.iter().all(|r| r.query == "action=unbind"),
        "the old binding goes with ?action=unbind:\n{}",
        harness::describe(&unbinds)
    );
    // The ADC Node advertises the address that is now bound.
    let node = bed.node(ADC_NODE).expect("the ADC Node object");
    assert_eq!(
        node["metadata"]["annotations"]["flannel.alpha.coreos.com/public-ip"],
        NEW_VTEP_IP
    );
    bed.run(&["diff", "--vtep-ip", NEW_VTEP_IP]).expect(0);

    bed.run(&["teardown", "--yes", "--vtep-ip", NEW_VTEP_IP])
        .expect(0);
    assert!(
        srcip_bindings(&bed).is_empty(),
        "{:#?}",
        srcip_bindings(&bed)
    );
    assert_owned_exactly(&bed.adc.dump(), &[]);
    assert!(bed.node(ADC_NODE).is_none());
}

#[test]
fn teardown_after_apply_exits_0_and_leaves_no_binding() {
    let bed = Bed::start();
    bed.run(&["apply", "--yes"]).expect(0);
    bed.run(&["teardown", "--yes"]).expect(0);
    assert!(
        srcip_bindings(&bed).is_empty(),
        "{:#?}",
        srcip_bindings(&bed)
    );
    assert!(
        bed.adc
            .dump()
            .get("vxlan")
            .is_none_or(|v| v.as_array().is_none_or(Vec::is_empty))
    );
}

/// Entries the ADC learned on VNI 1 for pods behind worker-1 and worker-2.
fn learned_on_our_vni(bed: &Bed) -> Value {
    let (w1, w2) = (&bed.nodes[0], &bed.nodes[1]);
    json!({
        "arp": [
            {"ipaddress": "10.244.1.5", "mac": "0a:58:0a:f4:01:05", "vxlan": 1, "vtep": w1.ip(), "type": "DYNAMIC"},
            {"ipaddress": "10.244.2.9", "mac": "0a:58:0a:f4:02:09", "vxlan": 1, "vtep": w2.ip(), "type": "DYNAMIC"},
        ],
        "bridgetable": [
            {"mac": "0a:58:0a:f4:01:05", "vxlan": 1, "vtep": w1.ip(), "type": "DYNAMIC"},
        ],
    })
}

/// The admin's learned entries elsewhere: on another VNI (from `adc-foreign.json`) and on an
/// interface.
fn admins_learned_entries() -> Value {
    json!({
        "arp": [
            {"ipaddress": "10.244.60.7", "mac": "0a:58:0a:f4:3c:07", "vxlan": 2, "vtep": "192.0.2.60", "type": "DYNAMIC"},
            {"ipaddress": "192.0.2.77", "mac": "00:11:22:33:44:77", "ifnum": "1/1", "type": "DYNAMIC"},
        ],
        "bridgetable": [
            {"mac": "0a:58:0a:f4:3c:07", "vxlan": 2, "vtep": "192.0.2.60", "type": "DYNAMIC"},
        ],
    })
}

#[test]
fn teardown_removes_what_the_adc_learned_on_our_vxlan_and_nothing_of_the_admins() {
    let bed = Bed::start();
    bed.adc
        .load_state(&harness::foreign_adc_state())
        .expect("load foreign objects");
    bed.adc
        .load_state(&admins_learned_entries())
        .expect("load the admin's learned entries");
    let start = bed.state();
    bed.run(&["apply", "--yes"]).expect(0);
    bed.adc
        .load_state(&learned_on_our_vni(&bed))
        .expect("load learned entries");
    let with_learned = bed.state();

    // Learned entries are not ours: diff does not show them, apply does not touch them.
    bed.adc.clear_requests();
    bed.run(&["diff"]).expect(0).stdout_lacks("10.244.1.5");
    bed.run(&["apply", "--yes"])
        .expect(0)
        .stdout_has("No changes")
        .stdout_lacks("10.244.1.5");
    bed.assert_no_adc_writes("apply with learned entries");
    pretty_assertions::assert_eq!(bed.state(), with_learned, "apply changed the ADC");

    // Teardown removes them with the vxlan, and nothing of the admin's.
    let out = bed.run(&["teardown", "--yes"]).expect(0);
    out.stdout_has("- arp ipaddress=10.244.1.5")
        .stdout_has("- arp ipaddress=10.244.2.9")
        .stdout_has("- bridgetable mac=0a:58:0a:f4:01:05")
        .stdout_has("Summary: 0 to add, 0 to update, 16 to delete.")
        .stdout_lacks("10.244.60.7")
        .stdout_lacks("192.0.2.77");
    pretty_assertions::assert_eq!(
        bed.state(),
        start,
        "teardown leaves exactly the starting state (the admin's objects intact)"
    );
    assert!(owned(&bed.adc.dump()).is_empty());
    // The learned entries went before the vxlan, in the arp/bridgetable deletes.
    let writes = bed.writes();
    let order: Vec<String> = writes.iter().map(harness::resource_of).collect();
    let pos = |r: &str| order.iter().position(|x| x == r).expect(r);
    assert!(
        pos("arp") < pos("vxlan") && pos("bridgetable") < pos("vxlan"),
        "{}",
        harness::describe(&writes)
    );
    let arp_items = writes
        .iter()
        .find(|r| harness::resource_of(r) == "arp")
        .and_then(|r| r.body.as_ref())
        .and_then(|b| b["arp"].as_array().cloned())
        .unwrap_or_default();
    assert_eq!(
        arp_items.len(),
        5,
        "3 node entries + 2 learned: {arp_items:#?}"
    );

    // A rerun is a no-op.
    bed.adc.clear_requests();
    bed.run(&["teardown", "--yes"])
        .expect(0)
        .stdout_has("No changes");
    bed.assert_no_adc_writes("second teardown");
}

/// An entry teardown may not remove (PERMANENT) keeps the vxlan in use: the failure names it,
/// and the summary does not promise that a rerun converges.
#[test]
fn a_vxlan_kept_in_use_names_the_entry_and_no_rerun_is_promised() {
    let bed = Bed::start();
    bed.run(&["apply", "--yes"]).expect(0);
    let w1 = &bed.nodes[0];
    bed.adc
        .load_state(&json!({
            "arp": [{"ipaddress": "10.244.1.8", "mac": "0a:58:0a:f4:01:08", "vxlan": 1, "vtep": w1.ip(), "type": "PERMANENT"}],
        }))
        .expect("load a permanent entry");

    let out = bed.run(&["teardown", "--yes"]).expect(5);
    let failed: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.contains("failed:"))
        .collect();
    assert_eq!(failed.len(), 1, "{}", out.stderr);
    for part in ["vxlan id=1", "315", "arp 10.244.1.8 (PERMANENT)"] {
        assert!(
            failed[0].contains(part),
            "{part:?} missing in {:?}",
            failed[0]
        );
    }
    out.stderr_has("a rerun alone fails the same way");
    assert!(
        !out.stderr.contains("rerun to converge"),
        "a 315 that will recur is no reason to rerun:\n{}",
        out.stderr
    );
    // Everything else of ours is gone.
    let left: Vec<String> = owned(&bed.adc.dump()).into_iter().map(|(r, _)| r).collect();
    assert_eq!(left, ["vxlan"], "{left:?}");
}

/// The product with only the ADC connection (kubeconfig, URL, password): no settings at all.
pub(crate) fn adc_connection_only(bed: &Bed, args: &[&str]) -> crate::support::Run {
    crate::support::netscaler(args)
        .args([
            "--kubeconfig",
            &bed.kubeconfig.display().to_string(),
            "--adc-url",
            &bed.adc.url(),
        ])
        .env("NETSCALER_PASSWORD", harness::PASSWORD)
}

/// `apply` records the scope it wrote (on the ADC Node in vxlan mode): `teardown` needs no
/// settings and leaves the ADC as it was before the first apply.
#[test]
fn teardown_without_settings_removes_what_was_applied() {
    let bed = Bed::start();
    let before = bed.state();
    bed.run(&["apply", "--yes"]).expect(0);
    let node = bed.node(ADC_NODE).expect("the ADC Node object");
    let record: Value = serde_json::from_str(
        node["metadata"]["annotations"]["kubectl-netscaler.io/scope"]
            .as_str()
            .expect("the scope record on the ADC Node"),
    )
    .expect("the record is JSON");
    assert_eq!(
        record,
        json!({"mode": "vxlan", "clusterCidr": harness::CLUSTER_CIDR, "vni": 1, "overlayIp": harness::OVERLAY_IP,
               "services": {"marker": format!("managed-by=kubectl-netscaler cluster={}", harness::CLUSTER)}})
    );
    bed.run(&["diff"]).expect(0);

    adc_connection_only(
        &bed,
        &["teardown", "--yes", "--cluster-name", harness::CLUSTER],
    )
    .expect(0);
    assert_eq!(bed.state(), before, "the ADC is as it was before the apply");
    assert!(
        bed.node(ADC_NODE).is_none(),
        "the record went last, with the Node"
    );
}

/// Settings that disagree with the recorded scope are refused before anything is deleted,
/// naming both values (today they would delete the Node and leave the VXLAN objects behind).
#[test]
fn teardown_with_settings_that_contradict_the_record_is_refused() {
    let bed = Bed::start();
    bed.run(&["apply", "--yes"]).expect(0);
    let applied = bed.state();
    bed.adc.clear_requests();
    bed.run(&["teardown", "--yes", "--vxlan-id", "2"])
        .expect(2)
        .stderr_has("vxlan.id (--vxlan-id) is 2 but VNI 1 was applied")
        .stderr_has(&format!("node {ADC_NODE}"));
    bed.run(&["teardown", "--yes", "--adc-pod-cidr", "10.244.253.0/24"])
        .expect(2)
        .stderr_has("adcPodCidr (--adc-pod-cidr) is 10.244.253.0/24 (overlay IP 10.244.253.1) but overlay IP 10.244.254.1 was applied");
    bed.assert_no_adc_writes("refused teardown");
    assert_eq!(bed.state(), applied);
    assert!(bed.node(ADC_NODE).is_some(), "the Node and its record stay");
    // The settings the apply used agree with the record.
    bed.run(&["teardown", "--yes"]).expect(0);
    assert_owned_exactly(&bed.adc.dump(), &[]);
}

/// In routes mode there is no ADC Node: the record is a ConfigMap in the lock namespace,
/// written by apply and removed last by teardown.
#[test]
fn routes_mode_records_the_scope_in_a_config_map() {
    let bed = Bed::start();
    let before = bed.state();
    bed.run(&["apply", "--yes", "--mode", "routes"]).expect(0);
    let cm: Value = serde_json::from_str(&bed.kubectl(&[
        "get",
        "configmap",
        "-n",
        "kube-system",
        &format!("kubectl-netscaler-{}", harness::CLUSTER),
        "-o",
        "json",
    ]))
    .expect("configmap JSON");
    let record: Value =
        serde_json::from_str(cm["data"]["scope"].as_str().expect("data.scope")).unwrap();
    assert_eq!(
        record,
        json!({"mode": "routes", "clusterCidr": harness::CLUSTER_CIDR, "vni": null, "overlayIp": null,
               "services": {"marker": format!("managed-by=kubectl-netscaler cluster={}", harness::CLUSTER)}})
    );
    assert!(!owned(&bed.adc.dump()).is_empty(), "routes were applied");

    // The nodes carry flannel vxlan annotations, so without --mode the settings would plan
    // vxlan; the record says routes were applied.
    adc_connection_only(
        &bed,
        &["teardown", "--yes", "--cluster-name", harness::CLUSTER],
    )
    .expect(0);
    assert_eq!(bed.state(), before);
    let left = bed.kubectl(&["get", "configmap", "-n", "kube-system", "-o", "name"]);
    assert!(
        !left.contains(&format!("kubectl-netscaler-{}", harness::CLUSTER)),
        "the record was removed: {left}"
    );
}
