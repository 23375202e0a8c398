//! The ADC's Node object in the cluster (SPEC §2.1): read it, and create, update or delete it.
//! Writes are server-side applies under [`FIELD_MANAGER`] of only the fields this tool manages;
//! taints, labels and annotations others added stay. Also the record of the applied owned scope:
//! the Node's [`ANN_SCOPE`] annotation in vxlan mode, a ConfigMap in routes mode.

use super::live::kube_error;
use crate::error::{Error, Result};
use crate::model::{
    ANN_SCOPE, LABEL_CLUSTER, LABEL_MANAGED_BY, MANAGED_BY, NodeChange, Op, OwnedScope, RECORD_KEY,
};
use k8s_openapi::api::core::v1::{ConfigMap, Node};
use kube::api::{Api, DeleteParams, Patch, PatchParams};
use serde_json::{Value, json};

/// The field manager of our server-side applies.
pub const FIELD_MANAGER: &str = "kubectl-netscaler";

/// The Node object named `name`, as JSON, if it exists.
pub async fn get(client: &kube::Client, name: &str) -> Result<Option<Value>> {
    let api: Api<Node> = Api::all(client.clone());
    let node = api
        .get_opt(name)
        .await
        .map_err(|e| kube_error(&format!("get node {name}"), e))?;
    node.map(|n| serde_json::to_value(n).map_err(|e| Error::kubernetes(e.to_string())))
        .transpose()
}

/// Where the applied scope of a cluster is recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RecordSource {
    /// The [`ANN_SCOPE`] annotation of the ADC Node (vxlan mode).
    Node(String),
    /// The ConfigMap `namespace/name` (routes mode).
    ConfigMap { namespace: String, name: String },
}

impl std::fmt::Display for RecordSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RecordSource::Node(n) => write!(f, "node {n} annotation {ANN_SCOPE}"),
            RecordSource::ConfigMap { namespace, name } => {
                write!(f, "configmap {namespace}/{name}")
            }
        }
    }
}

/// The applied scope as recorded in the cluster, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub scope: OwnedScope,
    pub source: RecordSource,
}

/// The name of the routes-mode record of `cluster`.
pub fn record_config_map(cluster: &str) -> String {
    format!("kubectl-netscaler-{cluster}")
}

fn parse_record(text: &str, source: RecordSource) -> Result<Record> {
    OwnedScope::from_record(text)
        .map(|scope| Record {
            scope,
            source: source.clone(),
        })
        .map_err(|e| {
            Error::usage(format!(
                "{source}: the record of the applied scope is unreadable: {e}; fix or remove it"
            ))
        })
}

/// The record on the ADC Node as read (`node`), when the Node is ours for `cluster`.
pub fn node_record(node: Option<&Value>, cluster: &str) -> Result<Option<Record>> {
    let Some(node) = node.filter(|n| {
        n["metadata"]["labels"][LABEL_MANAGED_BY] == MANAGED_BY
            && n["metadata"]["labels"][LABEL_CLUSTER] == cluster
    }) else {
        return Ok(None);
    };
    let name = node["metadata"]["name"].as_str().unwrap_or_default();
    node["metadata"]["annotations"][ANN_SCOPE]
        .as_str()
        .map(|t| parse_record(t, RecordSource::Node(name.into())))
        .transpose()
}

/// The routes-mode record of `cluster` in `namespace`, when it exists.
pub async fn config_map_record(
    client: &kube::Client,
    namespace: &str,
    cluster: &str,
) -> Result<Option<Record>> {
    let name = record_config_map(cluster);
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), namespace);
    let cm = api
        .get_opt(&name)
        .await
        .map_err(|e| kube_error(&format!("get configmap {namespace}/{name}"), e))?;
    let source = RecordSource::ConfigMap {
        namespace: namespace.into(),
        name,
    };
    cm.and_then(|c| c.data?.get(RECORD_KEY).cloned())
        .map(|t| parse_record(&t, source))
        .transpose()
}

/// Writes the routes-mode record of `scope` for `cluster` (server-side apply).
pub async fn write_config_map_record(
    client: &kube::Client,
    namespace: &str,
    cluster: &str,
    scope: &OwnedScope,
) -> Result<()> {
    let name = record_config_map(cluster);
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), namespace);
    let object = json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {LABEL_MANAGED_BY: MANAGED_BY, LABEL_CLUSTER: cluster},
        },
        "data": {RECORD_KEY: scope.to_record()},
    });
    api.patch(
        &name,
        &PatchParams::apply(FIELD_MANAGER).force(),
        &Patch::Apply(&object),
    )
    .await
    .map_err(|e| kube_error(&format!("write configmap {namespace}/{name}"), e))?;
    Ok(())
}

/// Deletes the routes-mode record (gone already counts as done).
pub async fn delete_config_map_record(
    client: &kube::Client,
    namespace: &str,
    cluster: &str,
) -> Result<()> {
    let name = record_config_map(cluster);
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), namespace);
    match api.delete(&name, &DeleteParams::default()).await {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(e)) if e.code == 404 => Ok(()),
        Err(e) => Err(kube_error(
            &format!("delete configmap {namespace}/{name}"),
            e,
        )),
    }
}

