//! The emulated ADC configuration and its rules: add/update/delete/action semantics per
//! resource, the ordering constraints of NITRO.md §4-§5 (604/605/989/991/1013/2614/315...),
//! derived connected routes, and state load/dump.

use super::schema::{
    self, ADD, ID, Key, NResult, NitroError, REQ, RO, Schema, UPD, key_of, mask_len, normalize,
    normalize_object, parse_ip, text,
};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

pub type Obj = Map<String, Value>;

pub const DEFAULT_VERSION: &str =
    "NetScaler NS13.1: Build 49.13.nc, Date: Jul 11 2023, 07:41:49   (64-bit)";
pub const MGMT_IP: &str = "192.0.2.5";
pub const HA_PEER_IP: &str = "192.0.2.6";

/// Behaviour switches the store needs (a subset of `EmulatorOptions`).
#[derive(Clone, Debug, Default)]
pub struct Switches {
    pub ha_secondary: bool,
    pub clustered: bool,
    pub vtep_required_with_vxlan: bool,
}

#[derive(Clone, Debug)]
pub struct Store {
    objs: BTreeMap<&'static str, BTreeMap<Key, Obj>>,
    pub configchanged: bool,
    pub bridgeage: u64,
    pub nsversion: Obj,
    pub switches: Switches,
}

fn obj(v: Value) -> Obj {
    match v {
        Value::Object(m) => m,
        _ => Obj::new(),
    }
}

fn s(o: &Obj, k: &str) -> Option<String> {
    o.get(k).map(text)
}

fn ip_of(o: &Obj, k: &str) -> Option<Ipv4Addr> {
    o.get(k).and_then(Value::as_str).and_then(parse_ip)
}

/// A connected subnet: network, prefix length, td and the address that provides it.
#[derive(Clone, Debug)]
struct Subnet {
    net: u32,
    len: u32,
    td: String,
    via: Ipv4Addr,
}

impl Subnet {
    fn mask(&self) -> u32 {
        if self.len == 0 {
            0
        } else {
            u32::MAX << (32 - self.len)
        }
    }
    fn contains(&self, ip: Ipv4Addr) -> bool {
        u32::from(ip) & self.mask() == self.net
    }
}

/// Reorder an object's keys to the schema's field order (deterministic output).
fn ordered(schema: &Schema, o: Obj) -> Obj {
    let mut out = Obj::new();
    for f in schema.fields {
        if let Some(v) = o.get(f.name) {
            out.insert(f.name.to_string(), v.clone());
        }
    }
    for (k, v) in o {
        if !out.contains_key(&k) {
            out.insert(k, v);
        }
    }
    out
}

