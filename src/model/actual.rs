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
use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

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
    /// What the service side needs to know about the ADC beyond the owned scope.
    pub services: ServiceView,
}

/// The ADC's vservers and servers as the service side sees them (SPEC §3), from the same GETs
/// as the owned scope.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServiceView {
    /// Every lbvserver on the ADC by name, with its service type (upper case); `None` when
    /// the ADC was not read for services.
    pub vservers: Option<BTreeMap<String, String>>,
    /// The address of every server on the ADC: binding a member by an IP no server holds
    /// makes NITRO create a server named after it.
    pub server_ips: BTreeSet<Ipv4Addr>,
    /// The servers that members of groups not ours use, by name.
    pub bound_elsewhere: BTreeSet<String>,
}

impl ServiceView {
    /// Moves the view forward by one done change: a member bound by an IP no server holds
    /// made NITRO create a server of that name, which is then ours (pushed onto `owned`); a
    /// vserver added or removed is or is no longer there.
    fn advance(&mut self, c: &super::diff::Change, owned: &mut Vec<AdcObject>) {
        use super::object::{ResourceKind, Value};
        match (c.key.kind, &c.after) {
            (ResourceKind::ServicegroupMember, Some(member)) if c.op == Op::Add => {
                if let Some(Value::Ip(ip)) = member.get("ip")
                    && self.server_ips.insert(*ip)
                {
                    owned.push(AdcObject::member_server(*ip));
                }
            }
            (ResourceKind::Server, None) => {
                if let Some(Value::Ip(ip)) = c.before.as_ref().and_then(|b| b.get("ipaddress")) {
                    self.server_ips.remove(ip);
                }
            }
            (ResourceKind::Lbvserver, after) => {
                if let Some(vservers) = self.vservers.as_mut() {
                    let name = c.key.values[0].to_string();
                    match after {
                        Some(v) => {
                            let t = v.get("servicetype").map(ToString::to_string);
                            vservers.insert(name, t.unwrap_or_default());
                        }
                        None => {
                            vservers.remove(&name);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// The servers of ours that stay (SPEC §3): used by a member of the desired state or by a
    /// binding of someone else's. Every other owned server goes with its last member.
    fn kept_servers<'a>(
        &self,
        desired: &[AdcObject],
        owned: &'a [AdcObject],
    ) -> Vec<&'a AdcObject> {
        use super::object::ResourceKind;
        let servers: Vec<&AdcObject> = owned
            .iter()
            .filter(|o| o.kind == ResourceKind::Server)
            .collect();
        if servers.is_empty() {
            return servers;
        }
        let used: BTreeSet<String> = desired
            .iter()
            .filter(|o| o.kind == ResourceKind::ServicegroupMember)
            .filter_map(|o| o.get("ip").map(ToString::to_string))
            .collect();
        servers
            .into_iter()
            .filter(|s| {
                let name = s.key().values[0].to_string();
                used.contains(&name) || self.bound_elsewhere.contains(&name)
            })
            .collect()
    }
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
            self.services.advance(c, &mut self.owned);
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
    if let Some(vservers) = &actual.services.vservers {
        let ours: BTreeSet<String> = actual
            .owned
            .iter()
            .filter(|o| o.kind == super::object::ResourceKind::Lbvserver)
            .map(|o| o.key().values[0].to_string())
            .collect();
        super::services::resolve_vservers(&mut desired, vservers, &ours);
    }
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
    let kept = actual.services.kept_servers(&desired.adc, &actual.owned);
    let wanted: std::borrow::Cow<[AdcObject]> = if kept.is_empty() {
        std::borrow::Cow::Borrowed(&desired.adc)
    } else {
        let mut all = desired.adc.clone();
        all.extend(kept.into_iter().cloned());
        all.sort();
        std::borrow::Cow::Owned(all)
    };
    let mut changes = ChangeSet {
        changes: diff_objects(&wanted, &actual.owned),
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
    use crate::model::ResourceKind;
    use crate::model::diff::Change;

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

    fn member(group: &str, ip: &str) -> AdcObject {
        AdcObject::servicegroup_member(group, ip.parse().unwrap(), 30080, 1)
    }

    fn server(ip: &str) -> AdcObject {
        AdcObject::member_server(ip.parse().unwrap())
    }

    fn services_desired(adc: Vec<AdcObject>) -> Desired {
        Desired {
            cluster: "prod".into(),
            mode: crate::model::Mode::Routes,
            cluster_cidr: "10.244.0.0/16".parse().unwrap(),
            vxlan: None,
            adc,
            adc_node: None,
            diagnostics: Vec::new(),
            planned_nodes: 0,
            services: None,
            planned_services: Vec::new(),
        }
    }

    #[test]
    fn a_server_nitro_made_for_our_member_goes_with_its_last_binding() {
        const G: &str = "k8s-prod-shop-web-80";
        let sg = AdcObject::servicegroup(G, "HTTP", "managed-by=kubectl-netscaler cluster=prod");
        let mut owned = vec![
            sg.clone(),
            member(G, "192.0.2.21"),
            member(G, "192.0.2.22"),
            member(G, "192.0.2.23"),
            server("192.0.2.21"),
            server("192.0.2.22"),
            server("192.0.2.23"),
        ];
        owned.sort();
        let actual = Actual {
            owned,
            services: ServiceView {
                vservers: None,
                server_ips: ["192.0.2.21", "192.0.2.22", "192.0.2.23"]
                    .iter()
                    .map(|i| i.parse().unwrap())
                    .collect(),
                // A group of the admin's also has .23 as a member.
                bound_elsewhere: ["192.0.2.23".to_string()].into(),
            },
            ..Default::default()
        };
        // .22 and .23 leave the group: .22's server goes after its binding, .23's stays (the
        // admin's group uses it), .21's stays (still our member).
        let desired = services_desired(vec![sg.clone(), member(G, "192.0.2.21")]);
        let (_, changes) = diff(desired, &actual, DiffOptions::default()).unwrap();
        let got: Vec<(Op, String)> = changes
            .changes
            .iter()
            .map(|c| {
                (
                    c.op,
                    format!(
                        "{} {}",
                        c.key.kind,
                        c.key.values[1..]
                            .iter()
                            .chain(&c.key.values[..1])
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join(" ")
                    ),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (Op::Delete, "server 192.0.2.22".to_string()),
                (
                    Op::Delete,
                    "servicegroup_servicegroupmember_binding 192.0.2.22 30080 k8s-prod-shop-web-80"
                        .to_string()
                ),
                (
                    Op::Delete,
                    "servicegroup_servicegroupmember_binding 192.0.2.23 30080 k8s-prod-shop-web-80"
                        .to_string()
                ),
            ]
        );
        // Teardown: every server of ours that nobody else uses goes.
        let (_, all) = diff(
            services_desired(Vec::new()),
            &actual,
            DiffOptions::default(),
        )
        .unwrap();
        let servers: Vec<String> = all
            .changes
            .iter()
            .filter(|c| c.key.kind == ResourceKind::Server)
            .map(|c| c.key.values[0].to_string())
            .collect();
        assert_eq!(servers, ["192.0.2.21", "192.0.2.22"]);
    }

    #[test]
    fn advancing_takes_the_servers_nitro_creates_for_new_members() {
        const G: &str = "k8s-prod-shop-web-80";
        let mut actual = Actual {
            owned: vec![member(G, "192.0.2.21"), server("192.0.2.21")],
            services: ServiceView {
                vservers: Some(BTreeMap::new()),
                // An admin's server already holds .22: NITRO binds to it, creating none.
                server_ips: ["192.0.2.21", "192.0.2.22"]
                    .iter()
                    .map(|i| i.parse().unwrap())
                    .collect(),
                bound_elsewhere: BTreeSet::new(),
            },
            ..Default::default()
        };
        actual.owned.sort();
        let vs = AdcObject::lbvserver(
            "vs",
            "HTTP",
            "192.0.2.80".parse().unwrap(),
            80,
            "managed-by=kubectl-netscaler cluster=prod",
        );
        let changes = ChangeSet {
            changes: vec![
                delete(&server("192.0.2.21")),
                delete(&member(G, "192.0.2.21")),
                add(&member(G, "192.0.2.22")),
                add(&member(G, "192.0.2.24")),
                add(&vs),
            ],
            node: None,
        };
        actual.advance(&changes, &[]);
        let mut want = vec![
            member(G, "192.0.2.22"),
            member(G, "192.0.2.24"),
            server("192.0.2.24"),
            vs,
        ];
        want.sort();
        assert_eq!(actual.owned, want);
        let ips: Vec<String> = actual
            .services
            .server_ips
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(ips, ["192.0.2.22", "192.0.2.24"]);
        assert_eq!(
            actual
                .services
                .vservers
                .as_ref()
                .unwrap()
                .get("vs")
                .map(String::as_str),
            Some("HTTP")
        );
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
