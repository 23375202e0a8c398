//! Settings: flags > environment > `--config` YAML file > defaults (SPEC §5), validated before
//! anything is contacted. Every error names the setting (config key and flag) that is wrong.

use crate::cli::{ModeArg, NotReadyArg, SafetyArgs, SettingsArgs};
use crate::error::{Error, Result};
use crate::model::selector::LabelSelector;
use crate::model::{ModeSetting, ModelSettings, NotReadyPolicy, VtepMacSetting, normalize_mac};
use crate::nitro::Password;
use ipnet::Ipv4Net;
use serde::Deserialize;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

/// The `--config` file. Keys as in the README's settings table; unknown keys are errors.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ConfigFile {
    pub cluster: Option<String>,
    #[serde(default)]
    pub adc: AdcConfig,
    pub mode: Option<String>,
    #[serde(default)]
    pub vxlan: VxlanConfig,
    pub vtep_ip: Option<String>,
    pub vtep_mac: Option<String>,
    pub adc_pod_cidr: Option<String>,
    pub overlay_ip: Option<String>,
    pub cluster_cidr: Option<String>,
    pub node_selector: Option<String>,
    pub node_address_type: Option<String>,
    pub not_ready: Option<String>,
    pub max_delete_percent: Option<u8>,
    pub save_config: Option<bool>,
    pub services: Option<bool>,
    #[serde(default)]
    pub watch: WatchConfig,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WatchConfig {
    pub debounce: Option<String>,
    pub resync_interval: Option<String>,
    pub metrics_addr: Option<String>,
}

/// `watch`'s own settings (SPEC §5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WatchSettings {
    pub debounce: std::time::Duration,
    pub resync_interval: std::time::Duration,
    pub metrics_addr: Option<std::net::SocketAddr>,
}

impl Default for WatchSettings {
    fn default() -> Self {
        WatchSettings {
            debounce: std::time::Duration::from_secs(1),
            resync_interval: std::time::Duration::from_secs(300),
            metrics_addr: None,
        }
    }
}

impl WatchSettings {
    /// Flags over the config file's `watch` section over the defaults.
    pub fn resolve(args: &crate::cli::WatchArgs, file: &WatchConfig) -> Result<WatchSettings> {
        let pick = |flag: &Option<String>, key: &Option<String>| flag.clone().or(key.clone());
        let mut out = WatchSettings::default();
        if let Some(t) = pick(&args.debounce, &file.debounce) {
            out.debounce = parse_duration("watch.debounce", "debounce", &t)?;
        }
        if let Some(t) = pick(&args.resync_interval, &file.resync_interval) {
            out.resync_interval = parse_duration("watch.resyncInterval", "resync-interval", &t)?;
            if out.resync_interval.is_zero() {
                return Err(bad(
                    "watch.resyncInterval",
                    "resync-interval",
                    "must be longer than 0 (drift made by hand is repaired at each resync)",
                ));
            }
        }
        if let Some(t) = pick(&args.metrics_addr, &file.metrics_addr) {
            use std::net::ToSocketAddrs;
            let addr = t
                .to_socket_addrs()
                .ok()
                .and_then(|mut a| a.next())
                .ok_or_else(|| {
                    bad(
                        "watch.metricsAddr",
                        "metrics-addr",
                        format!("{t:?} is not HOST:PORT (e.g. 0.0.0.0:9100 or 127.0.0.1:9100)"),
                    )
                })?;
            out.metrics_addr = Some(addr);
        }
        Ok(out)
    }
}

