//! `watch`: a foreground controller that keeps the ADC and the ADC Node converged until
//! stopped. The same stages as `apply` in a loop: reflector stores → facts → plan → diff
//! against a cached [`Actual`] → the bulk executor; the cache moves forward by each execution's
//! results and is re-read from the ADC at start, after any error and every resync interval, so
//! drift made by hand is repaired and a single-node event costs only its writes.
//!
//! Leadership is the writer Lease: a second `watch` waits as standby (it keeps its stores
//! synced, reads but never writes) and takes over when the leader stops or dies.

use super::pipeline::{
    self, FactsSource, Target, adc_node_name_of, check_preconditions, connect_adc, connect_cluster,
    plan_for, read_actual,
};
use crate::cli::{Cli, WatchArgs};
use crate::cluster::adc_node;
use crate::cluster::lock::{LEASE_NAME, LeaseLock, Wait};
use crate::error::{Error, Result};
use crate::exit::ExitStatus;
use crate::model::actual::brake;
use crate::model::{Actual, ChangeSet, Mode, Op, OwnedScope};
use crate::nitro::NitroClient;
use crate::nitro::execute;
use crate::nitro::read::AdcView;
use crate::render::Printer;
use crate::settings::{Settings, WatchSettings};
use crate::watch::debounce::{Debounce, Wake};
use crate::watch::events::{self, EventReporter};
use crate::watch::metrics::{Metrics, ReconcileResult};
use crate::watch::server::{self, Readiness};
use crate::watch::stores::{self, Inputs, Touched};
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// The longest wait between retries of a failing reconcile (SPEC §8).
const BACKOFF_CAP: Duration = Duration::from_secs(60);
/// The first retry's wait.
const BACKOFF_BASE: Duration = Duration::from_secs(1);
/// The ADC configuration is saved at most this often (SPEC §5 `saveConfig`).
const SAVE_EVERY: Duration = Duration::from_secs(300);

pub async fn run(
    cli: &Cli,
    args: &WatchArgs,
    _out: &Printer,
    cancel: &CancellationToken,
) -> Result<ExitStatus> {
    let settings = Settings::resolve(&cli.settings, Some(&args.safety))?;
    let watch = WatchSettings::resolve(args, &settings.watch_file)?;
    let (kube, settings) = connect_cluster(cli, settings).await?;
    let metrics = Metrics::new();
    let readiness = Readiness::new();
    let server = match watch.metrics_addr {
        Some(addr) => Some(
            server::start(
                &addr.to_string(),
                metrics.clone(),
                readiness.clone(),
                cancel.child_token(),
            )
            .await?,
        ),
        None => None,
    };
    if let Some(s) = &server {
        tracing::info!(addr = %s.local_addr, "serving /metrics, /healthz and /readyz");
    }
    // Services and EndpointSlices are watched when service groups are managed, in the
    // EndpointSlice version the server serves (detected once).
    let slice_version = match settings.model.services {
        true => Some(crate::cluster::live::endpoint_slice_version(&kube).await?),
        false => None,
    };
    let (inputs, mut rx) = stores::start(&kube, cancel, slice_version);
    tokio::select! {
        () = inputs.wait_until_ready() => {}
        () = cancel.cancelled() => return Err(Error::Interrupted),
    }
    readiness.set_synced();
    tracing::info!(
        nodes = inputs.node_count(),
        cluster = %settings.model.cluster,
        "cluster watched: every store synced"
    );
    let mut ctl = Controller {
        kube,
        settings,
        watch,
        inputs,
        metrics,
        readiness,
        nitro: None,
        cache: None,
        unsaved: false,
        last_save: None,
        reporters: BTreeMap::new(),
        allow_mass_delete: args.safety.allow_mass_delete,
        lock_namespace: args.safety.lock_namespace.clone(),
        recorded: None,
    };
    let result = ctl.run(&mut rx, cancel).await;
    if let Some(nitro) = ctl.nitro.take() {
        nitro.logout().await;
    }
    if let Some(s) = server {
        s.handle.abort();
    }
    result
}

