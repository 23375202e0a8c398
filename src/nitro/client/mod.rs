//! The NITRO transport: one login session per run, requests with the session cookie, one
//! re-login when the ADC says the session expired, retries of transient failures, bulk
//! requests with per-item results, and the `nsconfig` save. Callers see typed
//! [`NitroError`]s and plain JSON objects; they never see HTTP.
//!
//! Decisions follow NITRO.md §1-3 and §8: the answer's `errorcode` decides, not the HTTP
//! status; empty 2xx bodies are success; numbers may arrive as strings.
//!
//! By concern: `config` (where the ADC is, its CA, the credentials), `wire` (the pure wire
//! format: answers, bulk results, session tokens), `session` (login, logout, re-login) and
//! `transport` (one HTTP exchange, retries by a [`RetryPolicy`]).

mod config;
#[cfg(test)]
mod emulator_tests;
mod encoding;
mod session;
mod transport;
mod wire;

use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use reqwest::Method;
use serde_json::{Map, Value};

use super::NitroError;
use crate::model::DeleteAction;
pub use config::{NitroConfig, Password};
use config::{build_http, normalize_url};
use session::Session;
pub use transport::RetryPolicy;
use wire::{bulk_results, objects_under};

/// One JSON object as NITRO sends and receives it.
type Object = Map<String, Value>;

const API_PREFIX: &str = "/nitro/v1/config";
const AUTH_COOKIE: &str = "NITRO_AUTH_TOKEN";

/// The kind of a bulk request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BulkOp {
    /// `POST /config/<resource>` with an array.
    Add,
    /// `PUT /config/<resource>` with an array.
    Update,
    /// `POST /config/<resource>?action=<rm|unbind>` with an array of identity attributes; the
    /// action is the kind's (`KindSpec::delete_action`): a `*_binding` type has no `rm`.
    Delete(DeleteAction),
}

/// The outcome of one item of a bulk request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemResult {
    pub errorcode: i64,
    pub message: String,
}

impl ItemResult {
    pub fn ok(&self) -> bool {
        self.errorcode == 0
    }

    fn done() -> Self {
        ItemResult {
            errorcode: 0,
            message: "Done".into(),
        }
    }
}

/// Counters for benchmarks and watch logs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RequestStats {
    /// HTTP requests sent to the ADC, including login, logout and retries.
    pub requests: u64,
    /// Those of them that change configuration (bulk requests and saves).
    pub writes: u64,
}

/// A logged-in NITRO session. `Send + Sync`; share it behind an `Arc`. Call
/// [`NitroClient::logout`] at the end: the ADC allows only about 20 concurrent sessions.
pub struct NitroClient {
    http: reqwest::Client,
    /// `scheme://host[:port]`, no trailing slash.
    base: String,
    username: String,
    password: Password,
    session: Mutex<Session>,
    /// Serialises logins so that concurrent callers who all saw an expired session wait for
    /// one re-login instead of each opening a session.
    login_gate: tokio::sync::Mutex<()>,
    requests: AtomicU64,
    writes: AtomicU64,
    retry: RetryPolicy,
}

impl fmt::Debug for NitroClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NitroClient")
            .field("url", &self.base)
            .field("username", &self.username)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

/// Which failures a request may be retried on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Retry {
    /// Reads and login: connect errors, timeouts, resets, unreadable bodies, 503, 272, 1043.
    Reads,
    /// Writes: only failures where the ADC cannot have done anything, or where doing it twice
    /// is harmless to the executor (connect errors, resets before an answer, 503, 272).
    Writes,
    Never,
}

struct Call<'a> {
    method: Method,
    /// For messages and logs.
    resource: &'a str,
    /// From `/nitro/v1/...`, with the query string.
    path: String,
    body: Option<Value>,
    onerror_continue: bool,
    retry: Retry,
    write: bool,
}

impl<'a> Call<'a> {
    /// `GET path`, retried like a read.
    fn get(resource: &'a str, path: String) -> Self {
        Call {
            method: Method::GET,
            resource,
            path,
            body: None,
            onerror_continue: false,
            retry: Retry::Reads,
            write: false,
        }
    }
}

impl NitroClient {
    /// Builds the HTTP client and logs in (`POST /nitro/v1/config/login`). The session token
    /// comes from the answer's `sessionid` or, when the body is empty, from the
    /// `NITRO_AUTH_TOKEN` cookie.
    pub async fn connect(cfg: NitroConfig) -> Result<NitroClient, NitroError> {
        NitroClient::connect_with(cfg, RetryPolicy::default()).await
    }

    /// [`NitroClient::connect`] with another retry policy (shorter delays in tests, say).
    pub async fn connect_with(
        cfg: NitroConfig,
        retry: RetryPolicy,
    ) -> Result<NitroClient, NitroError> {
        // main installs ring's provider; do it here too so a library caller cannot make
        // reqwest panic. Failing means a provider is already installed, which is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let base = normalize_url(&cfg.url)?;
        let http = build_http(&cfg)?;
        let client = NitroClient {
            http,
            base,
            username: cfg.username,
            password: cfg.password,
            session: Mutex::new(Session::default()),
            login_gate: tokio::sync::Mutex::new(()),
            requests: AtomicU64::new(0),
            writes: AtomicU64::new(0),
            retry,
        };
        client.token().await?;
        Ok(client)
    }

