//! A deterministic synthetic cluster snapshot: what
//! `kubectl get nodes,configmaps -A -o json|yaml` prints for a flannel-VXLAN cluster of N nodes.
//!
//! Nodes look like real kubeadm/cloud nodes (about ten labels, the flannel and kubelet
//! annotations, five conditions, capacity/allocatable, nodeInfo and a handful of images, without
//! managedFields), so a node is 5-8 KB of kubectl output. Every node gets a distinct /24 pod CIDR
//! inside flannel's `Network` 10.0.0.0/8, a distinct VtepMAC and a distinct public IP, so every
//! node is plannable. Keys are sorted and JSON is indented by four spaces, as kubectl does.
//! The same seed always gives byte-identical files.

use serde_json::{Map, Value, json};
use std::fmt::Write as _;

/// SplitMix64: small, seedable, good enough to vary synthetic fields.
pub struct Prng(u64);

impl Prng {
    pub fn new(seed: u64) -> Prng {
        Prng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    fn hex(&mut self, len: usize) -> String {
        let mut s = String::with_capacity(len);
        while s.len() < len {
            write!(s, "{:016x}", self.next_u64()).unwrap();
        }
        s.truncate(len);
        s
    }

    fn uuid(&mut self) -> String {
        let h = self.hex(32);
        format!(
            "{}-{}-{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..32]
        )
    }
}

pub const VNI: u32 = 1;

/// Pod CIDR of node `i`: 10.a.b.0/24, starting at 10.0.1.0/24 (65,535 fit in 10.0.0.0/8 below
/// the ADC's 10.255.254.0/24).
pub fn pod_cidr(i: usize) -> String {
    let n = i + 1;
    format!("10.{}.{}.0/24", n / 256, n % 256)
}

fn ts(rng: &mut Prng, base_day: u64) -> String {
    let day = base_day + rng.below(20);
    let (month, d) = (1 + day / 28, 1 + day % 28);
    format!(
        "2025-{month:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rng.below(24),
        rng.below(60),
        rng.below(60)
    )
}

const IMAGES: &[(&str, &str, u64)] = &[
    ("docker.io/flannel/flannel", "v0.26.7", 32_996_046),
    (
        "docker.io/flannel/flannel-cni-plugin",
        "v1.6.2-flannel1",
        4_856_838,
    ),
    ("registry.k8s.io/kube-proxy", "v1.32.3", 30_905_413),
    ("registry.k8s.io/pause", "3.10", 320_368),
    ("registry.k8s.io/coredns/coredns", "v1.11.3", 18_562_039),
    ("quay.io/prometheus/node-exporter", "v1.9.0", 12_421_356),
    ("docker.io/fluent/fluent-bit", "3.2.8", 34_211_990),
    (
        "registry.k8s.io/ingress-nginx/controller",
        "v1.12.1",
        105_349_215,
    ),
    ("docker.io/library/nginx", "1.27.4", 72_195_292),
    (
        "gcr.io/k8s-staging-sig-storage/csi-node-driver-registrar",
        "v2.13.0",
        14_017_126,
    ),
];

fn condition(
    rng: &mut Prng,
    kind: &str,
    status: &str,
    reason: &str,
    message: &str,
    beat: &str,
) -> Value {
    json!({
        "lastHeartbeatTime": beat,
        "lastTransitionTime": ts(rng, 0),
        "message": message,
        "reason": reason,
        "status": status,
        "type": kind,
    })
}

/// One Node as kubectl prints it.
pub fn node(rng: &mut Prng, i: usize) -> Value {
    let name = format!("worker-{i:05}");
    let zone = ["a", "b", "c"][i % 3];
    let instance = ["m6i.xlarge", "m6i.2xlarge", "c6i.2xlarge", "r6i.xlarge"][i % 4];
    // Unique per node: the index in the low 16 bits, random bits above.
    let mac_hi = rng.next_u64();
    let vtep_mac = format!(
        "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        ((mac_hi as u8) & 0xfe) | 0x02,
        (mac_hi >> 8) as u8,
        (mac_hi >> 16) as u8,
        (mac_hi >> 24) as u8,
        (i >> 8) as u8,
        i as u8
    );
    let n = i + 1;
    let ip = format!("172.{}.{}.{}", 16 + (n >> 16), (n >> 8) & 0xff, n & 0xff);
    let cidr = pod_cidr(i);
    let instance_id = format!("i-0{}", rng.hex(16));
    let beat = ts(rng, 40);
    let mut images: Vec<Value> = Vec::new();
    let count = 6 + rng.below(4) as usize;
    let start = rng.below(IMAGES.len() as u64) as usize;
    for k in 0..count {
        let (repo, tag, size) = IMAGES[(start + k) % IMAGES.len()];
        images.push(json!({
            "names": [format!("{repo}@sha256:{}", rng.hex(64)), format!("{repo}:{tag}")],
            "sizeBytes": size + rng.below(4096),
        }));
    }
    let conditions = vec![
        condition(
            rng,
            "NetworkUnavailable",
            "False",
            "FlannelIsUp",
            "Flannel is running on this node",
            &beat,
        ),
        condition(
            rng,
            "MemoryPressure",
            "False",
            "KubeletHasSufficientMemory",
            "kubelet has sufficient memory available",
            &beat,
        ),
        condition(
            rng,
            "DiskPressure",
            "False",
            "KubeletHasNoDiskPressure",
            "kubelet has no disk pressure",
            &beat,
        ),
        condition(
            rng,
            "PIDPressure",
            "False",
            "KubeletHasSufficientPID",
            "kubelet has sufficient PID available",
            &beat,
        ),
        condition(
            rng,
            "Ready",
            "True",
            "KubeletReady",
            "kubelet is posting ready status",
            &beat,
        ),
    ];
    json!({
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "annotations": {
                "flannel.alpha.coreos.com/backend-data": format!("{{\"VNI\":{VNI},\"VtepMAC\":\"{vtep_mac}\"}}"),
                "flannel.alpha.coreos.com/backend-type": "vxlan",
                "flannel.alpha.coreos.com/kube-subnet-manager": "true",
                "flannel.alpha.coreos.com/public-ip": ip,
                "kubeadm.alpha.kubernetes.io/cri-socket": "unix:///var/run/containerd/containerd.sock",
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            },
            "creationTimestamp": ts(rng, 0),
            "labels": {
                "beta.kubernetes.io/arch": "amd64",
                "beta.kubernetes.io/instance-type": instance,
                "beta.kubernetes.io/os": "linux",
                "failure-domain.beta.kubernetes.io/region": "eu-west-1",
                "failure-domain.beta.kubernetes.io/zone": format!("eu-west-1{zone}"),
                "kubernetes.io/arch": "amd64",
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "node.kubernetes.io/instance-type": instance,
                "node-role.kubernetes.io/worker": "",
                "topology.kubernetes.io/region": "eu-west-1",
                "topology.kubernetes.io/zone": format!("eu-west-1{zone}"),
            },
            "name": name,
            "resourceVersion": (100_000 + rng.below(9_000_000)).to_string(),
            "uid": rng.uuid(),
        },
        "spec": {
            "podCIDR": cidr,
            "podCIDRs": [cidr],
            "providerID": format!("aws:///eu-west-1{zone}/{instance_id}"),
        },
        "status": {
            "addresses": [
                {"address": ip, "type": "InternalIP"},
                {"address": format!("ip-172-{}-{}-{}.eu-west-1.compute.internal", 16 + (n >> 16), (n >> 8) & 0xff, n & 0xff), "type": "InternalDNS"},
                {"address": name, "type": "Hostname"},
            ],
            "allocatable": {
                "cpu": "3920m",
                "ephemeral-storage": "95551679124",
                "hugepages-1Gi": "0",
                "hugepages-2Mi": "0",
                "memory": "15335424Ki",
                "pods": "110",
            },
            "capacity": {
                "cpu": "4",
                "ephemeral-storage": "103680180Ki",
                "hugepages-1Gi": "0",
                "hugepages-2Mi": "0",
                "memory": "16131072Ki",
                "pods": "110",
            },
            "conditions": conditions,
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "images": images,
            "nodeInfo": {
                "architecture": "amd64",
                "bootID": rng.uuid(),
                "containerRuntimeVersion": "containerd://1.7.25",
                "kernelVersion": "6.1.0-31-cloud-amd64",
                "kubeProxyVersion": "v1.32.3",
                "kubeletVersion": "v1.32.3",
                "machineID": rng.hex(32),
                "operatingSystem": "linux",
                "osImage": "Debian GNU/Linux 12 (bookworm)",
                "systemUUID": format!("ec2{}", &rng.uuid()[3..]),
            },
        },
    })
}

