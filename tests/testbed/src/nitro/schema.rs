//! Resource tables and value normalisation: which attributes each NITRO resource accepts on
//! add and update, which are identity or read-only, how each value is typed on output
//! (`<Integer>` as a JSON number, `<Double>` as a JSON string, enums upper-case, MACs in
//! lower-case colon form) and how input values are accepted (numbers or numeric strings,
//! enums in any case).

use serde_json::{Map, Value};
use std::net::Ipv4Addr;

/// A NITRO error answer: HTTP status, errorcode and message.
#[derive(Clone, Debug, PartialEq)]
pub struct NitroError {
    pub status: u16,
    pub code: i64,
    pub message: String,
}

impl NitroError {
    pub fn new(status: u16, code: i64, message: impl Into<String>) -> NitroError {
        NitroError {
            status,
            code,
            message: message.into(),
        }
    }
    /// 404 / 258 "No such resource [key, value]".
    pub fn no_such(key: &str, value: &str) -> NitroError {
        NitroError::new(404, 258, format!("No such resource [{key}, {value}]"))
    }
    /// 409 / 273 "Resource already exists [key, value]".
    pub fn exists(key: &str, value: &str) -> NitroError {
        NitroError::new(
            409,
            273,
            format!("Resource already exists [{key}, {value}]"),
        )
    }
    /// 599 / 278 "Invalid argument [attr]".
    pub fn invalid_arg(attr: &str) -> NitroError {
        NitroError::new(599, 278, format!("Invalid argument [{attr}]"))
    }
    /// 599 / 1095 "Required argument missing [attr]".
    pub fn missing(attr: &str) -> NitroError {
        NitroError::new(599, 1095, format!("Required argument missing [{attr}]"))
    }
    /// 599 / 1097 "Invalid argument value [attr, value]".
    pub fn bad_value(attr: &str, value: &str) -> NitroError {
        NitroError::new(
            599,
            1097,
            format!("Invalid argument value [{attr}, {value}]"),
        )
    }
    /// 599 / `code` with a plain message.
    pub fn e599(code: i64, message: impl Into<String>) -> NitroError {
        NitroError::new(599, code, message)
    }
}

pub type NResult<T> = Result<T, NitroError>;

/// How an attribute is typed.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    /// Free string.
    Str,
    /// NITRO `<Double>` (unsigned): accepted as number or numeric string, returned as a string.
    Uint(u64, u64),
    /// NITRO `<Integer>`: accepted as number or numeric string, returned as a number.
    Int(i64, i64),
    /// Enumeration, matched case-insensitively, returned in the canonical spelling.
    Enum(&'static [&'static str]),
    /// Array of enumeration values.
    EnumList(&'static [&'static str]),
    /// IPv4 address.
    Ip,
    /// IPv4 netmask (contiguous).
    Mask,
    /// MAC address, returned lower-case colon-separated.
    Mac,
    Bool,
}

pub const ID: u8 = 1; // identity attribute
pub const ADD: u8 = 2; // accepted on add
pub const UPD: u8 = 4; // accepted on update (PUT)
pub const RO: u8 = 8; // read-only: output only (accepted by load_state)
pub const REQ: u8 = 16; // required on add

#[derive(Clone, Copy, Debug)]
pub struct Field {
    pub name: &'static str,
    pub kind: Kind,
    pub flags: u8,
}

const fn f(name: &'static str, kind: Kind, flags: u8) -> Field {
    Field { name, kind, flags }
}

#[derive(Debug)]
pub struct Schema {
    /// URL type and response key.
    pub name: &'static str,
    pub fields: &'static [Field],
    /// Identity attributes, primary first (the URL name segment addresses the primary).
    pub key: &'static [&'static str],
    /// Bindings: the parent resource and the attribute naming it.
    pub parent: Option<(&'static str, &'static str)>,
    /// Singleton resources answer an object, not an array.
    pub singleton: bool,
    /// The `?action=` verbs the type has (NITRO.md §3.6-§3.7): `rm` for plain types, `unbind`
    /// (never `rm`) for `*_binding` types, plus enable/disable/rename/unset/clear/save where
    /// the type has them. Any other action is refused for the whole request (599/1240).
    pub actions: &'static [&'static str],
}

