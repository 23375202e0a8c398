//! Server-side printing (`meta.k8s.io` Table), which `kubectl get` asks for.

use axum::http::{HeaderMap, header};
use serde_json::{Value, json};

use super::resources::ResourceDef;

/// `Some("v1"|"v1beta1")` when the client accepts a Table.
pub(crate) fn wants_table(headers: &HeaderMap) -> Option<&'static str> {
    let accept = headers.get(header::ACCEPT)?.to_str().ok()?;
    for part in accept.split(',') {
        let params: Vec<&str> = part.split(';').map(str::trim).collect();
        if params.contains(&"as=Table") && params.contains(&"g=meta.k8s.io") {
            if params.contains(&"v=v1") {
                return Some("v1");
            }
            if params.contains(&"v=v1beta1") {
                return Some("v1beta1");
            }
        }
    }
    None
}

/// `k8s.io/apimachinery/pkg/util/duration.HumanDuration`.
pub(crate) fn human_duration(secs: i64) -> String {
    if secs < -1 {
        return "<invalid>".into();
    }
    let s = secs.max(0);
    if s < 120 {
        return format!("{s}s");
    }
    let m = s / 60;
    if m < 10 {
        return if s % 60 == 0 {
            format!("{m}m")
        } else {
            format!("{m}m{}s", s % 60)
        };
    }
    if m < 180 {
        return format!("{m}m");
    }
    let h = m / 60;
    if h < 8 {
        return if m % 60 == 0 {
            format!("{h}h")
        } else {
            format!("{h}h{}m", m % 60)
        };
    }
    if h < 48 {
        return format!("{h}h");
    }
    let d = h / 24;
    if h < 24 * 8 {
        return if h % 24 == 0 {
            format!("{d}d")
        } else {
            format!("{d}d{}h", h % 24)
        };
    }
    if h < 24 * 365 * 2 {
        return format!("{d}d");
    }
    let y = d / 365;
    if h < 24 * 365 * 8 && d % 365 != 0 {
        return format!("{y}y{}d", d % 365);
    }
    format!("{y}y")
}

fn age(obj: &Value) -> String {
    let Some(ts) = obj["metadata"]["creationTimestamp"].as_str() else {
        return "<unknown>".into();
    };
    match ts.parse::<k8s_openapi::jiff::Timestamp>() {
        Ok(t) => human_duration(super::store::now_secs() - t.as_second()),
        Err(_) => "<unknown>".into(),
    }
}

fn s(v: &Value) -> String {
    v.as_str().unwrap_or("").to_string()
}

fn or_none(v: String) -> String {
    if v.is_empty() { "<none>".into() } else { v }
}

fn node_status(obj: &Value) -> String {
    let ready = obj["status"]["conditions"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["type"] == "Ready"))
        .map(|c| c["status"].as_str().unwrap_or(""));
    let mut out = match ready {
        Some("True") => "Ready".to_string(),
        Some("False") => "NotReady".to_string(),
        _ => "Unknown".to_string(),
    };
    if obj["spec"]["unschedulable"] == true {
        out.push_str(",SchedulingDisabled");
    }
    out
}