/// The ADC's owned scope as last read, moved forward by every execution since.
struct Cached {
    actual: Actual,
    view: AdcView,
    scope: OwnedScope,
    read_at: Instant,
}

/// Why leading stopped.
enum Stop {
    Cancelled,
    LockLost,
}

/// What one reconcile did.
enum Reconciled {
    /// The inputs are not all synced: nothing planned (fail closed).
    NotSynced(Vec<&'static str>),
    /// Nothing to change.
    Converged,
    /// Changes were made (all of them).
    Changed,
}

struct Controller {
    kube: kube::Client,
    settings: Settings,
    watch: WatchSettings,
    inputs: Inputs,
    metrics: Metrics,
    readiness: Readiness,
    nitro: Option<NitroClient>,
    cache: Option<Cached>,
    /// Changes made since the ADC configuration was last saved.
    unsaved: bool,
    last_save: Option<Instant>,
    /// Event reporters by the name of the object reported on.
    reporters: BTreeMap<String, EventReporter>,
    allow_mass_delete: bool,
    /// Where the Lease and the routes-mode record live.
    lock_namespace: String,
    /// The routes-mode scope this leadership has recorded in the cluster (SPEC §4 record:
    /// the ConfigMap `kubectl-netscaler-<cluster>`), so `teardown` removes what `watch`
    /// applied without settings.
    recorded: Option<OwnedScope>,
}

impl Controller {
    /// Waits for the lock (as standby while another watch holds it), leads until stopped or
    /// until the lock is lost, and waits again.
    async fn run(
        &mut self,
        rx: &mut mpsc::UnboundedReceiver<Touched>,
        cancel: &CancellationToken,
    ) -> Result<ExitStatus> {
        let lock_namespace = self.lock_namespace.clone();
        loop {
            self.readiness.set_standby(true);
            let kube = self.kube.clone();
            let cluster = self.settings.model.cluster.clone();
            let lock = {
                let acquire = LeaseLock::acquire(&kube, &lock_namespace, &cluster, Wait::Standby);
                tokio::pin!(acquire);
                // A standby keeps its stores current (the watchers run) and drops the change
                // notices: the leader it replaces reconciles from the stores as they are then.
                loop {
                    tokio::select! {
                        lock = &mut acquire => break lock?,
                        () = cancel.cancelled() => return Err(Error::Interrupted),
                        touched = rx.recv() => if touched.is_none() {
                            return Err(Error::Interrupted);
                        },
                    }
                }
            };
            self.readiness.set_standby(false);
            self.metrics.set_leader(true);
            // Another writer may have changed the record meanwhile: write it again.
            self.recorded = None;
            tracing::info!(holder = lock.holder(), "leading: holding the writer lock");
            let stop = self.lead(&lock, rx, cancel).await;
            self.metrics.set_leader(false);
            lock.release().await;
            match stop {
                Stop::Cancelled => return Err(Error::Interrupted),
                Stop::LockLost => {
                    tracing::error!(
                        "the writer lock was lost (another writer took it, or it could not be renewed): writes stopped; waiting to take it again"
                    );
                    // Whatever the other writer did, the next leadership starts from a read.
                    self.cache = None;
                }
            }
        }
    }