impl Schema {
    pub fn field(&self, name: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.name == name)
    }
    pub fn is_binding(&self) -> bool {
        self.parent.is_some()
    }
    pub fn primary(&self) -> &'static str {
        self.key[0]
    }
    /// Whether `POST ?action=<verb>` exists for this type.
    pub fn has_action(&self, verb: &str) -> bool {
        self.actions.iter().any(|a| a.eq_ignore_ascii_case(verb))
    }
}

/// Plain configuration types with a name: remove, state, rename, reset to defaults.
const NAMED_ACTIONS: &[&str] = &["rm", "enable", "disable", "rename", "unset"];
/// Every `*_binding` type: removed with `unbind`; it has no `rm`.
const BINDING_ACTIONS: &[&str] = &["unbind"];

const ED: &[&str] = &["ENABLED", "DISABLED"];
const YN: &[&str] = &["YES", "NO"];
const NSIP_TYPES: &[&str] = &["SNIP", "VIP", "NSIP", "MIP", "GSLBsiteIP", "CLIP", "LSN"];
const ROUTE_TYPES: &[&str] = &["STATIC", "DIRECT", "PERMANENT", "DYNAMIC"];
const ARP_TYPES: &[&str] = &["STATIC", "DYNAMIC", "PERMANENT"];
const SERVICE_TYPES: &[&str] = &[
    "HTTP",
    "FTP",
    "TCP",
    "UDP",
    "SSL",
    "SSL_BRIDGE",
    "SSL_TCP",
    "DTLS",
    "NNTP",
    "RPCSVR",
    "DNS",
    "ADNS",
    "SNMP",
    "RTSP",
    "DHCPRA",
    "ANY",
    "SIP_UDP",
    "SIP_TCP",
    "SIP_SSL",
    "DNS_TCP",
    "ADNS_TCP",
    "MYSQL",
    "MSSQL",
    "ORACLE",
    "MONGO",
    "MONGO_TLS",
    "RADIUS",
    "RADIUSListener",
    "RDP",
    "DIAMETER",
    "SSL_DIAMETER",
    "TFTP",
    "SMPP",
    "PPTP",
    "GRE",
    "SYSLOGTCP",
    "SYSLOGUDP",
    "FIX",
    "SSL_FIX",
    "USER_TCP",
    "USER_SSL_TCP",
    "QUIC",
    "IPFIX",
    "LOGSTREAM",
    "LDAP",
    "QUIC_BRIDGE",
    "HTTP_QUIC",
];
const LB_METHODS: &[&str] = &[
    "ROUNDROBIN",
    "LEASTCONNECTION",
    "LEASTRESPONSETIME",
    "URLHASH",
    "DOMAINHASH",
    "DESTINATIONIPHASH",
    "SOURCEIPHASH",
    "SRCIPDESTIPHASH",
    "LEASTBANDWIDTH",
    "LEASTPACKETS",
    "TOKEN",
    "SRCIPSRCPORTHASH",
    "LRTM",
    "CALLIDHASH",
    "CUSTOMLOAD",
    "LEASTREQUEST",
    "AUDITLOGHASH",
    "STATICPROXIMITY",
    "USER_TOKEN",
];
const PERSISTENCE: &[&str] = &[
    "SOURCEIP",
    "COOKIEINSERT",
    "SSLSESSION",
    "RULE",
    "URLPASSIVE",
    "CUSTOMSERVERID",
    "DESTIP",
    "SRCIPDESTIP",
    "CALLID",
    "RTSPSID",
    "DIAMETER",
    "FIXSESSION",
    "USERSESSION",
    "NONE",
];

const U32: Kind = Kind::Uint(0, 4294967295);
const TD: Kind = Kind::Uint(0, 4094);

static VXLAN: Schema = Schema {
    name: "vxlan",
    key: &["id"],
    parent: None,
    singleton: false,
    actions: &["rm", "unset"],
    fields: &[
        f("id", Kind::Uint(1, 16777215), ID | ADD | REQ),
        f("vlan", Kind::Uint(2, 4094), ADD | UPD),
        f("port", Kind::Int(1, 65534), ADD | UPD),
        f("dynamicrouting", Kind::Enum(ED), ADD | UPD),
        f("ipv6dynamicrouting", Kind::Enum(ED), ADD | UPD),
        f("type", Kind::Enum(&["VXLAN", "VXLANGPE"]), ADD),
        f(
            "protocol",
            Kind::Enum(&["IPv4", "IPv6", "ETHERNET", "NSH"]),
            ADD,
        ),
        f("innervlantagging", Kind::Enum(ED), ADD | UPD),
        f("td", TD, RO),
        f("partitionname", Kind::Str, RO),
    ],
};

