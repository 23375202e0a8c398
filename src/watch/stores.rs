//! The inputs of `watch`: kube-runtime watchers feeding reflector stores for Nodes and flannel's
//! ConfigMap, each stripped to what planning reads before it reaches a store (SPEC §3: a Node's
//! labels, flannel annotations, pod CIDRs, addresses and Ready condition; the ADC's own Node is
//! kept whole, it is diffed against). A watch that breaks, or whose resourceVersion is too old
//! (410), is resumed by kube-runtime with a relist under `default_backoff`; the store is swapped
//! atomically when a relist completes, so it is never partial. Until every watcher has listed
//! (and again from a watch error until its relist completes) the inputs are not synced, and
//! nothing is reconciled — above all nothing deleted — from them (fail closed, SPEC §4).

use crate::model::{ClusterFacts, FLANNEL_CONFIGMAP, FLANNEL_PREFIX, LABEL_MANAGED_BY, MANAGED_BY};
use futures::{Stream, StreamExt};
use k8s_openapi::api::core::v1::{ConfigMap, Node, NodeCondition, NodeSpec, NodeStatus, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind};
use kube::runtime::reflector::{self, Store};
use kube::runtime::{WatchStreamExt, watcher};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Namespaces flannel's ConfigMap is looked up in, in order of preference (as `apply` does).
pub const FLANNEL_NAMESPACES: [&str; 2] = ["kube-flannel", "kube-system"];

/// Something in the cluster changed (or a watcher relisted): time to reconcile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Touched {
    /// `node/<name>`, `configmap/<ns>/<name>`, or `<kind> relisted`.
    pub what: String,
}

/// The reflector stores `watch` plans from, and whether each is synced.
#[derive(Clone)]
pub struct Inputs {
    nodes: Store<Node>,
    flannel: Vec<Store<ConfigMap>>,
    /// Services and their EndpointSlices (of the version the server serves), when service
    /// groups are managed.
    services: Option<(Store<Service>, Store<DynamicObject>)>,
    synced: Vec<(&'static str, Arc<AtomicBool>)>,
}

impl Inputs {
    /// Whether every watcher has a complete, current list (and no watch error since).
    pub fn synced(&self) -> bool {
        self.synced.iter().all(|(_, s)| s.load(Ordering::Acquire))
    }

    /// The watchers not synced, for messages.
    pub fn unsynced(&self) -> Vec<&'static str> {
        self.synced
            .iter()
            .filter(|(_, s)| !s.load(Ordering::Acquire))
            .map(|(w, _)| *w)
            .collect()
    }

    /// Waits until every store has had its first complete list.
    pub async fn wait_until_ready(&self) {
        for store in &self.flannel {
            let _ = store.wait_until_ready().await;
        }
        if let Some((services, slices)) = &self.services {
            let _ = services.wait_until_ready().await;
            let _ = slices.wait_until_ready().await;
        }
        let _ = self.nodes.wait_until_ready().await;
    }

    /// The facts planning reads, from the stores as they are now (the same constructor as a
    /// list or a snapshot file feeds).
    pub fn facts(&self) -> Result<ClusterFacts, String> {
        let nodes = self.nodes.state();
        let cms: Vec<Arc<ConfigMap>> = self.flannel.iter().flat_map(|s| s.state()).collect();
        let facts = ClusterFacts::from_objects(
            nodes.iter().map(|n| n.as_ref()),
            cms.iter().map(|c| c.as_ref()),
        )?;
        let Some((services, slices)) = &self.services else {
            return Ok(facts);
        };
        let services = services.state();
        let slices: Vec<EndpointSlice> = slices
            .state()
            .iter()
            .map(|o| {
                let name = format!(
                    "{}/{}",
                    o.metadata.namespace.as_deref().unwrap_or_default(),
                    o.metadata.name.as_deref().unwrap_or_default()
                );
                serde_json::to_value(o.as_ref())
                    .map_err(|e| e.to_string())
                    .and_then(|v| {
                        crate::cluster::snapshot::endpoint_slice_from_json(v)
                            .map_err(|e| e.to_string())
                    })
                    .map_err(|e| format!("endpointslice {name}: {e}"))
            })
            .collect::<Result<_, _>>()?;
        Ok(facts.with_services(services.iter().map(|s| s.as_ref()), &slices))
    }

    /// A Node as the store has it (the ADC Node is kept whole), without a request.
    pub fn node(&self, name: &str) -> Option<Arc<Node>> {
        self.nodes.get(&reflector::ObjectRef::new(name))
    }

    /// How many Nodes the store holds.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }
}