fn config_map(rng: &mut Prng, namespace: &str, name: &str, data: &[(&str, &str)]) -> Value {
    let data: Map<String, Value> = data
        .iter()
        .map(|(k, v)| ((*k).to_string(), Value::String((*v).to_string())))
        .collect();
    json!({
        "apiVersion": "v1",
        "data": data,
        "kind": "ConfigMap",
        "metadata": {
            "creationTimestamp": ts(rng, 0),
            "name": name,
            "namespace": namespace,
            "resourceVersion": (1000 + rng.below(90_000)).to_string(),
            "uid": rng.uuid(),
        },
    })
}

const NET_CONF: &str = "{\n  \"Network\": \"10.0.0.0/8\",\n  \"EnableNFTables\": false,\n  \"Backend\": {\n    \"Type\": \"vxlan\"\n  }\n}\n";
const CNI_CONF: &str = "{\n  \"name\": \"cbr0\",\n  \"cniVersion\": \"0.3.1\",\n  \"plugins\": [\n    {\n      \"type\": \"flannel\",\n      \"delegate\": {\n        \"hairpinMode\": true,\n        \"isDefaultGateway\": true\n      }\n    },\n    {\n      \"type\": \"portmap\",\n      \"capabilities\": {\n        \"portMappings\": true\n      }\n    }\n  ]\n}\n";
const COREFILE: &str = ".:53 {\n    errors\n    health {\n       lameduck 5s\n    }\n    ready\n    kubernetes cluster.local in-addr.arpa ip6.arpa {\n       pods insecure\n       fallthrough in-addr.arpa ip6.arpa\n       ttl 30\n    }\n    prometheus :9153\n    forward . /etc/resolv.conf {\n       max_concurrent 1000\n    }\n    cache 30\n    loop\n    reload\n    loadbalance\n}\n";