static VXLAN_SRCIP: Schema = Schema {
    name: "vxlan_srcip_binding",
    key: &["id", "srcip"],
    parent: Some(("vxlan", "id")),
    singleton: false,
    actions: BINDING_ACTIONS,
    fields: &[
        f("id", Kind::Uint(1, 16777215), ID | ADD | REQ),
        f("srcip", Kind::Ip, ID | ADD | REQ),
    ],
};

static NSIP: Schema = Schema {
    name: "nsip",
    key: &["ipaddress", "td"],
    parent: None,
    singleton: false,
    actions: &["rm", "enable", "disable", "unset"],
    fields: &[
        f("ipaddress", Kind::Ip, ID | ADD | REQ),
        f("td", TD, ID | ADD),
        f("netmask", Kind::Mask, ADD | UPD | REQ),
        f("type", Kind::Enum(NSIP_TYPES), ADD),
        f("arp", Kind::Enum(ED), ADD | UPD),
        f("icmp", Kind::Enum(ED), ADD | UPD),
        f("vserver", Kind::Enum(ED), ADD | UPD),
        f("telnet", Kind::Enum(ED), ADD | UPD),
        f("ftp", Kind::Enum(ED), ADD | UPD),
        f(
            "gui",
            Kind::Enum(&["ENABLED", "SECUREONLY", "DISABLED"]),
            ADD | UPD,
        ),
        f("ssh", Kind::Enum(ED), ADD | UPD),
        f("snmp", Kind::Enum(ED), ADD | UPD),
        f("mgmtaccess", Kind::Enum(ED), ADD | UPD),
        f("restrictaccess", Kind::Enum(ED), ADD | UPD),
        f("dynamicrouting", Kind::Enum(ED), ADD | UPD),
        f("decrementttl", Kind::Enum(ED), ADD | UPD),
        f("hostroute", Kind::Enum(ED), ADD | UPD),
        f("hostrtgw", Kind::Ip, ADD | UPD),
        f("networkroute", Kind::Enum(ED), ADD | UPD),
        f("tag", U32, ADD | UPD),
        f("metric", Kind::Int(-16777215, 16777215), ADD | UPD),
        f(
            "vserverrhilevel",
            Kind::Enum(&["ONE_VSERVER", "ALL_VSERVERS", "NONE", "VSVR_CNTRLD"]),
            ADD | UPD,
        ),
        f("ospflsatype", Kind::Enum(&["TYPE1", "TYPE5"]), ADD | UPD),
        f("ospfarea", U32, ADD | UPD),
        f("vrid", Kind::Uint(1, 255), ADD | UPD),
        f(
            "icmpresponse",
            Kind::Enum(&["NONE", "ONE_VSERVER", "ALL_VSERVERS", "VSVR_CNTRLD"]),
            ADD | UPD,
        ),
        f(
            "arpresponse",
            Kind::Enum(&["NONE", "ONE_VSERVER", "ALL_VSERVERS"]),
            ADD | UPD,
        ),
        f("arpowner", Kind::Uint(0, 31), ADD | UPD),
        f("ownernode", Kind::Uint(0, 31), ADD),
        f("ownerdownresponse", Kind::Enum(YN), ADD | UPD),
        f("advertiseondefaultpartition", Kind::Enum(ED), ADD | UPD),
        f("mptcpadvertise", Kind::Enum(YN), ADD | UPD),
        f("state", Kind::Enum(ED), ADD | UPD),
        f("flags", U32, RO),
    ],
};

