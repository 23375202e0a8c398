//! Conformance tests for the NITRO emulator, driven by a plain HTTP client (ureq), one or a few
//! per behaviour of the "Emulator checklist" in NITRO.md.

use netscaler_testbed::nitro::{Emulator, EmulatorOptions, Fault, Match};
use serde_json::{Value, json};
use std::time::Duration;

struct Answer {
    status: u16,
    raw: String,
    json: Value,
    headers: Vec<(String, String)>,
}

impl Answer {
    fn code(&self) -> i64 {
        self.json["errorcode"].as_i64().unwrap_or(-1)
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn headers_named(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }
    #[track_caller]
    fn expect(&self, status: u16, code: i64) -> &Self {
        assert_eq!(
            (self.status, self.code()),
            (status, code),
            "unexpected answer: {}",
            self.raw
        );
        self
    }
}

struct Client {
    agent: ureq::Agent,
    base: String,
    cookie: Option<String>,
    creds: Option<(String, String)>,
}

impl Client {
    fn new(emu: &Emulator) -> Client {
        let mut cfg = ureq::Agent::config_builder().http_status_as_error(false);
        if let Some(pem) = emu.ca_pem() {
            let cert = ureq::tls::Certificate::from_pem(pem.as_bytes()).expect("pem");
            cfg = cfg.tls_config(
                ureq::tls::TlsConfig::builder()
                    .root_certs(ureq::tls::RootCerts::new_with_certs(&[cert]))
                    .build(),
            );
        }
        Client {
            agent: cfg.build().new_agent(),
            base: emu.url(),
            cookie: None,
            creds: None,
        }
    }

    /// A client logged in with a session cookie.
    fn login(emu: &Emulator) -> Client {
        let mut c = Client::new(emu);
        let a = c.req(
            "POST",
            "/nitro/v1/config/login",
            Some(json!({"login": {"username": "nsroot", "password": "nsroot"}})),
        );
        a.expect(201, 0);
        let token = a.json["sessionid"].as_str().expect("sessionid").to_string();
        c.cookie = Some(format!("NITRO_AUTH_TOKEN={token}"));
        c
    }

    fn try_req(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Result<Answer, ureq::Error> {
        let mut b = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{}", self.base, path))
            .header("Accept", "application/json");
        if let Some(c) = &self.cookie {
            b = b.header("Cookie", c);
        }
        if let Some((u, p)) = &self.creds {
            b = b.header("X-NITRO-USER", u).header("X-NITRO-PASS", p);
        }
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        let resp = match body {
            Some(v) => self.agent.run(
                b.header("Content-Type", "application/json")
                    .body(v.to_string())
                    .expect("request"),
            )?,
            None => self.agent.run(b.body(()).expect("request"))?,
        };
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_string()))
            .collect();
        let raw = resp.into_body().read_to_string()?;
        let json = serde_json::from_str(&raw).unwrap_or(Value::Null);
        Ok(Answer {
            status,
            raw,
            json,
            headers,
        })
    }

    fn req(&self, method: &str, path: &str, body: Option<Value>) -> Answer {
        self.try_req(method, path, body, &[])
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }
    fn get(&self, path: &str) -> Answer {
        self.req("GET", &format!("/nitro/v1/config/{path}"), None)
    }
    fn post(&self, path: &str, body: Value) -> Answer {
        self.req("POST", &format!("/nitro/v1/config/{path}"), Some(body))
    }
    fn put(&self, path: &str, body: Value) -> Answer {
        self.req("PUT", &format!("/nitro/v1/config/{path}"), Some(body))
    }
    fn delete(&self, path: &str) -> Answer {
        self.req("DELETE", &format!("/nitro/v1/config/{path}"), None)
    }
    fn bulk(&self, method: &str, path: &str, body: Value, onerror: &str) -> Answer {
        self.try_req(
            method,
            &format!("/nitro/v1/config/{path}"),
            Some(body),
            &[("X-NITRO-ONERROR", onerror)],
        )
        .expect("bulk request")
    }
}

fn emu() -> Emulator {
    Emulator::start(EmulatorOptions::default())
}

/// vxlan 1 (port 8472), underlay SNIP 192.168.1.10/24 bound as srcip, overlay SNIP
/// 10.244.255.1/16.
fn overlay_base(c: &Client) {
    c.post(
        "nsip",
        json!({"nsip": {"ipaddress": "192.168.1.10", "netmask": "255.255.255.0", "type": "snip"}}),
    )
    .expect(201, 0);
    c.post("vxlan", json!({"vxlan": {"id": "1", "port": "8472"}}))
        .expect(201, 0);
    c.put(
        "vxlan_srcip_binding",
        json!({"vxlan_srcip_binding": {"id": 1, "srcip": "192.168.1.10"}}),
    )
    .expect(201, 0);
    c.post(
        "nsip",
        json!({"nsip": {"ipaddress": "10.244.255.1", "netmask": "255.255.0.0"}}),
    )
    .expect(201, 0);
}

// ---------------------------------------------------------------- transport and auth

