//! The stages shared by `diff`, `apply`, `teardown` and `watch`: a session (Kubernetes client,
//! NITRO session), a facts source (a list, a file or reflector stores), the plan for a target
//! (live, a plan file, or nothing for teardown), the ADC and Node as read ([`Actual`]), and the
//! pure change set. `watch` runs the same stages in a loop, diffing against a cached
//! [`Actual`] moved forward by each execution.

use crate::cli::Cli;
use crate::cluster::adc_node::{self, Record};
use crate::cluster::{client, live};
use crate::error::{Error, Result};
use crate::model::actual::{brake as model_brake, diff as model_diff, staleness};
use crate::model::fingerprint::InputDigests;
use crate::model::{
    Actual, ChangeSet, ClusterFacts, Desired, DiffOptions, Mode, ModeSetting, OwnedScope, Subject,
};
use crate::nitro::read::{self, AdcView, HaRole, ReadOptions};
use crate::nitro::{NitroClient, NitroConfig, Password};
use crate::render::plan::PlanFile;
use crate::settings::{PasswordSource, Settings};
use k8s_openapi::api::core::v1::Secret;
use std::time::Duration;

/// The default lock namespace (`--lock-namespace`), where the routes-mode record also lives
/// for commands without that flag (`diff`).
pub const DEFAULT_LOCK_NAMESPACE: &str = "kube-system";

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
    /// The applied scope as recorded in the cluster before this run, when there is one.
    pub record: Option<Record>,
    /// Where the routes-mode record lives (the lock namespace).
    pub record_namespace: String,
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
    settings.check_adc_offline()?;
    let ctx = client::connect(&cli.kube).await?;
    let settings = settings.with_cluster(&ctx.cluster_name)?;
    Ok((ctx.client, settings))
}

