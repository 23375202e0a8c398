//! Foreign objects in the way of planned ones (SPEC §2.3 `ForeignObjectConflict`, §4): an
//! admin's ARP entry on an interface at a node's gateway address, and an address of another
//! type at the overlay IP. What a user sees: the object named, left untouched, the node not
//! planned (no perpetual change), `--strict` exit 2, exit 4 before any write for the overlay IP.

use crate::harness::{Bed, OVERLAY_IP, assert_owned_exactly, expected_adc};
use serde_json::{Value, json};

/// The admin's STATIC entry for worker-3's gateway 10.244.3.0, on interface 1/1.
fn admin_arp() -> Value {
    json!({"ipaddress": "10.244.3.0", "mac": "00:11:22:33:44:88", "ifnum": "1/1", "type": "STATIC"})
}

const NAMED: &str = "arp 10.244.3.0 on interface 1/1 (STATIC, mac 00:11:22:33:44:88)";

fn assert_admin_arp_intact(bed: &Bed) {
    let arps = bed.adc.dump()["arp"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let found: Vec<&Value> = arps
        .iter()
        .filter(|r| r["ipaddress"] == "10.244.3.0")
        .collect();
    assert_eq!(found.len(), 1, "{arps:#?}");
    let want = admin_arp();
    for (k, v) in want.as_object().unwrap() {
        assert_eq!(&found[0][k], v, "the admin's arp changed: {}", found[0]);
    }
    assert!(found[0].get("vxlan").is_none(), "{}", found[0]);
}

fn assert_warns(out: &crate::support::Outcome) {
    out.stderr_has("warning: node worker-3:")
        .stderr_has("(ForeignObjectConflict)")
        .stderr_has(NAMED);
}

#[test]
fn an_admin_arp_at_a_gateway_blocks_that_node_and_is_left_alone() {
    let bed = Bed::start();
    bed.adc
        .load_state(&json!({"arp": [admin_arp()]}))
        .expect("load the admin's arp");
    let (w3, others) = (bed.nodes[2].clone(), bed.nodes[..2].to_vec());

    // diff: the conflict is named, worker-3 has no objects, the rest is listed (exit 1).
    let out = bed.run(&["diff", "-o", "json"]).expect(1);
    assert_warns(&out);
    let doc = out.json();
    for marker in [w3.net(), w3.mac(), w3.ip()] {
        out.stdout_lacks(&marker);
    }
    assert_eq!(
        doc["summary"],
        json!({"add": expected_adc(&others).len() + 1, "update": 0, "delete": 0}),
        "{doc:#}"
    );
    let out = bed.run(&["diff"]).expect(1);
    assert_warns(&out);
    out.stdout_lacks("10.244.3.0").stdout_lacks("worker-3");

    // --strict: the diagnostic is an error (exit 2), for diff and apply alike, nothing written.
    bed.run(&["diff", "--strict"])
        .expect(2)
        .stderr_has("worker-3")
        .stderr_has("ForeignObjectConflict");
    bed.run(&["apply", "--yes", "--strict"])
        .expect(2)
        .stderr_has("ForeignObjectConflict");
    bed.assert_no_adc_writes("--strict with a foreign conflict");

    // apply: the other nodes converge, worker-3 gets nothing, the admin's entry is untouched.
    let out = bed.run(&["apply", "--yes"]).expect(0);
    assert_warns(&out);
    out.stderr_has("0 failed");
    bed.assert_converged(&others);
    assert_admin_arp_intact(&bed);
    let dump = bed.adc.dump();
    for resource in ["route", "bridgetable"] {
        let hits: Vec<&Value> = dump[resource]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|r| r["network"] == w3.net().as_str() || r["mac"] == w3.mac().as_str())
            .collect();
        assert!(hits.is_empty(), "worker-3 got a {resource}: {hits:#?}");
    }

    // No perpetual change: a rerun writes nothing (no save either), diff finds no differences.
    bed.adc.clear_requests();
    let out = bed.run(&["apply", "--yes"]).expect(0);
    out.stdout_has("No changes");
    assert_warns(&out);
    bed.assert_no_adc_writes("second apply");
    let out = bed.run(&["diff"]).expect(0);
    assert_warns(&out);
    out.stdout_has("No changes");
    assert_admin_arp_intact(&bed);
}

