//! Desired state: from the cluster facts and the settings, the ADC objects, the ADC's Node
//! object and the diagnostics (SPEC §2). Pure: no I/O, no clock.

use super::facts::*;
use super::object::{AdcObject, Subject, normalize_mac};
use super::scope::ServiceScope;
use super::selector::LabelSelector;
use super::services::{EligibleNode, PlannedService, service_objects};
use ipnet::Ipv4Net;
use serde::Serialize;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use std::net::Ipv4Addr;

/// Overlay mode actually used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Vxlan,
    Routes,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Vxlan => "vxlan",
            Mode::Routes => "routes",
        }
    }
}

/// The `mode` setting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ModeSetting {
    #[default]
    Auto,
    Vxlan,
    Routes,
}

/// The `notReady` setting.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum NotReadyPolicy {
    #[default]
    Keep,
    Remove,
}

/// The `vtepMac` setting.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum VtepMacSetting {
    #[default]
    Auto,
    Mac(String),
}

/// The settings that shape the desired state (validated forms).
#[derive(Clone, Debug, Default)]
pub struct ModelSettings {
    pub cluster: String,
    pub mode: ModeSetting,
    pub vxlan_id: Option<u32>,
    pub vxlan_port: Option<u16>,
    pub vtep_ip: Option<Ipv4Addr>,
    pub vtep_mac: VtepMacSetting,
    pub adc_pod_cidr: Option<Ipv4Net>,
    pub overlay_ip: Option<Ipv4Addr>,
    pub cluster_cidr: Option<Ipv4Net>,
    pub node_selector: Option<LabelSelector>,
    pub node_address_type: String,
    pub not_ready: NotReadyPolicy,
    /// Manage service groups for opted-in Services (SPEC §3).
    pub services: bool,
}

/// A settings problem that only shows once the cluster is known (exit 2).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InputError(pub String);

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Info,
    Warning,
}

/// Why a node was skipped or is planned with a caveat.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub level: Level,
    /// What it is about: `node` (or `service`) in JSON.
    #[serde(flatten)]
    pub subject: Subject,
    pub reason: &'static str,
    pub message: String,
}

/// The once-per-cluster VXLAN parameters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VxlanParams {
    pub vni: u32,
    pub port: u16,
    pub vtep_ip: Ipv4Addr,
    pub overlay_ip: Ipv4Addr,
    pub adc_pod_cidr: Ipv4Net,
}

/// The Node object that represents the ADC in the cluster (vxlan mode).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdcNode {
    pub name: String,
    pub cluster: String,
    pub pod_cidr: Ipv4Net,
    pub vtep_ip: Ipv4Addr,
    pub vni: u32,
    /// `None` while `vtepMac: auto` is unresolved (plan does not contact the ADC).
    pub vtep_mac: Option<String>,
    /// The owned scope it records ([`super::ANN_SCOPE`]), once known to a writing run.
    pub record: Option<String>,
}

impl AdcNode {
    pub fn backend_data(&self) -> String {
        json!({"VNI": self.vni, "VtepMAC": self.vtep_mac}).to_string()
    }

    /// The labels, annotations and spec this tool owns on the Node (the full object for a
    /// create; the managed fields for a comparison).
    pub fn to_json(&self) -> serde_json::Value {
        let mut node = self.flannel_json();
        if let Some(record) = &self.record {
            node["metadata"]["annotations"][super::ANN_SCOPE] = json!(record);
        }
        node
    }

    fn flannel_json(&self) -> serde_json::Value {
        let ip = self.vtep_ip.to_string();
        json!({
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {
                "name": self.name,
                "labels": {
                    LABEL_MANAGED_BY: MANAGED_BY,
                    LABEL_CLUSTER: self.cluster,
                },
                "annotations": {
                    ANN_BACKEND_DATA: self.backend_data(),
                    ANN_BACKEND_TYPE: "vxlan",
                    ANN_SUBNET_MANAGER: "true",
                    ANN_PUBLIC_IP: ip,
                    ANN_PUBLIC_IP_OVERWRITE: ip,
                },
            },
            "spec": {
                "podCIDR": self.pod_cidr.to_string(),
                "podCIDRs": [self.pod_cidr.to_string()],
                "unschedulable": true,
                "taints": [
                    {"key": TAINT_UNSCHEDULABLE, "effect": "NoSchedule"},
                    {"key": TAINT_ADC, "effect": "NoExecute"},
                ],
            },
        })
    }
}

