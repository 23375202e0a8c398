//! End-to-end tests of the fake Kubernetes API server through real clients: kube-rs and the
//! installed `kubectl`.

use std::collections::BTreeSet;
use std::time::Duration;

use futures::{StreamExt as _, TryStreamExt as _};
use k8s_openapi::api::core::v1::{ConfigMap, Node};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use kube::api::{
    Api, DeleteParams, ListParams, Patch, PatchParams, PostParams, WatchEvent, WatchParams,
};
use kube::runtime::{WatchStreamExt as _, watcher};
use kube::{Client, Config};
use netscaler_testbed::kubeapi::{FakeApiServer, KubeFault};
use serde_json::{Value, json};

fn init_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

fn client(fake: &FakeApiServer) -> Client {
    init_crypto();
    let config = Config::new(fake.url().parse().expect("url"));
    Client::try_from(config).expect("client")
}

fn node(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": {"pool": if name.ends_with('1') { "a" } else { "b" }}}})
}

fn configmap(name: &str, v: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "default"}, "data": {"v": v}})
}

async fn within<T>(what: &str, fut: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(20), fut)
        .await
        .unwrap_or_else(|_| panic!("timed out: {what}"))
}

fn api_status(err: kube::Error) -> Box<kube::core::Status> {
    match err {
        kube::Error::Api(s) => s,
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test]
async fn paginated_list_across_three_pages() {
    let fake = FakeApiServer::start();
    for i in (1..=7).rev() {
        fake.apply(node(&format!("node-{i}"))).unwrap();
    }
    let api: Api<Node> = Api::all(client(&fake));
    let mut names = Vec::new();
    let mut pages = 0;
    let mut lp = ListParams::default().limit(3);
    let mut first_rv = None;
    loop {
        let page = api.list(&lp).await.unwrap();
        pages += 1;
        assert!(page.items.len() <= 3);
        first_rv.get_or_insert(page.metadata.resource_version.clone());
        names.extend(page.items.iter().map(|n| n.metadata.name.clone().unwrap()));
        match page.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(c) => lp = lp.continue_token(&c),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let expected: Vec<String> = (1..=7).map(|i| format!("node-{i}")).collect();
    assert_eq!(names, expected, "name order across pages");
    let lists: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path == "/api/v1/nodes")
        .collect();
    assert_eq!(lists.len(), 3);
    assert!(lists[1].query.contains("continue=") && lists[2].query.contains("continue="));
    assert!(lists.iter().all(|r| r.status == 200));

    // label selectors (=, !=, in, exists) and field selectors
    let sel = |l: &str| ListParams::default().labels(l);
    assert_eq!(api.list(&sel("pool=a")).await.unwrap().items.len(), 1);
    assert_eq!(api.list(&sel("pool!=a")).await.unwrap().items.len(), 6);
    assert_eq!(
        api.list(&sel("pool in (a,b)")).await.unwrap().items.len(),
        7
    );
    assert_eq!(
        api.list(&sel("pool,!missing")).await.unwrap().items.len(),
        7
    );
    let one = api
        .list(&ListParams::default().fields("metadata.name=node-4"))
        .await
        .unwrap();
    assert_eq!(one.items.len(), 1);
    assert_eq!(one.items[0].metadata.name.as_deref(), Some("node-4"));
    let err = api
        .list(&ListParams::default().fields("spec.nope=1"))
        .await
        .unwrap_err();
    assert_eq!(api_status(err).code, 400);
}

#[tokio::test]
async fn get_create_replace_patch_delete() {
    let fake = FakeApiServer::start();
    let c = client(&fake);
    let cms: Api<ConfigMap> = Api::namespaced(c.clone(), "default");
    let cm: ConfigMap = serde_json::from_value(configmap("cfg", "1")).unwrap();
    let created = cms.create(&PostParams::default(), &cm).await.unwrap();
    assert!(created.metadata.uid.is_some());
    assert!(created.metadata.creation_timestamp.is_some());
    let rv1 = created.metadata.resource_version.clone().unwrap();

    let err = cms.create(&PostParams::default(), &cm).await.unwrap_err();
    let st = api_status(err);
    assert_eq!((st.code, st.reason.as_str()), (409, "AlreadyExists"));
    assert_eq!(st.message, "configmaps \"cfg\" already exists");

    let err = cms.get("missing").await.unwrap_err();
    let st = api_status(err);
    assert_eq!((st.code, st.reason.as_str()), (404, "NotFound"));
    assert_eq!(st.message, "configmaps \"missing\" not found");

    let patched = cms
        .patch(
            "cfg",
            &PatchParams::default(),
            &Patch::Merge(json!({"data": {"w": "2"}})),
        )
        .await
        .unwrap();
    assert_eq!(patched.data.as_ref().unwrap()["w"], "2");
    assert_ne!(
        patched.metadata.resource_version.as_deref(),
        Some(rv1.as_str())
    );
    let sm = cms
        .patch(
            "cfg",
            &PatchParams::default(),
            &Patch::Strategic(json!({"data": {"v": null}})),
        )
        .await
        .unwrap();
    assert!(!sm.data.as_ref().unwrap().contains_key("v"));

    // dryRun does not persist
    let dry: ConfigMap = serde_json::from_value(configmap("dry", "x")).unwrap();
    cms.create(
        &PostParams {
            dry_run: true,
            ..Default::default()
        },
        &dry,
    )
    .await
    .unwrap();
    assert!(cms.get_opt("dry").await.unwrap().is_none());

    // replace with the current RV works, then the old one is stale
    let mut cur = cms.get("cfg").await.unwrap();
    cur.data.as_mut().unwrap().insert("r".into(), "3".into());
    let replaced = cms
        .replace("cfg", &PostParams::default(), &cur)
        .await
        .unwrap();
    assert_eq!(replaced.data.as_ref().unwrap()["r"], "3");

    cms.delete("cfg", &DeleteParams::default()).await.unwrap();
    let err = cms
        .delete("cfg", &DeleteParams::default())
        .await
        .unwrap_err();
    assert_eq!(api_status(err).code, 404);
    assert!(
        fake.get("v1", "ConfigMap", Some("default"), "cfg")
            .is_none()
    );
}

#[tokio::test]
async fn stale_resource_version_replace_conflicts() {
    let fake = FakeApiServer::start();
    fake.apply(configmap("cfg", "1")).unwrap();
    let cms: Api<ConfigMap> = Api::namespaced(client(&fake), "default");
    let stale = cms.get("cfg").await.unwrap();
    fake.apply(configmap("cfg", "2")).unwrap(); // someone else writes
    let err = cms
        .replace("cfg", &PostParams::default(), &stale)
        .await
        .unwrap_err();
    let st = api_status(err);
    assert_eq!((st.code, st.reason.as_str()), (409, "Conflict"));
    assert!(
        st.message
            .starts_with("Operation cannot be fulfilled on configmaps \"cfg\""),
        "{}",
        st.message
    );
    assert_eq!(
        fake.get("v1", "ConfigMap", Some("default"), "cfg").unwrap()["data"]["v"],
        "2"
    );
}

#[tokio::test]
async fn server_side_apply_creates_then_updates_a_node() {
    let fake = FakeApiServer::start();
    let nodes: Api<Node> = Api::all(client(&fake));
    let pp = PatchParams::apply("netscaler-test").force();
    let created = nodes
        .patch(
            "worker-1",
            &pp,
            &Patch::Apply(json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "worker-1", "labels": {"a": "1"}}, "spec": {"podCIDR": "10.244.1.0/24"}})),
        )
        .await
        .unwrap();
    assert_eq!(
        created.spec.as_ref().unwrap().pod_cidr.as_deref(),
        Some("10.244.1.0/24")
    );
    let rv1 = created.metadata.resource_version.clone().unwrap();
    let updated = nodes
        .patch(
            "worker-1",
            &pp,
            &Patch::Apply(json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "worker-1", "labels": {"b": "2"}}})),
        )
        .await
        .unwrap();
    let labels = updated.metadata.labels.clone().unwrap();
    assert_eq!(labels.get("b").map(String::as_str), Some("2"));
    assert_ne!(updated.metadata.resource_version.unwrap(), rv1);
    assert_eq!(updated.metadata.uid, created.metadata.uid);

    // status goes through the /status subresource; the main resource keeps the old status
    let st = nodes
        .patch_status(
            "worker-1",
            &PatchParams::default(),
            &Patch::Merge(
                json!({"status": {"addresses": [{"type": "InternalIP", "address": "192.0.2.10"}]}}),
            ),
        )
        .await
        .unwrap();
    assert_eq!(
        st.status.unwrap().addresses.unwrap()[0].address,
        "192.0.2.10"
    );
    let after = nodes
        .patch(
            "worker-1",
            &PatchParams::default(),
            &Patch::Merge(json!({"status": {"addresses": []}})),
        )
        .await
        .unwrap();
    assert_eq!(after.status.unwrap().addresses.unwrap().len(), 1);
    let reqs = fake.requests();
    assert!(
        reqs.iter()
            .any(|r| r.method == "PATCH" && r.path == "/api/v1/nodes/worker-1/status")
    );
}

