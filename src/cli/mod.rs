//! The command line, defined once: help, man pages and shell completions all derive from these
//! clap definitions (see `completions/` and `man/`).

pub mod complete;
pub mod generate;

use clap::{Args, Parser, Subcommand, ValueEnum, ValueHint};
use std::path::PathBuf;

const AFTER_HELP: &str = crate::exit::ExitStatus::HELP_TABLE;

/// Connect a Kubernetes cluster's pod network to a NetScaler ADC: plan, diff, apply and tear down
/// the NITRO configuration computed from the live cluster.
#[derive(Debug, Parser)]
#[command(
    name = "kubectl-netscaler",
    bin_name = "kubectl-netscaler",
    version,
    about,
    after_help = AFTER_HELP,
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    #[command(flatten)]
    pub kube: KubeArgs,
    #[command(flatten)]
    pub settings: SettingsArgs,
    #[command(flatten)]
    pub global: GlobalArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show the ADC and cluster configuration the cluster needs (no ADC access)
    #[command(after_help = AFTER_HELP)]
    Plan(PlanArgs),
    /// Show what apply would change on the ADC and in the cluster (exit 1 when there are changes)
    #[command(after_help = AFTER_HELP)]
    Diff(DiffArgs),
    /// Push the changes to the ADC and the cluster (asks for confirmation unless --yes)
    #[command(after_help = AFTER_HELP)]
    Apply(ApplyArgs),
    /// Remove everything this tool manages for the cluster from the ADC and the cluster
    #[command(after_help = AFTER_HELP)]
    Teardown(TeardownArgs),
    /// Keep the ADC and the ADC Node converged as the cluster changes, until stopped (a
    /// foreground controller; a second one waits as standby)
    #[command(after_help = AFTER_HELP)]
    Watch(WatchArgs),
    /// Print the version of kubectl-netscaler (no cluster or ADC access)
    Version(VersionArgs),
}

#[derive(Debug, Args, Clone)]
pub struct WatchArgs {
    /// Coalesce cluster events: the first after a quiet spell is reconciled at once, the ones
    /// within this window after it together at its end (watch.debounce) [default: 1s]
    #[arg(long, value_name = "DURATION")]
    pub debounce: Option<String>,
    /// Re-read the ADC's owned scope this often and repair drift made by hand
    /// (watch.resyncInterval) [default: 5m]
    #[arg(long, value_name = "DURATION")]
    pub resync_interval: Option<String>,
    /// Serve Prometheus metrics at /metrics, and /healthz and /readyz, on HOST:PORT
    /// (watch.metricsAddr) [default: off]
    #[arg(long, value_name = "HOST:PORT")]
    pub metrics_addr: Option<String>,
    #[command(flatten)]
    pub safety: SafetyArgs,
}

