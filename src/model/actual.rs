//! What is on the ADC and in the cluster for us, as read, and the pure decisions taken against
//! it: the change set (`diff`), the blast-radius brake, and moving a cached view forward by
//! what an execution did (so `watch` diffs against it without re-reading the ADC).

use super::diff::{ChangeSet, Op, diff_node, diff_objects};
use super::fingerprint::InputDigests;
use super::object::{AdcObject, ObjectKey};
use super::{
    ANN_BACKEND_DATA, Desired, ForeignObject, LABEL_CLUSTER, LABEL_MANAGED_BY, MANAGED_BY,
    adc_node_name, foreign_conflicts,
};
use serde_json::Value as Json;
use std::collections::BTreeSet;

/// The ADC's owned scope and the ADC Node object, as read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Actual {
    /// Owned objects, sorted.
    pub owned: Vec<AdcObject>,
    /// Entries the ADC learned on our VXLAN (DYNAMIC arp/bridgetable): not ours, but removed
    /// with the vxlan they keep in use on teardown.
    pub learned: Vec<AdcObject>,
    /// Objects outside the owned scope with an identity one of ours could have.
    pub foreign: Vec<ForeignObject>,
    /// The ADC's VTEP MAC, when it was discovered.
    pub vtep_mac: Option<String>,
    /// The Node named as the ADC Node would be, whoever made it.
    pub node: Option<Json>,
}

/// A decision that refuses the change set (exit 6).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refusal(pub String);

/// What the cluster-side decisions need to know about the run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DiffOptions {
    /// `teardown`: the entries the ADC learned on our VXLAN go with it.
    pub teardown: bool,
}

impl Actual {
    /// The ADC Node, when it is ours for `cluster` (labelled by this tool for this cluster).
    pub fn our_node(&self, cluster: &str) -> Option<&Json> {
        self.node.as_ref().filter(|n| {
            n["metadata"]["labels"][LABEL_MANAGED_BY] == MANAGED_BY
                && n["metadata"]["labels"][LABEL_CLUSTER] == cluster
        })
    }

    /// Moves this view forward by an execution of `changes`: every change not in `failed`
    /// (by operation and identity) is taken as done. The ADC Node is not moved: its next
    /// state is read back (watch keeps it in a store).
    pub fn advance(&mut self, changes: &ChangeSet, failed: &[(Op, ObjectKey)]) {
        let failed: BTreeSet<&(Op, ObjectKey)> = failed.iter().collect();
        for c in &changes.changes {
            if failed.contains(&(c.op, c.key.clone())) {
                continue;
            }
            self.owned.retain(|o| o.key() != c.key);
            self.learned.retain(|o| o.key() != c.key);
            if let Some(after) = &c.after {
                self.owned.push(after.clone());
            }
        }
        self.owned.sort();
    }
}

/// The one diff: the finished desired state and the change set from `desired` to `actual`.
/// Fills a discovered VTEP MAC into the ADC Node, leaves out the nodes a foreign ADC object
/// blocks (SPEC §2.3), and refuses to take over a Node of the ADC's name that is not ours.
pub fn diff(
    mut desired: Desired,
    actual: &Actual,
    opts: DiffOptions,
) -> Result<(Desired, ChangeSet), Refusal> {
    if let Some(node) = desired.adc_node.as_mut()
        && node.vtep_mac.is_none()
    {
        node.vtep_mac = actual.vtep_mac.clone();
    }
    desired.exclude_foreign_conflicts(foreign_conflicts(&desired.adc, &actual.foreign));
    let node_name = desired
        .adc_node
        .as_ref()
        .map(|n| n.name.clone())
        .unwrap_or_else(|| adc_node_name(&desired.cluster));
    let ours = actual.our_node(&desired.cluster);
    if actual.node.is_some() && ours.is_none() && desired.adc_node.is_some() {
        return Err(Refusal(format!(
            "a Node named {node_name} exists but was not created by kubectl-netscaler for cluster {}: refusing to take it over; remove it or choose another cluster name",
            desired.cluster
        )));
    }
    if let Some(node) = &desired.adc_node
        && node.vtep_mac.is_none()
    {
        // flannel on every node would program a path to no MAC at all.
        return Err(Refusal(format!(
            "vtepMac: the VtepMAC of Node {} is unresolved (vtepMac: auto, and no MAC was discovered from the ADC): refusing to write {{\"VNI\":{},\"VtepMAC\":null}} into {ANN_BACKEND_DATA}; set vtepMac (--vtep-mac) and plan again",
            node.name, node.vni
        )));
    }
    let mut changes = ChangeSet {
        changes: diff_objects(&desired.adc, &actual.owned),
        node: diff_node(
            desired.adc_node.as_ref(),
            ours.map(|n| (node_name.as_str(), n)),
        ),
    };
    if opts.teardown {
        changes.delete_learned_with_vxlan(&actual.learned);
    }
    Ok((desired, changes))
}

