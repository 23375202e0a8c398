//! Typed errors of the NITRO client. Every message names what failed and what to do about it;
//! none of them carries a password or a session token.

/// An error talking to the ADC over NITRO.
#[derive(Debug, thiserror::Error)]
pub enum NitroError {
    /// The ADC answered with a NITRO error code.
    #[error("ADC answered {status} errorcode {errorcode} {message:?} to {method} {resource}")]
    Api {
        method: String,
        resource: String,
        status: u16,
        errorcode: i64,
        message: String,
    },
    /// Login failed with 354 "Invalid username or password" (or a request was refused as
    /// unauthenticated).
    #[error(
        "the ADC rejected the credentials of user {user:?} (errorcode 354, invalid username or \
         password); check the username (--adc-username, NETSCALER_USERNAME) and the password \
         source (--adc-password-file, --adc-secret or NETSCALER_PASSWORD)"
    )]
    AuthRejected { user: String },
    /// Login failed with 445 "Session limit exceeded".
    #[error(
        "the ADC refused a new session (errorcode 445, session limit exceeded): it allows about \
         20 concurrent sessions; log out of other tools (GUI, scripts, controllers) or wait for \
         their sessions to time out, then retry"
    )]
    SessionLimit,
    /// The ADC could not be reached, or the TLS handshake failed.
    #[error("cannot reach the ADC at {url}: {message}{}", tls_hint(*tls))]
    Transport {
        url: String,
        message: String,
        /// The failure is a TLS (certificate) failure.
        tls: bool,
    },
    /// The ADC did not answer within the per-request timeout (after retries for reads).
    #[error("the ADC did not answer within the request timeout")]
    Timeout,
    /// The connection settings cannot be used (bad URL, unreadable CA bundle). Raised before
    /// anything is sent.
    #[error("{0}")]
    Config(String),
    /// The ADC answered something that is not a NITRO answer.
    #[error("unexpected answer from the ADC: {0}")]
    Protocol(String),
    /// Reading the owned state failed, so the run compared and changed nothing (fail closed).
    #[error("reading {what} from the ADC failed, so nothing was compared or changed: {source}")]
    Read {
        what: String,
        source: Box<NitroError>,
    },
    /// An object inside the owned scope cannot be read into the object model.
    #[error(
        "the ADC holds a {kind} in this cluster's scope that cannot be read ({detail}); nothing was changed"
    )]
    Unreadable { kind: String, detail: String },
    /// The ADC cannot take the run as configured (missing SNIP, clustered ADC, ...).
    #[error("{0}")]
    Precondition(String),
}

fn tls_hint(tls: bool) -> &'static str {
    if tls {
        "; to trust the ADC's certificate set --adc-ca-file (a PEM bundle) or, for lab use only, \
         --adc-insecure-skip-tls-verify"
    } else {
        ""
    }
}

impl NitroError {
    /// The NITRO error code behind this error, when the ADC answered one.
    pub fn errorcode(&self) -> Option<i64> {
        match self {
            NitroError::Api { errorcode, .. } => Some(*errorcode),
            NitroError::AuthRejected { .. } => Some(354),
            NitroError::SessionLimit => Some(445),
            NitroError::Read { source, .. } => source.errorcode(),
            NitroError::Transport { .. }
            | NitroError::Timeout
            | NitroError::Config(_)
            | NitroError::Protocol(_)
            | NitroError::Unreadable { .. }
            | NitroError::Precondition(_) => None,
        }
    }

    /// The HTTP status of the ADC's answer, for [`NitroError::Api`].
    pub fn status(&self) -> Option<u16> {
        match self {
            NitroError::Api { status, .. } => Some(*status),
            NitroError::Read { source, .. } => source.status(),
            _ => None,
        }
    }