#[tokio::test]
async fn status_fault_is_a_typed_error() {
    let fake = FakeApiServer::start();
    fake.apply(node("n1")).unwrap();
    init_crypto();
    // kube-rs 5 retries 429/503/504 by default (up to 15 times); switch that off to see the
    // typed error of the first answer
    let mut config = Config::new(fake.url().parse().unwrap());
    config.default_retry = false;
    let nodes: Api<Node> = Api::all(Client::try_from(config).unwrap());
    for (code, reason) in [
        (503, "ServiceUnavailable"),
        (500, "InternalError"),
        (403, "Forbidden"),
        (429, "TooManyRequests"),
    ] {
        fake.inject(KubeFault::Status {
            code,
            path_contains: "/api/v1/nodes".into(),
            times: 1,
        });
        let st = api_status(nodes.list(&ListParams::default()).await.unwrap_err());
        assert_eq!((st.code, st.reason.as_str()), (code, reason));
    }
    assert_eq!(
        nodes
            .list(&ListParams::default())
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    fake.inject(KubeFault::Status {
        code: 500,
        path_contains: "/api/v1/nodes".into(),
        times: 5,
    });
    fake.clear_faults();
    nodes.get("n1").await.unwrap();
    let statuses: Vec<u16> = fake.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![503, 500, 403, 429, 200, 200]);

    // with the default client, a transient 503 is retried transparently
    let retrying: Api<Node> = Api::all(client(&fake));
    fake.inject(KubeFault::Status {
        code: 503,
        path_contains: "/api/v1/nodes/n1".into(),
        times: 2,
    });
    retrying.get("n1").await.unwrap();
    let tail: Vec<u16> = fake
        .requests()
        .iter()
        .rev()
        .take(3)
        .map(|r| r.status)
        .collect();
    assert_eq!(tail, vec![200, 503, 503]);
}