static ROUTE: Schema = Schema {
    name: "route",
    key: &["network", "netmask", "gateway", "td"],
    parent: None,
    singleton: false,
    actions: &["rm", "unset"],
    fields: &[
        f("network", Kind::Ip, ID | ADD | REQ),
        f("netmask", Kind::Mask, ID | ADD | REQ),
        f("gateway", Kind::Ip, ID | ADD | REQ),
        f("td", TD, ID | ADD),
        f("distance", Kind::Uint(0, 255), ADD | UPD),
        f("cost1", Kind::Uint(0, 65535), ADD | UPD),
        f("weight", Kind::Uint(1, 65535), ADD | UPD),
        f("advertise", Kind::Enum(ED), ADD | UPD),
        f(
            "protocol",
            Kind::EnumList(&["OSPF", "ISIS", "RIP", "BGP", "OSPFV3", "RIPNG"]),
            ADD | UPD,
        ),
        f("msr", Kind::Enum(ED), ADD | UPD),
        f("monitor", Kind::Str, ADD | UPD),
        f("ownergroup", Kind::Str, ADD),
        f("vlan", Kind::Uint(1, 4094), ADD),
        f("mgmt", Kind::Bool, ADD),
        f("cost", Kind::Uint(0, 65535), ADD),
        f("routetype", Kind::Enum(ROUTE_TYPES), RO),
        f("Static", Kind::Bool, RO),
        f("direct", Kind::Bool, RO),
        f("permanent", Kind::Bool, RO),
        f("dynamic", Kind::Bool, RO),
        f("gatewayname", Kind::Str, RO),
    ],
};

static ARP: Schema = Schema {
    name: "arp",
    key: &["ipaddress", "td"],
    parent: None,
    singleton: false,
    actions: &["rm"],
    fields: &[
        f("ipaddress", Kind::Ip, ID | ADD | REQ),
        f("td", TD, ID | ADD),
        f("mac", Kind::Mac, ADD | REQ),
        f("ifnum", Kind::Str, ADD),
        f("vxlan", Kind::Uint(1, 16777215), ADD),
        f("vtep", Kind::Ip, ADD),
        f("vlan", Kind::Uint(1, 4094), ADD),
        f("ownernode", Kind::Uint(0, 31), ADD),
        f("type", Kind::Enum(ARP_TYPES), RO),
        f("state", Kind::Str, RO),
        f("timeout", Kind::Int(0, 1_000_000), RO),
        f("flags", U32, RO),
        f("channel", U32, RO),
    ],
};

static BRIDGETABLE: Schema = Schema {
    name: "bridgetable",
    key: &["mac", "vxlan", "vtep", "devicevlan"],
    parent: None,
    singleton: false,
    actions: &["rm", "clear", "unset"],
    fields: &[
        f("mac", Kind::Mac, ID | ADD | REQ),
        f("vxlan", Kind::Uint(1, 16777215), ID | ADD | REQ),
        f("vtep", Kind::Ip, ID | ADD | REQ),
        f("devicevlan", Kind::Uint(1, 4094), ID | ADD),
        f("vni", Kind::Uint(1, 16777215), ADD),
        f("bridgeage", Kind::Uint(60, 300000), UPD | RO),
        f("type", Kind::Enum(ARP_TYPES), RO),
        f("ifnum", Kind::Str, RO),
        f("vlan", Kind::Uint(1, 4094), RO),
        f("flags", U32, RO),
        f("channel", U32, RO),
    ],
};

static INTERFACE: Schema = Schema {
    name: "Interface",
    key: &["id"],
    parent: None,
    singleton: false,
    actions: &[],
    fields: &[
        f("id", Kind::Str, ID | RO),
        f("devicename", Kind::Str, RO),
        f("mac", Kind::Mac, RO),
        f("state", Kind::Enum(ED), RO),
        f("intftype", Kind::Str, RO),
        f("linkstate", Kind::Int(0, 1), RO),
        f("mtu", Kind::Int(0, 9216), RO),
        f("vlan", Kind::Uint(0, 4094), RO),
    ],
};

static HANODE: Schema = Schema {
    name: "hanode",
    key: &["id"],
    parent: None,
    singleton: false,
    actions: &[],
    fields: &[
        f("id", Kind::Uint(0, 64), ID | RO),
        f("name", Kind::Str, RO),
        f("ipaddress", Kind::Ip, RO),
        f("state", Kind::Str, RO),
        f("hastatus", Kind::Str, RO),
        f("hasync", Kind::Str, RO),
        f("curflips", Kind::Uint(0, u64::MAX), RO),
    ],
};

