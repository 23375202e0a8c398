//! The shared test bed of the `diff` and `apply`/`teardown` end-to-end tests: a real
//! kube-apiserver (or, only where a real one cannot misbehave on demand, the loopback fake), a
//! NITRO emulator with the base ADC state, a flannel VXLAN cluster of N Ready nodes, a settings
//! file, and helpers to run the product against them and to look at what it did.
//!
//! Every test starts its own [`Bed`]: tests run in parallel and never share servers.
//!
//! What the tests expect is written down here independently of the product (SPEC §2.1, §4):
//! [`expected_adc`] is the configuration a converged ADC must hold, [`owned`] picks this
//! cluster's objects out of an emulator dump.

#![allow(dead_code)]

use crate::support::{self, Run};
use netscaler_testbed::kubeapi::FakeApiServer;
use netscaler_testbed::nitro::{Emulator, EmulatorOptions, LoggedRequest};
use netscaler_testbed::realapi::RealApiServer;
use serde_json::{Map, Value, json};
use std::io::{Read, Write};
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// `cluster` in the settings file.
pub const CLUSTER: &str = "e2e";
/// The ADC's Node object in the cluster.
pub const ADC_NODE: &str = "netscaler-e2e";
/// The writer lock (a Lease in kube-system; one fixed name, the cluster is in a label).
pub const LEASE: &str = "kubectl-netscaler";
/// The ADC's SNIP on the node network (in `adc-base.json`).
pub const VTEP_IP: &str = "192.0.2.10";
/// The MAC of interface 1/1 in the emulator, which `vtepMac: auto` must discover (the default
/// route's gateway 192.0.2.1 is learnt on 1/1).
pub const ADC_MAC: &str = "02:00:5e:00:01:01";
/// The overlay SNIP: first host of `adcPodCidr` 10.244.254.0/24, with the cluster CIDR's mask.
pub const OVERLAY_IP: &str = "10.244.254.1";
pub const ADC_POD_CIDR: &str = "10.244.254.0/24";
pub const CLUSTER_CIDR: &str = "10.244.0.0/16";
pub const PASSWORD: &str = "nsroot";

/// How long any single run of the product may take before the test fails instead of hanging.
pub const RUN_DEADLINE: Duration = Duration::from_secs(60);

/// One worker node of the test cluster: `worker-<i>`, pod CIDR 10.244.<i>.0/24, VtepMAC
/// 0a:58:0a:f4:0<i>:00, flannel public IP and InternalIP 192.0.2.(20+i). (10.244.0.0/24 is
/// never used: its flannel.1 address is the overlay subnet's network address, skipped by design.)
#[derive(Clone, Debug)]
pub struct NodeSpec {
    pub index: u8,
}

impl NodeSpec {
    pub fn name(&self) -> String {
        format!("worker-{}", self.index)
    }
    pub fn net(&self) -> String {
        format!("10.244.{}.0", self.index)
    }
    pub fn cidr(&self) -> String {
        format!("10.244.{}.0/24", self.index)
    }
    pub fn mac(&self) -> String {
        format!("0a:58:0a:f4:{:02x}:00", self.index)
    }
    pub fn ip(&self) -> String {
        format!("192.0.2.{}", 20 + u32::from(self.index))
    }
    /// A second address outside every ADC subnet (routes-mode tests select it with
    /// `--node-address-type ExternalIP`).
    pub fn external_ip(&self) -> String {
        format!("198.18.0.{}", 20 + u32::from(self.index))
    }