/// Drops from a Node what planning never reads, so 5,000 Nodes stay small in memory: managed
/// fields, images, capacity, nodeInfo, every condition but Ready, annotations other than
/// flannel's. The ADC's own Node (labelled as ours) is kept as is but for managed fields:
/// `diff` compares its spec, labels and annotations.
pub fn strip_node(node: &mut Node) {
    node.metadata.managed_fields = None;
    let ours = node
        .metadata
        .labels
        .as_ref()
        .and_then(|l| l.get(LABEL_MANAGED_BY))
        .is_some_and(|v| v == MANAGED_BY);
    if ours {
        return;
    }
    if let Some(ann) = node.metadata.annotations.as_mut() {
        ann.retain(|k, _| k.starts_with(FLANNEL_PREFIX));
    }
    node.spec = node.spec.take().map(|s| NodeSpec {
        pod_cidr: s.pod_cidr,
        pod_cidrs: s.pod_cidrs,
        ..Default::default()
    });
    node.status = node.status.take().map(|s| NodeStatus {
        addresses: s.addresses,
        conditions: s.conditions.map(|cs| {
            cs.into_iter()
                .filter(|c| c.type_ == "Ready")
                .map(|c| NodeCondition {
                    type_: c.type_,
                    status: c.status,
                    ..Default::default()
                })
                .collect()
        }),
        ..Default::default()
    });
}

fn strip_config_map(cm: &mut ConfigMap) {
    cm.metadata.managed_fields = None;
    cm.metadata.annotations = None;
    cm.binary_data = None;
}

fn strip_service(svc: &mut Service) {
    svc.metadata.managed_fields = None;
    svc.status = None;
    if let Some(ann) = svc.metadata.annotations.as_mut() {
        ann.remove("kubectl.kubernetes.io/last-applied-configuration");
    }
}

fn strip_slice(slice: &mut DynamicObject) {
    slice.metadata.managed_fields = None;
    slice.metadata.annotations = None;
}

/// Starts the watchers on the current tokio runtime; they run until `cancel`. Every change
/// (and every completed relist) is sent on the returned channel. `slice_version` (`v1` or
/// `v1beta1`, as the server serves EndpointSlices) also watches Services and EndpointSlices.
pub fn start(
    client: &kube::Client,
    cancel: &CancellationToken,
    slice_version: Option<&str>,
) -> (Inputs, mpsc::UnboundedReceiver<Touched>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let mut synced = Vec::new();

    let (nodes, writer) = reflector::store();
    let flag = Arc::new(AtomicBool::new(false));
    synced.push(("nodes", flag.clone()));
    let stream = watcher(Api::<Node>::all(client.clone()), watcher::Config::default())
        .default_backoff()
        .modify(strip_node)
        .reflect(writer);
    spawn_drain(
        "nodes",
        stream,
        flag,
        tx.clone(),
        cancel.clone(),
        |n: &Node| format!("node/{}", n.metadata.name.as_deref().unwrap_or("")),
    );

    let mut flannel = Vec::new();
    for ns in FLANNEL_NAMESPACES {
        let (store, writer) = reflector::store();
        let flag = Arc::new(AtomicBool::new(false));
        let what: &'static str = if ns == "kube-flannel" {
            "configmap kube-flannel/kube-flannel-cfg"
        } else {
            "configmap kube-system/kube-flannel-cfg"
        };
        synced.push((what, flag.clone()));
        let config =
            watcher::Config::default().fields(&format!("metadata.name={FLANNEL_CONFIGMAP}"));
        let stream = watcher(Api::<ConfigMap>::namespaced(client.clone(), ns), config)
            .default_backoff()
            .modify(strip_config_map)
            .reflect(writer);
        spawn_drain(
            what,
            stream,
            flag,
            tx.clone(),
            cancel.clone(),
            move |_: &ConfigMap| what.to_string(),
        );
        flannel.push(store);
    }
    let services = slice_version.map(|version| {
        let (services, writer) = reflector::store();
        let flag = Arc::new(AtomicBool::new(false));
        synced.push(("services", flag.clone()));
        let stream = watcher(
            Api::<Service>::all(client.clone()),
            watcher::Config::default(),
        )
        .default_backoff()
        .modify(strip_service)
        .reflect(writer);
        spawn_drain(
            "services",
            stream,
            flag,
            tx.clone(),
            cancel.clone(),
            |s: &Service| {
                format!(
                    "service/{}/{}",
                    s.metadata.namespace.as_deref().unwrap_or(""),
                    s.metadata.name.as_deref().unwrap_or("")
                )
            },
        );
        let gvk = GroupVersionKind::gvk("discovery.k8s.io", version, "EndpointSlice");
        let resource = ApiResource::from_gvk_with_plural(&gvk, "endpointslices");
        let writer = reflector::store::Writer::new(resource.clone());
        let slices = writer.as_reader();
        let flag = Arc::new(AtomicBool::new(false));
        synced.push(("endpointslices", flag.clone()));
        let api: Api<DynamicObject> = Api::all_with(client.clone(), &resource);
        let stream = watcher(api, watcher::Config::default())
            .default_backoff()
            .modify(strip_slice)
            .reflect(writer);
        spawn_drain(
            "endpointslices",
            stream,
            flag,
            tx.clone(),
            cancel.clone(),
            |s: &DynamicObject| {
                format!(
                    "endpointslice/{}/{}",
                    s.metadata.namespace.as_deref().unwrap_or(""),
                    s.metadata.name.as_deref().unwrap_or("")
                )
            },
        );
        (services, slices)
    });
    (
        Inputs {
            nodes,
            flannel,
            services,
            synced,
        },
        rx,
    )
}

