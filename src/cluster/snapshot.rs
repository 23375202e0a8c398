//! `--cluster-file`: a saved snapshot, the output of
//! `kubectl get nodes,services,endpointslices,configmaps -A -o yaml|json` (a List), a single
//! object, or multi-document YAML.
//!
//! One typed pass reads only what planning uses (a Node's metadata, pod CIDRs, addresses and
//! conditions; a ConfigMap's data; a Service's type and ports; an EndpointSlice's endpoints
//! and ports, `discovery.k8s.io/v1` or `v1beta1`) and skips the rest of every object (images, nodeInfo,
//! capacity, other kinds), so a large snapshot costs little more than parsing it. Only when
//! that pass fails is the file read again, item by item, to name the item that is wrong.

use crate::error::{Error, Result};
use crate::model::ClusterFacts;
use k8s_openapi::api::core::v1::{
    ConfigMap, Node, NodeAddress, NodeCondition, NodeSpec, NodeStatus, Service, ServicePort,
    ServiceSpec,
};
use k8s_openapi::api::discovery::v1::{Endpoint, EndpointConditions, EndpointPort, EndpointSlice};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::collections::BTreeMap;
use std::path::Path;

/// Any object of a snapshot, reduced to the fields planning uses; a List carries `items`.
#[derive(Deserialize)]
struct Lean {
    kind: Option<String>,
    #[serde(default)]
    metadata: ObjectMeta,
    spec: Option<LeanSpec>,
    status: Option<LeanStatus>,
    data: Option<BTreeMap<String, String>>,
    items: Option<Vec<Lean>>,
    /// EndpointSlice.
    endpoints: Option<Vec<LeanEndpoint>>,
    /// EndpointSlice.
    ports: Option<Vec<LeanSlicePort>>,
}

#[derive(Deserialize)]
struct LeanSpec {
    #[serde(rename = "podCIDR")]
    pod_cidr: Option<String>,
    #[serde(rename = "podCIDRs")]
    pod_cidrs: Option<Vec<String>>,
    /// Service.
    #[serde(rename = "type")]
    type_: Option<String>,
    /// Service.
    ports: Option<Vec<LeanServicePort>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LeanServicePort {
    name: Option<String>,
    port: i32,
    protocol: Option<String>,
    node_port: Option<i32>,
    target_port: Option<IntOrString>,
}

/// An endpoint of either EndpointSlice version: v1beta1 names the node in `topology`, v1 in
/// `nodeName` (and keeps the old map as `deprecatedTopology`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LeanEndpoint {
    #[serde(default)]
    addresses: Vec<String>,
    conditions: Option<LeanEndpointConditions>,
    node_name: Option<String>,
    topology: Option<BTreeMap<String, String>>,
    deprecated_topology: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize)]
struct LeanEndpointConditions {
    ready: Option<bool>,
    serving: Option<bool>,
    terminating: Option<bool>,
}

#[derive(Deserialize)]
struct LeanSlicePort {
    name: Option<String>,
    port: Option<i32>,
    protocol: Option<String>,
}

#[derive(Deserialize)]
struct LeanStatus {
    addresses: Option<Vec<NodeAddress>>,
    conditions: Option<Vec<LeanCondition>>,
}

#[derive(Deserialize)]
struct LeanCondition {
    #[serde(rename = "type")]
    type_: String,
    status: String,
}

/// The kinds planning reads from a snapshot; everything else is ignored.
#[derive(Default)]
pub struct Objects {
    pub nodes: Vec<Node>,
    pub config_maps: Vec<ConfigMap>,
    pub services: Vec<Service>,
    /// In the `discovery.k8s.io/v1` form, whichever version the snapshot holds.
    pub endpoint_slices: Vec<EndpointSlice>,
    /// How many objects of each other kind were skipped (`None`: an object without `kind`).
    skipped: BTreeMap<Option<String>, usize>,
}

/// What a snapshot is expected to be, for messages.
const EXPECTED: &str = "expected the output of `kubectl get nodes,services,endpointslices,configmaps -A -o yaml` (a List, or multi-document YAML of objects)";

/// `-` reads the snapshot from standard input.
fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

fn culprit(path: &Path, what: impl std::fmt::Display) -> Error {
    if is_stdin(path) {
        Error::usage(format!("--cluster-file - (standard input): {what}"))
    } else {
        Error::usage(format!("--cluster-file {}: {what}", path.display()))
    }
}

/// The YAML parser's limits: room for kubectl snapshots of clusters of thousands of nodes,
/// which exceed serde-saphyr's default budget.
pub fn yaml_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_events: 200_000_000,
            max_nodes: 100_000_000,
            max_total_scalar_bytes: 4_000_000_000,
            max_documents: 1_000_000,
        },
    }
}

