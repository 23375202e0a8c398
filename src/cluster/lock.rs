//! The writer lock: a `coordination.k8s.io/v1` Lease `kubectl-netscaler-<cluster>`, taken for
//! a writing run and released after, so two writers never interleave on one ADC. A live
//! foreign holder refuses the run (exit 6) naming it; an expired Lease (a crashed holder) is
//! taken over.

use super::live::kube_error;
use crate::error::{Error, Result};
use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use kube::api::{Api, DeleteParams, PostParams};
use std::time::Duration;

/// How long a Lease stays valid without renewal.
pub const LEASE_SECONDS: i32 = 30;
/// How often a held Lease is renewed.
const RENEW_EVERY: Duration = Duration::from_secs(10);

pub fn lease_name(cluster: &str) -> String {
    format!("kubectl-netscaler-{cluster}")
}

/// A held lock; renews itself in the background until released.
pub struct LeaseLock {
    api: Api<Lease>,
    name: String,
    holder: String,
    renewer: tokio::task::JoinHandle<()>,
}

fn now() -> MicroTime {
    MicroTime(k8s_openapi::jiff::Timestamp::now())
}

fn holder_identity() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown-host".into());
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{host}/pid-{}/{nanos:08x}", std::process::id())
}

fn expired(lease: &Lease) -> bool {
    let Some(spec) = &lease.spec else { return true };
    if spec.holder_identity.as_deref().unwrap_or("").is_empty() {
        return true;
    }
    let Some(renew) = spec.renew_time.as_ref().or(spec.acquire_time.as_ref()) else {
        return true;
    };
    let secs = i64::from(spec.lease_duration_seconds.unwrap_or(LEASE_SECONDS));
    let age = k8s_openapi::jiff::Timestamp::now().as_second() - renew.0.as_second();
    age > secs
}

fn spec(holder: &str, acquire: Option<MicroTime>) -> LeaseSpec {
    LeaseSpec {
        holder_identity: Some(holder.to_string()),
        lease_duration_seconds: Some(LEASE_SECONDS),
        acquire_time: Some(acquire.unwrap_or_else(now)),
        renew_time: Some(now()),
        ..Default::default()
    }
}

impl LeaseLock {
    /// Takes the lock or refuses (exit 6) when another live writer holds it.
    pub async fn acquire(
        client: &kube::Client,
        namespace: &str,
        cluster: &str,
    ) -> Result<LeaseLock> {
        let api: Api<Lease> = Api::namespaced(client.clone(), namespace);
        let name = lease_name(cluster);
        let holder = holder_identity();
        let what = format!("lease {namespace}/{name}");
        let refused = |by: &str| {
            Error::Refused(format!(
                "another writer holds the lock {namespace}/{name} ({by}); wait for it to finish, or if it crashed, for the lease to expire ({LEASE_SECONDS} s)"
            ))
        };
        match api
            .get_opt(&name)
            .await
            .map_err(|e| kube_error(&format!("get {what}"), e))?
        {
            None => {
                let lease = Lease {
                    metadata: ObjectMeta {
                        name: Some(name.clone()),
                        namespace: Some(namespace.to_string()),
                        labels: Some(
                            [(
                                crate::model::LABEL_MANAGED_BY.to_string(),
                                crate::model::MANAGED_BY.to_string(),
                            )]
                            .into(),
                        ),
                        ..Default::default()
                    },
                    spec: Some(spec(&holder, None)),
                };
                match api.create(&PostParams::default(), &lease).await {
                    Ok(_) => {}
                    Err(kube::Error::Api(s)) if s.code == 409 => {
                        return Err(refused("it was taken a moment ago"));
                    }
                    Err(e) => return Err(kube_error(&format!("create {what}"), e)),
                }
            }
            Some(mut lease) => {
                let current = lease
                    .spec
                    .as_ref()
                    .and_then(|s| s.holder_identity.clone())
                    .unwrap_or_default();
                if !expired(&lease) {
                    return Err(refused(&format!("held by {current}")));
                }
                lease.spec = Some(spec(&holder, None));
                // The resourceVersion read above makes this a compare-and-swap.
                match api.replace(&name, &PostParams::default(), &lease).await {
                    Ok(_) => {}
                    Err(kube::Error::Api(s)) if s.code == 409 => {
                        return Err(refused("another writer took it over a moment ago"));
                    }
                    Err(e) => return Err(kube_error(&format!("update {what}"), e)),
                }
            }
        }
        let renewer = {
            let (api, name, holder) = (api.clone(), name.clone(), holder.clone());
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(RENEW_EVERY).await;
                    if let Ok(Some(mut lease)) = api.get_opt(&name).await {
                        let ours = lease
                            .spec
                            .as_ref()
                            .and_then(|s| s.holder_identity.as_deref())
                            == Some(holder.as_str());
                        if !ours {
                            tracing::warn!("lost the lock {name}");
                            return;
                        }
                        if let Some(s) = lease.spec.as_mut() {
                            s.renew_time = Some(now());
                        }
                        let _ = api.replace(&name, &PostParams::default(), &lease).await;
                    }
                }
            })
        };
        tracing::info!(lease = %name, holder = %holder, "lock taken");
        Ok(LeaseLock {
            api,
            name,
            holder,
            renewer,
        })
    }

    /// Releases the lock (deletes the Lease if it is still ours).
    pub async fn release(self) {
        self.renewer.abort();
        if let Ok(Some(lease)) = self.api.get_opt(&self.name).await {
            let ours = lease
                .spec
                .as_ref()
                .and_then(|s| s.holder_identity.as_deref())
                == Some(self.holder.as_str());
            if ours {
                let dp = DeleteParams {
                    preconditions: Some(kube::api::Preconditions {
                        resource_version: lease.metadata.resource_version.clone(),
                        uid: None,
                    }),
                    ..Default::default()
                };
                if let Err(e) = self.api.delete(&self.name, &dp).await {
                    tracing::warn!("could not release the lock {}: {e}", self.name);
                }
            }
        }
    }
}