#[tokio::test]
async fn raw_watch_sees_added_modified_deleted_and_bookmarks() {
    let fake = FakeApiServer::start();
    fake.set_bookmark_interval(Duration::from_millis(200));
    let cms: Api<ConfigMap> = Api::namespaced(client(&fake), "default");
    let rv = cms
        .list(&ListParams::default())
        .await
        .unwrap()
        .metadata
        .resource_version
        .unwrap();
    let mut stream = cms
        .watch(
            &WatchParams {
                bookmarks: true,
                ..WatchParams::default()
            }
            .timeout(30),
            &rv,
        )
        .await
        .unwrap()
        .boxed();
    fake.apply(configmap("w", "1")).unwrap();
    fake.apply(configmap("w", "2")).unwrap();
    assert!(fake.delete("v1", "ConfigMap", Some("default"), "w"));
    let mut seen = Vec::new();
    let mut bookmarks = 0;
    while seen.len() < 3 || bookmarks == 0 {
        match within("watch events", stream.try_next())
            .await
            .unwrap()
            .unwrap()
        {
            WatchEvent::Added(cm) => seen.push(("ADDED", cm.data.unwrap()["v"].clone())),
            WatchEvent::Modified(cm) => seen.push(("MODIFIED", cm.data.unwrap()["v"].clone())),
            WatchEvent::Deleted(cm) => seen.push(("DELETED", cm.data.unwrap()["v"].clone())),
            WatchEvent::Bookmark(bm) => {
                assert!(!bm.metadata.resource_version.is_empty());
                bookmarks += 1;
            }
            WatchEvent::Error(e) => panic!("watch error {e:?}"),
        }
    }
    let expected = [("ADDED", "1"), ("MODIFIED", "2"), ("DELETED", "2")];
    assert_eq!(
        seen.iter()
            .map(|(t, v)| (*t, v.as_str()))
            .collect::<Vec<_>>(),
        expected
    );
}

