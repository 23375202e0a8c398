//! The client against the NITRO emulator (its own thread and runtime on loopback).

use super::wire::as_i64;
use super::*;
use netscaler_testbed::nitro::{Emulator, EmulatorOptions, Fault, LoggedRequest, Match};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

fn config(emu: &Emulator, password: &str) -> NitroConfig {
    NitroConfig::new(emu.url(), "nsroot", Password::new(password.into()))
        .with_timeout(Duration::from_secs(5))
}

/// Connects with short retry delays so that tests stay fast.
async fn connect_with(cfg: NitroConfig) -> Result<NitroClient, NitroError> {
    let fast = RetryPolicy {
        max_retries: 3,
        backoff_base: Duration::from_millis(10),
        save_retry_interval: Duration::from_millis(20),
        save_retry_for: Duration::from_millis(500),
    };
    NitroClient::connect_with(cfg, fast).await
}

async fn connect(emu: &Emulator) -> NitroClient {
    connect_with(config(emu, "nsroot")).await.expect("login")
}

fn logins(emu: &Emulator) -> usize {
    emu.requests()
        .iter()
        .filter(|r| r.path.ends_with("/config/login"))
        .count()
}

fn requests_to(emu: &Emulator, path_end: &str) -> Vec<LoggedRequest> {
    emu.requests()
        .into_iter()
        .filter(|r| r.path.ends_with(path_end))
        .collect()
}

fn vxlan(id: u32) -> Object {
    object(json!({"id": id, "port": 8472}))
}

fn object(v: Value) -> Object {
    match v {
        Value::Object(o) => o,
        _ => panic!("not an object"),
    }
}

fn ids(objects: &[Object]) -> Vec<i64> {
    let mut ids: Vec<i64> = objects.iter().filter_map(|o| as_i64(&o["id"])).collect();
    ids.sort();
    ids
}

fn on(method: &str, path: &str) -> Match {
    Match {
        method: Some(method.into()),
        path_contains: Some(path.into()),
    }
}

#[tokio::test]
async fn login_from_body_then_read_and_log_out() {
    let emu = Emulator::start(EmulatorOptions::default());
    emu.load_state(&json!({"vxlan": [{"id": 7, "port": 8472}]}))
        .unwrap();
    let client = connect(&emu).await;
    let got = client.get("vxlan", None, &[]).await.unwrap();
    assert_eq!(ids(&got), vec![7]);
    assert_eq!(emu.active_sessions(), 1);
    client.logout().await;
    assert_eq!(emu.active_sessions(), 0);
    let login = &requests_to(&emu, "/config/login")[0];
    assert_eq!(login.method, "POST");
    assert_eq!(login.status, 201);
    assert_eq!(client.stats().requests, 3);
    assert_eq!(client.stats().writes, 0);
}

#[tokio::test]
async fn login_from_cookie_when_the_body_is_empty() {
    let emu = Emulator::start(EmulatorOptions {
        login_empty_body: true,
        ..Default::default()
    });
    let client = connect(&emu).await;
    let version = client.get_singleton("nsversion").await.unwrap();
    assert!(version["version"].as_str().unwrap().contains("NetScaler"));
    client.logout().await;
    assert_eq!(emu.active_sessions(), 0);
}

#[tokio::test]
async fn bad_credentials_fail_once_without_looping_or_echoing_the_password() {
    let emu = Emulator::start(EmulatorOptions::default());
    let err = connect_with(config(&emu, "wrong-Pa55word"))
        .await
        .unwrap_err();
    assert!(matches!(err, NitroError::AuthRejected { .. }), "{err:?}");
    assert_eq!(err.errorcode(), Some(354));
    assert!(err.to_string().contains("password source"), "{err}");
    assert!(!err.to_string().contains("wrong-Pa55word"));
    assert!(!format!("{err:?}").contains("wrong-Pa55word"));
    assert_eq!(logins(&emu), 1);
}

