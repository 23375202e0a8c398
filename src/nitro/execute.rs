//! Executing a change set on the ADC: one bulk request per (resource kind, operation) in
//! dependency order (`ChangeSet::steps`), `X-NITRO-ONERROR: continue`, per-item results mapped
//! back to the objects. "Already exists" on an add and "no such resource" on a delete count as
//! done only when a read-back shows the object then ours and as desired (SPEC §4), so a rerun
//! after an interrupted run converges without duplicates while a foreign object in the way is
//! reported, never taken for done.

use super::read::read_records;
use super::{BulkOp, NitroClient, NitroError};
use crate::model::foreign::{describe_record, record_key};
use crate::model::{AdcObject, ChangeSet, Op, OwnedScope, Ownership, ResourceKind, Step, Subject};
use serde_json::{Map, Value};

/// The largest bulk request sent (items); a 5,000-node cluster is one request per kind.
pub const MAX_BATCH: usize = 5_000;

/// NITRO "Resource already exists".
const EXISTS: i64 = 273;
/// NITRO "No such resource".
const NO_SUCH: i64 = 258;
/// NITRO "Resource in use".
const IN_USE: i64 = 315;

/// Whether the same request will fail again on a plain rerun: the object is in use by
/// something this run does not remove (315), or the ADC refused the request itself (1232-1240:
/// no such type or action, malformed input), which only a fixed tool can change.
pub fn recurs(errorcode: i64) -> bool {
    matches!(errorcode, IN_USE | 1232..=1240)
}

/// An operation the ADC refused.
#[derive(Clone, Debug)]
pub struct Failure {
    pub op: Op,
    pub object: AdcObject,
    pub errorcode: i64,
    pub message: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: errorcode {} {:?}",
            self.op.symbol(),
            self.object.key(),
            self.errorcode,
            self.message
        )?;
        if let Some(hint) = hint(self.errorcode) {
            write!(f, " ({hint})")?;
        }
        if self.object.subject != Subject::Cluster {
            write!(f, " [{}]", self.object.subject)?;
        }
        Ok(())
    }
}

/// Plain words for the NITRO errors an operator is most likely to meet here.
pub fn hint(errorcode: i64) -> Option<&'static str> {
    Some(match errorcode {
        604 => {
            "the gateway is not in a subnet the ADC is connected to: add an SNIP in that network"
        }
        605 => "a static route still uses this subnet: remove the routes first",
        991 => "the gateway is the network or broadcast address of an ADC subnet",
        1013 | 1007 => "the VXLAN source IP must be an existing SNIP on the node network",
        1065 => "VXLAN is not supported on a NetScaler cluster",
        2614 => "the VXLAN is not configured",
        315 => "the object is still in use: remove what uses it first, then rerun",
        1232..=1240 => {
            "the ADC refused the request itself, so a rerun fails the same way: please report this kubectl-netscaler defect"
        }
        1028 | 368 => "this ADC is an HA secondary: point --adc-url at the primary",
        2138 => "the NITRO user is not authorised for this command",
        _ => return None,
    })
}

impl Failure {
    /// Whether a plain rerun fails the same way (see [`recurs`]).
    pub fn recurs(&self) -> bool {
        recurs(self.errorcode)
    }
}

/// What the execution did.
#[derive(Clone, Debug, Default)]
pub struct ExecOutcome {
    pub succeeded: usize,
    pub failed: Vec<Failure>,
}

fn item(o: &AdcObject, op: BulkOp) -> Map<String, Value> {
    let spec = o.spec();
    match op {
        BulkOp::Add => o.to_json(),
        BulkOp::Delete(_) => o.key().to_json(),
        BulkOp::Update => o
            .attrs()
            .enumerate()
            .filter(|(i, (name, _))| *i < spec.key_len || spec.updatable.contains(name))
            .map(|(_, (k, v))| (spec.update.attr_name(k).to_string(), v.to_json()))
            .collect(),
    }
}

/// The NITRO resource a bulk operation on `kind` goes to: an update may go to another
/// resource than the kind's own (a member's weight is set on its service group).
fn bulk_resource(kind: ResourceKind, op: BulkOp) -> &'static str {
    match op {
        BulkOp::Update => kind.spec().update.resource(kind),
        BulkOp::Add | BulkOp::Delete(_) => kind.resource(),
    }
}