    /// The Node object (without status; see [`NodeSpec::status`]).
    pub fn manifest(&self) -> Value {
        json!({
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {
                "name": self.name(),
                "labels": {"kubernetes.io/hostname": self.name()},
                "annotations": {
                    "flannel.alpha.coreos.com/backend-data":
                        format!(r#"{{"VNI":1,"VtepMAC":"{}"}}"#, self.mac()),
                    "flannel.alpha.coreos.com/backend-type": "vxlan",
                    "flannel.alpha.coreos.com/kube-subnet-manager": "true",
                    "flannel.alpha.coreos.com/public-ip": self.ip(),
                },
            },
            "spec": {"podCIDR": self.cidr(), "podCIDRs": [self.cidr()]},
        })
    }

    /// A Ready node with an InternalIP and an ExternalIP.
    pub fn status(&self) -> Value {
        json!({
            "conditions": [{
                "type": "Ready",
                "status": "True",
                "reason": "KubeletReady",
                "message": "kubelet is posting ready status",
                "lastHeartbeatTime": "2026-01-01T00:00:00Z",
                "lastTransitionTime": "2026-01-01T00:00:00Z",
            }],
            "addresses": [
                {"type": "InternalIP", "address": self.ip()},
                {"type": "ExternalIP", "address": self.external_ip()},
                {"type": "Hostname", "address": self.name()},
            ],
        })
    }

    /// The node's route, arp and bridgetable entries on a converged ADC (SPEC §2.1).
    pub fn expected_adc(&self) -> Vec<(&'static str, Value)> {
        vec![
            (
                "route",
                json!({"network": self.net(), "netmask": "255.255.255.0", "gateway": self.net()}),
            ),
            (
                "arp",
                json!({"ipaddress": self.net(), "mac": self.mac(), "vxlan": 1, "vtep": self.ip()}),
            ),
            (
                "bridgetable",
                json!({"mac": self.mac(), "vxlan": 1, "vtep": self.ip()}),
            ),
        ]
    }
}

pub fn nodes(n: u8) -> Vec<NodeSpec> {
    (1..=n).map(|index| NodeSpec { index }).collect()
}

/// The once-per-cluster objects of a converged ADC (SPEC §2.1).
pub fn expected_cluster_objects() -> Vec<(&'static str, Value)> {
    vec![
        ("vxlan", json!({"id": 1, "port": 8472})),
        ("vxlan_srcip_binding", json!({"id": 1, "srcip": VTEP_IP})),
        (
            "nsip",
            json!({"ipaddress": OVERLAY_IP, "netmask": "255.255.0.0", "type": "SNIP"}),
        ),
    ]
}

/// Everything a converged ADC holds for these nodes, as `(resource, attributes)`.
pub fn expected_adc(nodes: &[NodeSpec]) -> Vec<(&'static str, Value)> {
    let mut out = expected_cluster_objects();
    for n in nodes {
        out.extend(n.expected_adc());
    }
    out
}

/// The flannel ConfigMap (cluster CIDR 10.244.0.0/16) and its namespace.
pub fn flannel_manifests() -> Vec<Value> {
    vec![
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kube-flannel"}}),
        json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "kube-flannel-cfg", "namespace": "kube-flannel"},
            "data": {
                "net-conf.json": r#"{"Network": "10.244.0.0/16", "Backend": {"Type": "vxlan"}}"#,
            },
        }),
    ]
}

pub fn read_fixture(name: &str) -> Value {
    let path = support::fixture(&format!("e2e/{name}"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()))
}

/// The ADC every test starts with (`adc-base.json`).
pub fn base_adc_state() -> Value {
    read_fixture("adc-base.json")
}

/// Objects of other owners (`adc-foreign.json`).
pub fn foreign_adc_state() -> Value {
    read_fixture("adc-foreign.json")
}

/// The Kubernetes side of a bed.
pub enum Kube {
    Real(RealApiServer),
    /// Only for what a real API server cannot do on demand (5xx answers).
    Fake(FakeApiServer),
}

/// How to build a bed.
pub struct BedOptions {
    pub nodes: u8,
    pub emulator: EmulatorOptions,
    /// Extra lines for the settings file.
    pub settings_extra: String,
    /// Use the loopback fake API server instead of a real kube-apiserver.
    pub fake_kube: bool,
}

impl Default for BedOptions {
    fn default() -> Self {
        BedOptions {
            nodes: 3,
            emulator: EmulatorOptions::default(),
            settings_extra: String::new(),
            fake_kube: false,
        }
    }
}

/// One test's servers and files.
pub struct Bed {
    pub kube: Kube,
    pub adc: Emulator,
    pub nodes: Vec<NodeSpec>,
    pub dir: tempfile::TempDir,
    pub kubeconfig: PathBuf,
    pub config: PathBuf,
}

impl Bed {
    /// A real API server with 3 Ready flannel nodes, an emulator with the base ADC state.
    pub fn start() -> Bed {
        Bed::with(BedOptions::default())
    }