/// Whether an update must recreate the object (`spec.podCIDR` is immutable once set).
fn recreate(change: &NodeChange, actual: Option<&Value>) -> bool {
    let want = change.desired.as_ref().map(|d| d.pod_cidr.to_string());
    let have = actual.and_then(|a| a["spec"]["podCIDR"].as_str());
    change.op == Op::Update && have.is_some_and(|c| Some(c) != want.as_deref())
}

/// The API verbs on `nodes` that [`write`] will use for this change (a server-side apply that
/// creates the object needs `create` as well as `patch`).
pub fn verbs(change: &NodeChange, actual: Option<&Value>) -> &'static [&'static str] {
    match change.op {
        Op::Add => &["create", "patch"],
        Op::Delete => &["delete"],
        Op::Update if recreate(change, actual) => &["delete", "create", "patch"],
        Op::Update => &["patch"],
    }
}

/// The object [`write`] applies: the fields this tool manages, with our taints in place of any
/// of ours with other effects and the taints others added kept (the taint list is one field to
/// server-side apply, so it is written whole). With `guard`, `actual`'s resourceVersion makes
/// the apply fail with a conflict if the Node changed since it was read.
fn applied(want: &Value, actual: Option<&Value>, guard: bool) -> Value {
    let ours: Vec<&Value> = want["spec"]["taints"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    let mut taints: Vec<Value> = actual
        .and_then(|a| a["spec"]["taints"].as_array())
        .into_iter()
        .flatten()
        .filter(|t| !ours.iter().any(|o| o["key"] == t["key"]))
        .cloned()
        .collect();
    taints.extend(ours.into_iter().cloned());
    let mut object = want.clone();
    object["spec"]["taints"] = Value::Array(taints);
    if let Some(version) = actual
        .filter(|_| guard)
        .and_then(|a| a["metadata"]["resourceVersion"].as_str())
    {
        object["metadata"]["resourceVersion"] = json!(version);
    }
    object
}

/// Applies a Node change by server-side apply under [`FIELD_MANAGER`]: labels, annotations and
/// fields others set stay theirs and stay as they are. `actual` is the Node as read (for
/// updates: its taints are kept, and its resourceVersion guards against a concurrent change).
pub async fn write(
    client: &kube::Client,
    change: &NodeChange,
    actual: Option<&Value>,
) -> Result<()> {
    let api: Api<Node> = Api::all(client.clone());
    let name = change.name.as_str();
    // Forced: fields of ours that someone edited by hand (kubectl annotate, ...) are taken back.
    let params = PatchParams::apply(FIELD_MANAGER).force();
    let apply = |object: Value, what: &'static str| {
        let api = api.clone();
        let params = params.clone();
        async move {
            api.patch(name, &params, &Patch::Apply(&object))
                .await
                .map_err(|e| kube_error(&format!("{what} node {name}"), e))
        }
    };
    match change.op {
        Op::Add => {
            let desired = change
                .desired
                .as_ref()
                .expect("an add carries the desired node");
            apply(applied(&desired.to_json(), None, false), "create").await?;
        }
        Op::Delete => {
            api.delete(name, &DeleteParams::default())
                .await
                .map_err(|e| kube_error(&format!("delete node {name}"), e))?;
        }
        Op::Update => {
            let desired = change
                .desired
                .as_ref()
                .expect("an update carries the desired node");
            let want = desired.to_json();
            if recreate(change, actual) {
                // spec.podCIDR is immutable once set: recreate the object.
                api.delete(name, &DeleteParams::default())
                    .await
                    .map_err(|e| kube_error(&format!("delete node {name}"), e))?;
                wait_gone(&api, name).await?;
                apply(applied(&want, None, false), "create").await?;
                return Ok(());
            }
            apply(applied(&want, actual, true), "update").await?;
        }
    }
    Ok(())
}

async fn wait_gone(api: &Api<Node>, name: &str) -> Result<()> {
    for _ in 0..50 {
        match api.get_opt(name).await {
            Ok(None) => return Ok(()),
            Ok(Some(_)) => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
            Err(e) => return Err(kube_error(&format!("get node {name}"), e)),
        }
    }
    Err(Error::kubernetes(format!(
        "node {name} was deleted but is still there after 5 s; rerun to create it again"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taint(key: &str, effect: &str) -> Value {
        json!({"key": key, "effect": effect})
    }

    #[test]
    fn the_applied_node_keeps_others_taints_and_is_guarded_by_the_version_read() {
        let want = json!({
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {"name": "adc", "labels": {"app.kubernetes.io/managed-by": "kubectl-netscaler"}},
            "spec": {"taints": [taint("ours", "NoExecute")]},
        });
        let actual = json!({
            "metadata": {"name": "adc", "resourceVersion": "42", "labels": {"rack": "r1"}},
            "spec": {"taints": [taint("ours", "NoSchedule"), taint("theirs", "NoSchedule")]},
        });
        let update = applied(&want, Some(&actual), true);
        assert_eq!(
            update["spec"]["taints"],
            json!([taint("theirs", "NoSchedule"), taint("ours", "NoExecute")])
        );
        assert_eq!(update["metadata"]["resourceVersion"], "42");
        assert_eq!(
            update["metadata"]["labels"], want["metadata"]["labels"],
            "only our labels are applied; others' stay theirs"
        );
        let create = applied(&want, None, false);
        assert_eq!(create, want);
        assert!(applied(&want, Some(&actual), false)["metadata"]["resourceVersion"].is_null());
    }
}