impl Objects {
    fn add(&mut self, item: Lean) {
        match item.kind.as_deref() {
            Some("Node") => self.nodes.push(Node {
                metadata: item.metadata,
                spec: item.spec.map(|s| NodeSpec {
                    pod_cidr: s.pod_cidr,
                    pod_cidrs: s.pod_cidrs,
                    ..Default::default()
                }),
                status: item.status.map(|s| NodeStatus {
                    addresses: s.addresses,
                    conditions: s.conditions.map(|c| {
                        c.into_iter()
                            .map(|c| NodeCondition {
                                type_: c.type_,
                                status: c.status,
                                ..Default::default()
                            })
                            .collect()
                    }),
                    ..Default::default()
                }),
            }),
            Some("ConfigMap") => self.config_maps.push(ConfigMap {
                metadata: item.metadata,
                data: item.data,
                ..Default::default()
            }),
            Some("Service") => self.services.push(Service {
                metadata: item.metadata,
                spec: item.spec.map(|s| ServiceSpec {
                    type_: s.type_,
                    ports: s.ports.map(|ports| {
                        ports
                            .into_iter()
                            .map(|p| ServicePort {
                                name: p.name,
                                port: p.port,
                                protocol: p.protocol,
                                node_port: p.node_port,
                                target_port: p.target_port,
                                ..Default::default()
                            })
                            .collect()
                    }),
                    ..Default::default()
                }),
                status: None,
            }),
            Some("EndpointSlice") => self.endpoint_slices.push(endpoint_slice(item)),
            Some(k) if k.ends_with("List") => {
                for i in item.items.unwrap_or_default() {
                    self.add(i);
                }
            }
            other => *self.skipped.entry(other.map(str::to_string)).or_default() += 1,
        }
    }

    /// A snapshot without Node objects cannot be what the user meant: a 0-node plan would
    /// remove every node's configuration from the ADC.
    fn require_nodes(self, path: &Path) -> Result<Objects> {
        if !self.nodes.is_empty() {
            return Ok(self);
        }
        let mut found: Vec<String> = self
            .skipped
            .iter()
            .map(|(kind, n)| match kind {
                Some(k) => format!("{n} {k}"),
                None => format!("{n} without a kind"),
            })
            .collect();
        for (n, kind) in [
            (self.config_maps.len(), "ConfigMap"),
            (self.services.len(), "Service"),
            (self.endpoint_slices.len(), "EndpointSlice"),
        ] {
            if n > 0 {
                found.push(format!("{n} {kind}"));
            }
        }
        let found = if found.is_empty() {
            "no objects".to_string()
        } else {
            format!("only {}", found.join(", "))
        };
        Err(culprit(
            path,
            format!("holds no Node objects ({found}); {EXPECTED}"),
        ))
    }

    /// Parses snapshot text (JSON or YAML). `path` is only used in messages.
    pub fn parse(path: &Path, text: &str) -> Result<Objects> {
        let mut objects = Objects::default();
        if text.trim_start().starts_with('{') {
            match serde_json::from_str::<Lean>(text) {
                Ok(doc) => objects.add(doc),
                Err(e) => return Err(culprit(path, explain_json(text).unwrap_or(e.to_string()))),
            }
        } else {
            let docs: Vec<Lean> = serde_saphyr::from_multiple_with_options(text, yaml_options())
                .map_err(|e| culprit(path, explain_yaml(text, e)))?;
            for doc in docs {
                objects.add(doc);
            }
        }
        objects.require_nodes(path)
    }

    /// Reads a snapshot file, or standard input for `-`.
    pub fn read(path: &Path) -> Result<Objects> {
        let text = if is_stdin(path) {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
                .map_err(|e| culprit(path, e))?;
            text
        } else {
            std::fs::read_to_string(path).map_err(|e| culprit(path, e))?
        };
        Objects::parse(path, &text)
    }

    pub fn facts(&self, path: &Path) -> Result<ClusterFacts> {
        let facts = ClusterFacts::from_objects(&self.nodes, &self.config_maps)
            .map_err(|e| culprit(path, e))?;
        // Every cluster has Services (`default/kubernetes` at least): a snapshot without any
        // was taken without them, and must not read as "no Service is opted in".
        if self.services.is_empty() {
            return Ok(facts);
        }
        Ok(facts.with_services(&self.services, &self.endpoint_slices))
    }
}

