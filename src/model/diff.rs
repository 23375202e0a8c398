//! The change set between desired and actual state: what to add, update (in place or by
//! delete + add) and delete, in the order NITRO needs (NITRO.md §5). Pure.

use super::desired::AdcNode;
use super::object::{AdcObject, ObjectKey, ResourceKind, Subject};
use serde::Serialize;
use serde_json::{Map, Value as Json};
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    Add,
    Update,
    Delete,
}

impl Op {
    pub fn symbol(self) -> char {
        match self {
            Op::Add => '+',
            Op::Update => '~',
            Op::Delete => '-',
        }
    }
}

/// One change to an ADC object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub op: Op,
    pub key: ObjectKey,
    pub before: Option<AdcObject>,
    pub after: Option<AdcObject>,
    /// Attributes that differ (updates only).
    pub fields: Vec<&'static str>,
}

impl Change {
    /// An update NITRO cannot do in place (a non-updatable attribute changed): executed as a
    /// delete followed by an add.
    pub fn is_replace(&self) -> bool {
        self.op == Op::Update
            && self
                .fields
                .iter()
                .any(|f| !self.key.kind.spec().updatable.contains(f))
    }

    /// What the object belongs to, when known (the cluster otherwise).
    pub fn subject(&self) -> &Subject {
        static CLUSTER: Subject = Subject::Cluster;
        self.after
            .as_ref()
            .or(self.before.as_ref())
            .map_or(&CLUSTER, |o| &o.subject)
    }
}

/// A change to the ADC's Node object in the cluster.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeChange {
    pub op: Op,
    pub name: String,
    /// Managed fields as they are (`None` for an add).
    pub before: Option<Json>,
    /// Managed fields as they should be (`None` for a delete).
    pub after: Option<Json>,
    pub fields: Vec<String>,
    /// The full object to create or the fields to merge.
    pub desired: Option<AdcNode>,
}

/// All changes, ADC objects first in execution order, then the Node object.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChangeSet {
    pub changes: Vec<Change>,
    pub node: Option<NodeChange>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub add: usize,
    pub update: usize,
    pub delete: usize,
}

/// One bulk request's worth of work: a kind, an operation and the objects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step<'a> {
    pub kind: ResourceKind,
    pub op: Op,
    pub objects: Vec<&'a AdcObject>,
}