#[test]
fn login_answers_201_with_token_in_body_and_cookie() {
    let e = emu();
    let c = Client::new(&e);
    let a = c.req(
        "POST",
        "/nitro/v1/config/login",
        Some(json!({"login": {"username": "nsroot", "password": "nsroot", "timeout": 900}})),
    );
    a.expect(201, 0);
    let sid = a.json["sessionid"].as_str().unwrap();
    assert!(sid.starts_with("##") && sid.len() > 10, "{sid}");
    let cookie = a.header("set-cookie").unwrap();
    assert_eq!(
        cookie,
        format!("NITRO_AUTH_TOKEN=%23%23{}; path=/nitro/v1", &sid[2..])
    );
    assert_eq!(
        a.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(a.header("connection"), Some("close"));
    assert!(
        a.raw.starts_with(
            r###"{ "errorcode": 0, "message": "Done", "severity": "NONE", "sessionid": "##"###
        ),
        "{}",
        a.raw
    );
    // the percent-encoded cookie form is accepted as well as the raw token
    let mut c2 = Client::new(&e);
    c2.cookie = Some(format!("NITRO_AUTH_TOKEN=%23%23{}", &sid[2..]));
    c2.get("nsversion").expect(200, 0);
    c2.cookie = Some(format!("sessionid=%23%23{}", &sid[2..]));
    c2.get("nsversion").expect(200, 0);
    assert_eq!(e.active_sessions(), 1);
}

#[test]
fn bad_credentials_unknown_login_field_and_missing_auth() {
    let e = emu();
    let c = Client::new(&e);
    c.post(
        "login",
        json!({"login": {"username": "nsroot", "password": "x"}}),
    )
    .expect(401, 354);
    let a = c.post(
        "login",
        json!({"login": {"username": "nsroot", "password": "nsroot", "new_password": "y"}}),
    );
    a.expect(599, 278);
    c.get("vxlan").expect(401, 354);
    let mut c = Client::new(&e);
    c.creds = Some(("nsroot".into(), "nsroot".into()));
    c.get("vxlan").expect(200, 0);
    c.creds = Some(("nsroot".into(), "wrong".into()));
    c.get("vxlan").expect(401, 354);
    assert_eq!(e.active_sessions(), 0);
}

#[test]
fn status_599_carries_the_netscaler_reason_phrase() {
    let e = emu();
    let addr = e.url().trim_start_matches("http://").to_string();
    let mut s = std::net::TcpStream::connect(&addr).unwrap();
    use std::io::{Read, Write};
    write!(
        s,
        "GET /nitro/v1/config/nosuchtype HTTP/1.1\r\nHost: x\r\nX-NITRO-USER: nsroot\r\nX-NITRO-PASS: nsroot\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    assert!(
        out.starts_with("HTTP/1.1 599 Netscaler specific error\r\n"),
        "{out}"
    );
    assert!(out.contains(
        r#"{ "errorcode": 1232, "message": "Invalid object name", "severity": "ERROR" }"#
    ));
}

#[test]
fn login_empty_body_mode_sets_only_the_cookie() {
    let e = Emulator::start(EmulatorOptions {
        login_empty_body: true,
        ..Default::default()
    });
    let mut c = Client::new(&e);
    let a = c.post(
        "login",
        json!({"login": {"username": "nsroot", "password": "nsroot"}}),
    );
    assert_eq!(a.status, 201);
    assert_eq!(a.raw, "");
    let cookies = a.headers_named("set-cookie");
    let tok = cookies
        .iter()
        .find_map(|c| c.strip_prefix("NITRO_AUTH_TOKEN="))
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    assert!(tok.starts_with("%23%23"));
    c.cookie = Some(format!("NITRO_AUTH_TOKEN={tok}"));
    c.get("nsconfig").expect(200, 0);
}

#[test]
fn sessions_expire_on_idle_timeout_logout_and_kill() {
    let e = emu();
    let mut c = Client::new(&e);
    let a = c.post(
        "login",
        json!({"login": {"username": "nsroot", "password": "nsroot", "timeout": 1}}),
    );
    c.cookie = Some(format!(
        "NITRO_AUTH_TOKEN={}",
        a.json["sessionid"].as_str().unwrap()
    ));
    c.get("vxlan").expect(200, 0);
    std::thread::sleep(Duration::from_millis(1300));
    let a = c.get("vxlan");
    a.expect(401, 444);
    assert_eq!(
        a.json["message"],
        "Session expired or killed. Please login again"
    );

    let c = Client::login(&e);
    c.post("logout", json!({"logout": {}})).expect(200, 0);
    c.get("vxlan").expect(401, 444);

    let c = Client::login(&e);
    e.expire_all_sessions();
    c.get("vxlan").expect(401, 444);
    assert_eq!(e.active_sessions(), 0);
}

#[test]
fn session_limit_answers_445() {
    let e = Emulator::start(EmulatorOptions {
        max_sessions: 2,
        ..Default::default()
    });
    let c1 = Client::login(&e);
    let _c2 = Client::login(&e);
    let c = Client::new(&e);
    c.post(
        "login",
        json!({"login": {"username": "nsroot", "password": "nsroot"}}),
    )
    .expect(401, 445);
    c1.post("logout", json!({"logout": {}})).expect(200, 0);
    let _c3 = Client::login(&e);
    assert_eq!(e.active_sessions(), 2);
}

#[test]
fn https_with_the_self_signed_ca() {
    let e = Emulator::start(EmulatorOptions {
        tls: true,
        ..Default::default()
    });
    assert!(e.url().starts_with("https://127.0.0.1:"));
    let pem = e.ca_pem().unwrap();
    assert!(pem.contains("BEGIN CERTIFICATE"));
    let c = Client::login(&e);
    c.get("nsversion").expect(200, 0);
    // a client without the CA must fail the handshake
    let plain = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    assert!(
        plain
            .get(format!("{}/nitro/v1/config/nsversion", e.url()))
            .call()
            .is_err()
    );
}

// ---------------------------------------------------------------- envelope and queries

#[test]
fn fresh_state_and_empty_collections() {
    let e = emu();
    let c = Client::login(&e);
    let a = c.get("vxlan");
    a.expect(200, 0);
    assert!(a.json.get("vxlan").is_none(), "{}", a.raw);
    let v = c.get("nsversion");
    assert!(
        v.json["nsversion"]["version"]
            .as_str()
            .unwrap()
            .starts_with("NetScaler NS13.1: Build 49.13.nc")
    );
    assert_eq!(c.get("nsconfig").json["nsconfig"]["configchanged"], false);
    let ip = c.get("nsip");
    assert_eq!(ip.json["nsip"][0]["ipaddress"], "192.0.2.5");
    assert_eq!(ip.json["nsip"][0]["type"], "NSIP");
    let intf = c.get("Interface");
    let macs: Vec<&str> = intf.json["Interface"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["mac"].as_str().unwrap())
        .collect();
    assert_eq!(macs.len(), 2);
    assert_ne!(macs[0], macs[1]);
    let ha = c.get("hanode");
    assert_eq!(ha.json["hanode"][0]["state"], "Primary");
    assert_eq!(ha.json["hanode"][0]["id"], "0");
    // connected route of the management subnet
    let r = c.get("route");
    let routes = r.json["route"].as_array().unwrap();
    assert_eq!(routes.len(), 1);
    assert_eq!(routes[0]["network"], "192.0.2.0");
    assert_eq!(routes[0]["direct"], true);
    assert_eq!(routes[0]["Static"], false);
    c.get("nosuchtype").expect(599, 1232);
}

#[test]
fn names_in_the_path_are_decoded_twice() {
    let e = emu();
    let c = Client::login(&e);
    let a = c.get("Interface/1%252F1");
    a.expect(200, 0);
    assert_eq!(a.json["Interface"].as_array().unwrap().len(), 1);
    assert_eq!(a.json["Interface"][0]["id"], "1/1");
    c.get("Interface/9%252F9").expect(404, 258);
}

#[test]
fn numbers_come_back_typed_and_inputs_accept_strings_and_any_case() {
    let e = emu();
    let c = Client::login(&e);
    c.post(
        "vxlan",
        json!({"vxlan": {"id": "5", "port": "8472", "dynamicrouting": "disabled"}}),
    )
    .expect(201, 0);
    let a = c.get("vxlan/5");
    let v = &a.json["vxlan"];
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["id"], json!("5"));
    assert_eq!(v[0]["port"], json!(8472));
    assert_eq!(v[0]["td"], json!("0"));
    assert_eq!(v[0]["dynamicrouting"], json!("DISABLED"));
    assert_eq!(v[0]["type"], json!("VXLAN"));
    c.post("vxlan", json!({"vxlan": {"id": 5}}))
        .expect(409, 273);
    assert_eq!(
        c.post("vxlan", json!({"vxlan": {"id": 5}})).json["message"],
        "Resource already exists [id, 5]"
    );
    c.post("vxlan", json!({"vxlan": {"id": 0}}))
        .expect(599, 1097);
    c.get("vxlan/6").expect(404, 258);
}

