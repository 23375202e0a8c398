//! Reading the ADC: exactly the owned scope (SPEC §4), normalised into the object model, plus
//! what the run needs to know about the ADC itself (HA role, the VTEP MAC, preconditions).
//! One GET per resource kind; the lists also serve the VTEP MAC discovery and the
//! precondition checks, so a converged run stays within a handful of requests.

use super::{NitroClient, NitroError};
use crate::model::actual::ServiceView;
use crate::model::{
    AdcObject, Desired, ForeignObject, Mode, OwnedScope, Ownership, ReadBy, ResourceKind,
    normalize_mac,
};
use futures::future::join_all;
use ipnet::Ipv4Net;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

type Record = Map<String, Value>;

type Result<T, E = NitroError> = std::result::Result<T, E>;

/// The ADC's role in a high-availability pair.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HaRole {
    Standalone,
    Primary,
    /// Writes must go to the primary (named when the ADC knows it).
    Secondary {
        primary: Option<String>,
    },
}

/// What a run learned from the ADC.
#[derive(Clone, Debug)]
pub struct AdcView {
    /// Owned objects, normalised and sorted.
    pub owned: Vec<AdcObject>,
    /// Entries the ADC learned on our VXLAN (DYNAMIC arp/bridgetable, vxlan = VNI): not ours,
    /// but teardown removes them with the vxlan they keep in use (SPEC §4).
    pub learned: Vec<AdcObject>,
    /// The ADC's VTEP MAC, when discovery was asked for.
    pub vtep_mac: Option<String>,
    pub ha: HaRole,
    /// Every NSIP/SNIP/... as `(address, netmask, type)`.
    pub ips: Vec<(Ipv4Addr, Ipv4Addr, String)>,
    /// Objects outside the owned scope with an identity an object of ours could have (routes,
    /// arp and bridgetable entries), from the same GETs: what may block a node's objects.
    pub foreign: Vec<ForeignObject>,
    /// The vservers and servers the service side needs to know of.
    pub services: ServiceView,
}

/// What to read besides the owned scope.
#[derive(Clone, Copy, Debug, Default)]
pub struct ReadOptions {
    /// Discover the VTEP MAC (`vtepMac: auto`).
    pub discover_vtep_mac: bool,
    /// Read the HA role (writing commands).
    pub ha: bool,
}

fn text<'a>(r: &'a Record, k: &str) -> Option<&'a str> {
    r.get(k).and_then(Value::as_str)
}

fn ipv4(r: &Record, k: &str) -> Option<Ipv4Addr> {
    text(r, k).and_then(|s| s.trim().parse().ok())
}

fn read_error(what: &str, e: NitroError) -> NitroError {
    NitroError::Read {
        what: what.to_string(),
        source: Box::new(e),
    }
}

fn normalise(
    scope: &OwnedScope,
    kind: ResourceKind,
    recs: &[Record],
    owned: &[AdcObject],
) -> Result<Vec<AdcObject>> {
    scope
        .normalise(kind, recs, owned)
        .map_err(|detail| NitroError::Unreadable {
            kind: kind.to_string(),
            detail,
        })
}

/// Reads the records of `kind` the way its table row says ([`ReadBy`]); `owned` holds the
/// owned objects of its parent kind, for kinds read per parent.
pub(crate) async fn read_records(
    client: &NitroClient,
    scope: &OwnedScope,
    kind: ResourceKind,
    owned: &[AdcObject],
) -> Result<Vec<Record>> {
    let spec = kind.spec();
    let got = match spec.read {
        ReadBy::Collection => client.get(spec.resource, None, &[]).await,
        ReadBy::BulkBindings => {
            client
                .get(spec.resource, None, &[("bulkbindings", "yes".to_string())])
                .await
        }
        ReadBy::Key => match scope.key_value(kind) {
            Some(v) => client.get(spec.resource, Some(&v), &[]).await,
            None => Ok(Vec::new()),
        },
        ReadBy::PerParent => {
            let Ownership::Parent { parent, link } = spec.owner else {
                unreachable!("{kind}: read per parent without a parent (table test)")
            };
            let names: BTreeSet<String> = owned
                .iter()
                .filter(|o| o.kind == parent)
                .filter_map(|o| o.get(link[0]).map(ToString::to_string))
                .collect();
            join_all(
                names
                    .iter()
                    .map(|n| client.get(spec.resource, Some(n.as_str()), &[])),
            )
            .await
            .into_iter()
            .collect::<Result<Vec<_>, _>>()
            .map(|v| v.into_iter().flatten().collect())
        }
    };
    got.map_err(|e| read_error(spec.plural, e))
}

