//! Kubernetes access as kubectl does it: `--kubeconfig`, `$KUBECONFIG`, `~/.kube/config`,
//! `--context`, `--cluster`, `--user`, `--request-timeout`, then in-cluster config.

use crate::cli::KubeArgs;
use crate::error::{Error, Result};
use kube::config::{KubeConfigOptions, Kubeconfig};
use std::sync::RwLock;
use std::time::Duration;

/// A connected client and what the kubeconfig says about the cluster.
pub struct KubeContext {
    pub client: kube::Client,
    /// The kubeconfig cluster name (`kubernetes` in-cluster): the default `cluster` setting.
    pub cluster_name: String,
    pub default_namespace: String,
}

/// Parses kubectl's `--request-timeout` (`30s`, `1m`, `2h`, a bare number of seconds; `0` =
/// no timeout).
pub fn parse_request_timeout(text: &str) -> Result<Option<Duration>> {
    let t = text.trim();
    let (num, unit) = match t.find(|c: char| !c.is_ascii_digit() && c != '.') {
        Some(i) => t.split_at(i),
        None => (t, "s"),
    };
    let n: f64 = num.parse().map_err(|_| {
        Error::usage(format!(
            "--request-timeout: {text:?} is not a duration like 30s or 1m"
        ))
    })?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => {
            return Err(Error::usage(format!(
                "--request-timeout: unknown unit in {text:?} (use ms, s, m or h)"
            )));
        }
    };
    Ok((secs > 0.0).then(|| Duration::from_secs_f64(secs)))
}

fn kube_err(what: impl std::fmt::Display) -> Error {
    Error::kubernetes(format!("cannot configure Kubernetes access: {what}"))
}

/// The API server this process talks to and where its address came from, for error messages
/// (a run connects to one cluster; the last [`connect`] wins).
static ENDPOINT: RwLock<Option<String>> = RwLock::new(None);

/// `https://host:port (kubeconfig context "name")`, or a placeholder before [`connect`].
pub fn endpoint() -> String {
    ENDPOINT
        .read()
        .ok()
        .and_then(|e| e.clone())
        .unwrap_or_else(|| "(not configured)".into())
}

fn set_endpoint(server: &impl std::fmt::Display, source: &str) {
    let server = server.to_string();
    let server = server.strip_suffix('/').unwrap_or(&server);
    if let Ok(mut e) = ENDPOINT.write() {
        *e = Some(format!("{server} ({source})"));
    }
}

/// Builds a client from the kubectl-style flags.
pub async fn connect(args: &KubeArgs) -> Result<KubeContext> {
    let timeout = args
        .request_timeout
        .as_deref()
        .map(parse_request_timeout)
        .transpose()?
        .flatten();
    let options = KubeConfigOptions {
        context: args.context.clone(),
        cluster: args.cluster.clone(),
        user: args.user.clone(),
    };
    let kubeconfig = match &args.kubeconfig {
        Some(path) => Some(
            Kubeconfig::read_from(path)
                .map_err(|e| Error::usage(format!("--kubeconfig {}: {e}", path.display())))?,
        ),
        None => Kubeconfig::from_env()
            .map_err(|e| Error::usage(format!("KUBECONFIG: {e}")))?
            .or_else(|| Kubeconfig::read().ok()),
    };
    let (mut config, cluster_name, source) = match kubeconfig {
        Some(kc) => {
            let context_name = options
                .context
                .clone()
                .or_else(|| kc.current_context.clone())
                .ok_or_else(|| {
                    Error::usage("kubeconfig has no current-context; pass --context")
                })?;
            let context = kc
                .contexts
                .iter()
                .find(|c| c.name == context_name)
                .and_then(|c| c.context.clone())
                .ok_or_else(|| {
                    Error::usage(format!("kubeconfig has no context named {context_name:?}"))
                })?;
            let cluster = options.cluster.clone().unwrap_or(context.cluster.clone());
            let config = kube::Config::from_custom_kubeconfig(kc, &options)
                .await
                .map_err(kube_err)?;
            (config, cluster, format!("kubeconfig context {context_name:?}"))
        }
        None => (
            kube::Config::incluster().map_err(|e| {
                kube_err(format!(
                    "no kubeconfig found (--kubeconfig, $KUBECONFIG, ~/.kube/config) and not running in a cluster: {e}"
                ))
            })?,
            "kubernetes".to_string(),
            "in-cluster service account".to_string(),
        ),
    };
    set_endpoint(&config.cluster_url, &source);
    // kube-rs would retry 429/503/504 up to 15 times (minutes); reads retry a few times
    // themselves (see live::retry), writes not at all.
    config.default_retry = false;
    if let Some(t) = timeout {
        config.read_timeout = Some(t);
        config.connect_timeout = Some(t);
        config.write_timeout = Some(t);
    }
    if let Some(ns) = &args.namespace {
        config.default_namespace = ns.clone();
    }
    let default_namespace = config.default_namespace.clone();
    let client = kube::Client::try_from(config).map_err(kube_err)?;
    Ok(KubeContext {
        client,
        cluster_name,
        default_namespace,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_timeouts_like_kubectl() {
        assert_eq!(
            parse_request_timeout("30s").unwrap(),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_request_timeout("1m").unwrap(),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            parse_request_timeout("5").unwrap(),
            Some(Duration::from_secs(5))
        );
        assert_eq!(parse_request_timeout("0").unwrap(), None);
        assert!(parse_request_timeout("soon").is_err());
        assert!(parse_request_timeout("3d").is_err());
    }
}
