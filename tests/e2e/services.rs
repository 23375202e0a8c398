//! Services in, service groups out (SPEC §3): `plan --cluster-file` with Services and
//! EndpointSlices of both versions, and `apply` / `teardown` against the emulator with a real
//! kube-apiserver (1.20: EndpointSlices only as `discovery.k8s.io/v1beta1`), where the frontend
//! vserver is the admin's.

use crate::harness::{Bed, record_matches};
use crate::support::{fixture, netscaler};
use serde_json::{Value, json};

const SNAPSHOT: &str = "services-cluster.yaml";
const MARKER: &str = "managed-by=kubectl-netscaler cluster=prod";

fn plan_snapshot(extra: &[&str]) -> crate::support::Outcome {
    netscaler(&[
        "plan",
        "--mode",
        "routes",
        "--cluster-cidr",
        "10.244.0.0/16",
    ])
    .args(["--cluster-name", "prod", "--cluster-file"])
    .arg(fixture(SNAPSHOT))
    .args(extra)
    .run()
}

#[test]
fn plan_from_a_snapshot_shows_service_groups_members_and_bindings() {
    let out = plan_snapshot(&["-o", "commands"]);
    out.status(0);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "add route 10.244.1.0 255.255.255.0 192.0.2.21",
            "add route 10.244.2.0 255.255.255.0 192.0.2.22",
            "add route 10.244.3.0 255.255.255.0 192.0.2.23",
            &format!("add serviceGroup k8s-prod-shop-api-9090 TCP -comment \"{MARKER}\""),
            &format!("add serviceGroup k8s-prod-shop-web-80 HTTP -comment \"{MARKER}\""),
            // pods: the ready endpoints of the grpc port (v1beta1 slice, no conditions = ready).
            "bind serviceGroup k8s-prod-shop-api-9090 10.244.2.7 9000 -weight 1",
            "bind serviceGroup k8s-prod-shop-api-9090 10.244.3.7 9000 -weight 1",
            // nodeport: the nodes hosting a ready endpoint (n2's endpoint is not ready).
            "bind serviceGroup k8s-prod-shop-web-80 192.0.2.21 30080 -weight 1",
            "bind serviceGroup k8s-prod-shop-web-80 192.0.2.23 30080 -weight 1",
            &format!(
                "add lb vserver vs-api TCP 192.0.2.81 443 -lbMethod ROUNDROBIN -comment \"{MARKER}\""
            ),
            "bind lb vserver vs-api k8s-prod-shop-api-9090",
            "bind lb vserver vs-web k8s-prod-shop-web-80",
        ]
    );
    out.stderr_has("warning: service ops/admin: has several ports (http/80, metrics/9100)");

    let plan = plan_snapshot(&["-o", "json"]);
    plan.status(0);
    let plan = plan.json();
    assert_eq!(
        plan["diagnostics"],
        json!([{
            "level": "warning",
            "service": "ops/admin",
            "reason": "PortRequired",
            "message": "has several ports (http/80, metrics/9100); annotation kubectl-netscaler.io/port must name the one the vserver serves",
        }])
    );
    assert_eq!(plan["scope"]["services"]["marker"], MARKER);

    let table = plan_snapshot(&["-o", "table"]);
    let services: Vec<&str> = table
        .status(0)
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("services ("))
        .take_while(|l| !l.is_empty())
        .map(str::trim_end)
        .collect();
    assert_eq!(
        services,
        [
            "services (2):",
            "SERVICE    SERVICEGROUP             VSERVER            MEMBERS MODE   MEMBERS",
            "shop/api   k8s-prod-shop-api-9090   vs-api (created)   pods           2",
            "shop/web   k8s-prod-shop-web-80     vs-web             nodeport       2",
            // shop/api has no servicetype annotation.
            "note: a group without annotation kubectl-netscaler.io/servicetype takes its vserver's service type once diff or apply read the ADC; until then it shows the port's protocol",
        ],
        "{}",
        table.stdout
    );
    plan_snapshot(&["-o", "wide"])
        .status(0)
        .stdout_has("servicegroup member (4):")
        .stdout_has("k8s-prod-shop-web-80     192.0.2.21   30080   1        shop/web")
        .stdout_has("192.0.2.21:30080,192.0.2.23:30080");

    // A warning for one Service fails the run only with --strict.
    plan_snapshot(&["--strict"]).status(2);

    let off = plan_snapshot(&["--no-services", "-o", "json"]);
    off.status(0);
    let off = off.json();
    assert!(
        off["adc"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["resource"] == "route"),
        "{off:#}"
    );
    assert!(off["diagnostics"].as_array().unwrap().is_empty());
    assert!(off["scope"]["services"].is_null(), "{off:#}");
}