/// Default attribute values filled in on add (and on load).
fn defaults(name: &str) -> Vec<(&'static str, Value)> {
    let d = |pairs: &[(&'static str, Value)]| pairs.to_vec();
    match name {
        "vxlan" => d(&[
            ("port", json!(4789)),
            ("dynamicrouting", json!("DISABLED")),
            ("ipv6dynamicrouting", json!("DISABLED")),
            ("type", json!("VXLAN")),
            ("protocol", json!("ETHERNET")),
            ("innervlantagging", json!("DISABLED")),
            ("td", json!("0")),
        ]),
        "nsip" => d(&[
            ("td", json!("0")),
            ("type", json!("SNIP")),
            ("arp", json!("ENABLED")),
            ("icmp", json!("ENABLED")),
            ("vserver", json!("ENABLED")),
            ("telnet", json!("ENABLED")),
            ("ftp", json!("ENABLED")),
            ("gui", json!("ENABLED")),
            ("ssh", json!("ENABLED")),
            ("snmp", json!("ENABLED")),
            ("mgmtaccess", json!("DISABLED")),
            ("restrictaccess", json!("DISABLED")),
            ("dynamicrouting", json!("DISABLED")),
            ("decrementttl", json!("DISABLED")),
            ("hostroute", json!("DISABLED")),
            ("networkroute", json!("DISABLED")),
            ("state", json!("ENABLED")),
        ]),
        "route" => d(&[
            ("td", json!("0")),
            ("distance", json!("1")),
            ("cost1", json!("0")),
            ("weight", json!("1")),
            ("advertise", json!("DISABLED")),
            ("msr", json!("DISABLED")),
        ]),
        "arp" => d(&[("td", json!("0")), ("type", json!("STATIC"))]),
        "bridgetable" => d(&[("type", json!("STATIC"))]),
        "server" => d(&[
            ("td", json!("0")),
            ("state", json!("ENABLED")),
            ("domainresolveretry", json!(5)),
            ("ipv6address", json!("NO")),
        ]),
        "servicegroup" => d(&[
            ("td", json!("0")),
            ("state", json!("ENABLED")),
            ("autoscale", json!("DISABLED")),
            ("healthmonitor", json!("YES")),
            ("usip", json!("NO")),
            ("useproxyport", json!("YES")),
            ("maxclient", json!("0")),
            ("maxreq", json!("0")),
            ("cip", json!("DISABLED")),
            ("clttimeout", json!(180)),
            ("svrtimeout", json!(360)),
            ("cka", json!("NO")),
            ("tcpb", json!("NO")),
            ("cmp", json!("NO")),
            ("downstateflush", json!("ENABLED")),
        ]),
        "servicegroup_servicegroupmember_binding" => {
            d(&[("weight", json!("1")), ("state", json!("ENABLED"))])
        }
        "lbvserver" => d(&[
            ("ipv46", json!("0.0.0.0")),
            ("port", json!(0)),
            ("td", json!("0")),
            ("lbmethod", json!("LEASTCONNECTION")),
            ("persistencetype", json!("NONE")),
            ("timeout", json!(2)),
            ("state", json!("ENABLED")),
        ]),
        _ => vec![],
    }
}

fn with_defaults(schema: &Schema, mut o: Obj) -> Obj {
    for (k, v) in defaults(schema.name) {
        o.entry(k.to_string()).or_insert(v);
    }
    if schema.name == "bridgetable"
        && !o.contains_key("vni")
        && let Some(v) = o.get("vxlan").cloned()
    {
        o.insert("vni".into(), v);
    }
    ordered(schema, o)
}

fn route_flags(o: &mut Obj, routetype: &str) {
    o.insert("routetype".into(), json!(routetype));
    o.insert("Static".into(), json!(routetype == "STATIC"));
    o.insert("direct".into(), json!(routetype == "DIRECT"));
    o.insert("permanent".into(), json!(routetype == "PERMANENT"));
    o.insert("dynamic".into(), json!(routetype == "DYNAMIC"));
}

/// Route type of a stored route (from `routetype` or the boolean flags).
fn route_type(o: &Obj) -> String {
    if let Some(t) = o.get("routetype").and_then(Value::as_str) {
        return t.to_string();
    }
    for (flag, t) in [
        ("direct", "DIRECT"),
        ("permanent", "PERMANENT"),
        ("dynamic", "DYNAMIC"),
    ] {
        if o.get(flag) == Some(&Value::Bool(true)) {
            return t.to_string();
        }
    }
    "STATIC".to_string()
}

impl Store {
    pub fn fresh(switches: Switches) -> Store {
        let mut st = Store {
            objs: BTreeMap::new(),
            configchanged: false,
            bridgeage: 300,
            nsversion: obj(json!({
                "installedversion": false,
                "mode": 1,
                "version": DEFAULT_VERSION,
            })),
            switches,
        };
        let nsip = schema::schema("nsip").expect("nsip schema");
        st.put(
            nsip,
            with_defaults(
                nsip,
                obj(json!({"ipaddress": MGMT_IP, "netmask": "255.255.255.0", "type": "NSIP", "mgmtaccess": "ENABLED"})),
            ),
        );
        let intf = schema::schema("Interface").expect("Interface schema");
        for (id, mac) in [("0/1", "02:00:5e:00:00:01"), ("1/1", "02:00:5e:00:01:01")] {
            st.put(
                intf,
                obj(json!({"id": id, "devicename": id, "mac": mac, "state": "ENABLED", "intftype": if id == "0/1" { "Loopback" } else { "XEN Interface" }, "linkstate": 1, "mtu": 1500})),
            );
        }
        let hanode = schema::schema("hanode").expect("hanode schema");
        st.put(
            hanode,
            obj(json!({"id": "0", "name": "", "ipaddress": MGMT_IP, "state": "Primary", "hastatus": "UP", "hasync": "ENABLED"})),
        );
        st
    }

    fn table(&self, name: &str) -> Option<&BTreeMap<Key, Obj>> {
        self.objs.get(name)
    }

    fn put(&mut self, schema: &'static Schema, o: Obj) {
        let key = key_of(schema, &o);
        self.objs.entry(schema.name).or_default().insert(key, o);
    }

    fn get_obj(&self, schema: &Schema, key: &Key) -> Option<&Obj> {
        self.objs.get(schema.name).and_then(|t| t.get(key))
    }

    fn remove(&mut self, schema: &Schema, key: &Key) -> Option<Obj> {
        self.objs.get_mut(schema.name).and_then(|t| t.remove(key))
    }

    fn iter(&self, name: &str) -> impl Iterator<Item = &Obj> {
        self.table(name).into_iter().flat_map(|t| t.values())
    }

    fn retain(&mut self, name: &str, mut keep: impl FnMut(&Obj) -> bool) {
        if let Some(t) = self.objs.get_mut(name) {
            t.retain(|_, o| keep(o));
        }
    }

    fn exists(&self, name: &str, field: &str, value: &str) -> bool {
        self.iter(name)
            .any(|o| s(o, field).as_deref() == Some(value))
    }

    /// Connected subnets: one per nsip subnet (SNIP/NSIP/MIP/CLIP) plus loaded direct routes.
    fn subnets(&self) -> Vec<Subnet> {
        let mut out = Vec::new();
        for o in self.iter("nsip") {
            let t = s(o, "type").unwrap_or_default();
            if !matches!(t.as_str(), "SNIP" | "NSIP" | "MIP" | "CLIP") {
                continue;
            }
            if let (Some(ip), Some(m)) = (ip_of(o, "ipaddress"), ip_of(o, "netmask")) {
                let len = mask_len(m).unwrap_or(32);
                let sn = Subnet {
                    net: u32::from(ip) & u32::from(m),
                    len,
                    td: s(o, "td").unwrap_or_else(|| "0".into()),
                    via: ip,
                };
                if !out
                    .iter()
                    .any(|x: &Subnet| x.net == sn.net && x.len == sn.len && x.td == sn.td)
                {
                    out.push(sn);
                }
            }
        }
        for o in self.iter("route") {
            if route_type(o) != "DIRECT" {
                continue;
            }
            if let (Some(n), Some(m), Some(g)) = (
                ip_of(o, "network"),
                ip_of(o, "netmask"),
                ip_of(o, "gateway"),
            ) {
                let sn = Subnet {
                    net: u32::from(n) & u32::from(m),
                    len: mask_len(m).unwrap_or(32),
                    td: s(o, "td").unwrap_or_else(|| "0".into()),
                    via: g,
                };
                if !out
                    .iter()
                    .any(|x| x.net == sn.net && x.len == sn.len && x.td == sn.td)
                {
                    out.push(sn);
                }
            }
        }
        out
    }

    fn gateway_reachable(&self, subnets: &[Subnet], route: &Obj) -> bool {
        let Some(gw) = ip_of(route, "gateway") else {
            return true;
        };
        if gw.is_unspecified() {
            return true;
        }
        let td = s(route, "td").unwrap_or_else(|| "0".into());
        subnets.iter().any(|sn| sn.td == td && sn.contains(gw))
    }

    /// True when every static route's gateway is still inside a connected subnet.
    fn static_routes_reachable(&self) -> bool {
        let subnets = self.subnets();
        self.iter("route")
            .filter(|o| route_type(o) == "STATIC")
            .all(|o| self.gateway_reachable(&subnets, o))
    }

    /// GET output of a resource type: every object, in identity order.
    pub fn list(&self, schema: &Schema) -> Vec<Obj> {
        match schema.name {
            "route" => {
                let mut all: BTreeMap<Key, Obj> = BTreeMap::new();
                for o in self.iter("route") {
                    all.insert(key_of(schema, o), o.clone());
                }
                for sn in self.subnets() {
                    let network = Ipv4Addr::from(sn.net).to_string();
                    let mask = Ipv4Addr::from(sn.mask()).to_string();
                    let dup = all.values().any(|o| {
                        s(o, "network").as_deref() == Some(network.as_str())
                            && s(o, "netmask").as_deref() == Some(mask.as_str())
                            && s(o, "td").as_deref() == Some(sn.td.as_str())
                            && route_type(o) == "DIRECT"
                    });
                    if dup {
                        continue;
                    }
                    let mut o = obj(json!({
                        "network": network,
                        "netmask": mask,
                        "gateway": sn.via.to_string(),
                        "td": sn.td,
                        "distance": "0",
                        "cost1": "0",
                        "weight": "1",
                        "advertise": "DISABLED",
                        "msr": "DISABLED",
                    }));
                    route_flags(&mut o, "DIRECT");
                    all.insert(key_of(schema, &o), ordered(schema, o));
                }
                all.into_values().collect()
            }
            "bridgetable" => self
                .iter("bridgetable")
                .map(|o| {
                    let mut o = o.clone();
                    o.insert("bridgeage".into(), json!(self.bridgeage.to_string()));
                    ordered(schema, o)
                })
                .collect(),
            "hanode" if self.switches.ha_secondary => {
                let mut out: Vec<Obj> = self.iter("hanode").cloned().collect();
                for o in out.iter_mut() {
                    let st = if s(o, "id").as_deref() == Some("0") {
                        "Secondary"
                    } else {
                        "Primary"
                    };
                    o.insert("state".into(), json!(st));
                }
                if out.len() < 2 {
                    out.push(obj(json!({"id": "1", "name": "", "ipaddress": HA_PEER_IP, "state": "Primary", "hastatus": "UP", "hasync": "ENABLED"})));
                }
                out
            }
            "nsconfig" => vec![self.nsconfig()],
            "nsversion" => vec![self.nsversion.clone()],
            name => self.iter(name).cloned().collect(),
        }
    }

    pub fn nsconfig(&self) -> Obj {
        let systemtype = if self.switches.clustered {
            "Cluster"
        } else if self.switches.ha_secondary {
            "HA"
        } else {
            "Stand-alone"
        };
        obj(json!({"configchanged": self.configchanged, "systemtype": systemtype}))
    }

    // ---------------------------------------------------------------- identity helpers

    /// Normalise identity values given as args/path/bulk object. `extra` names non-identity
    /// attributes tolerated in a delete (e.g. member `ip`).
    fn ident(schema: &Schema, raw: &Obj, extra: &[&str]) -> NResult<Obj> {
        let mut out = Obj::new();
        for (k, v) in raw {
            let Some(fl) = schema.field(k) else {
                return Err(NitroError::invalid_arg(k));
            };
            if fl.flags & ID == 0 && !extra.contains(&k.as_str()) {
                return Err(NitroError::invalid_arg(k));
            }
            if v.is_null() {
                continue;
            }
            out.insert(k.clone(), normalize(fl, v)?);
        }
        Ok(out)
    }

    fn require(o: &Obj, fields: &[&str]) -> NResult<()> {
        for f in fields {
            if !o.contains_key(*f) {
                return Err(NitroError::missing(f));
            }
        }
        Ok(())
    }

    fn no_such(schema: &Schema, o: &Obj) -> NitroError {
        let p = schema.primary();
        NitroError::no_such(p, &s(o, p).unwrap_or_default())
    }

    // ---------------------------------------------------------------- add

    /// Add one object. Returns Ok(true) when created, Ok(false) when an idempotent add
    /// updated an existing object.
    pub fn add(&mut self, schema: &'static Schema, raw: &Obj, idempotent: bool) -> NResult<bool> {
        if schema.singleton || matches!(schema.name, "Interface" | "hanode") {
            return Err(NitroError::e599(1240, "Invalid nitro action or operation"));
        }
        let mut o = normalize_object(schema, raw, ADD)?;
        for fl in schema.fields {
            if fl.flags & REQ != 0 && !o.contains_key(fl.name) {
                // bindings: servername may stand in for ip and vice versa
                return Err(NitroError::missing(fl.name));
            }
        }
        let idempotent =
            idempotent && !schema.is_binding() && !matches!(schema.name, "route" | "bridgetable");
        match schema.name {
            "vxlan" if self.switches.clustered => {
                return Err(NitroError::e599(1065, "Operation not permitted on CLIP"));
            }
            "vxlan_srcip_binding" => {
                let id = s(&o, "id").unwrap_or_default();
                if !self.exists("vxlan", "id", &id) {
                    return Err(NitroError::no_such("id", &id));
                }
                let srcip = s(&o, "srcip").unwrap_or_default();
                let is_snip = self.iter("nsip").any(|n| {
                    s(n, "ipaddress").as_deref() == Some(srcip.as_str())
                        && s(n, "type").as_deref() == Some("SNIP")
                });
                if !is_snip {
                    return Err(NitroError::e599(1013, "SrcIP does not exist"));
                }
            }
            "nsip" => {
                let td = s(&o, "td").unwrap_or_else(|| "0".into());
                if td != "0"
                    && !self
                        .objs
                        .values()
                        .flat_map(|t| t.values())
                        .any(|x| s(x, "td").as_deref() == Some(td.as_str()))
                {
                    return Err(NitroError::e599(
                        946,
                        "The specified traffic domain is not configured.",
                    ));
                }
            }
            "route" => self.check_route_add(&mut o)?,
            "arp" => {
                if o.contains_key("ifnum") && o.contains_key("vxlan") {
                    return Err(NitroError::e599(
                        1092,
                        "Arguments cannot both be specified [ifnum, vxlan]",
                    ));
                }
                if o.contains_key("vtep") && !o.contains_key("vxlan") {
                    return Err(NitroError::missing("vxlan"));
                }
                if let Some(vx) = s(&o, "vxlan") {
                    if !self.exists("vxlan", "id", &vx) {
                        return Err(NitroError::e599(2614, "Vxlan is not configured"));
                    }
                    if self.switches.vtep_required_with_vxlan && !o.contains_key("vtep") {
                        return Err(NitroError::missing("vtep"));
                    }
                }
                // Inferred: a static entry replaces a dynamically learnt one for the same IP.
                let key = key_of(schema, &o);
                if let Some(old) = self.get_obj(schema, &key)
                    && s(old, "type").as_deref() == Some("DYNAMIC")
                {
                    self.remove(schema, &key);
                }
            }
            "bridgetable" => {
                let vx = s(&o, "vxlan").unwrap_or_default();
                if !self.exists("vxlan", "id", &vx) {
                    return Err(NitroError::e599(2614, "Vxlan is not configured"));
                }
            }
            "server" => {
                if o.contains_key("ipaddress") && o.contains_key("domain") {
                    return Err(NitroError::e599(
                        1092,
                        "Arguments cannot both be specified [IPAddress, domain]",
                    ));
                }
                if !o.contains_key("ipaddress") && !o.contains_key("domain") {
                    return Err(NitroError::missing("IPAddress"));
                }
                let name = s(&o, "name").unwrap_or_default();
                if let Some(ip) = s(&o, "ipaddress") {
                    let other = self.iter("server").any(|x| {
                        s(x, "ipaddress").as_deref() == Some(ip.as_str())
                            && s(x, "name").as_deref() != Some(name.as_str())
                    });
                    if other {
                        return Err(NitroError::new(
                            409,
                            1335,
                            format!("Server already exists [{ip}]"),
                        ));
                    }
                }
            }
            "servicegroup_servicegroupmember_binding" => self.prepare_member(&mut o)?,
            "service" => self.prepare_member(&mut o)?,
            "lbvserver_servicegroup_binding" => {
                let vs = s(&o, "name").unwrap_or_default();
                if !self.exists("lbvserver", "name", &vs) {
                    return Err(NitroError::no_such("name", &vs));
                }
                match (
                    o.contains_key("servicegroupname"),
                    o.contains_key("servicename"),
                ) {
                    (true, true) => {
                        return Err(NitroError::e599(
                            1092,
                            "Arguments cannot both be specified [serviceName, serviceGroupName]",
                        ));
                    }
                    (false, false) => return Err(NitroError::missing("serviceName")),
                    (false, true) => {
                        return Err(NitroError::e599(462, "No such service"));
                    }
                    _ => {}
                }
                let sg = s(&o, "servicegroupname").unwrap_or_default();
                if !self.exists("servicegroup", "servicegroupname", &sg) {
                    return Err(NitroError::e599(463, "No such service/serviceGroup"));
                }
            }
            _ => {}
        }
        let key = key_of(schema, &o);
        if self.get_obj(schema, &key).is_some() {
            if idempotent {
                let mut upd = Obj::new();
                for (k, v) in &o {
                    let fl = schema.field(k).expect("normalised field");
                    if fl.flags & ID != 0 {
                        continue;
                    }
                    if fl.flags & UPD != 0 {
                        upd.insert(k.clone(), v.clone());
                    } else if self.get_obj(schema, &key).and_then(|x| x.get(k)) != Some(v) {
                        return Err(NitroError::invalid_arg(k));
                    }
                }
                let cur = self.get_obj(schema, &key).cloned().unwrap_or_default();
                let mut merged = cur;
                for (k, v) in upd {
                    merged.insert(k, v);
                }
                self.put(schema, ordered(schema, merged));
                return Ok(false);
            }
            let p = schema.primary();
            return Err(NitroError::exists(p, &s(&o, p).unwrap_or_default()));
        }
        if schema.name == "route" {
            route_flags(&mut o, "STATIC");
        }
        let o = with_defaults(schema, o);
        if matches!(
            schema.name,
            "servicegroup_servicegroupmember_binding" | "service"
        ) {
            self.autocreate_server(&o);
        }
        self.put(schema, o);
        Ok(true)
    }

    fn check_route_add(&self, o: &mut Obj) -> NResult<()> {
        let net = ip_of(o, "network").unwrap_or(Ipv4Addr::UNSPECIFIED);
        let mask = ip_of(o, "netmask").unwrap_or(Ipv4Addr::UNSPECIFIED);
        let gw = ip_of(o, "gateway").unwrap_or(Ipv4Addr::UNSPECIFIED);
        let td = s(o, "td").unwrap_or_else(|| "0".into());
        if u32::from(net) & u32::from(mask) != u32::from(net) {
            return Err(NitroError::e599(
                1168,
                format!("Invalid IP address mask [{net}, {mask}]"),
            ));
        }
        if let Some(d) = s(o, "distance")
            && d == "0"
        {
            return Err(NitroError::e599(
                828,
                "Static route cannot have distance less than 1",
            ));
        }
        let subnets = self.subnets();
        let len = mask_len(mask).unwrap_or(32);
        if subnets
            .iter()
            .any(|sn| sn.td == td && sn.net == u32::from(net) && sn.len == len)
        {
            return Err(NitroError::e599(989, "Cannot add a direct route"));
        }
        if gw.is_unspecified() {
            return Ok(());
        }
        let Some(sn) = subnets.iter().find(|sn| sn.td == td && sn.contains(gw)) else {
            return Err(NitroError::e599(
                604,
                "The gateway is not directly reachable",
            ));
        };
        let bcast = sn.net | !sn.mask();
        if sn.len < 31 && (u32::from(gw) == sn.net || u32::from(gw) == bcast) {
            return Err(NitroError::e599(
                991,
                "Gateway cannot be network id or broadcast address",
            ));
        }
        Ok(())
    }

    /// Member binding or service: resolve ip/servername, check the group (of a member), fill
    /// in both.
    fn prepare_member(&mut self, o: &mut Obj) -> NResult<()> {
        if let Some(sg) = s(o, "servicegroupname")
            && !self.exists("servicegroup", "servicegroupname", &sg)
        {
            return Err(NitroError::no_such("servicegroupname", &sg));
        }
        match (s(o, "ip"), s(o, "servername")) {
            (Some(_), Some(_)) => Err(NitroError::e599(
                1092,
                "Arguments cannot both be specified [serverName, IP]",
            )),
            (None, None) => Err(NitroError::missing("serverName")),
            (Some(ip), None) => {
                let name = self
                    .iter("server")
                    .find(|x| s(x, "ipaddress").as_deref() == Some(ip.as_str()))
                    .and_then(|x| s(x, "name"))
                    .unwrap_or_else(|| ip.clone());
                o.insert("servername".into(), json!(name));
                Ok(())
            }
            (None, Some(name)) => {
                let srv = self
                    .iter("server")
                    .find(|x| s(x, "name").as_deref() == Some(name.as_str()))
                    .ok_or_else(|| NitroError::no_such("serverName", &name))?;
                let ip = s(srv, "ipaddress")
                    .or_else(|| s(srv, "domain"))
                    .unwrap_or_default();
                o.insert("ip".into(), json!(ip));
                Ok(())
            }
        }
    }

    fn autocreate_server(&mut self, member: &Obj) {
        let name = s(member, "servername").unwrap_or_default();
        if self.exists("server", "name", &name) {
            return;
        }
        let server = schema::schema("server").expect("server schema");
        let o = with_defaults(
            server,
            obj(json!({"name": name, "ipaddress": s(member, "ip").unwrap_or_default()})),
        );
        self.put(server, o);
    }

    // ---------------------------------------------------------------- update

    pub fn update(&mut self, schema: &'static Schema, raw: &Obj) -> NResult<()> {
        if schema.is_binding() {
            return self.add(schema, raw, false).map(|_| ());
        }
        match schema.name {
            "bridgetable" => {
                let o = normalize_object(schema, raw, UPD)?;
                if let Some(v) = o.get("bridgeage") {
                    self.bridgeage = text(v).parse().unwrap_or(300);
                }
                return Ok(());
            }
            "Interface" | "hanode" | "nsconfig" | "nsversion" => {
                return Err(NitroError::e599(1240, "Invalid nitro action or operation"));
            }
            _ => {}
        }
        let o = normalize_object(schema, raw, ID | UPD)?;
        let required: Vec<&str> = schema.key.iter().copied().filter(|k| *k != "td").collect();
        Self::require(&o, &required)?;
        let key = key_of(schema, &o);
        let Some(cur) = self.get_obj(schema, &key).cloned() else {
            return Err(Self::no_such(schema, &o));
        };
        if schema.name == "route" && route_type(&cur) != "STATIC" {
            return Err(NitroError::e599(
                2506,
                "DIRECT/PERMANENT/DHCP routes cannot be modified",
            ));
        }
        let mut merged = cur.clone();
        let mut member_upd = Obj::new();
        for (k, v) in o {
            if schema.name == "servicegroup"
                && matches!(
                    k.as_str(),
                    "servername" | "port" | "weight" | "customserverid" | "serverid" | "hashid"
                )
            {
                member_upd.insert(k, v);
            } else {
                merged.insert(k, v);
            }
        }
        if !member_upd.is_empty() {
            self.update_member(&merged, member_upd)?;
        }
        let merged = ordered(schema, merged);
        self.put(schema, merged);
        if schema.name == "nsip" && !self.static_routes_reachable() {
            self.put(schema, cur);
            return Err(NitroError::e599(
                605,
                "An existing route relies on the presence of this subnet",
            ));
        }
        Ok(())
    }

    fn update_member(&mut self, group: &Obj, upd: Obj) -> NResult<()> {
        Self::require(&upd, &["servername", "port"])?;
        let sg = s(group, "servicegroupname").unwrap_or_default();
        let name = s(&upd, "servername").unwrap_or_default();
        let port = s(&upd, "port").unwrap_or_default();
        let m = schema::schema("servicegroup_servicegroupmember_binding").expect("member");
        let found = self
            .objs
            .get_mut(m.name)
            .and_then(|t| {
                t.values_mut().find(|x| {
                    s(x, "servicegroupname").as_deref() == Some(sg.as_str())
                        && s(x, "servername").as_deref() == Some(name.as_str())
                        && s(x, "port").as_deref() == Some(port.as_str())
                })
            })
            .ok_or_else(|| NitroError::no_such("serverName", &name))?;
        for (k, v) in upd {
            if k != "servername" && k != "port" {
                found.insert(k, v);
            }
        }
        let reordered = ordered(m, found.clone());
        *found = reordered;
        Ok(())
    }

    // ---------------------------------------------------------------- delete

    /// Delete one object identified by `raw` (args, path name, or a bulk `rm`/`unbind` item).
    pub fn delete(&mut self, schema: &'static Schema, raw: &Obj) -> NResult<()> {
        let extra: &[&str] = match schema.name {
            "servicegroup_servicegroupmember_binding" => &["ip"],
            "lbvserver_servicegroup_binding" => &["servicename"],
            "arp" => &["ownernode"],
            _ => &[],
        };
        if schema.singleton || matches!(schema.name, "Interface" | "hanode") {
            return Err(NitroError::e599(1240, "Invalid nitro action or operation"));
        }
        let mut o = Self::ident(schema, raw, extra)?;
        match schema.name {
            "servicegroup_servicegroupmember_binding" => {
                let sg = s(&o, "servicegroupname").unwrap_or_default();
                if !self.exists("servicegroup", "servicegroupname", &sg) {
                    return Err(NitroError::no_such("servicegroupname", &sg));
                }
                match (s(&o, "ip"), s(&o, "servername")) {
                    (Some(_), Some(_)) => {
                        return Err(NitroError::e599(
                            1092,
                            "Arguments cannot both be specified [serverName, IP]",
                        ));
                    }
                    (None, None) => return Err(NitroError::missing("serverName")),
                    (Some(ip), None) => {
                        let found = self
                            .iter(schema.name)
                            .find(|x| {
                                s(x, "servicegroupname").as_deref() == Some(sg.as_str())
                                    && s(x, "ip").as_deref() == Some(ip.as_str())
                                    && x.get("port") == o.get("port")
                            })
                            .and_then(|x| s(x, "servername"));
                        match found {
                            Some(n) => {
                                o.insert("servername".into(), json!(n));
                            }
                            None => return Err(NitroError::no_such("IP", &ip)),
                        }
                    }
                    _ => {}
                }
                o.remove("ip");
                Self::require(&o, &["port"])?;
            }
            "bridgetable" => Self::require(&o, &["mac", "vxlan", "vtep"])?,
            _ => {
                let required: Vec<&str> =
                    schema.key.iter().copied().filter(|k| *k != "td").collect();
                Self::require(&o, &required)?;
            }
        }
        let key = key_of(schema, &o);
        let Some(cur) = self.get_obj(schema, &key).cloned() else {
            if schema.name == "route" {
                // connected routes are derived, not stored
                let listed = self
                    .list(schema)
                    .into_iter()
                    .any(|x| key_of(schema, &x) == key);
                if listed {
                    return Err(NitroError::e599(
                        2506,
                        "DIRECT/PERMANENT/DHCP routes cannot be removed.",
                    ));
                }
            }
            return Err(Self::no_such(schema, &o));
        };
        match schema.name {
            "route" => match route_type(&cur).as_str() {
                "PERMANENT" => {
                    return Err(NitroError::e599(987, "A permanent route cannot be deleted"));
                }
                "STATIC" => {}
                _ => {
                    return Err(NitroError::e599(
                        2506,
                        "DIRECT/PERMANENT/DHCP routes cannot be removed.",
                    ));
                }
            },
            // Learned (DYNAMIC) entries can be removed; PERMANENT ones cannot.
            "arp" | "bridgetable" if s(&cur, "type").as_deref() == Some("PERMANENT") => {
                return Err(NitroError::e599(
                    1023,
                    "Cant remove permanent ARP/ND6 entry",
                ));
            }
            "vxlan" => {
                // Inferred (NITRO.md 5.2 leaves it open): entries that reference the vxlan
                // keep it in use; its srcip bindings go with it (CNC deleted vxlans directly).
                let id = s(&cur, "id").unwrap_or_default();
                let in_use = self
                    .iter("arp")
                    .chain(self.iter("bridgetable"))
                    .any(|x| s(x, "vxlan").as_deref() == Some(id.as_str()));
                if in_use {
                    return Err(NitroError::e599(315, "Resource in use"));
                }
                self.retain("vxlan_srcip_binding", |x| {
                    s(x, "id").as_deref() != Some(id.as_str())
                });
            }
            "nsip" => {
                let ip = s(&cur, "ipaddress").unwrap_or_default();
                if s(&cur, "type").as_deref() == Some("NSIP") {
                    return Err(NitroError::e599(257, "Operation not permitted"));
                }
                // Inferred: an address used as a VXLAN source IP cannot be removed.
                if self.exists("vxlan_srcip_binding", "srcip", &ip) {
                    return Err(NitroError::e599(
                        2619,
                        "Existing tunnel depends on this IP address",
                    ));
                }
                self.remove(schema, &key);
                if !self.static_routes_reachable() {
                    self.put(schema, cur);
                    return Err(NitroError::e599(
                        605,
                        "An existing route relies on the presence of this subnet",
                    ));
                }
                return Ok(());
            }
            "server" => {
                // Inferred: removing a server removes its service group memberships and its
                // services.
                let name = s(&cur, "name").unwrap_or_default();
                self.retain("servicegroup_servicegroupmember_binding", |x| {
                    s(x, "servername").as_deref() != Some(name.as_str())
                });
                self.retain("service", |x| {
                    s(x, "servername").as_deref() != Some(name.as_str())
                });
            }
            "servicegroup" => {
                let name = s(&cur, "servicegroupname").unwrap_or_default();
                self.retain("servicegroup_servicegroupmember_binding", |x| {
                    s(x, "servicegroupname").as_deref() != Some(name.as_str())
                });
                self.retain("lbvserver_servicegroup_binding", |x| {
                    s(x, "servicegroupname").as_deref() != Some(name.as_str())
                });
            }
            "lbvserver" => {
                let name = s(&cur, "name").unwrap_or_default();
                self.retain("lbvserver_servicegroup_binding", |x| {
                    s(x, "name").as_deref() != Some(name.as_str())
                });
            }
            _ => {}
        }
        self.remove(schema, &key);
        Ok(())
    }

    // ---------------------------------------------------------------- actions

    pub fn action(&mut self, schema: &'static Schema, verb: &str, raw: &Obj) -> NResult<()> {
        let invalid = || NitroError::e599(1240, "Invalid nitro action or operation");
        match verb {
            "enable" | "disable" => {
                if !matches!(
                    schema.name,
                    "nsip" | "server" | "servicegroup" | "lbvserver"
                ) {
                    return Err(invalid());
                }
                let state = if verb == "enable" {
                    "ENABLED"
                } else {
                    "DISABLED"
                };
                let mut idraw = raw.clone();
                let member = if schema.name == "servicegroup" {
                    let mut m = Obj::new();
                    for k in ["servername", "port"] {
                        if let Some(v) = idraw.remove(k) {
                            m.insert(k.into(), v);
                        }
                    }
                    idraw.remove("delay");
                    idraw.remove("graceful");
                    m
                } else {
                    Obj::new()
                };
                let o = Self::ident(schema, &idraw, &[])?;
                Self::require(&o, &[schema.primary()])?;
                let key = key_of(schema, &o);
                let Some(cur) = self.get_obj(schema, &key).cloned() else {
                    return Err(Self::no_such(schema, &o));
                };
                if schema.name == "nsip"
                    && verb == "disable"
                    && matches!(s(&cur, "type").as_deref(), Some("SNIP" | "NSIP" | "CLIP"))
                {
                    return Err(NitroError::e599(
                        999,
                        "IP address state of SNIP/NSIP/CLIP cannot be disabled",
                    ));
                }
                if !member.is_empty() {
                    let mut upd = Obj::new();
                    for (k, v) in member {
                        let fl = schema.field(&k).expect("member field");
                        upd.insert(k, normalize(fl, &v)?);
                    }
                    upd.insert("state".into(), json!(state));
                    return self.update_member_state(&cur, upd);
                }
                let mut cur = cur;
                cur.insert("state".into(), json!(state));
                self.put(schema, ordered(schema, cur));
                Ok(())
            }
            "rename" => self.rename(schema, raw),
            "unset" => {
                let mut idraw = Obj::new();
                let mut attrs = Vec::new();
                for (k, v) in raw {
                    match schema.field(k) {
                        Some(fl) if fl.flags & ID != 0 => {
                            idraw.insert(k.clone(), v.clone());
                        }
                        Some(fl) if fl.flags & UPD != 0 => attrs.push(k.clone()),
                        _ => return Err(NitroError::invalid_arg(k)),
                    }
                }
                if schema.name == "bridgetable" {
                    if attrs.iter().any(|a| a == "bridgeage") {
                        self.bridgeage = 300;
                    }
                    return Ok(());
                }
                let o = Self::ident(schema, &idraw, &[])?;
                let key = key_of(schema, &o);
                let Some(mut cur) = self.get_obj(schema, &key).cloned() else {
                    return Err(Self::no_such(schema, &o));
                };
                for a in attrs {
                    cur.remove(&a);
                }
                self.put(schema, with_defaults(schema, cur));
                Ok(())
            }
            "clear" => match schema.name {
                "bridgetable" => {
                    let o = normalize_object(schema, raw, ID | UPD | RO)?;
                    let vx = s(&o, "vxlan");
                    self.retain("bridgetable", |x| {
                        s(x, "type").as_deref() == Some("PERMANENT")
                            || (vx.is_some() && s(x, "vxlan") != vx)
                    });
                    Ok(())
                }
                "nsconfig" => {
                    *self = Store::fresh(self.switches.clone());
                    self.configchanged = true;
                    Ok(())
                }
                _ => Err(invalid()),
            },
            _ => Err(invalid()),
        }
    }

    fn update_member_state(&mut self, group: &Obj, upd: Obj) -> NResult<()> {
        self.update_member(group, upd)
    }

    fn rename(&mut self, schema: &'static Schema, raw: &Obj) -> NResult<()> {
        if !matches!(schema.name, "server" | "servicegroup" | "lbvserver") {
            return Err(NitroError::e599(1240, "Invalid nitro action or operation"));
        }
        let p = schema.primary();
        let mut idraw = raw.clone();
        let newname = idraw
            .remove("newname")
            .map(|v| text(&v))
            .ok_or_else(|| NitroError::missing("newName"))?;
        let o = Self::ident(schema, &idraw, &[])?;
        Self::require(&o, &[p])?;
        let old = s(&o, p).unwrap_or_default();
        let key = key_of(schema, &o);
        let Some(mut cur) = self.get_obj(schema, &key).cloned() else {
            return Err(Self::no_such(schema, &o));
        };
        if self.exists(schema.name, p, &newname) {
            return Err(NitroError::exists(p, &newname));
        }
        self.remove(schema, &key);
        cur.insert(p.into(), json!(newname));
        self.put(schema, cur);
        let rekey = |st: &mut Store, table: &str, field: &str| {
            let sch = schema::schema(table).expect("binding schema");
            let items: Vec<Obj> = st.iter(table).cloned().collect();
            let mut t = BTreeMap::new();
            for mut x in items {
                if s(&x, field).as_deref() == Some(old.as_str()) {
                    x.insert(field.into(), json!(newname));
                }
                t.insert(key_of(sch, &x), x);
            }
            st.objs.insert(sch.name, t);
        };
        match schema.name {
            "server" => rekey(
                self,
                "servicegroup_servicegroupmember_binding",
                "servername",
            ),
            "servicegroup" => {
                rekey(
                    self,
                    "servicegroup_servicegroupmember_binding",
                    "servicegroupname",
                );
                rekey(self, "lbvserver_servicegroup_binding", "servicegroupname");
            }
            _ => rekey(self, "lbvserver_servicegroup_binding", "name"),
        }
        Ok(())
    }

    // ---------------------------------------------------------------- load / dump

    /// Add (upsert) objects from a dump-shaped document.
    pub fn load(&mut self, state: &Value) -> anyhow::Result<()> {
        let Value::Object(top) = state else {
            anyhow::bail!("state must be a JSON/YAML object keyed by resource type");
        };
        for (rname, v) in top {
            let schema = schema::schema(rname)
                .ok_or_else(|| anyhow::anyhow!("state: unknown resource type {rname:?}"))?;
            let items: Vec<&Value> = match v {
                Value::Array(a) => a.iter().collect(),
                Value::Object(_) => vec![v],
                Value::Null => vec![],
                _ => anyhow::bail!("state: {rname} must be an array of objects"),
            };
            for (i, item) in items.into_iter().enumerate() {
                let Value::Object(raw) = item else {
                    anyhow::bail!("state: {rname}[{i}] is not an object");
                };
                self.load_one(schema, raw)
                    .map_err(|e| anyhow::anyhow!("state: {rname}[{i}]: {}", e.message))?;
            }
        }
        // connected routes that an nsip already provides are derived, not stored
        let subnets: Vec<(String, String, String)> = self
            .iter("nsip")
            .filter_map(|o| {
                let ip = ip_of(o, "ipaddress")?;
                let m = ip_of(o, "netmask")?;
                Some((
                    Ipv4Addr::from(u32::from(ip) & u32::from(m)).to_string(),
                    m.to_string(),
                    s(o, "td").unwrap_or_else(|| "0".into()),
                ))
            })
            .collect();
        self.retain("route", |o| {
            !(route_type(o) == "DIRECT"
                && subnets.iter().any(|(n, m, td)| {
                    s(o, "network").as_deref() == Some(n)
                        && s(o, "netmask").as_deref() == Some(m)
                        && s(o, "td").as_deref() == Some(td)
                }))
        });
        Ok(())
    }

    fn load_one(&mut self, schema: &'static Schema, raw: &Obj) -> NResult<()> {
        match schema.name {
            "nsconfig" => {
                if let Some(v) = raw.get("configchanged") {
                    self.configchanged = v.as_bool().unwrap_or(text(v) == "true");
                }
                return Ok(());
            }
            "nsversion" => {
                for (k, v) in raw {
                    self.nsversion.insert(k.clone(), v.clone());
                }
                return Ok(());
            }
            _ => {}
        }
        let mut o = normalize_object(schema, raw, ID | ADD | UPD | RO)?;
        for k in schema.key {
            let optional = *k == "td" || (schema.name == "bridgetable" && *k == "devicevlan");
            if !optional && !o.contains_key(*k) {
                return Err(NitroError::missing(k));
            }
        }
        match schema.name {
            "route" => {
                let t = route_type(&o);
                route_flags(&mut o, &t);
            }
            "bridgetable" => {
                if let Some(v) = o.remove("bridgeage") {
                    self.bridgeage = text(&v).parse().unwrap_or(300);
                }
            }
            "servicegroup_servicegroupmember_binding" if !o.contains_key("servername") => {
                let ip = s(&o, "ip").ok_or_else(|| NitroError::missing("ip"))?;
                o.insert("servername".into(), json!(ip));
            }
            _ => {}
        }
        let o = with_defaults(schema, o);
        self.put(schema, o);
        Ok(())
    }

    /// Deterministic dump: resources sorted by name, objects by identity.
    pub fn dump(&self) -> Value {
        let mut out = Map::new();
        for schema in schema::ALL {
            if schema.singleton {
                let v = if schema.name == "nsconfig" {
                    self.nsconfig()
                } else {
                    self.nsversion.clone()
                };
                out.insert(schema.name.into(), Value::Object(v));
            } else {
                let items = self.list(schema).into_iter().map(Value::Object).collect();
                out.insert(schema.name.into(), Value::Array(items));
            }
        }
        Value::Object(out)
    }
}
