//! Typed errors of the product. Each variant maps to one [`ExitStatus`]; `main` prints the
//! error and exits with that status. Errors from the Kubernetes client and the NITRO client
//! keep their source, so that a caller (a long-running `watch`, say) can ask
//! [`Error::is_transient`] whether another attempt could succeed.

use crate::exit::ExitStatus;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad flags, settings, config file or input files.
    #[error("{0}")]
    Usage(String),
    /// Diagnostics turned into an error by `--strict`.
    #[error("{0}")]
    Strict(String),
    /// The Kubernetes API answered an error or could not be reached.
    #[error(transparent)]
    Kubernetes(#[from] KubeError),
    /// The ADC answered an error or could not be reached.
    #[error(transparent)]
    Nitro(#[from] crate::nitro::NitroError),
    /// A precondition on the ADC is not met (missing SNIP, clustered ADC, ...).
    #[error("{0}")]
    AdcPrecondition(String),
    /// Some operations of an apply failed; a rerun converges.
    #[error("{0}")]
    Partial(String),
    /// Refused for safety.
    #[error("{0}")]
    Refused(String),
    /// Interrupted by a signal.
    #[error("interrupted")]
    Interrupted,
}

impl Error {
    pub fn exit_status(&self) -> ExitStatus {
        match self {
            Error::Usage(_) | Error::Strict(_) => ExitStatus::Usage,
            // Bad --adc-url or --adc-ca-file: a settings error, found before anything is sent.
            Error::Nitro(crate::nitro::NitroError::Config(_)) => ExitStatus::Usage,
            Error::Kubernetes(_) => ExitStatus::Kubernetes,
            Error::Nitro(_) | Error::AdcPrecondition(_) => ExitStatus::Adc,
            Error::Partial(_) => ExitStatus::Partial,
            Error::Refused(_) => ExitStatus::Refused,
            Error::Interrupted => ExitStatus::Interrupted,
        }
    }

    pub fn usage(msg: impl Into<String>) -> Self {
        Error::Usage(msg.into())
    }

    /// A Kubernetes error without a client error behind it (a denied access review, an
    /// object in an unexpected state).
    pub fn kubernetes(msg: impl Into<String>) -> Self {
        Error::Kubernetes(KubeError::new(msg))
    }

    /// Whether retrying the same thing later could succeed without anything changing on our
    /// side: the Kubernetes API server or the ADC was unreachable, slow, overloaded or
    /// restarting (network errors, timeouts, 429, 5xx, an expired NITRO session). Rejected
    /// credentials, missing permissions, absent objects, invalid input and refusals are not.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Kubernetes(e) => e.is_transient(),
            Error::Nitro(e) => e.is_transient(),
            Error::Usage(_)
            | Error::Strict(_)
            | Error::AdcPrecondition(_)
            | Error::Partial(_)
            | Error::Refused(_)
            | Error::Interrupted => false,
        }
    }
}

/// An error from the Kubernetes API: the message users see (what was being done, where and
/// why it failed) and the client error behind it, when there is one.
#[derive(Debug)]
pub struct KubeError {
    message: String,
    source: Option<kube::Error>,
}

impl KubeError {
    /// An error with only a message.
    pub fn new(message: impl Into<String>) -> Self {
        KubeError {
            message: message.into(),
            source: None,
        }
    }

    /// An error described by `message`, caused by `source`.
    pub fn with_source(message: impl Into<String>, source: kube::Error) -> Self {
        KubeError {
            message: message.into(),
            source: Some(source),
        }
    }

    /// The Kubernetes client's error behind this one.
    pub fn kube_error(&self) -> Option<&kube::Error> {
        self.source.as_ref()
    }

    /// The HTTP status the API server answered, if it answered.
    pub fn status(&self) -> Option<u16> {
        match &self.source {
            Some(kube::Error::Api(s)) => Some(s.code),
            _ => None,
        }
    }

