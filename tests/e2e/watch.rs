//! `watch`: the real binary as a foreground controller against the real kube-apiserver and the
//! NITRO emulator (the loopback fake API server only for what a real one cannot do on demand:
//! dropped watch streams, 410 on relist). Every wait polls an outcome with a generous deadline;
//! no assertion is on timing.

use crate::harness::{
    Bed, BedOptions, CLUSTER, LEASE, NodeSpec, assert_owned_exactly, describe, expected_adc,
    resource_of, writes,
};
use netscaler_testbed::kubeapi::KubeFault;
use netscaler_testbed::nitro::{Fault, Match};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::Child;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a test waits for an outcome before it fails.
const DEADLINE: Duration = Duration::from_secs(60);

/// A running `watch`, its stderr collected line by line.
struct Watch {
    child: Mutex<Child>,
    log: Arc<Mutex<Vec<String>>>,
    metrics: Option<String>,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Watch {
    /// `watch` with a short debounce and resync, and the metrics endpoint on a free port.
    fn start(bed: &Bed, extra: &[&str]) -> Watch {
        let port = free_port();
        let addr = format!("127.0.0.1:{port}");
        let mut args = vec![
            "watch",
            "--debounce",
            "200ms",
            "--metrics-addr",
            addr.as_str(),
        ];
        args.extend_from_slice(extra);
        let mut child = bed.spawn(
            &args,
            &[("KUBECTL_NETSCALER_LOG", "kubectl_netscaler=debug")],
        );
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        Watch {
            child: Mutex::new(child),
            log,
            metrics: Some(format!("http://{addr}")),
        }
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    fn log_lines(&self) -> usize {
        self.log.lock().unwrap().len()
    }

    /// Waits until `cond` holds, failing with the watch's log after [`DEADLINE`].
    fn wait(&self, what: &str, mut cond: impl FnMut() -> bool) {
        let start = Instant::now();
        while !cond() {
            if let Ok(Some(status)) = self.child.lock().unwrap().try_wait() {
                panic!(
                    "watch exited ({status}) while waiting for {what}:\n{}",
                    self.log()
                );
            }
            assert!(
                start.elapsed() < DEADLINE,
                "timed out waiting for {what}; watch log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn wait_log(&self, what: &str, needle: &str) {
        let log = self.log.clone();
        self.wait(what, || {
            log.lock().unwrap().iter().any(|l| l.contains(needle))
        });
    }

    fn get(&self, path: &str) -> Option<(u16, String)> {
        let url = format!("{}{path}", self.metrics.as_ref()?);
        let out = std::process::Command::new("curl")
            .args(["-s", "-o", "-", "-w", "\n%{http_code}", &url])
            .output()
            .ok()?;
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        let (body, code) = text.rsplit_once('\n')?;
        Some((code.trim().parse().ok()?, body.to_string()))
    }

    fn ready(&self) -> Option<u16> {
        self.get("/readyz").map(|(c, _)| c)
    }

    /// SIGTERM, then the exit status (within the deadline).
    fn stop(self) -> (i32, String) {
        let pid = self.child.lock().unwrap().id().to_string();
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap();
        let start = Instant::now();
        let status = loop {
            if let Some(s) = self.child.lock().unwrap().try_wait().unwrap() {
                break s;
            }
            assert!(start.elapsed() < DEADLINE, "watch did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        };
        std::thread::sleep(Duration::from_millis(200));
        (status.code().unwrap_or(-1), self.log())
    }

    fn kill9(self) {
        let mut child = self.child.lock().unwrap();
        let _ = child.kill();
        let _ = child.wait();
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let child = self.child.get_mut().unwrap();
        let _ = child.kill();
        let _ = child.wait();
    }
}

fn converged(bed: &Bed, nodes: &[NodeSpec]) -> bool {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        assert_owned_exactly(&bed.adc.dump(), &expected_adc(nodes))
    }))
    .is_ok()
}

fn add_node(bed: &Bed, n: &NodeSpec) {
    bed.real()
        .apply(&n.manifest().to_string())
        .expect("create node");
    bed.real()
        .set_node_status(&n.name(), n.status())
        .expect("node status");
}

/// Reconciles logged as having changed something.
fn reconciles(log: &str) -> usize {
    log.lines().filter(|l| l.contains("reconciled:")).count()
}

/// Silences the panic hook's output for the polls that are expected to fail.
fn quiet<T>(f: impl FnOnce() -> T) -> T {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let out = f();
    std::panic::set_hook(hook);
    out
}

#[test]
fn keeps_the_adc_converged_through_node_churn_with_three_requests_per_node_event() {
    let bed = Bed::start();
    // A brake tight enough that losing one of the three nodes (3 of 12 objects) trips it.
    let w = Watch::start(
        &bed,
        &["--resync-interval", "10m", "--max-delete-percent", "20"],
    );
    let nodes = bed.nodes.clone();
    w.wait("the first converge", || quiet(|| converged(&bed, &nodes)));
    w.wait("the ADC Node", || {
        bed.node(&format!("netscaler-{CLUSTER}")).is_some()
    });
    w.wait("ready", || w_ready(&w));

    // The configuration is saved after the changes (configchanged cleared).
    w.wait("the ADC configuration saved", || {
        bed.adc.dump()["nsconfig"]["configchanged"] == json!(false)
    });

    // A node joins: its route, arp and bridgetable entry, in at most 3 requests, no reads.
    w.wait_log("the first converge logged", "reconciled:");
    std::thread::sleep(Duration::from_millis(500));
    bed.adc.clear_requests();
    let joined = NodeSpec { index: 4 };
    add_node(&bed, &joined);
    let mut all = nodes.clone();
    all.push(joined.clone());
    w.wait("worker-4 configured", || quiet(|| converged(&bed, &all)));
    std::thread::sleep(Duration::from_millis(500));
    let log = bed.adc.requests();
    let nitro: Vec<_> = log
        .iter()
        .filter(|r| !r.path.ends_with("/login") && !r.path.ends_with("/logout"))
        .cloned()
        .collect();
    assert!(
        nitro.len() <= 3,
        "a node join took more than 3 NITRO requests:\n{}",
        describe(&nitro)
    );
    assert!(
        nitro.iter().all(|r| r.method != "GET"),
        "a node join read the ADC:\n{}",
        describe(&nitro)
    );

    // Its VtepMAC changes: arp and bridgetable are replaced (delete + add), at most 4 requests.
    bed.adc.clear_requests();
    let new_mac = "0a:58:0a:f4:04:99";
    bed.kubectl(&[
        "annotate",
        "node",
        "worker-4",
        "--overwrite",
        &format!(
            "flannel.alpha.coreos.com/backend-data={}",
            json!({"VNI": 1, "VtepMAC": new_mac})
        ),
    ]);
    w.wait("worker-4's new MAC on the ADC", || {
        bed.adc.dump()["arp"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|a| a["ipaddress"] == "10.244.4.0" && a["mac"] == new_mac)
    });
    std::thread::sleep(Duration::from_millis(500));
    let nitro: Vec<_> = writes(&bed.adc.requests());
    assert!(
        nitro.len() <= 4,
        "a VtepMAC change took more than 4 NITRO requests:\n{}",
        describe(&nitro)
    );
    assert!(bed.adc.requests().iter().all(|r| r.method != "GET"));

    // Its flannel public-ip changes: the arp and bridgetable entries follow to the new VTEP.
    bed.kubectl(&[
        "annotate",
        "node",
        "worker-4",
        "--overwrite",
        "flannel.alpha.coreos.com/public-ip=192.0.2.99",
    ]);
    w.wait("worker-4's new VTEP on the ADC", || {
        let dump = bed.adc.dump();
        let on = |r: &str| {
            dump[r]
                .as_array()
                .into_iter()
                .flatten()
                .any(|a| a["mac"] == new_mac && a["vtep"] == "192.0.2.99")
        };
        on("arp") && on("bridgetable")
    });

    // It is recreated with another pod CIDR (podCIDR is immutable on a Node): the old
    // route goes, the new one comes.
    bed.kubectl(&["delete", "node", "worker-4"]);
    let mut moved = joined.manifest();
    moved["spec"] = json!({"podCIDR": "10.244.40.0/24", "podCIDRs": ["10.244.40.0/24"]});
    bed.real().apply(&moved.to_string()).unwrap();
    bed.real()
        .set_node_status("worker-4", joined.status())
        .unwrap();
    w.wait("worker-4's new pod CIDR routed", || {
        let dump = bed.adc.dump();
        let routes: Vec<&Value> = dump["route"].as_array().into_iter().flatten().collect();
        routes.iter().any(|r| r["network"] == "10.244.40.0")
            && !routes.iter().any(|r| r["network"] == "10.244.4.0")
    });

    // A node leaves: its entries go.
    bed.kubectl(&["delete", "node", "worker-4"]);
    w.wait("worker-4 removed", || quiet(|| converged(&bed, &nodes)));

    // A reconcile over the blast-radius brake is refused, logged and retried, never
    // half-applied.
    bed.adc.clear_requests();
    bed.kubectl(&["delete", "node", "worker-1"]);
    w.wait_log("the brake refusal logged", "refusing to delete 3 of the 12");
    assert!(
        writes(&bed.adc.requests()).is_empty(),
        "a refused reconcile wrote to the ADC:\n{}",
        describe(&writes(&bed.adc.requests()))
    );
    assert!(quiet(|| converged(&bed, &nodes)));
    add_node(&bed, &nodes[0]);

    // NotReady under the default policy (keep): nothing changes.
    bed.adc.clear_requests();
    let mut status = nodes[0].status();
    status["conditions"][0]["status"] = json!("False");
    bed.real().set_node_status("worker-1", status).unwrap();
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        writes(&bed.adc.requests()).is_empty(),
        "a NotReady node under notReady: keep changed the ADC:\n{}",
        describe(&writes(&bed.adc.requests()))
    );

    // Metrics say what happened.
    let (code, text) = w.get("/metrics").expect("metrics");
    assert_eq!(code, 200);
    for want in [
        "kubectl_netscaler_reconciles_total{result=\"success\"}",
        "kubectl_netscaler_reconciles_total{result=\"refused\"}",
        "kubectl_netscaler_changes_total{resource=\"route\",op=\"add\"}",
        "kubectl_netscaler_changes_total{resource=\"route\",op=\"delete\"}",
        "kubectl_netscaler_leader 1",
        "kubectl_netscaler_managed_objects{resource=\"route\"} 3",
    ] {
        assert!(text.contains(want), "metrics lack {want}:\n{text}");
    }

    // Events on the ADC Node tell the story.
    let described = bed.kubectl(&["describe", "node", &format!("netscaler-{CLUSTER}")]);
    assert!(described.contains("Reconciled"), "{described}");

    // Clean shutdown: exit 130, Lease released, session logged out.
    let (code, log) = w.stop();
    assert_eq!(code, 130, "{log}");
    assert!(bed.lease().is_none(), "the Lease was not released:\n{log}");
    assert_eq!(
        bed.adc.active_sessions(),
        0,
        "the NITRO session was not logged out"
    );
    assert!(reconciles(&log) >= 3, "{log}");
}

fn w_ready(w: &Watch) -> bool {
    w.ready() == Some(200)
}

#[test]
fn notready_nodes_are_removed_under_the_remove_policy_and_drift_is_repaired_on_resync() {
    let bed = Bed::with(BedOptions {
        settings_extra: "notReady: remove\n".into(),
        ..Default::default()
    });
    let w = Watch::start(&bed, &["--resync-interval", "3s"]);
    let nodes = bed.nodes.clone();
    w.wait("the first converge", || quiet(|| converged(&bed, &nodes)));

    let mut status = nodes[2].status();
    status["conditions"][0]["status"] = json!("False");
    bed.real().set_node_status("worker-3", status).unwrap();
    w.wait("worker-3 removed while NotReady", || {
        quiet(|| converged(&bed, &nodes[..2]))
    });
    bed.real()
        .set_node_status("worker-3", nodes[2].status())
        .unwrap();
    w.wait("worker-3 back once Ready", || {
        quiet(|| converged(&bed, &nodes))
    });

    // Drift made by hand on the ADC is repaired at the next resync, with no cluster event.
    bed.drift();
    w.wait("drift repaired on resync", || {
        quiet(|| converged(&bed, &nodes))
    });
}

#[test]
fn an_adc_outage_with_churn_meanwhile_converges_to_the_latest_state_when_it_is_back() {
    let bed = Bed::start();
    let w = Watch::start(&bed, &["--resync-interval", "10m"]);
    let nodes = bed.nodes.clone();
    w.wait("the first converge", || quiet(|| converged(&bed, &nodes)));
    w.wait("ready", || w_ready(&w));

    // The ADC answers 503 to everything for a while; the cluster changes meanwhile.
    bed.adc.inject(Fault::Status503 {
        on: Match::default(),
        times: 1_000_000,
    });
    let joined = NodeSpec { index: 4 };
    add_node(&bed, &joined);
    bed.kubectl(&["delete", "node", "worker-2"]);
    w.wait_log("the failure logged", "reconcile failed");
    w.wait("not ready while the ADC is unreachable", || {
        w.ready() == Some(503)
    });
    // The session also expired meanwhile (the ADC rebooted, say).
    bed.adc.clear_faults();
    bed.adc.expire_all_sessions();
    let want = vec![nodes[0].clone(), nodes[2].clone(), joined];
    w.wait("converged to the latest cluster state", || {
        quiet(|| converged(&bed, &want))
    });
    w.wait("ready again", || w_ready(&w));
    let (code, log) = w.stop();
    assert_eq!(code, 130, "{log}");
}

#[test]
fn a_standby_takes_over_when_the_leader_is_killed_and_two_never_both_write() {
    let bed = Bed::start();
    let leader = Watch::start(&bed, &["--resync-interval", "10m", "--log-format", "json"]);
    let nodes = bed.nodes.clone();
    leader.wait("the first converge", || quiet(|| converged(&bed, &nodes)));
    // --log-format json: every line a JSON object; the reconcile line carries its fields.
    leader.wait_log("the reconcile logged", "reconciled:");
    let log = leader.log();
    let reconciled: Value = log
        .lines()
        .filter(|l| l.contains("reconciled:"))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .next()
        .unwrap();
    assert!(
        reconciled["fields"]["nitro_requests"].as_u64().is_some(),
        "{reconciled}"
    );
    assert!(
        reconciled["fields"]["by_kind"]
            .as_str()
            .unwrap()
            .contains("route +3"),
        "{reconciled}"
    );
    let standby = Watch::start(&bed, &["--resync-interval", "10m"]);
    standby.wait_log("the second waits as standby", "standby");
    // Ready once synced, as a standby.
    standby.wait("the standby ready", || w_ready(&standby));
    let before = standby.log_lines();
    let (_, metrics) = standby.get("/metrics").unwrap();
    assert!(metrics.contains("kubectl_netscaler_leader 0"), "{metrics}");

    // A change while both run: only the leader writes it.
    let joined = NodeSpec { index: 4 };
    add_node(&bed, &joined);
    let mut all = nodes.clone();
    all.push(joined);
    leader.wait("worker-4 configured by the leader", || {
        quiet(|| converged(&bed, &all))
    });
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(
        reconciles(&standby.log()),
        0,
        "the standby wrote:\n{}",
        standby.log()
    );
    let _ = before;

    // The leader dies without releasing the Lease; the standby waits it out and takes over.
    leader.kill9();
    bed.kubectl(&["delete", "node", "worker-1"]);
    let rest = vec![all[1].clone(), all[2].clone(), all[3].clone()];
    standby.wait("the standby took over and converged", || {
        quiet(|| converged(&bed, &rest))
    });
    assert!(
        standby.log().contains("leading"),
        "the standby never said it leads:\n{}",
        standby.log()
    );
    let (code, log) = standby.stop();
    assert_eq!(code, 130, "{log}");
}

#[test]
fn apply_and_teardown_refuse_while_a_live_watch_holds_the_lock() {
    let bed = Bed::start();
    let w = Watch::start(&bed, &["--resync-interval", "10m"]);
    let nodes = bed.nodes.clone();
    w.wait("the first converge", || quiet(|| converged(&bed, &nodes)));
    w.wait("the Lease", || bed.lease().is_some());
    let out = bed.run(&["apply", "--yes"]).expect(6);
    out.stderr_has("renewing");
    let out = bed.run(&["teardown", "--yes"]).expect(6);
    out.stderr_has("renewing");
    assert!(quiet(|| converged(&bed, &nodes)));
    drop(w);
}

/// Dropped watch streams and 410 on relist need the fake API server: the watch resumes by
/// relisting, and nothing is deleted while an input is not synced.
#[test]
fn a_broken_watch_stream_and_a_410_relist_resume_and_converge() {
    let bed = Bed::with(BedOptions {
        fake_kube: true,
        ..Default::default()
    });
    let w = Watch::start(&bed, &["--resync-interval", "10m"]);
    let nodes = bed.nodes.clone();
    w.wait("the first converge", || quiet(|| converged(&bed, &nodes)));
    bed.fake().inject(KubeFault::DropWatch {
        path_contains: "/api/v1/nodes".into(),
        after_events: 0,
        times: 2,
    });
    bed.fake().inject(KubeFault::GoneOnList {
        path_contains: "/api/v1/nodes".into(),
        times: 2,
    });
    bed.fake().inject(KubeFault::Status {
        code: 500,
        path_contains: "/api/v1/nodes".into(),
        times: 3,
    });
    let joined = NodeSpec { index: 4 };
    let mut node: Value = joined.manifest();
    node["status"] = joined.status();
    bed.fake().apply(node).unwrap();
    let mut all = nodes.clone();
    all.push(joined);
    w.wait("the node that joined during the breaks configured", || {
        quiet(|| converged(&bed, &all))
    });
    // Requests went to the route, arp, bridgetable collections only: nothing was removed.
    assert!(
        writes(&bed.adc.requests())
            .iter()
            .all(|r| !r.query.contains("action=rm") || resource_of(r) == "nsconfig"),
        "{}",
        describe(&writes(&bed.adc.requests()))
    );
    let _ = LEASE;
}

/// Services under `watch` (the real 1.20 API server: v1beta1 EndpointSlices): the group and
/// its members follow the endpoints, a move costs at most 3 NITRO requests and no reads, and
/// removing the annotation removes the group and its binding, leaving the admin's vserver.
#[test]
fn service_groups_follow_their_endpoints_under_watch() {
    use crate::services::{admin_vserver, members, records, server_names, web_manifests};
    const GROUP: &str = "k8s-e2e-shop-web-80";
    let bed = Bed::start();
    bed.load_objects([("lbvserver", admin_vserver())]);
    bed.real()
        .apply(&web_manifests(&["worker-1", "worker-3"]))
        .expect("create the Service and its slice");
    let w = Watch::start(&bed, &["--resync-interval", "10m"]);
    let want = |ips: &[&str]| -> Vec<(String, String)> {
        ips.iter()
            .map(|ip| (ip.to_string(), "30080".to_string()))
            .collect()
    };
    w.wait("the group with its two members", || {
        members(&bed, GROUP) == want(&["192.0.2.21", "192.0.2.23"])
    });
    w.wait("the group bound to the admin's vserver", || {
        records(&bed, "lbvserver_servicegroup_binding")
            .iter()
            .any(|b| b["name"] == "vs-web" && b["servicegroupname"] == GROUP)
    });
    w.wait_log("the converge logged", "reconciled:");
    std::thread::sleep(Duration::from_millis(500));

    // A rollout moves the pods to worker-2: the member set follows, in at most 3 requests.
    bed.adc.clear_requests();
    bed.real()
        .apply(&web_manifests(&["worker-2"]))
        .expect("move the endpoints");
    w.wait("the members moved", || {
        members(&bed, GROUP) == want(&["192.0.2.22"])
    });
    std::thread::sleep(Duration::from_millis(1500));
    let nitro: Vec<_> = bed
        .adc
        .requests()
        .into_iter()
        .filter(|r| !r.path.ends_with("/login") && !r.path.ends_with("/logout"))
        .collect();
    assert!(
        nitro.len() <= 3 && nitro.iter().all(|r| r.method != "GET"),
        "a rollout took more than 3 requests or read the ADC:\n{}",
        describe(&nitro)
    );
    // The servers NITRO made for the first members (after watch had read the ADC) went with
    // them, from the cached view alone.
    assert_eq!(server_names(&bed), ["192.0.2.22"], "{}", describe(&nitro));

    // The annotation goes: the group and its binding go, the admin's vserver stays.
    bed.kubectl(&[
        "-n",
        "shop",
        "annotate",
        "service",
        "web",
        "kubectl-netscaler.io/lbvserver-",
    ]);
    w.wait("the group removed", || {
        records(&bed, "servicegroup")
            .iter()
            .all(|g| g["servicegroupname"] != GROUP)
    });
    assert!(records(&bed, "lbvserver_servicegroup_binding").is_empty());
    assert_eq!(records(&bed, "lbvserver").len(), 1);
    w.wait("the last member's server removed", || {
        server_names(&bed).is_empty()
    });
    let (code, log) = w.stop();
    assert_eq!(code, 130, "{log}");
}

/// In routes mode the applied scope is recorded in a ConfigMap (the ADC Node carries it in
/// vxlan mode): after a deployment only `watch` ever wrote, `teardown` with no settings at all
/// removes exactly what it applied, and the record with it.
#[test]
fn a_routes_mode_watch_records_its_scope_so_teardown_needs_no_settings() {
    let bed = Bed::start();
    let before = bed.state();
    let w = Watch::start(&bed, &["--mode", "routes"]);
    w.wait_log("the scope recorded", "recorded the applied scope");
    let record_name = format!("kubectl-netscaler-{}", CLUSTER);
    let cm: Value = serde_json::from_str(&bed.kubectl(&[
        "get",
        "configmap",
        "-n",
        "kube-system",
        &record_name,
        "-o",
        "json",
    ]))
    .expect("configmap JSON");
    let record: Value =
        serde_json::from_str(cm["data"]["scope"].as_str().expect("data.scope")).unwrap();
    assert_eq!(record["mode"], "routes", "{record:#}");
    assert_eq!(
        record["clusterCidr"],
        crate::harness::CLUSTER_CIDR,
        "{record:#}"
    );
    let routes = bed.adc.dump()["route"].as_array().map_or(0, |r| {
        r.iter().filter(|r| r["network"] != "0.0.0.0").count()
    });
    assert!(routes >= 3, "routes applied: {:#}", bed.adc.dump()["route"]);
    let (code, _) = w.stop();
    assert_eq!(code, 130);

    // The nodes carry flannel vxlan annotations: the settings alone would say vxlan.
    crate::teardown::adc_connection_only(&bed, &["teardown", "--yes", "--cluster-name", CLUSTER])
        .expect(0);
    assert_eq!(bed.state(), before);
    let left = bed.kubectl(&["get", "configmap", "-n", "kube-system", "-o", "name"]);
    assert!(
        !left.contains(&record_name),
        "the record was removed: {left}"
    );
}
