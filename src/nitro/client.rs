//! The NITRO transport: one login session per run, requests with the session cookie, one
//! re-login when the ADC says the session expired, retries of transient failures, bulk
//! requests with per-item results, and the `nsconfig` save. Callers see typed
//! [`NitroError`]s and plain JSON objects; they never see HTTP.
//!
//! Decisions follow NITRO.md §1-3 and §8: the answer's `errorcode` decides, not the HTTP
//! status; empty 2xx bodies are success; numbers may arrive as strings.

#[path = "encoding.rs"]
mod encoding;

use std::error::Error as StdError;
use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use reqwest::header::{ACCEPT, CONTENT_TYPE, COOKIE, HeaderMap, HeaderValue, SET_COOKIE};
use reqwest::{Method, StatusCode};
use serde_json::{Map, Value};

use super::NitroError;
use crate::model::DeleteAction;

/// One JSON object as NITRO sends and receives it.
type Object = Map<String, Value>;

const API_PREFIX: &str = "/nitro/v1/config";
const AUTH_COOKIE: &str = "NITRO_AUTH_TOKEN";
/// Retries after the first attempt of a request that failed transiently.
const MAX_RETRIES: u32 = 3;
const BACKOFF_BASE: Duration = Duration::from_millis(250);
/// `nsconfig?action=save` answers 293 while another save runs; poll this often, this long.
const SAVE_RETRY_INTERVAL: Duration = Duration::from_secs(2);
const SAVE_RETRY_FOR: Duration = Duration::from_secs(30);

/// A password that never prints (Debug/Display show `<redacted>`).
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub fn new(s: String) -> Self {
        Password(s)
    }

    /// The secret itself; only for putting it on the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Where the ADC is and how to log in to it.
#[derive(Clone, Debug)]
pub struct NitroConfig {
    /// `https://adc.example.com` or `http://127.0.0.1:9080`; a trailing slash or a trailing
    /// `/nitro/v1` is tolerated, a missing scheme means `https://`.
    pub url: String,
    pub username: String,
    pub password: Password,
    /// PEM bundle to trust instead of the system roots.
    pub ca_file: Option<std::path::PathBuf>,
    /// Accept any server certificate (lab use only).
    pub insecure_skip_tls_verify: bool,
    /// Per request.
    pub timeout: Duration,
}

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
    backoff_base: Duration,
    save_retry_interval: Duration,
    save_retry_for: Duration,
}

#[derive(Default)]
struct Session {
    token: Option<String>,
    /// Bumped at each login, so a caller can tell whether someone re-logged in meanwhile.
    generation: u64,
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

/// A parsed NITRO answer (success or NITRO error).
#[derive(Debug)]
struct Answer {
    status: u16,
    errorcode: i64,
    message: String,
    body: Object,
}

impl Answer {
    fn ok(&self) -> bool {
        self.errorcode == 0 && (200..300).contains(&self.status)
    }

    fn transient(&self) -> bool {
        self.status == 503 || matches!(self.errorcode, 272 | 1043)
    }

    /// 1043 "Internal error" may come after part of a write was done: only reads retry it.
    fn retryable(&self, retry: Retry) -> bool {
        match retry {
            Retry::Reads => self.transient(),
            Retry::Writes => self.status == 503 || self.errorcode == 272,
            Retry::Never => false,
        }
    }

    fn into_error(self, method: &Method, resource: &str) -> NitroError {
        NitroError::Api {
            method: method.to_string(),
            resource: resource.to_string(),
            status: self.status,
            errorcode: self.errorcode,
            message: self.message,
        }
    }
}

/// Why one HTTP exchange produced no NITRO answer.
#[derive(Debug)]
enum Failure {
    /// Could not connect (nothing was sent).
    Connect(String),
    /// The TLS handshake failed (certificate not trusted, ...). Never retried.
    Tls(String),
    /// The request was sent but the connection broke before an answer.
    Reset(String),
    /// The answer's body could not be read.
    Body(String),
    Timeout,
    Fatal(NitroError),
}

impl Failure {
    fn retryable(&self, retry: Retry) -> bool {
        match retry {
            Retry::Reads => matches!(
                self,
                Failure::Connect(_) | Failure::Reset(_) | Failure::Body(_) | Failure::Timeout
            ),
            Retry::Writes => matches!(self, Failure::Connect(_) | Failure::Reset(_)),
            Retry::Never => false,
        }
    }
}

impl NitroClient {
    /// Builds the HTTP client and logs in (`POST /nitro/v1/config/login`). The session token
    /// comes from the answer's `sessionid` or, when the body is empty, from the
    /// `NITRO_AUTH_TOKEN` cookie.
    pub async fn connect(cfg: NitroConfig) -> Result<NitroClient, NitroError> {
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
            backoff_base: BACKOFF_BASE,
            save_retry_interval: SAVE_RETRY_INTERVAL,
            save_retry_for: SAVE_RETRY_FOR,
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
        let call = Call {
            method: Method::GET,
            resource,
            path,
            body: None,
            onerror_continue: false,
            retry: Retry::Reads,
            write: false,
        };
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
        let call = Call {
            method: Method::GET,
            resource,
            path: format!("{API_PREFIX}/{}", encoding::segment(resource)),
            body: None,
            onerror_continue: false,
            retry: Retry::Reads,
            write: false,
        };
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
        let deadline = tokio::time::Instant::now() + self.save_retry_for;
        loop {
            let answer = self.exchange(&call).await?;
            if answer.ok() {
                return Ok(());
            }
            if answer.errorcode == 293
                && tokio::time::Instant::now() + self.save_retry_interval <= deadline
            {
                tracing::debug!("save already in progress on the ADC; retrying");
                tokio::time::sleep(self.save_retry_interval).await;
                continue;
            }
            return Err(answer.into_error(&call.method, "nsconfig"));
        }
    }

    /// `POST /config/logout`; failures are logged at debug and ignored. A later request would
    /// log in again.
    pub async fn logout(&self) {
        let token = self
            .session
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .token
            .take();
        let Some(token) = token else { return };
        let call = Call {
            method: Method::POST,
            resource: "logout",
            path: format!("{API_PREFIX}/logout"),
            body: Some(serde_json::json!({"logout": {}})),
            onerror_continue: false,
            retry: Retry::Never,
            write: false,
        };
        match self.send_once(&call, Some(&token)).await {
            Ok((answer, _)) if answer.ok() => {}
            Ok((answer, _)) => {
                tracing::debug!(
                    errorcode = answer.errorcode,
                    message = %answer.message,
                    "logout refused; ignored"
                );
            }
            Err(failure) => {
                tracing::debug!(error = %self.failure_error(failure), "logout failed; ignored");
            }
        }
    }