/// A node whose objects are ours already and whose ARP key is then taken by an admin's entry is
/// not planned at all: its remaining objects of ours are deleted, the admin's entry stays.
#[test]
fn a_converged_node_whose_arp_key_is_taken_loses_its_other_objects() {
    let bed = Bed::start();
    bed.load_converged();
    let w3 = bed.nodes[2].clone();
    bed.admin(
        "DELETE",
        &format!("/nitro/v1/config/arp/{}", w3.net()),
        None,
    );
    bed.adc.load_state(&json!({"arp": [admin_arp()]})).unwrap();

    let out = bed.run(&["diff"]).expect(1);
    assert_warns(&out);
    out.stdout_has(&format!("- route network={}", w3.net()))
        .stdout_has(&format!("- bridgetable mac={}", w3.mac()))
        .stdout_lacks("- arp")
        .stdout_has("Summary: 1 to add, 0 to update, 2 to delete.");

    bed.run(&["apply", "--yes"]).expect(0);
    assert_admin_arp_intact(&bed);
    assert_owned_exactly(&bed.adc.dump(), &expected_adc(&bed.nodes[..2]));
}

/// A VIP at the overlay address is not ours: diff and apply stop (exit 4) before any write,
/// naming it; teardown leaves it and removes everything else of ours.
#[test]
fn a_vip_at_the_overlay_ip_stops_diff_and_apply_and_survives_teardown() {
    let bed = Bed::start();
    let vip = json!({"ipaddress": OVERLAY_IP, "netmask": "255.255.255.255", "type": "VIP"});
    bed.adc.load_state(&json!({"nsip": [vip.clone()]})).unwrap();
    let vip_intact = |bed: &Bed| {
        let nsips = bed.adc.dump()["nsip"].as_array().cloned().unwrap();
        let at: Vec<&Value> = nsips
            .iter()
            .filter(|r| r["ipaddress"] == OVERLAY_IP)
            .collect();
        assert_eq!(at.len(), 1, "{nsips:#?}");
        assert_eq!(at[0]["type"], "VIP", "{}", at[0]);
        assert_eq!(at[0]["netmask"], "255.255.255.255", "{}", at[0]);
    };

    let out = bed.run(&["diff"]).expect(4);
    out.stderr_has(OVERLAY_IP)
        .stderr_has("VIP")
        .stderr_has("overlayIp");
    assert_eq!(out.stdout, "", "no change list on a precondition error");
    bed.run(&["diff", "-o", "json"]).expect(4);

    bed.adc.clear_requests();
    let out = bed.run(&["apply", "--yes"]).expect(4);
    out.stderr_has(OVERLAY_IP).stderr_has("VIP");
    bed.assert_no_adc_writes("apply with a VIP at the overlay IP");
    assert!(
        bed.node(crate::harness::ADC_NODE).is_none(),
        "the ADC Node object was created"
    );
    vip_intact(&bed);

    // Everything else of ours (as a converged run left it) goes; the VIP stays.
    bed.load_objects(
        expected_adc(&bed.nodes)
            .into_iter()
            .filter(|(resource, _)| *resource != "nsip"),
    );
    let out = bed.run(&["teardown", "--yes"]).expect(0);
    out.stdout_lacks(OVERLAY_IP);
    vip_intact(&bed);
    // What the harness counts as this cluster's by address alone is only the VIP now.
    assert_owned_exactly(&bed.adc.dump(), &[("nsip", vip)]);
}
