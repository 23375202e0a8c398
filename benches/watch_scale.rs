//! Scale benchmark of `watch`: with a synthetic 5,000-node flannel-VXLAN cluster synced (served
//! by the loopback fake API server) and the ADC converged, one node joining and one leaving
//! (time from the API write to the ADC converged, NITRO requests per event), a burst of 500
//! node changes (how many reconciles and bulk requests it is coalesced into), and the
//! controller's resident memory at 5,000 nodes.
//!
//! `cargo bench --bench watch_scale` (env: `NODES`, default 5000; `BURST`, default 500;
//! `LATENCY_MS`, default 2). The real release binary runs as a child process.

#[allow(dead_code)]
mod support;

use netscaler_testbed::kubeapi::FakeApiServer;
use netscaler_testbed::nitro::{Emulator, EmulatorOptions, LoggedRequest};
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SEED: u64 = 0x5eed;
const CLUSTER: &str = "bench";

fn is_nitro_call(r: &LoggedRequest) -> bool {
    !r.path.ends_with("/login") && !r.path.ends_with("/logout")
}

fn count(dump: &Value, resource: &str, pred: impl Fn(&Value) -> bool) -> usize {
    dump[resource]
        .as_array()
        .map(|a| a.iter().filter(|r| pred(r)).count())
        .unwrap_or(0)
}

fn routes(adc: &Emulator) -> usize {
    count(&adc.dump(), "route", |r| {
        r["Static"] != false && r["direct"] != true
    })
}