    /// Counters for benchmarks and watch logs.
    pub fn stats(&self) -> RequestStats {
        RequestStats {
            requests: self.requests.load(Ordering::Relaxed),
            writes: self.writes.load(Ordering::Relaxed),
        }
    }

    /// Sends an authenticated request: retries transient failures, re-logs in once when the
    /// session expired. Returns NITRO error answers for the caller to judge, except the
    /// authentication ones, which become errors here.
    async fn exchange(&self, call: &Call<'_>) -> Result<Answer, NitroError> {
        let mut relogged = false;
        loop {
            let (token, generation) = self.token().await?;
            let (answer, _) = self.send_retrying(call, Some(&token)).await?;
            match answer.errorcode {
                444 | 1027 if !relogged => {
                    tracing::debug!(
                        errorcode = answer.errorcode,
                        "NITRO session expired; logging in again"
                    );
                    self.relogin(generation).await?;
                    relogged = true;
                }
                // Expired again right after a fresh login: give up rather than loop.
                444 | 1027 => return Err(answer.into_error(&call.method, call.resource)),
                354 => {
                    return Err(NitroError::AuthRejected {
                        user: self.username.clone(),
                    });
                }
                445 => return Err(NitroError::SessionLimit),
                _ => return Ok(answer),
            }
        }
    }

    /// The current session token and its generation, logging in when there is none.
    async fn token(&self) -> Result<(String, u64), NitroError> {
        if let Some(current) = self.current_token() {
            return Ok(current);
        }
        let _gate = self.login_gate.lock().await;
        if let Some(current) = self.current_token() {
            return Ok(current);
        }
        self.login_and_store().await
    }

    /// Replaces the session whose token had `stale_generation`, unless another caller already
    /// did while we waited for the gate.
    async fn relogin(&self, stale_generation: u64) -> Result<(), NitroError> {
        let _gate = self.login_gate.lock().await;
        {
            let mut session = self.session.lock().unwrap_or_else(|e| e.into_inner());
            if session.generation != stale_generation && session.token.is_some() {
                return Ok(());
            }
            session.token = None;
        }
        self.login_and_store().await.map(|_| ())
    }

    fn current_token(&self) -> Option<(String, u64)> {
        let session = self.session.lock().unwrap_or_else(|e| e.into_inner());
        session.token.clone().map(|t| (t, session.generation))
    }

    /// Logs in and stores the token. Callers hold `login_gate`.
    async fn login_and_store(&self) -> Result<(String, u64), NitroError> {
        let token = self.login().await?;
        let mut session = self.session.lock().unwrap_or_else(|e| e.into_inner());
        session.generation += 1;
        session.token = Some(token.clone());
        Ok((token, session.generation))
    }

    /// `POST /config/login` without any auth header or cookie.
    async fn login(&self) -> Result<String, NitroError> {
        let body = serde_json::json!({
            "login": { "username": self.username, "password": self.password.expose() }
        });
        let call = Call {
            method: Method::POST,
            resource: "login",
            path: format!("{API_PREFIX}/login"),
            body: Some(body),
            onerror_continue: false,
            retry: Retry::Reads,
            write: false,
        };
        let (answer, headers) = self.send_retrying(&call, None).await?;
        match answer.errorcode {
            354 => {
                return Err(NitroError::AuthRejected {
                    user: self.username.clone(),
                });
            }
            445 => return Err(NitroError::SessionLimit),
            _ if !answer.ok() => return Err(answer.into_error(&call.method, "login")),
            _ => {}
        }
        session_token(&answer.body, &headers).ok_or_else(|| {
            NitroError::Protocol(
                "login succeeded but the answer carries no session id (neither a sessionid \
                 field nor a NITRO_AUTH_TOKEN cookie)"
                    .into(),
            )
        })
    }

    /// Sends `call`, retrying transient failures with exponential backoff.
    async fn send_retrying(
        &self,
        call: &Call<'_>,
        token: Option<&str>,
    ) -> Result<(Answer, HeaderMap), NitroError> {
        let mut retries = 0;
        loop {
            let outcome = self.send_once(call, token).await;
            let transient = match &outcome {
                Ok((answer, _)) => answer.retryable(call.retry),
                Err(failure) => failure.retryable(call.retry),
            };
            if transient && retries < MAX_RETRIES {
                let delay = self.backoff_base * 2u32.pow(retries);
                retries += 1;
                tracing::debug!(
                    method = %call.method,
                    resource = call.resource,
                    attempt = retries,
                    delay_ms = delay.as_millis() as u64,
                    "transient NITRO failure; retrying"
                );
                tokio::time::sleep(delay).await;
                continue;
            }
            return outcome.map_err(|failure| self.failure_error(failure));
        }
    }

    /// One HTTP exchange.
    async fn send_once(
        &self,
        call: &Call<'_>,
        token: Option<&str>,
    ) -> Result<(Answer, HeaderMap), Failure> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        if call.write {
            self.writes.fetch_add(1, Ordering::Relaxed);
        }
        let url = format!("{}{}", self.base, call.path);
        let mut request = self
            .http
            .request(call.method.clone(), url)
            .header(ACCEPT, "application/json");
        if let Some(token) = token {
            let mut cookie =
                HeaderValue::from_str(&format!("{AUTH_COOKIE}={token}")).map_err(|_| {
                    Failure::Fatal(NitroError::Protocol(
                        "the ADC's session id contains characters that cannot be sent back".into(),
                    ))
                })?;
            cookie.set_sensitive(true);
            request = request.header(COOKIE, cookie);
        }
        if call.onerror_continue {
            request = request.header("X-NITRO-ONERROR", "continue");
        }
        if let Some(body) = &call.body {
            let bytes = serde_json::to_vec(body).map_err(|e| {
                Failure::Fatal(NitroError::Protocol(format!(
                    "cannot encode the request: {e}"
                )))
            })?;
            request = request.header(CONTENT_TYPE, "application/json").body(bytes);
        }
        let response = match request.send().await {
            Ok(response) => response,
            Err(e) => {
                let failure = classify(e);
                tracing::debug!(method = %call.method, path = %call.path, error = ?failure, "NITRO request failed");
                return Err(failure);
            }
        };
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = match response.bytes().await {
            Ok(bytes) => bytes,
            Err(e) => {
                let failure = match classify(e) {
                    Failure::Timeout => Failure::Timeout,
                    Failure::Tls(m)
                    | Failure::Connect(m)
                    | Failure::Reset(m)
                    | Failure::Body(m) => Failure::Body(m),
                    fatal => fatal,
                };
                tracing::debug!(method = %call.method, path = %call.path, status = status.as_u16(), error = ?failure, "NITRO answer unreadable");
                return Err(failure);
            }
        };
        let answer = parse_answer(status, &headers, &bytes).map_err(Failure::Fatal)?;
        tracing::debug!(
            method = %call.method,
            path = %call.path,
            status = answer.status,
            errorcode = answer.errorcode,
            "NITRO request"
        );
        Ok((answer, headers))
    }