/// The desired state of the ADC and of the cluster-side objects.
#[derive(Clone, Debug)]
pub struct Desired {
    pub cluster: String,
    pub mode: Mode,
    pub cluster_cidr: Ipv4Net,
    pub vxlan: Option<VxlanParams>,
    /// Sorted in create order.
    pub adc: Vec<AdcObject>,
    pub adc_node: Option<AdcNode>,
    pub diagnostics: Vec<Diagnostic>,
    /// Nodes planned, by name.
    pub planned_nodes: usize,
    /// The marker of this cluster's service objects when the run manages services (the
    /// setting is on and the Services were read).
    pub services: Option<ServiceScope>,
    /// The opted-in Services planned, by namespace and name.
    pub planned_services: Vec<PlannedService>,
}

/// `-n/--cluster-cidr` etc. are settings; this resolves the cluster CIDR from them or flannel.
fn cluster_cidr(settings: &ModelSettings, facts: &ClusterFacts) -> Result<Ipv4Net, InputError> {
    if let Some(c) = settings.cluster_cidr {
        return Ok(c);
    }
    let source = facts
        .net_conf_source
        .as_deref()
        .unwrap_or(FLANNEL_CONFIGMAP);
    match facts.net_conf.as_ref().and_then(|n| n.network.as_deref()) {
        Some(text) => text.parse::<Ipv4Net>().map(|n| n.trunc()).map_err(|_| {
            InputError(format!(
                "ConfigMap {source}: {NET_CONF_KEY} Network {text:?} is not an IPv4 CIDR; set clusterCidr (--cluster-cidr)"
            ))
        }),
        None => Err(InputError(
            "clusterCidr: not set and no flannel net-conf.json (ConfigMap kube-flannel-cfg) was found; set --cluster-cidr (e.g. 10.244.0.0/16)"
                .into(),
        )),
    }
}

fn is_vxlan_node(n: &NodeFacts) -> bool {
    n.flannel
        .get(ANN_BACKEND_TYPE)
        .is_some_and(|t| t.eq_ignore_ascii_case("vxlan"))
}

/// Valid VXLAN network identifiers.
const VNI_RANGE: std::ops::RangeInclusive<u64> = 1..=16_777_215;

/// The VNI a node advertises in its backend-data, when that parses and is a valid VNI (a node
/// advertising garbage is skipped on its own; it must not fail the run by winning the vote).
fn advertised_vni(n: &NodeFacts) -> Option<u64> {
    let data = n.flannel.get(ANN_BACKEND_DATA)?;
    serde_json::from_str::<serde_json::Value>(data)
        .ok()?
        .get("VNI")?
        .as_u64()
        .filter(|v| VNI_RANGE.contains(v))
}

struct Candidate<'a> {
    facts: &'a NodeFacts,
    cidr: Ipv4Net,
    /// vxlan: the VTEP MAC and public IP; routes: unused.
    mac: Option<String>,
    gateway: Ipv4Addr,
    vtep: Option<Ipv4Addr>,
}

struct Planner<'a> {
    settings: &'a ModelSettings,
    mode: Mode,
    cluster_cidr: Ipv4Net,
    vni: u32,
    diagnostics: Vec<Diagnostic>,
}

