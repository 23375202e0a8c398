//! The in-cluster deployment (deploy/watch.yaml) against a real kube-apiserver: the manifest is
//! accepted as shipped, its Deployment is a hardened leader/standby pair whose probes, mounts
//! and settings fit together, its ServiceAccount may do what the controller needs and nothing
//! more, and with that identity the product runs against the emulated ADC. Also the Events the
//! controller records (src/watch/events.rs) on a real API server, with the same identity.

use crate::harness::{self, Bed};
use crate::support::{netscaler, root};
use kubectl_netscaler::watch::events::{self, EventReporter, Outcome};
use netscaler_testbed::realapi::RealApiServer;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;

const SERVICE_ACCOUNT: &str = "system:serviceaccount:kube-system:kubectl-netscaler";

fn manifest_path() -> PathBuf {
    root().join("deploy/watch.yaml")
}

fn shipped_manifest() -> String {
    std::fs::read_to_string(manifest_path()).expect("deploy/watch.yaml")
}

/// The objects of deploy/watch.yaml as the API server would store them
/// (`kubectl apply --dry-run=server -o json`).
fn dry_run(api: &RealApiServer) -> Vec<Value> {
    let out = api
        .kubectl_as(
            &api.admin_kubeconfig(),
            &["apply", "--dry-run=server", "-o", "json", "-f", "-"],
            Some(&shipped_manifest()),
        )
        .unwrap_or_else(|e| panic!("the API server refused deploy/watch.yaml: {e:#}"));
    let doc: Value = serde_json::from_str(&out).expect("kubectl output is JSON");
    match doc["items"].as_array() {
        Some(items) => items.clone(),
        None => vec![doc],
    }
}

fn find<'a>(objects: &'a [Value], kind: &str, name: &str) -> &'a Value {
    objects
        .iter()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("deploy/watch.yaml has no {kind} {name}"))
}

/// The value following `flag` in a container's args.
fn arg<'a>(args: &'a [Value], flag: &str) -> &'a str {
    let i = args
        .iter()
        .position(|a| a == flag)
        .unwrap_or_else(|| panic!("no {flag} in {args:?}"));
    args[i + 1].as_str().expect("string arg")
}

/// The mountPath of volume `volume` in `container`.
fn mount_path<'a>(container: &'a Value, volume: &str) -> &'a str {
    container["volumeMounts"]
        .as_array()
        .expect("volumeMounts")
        .iter()
        .find(|m| m["name"] == volume)
        .unwrap_or_else(|| panic!("volume {volume} is not mounted"))["mountPath"]
        .as_str()
        .expect("mountPath")
}

