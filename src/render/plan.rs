//! The plan: the JSON document (`kind: Plan`, also the plan file), the table views and the
//! NetScaler CLI lines.

use super::{diagnostics_table, table, table_text, to_json, to_yaml};
use crate::cli::PlanOutput;
use crate::error::{Error, Result};
use crate::model::fingerprint::InputDigests;
use crate::model::{
    ANN_BACKEND_DATA, ANN_PUBLIC_IP, AdcNode, AdcObject, Desired, Diagnostic, LABEL_CLUSTER, Level,
    Mode, ModelSettings, OwnedScope, ResourceKind, ServiceScope, SubjectKind,
};
use crate::settings::{model_values, parse_model_values};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::Path;

/// The model settings as a plan records them: config keys (`vxlan.id` nested as
/// `vxlan: {id}`), text values, numbers for the VXLAN id and port, null when unset.
pub fn settings_json(settings: &ModelSettings) -> Value {
    let mut out = serde_json::Map::new();
    for (key, _, value) in model_values(settings) {
        let value = match (key.starts_with("vxlan."), value) {
            (_, None) => Value::Null,
            (false, Some(v)) if key == "services" => Value::Bool(v == "true"),
            (true, Some(v)) => v
                .parse::<u64>()
                .map(Value::from)
                .unwrap_or(Value::String(v)),
            (false, Some(v)) => Value::String(v),
        };
        match key.split_once('.') {
            Some((section, field)) => {
                out.entry(section)
                    .or_insert_with(|| json!({}))
                    .as_object_mut()
                    .expect("a settings section is an object")
                    .insert(field.into(), value);
            }
            None => {
                out.insert(key.into(), value);
            }
        }
    }
    Value::Object(out)
}

