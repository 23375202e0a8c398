//! The ADC's Node object in the cluster (SPEC §2.1): read it, and create, update or delete it.
//! Only the fields this tool manages are written; taints and labels others added stay.

use super::live::kube_error;
use crate::error::{Error, Result};
use crate::model::{NodeChange, Op};
use k8s_openapi::api::core::v1::Node;
use kube::api::{Api, DeleteParams, Patch, PatchParams, PostParams};
use serde_json::{Value, json};

/// Field manager name on writes.
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

/// Whether an update must recreate the object (`spec.podCIDR` is immutable once set).
fn recreate(change: &NodeChange, actual: Option<&Value>) -> bool {
    let want = change.desired.as_ref().map(|d| d.pod_cidr.to_string());
    let have = actual.and_then(|a| a["spec"]["podCIDR"].as_str());
    change.op == Op::Update && have.is_some_and(|c| Some(c) != want.as_deref())
}

/// The API verbs on `nodes` that [`write`] will use for this change.
pub fn verbs(change: &NodeChange, actual: Option<&Value>) -> &'static [&'static str] {
    match change.op {
        Op::Add => &["create"],
        Op::Delete => &["delete"],
        Op::Update if recreate(change, actual) => &["delete", "create"],
        Op::Update => &["patch"],
    }
}

/// Applies a Node change. `actual` is the Node as read (for updates: its taints are kept).
pub async fn write(
    client: &kube::Client,
    change: &NodeChange,
    actual: Option<&Value>,
) -> Result<()> {
    let api: Api<Node> = Api::all(client.clone());
    let name = change.name.as_str();
    let create = |desired: Value| {
        let api = api.clone();
        async move {
            let node: Node = serde_json::from_value(desired)
                .map_err(|e| Error::kubernetes(format!("node {name}: {e}")))?;
            api.create(&PostParams::default(), &node)
                .await
                .map_err(|e| kube_error(&format!("create node {name}"), e))
        }
    };
    match change.op {
        Op::Add => {
            let desired = change
                .desired
                .as_ref()
                .expect("an add carries the desired node");
            create(desired.to_json()).await?;
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
                create(want).await?;
                return Ok(());
            }
            // Our taints replace any of ours with other effects; others' taints stay.
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
            let patch = json!({
                "metadata": {
                    "labels": want["metadata"]["labels"],
                    "annotations": want["metadata"]["annotations"],
                },
                "spec": {
                    "podCIDR": want["spec"]["podCIDR"],
                    "podCIDRs": want["spec"]["podCIDRs"],
                    "unschedulable": true,
                    "taints": taints,
                },
            });
            api.patch(name, &PatchParams::default(), &Patch::Merge(&patch))
                .await
                .map_err(|e| kube_error(&format!("update node {name}"), e))?;
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