impl Planner<'_> {
    fn diag(&mut self, level: Level, node: &str, reason: &'static str, message: String) {
        self.diagnostics.push(Diagnostic {
            level,
            subject: Subject::Node(node.to_string()),
            reason,
            message,
        });
    }

    fn warn<T>(&mut self, node: &str, reason: &'static str, message: String) -> Option<T> {
        self.diag(Level::Warning, node, reason, message);
        None
    }

    /// Checks one node on its own; `None` when it is skipped (with its diagnostic).
    fn candidate<'n>(&mut self, n: &'n NodeFacts) -> Option<Candidate<'n>> {
        let name = n.name.as_str();
        if n.is_adc_node() {
            self.diag(
                Level::Info,
                name,
                "AdcNode",
                "is an ADC node object managed by kubectl-netscaler".into(),
            );
            return None;
        }
        if let Some(sel) = &self.settings.node_selector
            && !sel.matches(&n.labels)
        {
            self.diag(
                Level::Info,
                name,
                "NotSelected",
                format!("does not match nodeSelector {sel}"),
            );
            return None;
        }
        if n.ready.as_deref() != Some("True") && self.settings.not_ready == NotReadyPolicy::Remove {
            let state = n.ready.as_deref().unwrap_or("missing");
            self.diag(
                Level::Info,
                name,
                "NotReady",
                format!("is not Ready (Ready condition: {state}) and notReady is remove"),
            );
            return None;
        }
        let cidr = self.pod_cidr(n)?;
        if !self.cluster_cidr.contains(&cidr) {
            return self.warn(
                name,
                "PodCIDROutsideClusterCIDR",
                format!(
                    "pod CIDR {cidr} is outside the cluster CIDR {}",
                    self.cluster_cidr
                ),
            );
        }
        match self.mode {
            Mode::Vxlan => self.vxlan_candidate(n, cidr),
            Mode::Routes => self.routes_candidate(n, cidr),
        }
    }

    fn pod_cidr(&mut self, n: &NodeFacts) -> Option<Ipv4Net> {
        let name = n.name.as_str();
        if n.pod_cidrs.is_empty() {
            return self.warn(
                name,
                "MissingPodCIDR",
                "has no pod CIDR (spec.podCIDR is empty)".into(),
            );
        }
        let (mut v4, mut v6) = (Vec::new(), Vec::new());
        for text in &n.pod_cidrs {
            match text.parse::<ipnet::IpNet>() {
                Ok(ipnet::IpNet::V4(net)) => v4.push((text, net)),
                Ok(ipnet::IpNet::V6(_)) => v6.push(text.as_str()),
                Err(_) => {
                    return self.warn(
                        name,
                        "InvalidPodCIDR",
                        format!("pod CIDR {text:?} is not a CIDR"),
                    );
                }
            }
        }
        let Some((text, net)) = v4.first().cloned() else {
            return self.warn(
                name,
                "IPv6PodCIDR",
                format!(
                    "has only IPv6 pod CIDRs ({}); IPv6 is not supported in this version",
                    v6.join(", ")
                ),
            );
        };
        if net.trunc() != net {
            return self.warn(
                name,
                "InvalidPodCIDR",
                format!("pod CIDR {text} has host bits set"),
            );
        }
        if !v6.is_empty() {
            self.diag(
                Level::Warning,
                name,
                "DualStack",
                format!(
                    "is dual-stack: only its IPv4 pod CIDR {net} is considered; IPv6 pod CIDR {} is not supported in this version",
                    v6.join(", ")
                ),
            );
        }
        Some(net)
    }

    fn vxlan_candidate<'n>(&mut self, n: &'n NodeFacts, cidr: Ipv4Net) -> Option<Candidate<'n>> {
        let name = n.name.as_str();
        let Some(backend_type) = n.flannel.get(ANN_BACKEND_TYPE) else {
            return self.warn(
                name,
                "MissingFlannelAnnotations",
                format!("annotation {ANN_BACKEND_TYPE} is missing (is flanneld running there?)"),
            );
        };
        if !backend_type.eq_ignore_ascii_case("vxlan") {
            return self.warn(
                name,
                "NotVxlanBackend",
                format!("annotation {ANN_BACKEND_TYPE} is {backend_type:?}, not vxlan"),
            );
        }
        let Some(data) = n.flannel.get(ANN_BACKEND_DATA) else {
            return self.warn(
                name,
                "MissingFlannelAnnotations",
                format!("annotation {ANN_BACKEND_DATA} is missing"),
            );
        };
        let data: serde_json::Value = match serde_json::from_str(data) {
            Ok(v @ serde_json::Value::Object(_)) => v,
            Ok(_) => {
                return self.warn(
                    name,
                    "MalformedBackendData",
                    format!("annotation {ANN_BACKEND_DATA} is not a JSON object: {data}"),
                );
            }
            Err(e) => {
                return self.warn(
                    name,
                    "MalformedBackendData",
                    format!("annotation {ANN_BACKEND_DATA} is not JSON: {e}"),
                );
            }
        };
        let mac = match data.get("VtepMAC") {
            None | Some(serde_json::Value::Null) => {
                return self.warn(
                    name,
                    "MissingVtepMAC",
                    format!("annotation {ANN_BACKEND_DATA} has no VtepMAC"),
                );
            }
            Some(v) => match v.as_str().and_then(normalize_mac) {
                Some(m) => m,
                None => {
                    return self.warn(
                        name,
                        "InvalidVtepMAC",
                        format!("annotation {ANN_BACKEND_DATA} VtepMAC {v} is not a MAC address"),
                    );
                }
            },
        };
        match data.get("VNI") {
            None | Some(serde_json::Value::Null) => {}
            Some(v) => match v.as_u64() {
                Some(vni) if vni == u64::from(self.vni) => {}
                Some(vni) if VNI_RANGE.contains(&vni) => {
                    return self.warn(
                        name,
                        "VNIMismatch",
                        format!("advertises VNI {vni}, the cluster uses VNI {}", self.vni),
                    );
                }
                _ => {
                    return self.warn(
                        name,
                        "MalformedBackendData",
                        format!("annotation {ANN_BACKEND_DATA} VNI {v} is not a VNI (1..16777215)"),
                    );
                }
            },
        }
        let vtep = match n.flannel.get(ANN_PUBLIC_IP) {
            None => {
                return self.warn(
                    name,
                    "MissingPublicIP",
                    format!("annotation {ANN_PUBLIC_IP} is missing"),
                );
            }
            Some(text) => match text.trim().parse::<Ipv4Addr>() {
                Ok(ip) => ip,
                Err(_) => {
                    return self.warn(
                        name,
                        "InvalidPublicIP",
                        format!("annotation {ANN_PUBLIC_IP} {text:?} is not an IPv4 address"),
                    );
                }
            },
        };
        let gateway = cidr.network();
        let overlay = self.cluster_cidr;
        if gateway == overlay.network() || gateway == overlay.broadcast() {
            return self.warn(
                name,
                "GatewayIsSubnetBoundary",
                format!(
                    "its flannel.1 address {gateway} is the {} address of the overlay SNIP subnet {overlay}, which NetScaler rejects as a gateway (error 991); give the node another pod CIDR, or set clusterCidr (--cluster-cidr) to a supernet of the flannel network",
                    if gateway == overlay.network() { "network" } else { "broadcast" }
                ),
            );
        }
        Some(Candidate {
            facts: n,
            cidr,
            mac: Some(mac),
            gateway,
            vtep: Some(vtep),
        })
    }

    fn routes_candidate<'n>(&mut self, n: &'n NodeFacts, cidr: Ipv4Net) -> Option<Candidate<'n>> {
        let want = self.settings.node_address_type.as_str();
        let address = n
            .addresses
            .iter()
            .filter(|(t, _)| t == want)
            .find_map(|(_, a)| a.parse::<Ipv4Addr>().ok());
        let Some(gateway) = address else {
            return self.warn(
                &n.name,
                "NoNodeAddress",
                format!("has no IPv4 address of type {want} (nodeAddressType)"),
            );
        };
        Some(Candidate {
            facts: n,
            cidr,
            mac: None,
            gateway,
            vtep: None,
        })
    }
}