    /// The reconcile loop of a leader.
    async fn lead(
        &mut self,
        lock: &LeaseLock,
        rx: &mut mpsc::UnboundedReceiver<Touched>,
        cancel: &CancellationToken,
    ) -> Stop {
        let mut debounce = Debounce::new(self.watch.debounce);
        let mut failures: u32 = 0;
        let mut retry_at: Option<Instant>;
        // The first reconcile runs at once: it reads the ADC and converges it.
        let mut reason = "start".to_string();
        loop {
            if cancel.is_cancelled() {
                return Stop::Cancelled;
            }
            if !lock.is_held() {
                return Stop::LockLost;
            }
            tracing::debug!(reason = %reason, "reconciling");
            match self.reconcile_once(lock).await {
                Ok(Reconciled::NotSynced(unsynced)) => {
                    tracing::warn!(
                        unsynced = ?unsynced,
                        "not reconciling: not every watch is synced (nothing is changed from a partial view); waiting for the relist"
                    );
                    retry_at = None;
                }
                Ok(Reconciled::Converged | Reconciled::Changed) => {
                    failures = 0;
                    retry_at = None;
                    self.readiness.reconcile_succeeded();
                    self.keep_record().await;
                }
                Err(e) => {
                    failures = failures.saturating_add(1);
                    let delay = backoff(failures);
                    tracing::error!(
                        error = %e,
                        retry_in_s = delay.as_secs_f64(),
                        "reconcile failed; retrying (the ADC is re-read first)"
                    );
                    self.cache = None;
                    retry_at = Some(Instant::now() + delay);
                }
            }
            if self.unsaved && self.save_due() {
                self.save().await;
            }
            // Wait for the next reason to reconcile.
            loop {
                let resync_at = self
                    .cache
                    .as_ref()
                    .map(|c| c.read_at + self.watch.resync_interval);
                let save_at = match (self.unsaved, self.last_save) {
                    (true, Some(t)) => Some(t + SAVE_EVERY),
                    _ => None,
                };
                let far = Instant::now() + Duration::from_secs(86_400);
                tokio::select! {
                    () = cancel.cancelled() => return Stop::Cancelled,
                    wake = debounce.next(rx) => match wake {
                        Wake::Events(events) => {
                            reason = describe(&events);
                            // A retry already scheduled waits for its backoff: a burst of
                            // events is no reason to hammer a failing ADC.
                            if let Some(at) = retry_at {
                                tokio::select! {
                                    () = tokio::time::sleep_until(at) => {}
                                    () = cancel.cancelled() => return Stop::Cancelled,
                                }
                            }
                            break;
                        }
                        Wake::Closed => return Stop::Cancelled,
                    },
                    () = tokio::time::sleep_until(retry_at.unwrap_or(far)), if retry_at.is_some() => {
                        reason = format!("retry {failures}");
                        break;
                    }
                    () = tokio::time::sleep_until(resync_at.unwrap_or(far)), if resync_at.is_some() && retry_at.is_none() => {
                        reason = "resync".into();
                        self.cache = None;
                        break;
                    }
                    () = tokio::time::sleep_until(save_at.unwrap_or(far)), if save_at.is_some() => {
                        // A save is no reason to reconcile: wait on.
                        self.save().await;
                    }
                }
            }
        }
    }

