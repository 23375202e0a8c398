//! The one object model for the ADC. A [`ResourceKind`] has a static [`KindSpec`] (NITRO
//! attribute names and value types, identity, updatable fields, create rank, CLI syntax) taken
//! from NITRO.md §4; an [`AdcObject`] is a kind plus attribute values in the spec's order. Diff,
//! ordering, rendering (table, JSON, NetScaler CLI) and execution all work on this model, so a
//! new resource kind is a new table row.

use serde::Serialize;
use serde_json::{Map, Value as Json};
use std::cmp::Ordering;
use std::fmt;
use std::net::Ipv4Addr;

/// Declares the kind table: one row per resource kind, in create order (NITRO.md §5.1;
/// deletes run in reverse). From the one list come the [`ResourceKind`] enum, `ALL` and
/// `spec()`, so the three cannot drift apart.
macro_rules! kind_table {
    ($($(#[$doc:meta])* $variant:ident => $spec:expr,)+) => {
        /// A NetScaler resource kind the tool manages. The declaration order is the create
        /// order (NITRO.md §5.1); deletes run in reverse.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        pub enum ResourceKind {
            $($(#[$doc])* $variant,)+
        }

        impl ResourceKind {
            /// Every kind, in create order.
            pub const ALL: [ResourceKind; [$(stringify!($variant)),+].len()] =
                [$(ResourceKind::$variant),+];

            /// The kind's row of the table.
            pub fn spec(self) -> &'static KindSpec {
                match self {
                    $(ResourceKind::$variant => {
                        static SPEC: KindSpec = $spec;
                        &SPEC
                    })+
                }
            }
        }
    };
}

/// How a value is typed in NITRO and normalised for comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttrType {
    /// Unsigned number: JSON number in our output; NITRO may answer a numeric string.
    Number,
    /// Dotted IPv4 address or netmask.
    Ipv4,
    /// MAC address, lower-case colon hex.
    Mac,
    /// Enumeration, compared case-insensitively, shown upper-case.
    Enum,
    /// Free text kept exactly as written (names, comments): compared case-sensitively, may
    /// hold spaces or be empty.
    Name,
}

#[derive(Debug)]
pub struct AttrSpec {
    pub name: &'static str,
    pub ty: AttrType,
    /// The `-flag` in NetScaler CLI syntax, or `None` when the attribute is positional.
    pub cli_flag: Option<&'static str>,
}

/// How NITRO removes objects of a kind in a bulk request (NITRO.md §3.7, as NetScaler's own
/// SDK sends it): `POST /config/<type>?action=rm`, or `?action=unbind` for a `*_binding` type,
/// which has no `rm` (a real ADC refuses the whole request with 1240).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeleteAction {
    Rm,
    Unbind,
}

impl DeleteAction {
    /// The `?action=` verb.
    pub fn nitro_action(self) -> &'static str {
        match self {
            DeleteAction::Rm => "rm",
            DeleteAction::Unbind => "unbind",
        }
    }
}

/// Which objects of a kind are this tool's (SPEC §4), given the owned scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ownership {
    /// `id` is the VNI.
    Vni,
    /// The overlay SNIP: `ipaddress` is the overlay address, td 0, of type SNIP (absent counts
    /// as SNIP).
    OverlaySnip,
    /// A static route (td 0; never direct, permanent or dynamic) inside the cluster CIDR.
    StaticRouteInCidr,
    /// A configured entry on our VXLAN: `vxlan` is the VNI and `type` STATIC (`absent_is_static`:
    /// an entry without a type counts as STATIC); `td0`: only in traffic domain 0. The same
    /// entries of type DYNAMIC are the ones the ADC learned.
    VxlanEntry { td0: bool, absent_is_static: bool },
    /// Ours because the object it is bound to is ours: `link` are the attributes, named the same
    /// in both, that hold the parent's identity.
    Parent {
        parent: ResourceKind,
        link: &'static [&'static str],
    },
    /// Its `comment` carries this cluster's service marker.
    Marked,
    /// A server NITRO created for a member bound by IP: named after its own `ipaddress`, and
    /// used by a member of ours (of kind `members`, by its `ip`). It goes when no binding uses
    /// it any more (SPEC §3), and is never created by the tool.
    MemberServer { members: ResourceKind },
}

/// How the objects of a kind are read from NITRO.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadBy {
    /// `GET /config/<type>`: the whole collection.
    Collection,
    /// `GET /config/<type>/<value>`: the one object whose first identity attribute the scope
    /// names (the VNI).
    Key,
    /// `GET /config/<type>/<parent>` once per owned parent (the first `link` attribute of the
    /// kind's [`Ownership::Parent`]): a binding type has no collection of its own.
    PerParent,
    /// `GET /config/<type>?bulkbindings=yes`: the bindings of every parent in one request.
    BulkBindings,
}

/// Where an in-place update of a kind is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpdateVia {
    /// `PUT /config/<type>` of the kind's own resource, with its identity.
    Own,
    /// `PUT` of another resource; `rename` maps this kind's attribute names to that
    /// resource's (a member's `ip` is the auto-created server's name, NITRO.md §4.8–4.10).
    Resource {
        resource: &'static str,
        rename: &'static [(&'static str, &'static str)],
    },
}

impl UpdateVia {
    /// The NITRO resource an update of `kind` is sent to.
    pub fn resource(self, kind: ResourceKind) -> &'static str {
        match self {
            UpdateVia::Own => kind.resource(),
            UpdateVia::Resource { resource, .. } => resource,
        }
    }

    /// The attribute name an update of this kind sends for `name`.
    pub fn attr_name(self, name: &'static str) -> &'static str {
        match self {
            UpdateVia::Own => name,
            UpdateVia::Resource { rename, .. } => rename
                .iter()
                .find(|(from, _)| *from == name)
                .map_or(name, |(_, to)| to),
        }
    }
}

/// What the objects of a kind exist for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubjectKind {
    /// Once per cluster (the overlay itself).
    Cluster,
    /// Once per node.
    Node,
    /// Once per opted-in Service port.
    Service,
}

