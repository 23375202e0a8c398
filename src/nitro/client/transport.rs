//! One HTTP exchange with the ADC, and the retries of transient failures by a [`RetryPolicy`].

use std::error::Error as StdError;
use std::sync::atomic::Ordering;
use std::time::Duration;

use reqwest::header::{ACCEPT, CONTENT_TYPE, COOKIE, HeaderMap, HeaderValue};

use super::wire::{Answer, parse_answer};
use super::{AUTH_COOKIE, Call, NitroClient, Retry};
use crate::error::causes;
use crate::nitro::NitroError;

/// How a client retries: requests that failed transiently (with exponential backoff), and a
/// save while another save runs on the ADC (293).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt of a request that failed transiently.
    pub max_retries: u32,
    /// The delay before the first retry; each further one waits twice as long.
    pub backoff_base: Duration,
    /// How often a save is tried again while another save runs.
    pub save_retry_interval: Duration,
    /// How long a save waits out another save at most.
    pub save_retry_for: Duration,
}

impl Default for RetryPolicy {
    /// Three retries 0.25 s, 0.5 s and 1 s apart; a save retried every 2 s for up to 30 s.
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            backoff_base: Duration::from_millis(250),
            save_retry_interval: Duration::from_secs(2),
            save_retry_for: Duration::from_secs(30),
        }
    }
}

/// Why one HTTP exchange produced no NITRO answer.
#[derive(Debug)]
pub(super) enum Failure {
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
    pub(super) fn retryable(&self, retry: Retry) -> bool {
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
    /// Sends `call`, retrying transient failures with exponential backoff.
    pub(super) async fn send_retrying(
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
            if transient && retries < self.retry.max_retries {
                let delay = self.retry.backoff_base * 2u32.pow(retries);
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
    pub(super) async fn send_once(
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

    pub(super) fn failure_error(&self, failure: Failure) -> NitroError {
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

/// Sorts a reqwest error into what we retry and how we explain it.
pub(super) fn classify(e: reqwest::Error) -> Failure {
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

/// "a: b: c" from an error chain, skipping causes already spelled out by their parent and
/// the HTTP stack's generic wrappers ("error sending request", "client error (Connect)").
pub(super) fn chain(e: &(dyn StdError + 'static)) -> String {
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
