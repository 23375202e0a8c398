//! `apply [PLAN]` and `teardown` end-to-end (issue 4): the real binary against a real
//! kube-apiserver (the fake one only to make a list fail on demand) and the NITRO emulator.
//! What a user sees: the ADC's objects (emulator dump), the ADC Node object in the cluster, the
//! NITRO requests sent, stdout/stderr and the exit status.

use crate::harness::{
    self, ADC_MAC, ADC_NODE, ADC_POD_CIDR, Bed, BedOptions, LEASE, RUN_DEADLINE, VTEP_IP,
    assert_owned_exactly, dump_delta, expected_adc, record_matches, resource_of,
};
use netscaler_testbed::kubeapi::KubeFault;
use netscaler_testbed::nitro::{Fault, LoggedRequest, Match};
use serde_json::{Value, json};
use std::time::Duration;

/// `(resource, attributes)` of a plan document's `adc` list.
fn plan_objects(plan: &Value) -> Vec<(String, Value)> {
    assert_eq!(plan["kind"], "Plan", "{plan:#}");
    plan["adc"]
        .as_array()
        .expect("adc list")
        .iter()
        .map(|o| {
            (
                o["resource"].as_str().expect("resource").to_string(),
                o["attributes"].clone(),
            )
        })
        .collect()
}

/// Asserts the write requests are exactly `want` — `(method, resource, query)` in this order,
/// where a group of several entries may come in any order among themselves.
fn assert_write_sequence(writes: &[LoggedRequest], want: &[&[(&str, &str)]]) {
    let have: Vec<(String, String)> = writes
        .iter()
        .map(|r| (resource_of(r), r.query.clone()))
        .collect();
    let mut i = 0;
    for group in want {
        let n = group.len();
        let mut got: Vec<(String, String)> =
            have.get(i..i + n).map(<[_]>::to_vec).unwrap_or_default();
        let mut exp: Vec<(String, String)> = group
            .iter()
            .map(|(r, q)| (r.to_string(), q.to_string()))
            .collect();
        got.sort();
        exp.sort();
        assert_eq!(
            got,
            exp,
            "write requests out of order (wanted {want:?}):\n{}",
            harness::describe(writes)
        );
        i += n;
    }
    assert_eq!(
        i,
        have.len(),
        "more write requests than expected:\n{}",
        harness::describe(writes)
    );
    assert!(
        writes.iter().all(|r| r.method == "POST"),
        "{}",
        harness::describe(writes)
    );
}

/// Every bulk write carries `X-NITRO-ONERROR: continue` and an array of `count(resource)`
/// objects; the save does not.
fn assert_bulk_bodies(writes: &[LoggedRequest], count: impl Fn(&str) -> usize) {
    for r in writes {
        let resource = resource_of(r);
        if resource == "nsconfig" {
            assert_eq!(r.query, "action=save", "{r:?}");
            continue;
        }
        assert_eq!(r.onerror.as_deref(), Some("continue"), "{r:?}");
        let items = r.body.as_ref().and_then(|b| b[&resource].as_array());
        assert_eq!(
            items.map(Vec::len),
            Some(count(&resource)),
            "one bulk request with every {resource} object: {r:?}"
        );
    }
}