    /// One reconcile, with its log line, metrics and Events.
    async fn reconcile_once(&mut self, lock: &LeaseLock) -> Result<Reconciled> {
        let started = Instant::now();
        let before = self.nitro.as_ref().map(|n| n.stats()).unwrap_or_default();
        let result = self.reconcile(lock).await;
        let after = self.nitro.as_ref().map(|n| n.stats()).unwrap_or_default();
        let requests = after.requests.saturating_sub(before.requests);
        self.metrics.nitro_requests(requests);
        let elapsed = started.elapsed();
        match &result {
            Ok((Reconciled::Changed, changes, subject)) => {
                let summary = summary(changes, requests, elapsed);
                tracing::info!(
                    changes = changes.changes.len() + usize::from(changes.node.is_some()),
                    by_kind = %by_kind(changes),
                    nitro_requests = requests,
                    duration_ms = elapsed.as_millis() as u64,
                    "reconciled: {summary}"
                );
                self.metrics.reconciled(
                    ReconcileResult::Success,
                    elapsed,
                    change_labels(changes).iter().map(|(r, o)| (r.as_str(), *o)),
                );
                self.event(subject, false, &summary).await;
            }
            Ok((_, _, _)) => {
                self.metrics
                    .reconciled(ReconcileResult::Success, elapsed, std::iter::empty());
            }
            Err((e, subject)) => {
                let refused = matches!(e, Error::Refused(_));
                self.metrics.reconciled(
                    if refused {
                        ReconcileResult::Refused
                    } else {
                        ReconcileResult::Error
                    },
                    elapsed,
                    std::iter::empty(),
                );
                if matches!(e, Error::Nitro(_)) || matches!(e, Error::Partial(_)) {
                    self.metrics.nitro_error();
                }
                if matches!(e, Error::Nitro(n) if n.is_transient()) {
                    self.readiness.adc_unreachable();
                }
                self.event(subject, true, &e.to_string()).await;
            }
        }
        if let Ok((_, _, _)) = &result
            && self.nitro.is_some()
        {
            self.readiness.adc_reachable();
        }
        if let Some(c) = &self.cache {
            let mut counts: BTreeMap<&'static str, u64> = BTreeMap::new();
            for kind in c.scope.kinds() {
                counts.insert(kind.resource(), 0);
            }
            for o in &c.actual.owned {
                *counts.entry(o.kind.resource()).or_default() += 1;
            }
            for (resource, n) in counts {
                self.metrics.managed(resource, n);
            }
        }
        result.map(|(r, _, _)| r).map_err(|(e, _)| e)
    }

    /// Plans from the stores, diffs against the cache (reading the ADC when there is none),
    /// and executes. Returns also the change set and the name of the ADC Node (for Events).
    async fn reconcile(
        &mut self,
        lock: &LeaseLock,
    ) -> std::result::Result<(Reconciled, ChangeSet, Option<String>), (Error, Option<String>)> {
        if !self.inputs.synced() {
            return Ok((
                Reconciled::NotSynced(self.inputs.unsynced()),
                ChangeSet::default(),
                None,
            ));
        }
        let facts = FactsSource::Stores(&self.inputs)
            .facts()
            .await
            .map_err(|e| (e, None))?;
        let planned = plan_for(&self.settings, &facts, Target::Live).map_err(|e| (e, None))?;
        let node_name = planned.desired.adc_node.as_ref().map(|n| n.name.clone());
        let subject = node_name.clone();
        let fail = |e: Error| (e, subject.clone());
        if self.nitro.is_none() {
            self.nitro = Some(
                connect_adc(&self.settings, &self.kube)
                    .await
                    .map_err(fail)?,
            );
        }
        let nitro = self.nitro.as_ref().expect("connected above");
        let refresh = self.cache.as_ref().is_none_or(|c| c.scope != planned.scope);
        if refresh {
            let (actual, view) = read_actual(&self.kube, nitro, &self.settings, &planned, true)
                .await
                .map_err(fail)?;
            self.cache = Some(Cached {
                actual,
                view,
                scope: planned.scope.clone(),
                read_at: Instant::now(),
            });
        }
        // Worked on outside `self` and put back once it is known to be right.
        let mut cached = self.cache.take().expect("read above");
        // The ADC Node as the store has it: no request.
        cached.actual.node = self
            .inputs
            .node(&adc_node_name_of(&planned.desired))
            .and_then(|n| serde_json::to_value(&*n).ok());
        let scope = planned.scope.clone();
        let cluster = planned.desired.cluster.clone();
        let (desired, changes) =
            pipeline::changes(&self.settings, planned, &cached.actual).map_err(fail)?;
        if refresh {
            check_preconditions(nitro, &cached.view, &desired)
                .await
                .map_err(fail)?;
        }
        if changes.is_empty() {
            self.cache = Some(cached);
            return Ok((Reconciled::Converged, changes, node_name));
        }
        brake(
            &changes,
            cached.actual.owned.len(),
            self.settings.max_delete_percent,
            self.allow_mass_delete,
        )
        .map_err(|r| {
            fail(Error::Refused(format!(
                "{}; nothing of this reconcile was applied",
                r.0
            )))
        })?;
        if !lock.is_held() {
            return Err(fail(Error::Refused(
                "the writer lock was lost before writing; nothing of this reconcile was applied"
                    .into(),
            )));
        }
        let executed = execute::execute(nitro, &scope, &changes, &|_| {}).await;
        let (outcome, stopped) = match executed {
            Ok(o) => (o, None),
            Err((e, done)) => (done, Some(e)),
        };
        if outcome.succeeded > 0 {
            self.unsaved = true;
        }
        let node_error = match (&changes.node, &stopped) {
            (Some(change), None) => {
                let ours = cached.actual.our_node(&cluster).cloned();
                adc_node::write(&self.kube, change, ours.as_ref())
                    .await
                    .err()
            }
            _ => None,
        };
        // After an interrupted step which of its operations were done is unknown: the cache
        // is dropped and the ADC read again.
        if stopped.is_none() {
            let failed: Vec<(Op, crate::model::ObjectKey)> = outcome
                .failed
                .iter()
                .map(|f| (f.op, f.object.key()))
                .collect();
            cached.actual.advance(&changes, &failed);
            self.cache = Some(cached);
        }
        if let Some(e) = stopped {
            return Err(fail(Error::Nitro(e)));
        }
        if !outcome.failed.is_empty() || node_error.is_some() {
            let mut lines: Vec<String> = outcome.failed.iter().map(ToString::to_string).collect();
            if let Some(e) = node_error {
                lines.push(format!("node {}: {e}", node_name.as_deref().unwrap_or("")));
            }
            return Err(fail(Error::Partial(format!(
                "{} operations failed: {}",
                lines.len(),
                lines.join("; ")
            ))));
        }
        Ok((Reconciled::Changed, changes, node_name))
    }

