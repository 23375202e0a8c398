//! The login session: one per client, shared by concurrent callers; renewed once when the ADC
//! says it expired (444, 1027), with one login for all the callers who saw it expire.

use reqwest::Method;

use super::wire::{Answer, session_token};
use super::{API_PREFIX, Call, NitroClient, Retry};
use crate::nitro::NitroError;

#[derive(Default)]
pub(super) struct Session {
    pub(super) token: Option<String>,
    /// Bumped at each login, so a caller can tell whether someone re-logged in meanwhile.
    pub(super) generation: u64,
}

impl NitroClient {
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

    /// Sends an authenticated request: retries transient failures, re-logs in once when the
    /// session expired. Returns NITRO error answers for the caller to judge, except the
    /// authentication ones, which become errors here.
    pub(super) async fn exchange(&self, call: &Call<'_>) -> Result<Answer, NitroError> {
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
    pub(super) async fn token(&self) -> Result<(String, u64), NitroError> {
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
    pub(super) async fn relogin(&self, stale_generation: u64) -> Result<(), NitroError> {
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

    pub(super) fn current_token(&self) -> Option<(String, u64)> {
        let session = self.session.lock().unwrap_or_else(|e| e.into_inner());
        session.token.clone().map(|t| (t, session.generation))
    }

    /// Logs in and stores the token. Callers hold `login_gate`.
    pub(super) async fn login_and_store(&self) -> Result<(String, u64), NitroError> {
        let token = self.login().await?;
        let mut session = self.session.lock().unwrap_or_else(|e| e.into_inner());
        session.generation += 1;
        session.token = Some(token.clone());
        Ok((token, session.generation))
    }

    /// `POST /config/login` without any auth header or cookie.
    pub(super) async fn login(&self) -> Result<String, NitroError> {
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
}
