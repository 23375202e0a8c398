//! Scale benchmark of `apply`: converge a 5,000-node flannel-VXLAN cluster from an empty
//! emulated ADC with a fixed latency added to every NITRO request, then a no-op apply and a
//! teardown, counting NITRO requests and wall time; compared with the one-request-per-object
//! approach of per-object controllers (measured against the same emulator, not estimated).
//!
//! `cargo bench --bench apply_scale` (env: `NODES`, default 5000; `LATENCY_MS`, default 2).
//! The real release binary runs against the loopback fake API server and the NITRO emulator.

#[allow(dead_code)]
mod support;

use kubectl_netscaler::nitro::{BulkOp, NitroClient, NitroConfig, Password};
use netscaler_testbed::kubeapi::FakeApiServer;
use netscaler_testbed::nitro::{Emulator, EmulatorOptions};
use serde_json::{Value, json};
use std::process::Command;
use std::time::{Duration, Instant};

const SEED: u64 = 0x5eed;
const CLUSTER: &str = "bench";

fn emulator(latency: Duration) -> Emulator {
    let adc = Emulator::start(EmulatorOptions {
        latency,
        ..Default::default()
    });
    adc.load_state(&json!({
        "nsip": [{"ipaddress": "192.0.2.10", "netmask": "255.255.255.0", "type": "SNIP"}]
    }))
    .expect("base ADC state");
    adc
}

struct Run {
    requests: usize,
    writes: usize,
    secs: f64,
}

fn is_write(r: &netscaler_testbed::nitro::LoggedRequest) -> bool {
    r.method != "GET" && !r.path.ends_with("/login") && !r.path.ends_with("/logout")
}

/// Runs the real binary once and measures what it cost on the emulated ADC.
fn run(adc: &Emulator, kubeconfig: &std::path::Path, args: &[&str]) -> Run {
    adc.clear_requests();
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_kubectl-netscaler"))
        .args(args)
        .args(["--kubeconfig", &kubeconfig.display().to_string()])
        .args(["--cluster-name", CLUSTER, "--vtep-ip", "192.0.2.10"])
        .args([
            "--vtep-mac",
            "02:00:5e:00:01:01",
            "--adc-pod-cidr",
            "10.255.254.0/24",
        ])
        .args(["--adc-url", &adc.url(), "--yes", "-o", "json"])
        .env("NETSCALER_PASSWORD", "nsroot")
        .output()
        .expect("run kubectl-netscaler");
    let secs = started.elapsed().as_secs_f64();
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let log = adc.requests();
    Run {
        requests: log.len(),
        writes: log.iter().filter(|r| is_write(r)).count(),
        secs,
    }
}

fn count(dump: &Value, resource: &str) -> usize {
    dump[resource]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|r| r["Static"] != false && r["direct"] != true)
                .count()
        })
        .unwrap_or(0)
}

/// The per-object approach: one NITRO request per object, in create order, with a session.
fn one_request_per_object(latency: Duration, plan: &Value) -> Run {
    let adc = emulator(latency);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let started = Instant::now();
    rt.block_on(async {
        let client = NitroClient::connect(
            NitroConfig::new(adc.url(), "nsroot", Password::new("nsroot".into()))
                .with_timeout(Duration::from_secs(30)),
        )
        .await
        .expect("login");
        for o in plan["adc"].as_array().expect("plan objects") {
            let resource = o["resource"].as_str().expect("resource");
            let item = o["attributes"].as_object().expect("attributes").clone();
            let r = client
                .bulk(BulkOp::Add, resource, &[item])
                .await
                .expect("add");
            assert!(r[0].ok(), "{resource}: {:?}", r[0]);
        }
        client.save_config().await.expect("save");
        client.logout().await;
    });
    let secs = started.elapsed().as_secs_f64();
    let log = adc.requests();
    Run {
        requests: log.len(),
        writes: log.iter().filter(|r| is_write(r)).count(),
        secs,
    }
}

fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let nodes = support::env_usize("NODES", 5000);
    let latency = Duration::from_millis(support::env_usize("LATENCY_MS", 2) as u64);
    eprintln!(
        "apply_scale: {nodes} nodes, {} ms added per NITRO request",
        latency.as_millis()
    );

    let kube = FakeApiServer::start();
    let list = support::synthetic::cluster(nodes, SEED);
    let loaded = kube
        .load(&serde_json::to_string(&list).expect("cluster JSON"))
        .expect("load cluster");
    assert!(loaded > nodes, "loaded {loaded} objects");
    let dir = tempfile::tempdir().expect("tempdir");
    let kubeconfig = dir.path().join("kubeconfig");
    kube.write_kubeconfig(&kubeconfig, CLUSTER)
        .expect("kubeconfig");

    let adc = emulator(latency);
    let converge = run(&adc, &kubeconfig, &["apply"]);
    let dump = adc.dump();
    for resource in ["route", "arp", "bridgetable"] {
        assert_eq!(
            count(&dump, resource),
            nodes,
            "{resource} entries after converge"
        );
    }
    let noop = run(&adc, &kubeconfig, &["apply"]);
    assert_eq!(noop.writes, 0, "a no-op apply writes nothing");
    let teardown = run(&adc, &kubeconfig, &["teardown"]);
    let dump = adc.dump();
    for resource in ["route", "arp", "bridgetable"] {
        assert_eq!(
            count(&dump, resource),
            0,
            "{resource} entries after teardown"
        );
    }

    let plan_out = Command::new(env!("CARGO_BIN_EXE_kubectl-netscaler"))
        .args(["plan", "--kubeconfig", &kubeconfig.display().to_string()])
        .args(["--cluster-name", CLUSTER, "--vtep-ip", "192.0.2.10"])
        .args(["--adc-pod-cidr", "10.255.254.0/24", "-o", "json"])
        .output()
        .expect("plan");
    let plan: Value = serde_json::from_slice(&plan_out.stdout).expect("plan JSON");
    let baseline = one_request_per_object(latency, &plan);

    println!(
        "| run ({nodes} nodes, {} ms/request) | NITRO requests | writes | wall time |",
        latency.as_millis()
    );
    println!("|---|---|---|---|");
    for (name, r) in [
        ("apply: empty ADC → converged", &converge),
        ("apply: no-op (converged)", &noop),
        ("teardown", &teardown),
        ("one request per object (converge)", &baseline),
    ] {
        println!(
            "| {name} | {} | {} | {:.1} s |",
            r.requests, r.writes, r.secs
        );
    }
}
