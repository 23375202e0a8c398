//! The service side of the desired state (SPEC §3): for each Service that opts in with
//! `kubectl-netscaler.io/lbvserver`, one service group for the chosen port, marked as this
//! cluster's, with its complete member set and its binding to the frontend vserver (created,
//! ROUNDROBIN and marked, when `kubectl-netscaler.io/vip` asks for it). A malformed or
//! contradictory annotation is a diagnostic for that Service only. Pure: facts in, objects and
//! diagnostics out.

use super::desired::{Diagnostic, Level};
use super::facts::{ServiceFacts, ServicePortFacts};
use super::object::{AdcObject, ResourceKind, Subject};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr};

pub const ANN_LBVSERVER: &str = "kubectl-netscaler.io/lbvserver";
pub const ANN_MEMBERS: &str = "kubectl-netscaler.io/members";
pub const ANN_PORT: &str = "kubectl-netscaler.io/port";
pub const ANN_SERVICETYPE: &str = "kubectl-netscaler.io/servicetype";
pub const ANN_VIP: &str = "kubectl-netscaler.io/vip";

/// The longest name NetScaler accepts for a service group or vserver.
const MAX_NAME: usize = 127;

/// Service group service types NITRO accepts (NITRO.md §4.9, the common ones).
const SERVICE_TYPES: &[&str] = &[
    "HTTP",
    "FTP",
    "TCP",
    "UDP",
    "SSL",
    "SSL_BRIDGE",
    "SSL_TCP",
    "DTLS",
    "NNTP",
    "RPCSVR",
    "DNS",
    "ADNS",
    "SNMP",
    "RTSP",
    "DHCPRA",
    "ANY",
    "SIP_UDP",
    "SIP_TCP",
    "SIP_SSL",
    "DNS_TCP",
    "ADNS_TCP",
    "MYSQL",
    "MSSQL",
    "ORACLE",
    "MONGO",
    "RADIUS",
    "RADIUSLISTENER",
    "RDP",
    "DIAMETER",
    "SSL_DIAMETER",
    "TFTP",
    "SMPP",
    "PPTP",
    "GRE",
    "SYSLOGTCP",
    "SYSLOGUDP",
    "FIX",
    "SSL_FIX",
    "USER_TCP",
    "USER_SSL_TCP",
    "QUIC",
    "LDAP",
];

/// How a Service's members are chosen (`kubectl-netscaler.io/members`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemberMode {
    /// Each eligible node hosting a ready endpoint, with the nodePort.
    NodePort,
    /// Every eligible node, with the nodePort.
    NodePortAll,
    /// Each ready endpoint, with its target port.
    Pods,
}

impl MemberMode {
    pub fn as_str(self) -> &'static str {
        match self {
            MemberMode::NodePort => "nodeport",
            MemberMode::NodePortAll => "nodeport-all",
            MemberMode::Pods => "pods",
        }
    }
}

/// A node members may be placed on: planned (eligible) and with its address of
/// `nodeAddressType`, if it has one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EligibleNode {
    pub name: String,
    pub address: Option<Ipv4Addr>,
}

/// What the plan does for one opted-in Service, for the plan's services table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedService {
    /// The Service.
    pub subject: Subject,
    pub group: String,
    pub vserver: String,
    pub mode: MemberMode,
    /// Whether the tool creates the vserver (`kubectl-netscaler.io/vip`).
    pub creates_vserver: bool,
    /// The service type annotation `kubectl-netscaler.io/servicetype` asks for; without it the
    /// group takes its vserver's type once the ADC is read.
    pub servicetype: Option<String>,
    /// The pod members on a node, as `(node, ip, port)`: the ADC reaches them through that
    /// node's route (or overlay entries), so they go when the node is left out because a
    /// foreign ADC object blocks it. Node members (nodeport) are reached on the node network
    /// and stay.
    pub node_members: Vec<NodeMember>,
}

/// A pod member on a node: `(node, ip, port)`.
pub type NodeMember = (String, Ipv4Addr, u16);

/// The service group name of a Service port (SPEC §3): `k8s-<cluster>-<namespace>-<service>-<port>`,
/// shortened past 127 characters to its first 118, `-` and 8 hex digits of its SHA-256.
pub fn group_name(cluster: &str, namespace: &str, service: &str, port: u16) -> String {
    let full = format!("k8s-{cluster}-{namespace}-{service}-{port}");
    if full.len() <= MAX_NAME {
        return full;
    }
    let hash = hex::encode(Sha256::digest(full.as_bytes()));
    // Kubernetes names are ASCII; a cluster name may not be, so cut on a char boundary.
    let mut cut = 118;
    while !full.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}-{}", &full[..cut], &hash[..8])
}