    fn failure_error(&self, failure: Failure) -> NitroError {
        let transport = |message: String, tls: bool| NitroError::Transport {
            url: self.base.clone(),
            message,
            tls,
        };
        match failure {
            Failure::Connect(m) => transport(m, false),
            Failure::Tls(m) => transport(m, true),
            Failure::Reset(m) => {
                transport(format!("the connection broke before an answer: {m}"), false)
            }
            Failure::Body(m) => transport(format!("the answer could not be read: {m}"), false),
            Failure::Timeout => NitroError::Timeout,
            Failure::Fatal(e) => e,
        }
    }
}

/// Accepts `https://adc`, `http://127.0.0.1:9080/`, `https://adc/nitro/v1`, `adc` (→ https).
fn normalize_url(url: &str) -> Result<String, NitroError> {
    let trimmed = url.trim();
    let mut base = if trimmed.contains("://") {
        trimmed.to_string()
    } else {
        format!("https://{trimmed}")
    };
    while base.ends_with('/') {
        base.pop();
    }
    for suffix in [API_PREFIX, "/nitro/v1"] {
        if let Some(stripped) = base.strip_suffix(suffix) {
            base = stripped.trim_end_matches('/').to_string();
            break;
        }
    }
    let parsed = reqwest::Url::parse(&base)
        .map_err(|e| NitroError::Config(format!("--adc-url {trimmed:?} is not a URL: {e}")))?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        // Do not echo the URL: it holds credentials.
        return Err(NitroError::Config(
            "--adc-url must not carry a username or password; use --adc-username and \
             --adc-password-file"
                .into(),
        ));
    }
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(NitroError::Config(format!(
            "--adc-url {trimmed:?} must start with https:// or http://"
        )));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(NitroError::Config(format!(
            "--adc-url {trimmed:?} has no host"
        )));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() || parsed.path() != "/" {
        return Err(NitroError::Config(format!(
            "--adc-url {trimmed:?} must be the ADC's address only, like https://adc.example.com"
        )));
    }
    Ok(base)
}

fn build_http(cfg: &NitroConfig) -> Result<reqwest::Client, NitroError> {
    let mut builder = reqwest::Client::builder()
        .timeout(cfg.timeout)
        .gzip(true)
        // A redirect (e.g. http → https) would turn POSTs into GETs; report it instead.
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("kubectl-netscaler/", env!("CARGO_PKG_VERSION")));
    if cfg.insecure_skip_tls_verify {
        builder = builder.tls_danger_accept_invalid_certs(true);
    } else if let Some(path) = &cfg.ca_file {
        let pem = std::fs::read(path).map_err(|e| {
            NitroError::Config(format!(
                "--adc-ca-file {}: cannot read: {e}",
                path.display()
            ))
        })?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
            NitroError::Config(format!(
                "--adc-ca-file {}: not a PEM certificate bundle: {e}",
                path.display()
            ))
        })?;
        if certs.is_empty() {
            return Err(NitroError::Config(format!(
                "--adc-ca-file {}: contains no PEM certificate",
                path.display()
            )));
        }
        builder = builder.tls_certs_only(certs);
    }
    builder
        .build()
        .map_err(|e| NitroError::Config(format!("cannot set up the HTTPS client: {}", chain(&e))))
}

/// Parses one answer. Empty 2xx bodies are success; non-JSON error pages (a proxy's 502, a
/// bare 503) become answers with errorcode 0 so that the status decides.
fn parse_answer(
    status: StatusCode,
    headers: &HeaderMap,
    bytes: &[u8],
) -> Result<Answer, NitroError> {
    let code = status.as_u16();
    if status.is_redirection() {
        let location = headers
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("elsewhere");
        return Err(NitroError::Protocol(format!(
            "the ADC redirected to {location}; set --adc-url to the address it redirects to"
        )));
    }
    let text = String::from_utf8_lossy(bytes);
    if text.trim().is_empty() {
        return Ok(Answer {
            status: code,
            errorcode: 0,
            message: status.canonical_reason().unwrap_or("").into(),
            body: Object::new(),
        });
    }
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(body)) => {
            let errorcode = match body.get("errorcode") {
                None | Some(Value::Null) => 0,
                Some(v) => as_i64(v).ok_or_else(|| {
                    NitroError::Protocol(format!("HTTP {code} with a non-numeric errorcode {v}"))
                })?,
            };
            let message = body
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or_else(|| status.canonical_reason().unwrap_or(""))
                .to_string();
            Ok(Answer {
                status: code,
                errorcode,
                message,
                body,
            })
        }
        Ok(_) | Err(_) if !status.is_success() => Ok(Answer {
            status: code,
            errorcode: 0,
            message: status.canonical_reason().unwrap_or("").into(),
            body: Object::new(),
        }),
        Ok(other) => Err(NitroError::Protocol(format!(
            "HTTP {code} with a JSON {} instead of an object",
            json_kind(&other)
        ))),
        Err(e) => Err(NitroError::Protocol(format!(
            "HTTP {code} with a body that is not JSON ({e}): {}",
            snippet(&text)
        ))),
    }
}

/// The objects under the resource key: an array, a single object, or nothing.
fn objects_under(mut body: Object, resource: &str) -> Result<Vec<Object>, NitroError> {
    let key = if body.contains_key(resource) {
        Some(resource.to_string())
    } else {
        // "Interface" comes back capitalised.
        body.keys()
            .find(|k| k.eq_ignore_ascii_case(resource))
            .cloned()
    };
    match key.and_then(|k| body.remove(&k)) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Object(object)) => Ok(vec![object]),
        Some(Value::Array(items)) => items
            .into_iter()
            .map(|item| match item {
                Value::Object(object) => Ok(object),
                other => Err(NitroError::Protocol(format!(
                    "GET {resource} returned a {} where an object was expected",
                    json_kind(&other)
                ))),
            })
            .collect(),
        Some(other) => Err(NitroError::Protocol(format!(
            "GET {resource} returned a {} under {resource:?}",
            json_kind(&other)
        ))),
    }
}

