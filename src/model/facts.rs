//! The cluster facts the model uses, extracted from Kubernetes objects. Extraction is pure and
//! keeps only what planning needs (so the fingerprint covers exactly that), whether the objects
//! came from a live API server or from a `--cluster-file` snapshot.

use k8s_openapi::api::core::v1::{ConfigMap, Node, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::Serialize;
use std::collections::BTreeMap;

pub const FLANNEL_PREFIX: &str = "flannel.alpha.coreos.com/";
pub const ANN_BACKEND_DATA: &str = "flannel.alpha.coreos.com/backend-data";
pub const ANN_BACKEND_TYPE: &str = "flannel.alpha.coreos.com/backend-type";
pub const ANN_PUBLIC_IP: &str = "flannel.alpha.coreos.com/public-ip";
pub const ANN_PUBLIC_IP_OVERWRITE: &str = "flannel.alpha.coreos.com/public-ip-overwrite";
pub const ANN_SUBNET_MANAGER: &str = "flannel.alpha.coreos.com/kube-subnet-manager";
pub const LABEL_MANAGED_BY: &str = "app.kubernetes.io/managed-by";
pub const MANAGED_BY: &str = "kubectl-netscaler";
pub const LABEL_CLUSTER: &str = "kubectl-netscaler.io/cluster";
pub const TAINT_ADC: &str = "kubectl-netscaler.io/adc";
pub const TAINT_UNSCHEDULABLE: &str = "node.kubernetes.io/unschedulable";
/// Name of flannel's ConfigMap and its key.
pub const FLANNEL_CONFIGMAP: &str = "kube-flannel-cfg";
pub const NET_CONF_KEY: &str = "net-conf.json";
/// The prefix of the Service annotations this tool reads (SPEC §3).
pub const SERVICE_PREFIX: &str = "kubectl-netscaler.io/";
/// The label that ties an EndpointSlice to its Service.
pub const LABEL_SERVICE_NAME: &str = "kubernetes.io/service-name";
/// The topology key that names an endpoint's node in `discovery.k8s.io/v1beta1`.
pub const TOPOLOGY_HOSTNAME: &str = "kubernetes.io/hostname";

/// What planning needs to know about one Node.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct NodeFacts {
    pub name: String,
    /// `metadata.creationTimestamp` as RFC 3339 (UTC, so it sorts as text).
    pub created: Option<String>,
    pub labels: BTreeMap<String, String>,
    /// `spec.podCIDRs`, or `[spec.podCIDR]` when only that is set.
    pub pod_cidrs: Vec<String>,
    /// Only the `flannel.alpha.coreos.com/*` annotations.
    pub flannel: BTreeMap<String, String>,
    /// `(type, address)` pairs of `status.addresses`.
    pub addresses: Vec<(String, String)>,
    /// Status of the `Ready` condition (`True`, `False`, `Unknown`), `None` when missing.
    pub ready: Option<String>,
}

impl NodeFacts {
    pub fn from_node(node: &Node) -> NodeFacts {
        let meta = &node.metadata;
        let spec = node.spec.as_ref();
        let mut pod_cidrs = spec.and_then(|s| s.pod_cidrs.clone()).unwrap_or_default();
        if pod_cidrs.is_empty()
            && let Some(c) = spec.and_then(|s| s.pod_cidr.clone())
        {
            pod_cidrs.push(c);
        }
        let status = node.status.as_ref();
        NodeFacts {
            name: meta.name.clone().unwrap_or_default(),
            created: meta.creation_timestamp.as_ref().map(|t| t.0.to_string()),
            labels: meta.labels.clone().unwrap_or_default(),
            pod_cidrs,
            flannel: meta
                .annotations
                .iter()
                .flatten()
                .filter(|(k, _)| k.starts_with(FLANNEL_PREFIX))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            addresses: status
                .and_then(|s| s.addresses.as_ref())
                .into_iter()
                .flatten()
                .map(|a| (a.type_.clone(), a.address.clone()))
                .collect(),
            ready: status
                .and_then(|s| s.conditions.as_ref())
                .into_iter()
                .flatten()
                .find(|c| c.type_ == "Ready")
                .map(|c| c.status.clone()),
        }
    }

    /// True for Node objects that represent an ADC (created by this tool, any cluster).
    pub fn is_adc_node(&self) -> bool {
        self.labels.get(LABEL_MANAGED_BY).map(String::as_str) == Some(MANAGED_BY)
    }
}