/// The frontend vserver the ADC admin provisioned.
pub(crate) fn admin_vserver() -> Value {
    json!({"name": "vs-web", "servicetype": "HTTP", "ipv46": "192.0.2.80", "port": 80,
           "lbmethod": "LEASTCONNECTION"})
}

/// Service shop/web (NodePort 30080, no selector) and its hand-made v1beta1 slice with ready
/// endpoints on `nodes`.
pub(crate) fn web_manifests(nodes: &[&str]) -> String {
    let endpoints: Vec<Value> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            json!({"addresses": [format!("10.244.{}.{}", &n[n.len() - 1..], 10 + i)],
                   "conditions": {"ready": true},
                   "topology": {"kubernetes.io/hostname": n}})
        })
        .collect();
    json!({"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}},
        {"apiVersion": "v1", "kind": "Service",
         "metadata": {"name": "web", "namespace": "shop", "annotations": {
             "kubectl-netscaler.io/lbvserver": "vs-web",
             "kubectl-netscaler.io/servicetype": "HTTP"}},
         "spec": {"type": "NodePort",
                  "ports": [{"port": 80, "targetPort": 8080, "nodePort": 30080, "protocol": "TCP"}]}},
        {"apiVersion": "discovery.k8s.io/v1beta1", "kind": "EndpointSlice",
         "metadata": {"name": "web-manual", "namespace": "shop",
                      "labels": {"kubernetes.io/service-name": "web"}},
         "addressType": "IPv4",
         "ports": [{"name": "", "port": 8080, "protocol": "TCP"}],
         "endpoints": endpoints},
    ]})
    .to_string()
}

pub(crate) fn records(bed: &Bed, resource: &str) -> Vec<Value> {
    bed.adc.dump()[resource]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// The names of the servers on the ADC, sorted.
pub(crate) fn server_names(bed: &Bed) -> Vec<String> {
    let mut names: Vec<String> = records(bed, "server")
        .iter()
        .filter_map(|r| r["name"].as_str().map(str::to_string))
        .collect();
    names.sort();
    names
}

/// `(ip, port)` of the members of group `group`.
pub(crate) fn members(bed: &Bed, group: &str) -> Vec<(String, String)> {
    let mut m: Vec<_> = records(bed, "servicegroup_servicegroupmember_binding")
        .into_iter()
        .filter(|r| r["servicegroupname"] == group)
        .map(|r| {
            let t = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_string);
            (t(&r["ip"]), t(&r["port"]))
        })
        .collect();
    m.sort();
    m
}

#[test]
fn apply_creates_groups_members_and_binding_and_teardown_removes_them() {
    const GROUP: &str = "k8s-e2e-shop-web-80";
    let bed = Bed::start();
    // The admin's frontend, and a plain service of the admin's on worker-3's address (its
    // server is named after the address, as NITRO names the ones it makes).
    let admin_service = json!({"name": "admin-svc", "servername": "192.0.2.23",
                               "servicetype": "HTTP", "port": 8080});
    bed.load_objects([
        ("lbvserver", admin_vserver()),
        (
            "server",
            json!({"name": "192.0.2.23", "ipaddress": "192.0.2.23"}),
        ),
        ("service", admin_service.clone()),
    ]);
    bed.real()
        .apply(&web_manifests(&["worker-1", "worker-3"]))
        .expect("create the Service and its slice");

    bed.run(&["apply", "--yes"])
        .expect(0)
        .stdout_has(&format!("+ servicegroup servicegroupname={GROUP}"));
    let groups = records(&bed, "servicegroup");
    assert!(
        groups.iter().any(|g| record_matches(
            g,
            &json!({"servicegroupname": GROUP, "servicetype": "HTTP",
                    "comment": "managed-by=kubectl-netscaler cluster=e2e"})
        )),
        "{groups:#?}"
    );
    assert_eq!(server_names(&bed), ["192.0.2.21", "192.0.2.23"]);
    // nodeport: the two nodes hosting an endpoint, with the nodePort.
    assert_eq!(
        members(&bed, GROUP),
        [
            ("192.0.2.21".to_string(), "30080".to_string()),
            ("192.0.2.23".to_string(), "30080".to_string())
        ]
    );
    let bindings = records(&bed, "lbvserver_servicegroup_binding");
    assert!(
        bindings
            .iter()
            .any(|b| record_matches(b, &json!({"name": "vs-web", "servicegroupname": GROUP}))),
        "{bindings:#?}"
    );
    bed.run(&["diff"]).expect(0);

    // The pods move: the member set follows, complete.
    bed.real()
        .apply(&web_manifests(&["worker-2"]))
        .expect("move the endpoints");
    bed.run(&["apply", "--yes"])
        .expect(0)
        .stdout_has("~ members of servicegroup k8s-e2e-shop-web-80: +1 (192.0.2.22:30080), -2 (192.0.2.21:30080, 192.0.2.23:30080) (service shop/web)")
        .stdout_has("- server 192.0.2.21 (NITRO made it for members; no binding uses it any more)");
    assert_eq!(
        members(&bed, GROUP),
        [("192.0.2.22".to_string(), "30080".to_string())]
    );
    // NITRO made a server for each member IP; the ones no binding uses any more went with
    // their members. The admin's service keeps worker-3's.
    assert_eq!(server_names(&bed), ["192.0.2.22", "192.0.2.23"]);

    bed.run(&["teardown", "--yes"]).expect(0);
    assert!(
        records(&bed, "servicegroup")
            .iter()
            .all(|g| g["servicegroupname"] != GROUP),
        "{:#?}",
        records(&bed, "servicegroup")
    );
    assert!(members(&bed, GROUP).is_empty());
    assert!(
        records(&bed, "lbvserver_servicegroup_binding").is_empty(),
        "{:#?}",
        records(&bed, "lbvserver_servicegroup_binding")
    );
    assert_eq!(server_names(&bed), ["192.0.2.23"]);
    let services = records(&bed, "service");
    assert!(
        services.len() == 1 && record_matches(&services[0], &admin_service),
        "{services:#?}"
    );
    // The admin's vserver is not ours: it stays as it was.
    let vservers = records(&bed, "lbvserver");
    assert_eq!(vservers.len(), 1, "{vservers:#?}");
    assert!(record_matches(&vservers[0], &admin_vserver()));
}

