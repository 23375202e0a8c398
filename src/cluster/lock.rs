//! The writer lock (SPEC §4): a `coordination.k8s.io/v1` Lease [`LEASE_NAME`] in the cluster it
//! locks, taken for a writing run and released after, so two writers never interleave on one
//! ADC. The cluster name is in the Lease's `kubectl-netscaler.io/cluster` label; the fixed name
//! lets `deploy/rbac.yaml` grant access to exactly this Lease.
//!
//! Like client-go's leader election, a holder renews its Lease every [`RENEW_EVERY`] and
//! writes a [`LEASE_SECONDS`] duration. Another run that finds the Lease held tells the two kinds
//! of holder apart by watching `renewTime`:
//!
//! - a holder whose `renewTime` moves is live: `apply`/`teardown` refuse at once (exit 6),
//!   naming it and its Lease's duration ([`Wait::RefuseLive`]); a standby `watch` keeps waiting
//!   ([`Wait::Standby`]);
//! - a holder whose `renewTime` did not move for [`RENEW_EVERY`] + [`MARGIN`] stopped (crashed,
//!   killed): it is waited out until its Lease expires (`renewTime` + the Lease's own
//!   `leaseDurationSeconds`, which another version may have written differently), then taken
//!   over, with a message on stderr saying whose Lease and how long the wait is.
//!
//! A `renewTime` that looks old because the holder's clock is behind only delays the verdict:
//! the Lease is watched all through the wait, and a renewal seen then means a live holder.
//! Every takeover is a compare-and-swap on the `resourceVersion` read, so two runs waiting for
//! the same expired Lease cannot both take it.

use super::live::kube_error;
use crate::error::{Error, Result};
use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use kube::api::{Api, DeleteParams, PostParams};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The Lease's name (one per cluster: it lives in the cluster it locks).
pub const LEASE_NAME: &str = "kubectl-netscaler";
/// How long a Lease written by this version stays valid without renewal (client-go's default).
pub const LEASE_SECONDS: i32 = 15;
/// How often a held Lease is renewed.
pub const RENEW_EVERY: Duration = Duration::from_secs(2);
/// Slack on top of [`RENEW_EVERY`] before a holder that did not renew counts as stopped (a
/// renewal's own latency, a busy holder).
pub const MARGIN: Duration = Duration::from_secs(2);
/// A holder that has not renewed for this long gives up the lock itself ([`LeaseLock::is_held`]
/// turns false), well before the others may take it over.
const RENEW_DEADLINE: Duration = Duration::from_secs(10);
/// How often a waiting run looks at the Lease again.
const POLL: Duration = Duration::from_millis(500);

/// What [`LeaseLock::acquire`] does while another live holder renews the Lease.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wait {
    /// Refuse at once (exit 6), naming the holder: `apply`, `teardown`.
    RefuseLive,
    /// Keep waiting until the holder stops or releases: a standby `watch`.
    Standby,
}

/// A held lock; renews itself in the background until released.
pub struct LeaseLock {
    api: Api<Lease>,
    name: String,
    holder: String,
    held: Arc<AtomicBool>,
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

/// What identifies one renewal of a Lease: a renewal or a new holder changes it.
#[derive(Clone, Debug, PartialEq)]
struct Record {
    holder: String,
    renew: Option<MicroTime>,
    acquire: Option<MicroTime>,
    /// The Lease's own duration (another version may write another one).
    duration: Duration,
}

impl Record {
    fn of(lease: &Lease) -> Record {
        let spec = lease.spec.clone().unwrap_or_default();
        let secs = spec
            .lease_duration_seconds
            .filter(|s| *s > 0)
            .unwrap_or(LEASE_SECONDS);
        Record {
            holder: spec.holder_identity.unwrap_or_default(),
            renew: spec.renew_time,
            acquire: spec.acquire_time,
            duration: Duration::from_secs(u64::try_from(secs).unwrap_or(0)),
        }
    }