fn bulk_op(op: Op, kind: ResourceKind) -> BulkOp {
    match op {
        Op::Add => BulkOp::Add,
        Op::Update => BulkOp::Update,
        Op::Delete => BulkOp::Delete(kind.spec().delete_action),
    }
}

/// Runs one step, in batches of at most [`MAX_BATCH`]. A request that fails as a whole
/// (after the client's retries) fails every item in it.
async fn run_step(
    client: &NitroClient,
    scope: &OwnedScope,
    step: &Step<'_>,
    out: &mut ExecOutcome,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<(), NitroError> {
    let op = bulk_op(step.op, step.kind);
    // Items answered "already exists" / "no such resource", checked once after the step.
    let mut unverified: Vec<(&AdcObject, i64, String)> = Vec::new();
    for batch in step.objects.chunks(MAX_BATCH) {
        let items: Vec<Map<String, Value>> = batch.iter().map(|o| item(o, op)).collect();
        let results = client
            .bulk(op, bulk_resource(step.kind, op), &items)
            .await?;
        for (i, o) in batch.iter().enumerate() {
            let (code, message) = match results.get(i) {
                Some(r) => (r.errorcode, r.message.clone()),
                None => (
                    -1,
                    "the ADC did not report a result for this item".to_string(),
                ),
            };
            let unsure = (op == BulkOp::Add && code == EXISTS)
                || (matches!(op, BulkOp::Delete(_)) && code == NO_SUCH);
            if code == 0 {
                out.succeeded += 1;
            } else if unsure {
                unverified.push((*o, code, message));
            } else {
                out.failed.push(Failure {
                    op: step.op,
                    object: (*o).clone(),
                    errorcode: code,
                    message,
                });
            }
        }
        progress(batch.len());
    }
    if !unverified.is_empty() {
        verify(client, scope, step, &unverified, out).await;
    }
    Ok(())
}

/// Reads back the records of the kind a step wrote (once per step), the way `read` reads
/// them, with the owned objects of its parent kind (for a binding owned through its parent).
async fn read_back(
    client: &NitroClient,
    scope: &OwnedScope,
    kind: ResourceKind,
) -> Result<(Vec<Map<String, Value>>, Vec<AdcObject>), NitroError> {
    let parents = match kind.spec().owner {
        Ownership::Parent { parent, .. } => {
            let recs = read_records(client, scope, parent, &[]).await?;
            scope
                .normalise(parent, &recs, &[])
                .map_err(|detail| NitroError::Unreadable {
                    kind: parent.to_string(),
                    detail,
                })?
        }
        _ => Vec::new(),
    };
    let records = read_records(client, scope, kind, &parents).await?;
    Ok((records, parents))
}

/// "Already exists" is done only when the object is then ours and as desired; "no such
/// resource" on a delete only when nothing of ours holds that key any more. Anything else is a
/// failure that names what the ADC holds.
async fn verify(
    client: &NitroClient,
    scope: &OwnedScope,
    step: &Step<'_>,
    items: &[(&AdcObject, i64, String)],
    out: &mut ExecOutcome,
) {
    let kind = step.kind;
    let (records, parents) = match read_back(client, scope, kind).await {
        Ok(r) => r,
        Err(e) => {
            for (o, code, message) in items {
                out.failed.push(Failure {
                    op: step.op,
                    object: (*o).clone(),
                    errorcode: *code,
                    message: format!(
                        "{message}; reading {kind} back to check it is ours and as desired failed ({e}), so it is not counted as done"
                    ),
                });
            }
            return;
        }
    };
    for (o, code, message) in items {
        let key = o.key();
        let same: Vec<&Map<String, Value>> = records
            .iter()
            .filter(|r| record_key(kind, r).as_ref() == Some(&key))
            .filter(|r| scope.owns_among(kind, r, &parents) || td0(r))
            .collect();
        let ours = same.iter().find(|r| scope.owns_among(kind, r, &parents));
        let problem = match step.op {
            Op::Delete => ours.map(|_| {
                format!(
                    "{message}, yet reading back shows it still there; it is not counted as done"
                )
            }),
            _ => match ours {
                Some(r) => match AdcObject::from_json(kind, r) {
                    Ok(have) if have.changed_attrs(o).is_empty() => None,
                    Ok(have) => Some(format!(
                        "{message}: the ADC holds {} with other values ({}); it is not counted as done",
                        describe_record(kind, r),
                        have.changed_attrs(o)
                            .iter()
                            .map(|a| format!(
                                "{a}={}",
                                have.get(a).map(ToString::to_string).unwrap_or_default()
                            ))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                    Err(e) => Some(format!(
                        "{message}: the ADC holds an unreadable {kind} ({e})"
                    )),
                },
                None => Some(match same.first() {
                    Some(r) => format!(
                        "{message}: the ADC holds {}, which is not managed by kubectl-netscaler; it was left untouched: remove or change it on the ADC, then rerun",
                        describe_record(kind, r)
                    ),
                    None => format!(
                        "{message}, yet reading back finds no such {kind}; it is not counted as done: rerun"
                    ),
                }),
            },
        };
        match problem {
            None => out.succeeded += 1,
            Some(message) => out.failed.push(Failure {
                op: step.op,
                object: (*o).clone(),
                errorcode: *code,
                message,
            }),
        }
    }
}

/// Traffic domain 0 (ours are all there; an entry in another domain has another identity).
fn td0(r: &Map<String, Value>) -> bool {
    match r.get("td") {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.trim() == "0",
        Some(Value::Number(n)) => n.as_u64() == Some(0),
        _ => false,
    }
}

/// Executes the ADC part of a change set. Errors that end the run early (the ADC unreachable,
/// credentials rejected) are returned with what was done so far in `partial`.
pub async fn execute(
    client: &NitroClient,
    scope: &OwnedScope,
    cs: &ChangeSet,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<ExecOutcome, (NitroError, ExecOutcome)> {
    let mut out = ExecOutcome::default();
    for step in cs.steps() {
        if let Err(e) = run_step(client, scope, &step, &mut out, progress).await {
            return Err((e, out));
        }
        if step.kind == ResourceKind::Vxlan && step.op == Op::Delete {
            name_vxlan_users(client, &mut out.failed).await;
        }
    }
    Ok(out)
}

/// A vxlan the ADC will not remove because it is in use (315): names the arp and bridgetable
/// entries (of any type) that still reference it, read after the failure, in the message.
async fn name_vxlan_users(client: &NitroClient, failed: &mut [Failure]) {
    const SHOWN: usize = 10;
    for f in failed
        .iter_mut()
        .filter(|f| f.errorcode == IN_USE && f.object.kind == ResourceKind::Vxlan)
    {
        let Some(id) = f.object.get("id").map(ToString::to_string) else {
            continue;
        };
        let mut users = Vec::new();
        for resource in ["arp", "bridgetable"] {
            // Best effort: without the list the failure still says the vxlan is in use.
            let Ok(records) = client.get(resource, None, &[]).await else {
                continue;
            };
            users.extend(
                records
                    .iter()
                    .filter(|r| field(r, "vxlan").as_deref() == Some(id.as_str()))
                    .map(|r| describe_entry(resource, r)),
            );
        }
        if users.is_empty() {
            continue;
        }
        let more = users.len().saturating_sub(SHOWN);
        users.truncate(SHOWN);
        f.message = format!(
            "{} [referenced by {}{}]",
            f.message,
            users.join(", "),
            match more {
                0 => String::new(),
                n => format!(" and {n} more"),
            }
        );
    }
}

/// A NITRO record field as text (numbers may come as JSON numbers or strings).
fn field(r: &Map<String, Value>, name: &str) -> Option<String> {
    match r.get(name)? {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `arp 10.244.1.5 (DYNAMIC)`, `bridgetable mac=..,vtep=.. (PERMANENT)`.
fn describe_entry(resource: &str, r: &Map<String, Value>) -> String {
    let get = |k| field(r, k).unwrap_or_else(|| "?".into());
    let ident = match resource {
        "arp" => match field(r, "td").filter(|t| t != "0") {
            Some(td) => format!("arp {} td {td}", get("ipaddress")),
            None => format!("arp {}", get("ipaddress")),
        },
        _ => format!("{resource} mac={},vtep={}", get("mac"), get("vtep")),
    };
    match field(r, "type") {
        Some(t) => format!("{ident} ({t})"),
        None => ident,
    }
}

/// Number of NITRO operations (objects) a change set's ADC part takes, for progress.
pub fn operation_count(cs: &ChangeSet) -> usize {
    cs.steps().iter().map(|s| s.objects.len()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Change, ChangeSet, Op};
    use crate::nitro::{NitroConfig, Password};
    use netscaler_testbed::nitro::{Emulator, EmulatorOptions};
    use serde_json::json;
    use std::net::Ipv4Addr;
    use std::time::Duration;

    fn ip(s: &str) -> Ipv4Addr {
        s.parse().unwrap()
    }

    fn scope() -> OwnedScope {
        OwnedScope::example()
    }

    fn add(o: AdcObject) -> Change {
        Change {
            op: Op::Add,
            key: o.key(),
            before: None,
            after: Some(o),
            fields: Vec::new(),
        }
    }

    fn delete(o: AdcObject) -> Change {
        Change {
            op: Op::Delete,
            key: o.key(),
            before: Some(o),
            after: None,
            fields: Vec::new(),
        }
    }

    async fn client(emu: &Emulator) -> NitroClient {
        NitroClient::connect(
            NitroConfig::new(emu.url(), "nsroot", Password::new("nsroot".into()))
                .with_timeout(Duration::from_secs(5)),
        )
        .await
        .expect("login")
    }

    #[test]
    fn a_failure_names_the_node_or_service_it_is_for() {
        let failure = |object: AdcObject| Failure {
            op: Op::Add,
            object,
            errorcode: 258,
            message: "No such resource".into(),
        };
        let route = AdcObject::route(ip("10.244.1.0"), ip("255.255.255.0"), ip("10.244.1.0"));
        assert_eq!(
            failure(route.clone().for_node("worker-1")).to_string(),
            r#"+ route network=10.244.1.0,netmask=255.255.255.0,gateway=10.244.1.0: errorcode 258 "No such resource" [node worker-1]"#
        );
        let member =
            AdcObject::servicegroup_member("k8s-prod-shop-cart-80", ip("10.244.1.5"), 8080, 1)
                .for_service("shop", "cart");
        assert_eq!(
            failure(member).to_string(),
            r#"+ servicegroup_servicegroupmember_binding servicegroupname=k8s-prod-shop-cart-80,ip=10.244.1.5,port=8080: errorcode 258 "No such resource" [service shop/cart]"#
        );
        assert!(!failure(route).to_string().contains('['));
    }

    /// NITRO has no update on a member binding: a member's weight changes through
    /// `PUT servicegroup` with servername and port, and the member stays bound.
    #[tokio::test]
    async fn a_member_weight_is_changed_on_its_group() {
        let marker = "managed-by=kubectl-netscaler cluster=prod";
        let emu = Emulator::start(EmulatorOptions::default());
        emu.load_state(&json!({
            "servicegroup": [{"servicegroupname": "k8s-prod-default-web-80", "servicetype": "HTTP", "comment": marker}],
            "servicegroup_servicegroupmember_binding": [
                {"servicegroupname": "k8s-prod-default-web-80", "ip": "10.244.1.5", "servername": "10.244.1.5", "port": 8080, "weight": 1},
            ],
        }))
        .unwrap();
        let before =
            AdcObject::servicegroup_member("k8s-prod-default-web-80", ip("10.244.1.5"), 8080, 1);
        let after =
            AdcObject::servicegroup_member("k8s-prod-default-web-80", ip("10.244.1.5"), 8080, 5);
        let cs = ChangeSet {
            changes: vec![Change {
                op: Op::Update,
                key: after.key(),
                before: Some(before),
                after: Some(after),
                fields: vec!["weight"],
            }],
            node: None,
        };
        let c = client(&emu).await;
        let out = execute(&c, &OwnedScope::example_with_services(), &cs, &|_| {})
            .await
            .map_err(|(e, _)| e)
            .unwrap();
        assert!(out.failed.is_empty(), "{:?}", out.failed);
        assert_eq!(out.succeeded, 1);
        let members = emu.dump()["servicegroup_servicegroupmember_binding"].clone();
        assert_eq!(members.as_array().map(Vec::len), Some(1), "{members}");
        assert_eq!(members[0]["weight"], json!("5"), "{members}");
        c.logout().await;
    }

    /// A rerun after an interrupted apply finds some adds already done and some deletes
    /// already gone: both count as done, and the rest still happens.
    #[tokio::test]
    async fn already_exists_and_already_gone_count_as_done() {
        let emu = Emulator::start(EmulatorOptions::default());
        emu.load_state(&json!({
            "nsip": [{"ipaddress": "192.0.2.10", "netmask": "255.255.255.0", "type": "SNIP"},
                     {"ipaddress": "10.244.254.1", "netmask": "255.255.0.0", "type": "SNIP"}],
            "route": [{"network": "10.244.1.0", "netmask": "255.255.255.0", "gateway": "10.244.1.0"}],
        }))
        .unwrap();
        let mask = ip("255.255.255.0");
        let cs = ChangeSet {
            changes: vec![
                // Done by the interrupted run already.
                add(AdcObject::route(ip("10.244.1.0"), mask, ip("10.244.1.0"))),
                add(AdcObject::route(ip("10.244.2.0"), mask, ip("10.244.2.0"))),
                // Gone already.
                delete(AdcObject::route(ip("10.244.9.0"), mask, ip("10.244.9.0"))),
            ],
            node: None,
        };
        let c = client(&emu).await;
        let out = execute(&c, &scope(), &cs, &|_| {})
            .await
            .map_err(|(e, _)| e)
            .unwrap();
        assert!(out.failed.is_empty(), "{:?}", out.failed);
        assert_eq!(out.succeeded, 3);
        let routes: Vec<String> = emu.dump()["route"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["Static"] == true)
            .map(|r| r["network"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(routes, ["10.244.1.0", "10.244.2.0"]);
        c.logout().await;
    }

    /// A vxlan kept in use by entries this run does not remove fails with 315, and the
    /// failure names those entries; the learned ones deleted in the same run are gone.
    #[tokio::test]
    async fn a_vxlan_in_use_names_what_uses_it() {
        let emu = Emulator::start(EmulatorOptions::default());
        emu.load_state(&json!({
            "nsip": [{"ipaddress": "192.0.2.10", "netmask": "255.255.255.0", "type": "SNIP"}],
            "vxlan": [{"id": 1, "port": 8472}],
            "arp": [
                {"ipaddress": "10.244.1.5", "mac": "0a:58:0a:f4:01:05", "vxlan": 1, "vtep": "192.0.2.21", "type": "DYNAMIC"},
                {"ipaddress": "10.244.1.6", "mac": "0a:58:0a:f4:01:06", "vxlan": 1, "vtep": "192.0.2.21", "type": "PERMANENT"},
            ],
            "bridgetable": [
                {"mac": "0a:58:0a:f4:01:07", "vxlan": 1, "vtep": "192.0.2.22", "type": "PERMANENT"},
            ],
        }))
        .unwrap();
        let cs = ChangeSet {
            changes: vec![
                delete(AdcObject::arp(
                    ip("10.244.1.5"),
                    "0a:58:0a:f4:01:05",
                    1,
                    ip("192.0.2.21"),
                )),
                delete(AdcObject::vxlan(1, 8472)),
            ],
            node: None,
        };
        let c = client(&emu).await;
        let out = execute(&c, &scope(), &cs, &|_| {})
            .await
            .map_err(|(e, _)| e)
            .unwrap();
        assert_eq!(out.succeeded, 1);
        assert_eq!(out.failed.len(), 1, "{:?}", out.failed);
        let f = &out.failed[0];
        assert_eq!(f.errorcode, 315);
        assert!(f.recurs());
        let line = f.to_string();
        for part in [
            "vxlan id=1",
            "arp 10.244.1.6 (PERMANENT)",
            "bridgetable mac=0a:58:0a:f4:01:07,vtep=192.0.2.22 (PERMANENT)",
            "remove what uses it first",
        ] {
            assert!(line.contains(part), "{part:?} missing in {line}");
        }
        assert!(!line.contains("10.244.1.5"), "{line}");
        c.logout().await;
    }

    /// "Already exists" is done only when the object is then ours and as desired: an admin's
    /// entry on an interface at the same address, or our own entry with another MAC, is a
    /// failure naming what the ADC holds, and neither is changed. The read-back costs one GET
    /// of the kind, and only when some item answered 273.
    #[tokio::test]
    async fn already_exists_is_verified_and_a_foreign_or_different_object_is_a_failure() {
        let emu = Emulator::start(EmulatorOptions::default());
        emu.load_state(&json!({
            "nsip": [{"ipaddress": "192.0.2.10", "netmask": "255.255.255.0", "type": "SNIP"}],
            "vxlan": [{"id": 1, "port": 8472}],
            "arp": [
                // An admin's entry on an interface at worker-3's gateway.
                {"ipaddress": "10.244.3.0", "mac": "00:11:22:33:44:88", "ifnum": "1/1"},
                // Ours, but with another MAC than wanted.
                {"ipaddress": "10.244.2.0", "mac": "0a:58:0a:f4:02:99", "vxlan": 1, "vtep": "192.0.2.22"},
                // Ours and as desired (an interrupted run made it).
                {"ipaddress": "10.244.1.0", "mac": "0a:58:0a:f4:01:00", "vxlan": 1, "vtep": "192.0.2.21"},
            ],
        }))
        .unwrap();
        let before = emu.dump()["arp"].clone();
        let arp = |i: u8| {
            AdcObject::arp(
                ip(&format!("10.244.{i}.0")),
                &format!("0a:58:0a:f4:{i:02x}:00"),
                1,
                ip(&format!("192.0.2.2{i}")),
            )
            .for_node(&format!("worker-{i}"))
        };
        let cs = ChangeSet {
            changes: vec![add(arp(1)), add(arp(2)), add(arp(3)), add(arp(4))],
            node: None,
        };
        let c = client(&emu).await;
        emu.clear_requests();
        let out = execute(&c, &scope(), &cs, &|_| {})
            .await
            .map_err(|(e, _)| e)
            .unwrap();
        assert_eq!(
            out.succeeded, 2,
            "worker-1 (ours, as desired) and worker-4 (new)"
        );
        let failed: Vec<String> = out.failed.iter().map(ToString::to_string).collect();
        assert_eq!(failed.len(), 2, "{failed:#?}");
        assert!(
            failed[0].contains("10.244.2.0")
                && failed[0].contains("other values")
                && failed[0].contains("mac=0a:58:0a:f4:02:99")
                && failed[0].contains("[node worker-2]"),
            "{}",
            failed[0]
        );
        assert!(
            failed[1].contains("arp 10.244.3.0 on interface 1/1 (STATIC, mac 00:11:22:33:44:88)")
                && failed[1].contains("not managed by kubectl-netscaler")
                && failed[1].contains("[node worker-3]"),
            "{}",
            failed[1]
        );
        assert!(out.failed.iter().all(|f| f.errorcode == 273));
        // Nothing but the new entry changed.
        let after = emu.dump()["arp"].as_array().unwrap().clone();
        for old in before.as_array().unwrap() {
            assert!(after.contains(old), "{old} changed: {after:#?}");
        }
        assert_eq!(after.len(), before.as_array().unwrap().len() + 1);
        // One bulk add and one read-back GET of the arp table.
        let calls: Vec<String> = emu
            .requests()
            .iter()
            .map(|r| format!("{} {}", r.method, r.path))
            .collect();
        assert_eq!(
            calls,
            ["POST /nitro/v1/config/arp", "GET /nitro/v1/config/arp"],
            "{calls:#?}"
        );

        // A clean run reads nothing back.
        emu.clear_requests();
        let cs = ChangeSet {
            changes: vec![add(arp(5))],
            node: None,
        };
        let out = execute(&c, &scope(), &cs, &|_| {})
            .await
            .map_err(|(e, _)| e)
            .unwrap();
        assert_eq!((out.succeeded, out.failed.len()), (1, 0));
        assert_eq!(emu.requests().len(), 1, "{:?}", emu.requests());
        c.logout().await;
    }

    /// Any other per-item error is a failure carrying the NITRO code, and the other items of
    /// the same bulk request still apply.
    #[tokio::test]
    async fn item_errors_are_failures_with_their_code() {
        let emu = Emulator::start(EmulatorOptions::default());
        emu.load_state(&json!({
            "nsip": [{"ipaddress": "10.244.254.1", "netmask": "255.255.0.0", "type": "SNIP"}],
        }))
        .unwrap();
        let mask = ip("255.255.255.0");
        let cs = ChangeSet {
            changes: vec![
                add(AdcObject::route(ip("10.244.1.0"), mask, ip("10.244.1.0"))),
                // Gateway outside every connected subnet: 604.
                add(AdcObject::route(ip("10.244.2.0"), mask, ip("172.16.0.1"))),
            ],
            node: None,
        };
        let c = client(&emu).await;
        let out = execute(&c, &scope(), &cs, &|_| {})
            .await
            .map_err(|(e, _)| e)
            .unwrap();
        assert_eq!(out.succeeded, 1);
        assert_eq!(out.failed.len(), 1);
        assert_eq!(out.failed[0].errorcode, 604);
        let line = out.failed[0].to_string();
        assert!(
            line.contains("10.244.2.0") && line.contains("add an SNIP"),
            "{line}"
        );
        c.logout().await;
    }
}
