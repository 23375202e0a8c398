//! `--cluster-file`: a saved snapshot, the output of
//! `kubectl get nodes,services,endpointslices,configmaps -A -o yaml|json` (a List), a single
//! object, or multi-document YAML. JSON takes a fast path that deserialises each item straight
//! into its Kubernetes type.

use crate::error::{Error, Result};
use crate::model::ClusterFacts;
use k8s_openapi::api::core::v1::{ConfigMap, Node};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::path::Path;

/// The kinds planning reads from a snapshot; everything else is ignored.
#[derive(Default)]
pub struct Objects {
    pub nodes: Vec<Node>,
    pub config_maps: Vec<ConfigMap>,
}

#[derive(Deserialize)]
struct KindOf<'a> {
    #[serde(borrow)]
    kind: Option<&'a str>,
    #[serde(borrow, default)]
    items: Option<Vec<&'a RawValue>>,
}

fn culprit(path: &Path, what: impl std::fmt::Display) -> Error {
    Error::usage(format!("--cluster-file {}: {what}", path.display()))
}

impl Objects {
    fn add_raw(&mut self, path: &Path, raw: &RawValue, index: usize) -> Result<()> {
        let head: KindOf = serde_json::from_str(raw.get())
            .map_err(|e| culprit(path, format!("item {index}: {e}")))?;
        match head.kind {
            Some("Node") => self.nodes.push(
                serde_json::from_str(raw.get())
                    .map_err(|e| culprit(path, format!("item {index} (Node): {e}")))?,
            ),
            Some("ConfigMap") => self.config_maps.push(
                serde_json::from_str(raw.get())
                    .map_err(|e| culprit(path, format!("item {index} (ConfigMap): {e}")))?,
            ),
            Some(k) if k.ends_with("List") => {
                for (i, item) in head.items.unwrap_or_default().into_iter().enumerate() {
                    self.add_raw(path, item, i)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn add_value(&mut self, path: &Path, v: serde_json::Value, index: usize) -> Result<()> {
        let kind = v.get("kind").and_then(|k| k.as_str()).unwrap_or_default();
        match kind {
            "Node" => self.nodes.push(
                serde_json::from_value(v)
                    .map_err(|e| culprit(path, format!("document {index} (Node): {e}")))?,
            ),
            "ConfigMap" => self.config_maps.push(
                serde_json::from_value(v)
                    .map_err(|e| culprit(path, format!("document {index} (ConfigMap): {e}")))?,
            ),
            k if k.ends_with("List") => {
                let serde_json::Value::Object(mut map) = v else {
                    return Ok(());
                };
                if let Some(serde_json::Value::Array(items)) = map.remove("items") {
                    for (i, item) in items.into_iter().enumerate() {
                        self.add_value(path, item, i)?;
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Parses snapshot text (JSON or YAML). `path` is only used in messages.
    pub fn parse(path: &Path, text: &str) -> Result<Objects> {
        let mut objects = Objects::default();
        if text.trim_start().starts_with('{') {
            let raw: &RawValue = serde_json::from_str(text)
                .map_err(|e| culprit(path, format!("is not valid JSON: {e}")))?;
            objects.add_raw(path, raw, 0)?;
        } else {
            let options = serde_saphyr::options! {
                budget: serde_saphyr::budget! {
                    max_events: 200_000_000,
                    max_nodes: 100_000_000,
                    max_total_scalar_bytes: 4_000_000_000,
                    max_documents: 1_000_000,
                },
            };
            let docs: Vec<serde_json::Value> =
                serde_saphyr::from_multiple_with_options(text, options)
                    .map_err(|e| culprit(path, format!("is not valid YAML: {e}")))?;
            for (i, doc) in docs.into_iter().enumerate() {
                objects.add_value(path, doc, i)?;
            }
        }
        Ok(objects)
    }

    pub fn read(path: &Path) -> Result<Objects> {
        let text = std::fs::read_to_string(path).map_err(|e| culprit(path, e))?;
        Objects::parse(path, &text)
    }

    pub fn facts(&self, path: &Path) -> Result<ClusterFacts> {
        ClusterFacts::from_objects(&self.nodes, &self.config_maps).map_err(|e| culprit(path, e))
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
        let yaml_list = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Node\n  metadata: {name: n1}\n  spec: {podCIDR: 10.244.1.0/24}\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: kube-flannel-cfg, namespace: kube-flannel}\n  data:\n    net-conf.json: '{\"Network\":\"10.244.0.0/16\"}'\n";
        let b = Objects::parse(p, yaml_list).unwrap().facts(p).unwrap();
        let multi = "apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nspec: {podCIDR: 10.244.1.0/24}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: kube-flannel-cfg, namespace: kube-flannel}\ndata:\n  net-conf.json: '{\"Network\":\"10.244.0.0/16\"}'\n";
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
