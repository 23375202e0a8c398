//! Executing a change set on the ADC: one bulk request per (resource kind, operation) in
//! dependency order (`ChangeSet::steps`), `X-NITRO-ONERROR: continue`, per-item results mapped
//! back to the objects. "Already exists" on an add and "no such resource" on a delete count as
//! done, so a rerun after an interrupted run converges without duplicates.

use super::{BulkOp, NitroClient, NitroError};
use crate::model::{AdcObject, ChangeSet, Op, Step};
use serde_json::{Map, Value};

/// The largest bulk request sent (items); a 5,000-node cluster is one request per kind.
pub const MAX_BATCH: usize = 5_000;

/// NITRO "Resource already exists".
const EXISTS: i64 = 273;
/// NITRO "No such resource".
const NO_SUCH: i64 = 258;

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
        if let Some(n) = &self.object.node {
            write!(f, " [node {n}]")?;
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
        315 => "the object is still in use",
        1028 | 368 => "this ADC is an HA secondary: point --adc-url at the primary",
        2138 => "the NITRO user is not authorised for this command",
        _ => return None,
    })
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
        BulkOp::Delete => o.key().to_json(),
        BulkOp::Update => o
            .attrs()
            .enumerate()
            .filter(|(i, (name, _))| *i < spec.key_len || spec.updatable.contains(name))
            .map(|(_, (k, v))| (k.to_string(), v.to_json()))
            .collect(),
    }
}

fn bulk_op(op: Op) -> BulkOp {
    match op {
        Op::Add => BulkOp::Add,
        Op::Update => BulkOp::Update,
        Op::Delete => BulkOp::Delete,
    }
}

/// Runs one step, in batches of at most [`MAX_BATCH`]. A request that fails as a whole
/// (after the client's retries) fails every item in it.
async fn run_step(
    client: &NitroClient,
    step: &Step<'_>,
    out: &mut ExecOutcome,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<(), NitroError> {
    let op = bulk_op(step.op);
    for batch in step.objects.chunks(MAX_BATCH) {
        let items: Vec<Map<String, Value>> = batch.iter().map(|o| item(o, op)).collect();
        let results = client.bulk(op, step.kind.resource(), &items).await?;
        for (i, o) in batch.iter().enumerate() {
            let (code, message) = match results.get(i) {
                Some(r) => (r.errorcode, r.message.clone()),
                None => (
                    -1,
                    "the ADC did not report a result for this item".to_string(),
                ),
            };
            let done = code == 0
                || (op == BulkOp::Add && code == EXISTS)
                || (op == BulkOp::Delete && code == NO_SUCH);
            if done {
                out.succeeded += 1;
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
    Ok(())
}

/// Executes the ADC part of a change set. Errors that end the run early (the ADC unreachable,
/// credentials rejected) are returned with what was done so far in `partial`.
pub async fn execute(
    client: &NitroClient,
    cs: &ChangeSet,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<ExecOutcome, (NitroError, ExecOutcome)> {
    let mut out = ExecOutcome::default();
    for step in cs.steps() {
        if let Err(e) = run_step(client, &step, &mut out, progress).await {
            return Err((e, out));
        }
    }
    Ok(out)
}

/// Number of NITRO operations (objects) a change set's ADC part takes, for progress.
pub fn operation_count(cs: &ChangeSet) -> usize {
    cs.steps().iter().map(|s| s.objects.len()).sum()
}
