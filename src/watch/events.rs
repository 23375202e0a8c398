//! Kubernetes Events of `watch` (`events.k8s.io/v1`), reported on one object: the ADC's Node
//! in vxlan mode (its Events are kept in `kube-system`), the writer Lease in routes mode, which
//! has no ADC Node (kept in the Lease's namespace). `kubectl describe node netscaler-<cluster>`
//! (or `kubectl get events -n kube-system`) then shows what the controller did:
//!
//! - [`REASON_RECONCILED`] (Normal): a reconcile changed something; the note is its summary;
//! - [`REASON_FAILED`] (Warning): a reconcile failed; the note is the error.
//!
//! Rate limits: at most one Event of the same reason per [`WINDOW`] (the log has every line);
//! an Event whose note repeats an earlier one of the same reason is recorded as a repetition of
//! that Event (its series count grows) instead of a new object.
//!
//! Secrets: callers pass summaries and error messages only, never request bodies, headers or
//! settings. As a second line of defence every note goes through [`redact`], which strips URL
//! credentials (`https://user:pass@host` → `https://host`) and the values of password- and
//! token-like `key=value` / `key: value` pairs.

use crate::error::Result;
use k8s_openapi::api::core::v1::ObjectReference;
use k8s_openapi::api::events::v1::Event;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use k8s_openapi::jiff::Timestamp;
use kube::Api;
use kube::api::{Patch, PatchParams, PostParams};
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Reason of the Event for a reconcile that changed something.
pub const REASON_RECONCILED: &str = "Reconciled";
/// Reason of the Event for a failed reconcile.
pub const REASON_FAILED: &str = "ReconcileFailed";
/// At most one Event of a reason per window.
pub const WINDOW: Duration = Duration::from_secs(30);
/// Where Events about cluster-scoped objects are kept: the one namespace every API server
/// accepts for them (newer ones also take `default`).
pub const CLUSTER_SCOPED_EVENTS_NAMESPACE: &str = "kube-system";
/// The `reportingController` of every Event.
pub const CONTROLLER: &str = "kubectl-netscaler";

/// The Events API limit on a note.
const MAX_NOTE_BYTES: usize = 1024;
/// How long a recorded Event is repeated rather than recorded anew (kube-runtime's and
/// client-go's series window).
const SERIES_TTL: Duration = Duration::from_secs(6 * 60);
/// Distinct notes remembered for series at once (the oldest is forgotten first).
const MAX_SERIES: usize = 32;

/// The per-reason rate limit, on a clock the caller passes in.
#[derive(Debug)]
pub struct RateLimiter {
    window: Duration,
    last: HashMap<String, Instant>,
}

impl RateLimiter {
    pub fn new(window: Duration) -> RateLimiter {
        RateLimiter {
            window,
            last: HashMap::new(),
        }
    }

    /// Whether an Event of `reason` may be published at `now`.
    pub fn allows(&self, reason: &str, now: Instant) -> bool {
        self.last
            .get(reason)
            .is_none_or(|at| now.saturating_duration_since(*at) >= self.window)
    }

    /// An Event of `reason` was published at `now`.
    pub fn published(&mut self, reason: &str, now: Instant) {
        self.last.insert(reason.to_string(), now);
    }
}

/// What became of an Event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Created, or recorded as a repetition of an identical earlier Event.
    Published,
    /// Dropped: another Event of the same reason was published less than [`WINDOW`] ago.
    RateLimited,
}

/// Severity of an Event (its `type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Severity {
    Normal,
    Warning,
}

/// An Event already recorded, which an identical note repeats.
#[derive(Debug)]
struct Recorded {
    name: String,
    count: i32,
    last: Instant,
}

/// Publishes the controller's Events on one object.
///
/// kube-runtime's `events::Recorder` is not used: it keeps Events about a cluster-scoped
/// object (the ADC's Node) in `default`, which older API servers (1.20 among them) refuse
/// ("involvedObject.namespace: does not match event.namespace": they accept only
/// `kube-system` there), and it folds Events of one reason into one series whatever their
/// note, so a later, different error would show under the first one's text. Otherwise this
/// does what the Recorder does: create an Event, and record a repetition by patching its
/// `series` (count, lastObservedTime).
pub struct EventReporter {
    events: Api<Event>,
    controller: String,
    instance: String,
    regarding: ObjectReference,
    limiter: Mutex<RateLimiter>,
    recorded: Mutex<HashMap<(String, String), Recorded>>,
}