    pub fn with(opts: BedOptions) -> Bed {
        let dir = tempfile::Builder::new()
            .prefix("kubectl-netscaler-e2e-")
            .tempdir()
            .expect("temp dir");
        let nodes = nodes(opts.nodes);
        let adc = Emulator::start(opts.emulator);
        adc.load_state(&base_adc_state())
            .expect("load the base ADC state");

        let (kube, kubeconfig) = if opts.fake_kube {
            let fake = FakeApiServer::start();
            let kubeconfig = dir.path().join("kubeconfig");
            fake.write_kubeconfig(&kubeconfig, "fake")
                .expect("kubeconfig");
            for obj in flannel_manifests() {
                fake.apply(obj).expect("load flannel config");
            }
            for n in &nodes {
                let mut node = n.manifest();
                node["status"] = n.status();
                fake.apply(node).expect("load node");
            }
            (Kube::Fake(fake), kubeconfig)
        } else {
            let real = RealApiServer::start().expect("start the real API server");
            let mut docs = flannel_manifests();
            docs.extend(nodes.iter().map(NodeSpec::manifest));
            real.apply(&json!({"apiVersion": "v1", "kind": "List", "items": docs}).to_string())
                .expect("create the cluster objects");
            for n in &nodes {
                real.set_node_status(&n.name(), n.status())
                    .expect("set node status");
            }
            let kubeconfig = real.admin_kubeconfig();
            (Kube::Real(real), kubeconfig)
        };

        let config = dir.path().join("netscaler.yaml");
        std::fs::write(
            &config,
            format!(
                "cluster: {CLUSTER}\nvtepIp: {VTEP_IP}\nadcPodCidr: {ADC_POD_CIDR}\nvtepMac: auto\n{}",
                opts.settings_extra
            ),
        )
        .expect("write settings");
        Bed {
            kube,
            adc,
            nodes,
            dir,
            kubeconfig,
            config,
        }
    }

    pub fn real(&self) -> &RealApiServer {
        match &self.kube {
            Kube::Real(r) => r,
            Kube::Fake(_) => panic!("this bed runs the fake API server"),
        }
    }

    pub fn fake(&self) -> &FakeApiServer {
        match &self.kube {
            Kube::Fake(f) => f,
            Kube::Real(_) => panic!("this bed runs a real API server"),
        }
    }

    /// The connection arguments: kubeconfig, settings file, ADC URL.
    pub fn conn_args(&self, adc: &Emulator) -> Vec<String> {
        vec![
            "--kubeconfig".into(),
            self.kubeconfig.display().to_string(),
            "--config".into(),
            self.config.display().to_string(),
            "--adc-url".into(),
            adc.url(),
        ]
    }

