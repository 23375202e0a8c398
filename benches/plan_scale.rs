//! Scale benchmark: `plan` from a 5,000-node cluster snapshot, compared with the floor, the time
//! to only deserialise that file into the Kubernetes types (see `support/floor.rs`).
//!
//! ```text
//! cargo bench --bench plan_scale                         # 5,000 nodes, 11 rounds
//! cargo bench --bench plan_scale -- --nodes 1000 --rounds 5
//! cargo bench --bench plan_scale -- --generate-only      # only write target/bench-data/
//! cargo bench --bench plan_scale -- --no-memory          # skip the peak-RSS child runs
//! ```
//!
//! It writes `target/bench-data/cluster-<N>.json` and `.yaml` (deterministic, seeded), checks
//! that both plan all N nodes, then times, round-robin so machine noise spreads evenly, the
//! floor variants and the whole in-process pipeline (`Objects::parse` → `facts` →
//! `model::desired` → `InputDigests::of` → `render::plan::render`), and prints medians, the
//! total/floor ratios, a per-stage breakdown and the peak RSS of each, measured in a child
//! process per case. Times exclude reading the file and dropping the results; the pipeline, like
//! `snapshot::read_facts`, drops the Kubernetes objects once it has the facts, and that counts.
//! It asserts nothing about time: it is a measurement, not a test. Run without `--bench` (as
//! `cargo test --benches` does) it only smoke-tests itself on a small cluster.

mod support;

use kubectl_netscaler::cli::PlanOutput;
use kubectl_netscaler::cluster::snapshot::Objects;
use kubectl_netscaler::model::fingerprint::InputDigests;
use kubectl_netscaler::model::{self, ClusterFacts, Desired, Level, ModelSettings};
use kubectl_netscaler::render;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use support::{floor, synthetic};

const SEED: u64 = 0x6e65_7473_6361_6c65;

struct Args {
    nodes: usize,
    rounds: usize,
    generate_only: bool,
    memory: bool,
    child: Option<(String, PathBuf)>,
}

fn args() -> Args {
    let mut a = Args {
        nodes: 5000,
        rounds: 11,
        generate_only: false,
        memory: true,
        child: None,
    };
    let mut bench = false;
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut num = |name: &str| -> usize {
            it.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{name} needs a number"))
        };
        match arg.as_str() {
            "--bench" => bench = true,
            "--nodes" => a.nodes = num("--nodes"),
            "--rounds" => a.rounds = num("--rounds"),
            "--generate-only" => a.generate_only = true,
            "--no-memory" => a.memory = false,
            "--child" => {
                let case = it.next().expect("--child CASE FILE");
                let file = it.next().expect("--child CASE FILE");
                a.child = Some((case, file.into()));
            }
            // Whatever else cargo or libtest conventions pass (`--nocapture`, filters).
            _ => {}
        }
    }
    if !bench && a.child.is_none() && !a.generate_only {
        // `cargo test --benches`: prove the benchmark works, quickly.
        a.nodes = a.nodes.min(200);
        a.rounds = 1;
        a.memory = false;
    }
    a
}

fn settings() -> ModelSettings {
    ModelSettings {
        cluster: "bench".into(),
        vtep_ip: Some("192.0.2.10".parse().unwrap()),
        adc_pod_cidr: Some("10.255.254.0/24".parse().unwrap()),
        node_address_type: "InternalIP".into(),
        ..Default::default()
    }
}

/// What the pipeline built, returned so dropping it stays outside the timed region.
struct Planned {
    facts: ClusterFacts,
    desired: Desired,
    _digests: InputDigests,
    rendered: String,
}

/// The whole `plan --cluster-file` pipeline, in process. Like `snapshot::read_facts`, it drops
/// the Kubernetes objects once the facts are extracted, so that drop is part of the time.
fn plan(path: &Path, text: &str, settings: &ModelSettings, output: PlanOutput) -> Planned {
    let facts = {
        let objects = Objects::parse(path, text).expect("snapshot parses");
        objects.facts(path).expect("facts")
    };
    let desired = model::desired(settings, &facts).expect("desired state");
    let digests = InputDigests::of(&facts, None);
    let rendered = render::plan::render(&desired, &digests, settings, output);
    Planned {
        facts,
        desired,
        _digests: digests,
        rendered,
    }
}

/// So no case can measure a shortcut: every node planned, with its three objects.
fn check_plan(p: &Planned, nodes: usize) {
    let d = &p.desired;
    assert_eq!(d.planned_nodes, nodes, "planned nodes");
    assert_eq!(d.adc.len(), 3 * nodes + 3, "ADC objects");
    assert!(
        d.diagnostics.iter().all(|x| x.level != Level::Warning),
        "unexpected warnings: {:?}",
        &d.diagnostics[..d.diagnostics.len().min(3)]
    );
    assert!(p.rendered.len() > nodes * 100, "rendered output too short");
}