/// Whether NetScaler accepts `name` as an object name (error 1075 otherwise): it starts with
/// a letter, digit or `_` and holds only letters, digits and `_ # . space : @ = -`.
fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.len() <= MAX_NAME
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_#. :@=-".contains(c))
}

/// The plan for one opted-in Service, or the reason it has none.
struct ServicePlan<'a> {
    facts: &'a ServiceFacts,
    diagnostics: Vec<Diagnostic>,
}

impl ServicePlan<'_> {
    fn subject(&self) -> Subject {
        Subject::service(&self.facts.namespace, &self.facts.name)
    }

    fn diag(&mut self, level: Level, reason: &'static str, message: String) {
        let subject = self.subject();
        self.diagnostics.push(Diagnostic {
            level,
            subject,
            reason,
            message,
        });
    }

    /// A warning; `None`, as the Service gets no objects.
    fn refuse<T>(&mut self, reason: &'static str, message: String) -> Option<T> {
        self.diag(Level::Warning, reason, message);
        None
    }

    fn annotation(&self, key: &str) -> Option<&str> {
        self.facts.annotations.get(key).map(|v| v.trim())
    }

    fn port(&mut self) -> Option<&ServicePortFacts> {
        let ports = &self.facts.ports;
        match self.annotation(ANN_PORT) {
            None => match ports.as_slice() {
                [only] => Some(only),
                [] => self.refuse("NoServicePort", "has no ports".into()),
                _ => {
                    let names = port_list(ports);
                    self.refuse(
                        "PortRequired",
                        format!(
                            "has several ports ({names}); annotation {ANN_PORT} must name the one the vserver serves"
                        ),
                    )
                }
            },
            Some(want) => {
                let by_number = want.parse::<u16>().ok();
                let found = ports
                    .iter()
                    .position(|p| p.name.as_deref() == Some(want) || by_number == Some(p.port));
                match found {
                    Some(i) => Some(&self.facts.ports[i]),
                    None => {
                        let names = port_list(ports);
                        self.refuse(
                            "UnknownServicePort",
                            format!(
                                "annotation {ANN_PORT} {want:?} names no port of the Service (it has {names})"
                            ),
                        )
                    }
                }
            }
        }
    }

    fn mode(&mut self) -> Option<MemberMode> {
        let has_node_ports = matches!(
            self.facts.service_type.as_str(),
            "NodePort" | "LoadBalancer"
        );
        match self.annotation(ANN_MEMBERS) {
            None => Some(if has_node_ports {
                MemberMode::NodePort
            } else {
                MemberMode::Pods
            }),
            Some(v) => match v.to_ascii_lowercase().as_str() {
                "nodeport" => Some(MemberMode::NodePort),
                "nodeport-all" => Some(MemberMode::NodePortAll),
                "pods" => Some(MemberMode::Pods),
                _ => self.refuse(
                    "InvalidAnnotation",
                    format!("annotation {ANN_MEMBERS} {v:?} is not nodeport, nodeport-all or pods"),
                ),
            },
        }
    }

    fn servicetype(&mut self, port: &ServicePortFacts) -> Option<String> {
        if let Some(v) = self.annotation(ANN_SERVICETYPE) {
            let upper = v.to_ascii_uppercase();
            if SERVICE_TYPES.contains(&upper.as_str()) {
                return Some(upper);
            }
            return self.refuse(
                "InvalidAnnotation",
                format!(
                    "annotation {ANN_SERVICETYPE} {v:?} is not a NetScaler service type (HTTP, TCP, UDP, SSL, ...)"
                ),
            );
        }
        match port.protocol.to_ascii_uppercase().as_str() {
            p @ ("TCP" | "UDP") => Some(p.to_string()),
            other => self.refuse(
                "UnsupportedProtocol",
                format!(
                    "port {} is {other}; set annotation {ANN_SERVICETYPE} to the service type the vserver serves",
                    port.port
                ),
            ),
        }
    }

    /// `kubectl-netscaler.io/vip`: `IP:PORT`, IPv4.
    fn vip(&mut self) -> Option<Option<(Ipv4Addr, u16)>> {
        let Some(v) = self.annotation(ANN_VIP) else {
            return Some(None);
        };
        let parsed = v.rsplit_once(':').and_then(|(ip, port)| {
            Some((
                ip.parse::<Ipv4Addr>().ok()?,
                port.parse::<u16>().ok().filter(|p| *p > 0)?,
            ))
        });
        match parsed {
            Some(vip) => Some(Some(vip)),
            None => self.refuse(
                "InvalidAnnotation",
                format!("annotation {ANN_VIP} {v:?} is not IPv4-ADDRESS:PORT (e.g. 192.0.2.80:80)"),
            ),
        }
    }

    fn plan(
        &mut self,
        cluster: &str,
        marker: &str,
        nodes: &[EligibleNode],
    ) -> Option<(PlannedService, Vec<AdcObject>)> {
        let vserver = self.annotation(ANN_LBVSERVER)?.to_string();
        if !valid_name(&vserver) {
            return self.refuse(
                "InvalidAnnotation",
                format!(
                    "annotation {ANN_LBVSERVER} {vserver:?} is not a NetScaler vserver name (letters, digits and _#.:@=- or spaces, at most 127, starting with a letter, digit or _)"
                ),
            );
        }
        let mode = self.mode();
        let vip = self.vip();
        let port = self.port()?.clone();
        let (mode, vip) = (mode?, vip?);
        let annotated = self.annotation(ANN_SERVICETYPE).is_some();
        let servicetype = self.servicetype(&port)?;
        let node_port = match (mode, port.node_port) {
            (MemberMode::Pods, _) => None,
            (_, Some(np)) => Some(np),
            (_, None) => {
                return self.refuse(
                    "NoNodePort",
                    format!(
                        "annotation {ANN_MEMBERS} is {} but port {} has no nodePort (the Service is {}); use a NodePort or LoadBalancer Service, or members pods",
                        mode.as_str(),
                        port.port,
                        self.facts.service_type
                    ),
                );
            }
        };
        let (namespace, name) = (&self.facts.namespace, &self.facts.name);
        let group = group_name(cluster, namespace, name, port.port);
        let (members, node_members) = self.members(mode, &port, node_port, nodes);
        let for_us = |o: AdcObject| o.for_service(namespace, name);
        let mut out = vec![for_us(AdcObject::servicegroup(
            &group,
            &servicetype,
            marker,
        ))];
        out.extend(
            members
                .into_iter()
                .map(|(ip, p)| for_us(AdcObject::servicegroup_member(&group, ip, p, 1))),
        );
        if let Some((ip, p)) = vip {
            out.push(for_us(AdcObject::lbvserver(
                &vserver,
                &servicetype,
                ip,
                p,
                marker,
            )));
        }
        out.push(for_us(AdcObject::lbvserver_binding(&vserver, &group)));
        let planned = PlannedService {
            subject: self.subject(),
            group,
            vserver,
            mode,
            creates_vserver: vip.is_some(),
            servicetype: annotated.then_some(servicetype),
            node_members,
        };
        Some((planned, out))
    }

    fn members(
        &mut self,
        mode: MemberMode,
        port: &ServicePortFacts,
        node_port: Option<u16>,
        nodes: &[EligibleNode],
    ) -> (BTreeSet<(Ipv4Addr, u16)>, Vec<NodeMember>) {
        let mut out = BTreeSet::new();
        let mut on_nodes = Vec::new();
        match (mode, node_port) {
            (MemberMode::Pods, _) | (_, None) => {
                let mut ipv6 = BTreeSet::new();
                let mut other = BTreeSet::new();
                for ep in &port.endpoints {
                    match ep.address.parse::<IpAddr>() {
                        Ok(IpAddr::V4(ip)) => {
                            out.insert((ip, ep.port));
                            if let Some(node) = &ep.node {
                                on_nodes.push((node.clone(), ip, ep.port));
                            }
                        }
                        Ok(IpAddr::V6(_)) => {
                            ipv6.insert(ep.address.as_str());
                        }
                        Err(_) => {
                            other.insert(ep.address.as_str());
                        }
                    }
                }
                if !ipv6.is_empty() {
                    let list = ipv6.into_iter().collect::<Vec<_>>().join(", ");
                    self.diag(
                        Level::Warning,
                        "IPv6Endpoints",
                        format!(
                            "IPv6 endpoints are not supported in this version and are left out: {list}"
                        ),
                    );
                }
                if !other.is_empty() {
                    let list = other.into_iter().collect::<Vec<_>>().join(", ");
                    self.diag(
                        Level::Warning,
                        "InvalidEndpoint",
                        format!("endpoints that are not IP addresses are left out: {list}"),
                    );
                }
            }
            (MemberMode::NodePort | MemberMode::NodePortAll, Some(np)) => {
                let hosting: BTreeSet<&str> = port
                    .endpoints
                    .iter()
                    .filter_map(|e| e.node.as_deref())
                    .collect();
                let mut without_address = Vec::new();
                for n in nodes {
                    if mode == MemberMode::NodePort && !hosting.contains(n.name.as_str()) {
                        continue;
                    }
                    match n.address {
                        Some(ip) => {
                            out.insert((ip, np));
                        }
                        None => without_address.push(n.name.as_str()),
                    }
                }
                if !without_address.is_empty() {
                    self.diag(
                        Level::Warning,
                        "NoNodeAddress",
                        format!(
                            "nodes without an IPv4 address of nodeAddressType are left out: {}",
                            without_address.join(", ")
                        ),
                    );
                }
            }
        }
        (out, on_nodes)
    }
}

