//! Label and field selectors.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
enum Req {
    Eq(String, String),
    NotEq(String, String),
    Exists(String),
    NotExists(String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
}

/// A parsed `labelSelector` plus `fieldSelector`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Selector {
    labels: Vec<Req>,
    fields: Vec<(String, bool, String)>,
}

/// Split on commas that are not inside parentheses.
fn split_top(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut cur = String::new();
    for c in s.chars() {
        match c {
            '(' => {
                depth += 1;
                cur.push(c);
            }
            ')' => {
                depth -= 1;
                cur.push(c);
            }
            ',' if depth == 0 => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out.into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

fn parse_set(key: &str, rest: &str) -> Result<Vec<String>, String> {
    let rest = rest.trim();
    let inner = rest
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .ok_or_else(|| {
            format!("unable to parse requirement: set for {key:?} must be in parentheses")
        })?;
    Ok(inner
        .split(',')
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect())
}

fn parse_label_req(s: &str) -> Result<Req, String> {
    if let Some(k) = s.strip_prefix('!') {
        return Ok(Req::NotExists(k.trim().to_string()));
    }
    if let Some((k, v)) = s.split_once("!=") {
        return Ok(Req::NotEq(k.trim().to_string(), v.trim().to_string()));
    }
    if let Some((k, v)) = s.split_once("==") {
        return Ok(Req::Eq(k.trim().to_string(), v.trim().to_string()));
    }
    if let Some((k, v)) = s.split_once('=') {
        return Ok(Req::Eq(k.trim().to_string(), v.trim().to_string()));
    }
    let words: Vec<&str> = s.splitn(2, char::is_whitespace).collect();
    if words.len() == 2 {
        let key = words[0].to_string();
        let rest = words[1].trim_start();
        if let Some(r) = rest.strip_prefix("notin") {
            return Ok(Req::NotIn(key.clone(), parse_set(&key, r)?));
        }
        if let Some(r) = rest.strip_prefix("in") {
            return Ok(Req::In(key.clone(), parse_set(&key, r)?));
        }
        return Err(format!("unable to parse requirement: {s:?}"));
    }
    if s.contains(['(', ')', ' ']) {
        return Err(format!("unable to parse requirement: {s:?}"));
    }
    Ok(Req::Exists(s.to_string()))
}

impl Selector {
    pub fn parse(
        label_selector: Option<&str>,
        field_selector: Option<&str>,
    ) -> Result<Selector, String> {
        let mut sel = Selector::default();
        if let Some(ls) = label_selector {
            for part in split_top(ls) {
                sel.labels.push(parse_label_req(&part)?);
            }
        }
        if let Some(fs) = field_selector {
            for part in split_top(fs) {
                let (k, neg, v) = if let Some((k, v)) = part.split_once("!=") {
                    (k, true, v)
                } else if let Some((k, v)) = part.split_once("==") {
                    (k, false, v)
                } else if let Some((k, v)) = part.split_once('=') {
                    (k, false, v)
                } else {
                    return Err(format!(
                        "invalid selector: '{part}'; can't understand '{part}'"
                    ));
                };
                let k = k.trim();
                if k != "metadata.name" && k != "metadata.namespace" {
                    return Err(format!("field label not supported: {k}"));
                }
                sel.fields.push((k.to_string(), neg, v.trim().to_string()));
            }
        }
        Ok(sel)
    }

    /// Whether an object (with `metadata`) satisfies every requirement.
    pub fn matches(&self, obj: &Value) -> bool {
        let meta = &obj["metadata"];
        let label = |k: &str| meta["labels"].get(k).and_then(Value::as_str);
        let labels_ok = self.labels.iter().all(|r| match r {
            Req::Eq(k, v) => label(k) == Some(v.as_str()),
            Req::NotEq(k, v) => label(k) != Some(v.as_str()),
            Req::Exists(k) => label(k).is_some(),
            Req::NotExists(k) => label(k).is_none(),
            Req::In(k, vs) => label(k).is_some_and(|l| vs.iter().any(|v| v == l)),
            Req::NotIn(k, vs) => label(k).is_none_or(|l| !vs.iter().any(|v| v == l)),
        });
        labels_ok
            && self.fields.iter().all(|(k, neg, v)| {
                let actual = match k.as_str() {
                    "metadata.name" => meta["name"].as_str().unwrap_or(""),
                    _ => meta["namespace"].as_str().unwrap_or(""),
                };
                (actual == v) != *neg
            })
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty() && self.fields.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn label_selectors() {
        let obj = json!({"metadata": {"name": "a", "namespace": "ns", "labels": {"app": "web", "tier": "fe"}}});
        let m = |l: &str| Selector::parse(Some(l), None).unwrap().matches(&obj);
        assert!(m("app=web"));
        assert!(m("app==web,tier"));
        assert!(!m("app!=web"));
        assert!(m("app in (web, db),!missing"));
        assert!(!m("app notin (web)"));
        assert!(m("tier notin (be)"));
        assert!(!m("missing"));
        let f = |s: &str| Selector::parse(None, Some(s)).unwrap().matches(&obj);
        assert!(f("metadata.name=a"));
        assert!(f("metadata.namespace!=x,metadata.name==a"));
        assert!(!f("metadata.name=b"));
        assert!(Selector::parse(None, Some("spec.foo=1")).is_err());
    }
}