/// Where the cluster facts come from: one constructor ([`ClusterFacts::from_objects`]) for
/// all of them.
pub enum FactsSource<'a> {
    /// A list of the live cluster (with Services and EndpointSlices when `bool`).
    Live(&'a kube::Client, bool),
    /// A snapshot file (`--cluster-file`; `-` for standard input).
    File(&'a std::path::Path),
    /// The reflector stores of `watch`.
    Stores(&'a crate::watch::stores::Inputs),
}

impl FactsSource<'_> {
    pub async fn facts(&self) -> Result<ClusterFacts> {
        match self {
            FactsSource::Live(kube, services) => live::read_facts(kube, *services).await,
            FactsSource::File(path) => crate::cluster::snapshot::read_facts(path),
            FactsSource::Stores(inputs) => inputs.facts().map_err(Error::usage),
        }
    }
}

/// The desired state for a target, with the scope it owns and the inputs it was planned from.
pub struct Planned {
    pub desired: Desired,
    pub scope: OwnedScope,
    pub digests: InputDigests,
    pub teardown: bool,
    /// The scope recorded by the last apply, when it was read: objects in it that the
    /// planned scope no longer covers are read too, so a moved scope leaves nothing behind.
    pub record: Option<Record>,
}

/// Plans `target` from `facts` (pure but for reading a plan file).
pub fn plan_for(settings: &Settings, facts: &ClusterFacts, target: Target<'_>) -> Result<Planned> {
    let (mut desired, digests) = super::plan::compute(settings, facts)?;
    super::plan::check_strict(settings, &desired)?;
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
            staleness(
                &plan.cluster,
                &plan.fingerprint,
                &plan.inputs,
                &desired.cluster,
                &digests,
            )
            .map_err(|r| Error::Refused(format!("plan file {} {r}", path.display())))?;
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
    // The Node carries the record of the scope it is written with.
    if let Some(node) = desired.adc_node.as_mut() {
        node.record = Some(scope.to_record());
    }
    Ok(Planned {
        desired,
        scope,
        digests,
        teardown,
        record: None,
    })
}

/// The plan of `teardown` from the recorded scope: nothing desired, the recorded scope
/// owned; no overlay setting is needed.
fn teardown_of_record(settings: &Settings, record: &Record) -> Planned {
    let scope = record.scope.clone();
    Planned {
        desired: Desired {
            cluster: settings.model.cluster.clone(),
            mode: scope.mode,
            cluster_cidr: scope.cluster_cidr,
            vxlan: None,
            adc: Vec::new(),
            adc_node: None,
            diagnostics: Vec::new(),
            planned_nodes: 0,
            services: scope.services.clone(),
            planned_services: Vec::new(),
        },
        scope,
        digests: InputDigests::default(),
        teardown: true,
        record: Some(record.clone()),
    }
}

/// `teardown` removes what was applied: settings given (flag or config file) that disagree
/// with the record are refused (exit 2), naming both values, before anything is deleted.
pub fn check_against_record(settings: &Settings, record: &Record) -> Result<()> {
    let m = &settings.model;
    let given = |k: &str| settings.explicit.contains(k);
    let recorded = &record.scope;
    let show = |v: Option<String>| v.unwrap_or_else(|| "none".into());
    let mut out = Vec::new();
    let mode = match m.mode {
        ModeSetting::Vxlan => Some(Mode::Vxlan),
        ModeSetting::Routes => Some(Mode::Routes),
        ModeSetting::Auto => None,
    };
    if let Some(mode) = mode.filter(|m| given("mode") && *m != recorded.mode) {
        out.push(format!(
            "mode (--mode) is {} but {} was applied",
            mode.as_str(),
            recorded.mode.as_str()
        ));
    }
    if given("vxlan.id") && m.vxlan_id != recorded.vni {
        out.push(format!(
            "vxlan.id (--vxlan-id) is {} but VNI {} was applied",
            show(m.vxlan_id.map(|v| v.to_string())),
            show(recorded.vni.map(|v| v.to_string()))
        ));
    }
    if given("clusterCidr") && m.cluster_cidr != Some(recorded.cluster_cidr) {
        out.push(format!(
            "clusterCidr (--cluster-cidr) is {} but {} was applied",
            show(m.cluster_cidr.map(|v| v.to_string())),
            recorded.cluster_cidr
        ));
    }
    let applied_overlay = show(recorded.overlay_ip.map(|v| v.to_string()));
    if given("overlayIp") && m.overlay_ip != recorded.overlay_ip {
        out.push(format!(
            "overlayIp (--overlay-ip) is {} but {applied_overlay} was applied",
            show(m.overlay_ip.map(|v| v.to_string()))
        ));
    } else if !given("overlayIp")
        && given("adcPodCidr")
        && let Some(cidr) = m.adc_pod_cidr
        && cidr.hosts().next() != recorded.overlay_ip
    {
        out.push(format!(
            "adcPodCidr (--adc-pod-cidr) is {cidr} (overlay IP {}) but overlay IP {applied_overlay} was applied",
            show(cidr.hosts().next().map(|v| v.to_string()))
        ));
    }
    if out.is_empty() {
        return Ok(());
    }
    Err(Error::usage(format!(
        "teardown removes what was applied ({}: {}): {}; drop these settings (teardown needs none) to remove the applied scope",
        record.source,
        record.scope.to_record(),
        out.join(", ")
    )))
}

/// Reads the ADC's owned scope (and what the run needs to know about the ADC) and the ADC
/// Node; refuses a writing run on an HA secondary.
pub async fn read_actual(
    kube: &kube::Client,
    nitro: &NitroClient,
    _settings: &Settings,
    planned: &Planned,
    writing: bool,
) -> Result<(Actual, AdcView)> {
    let desired = &planned.desired;
    // An unresolved VtepMAC means `vtepMac: auto` wherever the desired state came from (the
    // settings now, or a plan file written with auto): discover it as a live plan would.
    let needs_mac = desired
        .adc_node
        .as_ref()
        .is_some_and(|n| n.vtep_mac.is_none());
    let opts = ReadOptions {
        discover_vtep_mac: needs_mac,
        ha: writing,
    };
    let mut view = read::read(nitro, &planned.scope, opts).await?;
    if let Some(record) = &planned.record
        && !planned.scope.differences(&record.scope).is_empty()
    {
        // The scope moved since the last apply (a new VNI, overlay IP, ...): what the old one
        // owns is ours too, and goes unless planned again.
        let old = read::read(nitro, &record.scope, ReadOptions::default()).await?;
        let keys: std::collections::BTreeSet<_> = view.owned.iter().map(|o| o.key()).collect();
        let moved: Vec<_> = old
            .owned
            .into_iter()
            .filter(|o| !keys.contains(&o.key()))
            .collect();
        view.foreign
            .retain(|f| !moved.iter().any(|o| o.key() == f.key));
        view.owned.extend(moved);
        view.owned.sort();
        let learned: std::collections::BTreeSet<_> = view.learned.iter().map(|o| o.key()).collect();
        let old_learned: Vec<_> = old
            .learned
            .into_iter()
            .filter(|o| !learned.contains(&o.key()))
            .collect();
        view.learned.extend(old_learned);
    }
    if writing && let HaRole::Secondary { primary } = &view.ha {
        return Err(Error::Refused(format!(
            "this ADC is the HA secondary: configuration must be written to the primary{}; point --adc-url at it (or at a floating management SNIP)",
            primary
                .as_ref()
                .map(|p| format!(" ({p})"))
                .unwrap_or_default()
        )));
    }
    let node = adc_node::get(kube, &adc_node_name_of(desired)).await?;
    let actual = Actual {
        owned: view.owned.clone(),
        learned: view.learned.clone(),
        foreign: view.foreign.clone(),
        vtep_mac: view.vtep_mac.clone(),
        node,
        services: view.services.clone(),
    };
    Ok((actual, view))
}

/// The name the ADC Node has (or would have) for the planned cluster.
pub fn adc_node_name_of(desired: &Desired) -> String {
    desired
        .adc_node
        .as_ref()
        .map(|n| n.name.clone())
        .unwrap_or_else(|| crate::model::adc_node_name(&desired.cluster))
}

/// The pure stage: the finished desired state and its change set against `actual`.
pub fn changes(
    settings: &Settings,
    planned: Planned,
    actual: &Actual,
) -> Result<(Desired, ChangeSet)> {
    let opts = DiffOptions {
        teardown: planned.teardown,
    };
    let (desired, changes) =
        model_diff(planned.desired, actual, opts).map_err(|r| Error::Refused(r.0))?;
    // Nodes left out for a foreign conflict are diagnostics --strict turns into an error.
    super::plan::check_strict(settings, &desired)?;
    Ok((desired, changes))
}

/// Checks the ADC can take the desired objects (the VTEP SNIP, route gateways, no cluster).
pub async fn check_preconditions(
    nitro: &NitroClient,
    view: &AdcView,
    desired: &Desired,
) -> Result<()> {
    if desired.adc.is_empty() {
        return Ok(());
    }
    Ok(read::check_preconditions(nitro, view, desired).await?)
}

/// Runs the stages for `diff`, `apply` and `teardown`: facts from the live cluster, the plan
/// for `target`, the ADC and Node as read, the change set (`settings` as from
/// [`connect_cluster`]).
pub async fn prepare(
    kube: &kube::Client,
    settings: Settings,
    target: Target<'_>,
    writing: bool,
    record_namespace: &str,
) -> Result<Prepared> {
    let facts = FactsSource::Live(kube, settings.model.services)
        .facts()
        .await?;
    let cluster = settings.model.cluster.clone();
    let node = adc_node::get(kube, &crate::model::adc_node_name(&cluster)).await?;
    let mut record = adc_node::node_record(node.as_ref(), &cluster)?;
    let planned = match target {
        Target::Empty => {
            if record.is_none() {
                record = adc_node::config_map_record(kube, record_namespace, &cluster).await?;
            }
            match &record {
                Some(r) => {
                    check_against_record(&settings, r)?;
                    teardown_of_record(&settings, r)
                }
                // Nothing recorded (applied by an older version): the settings say what.
                None => plan_for(&settings, &facts, Target::Empty)?,
            }
        }
        target => {
            let mut planned = plan_for(&settings, &facts, target)?;
            if record.is_none() && planned.scope.mode == Mode::Routes {
                record = adc_node::config_map_record(kube, record_namespace, &cluster).await?;
            }
            planned.record = record.clone();
            planned
        }
    };
    let scope = planned.scope.clone();
    let nitro = connect_adc(&settings, kube).await?;
    let read = async {
        let (actual, view) = read_actual(kube, &nitro, &settings, &planned, writing).await?;
        let (desired, changes) = changes(&settings, planned, &actual)?;
        check_preconditions(&nitro, &view, &desired).await?;
        Ok::<_, Error>((actual, view, desired, changes))
    };
    match read.await {
        Ok((actual, view, desired, changes)) => Ok(Prepared {
            actual_node: actual.our_node(&desired.cluster).cloned(),
            settings,
            kube: kube.clone(),
            nitro,
            scope,
            view,
            desired,
            changes,
            record,
            record_namespace: record_namespace.to_string(),
        }),
        Err(e) => {
            nitro.logout().await;
            Err(e)
        }
    }
}

/// The blast-radius brake (SPEC §4) on a prepared change set.
pub fn brake(settings: &Settings, p: &Prepared, allow: bool) -> Result<()> {
    model_brake(
        &p.changes,
        p.view.owned.len(),
        settings.max_delete_percent,
        allow,
    )
    .map_err(|r| Error::Refused(r.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::adc_node::RecordSource;

    fn record() -> Record {
        Record {
            scope: OwnedScope {
                mode: Mode::Vxlan,
                cluster_cidr: "10.244.0.0/16".parse().unwrap(),
                vni: Some(1),
                overlay_ip: Some("10.244.254.1".parse().unwrap()),
                services: None,
            },
            source: RecordSource::Node("netscaler-prod".into()),
        }
    }

    fn settings(config: &str) -> Settings {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(&mut f, config.as_bytes()).unwrap();
        let args = crate::cli::SettingsArgs {
            config: Some(f.path().to_path_buf()),
            ..Default::default()
        };
        Settings::resolve(&args, None).unwrap()
    }

    #[test]
    fn teardown_refuses_settings_that_disagree_with_the_record() {
        // None given, or the ones the apply used: nothing to refuse.
        assert!(check_against_record(&settings(""), &record()).is_ok());
        let applied = "vtepIp: 192.0.2.10\nadcPodCidr: 10.244.254.0/24\nmode: vxlan\n";
        assert!(check_against_record(&settings(applied), &record()).is_ok());
        // vtepIp is no part of the scope: it may differ.
        assert!(check_against_record(&settings("vtepIp: 192.0.2.11\n"), &record()).is_ok());

        let err = check_against_record(
            &settings("vxlan:\n  id: 2\nadcPodCidr: 10.244.253.0/24\nclusterCidr: 10.0.0.0/8\nmode: routes\n"),
            &record(),
        )
        .unwrap_err()
        .to_string();
        for want in [
            "node netscaler-prod annotation kubectl-netscaler.io/scope",
            "mode (--mode) is routes but vxlan was applied",
            "vxlan.id (--vxlan-id) is 2 but VNI 1 was applied",
            "clusterCidr (--cluster-cidr) is 10.0.0.0/8 but 10.244.0.0/16 was applied",
            "adcPodCidr (--adc-pod-cidr) is 10.244.253.0/24 (overlay IP 10.244.253.1) but overlay IP 10.244.254.1 was applied",
        ] {
            assert!(err.contains(want), "{want:?} not in {err}");
        }
    }
}