/// Per-item results of a failed bulk answer, or the answer back when it is a request-level
/// error.
fn bulk_results(answer: Answer, count: usize) -> Result<Vec<ItemResult>, Answer> {
    if let Some(Value::Array(items)) = answer.body.get("response") {
        let mut results: Vec<ItemResult> = items
            .iter()
            .map(|item| ItemResult {
                errorcode: item.get("errorcode").and_then(as_i64).unwrap_or(0),
                message: item
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
            })
            .collect();
        // With onerror=continue every item has an entry; fill gaps defensively.
        results.truncate(count);
        while results.len() < count {
            results.push(ItemResult {
                errorcode: answer.errorcode,
                message: "the ADC's bulk answer has no result for this item".into(),
            });
        }
        return Ok(results);
    }
    // A one-item "bulk" may be answered like a single request (e.g. 409/273); that is the
    // item's result. Errors about the request itself stay errors.
    let request_level = matches!(answer.errorcode, 0 | 1232..=1240 | 1243) || answer.transient();
    if count == 1 && !request_level {
        return Ok(vec![ItemResult {
            errorcode: answer.errorcode,
            message: answer.message,
        }]);
    }
    Err(answer)
}

/// The token from a login answer: the body's `sessionid`, else the `NITRO_AUTH_TOKEN` cookie.
fn session_token(body: &Object, headers: &HeaderMap) -> Option<String> {
    if let Some(id) = body
        .get("sessionid")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty())
    {
        return Some(id.to_string());
    }
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|cookie| {
            let first = cookie.split(';').next()?.trim();
            let (name, value) = first.split_once('=')?;
            (name.trim() == AUTH_COOKIE && !value.trim().is_empty())
                .then(|| encoding::decode(value.trim()))
        })
}

/// NITRO numbers may be strings.
fn as_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn snippet(text: &str) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > 200 {
        format!("{}...", flat.chars().take(200).collect::<String>())
    } else {
        flat
    }
}

/// Sorts a reqwest error into what we retry and how we explain it.
fn classify(e: reqwest::Error) -> Failure {
    let e = e.without_url();
    let message = chain(&e);
    if causes(&e).any(|c| c.downcast_ref::<rustls::Error>().is_some()) {
        return Failure::Tls(message);
    }
    if e.is_timeout() {
        Failure::Timeout
    } else if e.is_connect() {
        Failure::Connect(message)
    } else if e.is_body() || e.is_decode() {
        Failure::Body(message)
    } else {
        Failure::Reset(message)
    }
}

/// The error and its causes, looking inside `io::Error`s (whose `source()` skips the error
/// they wrap).
fn causes<'a>(
    e: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(
        Some(e),
        |&current: &&'a (dyn StdError + 'static)| match current
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
        {
            Some(inner) => Some(inner as &(dyn StdError + 'static)),
            None => current.source(),
        },
    )
}