    /// `GET /nitro/v1/config/<resource>[/<name>]?<query>`: the objects under the resource key
    /// (none when the key is missing or the ADC answers 258 "No such resource"; a singleton
    /// object comes back as one element). `args` are query parameters such as
    /// `("args", "network:10.244.1.0,netmask:255.255.255.0")` or `("filter", "vxlan:1")`;
    /// their values are encoded once with `:` and `,` kept literal, so a value that itself
    /// contains `,` cannot be expressed.
    pub async fn get(
        &self,
        resource: &str,
        name: Option<&str>,
        args: &[(&str, String)],
    ) -> Result<Vec<Object>, NitroError> {
        let mut path = format!("{API_PREFIX}/{}", encoding::segment(resource));
        if let Some(name) = name {
            path.push('/');
            path.push_str(&encoding::name(name));
        }
        if !args.is_empty() {
            path.push('?');
            path.push_str(&encoding::query(args));
        }
        let call = Call::get(resource, path);
        let answer = self.exchange(&call).await?;
        if !answer.ok() {
            if answer.errorcode == 258 {
                return Ok(Vec::new());
            }
            return Err(answer.into_error(&call.method, resource));
        }
        objects_under(answer.body, resource)
    }

    /// `GET` of a singleton resource (`nsconfig`, `nsversion`): the object under its key.
    pub async fn get_singleton(&self, resource: &str) -> Result<Object, NitroError> {
        let call = Call::get(
            resource,
            format!("{API_PREFIX}/{}", encoding::segment(resource)),
        );
        let answer = self.exchange(&call).await?;
        if !answer.ok() {
            return Err(answer.into_error(&call.method, resource));
        }
        objects_under(answer.body, resource)?
            .into_iter()
            .next()
            .ok_or_else(|| {
                NitroError::Protocol(format!(
                    "GET {resource} answered without a {resource} object"
                ))
            })
    }

    /// One bulk request with `X-NITRO-ONERROR: continue`; one result per item, in order.
    ///
    /// All items succeed → all results ok; 207/1243 → the per-item `response` array; a single
    /// item rejected as a whole request (e.g. 409/273) → that item's result; any other error →
    /// `Err`. Retried on failures before an answer (connect errors, resets, 503, 272): safe
    /// because the executor treats 273 on add and 258 on delete as done.
    pub async fn bulk(
        &self,
        op: BulkOp,
        resource: &str,
        items: &[Object],
    ) -> Result<Vec<ItemResult>, NitroError> {
        if items.is_empty() {
            return Ok(Vec::new());
        }
        let segment = encoding::segment(resource);
        let (method, path) = match op {
            BulkOp::Add => (Method::POST, format!("{API_PREFIX}/{segment}")),
            BulkOp::Update => (Method::PUT, format!("{API_PREFIX}/{segment}")),
            BulkOp::Delete(action) => (
                Method::POST,
                format!("{API_PREFIX}/{segment}?action={}", action.nitro_action()),
            ),
        };
        let mut body = Object::new();
        body.insert(
            resource.to_string(),
            Value::Array(items.iter().cloned().map(Value::Object).collect()),
        );
        let call = Call {
            method,
            resource,
            path,
            body: Some(Value::Object(body)),
            onerror_continue: true,
            retry: Retry::Writes,
            write: true,
        };
        let answer = self.exchange(&call).await?;
        if answer.ok() {
            return Ok(vec![ItemResult::done(); items.len()]);
        }
        bulk_results(answer, items.len())
            .map_err(|answer| answer.into_error(&call.method, resource))
    }

    /// `POST /config/nsconfig?action=save`; while another save runs (293) retries every 2 s for
    /// up to 30 s.
    pub async fn save_config(&self) -> Result<(), NitroError> {
        let call = Call {
            method: Method::POST,
            resource: "nsconfig",
            path: format!("{API_PREFIX}/nsconfig?action=save"),
            body: Some(serde_json::json!({"nsconfig": {}})),
            onerror_continue: false,
            retry: Retry::Writes,
            write: true,
        };
        let deadline = tokio::time::Instant::now() + self.retry.save_retry_for;
        loop {
            let answer = self.exchange(&call).await?;
            if answer.ok() {
                return Ok(());
            }
            if answer.errorcode == 293
                && tokio::time::Instant::now() + self.retry.save_retry_interval <= deadline
            {
                tracing::debug!("save already in progress on the ADC; retrying");
                tokio::time::sleep(self.retry.save_retry_interval).await;
                continue;
            }
            return Err(answer.into_error(&call.method, "nsconfig"));
        }
    }

    /// Counters for benchmarks and watch logs.
    pub fn stats(&self) -> RequestStats {
        RequestStats {
            requests: self.requests.load(Ordering::Relaxed),
            writes: self.writes.load(Ordering::Relaxed),
        }
    }
}
