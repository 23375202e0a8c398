//! Ownership (SPEC §4): which objects on the ADC are this tool's. Only these are ever read as
//! "ours", changed or deleted; everything else is invisible to diff, apply and teardown.

use super::desired::{Desired, Mode};
use super::foreign::record_key;
use super::object::{AdcObject, Ownership, ResourceKind, Value};
use ipnet::Ipv4Net;
use serde_json::{Map, Value as Json};
use std::net::Ipv4Addr;

/// The owned scope of one cluster on one ADC.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnedScope {
    pub mode: Mode,
    /// Static routes whose network lies inside this CIDR are ours (both modes).
    pub cluster_cidr: Ipv4Net,
    /// vxlan mode: the VNI (its vxlan, srcip bindings, STATIC arp and bridgetable entries).
    pub vni: Option<u32>,
    /// vxlan mode: the overlay SNIP (td 0).
    pub overlay_ip: Option<Ipv4Addr>,
    /// Service groups and vservers marked as this cluster's, in either mode; `None` when the
    /// run manages no services.
    pub services: Option<ServiceScope>,
}

/// Which service objects are this cluster's: those whose `comment` carries the marker
/// (`managed-by=kubectl-netscaler cluster=<cluster>`), and the bindings of such groups.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceScope {
    pub marker: String,
}

impl ServiceScope {
    /// The marker of cluster `cluster` (SPEC §3).
    pub fn for_cluster(cluster: &str) -> ServiceScope {
        ServiceScope {
            marker: format!("managed-by={} cluster={cluster}", super::MANAGED_BY),
        }
    }

    /// Whether a comment carries the marker: every word of it, as whole words, so
    /// `cluster=prod` is not `cluster=prod2`.
    pub fn marks(&self, comment: &str) -> bool {
        let words: Vec<&str> = comment.split_whitespace().collect();
        self.marker.split_whitespace().all(|w| words.contains(&w))
    }
}

fn flag(rec: &Map<String, Json>, names: &[&str]) -> bool {
    names.iter().any(|n| match rec.get(*n) {
        Some(Json::Bool(b)) => *b,
        Some(Json::String(s)) => s.eq_ignore_ascii_case("true") || s == "1",
        Some(Json::Number(n)) => n.as_u64() == Some(1),
        _ => false,
    })
}

pub(super) fn text<'a>(rec: &'a Map<String, Json>, name: &str) -> Option<&'a str> {
    rec.get(name).and_then(Json::as_str)
}

/// Traffic domain 0 (absent counts as 0).
pub(super) fn default_td(rec: &Map<String, Json>) -> bool {
    match rec.get("td") {
        None | Some(Json::Null) => true,
        Some(v) => Value::from_json(super::object::AttrType::Number, v) == Some(Value::Number(0)),
    }
}

fn number(rec: &Map<String, Json>, name: &str) -> Option<u64> {
    match Value::from_json(super::object::AttrType::Number, rec.get(name)?)? {
        Value::Number(n) => Some(n),
        _ => None,
    }
}

/// The record of a kind's parent as far as a child record names it (its `link` attributes).
fn parent_record(rec: &Map<String, Json>, link: &[&str]) -> Map<String, Json> {
    link.iter()
        .filter_map(|k| Some((k.to_string(), rec.get(*k)?.clone())))
        .collect()
}

/// The annotation of the ADC Node (vxlan mode) that records the scope `apply` wrote; in
/// routes mode the record is the ConfigMap `kubectl-netscaler-<cluster>`, key [`RECORD_KEY`].
pub const ANN_SCOPE: &str = "kubectl-netscaler.io/scope";
/// The ConfigMap key of the routes-mode record.
pub const RECORD_KEY: &str = "scope";

impl OwnedScope {
    /// The scope as recorded in the cluster (JSON: mode, clusterCidr, vni, overlayIp and the
    /// services marker when services are managed).
    pub fn to_record(&self) -> String {
        let mut v = serde_json::json!({
            "mode": self.mode.as_str(),
            "clusterCidr": self.cluster_cidr.to_string(),
            "vni": self.vni,
            "overlayIp": self.overlay_ip.map(|i| i.to_string()),
        });
        if let Some(s) = &self.services {
            v["services"] = serde_json::json!({ "marker": s.marker });
        }
        v.to_string()
    }