/// Claimed, disjoint address ranges: start → (end, owner).
#[derive(Default)]
struct Claims(BTreeMap<u32, (u32, String)>);

impl Claims {
    fn owner_of(&self, net: Ipv4Net) -> Option<&str> {
        let (s, e) = (u32::from(net.network()), u32::from(net.broadcast()));
        // Disjoint ranges: only the last one starting at or before `e` can overlap.
        let (_, (end, owner)) = self.0.range(..=e).next_back()?;
        (*end >= s).then_some(owner.as_str())
    }

    fn claim(&mut self, net: Ipv4Net, owner: &str) {
        self.0.insert(
            u32::from(net.network()),
            (u32::from(net.broadcast()), owner.to_string()),
        );
    }
}

/// Computes the desired state. `Err` is a settings problem that needs the cluster to detect.
pub fn desired(settings: &ModelSettings, facts: &ClusterFacts) -> Result<Desired, InputError> {
    let cluster_cidr = cluster_cidr(settings, facts)?;
    let net_conf = facts.net_conf.clone().unwrap_or_default();
    let mode = match settings.mode {
        ModeSetting::Vxlan => Mode::Vxlan,
        ModeSetting::Routes => Mode::Routes,
        ModeSetting::Auto => {
            let nodes_say_vxlan = facts
                .nodes
                .iter()
                .any(|n| !n.is_adc_node() && is_vxlan_node(n));
            if nodes_say_vxlan || net_conf.backend_type.as_deref() == Some("vxlan") {
                Mode::Vxlan
            } else {
                Mode::Routes
            }
        }
    };
    let mut cluster_diags = Vec::new();

    // VNI: setting, else the nodes' most common (ties: smallest), else net-conf, else 1.
    let mut counts: HashMap<u64, usize> = HashMap::new();
    for n in facts
        .nodes
        .iter()
        .filter(|n| !n.is_adc_node() && is_vxlan_node(n))
    {
        if let Some(v) = advertised_vni(n) {
            *counts.entry(v).or_default() += 1;
        }
    }
    let from_nodes = counts
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(v, _)| *v);
    let (vni, source) = match (settings.vxlan_id, from_nodes, net_conf.vni) {
        (Some(v), _, _) => (u64::from(v), "vxlan.id"),
        (None, Some(v), _) => (v, "the nodes' backend-data"),
        (None, None, Some(v)) if mode == Mode::Vxlan => (v, "flannel net-conf.json Backend.VNI"),
        _ => (1, "the default"),
    };
    let vni = u32::try_from(vni)
        .ok()
        .filter(|v| VNI_RANGE.contains(&u64::from(*v)))
        .ok_or_else(|| {
            InputError(format!(
                "vxlan.id: VNI {vni} from {source} is outside 1..16777215; set --vxlan-id"
            ))
        })?;
    if mode == Mode::Vxlan
        && let Some(nc) = net_conf.vni
        && nc != u64::from(vni)
    {
        cluster_diags.push(Diagnostic {
            level: Level::Warning,
            subject: Subject::Cluster,
            reason: "NetConfVNIMismatch",
            message: format!(
                "flannel net-conf.json Backend.VNI is {nc} but the cluster uses VNI {vni}"
            ),
        });
    }
    let port = match (settings.vxlan_port, net_conf.port) {
        (Some(p), _) => p,
        (None, Some(p)) => u16::try_from(p)
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| {
                InputError(format!(
                    "flannel net-conf.json Backend.Port {p} is not a UDP port; set vxlan.port (--vxlan-port)"
                ))
            })?,
        _ => 8472,
    };

    let vxlan = match mode {
        Mode::Routes => None,
        Mode::Vxlan => Some(vxlan_params(settings, cluster_cidr, vni, port)?),
    };
    if let Some(v) = &vxlan {
        check_vtep_ip_is_no_nodes(v.vtep_ip, facts)?;
    }

    let mut planner = Planner {
        settings,
        mode,
        cluster_cidr,
        vni,
        diagnostics: Vec::new(),
    };
    // Every node's range counts, planned or not: it is allocated to that node either way.
    if let Some(params) = &vxlan {
        let adc_range = params.adc_pod_cidr;
        let taken = facts
            .nodes
            .iter()
            .filter(|n| !n.is_adc_node())
            .flat_map(|n| {
                n.pod_cidrs
                    .iter()
                    .filter_map(|c| c.parse::<Ipv4Net>().ok())
                    .map(move |c| (n, c.trunc()))
            })
            .find(|(_, c)| c.contains(&adc_range) || adc_range.contains(c));
        if let Some((n, c)) = taken {
            return Err(InputError(format!(
                "adcPodCidr: {adc_range} overlaps the pod CIDR {c} of node {}; choose an unused range inside {cluster_cidr}",
                n.name
            )));
        }
    }
    let mut candidates: Vec<Candidate> = facts
        .nodes
        .iter()
        .filter_map(|n| planner.candidate(n))
        .collect();

    // Conflicts: the older node (creationTimestamp, then name) keeps the CIDR / MAC.
    candidates.sort_by(|a, b| {
        (a.facts.created.as_deref(), &a.facts.name)
            .cmp(&(b.facts.created.as_deref(), &b.facts.name))
    });
    let mut cidrs = Claims::default();
    let mut macs: HashMap<String, String> = HashMap::new();
    let mut adc = Vec::with_capacity(candidates.len() * 3 + 3);
    let mut planned = 0;
    let mut eligible = Vec::new();
    for c in candidates {
        let name = c.facts.name.as_str();
        if let Some(owner) = cidrs.owner_of(c.cidr) {
            let message = format!(
                "pod CIDR {} overlaps the pod CIDR of older node {owner}",
                c.cidr
            );
            planner.warn::<()>(name, "DuplicatePodCIDR", message);
            continue;
        }
        if let Some(mac) = &c.mac
            && let Some(owner) = macs.get(mac)
        {
            let message = format!("VtepMAC {mac} is also used by older node {owner}");
            planner.warn::<()>(name, "DuplicateVtepMAC", message);
            continue;
        }
        cidrs.claim(c.cidr, name);
        planned += 1;
        eligible.push(EligibleNode {
            name: name.to_string(),
            address: c
                .facts
                .addresses
                .iter()
                .filter(|(t, _)| *t == settings.node_address_type)
                .find_map(|(_, a)| a.parse().ok()),
        });
        let (network, netmask) = (c.cidr.network(), c.cidr.netmask());
        adc.push(AdcObject::route(network, netmask, c.gateway).for_node(name));
        if let (Some(mac), Some(vtep)) = (c.mac, c.vtep) {
            adc.push(AdcObject::arp(c.gateway, &mac, vni, vtep).for_node(name));
            adc.push(AdcObject::bridgetable(&mac, vni, vtep).for_node(name));
            macs.insert(mac, name.to_string());
        }
    }

    let mut adc_node = None;
    if let Some(p) = &vxlan {
        adc.push(AdcObject::vxlan(p.vni, p.port));
        adc.push(AdcObject::vxlan_srcip_binding(p.vni, p.vtep_ip));
        adc.push(AdcObject::snip(p.overlay_ip, cluster_cidr.netmask()));
        adc_node = Some(AdcNode {
            name: adc_node_name(&settings.cluster),
            cluster: settings.cluster.clone(),
            pod_cidr: p.adc_pod_cidr,
            vtep_ip: p.vtep_ip,
            vni: p.vni,
            vtep_mac: match &settings.vtep_mac {
                VtepMacSetting::Auto => None,
                VtepMacSetting::Mac(m) => Some(m.clone()),
            },
            record: None,
        });
    }
    let services = (settings.services && facts.services_read)
        .then(|| ServiceScope::for_cluster(&settings.cluster));
    let mut service_diags = Vec::new();
    let mut planned_services = Vec::new();
    if let Some(scope) = &services {
        eligible.sort_by(|a, b| a.name.cmp(&b.name));
        let planned = service_objects(&settings.cluster, &scope.marker, &facts.services, &eligible);
        adc.extend(planned.objects);
        service_diags = planned.diagnostics;
        planned_services = planned.planned;
    }
    adc.sort();

    let mut diagnostics = cluster_diags;
    let mut node_diags = planner.diagnostics;
    node_diags.sort_by(|a, b| a.subject.cmp(&b.subject));
    diagnostics.extend(node_diags);
    diagnostics.extend(service_diags);
    Ok(Desired {
        cluster: settings.cluster.clone(),
        mode,
        cluster_cidr,
        vxlan,
        adc,
        adc_node,
        diagnostics,
        planned_nodes: planned,
        services,
        planned_services,
    })
}