    /// Whether a later attempt may succeed without anything changing on our side (the ADC was
    /// unreachable, slow or busy, or the session expired and a new login will do). Useful for
    /// `watch`, which keeps running across such errors.
    pub fn is_transient(&self) -> bool {
        match self {
            NitroError::Transport { tls, .. } => !tls,
            NitroError::Timeout => true,
            NitroError::Api {
                status, errorcode, ..
            } => matches!(status, 429 | 503) || matches!(errorcode, 272 | 293 | 444 | 1027 | 1043),
            NitroError::Read { source, .. } => source.is_transient(),
            NitroError::AuthRejected { .. }
            | NitroError::SessionLimit
            | NitroError::Config(_)
            | NitroError::Protocol(_)
            | NitroError::Unreadable { .. }
            | NitroError::Precondition(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_display_names_status_code_message_and_request() {
        let e = NitroError::Api {
            method: "POST".into(),
            resource: "route".into(),
            status: 599,
            errorcode: 604,
            message: "The gateway is not directly reachable".into(),
        };
        assert_eq!(
            e.to_string(),
            r#"ADC answered 599 errorcode 604 "The gateway is not directly reachable" to POST route"#
        );
        assert_eq!(e.errorcode(), Some(604));
        assert_eq!(e.status(), Some(599));
        assert!(!e.is_transient());
    }

    #[test]
    fn transport_display_adds_tls_hint_only_for_tls_failures() {
        let plain = NitroError::Transport {
            url: "https://adc.example.com".into(),
            message: "connection refused".into(),
            tls: false,
        };
        assert_eq!(
            plain.to_string(),
            "cannot reach the ADC at https://adc.example.com: connection refused"
        );
        assert!(plain.is_transient());
        let tls = NitroError::Transport {
            url: "https://adc.example.com".into(),
            message: "invalid peer certificate: UnknownIssuer".into(),
            tls: true,
        };
        let text = tls.to_string();
        assert!(text.contains("--adc-ca-file"), "{text}");
        assert!(text.contains("--adc-insecure-skip-tls-verify"), "{text}");
        assert!(!tls.is_transient());
    }

    #[test]
    fn a_failed_read_says_nothing_changed_and_keeps_the_cause() {
        let e = NitroError::Read {
            what: "routes".into(),
            source: Box::new(NitroError::Timeout),
        };
        assert_eq!(
            e.to_string(),
            "reading routes from the ADC failed, so nothing was compared or changed: the ADC did not answer within the request timeout"
        );
        assert!(e.is_transient());
        assert_eq!(e.errorcode(), None);
    }

    #[test]
    fn auth_and_session_errors_explain_what_to_do() {
        let auth = NitroError::AuthRejected {
            user: "nsroot".into(),
        };
        assert!(auth.to_string().contains("password source"));
        assert_eq!(auth.errorcode(), Some(354));
        let limit = NitroError::SessionLimit;
        assert!(limit.to_string().contains("20 concurrent sessions"));
        assert_eq!(limit.errorcode(), Some(445));
        assert!(!auth.is_transient());
        assert!(!limit.is_transient());
    }

    fn api(status: u16, errorcode: i64) -> NitroError {
        NitroError::Api {
            method: "GET".into(),
            resource: "route".into(),
            status,
            errorcode,
            message: String::new(),
        }
    }

    #[test]
    fn busy_adcs_and_expired_sessions_are_transient_rejections_are_not() {
        assert!(api(503, 0).is_transient());
        assert!(
            api(401, 444).is_transient(),
            "session expired: a new login will do"
        );
        assert!(api(401, 1027).is_transient());
        assert!(api(599, 1043).is_transient());
        assert!(NitroError::Timeout.is_transient());
        assert!(!api(404, 258).is_transient(), "no such resource");
        assert!(!api(409, 273).is_transient(), "already exists");
        assert!(!api(400, 1092).is_transient(), "invalid argument");
        assert!(!NitroError::Config("bad URL".into()).is_transient());
        assert!(!NitroError::Protocol("not JSON".into()).is_transient());
    }
}
