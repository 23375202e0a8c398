//! Reading the live cluster: Nodes, Services and EndpointSlices (paginated: a page limit,
//! following `continue`) and flannel's ConfigMap. EndpointSlices are read as
//! `discovery.k8s.io/v1`, or `v1beta1` where the API server does not serve v1 (Kubernetes
//! 1.19–1.20), decided once per run by discovery. A read that fails or is incomplete is an error: nothing is planned, and
//! so nothing deleted, from a partial view.

use crate::error::{Error, KubeError, Result, causes};
use crate::model::{ClusterFacts, FLANNEL_CONFIGMAP};
use k8s_openapi::api::core::v1::{ConfigMap, Node, Service};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind, ListParams};

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

/// Lists every object of `api`, page by page; `what` names them in messages.
async fn list_all<K>(api: &Api<K>, what: &str) -> Result<Vec<K>>
where
    K: Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    let mut out = Vec::new();
    let mut params = ListParams::default().limit(PAGE_SIZE);
    loop {
        let page = retry(|| api.list(&params))
            .await
            .map_err(|e| kube_error(&format!("list {what}"), e))?;
        tracing::debug!(items = page.items.len(), "listed a page of {what}");
        out.extend(page.items);
        match page.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(token) => params = params.continue_token(&token),
            None => break,
        }
    }
    Ok(out)
}

/// Lists every Node, page by page.
pub async fn list_nodes(client: &kube::Client) -> Result<Vec<Node>> {
    list_all(&Api::<Node>::all(client.clone()), "nodes").await
}

/// Lists every Service, page by page.
pub async fn list_services(client: &kube::Client) -> Result<Vec<Service>> {
    list_all(&Api::<Service>::all(client.clone()), "services").await
}

/// The group of EndpointSlices.
const DISCOVERY_GROUP: &str = "discovery.k8s.io";

/// The EndpointSlice version the API server serves: `v1`, else `v1beta1` (SPEC §3).
pub async fn endpoint_slice_version(client: &kube::Client) -> Result<&'static str> {
    let groups = retry(|| client.list_api_groups())
        .await
        .map_err(|e| kube_error("discover API groups", e))?;
    let served: Vec<&str> = groups
        .groups
        .iter()
        .filter(|g| g.name == DISCOVERY_GROUP)
        .flat_map(|g| g.versions.iter().map(|v| v.version.as_str()))
        .collect();
    Ok(endpoint_slice_version_of(&served))
}

/// `v1` when served, else `v1beta1` (also when discovery does not list the group: the list
/// then names what is missing).
fn endpoint_slice_version_of(served: &[&str]) -> &'static str {
    if served.contains(&"v1") || !served.contains(&"v1beta1") {
        "v1"
    } else {
        "v1beta1"
    }
}

/// Lists every EndpointSlice of `version`, page by page, in the v1 form.
pub async fn list_endpoint_slices(
    client: &kube::Client,
    version: &str,
) -> Result<Vec<EndpointSlice>> {
    let gvk = GroupVersionKind::gvk(DISCOVERY_GROUP, version, "EndpointSlice");
    let resource = ApiResource::from_gvk_with_plural(&gvk, "endpointslices");
    let api: Api<DynamicObject> = Api::all_with(client.clone(), &resource);
    let what = format!("endpointslices.{DISCOVERY_GROUP}/{version}");
    list_all(&api, &what)
        .await?
        .into_iter()
        .map(|o| {
            let name = format!(
                "{}/{}",
                o.metadata.namespace.as_deref().unwrap_or_default(),
                o.metadata.name.as_deref().unwrap_or_default()
            );
            let json = serde_json::to_value(o).map_err(|e| Error::usage(e.to_string()))?;
            super::snapshot::endpoint_slice_from_json(json)
                .map_err(|e| Error::usage(format!("endpointslice {name}: {e}")))
        })
        .collect()
}

/// Services and their EndpointSlices.
pub async fn services_and_slices(
    client: &kube::Client,
) -> Result<(Vec<Service>, Vec<EndpointSlice>)> {
    let slices = async {
        let version = endpoint_slice_version(client).await?;
        list_endpoint_slices(client, version).await
    };
    tokio::try_join!(list_services(client), slices)
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

/// Reads the facts planning needs from the live cluster; Services and EndpointSlices only
/// when `services` are managed.
pub async fn read_facts(client: &kube::Client, services: bool) -> Result<ClusterFacts> {
    let service_objects = async {
        if services {
            services_and_slices(client).await
        } else {
            Ok((Vec::new(), Vec::new()))
        }
    };
    let (nodes, cms, (svcs, slices)) =
        tokio::try_join!(list_nodes(client), flannel_config(client), service_objects)?;
    Ok(ClusterFacts::from_objects(&nodes, &cms)
        .map_err(Error::usage)?
        .with_services(&svcs, &slices))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_slices_are_v1_unless_only_v1beta1_is_served() {
        assert_eq!(endpoint_slice_version_of(&["v1", "v1beta1"]), "v1");
        assert_eq!(endpoint_slice_version_of(&["v1"]), "v1");
        assert_eq!(endpoint_slice_version_of(&["v1beta1"]), "v1beta1");
        assert_eq!(endpoint_slice_version_of(&[]), "v1");
    }
}