    /// Reads a record written by [`OwnedScope::to_record`].
    pub fn from_record(text: &str) -> Result<OwnedScope, String> {
        let v: Json = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let mode = match v["mode"].as_str() {
            Some("vxlan") => Mode::Vxlan,
            Some("routes") => Mode::Routes,
            _ => return Err("mode must be vxlan or routes".into()),
        };
        let ip = |k: &str| -> Result<Option<Ipv4Addr>, String> {
            match &v[k] {
                Json::Null => Ok(None),
                x => x
                    .as_str()
                    .and_then(|s| s.parse().ok())
                    .map(Some)
                    .ok_or(format!("{k} {x} is not an IPv4 address")),
            }
        };
        Ok(OwnedScope {
            mode,
            cluster_cidr: v["clusterCidr"]
                .as_str()
                .and_then(|c| c.parse().ok())
                .ok_or("clusterCidr missing or invalid")?,
            vni: match &v["vni"] {
                Json::Null => None,
                x => Some(
                    x.as_u64()
                        .and_then(|n| u32::try_from(n).ok())
                        .ok_or(format!("vni {x} is invalid"))?,
                ),
            },
            overlay_ip: ip("overlayIp")?,
            services: v["services"]["marker"]
                .as_str()
                .map(|m| ServiceScope { marker: m.into() }),
        })
    }

    /// What differs between this scope (`self`, planned now) and `recorded`, as
    /// `what: planned vs recorded` phrases; services are left out (they follow their markers).
    pub fn differences(&self, recorded: &OwnedScope) -> Vec<String> {
        let show = |v: Option<String>| v.unwrap_or_else(|| "none".into());
        let mut out = Vec::new();
        if self.mode != recorded.mode {
            out.push(format!(
                "mode {} vs {}",
                self.mode.as_str(),
                recorded.mode.as_str()
            ));
        }
        if self.cluster_cidr != recorded.cluster_cidr {
            out.push(format!(
                "clusterCidr {} vs {}",
                self.cluster_cidr, recorded.cluster_cidr
            ));
        }
        if self.vni != recorded.vni {
            out.push(format!(
                "VNI {} vs {}",
                show(self.vni.map(|v| v.to_string())),
                show(recorded.vni.map(|v| v.to_string()))
            ));
        }
        if self.overlay_ip != recorded.overlay_ip {
            out.push(format!(
                "overlay IP {} vs {}",
                show(self.overlay_ip.map(|v| v.to_string())),
                show(recorded.overlay_ip.map(|v| v.to_string()))
            ));
        }
        out
    }

    pub fn of(desired: &Desired) -> OwnedScope {
        OwnedScope {
            mode: desired.mode,
            cluster_cidr: desired.cluster_cidr,
            vni: desired.vxlan.as_ref().map(|v| v.vni),
            overlay_ip: desired.vxlan.as_ref().map(|v| v.overlay_ip),
            services: desired.services.clone(),
        }
    }

    /// Whether this scope can own objects of `kind` at all (its ownership rule has what it
    /// needs: a VNI, an overlay address, a service marker).
    pub fn covers(&self, kind: ResourceKind) -> bool {
        match kind.spec().owner {
            Ownership::Vni | Ownership::VxlanEntry { .. } => self.vni.is_some(),
            Ownership::OverlaySnip => self.overlay_ip.is_some(),
            Ownership::StaticRouteInCidr => true,
            Ownership::Parent { parent, .. } => self.covers(parent),
            Ownership::Marked | Ownership::MemberServer { .. } => self.services.is_some(),
        }
    }

    /// The resource kinds this scope can own, in create order.
    pub fn kinds(&self) -> Vec<ResourceKind> {
        ResourceKind::ALL
            .into_iter()
            .filter(|k| self.covers(*k))
            .collect()
    }