impl ChangeSet {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty() && self.node.is_none()
    }

    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        let ops = self
            .changes
            .iter()
            .map(|c| c.op)
            .chain(self.node.iter().map(|n| n.op));
        for op in ops {
            match op {
                Op::Add => s.add += 1,
                Op::Update => s.update += 1,
                Op::Delete => s.delete += 1,
            }
        }
        s
    }

    /// When this change set deletes our vxlan (teardown), also deletes the entries the ADC
    /// learned on it (`learned`: DYNAMIC arp/bridgetable entries with vxlan = VNI), which
    /// would keep it in use (315). [`ChangeSet::steps`] runs them with the other arp and
    /// bridgetable deletes, before the vxlan's.
    pub fn delete_learned_with_vxlan(&mut self, learned: &[AdcObject]) {
        let deletes_vxlan = self
            .changes
            .iter()
            .any(|c| c.op == Op::Delete && c.key.kind == ResourceKind::Vxlan);
        if !deletes_vxlan {
            return;
        }
        for o in learned {
            let key = o.key();
            if self.changes.iter().any(|c| c.key == key) {
                continue;
            }
            self.changes.push(Change {
                op: Op::Delete,
                key,
                before: Some(o.clone()),
                after: None,
                fields: Vec::new(),
            });
        }
        self.changes.sort_by(|a, b| a.key.cmp(&b.key));
    }

    /// ADC objects this change set removes for good (replacements excluded).
    pub fn deletes(&self) -> usize {
        self.changes.iter().filter(|c| c.op == Op::Delete).count()
    }

    /// The NITRO work in execution order, one step per (kind, operation):
    /// deletes in reverse create order, then in-place updates and adds in create order
    /// (NITRO.md §5). An update NITRO cannot do in place is a delete in the first phase and an
    /// add in the second. Kinds marked `add_before_delete` (the overlay SNIP) get their new
    /// objects before the old ones go, so routes keep a connected gateway (605).
    pub fn steps(&self) -> Vec<Step<'_>> {
        type ByKind<'a> = BTreeMap<ResourceKind, Vec<&'a AdcObject>>;
        let (mut deletes, mut updates, mut adds, mut readds) =
            (ByKind::new(), ByKind::new(), ByKind::new(), ByKind::new());
        for c in &self.changes {
            let kind = c.key.kind;
            match c.op {
                Op::Add => adds.entry(kind).or_default().extend(&c.after),
                Op::Delete => deletes.entry(kind).or_default().extend(&c.before),
                Op::Update if c.is_replace() => {
                    deletes.entry(kind).or_default().extend(&c.before);
                    readds.entry(kind).or_default().extend(&c.after);
                }
                Op::Update => updates.entry(kind).or_default().extend(&c.after),
            }
        }
        let mut steps = Vec::new();
        let mut push = |kind, op, objects: Vec<_>| {
            if !objects.is_empty() {
                steps.push(Step { kind, op, objects });
            }
        };
        for kind in ResourceKind::ALL {
            if kind.spec().add_before_delete && deletes.contains_key(&kind) {
                push(kind, Op::Add, adds.remove(&kind).unwrap_or_default());
            }
        }
        for kind in ResourceKind::ALL.into_iter().rev() {
            push(kind, Op::Delete, deletes.remove(&kind).unwrap_or_default());
        }
        for kind in ResourceKind::ALL {
            push(kind, Op::Update, updates.remove(&kind).unwrap_or_default());
            let mut add = adds.remove(&kind).unwrap_or_default();
            add.extend(readds.remove(&kind).unwrap_or_default());
            push(kind, Op::Add, add);
        }
        steps
    }
}

/// Compares desired and actual ADC objects (both already limited to the owned scope).
pub fn diff_objects(desired: &[AdcObject], actual: &[AdcObject]) -> Vec<Change> {
    let mut want: BTreeMap<ObjectKey, &AdcObject> = desired.iter().map(|o| (o.key(), o)).collect();
    let mut changes = Vec::new();
    for a in actual {
        let key = a.key();
        match want.remove(&key) {
            None => changes.push(Change {
                op: Op::Delete,
                key,
                before: Some(a.clone()),
                after: None,
                fields: Vec::new(),
            }),
            Some(d) => {
                let fields = a.changed_attrs(d);
                if !fields.is_empty() {
                    changes.push(Change {
                        op: Op::Update,
                        key,
                        before: Some(a.clone()),
                        after: Some(d.clone()),
                        fields,
                    });
                }
            }
        }
    }
    changes.extend(want.into_iter().map(|(key, d)| Change {
        op: Op::Add,
        key,
        before: None,
        after: Some(d.clone()),
        fields: Vec::new(),
    }));
    // Presentation order: by kind in create order, then identity.
    changes.sort_by(|a, b| a.key.cmp(&b.key));
    changes
}