impl std::fmt::Debug for EventReporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventReporter")
            .field("regarding", &self.regarding)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A reference to a Node. Like the kubelet's Events about Nodes, its uid is the Node's name:
/// that is what `kubectl describe node` searches for (in every namespace). Its Events are kept
/// in [`CLUSTER_SCOPED_EVENTS_NAMESPACE`].
pub fn node_reference(name: &str) -> ObjectReference {
    ObjectReference {
        api_version: Some("v1".into()),
        kind: Some("Node".into()),
        name: Some(name.into()),
        uid: Some(name.into()),
        ..Default::default()
    }
}

/// A reference to a Lease (its Events are kept in the Lease's namespace).
pub fn lease_reference(namespace: &str, name: &str, uid: Option<String>) -> ObjectReference {
    ObjectReference {
        api_version: Some("coordination.k8s.io/v1".into()),
        kind: Some("Lease".into()),
        namespace: Some(namespace.into()),
        name: Some(name.into()),
        uid,
        ..Default::default()
    }
}

/// The `reportingInstance` of this process: `POD_NAME` (set by deploy/watch.yaml), else
/// `HOSTNAME` (a pod's name by default).
pub fn default_instance() -> Option<String> {
    ["POD_NAME", "HOSTNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
}

impl EventReporter {
    /// Reports on `regarding`, as [`CONTROLLER`] with `instance` (see [`default_instance`];
    /// without one, the controller's name).
    pub fn new(
        client: kube::Client,
        regarding: ObjectReference,
        instance: Option<String>,
    ) -> EventReporter {
        let namespace = regarding
            .namespace
            .clone()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| CLUSTER_SCOPED_EVENTS_NAMESPACE.into());
        EventReporter {
            events: Api::namespaced(client, &namespace),
            controller: CONTROLLER.into(),
            instance: instance.unwrap_or_else(|| CONTROLLER.into()),
            regarding,
            limiter: Mutex::new(RateLimiter::new(WINDOW)),
            recorded: Mutex::new(HashMap::new()),
        }
    }

    /// Another rate-limit window than [`WINDOW`].
    pub fn with_window(self, window: Duration) -> EventReporter {
        *lock(&self.limiter) = RateLimiter::new(window);
        self
    }

    /// A reconcile changed something: `summary` says what (e.g. `3 changes (2 add, 1 delete)
    /// in 4 NITRO calls`).
    pub async fn changed(&self, summary: &str) -> Result<Outcome> {
        self.publish(Severity::Normal, REASON_RECONCILED, summary)
            .await
    }

    /// A reconcile failed with `message`.
    pub async fn error(&self, message: &str) -> Result<Outcome> {
        self.publish(Severity::Warning, REASON_FAILED, message)
            .await
    }

    async fn publish(&self, severity: Severity, reason: &str, message: &str) -> Result<Outcome> {
        let now = Instant::now();
        if !lock(&self.limiter).allows(reason, now) {
            return Ok(Outcome::RateLimited);
        }
        let note = truncate(&redact(message), MAX_NOTE_BYTES);
        let key = (reason.to_string(), note.clone());
        let repeat = {
            let mut recorded = lock(&self.recorded);
            recorded.retain(|_, r| now.saturating_duration_since(r.last) < SERIES_TTL);
            recorded.get(&key).map(|r| (r.name.clone(), r.count + 1))
        };
        let stamp = MicroTime(Timestamp::now());
        let fail = |e: kube::Error| {
            crate::cluster::live::kube_error(
                &format!(
                    "recording a {reason} Event on {} {}",
                    self.regarding.kind.as_deref().unwrap_or("object"),
                    self.regarding.name.as_deref().unwrap_or("")
                ),
                e,
            )
        };
        let mut repeated = None;
        if let Some((name, count)) = repeat {
            let patch = serde_json::json!({
                "series": {"count": count, "lastObservedTime": stamp},
            });
            match self
                .events
                .patch(&name, &PatchParams::default(), &Patch::Merge(&patch))
                .await
            {
                Ok(_) => repeated = Some((name, count)),
                // The API server dropped it (Events live an hour): record a new one.
                Err(kube::Error::Api(s)) if s.code == 404 => {}
                Err(e) => return Err(fail(e)),
            }
        }
        let (name, count) = match repeated {
            Some(r) => r,
            None => {
                let event = self.event(severity, reason, &note, stamp);
                let created = self
                    .events
                    .create(&PostParams::default(), &event)
                    .await
                    .map_err(fail)?;
                (created.metadata.name.unwrap_or_default(), 1)
            }
        };
        {
            let mut recorded = lock(&self.recorded);
            if !recorded.contains_key(&key) && recorded.len() >= MAX_SERIES {
                let oldest = recorded
                    .iter()
                    .min_by_key(|(_, r)| r.last)
                    .map(|(k, _)| k.clone());
                if let Some(oldest) = oldest {
                    recorded.remove(&oldest);
                }
            }
            recorded.insert(
                key,
                Recorded {
                    name,
                    count,
                    last: now,
                },
            );
        }
        lock(&self.limiter).published(reason, now);
        Ok(Outcome::Published)
    }

    fn event(&self, severity: Severity, reason: &str, note: &str, stamp: MicroTime) -> Event {
        let base = self.regarding.name.as_deref().unwrap_or(CONTROLLER);
        Event {
            metadata: ObjectMeta {
                name: Some(format!("{base}.{:x}", stamp.0.as_nanosecond())),
                namespace: Some(self.events_namespace()),
                ..Default::default()
            },
            event_time: Some(stamp),
            type_: Some(
                match severity {
                    Severity::Normal => "Normal",
                    Severity::Warning => "Warning",
                }
                .into(),
            ),
            reason: Some(reason.into()),
            action: Some("Reconcile".into()),
            note: Some(note.into()),
            regarding: Some(self.regarding.clone()),
            reporting_controller: Some(self.controller.clone()),
            reporting_instance: Some(self.instance.clone()),
            ..Default::default()
        }
    }

    fn events_namespace(&self) -> String {
        self.events
            .namespace()
            .unwrap_or(CLUSTER_SCOPED_EVENTS_NAMESPACE)
            .to_string()
    }
}