fn node_roles(obj: &Value) -> String {
    let mut roles: Vec<String> = obj["metadata"]["labels"]
        .as_object()
        .map(|l| {
            l.keys()
                .filter_map(|k| k.strip_prefix("node-role.kubernetes.io/"))
                .filter(|r| !r.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    roles.sort();
    or_none(roles.join(","))
}

fn node_address(obj: &Value, ty: &str) -> String {
    or_none(
        obj["status"]["addresses"]
            .as_array()
            .and_then(|a| a.iter().find(|x| x["type"] == ty))
            .map(|x| s(&x["address"]))
            .unwrap_or_default(),
    )
}

fn service_external(obj: &Value) -> String {
    let spec = &obj["spec"];
    let mut ips: Vec<String> = Vec::new();
    match spec["type"].as_str().unwrap_or("") {
        "ExternalName" => return s(&spec["externalName"]),
        "LoadBalancer" => {
            if let Some(ing) = obj["status"]["loadBalancer"]["ingress"].as_array() {
                for i in ing {
                    let v = if i["ip"].is_string() {
                        s(&i["ip"])
                    } else {
                        s(&i["hostname"])
                    };
                    ips.push(v);
                }
            }
            if let Some(e) = spec["externalIPs"].as_array() {
                ips.extend(e.iter().map(s));
            }
            if ips.is_empty() {
                return "<pending>".into();
            }
        }
        _ => {
            if let Some(e) = spec["externalIPs"].as_array() {
                ips.extend(e.iter().map(s));
            }
        }
    }
    or_none(ips.join(","))
}

fn service_ports(obj: &Value) -> String {
    let ports: Vec<String> = obj["spec"]["ports"]
        .as_array()
        .map(|ps| {
            ps.iter()
                .map(|p| {
                    let proto = p["protocol"].as_str().unwrap_or("TCP");
                    match p["nodePort"].as_i64() {
                        Some(np) => format!("{}:{np}/{proto}", p["port"]),
                        None => format!("{}/{proto}", p["port"]),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    or_none(ports.join(","))
}

fn selector_string(v: &Value) -> String {
    or_none(
        v.as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .unwrap_or_default(),
    )
}

fn data_count(obj: &Value) -> usize {
    obj["data"].as_object().map_or(0, |m| m.len())
        + obj["binaryData"].as_object().map_or(0, |m| m.len())
}

fn slice_endpoints(obj: &Value) -> String {
    let addrs: Vec<String> = obj["endpoints"]
        .as_array()
        .map(|eps| {
            eps.iter()
                .flat_map(|e| e["addresses"].as_array().cloned().unwrap_or_default())
                .map(|a| s(&a))
                .collect()
        })
        .unwrap_or_default();
    if addrs.is_empty() {
        return "<unset>".into();
    }
    let mut out = addrs.iter().take(3).cloned().collect::<Vec<_>>().join(",");
    if addrs.len() > 3 {
        out.push_str(&format!(" + {} more...", addrs.len() - 3));
    }
    out
}

fn slice_ports(obj: &Value) -> String {
    let ports: Vec<String> = obj["ports"]
        .as_array()
        .map(|ps| {
            ps.iter()
                .filter_map(|p| p["port"].as_i64())
                .map(|p| p.to_string())
                .collect()
        })
        .unwrap_or_default();
    if ports.is_empty() {
        "<unset>".into()
    } else {
        ports.join(",")
    }
}

/// (column name, type, priority).
type Columns = &'static [(&'static str, &'static str, u8)];

fn columns(def: &ResourceDef) -> Columns {
    match def.kind {
        "Node" => &[
            ("Name", "string", 0),
            ("Status", "string", 0),
            ("Roles", "string", 0),
            ("Age", "string", 0),
            ("Version", "string", 0),
            ("Internal-IP", "string", 1),
            ("External-IP", "string", 1),
            ("OS-Image", "string", 1),
            ("Kernel-Version", "string", 1),
            ("Container-Runtime", "string", 1),
        ],
        "Service" => &[
            ("Name", "string", 0),
            ("Type", "string", 0),
            ("Cluster-IP", "string", 0),
            ("External-IP", "string", 0),
            ("Port(s)", "string", 0),
            ("Age", "string", 0),
            ("Selector", "string", 1),
        ],
        "ConfigMap" => &[
            ("Name", "string", 0),
            ("Data", "integer", 0),
            ("Age", "string", 0),
        ],
        "Secret" => &[
            ("Name", "string", 0),
            ("Type", "string", 0),
            ("Data", "integer", 0),
            ("Age", "string", 0),
        ],
        "Namespace" => &[
            ("Name", "string", 0),
            ("Status", "string", 0),
            ("Age", "string", 0),
        ],
        "EndpointSlice" => &[
            ("Name", "string", 0),
            ("AddressType", "string", 0),
            ("Ports", "string", 0),
            ("Endpoints", "string", 0),
            ("Age", "string", 0),
        ],
        "Lease" => &[
            ("Name", "string", 0),
            ("Holder", "string", 0),
            ("Age", "string", 0),
        ],
        _ => &[("Name", "string", 0), ("Age", "string", 0)],
    }
}

fn cells(def: &ResourceDef, o: &Value) -> Vec<Value> {
    let name = json!(s(&o["metadata"]["name"]));
    let age = json!(age(o));
    match def.kind {
        "Node" => {
            let info = &o["status"]["nodeInfo"];
            vec![
                name,
                json!(node_status(o)),
                json!(node_roles(o)),
                age,
                json!(s(&info["kubeletVersion"])),
                json!(node_address(o, "InternalIP")),
                json!(node_address(o, "ExternalIP")),
                json!(or_none(s(&info["osImage"]))),
                json!(or_none(s(&info["kernelVersion"]))),
                json!(or_none(s(&info["containerRuntimeVersion"]))),
            ]
        }
        "Service" => vec![
            name,
            json!(s(&o["spec"]["type"])),
            json!(or_none(s(&o["spec"]["clusterIP"]))),
            json!(service_external(o)),
            json!(service_ports(o)),
            age,
            json!(selector_string(&o["spec"]["selector"])),
        ],
        "ConfigMap" => vec![name, json!(data_count(o)), age],
        "Secret" => vec![name, json!(s(&o["type"])), json!(data_count(o)), age],
        "Namespace" => vec![name, json!(s(&o["status"]["phase"])), age],
        "EndpointSlice" => vec![
            name,
            json!(s(&o["addressType"])),
            json!(slice_ports(o)),
            json!(slice_endpoints(o)),
            age,
        ],
        "Lease" => vec![name, json!(or_none(s(&o["spec"]["holderIdentity"]))), age],
        _ => vec![name, age],
    }
}

/// Render objects as a `meta.k8s.io` Table.
pub(crate) fn render(
    def: &ResourceDef,
    objs: &[Value],
    list_meta: Value,
    version: &str,
    include_object: Option<&str>,
) -> Value {
    let cols: Vec<Value> = columns(def)
        .iter()
        .map(|(n, ty, prio)| {
            let mut c =
                json!({"name": n, "type": ty, "format": "", "description": "", "priority": prio});
            if *n == "Name" {
                c["format"] = json!("name");
                c["description"] = json!("Name must be unique within a namespace.");
            }
            c
        })
        .collect();
    let rows: Vec<Value> = objs
        .iter()
        .map(|o| {
            let mut row = json!({"cells": cells(def, o)});
            match include_object {
                Some("None") => {}
                Some("Object") => row["object"] = o.clone(),
                _ => {
                    row["object"] = json!({
                        "kind": "PartialObjectMetadata",
                        "apiVersion": "meta.k8s.io/v1",
                        "metadata": o["metadata"].clone(),
                    });
                }
            }
            row
        })
        .collect();
    json!({
        "kind": "Table",
        "apiVersion": format!("meta.k8s.io/{version}"),
        "metadata": list_meta,
        "columnDefinitions": cols,
        "rows": rows,
    })
}

#[cfg(test)]
mod tests {
    use super::human_duration;

    #[test]
    fn durations() {
        assert_eq!(human_duration(5), "5s");
        assert_eq!(human_duration(125), "2m5s");
        assert_eq!(human_duration(600), "10m");
        assert_eq!(human_duration(3 * 3600 + 60), "3h1m");
        assert_eq!(human_duration(10 * 3600), "10h");
        assert_eq!(human_duration(3 * 86400), "3d");
        assert_eq!(human_duration(30 * 86400), "30d");
    }
}