    /// Time since the last renewal by this machine's clock (0 for a time in the future or no
    /// time at all: then only watching can tell).
    fn age(&self) -> Duration {
        let Some(t) = self.renew.as_ref().or(self.acquire.as_ref()) else {
            return Duration::ZERO;
        };
        let ms = k8s_openapi::jiff::Timestamp::now().as_millisecond() - t.0.as_millisecond();
        Duration::from_millis(u64::try_from(ms).unwrap_or(0))
    }
}

/// A foreign record as first seen, and by when it expires unless renewed.
struct Sighting {
    record: Record,
    /// Its age when first seen.
    age: Duration,
    seen: Instant,
}

impl Sighting {
    fn new(record: Record, at: Instant) -> Sighting {
        Sighting {
            age: record.age(),
            record,
            seen: at,
        }
    }
}

/// What to do about a held Lease (pure: times are passed in).
#[derive(Debug, PartialEq)]
enum Verdict {
    /// Renewed while watched: the holder is live.
    Live,
    /// Renewed recently: watch a little longer.
    Watch,
    /// Not renewed for longer than a live holder would wait: wait this long for it to expire.
    Stopped { remaining: Duration },
    /// Expired (or free): take it over.
    Take,
}

fn judge(previous: Option<&Sighting>, current: &Record, at: Instant) -> Verdict {
    if current.holder.is_empty() {
        return Verdict::Take;
    }
    let Some(s) = previous.filter(|s| s.record == *current) else {
        if previous.is_some_and(|s| s.record.holder == current.holder) {
            return Verdict::Live;
        }
        // First sight (or a new holder): judge by its age.
        return judge(Some(&Sighting::new(current.clone(), at)), current, at);
    };
    let unrenewed = s.age + at.saturating_duration_since(s.seen);
    let expiry = s.record.duration.saturating_sub(s.age);
    let left = expiry.saturating_sub(at.saturating_duration_since(s.seen));
    if left.is_zero() {
        Verdict::Take
    } else if unrenewed <= RENEW_EVERY + MARGIN {
        Verdict::Watch
    } else {
        Verdict::Stopped { remaining: left }
    }
}

fn secs(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_millis() >= 500)
}

fn spec(holder: &str, transitions: Option<i32>) -> LeaseSpec {
    LeaseSpec {
        holder_identity: Some(holder.to_string()),
        lease_duration_seconds: Some(LEASE_SECONDS),
        acquire_time: Some(now()),
        renew_time: Some(now()),
        lease_transitions: transitions,
        ..Default::default()
    }
}

fn labels(meta: &mut ObjectMeta, cluster: &str) {
    let labels = meta.labels.get_or_insert_with(Default::default);
    labels.insert(
        crate::model::LABEL_MANAGED_BY.to_string(),
        crate::model::MANAGED_BY.to_string(),
    );
    labels.insert(crate::model::LABEL_CLUSTER.to_string(), cluster.to_string());
}

fn ours(lease: &Lease, holder: &str) -> bool {
    lease
        .spec
        .as_ref()
        .and_then(|s| s.holder_identity.as_deref())
        == Some(holder)
}

