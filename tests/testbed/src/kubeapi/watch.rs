//! Watch: newline-delimited JSON events streamed over a chunked response.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::handlers::{Query, streaming};
use super::resources::Target;
use super::select::Selector;
use super::status::ApiError;
use super::store::{Event, EventType, Store};
use super::{KubeFault, Shared, table};

type Chunk = Result<Bytes, std::io::Error>;

/// A real server picks a random timeout in [1800 s, 3600 s) when none is given.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1800);

struct WatchSpec {
    target: Target,
    selector: Selector,
    /// `kubectl get -w` asks for Table rows: (Table version, includeObject).
    table: Option<(&'static str, Option<String>)>,
    /// Column definitions go with the first Table event only.
    columns_sent: AtomicBool,
}

impl WatchSpec {
    fn in_scope(&self, res: usize, obj: &Value) -> bool {
        res == self.target.res
            && self
                .target
                .namespace
                .as_deref()
                .is_none_or(|ns| obj["metadata"]["namespace"].as_str() == Some(ns))
    }

    /// Translate a store event into what this watch sees, honouring selector transitions.
    fn translate(&self, ev: &Event) -> Option<(EventType, Value)> {
        if !self.in_scope(ev.res, &ev.obj) {
            return None;
        }
        let now = self.selector.matches(&ev.obj);
        let before = ev.prev.as_ref().is_some_and(|p| self.selector.matches(p));
        let kind = match (ev.kind, before, now) {
            (EventType::Added, _, true) => EventType::Added,
            (EventType::Deleted, _, true) => EventType::Deleted,
            (EventType::Modified, true, true) => EventType::Modified,
            (EventType::Modified, false, true) => EventType::Added,
            (EventType::Modified, true, false) => EventType::Deleted,
            _ => return None,
        };
        Some((kind, ev.obj.clone()))
    }

    fn event_line(&self, kind: EventType, obj: &Value) -> Bytes {
        let Some((version, include)) = &self.table else {
            return event_line(kind, obj);
        };
        let meta = json!({"resourceVersion": obj["metadata"]["resourceVersion"].clone()});
        let mut t = table::render(
            self.target.def(),
            std::slice::from_ref(obj),
            meta,
            version,
            include.as_deref(),
        );
        if self.columns_sent.swap(true, Ordering::Relaxed) {
            t["columnDefinitions"] = json!([]);
        }
        event_line(kind, &t)
    }