#[tokio::test]
async fn watcher_sees_added_modified_deleted() {
    let fake = FakeApiServer::start();
    fake.apply(configmap("pre", "0")).unwrap();
    let cms: Api<ConfigMap> = Api::namespaced(client(&fake), "default");
    let mut stream = watcher(cms.clone(), watcher::Config::default()).boxed();
    let mut init = BTreeSet::new();
    loop {
        match within("init", stream.next()).await.unwrap().unwrap() {
            watcher::Event::InitApply(cm) => {
                init.insert(cm.metadata.name.unwrap());
            }
            watcher::Event::InitDone => break,
            _ => {}
        }
    }
    assert_eq!(init, BTreeSet::from(["pre".to_string()]));
    fake.apply(configmap("live", "1")).unwrap();
    fake.apply(configmap("live", "2")).unwrap();
    fake.delete("v1", "ConfigMap", Some("default"), "live");
    let mut seen = Vec::new();
    while seen.len() < 3 {
        match within("events", stream.next()).await.unwrap().unwrap() {
            watcher::Event::Apply(cm) => seen.push(format!("apply {}", cm.data.unwrap()["v"])),
            watcher::Event::Delete(cm) => {
                seen.push(format!("delete {}", cm.metadata.name.unwrap()))
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(seen, ["apply 1", "apply 2", "delete live"]);
}

#[tokio::test]
async fn watcher_with_streaming_lists() {
    let fake = FakeApiServer::start();
    fake.apply(configmap("a", "1")).unwrap();
    fake.apply(configmap("b", "1")).unwrap();
    let cms: Api<ConfigMap> = Api::namespaced(client(&fake), "default");
    let mut stream = watcher(cms, watcher::Config::default().streaming_lists()).boxed();
    let mut init = BTreeSet::new();
    loop {
        match within("streaming init", stream.next())
            .await
            .unwrap()
            .unwrap()
        {
            watcher::Event::InitApply(cm) => {
                init.insert(cm.metadata.name.unwrap());
            }
            watcher::Event::InitDone => break,
            _ => {}
        }
    }
    assert_eq!(init.len(), 2);
    fake.apply(configmap("c", "1")).unwrap();
    match within("event", stream.next()).await.unwrap().unwrap() {
        watcher::Event::Apply(cm) => assert_eq!(cm.metadata.name.as_deref(), Some("c")),
        other => panic!("unexpected {other:?}"),
    }
    assert!(
        fake.requests()
            .iter()
            .all(|r| r.query.contains("watch=true"))
    );
}

#[tokio::test]
async fn dropped_watch_is_recovered_by_the_watcher() {
    let fake = FakeApiServer::start();
    let cms: Api<ConfigMap> = Api::namespaced(client(&fake), "default");
    fake.inject(KubeFault::DropWatch {
        path_contains: "watch=true".into(),
        after_events: 1,
        times: 1,
    });
    let mut stream = watcher(cms, watcher::Config::default())
        .default_backoff()
        .boxed();
    loop {
        if let Ok(watcher::Event::InitDone) = within("init", stream.next()).await.unwrap() {
            break;
        }
    }
    let mut applied = BTreeSet::new();
    for i in 0..3 {
        fake.apply(configmap(&format!("c{i}"), "x")).unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    while applied.len() < 3 {
        match within("events after drop", stream.next()).await.unwrap() {
            Ok(watcher::Event::Apply(cm)) => {
                applied.insert(cm.metadata.name.unwrap());
            }
            Ok(_) => {}
            // kube-rs treats an aborted chunked body ("unexpected EOF during chunk") as the end
            // of the watch and silently re-watches from the last RV
            Err(e) => panic!("unexpected watcher error {e}"),
        }
    }
    let watches: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.query.contains("watch=true"))
        .collect();
    assert!(watches.len() >= 2, "{watches:?}");
    assert!(
        watches[1].query.contains("resourceVersion="),
        "rewatch resumes from an RV"
    );
    // no relist was needed: exactly one list
    let lists = fake
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/configmaps") && !r.query.contains("watch=true"))
        .count();
    assert_eq!(lists, 1);
}

#[tokio::test]
async fn gone_on_list_makes_the_watcher_relist() {
    let fake = FakeApiServer::start();
    for i in 1..=5 {
        fake.apply(node(&format!("node-{i}"))).unwrap();
    }
    let nodes: Api<Node> = Api::all(client(&fake));
    // 410 on the first continue page
    fake.inject(KubeFault::GoneOnList {
        path_contains: "/api/v1/nodes".into(),
        times: 1,
    });
    let mut stream = watcher(nodes, watcher::Config::default().page_size(2))
        .default_backoff()
        .boxed();
    let mut inits = 0;
    let mut names = BTreeSet::new();
    let mut errors = Vec::new();
    loop {
        match within("relist", stream.next()).await.unwrap() {
            Ok(watcher::Event::Init) => {
                inits += 1;
                names.clear();
            }
            Ok(watcher::Event::InitApply(n)) => {
                names.insert(n.metadata.name.unwrap());
            }
            Ok(watcher::Event::InitDone) => break,
            Ok(other) => panic!("unexpected {other:?}"),
            Err(e) => errors.push(e.to_string()),
        }
    }
    assert_eq!(inits, 2, "listed twice");
    assert_eq!(names.len(), 5);
    assert_eq!(errors.len(), 1, "{errors:?}");
    let gone: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.status == 410)
        .collect();
    assert_eq!(gone.len(), 1);
    assert!(gone[0].query.contains("continue="));
}

#[tokio::test]
async fn gone_on_watch_makes_the_watcher_relist() {
    let fake = FakeApiServer::start();
    for i in 1..=3 {
        fake.apply(node(&format!("node-{i}"))).unwrap();
    }
    let nodes: Api<Node> = Api::all(client(&fake));
    fake.inject(KubeFault::GoneOnList {
        path_contains: "watch=true".into(),
        times: 1,
    });
    let mut stream = watcher(nodes, watcher::Config::default())
        .default_backoff()
        .boxed();
    let mut inits = 0;
    let mut gone_errors = 0;
    while inits < 2 {
        match within("relist after 410 on watch", stream.next())
            .await
            .unwrap()
        {
            Ok(watcher::Event::Init) => inits += 1,
            Ok(_) => {}
            Err(watcher::Error::WatchError(st)) => {
                assert_eq!((st.code, st.reason.as_str()), (410, "Expired"));
                gone_errors += 1;
            }
            Err(e) => panic!("unexpected {e}"),
        }
    }
    // the relist completes and the next watch works
    loop {
        if let Ok(watcher::Event::InitDone) = within("second init", stream.next()).await.unwrap() {
            break;
        }
    }
    fake.apply(node("node-4")).unwrap();
    match within("event after relist", stream.next()).await.unwrap() {
        Ok(watcher::Event::Apply(n)) => assert_eq!(n.metadata.name.as_deref(), Some("node-4")),
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(gone_errors, 1);
    let watches: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.query.contains("watch=true"))
        .collect();
    assert_eq!(watches.len(), 2, "{watches:?}");
}

#[tokio::test]
async fn compacted_history_answers_410_to_an_old_watch() {
    let fake = FakeApiServer::start();
    let cms: Api<ConfigMap> = Api::namespaced(client(&fake), "default");
    let rv = cms
        .list(&ListParams::default())
        .await
        .unwrap()
        .metadata
        .resource_version
        .unwrap();
    fake.apply(configmap("a", "1")).unwrap();
    fake.compact();
    let mut stream = cms
        .watch(&WatchParams::default(), &rv)
        .await
        .unwrap()
        .boxed();
    match within("410 event", stream.try_next()).await.unwrap() {
        Some(WatchEvent::Error(e)) => assert_eq!(e.code, 410),
        other => panic!("unexpected {other:?}"),
    }
    assert!(within("end", stream.try_next()).await.unwrap().is_none());
}

#[test]
fn load_a_kubectl_list_and_multi_document_yaml() {
    let fake = FakeApiServer::start();
    let list = r#"{"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "a"}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s", "namespace": "ns1"}, "spec": {"ports": [{"port": 80}]}}
    ], "metadata": {"resourceVersion": ""}}"#;
    assert_eq!(fake.load(list).unwrap(), 2);
    let yaml = "apiVersion: v1\nkind: ConfigMapList\nitems:\n- metadata: {name: c1, namespace: default}\n  data: {k: v}\n---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: s-1, namespace: ns1, labels: {kubernetes.io/service-name: s}}\naddressType: IPv4\nendpoints: []\n";
    assert_eq!(fake.load(yaml).unwrap(), 2);
    assert_eq!(fake.list("v1", "Node").len(), 1);
    assert!(fake.get("v1", "ConfigMap", Some("default"), "c1").is_some());
    let svc = fake.get("v1", "Service", Some("ns1"), "s").unwrap();
    assert_eq!(svc["spec"]["ports"][0]["targetPort"], 80);
    assert!(
        fake.get("discovery.k8s.io/v1", "EndpointSlice", Some("ns1"), "s-1")
            .is_some()
    );
    assert!(
        fake.load("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n")
            .is_err()
    );
}