#[test]
fn the_manifest_is_accepted_and_its_deployment_fits_together() {
    let api = RealApiServer::start().expect("real API server");
    let objects = dry_run(&api);
    for (kind, name) in [
        ("Namespace", "kube-system"),
        ("ServiceAccount", "kubectl-netscaler"),
        ("ClusterRole", "kubectl-netscaler-watch"),
        ("ClusterRoleBinding", "kubectl-netscaler-watch"),
        ("Role", "kubectl-netscaler-watch"),
        ("RoleBinding", "kubectl-netscaler-watch"),
        ("ConfigMap", "kubectl-netscaler-settings"),
        ("Deployment", "kubectl-netscaler"),
    ] {
        find(&objects, kind, name);
    }
    assert!(
        objects.iter().all(|o| o["kind"] != "Secret"),
        "the manifest must not ship credentials"
    );

    let deploy = find(&objects, "Deployment", "kubectl-netscaler");
    assert_eq!(deploy["metadata"]["namespace"], "kube-system");
    assert_eq!(deploy["spec"]["replicas"], 2, "a leader and a standby");
    let pod = &deploy["spec"]["template"]["spec"];
    assert_eq!(pod["serviceAccountName"], "kubectl-netscaler");
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
    assert_eq!(pod["securityContext"]["runAsUser"], 65532);
    let containers = pod["containers"].as_array().expect("containers");
    assert_eq!(containers.len(), 1);
    let c = &containers[0];

    let args = c["args"].as_array().expect("args");
    assert_eq!(args[0], "watch");
    assert_eq!(arg(args, "--metrics-addr"), "0.0.0.0:9100");
    assert_eq!(arg(args, "--log-format"), "json");

    let ports = c["ports"].as_array().expect("ports");
    assert_eq!(ports.len(), 1);
    assert_eq!(ports[0]["containerPort"], 9100);
    let port_name = ports[0]["name"]
        .as_str()
        .expect("the metrics port is named");
    for (probe, path) in [("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")] {
        let get = &c[probe]["httpGet"];
        assert_eq!(get["path"], path, "{probe}");
        assert!(
            get["port"] == port_name || get["port"] == 9100,
            "{probe} port {} is not the metrics port",
            get["port"]
        );
    }

    let sc = &c["securityContext"];
    assert_eq!(sc["allowPrivilegeEscalation"], false);
    assert_eq!(sc["readOnlyRootFilesystem"], true);
    assert_eq!(sc["capabilities"]["drop"], serde_json::json!(["ALL"]));
    assert!(sc["runAsUser"].is_null() || sc["runAsUser"] == 65532);
    for kind in ["requests", "limits"] {
        for res in ["cpu", "memory"] {
            assert!(
                c["resources"][kind][res].is_string(),
                "no {kind}.{res}: {}",
                c["resources"]
            );
        }
    }

    // --config names the ConfigMap's key where the ConfigMap is mounted.
    let volumes = pod["volumes"].as_array().expect("volumes");
    let volume_of = |pred: &dyn Fn(&Value) -> bool| {
        volumes
            .iter()
            .find(|v| pred(v))
            .and_then(|v| v["name"].as_str())
            .expect("volume")
            .to_string()
    };
    let settings_volume = volume_of(&|v| v["configMap"]["name"] == "kubectl-netscaler-settings");
    let config = Path::new(arg(args, "--config"));
    assert_eq!(
        config.parent().unwrap(),
        Path::new(mount_path(c, &settings_volume))
    );
    let key = config.file_name().unwrap().to_str().unwrap();
    let cm = find(&objects, "ConfigMap", "kubectl-netscaler-settings");
    let text = cm["data"][key]
        .as_str()
        .unwrap_or_else(|| panic!("the ConfigMap has no key {key}"));

    // The settings parse with the product's loader, and the password file they name is the
    // `password` key of the mounted credentials Secret.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(key);
    std::fs::write(&file, text).unwrap();
    let settings = kubectl_netscaler::settings::read_config_file(&file)
        .unwrap_or_else(|e| panic!("the shipped settings do not parse: {e}\n{text}"));
    assert_eq!(settings.cluster.as_deref(), Some("prod"));
    let creds_volume = volume_of(&|v| v["secret"]["secretName"] == "netscaler-credentials");
    assert_eq!(
        settings.adc.password_file.as_deref(),
        Some(
            Path::new(mount_path(c, &creds_volume))
                .join("password")
                .as_path()
        )
    );
    assert!(settings.adc.url.is_some());
    let env = c["env"].as_array().expect("env");
    let user = env
        .iter()
        .find(|e| e["name"] == "NETSCALER_USERNAME")
        .expect("NETSCALER_USERNAME");
    assert_eq!(
        user["valueFrom"]["secretKeyRef"],
        serde_json::json!({"name": "netscaler-credentials", "key": "username"})
    );
}