/// NetScaler CLI syntax of a kind (for `plan -o commands` and human output).
#[derive(Debug)]
pub struct CliSpec {
    pub add: &'static str,
    pub rm: &'static str,
    pub set: Option<&'static str>,
    /// Attributes written positionally after the verb on `add` (in this order).
    pub add_positional: &'static [&'static str],
    /// Attributes written positionally on `rm`/`set` (identity); the rest of the identity
    /// goes as flags.
    pub rm_positional: &'static [&'static str],
}

/// Static description of a resource kind, straight from NITRO.md §4.
#[derive(Debug)]
pub struct KindSpec {
    pub kind: ResourceKind,
    /// NITRO resource (URL and JSON key) name.
    pub resource: &'static str,
    /// Human label used in tables and messages.
    pub label: &'static str,
    /// What a list of these is called in messages ("reading {plural} from the ADC failed").
    pub plural: &'static str,
    /// Managed attributes, in output order; identity attributes come first.
    pub attrs: &'static [AttrSpec],
    /// Identity attributes (a prefix of `attrs`).
    pub key_len: usize,
    /// Attributes NITRO lets us change with PUT; a change to any other attribute is a
    /// delete + add.
    pub updatable: &'static [&'static str],
    /// Where an update goes.
    pub update: UpdateVia,
    /// When one is removed and another added in the same run, add the new one first: others
    /// depend on some instance existing (routes need a connected SNIP subnet: error 605).
    pub add_before_delete: bool,
    /// The bulk delete action.
    pub delete_action: DeleteAction,
    /// Which objects of the kind are ours.
    pub owner: Ownership,
    /// How the kind is read.
    pub read: ReadBy,
    /// What its objects exist for.
    pub subject: SubjectKind,
    pub cli: CliSpec,
}

const fn attr(name: &'static str, ty: AttrType, cli_flag: Option<&'static str>) -> AttrSpec {
    AttrSpec { name, ty, cli_flag }
}

use AttrType::*;