/// An EndpointSlice of either version in the `discovery.k8s.io/v1` form (v1beta1's
/// `topology` becomes `deprecatedTopology`, where v1 keeps it).
fn endpoint_slice(item: Lean) -> EndpointSlice {
    EndpointSlice {
        metadata: item.metadata,
        endpoints: item.endpoints.map(|eps| {
            eps.into_iter()
                .map(|e| Endpoint {
                    addresses: e.addresses,
                    conditions: e.conditions.map(|c| EndpointConditions {
                        ready: c.ready,
                        serving: c.serving,
                        terminating: c.terminating,
                    }),
                    node_name: e.node_name,
                    deprecated_topology: e.deprecated_topology.or(e.topology),
                    ..Default::default()
                })
                .collect()
        }),
        ports: item.ports.map(|ports| {
            ports
                .into_iter()
                .map(|p| EndpointPort {
                    name: p.name,
                    port: p.port,
                    protocol: p.protocol,
                    ..Default::default()
                })
                .collect()
        }),
        ..Default::default()
    }
}

/// Reads an EndpointSlice of either version from its JSON (as a live list returns it).
pub fn endpoint_slice_from_json(
    value: serde_json::Value,
) -> std::result::Result<EndpointSlice, serde_json::Error> {
    serde_json::from_value::<Lean>(value).map(endpoint_slice)
}

#[derive(Deserialize)]
struct Head<'a> {
    #[serde(borrow)]
    kind: Option<&'a str>,
    #[serde(borrow, default)]
    items: Option<Vec<&'a RawValue>>,
}

/// Says why YAML text did not read as objects: not YAML at all, or YAML of another shape
/// (`[1, 2, 3]`, a bare string) than a list of Kubernetes objects.
fn explain_yaml(text: &str, err: serde_saphyr::Error) -> String {
    match serde_saphyr::from_multiple_with_options::<serde_json::Value>(text, yaml_options()) {
        Err(_) => format!("is not valid YAML: {err}"),
        Ok(docs) => {
            let odd = docs.iter().enumerate().find_map(|(i, d)| {
                let shape = match d {
                    serde_json::Value::Object(_) => return None,
                    serde_json::Value::Array(_) => "a sequence",
                    serde_json::Value::String(_) => "a string",
                    serde_json::Value::Number(_) => "a number",
                    serde_json::Value::Bool(_) => "a boolean",
                    serde_json::Value::Null => "empty",
                };
                Some(format!(
                    "document {} is {shape}, not a Kubernetes object",
                    i + 1
                ))
            });
            match odd {
                Some(odd) => format!("is YAML but not Kubernetes objects: {odd}; {EXPECTED}"),
                None => format!("is YAML but not Kubernetes objects: {err}; {EXPECTED}"),
            }
        }
    }
}

/// Finds what is wrong in a JSON snapshot that did not parse, naming the item.
fn explain_json(text: &str) -> Option<String> {
    fn walk(raw: &RawValue, index: usize) -> Option<String> {
        let head: Head = match serde_json::from_str(raw.get()) {
            Ok(h) => h,
            Err(e) => return Some(format!("item {index}: {e}")),
        };
        match head.kind {
            Some(k) if k.ends_with("List") => head
                .items
                .unwrap_or_default()
                .into_iter()
                .enumerate()
                .find_map(|(i, item)| walk(item, i)),
            Some(kind @ ("Node" | "ConfigMap" | "Service" | "EndpointSlice")) => {
                serde_json::from_str::<Lean>(raw.get())
                    .err()
                    .map(|e| format!("item {index} ({kind}): {e}"))
            }
            _ => None,
        }
    }
    match serde_json::from_str::<&RawValue>(text) {
        Err(e) => Some(format!("is not valid JSON: {e}")),
        Ok(raw) => walk(raw, 0),
    }
}