/// Default name of the ADC's Node object.
pub fn adc_node_name(cluster: &str) -> String {
    format!("netscaler-{cluster}")
}

fn require_vtep_ip(s: &ModelSettings) -> Result<Ipv4Addr, InputError> {
    s.vtep_ip.ok_or_else(|| {
        InputError(
            "vtepIp: required in vxlan mode; set --vtep-ip to the ADC's existing SNIP on the node network"
                .into(),
        )
    })
}

fn require_adc_pod_cidr(
    s: &ModelSettings,
    cluster_cidr: Option<Ipv4Net>,
) -> Result<Ipv4Net, InputError> {
    s.adc_pod_cidr.ok_or_else(|| {
        let inside = cluster_cidr
            .map(|c| format!(" {c}"))
            .unwrap_or_default();
        InputError(format!(
            "adcPodCidr: required in vxlan mode; set --adc-pod-cidr to an unused /24 inside the cluster CIDR{inside}"
        ))
    })
}

/// The checks that need no cluster: with `mode: vxlan` set explicitly, `vtepIp` and
/// `adcPodCidr` are required, and a missing one is reported before anything is contacted.
pub fn check_offline(settings: &ModelSettings) -> Result<(), InputError> {
    if settings.mode == ModeSetting::Vxlan {
        require_vxlan_settings(settings, settings.cluster_cidr)?;
    }
    Ok(())
}

