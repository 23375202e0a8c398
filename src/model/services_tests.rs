//! Unit tests of the service side of the desired state (SPEC §3): member modes, ports,
//! endpoints and their readiness, annotations, and what the owned scope covers. The facts are
//! built from Service and EndpointSlice objects as the cluster serves them.

use super::*;
use crate::model::desired::{Desired, Level, ModelSettings, desired};
use crate::model::facts::{ClusterFacts, NetConf, NodeFacts};
use crate::model::object::Value;
use crate::model::scope::OwnedScope;
use k8s_openapi::api::core::v1::Service;
use k8s_openapi::api::discovery::v1::EndpointSlice;
use serde_json::{Value as Json, json};

const MARKER: &str = "managed-by=kubectl-netscaler cluster=prod";

/// Routes-mode settings for cluster `prod` with services on.
fn settings() -> ModelSettings {
    ModelSettings {
        cluster: "prod".into(),
        mode: crate::model::ModeSetting::Routes,
        node_address_type: "InternalIP".into(),
        services: true,
        ..Default::default()
    }
}

/// Node `n<i>`: pod CIDR 10.244.i.0/24, InternalIP 192.0.2.(20+i), Ready.
fn node(i: u8) -> NodeFacts {
    NodeFacts {
        name: format!("n{i}"),
        created: Some(format!("2026-01-10T09:{i:02}:00Z")),
        pod_cidrs: vec![format!("10.244.{i}.0/24")],
        addresses: vec![("InternalIP".into(), format!("192.0.2.{}", 20 + i))],
        ready: Some("True".into()),
        ..Default::default()
    }
}

fn service(name: &str, type_: &str, annotations: Json, ports: Json) -> Service {
    serde_json::from_value(json!({
        "metadata": {"namespace": "shop", "name": name, "annotations": annotations},
        "spec": {"type": type_, "selector": {"app": name}, "ports": ports},
    }))
    .unwrap()
}

/// A NodePort Service `web` (port 80 → target 8080, nodePort 30080) on vserver `vs-web`.
fn web(annotations: Json) -> Service {
    let mut ann = json!({"kubectl-netscaler.io/lbvserver": "vs-web"});
    ann.as_object_mut()
        .unwrap()
        .extend(annotations.as_object().unwrap().clone());
    service(
        "web",
        "NodePort",
        ann,
        json!([{"port": 80, "targetPort": 8080, "nodePort": 30080}]),
    )
}

/// A slice of Service `svc` with unnamed port `port` and endpoints `(address, node, ready)`.
fn slice(svc: &str, name: &str, port: u16, endpoints: &[(&str, &str, Option<bool>)]) -> Json {
    let eps: Vec<Json> = endpoints
        .iter()
        .map(|(a, n, ready)| {
            let mut e = json!({"addresses": [a], "nodeName": n});
            if let Some(r) = ready {
                e["conditions"] = json!({"ready": r});
            }
            e
        })
        .collect();
    json!({
        "metadata": {"namespace": "shop", "name": name,
                     "labels": {"kubernetes.io/service-name": svc}},
        "addressType": "IPv4",
        "ports": [{"port": port}],
        "endpoints": eps,
    })
}

fn facts(nodes: Vec<NodeFacts>, services: &[Service], slices: &[Json]) -> ClusterFacts {
    let slices: Vec<EndpointSlice> = slices
        .iter()
        .map(|s| serde_json::from_value(s.clone()).unwrap())
        .collect();
    ClusterFacts {
        nodes,
        net_conf: Some(NetConf {
            network: Some("10.244.0.0/16".into()),
            ..Default::default()
        }),
        ..Default::default()
    }
    .with_services(services, &slices)
}

fn plan(s: &ModelSettings, f: &ClusterFacts) -> Desired {
    desired(s, f).unwrap()
}

/// The service objects as NetScaler CLI lines.
fn lines(d: &Desired) -> Vec<String> {
    d.adc
        .iter()
        .filter(|o| o.spec().subject == crate::model::SubjectKind::Service)
        .map(AdcObject::cli_add)
        .collect()
}

