//! Foreign objects that block planned ones (SPEC §2.3, §4): an ADC object outside the owned
//! scope with the identity of an object this tool plans — an admin's ARP entry on an
//! interface at a node's gateway address, say — makes the add answer "already exists" (273)
//! while the node stays unreachable. Such a node is not planned at all: the object is named in
//! a `ForeignObjectConflict` diagnostic and left alone. Pure: records in, decisions out.

use super::desired::{Desired, Diagnostic, Level};
use super::object::{AdcObject, ObjectKey, ResourceKind, Subject, Value};
use super::scope::{OwnedScope, default_td, text};
use serde_json::{Map, Value as Json};
use std::collections::{BTreeMap, BTreeSet};

/// The diagnostic reason (SPEC §2.3).
pub const FOREIGN_OBJECT_CONFLICT: &str = "ForeignObjectConflict";

/// An ADC object outside the owned scope that has the identity of an object of ours would.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForeignObject {
    /// Its identity in the object model (traffic domain 0).
    pub key: ObjectKey,
    /// What it is, for messages: `arp 10.244.3.0 on interface 1/1 (STATIC, mac ...)`.
    pub description: String,
}

/// The identity of a NITRO record of `kind` in the object model, when its identity attributes
/// can be read.
pub fn record_key(kind: ResourceKind, rec: &Map<String, Json>) -> Option<ObjectKey> {
    let spec = kind.spec();
    let values = spec.attrs[..spec.key_len]
        .iter()
        .map(|a| Value::from_json(a.ty, rec.get(a.name)?))
        .collect::<Option<Vec<_>>>()?;
    Some(ObjectKey { kind, values })
}