    fn bookmark(&self, rv: u64, initial_end: bool) -> Bytes {
        let def = self.target.def();
        let mut meta = json!({"resourceVersion": rv.to_string(), "creationTimestamp": null});
        if initial_end {
            meta["annotations"] = json!({"k8s.io/initial-events-end": "true"});
        }
        line(
            &json!({"type": "BOOKMARK", "object": {"kind": def.kind, "apiVersion": def.api_version(), "metadata": meta}}),
        )
    }
}

fn line(v: &Value) -> Bytes {
    let mut b = serde_json::to_vec(v).unwrap_or_default();
    b.push(b'\n');
    Bytes::from(b)
}

fn event_line(kind: EventType, obj: &Value) -> Bytes {
    line(&json!({"type": kind.as_str(), "object": obj}))
}

fn error_line(err: &ApiError) -> Bytes {
    line(&json!({"type": "ERROR", "object": err.to_status()}))
}

fn too_old(rv: u64, store: &Store) -> ApiError {
    ApiError::expired(format!(
        "too old resource version: {rv} ({})",
        store.compacted_rv() + 1
    ))
}

enum Item {
    Event(Bytes),
    Bookmark(Bytes),
    /// Send and end the stream.
    Final(Bytes),
}

pub(crate) fn watch(
    sh: Arc<Shared>,
    mut target: Target,
    q: &Query,
    full: &str,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let mut field_selector = q.get("fieldSelector").map(str::to_string);
    if let Some(name) = target.name.take() {
        // `/api/v1/watch/nodes/x` (or a named GET with watch=true): a field selector on the name
        let f = format!("metadata.name={name}");
        field_selector = Some(match field_selector {
            Some(s) if !s.is_empty() => format!("{s},{f}"),
            _ => f,
        });
    }
    let selector = Selector::parse(q.get("labelSelector"), field_selector.as_deref())
        .map_err(ApiError::bad_request)?;
    let bookmarks = q.flag("allowWatchBookmarks");
    let send_initial = q.flag("sendInitialEvents");
    let timeout = match q.value("timeoutSeconds") {
        Some(t) => Duration::from_secs(
            t.parse::<u64>()
                .map_err(|_| ApiError::bad_request(format!("invalid timeoutSeconds {t:?}")))?,
        ),
        None => DEFAULT_TIMEOUT,
    };
    let start_rv = match q.value("resourceVersion").filter(|v| *v != "0") {
        Some(v) => Some(
            v.parse::<u64>()
                .map_err(|_| ApiError::bad_request(format!("invalid resource version: {v:?}")))?,
        ),
        None => None,
    };
    let gone = start_rv.is_some()
        && sh
            .take_fault(full, |f| {
                matches!(f, KubeFault::GoneOnList { .. }).then_some(())
            })
            .is_some();
    let drop_after = sh.take_fault(full, |f| match f {
        KubeFault::DropWatch { after_events, .. } => Some(*after_events),
        _ => None,
    });
    let spec = WatchSpec {
        target,
        selector,
        table: table::wants_table(headers).map(|v| (v, q.get("includeObject").map(str::to_string))),
        columns_sent: AtomicBool::new(false),
    };

    let mut initial: Vec<Item> = Vec::new();
    let last_rv = {
        let store = sh.store();
        match start_rv {
            _ if gone => {
                let rv = start_rv.unwrap_or(0);
                initial.push(Item::Final(error_line(&ApiError::expired(format!(
                    "too old resource version: {rv} ({})",
                    store.rv()
                )))));
            }
            Some(rv) if !send_initial => match store.events_after(rv) {
                None => initial.push(Item::Final(error_line(&too_old(rv, &store)))),
                Some(events) => {
                    for ev in events {
                        if let Some((kind, obj)) = spec.translate(ev) {
                            initial.push(Item::Event(spec.event_line(kind, &obj)));
                        }
                    }
                }
            },
            _ => {
                // no resourceVersion (or "0", or sendInitialEvents): synthetic ADDED for the current state
                for (_, obj) in store.list(spec.target.res, spec.target.namespace.as_deref()) {
                    if spec.selector.matches(obj) {
                        initial.push(Item::Event(spec.event_line(EventType::Added, obj)));
                    }
                }
                if send_initial && bookmarks {
                    initial.push(Item::Bookmark(spec.bookmark(store.rv(), true)));
                }
            }
        }
        store.rv()
    };

    let (tx, mut rx) = mpsc::channel::<Chunk>(256);
    let deadline = Instant::now() + timeout;
    tokio::spawn(run(
        sh, tx, spec, initial, last_rv, bookmarks, deadline, drop_after,
    ));
    let stream = futures::stream::poll_fn(move |cx| rx.poll_recv(cx));
    Ok(streaming(Body::from_stream(stream)))
}

#[allow(clippy::too_many_arguments)]
async fn run(
    sh: Arc<Shared>,
    tx: mpsc::Sender<Chunk>,
    spec: WatchSpec,
    initial: Vec<Item>,
    mut last_rv: u64,
    bookmarks: bool,
    deadline: Instant,
    drop_after: Option<usize>,
) {
    let mut notify = sh.notify.subscribe();
    let mut sent = 0usize;
    // Returns false when the stream is over.
    let send = async |tx: &mpsc::Sender<Chunk>, item: Item, sent: &mut usize| -> bool {
        match item {
            Item::Event(b) => {
                if drop_after == Some(*sent) {
                    let _ = tx
                        .send(Err(std::io::Error::new(
                            std::io::ErrorKind::ConnectionAborted,
                            "injected DropWatch fault",
                        )))
                        .await;
                    return false;
                }
                *sent += 1;
                tx.send(Ok(b)).await.is_ok()
            }
            Item::Bookmark(b) => tx.send(Ok(b)).await.is_ok(),
            Item::Final(b) => {
                let _ = tx.send(Ok(b)).await;
                false
            }
        }
    };
    for item in initial {
        if !send(&tx, item, &mut sent).await {
            return;
        }
    }
    if drop_after == Some(0) {
        let _ = send(&tx, Item::Event(Bytes::new()), &mut sent).await;
        return;
    }
    loop {
        let batch: Vec<Item> = {
            let store = sh.store();
            let items = match store.events_after(last_rv) {
                None => vec![Item::Final(error_line(&too_old(last_rv, &store)))],
                Some(events) => events
                    .filter_map(|ev| spec.translate(ev))
                    .map(|(kind, obj)| Item::Event(spec.event_line(kind, &obj)))
                    .collect(),
            };
            last_rv = store.rv();
            items
        };
        for item in batch {
            if !send(&tx, item, &mut sent).await {
                return;
            }
        }
        let interval = sh.bookmark_interval();
        tokio::select! {
            r = notify.changed() => {
                if r.is_err() {
                    return;
                }
            }
            _ = tokio::time::sleep(interval), if bookmarks => {
                if !send(&tx, Item::Bookmark(spec.bookmark(last_rv, false)), &mut sent).await {
                    return;
                }
            }
            _ = tokio::time::sleep_until(deadline) => {
                if bookmarks {
                    let _ = send(&tx, Item::Bookmark(spec.bookmark(last_rv, false)), &mut sent).await;
                }
                return;
            }
            _ = tx.closed() => return,
        }
    }
}
