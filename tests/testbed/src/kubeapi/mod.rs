//! A small loopback fake Kubernetes API server.
//!
//! Only for what a real kube-apiserver cannot produce on demand (dropped watch streams, 410 Gone
//! on relist, 5xx answers) and for quick end-to-end tests. It speaks plain HTTP/1.1 JSON on
//! `127.0.0.1`, serves v1 Node/Service/ConfigMap/Secret/Namespace, discovery.k8s.io/v1
//! EndpointSlice and coordination.k8s.io/v1 Lease, and is faithful enough for kube-rs
//! (`list` with `limit`/`continue`, `get`, `watch`/`watcher` with bookmarks, create, replace,
//! merge/strategic/apply patch, delete) and for `kubectl get`.
//!
//! ```no_run
//! use netscaler_testbed::kubeapi::{FakeApiServer, KubeFault};
//! let fake = FakeApiServer::start();
//! fake.apply(serde_json::json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"}})).unwrap();
//! fake.inject(KubeFault::Status { code: 503, path_contains: "/api/v1/nodes".into(), times: 1 });
//! let kubeconfig = std::env::temp_dir().join("fake.kubeconfig");
//! fake.write_kubeconfig(&kubeconfig, "fake").unwrap();
//! ```

mod cli;
mod discovery;
mod handlers;
mod resources;
mod select;
mod status;
mod store;
mod table;
mod watch;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use anyhow::{Context as _, anyhow, bail};
use serde_json::Value;

pub use cli::cli_main;
use resources::{RESOURCES, by_kind};
use store::Store;

/// One request as the fake saw it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct LoggedRequest {
    pub method: String,
    pub path: String,
    /// The raw query string (without `?`), `""` if none.
    pub query: String,
    /// The HTTP status answered (200 for a watch that started streaming).
    pub status: u16,
}

/// A fault to inject. `path_contains` is matched against `path?query` of each request, so
/// `"watch=true"` or `"continue="` also work as matchers. Each fault fires `times` times.
#[derive(Clone, Debug)]
pub enum KubeFault {
    /// Answer a proper `metav1.Status` with this HTTP code (reason `InternalError`,
    /// `ServiceUnavailable`, `Forbidden`, `TooManyRequests`, ... as a real server would).
    Status {
        code: u16,
        path_contains: String,
        times: usize,
    },
    /// End a chunked watch stream abruptly (connection aborted, no terminating chunk) after
    /// `after_events` non-bookmark events.
    DropWatch {
        path_contains: String,
        after_events: usize,
        times: usize,
    },
    /// 410 Gone (`Expired`) on a list with a `continue` token or a `resourceVersion` other than
    /// `""`/`"0"`, or on a watch from such a `resourceVersion` (as a real server does: HTTP 200
    /// and a watch `ERROR` event carrying the 410 Status).
    GoneOnList { path_contains: String, times: usize },
}

impl KubeFault {
    fn path_contains(&self) -> &str {
        match self {
            KubeFault::Status { path_contains, .. }
            | KubeFault::DropWatch { path_contains, .. }
            | KubeFault::GoneOnList { path_contains, .. } => path_contains,
        }
    }

    fn times_mut(&mut self) -> &mut usize {
        match self {
            KubeFault::Status { times, .. }
            | KubeFault::DropWatch { times, .. }
            | KubeFault::GoneOnList { times, .. } => times,
        }
    }
}

/// State shared between the handle and the server's runtime.
pub(crate) struct Shared {
    pub store: Mutex<Store>,
    /// Bumped (to the store's RV) after every write; watches wait on it.
    pub notify: tokio::sync::watch::Sender<u64>,
    pub faults: Mutex<Vec<KubeFault>>,
    pub log: Mutex<Vec<LoggedRequest>>,
    pub bookmark_interval: Mutex<Duration>,
    pub addr: SocketAddr,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Shared {
    pub fn store(&self) -> MutexGuard<'_, Store> {
        lock(&self.store)
    }