/// `kubectl auth can-i` as the ServiceAccount: `yes` (exit 0) or `no` (exit 1).
fn can_i(api: &RealApiServer, args: &[&str]) -> bool {
    let mut all = vec!["auth", "can-i"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--as", SERVICE_ACCOUNT]);
    match api.kubectl(&all) {
        Ok(out) => {
            assert_eq!(out.trim(), "yes", "{args:?}");
            true
        }
        Err(e) => {
            let e = e.to_string();
            assert!(e.contains("exit status: 1"), "{args:?}: {e}");
            false
        }
    }
}

#[test]
fn the_service_account_may_do_what_watch_needs_and_nothing_more() {
    let api = RealApiServer::start().expect("real API server");
    api.apply(&shipped_manifest())
        .expect("kubectl apply -f deploy/watch.yaml");
    let mut denied = Vec::new();
    for verb in ["get", "list", "watch", "create", "patch", "delete"] {
        if !can_i(&api, &[verb, "nodes"]) {
            denied.push(format!("{verb} nodes"));
        }
    }
    for ns in ["kube-flannel", "kube-system"] {
        for verb in ["get", "list", "watch"] {
            if !can_i(&api, &[verb, "configmaps/kube-flannel-cfg", "-n", ns]) {
                denied.push(format!("{verb} configmaps/kube-flannel-cfg -n {ns}"));
            }
        }
    }
    for res in ["services", "endpointslices.discovery.k8s.io"] {
        for verb in ["get", "list", "watch"] {
            if !can_i(&api, &[verb, res, "--all-namespaces"]) {
                denied.push(format!("{verb} {res} -A"));
            }
        }
    }
    let mut lease = vec![vec!["create", "leases", "-n", "kube-system"]];
    for verb in ["get", "update", "delete"] {
        lease.push(vec![verb, "leases/kubectl-netscaler", "-n", "kube-system"]);
    }
    for verb in ["create", "patch"] {
        lease.push(vec![verb, "events.events.k8s.io", "-n", "kube-system"]);
    }
    // Routes mode: the record of the applied scope (cluster prod in the shipped settings).
    lease.push(vec!["create", "configmaps", "-n", "kube-system"]);
    for verb in ["get", "patch", "delete"] {
        lease.push(vec![
            verb,
            "configmaps/kubectl-netscaler-prod",
            "-n",
            "kube-system",
        ]);
    }
    for args in &lease {
        if !can_i(&api, args) {
            denied.push(args.join(" "));
        }
    }
    assert!(denied.is_empty(), "the ServiceAccount may not: {denied:?}");

    let forbidden: &[&[&str]] = &[
        &["list", "secrets", "--all-namespaces"],
        &["get", "secrets/netscaler-credentials", "-n", "kube-system"],
        &["update", "leases/kube-scheduler", "-n", "kube-system"],
        &["get", "leases/kube-controller-manager", "-n", "kube-system"],
        &["delete", "leases/kube-scheduler", "-n", "kube-system"],
        &["list", "leases", "-n", "kube-system"],
        &["list", "pods", "--all-namespaces"],
        &["create", "pods", "-n", "kube-system"],
        &["update", "deployments.apps", "-n", "kube-system"],
        &["delete", "deployments.apps", "-n", "kube-system"],
        &["get", "configmaps/coredns", "-n", "kube-system"],
        &["patch", "configmaps/coredns", "-n", "kube-system"],
        &[
            "delete",
            "configmaps/kubectl-netscaler-settings",
            "-n",
            "kube-system",
        ],
        &["create", "configmaps", "-n", "default"],
        &["list", "configmaps", "-n", "kube-system"],
        &[
            "update",
            "configmaps/kube-flannel-cfg",
            "-n",
            "kube-flannel",
        ],
        &["update", "nodes"],
        &["create", "services", "-n", "default"],
        &["delete", "endpointslices.discovery.k8s.io", "-n", "default"],
        &["delete", "events.events.k8s.io", "-n", "kube-system"],
        &["create", "events.events.k8s.io", "-n", "default"],
        &[
            "create",
            "rolebindings.rbac.authorization.k8s.io",
            "-n",
            "kube-system",
        ],
        &["create", "serviceaccounts/token", "-n", "kube-system"],
        &["impersonate", "users"],
    ];
    let allowed: Vec<String> = forbidden
        .iter()
        .filter(|args| can_i(&api, args))
        .map(|args| args.join(" "))
        .collect();
    assert!(
        allowed.is_empty(),
        "the ServiceAccount may also: {allowed:?}"
    );
}

/// A kubeconfig acting as the ServiceAccount: the admin's credentials impersonating it.
fn service_account_kubeconfig(api: &RealApiServer) -> PathBuf {
    let admin = std::fs::read_to_string(api.admin_kubeconfig()).expect("admin kubeconfig");
    assert!(
        admin.rfind("users:") > admin.rfind("contexts:"),
        "unexpected kubeconfig layout:\n{admin}"
    );
    let path = api.dir().join("service-account.kubeconfig");
    std::fs::write(
        &path,
        format!("{}\n    as: {SERVICE_ACCOUNT}\n", admin.trim_end()),
    )
    .expect("write the kubeconfig");
    assert!(
        api.kubectl_as(&path, &["get", "secrets", "-n", "kube-system"], None)
            .is_err(),
        "the impersonating kubeconfig still acts as admin"
    );
    path
}

/// The shipped settings file, taken out of the ConfigMap.
fn shipped_settings(dir: &Path) -> PathBuf {
    let manifest = shipped_manifest();
    let start = manifest
        .find("  netscaler.yaml: |\n")
        .expect("settings key in the ConfigMap")
        + "  netscaler.yaml: |\n".len();
    let text: String = manifest[start..]
        .lines()
        .take_while(|l| l.starts_with("    "))
        .map(|l| format!("{}\n", &l[4..]))
        .collect();
    let path = dir.join("netscaler.yaml");
    std::fs::write(&path, text).expect("write settings");
    path
}

#[test]
fn plan_diff_apply_teardown_run_as_the_service_account_with_the_shipped_settings() {
    let bed = Bed::start();
    let api = bed.real();
    api.apply(&shipped_manifest())
        .expect("kubectl apply -f deploy/watch.yaml");
    let kubeconfig = service_account_kubeconfig(api);
    let settings = shipped_settings(bed.dir.path());
    let password = bed.dir.path().join("password");
    std::fs::write(&password, harness::PASSWORD).unwrap();
    let run = |args: &[&str], code: i32| {
        netscaler(args)
            .arg("--kubeconfig")
            .arg(&kubeconfig)
            .arg("--config")
            .arg(&settings)
            .args(["--adc-url", &bed.adc.url()])
            .arg("--adc-password-file")
            .arg(&password)
            .expect(code)
    };
    run(&["plan"], 0).stdout_has("10.244.1.0");
    run(&["diff"], 1).stdout_has("+ node netscaler-prod");
    run(&["apply", "--yes"], 0);
    run(&["diff"], 0).stdout_has("No changes");
    bed.assert_converged(&bed.nodes);
    let cidr = bed.kubectl(&[
        "get",
        "node",
        "netscaler-prod",
        "-o",
        "jsonpath={.spec.podCIDR}",
    ]);
    assert_eq!(cidr.trim(), harness::ADC_POD_CIDR);
    run(&["teardown", "--yes"], 0);
    harness::assert_owned_exactly(&bed.adc.dump(), &[]);
    assert!(
        api.kubectl(&["get", "node", "netscaler-prod"]).is_err(),
        "teardown removed the ADC node"
    );
}

/// The controller's Events in `kube-system` about `node`, as `(type, reason, note, count)`.
fn node_events(api: &RealApiServer, node: &str) -> Vec<(String, String, String, i64)> {
    let out = api
        .kubectl(&[
            "get",
            "events.events.k8s.io",
            "-n",
            "kube-system",
            "-o",
            "json",
        ])
        .expect("list events");
    let list: Value = serde_json::from_str(&out).expect("event list");
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["regarding"]["name"] == node && e["regarding"]["kind"] == "Node")
        .map(|e| {
            assert_eq!(e["reportingController"], events::CONTROLLER);
            assert_eq!(e["reportingInstance"], "watch-0");
            (
                e["type"].as_str().unwrap_or_default().to_string(),
                e["reason"].as_str().unwrap_or_default().to_string(),
                e["note"].as_str().unwrap_or_default().to_string(),
                e["series"]["count"].as_i64().unwrap_or(1),
            )
        })
        .collect()
}