fn assert_adc_node(bed: &Bed) -> Value {
    let node = bed.node(ADC_NODE).expect("the ADC Node object exists");
    let meta = &node["metadata"];
    assert_eq!(
        meta["labels"]["app.kubernetes.io/managed-by"],
        "kubectl-netscaler"
    );
    assert_eq!(
        meta["labels"]["kubectl-netscaler.io/cluster"],
        harness::CLUSTER
    );
    let ann = &meta["annotations"];
    assert_eq!(ann["flannel.alpha.coreos.com/backend-type"], "vxlan");
    assert_eq!(ann["flannel.alpha.coreos.com/kube-subnet-manager"], "true");
    assert_eq!(ann["flannel.alpha.coreos.com/public-ip"], VTEP_IP);
    assert_eq!(ann["flannel.alpha.coreos.com/public-ip-overwrite"], VTEP_IP);
    let backend: Value = serde_json::from_str(
        ann["flannel.alpha.coreos.com/backend-data"]
            .as_str()
            .expect("backend-data"),
    )
    .expect("backend-data is JSON");
    assert_eq!(
        backend,
        json!({"VNI": 1, "VtepMAC": ADC_MAC}),
        "discovered VtepMAC"
    );
    let spec = &node["spec"];
    assert_eq!(spec["podCIDR"], ADC_POD_CIDR);
    assert_eq!(spec["unschedulable"], true);
    let taints: Vec<(String, String)> = spec["taints"]
        .as_array()
        .expect("taints")
        .iter()
        .map(|t| {
            (
                t["key"].as_str().unwrap().to_string(),
                t["effect"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for want in [
        ("node.kubernetes.io/unschedulable", "NoSchedule"),
        ("kubectl-netscaler.io/adc", "NoExecute"),
    ] {
        assert!(
            taints.contains(&(want.0.to_string(), want.1.to_string())),
            "taint {want:?} missing: {taints:?}"
        );
    }
    node
}

#[test]
fn apply_converges_an_empty_adc_and_a_second_apply_writes_nothing() {
    let bed = Bed::start();
    let planned = plan_objects(&bed.plan());
    let start = bed.state();

    bed.run(&["apply", "--yes"])
        .expect(0)
        .stdout_has("Summary: 13 to add, 0 to update, 0 to delete.");

    // The ADC holds exactly the planned objects, which are exactly what SPEC §2.1 asks for.
    let dump = bed.adc.dump();
    bed.assert_converged(&bed.nodes);
    let want: Vec<(&str, Value)> = planned
        .iter()
        .map(|(r, a)| (r.as_str(), a.clone()))
        .collect();
    assert_owned_exactly(&dump, &want);
    // Nothing else changed: the only other new record is the overlay SNIP's connected route.
    let (added, removed) = dump_delta(&start, &bed.state());
    assert!(removed.is_empty(), "apply removed {removed:#?}");
    let others: Vec<_> = added
        .iter()
        .filter(|(r, rec)| !harness::owned(&dump).contains(&(r.clone(), rec.clone())))
        .filter(|(r, rec)| !(r == "route" && rec["direct"] == true))
        .collect();
    assert!(
        others.is_empty(),
        "apply added foreign records: {others:#?}"
    );

    let node = assert_adc_node(&bed);

    // One bulk request per (kind, op) in dependency order, then one save.
    let writes = bed.writes();
    assert_write_sequence(
        &writes,
        &[
            &[("vxlan", "")],
            &[("vxlan_srcip_binding", "")],
            &[("nsip", "")],
            &[("route", "")],
            &[("arp", ""), ("bridgetable", "")],
            &[("nsconfig", "action=save")],
        ],
    );
    assert_bulk_bodies(&writes, |r| match r {
        "route" | "arp" | "bridgetable" => 3,
        _ => 1,
    });

    // A second apply finds nothing to do: only reads, no save, the Node object untouched.
    bed.adc.clear_requests();
    bed.run(&["apply", "--yes"])
        .expect(0)
        .stdout_has("No changes");
    bed.assert_no_adc_writes("second apply");
    let log = bed.adc.requests();
    assert!(
        log.iter().all(|r| r.method == "GET"
            || r.path.ends_with("/config/login")
            || r.path.ends_with("/config/logout")),
        "{}",
        harness::describe(&log)
    );
    let again = bed.node(ADC_NODE).unwrap();
    assert_eq!(
        again["metadata"]["resourceVersion"], node["metadata"]["resourceVersion"],
        "the Node object was rewritten"
    );
}

#[test]
fn apply_repairs_drift() {
    let bed = Bed::start();
    bed.run(&["apply", "--yes"]).expect(0);
    let converged = bed.state();
    let stale = bed.drift();
    assert_ne!(bed.state(), converged);

    let out = bed.run(&["apply", "--yes"]).expect(0);
    out.stdout_has("Summary: 1 to add, 1 to update, 3 to delete.")
        .stdout_has(&format!("- route network={}", stale.net()));
    pretty_assertions::assert_eq!(
        bed.state(),
        converged,
        "apply brings the ADC back to exactly the converged state"
    );
    bed.run(&["diff"]).expect(0);
}

#[test]
fn a_deleted_node_loses_its_entries_and_nothing_else() {
    let bed = Bed::start();
    bed.run(&["apply", "--yes"]).expect(0);
    let before = bed.state();
    let gone = bed.nodes[2].clone();
    bed.kubectl(&["delete", "node", &gone.name()]);
    bed.adc.clear_requests();

    let out = bed.run(&["apply", "--yes"]).expect(0);
    out.stdout_has("Summary: 0 to add, 0 to update, 3 to delete.")
        .stdout_lacks("netscaler-e2e");

    let (added, removed) = dump_delta(&before, &bed.state());
    assert!(added.is_empty(), "apply added {added:#?}");
    assert_eq!(
        removed.len(),
        3,
        "exactly the node's 3 entries go: {removed:#?}"
    );
    for (resource, attrs) in gone.expected_adc() {
        assert!(
            removed
                .iter()
                .any(|(r, rec)| r == resource && record_matches(rec, &attrs)),
            "{resource} {attrs} was not removed: {removed:#?}"
        );
    }
    bed.assert_converged(&bed.nodes[..2]);
    // Deletes run in reverse create order.
    assert_write_sequence(
        &bed.writes(),
        &[
            &[("arp", "action=rm"), ("bridgetable", "action=rm")],
            &[("route", "action=rm")],
            &[("nsconfig", "action=save")],
        ],
    );
    assert_adc_node(&bed);
}

#[test]
fn foreign_objects_survive_apply_and_teardown() {
    let bed = Bed::start();
    bed.adc
        .load_state(&harness::foreign_adc_state())
        .expect("load foreign objects");
    let start = bed.state();

    bed.run(&["apply", "--yes"]).expect(0);
    let (_, removed) = dump_delta(&start, &bed.state());
    assert!(
        removed.is_empty(),
        "apply touched foreign objects: {removed:#?}"
    );
    bed.assert_converged(&bed.nodes);
    assert_adc_node(&bed);

    bed.adc.clear_requests();
    let out = bed.run(&["teardown", "--yes"]).expect(0);
    out.stdout_has("Summary: 0 to add, 0 to update, 13 to delete.")
        .stdout_lacks("198.51.100.")
        .stdout_lacks("id=2");
    pretty_assertions::assert_eq!(
        bed.state(),
        start,
        "teardown leaves exactly the starting state"
    );
    assert!(
        bed.node(ADC_NODE).is_none(),
        "teardown removes the Node object"
    );
    // Reverse order: arp/bridgetable, routes, overlay SNIP, srcip binding, vxlan; one save.
    let writes = bed.writes();
    assert_write_sequence(
        &writes,
        &[
            &[("arp", "action=rm"), ("bridgetable", "action=rm")],
            &[("route", "action=rm")],
            &[("nsip", "action=rm")],
            &[("vxlan_srcip_binding", "action=unbind")],
            &[("vxlan", "action=rm")],
            &[("nsconfig", "action=save")],
        ],
    );
    assert_bulk_bodies(&writes, |r| match r {
        "route" | "arp" | "bridgetable" => 3,
        _ => 1,
    });
    // The worker nodes are not ours: they stay.
    let names = bed.node_names();
    for n in &bed.nodes {
        assert!(names.contains(&n.name()), "{names:?}");
    }
    // A second teardown has nothing to do.
    bed.run(&["teardown", "--yes"])
        .expect(0)
        .stdout_has("No changes");
}

#[test]
fn dry_run_writes_nothing() {
    let bed = Bed::start();
    let start = bed.state();
    bed.run(&["apply", "--dry-run"])
        .expect(0)
        .stdout_has("+ route network=10.244.1.0")
        .stdout_has("+ node netscaler-e2e")
        .stdout_has("Summary: 13 to add, 0 to update, 0 to delete.");
    bed.assert_no_adc_writes("apply --dry-run");
    assert_eq!(bed.state(), start);
    assert!(
        bed.node(ADC_NODE).is_none(),
        "apply --dry-run created the Node"
    );
    assert!(bed.lease().is_none(), "apply --dry-run took the lock");

    bed.run(&["apply", "--yes"]).expect(0);
    let converged = bed.state();
    bed.adc.clear_requests();
    bed.run(&["teardown", "--dry-run"])
        .expect(0)
        .stdout_has("- vxlan id=1")
        .stdout_has("- node netscaler-e2e")
        .stdout_has("Summary: 0 to add, 0 to update, 13 to delete.");
    bed.assert_no_adc_writes("teardown --dry-run");
    assert_eq!(bed.state(), converged);
    assert!(
        bed.node(ADC_NODE).is_some(),
        "teardown --dry-run removed the Node"
    );
}

#[test]
fn session_expiry_and_503_mid_bulk_still_converge() {
    let bed = Bed::start();
    let post = |path: &str| Match {
        method: Some("POST".into()),
        path_contains: Some(path.into()),
    };
    bed.adc.inject(Fault::ExpireSession {
        on: post("/config/route"),
        times: 1,
    });
    bed.adc.inject(Fault::Status503 {
        on: post("/config/arp"),
        times: 1,
    });
    let first = bed.run(&["apply", "--yes"]).run();
    let log = bed.adc.requests();
    for (path, status) in [("/config/route", 401), ("/config/arp", 503)] {
        assert!(
            log.iter()
                .any(|r| r.method == "POST" && r.path.ends_with(path) && r.status == status),
            "the injected {status} on POST {path} did not fire:\n{}",
            harness::describe(&log)
        );
    }
    match first.status {
        0 => {}
        5 => {
            first.stderr_has("rerun");
            bed.run(&["apply", "--yes"]).expect(0);
        }
        _ => {
            first.status(0);
        }
    }
    bed.assert_converged(&bed.nodes);
    assert_adc_node(&bed);
    bed.run(&["diff"]).expect(0);
}

#[test]
fn a_failing_bulk_item_is_reported_and_a_rerun_converges() {
    let bed = Bed::start();
    let bad = bed.nodes[1].clone();
    bed.adc.inject(Fault::FailItem {
        resource: "route".into(),
        field: "network".into(),
        value: bad.net(),
        errorcode: 604,
        message: "The gateway is not directly reachable".into(),
    });

    let out = bed.run(&["apply", "--yes"]).expect(5);
    let failed: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.contains("failed:"))
        .collect();
    assert_eq!(
        failed.len(),
        1,
        "one line per failed operation:\n{}",
        out.stderr
    );
    for part in [
        &format!("route network={}", bad.net()),
        "604",
        "The gateway is not directly reachable",
    ] {
        assert!(
            failed[0].contains(part),
            "{part:?} missing in {:?}",
            failed[0]
        );
    }
    // Everything else was applied, including the rest of the route bulk.
    let mut want = expected_adc(&bed.nodes);
    want.retain(|(r, a)| !(*r == "route" && a["network"] == bad.net()));
    assert_owned_exactly(&bed.adc.dump(), &want);
    assert_adc_node(&bed);

    bed.adc.clear_faults();
    bed.run(&["apply", "--yes"])
        .expect(0)
        .stdout_has(&format!("+ route network={}", bad.net()))
        .stdout_has("Summary: 1 to add, 0 to update, 0 to delete.");
    bed.assert_converged(&bed.nodes);
}

/// Starts `apply --yes` with the POST of `slow` held back by the emulator, and returns it once
/// the POST of `done_before` has been answered (so it is in the middle of the run).
fn apply_stuck_at(bed: &Bed, done_before: &str, slow: &str) -> std::process::Child {
    bed.adc.inject(Fault::Slow {
        on: Match {
            method: Some("POST".into()),
            path_contains: Some(format!("/config/{slow}")),
        },
        times: 1,
        delay: Duration::from_secs(8),
    });
    bed.adc.clear_requests();
    let mut child = bed.spawn(&["apply", "--yes"], &[]);
    let suffix = format!("/config/{done_before}");
    harness::wait_until(&format!("the {done_before} bulk"), RUN_DEADLINE, || {
        bed.adc
            .requests()
            .iter()
            .any(|r| r.method == "POST" && r.path.ends_with(&suffix) && r.status == 201)
    });
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        child.try_wait().unwrap().is_none(),
        "apply ended before it could be interrupted"
    );
    child
}

#[test]
fn an_interrupted_apply_reruns_to_convergence_without_duplicates() {
    let bed = Bed::start();

    // Ctrl-C while the route bulk is under way: exit 130, the lock is released.
    let child = apply_stuck_at(&bed, "nsip", "route");
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let (status, _, err) = harness::wait_with_deadline(child, Duration::from_secs(20));
    assert_eq!(status.code(), Some(130), "{err}");
    assert!(bed.lease().is_none(), "Ctrl-C left the lock behind");
    assert!(bed.node(ADC_NODE).is_none());

    // A crash (SIGKILL) while the arp bulk is under way leaves a fresh lock behind: an
    // immediate rerun waits for it to expire, takes it over and converges, with no manual
    // retry, without duplicates and without repeating what the interrupted runs completed
    // (vxlan, srcip binding, overlay SNIP, routes).
    let mut child = apply_stuck_at(&bed, "route", "arp");
    let pid = child.id();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        bed.node(ADC_NODE).is_none(),
        "the killed run got to the Node object"
    );
    let lease = bed.lease().expect("the killed run left its lock behind");
    let dead = lease["spec"]["holderIdentity"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(dead.contains(&format!("pid-{pid}")), "{lease:#}");
    bed.run(&["apply", "--yes"])
        .expect(0)
        .stderr_has(&format!("the lock kube-system/{LEASE} is held by {dead}"))
        .stderr_has("stopped renewing")
        .stderr_has(&format!(
            "took over the lock kube-system/{LEASE} from {dead}"
        ))
        .stdout_lacks("+ vxlan")
        .stdout_lacks("+ nsip")
        .stdout_lacks("+ route")
        .stdout_has("+ node netscaler-e2e");
    bed.assert_converged(&bed.nodes);
    assert_adc_node(&bed);
    assert!(bed.lease().is_none(), "the rerun released the lock");
    bed.run(&["diff"]).expect(0);
}

#[test]
fn a_mass_delete_is_refused_unless_allowed() {
    let bed = Bed::with(BedOptions {
        nodes: 4,
        ..BedOptions::default()
    });
    bed.run(&["apply", "--yes"]).expect(0);
    let converged = bed.state();
    bed.kubectl(&["delete", "node", "worker-2", "worker-3", "worker-4"]);
    bed.adc.clear_requests();

    // 9 of the 15 managed objects would go (60% > 50%).
    bed.run(&["apply", "--yes"])
        .expect(6)
        .stderr_has("maxDeletePercent")
        .stderr_has("--allow-mass-delete");
    bed.assert_no_adc_writes("refused mass delete");
    assert_eq!(bed.state(), converged, "nothing was deleted");

    bed.run(&["apply", "--yes", "--allow-mass-delete"])
        .expect(0)
        .stdout_has("Summary: 0 to add, 0 to update, 9 to delete.");
    bed.assert_converged(&bed.nodes[..1]);
}

#[test]
fn a_stale_plan_is_refused_naming_the_node() {
    let bed = Bed::start();
    let dir = bed.dir.path();
    let p1 = dir.join("p1.json");
    let p1s = p1.display().to_string();
    bed.run(&["plan", "--out", &p1s]).expect(0);
    bed.run(&["apply", &p1s, "--yes"]).expect(0);
    bed.assert_converged(&bed.nodes);
    assert_adc_node(&bed);

    let p2 = dir.join("p2.json").display().to_string();
    bed.run(&["plan", "--out", &p2]).expect(0);
    let moved = &bed.nodes[1];
    bed.kubectl(&[
        "annotate",
        "--overwrite",
        "node",
        &moved.name(),
        r#"flannel.alpha.coreos.com/backend-data={"VNI":1,"VtepMAC":"0a:58:0a:f4:02:aa"}"#,
    ]);
    let converged = bed.state();
    bed.adc.clear_requests();
    bed.run(&["apply", &p2, "--yes"])
        .expect(6)
        .stderr_has("stale")
        .stderr_has(&moved.name());
    bed.assert_no_adc_writes("stale plan");
    assert_eq!(bed.state(), converged);
}

/// The ADC's own Node object is not a plan input: a plan written before the first apply is
/// still current after `apply` created that Node.
#[test]
fn a_plan_written_before_the_first_apply_is_not_stale_after_it() {
    let bed = Bed::start();
    let plan = bed.dir.path().join("before.json").display().to_string();
    bed.run(&["plan", "--out", &plan]).expect(0);
    bed.run(&["apply", "--yes"]).expect(0);
    assert_adc_node(&bed);
    bed.adc.clear_requests();
    bed.run(&["apply", &plan, "--yes"]).expect(0);
    bed.assert_no_adc_writes("a converged ADC and a current plan");
}

/// A Lease held by `holder`, renewed `renew_offset` seconds from now, valid `duration` s.
fn foreign_lease(holder: &str, renew_offset: i64, duration: i32) -> String {
    json!({
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {"name": LEASE, "namespace": "kube-system"},
        "spec": {
            "holderIdentity": holder,
            "leaseDurationSeconds": duration,
            "acquireTime": harness::micro_time(renew_offset),
            "renewTime": harness::micro_time(renew_offset),
        },
    })
    .to_string()
}

/// Another writer that keeps renewing the Lease (as a live holder does) until dropped.
struct LiveHolder {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<usize>>,
}

impl LiveHolder {
    fn start(bed: &Bed) -> LiveHolder {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let kubeconfig = bed.kubeconfig.clone();
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut renewals = 0;
            while !flag.load(std::sync::atomic::Ordering::SeqCst) {
                let now = k8s_openapi::jiff::Timestamp::now()
                    .strftime("%Y-%m-%dT%H:%M:%S%.6fZ")
                    .to_string();
                let ok = std::process::Command::new(netscaler_testbed::realapi::kubectl_bin())
                    .arg("--kubeconfig")
                    .arg(&kubeconfig)
                    .args([
                        "-n",
                        "kube-system",
                        "patch",
                        "lease",
                        LEASE,
                        "--type",
                        "merge",
                    ])
                    .arg("-p")
                    .arg(json!({"spec": {"renewTime": now}}).to_string())
                    .output()
                    .expect("run kubectl")
                    .status
                    .success();
                renewals += usize::from(ok);
                std::thread::sleep(Duration::from_millis(700));
            }
            renewals
        });
        LiveHolder {
            stop,
            thread: Some(thread),
        }
    }

    /// Stops renewing; returns how many renewals succeeded.
    fn stop(mut self) -> usize {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        self.thread.take().unwrap().join().unwrap()
    }
}