kind_table! {
    Vxlan => KindSpec {
        kind: ResourceKind::Vxlan,
        resource: "vxlan",
        label: "vxlan",
        plural: "VXLANs",
        attrs: &[
            attr("id", Number, None),
            attr("port", Number, Some("-port")),
        ],
        key_len: 1,
        updatable: &["port"],
        update: UpdateVia::Own,
        add_before_delete: false,
        delete_action: DeleteAction::Rm,
        owner: Ownership::Vni,
        read: ReadBy::Key,
        subject: SubjectKind::Cluster,
        cli: CliSpec {
            add: "add vxlan",
            rm: "rm vxlan",
            set: Some("set vxlan"),
            add_positional: &["id"],
            rm_positional: &["id"],
        },
    },
    VxlanSrcipBinding => KindSpec {
        kind: ResourceKind::VxlanSrcipBinding,
        resource: "vxlan_srcip_binding",
        label: "vxlan_srcip_binding",
        plural: "VXLAN source IP bindings",
        attrs: &[
            attr("id", Number, None),
            attr("srcip", Ipv4, Some("-srcIP")),
        ],
        key_len: 2,
        updatable: &[],
        update: UpdateVia::Own,
        add_before_delete: false,
        delete_action: DeleteAction::Unbind,
        owner: Ownership::Parent {
            parent: ResourceKind::Vxlan,
            link: &["id"],
        },
        read: ReadBy::PerParent,
        subject: SubjectKind::Cluster,
        cli: CliSpec {
            add: "bind vxlan",
            rm: "unbind vxlan",
            set: None,
            add_positional: &["id"],
            rm_positional: &["id"],
        },
    },
    Nsip => KindSpec {
        kind: ResourceKind::Nsip,
        resource: "nsip",
        label: "nsip",
        plural: "IP addresses (nsip)",
        attrs: &[
            attr("ipaddress", Ipv4, None),
            attr("netmask", Ipv4, Some("-netmask")),
            attr("type", Enum, Some("-type")),
        ],
        key_len: 1,
        updatable: &["netmask"],
        update: UpdateVia::Own,
        add_before_delete: true,
        delete_action: DeleteAction::Rm,
        owner: Ownership::OverlaySnip,
        read: ReadBy::Collection,
        subject: SubjectKind::Cluster,
        cli: CliSpec {
            add: "add ns ip",
            rm: "rm ns ip",
            set: Some("set ns ip"),
            add_positional: &["ipaddress", "netmask"],
            rm_positional: &["ipaddress"],
        },
    },
    Route => KindSpec {
        kind: ResourceKind::Route,
        resource: "route",
        label: "route",
        plural: "routes",
        attrs: &[
            attr("network", Ipv4, None),
            attr("netmask", Ipv4, None),
            attr("gateway", Ipv4, None),
        ],
        key_len: 3,
        updatable: &[],
        update: UpdateVia::Own,
        add_before_delete: false,
        delete_action: DeleteAction::Rm,
        owner: Ownership::StaticRouteInCidr,
        read: ReadBy::Collection,
        subject: SubjectKind::Node,
        cli: CliSpec {
            add: "add route",
            rm: "rm route",
            set: None,
            add_positional: &["network", "netmask", "gateway"],
            rm_positional: &["network", "netmask", "gateway"],
        },
    },
    Arp => KindSpec {
        kind: ResourceKind::Arp,
        resource: "arp",
        label: "arp",
        plural: "ARP entries",
        attrs: &[
            attr("ipaddress", Ipv4, Some("-IPAddress")),
            attr("mac", Mac, Some("-mac")),
            attr("vxlan", Number, Some("-vxlan")),
            attr("vtep", Ipv4, Some("-vtep")),
        ],
        key_len: 1,
        updatable: &[],
        update: UpdateVia::Own,
        add_before_delete: false,
        delete_action: DeleteAction::Rm,
        owner: Ownership::VxlanEntry {
            td0: true,
            absent_is_static: false,
        },
        read: ReadBy::Collection,
        subject: SubjectKind::Node,
        cli: CliSpec {
            add: "add arp",
            rm: "rm arp",
            set: None,
            add_positional: &[],
            rm_positional: &["ipaddress"],
        },
    },
    Bridgetable => KindSpec {
        kind: ResourceKind::Bridgetable,
        resource: "bridgetable",
        label: "bridgetable",
        plural: "the bridge table",
        attrs: &[
            attr("mac", Mac, Some("-mac")),
            attr("vxlan", Number, Some("-vxlan")),
            attr("vtep", Ipv4, Some("-vtep")),
        ],
        key_len: 3,
        updatable: &[],
        update: UpdateVia::Own,
        add_before_delete: false,
        delete_action: DeleteAction::Rm,
        // Learned entries are the ADC's own; only configured ones are ours.
        owner: Ownership::VxlanEntry {
            td0: false,
            absent_is_static: true,
        },
        read: ReadBy::Collection,
        subject: SubjectKind::Node,
        cli: CliSpec {
            add: "add bridgetable",
            rm: "rm bridgetable",
            set: None,
            add_positional: &[],
            rm_positional: &[],
        },
    },
    Server => KindSpec {
        kind: ResourceKind::Server,
        resource: "server",
        label: "server",
        plural: "servers",
        attrs: &[
            attr("name", Name, None),
            attr("ipaddress", Ipv4, None),
        ],
        key_len: 1,
        updatable: &[],
        update: UpdateVia::Own,
        add_before_delete: false,
        delete_action: DeleteAction::Rm,
        owner: Ownership::MemberServer {
            members: ResourceKind::ServicegroupMember,
        },
        read: ReadBy::Collection,
        subject: SubjectKind::Service,
        cli: CliSpec {
            add: "add server",
            rm: "rm server",
            set: None,
            add_positional: &["name", "ipaddress"],
            rm_positional: &["name"],
        },
    },
    Servicegroup => KindSpec {
        kind: ResourceKind::Servicegroup,
        resource: "servicegroup",
        label: "servicegroup",
        plural: "service groups",
        attrs: &[
            attr("servicegroupname", Name, None),
            attr("servicetype", Enum, None),
            attr("comment", Name, Some("-comment")),
        ],
        key_len: 1,
        updatable: &["comment"],
        update: UpdateVia::Own,
        add_before_delete: false,
        delete_action: DeleteAction::Rm,
        owner: Ownership::Marked,
        read: ReadBy::Collection,
        subject: SubjectKind::Service,
        cli: CliSpec {
            add: "add serviceGroup",
            rm: "rm serviceGroup",
            set: Some("set serviceGroup"),
            add_positional: &["servicegroupname", "servicetype"],
            rm_positional: &["servicegroupname"],
        },
    },
    ServicegroupMember => KindSpec {
        kind: ResourceKind::ServicegroupMember,
        resource: "servicegroup_servicegroupmember_binding",
        label: "servicegroup member",
        plural: "service group members",
        attrs: &[
            attr("servicegroupname", Name, None),
            attr("ip", Ipv4, None),
            attr("port", Number, None),
            attr("weight", Number, Some("-weight")),
        ],
        key_len: 3,
        updatable: &["weight"],
        // No update on the binding: a member's weight is set on its group (NITRO.md §4.9).
        update: UpdateVia::Resource {
            resource: "servicegroup",
            rename: &[("ip", "servername")],
        },
        add_before_delete: false,
        delete_action: DeleteAction::Unbind,
        owner: Ownership::Parent {
            parent: ResourceKind::Servicegroup,
            link: &["servicegroupname"],
        },
        read: ReadBy::BulkBindings,
        subject: SubjectKind::Service,
        cli: CliSpec {
            add: "bind serviceGroup",
            rm: "unbind serviceGroup",
            set: Some("set serviceGroup"),
            add_positional: &["servicegroupname", "ip", "port"],
            rm_positional: &["servicegroupname", "ip", "port"],
        },
    },
    Lbvserver => KindSpec {
        kind: ResourceKind::Lbvserver,
        resource: "lbvserver",
        label: "lbvserver",
        plural: "load balancing vservers",
        attrs: &[
            attr("name", Name, None),
            attr("servicetype", Enum, None),
            attr("ipv46", Ipv4, Some("-IPAddress")),
            attr("port", Number, None),
            attr("lbmethod", Enum, Some("-lbMethod")),
            attr("comment", Name, Some("-comment")),
        ],
        key_len: 1,
        updatable: &["ipv46", "lbmethod", "comment"],
        update: UpdateVia::Own,
        add_before_delete: false,
        delete_action: DeleteAction::Rm,
        owner: Ownership::Marked,
        read: ReadBy::Collection,
        subject: SubjectKind::Service,
        cli: CliSpec {
            add: "add lb vserver",
            rm: "rm lb vserver",
            set: Some("set lb vserver"),
            add_positional: &["name", "servicetype", "ipv46", "port"],
            rm_positional: &["name"],
        },
    },
    LbvserverBinding => KindSpec {
        kind: ResourceKind::LbvserverBinding,
        resource: "lbvserver_servicegroup_binding",
        label: "lbvserver binding",
        plural: "vserver service group bindings",
        attrs: &[
            attr("name", Name, None),
            attr("servicegroupname", Name, None),
        ],
        key_len: 2,
        updatable: &[],
        update: UpdateVia::Own,
        add_before_delete: false,
        delete_action: DeleteAction::Unbind,
        // Ours with our group, whoever provisioned the vserver.
        owner: Ownership::Parent {
            parent: ResourceKind::Servicegroup,
            link: &["servicegroupname"],
        },
        read: ReadBy::BulkBindings,
        subject: SubjectKind::Service,
        cli: CliSpec {
            add: "bind lb vserver",
            rm: "unbind lb vserver",
            set: None,
            add_positional: &["name", "servicegroupname"],
            rm_positional: &["name", "servicegroupname"],
        },
    },
}