/// "a: b: c" from an error chain, skipping causes already spelled out by their parent and
/// the HTTP stack's generic wrappers ("error sending request", "client error (Connect)").
fn chain(e: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in causes(e) {
        let text = cause.to_string();
        let generic =
            text.starts_with("error sending request") || text.starts_with("client error (");
        if text.is_empty() || generic || parts.last().is_some_and(|last| last.contains(&text)) {
            continue;
        }
        parts.push(text);
    }
    if parts.is_empty() {
        return e.to_string();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn answer(status: u16, body: &str) -> Result<Answer, NitroError> {
        parse_answer(
            StatusCode::from_u16(status).unwrap(),
            &HeaderMap::new(),
            body.as_bytes(),
        )
    }

    fn object(v: Value) -> Object {
        match v {
            Value::Object(o) => o,
            _ => panic!("not an object"),
        }
    }

    #[test]
    fn empty_2xx_body_is_success() {
        let a = answer(200, "").unwrap();
        assert!(a.ok());
        let a = answer(201, "  \n").unwrap();
        assert!(a.ok());
    }

    #[test]
    fn errorcode_decides_and_may_be_a_string() {
        let a = answer(
            200,
            r#"{"errorcode":"278","message":"Invalid argument [x]"}"#,
        )
        .unwrap();
        assert!(!a.ok());
        assert_eq!(a.errorcode, 278);
        let a = answer(599, r#"{ "errorcode": 604, "message": "The gateway is not directly reachable", "severity": "ERROR" }"#).unwrap();
        let e = a.into_error(&Method::POST, "route");
        assert_eq!(
            e.to_string(),
            r#"ADC answered 599 errorcode 604 "The gateway is not directly reachable" to POST route"#
        );
    }

    #[test]
    fn non_json_error_pages_keep_their_status_and_non_json_success_is_a_protocol_error() {
        let a = answer(503, "<html>busy</html>").unwrap();
        assert!(a.transient());
        assert!(!a.ok());
        let e = answer(200, "<html>login page</html>").unwrap_err();
        assert!(matches!(e, NitroError::Protocol(_)), "{e}");
        let e = answer(200, "[1,2]").unwrap_err();
        assert!(e.to_string().contains("array"), "{e}");
    }

    #[test]
    fn redirects_are_reported_with_their_target() {
        let mut headers = HeaderMap::new();
        headers.insert(
            reqwest::header::LOCATION,
            HeaderValue::from_static("https://adc/"),
        );
        let e = parse_answer(StatusCode::FOUND, &headers, b"").unwrap_err();
        assert!(e.to_string().contains("https://adc/"), "{e}");
    }

    #[test]
    fn objects_under_handles_arrays_singletons_missing_keys_and_odd_case() {
        let body =
            object(json!({"errorcode":0,"route":[{"network":"10.0.0.0"},{"network":"10.1.0.0"}]}));
        assert_eq!(objects_under(body, "route").unwrap().len(), 2);
        let body = object(json!({"errorcode":0,"message":"Done"}));
        assert!(objects_under(body, "route").unwrap().is_empty());
        let body = object(json!({"nsconfig":{"configchanged":true}}));
        let got = objects_under(body, "nsconfig").unwrap();
        assert_eq!(got[0]["configchanged"], json!(true));
        let body = object(json!({"Interface":[{"id":"1/1"}]}));
        assert_eq!(objects_under(body, "interface").unwrap().len(), 1);
        let body = object(json!({"route":["x"]}));
        assert!(objects_under(body, "route").is_err());
    }

    #[test]
    fn bulk_207_gives_per_item_results_in_order() {
        let a = answer(
            207,
            r#"{"errorcode":1243,"message":"Bulk operation failed","severity":"ERROR","response":[
                {"errorcode":0,"message":"Done","severity":"NONE"},
                {"errorcode":"273","message":"Resource already exists","severity":"ERROR"},
                {"errorcode":0,"message":"Done","severity":"NONE"}]}"#,
        )
        .unwrap();
        let results = bulk_results(a, 3).unwrap();
        assert_eq!(
            results.iter().map(|r| r.errorcode).collect::<Vec<_>>(),
            vec![0, 273, 0]
        );
        assert!(results[0].ok());
        assert!(!results[1].ok());
        assert_eq!(results[1].message, "Resource already exists");
    }

    #[test]
    fn bulk_short_response_array_is_padded_with_failures() {
        let a = answer(
            207,
            r#"{"errorcode":1243,"message":"Bulk operation failed","response":[{"errorcode":278,"message":"Invalid argument"}]}"#,
        )
        .unwrap();
        let results = bulk_results(a, 2).unwrap();
        assert_eq!(results.len(), 2);
        assert!(!results[1].ok());
    }

    #[test]
    fn one_item_bulk_answered_like_a_single_request_is_that_items_result() {
        let a = answer(
            409,
            r#"{"errorcode":273,"message":"Resource already exists [id, 1]"}"#,
        )
        .unwrap();
        let results = bulk_results(a, 1).unwrap();
        assert_eq!(results[0].errorcode, 273);
        let a = answer(
            409,
            r#"{"errorcode":273,"message":"Resource already exists"}"#,
        )
        .unwrap();
        assert!(bulk_results(a, 2).is_err());
        let a = answer(599, r#"{"errorcode":1232,"message":"Invalid object name"}"#).unwrap();
        assert!(bulk_results(a, 1).is_err());
    }

    #[test]
    fn session_token_from_body_or_percent_decoded_cookie() {
        let body = object(json!({"errorcode":0,"sessionid":"##ABC"}));
        assert_eq!(
            session_token(&body, &HeaderMap::new()).as_deref(),
            Some("##ABC")
        );
        let mut headers = HeaderMap::new();
        headers.append(
            SET_COOKIE,
            HeaderValue::from_static("SESSID=deleted; Path=/"),
        );
        headers.append(
            SET_COOKIE,
            HeaderValue::from_static("NITRO_AUTH_TOKEN=%23%23DEF0; path=/nitro/v1"),
        );
        assert_eq!(
            session_token(&Object::new(), &headers).as_deref(),
            Some("##DEF0")
        );
        assert_eq!(session_token(&Object::new(), &HeaderMap::new()), None);
    }

    #[test]
    fn urls_are_normalised() {
        for (input, want) in [
            ("https://adc.example.com", "https://adc.example.com"),
            ("https://adc.example.com/", "https://adc.example.com"),
            (
                "https://adc.example.com/nitro/v1",
                "https://adc.example.com",
            ),
            (
                "https://adc.example.com/nitro/v1/",
                "https://adc.example.com",
            ),
            (
                "http://127.0.0.1:9080/nitro/v1/config",
                "http://127.0.0.1:9080",
            ),
            ("adc.example.com", "https://adc.example.com"),
            ("https://[2001:db8::1]:8443", "https://[2001:db8::1]:8443"),
        ] {
            assert_eq!(normalize_url(input).unwrap(), want, "{input}");
        }
        for bad in [
            "ftp://adc",
            "https://adc/some/path",
            "https://adc?x=1",
            "https://",
        ] {
            assert!(normalize_url(bad).is_err(), "{bad}");
        }
        let e = normalize_url("https://nsroot:s3cret@adc").unwrap_err();
        assert!(!e.to_string().contains("s3cret"), "{e}");
    }

    #[test]
    fn passwords_never_print() {
        let cfg = NitroConfig {
            url: "https://adc".into(),
            username: "nsroot".into(),
            password: Password::new("hunter2-secret".into()),
            ca_file: None,
            insecure_skip_tls_verify: false,
            timeout: Duration::from_secs(5),
        };
        let debug = format!("{cfg:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(debug.contains("<redacted>"), "{debug}");
        assert_eq!(cfg.password.to_string(), "<redacted>");
        assert_eq!(cfg.password.expose(), "hunter2-secret");
    }

    #[test]
    fn numbers_may_be_strings() {
        assert_eq!(as_i64(&json!("444")), Some(444));
        assert_eq!(as_i64(&json!(444)), Some(444));
        assert_eq!(as_i64(&json!(" 12 ")), Some(12));
        assert_eq!(as_i64(&json!("x")), None);
    }
}

/// Against the NITRO emulator (its own thread and runtime on loopback).
#[cfg(test)]
mod emulator_tests {
    use super::*;
    use netscaler_testbed::nitro::{Emulator, EmulatorOptions, Fault, LoggedRequest, Match};
    use serde_json::json;
    use std::sync::Arc;

    fn config(emu: &Emulator, password: &str) -> NitroConfig {
        NitroConfig {
            url: emu.url(),
            username: "nsroot".into(),
            password: Password::new(password.into()),
            ca_file: None,
            insecure_skip_tls_verify: false,
            timeout: Duration::from_secs(5),
        }
    }

    /// Connects with short retry delays so that tests stay fast.
    async fn connect_with(cfg: NitroConfig) -> Result<NitroClient, NitroError> {
        let mut client = NitroClient::connect(cfg).await?;
        client.backoff_base = Duration::from_millis(10);
        client.save_retry_interval = Duration::from_millis(20);
        client.save_retry_for = Duration::from_millis(500);
        Ok(client)
    }

    async fn connect(emu: &Emulator) -> NitroClient {
        connect_with(config(emu, "nsroot")).await.expect("login")
    }

    fn logins(emu: &Emulator) -> usize {
        emu.requests()
            .iter()
            .filter(|r| r.path.ends_with("/config/login"))
            .count()
    }

    fn requests_to(emu: &Emulator, path_end: &str) -> Vec<LoggedRequest> {
        emu.requests()
            .into_iter()
            .filter(|r| r.path.ends_with(path_end))
            .collect()
    }

    fn vxlan(id: u32) -> Object {
        object(json!({"id": id, "port": 8472}))
    }

    fn object(v: Value) -> Object {
        match v {
            Value::Object(o) => o,
            _ => panic!("not an object"),
        }
    }

    fn ids(objects: &[Object]) -> Vec<i64> {
        let mut ids: Vec<i64> = objects.iter().filter_map(|o| as_i64(&o["id"])).collect();
        ids.sort();
        ids
    }

    fn on(method: &str, path: &str) -> Match {
        Match {
            method: Some(method.into()),
            path_contains: Some(path.into()),
        }
    }

    #[tokio::test]
    async fn login_from_body_then_read_and_log_out() {
        let emu = Emulator::start(EmulatorOptions::default());
        emu.load_state(&json!({"vxlan": [{"id": 7, "port": 8472}]}))
            .unwrap();
        let client = connect(&emu).await;
        let got = client.get("vxlan", None, &[]).await.unwrap();
        assert_eq!(ids(&got), vec![7]);
        assert_eq!(emu.active_sessions(), 1);
        client.logout().await;
        assert_eq!(emu.active_sessions(), 0);
        let login = &requests_to(&emu, "/config/login")[0];
        assert_eq!(login.method, "POST");
        assert_eq!(login.status, 201);
        assert_eq!(client.stats().requests, 3);
        assert_eq!(client.stats().writes, 0);
    }

    #[tokio::test]
    async fn login_from_cookie_when_the_body_is_empty() {
        let emu = Emulator::start(EmulatorOptions {
            login_empty_body: true,
            ..Default::default()
        });
        let client = connect(&emu).await;
        let version = client.get_singleton("nsversion").await.unwrap();
        assert!(version["version"].as_str().unwrap().contains("NetScaler"));
        client.logout().await;
        assert_eq!(emu.active_sessions(), 0);
    }

    #[tokio::test]
    async fn bad_credentials_fail_once_without_looping_or_echoing_the_password() {
        let emu = Emulator::start(EmulatorOptions::default());
        let err = connect_with(config(&emu, "wrong-Pa55word"))
            .await
            .unwrap_err();
        assert!(matches!(err, NitroError::AuthRejected { .. }), "{err:?}");
        assert_eq!(err.errorcode(), Some(354));
        assert!(err.to_string().contains("password source"), "{err}");
        assert!(!err.to_string().contains("wrong-Pa55word"));
        assert!(!format!("{err:?}").contains("wrong-Pa55word"));
        assert_eq!(logins(&emu), 1);
    }

    #[tokio::test]
    async fn expired_session_is_renewed_once_and_the_request_retried() {
        let emu = Emulator::start(EmulatorOptions::default());
        let client = connect(&emu).await;
        client.get("vxlan", None, &[]).await.unwrap();
        emu.expire_all_sessions();
        client.get("vxlan", None, &[]).await.unwrap();
        assert_eq!(logins(&emu), 2);
        // The same through the fault hook, on a write.
        emu.inject(Fault::ExpireSession {
            on: on("POST", "vxlan"),
            times: 1,
        });
        let results = client
            .bulk(BulkOp::Add, "vxlan", &[vxlan(1)])
            .await
            .unwrap();
        assert!(results[0].ok(), "{results:?}");
        assert_eq!(logins(&emu), 3);
        assert_eq!(emu.active_sessions(), 1);
    }

    #[tokio::test]
    async fn a_session_that_keeps_expiring_is_an_error_not_a_loop() {
        let emu = Emulator::start(EmulatorOptions::default());
        let client = connect(&emu).await;
        emu.inject(Fault::ExpireSession {
            on: on("GET", "vxlan"),
            times: 5,
        });
        let err = client.get("vxlan", None, &[]).await.unwrap_err();
        assert_eq!(err.errorcode(), Some(444), "{err}");
        assert_eq!(logins(&emu), 2);
        // A one-item bulk reports it as an error too, not as the item's result.
        emu.clear_faults();
        emu.inject(Fault::ExpireSession {
            on: on("POST", "vxlan"),
            times: 5,
        });
        let err = client
            .bulk(BulkOp::Add, "vxlan", &[vxlan(1)])
            .await
            .unwrap_err();
        assert_eq!(err.errorcode(), Some(444), "{err}");
        assert_eq!(logins(&emu), 3);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_callers_share_one_relogin() {
        let emu = Emulator::start(EmulatorOptions::default());
        let client = Arc::new(connect(&emu).await);
        emu.expire_all_sessions();
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let client = client.clone();
                tokio::spawn(async move { client.get("vxlan", None, &[]).await })
            })
            .collect();
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        assert_eq!(logins(&emu), 2);
        assert_eq!(emu.active_sessions(), 1);
    }

    #[tokio::test]
    async fn transient_read_failures_are_retried() {
        let emu = Emulator::start(EmulatorOptions::default());
        emu.load_state(&json!({"vxlan": [{"id": 3}]})).unwrap();
        let client = connect(&emu).await;
        for fault in [
            Fault::Status503 {
                on: on("GET", "vxlan"),
                times: 2,
            },
            Fault::Internal1043 {
                on: on("GET", "vxlan"),
                times: 2,
            },
            Fault::ConnectionReset {
                on: on("GET", "vxlan"),
                times: 2,
            },
        ] {
            emu.clear_requests();
            emu.inject(fault.clone());
            let got = client.get("vxlan", None, &[]).await;
            assert_eq!(ids(&got.unwrap()), vec![3], "{fault:?}");
            assert_eq!(requests_to(&emu, "/config/vxlan").len(), 3, "{fault:?}");
        }
    }

    #[tokio::test]
    async fn reads_give_up_after_three_retries() {
        let emu = Emulator::start(EmulatorOptions::default());
        let client = connect(&emu).await;
        emu.inject(Fault::Status503 {
            on: on("GET", "vxlan"),
            times: 10,
        });
        let err = client.get("vxlan", None, &[]).await.unwrap_err();
        assert_eq!(err.status(), Some(503), "{err}");
        assert!(err.is_transient());
        assert_eq!(requests_to(&emu, "/config/vxlan").len(), 4);
    }

    #[tokio::test]
    async fn a_slow_answer_times_out_and_the_read_is_retried() {
        let emu = Emulator::start(EmulatorOptions::default());
        let mut cfg = config(&emu, "nsroot");
        cfg.timeout = Duration::from_millis(300);
        let client = connect_with(cfg).await.unwrap();
        emu.inject(Fault::Slow {
            on: on("GET", "vxlan"),
            times: 1,
            delay: Duration::from_secs(2),
        });
        client.get("vxlan", None, &[]).await.unwrap();
        emu.inject(Fault::Slow {
            on: on("GET", "vxlan"),
            times: 4,
            delay: Duration::from_secs(2),
        });
        let err = client.get("vxlan", None, &[]).await.unwrap_err();
        assert!(matches!(err, NitroError::Timeout), "{err:?}");
    }

    #[tokio::test]
    async fn bulk_add_reports_each_item_and_keeps_the_others() {
        let emu = Emulator::start(EmulatorOptions::default());
        emu.inject(Fault::FailItem {
            resource: "vxlan".into(),
            field: "id".into(),
            value: "2".into(),
            errorcode: 278,
            message: "Invalid argument [id]".into(),
        });
        let client = connect(&emu).await;
        let results = client
            .bulk(BulkOp::Add, "vxlan", &[vxlan(1), vxlan(2), vxlan(3)])
            .await
            .unwrap();
        assert_eq!(
            results.iter().map(|r| r.errorcode).collect::<Vec<_>>(),
            vec![0, 278, 0]
        );
        assert_eq!(results[1].message, "Invalid argument [id]");
        assert_eq!(
            ids(&client.get("vxlan", None, &[]).await.unwrap()),
            vec![1, 3]
        );
        let add = &requests_to(&emu, "/config/vxlan")[0];
        assert_eq!((add.method.as_str(), add.status), ("POST", 207));
        assert_eq!(add.onerror.as_deref(), Some("continue"));
        assert_eq!(client.stats().writes, 1);
    }

    #[tokio::test]
    async fn bulk_add_of_existing_objects_reports_273_per_item() {
        let emu = Emulator::start(EmulatorOptions::default());
        emu.load_state(&json!({"vxlan": [{"id": 1, "port": 8472}]}))
            .unwrap();
        let client = connect(&emu).await;
        let results = client
            .bulk(BulkOp::Add, "vxlan", &[vxlan(1), vxlan(2)])
            .await
            .unwrap();
        assert_eq!(results[0].errorcode, 273);
        assert!(results[1].ok());
        let single = client
            .bulk(BulkOp::Add, "vxlan", &[vxlan(2)])
            .await
            .unwrap();
        assert_eq!(single[0].errorcode, 273, "{single:?}");
    }

    #[tokio::test]
    async fn bulk_update_and_delete() {
        let emu = Emulator::start(EmulatorOptions::default());
        emu.load_state(&json!({"vxlan": [{"id": 1, "port": 8472}, {"id": 2, "port": 8472}]}))
            .unwrap();
        let client = connect(&emu).await;
        let update = [
            object(json!({"id": 1, "port": 4789})),
            object(json!({"id": 2, "port": "4789"})),
        ];
        let results = client.bulk(BulkOp::Update, "vxlan", &update).await.unwrap();
        assert!(results.iter().all(ItemResult::ok), "{results:?}");
        let got = client.get("vxlan", Some("1"), &[]).await.unwrap();
        assert_eq!(as_i64(&got[0]["port"]), Some(4789));

        let delete = [
            object(json!({"id": 1})),
            object(json!({"id": 2})),
            object(json!({"id": 9})),
        ];
        let results = client
            .bulk(BulkOp::Delete(DeleteAction::Rm), "vxlan", &delete)
            .await
            .unwrap();
        assert!(results[0].ok() && results[1].ok(), "{results:?}");
        assert_eq!(results[2].errorcode, 258);
        assert!(client.get("vxlan", None, &[]).await.unwrap().is_empty());
        let rm = requests_to(&emu, "/config/vxlan")
            .into_iter()
            .find(|r| r.query.contains("action=rm"))
            .expect("a POST ?action=rm");
        assert_eq!(rm.method, "POST");
        assert_eq!(rm.onerror.as_deref(), Some("continue"));
        // Nothing to do means no request.
        let before = client.stats();
        assert!(
            client
                .bulk(BulkOp::Delete(DeleteAction::Rm), "vxlan", &[])
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(client.stats(), before);
    }

    /// A binding is removed with `?action=unbind`: the ADC has no `rm` for binding types.
    #[tokio::test]
    async fn bulk_delete_sends_the_kinds_action() {
        let emu = Emulator::start(EmulatorOptions::default());
        emu.load_state(&json!({
            "nsip": [{"ipaddress": "192.0.2.10", "netmask": "255.255.255.0", "type": "SNIP"}],
            "vxlan": [{"id": 1, "port": 8472}],
            "vxlan_srcip_binding": [{"id": 1, "srcip": "192.0.2.10"}],
        }))
        .unwrap();
        let client = connect(&emu).await;
        let results = client
            .bulk(
                BulkOp::Delete(DeleteAction::Unbind),
                "vxlan_srcip_binding",
                &[object(json!({"id": 1, "srcip": "192.0.2.10"}))],
            )
            .await
            .unwrap();
        assert!(results.iter().all(ItemResult::ok), "{results:?}");
        assert!(
            client
                .get("vxlan_srcip_binding", Some("1"), &[])
                .await
                .unwrap()
                .is_empty()
        );
        let sent = requests_to(&emu, "/config/vxlan_srcip_binding");
        assert!(
            sent.iter()
                .any(|r| r.method == "POST" && r.query == "action=unbind"),
            "{sent:?}"
        );
    }

    #[tokio::test]
    async fn writes_are_retried_on_503_and_resets_but_not_on_internal_errors() {
        let emu = Emulator::start(EmulatorOptions::default());
        let client = connect(&emu).await;
        emu.inject(Fault::Status503 {
            on: on("POST", "vxlan"),
            times: 1,
        });
        let results = client
            .bulk(BulkOp::Add, "vxlan", &[vxlan(1)])
            .await
            .unwrap();
        assert!(results[0].ok(), "{results:?}");
        emu.inject(Fault::ConnectionReset {
            on: on("POST", "vxlan"),
            times: 1,
        });
        let results = client
            .bulk(BulkOp::Add, "vxlan", &[vxlan(2), vxlan(3)])
            .await
            .unwrap();
        assert!(results.iter().all(ItemResult::ok), "{results:?}");
        emu.inject(Fault::Internal1043 {
            on: on("POST", "vxlan"),
            times: 1,
        });
        let err = client
            .bulk(BulkOp::Add, "vxlan", &[vxlan(4), vxlan(5)])
            .await
            .unwrap_err();
        assert_eq!(err.errorcode(), Some(1043), "{err}");
    }

    #[tokio::test]
    async fn save_waits_out_a_concurrent_save() {
        let emu = Emulator::start(EmulatorOptions::default());
        let client = connect(&emu).await;
        emu.inject(Fault::SaveBusy293 { times: 2 });
        client.save_config().await.unwrap();
        let saves = requests_to(&emu, "/config/nsconfig");
        assert_eq!(saves.len(), 3);
        assert!(saves.iter().all(|r| r.query.contains("action=save")));
        assert_eq!(saves.last().unwrap().status, 200);
        // Busy for longer than the retry window: the 293 is reported.
        emu.inject(Fault::SaveBusy293 { times: 100 });
        let err = client.save_config().await.unwrap_err();
        assert_eq!(err.errorcode(), Some(293), "{err}");
        emu.clear_faults();
    }

    #[tokio::test]
    async fn names_are_double_encoded_and_found() {
        let emu = Emulator::start(EmulatorOptions::default());
        let client = connect(&emu).await;
        let name = "k8s web:80#a";
        let server = object(json!({"name": name, "ipaddress": "10.244.1.5"}));
        let results = client.bulk(BulkOp::Add, "server", &[server]).await.unwrap();
        assert!(results[0].ok(), "{results:?}");
        let got = client.get("server", Some(name), &[]).await.unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0]["name"], json!(name));
        let by_name = requests_to(&emu, "k8s%2520web%253A80%2523a");
        assert_eq!(by_name.len(), 1, "{:?}", emu.requests());
        let filtered = client
            .get("server", None, &[("filter", "ipaddress:10.244.1.5".into())])
            .await
            .unwrap();
        assert_eq!(filtered.len(), 1);
        assert!(
            emu.requests()
                .iter()
                .any(|r| r.query == "filter=ipaddress:10.244.1.5")
        );
        // A missing name is an empty answer, not an error.
        assert!(
            client
                .get("server", Some("nope"), &[])
                .await
                .unwrap()
                .is_empty()
        );
    }

    #[tokio::test]
    async fn unknown_resources_are_api_errors() {
        let emu = Emulator::start(EmulatorOptions::default());
        let client = connect(&emu).await;
        let err = client.get("nosuchthing", None, &[]).await.unwrap_err();
        assert_eq!(err.errorcode(), Some(1232), "{err}");
        assert!(err.to_string().contains("to GET nosuchthing"), "{err}");
    }

    #[tokio::test]
    async fn unreachable_adc_is_a_transport_error() {
        // Bind and drop to get a port nobody listens on.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut client_cfg = config(&Emulator::start(EmulatorOptions::default()), "nsroot");
        client_cfg.url = format!("http://127.0.0.1:{port}");
        let err = NitroClient::connect(client_cfg).await.unwrap_err();
        assert!(
            matches!(err, NitroError::Transport { tls: false, .. }),
            "{err:?}"
        );
        assert!(
            err.to_string().contains(&format!("127.0.0.1:{port}")),
            "{err}"
        );
    }

    #[tokio::test]
    async fn https_needs_the_ca_file_or_the_insecure_switch() {
        let emu = Emulator::start(EmulatorOptions {
            tls: true,
            ..Default::default()
        });
        let err = connect_with(config(&emu, "nsroot")).await.unwrap_err();
        assert!(
            matches!(err, NitroError::Transport { tls: true, .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("--adc-ca-file"), "{err}");
        assert!(err.to_string().contains("certificate"), "{err}");
        assert!(!err.to_string().contains("client error"), "{err}");
        assert!(!err.is_transient());
        assert_eq!(logins(&emu), 0);

        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("adc-ca.pem");
        std::fs::write(&ca, emu.ca_pem().expect("ca pem")).unwrap();
        let mut cfg = config(&emu, "nsroot");
        cfg.ca_file = Some(ca);
        let client = connect_with(cfg).await.unwrap();
        client.get("vxlan", None, &[]).await.unwrap();
        client.logout().await;

        let mut cfg = config(&emu, "nsroot");
        cfg.insecure_skip_tls_verify = true;
        let client = connect_with(cfg).await.unwrap();
        client.get("vxlan", None, &[]).await.unwrap();
        client.logout().await;

        let mut cfg = config(&emu, "nsroot");
        cfg.ca_file = Some(dir.path().join("missing.pem"));
        let err = connect_with(cfg).await.unwrap_err();
        assert!(matches!(err, NitroError::Config(_)), "{err:?}");
        assert!(err.to_string().contains("--adc-ca-file"), "{err}");
    }

    #[tokio::test]
    async fn session_limit_is_explained() {
        let emu = Emulator::start(EmulatorOptions {
            max_sessions: 1,
            ..Default::default()
        });
        let _first = connect(&emu).await;
        let err = connect_with(config(&emu, "nsroot")).await.unwrap_err();
        assert!(matches!(err, NitroError::SessionLimit), "{err:?}");
        assert!(err.to_string().contains("log out"), "{err}");
    }

    /// Debug logs carry method, path, status and errorcode, never the password or the token.
    #[tokio::test]
    async fn logs_never_show_password_or_token() {
        #[derive(Clone, Default)]
        struct Buffer(Arc<std::sync::Mutex<Vec<u8>>>);
        impl std::io::Write for Buffer {
            fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(data);
                Ok(data.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let buffer = Buffer::default();
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        let _guard = tracing::subscriber::set_default(subscriber);

        let password = "Sup3r-Secret-pw";
        let emu = Emulator::start(EmulatorOptions {
            password: password.into(),
            ..Default::default()
        });
        let client = connect_with(config(&emu, password)).await.unwrap();
        emu.expire_all_sessions();
        client.get("vxlan", None, &[]).await.unwrap();
        client
            .bulk(BulkOp::Add, "vxlan", &[vxlan(1)])
            .await
            .unwrap();
        client.logout().await;
        let _ = connect_with(config(&emu, "Other-Secret-pw"))
            .await
            .unwrap_err();

        let logs = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        assert!(logs.contains("errorcode=444"), "{logs}");
        assert!(logs.contains("/nitro/v1/config/vxlan"), "{logs}");
        assert!(!logs.contains(password), "{logs}");
        assert!(!logs.contains("Other-Secret-pw"), "{logs}");
        assert!(!logs.contains("##"), "{logs}");
        assert!(!logs.contains("NITRO_AUTH_TOKEN="), "{logs}");
        assert!(!format!("{client:?}").contains(password));
    }
}
