//! Kubernetes Events of `watch` (`events.k8s.io/v1`, through kube-runtime's
//! [`Recorder`]), reported on one object: the ADC's Node in vxlan mode, the writer Lease in
//! routes mode (which has no ADC Node). `kubectl describe node netscaler-<cluster>` (or
//! `kubectl get events`) then shows what the controller did:
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

use crate::error::{Error, Result};
use k8s_openapi::api::core::v1::ObjectReference;
use kube::runtime::events::{Event, EventType, Recorder, Reporter};
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Reason of the Event for a reconcile that changed something.
pub const REASON_RECONCILED: &str = "Reconciled";
/// Reason of the Event for a failed reconcile.
pub const REASON_FAILED: &str = "ReconcileFailed";
/// At most one Event of a reason per window.
pub const WINDOW: Duration = Duration::from_secs(30);
/// The `reportingController` of every Event.
pub const CONTROLLER: &str = "kubectl-netscaler";

/// The Events API limit on a note.
const MAX_NOTE_BYTES: usize = 1024;
/// kube-runtime forgets an Event for series purposes after 6 minutes; so do we.
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

/// Publishes the controller's Events on one object.
pub struct EventReporter {
    client: kube::Client,
    reporter: Reporter,
    regarding: ObjectReference,
    limiter: Mutex<RateLimiter>,
    /// One [`Recorder`] per (reason, note): kube-runtime folds Events of the same reason into
    /// one series whatever their note, which would show a later, different message under the
    /// first one's text.
    series: Mutex<HashMap<(String, String), (Recorder, Instant)>>,
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

/// A reference to a Node (cluster-scoped: its Events go to the `default` namespace).
pub fn node_reference(name: &str, uid: Option<String>) -> ObjectReference {
    ObjectReference {
        api_version: Some("v1".into()),
        kind: Some("Node".into()),
        name: Some(name.into()),
        uid,
        ..Default::default()
    }
}

/// A reference to a Lease (its Events go to the Lease's namespace).
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
    /// Reports on `regarding`, as [`CONTROLLER`] with `instance` (see [`default_instance`]).
    pub fn new(
        client: kube::Client,
        regarding: ObjectReference,
        instance: Option<String>,
    ) -> EventReporter {
        EventReporter {
            client,
            reporter: Reporter {
                controller: CONTROLLER.into(),
                instance,
            },
            regarding,
            limiter: Mutex::new(RateLimiter::new(WINDOW)),
            series: Mutex::new(HashMap::new()),
        }
    }

    /// A reconcile changed something: `summary` says what (e.g. `3 changes (2 add, 1 delete)
    /// in 4 NITRO calls`).
    pub async fn changed(&self, summary: &str) -> Result<Outcome> {
        self.publish(EventType::Normal, REASON_RECONCILED, summary)
            .await
    }

    /// A reconcile failed with `message`.
    pub async fn error(&self, message: &str) -> Result<Outcome> {
        self.publish(EventType::Warning, REASON_FAILED, message)
            .await
    }

    async fn publish(&self, type_: EventType, reason: &str, message: &str) -> Result<Outcome> {
        let now = Instant::now();
        if !lock(&self.limiter).allows(reason, now) {
            return Ok(Outcome::RateLimited);
        }
        let note = truncate(&redact(message), MAX_NOTE_BYTES);
        let recorder = self.recorder(reason, &note, now);
        let event = Event {
            type_,
            reason: reason.into(),
            note: Some(note),
            action: "Reconcile".into(),
            secondary: None,
        };
        recorder
            .publish(&event, &self.regarding)
            .await
            .map_err(|e| {
                Error::Kubernetes(format!(
                    "recording a {reason} Event on {} {}: {e}",
                    self.regarding.kind.as_deref().unwrap_or("object"),
                    self.regarding.name.as_deref().unwrap_or("")
                ))
            })?;
        lock(&self.limiter).published(reason, now);
        Ok(Outcome::Published)
    }

    fn recorder(&self, reason: &str, note: &str, now: Instant) -> Recorder {
        let mut series = lock(&self.series);
        series.retain(|_, (_, used)| now.saturating_duration_since(*used) < SERIES_TTL);
        let key = (reason.to_string(), note.to_string());
        if !series.contains_key(&key) && series.len() >= MAX_SERIES {
            if let Some(oldest) = series
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(k, _)| k.clone())
            {
                series.remove(&oldest);
            }
        }
        let entry = series.entry(key).or_insert_with(|| {
            (
                Recorder::new(self.client.clone(), self.reporter.clone()),
                now,
            )
        });
        entry.1 = now;
        entry.0.clone()
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
        let n = node_reference("netscaler-prod", Some("u1".into()));
        assert_eq!(
            (n.kind.as_deref(), n.name.as_deref(), n.namespace.as_deref()),
            (Some("Node"), Some("netscaler-prod"), None)
        );
        let l = lease_reference("kube-system", "kubectl-netscaler", None);
        assert_eq!(l.api_version.as_deref(), Some("coordination.k8s.io/v1"));
        assert_eq!(l.namespace.as_deref(), Some("kube-system"));
    }
}
