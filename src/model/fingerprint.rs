//! The plan's `inputsFingerprint`: a SHA-256 over exactly the cluster facts planning used, in a
//! canonical form (sorted, no map-order or formatting dependence), plus per-subject digests
//! (each node, each Service) so a stale plan can name what moved.

use super::desired::NotReadyPolicy;
use super::facts::{ClusterFacts, NetConf, NodeFacts};
use super::object::Subject;
use super::selector::LabelSelector;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

fn digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

#[derive(Serialize)]
struct CanonicalNode<'a> {
    name: &'a str,
    /// Labels matter only through this fact; other label changes do not stale a plan.
    selected: bool,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    planned: Option<PlannedNode<'a>>,
}

/// What planning reads of a node `nodeSelector` selects.
#[derive(Serialize)]
struct PlannedNode<'a> {
    created: Option<&'a str>,
    pod_cidrs: &'a [String],
    flannel: &'a BTreeMap<String, String>,
    addresses: &'a [(String, String)],
    /// Only under `notReady: remove`, and only whether it is Ready: `keep` plans a node
    /// whatever its readiness.
    #[serde(skip_serializing_if = "Option::is_none")]
    ready: Option<bool>,
}

fn node_digest(
    n: &NodeFacts,
    selector: Option<&LabelSelector>,
    not_ready: NotReadyPolicy,
) -> String {
    let selected = selector.is_none_or(|s| s.matches(&n.labels));
    // A node outside the selector is skipped whatever else it carries.
    let planned = selected.then(|| PlannedNode {
        created: n.created.as_deref(),
        pod_cidrs: &n.pod_cidrs,
        flannel: &n.flannel,
        addresses: &n.addresses,
        ready: (not_ready == NotReadyPolicy::Remove).then(|| n.ready.as_deref() == Some("True")),
    });
    let c = CanonicalNode {
        name: &n.name,
        selected,
        planned,
    };
    digest(&serde_json::to_vec(&c).expect("canonical node serialises"))
}

fn net_conf_digest(n: Option<&NetConf>) -> String {
    digest(&serde_json::to_vec(&n).expect("net-conf serialises"))
}

/// Per-input digests: one per node (by name), one per Service (by `namespace/name`) and one
/// for flannel's net-conf.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct InputDigests {
    pub nodes: BTreeMap<String, String>,
    /// Left out when empty, so plans without services keep their fingerprint and plans
    /// written before services were inputs still read.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub services: BTreeMap<String, String>,
    #[serde(rename = "netConf")]
    pub net_conf: String,
}

impl InputDigests {
    /// ADC Node objects (this tool's own, any cluster's) are not inputs: planning skips them,
    /// and `apply` creating ours must not stale a plan written before it.
    pub fn of(facts: &ClusterFacts, selector: Option<&LabelSelector>) -> InputDigests {
        InputDigests::planned(facts, selector, NotReadyPolicy::Remove)
    }

    /// The digests of exactly what planning with `selector` and the `not_ready` policy reads:
    /// a change to anything else (a skipped node's readiness, the readiness of any node under
    /// `notReady: keep`) leaves the plan current.
    pub fn planned(
        facts: &ClusterFacts,
        selector: Option<&LabelSelector>,
        not_ready: NotReadyPolicy,
    ) -> InputDigests {
        InputDigests {
            nodes: facts
                .nodes
                .iter()
                .filter(|n| !n.is_adc_node())
                .map(|n| (n.name.clone(), node_digest(n, selector, not_ready)))
                .collect(),
            // Only opted-in Services shape the plan; a Service without the annotation is no
            // input, so other Services coming and going do not stale a plan.
            services: facts
                .services
                .iter()
                .filter(|s| s.annotations.contains_key(super::services::ANN_LBVSERVER))
                .map(|s| {
                    let d = digest(&serde_json::to_vec(s).expect("service facts serialise"));
                    (format!("{}/{}", s.namespace, s.name), d)
                })
                .collect(),
            net_conf: net_conf_digest(facts.net_conf.as_ref()),
        }
    }