    /// Run a mutation and wake the watches.
    pub fn write<R>(&self, f: impl FnOnce(&mut Store) -> R) -> R {
        let (r, rv) = {
            let mut s = self.store();
            let r = f(&mut s);
            (r, s.rv())
        };
        self.notify.send_replace(rv);
        r
    }

    /// Consume one firing of the first fault that `pick` selects for `target` (`path?query`).
    pub fn take_fault<R>(&self, target: &str, pick: impl Fn(&KubeFault) -> Option<R>) -> Option<R> {
        let mut faults = lock(&self.faults);
        let idx = faults
            .iter()
            .position(|f| target.contains(f.path_contains()) && pick(f).is_some())?;
        let r = pick(&faults[idx]);
        let times = faults[idx].times_mut();
        *times = times.saturating_sub(1);
        if *times == 0 {
            faults.remove(idx);
        }
        r
    }

    pub fn bookmark_interval(&self) -> Duration {
        *lock(&self.bookmark_interval)
    }
}

/// The fake API server; serving stops when this is dropped.
pub struct FakeApiServer {
    shared: Arc<Shared>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakeApiServer {
    /// Start on `127.0.0.1:0` (plain HTTP) on its own thread and tokio runtime.
    pub fn start() -> FakeApiServer {
        Self::start_on(0).expect("start the fake Kubernetes API server")
    }

    /// Start on a given loopback port (0 = any).
    pub fn start_on(port: u16) -> anyhow::Result<FakeApiServer> {
        let listener =
            std::net::TcpListener::bind(("127.0.0.1", port)).context("bind 127.0.0.1")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let (notify, _) = tokio::sync::watch::channel(0);
        let shared = Arc::new(Shared {
            store: Mutex::new(Store::new()),
            notify,
            faults: Mutex::new(Vec::new()),
            log: Mutex::new(Vec::new()),
            bookmark_interval: Mutex::new(Duration::from_secs(2)),
            addr,
        });
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let app = handlers::router(shared.clone());
        let thread = std::thread::Builder::new()
            .name(format!("fake-kube-apiserver-{}", addr.port()))
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .expect("tokio runtime");
                rt.block_on(async move {
                    let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                    tokio::select! {
                        r = axum::serve(listener, app) => {
                            if let Err(e) = r {
                                tracing::warn!("fake kube-apiserver stopped: {e}");
                            }
                        }
                        _ = rx => {}
                    }
                });
                rt.shutdown_background();
            })
            .context("spawn server thread")?;
        Ok(FakeApiServer {
            shared,
            shutdown: Some(tx),
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.shared.addr)
    }

