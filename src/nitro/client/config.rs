//! Where the ADC is and how to reach it: its URL, the CA to trust, the credentials, and the
//! HTTP client built from them. Nothing here talks to the ADC.

use std::fmt;
use std::time::Duration;

use super::API_PREFIX;
use super::transport::chain;
use crate::nitro::NitroError;

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

impl NitroConfig {
    /// The ADC at `url`, logged in to as `username`, its certificate checked against the
    /// system's roots, 20 s per request (shorter than the 30 s retry budget, so that a hung
    /// request is retried rather than stalling a run).
    pub fn new(url: impl Into<String>, username: impl Into<String>, password: Password) -> Self {
        NitroConfig {
            url: url.into(),
            username: username.into(),
            password,
            ca_file: None,
            insecure_skip_tls_verify: false,
            timeout: Duration::from_secs(20),
        }
    }

    /// The same with another per-request timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

/// Accepts `https://adc`, `http://127.0.0.1:9080/`, `https://adc/nitro/v1`, `adc` (→ https).
pub(super) fn normalize_url(url: &str) -> Result<String, NitroError> {
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

pub(super) fn build_http(cfg: &NitroConfig) -> Result<reqwest::Client, NitroError> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
        let cfg = NitroConfig::new(
            "https://adc",
            "nsroot",
            Password::new("hunter2-secret".into()),
        );
        let debug = format!("{cfg:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(debug.contains("<redacted>"), "{debug}");
        assert_eq!(cfg.password.to_string(), "<redacted>");
        assert_eq!(cfg.password.expose(), "hunter2-secret");
    }
}
