//! Unit tests of the desired state: node eligibility, conflicts, VNI and port resolution, modes
//! and the settings checks that need the cluster (SPEC §2, §5). Facts are built directly.

use super::*;
use crate::model::object::ResourceKind;
use pretty_assertions::assert_eq;
use std::collections::BTreeSet;

// ---------------------------------------------------------------------------------------------
// Builders

fn ip(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

fn net(s: &str) -> Ipv4Net {
    s.parse().unwrap()
}

/// vxlan-mode settings for cluster `prod`: vtepIp 192.0.2.10, adcPodCidr 10.244.254.0/24,
/// cluster CIDR from flannel's net-conf.
fn settings() -> ModelSettings {
    ModelSettings {
        cluster: "prod".into(),
        vtep_ip: Some(ip("192.0.2.10")),
        adc_pod_cidr: Some(net("10.244.254.0/24")),
        node_address_type: "InternalIP".into(),
        ..Default::default()
    }
}

fn net_conf(network: &str, vni: Option<u64>, port: Option<u64>) -> NetConf {
    NetConf {
        network: Some(network.into()),
        backend_type: Some("vxlan".into()),
        vni,
        port,
    }
}

/// A flannel cluster (net-conf Network 10.244.0.0/16, no VNI or port) with these nodes.
fn cluster(nodes: Vec<NodeFacts>) -> ClusterFacts {
    ClusterFacts {
        nodes,
        services: Vec::new(),
        services_read: false,
        net_conf: Some(net_conf("10.244.0.0/16", None, None)),
        net_conf_source: Some("kube-flannel/kube-flannel-cfg".into()),
    }
}

/// A healthy flannel-VXLAN node number `i`: created at minute `i`, pod CIDR 10.244.i.0/24,
/// VtepMAC 0a:58:0a:f4:<i>:00, public-ip and InternalIP 192.0.2.(20+i), ExternalIP
/// 198.51.100.i, VNI 1, Ready.
fn node(name: &str, i: u8) -> NodeFacts {
    let mut n = NodeFacts {
        name: name.into(),
        created: Some(format!("2026-01-10T09:{i:02}:00Z")),
        labels: BTreeMap::from([("kubernetes.io/hostname".to_string(), name.to_string())]),
        pod_cidrs: vec![format!("10.244.{i}.0/24")],
        addresses: vec![
            (
                "InternalIP".into(),
                format!("192.0.2.{}", 20 + u16::from(i)),
            ),
            ("ExternalIP".into(), format!("198.51.100.{i}")),
            ("Hostname".into(), name.into()),
        ],
        ready: Some("True".into()),
        ..Default::default()
    };
    n.flannel = BTreeMap::from([
        (ANN_BACKEND_TYPE.to_string(), "vxlan".to_string()),
        (
            ANN_BACKEND_DATA.to_string(),
            format!(r#"{{"VNI":1,"VtepMAC":"0a:58:0a:f4:{i:02x}:00"}}"#),
        ),
        (
            ANN_PUBLIC_IP.to_string(),
            format!("192.0.2.{}", 20 + u16::from(i)),
        ),
        (ANN_SUBNET_MANAGER.to_string(), "true".to_string()),
    ]);
    n
}

/// A node with no flannel annotations (a host-gw / kubenet cluster).
fn plain_node(name: &str, i: u8) -> NodeFacts {
    let mut n = node(name, i);
    n.flannel.clear();
    n
}

fn with_backend_data(mut n: NodeFacts, data: &str) -> NodeFacts {
    n.flannel.insert(ANN_BACKEND_DATA.into(), data.into());
    n
}

fn with_vni(n: NodeFacts, vni: u64, i: u8) -> NodeFacts {
    with_backend_data(
        n,
        &format!(r#"{{"VNI":{vni},"VtepMAC":"0a:58:0a:f4:{i:02x}:00"}}"#),
    )
}

/// The ADC's own Node object, as `apply` creates it.
fn adc_node_object(cluster: &str) -> NodeFacts {
    let mut n = node(&format!("netscaler-{cluster}"), 254);
    n.labels = BTreeMap::from([
        (LABEL_MANAGED_BY.to_string(), MANAGED_BY.to_string()),
        (LABEL_CLUSTER.to_string(), cluster.to_string()),
    ]);
    n.addresses.clear();
    n.ready = None;
    n.flannel.insert(
        ANN_BACKEND_DATA.into(),
        r#"{"VNI":1,"VtepMAC":"02:00:00:00:00:0a"}"#.into(),
    );
    n.flannel.insert(ANN_PUBLIC_IP.into(), "192.0.2.10".into());
    n
}

fn plan(s: &ModelSettings, facts: &ClusterFacts) -> Desired {
    desired(s, facts).unwrap_or_else(|e| panic!("desired() failed: {e}"))
}

fn plan_err(s: &ModelSettings, facts: &ClusterFacts) -> String {
    match desired(s, facts) {
        Ok(d) => panic!(
            "desired() succeeded, wanted an InputError; diagnostics: {:?}",
            d.diagnostics
        ),
        Err(e) => e.0,
    }
}

// ---------------------------------------------------------------------------------------------
// Views of a Desired

/// The NetScaler CLI lines, in the plan's (create) order.
fn cli(d: &Desired) -> Vec<String> {
    d.adc.iter().map(AdcObject::cli_add).collect()
}

/// Nodes that have at least one ADC object.
fn planned(d: &Desired) -> BTreeSet<String> {
    d.adc
        .iter()
        .filter_map(|o| o.subject.node().map(str::to_string))
        .collect()
}

fn names(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// `(level, reason)` of the diagnostics about `node`.
fn diags_of(d: &Desired, node: &str) -> Vec<(Level, &'static str)> {
    d.diagnostics
        .iter()
        .filter(|x| x.subject.node() == Some(node))
        .map(|x| (x.level, x.reason))
        .collect()
}

fn message_of(d: &Desired, node: &str, reason: &str) -> String {
    d.diagnostics
        .iter()
        .find(|x| x.subject.node() == Some(node) && x.reason == reason)
        .unwrap_or_else(|| panic!("no {reason} diagnostic for {node}: {:?}", d.diagnostics))
        .message
        .clone()
}

/// The route of `node` as `(network, netmask, gateway)`.
fn route_of(d: &Desired, node: &str) -> Option<(String, String, String)> {
    d.adc
        .iter()
        .find(|o| o.kind == ResourceKind::Route && o.subject.node() == Some(node))
        .map(|o| {
            let a = |k| o.get(k).unwrap().to_string();
            (a("network"), a("netmask"), a("gateway"))
        })
}

fn kinds(d: &Desired) -> BTreeSet<ResourceKind> {
    d.adc.iter().map(|o| o.kind).collect()
}

// ---------------------------------------------------------------------------------------------
// The healthy path

#[test]
fn healthy_vxlan_cluster_plans_every_object_in_create_order() {
    let facts = cluster(vec![node("worker-2", 2), node("worker-1", 1)]);
    let d = plan(&settings(), &facts);
    assert_eq!(d.mode, Mode::Vxlan);
    assert_eq!(d.cluster, "prod");
    assert_eq!(d.cluster_cidr, net("10.244.0.0/16"));
    assert_eq!(
        cli(&d),
        [
            "add vxlan 1 -port 8472",
            "bind vxlan 1 -srcIP 192.0.2.10",
            "add ns ip 10.244.254.1 255.255.0.0 -type SNIP",
            "add route 10.244.1.0 255.255.255.0 10.244.1.0",
            "add route 10.244.2.0 255.255.255.0 10.244.2.0",
            "add arp -IPAddress 10.244.1.0 -mac 0a:58:0a:f4:01:00 -vxlan 1 -vtep 192.0.2.21",
            "add arp -IPAddress 10.244.2.0 -mac 0a:58:0a:f4:02:00 -vxlan 1 -vtep 192.0.2.22",
            "add bridgetable -mac 0a:58:0a:f4:01:00 -vxlan 1 -vtep 192.0.2.21",
            "add bridgetable -mac 0a:58:0a:f4:02:00 -vxlan 1 -vtep 192.0.2.22",
        ]
    );
    assert_eq!(d.diagnostics, []);
    assert_eq!(d.planned_nodes, 2);
    assert_eq!(planned(&d), names(&["worker-1", "worker-2"]));
    assert_eq!(
        d.vxlan,
        Some(VxlanParams {
            vni: 1,
            port: 8472,
            vtep_ip: ip("192.0.2.10"),
            overlay_ip: ip("10.244.254.1"),
            adc_pod_cidr: net("10.244.254.0/24"),
        })
    );
}

#[test]
fn nitro_attribute_names_and_value_forms() {
    let d = plan(&settings(), &cluster(vec![node("worker-1", 1)]));
    let json: Vec<serde_json::Value> = d
        .adc
        .iter()
        .map(|o| json!({"resource": o.kind.resource(), "attributes": o.to_json()}))
        .collect();
    assert_eq!(
        serde_json::Value::from(json),
        json!([
            {"resource": "vxlan", "attributes": {"id": 1, "port": 8472}},
            {"resource": "vxlan_srcip_binding", "attributes": {"id": 1, "srcip": "192.0.2.10"}},
            {"resource": "nsip", "attributes": {"ipaddress": "10.244.254.1", "netmask": "255.255.0.0", "type": "SNIP"}},
            {"resource": "route", "attributes": {"network": "10.244.1.0", "netmask": "255.255.255.0", "gateway": "10.244.1.0"}},
            {"resource": "arp", "attributes": {"ipaddress": "10.244.1.0", "mac": "0a:58:0a:f4:01:00", "vxlan": 1, "vtep": "192.0.2.21"}},
            {"resource": "bridgetable", "attributes": {"mac": "0a:58:0a:f4:01:00", "vxlan": 1, "vtep": "192.0.2.21"}},
        ])
    );
}

#[test]
fn vtep_mac_is_normalised_to_lower_case_colon_hex() {
    let n = with_backend_data(
        node("worker-1", 1),
        r#"{"VNI":1,"VtepMAC":"0A-58-0A-F4-01-0B"}"#,
    );
    let d = plan(&settings(), &cluster(vec![n]));
    assert_eq!(d.diagnostics, []);
    assert!(
        cli(&d)
            .contains(&"add bridgetable -mac 0a:58:0a:f4:01:0b -vxlan 1 -vtep 192.0.2.21".into()),
        "{:?}",
        cli(&d)
    );
}

#[test]
fn overlay_snip_uses_the_cluster_cidr_mask_and_the_overlay_ip_setting() {
    let mut s = settings();
    s.cluster_cidr = Some(net("10.240.0.0/12"));
    s.overlay_ip = Some(ip("10.244.254.9"));
    let d = plan(&s, &cluster(vec![node("worker-1", 1)]));
    assert_eq!(
        d.cluster_cidr,
        net("10.240.0.0/12"),
        "setting beats net-conf"
    );
    assert!(
        cli(&d).contains(&"add ns ip 10.244.254.9 255.240.0.0 -type SNIP".to_string()),
        "{:?}",
        cli(&d)
    );
}

// ---------------------------------------------------------------------------------------------
// The ADC's Node object

#[test]
fn adc_node_object_with_auto_mac() {
    let d = plan(&settings(), &cluster(vec![node("worker-1", 1)]));
    let n = d.adc_node.as_ref().expect("vxlan mode has an ADC node");
    assert_eq!(n.vtep_mac, None);
    assert_eq!(
        n.to_json(),
        json!({
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {
                "name": "netscaler-prod",
                "labels": {
                    "app.kubernetes.io/managed-by": "kubectl-netscaler",
                    "kubectl-netscaler.io/cluster": "prod",
                },
                "annotations": {
                    "flannel.alpha.coreos.com/backend-data": r#"{"VNI":1,"VtepMAC":null}"#,
                    "flannel.alpha.coreos.com/backend-type": "vxlan",
                    "flannel.alpha.coreos.com/kube-subnet-manager": "true",
                    "flannel.alpha.coreos.com/public-ip": "192.0.2.10",
                    "flannel.alpha.coreos.com/public-ip-overwrite": "192.0.2.10",
                },
            },
            "spec": {
                "podCIDR": "10.244.254.0/24",
                "podCIDRs": ["10.244.254.0/24"],
                "unschedulable": true,
                "taints": [
                    {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"},
                    {"key": "kubectl-netscaler.io/adc", "effect": "NoExecute"},
                ],
            },
        })
    );
}

#[test]
fn adc_node_object_with_explicit_mac_and_vni() {
    let mut s = settings();
    s.vtep_mac = VtepMacSetting::Mac("02:00:5e:00:01:0a".into());
    let facts = cluster(vec![with_vni(node("worker-1", 1), 7, 1)]);
    let d = plan(&s, &facts);
    let n = d.adc_node.unwrap().to_json();
    assert_eq!(
        n["metadata"]["annotations"]["flannel.alpha.coreos.com/backend-data"],
        r#"{"VNI":7,"VtepMAC":"02:00:5e:00:01:0a"}"#
    );
    assert_eq!(n["metadata"]["name"], "netscaler-prod");
}

#[test]
fn the_adc_node_object_is_skipped_with_info_and_does_not_vote_or_conflict() {
    // The ADC node advertises VNI 3; if it voted, the 1:1 tie would pick 3. Its pod CIDR is
    // adcPodCidr itself, which must not count as an overlap.
    let mut adc = adc_node_object("prod");
    adc.flannel.insert(
        ANN_BACKEND_DATA.into(),
        r#"{"VNI":3,"VtepMAC":"02:00:00:00:00:0a"}"#.into(),
    );
    let facts = cluster(vec![with_vni(node("worker-1", 1), 7, 1), adc]);
    let d = plan(&settings(), &facts);
    assert_eq!(diags_of(&d, "netscaler-prod"), [(Level::Info, "AdcNode")]);
    assert_eq!(d.vxlan.as_ref().unwrap().vni, 7);
    assert_eq!(planned(&d), names(&["worker-1"]));
    assert_eq!(d.diagnostics.len(), 1, "{:?}", d.diagnostics);
}

#[test]
fn an_adc_node_object_of_another_cluster_is_skipped_too() {
    let facts = cluster(vec![node("worker-1", 1), adc_node_object("other")]);
    let d = plan(&settings(), &facts);
    assert_eq!(diags_of(&d, "netscaler-other"), [(Level::Info, "AdcNode")]);
    assert_eq!(planned(&d), names(&["worker-1"]));
}

// ---------------------------------------------------------------------------------------------
// Malformed input: one bad node is skipped with a warning; the others are still planned.

/// Runs `bad` between two healthy nodes and checks that exactly `bad` is skipped with exactly
/// one diagnostic `(level, reason)`, and that the healthy nodes are fully planned.
fn assert_skipped(bad: NodeFacts, level: Level, reason: &str) -> Desired {
    let name = bad.name.clone();
    let facts = cluster(vec![node("good-1", 1), bad, node("good-2", 2)]);
    let d = plan(&settings(), &facts);
    assert_eq!(
        diags_of(&d, &name),
        [(level, reason)],
        "diagnostics: {:#?}",
        d.diagnostics
    );
    assert_eq!(d.diagnostics.len(), 1, "{:#?}", d.diagnostics);
    assert_eq!(planned(&d), names(&["good-1", "good-2"]), "{:?}", cli(&d));
    assert_eq!(d.planned_nodes, 2);
    // route + arp + bridgetable per planned node, plus vxlan, binding and SNIP
    assert_eq!(d.adc.len(), 2 * 3 + 3, "{:?}", cli(&d));
    let msg = message_of(&d, &name, reason);
    assert!(!msg.is_empty());
    d
}

#[test]
fn backend_data_that_is_not_json() {
    let d = assert_skipped(
        with_backend_data(node("bad", 5), "{VtepMAC: 0a:58"),
        Level::Warning,
        "MalformedBackendData",
    );
    let msg = message_of(&d, "bad", "MalformedBackendData");
    assert!(
        msg.contains(ANN_BACKEND_DATA) && msg.contains("JSON"),
        "{msg}"
    );
}

#[test]
fn backend_data_that_is_json_but_not_an_object() {
    assert_skipped(
        with_backend_data(node("bad", 5), r#"["0a:58:0a:f4:05:00"]"#),
        Level::Warning,
        "MalformedBackendData",
    );
}

#[test]
fn backend_data_with_a_vni_that_is_not_a_number() {
    assert_skipped(
        with_backend_data(
            node("bad", 5),
            r#"{"VNI":"one","VtepMAC":"0a:58:0a:f4:05:00"}"#,
        ),
        Level::Warning,
        "MalformedBackendData",
    );
}

#[test]
fn backend_data_without_vtep_mac() {
    let d = assert_skipped(
        with_backend_data(node("bad", 5), r#"{"VNI":1}"#),
        Level::Warning,
        "MissingVtepMAC",
    );
    assert!(message_of(&d, "bad", "MissingVtepMAC").contains("VtepMAC"));
    assert_skipped(
        with_backend_data(node("bad", 5), r#"{"VNI":1,"VtepMAC":null}"#),
        Level::Warning,
        "MissingVtepMAC",
    );
}

#[test]
fn backend_data_with_a_bad_mac() {
    for mac in [
        r#""zz:58:0a:f4:05:00""#,
        r#""0a:58:0a:f4:05""#,
        r#""0a58.0af4.0500""#,
        r#""""#,
        "42",
    ] {
        let d = assert_skipped(
            with_backend_data(node("bad", 5), &format!(r#"{{"VNI":1,"VtepMAC":{mac}}}"#)),
            Level::Warning,
            "InvalidVtepMAC",
        );
        let msg = message_of(&d, "bad", "InvalidVtepMAC");
        assert!(msg.contains(mac), "{msg} should quote {mac}");
    }
}

#[test]
fn missing_backend_data() {
    let mut n = node("bad", 5);
    n.flannel.remove(ANN_BACKEND_DATA);
    let d = assert_skipped(n, Level::Warning, "MissingFlannelAnnotations");
    assert!(message_of(&d, "bad", "MissingFlannelAnnotations").contains(ANN_BACKEND_DATA));
}

#[test]
fn missing_public_ip() {
    let mut n = node("bad", 5);
    n.flannel.remove(ANN_PUBLIC_IP);
    let d = assert_skipped(n, Level::Warning, "MissingPublicIP");
    assert!(message_of(&d, "bad", "MissingPublicIP").contains(ANN_PUBLIC_IP));
}

#[test]
fn public_ip_that_is_not_ipv4() {
    for bad in ["not-an-ip", "2001:db8::21", ""] {
        let mut n = node("bad", 5);
        n.flannel.insert(ANN_PUBLIC_IP.into(), bad.into());
        assert_skipped(n, Level::Warning, "InvalidPublicIP");
    }
}

#[test]
fn backend_type_that_is_not_vxlan() {
    let mut n = node("bad", 5);
    n.flannel.insert(ANN_BACKEND_TYPE.into(), "host-gw".into());
    let d = assert_skipped(n, Level::Warning, "NotVxlanBackend");
    assert!(message_of(&d, "bad", "NotVxlanBackend").contains("host-gw"));
}

#[test]
fn backend_type_is_case_insensitive() {
    let mut n = node("worker-5", 5);
    n.flannel.insert(ANN_BACKEND_TYPE.into(), "VXLAN".into());
    let d = plan(&settings(), &cluster(vec![n]));
    assert_eq!(d.diagnostics, []);
    assert_eq!(planned(&d), names(&["worker-5"]));
}

#[test]
fn no_flannel_annotations_at_all() {
    let d = assert_skipped(
        plain_node("bad", 5),
        Level::Warning,
        "MissingFlannelAnnotations",
    );
    assert!(message_of(&d, "bad", "MissingFlannelAnnotations").contains(ANN_BACKEND_TYPE));
}

#[test]
fn missing_pod_cidr() {
    let mut n = node("bad", 5);
    n.pod_cidrs.clear();
    let d = assert_skipped(n, Level::Warning, "MissingPodCIDR");
    assert!(message_of(&d, "bad", "MissingPodCIDR").contains("podCIDR"));
}

#[test]
fn pod_cidr_that_is_not_a_cidr_or_has_host_bits() {
    for bad in ["10.244.5.0", "banana", "10.244.5.7/24"] {
        let mut n = node("bad", 5);
        n.pod_cidrs = vec![bad.into()];
        let d = assert_skipped(n, Level::Warning, "InvalidPodCIDR");
        assert!(message_of(&d, "bad", "InvalidPodCIDR").contains(bad));
    }
}

#[test]
fn ipv6_only_node_is_skipped() {
    let mut n = node("bad", 5);
    n.pod_cidrs = vec!["fd00:10:244:5::/64".into()];
    let d = assert_skipped(n, Level::Warning, "IPv6PodCIDR");
    assert!(message_of(&d, "bad", "IPv6PodCIDR").contains("fd00:10:244:5::/64"));
}

#[test]
fn dual_stack_node_is_planned_with_its_ipv4_cidr_and_a_warning() {
    for cidrs in [
        ["10.244.5.0/24", "fd00:10:244:5::/64"],
        ["fd00:10:244:5::/64", "10.244.5.0/24"],
    ] {
        let mut n = node("dual", 5);
        n.pod_cidrs = cidrs.iter().map(|c| c.to_string()).collect();
        let d = plan(&settings(), &cluster(vec![node("good-1", 1), n]));
        assert_eq!(diags_of(&d, "dual"), [(Level::Warning, "DualStack")]);
        assert_eq!(d.diagnostics.len(), 1);
        assert_eq!(
            route_of(&d, "dual"),
            Some((
                "10.244.5.0".into(),
                "255.255.255.0".into(),
                "10.244.5.0".into()
            ))
        );
        assert_eq!(planned(&d), names(&["good-1", "dual"]));
        assert_eq!(d.planned_nodes, 2);
        let msg = message_of(&d, "dual", "DualStack");
        assert!(
            msg.contains("10.244.5.0/24") && msg.contains("fd00:10:244:5::/64"),
            "{msg}"
        );
    }
}

#[test]
fn pod_cidr_outside_the_cluster_cidr() {
    let mut n = node("bad", 5);
    n.pod_cidrs = vec!["10.99.5.0/24".into()];
    let d = assert_skipped(n, Level::Warning, "PodCIDROutsideClusterCIDR");
    let msg = message_of(&d, "bad", "PodCIDROutsideClusterCIDR");
    assert!(
        msg.contains("10.99.5.0/24") && msg.contains("10.244.0.0/16"),
        "{msg}"
    );
    // Partly outside counts as outside (routes mode: in vxlan mode such a block would also
    // overlap adcPodCidr).
    let mut n = plain_node("bad", 5);
    n.pod_cidrs = vec!["10.244.0.0/15".into()];
    let facts = ClusterFacts {
        nodes: vec![plain_node("good", 1), n],
        ..Default::default()
    };
    let d = plan(&routes_settings(), &facts);
    assert_eq!(
        diags_of(&d, "bad"),
        [(Level::Warning, "PodCIDROutsideClusterCIDR")]
    );
    assert_eq!(planned(&d), names(&["good"]));
}

#[test]
fn gateway_that_is_the_network_id_of_the_overlay_snip_subnet() {
    // 10.244.0.0/24's flannel.1 address is 10.244.0.0: the network id of 10.244.0.0/16.
    let d = assert_skipped(node("first", 0), Level::Warning, "GatewayIsSubnetBoundary");
    let msg = message_of(&d, "first", "GatewayIsSubnetBoundary");
    assert!(
        msg.contains("10.244.0.0") && msg.contains("network"),
        "{msg}"
    );
}

#[test]
fn gateway_that_is_the_broadcast_of_the_overlay_snip_subnet() {
    let mut n = node("last", 9);
    n.pod_cidrs = vec!["10.244.255.255/32".into()];
    let d = assert_skipped(n, Level::Warning, "GatewayIsSubnetBoundary");
    assert!(message_of(&d, "last", "GatewayIsSubnetBoundary").contains("broadcast"));
}

#[test]
fn every_malformed_node_at_once_leaves_the_healthy_ones_planned() {
    let mut bad = vec![
        with_backend_data(node("a-json", 10), "{nope"),
        with_backend_data(node("b-nomac", 11), r#"{"VNI":1}"#),
        with_backend_data(node("c-badmac", 12), r#"{"VNI":1,"VtepMAC":"nope"}"#),
        plain_node("d-noann", 13),
        node("e-boundary", 0),
    ];
    let mut n = node("f-nopub", 14);
    n.flannel.remove(ANN_PUBLIC_IP);
    bad.push(n);
    let mut n = node("g-hostgw", 15);
    n.flannel.insert(ANN_BACKEND_TYPE.into(), "host-gw".into());
    bad.push(n);
    let mut n = node("h-nocidr", 16);
    n.pod_cidrs.clear();
    bad.push(n);
    let mut n = node("i-v6", 17);
    n.pod_cidrs = vec!["fd00::/64".into()];
    bad.push(n);
    let mut n = node("j-outside", 18);
    n.pod_cidrs = vec!["10.99.0.0/24".into()];
    bad.push(n);
    bad.push(node("ok-1", 1));
    bad.push(node("ok-2", 2));
    let d = plan(&settings(), &cluster(bad));
    assert_eq!(planned(&d), names(&["ok-1", "ok-2"]));
    let got: Vec<(&str, Level, &str)> = d
        .diagnostics
        .iter()
        .map(|x| (x.subject.node().unwrap(), x.level, x.reason))
        .collect();
    assert_eq!(
        got,
        [
            ("a-json", Level::Warning, "MalformedBackendData"),
            ("b-nomac", Level::Warning, "MissingVtepMAC"),
            ("c-badmac", Level::Warning, "InvalidVtepMAC"),
            ("d-noann", Level::Warning, "MissingFlannelAnnotations"),
            ("e-boundary", Level::Warning, "GatewayIsSubnetBoundary"),
            ("f-nopub", Level::Warning, "MissingPublicIP"),
            ("g-hostgw", Level::Warning, "NotVxlanBackend"),
            ("h-nocidr", Level::Warning, "MissingPodCIDR"),
            ("i-v6", Level::Warning, "IPv6PodCIDR"),
            ("j-outside", Level::Warning, "PodCIDROutsideClusterCIDR"),
        ],
        "diagnostics are sorted by node name"
    );
}

// ---------------------------------------------------------------------------------------------
// Conflicts: the older node keeps the pod CIDR / VtepMAC

#[test]
fn duplicate_pod_cidr_older_node_by_creation_timestamp_keeps_it() {
    // "z-old" sorts last by name but was created first.
    let mut old = node("z-old", 5);
    old.created = Some("2025-06-01T00:00:00Z".into());
    let mut young = node("a-young", 6);
    young.pod_cidrs = old.pod_cidrs.clone();
    let d = plan(&settings(), &cluster(vec![young, old, node("other", 1)]));
    assert_eq!(
        diags_of(&d, "a-young"),
        [(Level::Warning, "DuplicatePodCIDR")]
    );
    assert_eq!(diags_of(&d, "z-old"), []);
    assert_eq!(planned(&d), names(&["z-old", "other"]));
    assert!(message_of(&d, "a-young", "DuplicatePodCIDR").contains("z-old"));
    // The younger node's MAC was never claimed: no arp/bridgetable for it either.
    assert!(
        !cli(&d).iter().any(|l| l.contains("0a:58:0a:f4:06:00")),
        "{:?}",
        cli(&d)
    );
}

#[test]
fn duplicate_pod_cidr_same_timestamp_the_name_decides() {
    let a = node("node-a", 5);
    let mut b = node("node-b", 6);
    b.pod_cidrs = a.pod_cidrs.clone();
    b.created = a.created.clone();
    let d = plan(&settings(), &cluster(vec![b, a]));
    assert_eq!(
        diags_of(&d, "node-b"),
        [(Level::Warning, "DuplicatePodCIDR")]
    );
    assert_eq!(planned(&d), names(&["node-a"]));
}

#[test]
fn overlapping_pod_cidrs_are_a_conflict_in_either_direction() {
    // The older node has the larger block.
    let mut big = node("big", 4);
    big.pod_cidrs = vec!["10.244.4.0/23".into()];
    let mut small = node("small", 5);
    small.pod_cidrs = vec!["10.244.5.0/24".into()];
    let d = plan(&settings(), &cluster(vec![small, big]));
    assert_eq!(
        diags_of(&d, "small"),
        [(Level::Warning, "DuplicatePodCIDR")]
    );
    assert_eq!(planned(&d), names(&["big"]));
    assert_eq!(
        route_of(&d, "big").unwrap(),
        (
            "10.244.4.0".into(),
            "255.255.254.0".into(),
            "10.244.4.0".into()
        )
    );

    // The older node has the smaller block.
    let mut small = node("small", 4);
    small.pod_cidrs = vec!["10.244.5.0/24".into()];
    let mut big = node("big", 5);
    big.pod_cidrs = vec!["10.244.4.0/23".into()];
    let d = plan(&settings(), &cluster(vec![small, big]));
    assert_eq!(diags_of(&d, "big"), [(Level::Warning, "DuplicatePodCIDR")]);
    assert_eq!(planned(&d), names(&["small"]));
}

#[test]
fn a_node_skipped_for_another_reason_claims_no_pod_cidr() {
    let old = with_backend_data(node("old-broken", 5), "{nope");
    let mut young = node("young", 6);
    young.pod_cidrs = old.pod_cidrs.clone();
    let d = plan(&settings(), &cluster(vec![old, young]));
    assert_eq!(
        diags_of(&d, "old-broken"),
        [(Level::Warning, "MalformedBackendData")]
    );
    assert_eq!(diags_of(&d, "young"), []);
    assert_eq!(planned(&d), names(&["young"]));
}

#[test]
fn duplicate_vtep_mac_older_node_keeps_it() {
    let old = node("z-old", 5);
    let young = with_backend_data(
        node("a-young", 6),
        r#"{"VNI":1,"VtepMAC":"0A:58:0A:F4:05:00"}"#,
    );
    let d = plan(&settings(), &cluster(vec![young, old]));
    assert_eq!(
        diags_of(&d, "a-young"),
        [(Level::Warning, "DuplicateVtepMAC")]
    );
    assert_eq!(planned(&d), names(&["z-old"]));
    let msg = message_of(&d, "a-young", "DuplicateVtepMAC");
    assert!(
        msg.contains("0a:58:0a:f4:05:00") && msg.contains("z-old"),
        "{msg}"
    );
}

#[test]
fn a_node_skipped_for_another_reason_claims_no_vtep_mac() {
    // oldest: CIDR 5, MAC 5. second: CIDR 5 (duplicate → skipped), MAC 7. third: CIDR 7, MAC 7.
    let first = node("first", 5);
    let mut second = node("second", 6);
    second.pod_cidrs = first.pod_cidrs.clone();
    let second = with_backend_data(second, r#"{"VNI":1,"VtepMAC":"0a:58:0a:f4:07:00"}"#);
    let third = node("third", 7);
    let mut missing_pub = node("fourth", 8);
    missing_pub.flannel.remove(ANN_PUBLIC_IP);
    let fourth_mac_holder = with_backend_data(
        node("fifth", 9),
        r#"{"VNI":1,"VtepMAC":"0a:58:0a:f4:08:00"}"#,
    );
    let d = plan(
        &settings(),
        &cluster(vec![first, second, third, missing_pub, fourth_mac_holder]),
    );
    assert_eq!(
        diags_of(&d, "second"),
        [(Level::Warning, "DuplicatePodCIDR")]
    );
    assert_eq!(
        diags_of(&d, "fourth"),
        [(Level::Warning, "MissingPublicIP")]
    );
    assert_eq!(planned(&d), names(&["first", "third", "fifth"]));
}

#[test]
fn pod_cidr_conflict_ignores_the_adc_node_and_unselected_nodes() {
    let mut s = settings();
    s.node_selector = Some(LabelSelector::parse("role=worker").unwrap());
    let mut other = node("other", 5);
    other.created = Some("2020-01-01T00:00:00Z".into());
    let mut worker = node("worker", 6);
    worker.pod_cidrs = other.pod_cidrs.clone();
    worker.labels.insert("role".into(), "worker".into());
    let d = plan(&s, &cluster(vec![other, worker]));
    assert_eq!(diags_of(&d, "other"), [(Level::Info, "NotSelected")]);
    assert_eq!(diags_of(&d, "worker"), []);
    assert_eq!(planned(&d), names(&["worker"]));
}

// ---------------------------------------------------------------------------------------------
// VNI and port

fn vni_of(d: &Desired) -> u32 {
    d.vxlan.as_ref().unwrap().vni
}

#[test]
fn the_most_common_node_vni_wins_and_the_others_are_skipped() {
    let facts = cluster(vec![
        with_vni(node("a", 1), 4, 1),
        with_vni(node("b", 2), 4, 2),
        with_vni(node("c", 3), 1, 3),
        with_vni(node("d", 4), 4, 4),
    ]);
    let d = plan(&settings(), &facts);
    assert_eq!(vni_of(&d), 4);
    assert_eq!(diags_of(&d, "c"), [(Level::Warning, "VNIMismatch")]);
    let msg = message_of(&d, "c", "VNIMismatch");
    assert!(msg.contains('1') && msg.contains('4'), "{msg}");
    assert_eq!(planned(&d), names(&["a", "b", "d"]));
    assert!(cli(&d).contains(&"add vxlan 4 -port 8472".to_string()));
    assert!(cli(&d).contains(&"bind vxlan 4 -srcIP 192.0.2.10".to_string()));
    assert!(
        cli(&d)
            .iter()
            .filter(|l| l.starts_with("add arp") || l.starts_with("add bridgetable"))
            .all(|l| l.contains("-vxlan 4 ")),
        "{:?}",
        cli(&d)
    );
    assert_eq!(d.adc_node.unwrap().vni, 4);
}

#[test]
fn a_vni_tie_goes_to_the_smallest() {
    let facts = cluster(vec![
        with_vni(node("a", 1), 7, 1),
        with_vni(node("b", 2), 3, 2),
        with_vni(node("c", 3), 7, 3),
        with_vni(node("d", 4), 3, 4),
    ]);
    let d = plan(&settings(), &facts);
    assert_eq!(vni_of(&d), 3);
    assert_eq!(diags_of(&d, "a"), [(Level::Warning, "VNIMismatch")]);
    assert_eq!(diags_of(&d, "c"), [(Level::Warning, "VNIMismatch")]);
    assert_eq!(planned(&d), names(&["b", "d"]));
}

#[test]
fn the_vxlan_id_setting_overrides_the_nodes() {
    let mut s = settings();
    s.vxlan_id = Some(4);
    let facts = cluster(vec![
        with_vni(node("a", 1), 1, 1),
        with_vni(node("b", 2), 1, 2),
        with_vni(node("c", 3), 4, 3),
        with_backend_data(node("d", 4), r#"{"VtepMAC":"0a:58:0a:f4:04:00"}"#),
    ]);
    let d = plan(&s, &facts);
    assert_eq!(vni_of(&d), 4);
    assert_eq!(diags_of(&d, "a"), [(Level::Warning, "VNIMismatch")]);
    assert_eq!(diags_of(&d, "b"), [(Level::Warning, "VNIMismatch")]);
    // A node that does not advertise a VNI agrees with any.
    assert_eq!(planned(&d), names(&["c", "d"]));
}

#[test]
fn net_conf_vni_is_used_when_the_nodes_advertise_none() {
    let nodes = vec![with_backend_data(
        node("a", 1),
        r#"{"VtepMAC":"0a:58:0a:f4:01:00"}"#,
    )];
    let mut facts = cluster(nodes);
    facts.net_conf = Some(net_conf("10.244.0.0/16", Some(6), None));
    let d = plan(&settings(), &facts);
    assert_eq!(vni_of(&d), 6);
    assert_eq!(d.diagnostics, []);
    // ... and nothing at all means VNI 1.
    facts.net_conf = Some(net_conf("10.244.0.0/16", None, None));
    assert_eq!(vni_of(&plan(&settings(), &facts)), 1);
}

#[test]
fn net_conf_vni_disagreeing_with_the_nodes_is_a_cluster_warning() {
    let mut facts = cluster(vec![node("b", 2), node("a", 1)]);
    facts.net_conf = Some(net_conf("10.244.0.0/16", Some(2), None));
    let d = plan(&settings(), &facts);
    assert_eq!(vni_of(&d), 1, "the nodes' VNI beats net-conf");
    assert_eq!(planned(&d), names(&["a", "b"]));
    assert_eq!(d.diagnostics.len(), 1, "{:?}", d.diagnostics);
    let diag = &d.diagnostics[0];
    assert_eq!(
        (diag.level, diag.subject.node(), diag.reason),
        (Level::Warning, None, "NetConfVNIMismatch")
    );
    assert!(
        diag.message.contains('2') && diag.message.contains('1'),
        "{}",
        diag.message
    );
}

#[test]
fn cluster_diagnostics_come_before_node_diagnostics() {
    let mut facts = cluster(vec![plain_node("a-plain", 3), node("b", 2)]);
    facts.net_conf = Some(net_conf("10.244.0.0/16", Some(2), None));
    let d = plan(&settings(), &facts);
    let reasons: Vec<_> = d.diagnostics.iter().map(|x| x.reason).collect();
    assert_eq!(reasons, ["NetConfVNIMismatch", "MissingFlannelAnnotations"]);
}

#[test]
fn udp_port_from_setting_then_net_conf_then_8472() {
    let mut facts = cluster(vec![node("a", 1)]);
    let port = |s: &ModelSettings, f: &ClusterFacts| plan(s, f).vxlan.unwrap().port;
    assert_eq!(port(&settings(), &facts), 8472);
    facts.net_conf = Some(net_conf("10.244.0.0/16", None, Some(8999)));
    assert_eq!(port(&settings(), &facts), 8999);
    let mut s = settings();
    s.vxlan_port = Some(4789);
    assert_eq!(port(&s, &facts), 4789);
    assert!(cli(&plan(&s, &facts)).contains(&"add vxlan 1 -port 4789".to_string()));
}

#[test]
fn a_net_conf_port_that_is_not_a_udp_port_is_an_input_error() {
    let mut facts = cluster(vec![node("a", 1)]);
    facts.net_conf = Some(net_conf("10.244.0.0/16", None, Some(70000)));
    let err = plan_err(&settings(), &facts);
    assert!(err.contains("Port") && err.contains("vxlan.port"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// nodeSelector, NotReady

#[test]
fn node_selector_skips_unmatched_nodes_with_info() {
    let mut s = settings();
    s.node_selector = Some(LabelSelector::parse("role=worker").unwrap());
    let mut w = node("worker", 1);
    w.labels.insert("role".into(), "worker".into());
    let mut cp = node("cp", 2);
    cp.labels.insert("role".into(), "control-plane".into());
    let d = plan(&s, &cluster(vec![w, cp, node("unlabelled", 3)]));
    assert_eq!(diags_of(&d, "cp"), [(Level::Info, "NotSelected")]);
    assert_eq!(diags_of(&d, "unlabelled"), [(Level::Info, "NotSelected")]);
    assert_eq!(planned(&d), names(&["worker"]));
    assert!(message_of(&d, "cp", "NotSelected").contains("role=worker"));
}

fn not_ready_nodes() -> Vec<NodeFacts> {
    let mut f = node("ready-false", 2);
    f.ready = Some("False".into());
    let mut u = node("ready-unknown", 3);
    u.ready = Some("Unknown".into());
    let mut m = node("ready-missing", 4);
    m.ready = None;
    vec![node("ready", 1), f, u, m]
}

#[test]
fn not_ready_keep_plans_them_without_diagnostics() {
    let mut s = settings();
    s.not_ready = NotReadyPolicy::Keep;
    let d = plan(&s, &cluster(not_ready_nodes()));
    assert_eq!(d.diagnostics, []);
    assert_eq!(
        planned(&d),
        names(&["ready", "ready-false", "ready-unknown", "ready-missing"])
    );
}

#[test]
fn not_ready_remove_skips_false_unknown_and_missing_with_info() {
    let mut s = settings();
    s.not_ready = NotReadyPolicy::Remove;
    let d = plan(&s, &cluster(not_ready_nodes()));
    for n in ["ready-false", "ready-unknown", "ready-missing"] {
        assert_eq!(diags_of(&d, n), [(Level::Info, "NotReady")], "{n}");
    }
    assert_eq!(planned(&d), names(&["ready"]));
    assert_eq!(d.diagnostics.len(), 3);
    assert!(message_of(&d, "ready-unknown", "NotReady").contains("Unknown"));
}

#[test]
fn a_not_ready_node_under_remove_claims_nothing() {
    let mut s = settings();
    s.not_ready = NotReadyPolicy::Remove;
    let mut gone = node("gone", 5);
    gone.ready = Some("False".into());
    let mut successor = node("successor", 6);
    successor.pod_cidrs = gone.pod_cidrs.clone();
    let d = plan(&s, &cluster(vec![gone, successor]));
    assert_eq!(diags_of(&d, "successor"), []);
    assert_eq!(planned(&d), names(&["successor"]));
}

// ---------------------------------------------------------------------------------------------
// routes mode and auto detection

fn routes_settings() -> ModelSettings {
    ModelSettings {
        cluster: "prod".into(),
        mode: ModeSetting::Routes,
        cluster_cidr: Some(net("10.244.0.0/16")),
        node_address_type: "InternalIP".into(),
        ..Default::default()
    }
}

#[test]
fn routes_mode_gateway_is_the_internal_ip() {
    let facts = ClusterFacts {
        nodes: vec![plain_node("b", 2), plain_node("a", 1)],
        ..Default::default()
    };
    let d = plan(&routes_settings(), &facts);
    assert_eq!(d.mode, Mode::Routes);
    assert_eq!(
        cli(&d),
        [
            "add route 10.244.1.0 255.255.255.0 192.0.2.21",
            "add route 10.244.2.0 255.255.255.0 192.0.2.22",
        ]
    );
    assert!(d.vxlan.is_none());
    assert!(d.adc_node.is_none());
    assert_eq!(d.diagnostics, []);
}

#[test]
fn routes_mode_gateway_is_the_external_ip_when_asked() {
    let mut s = routes_settings();
    s.node_address_type = "ExternalIP".into();
    let facts = ClusterFacts {
        nodes: vec![plain_node("a", 1)],
        ..Default::default()
    };
    assert_eq!(
        cli(&plan(&s, &facts)),
        ["add route 10.244.1.0 255.255.255.0 198.51.100.1"]
    );
}

#[test]
fn routes_mode_node_without_such_an_address_is_skipped_with_a_warning() {
    let mut no_addr = plain_node("no-addr", 3);
    no_addr.addresses = vec![("Hostname".into(), "no-addr".into())];
    let mut v6 = plain_node("v6-addr", 4);
    v6.addresses = vec![("InternalIP".into(), "2001:db8::4".into())];
    let facts = ClusterFacts {
        nodes: vec![plain_node("a", 1), no_addr, v6, plain_node("b", 2)],
        ..Default::default()
    };
    let d = plan(&routes_settings(), &facts);
    assert_eq!(diags_of(&d, "no-addr"), [(Level::Warning, "NoNodeAddress")]);
    assert_eq!(diags_of(&d, "v6-addr"), [(Level::Warning, "NoNodeAddress")]);
    assert!(message_of(&d, "no-addr", "NoNodeAddress").contains("InternalIP"));
    assert_eq!(planned(&d), names(&["a", "b"]));
}

#[test]
fn routes_mode_ignores_flannel_annotations_and_needs_no_vxlan_settings() {
    // Nodes with flannel vxlan annotations, but --mode routes: routes via node addresses, no
    // vxlan objects, no ADC node, no vtepIp/adcPodCidr needed, and a broken backend-data is
    // no reason to skip.
    let facts = cluster(vec![node("a", 1), with_backend_data(node("b", 2), "{nope")]);
    let mut s = routes_settings();
    s.cluster_cidr = None;
    let d = plan(&s, &facts);
    assert_eq!(d.mode, Mode::Routes);
    assert_eq!(kinds(&d), BTreeSet::from([ResourceKind::Route]));
    assert_eq!(planned(&d), names(&["a", "b"]));
    assert!(d.adc_node.is_none());
    assert_eq!(d.diagnostics, []);
}

#[test]
fn routes_mode_still_skips_the_adc_node_object_and_applies_the_node_rules() {
    let mut s = routes_settings();
    s.not_ready = NotReadyPolicy::Remove;
    let mut nr = plain_node("not-ready", 3);
    nr.ready = Some("False".into());
    let mut dup = plain_node("dup", 4);
    dup.pod_cidrs = vec!["10.244.1.0/24".into()];
    let mut outside = plain_node("outside", 5);
    outside.pod_cidrs = vec!["10.99.0.0/24".into()];
    let facts = ClusterFacts {
        nodes: vec![
            plain_node("a", 1),
            adc_node_object("prod"),
            nr,
            dup,
            outside,
        ],
        ..Default::default()
    };
    let d = plan(&s, &facts);
    assert_eq!(diags_of(&d, "netscaler-prod"), [(Level::Info, "AdcNode")]);
    assert_eq!(diags_of(&d, "not-ready"), [(Level::Info, "NotReady")]);
    assert_eq!(diags_of(&d, "dup"), [(Level::Warning, "DuplicatePodCIDR")]);
    assert_eq!(
        diags_of(&d, "outside"),
        [(Level::Warning, "PodCIDROutsideClusterCIDR")]
    );
    assert_eq!(planned(&d), names(&["a"]));
}

#[test]
fn auto_mode_is_vxlan_when_nodes_carry_flannel_vxlan_annotations() {
    let d = plan(
        &settings(),
        &cluster(vec![node("a", 1), plain_node("b", 2)]),
    );
    assert_eq!(d.mode, Mode::Vxlan);
    assert_eq!(
        diags_of(&d, "b"),
        [(Level::Warning, "MissingFlannelAnnotations")]
    );
}

#[test]
fn auto_mode_is_vxlan_when_net_conf_says_vxlan() {
    // flanneld has not annotated any node yet: vxlan anyway (nodes skipped, with reasons).
    let d = plan(&settings(), &cluster(vec![plain_node("a", 1)]));
    assert_eq!(d.mode, Mode::Vxlan);
    assert_eq!(
        diags_of(&d, "a"),
        [(Level::Warning, "MissingFlannelAnnotations")]
    );
}

#[test]
fn auto_mode_is_routes_without_flannel_vxlan() {
    let mut s = settings();
    s.cluster_cidr = Some(net("10.244.0.0/16"));
    // No net-conf, no annotations.
    let facts = ClusterFacts {
        nodes: vec![plain_node("a", 1)],
        ..Default::default()
    };
    let d = plan(&s, &facts);
    assert_eq!(d.mode, Mode::Routes);
    assert_eq!(cli(&d), ["add route 10.244.1.0 255.255.255.0 192.0.2.21"]);
    // host-gw flannel: annotations say host-gw, net-conf says host-gw.
    let mut n = node("a", 1);
    n.flannel.insert(ANN_BACKEND_TYPE.into(), "host-gw".into());
    let mut facts = cluster(vec![n]);
    facts.net_conf.as_mut().unwrap().backend_type = Some("host-gw".into());
    assert_eq!(plan(&settings(), &facts).mode, Mode::Routes);
}

#[test]
fn auto_mode_ignores_the_adc_node_objects_annotations() {
    let mut s = settings();
    s.cluster_cidr = Some(net("10.244.0.0/16"));
    let facts = ClusterFacts {
        nodes: vec![plain_node("a", 1), adc_node_object("prod")],
        ..Default::default()
    };
    let d = plan(&s, &facts);
    assert_eq!(d.mode, Mode::Routes);
    assert_eq!(diags_of(&d, "netscaler-prod"), [(Level::Info, "AdcNode")]);
}

// ---------------------------------------------------------------------------------------------
// Settings problems that need the cluster: InputError naming the setting

#[test]
fn vxlan_mode_requires_vtep_ip() {
    let mut s = settings();
    s.vtep_ip = None;
    let err = plan_err(&s, &cluster(vec![node("a", 1)]));
    assert!(
        err.starts_with("vtepIp:") && err.contains("--vtep-ip"),
        "{err}"
    );
}

#[test]
fn vxlan_mode_requires_adc_pod_cidr() {
    let mut s = settings();
    s.adc_pod_cidr = None;
    let err = plan_err(&s, &cluster(vec![node("a", 1)]));
    assert!(
        err.starts_with("adcPodCidr:") && err.contains("--adc-pod-cidr"),
        "{err}"
    );
}

#[test]
fn adc_pod_cidr_outside_the_cluster_cidr_from_net_conf() {
    let mut s = settings();
    s.adc_pod_cidr = Some(net("10.99.254.0/24"));
    let err = plan_err(&s, &cluster(vec![node("a", 1)]));
    assert!(
        err.starts_with("adcPodCidr:") && err.contains("10.244.0.0/16"),
        "{err}"
    );
}

#[test]
fn adc_pod_cidr_overlapping_a_nodes_pod_cidr() {
    let mut s = settings();
    s.adc_pod_cidr = Some(net("10.244.2.0/24"));
    let err = plan_err(&s, &cluster(vec![node("a", 1), node("b", 2)]));
    assert!(
        err.starts_with("adcPodCidr:") && err.contains("node b") && err.contains("10.244.2.0/24"),
        "{err}"
    );
    // A larger adcPodCidr containing a node's range overlaps too.
    s.adc_pod_cidr = Some(net("10.244.0.0/22"));
    s.overlay_ip = None;
    let err = plan_err(&s, &cluster(vec![node("b", 2)]));
    assert!(err.starts_with("adcPodCidr:"), "{err}");
}

#[test]
fn adc_pod_cidr_overlapping_a_skipped_nodes_pod_cidr() {
    // The range is allocated to the node even if this tool cannot plan it (here: broken
    // flannel annotations, or outside nodeSelector): the ADC node must not get it too.
    let mut s = settings();
    s.adc_pod_cidr = Some(net("10.244.2.0/24"));
    let broken = with_backend_data(node("b", 2), "{nope");
    let err = plan_err(&s, &cluster(vec![node("a", 1), broken]));
    assert!(
        err.starts_with("adcPodCidr:") && err.contains("node b"),
        "{err}"
    );

    s.node_selector = Some(LabelSelector::parse("role=worker").unwrap());
    let err = plan_err(&s, &cluster(vec![node("b", 2)]));
    assert!(
        err.starts_with("adcPodCidr:") && err.contains("node b"),
        "{err}"
    );
}

#[test]
fn cluster_cidr_unknown() {
    let facts = ClusterFacts {
        nodes: vec![node("a", 1)],
        ..Default::default()
    };
    let err = plan_err(&settings(), &facts);
    assert!(
        err.starts_with("clusterCidr:") && err.contains("--cluster-cidr"),
        "{err}"
    );
    // Same in routes mode.
    let mut s = routes_settings();
    s.cluster_cidr = None;
    let err = plan_err(&s, &facts);
    assert!(err.starts_with("clusterCidr:"), "{err}");
}

#[test]
fn net_conf_network_that_is_not_a_cidr() {
    let mut facts = cluster(vec![node("a", 1)]);
    facts.net_conf = Some(net_conf("10.244.0.0", None, None));
    let err = plan_err(&settings(), &facts);
    assert!(
        err.contains("kube-flannel/kube-flannel-cfg") && err.contains("clusterCidr"),
        "{err}"
    );
}

#[test]
fn overlay_ip_outside_or_on_the_boundary_of_adc_pod_cidr() {
    for bad in ["10.244.253.1", "10.244.254.0", "10.244.254.255"] {
        let mut s = settings();
        s.overlay_ip = Some(ip(bad));
        let err = plan_err(&s, &cluster(vec![node("a", 1)]));
        assert!(err.starts_with("overlayIp:"), "{bad}: {err}");
    }
}

#[test]
fn a_node_advertising_an_impossible_vni_is_skipped_not_fatal() {
    // A single bad node must never fail the whole run (SPEC §2.3).
    for bad in [0u64, 16_777_216, 1 << 40] {
        let facts = cluster(vec![with_vni(node("weird", 3), bad, 3), node("a", 1)]);
        let d = plan(&settings(), &facts);
        assert_eq!(vni_of(&d), 1, "VNI {bad}");
        assert_eq!(
            diags_of(&d, "weird").len(),
            1,
            "VNI {bad}: {:?}",
            d.diagnostics
        );
        assert_eq!(diags_of(&d, "weird")[0].0, Level::Warning);
        assert_eq!(planned(&d), names(&["a"]));
        // Even when it is the only node.
        let d = plan(
            &settings(),
            &cluster(vec![with_vni(node("weird", 3), bad, 3)]),
        );
        assert_eq!(vni_of(&d), 1);
        assert_eq!(diags_of(&d, "weird")[0].0, Level::Warning);
    }
}

#[test]
fn a_net_conf_vni_that_is_not_a_vni_is_an_input_error_in_vxlan_mode_only() {
    let nodes = vec![with_backend_data(
        node("a", 1),
        r#"{"VtepMAC":"0a:58:0a:f4:01:00"}"#,
    )];
    let mut facts = cluster(nodes);
    facts.net_conf = Some(net_conf("10.244.0.0/16", Some(0), None));
    let err = plan_err(&settings(), &facts);
    assert!(
        err.starts_with("vxlan.id:") && err.contains("net-conf.json"),
        "{err}"
    );
    let mut s = routes_settings();
    s.cluster_cidr = None;
    assert_eq!(plan(&s, &facts).mode, Mode::Routes);
}

#[test]
fn missing_vxlan_settings_are_reported_together() {
    let mut s = settings();
    s.vtep_ip = None;
    s.adc_pod_cidr = None;
    let err = plan_err(&s, &cluster(vec![node("n1", 1)]));
    assert!(err.contains("2 settings are missing"), "{err}");
    assert!(err.contains("vtepIp: required in vxlan mode"), "{err}");
    assert!(err.contains("adcPodCidr: required in vxlan mode"), "{err}");
    s.mode = ModeSetting::Vxlan;
    let err = check_offline(&s).unwrap_err().0;
    assert!(
        err.contains("vtepIp") && err.contains("adcPodCidr"),
        "{err}"
    );
    // One missing: that one alone.
    let mut s = settings();
    s.vtep_ip = None;
    let err = plan_err(&s, &cluster(vec![node("n1", 1)]));
    assert!(err.starts_with("vtepIp: required"), "{err}");
}

#[test]
fn a_vtep_ip_that_is_a_node_address_is_refused() {
    let mut s = settings();
    s.vtep_ip = Some(ip("192.0.2.21"));
    let err = plan_err(&s, &cluster(vec![node("n1", 1)]));
    assert!(
        err.contains("vtepIp: 192.0.2.21 is an address of node n1"),
        "{err}"
    );
}