/// Flannel's `net-conf.json`, as far as planning uses it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct NetConf {
    /// `Network`: the cluster CIDR.
    pub network: Option<String>,
    /// `Backend.Type`.
    pub backend_type: Option<String>,
    /// `Backend.VNI`.
    pub vni: Option<u64>,
    /// `Backend.Port`.
    pub port: Option<u64>,
}

impl NetConf {
    /// Parses `net-conf.json`; `Err` says what is wrong with it.
    pub fn parse(text: &str) -> Result<NetConf, String> {
        let v: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("is not JSON: {e}"))?;
        let backend = v.get("Backend");
        let num = |key: &str| -> Result<Option<u64>, String> {
            match backend.and_then(|b| b.get(key)) {
                None | Some(serde_json::Value::Null) => Ok(None),
                Some(x) => x
                    .as_u64()
                    .map(Some)
                    .ok_or_else(|| format!("Backend.{key} is not a number: {x}")),
            }
        };
        Ok(NetConf {
            network: v
                .get("Network")
                .and_then(|n| n.as_str())
                .map(str::to_string),
            backend_type: backend
                .and_then(|b| b.get("Type"))
                .and_then(|t| t.as_str())
                .map(str::to_ascii_lowercase),
            vni: num("VNI")?,
            port: num("Port")?,
        })
    }
}

/// One ready endpoint of a Service port (SPEC §3: `ready != false`).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct EndpointFacts {
    /// As the EndpointSlice writes it (IPv4, IPv6 or an FQDN; the model decides).
    pub address: String,
    /// The port the endpoint serves this Service port on (the resolved target port).
    pub port: u16,
    /// `nodeName`, else `topology["kubernetes.io/hostname"]` (v1beta1) or the v1
    /// `deprecatedTopology` holding it.
    pub node: Option<String>,
}

/// What planning needs to know about one port of a Service.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ServicePortFacts {
    /// The port's name (`None` for the unnamed port of a single-port Service).
    pub name: Option<String>,
    pub port: u16,
    /// `TCP`, `UDP` or `SCTP` (`TCP` when not given).
    pub protocol: String,
    pub node_port: Option<u16>,
    /// `targetPort` as written (a number or a container port name), for messages.
    pub target_port: Option<String>,
    /// The ready endpoints of this port, sorted, from every EndpointSlice of the Service.
    pub endpoints: Vec<EndpointFacts>,
}

/// What planning needs to know about one Service.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ServiceFacts {
    pub namespace: String,
    pub name: String,
    /// Only the `kubectl-netscaler.io/*` annotations.
    pub annotations: BTreeMap<String, String>,
    /// `spec.type` (`ClusterIP` when not given).
    pub service_type: String,
    pub ports: Vec<ServicePortFacts>,
}

fn port_number(n: i32) -> Option<u16> {
    u16::try_from(n).ok().filter(|p| *p > 0)
}

impl ServiceFacts {
    /// The facts of `service` with the ready endpoints of `slices` (those labelled with its
    /// name in its namespace; others are ignored).
    pub fn from_service<'a>(
        service: &Service,
        slices: impl IntoIterator<Item = &'a EndpointSlice>,
    ) -> ServiceFacts {
        let meta = &service.metadata;
        let namespace = meta.namespace.clone().unwrap_or_default();
        let name = meta.name.clone().unwrap_or_default();
        let spec = service.spec.as_ref();
        let mut ports: Vec<ServicePortFacts> = spec
            .and_then(|s| s.ports.as_ref())
            .into_iter()
            .flatten()
            .filter_map(|p| {
                Some(ServicePortFacts {
                    name: p.name.clone().filter(|n| !n.is_empty()),
                    port: port_number(p.port)?,
                    protocol: p.protocol.clone().unwrap_or_else(|| "TCP".into()),
                    node_port: p.node_port.and_then(port_number),
                    target_port: p.target_port.as_ref().map(|t| match t {
                        IntOrString::Int(n) => n.to_string(),
                        IntOrString::String(s) => s.clone(),
                    }),
                    endpoints: Vec::new(),
                })
            })
            .collect();
        for slice in slices.into_iter().filter(|s| {
            s.metadata.namespace.as_deref().unwrap_or_default() == namespace
                && s.metadata
                    .labels
                    .as_ref()
                    .and_then(|l| l.get(LABEL_SERVICE_NAME))
                    == Some(&name)
        }) {
            for sp in slice.ports.iter().flatten() {
                let sp_name = sp.name.as_deref().filter(|n| !n.is_empty());
                let (Some(port), Some(svc_port)) = (
                    sp.port.and_then(port_number),
                    ports.iter_mut().find(|p| p.name.as_deref() == sp_name),
                ) else {
                    continue;
                };
                for ep in slice.endpoints.iter().flatten() {
                    // SPEC §3: an endpoint counts unless it says it is not ready.
                    if ep.conditions.as_ref().and_then(|c| c.ready) == Some(false) {
                        continue;
                    }
                    let node = ep.node_name.clone().or_else(|| {
                        ep.deprecated_topology
                            .as_ref()
                            .and_then(|t| t.get(TOPOLOGY_HOSTNAME).cloned())
                    });
                    for address in &ep.addresses {
                        svc_port.endpoints.push(EndpointFacts {
                            address: address.clone(),
                            port,
                            node: node.clone(),
                        });
                    }
                }
            }
        }
        for p in &mut ports {
            p.endpoints.sort();
            p.endpoints.dedup();
        }
        ServiceFacts {
            namespace,
            name,
            annotations: meta
                .annotations
                .iter()
                .flatten()
                .filter(|(k, _)| k.starts_with(SERVICE_PREFIX))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            service_type: spec
                .and_then(|s| s.type_.clone())
                .unwrap_or_else(|| "ClusterIP".into()),
            ports,
        }
    }
}