    /// `kubectl-netscaler <args> --kubeconfig .. --config .. --adc-url ..` with the password in
    /// the environment.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_against(&self.adc, args)
    }

    /// Same as [`Bed::run`] against another emulator.
    pub fn run_against(&self, adc: &Emulator, args: &[&str]) -> Run {
        support::netscaler(args)
            .args(self.conn_args(adc))
            .env("NETSCALER_PASSWORD", PASSWORD)
    }

    /// Starts the product without waiting; stdin is a pipe that stays open (no terminal, and
    /// nothing to read: a prompt would hang). Environment cleaned as in `support::netscaler`.
    pub fn spawn(&self, args: &[&str], env: &[(&str, &str)]) -> Child {
        let mut cmd = Command::new(support::bin());
        cmd.args(args).args(self.conn_args(&self.adc));
        support::clean_environment(&mut cmd);
        cmd.env("NETSCALER_PASSWORD", PASSWORD)
            .env("HOME", self.dir.path());
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn kubectl-netscaler")
    }

    /// `kubectl` as admin on the real API server; panics with kubectl's message on failure.
    pub fn kubectl(&self, args: &[&str]) -> String {
        self.real()
            .kubectl(args)
            .unwrap_or_else(|e| panic!("kubectl {}: {e:#}", args.join(" ")))
    }

    /// A Node as JSON, `None` when it does not exist.
    pub fn node(&self, name: &str) -> Option<Value> {
        match &self.kube {
            Kube::Real(r) => {
                let out = r
                    .kubectl(&["get", "nodes", "-o", "json"])
                    .expect("kubectl get nodes");
                let list: Value = serde_json::from_str(&out).expect("node list JSON");
                list["items"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|n| n["metadata"]["name"] == name)
                    .cloned()
            }
            Kube::Fake(f) => f.get("v1", "Node", None, name),
        }
    }

    pub fn node_names(&self) -> Vec<String> {
        let out = self.kubectl(&["get", "nodes", "-o", "name"]);
        out.lines()
            .map(|l| l.trim_start_matches("node/").to_string())
            .collect()
    }

    /// `plan -o json` from the live cluster.
    pub fn plan(&self) -> Value {
        self.run(&["plan", "-o", "json"]).expect(0).json()
    }

    /// The emulator's full state without `nsconfig` (whose `configchanged` flag a save clears).
    pub fn state(&self) -> Value {
        let mut d = self.adc.dump();
        d.as_object_mut()
            .expect("dump is an object")
            .remove("nsconfig");
        d
    }

    /// The write requests the emulator saw (anything but GET, login and logout).
    pub fn writes(&self) -> Vec<LoggedRequest> {
        writes(&self.adc.requests())
    }

    /// Asserts that the ADC saw no write request (only GETs, login, logout).
    pub fn assert_no_adc_writes(&self, what: &str) {
        let w = self.writes();
        assert!(
            w.is_empty(),
            "{what}: the ADC got write requests:\n{}",
            describe(&w)
        );
    }

    /// Asserts the ADC holds exactly this cluster's desired objects for `nodes`.
    pub fn assert_converged(&self, nodes: &[NodeSpec]) {
        assert_owned_exactly(&self.adc.dump(), &expected_adc(nodes));
    }

    /// Loads this cluster's converged configuration into the emulator directly.
    pub fn load_converged(&self) {
        self.load_objects(expected_adc(&self.nodes));
    }

    /// Loads `(resource, attributes)` objects into the emulator directly.
    pub fn load_objects(&self, objects: impl IntoIterator<Item = (&'static str, Value)>) {
        let mut state = Map::new();
        for (resource, attrs) in objects {
            state
                .entry(resource)
                .or_insert_with(|| Value::Array(Vec::new()))
                .as_array_mut()
                .unwrap()
                .push(attrs);
        }
        self.adc
            .load_state(&Value::Object(state))
            .expect("load the ADC state");
    }

    /// What an admin would do on the ADC by hand: one NITRO call authenticated per request
    /// (`X-NITRO-USER`/`X-NITRO-PASS`). Panics unless the ADC answers errorcode 0.
    pub fn admin(&self, method: &str, path_and_query: &str, body: Option<Value>) -> Value {
        let (status, answer) = nitro_call(&self.adc, method, path_and_query, body.as_ref());
        assert!(
            answer["errorcode"].as_i64().unwrap_or(0) == 0 && status < 300,
            "by-hand NITRO {method} {path_and_query} failed: {status} {answer}"
        );
        answer
    }

    /// Drift an admin (or a crashed run) leaves behind on a converged ADC, with the nodes of
    /// [`Bed::start`]: worker-2's route deleted, worker-1's ARP entry pointing at another MAC,
    /// and the route/arp/bridgetable of a node `worker-7` that no longer exists (pod CIDR
    /// 10.244.7.0/24, our VNI). Returns the stale node.
    pub fn drift(&self) -> NodeSpec {
        let w1 = &self.nodes[0];
        let w2 = &self.nodes[1];
        self.admin(
            "DELETE",
            &format!(
                "/nitro/v1/config/route?args=network:{},netmask:255.255.255.0,gateway:{}",
                w2.net(),
                w2.net()
            ),
            None,
        );
        self.admin(
            "DELETE",
            &format!("/nitro/v1/config/arp/{}", w1.net()),
            None,
        );
        self.admin(
            "POST",
            "/nitro/v1/config/arp",
            Some(json!({"arp": {"ipaddress": w1.net(), "mac": DRIFTED_MAC, "vxlan": 1, "vtep": w1.ip()}})),
        );
        let stale = NodeSpec { index: 7 };
        for (resource, attrs) in stale.expected_adc() {
            self.admin(
                "POST",
                &format!("/nitro/v1/config/{resource}"),
                Some(json!({ resource: attrs })),
            );
        }
        self.adc.clear_requests();
        stale
    }

    /// Makes the writer lock look abandoned long ago (as if its holder crashed minutes ago).
    pub fn expire_lease(&self) {
        let old = micro_time(-600);
        self.kubectl(&[
            "-n",
            "kube-system",
            "patch",
            "lease",
            LEASE,
            "--type",
            "merge",
            "-p",
            &json!({"spec": {"acquireTime": old, "renewTime": old}}).to_string(),
        ]);
    }

    /// The writer lock Lease, if any.
    pub fn lease(&self) -> Option<Value> {
        let out = self.kubectl(&["-n", "kube-system", "get", "leases", "-o", "json"]);
        let list: Value = serde_json::from_str(&out).expect("lease list JSON");
        list["items"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|l| l["metadata"]["name"] == LEASE)
            .cloned()
    }
}