/// Polls `cond` every 5 ms; the time it took (panics after `limit`).
fn time_until(what: &str, limit: Duration, mut cond: impl FnMut() -> bool) -> Duration {
    let started = Instant::now();
    while !cond() {
        assert!(started.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
    started.elapsed()
}

/// Resident memory of a process, from /proc: (current, peak) in MiB.
fn rss_mib(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map(|kb| kb / 1024.0)
            .unwrap_or(f64::NAN)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

struct Event {
    name: &'static str,
    took: Duration,
    requests: usize,
    reconciles: usize,
}

fn reconciles(log: &std::sync::Mutex<Vec<String>>) -> usize {
    log.lock()
        .unwrap()
        .iter()
        .filter(|l| l.contains("reconciled:"))
        .count()
}

fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let nodes = support::env_usize("NODES", 5000);
    let burst = support::env_usize("BURST", 500).min(nodes);
    let latency = Duration::from_millis(support::env_usize("LATENCY_MS", 2) as u64);
    eprintln!(
        "watch_scale: {nodes} nodes, a burst of {burst}, {} ms added per NITRO request",
        latency.as_millis()
    );

    let kube = FakeApiServer::start();
    let list = support::synthetic::cluster(nodes, SEED);
    kube.load(&serde_json::to_string(&list).expect("cluster JSON"))
        .expect("load cluster");
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = dir.path().join("kubeconfig");
    kube.write_kubeconfig(&kubeconfig, CLUSTER)
        .expect("kubeconfig");
    let adc = Emulator::start(EmulatorOptions {
        latency,
        ..Default::default()
    });
    adc.load_state(&json!({
        "nsip": [{"ipaddress": "192.0.2.10", "netmask": "255.255.255.0", "type": "SNIP"}]
    }))
    .expect("base ADC state");

    let mut child: Child = Command::new(env!("CARGO_BIN_EXE_kubectl-netscaler"))
        .args(["watch", "--resync-interval", "1h"])
        .args(["--kubeconfig", &kubeconfig.display().to_string()])
        .args(["--cluster-name", CLUSTER, "--vtep-ip", "192.0.2.10"])
        .args(["--vtep-mac", "02:00:5e:00:01:01"])
        .args(["--adc-pod-cidr", "10.255.254.0/24", "--no-save-config"])
        .args(["--adc-url", &adc.url()])
        .env("NETSCALER_PASSWORD", "nsroot")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn watch");
    let stderr = child.stderr.take().expect("stderr");
    let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let sink = log.clone();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            sink.lock().unwrap().push(line);
        }
    });
    let limit = Duration::from_secs(300);
    let converge = time_until("the first converge", limit, || routes(&adc) == nodes);
    eprintln!("converged {nodes} nodes in {:.1} s", converge.as_secs_f64());
    // The first reconcile is over once it has logged (its ARP, bridge-table and Node writes
    // come after the routes); events measured from now on wait for nothing else.
    time_until("the first reconcile's log line", limit, || {
        reconciles(&log) >= 1
    });
    std::thread::sleep(Duration::from_secs(2));
    let (rss, hwm) = rss_mib(child.id());

    // One node joins.
    let mut rng = support::synthetic::Prng::new(SEED ^ 1);
    let extra = support::synthetic::node(&mut rng, nodes);
    let extra_name = extra["metadata"]["name"].as_str().unwrap().to_string();
    let before = reconciles(&log);
    adc.clear_requests();
    let t = Instant::now();
    kube.apply(extra).expect("node joins");
    time_until("the joined node's route", limit, || {
        routes(&adc) == nodes + 1
    });
    let join = t.elapsed();
    std::thread::sleep(Duration::from_millis(1500));
    let join = Event {
        name: "one node joins",
        took: join,
        requests: adc.requests().iter().filter(|r| is_nitro_call(r)).count(),
        reconciles: reconciles(&log) - before,
    };

    // It leaves again.
    let before = reconciles(&log);
    adc.clear_requests();
    let t = Instant::now();
    kube.delete("v1", "Node", None, &extra_name);
    time_until("the left node's route gone", limit, || {
        routes(&adc) == nodes
    });
    let leave = t.elapsed();
    std::thread::sleep(Duration::from_millis(1500));
    let leave = Event {
        name: "one node leaves",
        took: leave,
        requests: adc.requests().iter().filter(|r| is_nitro_call(r)).count(),
        reconciles: reconciles(&log) - before,
    };

    // A burst: `burst` nodes get a new VtepMAC at once (flannel restarted on them).
    let items = list["items"].as_array().expect("items");
    let mut changed: Vec<String> = Vec::new();
    let before = reconciles(&log);
    adc.clear_requests();
    let t = Instant::now();
    for (k, node) in items
        .iter()
        .filter(|o| o["kind"] == "Node")
        .take(burst)
        .enumerate()
    {
        let mut node = node.clone();
        let mac = format!("02:aa:00:00:{:02x}:{:02x}", k >> 8, k & 0xff);
        node["metadata"]["annotations"]["flannel.alpha.coreos.com/backend-data"] =
            json!(format!("{{\"VNI\":1,\"VtepMAC\":\"{mac}\"}}"));
        changed.push(mac);
        kube.apply(node).expect("node changes");
    }
    time_until("the burst's new MACs on the ADC", limit, || {
        count(&adc.dump(), "arp", |a| {
            a["mac"]
                .as_str()
                .is_some_and(|m| m.starts_with("02:aa:00:00:"))
        }) == burst
    });
    let took = t.elapsed();
    std::thread::sleep(Duration::from_millis(1500));
    let burst_event = Event {
        name: "a burst of node changes (new VtepMAC)",
        took,
        requests: adc.requests().iter().filter(|r| is_nitro_call(r)).count(),
        reconciles: reconciles(&log) - before,
    };
    let (_, hwm_after) = rss_mib(child.id());

    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let status = child.wait().expect("watch exits");
    assert_eq!(status.code(), Some(130), "watch exit status");

    println!(
        "| {nodes} nodes synced, {} ms/request | time to ADC converged | NITRO requests | reconciles |",
        latency.as_millis()
    );
    println!("|---|---|---|---|");
    println!(
        "| start: empty ADC → converged | {:.1} s | | |",
        converge.as_secs_f64()
    );
    for e in [&join, &leave] {
        println!(
            "| {} | {:.2} s | {} | {} |",
            e.name,
            e.took.as_secs_f64(),
            e.requests,
            e.reconciles
        );
    }
    println!(
        "| {} ({burst} nodes) | {:.2} s | {} | {} |",
        burst_event.name,
        burst_event.took.as_secs_f64(),
        burst_event.requests,
        burst_event.reconciles
    );
    println!(
        "\nresident memory of watch at {nodes} nodes: {rss:.0} MiB (peak {hwm:.0} MiB; peak after the burst {hwm_after:.0} MiB)"
    );
}