/// Reads the owned scope (and the extras in `opts`).
pub async fn read(client: &NitroClient, scope: &OwnedScope, opts: ReadOptions) -> Result<AdcView> {
    // Routes and addresses serve the preconditions, ARP entries the VTEP MAC discovery,
    // whatever the scope owns.
    let needed = |k: ResourceKind| {
        scope.covers(k)
            || matches!(k, ResourceKind::Route | ResourceKind::Nsip)
            || (k == ResourceKind::Arp && opts.discover_vtep_mac)
    };
    let (first, per_parent): (Vec<_>, Vec<_>) = ResourceKind::ALL
        .into_iter()
        .filter(|k| needed(*k))
        .partition(|k| k.spec().read != ReadBy::PerParent);
    let hanodes = async {
        match opts.ha || opts.discover_vtep_mac {
            true => client
                .get("hanode", None, &[])
                .await
                .map_err(|e| read_error("HA nodes", e)),
            false => Ok::<Vec<Record>, NitroError>(Vec::new()),
        }
    };
    // An admin's plain services keep their servers in use: read with the servers.
    let plain_services = async {
        match scope.covers(ResourceKind::Server) {
            true => client
                .get("service", None, &[])
                .await
                .map_err(|e| read_error("services (plain, on servers)", e)),
            false => Ok::<Vec<Record>, NitroError>(Vec::new()),
        }
    };
    let (lists, hanodes, plain_services) = tokio::join!(
        join_all(first.iter().map(|k| read_records(client, scope, *k, &[]))),
        hanodes,
        plain_services,
    );
    let mut records: BTreeMap<ResourceKind, Vec<Record>> = BTreeMap::new();
    for (kind, list) in first.into_iter().zip(lists) {
        records.insert(kind, list?);
    }
    let hanodes = hanodes?;
    let plain_services = plain_services?;

    // A parent is known before the kinds bound to it, members before their servers.
    let mut owned: Vec<AdcObject> = Vec::new();
    for kind in ResourceKind::ownership_order() {
        if per_parent.contains(&kind) {
            let list = read_records(client, scope, kind, &owned).await?;
            records.insert(kind, list);
        }
        if let Some(recs) = records.get(&kind) {
            let objects = normalise(scope, kind, recs, &owned)?;
            owned.extend(objects);
        }
    }
    let mut learned = Vec::new();
    let mut foreign = Vec::new();
    for (kind, recs) in &records {
        learned.extend(scope.normalise_learned(*kind, recs));
        // Only a node's objects are decided on foreign ones (see `foreign_conflicts`).
        if kind.per_node() && scope.covers(*kind) {
            foreign.extend(scope.foreign(*kind, recs));
        }
    }
    owned.sort();
    learned.sort();

    let empty: Vec<Record> = Vec::new();
    let list = |k| records.get(&k).unwrap_or(&empty);
    let (routes, nsips, arps) = (
        list(ResourceKind::Route),
        list(ResourceKind::Nsip),
        list(ResourceKind::Arp),
    );
    let ha = ha_role(&hanodes);
    // A writing run on the HA secondary is refused (naming the primary) whatever the MAC
    // setting: discovery, which refuses every HA pair, must not hide that answer.
    let refused_secondary = opts.ha && matches!(ha, HaRole::Secondary { .. });
    let vtep_mac = if opts.discover_vtep_mac && !refused_secondary {
        Some(discover_vtep_mac(client, routes, arps, &hanodes).await?)
    } else {
        None
    };
    let services = service_view(scope, &records, &plain_services, &owned);
    let ips = nsips
        .iter()
        .filter(|r| text(r, "td").is_none_or(|t| t == "0"))
        .filter_map(|r| {
            Some((
                ipv4(r, "ipaddress")?,
                ipv4(r, "netmask")?,
                text(r, "type").unwrap_or("SNIP").to_ascii_uppercase(),
            ))
        })
        .collect();
    Ok(AdcView {
        owned,
        learned,
        vtep_mac,
        ha,
        ips,
        foreign,
        services,
    })
}