/// The blast-radius brake (SPEC §4): refuses a change set that deletes more than
/// `max_delete_percent` of the `managed` objects, or all of them, unless `allow`.
pub fn brake(
    changes: &ChangeSet,
    managed: usize,
    max_delete_percent: u8,
    allow: bool,
) -> Result<(), Refusal> {
    let deletes = changes.deletes();
    if allow || deletes == 0 || managed == 0 {
        return Ok(());
    }
    let pct = usize::from(max_delete_percent);
    let all = deletes == managed;
    if all || deletes * 100 > managed * pct {
        return Err(Refusal(format!(
            "refusing to delete {deletes} of the {managed} managed ADC objects ({}; limit maxDeletePercent={pct}%): check the cluster read is complete and the settings are right; pass --allow-mass-delete if this is intended, or use teardown to remove everything",
            if all {
                "all of them".to_string()
            } else {
                format!("{}%", deletes * 100 / managed)
            }
        )));
    }
    Ok(())
}

/// Whether a reviewed plan still describes the cluster: the same cluster and the same inputs
/// (by fingerprint). The refusal says what moved, per node; the caller names the plan file.
pub fn staleness(
    plan_cluster: &str,
    plan_fingerprint: &str,
    plan_inputs: &InputDigests,
    live_cluster: &str,
    live: &InputDigests,
) -> Result<(), Refusal> {
    if plan_cluster != live_cluster {
        return Err(Refusal(format!(
            "is for cluster {plan_cluster:?}, not {live_cluster:?}; plan again for this cluster"
        )));
    }
    if plan_fingerprint != live.fingerprint() {
        let mut moved = plan_inputs.describe_changes(live);
        if moved.is_empty() {
            moved.push("the cluster inputs changed".into());
        }
        return Err(Refusal(format!(
            "is stale: the cluster changed since it was written ({}); run plan again and review it",
            moved.join(", ")
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::diff::Change;
    use std::net::Ipv4Addr;

    fn route(n: u8) -> AdcObject {
        AdcObject::route(
            Ipv4Addr::new(10, 244, n, 0),
            Ipv4Addr::new(255, 255, 255, 0),
            Ipv4Addr::new(10, 244, n, 0),
        )
    }

    fn delete(o: &AdcObject) -> Change {
        Change {
            op: Op::Delete,
            key: o.key(),
            before: Some(o.clone()),
            after: None,
            fields: Vec::new(),
        }
    }

    fn add(o: &AdcObject) -> Change {
        Change {
            op: Op::Add,
            key: o.key(),
            before: None,
            after: Some(o.clone()),
            fields: Vec::new(),
        }
    }

    #[test]
    fn advancing_by_an_execution_equals_reading_the_adc_again() {
        let mut actual = Actual {
            owned: vec![route(1), route(2)],
            ..Default::default()
        };
        let changes = ChangeSet {
            changes: vec![delete(&route(1)), add(&route(3)), add(&route(4))],
            node: None,
        };
        // route 4 failed: it is not on the ADC, and the next diff proposes it again.
        actual.advance(&changes, &[(Op::Add, route(4).key())]);
        let mut want = vec![route(2), route(3)];
        want.sort();
        assert_eq!(actual.owned, want);
        let desired_adc = [route(2), route(3), route(4)];
        let again = diff_objects(&desired_adc, &actual.owned);
        assert_eq!(again, vec![add(&route(4))]);
    }

    #[test]
    fn the_brake_refuses_more_than_the_limit_and_all_of_them() {
        let managed: Vec<AdcObject> = (1..=10).map(route).collect();
        let deleting = |n: usize| ChangeSet {
            changes: managed.iter().take(n).map(delete).collect(),
            node: None,
        };
        assert!(brake(&deleting(5), 10, 50, false).is_ok());
        let err = brake(&deleting(6), 10, 50, false).unwrap_err();
        assert!(err.0.contains("refusing to delete 6 of the 10"), "{err}");
        assert!(err.0.contains("60%"), "{err}");
        let err = brake(&deleting(1), 1, 50, false).unwrap_err();
        assert!(err.0.contains("all of them"), "{err}");
        assert!(brake(&deleting(10), 10, 50, true).is_ok());
        assert!(brake(&ChangeSet::default(), 0, 50, false).is_ok());
    }

    /// A one-node flannel VXLAN cluster `prod`, planned.
    fn vxlan_desired() -> Desired {
        use crate::model::{ClusterFacts, ModelSettings, NetConf, NodeFacts};
        let settings = ModelSettings {
            cluster: "prod".into(),
            vtep_ip: Some("192.0.2.10".parse().unwrap()),
            adc_pod_cidr: Some("10.244.254.0/24".parse().unwrap()),
            node_address_type: "InternalIP".into(),
            ..Default::default()
        };
        let node = NodeFacts {
            name: "n1".into(),
            pod_cidrs: vec!["10.244.1.0/24".into()],
            addresses: vec![("InternalIP".into(), "192.0.2.21".into())],
            ready: Some("True".into()),
            flannel: [
                (crate::model::ANN_BACKEND_TYPE, "vxlan"),
                (
                    crate::model::ANN_BACKEND_DATA,
                    r#"{"VNI":1,"VtepMAC":"0a:58:0a:f4:01:00"}"#,
                ),
                (crate::model::ANN_PUBLIC_IP, "192.0.2.21"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
            ..Default::default()
        };
        let facts = ClusterFacts {
            nodes: vec![node],
            services: Vec::new(),
            services_read: false,
            net_conf: Some(NetConf {
                network: Some("10.244.0.0/16".into()),
                backend_type: Some("vxlan".into()),
                vni: None,
                port: None,
            }),
            net_conf_source: Some("kube-flannel/kube-flannel-cfg".into()),
        };
        crate::model::desired(&settings, &facts).unwrap()
    }

    #[test]
    fn a_node_of_the_adc_name_that_is_not_ours_is_refused() {
        let desired = vxlan_desired();
        let foreign_node =
            serde_json::json!({"metadata": {"name": "netscaler-prod", "labels": {}}});
        let actual = Actual {
            node: Some(foreign_node),
            ..Default::default()
        };
        let err = diff(desired.clone(), &actual, DiffOptions::default()).unwrap_err();
        assert!(err.0.contains("not created by kubectl-netscaler"), "{err}");
        // Ours: no refusal, and an unchanged desired state against itself is empty.
        let discovered = Actual {
            vtep_mac: Some("02:00:5e:00:01:01".into()),
            ..Default::default()
        };
        let (d, changes) = diff(desired, &discovered, DiffOptions::default()).unwrap();
        assert_eq!(changes.changes.len(), d.adc.len());
        assert!(changes.node.is_some());
    }

    #[test]
    fn an_unresolved_vtep_mac_is_refused_and_a_discovered_one_is_written() {
        let desired = vxlan_desired();
        assert_eq!(desired.adc_node.as_ref().unwrap().vtep_mac, None);
        let err = diff(desired.clone(), &Actual::default(), DiffOptions::default()).unwrap_err();
        assert!(err.0.starts_with("vtepMac:"), "{err}");
        assert!(err.0.contains("netscaler-prod"), "{err}");
        let discovered = Actual {
            vtep_mac: Some("02:00:5e:00:01:01".into()),
            ..Default::default()
        };
        let (d, changes) = diff(desired, &discovered, DiffOptions::default()).unwrap();
        let node = d.adc_node.unwrap();
        assert_eq!(
            node.backend_data(),
            r#"{"VNI":1,"VtepMAC":"02:00:5e:00:01:01"}"#
        );
        assert_eq!(changes.node.unwrap().desired.unwrap(), node);
    }
}
