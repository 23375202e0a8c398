//! The Prometheus metrics of `watch` (served on `/metrics` with `--metrics-addr`), on the
//! `prometheus-client` crate: one [`Metrics`] value, cloned into the reconcile loop and the HTTP
//! server, all clones sharing the same counters.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The content type of [`Metrics::encode`]'s output (OpenMetrics text, which Prometheus
/// scrapes natively).
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// How a reconcile ended (label `result` of `kubectl_netscaler_reconciles_total`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReconcileResult {
    /// The ADC and the cluster are converged (possibly after changes).
    Success,
    /// A read or a write failed; the next reconcile retries.
    Error,
    /// The change set was refused for safety (mass delete, HA secondary).
    Refused,
}

impl ReconcileResult {
    pub fn as_str(self) -> &'static str {
        match self {
            ReconcileResult::Success => "success",
            ReconcileResult::Error => "error",
            ReconcileResult::Refused => "refused",
        }
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabels {
    result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ChangeLabels {
    resource: String,
    op: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResourceLabels {
    resource: String,
}

/// The metrics of one `watch` process. Cheap to clone; clones share their values.
#[derive(Clone)]
pub struct Metrics {
    registry: Arc<Registry>,
    reconciles: Family<ResultLabels, Counter>,
    changes: Family<ChangeLabels, Counter>,
    nitro_requests: Counter,
    nitro_errors: Counter,
    reconcile_duration: Histogram,
    managed: Family<ResourceLabels, Gauge>,
    last_success: Gauge<f64, AtomicU64>,
    leader: Gauge,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("kubectl_netscaler");
        let reconciles = Family::<ResultLabels, Counter>::default();
        // Every result is exported from the start (at 0), so rate() and alerts on `error`
        // work before the first error.
        for r in [
            ReconcileResult::Success,
            ReconcileResult::Error,
            ReconcileResult::Refused,
        ] {
            let _ = reconciles.get_or_create(&ResultLabels {
                result: r.as_str().to_string(),
            });
        }
        registry.register(
            "reconciles",
            "Reconciles by result (success, error, refused)",
            reconciles.clone(),
        );
        let changes = Family::<ChangeLabels, Counter>::default();
        registry.register(
            "changes",
            "ADC and cluster objects changed, by resource and operation (add, update, delete)",
            changes.clone(),
        );
        let nitro_requests = Counter::default();
        registry.register(
            "nitro_requests",
            "NITRO requests sent to the ADC",
            nitro_requests.clone(),
        );
        let nitro_errors = Counter::default();
        registry.register(
            "nitro_errors",
            "NITRO requests that failed (error answer, timeout, connection failure)",
            nitro_errors.clone(),
        );
        let reconcile_duration = Histogram::new(exponential_buckets(0.05, 2.0, 12));
        registry.register_with_unit(
            "reconcile_duration",
            "Duration of a reconcile, from reading the inputs to the last NITRO answer",
            Unit::Seconds,
            reconcile_duration.clone(),
        );
        let managed = Family::<ResourceLabels, Gauge>::default();
        registry.register(
            "managed_objects",
            "Objects this cluster owns on the ADC and in the cluster after the last successful reconcile, by resource",
            managed.clone(),
        );
        let last_success = Gauge::<f64, AtomicU64>::default();
        registry.register_with_unit(
            "last_success_timestamp",
            "Unix time of the last successful reconcile (0: none yet)",
            Unit::Seconds,
            last_success.clone(),
        );
        let leader = Gauge::default();
        registry.register(
            "leader",
            "1 while this process holds the writer Lease, 0 while it is a standby",
            leader.clone(),
        );
        Metrics {
            registry: Arc::new(registry),
            reconciles,
            changes,
            nitro_requests,
            nitro_errors,
            reconcile_duration,
            managed,
            last_success,
            leader,
        }
    }

    /// Records one reconcile: its result, how long it took and the changes it made, as
    /// `(resource, op)` pairs (`op` = add, update or delete). A success also sets
    /// `kubectl_netscaler_last_success_timestamp_seconds` to now.
    pub fn reconciled<'a>(
        &self,
        result: ReconcileResult,
        duration: Duration,
        changes: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) {
        self.reconciles
            .get_or_create(&ResultLabels {
                result: result.as_str().to_string(),
            })
            .inc();
        self.reconcile_duration.observe(duration.as_secs_f64());
        for (resource, op) in changes {
            self.changes
                .get_or_create(&ChangeLabels {
                    resource: resource.to_string(),
                    op: op.to_string(),
                })
                .inc();
        }
        if result == ReconcileResult::Success {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default();
            self.last_success.set(now.as_secs_f64());
        }
    }

    /// Counts `n` NITRO requests sent.
    pub fn nitro_requests(&self, n: u64) {
        self.nitro_requests.inc_by(n);
    }

    /// Counts one failed NITRO request.
    pub fn nitro_error(&self) {
        self.nitro_errors.inc();
    }

    /// Sets the number of managed objects of one resource.
    pub fn managed(&self, resource: &str, count: u64) {
        self.managed
            .get_or_create(&ResourceLabels {
                resource: resource.to_string(),
            })
            .set(i64::try_from(count).unwrap_or(i64::MAX));
    }

    pub fn set_leader(&self, leader: bool) {
        self.leader.set(i64::from(leader));
    }

    /// The OpenMetrics text exposition of every metric (see [`CONTENT_TYPE`]).
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value of the sample line starting with `series ` (name and labels exactly).
    fn sample(text: &str, series: &str) -> Option<f64> {
        text.lines()
            .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
            .map(|v| v.parse().expect("sample value"))
    }

    fn assert_described(text: &str, metrics: &[(&str, &str)]) {
        for (name, kind) in metrics {
            assert!(
                text.contains(&format!("# TYPE {name} {kind}\n")),
                "no TYPE line for {name}:\n{text}"
            );
            assert!(
                text.contains(&format!("# HELP {name} ")),
                "no HELP line for {name}:\n{text}"
            );
        }
    }

    #[test]
    fn every_metric_has_help_and_type_lines_before_anything_happened() {
        let text = Metrics::new().encode();
        // The labelled families without a fixed label set (changes, managed objects) appear
        // with their first sample (see the tests below).
        assert_described(
            &text,
            &[
                ("kubectl_netscaler_reconciles", "counter"),
                ("kubectl_netscaler_nitro_requests", "counter"),
                ("kubectl_netscaler_nitro_errors", "counter"),
                ("kubectl_netscaler_reconcile_duration_seconds", "histogram"),
                ("kubectl_netscaler_last_success_timestamp_seconds", "gauge"),
                ("kubectl_netscaler_leader", "gauge"),
            ],
        );
        assert!(text.ends_with("# EOF\n"), "{text}");
        for r in ["success", "error", "refused"] {
            assert_eq!(
                sample(
                    &text,
                    &format!("kubectl_netscaler_reconciles_total{{result=\"{r}\"}}")
                ),
                Some(0.0),
                "{text}"
            );
        }
        assert_eq!(sample(&text, "kubectl_netscaler_leader"), Some(0.0));
        assert_eq!(
            sample(&text, "kubectl_netscaler_last_success_timestamp_seconds"),
            Some(0.0)
        );
        assert_eq!(
            sample(&text, "kubectl_netscaler_nitro_requests_total"),
            Some(0.0)
        );
    }

    #[test]
    fn a_reconcile_counts_its_result_changes_and_duration() {
        let m = Metrics::new();
        let before = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs_f64();
        m.reconciled(
            ReconcileResult::Success,
            Duration::from_millis(300),
            [("route", "add"), ("arp", "add"), ("route", "add")],
        );
        m.reconciled(
            ReconcileResult::Error,
            Duration::from_secs(2),
            [("route", "delete")],
        );
        m.reconciled(ReconcileResult::Refused, Duration::from_millis(10), []);
        let text = m.encode();
        assert_described(&text, &[("kubectl_netscaler_changes", "counter")]);
        for (series, want) in [
            (
                "kubectl_netscaler_reconciles_total{result=\"success\"}",
                1.0,
            ),
            ("kubectl_netscaler_reconciles_total{result=\"error\"}", 1.0),
            (
                "kubectl_netscaler_reconciles_total{result=\"refused\"}",
                1.0,
            ),
            (
                "kubectl_netscaler_changes_total{resource=\"route\",op=\"add\"}",
                2.0,
            ),
            (
                "kubectl_netscaler_changes_total{resource=\"arp\",op=\"add\"}",
                1.0,
            ),
            (
                "kubectl_netscaler_changes_total{resource=\"route\",op=\"delete\"}",
                1.0,
            ),
            ("kubectl_netscaler_reconcile_duration_seconds_count", 3.0),
            ("kubectl_netscaler_reconcile_duration_seconds_sum", 2.31),
            (
                "kubectl_netscaler_reconcile_duration_seconds_bucket{le=\"0.4\"}",
                2.0,
            ),
            (
                "kubectl_netscaler_reconcile_duration_seconds_bucket{le=\"+Inf\"}",
                3.0,
            ),
        ] {
            let got = sample(&text, series).unwrap_or_else(|| panic!("no {series}:\n{text}"));
            assert!((got - want).abs() < 1e-9, "{series} = {got}, want {want}");
        }
        let last = sample(&text, "kubectl_netscaler_last_success_timestamp_seconds").unwrap();
        assert!(last >= before.floor(), "last success {last} < {before}");
    }

    #[test]
    fn only_a_success_moves_the_last_success_timestamp() {
        let m = Metrics::new();
        m.reconciled(ReconcileResult::Error, Duration::from_secs(1), []);
        m.reconciled(ReconcileResult::Refused, Duration::from_secs(1), []);
        assert_eq!(
            sample(
                &m.encode(),
                "kubectl_netscaler_last_success_timestamp_seconds"
            ),
            Some(0.0)
        );
    }

    #[test]
    fn nitro_managed_and_leader_gauges_follow_the_calls() {
        let m = Metrics::new();
        let shared = m.clone();
        shared.nitro_requests(7);
        shared.nitro_requests(3);
        shared.nitro_error();
        shared.managed("route", 12);
        shared.managed("arp", 4);
        shared.managed("route", 11);
        shared.set_leader(true);
        let text = m.encode();
        assert_described(&text, &[("kubectl_netscaler_managed_objects", "gauge")]);
        assert_eq!(
            sample(&text, "kubectl_netscaler_nitro_requests_total"),
            Some(10.0)
        );
        assert_eq!(
            sample(&text, "kubectl_netscaler_nitro_errors_total"),
            Some(1.0)
        );
        assert_eq!(
            sample(
                &text,
                "kubectl_netscaler_managed_objects{resource=\"route\"}"
            ),
            Some(11.0)
        );
        assert_eq!(
            sample(&text, "kubectl_netscaler_managed_objects{resource=\"arp\"}"),
            Some(4.0)
        );
        assert_eq!(sample(&text, "kubectl_netscaler_leader"), Some(1.0));
        m.set_leader(false);
        assert_eq!(sample(&m.encode(), "kubectl_netscaler_leader"), Some(0.0));
    }
}