#[tokio::test]
async fn kubeconfig_works_with_kube_rs() {
    init_crypto();
    let fake = FakeApiServer::start();
    fake.apply(json!({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": {"name": "e", "namespace": "x"}, "addressType": "IPv4", "endpoints": []})).unwrap();
    let dir = std::env::temp_dir().join(format!("kubeapi-fake-{}", std::process::id()));
    let path = dir.join("kubeconfig-kube-rs");
    fake.write_kubeconfig(&path, "fake-cluster").unwrap();
    let kc = kube::config::Kubeconfig::read_from(&path).unwrap();
    assert_eq!(kc.current_context.as_deref(), Some("fake-cluster"));
    let config = Config::from_custom_kubeconfig(kc, &Default::default())
        .await
        .unwrap();
    let c = Client::try_from(config).unwrap();
    let v = c.apiserver_version().await.unwrap();
    assert_eq!(v.major, "1");
    let eps: Api<EndpointSlice> = Api::all(c);
    assert_eq!(
        eps.list(&ListParams::default()).await.unwrap().items.len(),
        1
    );
}

fn kubectl() -> Option<&'static str> {
    std::path::Path::new("/usr/bin/kubectl")
        .exists()
        .then_some("/usr/bin/kubectl")
}

#[test]
fn real_kubectl_get_nodes_and_yaml() {
    let Some(kubectl) = kubectl() else {
        eprintln!("skipping: no /usr/bin/kubectl");
        return;
    };
    let fake = FakeApiServer::start();
    fake.load(
        r#"
apiVersion: v1
kind: Node
metadata: {name: cp-1, labels: {node-role.kubernetes.io/control-plane: ""}}
status:
  conditions: [{type: Ready, status: "True"}]
  nodeInfo: {kubeletVersion: v1.32.0}
---
apiVersion: v1
kind: Node
metadata: {name: worker-1}
status:
  conditions: [{type: Ready, status: "False"}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {type: NodePort, ports: [{port: 80}], selector: {app: web}}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-x1, namespace: shop, labels: {kubernetes.io/service-name: web}}
addressType: IPv4
endpoints: [{addresses: [10.244.1.5]}]
ports: [{port: 80, protocol: TCP}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: kube-system}
data: {a: b}
"#,
    )
    .unwrap();
    let dir = std::env::temp_dir().join(format!("kubeapi-fake-kubectl-{}", std::process::id()));
    let kubeconfig = dir.join("kubeconfig");
    fake.write_kubeconfig(&kubeconfig, "fake").unwrap();
    let run = |args: &[&str]| -> String {
        let out = std::process::Command::new(kubectl)
            .arg("--kubeconfig")
            .arg(&kubeconfig)
            .arg("--cache-dir")
            .arg(dir.join("cache"))
            .args(args)
            .env_remove("KUBECONFIG")
            .output()
            .expect("run kubectl");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "kubectl {args:?} failed: {stderr}");
        String::from_utf8(out.stdout).unwrap()
    };

    let table = run(&["get", "nodes"]);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 3, "{table}");
    assert!(
        lines[0].starts_with("NAME") && lines[0].contains("STATUS"),
        "{table}"
    );
    assert!(
        lines[1].starts_with("cp-1")
            && lines[1].contains("Ready")
            && lines[1].contains("control-plane")
    );
    assert!(lines[2].starts_with("worker-1") && lines[2].contains("NotReady"));

    let yaml = run(&[
        "get",
        "nodes,services,endpointslices,configmaps",
        "-A",
        "-o",
        "yaml",
    ]);
    let doc: Value = serde_saphyr::from_str(&yaml).unwrap();
    assert_eq!(doc["kind"], "List");
    let kinds: Vec<(String, String)> = doc["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["kind"].as_str().unwrap().to_string(),
                i["metadata"]["name"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = [
        ("Node", "cp-1"),
        ("Node", "worker-1"),
        ("Service", "web"),
        ("EndpointSlice", "web-x1"),
        ("ConfigMap", "settings"),
    ]
    .iter()
    .map(|(k, n)| (k.to_string(), n.to_string()))
    .collect();
    assert_eq!(kinds, expected);
    let svc = &doc["items"][2];
    assert_eq!(
        svc["spec"]["ports"][0]["nodePort"]
            .as_u64()
            .map(|p| (30000..32768).contains(&p)),
        Some(true)
    );

    let json_out = run(&["get", "node", "worker-1", "-o", "json"]);
    let n: Value = serde_json::from_str(&json_out).unwrap();
    assert_eq!(n["kind"], "Node");
    assert_eq!(n["metadata"]["name"], "worker-1");

    let paths: BTreeSet<String> = fake.requests().into_iter().map(|r| r.path).collect();
    assert!(
        paths.contains("/apis/discovery.k8s.io/v1/endpointslices"),
        "{paths:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