/// The vservers, server addresses and servers in use by others (members of groups not ours,
/// plain services), from the records read.
fn service_view(
    scope: &OwnedScope,
    records: &BTreeMap<ResourceKind, Vec<Record>>,
    plain_services: &[Record],
    owned: &[AdcObject],
) -> ServiceView {
    if !scope.covers(ResourceKind::Lbvserver) {
        return ServiceView::default();
    }
    let empty: Vec<Record> = Vec::new();
    let list = |k| records.get(&k).unwrap_or(&empty);
    let vservers = list(ResourceKind::Lbvserver)
        .iter()
        .filter_map(|r| {
            Some((
                text(r, "name")?.to_string(),
                text(r, "servicetype")
                    .unwrap_or_default()
                    .to_ascii_uppercase(),
            ))
        })
        .collect();
    let server_ips = list(ResourceKind::Server)
        .iter()
        .filter_map(|r| ipv4(r, "ipaddress"))
        .collect();
    let bound_elsewhere = list(ResourceKind::ServicegroupMember)
        .iter()
        .filter(|r| !scope.owns_among(ResourceKind::ServicegroupMember, r, owned))
        .chain(plain_services)
        .filter_map(|r| text(r, "servername").or_else(|| text(r, "ip")))
        .map(str::to_string)
        .collect();
    ServiceView {
        vservers: Some(vservers),
        server_ips,
        bound_elsewhere,
    }
}

fn ha_role(hanodes: &[Record]) -> HaRole {
    let is_local = |r: &&Record| match r.get("id") {
        Some(Value::String(s)) => s.trim() == "0",
        Some(Value::Number(n)) => n.as_u64() == Some(0),
        _ => false,
    };
    let local = hanodes.iter().find(is_local);
    let state = local.and_then(|r| text(r, "state")).unwrap_or("");
    if hanodes.len() < 2 && !state.eq_ignore_ascii_case("secondary") {
        return HaRole::Standalone;
    }
    if state.eq_ignore_ascii_case("secondary") {
        let primary = hanodes
            .iter()
            .find(|r| text(r, "state").is_some_and(|s| s.eq_ignore_ascii_case("primary")))
            .and_then(|r| text(r, "ipaddress"))
            .map(str::to_string);
        HaRole::Secondary { primary }
    } else {
        HaRole::Primary
    }
}

