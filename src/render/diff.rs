//! The change list: `+ ~ -` lines with the changed fields and a summary line (table), or the
//! `kind: Diff` document of SPEC §6.1 (JSON/YAML).

use super::{paint, to_json, to_yaml};
use crate::cli::DiffOutput;
use crate::model::{Change, ChangeSet, NodeChange, Op, Subject};
use serde_json::{Value, json};

fn change_json(c: &Change) -> Value {
    json!({
        "op": c.op,
        "resource": c.key.kind.resource(),
        "key": c.key.to_json(),
        "before": c.before.as_ref().map(|o| o.to_json()),
        "after": c.after.as_ref().map(|o| o.to_json()),
    })
}

fn node_json(n: &NodeChange) -> Value {
    json!({
        "op": n.op,
        "resource": "node",
        "key": {"name": n.name},
        "before": n.before,
        "after": n.after,
    })
}

/// The `kind: Diff` document.
pub fn document(cs: &ChangeSet) -> Value {
    let mut changes: Vec<Value> = cs.changes.iter().map(change_json).collect();
    changes.extend(cs.node.iter().map(node_json));
    json!({
        "formatVersion": 1,
        "kind": "Diff",
        "changes": changes,
        "summary": cs.summary(),
    })
}

fn op_color(op: Op) -> &'static str {
    match op {
        Op::Add => "32",
        Op::Update => "33",
        Op::Delete => "31",
    }
}

/// One line per change, e.g.
/// `~ arp ipaddress=10.244.1.0: mac 0a:58:0a:f4:01:99 -> 0a:58:0a:f4:01:00 (node n1)`.
pub fn change_line(c: &Change, color: bool) -> String {
    let mut line = format!("{} {}", c.op.symbol(), c.key);
    match c.op {
        Op::Add => {
            let rest: Vec<String> = c
                .after
                .iter()
                .flat_map(|o| o.attrs().skip(o.spec().key_len))
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            if !rest.is_empty() {
                line.push_str(&format!(" {}", rest.join(" ")));
            }
        }
        Op::Update => {
            let (b, a) = (c.before.as_ref(), c.after.as_ref());
            let parts: Vec<String> = c
                .fields
                .iter()
                .map(|f| {
                    let get = |o: Option<&crate::model::AdcObject>| {
                        o.and_then(|o| o.get(f))
                            .map(ToString::to_string)
                            .unwrap_or_default()
                    };
                    format!("{f} {} -> {}", get(b), get(a))
                })
                .collect();
            line.push_str(&format!(": {}", parts.join(", ")));
            if c.is_replace() {
                line.push_str(" (delete + add)");
            }
        }
        Op::Delete => {}
    }
    if *c.subject() != Subject::Cluster {
        line.push_str(&format!(" ({})", c.subject()));
    }
    paint(color, op_color(c.op), &line)
}

