//! Transport: a hyper HTTP/1.1 server (optionally TLS with a self-signed rcgen certificate)
//! on its own thread and tokio runtime, authentication (session cookie, `sessionid` cookie,
//! `X-NITRO-USER`/`X-NITRO-PASS`), login/logout, fault application, the request log, and
//! the test-only `/_emulator/*` endpoints.

use super::bulk;
use super::faults::Faults;
use super::query::{self, Query, done, error_body, to_nitro_json};
use super::schema::NitroError;
use super::session::{Refused, Sessions};
use super::store::{Store, Switches};
use super::{EmulatorOptions, Fault, LoggedRequest};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::HeaderMap;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

pub(crate) struct Inner {
    pub store: Store,
    pub sessions: Sessions,
    pub faults: Faults,
    pub log: Vec<LoggedRequest>,
    pub opts: EmulatorOptions,
}

pub(crate) type Shared = Arc<Mutex<Inner>>;

pub(crate) fn lock(shared: &Shared) -> MutexGuard<'_, Inner> {
    // a panicking handler must not wedge every later test call
    shared.lock().unwrap_or_else(|e| e.into_inner())
}

pub(crate) fn switches(opts: &EmulatorOptions) -> Switches {
    Switches {
        ha_secondary: opts.ha_secondary,
        clustered: opts.clustered,
        vtep_required_with_vxlan: opts.vtep_required_with_vxlan,
    }
}

impl Inner {
    pub fn new(opts: EmulatorOptions) -> Inner {
        Inner {
            store: Store::fresh(switches(&opts)),
            sessions: Sessions::default(),
            faults: Faults::default(),
            log: Vec::new(),
            opts,
        }
    }
}

/// A running server thread.
pub(crate) struct Running {
    pub port: u16,
    pub ca_pem: Option<String>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn tls_acceptor() -> (tokio_rustls::TlsAcceptor, String) {
    let ck =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .expect("generate self-signed certificate");
    let pem = ck.cert.pem();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(ck.signing_key.serialize_der().into());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS protocol versions")
        .with_no_client_auth()
        .with_single_cert(vec![ck.cert.der().clone()], key)
        .expect("TLS server certificate");
    (tokio_rustls::TlsAcceptor::from(Arc::new(cfg)), pem)
}

/// Bind `127.0.0.1:port` (0 = any) and serve on a new thread. Panics when binding fails.
pub(crate) fn spawn(shared: Shared, port: u16, tls: bool) -> Running {
    let std_listener = std::net::TcpListener::bind(("127.0.0.1", port))
        .unwrap_or_else(|e| panic!("nitro emulator: cannot bind 127.0.0.1:{port}: {e}"));
    std_listener
        .set_nonblocking(true)
        .expect("nonblocking listener");
    let port = std_listener.local_addr().expect("local addr").port();
    let (acceptor, ca_pem) = if tls {
        let (a, pem) = tls_acceptor();
        (Some(a), Some(pem))
    } else {
        (None, None)
    };
    let (tx, mut rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name(format!("nitro-emulator-{port}"))
        .spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("tokio runtime");
            rt.block_on(async move {
                let listener =
                    tokio::net::TcpListener::from_std(std_listener).expect("tokio listener");
                loop {
                    let (tcp, _) = tokio::select! {
                        _ = &mut rx => break,
                        r = listener.accept() => match r {
                            Ok(c) => c,
                            Err(_) => continue,
                        },
                    };
                    let shared = shared.clone();
                    let acceptor = acceptor.clone();
                    tokio::spawn(async move {
                        let keep_alive = !lock(&shared).opts.connection_close;
                        let svc =
                            hyper::service::service_fn(move |req| handle(shared.clone(), req));
                        let builder = {
                            let mut b = hyper::server::conn::http1::Builder::new();
                            b.keep_alive(keep_alive);
                            b
                        };
                        match acceptor {
                            Some(acc) => {
                                if let Ok(stream) = acc.accept(tcp).await {
                                    let _ =
                                        builder.serve_connection(TokioIo::new(stream), svc).await;
                                }
                            }
                            None => {
                                let _ = builder.serve_connection(TokioIo::new(tcp), svc).await;
                            }
                        }
                    });
                }
            });
        })
        .expect("spawn emulator thread");
    Running {
        port,
        ca_pem,
        shutdown: Some(tx),
        thread: Some(thread),
    }
}

