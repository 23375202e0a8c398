//! The object store: objects by (resource, namespace, name), a global resourceVersion counter and
//! an event history that watches replay from.

use std::collections::{BTreeMap, VecDeque};

use base64::Engine as _;
use serde_json::{Map, Value, json};

use super::resources::{RESOURCES, ResourceDef};

/// (resource index, namespace or `""`, name); a `BTreeMap` over it lists in namespace/name order.
pub(crate) type Key = (usize, String, String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EventType {
    Added,
    Modified,
    Deleted,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Event {
    pub rv: u64,
    pub res: usize,
    pub kind: EventType,
    /// The object after the change (for DELETED: the last state with the deletion's RV).
    pub obj: Value,
    /// The object before the change, for selector transitions.
    pub prev: Option<Value>,
}

const MAX_HISTORY: usize = 50_000;

#[derive(Debug)]
pub(crate) struct Store {
    objects: BTreeMap<Key, Value>,
    rv: u64,
    history: VecDeque<Event>,
    /// Events with an RV at or below this are gone: a watch must start at or above it.
    compacted_rv: u64,
    next_cluster_ip: u32,
    next_node_port: u32,
}

pub(crate) fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))
}

pub(crate) fn now_rfc3339() -> String {
    k8s_openapi::jiff::Timestamp::from_second(now_secs())
        .map(|t| t.to_string())
        .unwrap_or_default()
}

pub(crate) fn new_uid() -> String {
    let b: [u8; 16] = rand::random();
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-4{}-{}{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        ["8", "9", "a", "b"][(b[8] & 3) as usize],
        &h[17..20],
        &h[20..32]
    )
}