/// The ADC's Node object as `apply` creates it (SPEC §2.1), with the discovered MAC.
pub fn adc_node_manifest() -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": ADC_NODE,
            "labels": {
                "app.kubernetes.io/managed-by": "kubectl-netscaler",
                "kubectl-netscaler.io/cluster": CLUSTER,
            },
            "annotations": {
                "flannel.alpha.coreos.com/backend-data":
                    format!(r#"{{"VNI":1,"VtepMAC":"{ADC_MAC}"}}"#),
                "flannel.alpha.coreos.com/backend-type": "vxlan",
                "flannel.alpha.coreos.com/kube-subnet-manager": "true",
                "flannel.alpha.coreos.com/public-ip": VTEP_IP,
                "flannel.alpha.coreos.com/public-ip-overwrite": VTEP_IP,
            },
        },
        "spec": {
            "podCIDR": ADC_POD_CIDR,
            "podCIDRs": [ADC_POD_CIDR],
            "unschedulable": true,
            "taints": [
                {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"},
                {"key": "kubectl-netscaler.io/adc", "effect": "NoExecute"},
            ],
        },
    })
}

/// The MAC [`Bed::drift`] gives worker-1's ARP entry.
pub const DRIFTED_MAC: &str = "0a:58:0a:f4:01:99";

/// A `metav1.MicroTime` `offset_secs` from now.
pub fn micro_time(offset_secs: i64) -> String {
    let t = k8s_openapi::jiff::Timestamp::now()
        .checked_add(k8s_openapi::jiff::SignedDuration::from_secs(offset_secs))
        .expect("timestamp in range");
    format!("{}.000000Z", t.strftime("%Y-%m-%dT%H:%M:%S"))
}

/// Write requests of a request log (anything but GET, login and logout).
pub fn writes(log: &[LoggedRequest]) -> Vec<LoggedRequest> {
    log.iter()
        .filter(|r| r.method != "GET")
        .filter(|r| !r.path.ends_with("/config/login") && !r.path.ends_with("/config/logout"))
        .cloned()
        .collect()
}

/// The resource a NITRO request path addresses (`/nitro/v1/config/<resource>[/<name>]`).
pub fn resource_of(r: &LoggedRequest) -> String {
    r.path
        .trim_start_matches("/nitro/v1/config/")
        .split('/')
        .next()
        .unwrap_or("")
        .to_string()
}