fn fake_cert(rng: &mut Prng) -> String {
    let mut s = String::from("-----BEGIN CERTIFICATE-----\n");
    for _ in 0..17 {
        let line: String = rng
            .hex(64)
            .bytes()
            .map(|b| {
                char::from(
                    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
                        [(b as usize * 7) % 64],
                )
            })
            .collect();
        s.push_str(&line);
        s.push('\n');
    }
    s.push_str("-----END CERTIFICATE-----\n");
    s
}

/// The whole `kind: List`, keys sorted.
pub fn cluster(nodes: usize, seed: u64) -> Value {
    let mut rng = Prng::new(seed);
    let mut items: Vec<Value> = (0..nodes).map(|i| node(&mut rng, i)).collect();
    let cert = fake_cert(&mut rng);
    for ns in [
        "default",
        "kube-flannel",
        "kube-node-lease",
        "kube-public",
        "kube-system",
    ] {
        items.push(config_map(
            &mut rng,
            ns,
            "kube-root-ca.crt",
            &[("ca.crt", &cert)],
        ));
    }
    items.push(config_map(
        &mut rng,
        "kube-flannel",
        "kube-flannel-cfg",
        &[("cni-conf.json", CNI_CONF), ("net-conf.json", NET_CONF)],
    ));
    items.push(config_map(
        &mut rng,
        "kube-system",
        "coredns",
        &[("Corefile", COREFILE)],
    ));
    let mut list = json!({
        "apiVersion": "v1",
        "items": items,
        "kind": "List",
        "metadata": {"resourceVersion": ""},
    });
    sort_keys(&mut list);
    list
}