/// What to send back.
struct Reply {
    status: u16,
    body: Option<Value>,
    raw: Option<(String, &'static str)>,
    cookies: Vec<String>,
}

impl Reply {
    fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            body: Some(body),
            raw: None,
            cookies: vec![],
        }
    }
    fn error(e: &NitroError) -> Reply {
        Reply::json(e.status, error_body(e))
    }
}

fn reason(status: u16) -> Option<&'static [u8]> {
    match status {
        599 => Some(b"Netscaler specific error"),
        207 => Some(b"Multi Status"),
        209 => Some(b"X-NITRO-WARNING"),
        _ => None,
    }
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

fn cookie(h: &HeaderMap, name: &str) -> Option<String> {
    for v in h.get_all("cookie") {
        let Ok(v) = v.to_str() else { continue };
        for part in v.split(';') {
            if let Some((k, val)) = part.trim().split_once('=')
                && k.trim() == name
            {
                return Some(query::pct(val.trim()));
            }
        }
    }
    None
}

fn session_token(h: &HeaderMap) -> Option<String> {
    cookie(h, "NITRO_AUTH_TOKEN").or_else(|| cookie(h, "sessionid"))
}

async fn handle(
    shared: Shared,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, std::io::Error> {
    let method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map_err(std::io::Error::other)?
        .to_bytes();
    let (latency, conn_close) = {
        let g = lock(&shared);
        (g.opts.latency, g.opts.connection_close)
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    if path.starts_with("/_emulator") {
        let (status, text) = test_endpoint(&shared, &method, &path, &body);
        return Ok(build(
            Reply {
                status,
                body: None,
                raw: Some((text, "application/json; charset=utf-8")),
                cookies: vec![],
            },
            conn_close,
        ));
    }
    let logged_body: Option<Value> = if body.is_empty() {
        None
    } else {
        Some(
            serde_json::from_slice(&body)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned())),
        )
    };
    let onerror = header(&parts.headers, "x-nitro-onerror").map(str::to_string);
    let mut entry = LoggedRequest {
        method: method.clone(),
        path: path.clone(),
        query: query.clone(),
        body: logged_body,
        status: 0,
        errorcode: None,
        onerror,
    };
    let fault = lock(&shared).faults.take(&method, &path, &query);
    match &fault {
        Some(Fault::ConnectionReset { .. }) => {
            lock(&shared).log.push(entry);
            return Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "injected connection reset",
            ));
        }
        Some(Fault::Slow { delay, .. }) => tokio::time::sleep(*delay).await,
        _ => {}
    }
    let reply = {
        let mut g = lock(&shared);
        let r = process(&mut g, &method, &path, &query, &parts.headers, &body, fault);
        entry.status = r.status;
        entry.errorcode = r
            .body
            .as_ref()
            .and_then(|b| b.get("errorcode"))
            .and_then(Value::as_i64);
        g.log.push(entry);
        r
    };
    Ok(build(reply, conn_close))
}