/// `POST route`, `POST route?action=rm`, ... one line per request, for messages.
pub fn describe(log: &[LoggedRequest]) -> String {
    log.iter()
        .map(|r| {
            format!(
                "  {} {}{}{} -> {} {:?}",
                r.method,
                r.path,
                if r.query.is_empty() { "" } else { "?" },
                r.query,
                r.status,
                r.errorcode
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Waits for a child with a deadline; kills it and panics when it does not end in time.
pub fn wait_with_deadline(mut child: Child, deadline: Duration) -> (ExitStatus, String, String) {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            let mut out = String::new();
            let mut err = String::new();
            if let Some(mut s) = child.stdout.take() {
                let _ = s.read_to_string(&mut out);
            }
            if let Some(mut s) = child.stderr.take() {
                let _ = s.read_to_string(&mut err);
            }
            return (status, out, err);
        }
        if start.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            let mut err = String::new();
            if let Some(mut s) = child.stderr.take() {
                let _ = s.read_to_string(&mut err);
            }
            panic!(
                "kubectl-netscaler was still running after {deadline:?} (waiting for input?)\n--- stderr\n{err}"
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Text form of a NITRO value (numbers may come back as strings).
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_ascii_lowercase(),
        other => other.to_string(),
    }
}

fn ip(rec: &Value, field: &str) -> Option<Ipv4Addr> {
    rec[field].as_str()?.parse().ok()
}

/// This cluster's objects in an emulator dump, by SPEC §4 (VNI 1, overlay IP, cluster CIDR):
/// the vxlan and its srcip bindings, the overlay nsip, static routes inside 10.244.0.0/16,
/// STATIC arp and bridgetable entries of VXLAN 1. Sorted by resource, then as dumped.
pub fn owned(dump: &Value) -> Records {
    let cidr: ipnet::Ipv4Net = CLUSTER_CIDR.parse().unwrap();
    let mut out = Vec::new();
    let list = |r: &str| dump[r].as_array().cloned().unwrap_or_default();
    for rec in list("vxlan") {
        if text(&rec["id"]) == "1" {
            out.push(("vxlan".to_string(), rec));
        }
    }
    for rec in list("vxlan_srcip_binding") {
        if text(&rec["id"]) == "1" {
            out.push(("vxlan_srcip_binding".to_string(), rec));
        }
    }
    for rec in list("nsip") {
        if rec["ipaddress"] == OVERLAY_IP {
            out.push(("nsip".to_string(), rec));
        }
    }
    for rec in list("route") {
        let inside = match (ip(&rec, "network"), ip(&rec, "netmask")) {
            (Some(n), Some(m)) => ipnet::Ipv4Net::with_netmask(n, m)
                .map(|net| cidr.contains(&net))
                .unwrap_or(false),
            _ => false,
        };
        if rec["Static"] == true && inside {
            out.push(("route".to_string(), rec));
        }
    }
    for rec in list("arp") {
        if text(&rec["vxlan"]) == "1" && text(&rec["type"]) == "static" {
            out.push(("arp".to_string(), rec));
        }
    }
    for rec in list("bridgetable") {
        if text(&rec["vxlan"]) == "1" && text(&rec["type"]) != "dynamic" {
            out.push(("bridgetable".to_string(), rec));
        }
    }
    out
}

/// Whether a dumped record carries every attribute of `attrs` (NITRO value forms compared as
/// text: the ADC answers some numbers as strings).
pub fn record_matches(rec: &Value, attrs: &Value) -> bool {
    attrs
        .as_object()
        .expect("attributes object")
        .iter()
        .all(|(k, v)| rec.get(k).is_some_and(|have| text(have) == text(v)))
}

/// Asserts that this cluster's objects in `dump` are exactly `want` (no more, no fewer, no
/// duplicates), each `want` entry matched by one owned record of its resource.
pub fn assert_owned_exactly(dump: &Value, want: &[(&str, Value)]) {
    let mut have = owned(dump);
    let mut missing = Vec::new();
    for (resource, attrs) in want {
        match have
            .iter()
            .position(|(r, rec)| r == resource && record_matches(rec, attrs))
        {
            Some(i) => {
                have.remove(i);
            }
            None => missing.push(format!("{resource} {attrs}")),
        }
    }
    let extra: Vec<String> = have.iter().map(|(r, rec)| format!("{r} {rec}")).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "the ADC's owned objects differ from what was expected\nmissing:\n  {}\nunexpected:\n  {}",
        missing.join("\n  "),
        extra.join("\n  ")
    );
}

/// `(resource, record)` pairs of an emulator dump.
pub type Records = Vec<(String, Value)>;

/// The records present in `after` but not in `before` and those gone, per resource (arrays
/// only), ignoring `nsconfig`.
pub fn dump_delta(before: &Value, after: &Value) -> (Records, Records) {
    let empty = Map::new();
    let b = before.as_object().unwrap_or(&empty);
    let a = after.as_object().unwrap_or(&empty);
    let mut added = Vec::new();
    let mut removed = Vec::new();
    let mut names: Vec<&String> = b.keys().chain(a.keys()).collect();
    names.sort();
    names.dedup();
    for name in names {
        let list = |m: &Map<String, Value>| {
            m.get(name)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        };
        let (bl, al) = (list(b), list(a));
        for rec in &al {
            if !bl.contains(rec) {
                added.push((name.clone(), rec.clone()));
            }
        }
        for rec in &bl {
            if !al.contains(rec) {
                removed.push((name.clone(), rec.clone()));
            }
        }
    }
    (added, removed)
}

/// A raw HTTP/1.1 NITRO call to the emulator with per-request authentication.
pub fn nitro_call(
    adc: &Emulator,
    method: &str,
    path_and_query: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    let addr = adc.url().trim_start_matches("http://").to_string();
    let mut stream = std::net::TcpStream::connect(&addr).expect("connect to the emulator");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let payload = body.map(Value::to_string).unwrap_or_default();
    let request = format!(
        "{method} {path_and_query} HTTP/1.1\r\nHost: {addr}\r\nX-NITRO-USER: nsroot\r\nX-NITRO-PASS: {PASSWORD}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{payload}",
        payload.len()
    );
    stream.write_all(request.as_bytes()).expect("send");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read answer");
    let raw = String::from_utf8_lossy(&raw);
    let (head, text) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let answer = if text.trim().is_empty() {
        json!({"errorcode": 0})
    } else {
        serde_json::from_str(text).unwrap_or_else(|_| json!({"raw": text}))
    };
    (status, answer)
}

/// Polls until `cond` holds or the deadline passes.
pub fn wait_until(what: &str, deadline: Duration, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}
