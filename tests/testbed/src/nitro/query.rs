//! Request decoding and GET answers: path and query parsing (name segment percent-decoded
//! twice, `args=`/`filter=` values once after splitting on literal `,` and the first `:`),
//! `args`/`filter`/`attrs`/`count`/`pagesize`/`pageno`, and the appliance-style JSON
//! formatting (`{ "errorcode": 0, "message": "Done", "severity": "NONE" }`).

use super::schema::{self, KeyPart, NResult, NitroError, Schema, key_part, text};
use super::store::{Obj, Store};
use percent_encoding::percent_decode_str;
use serde_json::{Map, Value, json};
use std::io;

pub fn pct(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// Parsed query string: raw pairs split on `&` and the first `=`; keys decoded, values raw.
#[derive(Debug, Default, Clone)]
pub struct Query {
    pub pairs: Vec<(String, String)>,
}

impl Query {
    pub fn parse(raw: &str) -> Query {
        let pairs = raw
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| match p.split_once('=') {
                Some((k, v)) => (pct(k), v.to_string()),
                None => (pct(p), String::new()),
            })
            .collect();
        Query { pairs }
    }
    /// Raw (still encoded) value of a parameter.
    pub fn raw(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
    /// Decoded value of a simple parameter.
    pub fn get(&self, key: &str) -> Option<String> {
        self.raw(key).map(pct)
    }
    pub fn yes(&self, key: &str) -> bool {
        self.get(key)
            .is_some_and(|v| v.eq_ignore_ascii_case("yes") || v.eq_ignore_ascii_case("true"))
    }
    /// `args=`/`filter=` as (key, value) pairs: split on literal `,`, then the first literal
    /// `:`, then percent-decode each part once.
    pub fn kv(&self, key: &str) -> Vec<(String, String)> {
        let Some(raw) = self.raw(key) else {
            return vec![];
        };
        raw.split(',')
            .filter(|p| !p.is_empty())
            .map(|p| match p.split_once(':') {
                Some((k, v)) => (pct(k), pct(v)),
                None => (pct(p), String::new()),
            })
            .collect()
    }
}

/// What a `/nitro/v1/...` path addresses.
#[derive(Debug, Clone)]
pub struct Target {
    pub stat: bool,
    pub typ: String,
    /// Name segment, decoded twice.
    pub name: Option<String>,
}

pub fn parse_path(path: &str) -> Option<Target> {
    let rest = path.strip_prefix("/nitro/v1/")?;
    let mut segs = rest.split('/');
    let kind = segs.next()?;
    let stat = match kind {
        "config" => false,
        "stat" => true,
        _ => return None,
    };
    let typ = pct(segs.next().filter(|t| !t.is_empty())?);
    let name = segs.next().filter(|n| !n.is_empty()).map(|n| pct(&pct(n)));
    if segs.next().is_some() {
        return None;
    }
    Some(Target { stat, typ, name })
}

// ------------------------------------------------------------------ formatting

/// serde_json formatter that prints like the appliance: one line, spaces inside braces and
/// after separators.
struct NitroFormatter {
    first: Vec<bool>,
}

impl serde_json::ser::Formatter for NitroFormatter {
    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.first.push(true);
        w.write_all(b"{")
    }
    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        let empty = self.first.pop().unwrap_or(true);
        w.write_all(if empty { b"}" } else { b" }" })
    }
    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if let Some(f) = self.first.last_mut() {
            *f = false;
        }
        w.write_all(if first { b" " } else { b", " })
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }
    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.first.push(true);
        w.write_all(b"[")
    }
    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        let empty = self.first.pop().unwrap_or(true);
        w.write_all(if empty { b"]" } else { b" ]" })
    }
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        if let Some(f) = self.first.last_mut() {
            *f = false;
        }
        w.write_all(if first { b" " } else { b", " })
    }
}

pub fn to_nitro_json(v: &Value) -> String {
    use serde::Serialize;
    let mut buf = Vec::new();
    let mut ser =
        serde_json::Serializer::with_formatter(&mut buf, NitroFormatter { first: vec![] });
    v.serialize(&mut ser)
        .expect("serialising a Value cannot fail");
    String::from_utf8(buf).expect("serde_json writes UTF-8")
}

pub fn done() -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("errorcode".into(), json!(0));
    m.insert("message".into(), json!("Done"));
    m.insert("severity".into(), json!("NONE"));
    m
}

pub fn error_body(e: &NitroError) -> Value {
    json!({"errorcode": e.code, "message": e.message, "severity": "ERROR"})
}

// ------------------------------------------------------------------ GET

fn matches_value(schema: &Schema, field: &str, o: &Obj, want: &str) -> bool {
    let mut probe = Obj::new();
    probe.insert(field.to_string(), Value::String(want.to_string()));
    // normalise the wanted value the way the attribute is stored (MAC case, numbers...)
    if let Some(fl) = schema.field(field)
        && let Ok(v) = schema::normalize(fl, &Value::String(want.to_string()))
    {
        probe.insert(field.to_string(), v);
    }
    let want_part = key_part(schema, field, &probe);
    let have_part = key_part(schema, field, o);
    if want_part == have_part {
        return true;
    }
    matches!((&want_part, &have_part), (KeyPart::Str(a), KeyPart::Str(b)) if a.eq_ignore_ascii_case(b) && field == "mac")
}

fn filter_match(o: &Obj, field: &str, want: &str) -> bool {
    let Some(v) = o.get(field) else {
        return false;
    };
    let have = text(v);
    if want.len() >= 2 && want.starts_with('/') && want.ends_with('/') {
        return regex::Regex::new(&want[1..want.len() - 1]).is_ok_and(|re| re.is_match(&have));
    }
    have == want
}