impl ResourceKind {
    pub fn resource(self) -> &'static str {
        self.spec().resource
    }

    pub fn from_resource(name: &str) -> Option<ResourceKind> {
        Self::ALL.into_iter().find(|k| k.resource() == name)
    }

    /// Every kind in the order its ownership can be decided in: a server after the members
    /// that make it ours (bindings already follow their parents in create order).
    pub fn ownership_order() -> Vec<ResourceKind> {
        let mut kinds = Self::ALL.to_vec();
        kinds.sort_by_key(|k| match k.spec().owner {
            Ownership::MemberServer { members } => 2 * members as usize + 1,
            _ => 2 * *k as usize,
        });
        kinds
    }

    /// Objects that exist once per node (as opposed to once per cluster or per Service).
    pub fn per_node(self) -> bool {
        self.spec().subject == SubjectKind::Node
    }
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.resource())
    }
}

/// A normalised attribute value.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Value {
    Number(u64),
    /// Sorted numerically, shown and sent as a dotted string.
    Ip(Ipv4Addr),
    Text(String),
}

impl Value {
    pub fn ip(ip: Ipv4Addr) -> Value {
        Value::Ip(ip)
    }

    pub fn to_json(&self) -> Json {
        match self {
            Value::Number(n) => Json::from(*n),
            Value::Ip(ip) => Json::from(ip.to_string()),
            Value::Text(s) => Json::from(s.as_str()),
        }
    }

    /// Parses a value as NITRO (or a plan file) writes it, normalising per type: numbers may
    /// be numeric strings, MACs any case and `-`/`:` separated, enums any case.
    pub fn from_json(ty: AttrType, v: &Json) -> Option<Value> {
        match ty {
            AttrType::Number => match v {
                Json::Number(n) => n.as_u64().map(Value::Number),
                Json::String(s) => s.trim().parse().ok().map(Value::Number),
                _ => None,
            },
            AttrType::Ipv4 => v
                .as_str()
                .and_then(|s| s.trim().parse::<Ipv4Addr>().ok())
                .map(Value::ip),
            AttrType::Mac => v.as_str().and_then(normalize_mac).map(Value::Text),
            AttrType::Enum => v.as_str().map(|s| Value::Text(s.to_ascii_uppercase())),
            AttrType::Name => v.as_str().map(|s| Value::Text(s.to_string())),
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Number(n) => write!(f, "{n}"),
            Value::Ip(ip) => write!(f, "{ip}"),
            Value::Text(s) => f.write_str(s),
        }
    }
}

/// A value as the NetScaler CLI reads it: one written in double quotes (with `"` and `\\`
/// escaped) when it is empty or holds a space, a quote or a backslash, else as it is.
pub fn cli_quote(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.is_empty() && !s.contains(|c: char| c.is_whitespace() || c == '"' || c == '\\') {
        return s.into();
    }
    let mut q = String::with_capacity(s.len() + 2);
    q.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            q.push('\\');
        }
        q.push(c);
    }
    q.push('"');
    q.into()
}

/// Normalises a MAC address to lower-case colon hex; `None` when it is not one.
pub fn normalize_mac(s: &str) -> Option<String> {
    let parts: Vec<&str> = s.trim().split([':', '-']).collect();
    if parts.len() != 6
        || parts
            .iter()
            .any(|p| p.len() != 2 || !p.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        return None;
    }
    Some(parts.join(":").to_ascii_lowercase())
}

/// What an object, a diagnostic or an input digest is about: the cluster as a whole, one
/// node, or one Service.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Subject {
    #[default]
    Cluster,
    Node(String),
    Service {
        namespace: String,
        name: String,
    },
}

impl Subject {
    pub fn service(namespace: &str, name: &str) -> Subject {
        Subject::Service {
            namespace: namespace.into(),
            name: name.into(),
        }
    }

    /// The node's name, for a node subject.
    pub fn node(&self) -> Option<&str> {
        match self {
            Subject::Node(n) => Some(n),
            _ => None,
        }
    }

    /// `namespace/name`, for a Service subject.
    pub fn service_name(&self) -> Option<String> {
        match self {
            Subject::Service { namespace, name } => Some(format!("{namespace}/{name}")),
            _ => None,
        }
    }

    /// For a table cell: the node's name, `service <namespace>/<name>`, or `-`.
    pub fn cell(&self) -> String {
        match self {
            Subject::Cluster => "-".into(),
            Subject::Node(n) => n.clone(),
            Subject::Service { .. } => self.to_string(),
        }
    }
}

/// `node worker-1`, `service default/web`, `cluster`.
impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Cluster => f.write_str("cluster"),
            Subject::Node(n) => write!(f, "node {n}"),
            Subject::Service { namespace, name } => write!(f, "service {namespace}/{name}"),
        }
    }
}

/// In JSON a subject is the fields it adds to what it is about (flattened): `"node": name` or
/// `"service": "namespace/name"`, nothing for the cluster.
impl Serialize for Subject {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        match self {
            Subject::Cluster => {}
            Subject::Node(n) => m.serialize_entry("node", n)?,
            Subject::Service { .. } => m.serialize_entry("service", &self.service_name())?,
        }
        m.end()
    }
}

/// One object on the ADC: a kind and its managed attribute values in the spec's order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdcObject {
    pub kind: ResourceKind,
    values: Vec<Value>,
    /// What this object exists for (desired state only; not part of comparisons).
    pub subject: Subject,
}

/// The identity of an object: its kind and identity attribute values. Orders objects by
/// create rank, then by identity.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectKey {
    pub kind: ResourceKind,
    pub values: Vec<Value>,
}

impl ObjectKey {
    /// `[(name, value)]` pairs of the identity, for JSON output and NITRO delete arguments.
    pub fn pairs(&self) -> impl Iterator<Item = (&'static str, &Value)> {
        self.kind
            .spec()
            .attrs
            .iter()
            .map(|a| a.name)
            .zip(&self.values)
    }