/// Drives one watcher stream: keeps its `synced` flag (false from a watch error until the
/// relist after it completes) and reports changes.
fn spawn_drain<K, S>(
    what: &'static str,
    stream: S,
    synced: Arc<AtomicBool>,
    tx: mpsc::UnboundedSender<Touched>,
    cancel: CancellationToken,
    name: impl Fn(&K) -> String + Send + 'static,
) where
    K: Send + 'static,
    S: Stream<Item = Result<watcher::Event<K>, watcher::Error>> + Send + 'static,
{
    tokio::spawn(async move {
        let mut stream = std::pin::pin!(stream);
        loop {
            let item = tokio::select! {
                () = cancel.cancelled() => break,
                item = stream.next() => item,
            };
            let Some(item) = item else { break };
            let touched = match item {
                Ok(watcher::Event::Apply(obj) | watcher::Event::Delete(obj)) => Some(name(&obj)),
                Ok(watcher::Event::InitDone) => {
                    let was = synced.swap(true, Ordering::AcqRel);
                    tracing::debug!(watch = what, "listed");
                    Some(if was {
                        format!("{what} relisted")
                    } else {
                        format!("{what} synced")
                    })
                }
                Ok(watcher::Event::Init | watcher::Event::InitApply(_)) => None,
                Err(e) => {
                    // kube-runtime resumes (relisting when needed) after a backoff; until the
                    // relist completes this input is not trusted.
                    synced.store(false, Ordering::Release);
                    tracing::warn!(watch = what, "watch failed, resuming: {e}");
                    None
                }
            };
            if let Some(what) = touched
                && tx.send(Touched { what }).is_err()
            {
                break;
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stripping_keeps_what_planning_reads_and_drops_the_rest() {
        let node: Node = serde_json::from_value(serde_json::json!({
            "metadata": {
                "name": "n1",
                "labels": {"role": "worker"},
                "annotations": {
                    "flannel.alpha.coreos.com/backend-data": "{\"VNI\":1,\"VtepMAC\":\"0a:58:0a:f4:01:00\"}",
                    "flannel.alpha.coreos.com/public-ip": "192.0.2.21",
                    "kubectl.kubernetes.io/last-applied-configuration": "{... big ...}"
                },
                "managedFields": [{"manager": "kubelet", "operation": "Update"}]
            },
            "spec": {"podCIDR": "10.244.1.0/24", "podCIDRs": ["10.244.1.0/24"], "providerID": "x"},
            "status": {
                "addresses": [{"type": "InternalIP", "address": "192.0.2.21"}],
                "conditions": [
                    {"type": "MemoryPressure", "status": "False"},
                    {"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "ok"}
                ],
                "images": [{"names": ["registry/app:1"], "sizeBytes": 1}],
                "nodeInfo": {"machineID": "m", "systemUUID": "s", "bootID": "b", "kernelVersion": "k",
                    "osImage": "o", "containerRuntimeVersion": "c", "kubeletVersion": "v",
                    "kubeProxyVersion": "v", "operatingSystem": "linux", "architecture": "amd64"}
            }
        }))
        .unwrap();
        let before = crate::model::NodeFacts::from_node(&node);
        let mut stripped = node.clone();
        strip_node(&mut stripped);
        assert_eq!(crate::model::NodeFacts::from_node(&stripped), before);
        assert!(stripped.metadata.managed_fields.is_none());
        let status = stripped.status.as_ref().unwrap();
        assert!(status.images.is_none() && status.node_info.is_none());
        assert_eq!(status.conditions.as_ref().unwrap().len(), 1);
        assert_eq!(stripped.metadata.annotations.as_ref().unwrap().len(), 2);
        assert!(stripped.spec.as_ref().unwrap().provider_id.is_none());
        let size = |n: &Node| serde_json::to_vec(n).unwrap().len();
        assert!(
            size(&stripped) < size(&node) / 2,
            "{} vs {}",
            size(&stripped),
            size(&node)
        );
    }

    #[test]
    fn the_adc_node_is_kept_whole_but_for_managed_fields() {
        let node: Node = serde_json::from_value(serde_json::json!({
            "metadata": {
                "name": "netscaler-prod",
                "labels": {LABEL_MANAGED_BY: MANAGED_BY},
                "annotations": {"other": "kept"},
                "managedFields": [{"manager": "kubectl-netscaler", "operation": "Apply"}]
            },
            "spec": {"podCIDR": "10.244.254.0/24", "taints": [{"key": "kubectl-netscaler.io/adc", "effect": "NoSchedule"}]}
        }))
        .unwrap();
        let mut stripped = node.clone();
        strip_node(&mut stripped);
        assert!(stripped.metadata.managed_fields.is_none());
        stripped.metadata.managed_fields = node.metadata.managed_fields.clone();
        assert_eq!(stripped, node);
    }
}
