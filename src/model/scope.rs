//! Ownership (SPEC §4): which objects on the ADC are this tool's. Only these are ever read as
//! "ours", changed or deleted; everything else is invisible to diff, apply and teardown.

use super::desired::{Desired, Mode};
use super::object::{AdcObject, ResourceKind, Value};
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

impl OwnedScope {
    pub fn of(desired: &Desired) -> OwnedScope {
        OwnedScope {
            mode: desired.mode,
            cluster_cidr: desired.cluster_cidr,
            vni: desired.vxlan.as_ref().map(|v| v.vni),
            overlay_ip: desired.vxlan.as_ref().map(|v| v.overlay_ip),
        }
    }

    /// The resource kinds this scope can own.
    pub fn kinds(&self) -> &'static [ResourceKind] {
        match self.mode {
            Mode::Vxlan => &ResourceKind::ALL,
            Mode::Routes => &[ResourceKind::Route],
        }
    }

    /// Whether a NITRO GET record of `kind` is inside the owned scope.
    pub fn owns(&self, kind: ResourceKind, rec: &Map<String, Json>) -> bool {
        let vni = self.vni.map(u64::from);
        match kind {
            ResourceKind::Vxlan => vni.is_some() && number(rec, "id") == vni,
            ResourceKind::VxlanSrcipBinding => vni.is_some() && number(rec, "id") == vni,
            ResourceKind::Nsip => {
                self.overlay_ip.is_some()
                    && default_td(rec)
                    && text(rec, "ipaddress").and_then(|s| s.parse().ok()) == self.overlay_ip
                    // A VIP, MIP or NSIP at the overlay address is someone else's (absent = SNIP).
                    && text(rec, "type").is_none_or(|t| t.eq_ignore_ascii_case("SNIP"))
            }
            ResourceKind::Route => self.owns_route(rec),
            ResourceKind::Arp => {
                vni.is_some()
                    && default_td(rec)
                    && number(rec, "vxlan") == vni
                    && text(rec, "type").is_some_and(|t| t.eq_ignore_ascii_case("STATIC"))
            }
            ResourceKind::Bridgetable => {
                vni.is_some()
                    && number(rec, "vxlan") == vni
                    // Learned entries are the ADC's own; only configured ones are ours.
                    && text(rec, "type").is_none_or(|t| t.eq_ignore_ascii_case("STATIC"))
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
        let dynamic = text(rec, "type").is_some_and(|t| t.eq_ignore_ascii_case("DYNAMIC"));
        match kind {
            ResourceKind::Arp => dynamic && default_td(rec) && number(rec, "vxlan") == Some(vni),
            ResourceKind::Bridgetable => dynamic && number(rec, "vxlan") == Some(vni),
            _ => false,
        }
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

    /// Normalises the owned records of one kind into the object model. A record that is ours
    /// but cannot be read is an error (fail closed: nothing is deleted on an incomplete view).
    pub fn normalise(
        &self,
        kind: ResourceKind,
        records: &[Map<String, Json>],
    ) -> Result<Vec<AdcObject>, String> {
        records
            .iter()
            .filter(|r| self.owns(kind, r))
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
        assert_eq!(s.kinds(), &[ResourceKind::Route]);
    }
}