#[derive(Debug, Args, Clone)]
pub struct VersionArgs {
    /// Output format
    #[arg(short, long, value_enum, default_value_t = VersionOutput::Text)]
    pub output: VersionOutput,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum VersionOutput {
    Text,
    Json,
    Yaml,
}

/// Kubernetes access, as kubectl.
#[derive(Debug, Args, Default, Clone)]
#[command(next_help_heading = "Kubernetes options")]
pub struct KubeArgs {
    /// Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config, then in-cluster)
    #[arg(long, global = true, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context to use
    #[arg(long, global = true, value_name = "NAME")]
    pub context: Option<String>,
    /// The kubeconfig cluster to use
    #[arg(long, global = true, value_name = "NAME")]
    pub cluster: Option<String>,
    /// The kubeconfig user to use
    #[arg(long, global = true, value_name = "NAME")]
    pub user: Option<String>,
    /// Namespace of the --adc-secret Secret when it is given without one (default: the
    /// kubeconfig context's namespace)
    #[arg(short = 'n', long, global = true, value_name = "NAMESPACE")]
    pub namespace: Option<String>,
    /// Timeout of a single Kubernetes request (e.g. 30s, 1m; 0 = none)
    #[arg(long, global = true, value_name = "DURATION")]
    pub request_timeout: Option<String>,
}

/// Settings of SPEC §5 (flags > environment > --config file > defaults).
#[derive(Debug, Args, Default, Clone)]
#[command(next_help_heading = "Settings")]
pub struct SettingsArgs {
    /// YAML settings file (keys as in the README's settings table)
    #[arg(long, global = true, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub config: Option<PathBuf>,
    /// Cluster name used in owned object names and markers (default: kubeconfig cluster name)
    #[arg(long, global = true, value_name = "NAME")]
    pub cluster_name: Option<String>,
    /// Overlay mode
    #[arg(long, global = true, value_enum)]
    pub mode: Option<ModeArg>,
    /// VXLAN network identifier (default: the VNI the nodes advertise, else net-conf, else 1)
    #[arg(long, global = true, value_name = "VNI")]
    pub vxlan_id: Option<u32>,
    /// VXLAN UDP port (default: net-conf Backend.Port, else 8472)
    #[arg(long, global = true, value_name = "PORT")]
    pub vxlan_port: Option<u16>,
    /// The ADC's existing SNIP on the node network, used as VTEP source (vxlan mode)
    #[arg(long, global = true, value_name = "IP")]
    pub vtep_ip: Option<String>,
    /// MAC of the ADC's VTEP for the ADC Node object: `auto` or a MAC (HA pairs: the virtual MAC)
    #[arg(long, global = true, value_name = "MAC|auto")]
    pub vtep_mac: Option<String>,
    /// Pod CIDR reserved for the ADC inside the cluster CIDR (vxlan mode)
    #[arg(long, global = true, value_name = "CIDR")]
    pub adc_pod_cidr: Option<String>,
    /// The ADC's overlay address (default: first host of --adc-pod-cidr)
    #[arg(long, global = true, value_name = "IP")]
    pub overlay_ip: Option<String>,
    /// Cluster (pod network) CIDR (default: flannel's net-conf.json Network)
    #[arg(long, global = true, value_name = "CIDR")]
    pub cluster_cidr: Option<String>,
    /// Only plan nodes matching this label selector (e.g. `role=worker,zone in (a,b)`)
    #[arg(long, global = true, value_name = "SELECTOR")]
    pub node_selector: Option<String>,
    /// Node address type used as route gateway in routes mode
    #[arg(long, global = true, value_name = "TYPE")]
    pub node_address_type: Option<String>,
    /// What to do with NotReady nodes
    #[arg(long, global = true, value_enum)]
    pub not_ready: Option<NotReadyArg>,
    /// Turn diagnostics (skipped nodes, conflicts) into an error (exit 2)
    #[arg(long, global = true)]
    pub strict: bool,
    /// Manage a service group for each Service annotated kubectl-netscaler.io/lbvserver [default]
    #[arg(long, global = true, overrides_with = "no_services")]
    pub services: bool,
    /// Leave Services and service groups alone
    #[arg(long, global = true)]
    pub no_services: bool,
    #[command(flatten)]
    pub adc: AdcArgs,
}

/// ADC connection settings.
#[derive(Debug, Args, Default, Clone)]
#[command(next_help_heading = "ADC options")]
pub struct AdcArgs {
    /// NITRO base URL of the ADC (the HA primary or a floating management SNIP)
    #[arg(long, global = true, env = "NETSCALER_URL", value_name = "URL")]
    pub adc_url: Option<String>,
    /// NITRO user [default: nsroot]
    #[arg(long, global = true, env = "NETSCALER_USERNAME", value_name = "USER")]
    pub adc_username: Option<String>,
    /// File holding the NITRO password (there is deliberately no password flag; or set
    /// NETSCALER_PASSWORD)
    #[arg(long, global = true, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub adc_password_file: Option<PathBuf>,
    /// Kubernetes Secret `[namespace/]name` with keys `username` and `password`
    #[arg(long, global = true, value_name = "[NS/]NAME")]
    pub adc_secret: Option<String>,
    /// PEM bundle of CAs to trust for the ADC's certificate (default: system roots)
    #[arg(long, global = true, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub adc_ca_file: Option<PathBuf>,
    /// Do not verify the ADC's TLS certificate (lab use only)
    #[arg(long, global = true)]
    pub adc_insecure_skip_tls_verify: bool,
}

/// Output and logging.
#[derive(Debug, Args, Default, Clone)]
#[command(next_help_heading = "Output options")]
pub struct GlobalArgs {
    /// When to colour output
    #[arg(long, global = true, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
    /// More log output on stderr (-v info, -vv debug, -vvv trace)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Log line format on stderr
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

#[derive(Debug, Args, Clone)]
pub struct PlanArgs {
    /// Output format
    #[arg(short, long, value_enum, default_value_t = PlanOutput::Table)]
    pub output: PlanOutput,
    /// Plan from a saved snapshot (`kubectl get nodes,services,endpointslices,configmaps -A -o yaml`) instead of the live cluster; `-` reads it from standard input
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub cluster_file: Option<PathBuf>,
    /// Also write the plan as a plan file (JSON) for `apply PLAN`
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args, Clone)]
pub struct DiffArgs {
    /// Output format
    #[arg(short, long, value_enum, default_value_t = DiffOutput::Table)]
    pub output: DiffOutput,
}

/// Safety and write options shared by apply and teardown.
#[derive(Debug, Args, Clone, Default)]
pub struct WriteArgs {
    /// Do not ask for confirmation
    #[arg(short, long)]
    pub yes: bool,
    /// Show the changes (as diff does) and write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Output format of the change list
    #[arg(short, long, value_enum, default_value_t = DiffOutput::Table)]
    pub output: DiffOutput,
    #[command(flatten)]
    pub safety: SafetyArgs,
}

/// What every writer (apply, teardown, watch) shares: the brake, saving, the writer lock.
#[derive(Debug, Args, Clone)]
pub struct SafetyArgs {
    /// Refuse a change set deleting more than this percentage of the managed objects [default: 50]
    #[arg(long, value_name = "PERCENT")]
    pub max_delete_percent: Option<u8>,
    /// Allow a change set over the delete limit (or deleting every managed object)
    #[arg(long)]
    pub allow_mass_delete: bool,
    /// Save the ADC configuration (apply/teardown: at the end; watch: at most every 5 minutes,
    /// only when it changed) [default]
    #[arg(long, overrides_with = "no_save_config")]
    pub save_config: bool,
    /// Do not save the ADC configuration
    #[arg(long)]
    pub no_save_config: bool,
    /// Namespace of the Lease that keeps two writers apart
    #[arg(long, value_name = "NAMESPACE", default_value = "kube-system")]
    pub lock_namespace: String,
}

impl Default for SafetyArgs {
    fn default() -> Self {
        SafetyArgs {
            max_delete_percent: None,
            allow_mass_delete: false,
            save_config: false,
            no_save_config: false,
            lock_namespace: "kube-system".into(),
        }
    }
}

#[derive(Debug, Args, Clone)]
pub struct ApplyArgs {
    /// Apply this plan file (from `plan --out`) instead of planning now; refused when the
    /// cluster changed since
    #[arg(value_name = "PLAN", value_hint = ValueHint::FilePath)]
    pub plan: Option<PathBuf>,
    #[command(flatten)]
    pub write: WriteArgs,
}

#[derive(Debug, Args, Clone)]
pub struct TeardownArgs {
    #[command(flatten)]
    pub write: WriteArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    Auto,
    Vxlan,
    Routes,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum NotReadyArg {
    Keep,
    Remove,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PlanOutput {
    Table,
    Wide,
    Json,
    Yaml,
    Commands,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum DiffOutput {
    #[default]
    Table,
    Json,
    Yaml,
    /// The NetScaler CLI lines of the ADC changes, in execution order (`rm` included)
    Commands,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// The clap command, for help, completions and man pages.
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}
