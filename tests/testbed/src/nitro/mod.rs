//! A stateful NetScaler NITRO REST emulator for tests and demos, following the "Emulator
//! checklist" of `NITRO.md`: sessions and auth, the appliance's envelope and status codes,
//! the overlay resources (vxlan, vxlan_srcip_binding, nsip, route, arp, bridgetable) with
//! their ordering rules, service-group membership resources, bulk requests with
//! `X-NITRO-ONERROR`, fault injection, and a deterministic state dump.
//!
//! Each [`Emulator`] runs its own server thread and tokio runtime on `127.0.0.1:<free port>`,
//! so plain `#[test]` functions can use it. Test-only endpoints outside `/nitro` on the same
//! port: `GET /_emulator/state` (dump), `PUT /_emulator/state` (reset then load, JSON or
//! YAML), `GET /_emulator/requests` (the request log), `POST /_emulator/reset`.
//!
//! Decisions where `NITRO.md` leaves a choice (all inferred, not seen on an appliance):
//! - 445 "Session limit exceeded" is answered with HTTP 401.
//! - deleting a vxlan still referenced by arp or bridgetable entries → 599/315 "Resource in
//!   use"; its srcip bindings are removed with it.
//! - a static arp add over a DYNAMIC entry for the same IP replaces it.
//! - learned (DYNAMIC) arp and bridgetable entries can be deleted, PERMANENT ones answer 1023.
//! - a `POST ?action=` the type does not have (`rm` on a `*_binding` type, `unbind` on a plain
//!   one, any unknown verb) answers 599/1240 for the whole request, bulk or not.
//! - `Fault::Status503` answers an Apache-style HTML body, not JSON.
//! - rollback on a bulk update/delete/action is refused up front with 599/1242.
//! - `load_state` upserts: an object with the identity of an existing one replaces it.

mod bulk;
mod cli;
mod faults;
mod query;
mod schema;
mod server;
mod session;
mod store;

pub use cli::cli_main;

use server::{Inner, Running, Shared, lock};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How an emulator behaves.
#[derive(Clone, Debug)]
pub struct EmulatorOptions {
    /// Accepted user name (default "nsroot").
    pub username: String,
    /// Accepted password (default "nsroot").
    pub password: String,
    /// Serve HTTPS with a self-signed certificate for 127.0.0.1 and localhost.
    pub tls: bool,
    /// Login answers 201 with an empty body; the token is only in `Set-Cookie`.
    pub login_empty_body: bool,
    /// Idle session timeout when login gives none (default 1800 s).
    pub session_timeout: Duration,
    /// Concurrent sessions before login answers 445 (default 20).
    pub max_sessions: usize,
    /// Send `Connection: close` and close after each response, like a real ADC (default).
    pub connection_close: bool,
    /// Delay added to every request.
    pub latency: Duration,
    /// Act as an HA secondary: writes answer 599/1028, hanode shows Secondary.
    pub ha_secondary: bool,
    /// Act as a cluster (CLIP): vxlan add answers 1065.
    pub clustered: bool,
    /// arp with `vxlan` but no `vtep` answers 1095.
    pub vtep_required_with_vxlan: bool,
}

impl Default for EmulatorOptions {
    fn default() -> Self {
        EmulatorOptions {
            username: "nsroot".into(),
            password: "nsroot".into(),
            tls: false,
            login_empty_body: false,
            session_timeout: Duration::from_secs(1800),
            max_sessions: 20,
            connection_close: true,
            latency: Duration::ZERO,
            ha_secondary: false,
            clustered: false,
            vtep_required_with_vxlan: false,
        }
    }
}

/// One request as the emulator saw it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct LoggedRequest {
    pub method: String,
    /// Raw path, still percent-encoded.
    pub path: String,
    /// Raw query string.
    pub query: String,
    pub body: Option<serde_json::Value>,
    /// HTTP status answered (0 when the connection was reset).
    pub status: u16,
    pub errorcode: Option<i64>,
    /// The `X-NITRO-ONERROR` header.
    pub onerror: Option<String>,
}