    pub fn to_json(&self) -> Map<String, Json> {
        self.pairs()
            .map(|(k, v)| (k.to_string(), v.to_json()))
            .collect()
    }
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind)?;
        for (i, (k, v)) in self.pairs().enumerate() {
            write!(f, "{}{k}={v}", if i == 0 { " " } else { "," })?;
        }
        Ok(())
    }
}

impl AdcObject {
    /// Builds an object from `(attribute, value)` pairs; every attribute of the kind must be
    /// given, in spec order.
    pub fn new(kind: ResourceKind, values: Vec<Value>) -> AdcObject {
        debug_assert_eq!(
            values.len(),
            kind.spec().attrs.len(),
            "{kind}: attribute count"
        );
        AdcObject {
            kind,
            values,
            subject: Subject::Cluster,
        }
    }

    pub fn for_node(mut self, node: &str) -> AdcObject {
        self.subject = Subject::Node(node.to_string());
        self
    }

    pub fn for_service(mut self, namespace: &str, name: &str) -> AdcObject {
        self.subject = Subject::service(namespace, name);
        self
    }

    pub fn spec(&self) -> &'static KindSpec {
        self.kind.spec()
    }

    pub fn key(&self) -> ObjectKey {
        ObjectKey {
            kind: self.kind,
            values: self.values[..self.spec().key_len].to_vec(),
        }
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.attrs().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// Sets attribute `name` (of this kind) to `value`.
    pub fn set(&mut self, name: &str, value: Value) {
        let i = self
            .spec()
            .attrs
            .iter()
            .position(|a| a.name == name)
            .unwrap_or_else(|| panic!("{}: no attribute {name}", self.kind));
        self.values[i] = value;
    }

    pub fn attrs(&self) -> impl Iterator<Item = (&'static str, &Value)> {
        self.spec().attrs.iter().map(|a| a.name).zip(&self.values)
    }

    /// NITRO attribute map (attribute names and JSON value forms).
    pub fn to_json(&self) -> Map<String, Json> {
        self.attrs()
            .map(|(k, v)| (k.to_string(), v.to_json()))
            .collect()
    }

    /// Reads the managed attributes from a NITRO GET record (or a plan file); `Err` names the
    /// attribute that is missing or malformed.
    pub fn from_json(kind: ResourceKind, rec: &Map<String, Json>) -> Result<AdcObject, String> {
        let values = kind
            .spec()
            .attrs
            .iter()
            .map(|a| {
                let raw = rec
                    .get(a.name)
                    .ok_or_else(|| format!("{kind}: attribute {} missing", a.name))?;
                Value::from_json(a.ty, raw).ok_or_else(|| {
                    format!("{kind}: attribute {} has an invalid value {raw}", a.name)
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(AdcObject::new(kind, values))
    }

    /// Attributes whose values differ from `other` (same kind).
    pub fn changed_attrs(&self, other: &AdcObject) -> Vec<&'static str> {
        self.attrs()
            .zip(other.attrs())
            .filter(|((_, a), (_, b))| a != b)
            .map(|((n, _), _)| n)
            .collect()
    }

    /// The NetScaler CLI line that creates this object, e.g.
    /// `add route 10.244.1.0 255.255.255.0 10.244.1.0`.
    pub fn cli_add(&self) -> String {
        let cli = &self.spec().cli;
        let mut line = cli.add.to_string();
        for p in cli.add_positional {
            line.push(' ');
            line.push_str(&self.cli_value(p));
        }
        self.push_flags(&mut line, |name| !cli.add_positional.contains(&name));
        line
    }

    /// The NetScaler CLI line that removes this object.
    pub fn cli_rm(&self) -> String {
        let spec = self.spec();
        let mut line = spec.cli.rm.to_string();
        for p in spec.cli.rm_positional {
            line.push(' ');
            line.push_str(&self.cli_value(p));
        }
        let key: Vec<&str> = spec.attrs[..spec.key_len].iter().map(|a| a.name).collect();
        self.push_flags(&mut line, |name| {
            key.contains(&name) && !spec.cli.rm_positional.contains(&name)
        });
        line
    }

    /// The NetScaler CLI line that changes `attrs` of this object in place.
    pub fn cli_set(&self, attrs: &[&str]) -> Option<String> {
        let cli = &self.spec().cli;
        let mut line = cli.set?.to_string();
        for p in cli.rm_positional {
            line.push(' ');
            line.push_str(&self.cli_value(p));
        }
        self.push_flags(&mut line, |name| attrs.contains(&name));
        Some(line)
    }

    fn push_flags(&self, line: &mut String, include: impl Fn(&str) -> bool) {
        for (a, v) in self.spec().attrs.iter().zip(&self.values) {
            if let Some(flag) = a.cli_flag
                && include(a.name)
            {
                line.push(' ');
                line.push_str(flag);
                line.push(' ');
                line.push_str(&cli_quote(&v.to_string()));
            }
        }
    }

    /// The CLI form of attribute `name` (quoted when needed).
    fn cli_value(&self, name: &str) -> String {
        let v = self.get(name).map(ToString::to_string).unwrap_or_default();
        cli_quote(&v).into_owned()
    }
}

impl PartialOrd for AdcObject {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for AdcObject {
    /// The order of [`ObjectKey`] (kind, then identity), then the other values; compared in
    /// place, without building keys.
    fn cmp(&self, other: &Self) -> Ordering {
        let k = self.spec().key_len;
        self.kind
            .cmp(&other.kind)
            .then_with(|| self.values[..k].cmp(&other.values[..k]))
            .then_with(|| self.values.cmp(&other.values))
    }
}

// Constructors for each kind, so the desired-state code reads like the domain.
impl AdcObject {
    pub fn vxlan(id: u32, port: u16) -> AdcObject {
        AdcObject::new(
            ResourceKind::Vxlan,
            vec![Value::Number(id.into()), Value::Number(port.into())],
        )
    }

    pub fn vxlan_srcip_binding(id: u32, srcip: Ipv4Addr) -> AdcObject {
        AdcObject::new(
            ResourceKind::VxlanSrcipBinding,
            vec![Value::Number(id.into()), Value::ip(srcip)],
        )
    }

    pub fn snip(ip: Ipv4Addr, netmask: Ipv4Addr) -> AdcObject {
        AdcObject::new(
            ResourceKind::Nsip,
            vec![
                Value::ip(ip),
                Value::ip(netmask),
                Value::Text("SNIP".into()),
            ],
        )
    }

    pub fn route(network: Ipv4Addr, netmask: Ipv4Addr, gateway: Ipv4Addr) -> AdcObject {
        AdcObject::new(
            ResourceKind::Route,
            vec![Value::ip(network), Value::ip(netmask), Value::ip(gateway)],
        )
    }

    pub fn arp(ip: Ipv4Addr, mac: &str, vxlan: u32, vtep: Ipv4Addr) -> AdcObject {
        AdcObject::new(
            ResourceKind::Arp,
            vec![
                Value::ip(ip),
                Value::Text(mac.to_string()),
                Value::Number(vxlan.into()),
                Value::ip(vtep),
            ],
        )
    }

    pub fn bridgetable(mac: &str, vxlan: u32, vtep: Ipv4Addr) -> AdcObject {
        AdcObject::new(
            ResourceKind::Bridgetable,
            vec![
                Value::Text(mac.to_string()),
                Value::Number(vxlan.into()),
                Value::ip(vtep),
            ],
        )
    }
}

// The service side (SPEC §3).
impl AdcObject {
    /// The server NITRO creates for a member bound by `ip` when no server holds that address.
    pub fn member_server(ip: Ipv4Addr) -> AdcObject {
        AdcObject::new(
            ResourceKind::Server,
            vec![Value::Text(ip.to_string()), Value::ip(ip)],
        )
    }

    pub fn servicegroup(name: &str, servicetype: &str, comment: &str) -> AdcObject {
        AdcObject::new(
            ResourceKind::Servicegroup,
            vec![
                Value::Text(name.into()),
                Value::Text(servicetype.to_ascii_uppercase()),
                Value::Text(comment.into()),
            ],
        )
    }

    pub fn servicegroup_member(group: &str, ip: Ipv4Addr, port: u16, weight: u32) -> AdcObject {
        AdcObject::new(
            ResourceKind::ServicegroupMember,
            vec![
                Value::Text(group.into()),
                Value::ip(ip),
                Value::Number(port.into()),
                Value::Number(weight.into()),
            ],
        )
    }

    pub fn lbvserver(
        name: &str,
        servicetype: &str,
        vip: Ipv4Addr,
        port: u16,
        comment: &str,
    ) -> AdcObject {
        AdcObject::new(
            ResourceKind::Lbvserver,
            vec![
                Value::Text(name.into()),
                Value::Text(servicetype.to_ascii_uppercase()),
                Value::ip(vip),
                Value::Number(port.into()),
                Value::Text("ROUNDROBIN".into()),
                Value::Text(comment.into()),
            ],
        )
    }

    pub fn lbvserver_binding(vserver: &str, group: &str) -> AdcObject {
        AdcObject::new(
            ResourceKind::LbvserverBinding,
            vec![Value::Text(vserver.into()), Value::Text(group.into())],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MARKER: &str = "managed-by=kubectl-netscaler cluster=prod";

    /// Every row is consistent in itself: its identity is a prefix of its attributes, every
    /// name its columns use is one of its attributes, bindings unbind and are owned (and read)
    /// through a parent that comes before them in create order.
    #[test]
    fn the_kind_table_is_consistent() {
        let mut resources = std::collections::BTreeSet::new();
        for (i, kind) in ResourceKind::ALL.into_iter().enumerate() {
            let spec = kind.spec();
            assert_eq!(spec.kind, kind, "{kind}: row under another kind");
            assert_eq!(kind as usize, i, "{kind}: ALL out of declaration order");
            assert!(resources.insert(spec.resource), "{kind}: resource twice");
            assert_eq!(ResourceKind::from_resource(spec.resource), Some(kind));
            assert!(
                spec.key_len >= 1 && spec.key_len <= spec.attrs.len(),
                "{kind}"
            );
            let names: Vec<&str> = spec.attrs.iter().map(|a| a.name).collect();
            let known = |n: &&str| names.contains(n);
            assert!(spec.updatable.iter().all(known), "{kind}: updatable");
            assert!(
                spec.updatable
                    .iter()
                    .all(|n| !names[..spec.key_len].contains(n)),
                "{kind}: identity is not updatable"
            );
            assert!(spec.cli.add_positional.iter().all(known), "{kind}: add");
            assert!(
                spec.cli
                    .rm_positional
                    .iter()
                    .all(|n| names[..spec.key_len].contains(n)),
                "{kind}: rm positional is identity"
            );
            // Every attribute reaches the CLI line: positionally or as a flag.
            for a in spec.attrs {
                assert!(
                    a.cli_flag.is_some() || spec.cli.add_positional.contains(&a.name),
                    "{kind}: {} missing from add",
                    a.name
                );
            }
            assert!(
                spec.updatable.is_empty() || spec.cli.set.is_some(),
                "{kind}: updatable without a set line"
            );
            let binding = spec.resource.ends_with("_binding");
            let want = if binding {
                DeleteAction::Unbind
            } else {
                DeleteAction::Rm
            };
            assert_eq!(spec.delete_action, want, "{kind}");
            match spec.owner {
                Ownership::Parent { parent, link } => {
                    assert!(binding, "{kind}: owned through a parent, not a binding");
                    assert!(parent < kind, "{kind}: parent after it");
                    let pspec = parent.spec();
                    assert_eq!(link.len(), pspec.key_len, "{kind}: link is the parent key");
                    for (l, p) in link.iter().zip(pspec.attrs) {
                        assert!(known(l), "{kind}: link {l}");
                        assert_eq!(*l, p.name, "{kind}: link names the parent key");
                    }
                }
                Ownership::MemberServer { members } => {
                    assert!(!binding, "{kind}: a binding owned through members");
                    assert!(members.spec().resource.ends_with("_binding"), "{kind}");
                    assert!(
                        members.spec().attrs.iter().any(|a| a.name == "ip"),
                        "{kind}: members bound by ip"
                    );
                }
                _ => assert!(!binding, "{kind}: a binding owned by itself"),
            }
            if spec.read == ReadBy::PerParent {
                assert!(matches!(spec.owner, Ownership::Parent { .. }), "{kind}");
            }
            if spec.read == ReadBy::BulkBindings {
                assert!(binding, "{kind}: bulkbindings on a non-binding");
            }
            if spec.read == ReadBy::Key {
                assert_eq!(
                    spec.owner,
                    Ownership::Vni,
                    "{kind}: read by a key the scope names"
                );
            }
            if let UpdateVia::Resource { resource, rename } = spec.update {
                assert!(ResourceKind::from_resource(resource).is_some(), "{kind}");
                assert!(rename.iter().all(|(from, _)| known(from)), "{kind}: rename");
            }
        }
    }

    /// In JSON a diagnostic keeps its `node` field for a node, gets a `service` field for a
    /// Service and neither for the cluster.
    #[test]
    fn diagnostics_name_their_subject_in_json_and_words() {
        use crate::model::{Diagnostic, Level};
        let diag = |subject| Diagnostic {
            level: Level::Warning,
            subject,
            reason: "Example",
            message: "m".into(),
        };
        let json = |d: &Diagnostic| serde_json::to_value(d).unwrap();
        assert_eq!(
            json(&diag(Subject::Node("worker-1".into()))),
            serde_json::json!({"level": "warning", "node": "worker-1", "reason": "Example", "message": "m"})
        );
        assert_eq!(
            json(&diag(Subject::service("shop", "cart"))),
            serde_json::json!({"level": "warning", "service": "shop/cart", "reason": "Example", "message": "m"})
        );
        assert_eq!(
            json(&diag(Subject::Cluster)),
            serde_json::json!({"level": "warning", "reason": "Example", "message": "m"})
        );
        assert_eq!(
            Subject::Node("worker-1".into()).to_string(),
            "node worker-1"
        );
        assert_eq!(
            Subject::service("shop", "cart").to_string(),
            "service shop/cart"
        );
        assert_eq!(Subject::service("shop", "cart").cell(), "service shop/cart");
        assert_eq!(Subject::Cluster.cell(), "-");
    }

    #[test]
    fn service_cli_lines_quote_names_and_comments() {
        let sg = AdcObject::servicegroup("k8s-prod-default-web-80", "http", MARKER);
        assert_eq!(
            sg.cli_add(),
            r#"add serviceGroup k8s-prod-default-web-80 HTTP -comment "managed-by=kubectl-netscaler cluster=prod""#
        );
        assert_eq!(sg.cli_rm(), "rm serviceGroup k8s-prod-default-web-80");
        assert_eq!(
            AdcObject::servicegroup("Web Front", "TCP", "").cli_add(),
            r#"add serviceGroup "Web Front" TCP -comment """#
        );
        let m =
            AdcObject::servicegroup_member("k8s-prod-default-web-80", ip("10.244.1.5"), 8080, 1);
        assert_eq!(
            m.cli_add(),
            "bind serviceGroup k8s-prod-default-web-80 10.244.1.5 8080 -weight 1"
        );
        assert_eq!(
            m.cli_rm(),
            "unbind serviceGroup k8s-prod-default-web-80 10.244.1.5 8080"
        );
        assert_eq!(
            m.cli_set(&["weight"]).unwrap(),
            "set serviceGroup k8s-prod-default-web-80 10.244.1.5 8080 -weight 1"
        );
        let vs = AdcObject::lbvserver("web", "HTTP", ip("192.0.2.80"), 80, MARKER);
        assert_eq!(
            vs.cli_add(),
            r#"add lb vserver web HTTP 192.0.2.80 80 -lbMethod ROUNDROBIN -comment "managed-by=kubectl-netscaler cluster=prod""#
        );
        assert_eq!(
            vs.cli_set(&["ipv46"]).unwrap(),
            "set lb vserver web -IPAddress 192.0.2.80"
        );
        let b = AdcObject::lbvserver_binding("web", "k8s-prod-default-web-80");
        assert_eq!(b.cli_add(), "bind lb vserver web k8s-prod-default-web-80");
        assert_eq!(b.cli_rm(), "unbind lb vserver web k8s-prod-default-web-80");
    }

    #[test]
    fn service_records_keep_the_case_of_names_and_comments() {
        let rec: Map<String, Json> = serde_json::from_str(
            r#"{"servicegroupname":"Web-Prod","servicetype":"http","comment":"managed-by=kubectl-netscaler cluster=Prod","td":"0"}"#,
        )
        .unwrap();
        let got = AdcObject::from_json(ResourceKind::Servicegroup, &rec).unwrap();
        assert_eq!(
            got,
            AdcObject::servicegroup(
                "Web-Prod",
                "HTTP",
                "managed-by=kubectl-netscaler cluster=Prod"
            )
        );
        assert_ne!(
            got,
            AdcObject::servicegroup(
                "web-prod",
                "HTTP",
                "managed-by=kubectl-netscaler cluster=Prod"
            )
        );
        let rec: Map<String, Json> = serde_json::from_str(
            r#"{"servicegroupname":"Web-Prod","ip":"10.244.1.5","port":8080,"weight":"3","servername":"10.244.1.5"}"#,
        )
        .unwrap();
        assert_eq!(
            AdcObject::from_json(ResourceKind::ServicegroupMember, &rec).unwrap(),
            AdcObject::servicegroup_member("Web-Prod", ip("10.244.1.5"), 8080, 3)
        );
    }

    fn ip(s: &str) -> Ipv4Addr {
        s.parse().unwrap()
    }

    #[test]
    fn cli_lines_match_the_spec_examples() {
        assert_eq!(
            AdcObject::vxlan(1, 8472).cli_add(),
            "add vxlan 1 -port 8472"
        );
        assert_eq!(
            AdcObject::vxlan_srcip_binding(1, ip("192.0.2.10")).cli_add(),
            "bind vxlan 1 -srcIP 192.0.2.10"
        );
        assert_eq!(
            AdcObject::snip(ip("10.244.254.1"), ip("255.255.0.0")).cli_add(),
            "add ns ip 10.244.254.1 255.255.0.0 -type SNIP"
        );
        assert_eq!(
            AdcObject::route(ip("10.244.1.0"), ip("255.255.255.0"), ip("10.244.1.0")).cli_add(),
            "add route 10.244.1.0 255.255.255.0 10.244.1.0"
        );
        assert_eq!(
            AdcObject::arp(ip("10.244.1.0"), "0a:58:0a:f4:01:00", 1, ip("192.0.2.21")).cli_add(),
            "add arp -IPAddress 10.244.1.0 -mac 0a:58:0a:f4:01:00 -vxlan 1 -vtep 192.0.2.21"
        );
        assert_eq!(
            AdcObject::bridgetable("0a:58:0a:f4:01:00", 1, ip("192.0.2.21")).cli_add(),
            "add bridgetable -mac 0a:58:0a:f4:01:00 -vxlan 1 -vtep 192.0.2.21"
        );
    }

    #[test]
    fn cli_values_are_quoted_when_the_cli_would_split_or_drop_them() {
        for (raw, want) in [
            ("k8s-prod-web-80", "k8s-prod-web-80"),
            (
                "managed-by=kubectl-netscaler cluster=prod",
                r#""managed-by=kubectl-netscaler cluster=prod""#,
            ),
            ("tab\there", "\"tab\there\""),
            (r#"say "hi""#, r#""say \"hi\"""#),
            (r"c:\dir", r#""c:\\dir""#),
            ("", r#""""#),
        ] {
            assert_eq!(cli_quote(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn names_keep_their_case_and_may_be_empty() {
        assert_eq!(
            Value::from_json(AttrType::Name, &Json::from("Web Front")),
            Some(Value::Text("Web Front".into()))
        );
        assert_eq!(
            Value::from_json(AttrType::Name, &Json::from("")),
            Some(Value::Text(String::new()))
        );
        assert_eq!(
            Value::from_json(AttrType::Enum, &Json::from("http")),
            Some(Value::Text("HTTP".into()))
        );
    }

    #[test]
    fn cli_remove_and_set_lines() {
        assert_eq!(AdcObject::vxlan(1, 8472).cli_rm(), "rm vxlan 1");
        assert_eq!(
            AdcObject::vxlan_srcip_binding(1, ip("192.0.2.10")).cli_rm(),
            "unbind vxlan 1 -srcIP 192.0.2.10"
        );
        assert_eq!(
            AdcObject::arp(ip("10.244.1.0"), "0a:58:0a:f4:01:00", 1, ip("192.0.2.21")).cli_rm(),
            "rm arp 10.244.1.0"
        );
        assert_eq!(
            AdcObject::bridgetable("0a:58:0a:f4:01:00", 1, ip("192.0.2.21")).cli_rm(),
            "rm bridgetable -mac 0a:58:0a:f4:01:00 -vxlan 1 -vtep 192.0.2.21"
        );
        assert_eq!(
            AdcObject::vxlan(1, 4789).cli_set(&["port"]).unwrap(),
            "set vxlan 1 -port 4789"
        );
    }

    #[test]
    fn nitro_records_normalise_numbers_macs_and_enums() {
        let rec: Map<String, Json> = serde_json::from_str(
            r#"{"ipaddress":"10.244.1.0","mac":"0A-58-0A-F4-01-00","vxlan":"1","vtep":"192.0.2.21","type":"STATIC","td":"0"}"#,
        )
        .unwrap();
        let got = AdcObject::from_json(ResourceKind::Arp, &rec).unwrap();
        assert_eq!(
            got,
            AdcObject::arp(ip("10.244.1.0"), "0a:58:0a:f4:01:00", 1, ip("192.0.2.21"))
        );
        let rec: Map<String, Json> =
            serde_json::from_str(r#"{"ipaddress":"10.1.1.1","netmask":"255.0.0.0","type":"snip"}"#)
                .unwrap();
        assert_eq!(
            AdcObject::from_json(ResourceKind::Nsip, &rec).unwrap(),
            AdcObject::snip(ip("10.1.1.1"), ip("255.0.0.0"))
        );
        let bad: Map<String, Json> = serde_json::from_str(r#"{"id":"x","port":1}"#).unwrap();
        assert!(
            AdcObject::from_json(ResourceKind::Vxlan, &bad)
                .unwrap_err()
                .contains("attribute id")
        );
    }

    /// A `*_binding` type has no `rm` action on NITRO: every binding kind unbinds, every other
    /// kind removes.
    #[test]
    fn binding_kinds_delete_with_unbind() {
        for kind in ResourceKind::ALL {
            let spec = kind.spec();
            let want = match spec.resource.ends_with("_binding") {
                true => DeleteAction::Unbind,
                false => DeleteAction::Rm,
            };
            assert_eq!(spec.delete_action, want, "{kind}");
        }
        assert_eq!(
            ResourceKind::VxlanSrcipBinding
                .spec()
                .delete_action
                .nitro_action(),
            "unbind"
        );
    }

    #[test]
    fn objects_sort_in_create_order() {
        let mut v = [
            AdcObject::bridgetable("0a:58:0a:f4:01:00", 1, ip("192.0.2.21")),
            AdcObject::route(ip("10.244.1.0"), ip("255.255.255.0"), ip("10.244.1.0")),
            AdcObject::vxlan(1, 8472),
        ];
        v.sort();
        let kinds: Vec<_> = v.iter().map(|o| o.kind).collect();
        assert_eq!(
            kinds,
            [
                ResourceKind::Vxlan,
                ResourceKind::Route,
                ResourceKind::Bridgetable
            ]
        );
    }
}