    /// Records the applied routes-mode scope in the cluster once it is converged (in vxlan
    /// mode the ADC Node carries the record). Written once per leadership and again when the
    /// scope moves; a failure is logged and retried after the next reconcile.
    async fn keep_record(&mut self) {
        let Some(scope) = self.cache.as_ref().map(|c| c.scope.clone()) else {
            return;
        };
        if scope.mode != Mode::Routes || self.recorded.as_ref() == Some(&scope) {
            return;
        }
        let cluster = &self.settings.model.cluster;
        match adc_node::write_config_map_record(&self.kube, &self.lock_namespace, cluster, &scope)
            .await
        {
            Ok(()) => {
                tracing::info!(
                    configmap = %format!("{}/{}", self.lock_namespace, adc_node::record_config_map(cluster)),
                    "recorded the applied scope (teardown reads it)"
                );
                self.recorded = Some(scope);
            }
            Err(e) => tracing::warn!(
                error = %e,
                "cannot record the applied scope in the cluster; teardown will need the settings that shaped it (retried after the next reconcile)"
            ),
        }
    }

    fn save_due(&self) -> bool {
        self.settings.save_config && self.last_save.is_none_or(|t| t.elapsed() >= SAVE_EVERY)
    }

    /// Saves the ADC configuration when it differs from the saved one (`configchanged`).
    async fn save(&mut self) {
        if !self.save_due() {
            return;
        }
        let Some(nitro) = &self.nitro else { return };
        self.last_save = Some(Instant::now());
        let changed = match nitro.get_singleton("nsconfig").await {
            Ok(conf) => conf.get("configchanged").is_none_or(|v| match v {
                serde_json::Value::Bool(b) => *b,
                serde_json::Value::String(s) => s.eq_ignore_ascii_case("true"),
                _ => true,
            }),
            Err(e) => {
                tracing::warn!("cannot read nsconfig before saving: {e}");
                true
            }
        };
        if !changed {
            self.unsaved = false;
            return;
        }
        match nitro.save_config().await {
            Ok(()) => {
                self.unsaved = false;
                tracing::info!("saved the ADC configuration");
            }
            Err(e) => tracing::warn!(
                "the changes are live but saving the ADC configuration failed: {e}; retrying in {} s",
                SAVE_EVERY.as_secs()
            ),
        }
    }