#[test]
fn args_filter_attrs_count_and_paging() {
    let e = emu();
    let c = Client::login(&e);
    for i in 1..=5 {
        c.post(
            "nsip",
            json!({"nsip": {"ipaddress": format!("10.0.{i}.1"), "netmask": "255.255.255.0", "type": if i % 2 == 0 { "VIP" } else { "SNIP" }}}),
        )
        .expect(201, 0);
    }
    let a = c.get("nsip?args=ipaddress:10.0.3.1,td:0");
    assert_eq!(a.json["nsip"].as_array().unwrap().len(), 1);
    c.get("nsip?args=ipaddress:10.9.9.9").expect(404, 258);
    let a = c.get("nsip?filter=type:VIP");
    assert_eq!(a.json["nsip"].as_array().unwrap().len(), 2);
    let a = c.get("nsip?filter=ipaddress:%2F%5E10%5C.0%5C.%5B12%5D%2F");
    assert_eq!(a.json["nsip"].as_array().unwrap().len(), 2, "{}", a.raw);
    let a = c.get("nsip?filter=type:MIP");
    a.expect(200, 0);
    assert!(a.json.get("nsip").is_none());
    let a = c.get("nsip?attrs=ipaddress,type&filter=type:VIP");
    let first = a.json["nsip"][0].as_object().unwrap();
    assert_eq!(first.keys().collect::<Vec<_>>(), vec!["ipaddress", "type"]);
    let a = c.get("nsip?count=yes");
    assert_eq!(a.json["nsip"][0]["__count"], json!(6));
    let p1 = c.get("nsip?pagesize=4&pageno=1");
    let p2 = c.get("nsip?pagesize=4&pageno=2");
    assert_eq!(p1.json["nsip"].as_array().unwrap().len(), 4);
    assert_eq!(p2.json["nsip"].as_array().unwrap().len(), 2);
    assert_ne!(p1.json["nsip"][0], p2.json["nsip"][0]);
}

#[test]
fn unknown_type_bad_json_and_wrong_key() {
    let e = emu();
    let c = Client::login(&e);
    c.post("vxlanz", json!({"vxlanz": {"id": 1}}))
        .expect(599, 1232);
    let a = c
        .try_req(
            "POST",
            "/nitro/v1/config/vxlan",
            None,
            &[("Content-Type", "application/json")],
        )
        .unwrap();
    a.expect(599, 1233);
    let raw = c
        .agent
        .post(format!("{}/nitro/v1/config/vxlan", c.base))
        .header("Cookie", c.cookie.as_deref().unwrap())
        .send("{not json")
        .unwrap();
    assert_eq!(raw.status().as_u16(), 599);
    c.post("vxlan", json!({"arp": {"id": 1}})).expect(599, 1232);
    c.post("vxlan", json!({"vxlan": {"id": 1, "bogus": 1}}))
        .expect(599, 278);
    c.post("vxlan?action=frobnicate", json!({"vxlan": {"id": 1}}))
        .expect(599, 1240);
}

// ---------------------------------------------------------------- overlay resources

#[test]
fn vxlan_update_rules() {
    let e = emu();
    let c = Client::login(&e);
    c.post("vxlan", json!({"vxlan": {"id": 7}})).expect(201, 0);
    assert_eq!(c.get("vxlan/7").json["vxlan"][0]["port"], 4789);
    c.put(
        "vxlan",
        json!({"vxlan": {"id": 7, "port": 8472, "vlan": "10"}}),
    )
    .expect(200, 0);
    let v = c.get("vxlan/7");
    assert_eq!(v.json["vxlan"][0]["port"], 8472);
    assert_eq!(v.json["vxlan"][0]["vlan"], "10");
    let a = c.put("vxlan/7", json!({"vxlan": {"id": 7, "type": "VXLANGPE"}}));
    a.expect(599, 278);
    assert_eq!(a.json["message"], "Invalid argument [type]");
    c.put("vxlan", json!({"vxlan": {"id": 8, "port": 1}}))
        .expect(404, 258);
    c.delete("vxlan/7").expect(200, 0);
    c.delete("vxlan/7").expect(404, 258);
}

#[test]
fn srcip_binding_needs_vxlan_and_an_existing_snip() {
    let e = emu();
    let c = Client::login(&e);
    c.put(
        "vxlan_srcip_binding",
        json!({"vxlan_srcip_binding": {"id": 1, "srcip": "192.168.1.10"}}),
    )
    .expect(404, 258);
    c.post("vxlan", json!({"vxlan": {"id": 1}})).expect(201, 0);
    c.put(
        "vxlan_srcip_binding",
        json!({"vxlan_srcip_binding": {"id": 1, "srcip": "192.168.1.10"}}),
    )
    .expect(599, 1013);
    // the management NSIP is not a SNIP
    c.post(
        "vxlan_srcip_binding",
        json!({"vxlan_srcip_binding": {"id": 1, "srcip": "192.0.2.5"}}),
    )
    .expect(599, 1013);
    c.post(
        "nsip",
        json!({"nsip": {"ipaddress": "192.168.1.10", "netmask": "255.255.255.0"}}),
    )
    .expect(201, 0);
    c.put(
        "vxlan_srcip_binding",
        json!({"vxlan_srcip_binding": {"id": 1, "srcip": "192.168.1.10"}}),
    )
    .expect(201, 0);
    c.put(
        "vxlan_srcip_binding",
        json!({"vxlan_srcip_binding": {"id": 1, "srcip": "192.168.1.10"}}),
    )
    .expect(409, 273);
    let a = c.get("vxlan_srcip_binding/1");
    assert_eq!(
        a.json["vxlan_srcip_binding"],
        json!([{"id": "1", "srcip": "192.168.1.10"}])
    );
    let agg = c.get("vxlan_binding/1");
    assert_eq!(
        agg.json["vxlan_binding"][0]["vxlan_srcip_binding"][0]["srcip"],
        "192.168.1.10"
    );
    c.delete("vxlan_srcip_binding/1?args=srcip:192.168.1.10")
        .expect(200, 0);
    let a = c.get("vxlan_srcip_binding/1");
    a.expect(200, 0);
    assert!(a.json.get("vxlan_srcip_binding").is_none());
    c.get("vxlan_srcip_binding/2").expect(404, 258);
}