    /// The overall fingerprint.
    pub fn fingerprint(&self) -> String {
        digest(&serde_json::to_vec(self).expect("digests serialise"))
    }

    /// The digests by subject.
    fn subjects(&self) -> BTreeMap<Subject, &String> {
        let nodes = self
            .nodes
            .iter()
            .map(|(n, d)| (Subject::Node(n.clone()), d));
        let services = self.services.iter().map(|(s, d)| {
            let (namespace, name) = s.split_once('/').unwrap_or(("", s));
            (Subject::service(namespace, name), d)
        });
        nodes.chain(services).collect()
    }

    /// What differs between a plan's inputs (`self`) and the live ones, in words.
    pub fn describe_changes(&self, live: &InputDigests) -> Vec<String> {
        let mut out = Vec::new();
        let (planned, now) = (self.subjects(), live.subjects());
        for (subject, d) in &planned {
            match now.get(subject) {
                None => out.push(format!("{subject} was removed")),
                Some(l) if l != d => out.push(format!("{subject} changed")),
                _ => {}
            }
        }
        for subject in now.keys().filter(|s| !planned.contains_key(*s)) {
            out.push(format!("{subject} was added"));
        }
        if self.net_conf != live.net_conf {
            out.push("flannel net-conf.json changed".into());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &str, cidr: &str) -> NodeFacts {
        NodeFacts {
            name: name.into(),
            pod_cidrs: vec![cidr.into()],
            ..Default::default()
        }
    }

    #[test]
    fn stable_across_order_and_sensitive_to_content() {
        let a = ClusterFacts {
            nodes: vec![node("a", "10.244.1.0/24"), node("b", "10.244.2.0/24")],
            ..Default::default()
        };
        let mut b = a.clone();
        b.nodes.reverse();
        let (da, db) = (InputDigests::of(&a, None), InputDigests::of(&b, None));
        assert_eq!(da.fingerprint(), db.fingerprint());
        assert!(da.fingerprint().starts_with("sha256:"));
        let mut c = a.clone();
        c.nodes[1].pod_cidrs = vec!["10.244.3.0/24".into()];
        let dc = InputDigests::of(&c, None);
        assert_ne!(da.fingerprint(), dc.fingerprint());
        assert_eq!(da.describe_changes(&dc), ["node b changed"]);
        c.nodes.push(node("c", "10.244.9.0/24"));
        c.nodes.remove(0);
        assert_eq!(
            da.describe_changes(&InputDigests::of(&c, None)),
            ["node a was removed", "node b changed", "node c was added"]
        );
    }

    #[test]
    fn services_are_named_like_nodes_and_absent_ones_keep_the_fingerprint() {
        let a = InputDigests {
            nodes: [("a".to_string(), "sha256:1".to_string())].into(),
            services: [
                ("default/web".to_string(), "sha256:2".to_string()),
                ("shop/cart".to_string(), "sha256:3".to_string()),
            ]
            .into(),
            net_conf: "sha256:0".into(),
        };
        let mut b = a.clone();
        b.services.insert("default/web".into(), "sha256:9".into());
        b.services.remove("shop/cart");
        b.services.insert("shop/pay".into(), "sha256:4".into());
        assert_eq!(
            a.describe_changes(&b),
            [
                "service default/web changed",
                "service shop/cart was removed",
                "service shop/pay was added"
            ]
        );
        // Without services the document (and so the fingerprint) is what it always was.
        let plain = InputDigests {
            services: BTreeMap::new(),
            ..a.clone()
        };
        let text = serde_json::to_string(&plain).unwrap();
        assert_eq!(text, r#"{"nodes":{"a":"sha256:1"},"netConf":"sha256:0"}"#);
        let back: InputDigests = serde_json::from_str(&text).unwrap();
        assert_eq!(back, plain);
    }

    #[test]
    fn opted_in_services_are_inputs_with_their_endpoints() {
        use crate::model::facts::{EndpointFacts, ServiceFacts, ServicePortFacts};
        let svc = |name: &str, opted_in: bool, node: &str| ServiceFacts {
            namespace: "shop".into(),
            name: name.into(),
            annotations: if opted_in {
                [(
                    super::super::services::ANN_LBVSERVER.to_string(),
                    "vs".to_string(),
                )]
                .into()
            } else {
                BTreeMap::new()
            },
            service_type: "NodePort".into(),
            ports: vec![ServicePortFacts {
                port: 80,
                endpoints: vec![EndpointFacts {
                    address: "10.244.1.5".into(),
                    port: 8080,
                    node: Some(node.into()),
                }],
                ..Default::default()
            }],
        };
        let facts = |services| ClusterFacts {
            services,
            services_read: true,
            ..Default::default()
        };
        let a = InputDigests::of(
            &facts(vec![svc("web", true, "n1"), svc("db", false, "n1")]),
            None,
        );
        assert_eq!(a.services.keys().collect::<Vec<_>>(), ["shop/web"]);
        let moved = InputDigests::of(
            &facts(vec![svc("web", true, "n2"), svc("db", false, "n2")]),
            None,
        );
        assert_eq!(a.describe_changes(&moved), ["service shop/web changed"]);
        let opted_out = InputDigests::of(&facts(vec![svc("web", false, "n1")]), None);
        assert_eq!(
            a.describe_changes(&opted_out),
            ["service shop/web was removed"]
        );
    }

    #[test]
    fn only_what_shaped_the_plan_is_digested() {
        let selector = LabelSelector::parse("pool=web").unwrap();
        let mut web = node("a", "10.244.1.0/24");
        web.labels.insert("pool".into(), "web".into());
        web.ready = Some("True".into());
        let mut other = node("b", "10.244.2.0/24");
        other.ready = Some("True".into());
        let facts = ClusterFacts {
            nodes: vec![web, other],
            ..Default::default()
        };
        let digests = |f: &ClusterFacts, policy| InputDigests::planned(f, Some(&selector), policy);
        let mut moved = facts.clone();
        // The unselected node changes readiness and pod CIDR: it was skipped anyway.
        moved.nodes[1].ready = Some("False".into());
        moved.nodes[1].pod_cidrs = vec!["10.244.9.0/24".into()];
        for policy in [NotReadyPolicy::Keep, NotReadyPolicy::Remove] {
            assert_eq!(digests(&facts, policy), digests(&moved, policy));
        }
        // The selected node's readiness matters only under notReady: remove.
        moved.nodes[0].ready = Some("Unknown".into());
        assert_eq!(
            digests(&facts, NotReadyPolicy::Keep),
            digests(&moved, NotReadyPolicy::Keep)
        );
        assert_eq!(
            digests(&facts, NotReadyPolicy::Remove)
                .describe_changes(&digests(&moved, NotReadyPolicy::Remove)),
            ["node a changed"]
        );
        // Leaving the selector is a change.
        moved.nodes[0].labels.clear();
        assert_eq!(
            digests(&facts, NotReadyPolicy::Keep)
                .describe_changes(&digests(&moved, NotReadyPolicy::Keep)),
            ["node a changed"]
        );
    }

    #[test]
    fn adc_node_objects_are_not_inputs() {
        let a = ClusterFacts {
            nodes: vec![node("a", "10.244.1.0/24")],
            ..Default::default()
        };
        let mut with_adc = a.clone();
        let mut adc = node("netscaler-prod", "10.244.254.0/24");
        adc.labels.insert(
            crate::model::LABEL_MANAGED_BY.into(),
            crate::model::MANAGED_BY.into(),
        );
        with_adc.nodes.push(adc);
        let (da, dw) = (
            InputDigests::of(&a, None),
            InputDigests::of(&with_adc, None),
        );
        assert_eq!(da.fingerprint(), dw.fingerprint());
        assert!(da.describe_changes(&dw).is_empty());
    }
}
