//! Write requests: add (POST), update (PUT), delete (DELETE, `POST ?action=rm`, or for a
//! binding type `POST ?action=unbind`), actions (`POST ?action=<verb>`, only those the type has:
//! `Schema::actions`), single objects or bulk arrays with `X-NITRO-ONERROR`
//! exit/continue/rollback and the 207/1243 per-item answer.

use super::faults::Faults;
use super::query::{Query, done, error_body};
use super::schema::{self, NitroError, Schema};
use super::store::{Obj, Store};
use serde_json::{Value, json};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Verb<'a> {
    Add,
    Update,
    Delete,
    Save,
    Action(&'a str),
}

/// One answer: status and JSON body.
pub struct Answer {
    pub status: u16,
    pub body: Value,
}

fn err(e: &NitroError) -> Answer {
    Answer {
        status: e.status,
        body: error_body(e),
    }
}

fn ok(status: u16) -> Answer {
    Answer {
        status,
        body: Value::Object(done()),
    }
}

/// Execute one write request against the store.
#[allow(clippy::too_many_arguments)]
pub fn write(
    store: &mut Store,
    faults: &mut Faults,
    method: &str,
    typ: &str,
    name: Option<&str>,
    q: &Query,
    body: &[u8],
    onerror: Option<&str>,
) -> Answer {
    let Some(schema) = schema::schema(typ) else {
        return err(&NitroError::e599(1232, "Invalid object name"));
    };
    let action = q.get("action").map(|a| a.to_ascii_lowercase());
    // An action the type does not have (`rm` on a binding type, `unbind` on a plain one, an
    // unknown verb) is refused for the whole request, before any item is looked at.
    if let Some(a) = &action
        && method != "DELETE"
        && !schema.has_action(a)
    {
        return err(&NitroError::e599(1240, "Invalid nitro action or operation"));
    }
    let verb = match (method, action.as_deref()) {
        ("DELETE", _) => Verb::Delete,
        ("PUT", None) => Verb::Update,
        ("POST", None) => Verb::Add,
        ("POST" | "PUT", Some("rm" | "unbind")) => Verb::Delete,
        ("POST", Some("save")) => Verb::Save,
        ("POST", Some(a)) => Verb::Action(a),
        _ => return err(&NitroError::e599(1240, "Invalid nitro action or operation")),
    };
    if verb == Verb::Save {
        if schema.name != "nsconfig" {
            return err(&NitroError::e599(1240, "Invalid nitro action or operation"));
        }
        if faults.take_save_busy() {
            return err(&NitroError::e599(293, "Operation already in progress"));
        }
        store.configchanged = false;
        return ok(200);
    }
    if store.switches.ha_secondary {
        return err(&NitroError::e599(
            1028,
            "You are connected to a secondary node; configuration changes made in this session will not be propagated to, or saved on, other nodes",
        ));
    }
    // Items: from the body (object or array), or from the path name and args for DELETE.
    let items: Vec<Obj>;
    let bulk;
    if method == "DELETE" {
        let mut o = Obj::new();
        if let Some(n) = name {
            o.insert(schema.primary().into(), json!(n));
        }
        for (k, v) in q.kv("args") {
            o.insert(k, json!(v));
        }
        items = vec![o];
        bulk = false;
    } else {
        let parsed: Value = if body.iter().all(u8::is_ascii_whitespace) {
            if matches!(verb, Verb::Action(_)) {
                json!({ schema.name: {} })
            } else {
                return err(&NitroError::e599(1233, "Invalid JSON input"));
            }
        } else {
            match serde_json::from_slice(body) {
                Ok(v) => v,
                Err(_) => return err(&NitroError::e599(1233, "Invalid JSON input")),
            }
        };
        let Some(inner) = parsed.get(schema.name) else {
            return err(&NitroError::e599(1232, "Invalid object name"));
        };
        let fill = |mut o: Obj| {
            if let Some(n) = name {
                o.entry(schema.primary().to_string()).or_insert(json!(n));
            }
            o
        };
        match inner {
            Value::Object(o) => {
                items = vec![fill(o.clone())];
                bulk = false;
            }
            Value::Array(a) => {
                let mut v = Vec::new();
                for it in a {
                    match it {
                        Value::Object(o) => v.push(fill(o.clone())),
                        _ => {
                            return err(&NitroError::e599(1234, "Invalid JSON data type"));
                        }
                    }
                }
                items = v;
                bulk = true;
            }
            _ => return err(&NitroError::e599(1234, "Invalid JSON data type")),
        }
    }
    let idempotent = q.yes("idempotent");
    let is_add = verb == Verb::Add || (verb == Verb::Update && schema.is_binding());
    let run = |store: &mut Store, item: &Obj| -> Result<bool, NitroError> {
        if let Some((code, message)) = faults.item_failure(schema.name, item) {
            return Err(NitroError::e599(code, message));
        }
        let r = apply(store, schema, verb, item, idempotent);
        if r.is_ok() {
            store.configchanged = true;
        }
        r
    };
    if !bulk {
        return match run(store, &items[0]) {
            Ok(created) => ok(if created && is_add { 201 } else { 200 }),
            Err(e) => err(&e),
        };
    }
    let policy = onerror.unwrap_or("exit").to_ascii_lowercase();
    if policy == "rollback" && !is_add {
        return err(&NitroError::e599(
            1242,
            "Rollback not supported for this action",
        ));
    }
    let snapshot = (policy == "rollback").then(|| store.clone());
    let mut results = Vec::new();
    let mut failed = false;
    for item in &items {
        let r = run(store, item);
        let stop = r.is_err() && policy != "continue";
        failed |= r.is_err();
        results.push(r);
        if stop {
            break;
        }
    }
    if !failed {
        return ok(if is_add { 201 } else { 200 });
    }
    if let Some(snap) = snapshot {
        *store = snap;
    }
    let response: Vec<Value> = results
        .iter()
        .map(|r| match r {
            Ok(_) => Value::Object(done()),
            Err(e) => error_body(e),
        })
        .collect();
    Answer {
        status: 207,
        body: json!({
            "errorcode": 1243,
            "message": "Bulk operation failed",
            "severity": "ERROR",
            "response": response,
        }),
    }
}

fn apply(
    store: &mut Store,
    schema: &'static Schema,
    verb: Verb,
    item: &Obj,
    idempotent: bool,
) -> Result<bool, NitroError> {
    match verb {
        Verb::Add => store.add(schema, item, idempotent),
        Verb::Update if schema.is_binding() => store.add(schema, item, false),
        Verb::Update => store.update(schema, item).map(|_| false),
        Verb::Delete => store.delete(schema, item).map(|_| false),
        Verb::Action(a) => store.action(schema, a, item).map(|_| false),
        Verb::Save => Ok(false),
    }
}