fn build(r: Reply, conn_close: bool) -> Response<Full<Bytes>> {
    let (text, ctype) = match (r.raw, r.body) {
        (Some((t, c)), _) => (t, c),
        (None, Some(b)) => (to_nitro_json(&b), "application/json; charset=utf-8"),
        (None, None) => (String::new(), "application/json; charset=utf-8"),
    };
    let mut resp = Response::new(Full::new(Bytes::from(text)));
    *resp.status_mut() =
        StatusCode::from_u16(r.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Some(p) = reason(r.status) {
        resp.extensions_mut()
            .insert(hyper::ext::ReasonPhrase::from_static(p));
    }
    let h = resp.headers_mut();
    h.insert("content-type", ctype.parse().expect("header"));
    h.insert("server", "Apache".parse().expect("header"));
    h.insert(
        "cache-control",
        "no-store, no-cache, must-revalidate"
            .parse()
            .expect("header"),
    );
    if conn_close {
        h.insert("connection", "close".parse().expect("header"));
    }
    for c in r.cookies {
        if let Ok(v) = c.parse() {
            h.append("set-cookie", v);
        }
    }
    resp
}

fn process(
    g: &mut Inner,
    method: &str,
    path: &str,
    query: &str,
    headers: &HeaderMap,
    body: &[u8],
    fault: Option<Fault>,
) -> Reply {
    match fault {
        Some(Fault::Status503 { .. }) => {
            return Reply {
                status: 503,
                body: None,
                raw: Some((
                    "<html><head><title>503 Service Unavailable</title></head><body><h1>Service Unavailable</h1></body></html>".into(),
                    "text/html; charset=iso-8859-1",
                )),
                cookies: vec![],
            };
        }
        Some(Fault::Internal1043 { .. }) => {
            return Reply::error(&NitroError::e599(1043, "Internal error"));
        }
        Some(Fault::ExpireSession { .. }) => {
            if let Some(t) = session_token(headers) {
                g.sessions.kill(&t);
            }
            return Reply::error(&expired());
        }
        _ => {}
    }
    let Some(target) = query::parse_path(path) else {
        if path.starts_with("/nitro/") {
            return Reply::error(&NitroError::e599(1232, "Invalid object name"));
        }
        return Reply {
            status: 404,
            body: None,
            raw: Some(("Not Found".into(), "text/plain")),
            cookies: vec![],
        };
    };
    if !target.stat && target.typ == "login" {
        return login(g, method, body);
    }
    // authentication
    let token = session_token(headers);
    if let Some(t) = &token {
        if g.sessions.touch(t) == Err(Refused::Expired) {
            return Reply::error(&expired());
        }
    } else {
        let user = header(headers, "x-nitro-user");
        let pass = header(headers, "x-nitro-pass");
        match (user, pass) {
            (Some(u), Some(p)) if u == g.opts.username && p == g.opts.password => {}
            _ => {
                return Reply::error(&NitroError::new(401, 354, "Invalid username or password"));
            }
        }
    }
    if !target.stat && target.typ == "logout" {
        if method != "POST" {
            return Reply::error(&NitroError::e599(1240, "Invalid nitro action or operation"));
        }
        if let Some(t) = token {
            g.sessions.kill(&t);
        }
        return Reply::json(200, Value::Object(done()));
    }
    let q = Query::parse(query);
    if target.stat {
        return stat(g, method, &target.typ, target.name.as_deref());
    }
    if method == "GET" {
        return match query::get(&g.store, &target.typ, target.name.as_deref(), &q) {
            Ok(b) => Reply::json(200, Value::Object(b)),
            Err(e) => Reply::error(&e),
        };
    }
    if !matches!(method, "POST" | "PUT" | "DELETE") {
        return Reply::error(&NitroError::new(
            405,
            1237,
            "Invalid method name. It should be either post, put, get, stat or delete",
        ));
    }
    let onerror = header(headers, "x-nitro-onerror");
    let a = bulk::write(
        &mut g.store,
        &mut g.faults,
        method,
        &target.typ,
        target.name.as_deref(),
        &q,
        body,
        onerror,
    );
    Reply::json(a.status, a.body)
}

fn expired() -> NitroError {
    NitroError::new(401, 444, "Session expired or killed. Please login again")
}

fn login(g: &mut Inner, method: &str, body: &[u8]) -> Reply {
    if method != "POST" {
        return Reply::error(&NitroError::e599(1240, "Invalid nitro action or operation"));
    }
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return Reply::error(&NitroError::e599(1233, "Invalid JSON input"));
    };
    let Some(Value::Object(l)) = v.get("login") else {
        return Reply::error(&NitroError::e599(1232, "Invalid object name"));
    };
    for k in l.keys() {
        if !matches!(k.as_str(), "username" | "password" | "timeout") {
            return Reply::error(&NitroError::invalid_arg(k));
        }
    }
    let user = l.get("username").and_then(Value::as_str).unwrap_or("");
    let pass = l.get("password").and_then(Value::as_str).unwrap_or("");
    if user != g.opts.username || pass != g.opts.password {
        return Reply::error(&NitroError::new(401, 354, "Invalid username or password"));
    }
    let timeout = l
        .get("timeout")
        .and_then(|t| {
            t.as_u64()
                .or_else(|| t.as_str().and_then(|s| s.parse().ok()))
        })
        .filter(|t| *t > 0)
        .map(Duration::from_secs)
        .unwrap_or(g.opts.session_timeout);
    let token = match g.sessions.login(timeout, g.opts.max_sessions) {
        Ok(t) => t,
        Err(_) => return Reply::error(&NitroError::new(401, 445, "Session limit exceeded")),
    };
    let cookie_val = token.replace('#', "%23");
    let mut cookies = vec![format!("NITRO_AUTH_TOKEN={cookie_val}; path=/nitro/v1")];
    if g.opts.login_empty_body {
        cookies.push("SESSID=deleted; Path=/".to_string());
        return Reply {
            status: 201,
            body: None,
            raw: Some((String::new(), "application/json; charset=utf-8")),
            cookies,
        };
    }
    let mut b = done();
    b.insert("sessionid".into(), json!(token));
    Reply {
        status: 201,
        body: Some(Value::Object(b)),
        raw: None,
        cookies,
    }
}