static NSCONFIG: Schema = Schema {
    name: "nsconfig",
    key: &[],
    parent: None,
    singleton: true,
    actions: &["save", "clear"],
    fields: &[
        f("configchanged", Kind::Bool, RO),
        f("systemtype", Kind::Str, RO),
    ],
};

static NSVERSION: Schema = Schema {
    name: "nsversion",
    key: &[],
    parent: None,
    singleton: true,
    actions: &[],
    fields: &[
        f("installedversion", Kind::Bool, RO),
        f("mode", Kind::Int(0, 10), RO),
        f("version", Kind::Str, RO),
    ],
};

static SERVER: Schema = Schema {
    name: "server",
    key: &["name"],
    parent: None,
    singleton: false,
    actions: NAMED_ACTIONS,
    fields: &[
        f("name", Kind::Str, ID | ADD | REQ),
        f("ipaddress", Kind::Ip, ADD | UPD),
        f("domain", Kind::Str, ADD),
        f("td", TD, ADD),
        f("state", Kind::Enum(ED), ADD),
        f("comment", Kind::Str, ADD | UPD),
        f("translationip", Kind::Ip, ADD | UPD),
        f("translationmask", Kind::Mask, ADD | UPD),
        f("domainresolveretry", Kind::Int(5, 20939), ADD | UPD),
        f("ipv6address", Kind::Enum(YN), ADD),
        f("querytype", Kind::Enum(&["A", "AAAA", "SRV"]), ADD),
        f("domainresolvenow", Kind::Bool, UPD),
    ],
};

/// A plain service on one server (`add service NAME SERVER TYPE PORT`): the tool never makes
/// one, but an admin's service keeps a server in use.
static SERVICE: Schema = Schema {
    name: "service",
    key: &["name"],
    parent: None,
    singleton: false,
    actions: NAMED_ACTIONS,
    fields: &[
        f("name", Kind::Str, ID | ADD | REQ),
        f("servername", Kind::Str, ADD),
        f("ip", Kind::Ip, ADD),
        f("servicetype", Kind::Enum(SERVICE_TYPES), ADD | REQ),
        f("port", Kind::Uint(0, 65535), ADD | REQ),
        f("td", TD, ADD),
        f("comment", Kind::Str, ADD | UPD),
    ],
};

static SERVICEGROUP: Schema = Schema {
    name: "servicegroup",
    key: &["servicegroupname"],
    parent: None,
    singleton: false,
    actions: NAMED_ACTIONS,
    fields: &[
        f("servicegroupname", Kind::Str, ID | ADD | REQ),
        f("servicetype", Kind::Enum(SERVICE_TYPES), ADD | REQ),
        f("td", TD, ADD),
        f("state", Kind::Enum(ED), ADD),
        f("comment", Kind::Str, ADD | UPD),
        f(
            "autoscale",
            Kind::Enum(&["DISABLED", "DNS", "POLICY", "CLOUD", "API"]),
            ADD | UPD,
        ),
        f("healthmonitor", Kind::Enum(YN), ADD | UPD),
        f("usip", Kind::Enum(YN), ADD | UPD),
        f("useproxyport", Kind::Enum(YN), ADD | UPD),
        f("maxclient", U32, ADD | UPD),
        f("maxreq", Kind::Uint(0, 65535), ADD | UPD),
        f("cip", Kind::Enum(ED), ADD | UPD),
        f("cipheader", Kind::Str, ADD | UPD),
        f("clttimeout", Kind::Int(0, 31536000), ADD | UPD),
        f("svrtimeout", Kind::Int(0, 31536000), ADD | UPD),
        f("cka", Kind::Enum(YN), ADD | UPD),
        f("tcpb", Kind::Enum(YN), ADD | UPD),
        f("cmp", Kind::Enum(YN), ADD | UPD),
        f("sp", Kind::Enum(&["ON", "OFF"]), ADD | UPD),
        f("downstateflush", Kind::Enum(ED), ADD | UPD),
        f("tcpprofilename", Kind::Str, ADD | UPD),
        f("httpprofilename", Kind::Str, ADD | UPD),
        f("netprofile", Kind::Str, ADD | UPD),
        f("memberport", Kind::Int(1, 65535), ADD),
        f(
            "monconnectionclose",
            Kind::Enum(&["RESET", "FIN"]),
            ADD | UPD,
        ),
        f("appflowlog", Kind::Enum(ED), ADD | UPD),
        f(
            "cachetype",
            Kind::Enum(&["TRANSPARENT", "REVERSE", "FORWARD"]),
            ADD,
        ),
        f("cacheable", Kind::Enum(YN), ADD | UPD),
        f("pathmonitor", Kind::Enum(YN), ADD | UPD),
        f("pathmonitorindv", Kind::Enum(YN), ADD | UPD),
        f("rtspsessionidremap", Kind::Enum(&["ON", "OFF"]), ADD | UPD),
        f("graceful", Kind::Enum(YN), ADD | UPD),
        f("monitornamesvc", Kind::Str, ADD | UPD),
        f("dupweight", U32, ADD | UPD),
        // per-member settings carried by a servicegroup PUT (NITRO.md 4.9)
        f("servername", Kind::Str, UPD),
        f("port", Kind::Int(1, 65535), UPD),
        f("weight", Kind::Uint(1, 100), UPD),
        f("customserverid", Kind::Str, UPD),
        f("serverid", U32, UPD),
        f("hashid", U32, UPD),
        f("servicegroupeffectivestate", Kind::Str, RO),
        f("numofconnections", Kind::Int(0, i64::MAX), RO),
    ],
};