/// The node controller's recipe: default route's gateway → that gateway's ARP entry → its
/// interface → the interface's MAC. HA pairs must configure the virtual MAC instead.
async fn discover_vtep_mac(
    client: &NitroClient,
    routes: &[Record],
    arps: &[Record],
    hanodes: &[Record],
) -> Result<String> {
    let fail = |why: String| {
        NitroError::Precondition(format!(
            "cannot discover the ADC's VTEP MAC (vtepMac: auto): {why}; set vtepMac (--vtep-mac) to the MAC of the ADC interface on the node network"
        ))
    };
    if hanodes.len() > 1 {
        return Err(NitroError::Precondition(
            "this ADC is part of an HA pair: vtepMac cannot be discovered, because the flannel return path must survive a failover; set vtepMac (--vtep-mac) to the pair's virtual MAC (VMAC)".into(),
        ));
    }
    let zero = Some(Ipv4Addr::UNSPECIFIED);
    let gateways: std::collections::BTreeSet<Ipv4Addr> = routes
        .iter()
        .filter(|r| ipv4(r, "network") == zero && ipv4(r, "netmask") == zero)
        .filter_map(|r| ipv4(r, "gateway"))
        .filter(|g| !g.is_unspecified())
        .collect();
    let gateway = match gateways.len() {
        0 => return Err(fail("the ADC has no default route".into())),
        1 => *gateways.iter().next().expect("one gateway"),
        _ => {
            return Err(fail(format!(
                "the ADC has several default gateways ({}), so the interface is ambiguous",
                gateways
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    };
    let ifnum = arps
        .iter()
        .find(|r| ipv4(r, "ipaddress") == Some(gateway))
        .and_then(|r| text(r, "ifnum"))
        .filter(|i| !i.is_empty())
        .ok_or_else(|| {
            fail(format!(
                "no ARP entry with an interface for the default gateway {gateway}"
            ))
        })?
        .to_string();
    let intf = client
        .get("Interface", Some(&ifnum), &[])
        .await
        .map_err(|e| read_error(&format!("interface {ifnum}"), e))?;
    intf.first()
        .and_then(|r| text(r, "mac"))
        .and_then(normalize_mac)
        .ok_or_else(|| fail(format!("interface {ifnum} has no MAC address")))
}

/// The overlay address is ours only as an SNIP (SPEC §4): another type of address there (VIP,
/// MIP, NSIP) serves something else and is never changed or deleted, so the run stops.
fn check_overlay_ip(view: &AdcView, overlay_ip: Ipv4Addr) -> Result<()> {
    match view.ips.iter().find(|(ip, _, _)| *ip == overlay_ip) {
        Some((_, mask, t)) if t != "SNIP" => Err(NitroError::Precondition(format!(
            "overlayIp {overlay_ip} is already on the ADC as a {t} (netmask {mask}), not an SNIP: it is not this tool's and is left untouched; choose a free overlayIp (--overlay-ip) inside adcPodCidr, or free that address on the ADC"
        ))),
        _ => Ok(()),
    }
}

/// Checks the ADC can take the desired objects, in plain words (before any change is
/// proposed): the VTEP SNIP exists (vxlan mode), every route gateway is directly reachable
/// through an SNIP subnet (routes mode, error 604), VXLAN is not on a NetScaler cluster.
pub async fn check_preconditions(
    client: &NitroClient,
    view: &AdcView,
    desired: &Desired,
) -> Result<()> {
    let snips: Vec<(Ipv4Addr, Ipv4Net)> = view
        .ips
        .iter()
        .filter(|(_, _, t)| t == "SNIP" || t == "NSIP" || t == "MIP")
        .filter_map(|(ip, mask, _)| Some((*ip, Ipv4Net::with_netmask(*ip, *mask).ok()?.trunc())))
        .collect();
    if let Some(v) = &desired.vxlan {
        check_overlay_ip(view, v.overlay_ip)?;
        if !view
            .ips
            .iter()
            .any(|(ip, _, t)| *ip == v.vtep_ip && t == "SNIP")
        {
            return Err(NitroError::Precondition(format!(
                "vtepIp {} is not an SNIP on the ADC: the VXLAN source address must be an existing SNIP on the node network; add it first (add ns ip {} <netmask> -type SNIP) or fix vtepIp (--vtep-ip)",
                v.vtep_ip, v.vtep_ip
            )));
        }
        let vxlan_exists = view.owned.iter().any(|o| o.kind == ResourceKind::Vxlan);
        if !vxlan_exists {
            let conf = client
                .get_singleton("nsconfig")
                .await
                .map_err(|e| read_error("the system type (nsconfig)", e))?;
            if text(&conf, "systemtype").is_some_and(|t| t.eq_ignore_ascii_case("cluster")) {
                return Err(NitroError::Precondition(
                    "this ADC is a NetScaler cluster (CLIP): VXLAN overlays are not supported on a cluster; use routes mode (--mode routes) with a routed CNI, or a standalone/HA ADC".into(),
                ));
            }
        }
    }
    if desired.mode == Mode::Routes {
        let mut unreachable: BTreeMap<Ipv4Addr, Vec<&str>> = BTreeMap::new();
        for o in desired.adc.iter().filter(|o| o.kind == ResourceKind::Route) {
            let gw: Ipv4Addr = o
                .get("gateway")
                .and_then(|v| v.to_string().parse().ok())
                .expect("route gateway is an address");
            if !snips.iter().any(|(_, net)| net.contains(&gw)) {
                unreachable
                    .entry(gw)
                    .or_default()
                    .push(o.subject.node().unwrap_or("?"));
            }
        }
        if !unreachable.is_empty() {
            let list: Vec<String> = unreachable
                .iter()
                .map(|(gw, nodes)| format!("{gw} (node {})", nodes.join(", ")))
                .collect();
            return Err(NitroError::Precondition(format!(
                "the ADC has no SNIP in the subnet of these node addresses, so NetScaler would refuse their routes with error 604 \"The gateway is not directly reachable\": {}; add an SNIP in the node network (add ns ip <address> <netmask> -type SNIP) first",
                list.join("; ")
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nitro::{NitroConfig, Password};
    use netscaler_testbed::nitro::{Emulator, EmulatorOptions};
    use serde_json::json;
    use std::time::Duration;

    const MARKER: &str = "managed-by=kubectl-netscaler cluster=prod";

    async fn client(emu: &Emulator) -> NitroClient {
        NitroClient::connect(NitroConfig {
            url: emu.url(),
            username: "nsroot".into(),
            password: Password::new("nsroot".into()),
            ca_file: None,
            insecure_skip_tls_verify: false,
            timeout: Duration::from_secs(5),
        })
        .await
        .expect("login")
    }

    fn ip(s: &str) -> Ipv4Addr {
        s.parse().unwrap()
    }

    /// Our groups (by their comment), their members and their vserver binding are read as
    /// owned, with names and comments as written; an admin's group on the same vserver and its
    /// members are not.
    #[tokio::test]
    async fn reads_the_services_of_this_cluster_only() {
        let emu = Emulator::start(EmulatorOptions::default());
        emu.load_state(&json!({
            "nsip": [{"ipaddress": "192.0.2.10", "netmask": "255.255.255.0", "type": "SNIP"}],
            "lbvserver": [
                {"name": "Web", "servicetype": "HTTP", "ipv46": "192.0.2.80", "port": 80},
                {"name": "k8s-vip", "servicetype": "TCP", "ipv46": "192.0.2.81", "port": 443,
                 "lbmethod": "ROUNDROBIN", "comment": MARKER},
            ],
            "servicegroup": [
                {"servicegroupname": "k8s-prod-default-Web-80", "servicetype": "HTTP", "comment": MARKER},
                {"servicegroupname": "admin-web", "servicetype": "HTTP", "comment": "web team"},
            ],
            "servicegroup_servicegroupmember_binding": [
                {"servicegroupname": "k8s-prod-default-Web-80", "ip": "10.244.1.5", "servername": "10.244.1.5", "port": 8080},
                {"servicegroupname": "k8s-prod-default-Web-80", "ip": "10.244.2.7", "servername": "10.244.2.7", "port": 8080, "weight": 3},
                {"servicegroupname": "admin-web", "ip": "10.1.1.1", "servername": "10.1.1.1", "port": 80},
            ],
            "lbvserver_servicegroup_binding": [
                {"name": "Web", "servicegroupname": "k8s-prod-default-Web-80"},
                {"name": "Web", "servicegroupname": "admin-web"},
            ],
        }))
        .unwrap();
        let scope = OwnedScope {
            mode: Mode::Routes,
            vni: None,
            overlay_ip: None,
            ..OwnedScope::example_with_services()
        };
        let c = client(&emu).await;
        let view = read(&c, &scope, ReadOptions::default()).await.unwrap();
        let sg = "k8s-prod-default-Web-80";
        assert_eq!(
            view.owned,
            [
                AdcObject::servicegroup(sg, "HTTP", MARKER),
                AdcObject::servicegroup_member(sg, ip("10.244.1.5"), 8080, 1),
                AdcObject::servicegroup_member(sg, ip("10.244.2.7"), 8080, 3),
                AdcObject::lbvserver("k8s-vip", "TCP", ip("192.0.2.81"), 443, MARKER),
                AdcObject::lbvserver_binding("Web", sg),
            ]
        );
        let bindings: Vec<String> = emu
            .requests()
            .iter()
            .filter(|r| r.path.contains("_binding"))
            .map(|r| format!("{} {}?{}", r.method, r.path, r.query))
            .collect();
        assert_eq!(
            bindings,
            [
                "GET /nitro/v1/config/servicegroup_servicegroupmember_binding?bulkbindings=yes",
                "GET /nitro/v1/config/lbvserver_servicegroup_binding?bulkbindings=yes",
            ],
            "one bulk-bindings GET per binding kind"
        );
        c.logout().await;
    }

    /// Without a service marker in the scope no service object is read or owned.
    #[tokio::test]
    async fn a_scope_without_services_reads_none() {
        let emu = Emulator::start(EmulatorOptions::default());
        emu.load_state(&json!({
            "servicegroup": [
                {"servicegroupname": "k8s-prod-default-web-80", "servicetype": "HTTP", "comment": MARKER},
            ],
        }))
        .unwrap();
        let c = client(&emu).await;
        let view = read(&c, &OwnedScope::example(), ReadOptions::default())
            .await
            .unwrap();
        assert!(
            view.owned
                .iter()
                .all(|o| o.kind.spec().subject != crate::model::SubjectKind::Service),
            "{:?}",
            view.owned
        );
        assert!(
            !emu.requests()
                .iter()
                .any(|r| r.path.contains("servicegroup"))
        );
        c.logout().await;
    }
}