    /// The value of the first identity attribute of the one object of `kind` this scope can
    /// own, for kinds read by key ([`super::object::ReadBy::Key`]).
    pub fn key_value(&self, kind: ResourceKind) -> Option<String> {
        match kind.spec().owner {
            Ownership::Vni => self.vni.map(|v| v.to_string()),
            _ => None,
        }
    }

    /// Whether a NITRO GET record of `kind` is inside the owned scope, judged on the record
    /// alone: a binding whose parent is ours only by its comment is not (see
    /// [`OwnedScope::owns_among`]).
    pub fn owns(&self, kind: ResourceKind, rec: &Map<String, Json>) -> bool {
        self.owns_among(kind, rec, &[])
    }

    /// Whether a NITRO GET record of `kind` is inside the owned scope, where `owned` holds
    /// the objects of the parent kinds already known to be ours.
    pub fn owns_among(
        &self,
        kind: ResourceKind,
        rec: &Map<String, Json>,
        owned: &[AdcObject],
    ) -> bool {
        let vni = self.vni.map(u64::from);
        match kind.spec().owner {
            Ownership::Vni => vni.is_some() && number(rec, "id") == vni,
            Ownership::OverlaySnip => {
                self.overlay_ip.is_some()
                    && default_td(rec)
                    && text(rec, "ipaddress").and_then(|s| s.parse().ok()) == self.overlay_ip
                    // A VIP, MIP or NSIP at the overlay address is someone else's (absent = SNIP).
                    && text(rec, "type").is_none_or(|t| t.eq_ignore_ascii_case("SNIP"))
            }
            Ownership::StaticRouteInCidr => self.owns_route(rec),
            Ownership::VxlanEntry {
                td0,
                absent_is_static,
            } => {
                let is_static = match text(rec, "type") {
                    Some(t) => t.eq_ignore_ascii_case("STATIC"),
                    None => absent_is_static,
                };
                vni.is_some()
                    && (!td0 || default_td(rec))
                    && number(rec, "vxlan") == vni
                    && is_static
            }
            Ownership::Parent { parent, link } => {
                let prec = parent_record(rec, link);
                let Some(pkey) = record_key(parent, &prec) else {
                    return false;
                };
                owned.iter().any(|o| o.kind == parent && o.key() == pkey)
                    || self.owns_among(parent, &prec, owned)
            }
            Ownership::Marked => self
                .services
                .as_ref()
                .is_some_and(|s| text(rec, "comment").is_some_and(|c| s.marks(c))),
            Ownership::MemberServer { members } => {
                let (Some(name), Some(ip)) = (text(rec, "name"), text(rec, "ipaddress")) else {
                    return false;
                };
                let Ok(ip) = ip.trim().parse::<Ipv4Addr>() else {
                    return false;
                };
                name == ip.to_string()
                    && owned
                        .iter()
                        .any(|o| o.kind == members && o.get("ip") == Some(&Value::Ip(ip)))
            }
        }
    }

    /// Whether a NITRO GET record is an entry the ADC learned on our VXLAN: a DYNAMIC arp
    /// (td 0) or bridgetable entry with vxlan = VNI. Such entries are not ours for diff or
    /// apply, but they keep the vxlan in use (315), so teardown removes them with it (SPEC §4).
    pub fn learned(&self, kind: ResourceKind, rec: &Map<String, Json>) -> bool {
        let Some(vni) = self.vni.map(u64::from) else {
            return false;
        };
        let Ownership::VxlanEntry { td0, .. } = kind.spec().owner else {
            return false;
        };
        text(rec, "type").is_some_and(|t| t.eq_ignore_ascii_case("DYNAMIC"))
            && (!td0 || default_td(rec))
            && number(rec, "vxlan") == Some(vni)
    }

    /// The learned entries of one kind (see [`OwnedScope::learned`]) in the object model. One
    /// that cannot be read is left out: it is not ours, and if it keeps the vxlan in use the
    /// failed delete names it.
    pub fn normalise_learned(
        &self,
        kind: ResourceKind,
        records: &[Map<String, Json>],
    ) -> Vec<AdcObject> {
        records
            .iter()
            .filter(|r| self.learned(kind, r))
            .filter_map(|r| AdcObject::from_json(kind, r).ok())
            .collect()
    }

