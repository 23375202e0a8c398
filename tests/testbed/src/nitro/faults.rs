//! Fault injection: counted faults matched against method and path, persistent per-item
//! failures, and `nsconfig save` answering 293.

use super::{Fault, Match};
use serde_json::Value;

#[derive(Debug, Default)]
pub struct Faults {
    counted: Vec<Fault>,
    items: Vec<Fault>,
    pub save_busy: usize,
}

fn matcher(f: &Fault) -> Option<(&Match, usize)> {
    match f {
        Fault::Status503 { on, times }
        | Fault::Internal1043 { on, times }
        | Fault::ConnectionReset { on, times }
        | Fault::Slow { on, times, .. }
        | Fault::ExpireSession { on, times } => Some((on, *times)),
        _ => None,
    }
}

fn set_times(f: &mut Fault, n: usize) {
    match f {
        Fault::Status503 { times, .. }
        | Fault::Internal1043 { times, .. }
        | Fault::ConnectionReset { times, .. }
        | Fault::Slow { times, .. }
        | Fault::ExpireSession { times, .. } => *times = n,
        _ => {}
    }
}

impl Match {
    fn matches(&self, method: &str, path: &str, query: &str) -> bool {
        let session_call = path.ends_with("/config/login") || path.ends_with("/config/logout");
        if let Some(m) = &self.method
            && !m.eq_ignore_ascii_case(method)
        {
            return false;
        }
        match &self.path_contains {
            Some(p) => {
                if session_call && !(p.contains("login") || p.contains("logout")) {
                    return false;
                }
                path.contains(p.as_str()) || format!("{path}?{query}").contains(p.as_str())
            }
            None => !session_call,
        }
    }
}

impl Faults {
    pub fn add(&mut self, f: Fault) {
        match f {
            Fault::SaveBusy293 { times } => self.save_busy += times,
            Fault::FailItem { .. } => self.items.push(f),
            other => self.counted.push(other),
        }
    }

    pub fn clear(&mut self) {
        *self = Faults::default();
    }

    /// The first counted fault matching this request, consuming one of its uses.
    pub fn take(&mut self, method: &str, path: &str, query: &str) -> Option<Fault> {
        let idx = self.counted.iter().position(|f| {
            matcher(f).is_some_and(|(on, times)| times > 0 && on.matches(method, path, query))
        })?;
        let f = self.counted[idx].clone();
        let left = matcher(&f).map(|(_, t)| t).unwrap_or(1) - 1;
        if left == 0 {
            self.counted.remove(idx);
        } else {
            set_times(&mut self.counted[idx], left);
        }
        Some(f)
    }

    /// A persistent per-item failure for this write item, if any: (errorcode, message).
    pub fn item_failure(
        &self,
        resource: &str,
        item: &serde_json::Map<String, Value>,
    ) -> Option<(i64, String)> {
        self.items.iter().find_map(|f| match f {
            Fault::FailItem {
                resource: r,
                field,
                value,
                errorcode,
                message,
            } if r == resource
                && item.get(field).map(super::schema::text).as_deref() == Some(value.as_str()) =>
            {
                Some((*errorcode, message.clone()))
            }
            _ => None,
        })
    }

    pub fn take_save_busy(&mut self) -> bool {
        if self.save_busy > 0 {
            self.save_busy -= 1;
            true
        } else {
            false
        }
    }
}