/// An injected fault. Counted faults apply to the next `times` requests matching `on`;
/// login/logout never match unless `on.path_contains` mentions "login"/"logout".
#[derive(Clone, Debug)]
pub enum Fault {
    Status503 {
        on: Match,
        times: usize,
    },
    /// 599 + errorcode 1043 "Internal error".
    Internal1043 {
        on: Match,
        times: usize,
    },
    /// Close the TCP connection without an HTTP answer.
    ConnectionReset {
        on: Match,
        times: usize,
    },
    Slow {
        on: Match,
        times: usize,
        delay: Duration,
    },
    /// Kill the caller's session and answer 401/444.
    ExpireSession {
        on: Match,
        times: usize,
    },
    /// Until `clear_faults`: any add/delete/update item of `resource` whose attribute `field`
    /// equals `value` (string compare of the JSON value) fails with 599 and this
    /// errorcode/message (in a bulk the item fails and the request becomes 207/1243).
    FailItem {
        resource: String,
        field: String,
        value: String,
        errorcode: i64,
        message: String,
    },
    /// The next `times` `nsconfig?action=save` answer 599/293.
    SaveBusy293 {
        times: usize,
    },
}

/// Which requests a counted fault applies to (all when both are `None`).
#[derive(Clone, Debug, Default)]
pub struct Match {
    pub method: Option<String>,
    pub path_contains: Option<String>,
}

/// A running NITRO emulator; stops when dropped.
pub struct Emulator {
    shared: Shared,
    running: Running,
    tls: bool,
}

impl Emulator {
    /// Start on `127.0.0.1:0`. Panics when the port cannot be bound.
    pub fn start(opts: EmulatorOptions) -> Emulator {
        Emulator::start_on(opts, 0)
    }

    pub(crate) fn start_on(opts: EmulatorOptions, port: u16) -> Emulator {
        let tls = opts.tls;
        let shared: Shared = Arc::new(Mutex::new(Inner::new(opts)));
        let running = server::spawn(shared.clone(), port, tls);
        Emulator {
            shared,
            running,
            tls,
        }
    }

    /// `http://127.0.0.1:PORT` or `https://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://127.0.0.1:{}", self.running.port)
    }

    /// The self-signed certificate (PEM) when serving HTTPS.
    pub fn ca_pem(&self) -> Option<String> {
        self.running.ca_pem.clone()
    }

    /// Add objects (same shape as [`Emulator::dump`]); objects with an existing identity
    /// replace it. Validates resource names, identities and attribute values.
    pub fn load_state(&self, state: &serde_json::Value) -> anyhow::Result<()> {
        let mut g = lock(&self.shared);
        let mut next = g.store.clone();
        next.load(state)?;
        g.store = next;
        Ok(())
    }

    /// [`Emulator::load_state`] from a JSON or YAML file.
    pub fn load_state_file(&self, path: &std::path::Path) -> anyhow::Result<()> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read state file {}: {e}", path.display()))?;
        let v: serde_json::Value = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(_) => serde_saphyr::from_str(&text).map_err(|e| {
                anyhow::anyhow!(
                    "state file {} is neither JSON nor YAML: {e}",
                    path.display()
                )
            })?,
        };
        self.load_state(&v)
    }

    /// Every resource in GET output form, resources sorted by name, objects by identity.
    pub fn dump(&self) -> serde_json::Value {
        lock(&self.shared).store.dump()
    }

    pub fn requests(&self) -> Vec<LoggedRequest> {
        lock(&self.shared).log.clone()
    }

    pub fn clear_requests(&self) {
        lock(&self.shared).log.clear();
    }

    pub fn inject(&self, fault: Fault) {
        lock(&self.shared).faults.add(fault);
    }

    pub fn clear_faults(&self) {
        lock(&self.shared).faults.clear();
    }

    /// Kill every session: the next call with any token answers 401/444.
    pub fn expire_all_sessions(&self) {
        lock(&self.shared).sessions.kill_all();
    }

    pub fn set_latency(&self, d: Duration) {
        lock(&self.shared).opts.latency = d;
    }

    pub fn set_ha_secondary(&self, yes: bool) {
        let mut g = lock(&self.shared);
        g.opts.ha_secondary = yes;
        g.store.switches.ha_secondary = yes;
    }

    pub fn active_sessions(&self) -> usize {
        lock(&self.shared).sessions.active()
    }
}