    /// Write a kubeconfig with cluster, context and user all named `cluster_name` (dummy bearer
    /// token), current-context set.
    pub fn write_kubeconfig(
        &self,
        path: &std::path::Path,
        cluster_name: &str,
    ) -> anyhow::Result<()> {
        let name = serde_json::to_string(cluster_name)?;
        let text = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: {name}\n  cluster:\n    server: {url}\ncontexts:\n- name: {name}\n  context:\n    cluster: {name}\n    user: {name}\n    namespace: default\ncurrent-context: {name}\nusers:\n- name: {name}\n  user:\n    token: fake-token-not-checked\npreferences: {{}}\n",
            url = self.url()
        );
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, text).with_context(|| format!("write {}", path.display()))
    }

    /// Create or replace an object (keyed by apiVersion/kind/namespace/name; a namespaced object
    /// without a namespace goes to `default`). Bumps the resourceVersion and emits a watch event.
    /// The object is stored as given (status included), plus server-filled metadata/defaults.
    pub fn apply(&self, obj: Value) -> anyhow::Result<()> {
        let api_version = obj["apiVersion"].as_str().unwrap_or("");
        let kind = obj["kind"].as_str().unwrap_or("");
        let res = by_kind(api_version, kind)
            .ok_or_else(|| anyhow!("kind {api_version}/{kind} is not served by the fake"))?;
        let name = store::name_of(&obj).to_string();
        if name.is_empty() {
            bail!("{kind} without metadata.name");
        }
        let def = &RESOURCES[res];
        let ns = if def.namespaced {
            obj["metadata"]["namespace"]
                .as_str()
                .unwrap_or("default")
                .to_string()
        } else {
            String::new()
        };
        self.shared.write(|s| {
            let existing = s.get(res, &ns, &name).cloned();
            let obj = s.prepare(res, obj, Some(&ns), existing.as_ref());
            s.put(res, obj);
        });
        Ok(())
    }

    /// Delete an object; `false` if it did not exist.
    pub fn delete(
        &self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
        name: &str,
    ) -> bool {
        let Some(res) = by_kind(api_version, kind) else {
            return false;
        };
        let ns = Self::ns_key(res, namespace);
        self.shared.write(|s| s.remove(res, &ns, name).is_some())
    }

    fn ns_key(res: usize, namespace: Option<&str>) -> String {
        if RESOURCES[res].namespaced {
            namespace.unwrap_or("default").to_string()
        } else {
            String::new()
        }
    }

    /// One object (with apiVersion/kind), as stored.
    pub fn get(
        &self,
        api_version: &str,
        kind: &str,
        namespace: Option<&str>,
        name: &str,
    ) -> Option<Value> {
        let res = by_kind(api_version, kind)?;
        let ns = Self::ns_key(res, namespace);
        self.shared.store().get(res, &ns, name).cloned()
    }

    /// All objects of a kind, all namespaces, in namespace/name order.
    pub fn list(&self, api_version: &str, kind: &str) -> Vec<Value> {
        let Some(res) = by_kind(api_version, kind) else {
            return Vec::new();
        };
        self.shared
            .store()
            .list(res, None)
            .into_iter()
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// Load a `kubectl get -o yaml|json` List, a single object, or multi-document YAML.
    /// Returns the number of objects loaded. Kinds the fake does not serve are an error.
    pub fn load(&self, text: &str) -> anyhow::Result<usize> {
        let docs: Vec<Value> = match serde_json::from_str::<Value>(text) {
            Ok(v) => vec![v],
            Err(_) => serde_saphyr::from_multiple::<Value>(text).context("parse YAML")?,
        };
        let mut objs = Vec::new();
        for doc in docs {
            flatten(doc, &mut objs);
        }
        let n = objs.len();
        for obj in objs {
            self.apply(obj)?;
        }
        Ok(n)
    }

    /// Every request served so far, in order.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        lock(&self.shared.log).clone()
    }

    pub fn inject(&self, fault: KubeFault) {
        lock(&self.shared.faults).push(fault);
    }

    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// Forget the watch event history: a watch from any older resourceVersion gets 410 Gone.
    pub fn compact(&self) {
        self.shared.write(Store::compact);
    }

    /// The current (latest) resourceVersion.
    pub fn resource_version(&self) -> u64 {
        self.shared.store().rv()
    }

    /// How long a watch with `allowWatchBookmarks` may idle before a BOOKMARK (default 2 s).
    pub fn set_bookmark_interval(&self, interval: Duration) {
        *lock(&self.shared.bookmark_interval) = interval;
    }
}

fn flatten(doc: Value, out: &mut Vec<Value>) {
    if doc.is_null() {
        return;
    }
    let kind = doc["kind"].as_str().unwrap_or("");
    if let Some(items) = doc["items"].as_array().filter(|_| kind.ends_with("List")) {
        let item_kind = kind.strip_suffix("List").filter(|k| !k.is_empty());
        let api_version = doc["apiVersion"].as_str();
        for item in items {
            let mut item = item.clone();
            // `kubectl get -o yaml` items carry kind; raw API lists (FooList) do not.
            if item["kind"].is_null()
                && let Some(k) = item_kind
            {
                item["kind"] = Value::from(k);
            }
            if item["apiVersion"].is_null()
                && let Some(a) = api_version
            {
                item["apiVersion"] = Value::from(a);
            }
            flatten(item, out);
        }
    } else {
        out.push(doc);
    }
}

impl Drop for FakeApiServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl std::fmt::Debug for FakeApiServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeApiServer")
            .field("url", &self.url())
            .finish()
    }
}