/// Reads a snapshot file into cluster facts.
pub fn read_facts(path: &Path) -> Result<ClusterFacts> {
    Objects::read(path)?.facts(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NODE_JSON: &str = r#"{"apiVersion":"v1","kind":"Node","metadata":{"name":"n1"},"spec":{"podCIDR":"10.244.1.0/24"}}"#;

    #[test]
    fn json_list_yaml_list_and_multi_document_yaml_agree() {
        let p = Path::new("x");
        let list = format!(
            r#"{{"apiVersion":"v1","kind":"List","items":[{NODE_JSON},{{"apiVersion":"v1","kind":"Service","metadata":{{"name":"s"}}}},{{"apiVersion":"v1","kind":"ConfigMap","metadata":{{"name":"kube-flannel-cfg","namespace":"kube-flannel"}},"data":{{"net-conf.json":"{{\"Network\":\"10.244.0.0/16\"}}"}}}}]}}"#
        );
        let a = Objects::parse(p, &list).unwrap().facts(p).unwrap();
        let yaml_list = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Node\n  metadata: {name: n1}\n  spec: {podCIDR: 10.244.1.0/24}\n- apiVersion: v1\n  kind: Service\n  metadata: {name: s}\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: kube-flannel-cfg, namespace: kube-flannel}\n  data:\n    net-conf.json: '{\"Network\":\"10.244.0.0/16\"}'\n";
        let b = Objects::parse(p, yaml_list).unwrap().facts(p).unwrap();
        let multi = "apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nspec: {podCIDR: 10.244.1.0/24}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: kube-flannel-cfg, namespace: kube-flannel}\ndata:\n  net-conf.json: '{\"Network\":\"10.244.0.0/16\"}'\n";
        let c = Objects::parse(p, multi).unwrap().facts(p).unwrap();
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_eq!(a.nodes.len(), 1);
        assert_eq!(
            a.net_conf.unwrap().network.as_deref(),
            Some("10.244.0.0/16")
        );
    }

    #[test]
    fn services_and_slices_of_either_version_are_read() {
        let p = Path::new("snap.yaml");
        let text = r#"apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Node
  metadata: {name: n1}
  spec: {podCIDR: 10.244.1.0/24}
- apiVersion: v1
  kind: Service
  metadata:
    name: web
    namespace: shop
    annotations: {kubectl-netscaler.io/lbvserver: vs-web}
  spec:
    type: ClusterIP
    selector: {app: web}
    ports: [{port: 80, targetPort: 8080, protocol: TCP}]
- apiVersion: discovery.k8s.io/v1beta1
  kind: EndpointSlice
  metadata:
    name: web-old
    namespace: shop
    labels: {kubernetes.io/service-name: web}
  addressType: IPv4
  ports: [{name: "", port: 8080, protocol: TCP}]
  endpoints:
  - addresses: [10.244.1.7]
    conditions: {ready: true}
    topology: {kubernetes.io/hostname: n1, topology.kubernetes.io/zone: a}
- apiVersion: discovery.k8s.io/v1
  kind: EndpointSlice
  metadata:
    name: web-new
    namespace: shop
    labels: {kubernetes.io/service-name: web}
  addressType: IPv4
  ports: [{port: 8080}]
  endpoints:
  - addresses: [10.244.1.8]
    conditions: {ready: true, serving: true, terminating: false}
    nodeName: n1
"#;
        let facts = Objects::parse(p, text).unwrap().facts(p).unwrap();
        assert!(facts.services_read);
        let svc = &facts.services[0];
        assert_eq!(svc.name, "web");
        let nodes: Vec<_> = svc.ports[0]
            .endpoints
            .iter()
            .map(|e| (e.address.as_str(), e.port, e.node.as_deref()))
            .collect();
        assert_eq!(
            nodes,
            [
                ("10.244.1.7", 8080, Some("n1")),
                ("10.244.1.8", 8080, Some("n1"))
            ]
        );
        // Nodes only: Services were not part of the snapshot.
        let nodes_only = format!("{{\"kind\":\"List\",\"items\":[{NODE_JSON}]}}");
        assert!(
            !Objects::parse(p, &nodes_only)
                .unwrap()
                .facts(p)
                .unwrap()
                .services_read
        );
    }

    #[test]
    fn a_snapshot_without_nodes_is_refused_saying_what_was_expected() {
        let p = Path::new("snap.yaml");
        for (text, found) in [
            (
                r#"{"apiVersion":"v1","kind":"List","items":[]}"#,
                "no objects",
            ),
            (
                "apiVersion: v1\nkind: Service\nmetadata: {name: s}\n",
                "only 1 Service",
            ),
            (r#"{"foo":1}"#, "only 1 without a kind"),
        ] {
            let err = Objects::parse(p, text).err().unwrap();
            assert!(matches!(err, Error::Usage(_)));
            let err = err.to_string();
            assert!(
                err.contains("--cluster-file snap.yaml: holds no Node objects")
                    && err.contains(found)
                    && err.contains(
                        "kubectl get nodes,services,endpointslices,configmaps -A -o yaml"
                    ),
                "{err}"
            );
        }
    }

    #[test]
    fn yaml_that_is_not_objects_is_not_called_invalid_yaml() {
        let p = Path::new("snap.yaml");
        let err = Objects::parse(p, "[1, 2, 3]\n").err().unwrap().to_string();
        assert!(
            err.contains("is YAML but not Kubernetes objects: document 1 is a sequence"),
            "{err}"
        );
        assert!(!err.contains("not valid YAML"), "{err}");
        let err = Objects::parse(p, "a: [unclosed\n")
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("is not valid YAML"), "{err}");
    }

    #[test]
    fn errors_name_the_file_and_item() {
        let p = Path::new("snap.json");
        let err = Objects::parse(p, "{nope").err().unwrap().to_string();
        assert!(err.contains("snap.json") && err.contains("JSON"), "{err}");
        let bad =
            r#"{"kind":"List","items":[{"apiVersion":"v1","kind":"Node","metadata":{"name":5}}]}"#;
        let err = Objects::parse(p, bad).err().unwrap().to_string();
        assert!(err.contains("item 0 (Node)"), "{err}");
    }
}