fn members(d: &Desired) -> Vec<String> {
    d.adc
        .iter()
        .filter(|o| o.kind == ResourceKind::ServicegroupMember)
        .map(|o| format!("{}:{}", o.get("ip").unwrap(), o.get("port").unwrap()))
        .collect()
}

fn diags(d: &Desired) -> Vec<(Level, Option<String>, &'static str)> {
    d.diagnostics
        .iter()
        .map(|x| (x.level, x.subject.service_name(), x.reason))
        .collect()
}

fn three_nodes() -> Vec<NodeFacts> {
    vec![node(1), node(2), node(3)]
}

#[test]
fn nodeport_members_are_the_nodes_hosting_a_ready_endpoint() {
    let f = facts(
        three_nodes(),
        &[web(json!({}))],
        &[slice(
            "web",
            "web-1",
            8080,
            &[
                ("10.244.1.5", "n1", Some(true)),
                ("10.244.1.6", "n1", None),
                ("10.244.3.5", "n3", Some(true)),
                ("10.244.2.5", "n2", Some(false)),
            ],
        )],
    );
    let d = plan(&settings(), &f);
    assert_eq!(
        lines(&d),
        [
            format!("add serviceGroup k8s-prod-shop-web-80 TCP -comment \"{MARKER}\""),
            "bind serviceGroup k8s-prod-shop-web-80 192.0.2.21 30080 -weight 1".into(),
            "bind serviceGroup k8s-prod-shop-web-80 192.0.2.23 30080 -weight 1".into(),
            "bind lb vserver vs-web k8s-prod-shop-web-80".into(),
        ]
    );
    assert!(d.diagnostics.is_empty(), "{:?}", d.diagnostics);
    let group = d
        .adc
        .iter()
        .find(|o| o.kind == ResourceKind::Servicegroup)
        .unwrap();
    assert_eq!(group.subject, Subject::service("shop", "web"));
    // diff, apply and teardown read and remove this cluster's groups.
    let scope = OwnedScope::of(&d);
    assert_eq!(scope.services.unwrap().marker, MARKER);
}

#[test]
fn a_pod_moving_to_another_node_moves_the_member() {
    let before = facts(
        three_nodes(),
        &[web(json!({}))],
        &[slice(
            "web",
            "web-1",
            8080,
            &[("10.244.1.5", "n1", Some(true))],
        )],
    );
    let after = facts(
        three_nodes(),
        &[web(json!({}))],
        &[slice(
            "web",
            "web-1",
            8080,
            &[("10.244.2.9", "n2", Some(true))],
        )],
    );
    assert_eq!(members(&plan(&settings(), &before)), ["192.0.2.21:30080"]);
    assert_eq!(members(&plan(&settings(), &after)), ["192.0.2.22:30080"]);
}

#[test]
fn nodeport_all_members_are_every_eligible_node() {
    let mut skipped = node(4);
    skipped.pod_cidrs.clear();
    let mut nodes = three_nodes();
    nodes.push(skipped);
    let f = facts(
        nodes,
        &[web(json!({"kubectl-netscaler.io/members": "nodeport-all"}))],
        &[slice(
            "web",
            "web-1",
            8080,
            &[("10.244.1.5", "n1", Some(true))],
        )],
    );
    let d = plan(&settings(), &f);
    // n4 has no pod CIDR: skipped, so not a member either.
    assert_eq!(
        members(&d),
        ["192.0.2.21:30080", "192.0.2.22:30080", "192.0.2.23:30080"]
    );
}