fn check_floor(t: &floor::Typed, nodes: usize) {
    assert_eq!(t.nodes.len(), nodes, "floor nodes");
    assert_eq!(t.config_maps.len(), 7, "floor config maps");
    assert!(t.nodes.iter().all(|n| n.status.is_some()));
}

#[derive(Clone, Copy, PartialEq)]
enum Format {
    Json,
    Yaml,
}

impl Format {
    fn name(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Yaml => "yaml",
        }
    }
}

/// Runs a case once on (path, text, expected node count), checking what it produced.
type Run = Box<dyn Fn(&Path, &str, usize)>;

/// One measured case.
struct Case {
    name: String,
    format: Format,
    run: Run,
    /// Child-process peak RSS measurement for this case.
    memory: bool,
}

fn cases() -> Vec<Case> {
    let mut v: Vec<Case> = Vec::new();
    fn floor_case(name: &str, format: Format, memory: bool, f: fn(&str) -> floor::Typed) -> Case {
        Case {
            name: name.into(),
            format,
            memory,
            run: Box::new(move |_, text, nodes| {
                let t = f(black_box(text));
                check_floor(&t, nodes);
                black_box(t);
            }),
        }
    }
    fn plan_case(name: &str, format: Format, output: PlanOutput) -> Case {
        let s = settings();
        Case {
            name: name.into(),
            format,
            memory: true,
            run: Box::new(move |path, text, nodes| {
                let p = plan(path, black_box(text), &s, output);
                check_plan(&p, nodes);
                black_box(p);
            }),
        }
    }
    v.push(floor_case(
        "floor-json",
        Format::Json,
        true,
        floor::one_pass_json,
    ));
    v.push(floor_case(
        "floor-json-raw",
        Format::Json,
        false,
        floor::raw_then_typed_json,
    ));
    v.push(floor_case(
        "floor-json-untagged",
        Format::Json,
        false,
        floor::untagged_json,
    ));
    v.push(plan_case(
        "plan-json-o-json",
        Format::Json,
        PlanOutput::Json,
    ));
    v.push(plan_case(
        "plan-json-o-table",
        Format::Json,
        PlanOutput::Table,
    ));
    v.push(floor_case(
        "floor-yaml",
        Format::Yaml,
        true,
        floor::one_pass_yaml,
    ));
    v.push(floor_case(
        "floor-yaml-untagged",
        Format::Yaml,
        false,
        floor::untagged_yaml,
    ));
    v.push(plan_case(
        "plan-yaml-o-json",
        Format::Yaml,
        PlanOutput::Json,
    ));
    v.push(plan_case(
        "plan-yaml-o-table",
        Format::Yaml,
        PlanOutput::Table,
    ));
    v
}

/// Times of the pipeline's stages, for the breakdown.
const STAGES: [&str; 7] = [
    "parse",
    "facts",
    "drop objects",
    "desired",
    "digests",
    "render -o json",
    "render -o table",
];

fn staged(path: &Path, text: &str, s: &ModelSettings, nodes: usize) -> [Duration; 7] {
    let t0 = Instant::now();
    let objects = Objects::parse(path, black_box(text)).expect("snapshot parses");
    let t1 = Instant::now();
    let facts = objects.facts(path).expect("facts");
    let t1b = Instant::now();
    drop(objects);
    let t2 = Instant::now();
    let desired = model::desired(s, &facts).expect("desired state");
    let t3 = Instant::now();
    let digests = InputDigests::of(&facts, None);
    let t4 = Instant::now();
    let json = render::plan::render(&desired, &digests, s, PlanOutput::Json);
    let t5 = Instant::now();
    let table = render::plan::render(&desired, &digests, s, PlanOutput::Table);
    let t6 = Instant::now();
    assert_eq!(desired.planned_nodes, nodes);
    black_box((facts, desired, digests, json, table));
    [
        t1 - t0,
        t1b - t1,
        t2 - t1b,
        t3 - t2,
        t4 - t3,
        t5 - t4,
        t6 - t5,
    ]
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn data_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    target.join("bench-data")
}

/// Writes the snapshot files (same seed and node count, same bytes) and returns their paths.
fn generate(nodes: usize) -> (PathBuf, PathBuf) {
    let dir = data_dir();
    std::fs::create_dir_all(&dir).expect("create target/bench-data");
    let list = synthetic::cluster(nodes, SEED);
    let json = dir.join(format!("cluster-{nodes}.json"));
    let yaml = dir.join(format!("cluster-{nodes}.yaml"));
    std::fs::write(&json, synthetic::to_kubectl_json(&list)).expect("write JSON snapshot");
    std::fs::write(&yaml, synthetic::to_kubectl_yaml(&list)).expect("write YAML snapshot");
    (json, yaml)
}