impl Drop for LiveHolder {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

#[test]
fn a_live_lock_refuses_and_an_expired_one_is_taken_over() {
    let bed = Bed::start();
    let holder = "ops-laptop/pid-4242/c0ffee";
    // Another version's duration (30 s, not ours): the message states the holder's own.
    bed.real().apply(&foreign_lease(holder, 0, 30)).unwrap();
    let live = LiveHolder::start(&bed);

    for args in [&["apply", "--yes"][..], &["teardown", "--yes"][..]] {
        bed.run(args)
            .expect(6)
            .stderr_has(&format!("the lock kube-system/{LEASE} is held by {holder}"))
            .stderr_has("renewing it (lease 30 s)")
            .stderr_lacks("took over");
    }
    assert!(live.stop() > 0, "the test's holder never renewed");
    bed.assert_no_adc_writes("lock held by another writer");
    assert!(bed.node(ADC_NODE).is_none());
    assert_eq!(
        bed.lease().expect("lease")["spec"]["holderIdentity"],
        holder,
        "a refused run leaves the other writer's lock alone"
    );

    // A Lease whose holder stopped renewing long ago is taken over at once.
    bed.real().apply(&foreign_lease(holder, -600, 30)).unwrap();
    bed.run(&["apply", "--yes"])
        .expect(0)
        .stderr_has(&format!(
            "took over the lock kube-system/{LEASE} from {holder}"
        ))
        .stderr_lacks("waiting");
    bed.assert_converged(&bed.nodes);
    assert_adc_node(&bed);
    assert!(bed.lease().is_none(), "the run released the lock");
}

#[test]
fn a_crashed_holders_lock_is_waited_out_and_taken_over() {
    let bed = Bed::start();
    let holder = "ci-runner-7/pid-31337/deadbeef";
    // Renewed just now, never again (its holder crashed), with its own 6 s duration.
    bed.real().apply(&foreign_lease(holder, 0, 6)).unwrap();

    let out = bed.run(&["apply", "--yes"]).expect(0);
    out.stderr_has(&format!("the lock kube-system/{LEASE} is held by {holder}"))
        .stderr_has("stopped renewing it")
        .stderr_has("lease to expire")
        .stderr_has(&format!(
            "took over the lock kube-system/{LEASE} from {holder}"
        ))
        .stdout_has("Summary: 13 to add, 0 to update, 0 to delete.");
    let waiting = out
        .stderr
        .lines()
        .find(|l| l.contains("stopped renewing it"))
        .unwrap();
    assert!(
        waiting.contains("waiting ") && waiting.contains("for its 6 s lease"),
        "the message says how long it waits, for the Lease's own duration: {waiting}"
    );
    bed.assert_converged(&bed.nodes);
    assert_adc_node(&bed);
    assert!(bed.lease().is_none(), "the run released the lock");
}

#[test]
fn without_a_terminal_a_missing_yes_is_an_error_not_a_hang() {
    let bed = Bed::start();
    for (args, env) in [
        (&["apply"][..], &[][..]),
        (&["apply"][..], &[("CI", "1")][..]),
        (&["teardown"][..], &[][..]),
    ] {
        let child = bed.spawn(args, env);
        let (status, _out, err) = harness::wait_with_deadline(child, Duration::from_secs(30));
        assert_eq!(status.code(), Some(6), "{args:?} {env:?}: {err}");
        assert!(err.contains("--yes"), "{args:?} {env:?}: {err}");
        if !env.is_empty() {
            assert!(err.contains("CI"), "{err}");
        }
    }
    bed.assert_no_adc_writes("no --yes");
    assert!(bed.node(ADC_NODE).is_none());
}

#[test]
fn an_ha_secondary_is_refused_naming_the_primary() {
    let bed = Bed::start();
    bed.adc.set_ha_secondary(true);
    for args in [
        &["apply", "--yes"][..],
        &["apply", "--yes", "--vtep-mac", "00:00:5e:00:01:0a"][..],
        &["teardown", "--yes"][..],
    ] {
        bed.run(args)
            .expect(6)
            .stderr_has("secondary")
            .stderr_has("192.0.2.6");
    }
    bed.assert_no_adc_writes("HA secondary");
    assert!(bed.node(ADC_NODE).is_none());
}

/// Fail closed (SPEC §4): when the node list cannot be read, nothing is deleted. A real API
/// server cannot be made to answer 500 on demand, so this one runs against the fake.
#[test]
fn a_failing_node_list_deletes_nothing() {
    let bed = Bed::with(BedOptions {
        fake_kube: true,
        ..BedOptions::default()
    });
    // A converged ADC and ADC Node object, set up directly (the fake serves no
    // SelfSubjectAccessReview, which a writing apply asks first).
    bed.load_converged();
    let mut node = harness::adc_node_manifest();
    node["metadata"]["annotations"]["kubectl-netscaler.io/scope"] = json!(
        json!({"mode": "vxlan", "clusterCidr": harness::CLUSTER_CIDR, "vni": 1, "overlayIp": harness::OVERLAY_IP,
               "services": {"marker": format!("managed-by=kubectl-netscaler cluster={}", harness::CLUSTER)}})
            .to_string()
    );
    bed.fake().apply(node).expect("load the ADC Node object");
    bed.run(&["diff"]).expect(0).stdout_has("No changes");
    bed.assert_converged(&bed.nodes);
    let converged = bed.state();
    bed.adc.clear_requests();

    bed.fake().inject(KubeFault::Status {
        code: 500,
        // The list only (`?limit=`): reading the ADC Node object by name still works.
        path_contains: "/api/v1/nodes?".into(),
        times: 100,
    });
    for args in [&["apply", "--yes"][..], &["diff"][..]] {
        bed.run(args).expect(3).stderr_has("nodes");
    }
    bed.assert_no_adc_writes("failed node list");
    assert_eq!(bed.state(), converged, "nothing was deleted");
    assert!(bed.node(ADC_NODE).is_some(), "the Node object was kept");
}

/// The product with only the ADC connection (kubeconfig, URL, password): no settings file.
fn adc_connection_only(bed: &Bed, args: &[&str]) -> crate::support::Run {
    crate::support::netscaler(args)
        .args([
            "--kubeconfig",
            &bed.kubeconfig.display().to_string(),
            "--adc-url",
            &bed.adc.url(),
        ])
        .env("NETSCALER_PASSWORD", harness::PASSWORD)
}

fn backend_data(bed: &Bed) -> Value {
    let node = bed.node(ADC_NODE).expect("the ADC Node object");
    serde_json::from_str(
        node["metadata"]["annotations"]["flannel.alpha.coreos.com/backend-data"]
            .as_str()
            .expect("backend-data"),
    )
    .expect("backend-data is JSON")
}

/// A plan file carries the settings it was made with: `apply PLAN` needs only the ADC
/// connection, and resolves `vtepMac: auto` from the ADC as `apply` does.
#[test]
fn a_plan_file_applies_with_only_the_adc_connection_and_the_discovered_mac() {
    let bed = Bed::start();
    let plan = bed.dir.path().join("p.json").display().to_string();
    bed.run(&["plan", "--out", &plan])
        .expect(0)
        .stderr_has(&format!("kubectl netscaler apply {plan}"));
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&plan).unwrap()).unwrap();
    assert_eq!(
        doc["cluster_objects"][0]["metadata"]["annotations"]["flannel.alpha.coreos.com/backend-data"],
        r#"{"VNI":1,"VtepMAC":null}"#,
        "plan does not contact the ADC"
    );
    assert_eq!(doc["settings"]["vtepIp"], VTEP_IP);
    assert!(
        !std::fs::read_to_string(&plan)
            .unwrap()
            .contains(harness::PASSWORD),
        "no password in the plan file"
    );

    adc_connection_only(&bed, &["apply", &plan, "--yes"]).expect(0);
    bed.assert_converged(&bed.nodes);
    assert_adc_node(&bed);
    assert_eq!(backend_data(&bed), json!({"VNI": 1, "VtepMAC": ADC_MAC}));

    // A Node whose VtepMAC was lost: --dry-run shows the value before and after, and the
    // plan puts the discovered MAC back.
    bed.kubectl(&[
        "annotate",
        "--overwrite",
        "node",
        ADC_NODE,
        r#"flannel.alpha.coreos.com/backend-data={"VNI":1,"VtepMAC":null}"#,
    ]);
    adc_connection_only(&bed, &["apply", &plan, "--dry-run"])
        .expect(0)
        .stdout_has(&format!(
            r#"~ node {ADC_NODE}: metadata.annotations.flannel.alpha.coreos.com/backend-data {{"VNI":1,"VtepMAC":null}} -> {{"VNI":1,"VtepMAC":"{ADC_MAC}"}}"#
        ));
    assert_eq!(backend_data(&bed), json!({"VNI": 1, "VtepMAC": null}));
    adc_connection_only(&bed, &["apply", &plan, "--yes"]).expect(0);
    assert_eq!(backend_data(&bed), json!({"VNI": 1, "VtepMAC": ADC_MAC}));
}