/// kubectl prints unstructured objects, whose keys come out sorted.
fn sort_keys(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.sort_keys();
            m.values_mut().for_each(sort_keys);
        }
        Value::Array(a) => a.iter_mut().for_each(sort_keys),
        _ => {}
    }
}

/// kubectl's `-o json`: four-space indentation, trailing newline.
pub fn to_kubectl_json(v: &Value) -> String {
    let mut out = Vec::with_capacity(1 << 20);
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, fmt);
    serde::Serialize::serialize(v, &mut ser).expect("a Value serialises");
    out.push(b'\n');
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// kubectl's `-o yaml` (sigs.k8s.io/yaml style): block style, sequences not indented under their
/// key, strings quoted only when plain would change their meaning, multi-line strings as
/// literal blocks.
pub fn to_kubectl_yaml(v: &Value) -> String {
    let mut out = String::with_capacity(1 << 20);
    emit_block(&mut out, v, 0);
    out
}

fn needs_quotes(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    if s.is_empty()
        || matches!(
            lower.as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | "null" | "~"
        )
    {
        return true;
    }
    // Anything number- or timestamp-like stays a string only when quoted.
    if s.bytes()
        .all(|b| b.is_ascii_digit() || b"+-.:eE_TZ".contains(&b))
    {
        return true;
    }
    let first = s.as_bytes()[0];
    if !(first.is_ascii_alphanumeric() || first == b'/' || first == b'.') {
        return true;
    }
    if s.ends_with(':') || s.ends_with(' ') || s.contains(": ") || s.contains(" #") {
        return true;
    }
    !s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"._/-:@+=,() ".contains(&b))
}

fn scalar(out: &mut String, s: &str) {
    if needs_quotes(s) {
        out.push('\'');
        out.push_str(&s.replace('\'', "''"));
        out.push('\'');
    } else {
        out.push_str(s);
    }
}

fn indent(out: &mut String, n: usize) {
    for _ in 0..n {
        out.push(' ');
    }
}

/// After `key:` or `- `: a scalar on the same line, or a nested block on the next lines.
fn emit_value_after_key(out: &mut String, v: &Value, level: usize, in_seq: bool) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            emit_block(out, v, level + 2);
        }
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            // kubectl does not indent a sequence under its mapping key.
            emit_block(out, v, if in_seq { level + 2 } else { level });
        }
        Value::String(s) if s.contains('\n') && !s.starts_with(' ') => {
            let body = s.strip_suffix('\n').unwrap_or(s);
            out.push_str(if s.ends_with('\n') { " |\n" } else { " |-\n" });
            for line in body.split('\n') {
                if !line.is_empty() {
                    indent(out, level + 2);
                    out.push_str(line);
                }
                out.push('\n');
            }
        }
        _ => {
            out.push(' ');
            emit_inline(out, v);
            out.push('\n');
        }
    }
}

fn emit_inline(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) if s.contains('\n') => {
            out.push_str(&serde_json::to_string(s).expect("a string serialises"))
        }
        Value::String(s) => scalar(out, s),
        Value::Object(_) => out.push_str("{}"),
        Value::Array(_) => out.push_str("[]"),
    }
}

fn emit_block(out: &mut String, v: &Value, level: usize) {
    match v {
        Value::Object(m) => {
            for (i, (k, val)) in m.iter().enumerate() {
                // The first key of a mapping that is a sequence item follows its `- `.
                if i > 0 || !out.ends_with("- ") {
                    indent(out, level);
                }
                scalar(out, k);
                out.push(':');
                emit_value_after_key(out, val, level, false);
            }
        }
        Value::Array(a) => {
            for item in a {
                indent(out, level);
                out.push_str("- ");
                match item {
                    Value::Object(m) if !m.is_empty() => emit_block(out, item, level + 2),
                    Value::Array(inner) if !inner.is_empty() => {
                        out.push('\n');
                        emit_block(out, item, level + 2);
                    }
                    _ => {
                        emit_inline(out, item);
                        out.push('\n');
                    }
                }
            }
        }
        _ => {
            emit_inline(out, v);
            out.push('\n');
        }
    }
}