static SG_MEMBER: Schema = Schema {
    name: "servicegroup_servicegroupmember_binding",
    key: &["servicegroupname", "servername", "port"],
    parent: Some(("servicegroup", "servicegroupname")),
    singleton: false,
    actions: BINDING_ACTIONS,
    fields: &[
        f("servicegroupname", Kind::Str, ID | ADD | REQ),
        f("ip", Kind::Ip, ADD),
        f("servername", Kind::Str, ID | ADD),
        f("port", Kind::Int(1, 65535), ID | ADD | REQ),
        f("weight", Kind::Uint(1, 100), ADD),
        f("state", Kind::Enum(ED), ADD),
        f("hashid", U32, ADD),
        f("serverid", U32, ADD),
        f("customserverid", Kind::Str, ADD),
        f("order", U32, ADD),
        f("dbsttl", U32, ADD),
        f("nameserver", Kind::Ip, ADD),
        f("svrstate", Kind::Str, RO),
    ],
};

static LBVSERVER: Schema = Schema {
    name: "lbvserver",
    key: &["name"],
    parent: None,
    singleton: false,
    actions: NAMED_ACTIONS,
    fields: &[
        f("name", Kind::Str, ID | ADD | REQ),
        f("servicetype", Kind::Enum(SERVICE_TYPES), ADD | REQ),
        f("ipv46", Kind::Ip, ADD | UPD),
        f("port", Kind::Int(0, 65535), ADD),
        f("td", TD, ADD),
        f("lbmethod", Kind::Enum(LB_METHODS), ADD | UPD),
        f("persistencetype", Kind::Enum(PERSISTENCE), ADD | UPD),
        f("timeout", Kind::Int(0, 1440), ADD | UPD),
        f("clttimeout", Kind::Int(0, 31536000), ADD | UPD),
        f("comment", Kind::Str, ADD | UPD),
        f("state", Kind::Enum(ED), ADD),
        f("range", Kind::Uint(1, 254), ADD),
        f("curstate", Kind::Str, RO),
        f("effectivestate", Kind::Str, RO),
    ],
};

static LB_SG: Schema = Schema {
    name: "lbvserver_servicegroup_binding",
    key: &["name", "servicegroupname"],
    parent: Some(("lbvserver", "name")),
    singleton: false,
    actions: BINDING_ACTIONS,
    fields: &[
        f("name", Kind::Str, ID | ADD | REQ),
        f("servicegroupname", Kind::Str, ID | ADD),
        f("servicename", Kind::Str, ADD),
        f("weight", Kind::Uint(1, 100), ADD),
        f("order", U32, ADD),
    ],
};

