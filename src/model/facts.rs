//! The cluster facts the model uses, extracted from Kubernetes objects. Extraction is pure and
//! keeps only what planning needs (so the fingerprint covers exactly that), whether the objects
//! came from a live API server or from a `--cluster-file` snapshot.

use k8s_openapi::api::core::v1::{ConfigMap, Node};
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

/// Everything planning reads from the cluster.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClusterFacts {
    pub nodes: Vec<NodeFacts>,
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
}

#[cfg(test)]
mod tests {
    use super::*;

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