/// Reads settings written by [`settings_json`].
pub fn settings_from_json(v: &Value) -> std::result::Result<ModelSettings, String> {
    parse_model_values(|key| {
        let value = match key.split_once('.') {
            Some((section, field)) => &v[section][field],
            None => &v[key],
        };
        match value {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    })
    .map_err(|e| format!("settings: {e}"))
}

/// The plan document of SPEC §6.1, plus `settings` (the model settings it was made with, so
/// `apply PLAN` needs none), `scope` and per-input digests (`inputs`) so `apply PLAN` can
/// compute the owned scope and name what moved in a stale plan.
pub fn document(desired: &Desired, digests: &InputDigests, settings: &ModelSettings) -> Value {
    let scope = OwnedScope::of(desired);
    let mut scope_json = json!({
        "clusterCidr": scope.cluster_cidr.to_string(),
        "vni": scope.vni,
        "overlayIp": scope.overlay_ip.map(|i| i.to_string()),
    });
    if let Some(s) = &scope.services {
        scope_json["services"] = json!({ "marker": s.marker });
    }
    json!({
        "formatVersion": 1,
        "kind": "Plan",
        "cluster": desired.cluster,
        "mode": desired.mode,
        "inputsFingerprint": digests.fingerprint(),
        "adc": desired.adc.iter().map(|o| json!({
            "resource": o.kind.resource(),
            "attributes": o.to_json(),
        })).collect::<Vec<_>>(),
        "cluster_objects": desired.adc_node.iter().map(AdcNode::to_json).collect::<Vec<_>>(),
        "diagnostics": desired.diagnostics,
        "settings": settings_json(settings),
        "scope": scope_json,
        "inputs": digests,
    })
}

/// A plan file read back: what `apply PLAN` needs.
#[derive(Debug)]
pub struct PlanFile {
    pub cluster: String,
    pub scope: OwnedScope,
    pub adc: Vec<AdcObject>,
    pub adc_node: Option<AdcNode>,
    pub fingerprint: String,
    pub inputs: InputDigests,
    /// The model settings the plan was made with; `None` in plans written before plans
    /// carried them (their settings are given again on the command line).
    pub settings: Option<ModelSettings>,
}

fn plan_err(path: &Path, what: impl std::fmt::Display) -> Error {
    Error::usage(format!("plan file {}: {what}", path.display()))
}

impl PlanFile {
    pub fn read(path: &Path) -> Result<PlanFile> {
        let text = std::fs::read_to_string(path).map_err(|e| plan_err(path, e))?;
        let v: Value =
            serde_json::from_str(&text).map_err(|e| plan_err(path, format!("not JSON: {e}")))?;
        PlanFile::from_document(&v).map_err(|e| plan_err(path, e))
    }

    pub fn from_document(v: &Value) -> std::result::Result<PlanFile, String> {
        if v["formatVersion"] != 1 || v["kind"] != "Plan" {
            return Err("not a formatVersion 1 Plan document (write one with `plan --out`)".into());
        }
        let s = |k: &str| -> std::result::Result<String, String> {
            v[k].as_str()
                .map(str::to_string)
                .ok_or_else(|| format!("{k} missing"))
        };
        let mode = match v["mode"].as_str() {
            Some("vxlan") => Mode::Vxlan,
            Some("routes") => Mode::Routes,
            _ => return Err("mode must be vxlan or routes".into()),
        };
        let sc = &v["scope"];
        let scope = OwnedScope {
            mode,
            cluster_cidr: sc["clusterCidr"]
                .as_str()
                .and_then(|c| c.parse().ok())
                .ok_or("scope.clusterCidr missing or invalid")?,
            vni: sc["vni"].as_u64().map(|n| n as u32),
            overlay_ip: sc["overlayIp"].as_str().and_then(|i| i.parse().ok()),
            // Absent in plans written before services were managed.
            services: sc["services"]["marker"]
                .as_str()
                .map(|m| ServiceScope { marker: m.into() }),
        };
        let adc = v["adc"]
            .as_array()
            .ok_or("adc missing")?
            .iter()
            .map(|o| {
                let kind = o["resource"]
                    .as_str()
                    .and_then(ResourceKind::from_resource)
                    .ok_or_else(|| format!("unknown resource {}", o["resource"]))?;
                let attrs = o["attributes"].as_object().ok_or("attributes missing")?;
                AdcObject::from_json(kind, attrs)
            })
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let cluster = s("cluster")?;
        let adc_node = match v["cluster_objects"].as_array().and_then(|a| a.first()) {
            None => None,
            Some(node) => Some(adc_node_from_json(node, &cluster)?),
        };
        Ok(PlanFile {
            cluster,
            scope,
            adc,
            adc_node,
            fingerprint: s("inputsFingerprint")?,
            inputs: serde_json::from_value(v["inputs"].clone())
                .map_err(|e| format!("inputs: {e}"))?,
            settings: match &v["settings"] {
                Value::Null => None,
                settings => Some(settings_from_json(settings)?),
            },
        })
    }
}

fn adc_node_from_json(node: &Value, cluster: &str) -> std::result::Result<AdcNode, String> {
    let meta = &node["metadata"];
    let data: Value = meta["annotations"][ANN_BACKEND_DATA]
        .as_str()
        .and_then(|d| serde_json::from_str(d).ok())
        .ok_or("cluster_objects[0]: backend-data annotation missing")?;
    Ok(AdcNode {
        name: meta["name"]
            .as_str()
            .ok_or("cluster_objects[0]: name missing")?
            .into(),
        cluster: meta["labels"][LABEL_CLUSTER]
            .as_str()
            .unwrap_or(cluster)
            .into(),
        pod_cidr: node["spec"]["podCIDR"]
            .as_str()
            .and_then(|c| c.parse().ok())
            .ok_or("cluster_objects[0]: spec.podCIDR missing")?,
        vtep_ip: meta["annotations"][ANN_PUBLIC_IP]
            .as_str()
            .and_then(|c| c.parse().ok())
            .ok_or("cluster_objects[0]: public-ip missing")?,
        vni: data["VNI"]
            .as_u64()
            .ok_or("cluster_objects[0]: VNI missing")? as u32,
        vtep_mac: data["VtepMAC"].as_str().map(str::to_string),
        record: None,
    })
}

/// One table per resource kind, in create order.
fn objects_tables(adc: &[AdcObject], wide: bool) -> String {
    let mut by_kind: BTreeMap<ResourceKind, Vec<&AdcObject>> = BTreeMap::new();
    for o in adc {
        by_kind.entry(o.kind).or_default().push(o);
    }
    let mut out = String::new();
    for (kind, objects) in by_kind {
        let mut header: Vec<&str> = kind.spec().attrs.iter().map(|a| a.name).collect();
        let subject = kind.spec().subject;
        match subject {
            SubjectKind::Node if wide => header.push("node"),
            SubjectKind::Service if wide => header.push("service"),
            _ => {}
        }
        let mut t = table(&header);
        for o in objects {
            let mut row: Vec<String> = o.attrs().map(|(_, v)| v.to_string()).collect();
            match subject {
                SubjectKind::Node if wide => {
                    row.push(o.subject.node().unwrap_or_default().to_string())
                }
                SubjectKind::Service if wide => {
                    row.push(o.subject.service_name().unwrap_or_default())
                }
                _ => {}
            }
            t.add_row(row);
        }
        out.push_str(&format!("{} ({}):\n", kind.spec().label, t.row_count()));
        out.push_str(&table_text(&t));
        out.push('\n');
    }
    out
}

/// One row per opted-in Service: its group, vserver, member mode and members (a count;
/// `wide`: the addresses).
fn services_table(desired: &Desired, wide: bool) -> String {
    let mut header = vec![
        "service",
        "servicegroup",
        "vserver",
        "members mode",
        "members",
    ];
    if wide {
        header.push("member addresses");
    }
    let mut t = table(&header);
    let mut by_group: std::collections::HashMap<String, Vec<String>> =
        std::collections::HashMap::new();
    for o in desired
        .adc
        .iter()
        .filter(|o| o.kind == ResourceKind::ServicegroupMember)
    {
        let v = |n| o.get(n).map(ToString::to_string).unwrap_or_default();
        by_group
            .entry(v("servicegroupname"))
            .or_default()
            .push(format!("{}:{}", v("ip"), v("port")));
    }
    let none = Vec::new();
    for p in &desired.planned_services {
        let members = by_group.get(&p.group).unwrap_or(&none);
        let vserver = if p.creates_vserver {
            format!("{} (created)", p.vserver)
        } else {
            p.vserver.clone()
        };
        let mut row = vec![
            p.subject.service_name().unwrap_or_default(),
            p.group.clone(),
            vserver,
            p.mode.as_str().to_string(),
            members.len().to_string(),
        ];
        if wide {
            row.push(members.join(","));
        }
        t.add_row(row);
    }
    let note = match desired
        .planned_services
        .iter()
        .any(|p| p.servicetype.is_none())
    {
        true => format!(
            "note: a group without annotation {} takes its vserver's service type once diff or apply read the ADC; until then it shows the port's protocol\n",
            crate::model::services::ANN_SERVICETYPE
        ),
        false => String::new(),
    };
    format!("services ({}):\n{}{note}\n", t.row_count(), table_text(&t))
}

fn node_table(node: &AdcNode, wide: bool) -> String {
    let mut header = vec!["name", "pod cidr", "public ip", "vni", "vtep mac"];
    if wide {
        header.push("taints");
    }
    let mut t = table(&header);
    let mut row = vec![
        node.name.clone(),
        node.pod_cidr.to_string(),
        node.vtep_ip.to_string(),
        node.vni.to_string(),
        node.vtep_mac.clone().unwrap_or_else(|| "auto".into()),
    ];
    if wide {
        row.push(
            "node.kubernetes.io/unschedulable:NoSchedule,kubectl-netscaler.io/adc:NoExecute".into(),
        );
    }
    t.add_row(row);
    format!("cluster Node (1):\n{}\n", table_text(&t))
}

fn summary(desired: &Desired) -> String {
    let warnings = desired
        .diagnostics
        .iter()
        .filter(|d| d.level == Level::Warning)
        .count();
    let skipped: std::collections::BTreeSet<&str> = desired
        .diagnostics
        .iter()
        .filter(|d| d.reason != "DualStack")
        .filter_map(|d| d.subject.node())
        .collect();
    let vni = desired
        .vxlan
        .as_ref()
        .map(|v| format!(", VNI {}, port {}", v.vni, v.port))
        .unwrap_or_default();
    format!(
        "Plan for cluster {} ({} mode{vni}, cluster CIDR {}): {} planned, {} skipped, {}; {}, {}.\n",
        desired.cluster,
        desired.mode.as_str(),
        desired.cluster_cidr,
        count(desired.planned_nodes, "node"),
        skipped.len(),
        count(warnings, "warning"),
        count(desired.adc.len(), "ADC object"),
        count(usize::from(desired.adc_node.is_some()), "cluster object"),
    )
}

/// `1 node`, `2 nodes`.
fn count(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// NetScaler CLI lines in create order.
pub fn commands(adc: &[AdcObject]) -> String {
    let mut out = String::with_capacity(adc.len() * 64);
    for o in adc {
        out.push_str(&o.cli_add());
        out.push('\n');
    }
    out
}

/// Renders the plan in the chosen format.
pub fn render(
    desired: &Desired,
    digests: &InputDigests,
    settings: &ModelSettings,
    output: PlanOutput,
) -> String {
    match output {
        PlanOutput::Json => to_json(&document(desired, digests, settings)),
        PlanOutput::Yaml => to_yaml(&document(desired, digests, settings)),
        PlanOutput::Commands => commands(&desired.adc),
        PlanOutput::Table | PlanOutput::Wide => {
            let wide = output == PlanOutput::Wide;
            let mut out = objects_tables(&desired.adc, wide);
            if let Some(n) = &desired.adc_node {
                out.push_str(&node_table(n, wide));
            }
            if !desired.planned_services.is_empty() {
                out.push_str(&services_table(desired, wide));
            }
            if !desired.diagnostics.is_empty() {
                out.push_str(&format!("diagnostics ({}):\n", desired.diagnostics.len()));
                out.push_str(&diagnostics_table(&desired.diagnostics));
                out.push('\n');
            }
            out.push_str(&summary(desired));
            out
        }
    }
}

/// Diagnostics that `--strict` turns into an error: warnings (info-level skips such as the
/// ADC's own Node object are expected and never fail a run).
pub fn strict_failures(diags: &[Diagnostic]) -> Vec<&Diagnostic> {
    diags.iter().filter(|d| d.level == Level::Warning).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(scope: Value) -> Value {
        json!({
            "formatVersion": 1,
            "kind": "Plan",
            "cluster": "prod",
            "mode": "routes",
            "inputsFingerprint": "sha256:0",
            "adc": [{
                "resource": "servicegroup",
                "attributes": {
                    "servicegroupname": "k8s-prod-shop-Cart-80",
                    "servicetype": "http",
                    "comment": "managed-by=kubectl-netscaler cluster=prod",
                },
            }],
            "scope": scope,
            "inputs": {"nodes": {}, "netConf": "sha256:1"},
        })
    }

    #[test]
    fn a_plan_scope_carries_services_independent_of_the_mode() {
        let with = PlanFile::from_document(&plan(json!({
            "clusterCidr": "10.244.0.0/16",
            "vni": null,
            "overlayIp": null,
            "services": {"marker": "managed-by=kubectl-netscaler cluster=prod"},
        })))
        .unwrap();
        assert_eq!(with.scope.mode, Mode::Routes);
        assert_eq!(with.scope.services, Some(ServiceScope::for_cluster("prod")));
        assert_eq!(
            with.adc,
            [AdcObject::servicegroup(
                "k8s-prod-shop-Cart-80",
                "HTTP",
                "managed-by=kubectl-netscaler cluster=prod"
            )]
        );
        // A plan written before services were managed reads as one without.
        let without = PlanFile::from_document(&plan(json!({
            "clusterCidr": "10.244.0.0/16",
            "vni": null,
            "overlayIp": null,
        })))
        .unwrap();
        assert_eq!(without.scope.services, None);
        assert!(
            without.settings.is_none(),
            "an older plan carries no settings"
        );
    }

    #[test]
    fn the_settings_a_plan_carries_read_back_as_they_were() {
        let settings = ModelSettings {
            cluster: "prod".into(),
            mode: crate::model::ModeSetting::Vxlan,
            vxlan_id: Some(7),
            vxlan_port: None,
            vtep_ip: Some("192.0.2.10".parse().unwrap()),
            vtep_mac: crate::model::VtepMacSetting::Auto,
            adc_pod_cidr: Some("10.244.254.0/24".parse().unwrap()),
            overlay_ip: None,
            cluster_cidr: Some("10.244.0.0/16".parse().unwrap()),
            node_selector: Some(crate::model::selector::LabelSelector::parse("pool=web").unwrap()),
            node_address_type: "InternalIP".into(),
            not_ready: crate::model::NotReadyPolicy::Remove,
            services: true,
        };
        let json = settings_json(&settings);
        assert_eq!(json["vxlan"], json!({"id": 7, "port": null}));
        assert_eq!(json["vtepMac"], "auto");
        assert_eq!(json["notReady"], "remove");
        let mut doc = plan(json!({"clusterCidr": "10.244.0.0/16", "vni": 7, "overlayIp": null}));
        doc["settings"] = json;
        let back = PlanFile::from_document(&doc).unwrap().settings.unwrap();
        assert_eq!(model_values(&back), model_values(&settings));
    }
}