fn stat(g: &Inner, method: &str, typ: &str, name: Option<&str>) -> Reply {
    if method != "GET" {
        return Reply::error(&NitroError::e599(1240, "Invalid nitro action or operation"));
    }
    if typ != "vxlan" {
        return Reply::error(&NitroError::e599(1232, "Invalid object name"));
    }
    let schema = super::schema::schema("vxlan").expect("vxlan schema");
    let mut items: Vec<Value> = g
        .store
        .list(schema)
        .into_iter()
        .filter_map(|o| o.get("id").and_then(Value::as_str).map(str::to_string))
        .filter(|id| name.is_none_or(|n| n == id))
        .map(|id| {
            json!({"id": id, "vxlantotrxpkts": "0", "vxlanrxpktsrate": 0, "vxlantottxpkts": "0",
                   "vxlantxpktsrate": 0, "vxlantotrxbytes": "0", "vxlanrxbytesrate": 0,
                   "vxlantottxbytes": "0", "vxlantxbytesrate": 0})
        })
        .collect();
    if let (Some(n), true) = (name, items.is_empty()) {
        return Reply::error(&NitroError::no_such("id", n));
    }
    let mut b = done();
    if !items.is_empty() {
        b.insert("vxlan".into(), Value::Array(std::mem::take(&mut items)));
    }
    Reply::json(200, Value::Object(b))
}

fn test_endpoint(shared: &Shared, method: &str, path: &str, body: &[u8]) -> (u16, String) {
    let mut g = lock(shared);
    let pretty = |v: &Value| serde_json::to_string_pretty(v).unwrap_or_default();
    match (method, path) {
        ("GET", "/_emulator/state") => (200, pretty(&g.store.dump())),
        ("PUT", "/_emulator/state") => {
            let text = String::from_utf8_lossy(body);
            let parsed: Result<Value, String> = serde_json::from_str(&text)
                .or_else(|_| serde_saphyr::from_str::<Value>(&text).map_err(|e| e.to_string()));
            let mut fresh = Store::fresh(switches(&g.opts));
            match parsed
                .map_err(|e| anyhow::anyhow!(e))
                .and_then(|v| fresh.load(&v))
            {
                Ok(()) => {
                    g.store = fresh;
                    (200, pretty(&json!({"ok": true})))
                }
                Err(e) => (400, pretty(&json!({"error": e.to_string()}))),
            }
        }
        ("GET", "/_emulator/requests") => (
            200,
            serde_json::to_string_pretty(&g.log).unwrap_or_default(),
        ),
        ("POST", "/_emulator/reset") => {
            let opts = g.opts.clone();
            *g = Inner::new(opts);
            (200, pretty(&json!({"ok": true})))
        }
        _ => (404, pretty(&json!({"error": "unknown test endpoint"}))),
    }
}