    /// Whether a later attempt could succeed: the API server could not be reached (other
    /// than for a TLS certificate problem), did not answer in time, or answered 429 or a
    /// 5xx other than 501.
    pub fn is_transient(&self) -> bool {
        self.source.as_ref().is_some_and(kube_transient)
    }
}

/// See [`KubeError::is_transient`].
pub fn kube_transient(e: &kube::Error) -> bool {
    match e {
        kube::Error::Api(s) => s.code == 429 || (s.code >= 500 && s.code != 501),
        kube::Error::HyperError(_) | kube::Error::Service(_) | kube::Error::ReadEvents(_) => {
            !crate::cluster::live::is_tls_failure(e)
        }
        _ => false,
    }
}

impl std::fmt::Display for KubeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for KubeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// The error and its causes, looking inside `io::Error`s (whose `source()` skips the error
/// they wrap).
pub(crate) fn causes<'a>(
    e: &'a (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'a (dyn std::error::Error + 'static)> {
    std::iter::successors(
        Some(e),
        |&current: &&'a (dyn std::error::Error + 'static)| match current
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
        {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => current.source(),
        },
    )
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nitro::NitroError;
    use k8s_openapi::api::core::v1::Node;

    fn api(code: u16) -> Error {
        let status = kube::core::Status::failure("answer", "Reason").with_code(code);
        crate::cluster::live::kube_error("list nodes", kube::Error::Api(status.boxed()))
    }

    /// The error a real client gives when nothing listens at the server's address.
    async fn unreachable() -> Error {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        drop(listener);
        let config = kube::Config::new(url.parse().unwrap());
        let client = kube::Client::try_from(config).unwrap();
        let nodes: kube::Api<Node> = kube::Api::all(client);
        let e = nodes.list(&Default::default()).await.unwrap_err();
        crate::cluster::live::kube_error("list nodes", e)
    }

    #[test]
    fn overloaded_or_restarting_api_servers_are_transient() {
        for code in [429, 500, 502, 503, 504] {
            assert!(api(code).is_transient(), "{code}");
        }
    }

    #[test]
    fn rejections_are_not_transient() {
        for code in [400, 401, 403, 404, 409, 422, 501] {
            let e = api(code);
            assert!(!e.is_transient(), "{code}");
            assert_eq!(e.exit_status(), ExitStatus::Kubernetes);
        }
        assert!(!Error::usage("--mode: unknown").is_transient());
        assert!(!Error::kubernetes("forbidden: this user cannot create nodes").is_transient());
        assert!(!Error::Refused("held".into()).is_transient());
        assert!(!Error::Interrupted.is_transient());
    }

    #[tokio::test]
    async fn an_unreachable_api_server_is_transient_and_keeps_its_source() {
        let e = unreachable().await;
        assert!(e.is_transient(), "{e}");
        assert!(e.to_string().contains("connection refused"), "{e}");
        let Error::Kubernetes(k) = &e else {
            panic!("{e:?}")
        };
        assert!(k.kube_error().is_some());
        assert!(std::error::Error::source(k).is_some());
        assert_eq!(k.status(), None);
        assert_eq!(api(503).to_string(), "list nodes: answer (503)");
    }

    #[test]
    fn nitro_errors_keep_their_transience() {
        let busy = Error::from(NitroError::Api {
            method: "GET".into(),
            resource: "route".into(),
            status: 503,
            errorcode: 0,
            message: "Service Unavailable".into(),
        });
        assert!(busy.is_transient());
        assert_eq!(busy.exit_status(), ExitStatus::Adc);
        let auth = Error::from(NitroError::AuthRejected {
            user: "nsroot".into(),
        });
        assert!(!auth.is_transient());
        let config = Error::from(NitroError::Config("--adc-url: no host".into()));
        assert!(!config.is_transient());
        assert_eq!(config.exit_status(), ExitStatus::Usage);
    }
}