/// A setting that contradicts the plan file is refused before anything is contacted,
/// naming both values; settings that agree (the same settings file) are fine.
#[test]
fn a_setting_that_contradicts_the_plan_file_is_refused_naming_both_values() {
    let bed = Bed::start();
    let plan = bed.dir.path().join("p.json").display().to_string();
    bed.run(&["plan", "--out", &plan]).expect(0);
    for (args, want) in [
        (
            &["--vtep-mac", "02:00:5e:00:09:09"][..],
            "vtepMac (--vtep-mac) is 02:00:5e:00:09:09 here but auto in the plan",
        ),
        (
            &["--vxlan-id", "2"][..],
            "vxlan.id (--vxlan-id) is 2 here but unset in the plan",
        ),
        (
            &["--adc-pod-cidr", "10.244.253.0/24"][..],
            "adcPodCidr (--adc-pod-cidr) is 10.244.253.0/24 here but 10.244.254.0/24 in the plan",
        ),
    ] {
        let mut all = vec!["apply", plan.as_str(), "--yes"];
        all.extend_from_slice(args);
        bed.run(&all).expect(2).stderr_has(want);
    }
    assert!(bed.adc.requests().is_empty(), "the ADC was not contacted");
    assert!(bed.node(ADC_NODE).is_none());
    bed.run(&["apply", &plan, "--yes"]).expect(0);
    bed.assert_converged(&bed.nodes);
}