/// `vtepIp` and `adcPodCidr`, both reported when both are missing.
fn require_vxlan_settings(
    s: &ModelSettings,
    cluster_cidr: Option<Ipv4Net>,
) -> Result<(Ipv4Addr, Ipv4Net), InputError> {
    match (require_vtep_ip(s), require_adc_pod_cidr(s, cluster_cidr)) {
        (Ok(ip), Ok(net)) => Ok((ip, net)),
        (Err(a), Err(b)) => Err(InputError(format!(
            "2 settings are missing:\n  {}\n  {}",
            a.0, b.0
        ))),
        (Err(e), _) | (_, Err(e)) => Err(e),
    }
}

/// The VTEP is the ADC's own SNIP on the node network: a node's address there (an address of
/// the Node, or its flannel public IP) is a settings mistake that would send every node's
/// overlay traffic for the ADC to that node.
fn check_vtep_ip_is_no_nodes(vtep_ip: Ipv4Addr, facts: &ClusterFacts) -> Result<(), InputError> {
    let ip = vtep_ip.to_string();
    for n in facts.nodes.iter().filter(|n| !n.is_adc_node()) {
        let public = n.flannel.get(ANN_PUBLIC_IP).map(String::as_str);
        let holds = n.addresses.iter().any(|(_, a)| *a == ip) || public == Some(ip.as_str());
        if holds {
            return Err(InputError(format!(
                "vtepIp: {ip} is an address of node {}; set --vtep-ip to the ADC's own SNIP on the node network",
                n.name
            )));
        }
    }
    Ok(())
}