#[test]
fn route_rules_604_991_989_273_and_connected_routes() {
    let e = emu();
    let c = Client::login(&e);
    let r = |net: &str, gw: &str| json!({"route": {"network": net, "netmask": "255.255.255.0", "gateway": gw}});
    c.post("route", r("10.244.1.0", "10.244.1.0"))
        .expect(599, 604);
    c.post(
        "nsip",
        json!({"nsip": {"ipaddress": "10.244.255.1", "netmask": "255.255.0.0"}}),
    )
    .expect(201, 0);
    // 10.244.0.0 is the network id of the overlay SNIP's /16
    c.post("route", r("10.244.0.0", "10.244.0.0"))
        .expect(599, 991);
    c.post("route", r("10.244.1.0", "10.244.255.255"))
        .expect(599, 991);
    c.post(
        "route",
        json!({"route": {"network": "10.244.0.0", "netmask": "255.255.0.0", "gateway": "10.244.1.0"}}),
    )
    .expect(599, 989);
    c.post("route", r("10.244.1.0", "10.244.1.0"))
        .expect(201, 0);
    c.post("route", r("10.244.1.0", "10.244.1.0"))
        .expect(409, 273);
    let a = c.get("route?args=network:10.244.1.0,netmask:255.255.255.0,gateway:10.244.1.0");
    let rt = &a.json["route"][0];
    assert_eq!(rt["Static"], true);
    assert_eq!(rt["direct"], false);
    assert_eq!(rt["routetype"], "STATIC");
    let all = c.get("route");
    let direct: Vec<&Value> = all.json["route"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["direct"] == true)
        .collect();
    assert_eq!(direct.len(), 2, "{}", all.raw);
    // update: only the documented attributes
    c.put(
        "route",
        json!({"route": {"network": "10.244.1.0", "netmask": "255.255.255.0", "gateway": "10.244.1.0", "weight": 5, "distance": "2"}}),
    )
    .expect(200, 0);
    c.put(
        "route",
        json!({"route": {"network": "10.244.1.0", "netmask": "255.255.255.0", "gateway": "10.244.1.0", "vlan": 5}}),
    )
    .expect(599, 278);
    // the SNIP's subnet carries the route's gateway
    c.delete("nsip/10.244.255.1?args=td:0").expect(599, 605);
    // connected routes cannot be deleted
    c.delete("route?args=network:10.244.0.0,netmask:255.255.0.0,gateway:10.244.255.1")
        .expect(599, 2506);
    c.delete("route?args=network:10.244.1.0,netmask:255.255.255.0,gateway:10.244.1.0")
        .expect(200, 0);
    c.delete("route?args=network:10.244.1.0,netmask:255.255.255.0,gateway:10.244.1.0")
        .expect(404, 258);
    c.delete("nsip?args=ipaddress:10.244.255.1,td:0")
        .expect(200, 0);
}

#[test]
fn nsip_update_rules() {
    let e = emu();
    let c = Client::login(&e);
    c.post(
        "nsip",
        json!({"nsip": {"ipaddress": "10.1.1.1", "netmask": "255.255.255.0"}}),
    )
    .expect(201, 0);
    c.put(
        "nsip",
        json!({"nsip": {"ipaddress": "10.1.1.1", "netmask": "255.255.0.0", "mgmtaccess": "enabled"}}),
    )
    .expect(200, 0);
    let a = c.get("nsip/10.1.1.1");
    assert_eq!(a.json["nsip"][0]["netmask"], "255.255.0.0");
    assert_eq!(a.json["nsip"][0]["mgmtaccess"], "ENABLED");
    assert_eq!(a.json["nsip"][0]["type"], "SNIP");
    c.put(
        "nsip",
        json!({"nsip": {"ipaddress": "10.1.1.1", "type": "VIP"}}),
    )
    .expect(599, 278);
    c.post(
        "nsip?action=disable",
        json!({"nsip": {"ipaddress": "10.1.1.1"}}),
    )
    .expect(599, 999);
    c.post(
        "nsip",
        json!({"nsip": {"ipaddress": "10.1.1.300", "netmask": "255.255.255.0"}}),
    )
    .expect(599, 1110);
    c.post(
        "nsip",
        json!({"nsip": {"ipaddress": "10.1.2.1", "netmask": "255.0.255.0"}}),
    )
    .expect(599, 1111);
    c.post("nsip", json!({"nsip": {"ipaddress": "10.1.2.1"}}))
        .expect(599, 1095);
}

#[test]
fn arp_and_bridgetable_need_their_vxlan_and_normalise_macs() {
    let e = emu();
    let c = Client::login(&e);
    let arp = json!({"arp": {"ipaddress": "10.244.1.0", "mac": "AA-BB-CC-DD-EE-01", "vxlan": 1, "vtep": "192.168.1.21"}});
    c.post("arp", arp.clone()).expect(599, 2614);
    let bt =
        json!({"bridgetable": {"mac": "AA:BB:CC:DD:EE:01", "vxlan": "1", "vtep": "192.168.1.21"}});
    c.post("bridgetable", bt.clone()).expect(599, 2614);
    overlay_base(&c);
    c.post("arp", arp.clone()).expect(201, 0);
    c.post("arp", arp).expect(409, 273);
    c.post("bridgetable", bt.clone()).expect(201, 0);
    c.post("bridgetable", bt).expect(409, 273);
    let a = c.get("arp/10.244.1.0");
    let entry = &a.json["arp"][0];
    assert_eq!(entry["mac"], "aa:bb:cc:dd:ee:01");
    assert_eq!(entry["vxlan"], "1");
    assert_eq!(entry["type"], "STATIC");
    let b = c.get("bridgetable");
    assert_eq!(b.json["bridgetable"][0]["mac"], "aa:bb:cc:dd:ee:01");
    assert_eq!(b.json["bridgetable"][0]["vxlan"], "1");
    assert_eq!(b.json["bridgetable"][0]["vni"], "1");
    // arp has no update; bridgetable updates only bridgeage
    c.put(
        "arp",
        json!({"arp": {"ipaddress": "10.244.1.0", "mac": "aa:bb:cc:dd:ee:02"}}),
    )
    .expect(599, 278);
    c.put("bridgetable", json!({"bridgetable": {"bridgeage": 600}}))
        .expect(200, 0);
    assert_eq!(
        c.get("bridgetable").json["bridgetable"][0]["bridgeage"],
        "600"
    );
    c.put(
        "bridgetable",
        json!({"bridgetable": {"mac": "aa:bb:cc:dd:ee:01", "vxlan": 1, "vtep": "192.168.1.21", "vni": 2}}),
    )
    .expect(599, 278);
    // the vxlan is still referenced (inferred 315)
    c.delete("vxlan/1").expect(599, 315);
    c.delete("bridgetable?args=mac:AA%3ABB%3ACC%3ADD%3AEE%3A01,vxlan:1,vtep:192.168.1.21")
        .expect(200, 0);
    c.delete("arp/10.244.1.0").expect(200, 0);
    c.delete("arp/10.244.1.0").expect(404, 258);
    c.delete("vxlan/1").expect(200, 0);
    // the srcip binding went with the vxlan
    let a = c.get("vxlan_srcip_binding");
    assert!(a.json.get("vxlan_srcip_binding").is_none(), "{}", a.raw);
}

#[test]
fn vtep_required_switch_and_clustered_and_ha_secondary() {
    let e = Emulator::start(EmulatorOptions {
        vtep_required_with_vxlan: true,
        ..Default::default()
    });
    let c = Client::login(&e);
    overlay_base(&c);
    c.post(
        "arp",
        json!({"arp": {"ipaddress": "10.244.1.0", "mac": "aa:bb:cc:dd:ee:01", "vxlan": 1}}),
    )
    .expect(599, 1095);

    let e = Emulator::start(EmulatorOptions {
        clustered: true,
        ..Default::default()
    });
    let c = Client::login(&e);
    c.post("vxlan", json!({"vxlan": {"id": 1}}))
        .expect(599, 1065);

    let e = emu();
    let c = Client::login(&e);
    e.set_ha_secondary(true);
    let a = c.post("vxlan", json!({"vxlan": {"id": 1}}));
    a.expect(599, 1028);
    assert!(
        a.json["message"]
            .as_str()
            .unwrap()
            .starts_with("You are connected to a secondary node")
    );
    c.delete("nsip/192.0.2.5").expect(599, 1028);
    let ha = c.get("hanode");
    let nodes = ha.json["hanode"].as_array().unwrap();
    assert_eq!(nodes[0]["state"], "Secondary");
    assert_eq!(nodes[1]["state"], "Primary");
    assert!(nodes[1]["ipaddress"].as_str().is_some());
    e.set_ha_secondary(false);
    c.post("vxlan", json!({"vxlan": {"id": 1}})).expect(201, 0);
}