/// Answer a config GET. Returns the body (envelope + data) or an error.
pub fn get(store: &Store, typ: &str, name: Option<&str>, q: &Query) -> NResult<Map<String, Value>> {
    let mut body = done();
    if let Some(parent) = typ.strip_suffix("_binding")
        && let Some(ps) = schema::schema(parent)
        && !ps.is_binding()
    {
        return aggregate(store, ps, name, body);
    }
    let schema =
        schema::schema(typ).ok_or_else(|| NitroError::e599(1232, "Invalid object name"))?;
    if schema.singleton {
        let o = store.list(schema).pop().unwrap_or_default();
        body.insert(schema.name.into(), Value::Object(project(o, q)));
        return Ok(body);
    }
    let mut items = store.list(schema);
    let mut addressed: Option<(String, String)> = None;
    let mut constraints: Vec<(String, String)> = Vec::new();
    if let Some(n) = name {
        let p = schema.primary();
        constraints.push((p.to_string(), n.to_string()));
        addressed = Some((p.to_string(), n.to_string()));
    }
    for (k, v) in q.kv("args") {
        if k == schema.primary() && addressed.is_none() {
            addressed = Some((k.clone(), v.clone()));
        }
        constraints.push((k, v));
    }
    // a binding GET addresses its parent: missing parent → 404, empty parent → no key
    if let (Some((pt, pf)), Some((_, pv))) = (schema.parent, addressed.as_ref()) {
        let ps = schema::schema(pt).expect("parent schema");
        let found = store
            .list(ps)
            .iter()
            .any(|o| matches_value(ps, ps.primary(), o, pv));
        if !found {
            return Err(NitroError::no_such(pf, pv));
        }
    }
    for (k, v) in &constraints {
        match (schema.name, k.as_str()) {
            ("route", "routetype") => {
                let want = if v.eq_ignore_ascii_case("CONNECTED") {
                    "DIRECT".to_string()
                } else {
                    v.to_ascii_uppercase()
                };
                items.retain(|o| o.get("routetype").map(text).as_deref() == Some(want.as_str()));
            }
            (_, k) if schema.field(k).is_some() => {
                items.retain(|o| {
                    if o.contains_key(k) || k == "td" {
                        matches_value(schema, k, o, v)
                    } else {
                        false
                    }
                });
            }
            _ => {} // includemembers, detail, nodeid...: accepted and ignored
        }
    }
    if items.is_empty()
        && !schema.is_binding()
        && let Some((k, v)) = addressed
    {
        return Err(NitroError::no_such(&k, &v));
    }
    for (k, v) in q.kv("filter") {
        items.retain(|o| filter_match(o, &k, &v));
    }
    if q.yes("count") {
        body.insert(schema.name.into(), json!([{"__count": items.len()}]));
        return Ok(body);
    }
    if let Some(size) = q.get("pagesize").and_then(|v| v.parse::<usize>().ok()) {
        let page = q
            .get("pageno")
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(1)
            .max(1);
        items = items
            .into_iter()
            .skip((page - 1) * size)
            .take(size.max(1))
            .collect();
    }
    if !items.is_empty() {
        let arr = items
            .into_iter()
            .map(|o| Value::Object(project(o, q)))
            .collect();
        body.insert(schema.name.into(), Value::Array(arr));
    }
    Ok(body)
}

fn project(o: Obj, q: &Query) -> Obj {
    let Some(attrs) = q.get("attrs") else {
        return o;
    };
    let want: Vec<&str> = attrs.split(',').map(str::trim).collect();
    o.into_iter()
        .filter(|(k, _)| want.contains(&k.as_str()))
        .collect()
}

/// `GET /config/<parent>_binding/<name>`: every binding kind of one parent.
fn aggregate(
    store: &Store,
    ps: &Schema,
    name: Option<&str>,
    mut body: Map<String, Value>,
) -> NResult<Map<String, Value>> {
    let Some(name) = name else {
        return Err(NitroError::missing(ps.primary()));
    };
    if !store
        .list(ps)
        .iter()
        .any(|o| matches_value(ps, ps.primary(), o, name))
    {
        return Err(NitroError::no_such(ps.primary(), name));
    }
    let mut entry = Obj::new();
    entry.insert(ps.primary().into(), json!(name));
    for b in schema::ALL {
        if let Some((pt, pf)) = b.parent
            && pt == ps.name
        {
            let items: Vec<Value> = store
                .list(b)
                .into_iter()
                .filter(|o| matches_value(b, pf, o, name))
                .map(Value::Object)
                .collect();
            if !items.is_empty() {
                entry.insert(b.name.into(), Value::Array(items));
            }
        }
    }
    body.insert(format!("{}_binding", ps.name), json!([entry]));
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatter_matches_appliance_style() {
        let v = json!({"errorcode": 0, "message": "Done", "vxlan": [{"id": "1"}], "e": {}});
        assert_eq!(
            to_nitro_json(&v),
            r#"{ "errorcode": 0, "message": "Done", "vxlan": [ { "id": "1" } ], "e": {} }"#
        );
    }

    #[test]
    fn path_names_are_decoded_twice_and_args_once() {
        let t = parse_path("/nitro/v1/config/Interface/1%252F1").unwrap();
        assert_eq!(t.name.as_deref(), Some("1/1"));
        let q = Query::parse("args=mac:aa%3Abb,vxlan:1&attrs=a,b");
        assert_eq!(
            q.kv("args"),
            vec![("mac".into(), "aa:bb".into()), ("vxlan".into(), "1".into())]
        );
    }
}