fn vxlan_params(
    s: &ModelSettings,
    cluster_cidr: Ipv4Net,
    vni: u32,
    port: u16,
) -> Result<VxlanParams, InputError> {
    let (vtep_ip, adc_pod_cidr) = require_vxlan_settings(s, Some(cluster_cidr))?;
    if !cluster_cidr.contains(&adc_pod_cidr) {
        return Err(InputError(format!(
            "adcPodCidr: {adc_pod_cidr} is outside the cluster CIDR {cluster_cidr}"
        )));
    }
    let overlay_ip = match s.overlay_ip {
        Some(ip) => ip,
        None => adc_pod_cidr
            .hosts()
            .next()
            .ok_or_else(|| InputError(format!("adcPodCidr: {adc_pod_cidr} has no host address")))?,
    };
    if !adc_pod_cidr.contains(&overlay_ip) {
        return Err(InputError(format!(
            "overlayIp: {overlay_ip} is outside adcPodCidr {adc_pod_cidr}"
        )));
    }
    if overlay_ip == adc_pod_cidr.network() || overlay_ip == adc_pod_cidr.broadcast() {
        return Err(InputError(format!(
            "overlayIp: {overlay_ip} is the network or broadcast address of adcPodCidr {adc_pod_cidr}"
        )));
    }
    Ok(VxlanParams {
        vni,
        port,
        vtep_ip,
        overlay_ip,
        adc_pod_cidr,
    })
}

#[cfg(test)]
#[path = "desired_tests.rs"]
mod tests;