#[test]
fn configchanged_follows_writes_and_save() {
    let e = emu();
    let c = Client::login(&e);
    let changed = |c: &Client| c.get("nsconfig").json["nsconfig"]["configchanged"].clone();
    c.post("vxlan", json!({"vxlan": {"id": 1}})).expect(201, 0);
    assert_eq!(changed(&c), true);
    c.post("nsconfig?action=save", json!({"nsconfig": {}}))
        .expect(200, 0);
    assert_eq!(changed(&c), false);
    c.post("vxlan", json!({"vxlan": {"id": 1}}))
        .expect(409, 273);
    assert_eq!(changed(&c), false, "a failed write changes nothing");
    e.inject(Fault::SaveBusy293 { times: 1 });
    c.put("vxlan", json!({"vxlan": {"id": 1, "port": 8472}}))
        .expect(200, 0);
    c.post("nsconfig?action=save", json!({"nsconfig": {}}))
        .expect(599, 293);
    assert_eq!(changed(&c), true);
    c.post("nsconfig?action=save", json!({"nsconfig": {}}))
        .expect(200, 0);
    assert_eq!(changed(&c), false);
}

// ---------------------------------------------------------------- bulk

fn three_vxlans() -> Value {
    json!({"vxlan": [{"id": 10}, {"id": 11}, {"id": 12}]})
}

#[test]
fn bulk_add_all_ok_is_201() {
    let e = emu();
    let c = Client::login(&e);
    c.bulk("POST", "vxlan", three_vxlans(), "continue")
        .expect(201, 0);
    assert_eq!(c.get("vxlan?count=yes").json["vxlan"][0]["__count"], 3);
}

#[test]
fn bulk_continue_exit_and_rollback() {
    let e = emu();
    let c = Client::login(&e);
    c.post("vxlan", json!({"vxlan": {"id": 11}})).expect(201, 0);

    let a = c.bulk("POST", "vxlan", three_vxlans(), "continue");
    a.expect(207, 1243);
    assert_eq!(a.json["message"], "Bulk operation failed");
    let codes: Vec<i64> = a.json["response"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["errorcode"].as_i64().unwrap())
        .collect();
    assert_eq!(codes, vec![0, 273, 0]);
    assert_eq!(c.get("vxlan?count=yes").json["vxlan"][0]["__count"], 3);

    let a = c.bulk(
        "POST",
        "vxlan",
        json!({"vxlan": [{"id": 20}, {"id": 11}, {"id": 21}]}),
        "exit",
    );
    a.expect(207, 1243);
    assert_eq!(a.json["response"].as_array().unwrap().len(), 2);
    c.get("vxlan/20").expect(200, 0);
    c.get("vxlan/21").expect(404, 258);

    let a = c.bulk(
        "POST",
        "vxlan",
        json!({"vxlan": [{"id": 30}, {"id": 11}, {"id": 31}]}),
        "rollback",
    );
    a.expect(207, 1243);
    c.get("vxlan/30").expect(404, 258);

    // no header = exit
    let a = c
        .try_req(
            "POST",
            "/nitro/v1/config/vxlan",
            Some(json!({"vxlan": [{"id": 40}, {"id": 11}, {"id": 41}]})),
            &[],
        )
        .unwrap();
    a.expect(207, 1243);
    assert_eq!(a.json["response"].as_array().unwrap().len(), 2);

    c.bulk(
        "PUT",
        "vxlan",
        json!({"vxlan": [{"id": 11, "port": 1}]}),
        "rollback",
    )
    .expect(599, 1242);
    let log = e.requests();
    assert!(
        log.iter()
            .any(|r| r.onerror.as_deref() == Some("rollback") && r.status == 207)
    );
}

#[test]
fn bulk_update_and_bulk_rm() {
    let e = emu();
    let c = Client::login(&e);
    c.bulk("POST", "vxlan", three_vxlans(), "exit")
        .expect(201, 0);
    c.bulk(
        "PUT",
        "vxlan",
        json!({"vxlan": [{"id": 10, "port": 8472}, {"id": 11, "port": "8472"}]}),
        "continue",
    )
    .expect(200, 0);
    assert_eq!(c.get("vxlan/11").json["vxlan"][0]["port"], 8472);
    c.bulk(
        "POST",
        "vxlan?action=rm",
        json!({"vxlan": [{"id": 10}, {"id": 99}, {"id": 11}]}),
        "continue",
    )
    .expect(207, 1243);
    let left = c.get("vxlan");
    assert_eq!(left.json["vxlan"].as_array().unwrap().len(), 1);
    assert_eq!(left.json["vxlan"][0]["id"], "12");
    // single-object rm
    c.post("vxlan?action=rm", json!({"vxlan": {"id": 12}}))
        .expect(200, 0);
    assert!(c.get("vxlan").json.get("vxlan").is_none());
}

/// A binding type has no `rm` (NITRO.md §3.7): a bulk `rm` of srcip bindings is refused as a
/// whole with 599/1240 and removes nothing, even the items that exist.
#[test]
fn rm_on_a_binding_type_is_refused_whole_with_1240() {
    let e = emu();
    let c = Client::login(&e);
    overlay_base(&c);
    let a = c.bulk(
        "POST",
        "vxlan_srcip_binding?action=rm",
        json!({"vxlan_srcip_binding": [{"id": 1, "srcip": "192.168.1.10"}]}),
        "continue",
    );
    a.expect(599, 1240);
    assert!(a.json.get("response").is_none(), "{}", a.raw);
    assert_eq!(a.json["message"], "Invalid nitro action or operation");
    // single-object form too
    c.post(
        "vxlan_srcip_binding?action=rm",
        json!({"vxlan_srcip_binding": {"id": 1, "srcip": "192.168.1.10"}}),
    )
    .expect(599, 1240);
    let left = c.get("vxlan_srcip_binding/1");
    assert_eq!(left.json["vxlan_srcip_binding"][0]["srcip"], "192.168.1.10");
    assert_eq!(e.dump()["vxlan_srcip_binding"].as_array().unwrap().len(), 1);
}

/// `unbind` removes bindings in bulk, with per-item results (207/1243 when one is missing).
#[test]
fn unbind_on_a_binding_type_works_in_bulk_with_per_item_results() {
    let e = emu();
    let c = Client::login(&e);
    overlay_base(&c);
    c.post(
        "nsip",
        json!({"nsip": {"ipaddress": "192.168.1.11", "netmask": "255.255.255.0"}}),
    )
    .expect(201, 0);
    c.put(
        "vxlan_srcip_binding",
        json!({"vxlan_srcip_binding": {"id": 1, "srcip": "192.168.1.11"}}),
    )
    .expect(201, 0);
    let a = c.bulk(
        "POST",
        "vxlan_srcip_binding?action=unbind",
        json!({"vxlan_srcip_binding": [
            {"id": 1, "srcip": "192.168.1.10"},
            {"id": 1, "srcip": "192.168.1.99"},
            {"id": 1, "srcip": "192.168.1.11"},
        ]}),
        "continue",
    );
    a.expect(207, 1243);
    let codes: Vec<i64> = a.json["response"]
        .as_array()
        .expect("per-item results")
        .iter()
        .map(|r| r["errorcode"].as_i64().unwrap())
        .collect();
    assert_eq!(codes, [0, 258, 0], "{}", a.raw);
    assert!(
        c.get("vxlan_srcip_binding/1")
            .json
            .get("vxlan_srcip_binding")
            .is_none()
    );
    // all items ok → 200
    c.put(
        "vxlan_srcip_binding",
        json!({"vxlan_srcip_binding": {"id": 1, "srcip": "192.168.1.10"}}),
    )
    .expect(201, 0);
    c.bulk(
        "POST",
        "vxlan_srcip_binding?action=unbind",
        json!({"vxlan_srcip_binding": [{"id": 1, "srcip": "192.168.1.10"}]}),
        "continue",
    )
    .expect(200, 0);
    // the vxlan itself is untouched
    assert_eq!(c.get("vxlan/1").json["vxlan"][0]["id"], "1");
}