    fn owns_route(&self, rec: &Map<String, Json>) -> bool {
        // Only static routes: never direct, permanent or dynamic ones.
        let is_static = flag(rec, &["Static", "static"])
            || text(rec, "routetype").is_some_and(|t| t.eq_ignore_ascii_case("STATIC"));
        if !is_static || flag(rec, &["direct", "permanent", "dynamic"]) || !default_td(rec) {
            return false;
        }
        let parse = |n| text(rec, n).and_then(|s| s.parse::<Ipv4Addr>().ok());
        let (Some(network), Some(netmask)) = (parse("network"), parse("netmask")) else {
            return false;
        };
        match Ipv4Net::with_netmask(network, netmask) {
            Ok(net) => self.cluster_cidr.contains(&net),
            Err(_) => false,
        }
    }

    /// Normalises the owned records of one kind into the object model; `owned` holds the
    /// objects of the parent kinds already known to be ours. A record that is ours but cannot
    /// be read is an error (fail closed: nothing is deleted on an incomplete view).
    pub fn normalise(
        &self,
        kind: ResourceKind,
        records: &[Map<String, Json>],
        owned: &[AdcObject],
    ) -> Result<Vec<AdcObject>, String> {
        records
            .iter()
            .filter(|r| self.owns_among(kind, r, owned))
            .map(|r| AdcObject::from_json(kind, r))
            .collect()
    }
}

/// The scope the unit tests share: VNI 1, cluster CIDR 10.244.0.0/16, overlay IP 10.244.254.1.
#[cfg(test)]
impl OwnedScope {
    pub(crate) fn example() -> OwnedScope {
        OwnedScope {
            mode: Mode::Vxlan,
            cluster_cidr: "10.244.0.0/16".parse().unwrap(),
            vni: Some(1),
            overlay_ip: Some("10.244.254.1".parse().unwrap()),
            services: None,
        }
    }

