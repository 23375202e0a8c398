//! The floor: the fastest straightforward way found to turn a `kubectl get nodes,configmaps
//! -o json|yaml` List into `k8s_openapi` `Node`s and `ConfigMap`s, and nothing else.
//!
//! [`one_pass_json`] / [`one_pass_yaml`] are the floor the benchmark reports. They read each item
//! in one pass into a struct holding the typed parts of both kinds (`ObjectMeta`, `NodeSpec`,
//! `NodeStatus`, ConfigMap `data`), then move those parts into a `Node` or a `ConfigMap` by
//! `kind`. This is only correct because the file holds nothing but Nodes and ConfigMaps (a
//! Service's `spec` would not fit `NodeSpec`), which makes the floor faster, so the target
//! stricter, than anything that has to accept any kind. The other variants are measured to show
//! that they are slower.

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::{ConfigMap, Node, NodeSpec, NodeStatus};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kubectl_netscaler::cluster::snapshot;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::collections::BTreeMap;

/// What the floor produces; `nodes.len()` is checked against the generator.
#[derive(Default)]
pub struct Typed {
    pub nodes: Vec<Node>,
    pub config_maps: Vec<ConfigMap>,
}

#[derive(Deserialize)]
struct List<T> {
    items: Vec<T>,
}

#[derive(Deserialize)]
struct AnyItem {
    kind: Option<String>,
    #[serde(default)]
    metadata: ObjectMeta,
    spec: Option<NodeSpec>,
    status: Option<NodeStatus>,
    data: Option<BTreeMap<String, String>>,
    #[serde(rename = "binaryData")]
    binary_data: Option<BTreeMap<String, ByteString>>,
    immutable: Option<bool>,
}

fn assemble(items: Vec<AnyItem>) -> Typed {
    let mut out = Typed::default();
    for it in items {
        match it.kind.as_deref() {
            Some("Node") => out.nodes.push(Node {
                metadata: it.metadata,
                spec: it.spec,
                status: it.status,
            }),
            Some("ConfigMap") => out.config_maps.push(ConfigMap {
                metadata: it.metadata,
                data: it.data,
                binary_data: it.binary_data,
                immutable: it.immutable,
            }),
            _ => {}
        }
    }
    out
}

/// The JSON floor: `serde_json::from_str` in one pass.
pub fn one_pass_json(text: &str) -> Typed {
    assemble(
        serde_json::from_str::<List<AnyItem>>(text)
            .expect("floor: JSON List")
            .items,
    )
}

/// The YAML floor: `serde_saphyr` in one pass.
pub fn one_pass_yaml(text: &str) -> Typed {
    assemble(
        serde_saphyr::from_str_with_options::<List<AnyItem>>(text, snapshot::yaml_options())
            .expect("floor: YAML List")
            .items,
    )
}

#[derive(Deserialize)]
struct Kind<'a> {
    #[serde(borrow)]
    kind: Option<&'a str>,
}

/// Items as `&RawValue`, a pass per item to read `kind`, then a typed pass.
pub fn raw_then_typed_json(text: &str) -> Typed {
    let list: List<&RawValue> = serde_json::from_str(text).expect("floor: JSON List");
    let mut out = Typed::default();
    for raw in list.items {
        let head: Kind = serde_json::from_str(raw.get()).expect("floor: kind");
        match head.kind {
            Some("Node") => out
                .nodes
                .push(serde_json::from_str(raw.get()).expect("floor: Node")),
            Some("ConfigMap") => out
                .config_maps
                .push(serde_json::from_str(raw.get()).expect("floor: ConfigMap")),
            _ => {}
        }
    }
    out
}

/// `k8s_openapi` checks `kind`, so an untagged enum picks the right type (after buffering
/// each item).
#[derive(Deserialize)]
#[serde(untagged)]
enum Untagged {
    Node(Box<Node>),
    ConfigMap(Box<ConfigMap>),
}

fn from_untagged(items: Vec<Untagged>) -> Typed {
    let mut out = Typed::default();
    for it in items {
        match it {
            Untagged::Node(n) => out.nodes.push(*n),
            Untagged::ConfigMap(c) => out.config_maps.push(*c),
        }
    }
    out
}

pub fn untagged_json(text: &str) -> Typed {
    from_untagged(
        serde_json::from_str::<List<Untagged>>(text)
            .expect("floor: JSON List")
            .items,
    )
}

pub fn untagged_yaml(text: &str) -> Typed {
    from_untagged(
        serde_saphyr::from_str_with_options::<List<Untagged>>(text, snapshot::yaml_options())
            .expect("floor: YAML List")
            .items,
    )
}