/// `unbind` on a plain type, and any action a type does not have, is refused whole.
#[test]
fn actions_a_type_does_not_have_are_refused_whole() {
    let e = emu();
    let c = Client::login(&e);
    overlay_base(&c);
    c.bulk(
        "POST",
        "vxlan?action=unbind",
        json!({"vxlan": [{"id": 1}]}),
        "continue",
    )
    .expect(599, 1240);
    assert_eq!(c.get("vxlan/1").json["vxlan"][0]["port"], 8472);
    for (path, body) in [
        (
            "route?action=enable",
            json!({"route": {"network": "10.0.0.0"}}),
        ),
        (
            "vxlan?action=rename",
            json!({"vxlan": {"id": 1, "newname": "2"}}),
        ),
        ("nsip?action=save", json!({"nsip": {}})),
        ("vxlan?action=delete", json!({"vxlan": {"id": 1}})),
        (
            "servicegroup_servicegroupmember_binding?action=rm",
            json!({"servicegroup_servicegroupmember_binding": {"servicegroupname": "sg", "ip": "10.0.0.1", "port": 80}}),
        ),
        (
            "lbvserver_servicegroup_binding?action=rm",
            json!({"lbvserver_servicegroup_binding": {"name": "vs", "servicegroupname": "sg"}}),
        ),
    ] {
        let a = c.post(path, body);
        assert_eq!((a.status, a.code()), (599, 1240), "{path}: {}", a.raw);
    }
    assert_eq!(c.get("vxlan/1").json["vxlan"][0]["id"], "1");
    // the actions the types do have still work
    c.post(
        "servicegroup",
        json!({"servicegroup": {"servicegroupname": "sg", "servicetype": "HTTP"}}),
    )
    .expect(201, 0);
    c.post(
        "servicegroup_servicegroupmember_binding",
        json!({"servicegroup_servicegroupmember_binding": {"servicegroupname": "sg", "ip": "10.0.0.1", "port": 80}}),
    )
    .expect(201, 0);
    c.bulk(
        "POST",
        "servicegroup_servicegroupmember_binding?action=unbind",
        json!({"servicegroup_servicegroupmember_binding": [{"servicegroupname": "sg", "ip": "10.0.0.1", "port": 80}]}),
        "continue",
    )
    .expect(200, 0);
    c.post(
        "servicegroup?action=disable",
        json!({"servicegroup": {"servicegroupname": "sg"}}),
    )
    .expect(200, 0);
    c.post(
        "vxlan?action=unset",
        json!({"vxlan": {"id": 1, "port": true}}),
    )
    .expect(200, 0);
    assert_eq!(c.get("vxlan/1").json["vxlan"][0]["port"], 4789);
}

/// Learned entries: DYNAMIC arp and bridgetable entries can be deleted (bridgetable by args or
/// `clear` by vxlan), PERMANENT ones answer 1023; while any entry references a vxlan, `rm
/// vxlan` answers 315.
#[test]
fn learned_entries_block_rm_vxlan_and_only_dynamic_ones_are_deletable() {
    let e = emu();
    let c = Client::login(&e);
    overlay_base(&c);
    e.load_state(&json!({
        "arp": [
            {"ipaddress": "10.244.1.5", "mac": "0a:58:0a:f4:01:05", "vxlan": 1, "vtep": "192.168.1.21", "type": "DYNAMIC"},
            {"ipaddress": "10.244.1.6", "mac": "0a:58:0a:f4:01:06", "vxlan": 1, "vtep": "192.168.1.21", "type": "PERMANENT"},
        ],
        "bridgetable": [
            {"mac": "0a:58:0a:f4:01:05", "vxlan": 1, "vtep": "192.168.1.21", "type": "DYNAMIC"},
            {"mac": "0a:58:0a:f4:01:06", "vxlan": 1, "vtep": "192.168.1.21", "type": "PERMANENT"},
        ],
    }))
    .unwrap();
    c.delete("vxlan/1").expect(599, 315);
    c.bulk(
        "POST",
        "vxlan?action=rm",
        json!({"vxlan": [{"id": 1}]}),
        "continue",
    )
    .expect(207, 1243);
    c.bulk(
        "POST",
        "arp?action=rm",
        json!({"arp": [{"ipaddress": "10.244.1.5"}, {"ipaddress": "10.244.1.6"}]}),
        "continue",
    )
    .expect(207, 1243);
    c.delete("bridgetable?args=mac:0a%3A58%3A0a%3Af4%3A01%3A05,vxlan:1,vtep:192.168.1.21")
        .expect(200, 0);
    c.delete("bridgetable?args=mac:0a%3A58%3A0a%3Af4%3A01%3A06,vxlan:1,vtep:192.168.1.21")
        .expect(599, 1023);
    let arps = c.get("arp").json["arp"].clone();
    assert_eq!(arps.as_array().unwrap().len(), 1, "{arps}");
    assert_eq!(arps[0]["type"], "PERMANENT");
    let bridges = c.get("bridgetable").json["bridgetable"].clone();
    assert_eq!(bridges.as_array().unwrap().len(), 1, "{bridges}");
    // PERMANENT entries still hold the vxlan
    c.delete("vxlan/1").expect(599, 315);
    assert_eq!(c.get("vxlan/1").json["vxlan"][0]["id"], "1");
}

// ---------------------------------------------------------------- faults

#[test]
fn fail_item_fault_fails_matching_items_until_cleared() {
    let e = emu();
    let c = Client::login(&e);
    e.inject(Fault::FailItem {
        resource: "vxlan".into(),
        field: "id".into(),
        value: "11".into(),
        errorcode: 1043,
        message: "Internal error".into(),
    });
    let a = c.bulk("POST", "vxlan", three_vxlans(), "continue");
    a.expect(207, 1243);
    assert_eq!(a.json["response"][1]["errorcode"], 1043);
    assert_eq!(a.json["response"][1]["message"], "Internal error");
    c.post("vxlan", json!({"vxlan": {"id": "11"}}))
        .expect(599, 1043);
    e.clear_faults();
    c.post("vxlan", json!({"vxlan": {"id": "11"}}))
        .expect(201, 0);
}