/// The fields of a Node this tool manages, taken from a full Node object.
pub fn managed_node_fields(node: &Json, template: &Json) -> Json {
    let mut out = Map::new();
    for section in ["labels", "annotations"] {
        let keys = template["metadata"][section].as_object();
        let have = node["metadata"][section].as_object();
        let picked: Map<String, Json> = keys
            .into_iter()
            .flatten()
            .filter_map(|(k, _)| Some((k.clone(), have?.get(k)?.clone())))
            .collect();
        out.insert(section.into(), Json::Object(picked));
    }
    let spec = &node["spec"];
    let mut s = Map::new();
    for key in ["podCIDR", "unschedulable"] {
        if let Some(v) = spec.get(key) {
            s.insert(key.into(), v.clone());
        }
    }
    // Only our taints matter; others (added by admins or controllers) are left alone.
    let want_taints: Vec<&Json> = template["spec"]["taints"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    let taints: Vec<Json> = spec["taints"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| {
            want_taints
                .iter()
                .any(|w| w["key"] == t["key"] && w["effect"] == t["effect"])
        })
        .map(|t| serde_json::json!({"key": t["key"], "effect": t["effect"]}))
        .collect();
    s.insert("taints".into(), Json::Array(taints));
    out.insert("spec".into(), Json::Object(s));
    Json::Object(out)
}

/// Compares the desired ADC Node object with the one in the cluster.
pub fn diff_node(desired: Option<&AdcNode>, actual: Option<(&str, &Json)>) -> Option<NodeChange> {
    match (desired, actual) {
        (None, None) => None,
        (None, Some((name, node))) => Some(NodeChange {
            op: Op::Delete,
            name: name.to_string(),
            before: Some(node.clone()),
            after: None,
            fields: Vec::new(),
            desired: None,
        }),
        (Some(d), None) => Some(NodeChange {
            op: Op::Add,
            name: d.name.clone(),
            before: None,
            after: Some(d.to_json()),
            fields: Vec::new(),
            desired: Some(d.clone()),
        }),
        (Some(d), Some((_, node))) => {
            let template = d.to_json();
            let want = managed_node_fields(&template, &template);
            let have = managed_node_fields(node, &template);
            let mut fields = Vec::new();
            for section in ["labels", "annotations"] {
                for (k, v) in want[section].as_object().into_iter().flatten() {
                    if have[section].get(k) != Some(v) {
                        fields.push(format!("metadata.{section}.{k}"));
                    }
                }
            }
            for key in ["podCIDR", "unschedulable", "taints"] {
                if want["spec"].get(key) != have["spec"].get(key) {
                    fields.push(format!("spec.{key}"));
                }
            }
            (!fields.is_empty()).then(|| NodeChange {
                op: Op::Update,
                name: d.name.clone(),
                before: Some(have),
                after: Some(want),
                fields,
                desired: Some(d.clone()),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    fn ip(s: &str) -> Ipv4Addr {
        s.parse().unwrap()
    }

    fn route(n: &str, gw: &str) -> AdcObject {
        AdcObject::route(ip(n), ip("255.255.255.0"), ip(gw))
    }

    /// Teardown (a change set deleting the vxlan) removes the learned entries before the
    /// vxlan; any other change set leaves them alone.
    #[test]
    fn learned_entries_go_only_with_the_vxlan_and_before_it() {
        let learned = [
            AdcObject::arp(ip("10.244.1.5"), "0a:00:00:00:00:05", 1, ip("192.0.2.21")),
            AdcObject::bridgetable("0a:00:00:00:00:05", 1, ip("192.0.2.21")),
        ];
        let ours = vec![
            AdcObject::vxlan(1, 8472),
            AdcObject::vxlan_srcip_binding(1, ip("192.0.2.10")),
            AdcObject::arp(ip("10.244.1.0"), "0a:00:00:00:00:01", 1, ip("192.0.2.21")),
        ];
        let mut apply = ChangeSet {
            changes: diff_objects(&ours[..2], &ours),
            node: None,
        };
        let before = apply.clone();
        apply.delete_learned_with_vxlan(&learned);
        assert_eq!(apply, before, "apply keeps the vxlan: learned entries stay");

        let mut teardown = ChangeSet {
            changes: diff_objects(&[], &ours),
            node: None,
        };
        teardown.delete_learned_with_vxlan(&learned);
        assert_eq!(teardown.deletes(), 5);
        let steps: Vec<(ResourceKind, Op, usize)> = teardown
            .steps()
            .iter()
            .map(|s| (s.kind, s.op, s.objects.len()))
            .collect();
        assert_eq!(
            steps,
            [
                (ResourceKind::Bridgetable, Op::Delete, 1),
                (ResourceKind::Arp, Op::Delete, 2),
                (ResourceKind::VxlanSrcipBinding, Op::Delete, 1),
                (ResourceKind::Vxlan, Op::Delete, 1),
            ]
        );
        // Twice is the same as once.
        let once = teardown.clone();
        teardown.delete_learned_with_vxlan(&learned);
        assert_eq!(teardown, once);
    }

    #[test]
    fn adds_updates_replacements_and_deletes() {
        let desired = vec![
            AdcObject::vxlan(1, 8472),
            route("10.244.1.0", "10.244.1.0"),
            AdcObject::arp(ip("10.244.1.0"), "0a:00:00:00:00:01", 1, ip("192.0.2.21")),
        ];
        let actual = vec![
            AdcObject::vxlan(1, 4789),
            route("10.244.2.0", "10.244.2.0"),
            AdcObject::arp(ip("10.244.1.0"), "0a:00:00:00:00:99", 1, ip("192.0.2.21")),
        ];
        let changes = diff_objects(&desired, &actual);
        let got: Vec<(Op, ResourceKind, bool)> = changes
            .iter()
            .map(|c| (c.op, c.key.kind, c.is_replace()))
            .collect();
        assert_eq!(
            got,
            [
                (Op::Update, ResourceKind::Vxlan, false),
                (Op::Add, ResourceKind::Route, false),
                (Op::Delete, ResourceKind::Route, false),
                (Op::Update, ResourceKind::Arp, true),
            ]
        );
        assert_eq!(changes[0].fields, ["port"]);
        assert_eq!(changes[3].fields, ["mac"]);
    }

    #[test]
    fn converged_state_has_no_changes() {
        let d = vec![AdcObject::vxlan(1, 8472), route("10.244.1.0", "10.244.1.0")];
        assert!(diff_objects(&d, &d).is_empty());
    }

    #[test]
    fn steps_delete_in_reverse_then_add_in_create_order() {
        let desired = vec![
            AdcObject::vxlan(1, 8472),
            AdcObject::snip(ip("10.244.254.1"), ip("255.255.0.0")),
            route("10.244.1.0", "10.244.1.0"),
            AdcObject::arp(ip("10.244.1.0"), "0a:00:00:00:00:01", 1, ip("192.0.2.21")),
        ];
        let actual = vec![
            route("10.244.2.0", "10.244.2.0"),
            AdcObject::arp(ip("10.244.1.0"), "0a:00:00:00:00:99", 1, ip("192.0.2.21")),
            AdcObject::bridgetable("0a:00:00:00:00:02", 1, ip("192.0.2.22")),
        ];
        let cs = ChangeSet {
            changes: diff_objects(&desired, &actual),
            node: None,
        };
        let steps: Vec<(ResourceKind, Op, usize)> = cs
            .steps()
            .iter()
            .map(|s| (s.kind, s.op, s.objects.len()))
            .collect();
        use ResourceKind::*;
        assert_eq!(
            steps,
            [
                (Bridgetable, Op::Delete, 1),
                (Arp, Op::Delete, 1),
                (Route, Op::Delete, 1),
                (Vxlan, Op::Add, 1),
                (Nsip, Op::Add, 1),
                (Route, Op::Add, 1),
                (Arp, Op::Add, 1),
            ]
        );
    }

    #[test]
    fn a_new_overlay_address_is_added_before_the_old_one_goes() {
        let desired = vec![AdcObject::snip(ip("10.244.254.2"), ip("255.255.0.0"))];
        let actual = vec![AdcObject::snip(ip("10.244.254.1"), ip("255.255.0.0"))];
        let cs = ChangeSet {
            changes: diff_objects(&desired, &actual),
            node: None,
        };
        let steps: Vec<(Op, String)> = cs
            .steps()
            .iter()
            .map(|s| (s.op, s.objects[0].get("ipaddress").unwrap().to_string()))
            .collect();
        assert_eq!(
            steps,
            [
                (Op::Add, "10.244.254.2".to_string()),
                (Op::Delete, "10.244.254.1".to_string())
            ]
        );
    }
}