/// Only what shaped the plan is an input: the readiness of a node the selector skipped, and
/// of any node under `notReady: keep`, does not stale a plan.
#[test]
fn readiness_of_a_node_the_plan_skipped_does_not_stale_it() {
    let bed = Bed::with(BedOptions {
        settings_extra: "nodeSelector: \"kubernetes.io/hostname notin (worker-3)\"\n".into(),
        ..BedOptions::default()
    });
    let plan = bed.dir.path().join("p.json").display().to_string();
    bed.run(&["plan", "--out", &plan]).expect(0);
    for n in [&bed.nodes[2], &bed.nodes[0]] {
        let mut status = n.status();
        status["conditions"][0]["status"] = json!("False");
        status["conditions"][0]["reason"] = json!("KubeletNotReady");
        bed.real()
            .set_node_status(&n.name(), status)
            .expect("set node status");
    }
    adc_connection_only(&bed, &["apply", &plan, "--yes"]).expect(0);
    bed.assert_converged(&bed.nodes[..2]);
    // A change to a planned node still stales it.
    bed.kubectl(&[
        "annotate",
        "--overwrite",
        "node",
        "worker-2",
        r#"flannel.alpha.coreos.com/backend-data={"VNI":1,"VtepMAC":"0a:58:0a:f4:02:aa"}"#,
    ]);
    adc_connection_only(&bed, &["apply", &plan, "--yes"])
        .expect(6)
        .stderr_has("stale")
        .stderr_has("worker-2");
}