/// Without the servicetype annotation a group takes its vserver's type; a Service naming a
/// vserver the ADC does not have is a warning for that Service only, and the run goes on.
#[test]
fn groups_take_the_vservers_type_and_a_missing_vserver_is_a_warning_for_its_service() {
    let bed = Bed::start();
    bed.load_objects([("lbvserver", admin_vserver())]);
    let mut objects: Value = serde_json::from_str(&web_manifests(&["worker-1"])).unwrap();
    let items = objects["items"].as_array_mut().unwrap();
    // shop/web: no servicetype annotation (its port is TCP; its vserver is HTTP).
    items[1]["metadata"]["annotations"]
        .as_object_mut()
        .unwrap()
        .remove("kubectl-netscaler.io/servicetype");
    let mut gone = items[1].clone();
    gone["metadata"]["name"] = json!("gone");
    gone["metadata"]["annotations"] = json!({"kubectl-netscaler.io/lbvserver": "vs-gone"});
    gone["spec"]["ports"][0]["nodePort"] = json!(30081);
    let mut gone_slice = items[2].clone();
    gone_slice["metadata"]["name"] = json!("gone-manual");
    gone_slice["metadata"]["labels"]["kubernetes.io/service-name"] = json!("gone");
    items.push(gone);
    items.push(gone_slice);
    bed.real()
        .apply(&objects.to_string())
        .expect("create the Services and their slices");

    let warning = "warning: service shop/gone: vserver vs-gone (annotation kubectl-netscaler.io/lbvserver) does not exist on the ADC";
    bed.run(&["diff"])
        .expect(1)
        .stdout_has("+ servicegroup servicegroupname=k8s-e2e-shop-web-80 servicetype=HTTP")
        .stdout_lacks("k8s-e2e-shop-gone-80")
        .stderr_has(warning);
    bed.run(&["diff", "--strict"])
        .expect(2)
        .stderr_has("--strict: 1 diagnostics (service shop/gone: VserverMissing)");
    bed.run(&["apply", "--yes"]).expect(0).stderr_has(warning);
    let groups = records(&bed, "servicegroup");
    assert_eq!(groups.len(), 1, "{groups:#?}");
    assert!(record_matches(
        &groups[0],
        &json!({"servicegroupname": "k8s-e2e-shop-web-80", "servicetype": "HTTP"})
    ));
    // The admin creates the vserver: the next run binds a group of its type to it.
    bed.load_objects([(
        "lbvserver",
        json!({"name": "vs-gone", "servicetype": "TCP", "ipv46": "192.0.2.82", "port": 8080}),
    )]);
    bed.run(&["apply", "--yes"])
        .expect(0)
        .stdout_has("+ servicegroup servicegroupname=k8s-e2e-shop-gone-80 servicetype=TCP")
        .stderr_lacks(warning);
    bed.run(&["diff"]).expect(0);
}