fn field(rec: &Map<String, Json>, name: &str) -> Option<String> {
    match rec.get(name)? {
        Json::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Json::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn flag(rec: &Map<String, Json>, name: &str) -> bool {
    matches!(rec.get(name), Some(Json::Bool(true)))
        || text(rec, name).is_some_and(|s| s.eq_ignore_ascii_case("true"))
}

/// A NITRO record in words, with the attributes that tell it apart from ours.
pub fn describe_record(kind: ResourceKind, rec: &Map<String, Json>) -> String {
    let f = |name: &str| field(rec, name).unwrap_or_else(|| "?".into());
    let entry_type = || field(rec, "type").map(|t| t.to_ascii_uppercase());
    let td = match field(rec, "td") {
        Some(td) if td != "0" => format!(", td {td}"),
        _ => String::new(),
    };
    match kind {
        ResourceKind::Arp => {
            let place = match (field(rec, "ifnum"), field(rec, "vxlan")) {
                (Some(ifnum), _) => format!(" on interface {ifnum}"),
                (None, Some(vxlan)) => format!(" on vxlan {vxlan} vtep {}", f("vtep")),
                (None, None) => String::new(),
            };
            format!(
                "arp {}{place} ({}, mac {}{td})",
                f("ipaddress"),
                entry_type().unwrap_or_else(|| "STATIC".into()),
                f("mac")
            )
        }
        ResourceKind::Bridgetable => format!(
            "bridgetable mac {} on vxlan {} vtep {} ({})",
            f("mac"),
            f("vxlan"),
            f("vtep"),
            entry_type().unwrap_or_else(|| "STATIC".into())
        ),
        ResourceKind::Route => {
            let route_type = field(rec, "routetype")
                .map(|t| t.to_ascii_uppercase())
                .or_else(|| {
                    ["direct", "permanent", "dynamic", "Static"]
                        .into_iter()
                        .find(|n| flag(rec, n))
                        .map(str::to_ascii_uppercase)
                })
                .unwrap_or_else(|| "STATIC".into());
            format!(
                "route {} {} via {} ({route_type}{td})",
                f("network"),
                f("netmask"),
                f("gateway")
            )
        }
        ResourceKind::Nsip => format!(
            "nsip {} ({}{td})",
            f("ipaddress"),
            entry_type().unwrap_or_else(|| "SNIP".into())
        ),
        ResourceKind::Vxlan => format!("vxlan {}", f("id")),
        ResourceKind::Server => format!("server {} ({})", f("name"), f("ipaddress")),
        ResourceKind::VxlanSrcipBinding => format!("vxlan {} srcip {}", f("id"), f("srcip")),
        ResourceKind::Servicegroup | ResourceKind::Lbvserver => match field(rec, "comment") {
            Some(c) => format!(
                "{} {} (comment {c:?})",
                kind.spec().label,
                f(kind.spec().attrs[0].name)
            ),
            None => format!(
                "{} {} (no comment)",
                kind.spec().label,
                f(kind.spec().attrs[0].name)
            ),
        },
        ResourceKind::ServicegroupMember | ResourceKind::LbvserverBinding => {
            let spec = kind.spec();
            let key: Vec<String> = spec.attrs[..spec.key_len]
                .iter()
                .map(|a| format!("{}={}", a.name, f(a.name)))
                .collect();
            format!("{} {}", spec.label, key.join(","))
        }
    }
}

impl OwnedScope {
    /// The records of `kind` outside the owned scope that hold an identity an object of ours
    /// could have (traffic domain 0). Entries the ADC learnt (DYNAMIC arp and bridgetable
    /// entries) are left out: a static add takes their place, they block nothing.
    pub fn foreign(&self, kind: ResourceKind, records: &[Map<String, Json>]) -> Vec<ForeignObject> {
        let learnt = |r: &Map<String, Json>| {
            matches!(kind, ResourceKind::Arp | ResourceKind::Bridgetable)
                && text(r, "type").is_some_and(|t| t.eq_ignore_ascii_case("DYNAMIC"))
        };
        records
            .iter()
            .filter(|r| !self.owns(kind, r) && default_td(r) && !learnt(r))
            .filter_map(|r| {
                Some(ForeignObject {
                    key: record_key(kind, r)?,
                    description: describe_record(kind, r),
                })
            })
            .collect()
    }
}

/// Nodes whose planned objects are blocked by foreign objects, and their diagnostics.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ForeignConflicts {
    pub nodes: BTreeSet<String>,
    /// One warning per node, naming every foreign object that blocks it.
    pub diagnostics: Vec<Diagnostic>,
}

/// Which nodes' planned objects have their identity held by a foreign object. Objects that
/// belong to no node (the once-per-cluster ones) are not decided here: the overlay address
/// is a precondition of the whole run.
pub fn foreign_conflicts(planned: &[AdcObject], foreign: &[ForeignObject]) -> ForeignConflicts {
    let held: BTreeMap<&ObjectKey, Vec<&str>> = foreign.iter().fold(BTreeMap::new(), |mut m, f| {
        m.entry(&f.key).or_default().push(&f.description);
        m
    });
    let mut blocked: BTreeMap<&str, Vec<(&AdcObject, &str)>> = BTreeMap::new();
    for o in planned {
        let Some(node) = o.subject.node() else {
            continue;
        };
        if let Some(found) = held.get(&o.key()) {
            blocked
                .entry(node)
                .or_default()
                .extend(found.iter().map(|d| (o, *d)));
        }
    }
    let mut out = ForeignConflicts::default();
    for (node, objects) in blocked {
        let kinds: BTreeSet<ResourceKind> = planned
            .iter()
            .filter(|o| o.subject.node() == Some(node))
            .map(|o| o.kind)
            .collect();
        let kinds: Vec<&str> = kinds.iter().map(|k| k.resource()).collect();
        let found: Vec<String> = objects
            .iter()
            .map(|(o, d)| format!("{d}, which holds the key of its {}", o.key()))
            .collect();
        out.diagnostics.push(Diagnostic {
            level: Level::Warning,
            subject: Subject::Node(node.to_string()),
            reason: FOREIGN_OBJECT_CONFLICT,
            message: format!(
                "the ADC holds {}; that object is not managed by kubectl-netscaler and is left untouched, so this node's {} are not planned; remove or change it on the ADC to bring the node in",
                found.join("; "),
                kinds.join(", ")
            ),
        });
        out.nodes.insert(node.to_string());
    }
    out
}

impl Desired {
    /// Drops the objects of the nodes the ADC's foreign objects block and records why.
    pub fn exclude_foreign_conflicts(&mut self, conflicts: ForeignConflicts) {
        if conflicts.nodes.is_empty() {
            return;
        }
        self.adc.retain(|o| {
            o.subject
                .node()
                .is_none_or(|n| !conflicts.nodes.contains(n))
        });
        super::services::exclude_node_members(self, &conflicts.nodes);
        self.planned_nodes = self.planned_nodes.saturating_sub(conflicts.nodes.len());
        self.diagnostics.extend(conflicts.diagnostics);
        // Cluster diagnostics first, then by node (as `desired` orders them).
        self.diagnostics.sort_by(|a, b| a.subject.cmp(&b.subject));
    }
}

#[cfg(test)]
mod service_tests {
    use super::*;

    fn rec(s: &str) -> Map<String, Json> {
        serde_json::from_str(s).unwrap()
    }

    #[test]
    fn service_records_are_described_by_name_comment_and_binding_key() {
        assert_eq!(
            describe_record(
                ResourceKind::Servicegroup,
                &rec(
                    r#"{"servicegroupname":"k8s-prod-shop-cart-80","servicetype":"HTTP","comment":"web team"}"#
                )
            ),
            r#"servicegroup k8s-prod-shop-cart-80 (comment "web team")"#
        );
        assert_eq!(
            describe_record(ResourceKind::Lbvserver, &rec(r#"{"name":"web"}"#)),
            "lbvserver web (no comment)"
        );
        assert_eq!(
            describe_record(
                ResourceKind::ServicegroupMember,
                &rec(r#"{"servicegroupname":"sg","ip":"10.244.1.5","port":8080,"weight":"1"}"#)
            ),
            "servicegroup member servicegroupname=sg,ip=10.244.1.5,port=8080"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::desired::Mode;
    use std::net::Ipv4Addr;

    fn ip(s: &str) -> Ipv4Addr {
        s.parse().unwrap()
    }

    fn scope() -> OwnedScope {
        OwnedScope::example()
    }

    fn recs(s: &str) -> Vec<Map<String, Json>> {
        serde_json::from_str(s).unwrap()
    }

    /// worker-i: pod CIDR 10.244.i.0/24, VtepMAC 0a:58:0a:f4:0i:00, VTEP 192.0.2.2i.
    fn node_objects(i: u8) -> Vec<AdcObject> {
        let net = ip(&format!("10.244.{i}.0"));
        let mac = format!("0a:58:0a:f4:{i:02x}:00");
        let vtep = ip(&format!("192.0.2.{}", 20 + u32::from(i)));
        let name = format!("worker-{i}");
        vec![
            AdcObject::route(net, ip("255.255.255.0"), net).for_node(&name),
            AdcObject::arp(net, &mac, 1, vtep).for_node(&name),
            AdcObject::bridgetable(&mac, 1, vtep).for_node(&name),
        ]
    }

    fn planned() -> Vec<AdcObject> {
        let mut v = vec![
            AdcObject::vxlan(1, 8472),
            AdcObject::vxlan_srcip_binding(1, ip("192.0.2.10")),
            AdcObject::snip(ip("10.244.254.1"), ip("255.255.0.0")),
        ];
        for i in 1..=3 {
            v.extend(node_objects(i));
        }
        v.sort();
        v
    }

    #[test]
    fn an_admin_arp_on_an_interface_at_a_gateway_blocks_only_that_node() {
        let s = scope();
        let arps = recs(
            r#"[{"ipaddress":"10.244.3.0","mac":"00:11:22:33:44:88","ifnum":"1/1","type":"STATIC","td":"0"},
                {"ipaddress":"10.244.1.0","mac":"0a:58:0a:f4:01:00","vxlan":"1","vtep":"192.0.2.21","type":"STATIC"}]"#,
        );
        let foreign = s.foreign(ResourceKind::Arp, &arps);
        assert_eq!(
            foreign.len(),
            1,
            "our own entry is not foreign: {foreign:?}"
        );
        assert_eq!(
            foreign[0].description,
            "arp 10.244.3.0 on interface 1/1 (STATIC, mac 00:11:22:33:44:88)"
        );

        let c = foreign_conflicts(&planned(), &foreign);
        assert_eq!(c.nodes, BTreeSet::from(["worker-3".to_string()]));
        assert_eq!(c.diagnostics.len(), 1);
        let d = &c.diagnostics[0];
        assert_eq!(d.level, Level::Warning);
        assert_eq!(d.subject.node(), Some("worker-3"));
        assert_eq!(d.reason, "ForeignObjectConflict");
        assert!(
            d.message
                .contains("arp 10.244.3.0 on interface 1/1 (STATIC, mac 00:11:22:33:44:88)")
                && d.message
                    .contains("route, arp, bridgetable are not planned"),
            "{}",
            d.message
        );

        let mut desired = Desired {
            cluster: "e2e".into(),
            mode: Mode::Vxlan,
            cluster_cidr: s.cluster_cidr,
            vxlan: None,
            adc: planned(),
            adc_node: None,
            diagnostics: Vec::new(),
            planned_nodes: 3,
            services: None,
            planned_services: Vec::new(),
        };
        desired.exclude_foreign_conflicts(c);
        assert!(
            desired
                .adc
                .iter()
                .all(|o| o.subject.node() != Some("worker-3")),
            "{:?}",
            desired.adc
        );
        assert_eq!(desired.adc.len(), planned().len() - 3);
        assert_eq!(desired.planned_nodes, 2);
        assert_eq!(desired.diagnostics.len(), 1);
    }

    #[test]
    fn learnt_entries_other_traffic_domains_and_other_keys_block_nothing() {
        let s = scope();
        let arps = recs(
            r#"[{"ipaddress":"10.244.2.0","mac":"00:11:22:33:44:99","ifnum":"1/1","type":"DYNAMIC"},
                {"ipaddress":"10.244.1.0","mac":"00:11:22:33:44:98","ifnum":"1/1","type":"STATIC","td":"3"},
                {"ipaddress":"10.244.1.7","mac":"00:11:22:33:44:97","ifnum":"1/1","type":"STATIC"}]"#,
        );
        let bridges = recs(
            r#"[{"mac":"0a:58:0a:f4:01:00","vxlan":"1","vtep":"192.0.2.21","type":"DYNAMIC"}]"#,
        );
        // ECMP: another gateway for a node's pod CIDR is another route, not its key.
        let routes = recs(
            r#"[{"network":"10.244.1.0","netmask":"255.255.255.0","gateway":"192.0.2.99","Static":true},
                {"network":"10.244.2.0","netmask":"255.255.255.0","gateway":"10.244.2.0","Static":true,"td":"2"}]"#,
        );
        let mut foreign = s.foreign(ResourceKind::Arp, &arps);
        foreign.extend(s.foreign(ResourceKind::Bridgetable, &bridges));
        foreign.extend(s.foreign(ResourceKind::Route, &routes));
        let c = foreign_conflicts(&planned(), &foreign);
        assert_eq!(c, ForeignConflicts::default(), "{foreign:?}");
    }

    #[test]
    fn same_identity_in_another_kind_of_route_or_vxlan_blocks() {
        let s = scope();
        let routes = recs(
            r#"[{"network":"10.244.2.0","netmask":"255.255.255.0","gateway":"10.244.2.0","routetype":"DYNAMIC","dynamic":true,"Static":false}]"#,
        );
        let arps = recs(
            r#"[{"ipaddress":"10.244.1.0","mac":"0a:58:0a:f4:3c:00","vxlan":"2","vtep":"192.0.2.60","type":"STATIC"}]"#,
        );
        let mut foreign = s.foreign(ResourceKind::Route, &routes);
        foreign.extend(s.foreign(ResourceKind::Arp, &arps));
        let c = foreign_conflicts(&planned(), &foreign);
        assert_eq!(
            c.nodes,
            BTreeSet::from(["worker-1".to_string(), "worker-2".to_string()])
        );
        let msgs: Vec<&str> = c.diagnostics.iter().map(|d| d.message.as_str()).collect();
        assert!(
            msgs[0].contains("arp 10.244.1.0 on vxlan 2 vtep 192.0.2.60 (STATIC"),
            "{msgs:?}"
        );
        assert!(
            msgs[1].contains("route 10.244.2.0 255.255.255.0 via 10.244.2.0 (DYNAMIC)"),
            "{msgs:?}"
        );
    }

    #[test]
    fn records_are_described_by_what_tells_them_apart() {
        let r = |s: &str| -> Map<String, Json> { serde_json::from_str(s).unwrap() };
        assert_eq!(
            describe_record(
                ResourceKind::Nsip,
                &r(r#"{"ipaddress":"10.244.254.1","netmask":"255.255.0.0","type":"VIP"}"#)
            ),
            "nsip 10.244.254.1 (VIP)"
        );
        assert_eq!(
            describe_record(
                ResourceKind::Bridgetable,
                &r(r#"{"mac":"0a:58:0a:f4:01:00","vxlan":"1","vtep":"192.0.2.21"}"#)
            ),
            "bridgetable mac 0a:58:0a:f4:01:00 on vxlan 1 vtep 192.0.2.21 (STATIC)"
        );
        assert_eq!(
            record_key(
                ResourceKind::Arp,
                &r(r#"{"ipaddress":"10.244.3.0","mac":"00:11:22:33:44:88","ifnum":"1/1"}"#)
            ),
            Some(AdcObject::arp(ip("10.244.3.0"), "0a:00:00:00:00:00", 1, ip("1.1.1.1")).key())
        );
    }
}