#[test]
fn pods_members_are_the_ready_endpoints_with_their_target_port() {
    let api = service(
        "api",
        "ClusterIP",
        json!({"kubectl-netscaler.io/lbvserver": "vs-api", "kubectl-netscaler.io/servicetype": "http"}),
        json!([{"port": 80, "targetPort": "http"}]),
    );
    let f = facts(
        three_nodes(),
        &[api],
        &[slice(
            "api",
            "api-1",
            8081,
            &[
                ("10.244.1.5", "n1", Some(true)),
                ("10.244.2.5", "n2", None),
                ("10.244.3.5", "n3", Some(false)),
            ],
        )],
    );
    let d = plan(&settings(), &f);
    assert_eq!(members(&d), ["10.244.1.5:8081", "10.244.2.5:8081"]);
    assert!(lines(&d)[0].starts_with("add serviceGroup k8s-prod-shop-api-80 HTTP"));
    // The same members in vxlan mode.
    let vxlan = ModelSettings {
        mode: crate::model::ModeSetting::Vxlan,
        vtep_ip: Some("192.0.2.10".parse().unwrap()),
        adc_pod_cidr: Some("10.244.254.0/24".parse().unwrap()),
        ..settings()
    };
    let mut f = f;
    for n in &mut f.nodes {
        n.flannel = [
            ("flannel.alpha.coreos.com/backend-type", "vxlan".to_string()),
            (
                "flannel.alpha.coreos.com/backend-data",
                format!(
                    r#"{{"VNI":1,"VtepMAC":"0a:58:0a:f4:0{}:00"}}"#,
                    &n.name[1..]
                ),
            ),
            (
                "flannel.alpha.coreos.com/public-ip",
                n.addresses[0].1.clone(),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    }
    assert_eq!(
        members(&plan(&vxlan, &f)),
        ["10.244.1.5:8081", "10.244.2.5:8081"]
    );
}

#[test]
fn terminating_endpoints_count_only_while_they_say_they_are_ready() {
    let api = service(
        "api",
        "ClusterIP",
        json!({"kubectl-netscaler.io/lbvserver": "vs-api"}),
        json!([{"port": 80, "targetPort": 8080}]),
    );
    let mut s = slice("api", "api-1", 8080, &[]);
    s["endpoints"] = json!([
        {"addresses": ["10.244.1.5"], "nodeName": "n1",
         "conditions": {"ready": false, "serving": true, "terminating": true}},
        // publishNotReadyAddresses: a terminating endpoint that is still ready.
        {"addresses": ["10.244.1.6"], "nodeName": "n1",
         "conditions": {"ready": true, "serving": true, "terminating": true}},
        {"addresses": ["10.244.1.7"], "nodeName": "n1", "conditions": {}},
    ]);
    let d = plan(&settings(), &facts(three_nodes(), &[api], &[s]));
    assert_eq!(members(&d), ["10.244.1.6:8080", "10.244.1.7:8080"]);
}

#[test]
fn several_ports_need_the_port_annotation() {
    let ports = json!([
        {"name": "http", "port": 80, "targetPort": 8080, "nodePort": 30080},
        {"name": "admin", "port": 9000, "targetPort": 9000, "nodePort": 30900},
    ]);
    let mk = |ann: Json| {
        let mut a = json!({"kubectl-netscaler.io/lbvserver": "vs-web"});
        a.as_object_mut()
            .unwrap()
            .extend(ann.as_object().unwrap().clone());
        service("web", "NodePort", a, ports.clone())
    };
    let mut sl = slice("web", "web-1", 8080, &[("10.244.1.5", "n1", Some(true))]);
    sl["ports"] = json!([{"name": "http", "port": 8080}, {"name": "admin", "port": 9000}]);
    let without = plan(
        &settings(),
        &facts(three_nodes(), &[mk(json!({}))], std::slice::from_ref(&sl)),
    );
    assert!(lines(&without).is_empty());
    assert_eq!(
        diags(&without),
        [(Level::Warning, Some("shop/web".into()), "PortRequired")]
    );
    assert!(
        without.diagnostics[0]
            .message
            .contains("http/80, admin/9000"),
        "{}",
        without.diagnostics[0].message
    );
    for want in ["admin", "9000"] {
        let d = plan(
            &settings(),
            &facts(
                three_nodes(),
                &[mk(json!({"kubectl-netscaler.io/port": want}))],
                std::slice::from_ref(&sl),
            ),
        );
        assert_eq!(
            lines(&d)[1],
            "bind serviceGroup k8s-prod-shop-web-9000 192.0.2.21 30900 -weight 1",
            "{want}"
        );
        assert_eq!(lines(&d).len(), 3);
    }
    let unknown = plan(
        &settings(),
        &facts(
            three_nodes(),
            &[mk(json!({"kubectl-netscaler.io/port": "grpc"}))],
            &[sl],
        ),
    );
    assert!(lines(&unknown).is_empty());
    assert_eq!(diags(&unknown)[0].2, "UnknownServicePort");
}

#[test]
fn a_selectorless_service_takes_the_members_of_its_hand_made_slice() {
    let ext = serde_json::from_value::<Service>(json!({
        "metadata": {"namespace": "shop", "name": "legacy",
                     "annotations": {"kubectl-netscaler.io/lbvserver": "vs-legacy"}},
        "spec": {"ports": [{"port": 443, "protocol": "TCP"}]},
    }))
    .unwrap();
    let mut s = slice("legacy", "legacy-manual", 8443, &[]);
    s["endpoints"] = json!([{"addresses": ["192.0.2.99"]}]);
    let d = plan(&settings(), &facts(three_nodes(), &[ext], &[s]));
    assert_eq!(members(&d), ["192.0.2.99:8443"]);
}

#[test]
fn a_dual_stack_service_plans_its_ipv4_endpoints_and_reports_the_ipv6_ones() {
    let api = service(
        "api",
        "ClusterIP",
        json!({"kubectl-netscaler.io/lbvserver": "vs-api"}),
        json!([{"port": 80, "targetPort": 8080}]),
    );
    let v4 = slice("api", "api-v4", 8080, &[("10.244.1.5", "n1", Some(true))]);
    let mut v6 = slice(
        "api",
        "api-v6",
        8080,
        &[("fd00:10:244:1::5", "n1", Some(true))],
    );
    v6["addressType"] = json!("IPv6");
    let d = plan(&settings(), &facts(three_nodes(), &[api], &[v4, v6]));
    assert_eq!(members(&d), ["10.244.1.5:8080"]);
    assert_eq!(
        diags(&d),
        [(Level::Warning, Some("shop/api".into()), "IPv6Endpoints")]
    );
    assert!(d.diagnostics[0].message.contains("fd00:10:244:1::5"));
}

#[test]
fn removing_the_annotation_desires_nothing_but_keeps_the_groups_in_scope() {
    let plain = service(
        "web",
        "NodePort",
        json!({}),
        json!([{"port": 80, "nodePort": 30080}]),
    );
    let d = plan(&settings(), &facts(three_nodes(), &[plain], &[]));
    assert!(lines(&d).is_empty());
    assert!(d.diagnostics.is_empty());
    // So diff and apply remove the group the Service had.
    assert!(OwnedScope::of(&d).services.is_some());
}

#[test]
fn malformed_annotations_are_diagnostics_for_that_service_only() {
    let bad = |name: &str, ann: Json| {
        let mut a = json!({"kubectl-netscaler.io/lbvserver": "vs"});
        a.as_object_mut()
            .unwrap()
            .extend(ann.as_object().unwrap().clone());
        service(name, "ClusterIP", a, json!([{"port": 80}]))
    };
    let services = [
        bad("a", json!({"kubectl-netscaler.io/members": "everything"})),
        bad("b", json!({"kubectl-netscaler.io/vip": "192.0.2.80"})),
        bad(
            "c",
            json!({"kubectl-netscaler.io/servicetype": "CARRIER_PIGEON"}),
        ),
        bad("d", json!({"kubectl-netscaler.io/lbvserver": "-bad name/"})),
        // Contradictory: node ports on a ClusterIP Service.
        bad("e", json!({"kubectl-netscaler.io/members": "nodeport"})),
        bad("ok", json!({})),
    ];
    let d = plan(&settings(), &facts(three_nodes(), &services, &[]));
    assert_eq!(
        diags(&d),
        [
            (Level::Warning, Some("shop/a".into()), "InvalidAnnotation"),
            (Level::Warning, Some("shop/b".into()), "InvalidAnnotation"),
            (Level::Warning, Some("shop/c".into()), "InvalidAnnotation"),
            (Level::Warning, Some("shop/d".into()), "InvalidAnnotation"),
            (Level::Warning, Some("shop/e".into()), "NoNodePort"),
        ]
    );
    assert!(
        d.diagnostics[0]
            .message
            .contains("kubectl-netscaler.io/members")
    );
    assert_eq!(
        lines(&d),
        [
            format!("add serviceGroup k8s-prod-shop-ok-80 TCP -comment \"{MARKER}\""),
            "bind lb vserver vs k8s-prod-shop-ok-80".to_string(),
        ]
    );
}

#[test]
fn a_vip_creates_a_roundrobin_vserver_marked_as_ours() {
    let f = facts(
        three_nodes(),
        &[web(json!({"kubectl-netscaler.io/vip": "192.0.2.80:80",
                     "kubectl-netscaler.io/servicetype": "HTTP"}))],
        &[],
    );
    let d = plan(&settings(), &f);
    assert_eq!(
        lines(&d),
        [
            format!("add serviceGroup k8s-prod-shop-web-80 HTTP -comment \"{MARKER}\""),
            format!(
                "add lb vserver vs-web HTTP 192.0.2.80 80 -lbMethod ROUNDROBIN -comment \"{MARKER}\""
            ),
            "bind lb vserver vs-web k8s-prod-shop-web-80".into(),
        ]
    );
}

#[test]
fn no_services_or_services_not_read_leave_service_groups_alone() {
    let f = facts(three_nodes(), &[web(json!({}))], &[]);
    let off = ModelSettings {
        services: false,
        ..settings()
    };
    let d = plan(&off, &f);
    assert!(lines(&d).is_empty());
    assert_eq!(OwnedScope::of(&d).services, None);
    let unread = ClusterFacts {
        services_read: false,
        ..f
    };
    let d = plan(&settings(), &unread);
    assert!(lines(&d).is_empty());
    assert_eq!(OwnedScope::of(&d).services, None);
}

#[test]
fn long_group_names_are_shortened_with_a_hash() {
    assert_eq!(
        group_name("prod", "default", "web", 80),
        "k8s-prod-default-web-80"
    );
    let long = "s".repeat(63);
    let name = group_name("prod", &"n".repeat(63), &long, 8080);
    assert_eq!(name.len(), 127);
    let full = format!("k8s-prod-{}-{long}-8080", "n".repeat(63));
    let hash = hex::encode(Sha256::digest(full.as_bytes()));
    assert_eq!(name, format!("{}-{}", &full[..118], &hash[..8]));
    assert_eq!(
        Value::Text(name.clone()),
        AdcObject::servicegroup(&name, "TCP", MARKER).key().values[0]
    );
}

#[test]
fn services_sharing_a_created_vserver_create_it_once_and_conflicting_ones_are_reported() {
    let vip = |name: &str, vip: &str| {
        service(
            name,
            "ClusterIP",
            json!({"kubectl-netscaler.io/lbvserver": "vs-shared", "kubectl-netscaler.io/vip": vip}),
            json!([{"port": 80}]),
        )
    };
    let d = plan(
        &settings(),
        &facts(
            three_nodes(),
            &[
                vip("a", "192.0.2.80:80"),
                vip("b", "192.0.2.80:80"),
                vip("c", "192.0.2.99:80"),
            ],
            &[],
        ),
    );
    let vservers: Vec<_> = d
        .adc
        .iter()
        .filter(|o| o.kind == ResourceKind::Lbvserver)
        .collect();
    assert_eq!(vservers.len(), 1);
    assert_eq!(vservers[0].get("ipv46").unwrap().to_string(), "192.0.2.80");
    let bindings: Vec<_> = d
        .adc
        .iter()
        .filter(|o| o.kind == ResourceKind::LbvserverBinding)
        .map(|o| o.get("servicegroupname").unwrap().to_string())
        .collect();
    assert_eq!(bindings, ["k8s-prod-shop-a-80", "k8s-prod-shop-b-80"]);
    assert_eq!(
        diags(&d),
        [(Level::Warning, Some("shop/c".into()), "ConflictingVserver")]
    );
    assert_eq!(
        d.planned_services
            .iter()
            .map(|p| p.group.as_str())
            .collect::<Vec<_>>(),
        ["k8s-prod-shop-a-80", "k8s-prod-shop-b-80"]
    );
}

/// Two Services on the admin's vserver `vs-web` (HTTP), a third on a vserver nobody made.
fn on_vservers() -> Desired {
    let api = service(
        "api",
        "ClusterIP",
        json!({"kubectl-netscaler.io/lbvserver": "vs-web",
               "kubectl-netscaler.io/servicetype": "TCP"}),
        json!([{"port": 9090, "targetPort": 9000}]),
    );
    let gone = service(
        "gone",
        "ClusterIP",
        json!({"kubectl-netscaler.io/lbvserver": "vs-gone"}),
        json!([{"port": 80, "targetPort": 8080}]),
    );
    let f = facts(
        three_nodes(),
        &[web(json!({})), api, gone],
        &[
            slice("web", "web-1", 8080, &[("10.244.1.5", "n1", Some(true))]),
            slice("api", "api-1", 9000, &[("10.244.2.5", "n2", Some(true))]),
            slice("gone", "gone-1", 8080, &[("10.244.3.5", "n3", Some(true))]),
        ],
    );
    plan(&settings(), &f)
}

#[test]
fn the_group_takes_its_vservers_type_and_a_missing_or_mismatched_vserver_is_a_diagnostic() {
    let mut d = on_vservers();
    // Offline (no ADC read): the port protocol stands in for the vserver's type.
    assert!(
        lines(&d).contains(&format!(
            "add serviceGroup k8s-prod-shop-web-80 TCP -comment \"{MARKER}\""
        )),
        "{:?}",
        lines(&d)
    );
    assert_eq!(d.planned_services.len(), 3);
    let vservers: BTreeMap<String, String> = [("vs-web".to_string(), "HTTP".to_string())].into();
    resolve_vservers(&mut d, &vservers, &BTreeSet::new());
    assert_eq!(
        lines(&d),
        [
            format!("add serviceGroup k8s-prod-shop-web-80 HTTP -comment \"{MARKER}\""),
            "bind serviceGroup k8s-prod-shop-web-80 192.0.2.21 30080 -weight 1".to_string(),
            "bind lb vserver vs-web k8s-prod-shop-web-80".to_string(),
        ]
    );
    let planned: Vec<_> = d
        .planned_services
        .iter()
        .map(|p| p.group.as_str())
        .collect();
    assert_eq!(planned, ["k8s-prod-shop-web-80"]);
    let mut got: Vec<_> = d
        .diagnostics
        .iter()
        .map(|x| {
            (
                x.subject.service_name().unwrap(),
                x.reason,
                x.message.clone(),
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            (
                "shop/api".to_string(),
                "ServiceTypeMismatch",
                "annotation kubectl-netscaler.io/servicetype is TCP but vserver vs-web is HTTP: the ADC binds only a group of the vserver's type; drop the annotation to take the vserver's type, or correct it".to_string()
            ),
            (
                "shop/gone".to_string(),
                "VserverMissing",
                "vserver vs-gone (annotation kubectl-netscaler.io/lbvserver) does not exist on the ADC: ask the ADC admin to create it, or set annotation kubectl-netscaler.io/vip IP:PORT for the tool to create it".to_string()
            ),
        ]
    );
    assert!(d.diagnostics.iter().all(|x| x.level == Level::Warning));
}

#[test]
fn a_vip_vserver_is_created_only_when_missing_and_an_existing_one_of_the_admin_is_used() {
    let svc = |vip: &str| {
        web(json!({"kubectl-netscaler.io/vip": vip, "kubectl-netscaler.io/servicetype": "HTTP"}))
    };
    let f = facts(
        three_nodes(),
        &[svc("192.0.2.80:80")],
        &[slice(
            "web",
            "web-1",
            8080,
            &[("10.244.1.5", "n1", Some(true))],
        )],
    );
    let created = |d: &Desired| d.adc.iter().any(|o| o.kind == ResourceKind::Lbvserver);
    // Missing: created.
    let mut d = plan(&settings(), &f);
    resolve_vservers(&mut d, &BTreeMap::new(), &BTreeSet::new());
    assert!(created(&d));
    // There and ours (created before): still desired, so it stays as it is.
    let there: BTreeMap<String, String> = [("vs-web".to_string(), "HTTP".to_string())].into();
    let mut d = plan(&settings(), &f);
    resolve_vservers(&mut d, &there, &["vs-web".to_string()].into());
    assert!(created(&d));
    assert!(d.planned_services[0].creates_vserver);
    // There and the admin's: used as it is, never taken over.
    let mut d = plan(&settings(), &f);
    resolve_vservers(&mut d, &there, &BTreeSet::new());
    assert!(!created(&d));
    assert!(!d.planned_services[0].creates_vserver);
    assert!(lines(&d).contains(&"bind lb vserver vs-web k8s-prod-shop-web-80".to_string()));
    assert!(d.diagnostics.is_empty(), "{:?}", d.diagnostics);

    // A second Service on the vserver the first has created in the same run: bound to it.
    let api = service(
        "api",
        "ClusterIP",
        json!({"kubectl-netscaler.io/lbvserver": "vs-web"}),
        json!([{"port": 9090, "targetPort": 9000}]),
    );
    let f = facts(
        three_nodes(),
        &[svc("192.0.2.80:80"), api],
        &[
            slice("web", "web-1", 8080, &[("10.244.1.5", "n1", Some(true))]),
            slice("api", "api-1", 9000, &[("10.244.2.5", "n2", Some(true))]),
        ],
    );
    let mut d = plan(&settings(), &f);
    resolve_vservers(&mut d, &BTreeMap::new(), &BTreeSet::new());
    assert!(created(&d));
    assert!(d.diagnostics.is_empty(), "{:?}", d.diagnostics);
    assert!(
        lines(&d).contains(&format!(
            "add serviceGroup k8s-prod-shop-api-9090 HTTP -comment \"{MARKER}\""
        )),
        "{:?}",
        lines(&d)
    );
}

#[test]
fn pod_members_on_a_node_left_out_for_a_foreign_conflict_go_with_it() {
    let api = service(
        "api",
        "ClusterIP",
        json!({"kubectl-netscaler.io/lbvserver": "vs-api"}),
        json!([{"port": 9090, "targetPort": 9000}]),
    );
    let f = facts(
        three_nodes(),
        &[web(json!({})), api],
        &[
            slice(
                "web",
                "web-1",
                8080,
                &[
                    ("10.244.1.5", "n1", Some(true)),
                    ("10.244.2.5", "n2", Some(true)),
                ],
            ),
            slice(
                "api",
                "api-1",
                9000,
                &[
                    ("10.244.1.7", "n1", Some(true)),
                    ("10.244.2.7", "n2", Some(true)),
                ],
            ),
        ],
    );
    let mut d = plan(&settings(), &f);
    let conflicts = crate::model::ForeignConflicts {
        nodes: ["n2".to_string()].into(),
        diagnostics: Vec::new(),
    };
    d.exclude_foreign_conflicts(conflicts);
    // pods: the ADC reaches n2's pods only through n2's route, which is not planned; nodeport
    // members are reached on the node network and stay.
    assert_eq!(
        members(&d),
        ["10.244.1.7:9000", "192.0.2.21:30080", "192.0.2.22:30080"]
    );
}