/// Keys whose values are never shown (matched case-insensitively at the end of a key, so
/// `NETSCALER_PASSWORD=` and `X-NITRO-PASS:` are caught too).
const SECRET_KEYS: [&str; 7] = [
    "password",
    "passwd",
    "pass",
    "secret",
    "token",
    "authorization",
    "cookie",
];

/// `text` without anything that looks like a credential: URL user info (`user:pass@`) is
/// removed, values of password-, secret-, token-, authorization- and cookie-like keys
/// (`key=value`, `key: value`, `"key":"value"`) become `***`.
pub fn redact(text: &str) -> String {
    redact_pairs(&redact_userinfo(text))
}

fn ends_value(c: char) -> bool {
    c.is_whitespace() || matches!(c, '"' | '\'' | ',' | ';' | '&' | ')' | ']' | '}' | '>')
}

fn redact_userinfo(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let end = tail
            .find(|c: char| ends_value(c) || matches!(c, '/' | '?' | '#'))
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        match authority.rfind('@') {
            Some(at) => out.push_str(&authority[at + 1..]),
            None => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

fn redact_pairs(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        let Some(key) = SECRET_KEYS
            .iter()
            .find(|k| lower.as_bytes()[i..].starts_with(k.as_bytes()))
        else {
            i += 1;
            continue;
        };
        // The key must end here: `passwordFile` or `tokens` is another word.
        let mut j = i + key.len();
        if bytes
            .get(j)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
        {
            i += 1;
            continue;
        }
        if bytes.get(j) == Some(&b'"') {
            j += 1;
        }
        while bytes.get(j) == Some(&b' ') {
            j += 1;
        }
        if !matches!(bytes.get(j), Some(b'=' | b':')) {
            i += 1;
            continue;
        }
        j += 1;
        while bytes.get(j) == Some(&b' ') {
            j += 1;
        }
        let quote = bytes.get(j).copied().filter(|b| *b == b'"' || *b == b'\'');
        if quote.is_some() {
            j += 1;
        }
        // `Authorization: Bearer <token>` / `Basic <credentials>`: the scheme stays.
        for scheme in ["bearer ", "basic "] {
            if lower.as_bytes()[j..].starts_with(scheme.as_bytes()) {
                j += scheme.len();
            }
        }
        let value_end = match quote {
            Some(q) => text[j..].find(q as char).map_or(text.len(), |e| j + e),
            None => text[j..].find(ends_value).map_or(text.len(), |e| j + e),
        };
        if value_end > j {
            out.push_str(&text[copied..j]);
            out.push_str("***");
            copied = value_end;
        }
        i = value_end.max(i + 1);
    }
    out.push_str(&text[copied..]);
    out
}

fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max - '…'.len_utf8();
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_event_per_reason_per_window() {
        let start = Instant::now();
        let at = |secs: u64| start + Duration::from_secs(secs);
        let mut limit = RateLimiter::new(WINDOW);
        assert!(limit.allows(REASON_RECONCILED, at(0)));
        limit.published(REASON_RECONCILED, at(0));
        assert!(!limit.allows(REASON_RECONCILED, at(1)));
        assert!(!limit.allows(REASON_RECONCILED, at(29)));
        // Another reason has its own window.
        assert!(limit.allows(REASON_FAILED, at(1)));
        limit.published(REASON_FAILED, at(1));
        assert!(!limit.allows(REASON_FAILED, at(30)));
        assert!(limit.allows(REASON_RECONCILED, at(30)));
        limit.published(REASON_RECONCILED, at(30));
        assert!(!limit.allows(REASON_RECONCILED, at(59)));
        assert!(limit.allows(REASON_RECONCILED, at(60)));
        assert!(limit.allows(REASON_FAILED, at(31)));
    }

    #[test]
    fn a_clock_going_backwards_does_not_open_the_window() {
        let start = Instant::now() + Duration::from_secs(100);
        let mut limit = RateLimiter::new(WINDOW);
        limit.published(REASON_FAILED, start);
        assert!(!limit.allows(REASON_FAILED, start - Duration::from_secs(50)));
    }

    #[test]
    fn url_credentials_are_stripped() {
        assert_eq!(
            redact("login to https://nsroot:s3cr3t@192.0.2.1/nitro/v1/config/login failed"),
            "login to https://192.0.2.1/nitro/v1/config/login failed"
        );
        assert_eq!(
            redact("proxy http://user@proxy:3128, adc https://adc.example.net:443"),
            "proxy http://proxy:3128, adc https://adc.example.net:443"
        );
        // An @ in the path is no user info.
        assert_eq!(redact("see https://host/a@b"), "see https://host/a@b");
    }

    #[test]
    fn secret_values_are_masked() {
        for (input, want) in [
            ("password=hunter2 rest", "password=*** rest"),
            ("NETSCALER_PASSWORD=hunter2", "NETSCALER_PASSWORD=***"),
            ("X-NITRO-PASS: hunter2\nnext", "X-NITRO-PASS: ***\nnext"),
            (
                r#"{"password":"hun ter2","username":"nsroot"}"#,
                r#"{"password":"***","username":"nsroot"}"#,
            ),
            ("Authorization: Bearer abc.def", "Authorization: Bearer ***"),
            ("Cookie: NITRO_AUTH_TOKEN=xyz", "Cookie: ***"),
            ("token='abc', ok", "token='***', ok"),
            ("nœud é password=x ü", "nœud é password=*** ü"),
        ] {
            assert_eq!(redact(input), want, "{input}");
        }
        // Other words are left alone.
        for keep in [
            "adc.passwordFile /etc/kubectl-netscaler/adc/password",
            "3 changes (2 add, 1 delete) in 4 NITRO calls",
            "route 10.244.1.0/24: gateway 10.244.1.0 passes the check",
            "password:",
        ] {
            assert_eq!(redact(keep), keep);
        }
    }

    #[test]
    fn long_notes_are_cut_to_the_events_limit() {
        let long = "é".repeat(1000);
        let cut = truncate(&long, MAX_NOTE_BYTES);
        assert!(cut.len() <= MAX_NOTE_BYTES);
        assert!(cut.ends_with('…'));
        assert_eq!(truncate("short", MAX_NOTE_BYTES), "short");
    }

    #[test]
    fn references_name_the_object_and_its_namespace() {
        let n = node_reference("netscaler-prod");
        assert_eq!(
            (
                n.kind.as_deref(),
                n.name.as_deref(),
                n.uid.as_deref(),
                n.namespace.as_deref()
            ),
            (
                Some("Node"),
                Some("netscaler-prod"),
                Some("netscaler-prod"),
                None
            )
        );
        let l = lease_reference("kube-system", "kubectl-netscaler", None);
        assert_eq!(l.api_version.as_deref(), Some("coordination.k8s.io/v1"));
        assert_eq!(l.namespace.as_deref(), Some("kube-system"));
    }
}