#[test]
fn counted_faults_503_1043_reset_slow_and_expire() {
    let e = emu();
    let c = Client::login(&e);
    e.inject(Fault::Status503 {
        on: Match {
            method: Some("GET".into()),
            path_contains: Some("/vxlan".into()),
        },
        times: 1,
    });
    assert_eq!(c.get("nsip").status, 200, "other paths are not affected");
    assert_eq!(c.get("vxlan").status, 503);
    c.get("vxlan").expect(200, 0);

    e.inject(Fault::Internal1043 {
        on: Match::default(),
        times: 2,
    });
    // login is never matched by a fault without "login" in path_contains
    let c2 = Client::login(&e);
    c2.get("vxlan").expect(599, 1043);
    c.get("vxlan").expect(599, 1043);
    c.get("vxlan").expect(200, 0);

    e.inject(Fault::ConnectionReset {
        on: Match {
            method: Some("POST".into()),
            path_contains: None,
        },
        times: 1,
    });
    assert!(
        c.try_req(
            "POST",
            "/nitro/v1/config/vxlan",
            Some(json!({"vxlan": {"id": 1}})),
            &[]
        )
        .is_err()
    );
    c.get("vxlan").expect(200, 0);
    assert!(
        c.get("vxlan").json.get("vxlan").is_none(),
        "reset request had no effect"
    );

    e.inject(Fault::Slow {
        on: Match::default(),
        times: 1,
        delay: Duration::from_millis(50),
    });
    c.get("vxlan").expect(200, 0);

    e.inject(Fault::ExpireSession {
        on: Match::default(),
        times: 1,
    });
    c.get("vxlan").expect(401, 444);
    c.get("vxlan").expect(401, 444);
    c2.get("vxlan").expect(200, 0);

    e.inject(Fault::Status503 {
        on: Match {
            method: None,
            path_contains: Some("login".into()),
        },
        times: 1,
    });
    let c3 = Client::new(&e);
    assert_eq!(
        c3.post(
            "login",
            json!({"login": {"username": "nsroot", "password": "nsroot"}})
        )
        .status,
        503
    );
}

// ---------------------------------------------------------------- service groups

#[test]
fn servicegroup_members_and_vserver_binding() {
    let e = emu();
    let c = Client::login(&e);
    let m = |sg: &str, ip: &str, port: u16| json!({"servicegroup_servicegroupmember_binding": {"servicegroupname": sg, "ip": ip, "port": port}});
    c.put(
        "servicegroup_servicegroupmember_binding",
        m("sg1", "10.244.1.5", 80),
    )
    .expect(404, 258);
    c.post(
        "servicegroup",
        json!({"servicegroup": {"servicegroupname": "sg1", "servicetype": "http", "comment": "managed-by=x"}}),
    )
    .expect(201, 0);
    let a = c.get("servicegroup_servicegroupmember_binding/sg1");
    a.expect(200, 0);
    assert!(
        a.json
            .get("servicegroup_servicegroupmember_binding")
            .is_none()
    );
    c.get("servicegroup_servicegroupmember_binding/nosuch")
        .expect(404, 258);
    c.put(
        "servicegroup_servicegroupmember_binding",
        m("sg1", "10.244.1.5", 80),
    )
    .expect(201, 0);
    c.post(
        "servicegroup_servicegroupmember_binding",
        m("sg1", "10.244.1.5", 80),
    )
    .expect(409, 273);
    c.post(
        "servicegroup_servicegroupmember_binding",
        json!({"servicegroup_servicegroupmember_binding": {"servicegroupname": "sg1", "ip": "10.244.1.6", "servername": "x", "port": 80}}),
    )
    .expect(599, 1092);
    let a = c.get("servicegroup_servicegroupmember_binding/sg1");
    let mem = &a.json["servicegroup_servicegroupmember_binding"][0];
    assert_eq!(mem["port"], json!(80));
    assert_eq!(mem["weight"], json!("1"));
    assert_eq!(mem["servername"], "10.244.1.5");
    // auto-created server
    assert_eq!(
        c.get("server/10.244.1.5").json["server"][0]["ipaddress"],
        "10.244.1.5"
    );
    assert_eq!(
        c.get("servicegroup/sg1").json["servicegroup"][0]["servicetype"],
        "HTTP"
    );
    // weight change through the servicegroup
    c.put(
        "servicegroup",
        json!({"servicegroup": {"servicegroupname": "sg1", "servername": "10.244.1.5", "port": 80, "weight": 7}}),
    )
    .expect(200, 0);
    assert_eq!(
        c.get("servicegroup_servicegroupmember_binding/sg1").json["servicegroup_servicegroupmember_binding"]
            [0]["weight"],
        "7"
    );
    c.put(
        "servicegroup",
        json!({"servicegroup": {"servicegroupname": "sg1", "servicetype": "TCP"}}),
    )
    .expect(599, 278);
    // vserver binding
    let b = json!({"lbvserver_servicegroup_binding": {"name": "vs1", "servicegroupname": "sg1"}});
    c.post("lbvserver_servicegroup_binding", b.clone())
        .expect(404, 258);
    c.post(
        "lbvserver",
        json!({"lbvserver": {"name": "vs1", "servicetype": "HTTP", "ipv46": "10.0.0.10", "port": 80}}),
    )
    .expect(201, 0);
    c.post(
        "lbvserver_servicegroup_binding",
        json!({"lbvserver_servicegroup_binding": {"name": "vs1", "servicegroupname": "nosuch"}}),
    )
    .expect(599, 463);
    c.post("lbvserver_servicegroup_binding", b).expect(201, 0);
    assert_eq!(
        c.get("lbvserver_servicegroup_binding/vs1").json["lbvserver_servicegroup_binding"][0]["servicegroupname"],
        "sg1"
    );
    c.delete("lbvserver_servicegroup_binding/vs1?args=servicegroupname:sg1")
        .expect(200, 0);
    c.delete("servicegroup_servicegroupmember_binding/sg1?args=ip:10.244.1.5,port:80")
        .expect(200, 0);
    c.delete("servicegroup_servicegroupmember_binding/sg1?args=servername:10.244.1.5,port:80")
        .expect(404, 258);
    // the auto-created server stays
    c.get("server/10.244.1.5").expect(200, 0);
    c.post(
        "server",
        json!({"server": {"name": "other", "ipaddress": "10.244.1.5"}}),
    )
    .expect(409, 1335);
}

// ---------------------------------------------------------------- state load/dump and log