impl LeaseLock {
    /// Takes the lock of `cluster` (the Lease [`LEASE_NAME`] in `namespace`). A live holder is
    /// refused (exit 6) or waited for, as `wait` says; a holder that stopped renewing is waited
    /// out until its Lease expires, then taken over (said on stderr).
    pub async fn acquire(
        client: &kube::Client,
        namespace: &str,
        cluster: &str,
        wait: Wait,
    ) -> Result<LeaseLock> {
        let api: Api<Lease> = Api::namespaced(client.clone(), namespace);
        let name = LEASE_NAME.to_string();
        let holder = holder_identity();
        let what = format!("lease {namespace}/{name}");
        let mut sighting: Option<Sighting> = None;
        let mut announced: Option<String> = None;
        let taken = loop {
            let current = api
                .get_opt(&name)
                .await
                .map_err(|e| kube_error(&format!("get {what}"), e))?;
            let Some(mut lease) = current else {
                let mut lease = Lease {
                    metadata: ObjectMeta {
                        name: Some(name.clone()),
                        namespace: Some(namespace.to_string()),
                        ..Default::default()
                    },
                    spec: Some(spec(&holder, Some(0))),
                };
                labels(&mut lease.metadata, cluster);
                match api.create(&PostParams::default(), &lease).await {
                    Ok(l) => break l,
                    // Another writer created it a moment ago: judge that one.
                    Err(kube::Error::Api(s)) if s.code == 409 => continue,
                    Err(e) => return Err(kube_error(&format!("create {what}"), e)),
                }
            };
            let record = Record::of(&lease);
            let at = Instant::now();
            let verdict = judge(sighting.as_ref(), &record, at);
            if sighting.as_ref().is_none_or(|s| s.record != record) {
                sighting = Some(Sighting::new(record.clone(), at));
            }
            let duration = secs(record.duration);
            let pause = match verdict {
                Verdict::Take => {
                    let transitions = lease.spec.as_ref().and_then(|s| s.lease_transitions);
                    lease.spec = Some(spec(&holder, Some(transitions.unwrap_or(0) + 1)));
                    labels(&mut lease.metadata, cluster);
                    // The resourceVersion read above makes this a compare-and-swap.
                    match api.replace(&name, &PostParams::default(), &lease).await {
                        Ok(l) => {
                            if !record.holder.is_empty() {
                                eprintln!(
                                    "took over the lock {namespace}/{name} from {}, which had stopped renewing it (its {duration} s lease expired)",
                                    record.holder
                                );
                            }
                            break l;
                        }
                        // Renewed, taken or deleted in between: look again.
                        Err(kube::Error::Api(s)) if s.code == 409 || s.code == 404 => {
                            continue;
                        }
                        Err(e) => return Err(kube_error(&format!("update {what}"), e)),
                    }
                }
                Verdict::Live => match wait {
                    Wait::RefuseLive => {
                        return Err(Error::Refused(format!(
                            "the lock {namespace}/{name} is held by {}, which is renewing it (lease {duration} s): another writer is running; wait for it to finish, then rerun",
                            record.holder
                        )));
                    }
                    Wait::Standby => {
                        if announced.as_deref() != Some(record.holder.as_str()) {
                            eprintln!(
                                "standby: the lock {namespace}/{name} is held by {}, which is renewing it (lease {duration} s); waiting until it stops",
                                record.holder
                            );
                            announced = Some(record.holder.clone());
                        }
                        RENEW_EVERY
                    }
                },
                Verdict::Watch => POLL,
                Verdict::Stopped { remaining } => {
                    let key = format!("stopped {}", record.holder);
                    if announced.as_deref() != Some(key.as_str()) {
                        eprintln!(
                            "the lock {namespace}/{name} is held by {}, which stopped renewing it {} s ago (crashed or killed?); waiting {} s for its {duration} s lease to expire, then taking it over",
                            record.holder,
                            secs(record.age()),
                            secs(remaining)
                        );
                        announced = Some(key);
                    }
                    remaining.min(POLL)
                }
            };
            tokio::time::sleep(pause).await;
        };
        let held = Arc::new(AtomicBool::new(true));
        let renewer = tokio::spawn(renew(api.clone(), taken, holder.clone(), held.clone()));
        tracing::info!(lease = %name, holder = %holder, "lock taken");
        Ok(LeaseLock {
            api,
            name,
            holder,
            held,
            renewer,
        })
    }

    /// Whether the lock is still ours: false once a renewal found it taken or deleted, or no
    /// renewal succeeded for a while (another writer may take it over then).
    pub fn is_held(&self) -> bool {
        self.held.load(Ordering::SeqCst)
    }

