//! Reading the live cluster: Nodes (paginated: a page limit, following `continue`) and
//! flannel's ConfigMap. A read that fails or is incomplete is an error: nothing is planned, and
//! so nothing deleted, from a partial view.

use crate::error::{Error, KubeError, Result, causes};
use crate::model::{ClusterFacts, FLANNEL_CONFIGMAP};
use k8s_openapi::api::core::v1::{ConfigMap, Node};
use kube::api::{Api, ListParams};

/// Page size for lists (the API server's `limit`).
pub const PAGE_SIZE: u32 = 500;

/// Turns a kube error into a product error that names the operation and, when the API server
/// could not be reached or rejected the credentials, the server, the kubeconfig context and the
/// cause in plain words; when RBAC denied it, the missing permission (verb, resource). The kube
/// error stays attached as the source.
pub fn kube_error(what: &str, e: kube::Error) -> Error {
    Error::Kubernetes(KubeError::with_source(describe(what, &e), e))
}

fn describe(what: &str, e: &kube::Error) -> String {
    match e {
        kube::Error::Api(s) if s.code == 403 => format!(
            "{what}: forbidden: {} (grant the permissions in deploy/rbac.yaml)",
            s.message
        ),
        kube::Error::Api(s) if s.code == 401 => format!(
            "{what}: the Kubernetes API server at {} rejected the credentials (401 unauthorised: \
             {}); check the user's token or client certificate in the kubeconfig",
            super::client::endpoint(),
            s.message
        ),
        kube::Error::Api(s) => format!("{what}: {} ({})", s.message, s.code),
        kube::Error::HyperError(_) | kube::Error::Service(_) => format!(
            "{what}: cannot reach the Kubernetes API server at {}: {}",
            super::client::endpoint(),
            unreachable_cause(e)
        ),
        _ => format!("{what}: {e}"),
    }
}

/// The TLS failure behind `e`, if the handshake failed.
fn tls_failure(e: &kube::Error) -> Option<&rustls::Error> {
    causes(e).find_map(|err| err.downcast_ref::<rustls::Error>())
}

/// Whether `e` is a failed TLS handshake (an untrusted or invalid server certificate).
pub fn is_tls_failure(e: &kube::Error) -> bool {
    tls_failure(e).is_some()
}

/// Why the API server could not be reached, in plain words.
fn unreachable_cause(e: &kube::Error) -> String {
    if let Some(tls) = tls_failure(e) {
        return format!(
            "TLS handshake failed: {tls}; check the cluster's certificate-authority data in the \
             kubeconfig"
        );
    }
    let errors: Vec<_> = causes(e).collect();
    let io_kind = errors
        .iter()
        .find_map(|err| err.downcast_ref::<std::io::Error>())
        .map(std::io::Error::kind);
    let text = errors
        .iter()
        .map(|err| err.to_string())
        .collect::<Vec<_>>()
        .join(": ");
    match io_kind {
        Some(std::io::ErrorKind::ConnectionRefused) => return "connection refused".into(),
        Some(std::io::ErrorKind::TimedOut) => {
            return "no answer within the request timeout (--request-timeout)".into();
        }
        _ => {}
    }
    let lower = text.to_lowercase();
    if lower.contains("dns error") || lower.contains("failed to lookup address") {
        "DNS name not found".into()
    } else if lower.contains("timed out") || lower.contains("elapsed") {
        "no answer within the request timeout (--request-timeout)".into()
    } else {
        // The innermost error says the most.
        errors.last().map_or(text, |err| err.to_string())
    }
}

/// Answers worth another try: the API server is overloaded or restarting.
fn transient(e: &kube::Error) -> bool {
    matches!(e, kube::Error::Api(s) if matches!(s.code, 429 | 503 | 504))
}

/// Runs a read, retrying transient answers three times (0.25 s, 0.5 s, 1 s apart).
pub async fn retry<T, F, Fut>(mut read: F) -> Result<T, kube::Error>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, kube::Error>>,
{
    let mut delay = std::time::Duration::from_millis(250);
    for _ in 0..3 {
        match read().await {
            Err(e) if transient(&e) => {
                tracing::debug!("transient Kubernetes API error, retrying: {e}");
                tokio::time::sleep(delay).await;
                delay *= 2;
            }
            other => return other,
        }
    }
    read().await
}

/// Lists every Node, page by page.
pub async fn list_nodes(client: &kube::Client) -> Result<Vec<Node>> {
    let api: Api<Node> = Api::all(client.clone());
    let mut out = Vec::new();
    let mut params = ListParams::default().limit(PAGE_SIZE);
    loop {
        let page = retry(|| api.list(&params))
            .await
            .map_err(|e| kube_error("list nodes", e))?;
        tracing::debug!(items = page.items.len(), "listed a page of nodes");
        out.extend(page.items);
        match page.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(token) => params = params.continue_token(&token),
            None => break,
        }
    }
    Ok(out)
}

/// flannel's ConfigMap, looked up in `kube-flannel` then `kube-system` (where older manifests
/// put it). Absence is fine; any other error is not.
pub async fn flannel_config(client: &kube::Client) -> Result<Vec<ConfigMap>> {
    let mut out = Vec::new();
    for ns in ["kube-flannel", "kube-system"] {
        let api: Api<ConfigMap> = Api::namespaced(client.clone(), ns);
        match retry(|| api.get_opt(FLANNEL_CONFIGMAP)).await {
            Ok(Some(cm)) => {
                out.push(cm);
                break;
            }
            Ok(None) => {}
            Err(e) => {
                return Err(kube_error(
                    &format!("get configmap {ns}/{FLANNEL_CONFIGMAP}"),
                    e,
                ));
            }
        }
    }
    Ok(out)
}

/// Reads the facts planning needs from the live cluster.
pub async fn read_facts(client: &kube::Client) -> Result<ClusterFacts> {
    let (nodes, cms) = tokio::try_join!(list_nodes(client), flannel_config(client))?;
    ClusterFacts::from_objects(&nodes, &cms).map_err(Error::usage)
}