/// The overlay addresses (SNIPs inside the cluster CIDR) on the ADC.
fn overlay_snips(bed: &Bed) -> Vec<String> {
    bed.adc.dump()["nsip"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["ipaddress"].as_str())
        .filter(|ip| ip.starts_with("10.244."))
        .map(str::to_string)
        .collect()
}

/// A moved scope (another adcPodCidr, so another overlay IP): the recorded one is read too, so
/// apply replaces the old overlay SNIP instead of leaving it behind, and teardown without
/// settings then removes the new scope.
#[test]
fn apply_with_a_moved_overlay_removes_the_recorded_one() {
    let bed = Bed::start();
    let before = bed.state();
    bed.run(&["apply", "--yes"]).expect(0);
    assert_eq!(overlay_snips(&bed), [harness::OVERLAY_IP]);
    bed.run(&["diff", "--adc-pod-cidr", "10.244.253.0/24"])
        .expect(1)
        .stdout_has(&format!("- nsip ipaddress={}", harness::OVERLAY_IP))
        .stdout_has("+ nsip ipaddress=10.244.253.1");
    bed.run(&["apply", "--yes", "--adc-pod-cidr", "10.244.253.0/24"])
        .expect(0);
    assert_eq!(overlay_snips(&bed), ["10.244.253.1"]);
    bed.run(&["diff", "--adc-pod-cidr", "10.244.253.0/24"])
        .expect(0);
    adc_connection_only(
        &bed,
        &["teardown", "--yes", "--cluster-name", harness::CLUSTER],
    )
    .expect(0);
    assert_eq!(bed.state(), before, "nothing of either scope is left");
}