#[tokio::test]
async fn expired_session_is_renewed_once_and_the_request_retried() {
    let emu = Emulator::start(EmulatorOptions::default());
    let client = connect(&emu).await;
    client.get("vxlan", None, &[]).await.unwrap();
    emu.expire_all_sessions();
    client.get("vxlan", None, &[]).await.unwrap();
    assert_eq!(logins(&emu), 2);
    // The same through the fault hook, on a write.
    emu.inject(Fault::ExpireSession {
        on: on("POST", "vxlan"),
        times: 1,
    });
    let results = client
        .bulk(BulkOp::Add, "vxlan", &[vxlan(1)])
        .await
        .unwrap();
    assert!(results[0].ok(), "{results:?}");
    assert_eq!(logins(&emu), 3);
    assert_eq!(emu.active_sessions(), 1);
}

#[tokio::test]
async fn a_session_that_keeps_expiring_is_an_error_not_a_loop() {
    let emu = Emulator::start(EmulatorOptions::default());
    let client = connect(&emu).await;
    emu.inject(Fault::ExpireSession {
        on: on("GET", "vxlan"),
        times: 5,
    });
    let err = client.get("vxlan", None, &[]).await.unwrap_err();
    assert_eq!(err.errorcode(), Some(444), "{err}");
    assert_eq!(logins(&emu), 2);
    // A one-item bulk reports it as an error too, not as the item's result.
    emu.clear_faults();
    emu.inject(Fault::ExpireSession {
        on: on("POST", "vxlan"),
        times: 5,
    });
    let err = client
        .bulk(BulkOp::Add, "vxlan", &[vxlan(1)])
        .await
        .unwrap_err();
    assert_eq!(err.errorcode(), Some(444), "{err}");
    assert_eq!(logins(&emu), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_callers_share_one_relogin() {
    let emu = Emulator::start(EmulatorOptions::default());
    let client = Arc::new(connect(&emu).await);
    emu.expire_all_sessions();
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.get("vxlan", None, &[]).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(logins(&emu), 2);
    assert_eq!(emu.active_sessions(), 1);
}

#[tokio::test]
async fn transient_read_failures_are_retried() {
    let emu = Emulator::start(EmulatorOptions::default());
    emu.load_state(&json!({"vxlan": [{"id": 3}]})).unwrap();
    let client = connect(&emu).await;
    for fault in [
        Fault::Status503 {
            on: on("GET", "vxlan"),
            times: 2,
        },
        Fault::Internal1043 {
            on: on("GET", "vxlan"),
            times: 2,
        },
        Fault::ConnectionReset {
            on: on("GET", "vxlan"),
            times: 2,
        },
    ] {
        emu.clear_requests();
        emu.inject(fault.clone());
        let got = client.get("vxlan", None, &[]).await;
        assert_eq!(ids(&got.unwrap()), vec![3], "{fault:?}");
        assert_eq!(requests_to(&emu, "/config/vxlan").len(), 3, "{fault:?}");
    }
}

#[tokio::test]
async fn reads_give_up_after_three_retries() {
    let emu = Emulator::start(EmulatorOptions::default());
    let client = connect(&emu).await;
    emu.inject(Fault::Status503 {
        on: on("GET", "vxlan"),
        times: 10,
    });
    let err = client.get("vxlan", None, &[]).await.unwrap_err();
    assert_eq!(err.status(), Some(503), "{err}");
    assert!(err.is_transient());
    assert_eq!(requests_to(&emu, "/config/vxlan").len(), 4);
}

#[tokio::test]
async fn a_slow_answer_times_out_and_the_read_is_retried() {
    let emu = Emulator::start(EmulatorOptions::default());
    let mut cfg = config(&emu, "nsroot");
    cfg.timeout = Duration::from_millis(300);
    let client = connect_with(cfg).await.unwrap();
    emu.inject(Fault::Slow {
        on: on("GET", "vxlan"),
        times: 1,
        delay: Duration::from_secs(2),
    });
    client.get("vxlan", None, &[]).await.unwrap();
    emu.inject(Fault::Slow {
        on: on("GET", "vxlan"),
        times: 4,
        delay: Duration::from_secs(2),
    });
    let err = client.get("vxlan", None, &[]).await.unwrap_err();
    assert!(matches!(err, NitroError::Timeout), "{err:?}");
}

#[tokio::test]
async fn bulk_add_reports_each_item_and_keeps_the_others() {
    let emu = Emulator::start(EmulatorOptions::default());
    emu.inject(Fault::FailItem {
        resource: "vxlan".into(),
        field: "id".into(),
        value: "2".into(),
        errorcode: 278,
        message: "Invalid argument [id]".into(),
    });
    let client = connect(&emu).await;
    let results = client
        .bulk(BulkOp::Add, "vxlan", &[vxlan(1), vxlan(2), vxlan(3)])
        .await
        .unwrap();
    assert_eq!(
        results.iter().map(|r| r.errorcode).collect::<Vec<_>>(),
        vec![0, 278, 0]
    );
    assert_eq!(results[1].message, "Invalid argument [id]");
    assert_eq!(
        ids(&client.get("vxlan", None, &[]).await.unwrap()),
        vec![1, 3]
    );
    let add = &requests_to(&emu, "/config/vxlan")[0];
    assert_eq!((add.method.as_str(), add.status), ("POST", 207));
    assert_eq!(add.onerror.as_deref(), Some("continue"));
    assert_eq!(client.stats().writes, 1);
}

#[tokio::test]
async fn bulk_add_of_existing_objects_reports_273_per_item() {
    let emu = Emulator::start(EmulatorOptions::default());
    emu.load_state(&json!({"vxlan": [{"id": 1, "port": 8472}]}))
        .unwrap();
    let client = connect(&emu).await;
    let results = client
        .bulk(BulkOp::Add, "vxlan", &[vxlan(1), vxlan(2)])
        .await
        .unwrap();
    assert_eq!(results[0].errorcode, 273);
    assert!(results[1].ok());
    let single = client
        .bulk(BulkOp::Add, "vxlan", &[vxlan(2)])
        .await
        .unwrap();
    assert_eq!(single[0].errorcode, 273, "{single:?}");
}

#[tokio::test]
async fn bulk_update_and_delete() {
    let emu = Emulator::start(EmulatorOptions::default());
    emu.load_state(&json!({"vxlan": [{"id": 1, "port": 8472}, {"id": 2, "port": 8472}]}))
        .unwrap();
    let client = connect(&emu).await;
    let update = [
        object(json!({"id": 1, "port": 4789})),
        object(json!({"id": 2, "port": "4789"})),
    ];
    let results = client.bulk(BulkOp::Update, "vxlan", &update).await.unwrap();
    assert!(results.iter().all(ItemResult::ok), "{results:?}");
    let got = client.get("vxlan", Some("1"), &[]).await.unwrap();
    assert_eq!(as_i64(&got[0]["port"]), Some(4789));

    let delete = [
        object(json!({"id": 1})),
        object(json!({"id": 2})),
        object(json!({"id": 9})),
    ];
    let results = client
        .bulk(BulkOp::Delete(DeleteAction::Rm), "vxlan", &delete)
        .await
        .unwrap();
    assert!(results[0].ok() && results[1].ok(), "{results:?}");
    assert_eq!(results[2].errorcode, 258);
    assert!(client.get("vxlan", None, &[]).await.unwrap().is_empty());
    let rm = requests_to(&emu, "/config/vxlan")
        .into_iter()
        .find(|r| r.query.contains("action=rm"))
        .expect("a POST ?action=rm");
    assert_eq!(rm.method, "POST");
    assert_eq!(rm.onerror.as_deref(), Some("continue"));
    // Nothing to do means no request.
    let before = client.stats();
    assert!(
        client
            .bulk(BulkOp::Delete(DeleteAction::Rm), "vxlan", &[])
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(client.stats(), before);
}

/// A binding is removed with `?action=unbind`: the ADC has no `rm` for binding types.
#[tokio::test]
async fn bulk_delete_sends_the_kinds_action() {
    let emu = Emulator::start(EmulatorOptions::default());
    emu.load_state(&json!({
        "nsip": [{"ipaddress": "192.0.2.10", "netmask": "255.255.255.0", "type": "SNIP"}],
        "vxlan": [{"id": 1, "port": 8472}],
        "vxlan_srcip_binding": [{"id": 1, "srcip": "192.0.2.10"}],
    }))
    .unwrap();
    let client = connect(&emu).await;
    let results = client
        .bulk(
            BulkOp::Delete(DeleteAction::Unbind),
            "vxlan_srcip_binding",
            &[object(json!({"id": 1, "srcip": "192.0.2.10"}))],
        )
        .await
        .unwrap();
    assert!(results.iter().all(ItemResult::ok), "{results:?}");
    assert!(
        client
            .get("vxlan_srcip_binding", Some("1"), &[])
            .await
            .unwrap()
            .is_empty()
    );
    let sent = requests_to(&emu, "/config/vxlan_srcip_binding");
    assert!(
        sent.iter()
            .any(|r| r.method == "POST" && r.query == "action=unbind"),
        "{sent:?}"
    );
}

#[tokio::test]
async fn writes_are_retried_on_503_and_resets_but_not_on_internal_errors() {
    let emu = Emulator::start(EmulatorOptions::default());
    let client = connect(&emu).await;
    emu.inject(Fault::Status503 {
        on: on("POST", "vxlan"),
        times: 1,
    });
    let results = client
        .bulk(BulkOp::Add, "vxlan", &[vxlan(1)])
        .await
        .unwrap();
    assert!(results[0].ok(), "{results:?}");
    emu.inject(Fault::ConnectionReset {
        on: on("POST", "vxlan"),
        times: 1,
    });
    let results = client
        .bulk(BulkOp::Add, "vxlan", &[vxlan(2), vxlan(3)])
        .await
        .unwrap();
    assert!(results.iter().all(ItemResult::ok), "{results:?}");
    emu.inject(Fault::Internal1043 {
        on: on("POST", "vxlan"),
        times: 1,
    });
    let err = client
        .bulk(BulkOp::Add, "vxlan", &[vxlan(4), vxlan(5)])
        .await
        .unwrap_err();
    assert_eq!(err.errorcode(), Some(1043), "{err}");
}

#[tokio::test]
async fn save_waits_out_a_concurrent_save() {
    let emu = Emulator::start(EmulatorOptions::default());
    let client = connect(&emu).await;
    emu.inject(Fault::SaveBusy293 { times: 2 });
    client.save_config().await.unwrap();
    let saves = requests_to(&emu, "/config/nsconfig");
    assert_eq!(saves.len(), 3);
    assert!(saves.iter().all(|r| r.query.contains("action=save")));
    assert_eq!(saves.last().unwrap().status, 200);
    // Busy for longer than the retry window: the 293 is reported.
    emu.inject(Fault::SaveBusy293 { times: 100 });
    let err = client.save_config().await.unwrap_err();
    assert_eq!(err.errorcode(), Some(293), "{err}");
    emu.clear_faults();
}

#[tokio::test]
async fn names_are_double_encoded_and_found() {
    let emu = Emulator::start(EmulatorOptions::default());
    let client = connect(&emu).await;
    let name = "k8s web:80#a";
    let server = object(json!({"name": name, "ipaddress": "10.244.1.5"}));
    let results = client.bulk(BulkOp::Add, "server", &[server]).await.unwrap();
    assert!(results[0].ok(), "{results:?}");
    let got = client.get("server", Some(name), &[]).await.unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["name"], json!(name));
    let by_name = requests_to(&emu, "k8s%2520web%253A80%2523a");
    assert_eq!(by_name.len(), 1, "{:?}", emu.requests());
    let filtered = client
        .get("server", None, &[("filter", "ipaddress:10.244.1.5".into())])
        .await
        .unwrap();
    assert_eq!(filtered.len(), 1);
    assert!(
        emu.requests()
            .iter()
            .any(|r| r.query == "filter=ipaddress:10.244.1.5")
    );
    // A missing name is an empty answer, not an error.
    assert!(
        client
            .get("server", Some("nope"), &[])
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn unknown_resources_are_api_errors() {
    let emu = Emulator::start(EmulatorOptions::default());
    let client = connect(&emu).await;
    let err = client.get("nosuchthing", None, &[]).await.unwrap_err();
    assert_eq!(err.errorcode(), Some(1232), "{err}");
    assert!(err.to_string().contains("to GET nosuchthing"), "{err}");
}

#[tokio::test]
async fn unreachable_adc_is_a_transport_error() {
    // Bind and drop to get a port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut client_cfg = config(&Emulator::start(EmulatorOptions::default()), "nsroot");
    client_cfg.url = format!("http://127.0.0.1:{port}");
    let err = NitroClient::connect(client_cfg).await.unwrap_err();
    assert!(
        matches!(err, NitroError::Transport { tls: false, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().contains(&format!("127.0.0.1:{port}")),
        "{err}"
    );
}

#[tokio::test]
async fn https_needs_the_ca_file_or_the_insecure_switch() {
    let emu = Emulator::start(EmulatorOptions {
        tls: true,
        ..Default::default()
    });
    let err = connect_with(config(&emu, "nsroot")).await.unwrap_err();
    assert!(
        matches!(err, NitroError::Transport { tls: true, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("--adc-ca-file"), "{err}");
    assert!(err.to_string().contains("certificate"), "{err}");
    assert!(!err.to_string().contains("client error"), "{err}");
    assert!(!err.is_transient());
    assert_eq!(logins(&emu), 0);

    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("adc-ca.pem");
    std::fs::write(&ca, emu.ca_pem().expect("ca pem")).unwrap();
    let mut cfg = config(&emu, "nsroot");
    cfg.ca_file = Some(ca);
    let client = connect_with(cfg).await.unwrap();
    client.get("vxlan", None, &[]).await.unwrap();
    client.logout().await;

    let mut cfg = config(&emu, "nsroot");
    cfg.insecure_skip_tls_verify = true;
    let client = connect_with(cfg).await.unwrap();
    client.get("vxlan", None, &[]).await.unwrap();
    client.logout().await;

    let mut cfg = config(&emu, "nsroot");
    cfg.ca_file = Some(dir.path().join("missing.pem"));
    let err = connect_with(cfg).await.unwrap_err();
    assert!(matches!(err, NitroError::Config(_)), "{err:?}");
    assert!(err.to_string().contains("--adc-ca-file"), "{err}");
}

#[tokio::test]
async fn session_limit_is_explained() {
    let emu = Emulator::start(EmulatorOptions {
        max_sessions: 1,
        ..Default::default()
    });
    let _first = connect(&emu).await;
    let err = connect_with(config(&emu, "nsroot")).await.unwrap_err();
    assert!(matches!(err, NitroError::SessionLimit), "{err:?}");
    assert!(err.to_string().contains("log out"), "{err}");
}

/// Debug logs carry method, path, status and errorcode, never the password or the token.
#[tokio::test]
async fn logs_never_show_password_or_token() {
    #[derive(Clone, Default)]
    struct Buffer(Arc<std::sync::Mutex<Vec<u8>>>);
    impl std::io::Write for Buffer {
        fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(data);
            Ok(data.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    // tracing caches each log line's interest process-wide and, while only one dispatcher
    // exists, asks the default of the thread that first reaches the line: a parallel test
    // without a subscriber would switch the client's log lines off for this one too. A second
    // live dispatcher avoids that shortcut; the rebuild repairs lines reached before.
    let _second = tracing::Dispatch::new(tracing_subscriber::registry());
    let _guard = tracing::subscriber::set_default(subscriber);
    tracing::callsite::rebuild_interest_cache();

    let password = "Sup3r-Secret-pw";
    let emu = Emulator::start(EmulatorOptions {
        password: password.into(),
        ..Default::default()
    });
    let client = connect_with(config(&emu, password)).await.unwrap();
    emu.expire_all_sessions();
    client.get("vxlan", None, &[]).await.unwrap();
    client
        .bulk(BulkOp::Add, "vxlan", &[vxlan(1)])
        .await
        .unwrap();
    client.logout().await;
    let _ = connect_with(config(&emu, "Other-Secret-pw"))
        .await
        .unwrap_err();

    let logs = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("errorcode=444"), "{logs}");
    assert!(logs.contains("/nitro/v1/config/vxlan"), "{logs}");
    assert!(!logs.contains(password), "{logs}");
    assert!(!logs.contains("Other-Secret-pw"), "{logs}");
    assert!(!logs.contains("##"), "{logs}");
    assert!(!logs.contains("NITRO_AUTH_TOKEN="), "{logs}");
    assert!(!format!("{client:?}").contains(password));
}