/// Everything planning reads from the cluster.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClusterFacts {
    pub nodes: Vec<NodeFacts>,
    /// Services with their ready endpoints, sorted by namespace and name.
    pub services: Vec<ServiceFacts>,
    /// Whether Services were read at all. Without them (a watch without Service stores, a
    /// snapshot of nodes only) no service group is desired, and none may be read as ours and
    /// deleted for it: fail closed.
    pub services_read: bool,
    /// flannel's `net-conf.json` when the `kube-flannel-cfg` ConfigMap exists.
    pub net_conf: Option<NetConf>,
    /// Where the net-conf came from (`namespace/name`), for messages.
    pub net_conf_source: Option<String>,
}

impl ClusterFacts {
    /// Builds the facts from Nodes and ConfigMaps (only `kube-flannel-cfg` is used; the first
    /// one found wins, preferring namespace `kube-flannel`, then `kube-system`).
    pub fn from_objects<'a>(
        nodes: impl IntoIterator<Item = &'a Node>,
        config_maps: impl IntoIterator<Item = &'a ConfigMap>,
    ) -> Result<ClusterFacts, String> {
        let mut nodes: Vec<NodeFacts> = nodes.into_iter().map(NodeFacts::from_node).collect();
        nodes.sort_by(|a, b| a.name.cmp(&b.name));
        let mut flannel: Vec<&ConfigMap> = config_maps
            .into_iter()
            .filter(|cm| cm.metadata.name.as_deref() == Some(FLANNEL_CONFIGMAP))
            .collect();
        let rank = |cm: &ConfigMap| match cm.metadata.namespace.as_deref() {
            Some("kube-flannel") => 0,
            Some("kube-system") => 1,
            _ => 2,
        };
        flannel.sort_by_key(|cm| rank(cm));
        let mut facts = ClusterFacts {
            nodes,
            ..Default::default()
        };
        if let Some(cm) = flannel.first() {
            let source = format!(
                "{}/{}",
                cm.metadata.namespace.as_deref().unwrap_or(""),
                FLANNEL_CONFIGMAP
            );
            if let Some(text) = cm.data.as_ref().and_then(|d| d.get(NET_CONF_KEY)) {
                facts.net_conf = Some(
                    NetConf::parse(text)
                        .map_err(|e| format!("ConfigMap {source}: {NET_CONF_KEY} {e}"))?,
                );
                facts.net_conf_source = Some(source);
            }
        }
        Ok(facts)
    }

    /// Adds the Services, each with the ready endpoints of its EndpointSlices.
    pub fn with_services<'a>(
        mut self,
        services: impl IntoIterator<Item = &'a Service>,
        slices: &[EndpointSlice],
    ) -> ClusterFacts {
        // Slices by their Service, so each Service looks only at its own.
        let mut by_service: BTreeMap<(&str, &str), Vec<&EndpointSlice>> = BTreeMap::new();
        for s in slices {
            if let Some(svc) = s
                .metadata
                .labels
                .as_ref()
                .and_then(|l| l.get(LABEL_SERVICE_NAME))
            {
                let ns = s.metadata.namespace.as_deref().unwrap_or_default();
                by_service.entry((ns, svc.as_str())).or_default().push(s);
            }
        }
        self.services = services
            .into_iter()
            .map(|svc| {
                let key = (
                    svc.metadata.namespace.as_deref().unwrap_or_default(),
                    svc.metadata.name.as_deref().unwrap_or_default(),
                );
                ServiceFacts::from_service(svc, by_service.get(&key).into_iter().flatten().copied())
            })
            .collect();
        self.services_read = true;
        self.services
            .sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(ports: serde_json::Value) -> Service {
        serde_json::from_value(serde_json::json!({
            "metadata": {"namespace": "default", "name": "web", "annotations": {
                "kubectl-netscaler.io/lbvserver": "vs-web", "other.io/x": "y"}},
            "spec": {"type": "NodePort", "ports": ports},
        }))
        .unwrap()
    }

    fn slice(name: &str, service: &str, body: serde_json::Value) -> EndpointSlice {
        let mut v = serde_json::json!({
            "metadata": {"namespace": "default", "name": name,
                         "labels": {"kubernetes.io/service-name": service}},
            "addressType": "IPv4",
        });
        v.as_object_mut()
            .unwrap()
            .extend(body.as_object().unwrap().clone());
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn service_ports_collect_the_ready_endpoints_of_their_slices() {
        let svc = service(serde_json::json!([
            {"name": "http", "port": 80, "targetPort": "web", "nodePort": 30080},
            {"name": "metrics", "port": 9090, "protocol": "TCP", "targetPort": 9090},
        ]));
        let slices = [
            slice(
                "web-a",
                "web",
                serde_json::json!({
                    "ports": [{"name": "http", "port": 8080}, {"name": "metrics", "port": 9090}],
                    "endpoints": [
                        {"addresses": ["10.244.1.5"], "conditions": {"ready": true}, "nodeName": "n1"},
                        {"addresses": ["10.244.2.5"], "conditions": {"ready": false}, "nodeName": "n2"},
                        {"addresses": ["10.244.2.6"], "nodeName": "n2"},
                        {"addresses": ["10.244.3.5"], "conditions": {"ready": false, "terminating": true}, "nodeName": "n3"},
                        {"addresses": ["10.244.3.6"], "deprecatedTopology": {"kubernetes.io/hostname": "n3"}},
                    ],
                }),
            ),
            // Another Service's slice.
            slice(
                "api-a",
                "api",
                serde_json::json!({"ports": [{"name": "http", "port": 1}],
                                   "endpoints": [{"addresses": ["10.244.9.9"]}]}),
            ),
        ];
        let facts = ClusterFacts::default().with_services([&svc], &slices);
        assert!(facts.services_read);
        let s = &facts.services[0];
        assert_eq!((s.namespace.as_str(), s.name.as_str()), ("default", "web"));
        assert_eq!(s.service_type, "NodePort");
        assert_eq!(
            s.annotations.keys().collect::<Vec<_>>(),
            ["kubectl-netscaler.io/lbvserver"]
        );
        let http = &s.ports[0];
        assert_eq!(
            (http.name.as_deref(), http.port, http.node_port),
            (Some("http"), 80, Some(30080))
        );
        assert_eq!(http.protocol, "TCP");
        assert_eq!(http.target_port.as_deref(), Some("web"));
        let ep = |a: &str, node: &str| EndpointFacts {
            address: a.into(),
            port: 8080,
            node: Some(node.into()),
        };
        // Not ready: out; no conditions: in; node from the old topology map.
        assert_eq!(
            http.endpoints,
            [
                ep("10.244.1.5", "n1"),
                ep("10.244.2.6", "n2"),
                ep("10.244.3.6", "n3")
            ]
        );
        assert_eq!(s.ports[1].endpoints.len(), 3);
        assert!(s.ports[1].endpoints.iter().all(|e| e.port == 9090));
    }

    #[test]
    fn net_conf_parses_flannel_defaults() {
        let nc = NetConf::parse(
            r#"{"Network":"10.244.0.0/16","EnableNFTables":false,"Backend":{"Type":"vxlan"}}"#,
        )
        .unwrap();
        assert_eq!(nc.network.as_deref(), Some("10.244.0.0/16"));
        assert_eq!(nc.backend_type.as_deref(), Some("vxlan"));
        assert_eq!(nc.vni, None);
        let nc = NetConf::parse(
            r#"{"Network":"10.0.0.0/8","Backend":{"Type":"VXLAN","VNI":4,"Port":4789}}"#,
        )
        .unwrap();
        assert_eq!((nc.vni, nc.port), (Some(4), Some(4789)));
        assert!(NetConf::parse("{nope").unwrap_err().contains("not JSON"));
        assert!(
            NetConf::parse(r#"{"Backend":{"VNI":"x"}}"#)
                .unwrap_err()
                .contains("Backend.VNI")
        );
    }
}