/// A short rate-limit window, so the test can wait one out.
const WINDOW: Duration = Duration::from_secs(2);

#[test]
fn events_are_recorded_on_the_adc_node_once_per_window_without_secrets() {
    let api = RealApiServer::start().expect("real API server");
    api.apply(&shipped_manifest())
        .expect("kubectl apply -f deploy/watch.yaml");
    api.apply(
        "apiVersion: v1\nkind: Node\nmetadata:\n  name: netscaler-prod\nspec:\n  unschedulable: true\n",
    )
    .expect("the ADC node");
    let kubeconfig = service_account_kubeconfig(&api);

    let _ = rustls::crypto::ring::default_provider().install_default();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let config = kube::Config::from_custom_kubeconfig(
            kube::config::Kubeconfig::read_from(&kubeconfig).expect("kubeconfig"),
            &kube::config::KubeConfigOptions::default(),
        )
        .await
        .expect("client config");
        let client = kube::Client::try_from(config).expect("client");
        let reporter = EventReporter::new(
            client,
            events::node_reference("netscaler-prod"),
            Some("watch-0".into()),
        )
        .with_window(WINDOW);
        let summary = "3 changes (2 add, 1 delete) in 2 NITRO calls";
        assert_eq!(reporter.changed(summary).await.expect("event"), Outcome::Published);
        assert_eq!(
            reporter.changed(summary).await.expect("event"),
            Outcome::RateLimited,
            "a second identical Event within the window"
        );
        assert_eq!(
            reporter.changed("1 change (1 update)").await.expect("event"),
            Outcome::RateLimited,
            "a second Event of the same reason within the window"
        );
        assert_eq!(
            reporter
                .error("login to https://nsroot:hunter2@192.0.2.1/nitro/v1/config/login failed: password=hunter2")
                .await
                .expect("event"),
            Outcome::Published,
            "another reason has its own window"
        );
        // After the window the same summary is a repetition of the first Event.
        tokio::time::sleep(WINDOW + Duration::from_millis(100)).await;
        assert_eq!(reporter.changed(summary).await.expect("event"), Outcome::Published);
    });

    // `kubectl describe node` finds them.
    let described = api
        .kubectl(&["describe", "node", "netscaler-prod"])
        .expect("describe node");
    for needle in ["Reconciled", "ReconcileFailed", "x2"] {
        assert!(
            described.contains(needle),
            "describe lacks {needle}:\n{described}"
        );
    }
    let mut got = node_events(&api, "netscaler-prod");
    got.sort();
    assert_eq!(
        got,
        vec![
            (
                "Normal".to_string(),
                events::REASON_RECONCILED.to_string(),
                "3 changes (2 add, 1 delete) in 2 NITRO calls".to_string(),
                2
            ),
            (
                "Warning".to_string(),
                events::REASON_FAILED.to_string(),
                "login to https://192.0.2.1/nitro/v1/config/login failed: password=***".to_string(),
                1
            ),
        ]
    );
}