    /// An Event on the ADC Node (vxlan mode) or, without one (routes mode), on the Lease.
    /// Best effort: a failure to record it is logged, never fails the reconcile.
    async fn event(&mut self, node: &Option<String>, error: bool, text: &str) {
        let (key, regarding) = match node {
            Some(name) => (format!("node/{name}"), events::node_reference(name)),
            None => (
                format!("lease/{LEASE_NAME}"),
                events::lease_reference("kube-system", LEASE_NAME, None),
            ),
        };
        let reporter = self.reporters.entry(key).or_insert_with(|| {
            EventReporter::new(self.kube.clone(), regarding, events::default_instance())
        });
        let outcome = match error {
            true => reporter.error(text).await,
            false => reporter.changed(text).await,
        };
        if let Err(e) = outcome {
            tracing::debug!("cannot record an Event: {e}");
        }
    }
}

/// The wait before retry `n` (1-based): 1 s, 2 s, 4 s, … capped at 60 s, with jitter (half to
/// all of it), so that controllers and ADC clients do not retry in step.
fn backoff(n: u32) -> Duration {
    let exp = BACKOFF_BASE.saturating_mul(1u32 << n.saturating_sub(1).min(6));
    let capped = exp.min(BACKOFF_CAP);
    capped.mul_f64(0.5 + 0.5 * fastrand::f64())
}

fn describe(events: &[Touched]) -> String {
    match events {
        [one] => one.what.clone(),
        [first, rest @ ..] => format!("{} and {} more", first.what, rest.len()),
        [] => "nothing".into(),
    }
}

fn op_name(op: Op) -> &'static str {
    match op {
        Op::Add => "add",
        Op::Update => "update",
        Op::Delete => "delete",
    }
}

/// `(resource, op)` per change, for the changes counter.
fn change_labels(changes: &ChangeSet) -> Vec<(String, &'static str)> {
    let mut out: Vec<(String, &'static str)> = changes
        .changes
        .iter()
        .map(|c| (c.key.kind.resource().to_string(), op_name(c.op)))
        .collect();
    if let Some(n) = &changes.node {
        out.push(("node".into(), op_name(n.op)));
    }
    out
}

/// `route +1, arp +1 -1, node ~1`.
fn by_kind(changes: &ChangeSet) -> String {
    let mut counts: BTreeMap<(String, char), usize> = BTreeMap::new();
    for (resource, op) in change_labels(changes) {
        let symbol = match op {
            "add" => '+',
            "update" => '~',
            _ => '-',
        };
        *counts.entry((resource, symbol)).or_default() += 1;
    }
    let mut per: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for ((resource, symbol), n) in counts {
        per.entry(resource)
            .or_default()
            .push(format!("{symbol}{n}"));
    }
    per.into_iter()
        .map(|(r, ops)| format!("{r} {}", ops.join(" ")))
        .collect::<Vec<_>>()
        .join(", ")
}

fn summary(changes: &ChangeSet, requests: u64, elapsed: Duration) -> String {
    let s = changes.summary();
    format!(
        "{} changes ({} add, {} update, {} delete: {}) in {} NITRO requests, {:.2}s",
        s.add + s.update + s.delete,
        s.add,
        s.update,
        s.delete,
        by_kind(changes),
        requests,
        elapsed.as_secs_f64()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_to_the_cap_with_jitter() {
        for n in 1..=20 {
            let d = backoff(n);
            let full = BACKOFF_BASE
                .saturating_mul(1u32 << (n - 1).min(6))
                .min(BACKOFF_CAP);
            assert!(d >= full / 2 && d <= full, "retry {n}: {d:?} vs {full:?}");
        }
        assert!(backoff(30) <= BACKOFF_CAP);
        assert!(backoff(7) >= BACKOFF_CAP / 2);
    }
}