/// The value of a changed Node field (`metadata.annotations.<key>`, `spec.<key>`) in the
/// managed fields `fields`, as shown in a change line: strings bare, anything else as JSON,
/// `<none>` when absent.
fn node_field_value(fields: Option<&Value>, field: &str) -> String {
    let value = fields.and_then(|f| {
        for section in ["labels", "annotations"] {
            if let Some(key) = field.strip_prefix(&format!("metadata.{section}.")) {
                return f[section].get(key);
            }
        }
        f["spec"].get(field.strip_prefix("spec.")?)
    });
    match value {
        None | Some(Value::Null) => "<none>".into(),
        Some(Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
    }
}

fn node_line(n: &NodeChange, color: bool) -> String {
    let mut line = format!("{} node {}", n.op.symbol(), n.name);
    if n.op == Op::Update {
        let parts: Vec<String> = n
            .fields
            .iter()
            .map(|f| {
                format!(
                    "{f} {} -> {}",
                    node_field_value(n.before.as_ref(), f),
                    node_field_value(n.after.as_ref(), f)
                )
            })
            .collect();
        line.push_str(&format!(": {}", parts.join(", ")));
    }
    line.push_str(" (cluster)");
    paint(color, op_color(n.op), &line)
}

/// The summary line.
pub fn summary_line(cs: &ChangeSet) -> String {
    let s = cs.summary();
    if cs.is_empty() {
        "No changes: the ADC and the cluster match the plan.".into()
    } else {
        format!(
            "Summary: {} to add, {} to update, {} to delete.",
            s.add, s.update, s.delete
        )
    }
}

/// At most this many addresses of one sign are listed on a group's member line.
const MEMBERS_SHOWN: usize = 10;

/// Lists `items`, at most [`MEMBERS_SHOWN`] of them and how many more.
fn some_of(items: &[String]) -> String {
    let mut text = items
        .iter()
        .take(MEMBERS_SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > MEMBERS_SHOWN {
        text.push_str(&format!(" and {} more", items.len() - MEMBERS_SHOWN));
    }
    text
}

/// The change lines of the table: one per change, except that the members a group gains and
/// loses are one line per group, and the servers NITRO made for members that go are one line
/// (a rollout of one Service is a few lines, not one per pod; `-o json` lists every change).
fn table_lines(cs: &ChangeSet, color: bool) -> Vec<String> {
    use crate::model::{ResourceKind, Value as V};
    use std::collections::BTreeMap;
    let is_member =
        |c: &Change| c.key.kind == ResourceKind::ServicegroupMember && c.op != Op::Update;
    let is_server = |c: &Change| c.key.kind == ResourceKind::Server && c.op == Op::Delete;
    // Group name → (added, removed, subject), in the order of the change set.
    let mut groups: BTreeMap<String, (Vec<String>, Vec<String>, Subject)> = BTreeMap::new();
    let mut servers = Vec::new();
    for c in &cs.changes {
        if is_member(c) {
            let o = c
                .after
                .as_ref()
                .or(c.before.as_ref())
                .expect("a member change has an object");
            let addr = match (o.get("ip"), o.get("port")) {
                (Some(V::Ip(ip)), Some(port)) => format!("{ip}:{port}"),
                _ => c.key.to_string(),
            };
            let entry = groups
                .entry(c.key.values[0].to_string())
                .or_insert_with(|| (Vec::new(), Vec::new(), Subject::Cluster));
            // What a removed member was for is not read from the ADC; an added one says.
            if entry.2 == Subject::Cluster {
                entry.2 = c.subject().clone();
            }
            match c.op {
                Op::Add => entry.0.push(addr),
                _ => entry.1.push(addr),
            }
        } else if is_server(c) {
            servers.push(c.key.values[0].to_string());
        }
    }
    let mut lines = Vec::new();
    let (mut groups_done, mut servers_done) = (false, false);
    for c in &cs.changes {
        if is_member(c) {
            if !std::mem::replace(&mut groups_done, true) {
                for (group, (added, removed, subject)) in &groups {
                    let (op, mut parts) = match (added.is_empty(), removed.is_empty()) {
                        (false, true) => (Op::Add, Vec::new()),
                        (true, false) => (Op::Delete, Vec::new()),
                        _ => (Op::Update, Vec::new()),
                    };
                    if !added.is_empty() {
                        parts.push(format!("+{} ({})", added.len(), some_of(added)));
                    }
                    if !removed.is_empty() {
                        parts.push(format!("-{} ({})", removed.len(), some_of(removed)));
                    }
                    let mut line = format!(
                        "{} members of servicegroup {group}: {}",
                        op.symbol(),
                        parts.join(", ")
                    );
                    if *subject != Subject::Cluster {
                        line.push_str(&format!(" ({subject})"));
                    }
                    lines.push(paint(color, op_color(op), &line));
                }
            }
        } else if is_server(c) {
            if !std::mem::replace(&mut servers_done, true) {
                let line = format!(
                    "- {} {} (NITRO made {} for members; no binding uses {} any more)",
                    if servers.len() == 1 {
                        "server"
                    } else {
                        "servers"
                    },
                    some_of(&servers),
                    if servers.len() == 1 { "it" } else { "them" },
                    if servers.len() == 1 { "it" } else { "them" },
                );
                lines.push(paint(color, op_color(Op::Delete), &line));
            }
        } else {
            lines.push(change_line(c, color));
        }
    }
    lines
}

/// Renders the change set in the chosen format.
pub fn render(cs: &ChangeSet, output: DiffOutput, color: bool) -> String {
    match output {
        DiffOutput::Json => to_json(&document(cs)),
        DiffOutput::Yaml => to_yaml(&document(cs)),
        DiffOutput::Commands => commands(cs),
        DiffOutput::Table => {
            let mut out = String::new();
            for line in table_lines(cs, color) {
                out.push_str(&line);
                out.push('\n');
            }
            if let Some(n) = &cs.node {
                out.push_str(&node_line(n, color));
                out.push('\n');
            }
            out.push_str(&summary_line(cs));
            out.push('\n');
            out
        }
    }
}

/// The ADC changes as NetScaler CLI lines an admin can paste in a change window, in the order
/// the executor runs them (deletes in reverse create order, then updates and adds; an update
/// NITRO cannot make in place is an `rm` and an `add`). The ADC's Node object is a cluster-side
/// change with no CLI line: a `#` comment says so.
pub fn commands(cs: &ChangeSet) -> String {
    let mut out = String::new();
    for step in cs.steps() {
        for o in &step.objects {
            let line = match step.op {
                Op::Add => o.cli_add(),
                Op::Delete => o.cli_rm(),
                Op::Update => {
                    let fields: Vec<&str> = cs
                        .changes
                        .iter()
                        .find(|c| c.key == o.key())
                        .map(|c| c.fields.clone())
                        .unwrap_or_default();
                    o.cli_set(&fields).unwrap_or_else(|| o.cli_add())
                }
            };
            out.push_str(&line);
            out.push('\n');
        }
    }
    if let Some(n) = &cs.node {
        out.push_str(&format!(
            "# not a NetScaler command: kubectl-netscaler also {} the cluster's Node {} (apply does it; the ADC needs it for flannel's return path)\n",
            match n.op {
                Op::Add => "creates",
                Op::Update => "updates",
                Op::Delete => "deletes",
            },
            n.name
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_the_cli_lines_in_execution_order_with_rm_and_a_node_note() {
        use crate::model::{AdcObject, Change, diff_objects};
        use std::net::Ipv4Addr;
        let route = |n: u8| {
            AdcObject::route(
                Ipv4Addr::new(10, 244, n, 0),
                Ipv4Addr::new(255, 255, 255, 0),
                Ipv4Addr::new(10, 244, n, 0),
            )
        };
        let arp = |mac: &str| {
            AdcObject::arp(
                Ipv4Addr::new(10, 244, 1, 0),
                mac,
                1,
                Ipv4Addr::new(192, 0, 2, 21),
            )
        };
        let actual = vec![route(1), route(2), arp("0a:58:0a:f4:01:00")];
        let desired = vec![route(1), route(3), arp("0a:58:0a:f4:01:99")];
        let changes: Vec<Change> = diff_objects(&desired, &actual);
        let cs = ChangeSet {
            changes,
            node: None,
        };
        let text = commands(&cs);
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines.contains(&"rm route 10.244.2.0 255.255.255.0 10.244.2.0"),
            "{text}"
        );
        assert!(
            lines.contains(&"add route 10.244.3.0 255.255.255.0 10.244.3.0"),
            "{text}"
        );
        // Deletes come first, the route add last (arp is replaced or set before it).
        assert!(lines[0].starts_with("rm "), "{text}");
        assert!(text.contains("0a:58:0a:f4:01:99"), "{text}");
        assert!(!text.contains('#'), "{text}");
    }

    #[test]
    fn a_rollout_is_one_line_per_group_and_one_for_the_servers_that_go() {
        use crate::model::{AdcObject, diff_objects};
        let member = |g: &str, ip: &str| {
            AdcObject::servicegroup_member(g, ip.parse().unwrap(), 8080, 1)
                .for_service("shop", "web")
        };
        let server = |ip: &str| AdcObject::member_server(ip.parse().unwrap());
        let g = "k8s-prod-shop-web-80";
        let h = "k8s-prod-shop-api-80";
        let mut actual = vec![
            member(g, "10.244.1.5"),
            member(g, "10.244.1.6"),
            server("10.244.1.5"),
            server("10.244.1.6"),
            member(h, "10.244.3.5"),
        ];
        actual.sort();
        let mut desired = vec![member(h, "10.244.3.5"), member(h, "10.244.3.6")];
        desired.extend((0..12).map(|i| member(g, &format!("10.244.2.{i}"))));
        desired.sort();
        let cs = ChangeSet {
            changes: diff_objects(&desired, &actual),
            node: None,
        };
        let text = render(&cs, DiffOutput::Table, false);
        assert_eq!(
            text.lines().collect::<Vec<_>>(),
            [
                "- servers 10.244.1.5, 10.244.1.6 (NITRO made them for members; no binding uses them any more)",
                "+ members of servicegroup k8s-prod-shop-api-80: +1 (10.244.3.6:8080) (service shop/web)",
                "~ members of servicegroup k8s-prod-shop-web-80: +12 (10.244.2.0:8080, 10.244.2.1:8080, 10.244.2.2:8080, 10.244.2.3:8080, 10.244.2.4:8080, 10.244.2.5:8080, 10.244.2.6:8080, 10.244.2.7:8080, 10.244.2.8:8080, 10.244.2.9:8080 and 2 more), -2 (10.244.1.5:8080, 10.244.1.6:8080) (service shop/web)",
                "Summary: 13 to add, 0 to update, 4 to delete.",
            ]
        );
    }

    #[test]
    fn a_node_update_shows_each_changed_field_before_and_after() {
        let before = json!({
            "labels": {},
            "annotations": {"flannel.alpha.coreos.com/backend-data": r#"{"VNI":1,"VtepMAC":null}"#},
            "spec": {"podCIDR": "10.244.254.0/24"},
        });
        let after = json!({
            "labels": {"kubectl-netscaler.io/cluster": "prod"},
            "annotations": {"flannel.alpha.coreos.com/backend-data": r#"{"VNI":1,"VtepMAC":"02:00:5e:00:01:01"}"#},
            "spec": {"podCIDR": "10.244.254.0/24", "unschedulable": true},
        });
        let change = NodeChange {
            op: Op::Update,
            name: "netscaler-prod".into(),
            before: Some(before),
            after: Some(after),
            fields: vec![
                "metadata.labels.kubectl-netscaler.io/cluster".into(),
                "metadata.annotations.flannel.alpha.coreos.com/backend-data".into(),
                "spec.unschedulable".into(),
            ],
            desired: None,
        };
        assert_eq!(
            node_line(&change, false),
            concat!(
                "~ node netscaler-prod: metadata.labels.kubectl-netscaler.io/cluster <none> -> prod, ",
                r#"metadata.annotations.flannel.alpha.coreos.com/backend-data {"VNI":1,"VtepMAC":null} -> {"VNI":1,"VtepMAC":"02:00:5e:00:01:01"}, "#,
                "spec.unschedulable <none> -> true (cluster)"
            )
        );
    }
}