/// `watch` as the Deployment runs it: the ServiceAccount's identity, the shipped settings and
/// the Deployment's arguments. It converges the ADC, records its Events and Lease, is never
/// refused anything, and stops cleanly.
#[test]
fn watch_runs_as_the_service_account_with_the_deployments_arguments() {
    let bed = Bed::start();
    let api = bed.real();
    api.apply(&shipped_manifest())
        .expect("kubectl apply -f deploy/watch.yaml");
    let objects = dry_run(api);
    let deployment = find(&objects, "Deployment", "kubectl-netscaler");
    let container = &deployment["spec"]["template"]["spec"]["containers"][0];
    let args: Vec<Value> = container["args"].as_array().cloned().unwrap_or_default();
    assert_eq!(
        args.first().and_then(Value::as_str),
        Some("watch"),
        "{args:?}"
    );
    let kubeconfig = service_account_kubeconfig(api);
    let settings = shipped_settings(bed.dir.path());
    let password = bed.dir.path().join("password");
    std::fs::write(&password, harness::PASSWORD).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut cmd = std::process::Command::new(crate::support::bin());
    cmd.arg("watch")
        .args(["--log-format", arg(&args, "--log-format")])
        .args(["--metrics-addr", &format!("127.0.0.1:{port}")])
        .arg("--kubeconfig")
        .arg(&kubeconfig)
        .arg("--config")
        .arg(&settings)
        .args(["--adc-url", &bed.adc.url()])
        .arg("--adc-password-file")
        .arg(&password)
        .env_remove("NETSCALER_PASSWORD")
        .env_remove("KUBECONFIG")
        .env("HOME", bed.dir.path())
        // As the Deployment sets it from the pod's name (the downward API).
        .env("POD_NAME", "watch-0")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("spawn watch");
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let converged = || {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            harness::assert_owned_exactly(&bed.adc.dump(), &harness::expected_adc(&bed.nodes))
        }))
        .is_ok()
    };
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    while !(converged() && bed.node("netscaler-prod").is_some()) {
        if std::time::Instant::now() > deadline || child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    std::panic::set_hook(hook);
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let out = child.wait_with_output().expect("watch output");
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(
        converged(),
        "watch as the ServiceAccount did not converge:\n{log}"
    );
    assert_eq!(out.status.code(), Some(130), "{log}");
    assert!(
        !log.contains("forbidden"),
        "watch was refused something:\n{log}"
    );
    assert!(
        node_events(api, "netscaler-prod")
            .iter()
            .any(|(_, reason, _, _)| reason == "Reconciled"),
        "no Reconciled Event on the ADC Node:\n{log}"
    );
}