/// Every resource the emulator serves, sorted by name (the dump order).
pub static ALL: &[&Schema] = &[
    &INTERFACE,
    &ARP,
    &BRIDGETABLE,
    &HANODE,
    &LBVSERVER,
    &LB_SG,
    &NSCONFIG,
    &NSIP,
    &NSVERSION,
    &ROUTE,
    &SERVER,
    &SERVICE,
    &SERVICEGROUP,
    &SG_MEMBER,
    &VXLAN,
    &VXLAN_SRCIP,
];

pub fn schema(name: &str) -> Option<&'static Schema> {
    ALL.iter().copied().find(|s| s.name == name)
}

/// Text form of a JSON scalar, as used in error messages, filters and FailItem compares.
pub fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn parse_u64(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && *f >= 0.0)
                .map(|f| f as u64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn parse_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

pub fn parse_ip(s: &str) -> Option<Ipv4Addr> {
    s.trim().parse().ok()
}

/// Prefix length of a contiguous IPv4 netmask.
pub fn mask_len(m: Ipv4Addr) -> Option<u32> {
    let v = u32::from(m);
    let len = v.leading_ones();
    if len == 32 || v << len == 0 {
        Some(len)
    } else {
        None
    }
}

pub fn normalize_mac(s: &str) -> Option<String> {
    let hex: String = s
        .chars()
        .filter(|c| !matches!(c, ':' | '-' | '.'))
        .collect();
    if hex.len() != 12 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    // Reject mixed separators and odd groupings such as "a:bcd:..."
    let seps: Vec<&str> = s.split([':', '-']).collect();
    if s.contains([':', '-']) && (seps.len() != 6 || seps.iter().any(|p| p.len() != 2)) {
        return None;
    }
    let lower = hex.to_ascii_lowercase();
    let parts: Vec<&str> = (0..6).map(|i| &lower[i * 2..i * 2 + 2]).collect();
    Some(parts.join(":"))
}

/// Normalise one input value of `field` to its output form.
pub fn normalize(field: &Field, v: &Value) -> NResult<Value> {
    let name = field.name;
    let bad = || NitroError::bad_value(name, &text(v));
    Ok(match field.kind {
        Kind::Str => match v {
            Value::String(s) => Value::String(s.clone()),
            Value::Number(n) => Value::String(n.to_string()),
            Value::Bool(b) => Value::String(b.to_string()),
            _ => return Err(bad()),
        },
        Kind::Uint(min, max) => {
            let n = parse_u64(v).ok_or_else(bad)?;
            if n < min || n > max {
                return Err(bad());
            }
            Value::String(n.to_string())
        }
        Kind::Int(min, max) => {
            let n = if name == "port" && v.as_str() == Some("*") {
                65535
            } else {
                parse_i64(v).ok_or_else(bad)?
            };
            if n < min || n > max {
                return Err(bad());
            }
            Value::from(n)
        }
        Kind::Enum(values) => {
            let s = v.as_str().ok_or_else(bad)?;
            let canon = values
                .iter()
                .find(|c| c.eq_ignore_ascii_case(s.trim()))
                .ok_or_else(bad)?;
            Value::String((*canon).to_string())
        }
        Kind::EnumList(values) => {
            let items: Vec<Value> = match v {
                Value::Array(a) => a.clone(),
                Value::String(_) => vec![v.clone()],
                _ => return Err(bad()),
            };
            let mut out = Vec::new();
            for it in items {
                let s = it.as_str().ok_or_else(bad)?;
                let canon = values
                    .iter()
                    .find(|c| c.eq_ignore_ascii_case(s))
                    .ok_or_else(bad)?;
                out.push(Value::String((*canon).to_string()));
            }
            Value::Array(out)
        }
        Kind::Ip => {
            let s = v.as_str().ok_or_else(|| {
                NitroError::e599(1110, format!("Invalid IP address [{name}, {}]", text(v)))
            })?;
            let ip = parse_ip(s).ok_or_else(|| {
                NitroError::e599(1110, format!("Invalid IP address [{name}, {s}]"))
            })?;
            Value::String(ip.to_string())
        }
        Kind::Mask => {
            let s = v.as_str().unwrap_or_default();
            let m = parse_ip(s)
                .filter(|m| mask_len(*m).is_some())
                .ok_or_else(|| {
                    NitroError::e599(1111, format!("Invalid netmask [{name}, {}]", text(v)))
                })?;
            Value::String(m.to_string())
        }
        Kind::Mac => {
            let s = v.as_str().ok_or_else(bad)?;
            Value::String(normalize_mac(s).ok_or_else(bad)?)
        }
        Kind::Bool => match v {
            Value::Bool(b) => Value::Bool(*b),
            Value::String(s) if s.eq_ignore_ascii_case("true") => Value::Bool(true),
            Value::String(s) if s.eq_ignore_ascii_case("false") => Value::Bool(false),
            _ => return Err(bad()),
        },
    })
}

/// Normalise a request object against a schema, accepting only attributes with one of
/// `allowed` flags. Unknown or disallowed attributes → 278; `null` values are skipped.
/// Output keeps the schema's field order.
pub fn normalize_object(
    schema: &Schema,
    obj: &Map<String, Value>,
    allowed: u8,
) -> NResult<Map<String, Value>> {
    for k in obj.keys() {
        match schema.field(k) {
            Some(fl) if fl.flags & allowed != 0 => {}
            _ => return Err(NitroError::invalid_arg(k)),
        }
    }
    let mut out = Map::new();
    for fl in schema.fields {
        if let Some(v) = obj.get(fl.name) {
            if v.is_null() {
                continue;
            }
            out.insert(fl.name.to_string(), normalize(fl, v)?);
        }
    }
    Ok(out)
}

/// Sort key for one identity part: IPs and numbers sort numerically.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KeyPart {
    Absent,
    Num(u64),
    Str(String),
}

