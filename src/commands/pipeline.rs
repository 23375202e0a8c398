//! The pipeline shared by `diff`, `apply` and `teardown`: settings → cluster facts → desired
//! (or a plan file, or nothing for teardown) → the ADC's owned state → the change set.

use crate::cli::Cli;
use crate::cluster::{adc_node, client, live};
use crate::error::{Error, Result};
use crate::model::fingerprint::InputDigests;
use crate::model::{
    ChangeSet, Desired, OwnedScope, Subject, VtepMacSetting, diff_node, diff_objects,
    foreign_conflicts,
};
use crate::nitro::read::{self, AdcView, HaRole, ReadOptions};
use crate::nitro::{NitroClient, NitroConfig, Password};
use crate::render::plan::PlanFile;
use crate::settings::{PasswordSource, Settings};
use k8s_openapi::api::core::v1::Secret;
use std::time::Duration;

/// What the change set is computed against.
pub enum Target<'a> {
    /// The desired state planned now from the live cluster.
    Live,
    /// A reviewed plan file (`apply PLAN`); refused when stale.
    PlanFile(&'a std::path::Path),
    /// Nothing: remove the owned scope (`teardown`).
    Empty,
}

/// Everything a command needs after the read phase.
pub struct Prepared {
    pub settings: Settings,
    pub kube: kube::Client,
    pub nitro: NitroClient,
    /// What is ours on the ADC (also what a write's "already exists" is checked against).
    pub scope: OwnedScope,
    pub view: AdcView,
    pub desired: Desired,
    pub changes: ChangeSet,
    /// The ADC Node object as read (JSON), when it exists.
    pub actual_node: Option<serde_json::Value>,
}

/// Reads the NITRO password from its source; a Secret may also carry the username.
async fn credentials(settings: &Settings, kube: &kube::Client) -> Result<(String, Password)> {
    let adc = &settings.adc;
    match &adc.password {
        None => Err(Error::usage(
            "no ADC password: set NETSCALER_PASSWORD, --adc-password-file FILE or --adc-secret NAMESPACE/NAME (adc.passwordFile / adc.passwordSecret)",
        )),
        Some(PasswordSource::Env(p)) => Ok((adc.username.clone(), p.clone())),
        Some(PasswordSource::File(path)) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                Error::usage(format!(
                    "adc.passwordFile (--adc-password-file) {}: {e}",
                    path.display()
                ))
            })?;
            let pw = text.trim_end_matches(['\n', '\r']).to_string();
            if pw.is_empty() {
                return Err(Error::usage(format!(
                    "adc.passwordFile (--adc-password-file) {} is empty",
                    path.display()
                )));
            }
            Ok((adc.username.clone(), Password::new(pw)))
        }
        Some(PasswordSource::Secret { namespace, name }) => {
            let namespace = namespace.as_deref().unwrap_or(kube.default_namespace());
            let api: kube::Api<Secret> = kube::Api::namespaced(kube.clone(), namespace);
            let secret = api
                .get(name)
                .await
                .map_err(|e| live::kube_error(&format!("get secret {namespace}/{name}"), e))?;
            let data = secret.data.unwrap_or_default();
            let field = |k: &str| {
                data.get(k)
                    .map(|b| {
                        String::from_utf8_lossy(&b.0)
                            .trim_end_matches(['\n', '\r'])
                            .to_string()
                    })
                    .filter(|s| !s.is_empty())
            };
            let password = field("password").ok_or_else(|| {
                Error::usage(format!("adc.passwordSecret (--adc-secret): secret {namespace}/{name} has no key \"password\""))
            })?;
            let username = match (adc.username_explicit, field("username")) {
                (false, Some(u)) => u,
                _ => adc.username.clone(),
            };
            Ok((username, Password::new(password)))
        }
    }
}