#[test]
fn load_state_with_foreign_objects_and_dump() {
    let e = emu();
    e.load_state(&json!({
        "nsip": [{"ipaddress": "192.168.1.10", "netmask": "255.255.255.0", "type": "SNIP"}],
        "vxlan": [{"id": 99, "port": 4789}],
        "route": [
            {"network": "0.0.0.0", "netmask": "0.0.0.0", "gateway": "192.168.1.1"},
            {"network": "127.0.0.0", "netmask": "255.0.0.0", "gateway": "127.0.0.1", "permanent": true},
            {"network": "172.16.0.0", "netmask": "255.255.0.0", "gateway": "192.168.1.2", "routetype": "DYNAMIC"}
        ],
        "arp": [
            {"ipaddress": "192.168.1.1", "mac": "00:11:22:33:44:55", "ifnum": "1/1", "type": "DYNAMIC"},
            {"ipaddress": "192.168.1.2", "mac": "00:11:22:33:44:56", "ifnum": "1/1", "type": "PERMANENT"}
        ],
        "bridgetable": [{"mac": "00:11:22:33:44:57", "vxlan": 99, "vtep": "192.168.1.50"}],
        "nsconfig": {"configchanged": true}
    }))
    .unwrap();
    assert!(e.load_state(&json!({"nosuch": []})).is_err());
    assert!(
        e.load_state(&json!({"route": [{"network": "1.2.3.0"}]}))
            .is_err()
    );
    assert!(
        e.load_state(&json!({"vxlan": [{"id": 5, "port": "x"}]}))
            .is_err()
    );

    let c = Client::login(&e);
    c.delete("arp/192.168.1.2").expect(599, 1023);
    c.delete("route?args=network:127.0.0.0,netmask:255.0.0.0,gateway:127.0.0.1")
        .expect(599, 987);
    c.delete("route?args=network:172.16.0.0,netmask:255.255.0.0,gateway:192.168.1.2")
        .expect(599, 2506);
    c.delete("vxlan/99").expect(599, 315);
    // a static arp replaces a dynamic one (inferred)
    c.delete("arp/192.168.1.1").expect(200, 0);

    let d = e.dump();
    let keys: Vec<&String> = d.as_object().unwrap().keys().collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    assert_eq!(d["nsconfig"]["configchanged"], true);
    assert_eq!(d["vxlan"][0]["id"], "99");
    let routes = d["route"].as_array().unwrap();
    let types: Vec<&str> = routes
        .iter()
        .map(|r| r["routetype"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        vec!["STATIC", "PERMANENT", "DYNAMIC", "DIRECT", "DIRECT"]
    );
    assert_eq!(d, e.dump(), "dump is deterministic");

    // round trip through the test endpoint
    let e2 = emu();
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let resp = agent
        .put(format!("{}/_emulator/state", e2.url()))
        .send(d.to_string())
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(e2.dump(), d);
    let got: Value = agent
        .get(format!("{}/_emulator/state", e2.url()))
        .call()
        .unwrap()
        .into_body()
        .read_json()
        .unwrap();
    assert_eq!(got, d);
}

#[test]
fn load_state_file_accepts_yaml() {
    let dir = std::env::temp_dir().join(format!("nitro-state-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("state.yaml");
    std::fs::write(
        &p,
        "vxlan:\n  - id: 3\n    port: 8472\nInterface:\n  - id: \"1/1\"\n    mac: \"02:AA:BB:CC:DD:EE\"\n",
    )
    .unwrap();
    let e = emu();
    e.load_state_file(&p).unwrap();
    let d = e.dump();
    assert_eq!(d["vxlan"][0]["port"], 8472);
    let intf = d["Interface"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "1/1")
        .unwrap();
    assert_eq!(intf["mac"], "02:aa:bb:cc:dd:ee");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn request_log_records_raw_paths_and_answers() {
    let e = emu();
    let c = Client::login(&e);
    e.clear_requests();
    c.get("Interface/1%252F1").expect(200, 0);
    c.post("vxlan", json!({"vxlan": {"id": 1}})).expect(201, 0);
    c.post("vxlan", json!({"vxlan": {"id": 1}}))
        .expect(409, 273);
    let log = e.requests();
    assert_eq!(log.len(), 3);
    assert_eq!(log[0].path, "/nitro/v1/config/Interface/1%252F1");
    assert_eq!(log[1].method, "POST");
    assert_eq!(log[1].status, 201);
    assert_eq!(log[1].body, Some(json!({"vxlan": {"id": 1}})));
    assert_eq!(log[2].errorcode, Some(273));
    let agent = ureq::Agent::new_with_defaults();
    let reqs: Value = agent
        .get(format!("{}/_emulator/requests", e.url()))
        .call()
        .unwrap()
        .into_body()
        .read_json()
        .unwrap();
    assert_eq!(reqs.as_array().unwrap().len(), 3);
    agent
        .post(format!("{}/_emulator/reset", e.url()))
        .send_empty()
        .unwrap();
    assert!(e.requests().is_empty());
    assert_eq!(e.dump()["vxlan"], json!([]));
}

#[test]
fn idempotent_add_rename_and_member_disable() {
    let e = emu();
    let c = Client::login(&e);
    c.post("vxlan?idempotent=yes", json!({"vxlan": {"id": 4}}))
        .expect(201, 0);
    c.post(
        "vxlan?idempotent=yes",
        json!({"vxlan": {"id": 4, "port": 8472}}),
    )
    .expect(200, 0);
    assert_eq!(c.get("vxlan/4").json["vxlan"][0]["port"], 8472);
    c.post(
        "servicegroup",
        json!({"servicegroup": {"servicegroupname": "a", "servicetype": "TCP"}}),
    )
    .expect(201, 0);
    c.post(
        "servicegroup_servicegroupmember_binding",
        json!({"servicegroup_servicegroupmember_binding": {"servicegroupname": "a", "ip": "10.1.1.1", "port": "8080"}}),
    )
    .expect(201, 0);
    c.post(
        "servicegroup?action=disable",
        json!({"servicegroup": {"servicegroupname": "a", "servername": "10.1.1.1", "port": 8080}}),
    )
    .expect(200, 0);
    c.post(
        "servicegroup",
        json!({"servicegroup": {"servicegroupname": "b", "servicetype": "TCP"}}),
    )
    .expect(201, 0);
    c.post(
        "servicegroup?action=rename",
        json!({"servicegroup": {"servicegroupname": "a", "newname": "b"}}),
    )
    .expect(409, 273);
    c.post(
        "servicegroup?action=rename",
        json!({"servicegroup": {"servicegroupname": "a", "newname": "c"}}),
    )
    .expect(200, 0);
    let m = c.get("servicegroup_servicegroupmember_binding/c");
    let mem = &m.json["servicegroup_servicegroupmember_binding"][0];
    assert_eq!(mem["state"], "DISABLED");
    assert_eq!(mem["port"], 8080);
    c.get("servicegroup/a").expect(404, 258);
}

#[test]
fn stat_vxlan_answers_counters() {
    let e = emu();
    let c = Client::login(&e);
    c.post("vxlan", json!({"vxlan": {"id": 1}})).expect(201, 0);
    let a = c.req("GET", "/nitro/v1/stat/vxlan/1", None);
    a.expect(200, 0);
    assert_eq!(a.json["vxlan"][0]["vxlantotrxpkts"], "0");
    c.req("GET", "/nitro/v1/stat/vxlan/2", None)
        .expect(404, 258);
}

#[test]
fn binary_serves_and_prints_its_url_first() {
    use std::io::BufRead;
    let dir = std::env::temp_dir().join(format!("nitro-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("s.json");
    std::fs::write(&state, r#"{"vxlan": [{"id": 42}]}"#).unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_netscaler-testbed"))
        .args(["nitro", "--port", "0", "--state"])
        .arg(&state)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let body: Value = agent
        .get(format!("{url}/nitro/v1/config/vxlan"))
        .header("X-NITRO-USER", "nsroot")
        .header("X-NITRO-PASS", "nsroot")
        .call()
        .unwrap()
        .into_body()
        .read_json()
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(body["vxlan"][0]["id"], "42");
}