    /// [`OwnedScope::example`] that also manages the services of cluster `prod`.
    pub(crate) fn example_with_services() -> OwnedScope {
        OwnedScope {
            services: Some(ServiceScope::for_cluster("prod")),
            ..OwnedScope::example()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> OwnedScope {
        OwnedScope::example()
    }

    fn rec(s: &str) -> Map<String, Json> {
        serde_json::from_str(s).unwrap()
    }

    #[test]
    fn the_record_reads_back_as_the_scope_and_names_what_moved() {
        let mut s = scope();
        s.services = Some(ServiceScope::for_cluster("prod"));
        let back = OwnedScope::from_record(&s.to_record()).unwrap();
        assert_eq!(back, s);
        let routes = OwnedScope {
            mode: Mode::Routes,
            vni: None,
            overlay_ip: None,
            services: None,
            ..s.clone()
        };
        assert_eq!(
            OwnedScope::from_record(&routes.to_record()).unwrap(),
            routes
        );
        assert!(OwnedScope::from_record("{").is_err());
        assert!(OwnedScope::from_record(r#"{"mode":"vxlan"}"#).is_err());

        assert!(s.differences(&back).is_empty());
        let moved = OwnedScope {
            vni: Some(2),
            overlay_ip: Some("10.244.253.1".parse().unwrap()),
            services: None,
            ..s.clone()
        };
        assert_eq!(
            moved.differences(&s),
            [
                format!("VNI 2 vs {}", s.vni.unwrap()),
                format!("overlay IP 10.244.253.1 vs {}", s.overlay_ip.unwrap()),
            ]
        );
    }

    #[test]
    fn routes_only_static_inside_the_cluster_cidr() {
        let s = scope();
        let ours = rec(
            r#"{"network":"10.244.1.0","netmask":"255.255.255.0","gateway":"10.244.1.0","Static":true,"td":"0"}"#,
        );
        assert!(s.owns(ResourceKind::Route, &ours));
        for foreign in [
            r#"{"network":"10.0.0.0","netmask":"255.0.0.0","gateway":"192.0.2.1","Static":true}"#,
            r#"{"network":"10.244.0.0","netmask":"255.255.0.0","gateway":"0.0.0.0","direct":true}"#,
            r#"{"network":"10.244.3.0","netmask":"255.255.255.0","gateway":"10.244.3.0","dynamic":true,"Static":false}"#,
            r#"{"network":"10.244.4.0","netmask":"255.255.255.0","gateway":"10.244.4.0","Static":true,"td":"2"}"#,
            r#"{"network":"10.244.0.0","netmask":"255.254.0.0","gateway":"10.244.0.1","Static":true}"#,
        ] {
            assert!(!s.owns(ResourceKind::Route, &rec(foreign)), "{foreign}");
        }
    }

    #[test]
    fn arp_and_bridgetable_only_of_our_vxlan() {
        let s = scope();
        assert!(s.owns(
            ResourceKind::Arp,
            &rec(r#"{"ipaddress":"10.244.1.0","mac":"0a:00:00:00:00:01","vxlan":"1","vtep":"192.0.2.21","type":"STATIC"}"#)
        ));
        assert!(!s.owns(
            ResourceKind::Arp,
            &rec(r#"{"ipaddress":"10.244.1.0","mac":"0a:00:00:00:00:01","vxlan":"2","vtep":"192.0.2.21","type":"STATIC"}"#)
        ));
        assert!(!s.owns(
            ResourceKind::Arp,
            &rec(r#"{"ipaddress":"192.0.2.1","mac":"0a:00:00:00:00:01","ifnum":"1/1","type":"DYNAMIC"}"#)
        ));
        assert!(s.owns(
            ResourceKind::Bridgetable,
            &rec(r#"{"mac":"0a:00:00:00:00:01","vxlan":"1","vtep":"192.0.2.21"}"#)
        ));
        assert!(!s.owns(
            ResourceKind::Bridgetable,
            &rec(r#"{"mac":"0a:00:00:00:00:01","vxlan":"1","vtep":"192.0.2.21","type":"DYNAMIC"}"#)
        ));
    }

    #[test]
    fn learned_entries_are_dynamic_ones_on_our_vxlan_and_never_owned() {
        let s = scope();
        let records = [
            (
                ResourceKind::Arp,
                r#"{"ipaddress":"10.244.1.5","mac":"0a:00:00:00:00:05","vxlan":"1","vtep":"192.0.2.21","type":"DYNAMIC"}"#,
                true,
            ),
            (
                ResourceKind::Bridgetable,
                r#"{"mac":"0a:00:00:00:00:05","vxlan":"1","vtep":"192.0.2.21","type":"DYNAMIC"}"#,
                true,
            ),
            // configured by us: owned, not learned
            (
                ResourceKind::Arp,
                r#"{"ipaddress":"10.244.1.0","mac":"0a:00:00:00:00:01","vxlan":"1","vtep":"192.0.2.21","type":"STATIC"}"#,
                false,
            ),
            (
                ResourceKind::Bridgetable,
                r#"{"mac":"0a:00:00:00:00:01","vxlan":"1","vtep":"192.0.2.21"}"#,
                false,
            ),
            // another VNI, an interface, another traffic domain, a PERMANENT entry
            (
                ResourceKind::Arp,
                r#"{"ipaddress":"10.244.60.5","mac":"0a:00:00:00:00:06","vxlan":"2","vtep":"192.0.2.60","type":"DYNAMIC"}"#,
                false,
            ),
            (
                ResourceKind::Arp,
                r#"{"ipaddress":"192.0.2.50","mac":"00:11:22:33:44:66","ifnum":"1/1","type":"DYNAMIC"}"#,
                false,
            ),
            (
                ResourceKind::Arp,
                r#"{"ipaddress":"10.244.1.7","mac":"0a:00:00:00:00:07","vxlan":"1","vtep":"192.0.2.21","type":"DYNAMIC","td":"3"}"#,
                false,
            ),
            (
                ResourceKind::Bridgetable,
                r#"{"mac":"0a:00:00:00:00:08","vxlan":"1","vtep":"192.0.2.21","type":"PERMANENT"}"#,
                false,
            ),
            (
                ResourceKind::Vxlan,
                r#"{"id":"1","port":8472,"type":"DYNAMIC"}"#,
                false,
            ),
        ];
        for (kind, r, want) in records {
            assert_eq!(s.learned(kind, &rec(r)), want, "{r}");
            if want {
                assert!(!s.owns(kind, &rec(r)), "{r}");
            }
        }
        let arps: Vec<_> = records
            .iter()
            .filter(|(k, _, _)| *k == ResourceKind::Arp)
            .map(|(_, r, _)| rec(r))
            .collect();
        let learned = s.normalise_learned(ResourceKind::Arp, &arps);
        assert_eq!(learned.len(), 1);
        assert_eq!(
            learned[0].get("ipaddress").unwrap().to_string(),
            "10.244.1.5"
        );
        let routes_mode = OwnedScope {
            mode: Mode::Routes,
            vni: None,
            overlay_ip: None,
            ..scope()
        };
        assert!(
            routes_mode
                .normalise_learned(ResourceKind::Arp, &arps)
                .is_empty()
        );
    }

    #[test]
    fn the_overlay_address_is_ours_only_as_an_snip() {
        let s = scope();
        for ours in [
            r#"{"ipaddress":"10.244.254.1","netmask":"255.255.0.0","type":"SNIP","td":"0"}"#,
            r#"{"ipaddress":"10.244.254.1","netmask":"255.255.0.0"}"#,
        ] {
            assert!(s.owns(ResourceKind::Nsip, &rec(ours)), "{ours}");
        }
        for foreign in ["VIP", "MIP", "NSIP", "vip"] {
            let r = format!(
                r#"{{"ipaddress":"10.244.254.1","netmask":"255.255.255.255","type":"{foreign}"}}"#
            );
            assert!(!s.owns(ResourceKind::Nsip, &rec(&r)), "{r}");
        }
    }

    #[test]
    fn routes_mode_owns_only_routes() {
        let s = OwnedScope {
            mode: Mode::Routes,
            vni: None,
            overlay_ip: None,
            ..scope()
        };
        assert!(!s.owns(ResourceKind::Vxlan, &rec(r#"{"id":"1","port":8472}"#)));
        assert_eq!(s.kinds(), [ResourceKind::Route]);
    }

    #[test]
    fn service_groups_are_ours_by_the_marker_and_bindings_by_their_group() {
        let s = OwnedScope::example_with_services();
        let ours = rec(
            r#"{"servicegroupname":"k8s-prod-default-web-80","servicetype":"HTTP","comment":"managed-by=kubectl-netscaler cluster=prod"}"#,
        );
        assert!(s.owns(ResourceKind::Servicegroup, &ours));
        for foreign in [
            r#"{"servicegroupname":"k8s-prod-default-web-80","servicetype":"HTTP"}"#,
            r#"{"servicegroupname":"sg","servicetype":"HTTP","comment":"managed-by=kubectl-netscaler cluster=prod2"}"#,
            r#"{"servicegroupname":"sg","servicetype":"HTTP","comment":"managed-by=kubectl-netscaler cluster=prod-staging"}"#,
            r#"{"servicegroupname":"sg","servicetype":"HTTP","comment":"owned by the web team"}"#,
        ] {
            assert!(
                !s.owns(ResourceKind::Servicegroup, &rec(foreign)),
                "{foreign}"
            );
        }
        // A marker among other words still counts.
        assert!(s.owns(
            ResourceKind::Lbvserver,
            &rec(r#"{"name":"web","comment":"cluster=prod note managed-by=kubectl-netscaler"}"#)
        ));
        let groups = s
            .normalise(ResourceKind::Servicegroup, &[ours], &[])
            .unwrap();
        let member = rec(
            r#"{"servicegroupname":"k8s-prod-default-web-80","ip":"10.244.1.5","port":8080,"weight":"1"}"#,
        );
        let other =
            rec(r#"{"servicegroupname":"admin-sg","ip":"10.244.1.5","port":8080,"weight":"1"}"#);
        let binding = rec(r#"{"name":"web","servicegroupname":"k8s-prod-default-web-80"}"#);
        // On the record alone the group's comment is unknown: not ours.
        assert!(!s.owns(ResourceKind::ServicegroupMember, &member));
        assert!(s.owns_among(ResourceKind::ServicegroupMember, &member, &groups));
        assert!(!s.owns_among(ResourceKind::ServicegroupMember, &other, &groups));
        assert!(s.owns_among(ResourceKind::LbvserverBinding, &binding, &groups));
        assert_eq!(
            s.normalise(ResourceKind::ServicegroupMember, &[member, other], &groups)
                .unwrap(),
            [AdcObject::servicegroup_member(
                "k8s-prod-default-web-80",
                "10.244.1.5".parse().unwrap(),
                8080,
                1
            )]
        );
    }

    #[test]
    fn a_server_is_ours_when_named_after_its_ip_and_used_by_a_member_of_ours() {
        let s = OwnedScope::example_with_services();
        let member = AdcObject::servicegroup_member(
            "k8s-prod-default-web-80",
            "10.244.1.5".parse().unwrap(),
            8080,
            1,
        );
        let owned = [member];
        let auto = rec(r#"{"name":"10.244.1.5","ipaddress":"10.244.1.5","state":"ENABLED"}"#);
        assert!(s.owns_among(ResourceKind::Server, &auto, &owned));
        assert_eq!(
            s.normalise(ResourceKind::Server, std::slice::from_ref(&auto), &owned)
                .unwrap(),
            [AdcObject::member_server("10.244.1.5".parse().unwrap())]
        );
        // Named by the admin, for another address, or used by no member of ours: not ours.
        for foreign in [
            r#"{"name":"web-1","ipaddress":"10.244.1.5"}"#,
            r#"{"name":"10.244.1.6","ipaddress":"10.244.1.6"}"#,
            r#"{"name":"10.244.1.5","ipaddress":"10.244.1.50"}"#,
            r#"{"name":"10.244.1.5","domain":"web.example"}"#,
        ] {
            assert!(
                !s.owns_among(ResourceKind::Server, &rec(foreign), &owned),
                "{foreign}"
            );
        }
        assert!(!s.owns_among(ResourceKind::Server, &auto, &[]));
        assert!(!OwnedScope::example().covers(ResourceKind::Server));
        // Servers are decided after the members that make them ours.
        let order = ResourceKind::ownership_order();
        let pos = |k| order.iter().position(|x| *x == k).unwrap();
        assert!(pos(ResourceKind::Server) > pos(ResourceKind::ServicegroupMember));
        assert_eq!(order.len(), ResourceKind::ALL.len());
    }

    #[test]
    fn services_are_covered_in_either_mode_only_with_a_marker() {
        assert!(
            !OwnedScope::example()
                .kinds()
                .contains(&ResourceKind::Servicegroup)
        );
        let routes_with_services = OwnedScope {
            mode: Mode::Routes,
            vni: None,
            overlay_ip: None,
            ..OwnedScope::example_with_services()
        };
        assert_eq!(
            routes_with_services.kinds(),
            [
                ResourceKind::Route,
                ResourceKind::Server,
                ResourceKind::Servicegroup,
                ResourceKind::ServicegroupMember,
                ResourceKind::Lbvserver,
                ResourceKind::LbvserverBinding
            ]
        );
        assert_eq!(
            OwnedScope::example_with_services().kinds().len(),
            ResourceKind::ALL.len()
        );
    }

    #[test]
    fn a_srcip_binding_is_ours_through_its_vxlan() {
        let s = scope();
        assert!(s.owns(
            ResourceKind::VxlanSrcipBinding,
            &rec(r#"{"id":"1","srcip":"192.0.2.10"}"#)
        ));
        assert!(!s.owns(
            ResourceKind::VxlanSrcipBinding,
            &rec(r#"{"id":"2","srcip":"192.0.2.10"}"#)
        ));
    }
}