/// Logs in to the ADC.
pub async fn connect_adc(settings: &Settings, kube: &kube::Client) -> Result<NitroClient> {
    let url = settings.adc.url.clone().ok_or_else(|| {
        Error::usage("adc.url (--adc-url, NETSCALER_URL) is required for this command")
    })?;
    if let Some(ca) = &settings.adc.ca_file
        && !ca.is_file()
    {
        return Err(Error::usage(format!(
            "adc.caFile (--adc-ca-file) {}: no such file",
            ca.display()
        )));
    }
    let (username, password) = credentials(settings, kube).await?;
    let config = NitroConfig {
        url,
        username,
        password,
        ca_file: settings.adc.ca_file.clone(),
        insecure_skip_tls_verify: settings.adc.insecure_skip_tls_verify,
        // Shorter than the 30 s retry budget, so a hung request is retried rather than
        // stalling the run (SPEC §8).
        timeout: Duration::from_secs(20),
    };
    Ok(NitroClient::connect(config).await?)
}

/// Connects to the cluster and resolves the cluster name; checks first that the ADC is
/// configured at all, so nothing is contacted for a command that cannot run.
pub async fn connect_cluster(cli: &Cli, settings: Settings) -> Result<(kube::Client, Settings)> {
    if settings.adc.url.is_none() {
        return Err(Error::usage(
            "adc.url (--adc-url, NETSCALER_URL) is required for this command",
        ));
    }
    let ctx = client::connect(&cli.kube).await?;
    let settings = settings.with_cluster(&ctx.cluster_name)?;
    Ok((ctx.client, settings))
}

/// Runs the read phase and computes the change set (`settings` as from [`connect_cluster`]).
pub async fn prepare(
    kube: &kube::Client,
    settings: Settings,
    target: Target<'_>,
    writing: bool,
) -> Result<Prepared> {
    let facts = live::read_facts(kube).await?;
    let (mut desired, digests) = super::plan::compute(&settings, &facts)?;
    super::plan::check_strict(&settings, &desired)?;
    let mut scope = OwnedScope::of(&desired);
    let teardown = matches!(target, Target::Empty);
    match target {
        Target::Live => {}
        Target::Empty => {
            desired.adc.clear();
            desired.adc_node = None;
        }
        Target::PlanFile(path) => {
            let plan = PlanFile::read(path)?;
            stale_check(&plan, &digests, &desired, path)?;
            scope = plan.scope.clone();
            // A plan file does not record which node an object is for; the live plan (the
            // same inputs, as the fingerprint shows) does.
            let nodes: std::collections::HashMap<_, _> = desired
                .adc
                .iter()
                .filter(|o| o.subject != Subject::Cluster)
                .map(|o| (o.key(), o.subject.clone()))
                .collect();
            desired.adc = plan.adc;
            for o in &mut desired.adc {
                if o.subject == Subject::Cluster {
                    o.subject = nodes.get(&o.key()).cloned().unwrap_or_default();
                }
            }
            desired.adc_node = plan.adc_node;
        }
    }
    let nitro = connect_adc(&settings, kube).await?;
    let result = read_and_diff(kube, &nitro, &settings, &scope, desired, writing).await;
    match result {
        Ok((view, desired, mut changes, actual_node)) => {
            // Only teardown removes what the ADC learned on our VXLAN, with the vxlan.
            if teardown {
                changes.delete_learned_with_vxlan(&view.learned);
            }
            Ok(Prepared {
                settings,
                kube: kube.clone(),
                nitro,
                scope,
                view,
                desired,
                changes,
                actual_node,
            })
        }
        Err(e) => {
            nitro.logout().await;
            Err(e)
        }
    }
}

fn stale_check(
    plan: &PlanFile,
    live: &InputDigests,
    desired: &Desired,
    path: &std::path::Path,
) -> Result<()> {
    if plan.cluster != desired.cluster {
        return Err(Error::Refused(format!(
            "plan file {} is for cluster {:?}, not {:?}; plan again for this cluster",
            path.display(),
            plan.cluster,
            desired.cluster
        )));
    }
    if plan.fingerprint != live.fingerprint() {
        let mut moved = plan.inputs.describe_changes(live);
        if moved.is_empty() {
            moved.push("the cluster inputs changed".into());
        }
        return Err(Error::Refused(format!(
            "plan file {} is stale: the cluster changed since it was written ({}); run plan again and review it",
            path.display(),
            moved.join(", ")
        )));
    }
    Ok(())
}