    /// This run's holder identity (`host/pid-N/nonce`).
    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// Releases the lock (deletes the Lease if it is still ours).
    pub async fn release(self) {
        self.renewer.abort();
        let lease = match self.api.get_opt(&self.name).await {
            Ok(Some(lease)) if ours(&lease, &self.holder) => Some(lease),
            _ => None,
        };
        if let Some(lease) = lease {
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

/// Renews `lease` every [`RENEW_EVERY`] (a compare-and-swap on the last version written) until
/// it is lost: taken over, deleted, or not renewed for [`RENEW_DEADLINE`].
async fn renew(api: Api<Lease>, mut lease: Lease, holder: String, held: Arc<AtomicBool>) {
    let name = lease.metadata.name.clone().unwrap_or_default();
    let mut renewed = Instant::now();
    let lost = |why: String| {
        held.store(false, Ordering::SeqCst);
        tracing::warn!(
            "lost the lock {name}: {why}; another writer may run at the same time, check with `kubectl netscaler diff` when this run ends"
        );
    };
    loop {
        tokio::time::sleep(RENEW_EVERY).await;
        let mut next = lease.clone();
        if let Some(s) = next.spec.as_mut() {
            s.renew_time = Some(now());
        }
        let answer = tokio::time::timeout(
            RENEW_EVERY,
            api.replace(&name, &PostParams::default(), &next),
        )
        .await;
        match answer {
            Ok(Ok(l)) => {
                lease = l;
                renewed = Instant::now();
                continue;
            }
            Ok(Err(kube::Error::Api(s))) if s.code == 404 => {
                return lost("the Lease was deleted".into());
            }
            Ok(Err(kube::Error::Api(s))) if s.code == 409 => match api.get_opt(&name).await {
                Ok(Some(l)) if ours(&l, &holder) => {
                    // Written by someone else but still ours (an admin's label): renew that.
                    lease = l;
                    continue;
                }
                Ok(Some(l)) => {
                    let by = Record::of(&l).holder;
                    return lost(format!("it was taken over by {by}"));
                }
                Ok(None) => return lost("the Lease was deleted".into()),
                Err(e) => tracing::debug!("could not read the lock {name}: {e}"),
            },
            Ok(Err(e)) => tracing::debug!("could not renew the lock {name}: {e}"),
            Err(_) => tracing::debug!("renewing the lock {name} timed out"),
        }
        if renewed.elapsed() >= RENEW_DEADLINE {
            return lost(format!(
                "it could not be renewed for {} s",
                secs(renewed.elapsed())
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(holder: &str, renewed_ago: i64, duration: i32) -> Record {
        let t = k8s_openapi::jiff::Timestamp::now()
            - k8s_openapi::jiff::SignedDuration::from_secs(renewed_ago);
        Record {
            holder: holder.into(),
            renew: Some(MicroTime(t)),
            acquire: Some(MicroTime(t)),
            duration: Duration::from_secs(u64::try_from(duration).unwrap()),
        }
    }

    #[test]
    fn a_free_lease_is_taken() {
        let r = record("", 0, 15);
        assert_eq!(judge(None, &r, Instant::now()), Verdict::Take);
    }

    #[test]
    fn an_expired_lease_is_taken_at_once() {
        let r = record("a", 600, 30);
        assert_eq!(judge(None, &r, Instant::now()), Verdict::Take);
    }

    #[test]
    fn a_recent_renewal_is_watched_then_judged_stopped_when_it_does_not_move() {
        let r = record("a", 0, 30);
        let t0 = Instant::now();
        let s = Sighting::new(r.clone(), t0);
        assert_eq!(judge(Some(&s), &r, t0), Verdict::Watch);
        let later = t0 + RENEW_EVERY + MARGIN + Duration::from_secs(1);
        match judge(Some(&s), &r, later) {
            Verdict::Stopped { remaining } => {
                // Its own 30 s, not ours, less the time it has not been renewed.
                assert!(remaining > Duration::from_secs(20), "{remaining:?}");
                assert!(remaining < Duration::from_secs(30), "{remaining:?}");
            }
            v => panic!("{v:?}"),
        }
        let expired = t0 + Duration::from_secs(31);
        assert_eq!(judge(Some(&s), &r, expired), Verdict::Take);
    }

    #[test]
    fn a_renewal_seen_means_live_even_while_waiting_out() {
        let old = record("a", 10, 30);
        let t0 = Instant::now();
        let s = Sighting::new(old.clone(), t0);
        assert!(matches!(judge(Some(&s), &old, t0), Verdict::Stopped { .. }));
        let renewed = record("a", 0, 30);
        assert_eq!(judge(Some(&s), &renewed, t0), Verdict::Live);
    }

    #[test]
    fn a_new_holder_is_judged_afresh() {
        let old = record("a", 10, 30);
        let t0 = Instant::now();
        let s = Sighting::new(old, t0);
        assert_eq!(judge(Some(&s), &record("b", 0, 15), t0), Verdict::Watch);
    }

    #[test]
    fn a_renewal_time_in_the_future_waits_at_most_the_lease_duration() {
        let r = record("a", -3600, 15);
        let t0 = Instant::now();
        let s = Sighting::new(r.clone(), t0);
        assert_eq!(judge(Some(&s), &r, t0), Verdict::Watch);
        assert_eq!(
            judge(Some(&s), &r, t0 + Duration::from_secs(16)),
            Verdict::Take
        );
    }
}