/// RFC 7386 JSON merge patch.
pub(crate) fn merge_patch(target: &mut Value, patch: &Value) {
    match patch {
        Value::Object(p) => {
            if !target.is_object() {
                *target = Value::Object(Map::new());
            }
            let t = target.as_object_mut().expect("object");
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        other => *target = other.clone(),
    }
}

pub(crate) fn name_of(obj: &Value) -> &str {
    obj["metadata"]["name"].as_str().unwrap_or("")
}

pub(crate) fn rv_of(obj: &Value) -> Option<u64> {
    obj["metadata"]["resourceVersion"]
        .as_str()
        .and_then(|s| s.parse().ok())
}

/// Everything but metadata and status, for generation bumps.
fn spec_part(obj: &Value) -> Value {
    let mut o = obj.clone();
    if let Some(m) = o.as_object_mut() {
        m.remove("metadata");
        m.remove("status");
    }
    o
}

fn meta_mut(obj: &mut Value) -> &mut Map<String, Value> {
    if !obj["metadata"].is_object() {
        obj["metadata"] = json!({});
    }
    obj["metadata"].as_object_mut().expect("metadata object")
}

impl Store {
    pub fn new() -> Store {
        let mut s = Store {
            objects: BTreeMap::new(),
            rv: 0,
            history: VecDeque::new(),
            compacted_rv: 0,
            next_cluster_ip: 1,
            next_node_port: 30000,
        };
        let ns = super::resources::by_plural("", "v1", "namespaces").expect("namespaces");
        for name in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            let obj = s.prepare(ns, json!({"metadata": {"name": name}}), None, None);
            s.put(ns, obj);
        }
        s
    }

    pub fn rv(&self) -> u64 {
        self.rv
    }

    pub fn compacted_rv(&self) -> u64 {
        self.compacted_rv
    }

    pub fn get(&self, res: usize, ns: &str, name: &str) -> Option<&Value> {
        self.objects.get(&(res, ns.to_string(), name.to_string()))
    }

    /// Objects of one resource (optionally one namespace), namespace/name order.
    pub fn list(&self, res: usize, ns: Option<&str>) -> Vec<(&Key, &Value)> {
        let lo = (res, ns.unwrap_or("").to_string(), String::new());
        self.objects
            .range(lo..)
            .take_while(|(k, _)| k.0 == res && ns.is_none_or(|n| k.1 == n))
            .collect()
    }

    /// Complete an object about to be stored: apiVersion/kind, namespace, uid,
    /// creationTimestamp, generation and the defaults a real server fills in.
    pub fn prepare(
        &mut self,
        res: usize,
        mut obj: Value,
        ns: Option<&str>,
        existing: Option<&Value>,
    ) -> Value {
        let def: &ResourceDef = &RESOURCES[res];
        if !obj.is_object() {
            obj = json!({});
        }
        let o = obj.as_object_mut().expect("object");
        o.insert("apiVersion".into(), json!(def.api_version()));
        o.insert("kind".into(), json!(def.kind));
        // kind, apiVersion, metadata first, like a real server
        let mut ordered = Map::new();
        for k in ["kind", "apiVersion", "metadata"] {
            if let Some(v) = o.remove(k) {
                ordered.insert(k.to_string(), v);
            }
        }
        ordered.append(o);
        obj = Value::Object(ordered);
        let spec = spec_part(&obj);
        let m = meta_mut(&mut obj);
        if def.namespaced {
            m.insert("namespace".into(), json!(ns.unwrap_or("default")));
        } else {
            m.remove("namespace");
        }
        m.remove("resourceVersion");
        m.remove("selfLink");
        match existing {
            Some(old) => {
                for k in ["uid", "creationTimestamp"] {
                    if let Some(v) = old["metadata"].get(k) {
                        m.insert(k.into(), v.clone());
                    }
                }
                if let Some(g) = old["metadata"]["generation"].as_i64() {
                    let bump = spec != spec_part(old);
                    m.insert("generation".into(), json!(if bump { g + 1 } else { g }));
                }
            }
            None => {
                if !m.get("uid").is_some_and(Value::is_string) {
                    m.insert("uid".into(), json!(new_uid()));
                }
                if !m.get("creationTimestamp").is_some_and(Value::is_string) {
                    m.insert("creationTimestamp".into(), json!(now_rfc3339()));
                }
                if def.kind == "EndpointSlice" && !m.contains_key("generation") {
                    m.insert("generation".into(), json!(1));
                }
            }
        }
        self.default_fields(def, &mut obj);
        obj
    }

    fn default_fields(&mut self, def: &ResourceDef, obj: &mut Value) {
        match def.kind {
            "Namespace" => {
                let name = name_of(obj).to_string();
                let m = meta_mut(obj);
                if !m.get("labels").is_some_and(Value::is_object) {
                    m.insert("labels".into(), json!({}));
                }
                m["labels"]["kubernetes.io/metadata.name"] = json!(name);
                if obj["spec"]["finalizers"].is_null() {
                    obj["spec"] = json!({"finalizers": ["kubernetes"]});
                }
                if obj["status"]["phase"].is_null() {
                    obj["status"] = json!({"phase": "Active"});
                }
            }
            "Secret" => {
                if let Some(sd) = obj.as_object_mut().and_then(|o| o.remove("stringData"))
                    && let Some(sd) = sd.as_object()
                {
                    if !obj["data"].is_object() {
                        obj["data"] = json!({});
                    }
                    for (k, v) in sd {
                        let raw = v.as_str().unwrap_or("");
                        obj["data"][k] =
                            json!(base64::engine::general_purpose::STANDARD.encode(raw));
                    }
                }
                if obj["type"].is_null() {
                    obj["type"] = json!("Opaque");
                }
            }
            "Service" => {
                if !obj["spec"].is_object() {
                    obj["spec"] = json!({});
                }
                let spec = &mut obj["spec"];
                if spec["type"].is_null() {
                    spec["type"] = json!("ClusterIP");
                }
                let ty = spec["type"].as_str().unwrap_or("ClusterIP").to_string();
                if spec["sessionAffinity"].is_null() {
                    spec["sessionAffinity"] = json!("None");
                }
                if ty != "ExternalName" {
                    if spec["clusterIP"].is_null() {
                        let n = self.next_cluster_ip;
                        self.next_cluster_ip += 1;
                        spec["clusterIP"] =
                            json!(format!("10.96.{}.{}", (n >> 8) & 0xff, n & 0xff));
                    }
                    if spec["clusterIPs"].is_null() {
                        spec["clusterIPs"] = json!([spec["clusterIP"].clone()]);
                    }
                    if spec["ipFamilies"].is_null() {
                        spec["ipFamilies"] = json!(["IPv4"]);
                    }
                    if spec["ipFamilyPolicy"].is_null() {
                        spec["ipFamilyPolicy"] = json!("SingleStack");
                    }
                    if spec["internalTrafficPolicy"].is_null() {
                        spec["internalTrafficPolicy"] = json!("Cluster");
                    }
                }
                let wants_node_port = ty == "NodePort" || ty == "LoadBalancer";
                if wants_node_port && spec["externalTrafficPolicy"].is_null() {
                    spec["externalTrafficPolicy"] = json!("Cluster");
                }
                if let Some(ports) = spec["ports"].as_array_mut() {
                    for p in ports {
                        if p["protocol"].is_null() {
                            p["protocol"] = json!("TCP");
                        }
                        if p["targetPort"].is_null() && !p["port"].is_null() {
                            p["targetPort"] = p["port"].clone();
                        }
                        if wants_node_port && p["nodePort"].is_null() {
                            p["nodePort"] = json!(self.next_node_port);
                            self.next_node_port += 1;
                        }
                    }
                }
                if obj["status"].is_null() {
                    obj["status"] = json!({"loadBalancer": {}});
                }
            }
            _ => {}
        }
    }

    fn record(&mut self, ev: Event) {
        self.history.push_back(ev);
        while self.history.len() > MAX_HISTORY {
            if let Some(old) = self.history.pop_front() {
                self.compacted_rv = old.rv;
            }
        }
    }

    /// Store a prepared object under a new resourceVersion; returns the event type and the
    /// stored object.
    pub fn put(&mut self, res: usize, mut obj: Value) -> (EventType, Value) {
        self.rv += 1;
        meta_mut(&mut obj).insert("resourceVersion".into(), json!(self.rv.to_string()));
        let ns = obj["metadata"]["namespace"]
            .as_str()
            .unwrap_or("")
            .to_string();
        let key = (res, ns, name_of(&obj).to_string());
        let prev = self.objects.insert(key, obj.clone());
        let kind = if prev.is_some() {
            EventType::Modified
        } else {
            EventType::Added
        };
        self.record(Event {
            rv: self.rv,
            res,
            kind,
            obj: obj.clone(),
            prev,
        });
        (kind, obj)
    }

    /// Remove an object; the returned (and DELETED-event) object carries the deletion's RV.
    pub fn remove(&mut self, res: usize, ns: &str, name: &str) -> Option<Value> {
        let mut obj = self
            .objects
            .remove(&(res, ns.to_string(), name.to_string()))?;
        self.rv += 1;
        meta_mut(&mut obj).insert("resourceVersion".into(), json!(self.rv.to_string()));
        self.record(Event {
            rv: self.rv,
            res,
            kind: EventType::Deleted,
            obj: obj.clone(),
            prev: None,
        });
        Some(obj)
    }

    /// Events after `rv`, or `None` when that part of the history was compacted.
    pub fn events_after(&self, rv: u64) -> Option<impl Iterator<Item = &Event>> {
        if rv < self.compacted_rv {
            return None;
        }
        let start = self.history.partition_point(|e| e.rv <= rv);
        Some(self.history.range(start..))
    }

    /// Forget the whole event history: any watch from an older RV gets 410 Gone.
    pub fn compact(&mut self) {
        self.history.clear();
        self.compacted_rv = self.rv;
    }
}