type ReadResult = (AdcView, Desired, ChangeSet, Option<serde_json::Value>);

async fn read_and_diff(
    kube: &kube::Client,
    nitro: &NitroClient,
    settings: &Settings,
    scope: &OwnedScope,
    mut desired: Desired,
    writing: bool,
) -> Result<ReadResult> {
    let needs_mac = desired
        .adc_node
        .as_ref()
        .is_some_and(|n| n.vtep_mac.is_none())
        && settings.model.vtep_mac == VtepMacSetting::Auto;
    let opts = ReadOptions {
        discover_vtep_mac: needs_mac,
        ha: writing,
    };
    let view = read::read(nitro, scope, opts).await?;
    if writing && let HaRole::Secondary { primary } = &view.ha {
        return Err(Error::Refused(format!(
            "this ADC is the HA secondary: configuration must be written to the primary{}; point --adc-url at it (or at a floating management SNIP)",
            primary
                .as_ref()
                .map(|p| format!(" ({p})"))
                .unwrap_or_default()
        )));
    }
    if let Some(node) = desired.adc_node.as_mut()
        && node.vtep_mac.is_none()
    {
        node.vtep_mac = view.vtep_mac.clone();
    }
    // Nodes whose objects' keys a foreign object holds are not planned (SPEC §2.3).
    desired.exclude_foreign_conflicts(foreign_conflicts(&desired.adc, &view.foreign));
    super::plan::check_strict(settings, &desired)?;
    if !desired.adc.is_empty() {
        read::check_preconditions(nitro, &view, &desired).await?;
    }
    let node_name = desired
        .adc_node
        .as_ref()
        .map(|n| n.name.clone())
        .unwrap_or_else(|| crate::model::adc_node_name(&desired.cluster));
    let actual_node = adc_node::get(kube, &node_name).await?;
    // Only a Node this tool created for this cluster is ours to change or delete.
    let ours = actual_node.as_ref().filter(|n| {
        n["metadata"]["labels"][crate::model::LABEL_MANAGED_BY] == crate::model::MANAGED_BY
            && n["metadata"]["labels"][crate::model::LABEL_CLUSTER] == desired.cluster.as_str()
    });
    if actual_node.is_some() && ours.is_none() && desired.adc_node.is_some() {
        return Err(Error::Refused(format!(
            "a Node named {node_name} exists but was not created by kubectl-netscaler for cluster {}: refusing to take it over; remove it or choose another cluster name",
            desired.cluster
        )));
    }
    let node_change = diff_node(
        desired.adc_node.as_ref(),
        ours.map(|n| (node_name.as_str(), n)),
    );
    let changes = ChangeSet {
        changes: diff_objects(&desired.adc, &view.owned),
        node: node_change,
    };
    Ok((view, desired, changes, ours.cloned()))
}

/// The blast-radius brake (SPEC §4): refuse a change set that deletes more than
/// `maxDeletePercent` of the managed objects, or all of them.
pub fn brake(settings: &Settings, p: &Prepared, allow: bool) -> Result<()> {
    let managed = p.view.owned.len();
    let deletes = p.changes.deletes();
    if allow || deletes == 0 || managed == 0 {
        return Ok(());
    }
    let pct = settings.max_delete_percent as usize;
    let all = deletes == managed;
    if all || deletes * 100 > managed * pct {
        return Err(Error::Refused(format!(
            "refusing to delete {deletes} of the {managed} managed ADC objects ({}; limit maxDeletePercent={pct}%): check the cluster read is complete and the settings are right; pass --allow-mass-delete if this is intended, or use teardown to remove everything",
            if all {
                "all of them".to_string()
            } else {
                format!("{}%", deletes * 100 / managed)
            }
        )));
    }
    Ok(())
}