/// `1s`, `500ms`, `5m`, `1m30s` (humantime's format; a bare number is seconds).
fn parse_duration(key: &str, flag: &str, text: &str) -> Result<std::time::Duration> {
    let t = text.trim();
    if let Ok(secs) = t.parse::<u64>() {
        return Ok(std::time::Duration::from_secs(secs));
    }
    humantime::parse_duration(t).map_err(|e| {
        bad(
            key,
            flag,
            format!("{text:?} is not a duration like 1s, 500ms or 5m ({e})"),
        )
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AdcConfig {
    pub url: Option<String>,
    pub username: Option<String>,
    pub password_file: Option<PathBuf>,
    pub password_secret: Option<String>,
    pub ca_file: Option<PathBuf>,
    pub insecure_skip_tls_verify: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VxlanConfig {
    pub id: Option<u32>,
    pub port: Option<u16>,
}

/// Where the NITRO password comes from.
#[derive(Clone, Debug)]
pub enum PasswordSource {
    /// `NETSCALER_PASSWORD`.
    Env(Password),
    /// `--adc-password-file` / `adc.passwordFile`.
    File(PathBuf),
    /// `--adc-secret` / `adc.passwordSecret`: a Secret with keys `username` and `password`;
    /// without a namespace, the one of `-n` or the kubeconfig context.
    Secret {
        namespace: Option<String>,
        name: String,
    },
}

#[derive(Clone, Debug)]
pub struct AdcSettings {
    pub url: Option<String>,
    pub username: String,
    /// Whether the username was set explicitly (a Secret's `username` key applies otherwise).
    pub username_explicit: bool,
    pub password: Option<PasswordSource>,
    pub ca_file: Option<PathBuf>,
    pub insecure_skip_tls_verify: bool,
}

/// Validated settings.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The model settings; `cluster` is empty until [`Settings::cluster_name`] is resolved.
    pub model: ModelSettings,
    /// `--cluster-name` / `cluster`, when set.
    pub cluster_name: Option<String>,
    pub adc: AdcSettings,
    pub strict: bool,
    pub max_delete_percent: u8,
    pub save_config: bool,
    /// The config file's `watch` section, resolved by [`WatchSettings::resolve`].
    pub watch_file: std::sync::Arc<WatchConfig>,
    /// The model settings (by config key) given by a flag or the config file rather than
    /// defaulted: the ones a plan file's settings must agree with.
    pub explicit: std::collections::BTreeSet<&'static str>,
}

/// The model settings by config key, with their flag, as text (`None` when unset); the form a
/// plan file records them in and compares them by.
pub fn model_values(m: &ModelSettings) -> [(&'static str, &'static str, Option<String>); 13] {
    let text = |v: Option<&dyn std::fmt::Display>| v.map(|v| v.to_string());
    [
        ("cluster", "cluster-name", Some(m.cluster.clone())),
        (
            "mode",
            "mode",
            Some(
                match m.mode {
                    ModeSetting::Auto => "auto",
                    ModeSetting::Vxlan => "vxlan",
                    ModeSetting::Routes => "routes",
                }
                .into(),
            ),
        ),
        (
            "vxlan.id",
            "vxlan-id",
            text(m.vxlan_id.as_ref().map(|v| v as _)),
        ),
        (
            "vxlan.port",
            "vxlan-port",
            text(m.vxlan_port.as_ref().map(|v| v as _)),
        ),
        (
            "vtepIp",
            "vtep-ip",
            text(m.vtep_ip.as_ref().map(|v| v as _)),
        ),
        (
            "vtepMac",
            "vtep-mac",
            Some(match &m.vtep_mac {
                VtepMacSetting::Auto => "auto".into(),
                VtepMacSetting::Mac(mac) => mac.clone(),
            }),
        ),
        (
            "adcPodCidr",
            "adc-pod-cidr",
            text(m.adc_pod_cidr.as_ref().map(|v| v as _)),
        ),
        (
            "overlayIp",
            "overlay-ip",
            text(m.overlay_ip.as_ref().map(|v| v as _)),
        ),
        (
            "clusterCidr",
            "cluster-cidr",
            text(m.cluster_cidr.as_ref().map(|v| v as _)),
        ),
        (
            "nodeSelector",
            "node-selector",
            text(m.node_selector.as_ref().map(|v| v as _)),
        ),
        (
            "nodeAddressType",
            "node-address-type",
            Some(m.node_address_type.clone()),
        ),
        (
            "notReady",
            "not-ready",
            Some(
                match m.not_ready {
                    NotReadyPolicy::Keep => "keep",
                    NotReadyPolicy::Remove => "remove",
                }
                .into(),
            ),
        ),
        ("services", "services", Some(m.services.to_string())),
    ]
}

/// Parses model settings recorded as [`model_values`] (config keys, text values), e.g. from
/// a plan file; an error names the key.
pub fn parse_model_values(
    get: impl Fn(&str) -> Option<String>,
) -> std::result::Result<ModelSettings, String> {
    fn parse<T: std::str::FromStr>(
        key: &str,
        v: Option<String>,
    ) -> std::result::Result<Option<T>, String> {
        v.map(|t| t.parse().map_err(|_| format!("{key} {t:?} is invalid")))
            .transpose()
    }
    let mode = match get("mode").as_deref() {
        None | Some("auto") => ModeSetting::Auto,
        Some("vxlan") => ModeSetting::Vxlan,
        Some("routes") => ModeSetting::Routes,
        Some(m) => return Err(format!("mode {m:?} is not auto, vxlan or routes")),
    };
    let not_ready = match get("notReady").as_deref() {
        None | Some("keep") => NotReadyPolicy::Keep,
        Some("remove") => NotReadyPolicy::Remove,
        Some(v) => return Err(format!("notReady {v:?} is not keep or remove")),
    };
    let vtep_mac = match get("vtepMac") {
        None => VtepMacSetting::Auto,
        Some(m) if m == "auto" => VtepMacSetting::Auto,
        Some(m) => {
            VtepMacSetting::Mac(normalize_mac(&m).ok_or(format!("vtepMac {m:?} is invalid"))?)
        }
    };
    Ok(ModelSettings {
        cluster: get("cluster").ok_or("cluster missing")?,
        mode,
        vxlan_id: parse("vxlan.id", get("vxlan.id"))?,
        vxlan_port: parse("vxlan.port", get("vxlan.port"))?,
        vtep_ip: parse("vtepIp", get("vtepIp"))?,
        vtep_mac,
        adc_pod_cidr: parse("adcPodCidr", get("adcPodCidr"))?,
        overlay_ip: parse("overlayIp", get("overlayIp"))?,
        cluster_cidr: parse("clusterCidr", get("clusterCidr"))?,
        node_selector: get("nodeSelector")
            .map(|t| LabelSelector::parse(&t).map_err(|e| format!("nodeSelector: {e}")))
            .transpose()?,
        node_address_type: get("nodeAddressType").unwrap_or_else(|| "InternalIP".into()),
        not_ready,
        // A plan made before service groups existed planned none.
        services: match get("services").as_deref() {
            None => false,
            Some("true") => true,
            Some("false") => false,
            Some(v) => return Err(format!("services {v:?} is not true or false")),
        },
    })
}

fn bad(key: &str, flag: &str, msg: impl std::fmt::Display) -> Error {
    Error::usage(format!("{key} (--{flag}): {msg}"))
}

fn parse_ipv4(key: &str, flag: &str, text: &str) -> Result<Ipv4Addr> {
    text.trim()
        .parse()
        .map_err(|_| bad(key, flag, format!("{text:?} is not an IPv4 address")))
}

fn parse_cidr(key: &str, flag: &str, text: &str) -> Result<Ipv4Net> {
    let net: Ipv4Net = text.trim().parse().map_err(|_| {
        bad(
            key,
            flag,
            format!("{text:?} is not an IPv4 CIDR (like 10.244.0.0/16)"),
        )
    })?;
    if net.trunc() != net {
        return Err(bad(
            key,
            flag,
            format!("{text:?} has host bits set; did you mean {}?", net.trunc()),
        ));
    }
    Ok(net)
}

/// Reads the `--config` file.
pub fn read_config_file(path: &Path) -> Result<ConfigFile> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::usage(format!("--config {}: {e}", path.display())))?;
    if text.trim().is_empty() {
        return Ok(ConfigFile::default());
    }
    serde_saphyr::from_str(&text)
        .map_err(|e| Error::usage(format!("--config {}: {e}", path.display())))
}

impl Settings {
    /// Resolves flags (and the environment, which clap folds into the ADC flags) over the
    /// config file over defaults, and validates everything that can be checked offline.
    pub fn resolve(args: &SettingsArgs, write: Option<&SafetyArgs>) -> Result<Settings> {
        let file = match &args.config {
            Some(p) => read_config_file(p)?,
            None => ConfigFile::default(),
        };
        let pick = |flag: &Option<String>, key: &Option<String>| flag.clone().or(key.clone());

        let mode = match (args.mode, file.mode.as_deref()) {
            (Some(ModeArg::Auto), _) => ModeSetting::Auto,
            (Some(ModeArg::Vxlan), _) => ModeSetting::Vxlan,
            (Some(ModeArg::Routes), _) => ModeSetting::Routes,
            (None, None) => ModeSetting::Auto,
            (None, Some(m)) => match m.to_ascii_lowercase().as_str() {
                "auto" => ModeSetting::Auto,
                "vxlan" => ModeSetting::Vxlan,
                "routes" => ModeSetting::Routes,
                _ => {
                    return Err(bad(
                        "mode",
                        "mode",
                        format!("{m:?} is not auto, vxlan or routes"),
                    ));
                }
            },
        };
        let not_ready = match (args.not_ready, file.not_ready.as_deref()) {
            (Some(NotReadyArg::Keep), _) | (None, None) => NotReadyPolicy::Keep,
            (Some(NotReadyArg::Remove), _) => NotReadyPolicy::Remove,
            (None, Some(v)) => match v.to_ascii_lowercase().as_str() {
                "keep" => NotReadyPolicy::Keep,
                "remove" => NotReadyPolicy::Remove,
                _ => {
                    return Err(bad(
                        "notReady",
                        "not-ready",
                        format!("{v:?} is not keep or remove"),
                    ));
                }
            },
        };

        let vxlan_id = args.vxlan_id.or(file.vxlan.id);
        if let Some(id) = vxlan_id
            && !(1..=16_777_215).contains(&id)
        {
            return Err(bad(
                "vxlan.id",
                "vxlan-id",
                format!("{id} is outside 1..16777215"),
            ));
        }
        let vxlan_port = args.vxlan_port.or(file.vxlan.port);
        if vxlan_port == Some(0) || vxlan_port == Some(65535) {
            return Err(bad("vxlan.port", "vxlan-port", "must be within 1..65534"));
        }

        let vtep_ip = pick(&args.vtep_ip, &file.vtep_ip)
            .map(|t| parse_ipv4("vtepIp", "vtep-ip", &t))
            .transpose()?;
        let overlay_ip = pick(&args.overlay_ip, &file.overlay_ip)
            .map(|t| parse_ipv4("overlayIp", "overlay-ip", &t))
            .transpose()?;
        let adc_pod_cidr = pick(&args.adc_pod_cidr, &file.adc_pod_cidr)
            .map(|t| parse_cidr("adcPodCidr", "adc-pod-cidr", &t))
            .transpose()?;
        let cluster_cidr = pick(&args.cluster_cidr, &file.cluster_cidr)
            .map(|t| parse_cidr("clusterCidr", "cluster-cidr", &t))
            .transpose()?;
        if let (Some(ip), Some(net)) = (overlay_ip, adc_pod_cidr)
            && !net.contains(&ip)
        {
            return Err(bad(
                "overlayIp",
                "overlay-ip",
                format!("{ip} is outside adcPodCidr {net}"),
            ));
        }
        if overlay_ip.is_some() && adc_pod_cidr.is_none() {
            return Err(bad(
                "overlayIp",
                "overlay-ip",
                "needs adcPodCidr (--adc-pod-cidr) too",
            ));
        }
        if let (Some(pod), Some(cluster)) = (adc_pod_cidr, cluster_cidr)
            && !cluster.contains(&pod)
        {
            return Err(bad(
                "adcPodCidr",
                "adc-pod-cidr",
                format!("{pod} is outside clusterCidr {cluster}"),
            ));
        }
        let vtep_mac = match pick(&args.vtep_mac, &file.vtep_mac) {
            None => VtepMacSetting::Auto,
            Some(m) if m.eq_ignore_ascii_case("auto") => VtepMacSetting::Auto,
            Some(m) => VtepMacSetting::Mac(parse_vtep_mac(&m)?),
        };
        if let (Some(vtep), Some(overlay)) = (vtep_ip, overlay_ip)
            && vtep == overlay
        {
            return Err(bad(
                "vtepIp",
                "vtep-ip",
                format!(
                    "{vtep} is also overlayIp: the VTEP is the ADC's underlay SNIP, the overlay IP its address inside the pod network; they must differ"
                ),
            ));
        }
        let cluster_given = args.cluster_name.is_some() || file.cluster.is_some();
        let node_selector_given = args.node_selector.is_some() || file.node_selector.is_some();
        let node_address_type_given =
            args.node_address_type.is_some() || file.node_address_type.is_some();
        let node_selector = pick(&args.node_selector, &file.node_selector)
            .map(|s| LabelSelector::parse(&s).map_err(|e| bad("nodeSelector", "node-selector", e)))
            .transpose()?;
        let node_address_type = pick(&args.node_address_type, &file.node_address_type)
            .unwrap_or_else(|| "InternalIP".into());
        if !["InternalIP", "ExternalIP"].contains(&node_address_type.as_str()) {
            return Err(bad(
                "nodeAddressType",
                "node-address-type",
                format!("{node_address_type:?} is not InternalIP or ExternalIP"),
            ));
        }
        let cluster_name = pick(&args.cluster_name, &file.cluster);
        if let Some(name) = &cluster_name
            && !valid_cluster_name(name)
        {
            return Err(bad(
                "cluster",
                "cluster-name",
                format!(
                    "{name:?} must be 1-40 lower-case letters, digits or '-' (it becomes part of a Node name)"
                ),
            ));
        }

        let max_delete_percent = write
            .and_then(|w| w.max_delete_percent)
            .or(file.max_delete_percent)
            .unwrap_or(50);
        if max_delete_percent > 100 {
            return Err(bad(
                "maxDeletePercent",
                "max-delete-percent",
                format!("{max_delete_percent} is over 100"),
            ));
        }
        let save_config = match write {
            Some(w) if w.no_save_config => false,
            Some(w) if w.save_config => true,
            _ => file.save_config.unwrap_or(true),
        };

        let services = if args.no_services {
            false
        } else {
            args.services || file.services.unwrap_or(true)
        };
        let adc = resolve_adc(args, &file.adc)?;
        let settings = Settings {
            model: ModelSettings {
                cluster: cluster_name.clone().unwrap_or_default(),
                mode,
                vxlan_id,
                vxlan_port,
                vtep_ip,
                vtep_mac,
                adc_pod_cidr,
                overlay_ip,
                cluster_cidr,
                node_selector,
                node_address_type,
                not_ready,
                services,
            },
            cluster_name,
            adc,
            strict: args.strict,
            max_delete_percent,
            save_config,
            watch_file: std::sync::Arc::new(file.watch),
            explicit: [
                ("cluster", cluster_given),
                ("mode", args.mode.is_some() || file.mode.is_some()),
                ("vxlan.id", vxlan_id.is_some()),
                ("vxlan.port", vxlan_port.is_some()),
                ("vtepIp", vtep_ip.is_some()),
                (
                    "vtepMac",
                    args.vtep_mac.is_some() || file.vtep_mac.is_some(),
                ),
                ("adcPodCidr", adc_pod_cidr.is_some()),
                ("overlayIp", overlay_ip.is_some()),
                ("clusterCidr", cluster_cidr.is_some()),
                ("nodeSelector", node_selector_given),
                ("nodeAddressType", node_address_type_given),
                (
                    "notReady",
                    args.not_ready.is_some() || file.not_ready.is_some(),
                ),
                (
                    "services",
                    args.services || args.no_services || file.services.is_some(),
                ),
            ]
            .into_iter()
            .filter_map(|(k, given)| given.then_some(k))
            .collect(),
        };
        crate::model::check_offline(&settings.model).map_err(|e| Error::usage(e.0))?;
        Ok(settings)
    }

    /// Sets the cluster name once known (explicit, else the kubeconfig's cluster, else
    /// `kubernetes`).
    pub fn with_cluster(mut self, fallback: &str) -> Result<Settings> {
        let name = self
            .cluster_name
            .clone()
            .unwrap_or_else(|| sanitize(fallback));
        if !valid_cluster_name(&name) {
            return Err(bad(
                "cluster",
                "cluster-name",
                format!(
                    "the kubeconfig cluster name {fallback:?} cannot be used as is; set --cluster-name"
                ),
            ));
        }
        self.model.cluster = name;
        Ok(self)
    }
}

/// A VTEP MAC must be a unicast hardware address: flannel on every node sends the ADC's
/// overlay traffic to it, so a multicast or all-zero MAC breaks the return path to the ADC.
fn parse_vtep_mac(text: &str) -> Result<String> {
    let mac = normalize_mac(text).ok_or_else(|| {
        bad(
            "vtepMac",
            "vtep-mac",
            format!("{text:?} is neither auto nor a MAC address"),
        )
    })?;
    let first = u8::from_str_radix(&mac[..2], 16).unwrap_or(0);
    if mac.split(':').all(|b| b == "00") {
        return Err(bad(
            "vtepMac",
            "vtep-mac",
            format!(
                "{text:?} is the all-zero MAC; give the MAC of the ADC interface that holds the VTEP IP, or auto"
            ),
        ));
    }
    if first & 1 == 1 {
        return Err(bad(
            "vtepMac",
            "vtep-mac",
            format!(
                "{text:?} is a multicast MAC (lowest bit of the first byte set); give the unicast MAC of the ADC interface that holds the VTEP IP, or auto"
            ),
        ));
    }
    Ok(mac)
}

impl Settings {
    /// Takes the model settings a plan file was made with (`plan`, from the file named
    /// `source`): a setting given here (flag or config file) that contradicts the plan is
    /// refused, naming both values; every other one comes from the plan.
    pub fn adopt_plan(mut self, plan: &ModelSettings, source: &str) -> Result<Settings> {
        let mut mine = self.model.clone();
        if let Some(name) = &self.cluster_name {
            mine.cluster = name.clone();
        }
        let planned = model_values(plan);
        let contradictions: Vec<String> = model_values(&mine)
            .into_iter()
            .zip(planned)
            .filter(|((key, _, _), _)| self.explicit.contains(key))
            .filter(|((_, _, here), (_, _, there))| here != there)
            .map(|((key, flag, here), (_, _, there))| {
                let show = |v: Option<String>| v.unwrap_or_else(|| "unset".into());
                format!(
                    "{key} (--{flag}) is {} here but {} in the plan",
                    show(here),
                    show(there)
                )
            })
            .collect();
        if !contradictions.is_empty() {
            return Err(Error::usage(format!(
                "plan file {source} was made with other settings: {}; drop the contradicting settings (the plan file carries its own) or plan again with them",
                contradictions.join(", ")
            )));
        }
        self.model = plan.clone();
        self.cluster_name = Some(plan.cluster.clone());
        Ok(self)
    }

    /// Checks, without any network access, everything a command that talks to the ADC needs
    /// (SPEC §5): the URL, a password source, a readable password file, the CA file. All the
    /// problems found are reported together, each naming its setting.
    pub fn check_adc_offline(&self) -> Result<()> {
        let adc = &self.adc;
        let mut problems: Vec<String> = Vec::new();
        if adc.url.is_none() {
            problems.push("adc.url (--adc-url, NETSCALER_URL) is required for this command".into());
        }
        match &adc.password {
            None => problems.push(
                "no ADC password: set NETSCALER_PASSWORD, --adc-password-file FILE or --adc-secret NAMESPACE/NAME (adc.passwordFile / adc.passwordSecret)".into(),
            ),
            Some(PasswordSource::File(path)) => match std::fs::metadata(path) {
                Err(e) => problems.push(format!(
                    "adc.passwordFile (--adc-password-file) {}: {}",
                    path.display(),
                    io_reason(&e)
                )),
                Ok(m) if !m.is_file() => problems.push(format!(
                    "adc.passwordFile (--adc-password-file) {}: not a regular file",
                    path.display()
                )),
                Ok(_) => {
                    if let Err(e) = std::fs::File::open(path) {
                        problems.push(format!(
                            "adc.passwordFile (--adc-password-file) {}: {}",
                            path.display(),
                            io_reason(&e)
                        ));
                    }
                }
            },
            Some(_) => {}
        }
        if let Some(ca) = &adc.ca_file
            && !ca.is_file()
        {
            problems.push(format!(
                "adc.caFile (--adc-ca-file) {}: no such file",
                ca.display()
            ));
        }
        match problems.len() {
            0 => Ok(()),
            1 => Err(Error::usage(problems.remove(0))),
            _ => Err(Error::usage(format!(
                "{} settings need attention:\n  {}",
                problems.len(),
                problems.join("\n  ")
            ))),
        }
    }
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

fn valid_cluster_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 40
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// Turns a kubeconfig cluster name (e.g. `kind-dev`, `arn:aws:eks:...:cluster/prod`) into a
/// usable cluster name: lower case, other characters to `-`, at most 40 characters.
fn sanitize(name: &str) -> String {
    let mut s: String = name
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    s.truncate(40);
    s.trim_matches('-').to_string()
}

fn resolve_adc(args: &SettingsArgs, file: &AdcConfig) -> Result<AdcSettings> {
    let a = &args.adc;
    let url = a.adc_url.clone().or(file.url.clone());
    if let Some(u) = &url {
        let ok = (u.starts_with("https://") || u.starts_with("http://"))
            && u.split_once("://").is_some_and(|(_, h)| !h.is_empty());
        if !ok {
            return Err(bad(
                "adc.url",
                "adc-url",
                format!("{u:?} is not an http:// or https:// URL"),
            ));
        }
        // `https://user:secret@adc`: the password would end up in process arguments, shell
        // history and logs. Named without echoing the URL.
        let authority = u
            .split_once("://")
            .map(|(_, rest)| rest.split(['/', '?', '#']).next().unwrap_or(""))
            .unwrap_or("");
        if authority.contains('@') {
            return Err(bad(
                "adc.url",
                "adc-url",
                "must not carry credentials (user:password@host); give the user with --adc-username and the password with --adc-password-file, --adc-secret or NETSCALER_PASSWORD",
            ));
        }
    }
    if a.adc_password_file.is_some() && a.adc_secret.is_some() {
        return Err(Error::usage(
            "--adc-password-file and --adc-secret are both set; use one",
        ));
    }
    let secret = |text: &str, flag: &str, key: &str| -> Result<PasswordSource> {
        let (namespace, name) = match text.split_once('/') {
            Some((ns, name)) => (Some(ns), name),
            None => (None, text),
        };
        let valid = |s: &str| !s.is_empty() && !s.contains('/');
        if !valid(name) || namespace.is_some_and(|ns| !valid(ns)) {
            return Err(bad(
                key,
                flag,
                format!("{text:?} is not NAME or NAMESPACE/NAME"),
            ));
        }
        Ok(PasswordSource::Secret {
            namespace: namespace.map(str::to_string),
            name: name.into(),
        })
    };
    let env_password = std::env::var("NETSCALER_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty())
        .map(|p| PasswordSource::Env(Password::new(p)));
    let password = if let Some(p) = &a.adc_password_file {
        Some(PasswordSource::File(p.clone()))
    } else if let Some(s) = &a.adc_secret {
        Some(secret(s, "adc-secret", "adc.passwordSecret")?)
    } else if env_password.is_some() {
        env_password
    } else if let Some(p) = &file.password_file {
        Some(PasswordSource::File(p.clone()))
    } else if let Some(s) = &file.password_secret {
        Some(secret(s, "adc-secret", "adc.passwordSecret")?)
    } else {
        None
    };
    let username = a.adc_username.clone().or(file.username.clone());
    Ok(AdcSettings {
        url,
        username_explicit: username.is_some(),
        username: username.unwrap_or_else(|| "nsroot".into()),
        password,
        ca_file: a.adc_ca_file.clone().or(file.ca_file.clone()),
        insecure_skip_tls_verify: a.adc_insecure_skip_tls_verify
            || file.insecure_skip_tls_verify.unwrap_or(false),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn args() -> SettingsArgs {
        SettingsArgs::default()
    }

    fn config(text: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(text.as_bytes()).unwrap();
        f
    }

    #[test]
    fn services_flags_over_file_over_default_on() {
        assert!(Settings::resolve(&args(), None).unwrap().model.services);
        let off = config("services: false\n");
        let from_file = SettingsArgs {
            config: Some(off.path().into()),
            ..args()
        };
        assert!(!Settings::resolve(&from_file, None).unwrap().model.services);
        let flag_on = SettingsArgs {
            services: true,
            ..from_file
        };
        assert!(Settings::resolve(&flag_on, None).unwrap().model.services);
        let flag_off = SettingsArgs {
            no_services: true,
            ..args()
        };
        assert!(!Settings::resolve(&flag_off, None).unwrap().model.services);
    }

    #[test]
    fn defaults() {
        let s = Settings::resolve(&args(), None).unwrap();
        assert_eq!(s.model.mode, ModeSetting::Auto);
        assert_eq!(s.model.node_address_type, "InternalIP");
        assert_eq!(s.model.vtep_mac, VtepMacSetting::Auto);
        assert_eq!(s.max_delete_percent, 50);
        assert!(s.save_config);
        assert_eq!(s.adc.username, "nsroot");
    }

    #[test]
    fn a_plan_supplies_the_settings_not_given_and_refuses_contradicting_ones() {
        let f = config("cluster: prod\nvtepIp: 192.0.2.10\nadcPodCidr: 10.244.254.0/24\n");
        let mut a = args();
        a.config = Some(f.path().to_path_buf());
        let planned = Settings::resolve(&a, None)
            .unwrap()
            .with_cluster("x")
            .unwrap();
        let mut plan = planned.model.clone();
        plan.not_ready = NotReadyPolicy::Remove;

        // Only the ADC connection: everything comes from the plan.
        let run = Settings::resolve(&args(), None).unwrap();
        let adopted = run.adopt_plan(&plan, "p.json").unwrap();
        assert_eq!(adopted.cluster_name.as_deref(), Some("prod"));
        assert_eq!(model_values(&adopted.model), model_values(&plan));

        // The same settings again agree.
        let again = Settings::resolve(&a, None).unwrap();
        assert!(again.adopt_plan(&plan, "p.json").is_ok());

        // A contradicting flag is refused, naming both values.
        let mut b = a.clone();
        b.vxlan_id = Some(2);
        b.not_ready = Some(NotReadyArg::Keep);
        let err = Settings::resolve(&b, None)
            .unwrap()
            .adopt_plan(&plan, "p.json")
            .unwrap_err()
            .to_string();
        assert!(err.contains("plan file p.json"), "{err}");
        assert!(
            err.contains("vxlan.id (--vxlan-id) is 2 here but unset in the plan"),
            "{err}"
        );
        assert!(
            err.contains("notReady (--not-ready) is keep here but remove in the plan"),
            "{err}"
        );
    }

    #[test]
    fn flags_beat_the_config_file() {
        let f = config(
            "cluster: fromfile\nmode: routes\nvtepIp: 192.0.2.10\nclusterCidr: 10.244.0.0/16\nadcPodCidr: 10.244.254.0/24\nvxlan:\n  id: 7\n  port: 4789\nmaxDeletePercent: 20\nadc:\n  username: admin\n",
        );
        let mut a = args();
        a.config = Some(f.path().into());
        let s = Settings::resolve(&a, None).unwrap();
        assert_eq!(s.cluster_name.as_deref(), Some("fromfile"));
        assert_eq!(s.model.mode, ModeSetting::Routes);
        assert_eq!(s.model.vxlan_id, Some(7));
        assert_eq!(s.model.vxlan_port, Some(4789));
        assert_eq!(s.max_delete_percent, 20);
        assert_eq!(s.adc.username, "admin");

        a.cluster_name = Some("fromflag".into());
        a.mode = Some(ModeArg::Vxlan);
        a.vtep_ip = Some("192.0.2.11".into());
        a.vxlan_id = Some(9);
        a.adc.adc_username = Some("flaguser".into());
        let s = Settings::resolve(&a, None).unwrap();
        assert_eq!(s.cluster_name.as_deref(), Some("fromflag"));
        assert_eq!(s.model.mode, ModeSetting::Vxlan);
        assert_eq!(s.model.vtep_ip, Some("192.0.2.11".parse().unwrap()));
        assert_eq!(s.model.vxlan_id, Some(9));
        assert_eq!(s.model.vxlan_port, Some(4789));
        assert_eq!(s.adc.username, "flaguser");
    }

    #[test]
    fn invalid_settings_name_the_setting() {
        type Case = (fn(&mut SettingsArgs), &'static str);
        let cases: Vec<Case> = vec![
            (|a| a.vtep_ip = Some("nope".into()), "vtepIp (--vtep-ip)"),
            (
                |a| a.cluster_cidr = Some("10.244.0.0/33".into()),
                "clusterCidr (--cluster-cidr)",
            ),
            (
                |a| a.cluster_cidr = Some("10.244.1.0/16".into()),
                "host bits",
            ),
            (
                |a| {
                    a.adc_pod_cidr = Some("10.244.254.0/24".into());
                    a.overlay_ip = Some("10.9.9.9".into());
                },
                "overlayIp (--overlay-ip)",
            ),
            (
                |a| {
                    a.adc_pod_cidr = Some("10.9.0.0/24".into());
                    a.cluster_cidr = Some("10.244.0.0/16".into());
                },
                "adcPodCidr (--adc-pod-cidr): 10.9.0.0/24 is outside clusterCidr",
            ),
            (|a| a.vtep_mac = Some("zz".into()), "vtepMac (--vtep-mac)"),
            (|a| a.vxlan_id = Some(0), "vxlan.id (--vxlan-id)"),
            (|a| a.node_selector = Some("a in b".into()), "nodeSelector"),
            (
                |a| a.node_address_type = Some("Hostname".into()),
                "nodeAddressType",
            ),
            (
                |a| a.cluster_name = Some("Prod_1".into()),
                "cluster (--cluster-name)",
            ),
            (
                |a| a.adc.adc_url = Some("adc.example".into()),
                "adc.url (--adc-url)",
            ),
            (
                |a| a.adc.adc_secret = Some("ns/".into()),
                "adc.passwordSecret",
            ),
            (
                |a| a.adc.adc_url = Some("https://nsroot:s3cret@adc.example/".into()),
                "adc.url (--adc-url): must not carry credentials",
            ),
            (
                |a| a.vtep_mac = Some("01:00:5e:00:00:01".into()),
                "vtepMac (--vtep-mac): \"01:00:5e:00:00:01\" is a multicast MAC",
            ),
            (
                |a| a.vtep_mac = Some("00:00:00:00:00:00".into()),
                "vtepMac (--vtep-mac): \"00:00:00:00:00:00\" is the all-zero MAC",
            ),
            (
                |a| {
                    a.vtep_ip = Some("10.244.254.1".into());
                    a.overlay_ip = Some("10.244.254.1".into());
                    a.adc_pod_cidr = Some("10.244.254.0/24".into());
                },
                "vtepIp (--vtep-ip): 10.244.254.1 is also overlayIp",
            ),
        ];
        for (set, want) in cases {
            let mut a = args();
            set(&mut a);
            let err = Settings::resolve(&a, None).unwrap_err();
            assert!(matches!(err, Error::Usage(_)));
            assert!(
                err.to_string().contains(want),
                "{err} should contain {want}"
            );
        }
    }

    #[test]
    fn a_url_with_credentials_is_refused_without_echoing_the_password() {
        let mut a = args();
        a.adc.adc_url = Some("https://nsroot:s3cret@adc.example".into());
        let err = Settings::resolve(&a, None).unwrap_err().to_string();
        assert!(!err.contains("s3cret"), "{err}");
    }

    #[test]
    fn adc_settings_are_checked_offline_and_reported_together() {
        let mut a = args();
        a.adc.adc_password_file = Some("/nonexistent/pw".into());
        a.adc.adc_ca_file = Some("/nonexistent/ca.pem".into());
        let s = Settings::resolve(&a, None).unwrap();
        let err = s.check_adc_offline().unwrap_err();
        assert!(matches!(err, Error::Usage(_)));
        let err = err.to_string();
        for want in [
            "3 settings need attention",
            "adc.url (--adc-url, NETSCALER_URL) is required",
            "adc.passwordFile (--adc-password-file) /nonexistent/pw: no such file",
            "adc.caFile (--adc-ca-file) /nonexistent/ca.pem: no such file",
        ] {
            assert!(err.contains(want), "{err} should contain {want}");
        }

        let pw = config("secret\n");
        let mut a = args();
        a.adc.adc_url = Some("https://adc.example".into());
        a.adc.adc_password_file = Some(pw.path().into());
        Settings::resolve(&a, None)
            .unwrap()
            .check_adc_offline()
            .unwrap();

        let mut a = args();
        a.adc.adc_url = Some("https://adc.example".into());
        a.adc.adc_password_file = Some(std::env::temp_dir());
        let err = Settings::resolve(&a, None)
            .unwrap()
            .check_adc_offline()
            .unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
    }

    #[test]
    fn watch_settings_flags_over_file_over_defaults() {
        let mut a = crate::cli::WatchArgs {
            debounce: None,
            resync_interval: None,
            metrics_addr: None,
            safety: SafetyArgs::default(),
        };
        let none = WatchConfig::default();
        assert_eq!(
            WatchSettings::resolve(&a, &none).unwrap(),
            WatchSettings::default()
        );
        let file = WatchConfig {
            debounce: Some("250ms".into()),
            resync_interval: Some("1m30s".into()),
            metrics_addr: Some("127.0.0.1:9100".into()),
        };
        let s = WatchSettings::resolve(&a, &file).unwrap();
        assert_eq!(s.debounce, std::time::Duration::from_millis(250));
        assert_eq!(s.resync_interval, std::time::Duration::from_secs(90));
        assert_eq!(s.metrics_addr, Some("127.0.0.1:9100".parse().unwrap()));
        a.debounce = Some("0".into());
        a.resync_interval = Some("10s".into());
        let s = WatchSettings::resolve(&a, &file).unwrap();
        assert_eq!(s.debounce, std::time::Duration::ZERO);
        assert_eq!(s.resync_interval, std::time::Duration::from_secs(10));
        for (set, want) in [
            ((Some("soon"), None, None), "watch.debounce (--debounce)"),
            (
                (None, Some("0s"), None),
                "watch.resyncInterval (--resync-interval)",
            ),
            (
                (None, None, Some("9100")),
                "watch.metricsAddr (--metrics-addr)",
            ),
        ] {
            a.debounce = set.0.map(str::to_string);
            a.resync_interval = set.1.map(str::to_string);
            a.metrics_addr = set.2.map(str::to_string);
            let err = WatchSettings::resolve(&a, &none).unwrap_err().to_string();
            assert!(err.contains(want), "{err} should contain {want}");
        }
    }

    #[test]
    fn config_file_errors_name_the_file_and_key() {
        let f = config("clusterCidr: 10.244.0.0/16\nbogusKey: 1\n");
        let mut a = args();
        a.config = Some(f.path().into());
        let err = Settings::resolve(&a, None).unwrap_err().to_string();
        assert!(
            err.contains("--config") && err.contains("bogusKey"),
            "{err}"
        );
    }

    #[test]
    fn cluster_name_fallback_is_sanitised() {
        let s = Settings::resolve(&args(), None).unwrap();
        let s = s
            .with_cluster("arn:aws:eks:eu-west-1:123:cluster/Prod")
            .unwrap();
        assert_eq!(s.model.cluster, "arn-aws-eks-eu-west-1-123-cluster-prod");
    }
}