/// Peak resident set size of this process so far, in KiB.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Child mode: run one case once on FILE and print the peak RSS (KiB) and the baseline
/// (KiB after reading the file, before the case ran).
fn child(case: &str, file: &Path, nodes: usize) {
    let text = std::fs::read_to_string(file).expect("read snapshot");
    let before = peak_rss_kib();
    let c = cases()
        .into_iter()
        .find(|c| c.name == case)
        .unwrap_or_else(|| panic!("unknown case {case}"));
    (c.run)(file, &text, nodes);
    println!("{} {before}", peak_rss_kib());
}

fn child_rss(case: &str, file: &Path, nodes: usize) -> Option<(f64, f64)> {
    let out = std::process::Command::new(std::env::current_exe().ok()?)
        .args(["--child", case])
        .arg(file)
        .args(["--nodes", &nodes.to_string()])
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!(
            "{case}: child failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut it = text.split_whitespace().map(|v| v.parse::<f64>().ok());
    Some((it.next()?? / 1024.0, it.next()?? / 1024.0))
}

fn main() {
    let a = args();
    if let Some((case, file)) = &a.child {
        child(case, file, a.nodes);
        return;
    }
    let t = Instant::now();
    let (json_path, yaml_path) = generate(a.nodes);
    let mb = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0) as f64 / 1e6;
    println!(
        "generated {} nodes in {:.1}s: {} ({:.1} MB), {} ({:.1} MB)",
        a.nodes,
        t.elapsed().as_secs_f64(),
        json_path.display(),
        mb(&json_path),
        yaml_path.display(),
        mb(&yaml_path),
    );
    if a.generate_only {
        return;
    }
    let json = std::fs::read_to_string(&json_path).expect("read JSON snapshot");
    let yaml = std::fs::read_to_string(&yaml_path).expect("read YAML snapshot");
    let text = |f: Format| if f == Format::Json { &json } else { &yaml };
    let path = |f: Format| {
        if f == Format::Json {
            &json_path
        } else {
            &yaml_path
        }
    };

    // The two files must say the same thing, and every node must be planned.
    let s = settings();
    let pj = plan(&json_path, &json, &s, PlanOutput::Json);
    let py = plan(&yaml_path, &yaml, &s, PlanOutput::Json);
    check_plan(&pj, a.nodes);
    check_plan(&py, a.nodes);
    assert_eq!(pj.facts, py.facts, "JSON and YAML snapshots disagree");
    drop((pj, py));

    let cases = cases();
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); cases.len()];
    let mut stage_times: Vec<Vec<[Duration; 7]>> = vec![Vec::new(), Vec::new()];
    for round in 0..a.rounds {
        for (i, c) in cases.iter().enumerate() {
            let start = Instant::now();
            (c.run)(path(c.format), text(c.format), a.nodes);
            times[i].push(start.elapsed());
        }
        for (k, f) in [Format::Json, Format::Yaml].into_iter().enumerate() {
            stage_times[k].push(staged(path(f), text(f), &s, a.nodes));
        }
        eprint!("\rround {}/{}", round + 1, a.rounds);
    }
    eprintln!();

    let med: Vec<Duration> = times.iter().map(|t| median(t.clone())).collect();
    let floor_of = |f: Format| {
        let name = format!("floor-{}", f.name());
        med[cases.iter().position(|c| c.name == name).unwrap()]
    };
    println!(
        "\n{} nodes, {} rounds, medians (min..max); times exclude file reading\n",
        a.nodes, a.rounds
    );
    println!(
        "{:<22} {:>10} {:>21} {:>8} {:>12}",
        "case", "median ms", "min..max ms", "÷ floor", "peak RSS MiB"
    );
    for (i, c) in cases.iter().enumerate() {
        let lo = *times[i].iter().min().unwrap();
        let hi = *times[i].iter().max().unwrap();
        let rss = if a.memory && c.memory {
            child_rss(&c.name, path(c.format), a.nodes)
                .map(|(peak, _)| format!("{peak:.0}"))
                .unwrap_or_else(|| "?".into())
        } else {
            "-".into()
        };
        println!(
            "{:<22} {:>10.1} {:>21} {:>8.2} {:>12}",
            c.name,
            ms(med[i]),
            format!("{:.1}..{:.1}", ms(lo), ms(hi)),
            med[i].as_secs_f64() / floor_of(c.format).as_secs_f64(),
            rss
        );
    }
    println!("\npipeline stages (medians, ms):");
    println!("{:<6} {}", "", STAGES.map(|s| format!("{s:>16}")).join(""));
    for (k, f) in [Format::Json, Format::Yaml].into_iter().enumerate() {
        let row: Vec<String> = (0..STAGES.len())
            .map(|j| {
                let col: Vec<Duration> = stage_times[k].iter().map(|r| r[j]).collect();
                format!("{:>16.1}", ms(median(col)))
            })
            .collect();
        println!("{:<6} {}", f.name(), row.join(""));
    }
    if a.memory {
        let (_, base) = child_rss("floor-json", &json_path, a.nodes).unwrap_or_default();
        println!(
            "\npeak RSS is of a child process that reads the file and runs the case once \
             (baseline after reading the JSON file: {base:.0} MiB)"
        );
    }
}