pub type Key = Vec<KeyPart>;

pub fn key_part(schema: &Schema, field: &str, obj: &Map<String, Value>) -> KeyPart {
    let Some(v) = obj.get(field) else {
        // td defaults to 0 in every identity
        return if field == "td" {
            KeyPart::Num(0)
        } else {
            KeyPart::Absent
        };
    };
    let kind = schema.field(field).map(|f| f.kind);
    match (kind, v) {
        (Some(Kind::Ip) | Some(Kind::Mask), Value::String(s)) => match parse_ip(s) {
            Some(ip) => KeyPart::Num(u32::from(ip) as u64),
            None => KeyPart::Str(s.clone()),
        },
        (Some(Kind::Uint(..)) | Some(Kind::Int(..)), v) => match parse_u64(v) {
            Some(n) => KeyPart::Num(n),
            None => KeyPart::Str(text(v)),
        },
        (_, v) => KeyPart::Str(text(v)),
    }
}

pub fn key_of(schema: &Schema, obj: &Map<String, Value>) -> Key {
    schema
        .key
        .iter()
        .map(|k| key_part(schema, k, obj))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn binding_types_unbind_and_plain_types_rm() {
        for s in ALL {
            let binding = s.name.ends_with("_binding");
            assert_eq!(s.is_binding(), binding, "{}", s.name);
            if binding {
                assert!(s.has_action("unbind") && !s.has_action("rm"), "{}", s.name);
            } else {
                assert!(!s.has_action("unbind"), "{}", s.name);
            }
        }
    }

    #[test]
    fn mac_forms_normalise() {
        assert_eq!(
            normalize_mac("AA-BB-CC-00-11-22").as_deref(),
            Some("aa:bb:cc:00:11:22")
        );
        assert_eq!(
            normalize_mac("aabb.cc00.1122").as_deref(),
            Some("aa:bb:cc:00:11:22")
        );
        assert_eq!(normalize_mac("aa:bb:cc:00:11"), None);
    }

    #[test]
    fn numbers_and_enums_normalise() {
        let id = VXLAN.field("id").unwrap();
        assert_eq!(normalize(id, &json!(7)).unwrap(), json!("7"));
        assert_eq!(normalize(id, &json!("7")).unwrap(), json!("7"));
        assert_eq!(normalize(id, &json!(0)).unwrap_err().code, 1097);
        let port = VXLAN.field("port").unwrap();
        assert_eq!(normalize(port, &json!("8472")).unwrap(), json!(8472));
        let proto = VXLAN.field("protocol").unwrap();
        assert_eq!(normalize(proto, &json!("ipv4")).unwrap(), json!("IPv4"));
        assert_eq!(mask_len("255.255.0.0".parse().unwrap()), Some(16));
        assert_eq!(mask_len("255.0.255.0".parse().unwrap()), None);
    }
}