fn port_list(ports: &[ServicePortFacts]) -> String {
    ports
        .iter()
        .map(|p| match &p.name {
            Some(n) => format!("{n}/{}", p.port),
            None => p.port.to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// What the service side plans: the objects, the Services planned and the diagnostics.
#[derive(Debug, Default)]
pub struct ServiceObjects {
    pub objects: Vec<AdcObject>,
    pub planned: Vec<PlannedService>,
    pub diagnostics: Vec<Diagnostic>,
}

/// The service objects and diagnostics of every opted-in Service. `nodes` are the eligible
/// (planned) nodes.
pub fn service_objects(
    cluster: &str,
    marker: &str,
    services: &[ServiceFacts],
    nodes: &[EligibleNode],
) -> ServiceObjects {
    let mut planned = Vec::new();
    let mut objects = Vec::new();
    let mut diagnostics = Vec::new();
    // Two Services must not claim one group name (only possible through shortening), nor ask
    // for one vserver to be created with different addresses or types.
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    let mut vservers: BTreeMap<String, (AdcObject, String)> = BTreeMap::new();
    for facts in services
        .iter()
        .filter(|s| s.annotations.contains_key(ANN_LBVSERVER))
    {
        let mut plan = ServicePlan {
            facts,
            diagnostics: Vec::new(),
        };
        if let Some((this, mut objs)) = plan.plan(cluster, marker, nodes) {
            let group = objs[0].key().values[0].to_string();
            let me = format!("{}/{}", facts.namespace, facts.name);
            let created = objs.iter().position(|o| o.kind == ResourceKind::Lbvserver);
            let vserver = created.map(|i| (i, objs[i].key().values[0].to_string()));
            let same_vserver = vserver
                .as_ref()
                .and_then(|(i, name)| Some((*i, vservers.get(name)?)));
            if let Some(other) = names.get(&group) {
                plan.diag(
                    Level::Warning,
                    "DuplicateServiceGroup",
                    format!("its service group name {group} is also that of service {other}"),
                );
            } else if let Some((i, (first, _))) = same_vserver
                && first.changed_attrs(&objs[i]).is_empty()
            {
                // Both Services ask for the same vserver: created once.
                objs.remove(i);
                names.insert(group, me);
                objects.extend(objs);
                planned.push(this);
            } else if let Some((_, (_, other))) = same_vserver {
                plan.diag(
                    Level::Warning,
                    "ConflictingVserver",
                    format!(
                        "annotations {ANN_VIP} and {ANN_SERVICETYPE} ask for vserver {} unlike service {other} does",
                        vserver.as_ref().map(|v| v.1.as_str()).unwrap_or_default()
                    ),
                );
            } else {
                if let Some((i, name)) = vserver {
                    vservers.insert(name, (objs[i].clone(), me.clone()));
                }
                names.insert(group, me);
                objects.extend(objs);
                planned.push(this);
            }
        }
        diagnostics.extend(plan.diagnostics);
    }
    ServiceObjects {
        objects,
        planned,
        diagnostics,
    }
}

/// Takes the ADC's vservers (`vservers`: every lbvserver by name, with its service type;
/// `ours`: the ones the tool created) into the service plan (SPEC §3): a group without the
/// servicetype annotation gets its vserver's type; a vserver that does not exist (and is not
/// to be created for `vip`), or is of another type than annotated, is a diagnostic for that
/// Service, which then gets no objects. A vserver that exists and is not the tool's is used as
/// it is, whatever `vip` says.
pub fn resolve_vservers(
    desired: &mut super::Desired,
    vservers: &BTreeMap<String, String>,
    ours: &BTreeSet<String>,
) {
    let mut refused: Vec<(Subject, &'static str, String)> = Vec::new();
    let mut retype: BTreeMap<Subject, String> = BTreeMap::new();
    let mut not_created: BTreeSet<(Subject, String)> = BTreeSet::new();
    // A vserver another Service has the tool create in this run is there for this one too.
    let creating: BTreeMap<String, String> = desired
        .adc
        .iter()
        .filter(|o| o.kind == ResourceKind::Lbvserver)
        .map(|o| {
            let t = o.get("servicetype").map(ToString::to_string);
            (o.key().values[0].to_string(), t.unwrap_or_default())
        })
        .collect();
    for p in &desired.planned_services {
        let existing = vservers.get(&p.vserver);
        let known = existing.or_else(|| creating.get(&p.vserver));
        match (known, &p.servicetype) {
            (None, _) if !p.creates_vserver => refused.push((
                p.subject.clone(),
                "VserverMissing",
                format!(
                    "vserver {} (annotation {ANN_LBVSERVER}) does not exist on the ADC: ask the ADC admin to create it, or set annotation {ANN_VIP} IP:PORT for the tool to create it",
                    p.vserver
                ),
            )),
            (None, _) => {}
            (Some(t), Some(want)) if t != want => refused.push((
                p.subject.clone(),
                "ServiceTypeMismatch",
                format!(
                    "annotation {ANN_SERVICETYPE} is {want} but vserver {} is {t}: the ADC binds only a group of the vserver's type; drop the annotation to take the vserver's type, or correct it",
                    p.vserver
                ),
            )),
            (Some(t), annotated) => {
                if annotated.is_none() {
                    retype.insert(p.subject.clone(), t.clone());
                }
                if p.creates_vserver && existing.is_some() && !ours.contains(&p.vserver) {
                    not_created.insert((p.subject.clone(), p.vserver.clone()));
                }
            }
        }
    }
    if refused.is_empty() && retype.is_empty() && not_created.is_empty() {
        return;
    }
    let gone: BTreeSet<&Subject> = refused.iter().map(|(s, _, _)| s).collect();
    desired.adc.retain(|o| !gone.contains(&o.subject));
    desired
        .planned_services
        .retain(|p| !gone.contains(&p.subject));
    desired.adc.retain(|o| {
        o.kind != ResourceKind::Lbvserver
            || !not_created.contains(&(o.subject.clone(), o.key().values[0].to_string()))
    });
    for p in &mut desired.planned_services {
        if not_created.contains(&(p.subject.clone(), p.vserver.clone())) {
            p.creates_vserver = false;
        }
    }
    for o in &mut desired.adc {
        if let Some(t) = retype.get(&o.subject)
            && matches!(o.kind, ResourceKind::Servicegroup | ResourceKind::Lbvserver)
        {
            o.set("servicetype", super::object::Value::Text(t.clone()));
        }
    }
    for (subject, reason, message) in refused {
        desired.diagnostics.push(Diagnostic {
            level: Level::Warning,
            subject,
            reason,
            message,
        });
    }
    desired
        .diagnostics
        .sort_by(|a, b| a.subject.cmp(&b.subject));
}

/// Leaves out the pod members on `nodes` (nodes a foreign ADC object blocks): the ADC would
/// send their traffic down a path that is not the tool's.
pub fn exclude_node_members(desired: &mut super::Desired, nodes: &BTreeSet<String>) {
    let mut gone: BTreeSet<(String, Ipv4Addr, u16)> = BTreeSet::new();
    for p in &mut desired.planned_services {
        let (out, keep): (Vec<_>, Vec<_>) = std::mem::take(&mut p.node_members)
            .into_iter()
            .partition(|(n, _, _)| nodes.contains(n));
        p.node_members = keep;
        gone.extend(
            out.into_iter()
                .map(|(_, ip, port)| (p.group.clone(), ip, port)),
        );
    }
    if gone.is_empty() {
        return;
    }
    desired.adc.retain(|o| {
        if o.kind != ResourceKind::ServicegroupMember {
            return true;
        }
        let (Some(g), Some(super::object::Value::Ip(ip)), Some(super::object::Value::Number(port))) =
            (o.get("servicegroupname"), o.get("ip"), o.get("port"))
        else {
            return true;
        };
        let port = u16::try_from(*port).unwrap_or(0);
        !gone.contains(&(g.to_string(), *ip, port))
    });
}

#[cfg(test)]
#[path = "services_tests.rs"]
mod tests;
