//! Benchmark of the whole `vocpath route` process (issue 18, targets 1 and 2): a seeded instance of
//! 20,000 students × 8 choices × 200 programmes with two CEL priority rules
//! (`student.registered_poor`, `student.town == programme.town`) is written to a file, then the
//! release binary is spawned on it several times, with the rules and without them; the figures are
//! wall-clock times of the whole process (start, read, route, write the result file).
//!
//! `cargo bench --bench route_cli`; `BENCH_CLI_STUDENTS`, `BENCH_CLI_CHOICES`,
//! `BENCH_CLI_PROGRAMMES` and `BENCH_CLI_RUNS` change the sizes and the number of runs (target 2:
//! `BENCH_CLI_STUDENTS=1000000 BENCH_CLI_CHOICES=10 BENCH_CLI_PROGRAMMES=5000 BENCH_CLI_RUNS=3`).
//! `BENCH_CLI_BINARY=PATH` times another build (an older commit's, to compare).
//! `BENCH_CLI_KEEP=DIR` writes the instances to DIR and keeps them with their results
//! (`instance-rules.json`, `result-rules.json`, `instance-plain.json`, `result-plain.json`): to
//! profile the binary by hand, or to `cmp` the results of two builds.
//!
//! It also prints the peak resident memory of one more run with the rules (`/usr/bin/time`),
//! and fails (exit 1) when a target of issue 18 is missed: at the default size, a median over 60 ms
//! with the rules or over 3× the median without; at 1,000,000 × 10 × 5,000, a median of 3 s or
//! more, or 2 GB or more at the peak.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const TOWNS: [&str; 6] = ["米河镇", "鲁庄镇", "站街镇", "涉村镇", "紫荆路街道", "回郭镇"];

fn env_count(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// `choices` distinct programmes, popular ones (low indices) more often.
fn pick_programmes(rng: &mut StdRng, programmes: usize, choices: usize) -> Vec<usize> {
    let mut picked = Vec::with_capacity(choices);
    while picked.len() < choices.min(programmes) {
        let u: f64 = rng.random();
        let p = ((u * u) * programmes as f64) as usize;
        if !picked.contains(&p) {
            picked.push(p);
        }
    }
    picked
}

/// The instance as JSON text, written by hand so that generating a million students stays cheap.
fn instance_json(students: usize, choices: usize, programmes: usize, with_rules: bool) -> String {
    let mut rng = StdRng::seed_from_u64(18);
    let mut out = String::with_capacity(students * (60 + choices * 8) + programmes * 80);
    out.push_str("{\"seed\": 42,\n\"rules\": {\"priority\": [");
    if with_rules {
        out.push_str(
            "{\"name\": \"registered household\", \"when\": \"student.registered_poor\", \"points\": 100},\n\
             {\"name\": \"same town\", \"when\": \"student.town == programme.town\", \"points\": 10}",
        );
    }
    out.push_str("]},\n\"programmes\": [\n");
    for p in 0..programmes {
        let capacity = rng.random_range(40..=120);
        let sep = if p + 1 < programmes { ",\n" } else { "\n" };
        let _ = write!(
            out,
            "{{\"code\": \"P{p:05}\", \"capacity\": {capacity}, \"town\": \"{}\"}}{sep}",
            TOWNS[p % TOWNS.len()]
        );
    }
    out.push_str("],\n\"students\": [\n");
    for s in 0..students {
        let poor = rng.random_bool(0.3);
        let town = TOWNS[rng.random_range(0..TOWNS.len())];
        let _ = write!(
            out,
            "{{\"id\": \"S{s:07}\", \"attributes\": {{\"registered_poor\": {poor}, \"town\": \"{town}\"}}, \"preferences\": ["
        );
        for (k, p) in pick_programmes(&mut rng, programmes, choices).iter().enumerate() {
            let sep = if k == 0 { "" } else { ", " };
            let _ = write!(out, "{sep}\"P{p:05}\"");
        }
        out.push_str(if s + 1 < students { "]},\n" } else { "]}\n" });
    }
    out.push_str("]}\n");
    out
}

/// The binary to time: `BENCH_CLI_BINARY`, else this build's.
fn binary() -> String {
    std::env::var("BENCH_CLI_BINARY").unwrap_or_else(|_| env!("CARGO_BIN_EXE_vocpath").to_string())
}

/// Runs `vocpath route` on `input` `runs` times; the sorted wall-clock times in seconds.
fn time_process(input: &Path, output: &Path, runs: usize) -> Vec<f64> {
    let binary = binary();
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            let status = Command::new(&binary)
                .arg("route")
                .arg("--input")
                .arg(input)
                .arg("--output")
                .arg(output)
                .stdout(std::process::Stdio::null())
                .status();
            let elapsed = started.elapsed().as_secs_f64();
            match status {
                Ok(s) if s.success() => elapsed,
                other => panic!("vocpath route failed: {other:?}"),
            }
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times
}

fn describe(times: &[f64]) -> String {
    let ms = |x: f64| x * 1000.0;
    format!(
        "min {:.1} ms, median {:.1} ms, max {:.1} ms ({} runs)",
        ms(times[0]),
        ms(times[times.len() / 2]),
        ms(times[times.len() - 1]),
        times.len()
    )
}

/// The peak resident memory, in bytes, of one more run on `input`, read by `/usr/bin/time` (GNU
/// time's `%M`); `None` where it is not installed.
fn peak_bytes(binary: &str, input: &Path, output: &Path) -> Option<u64> {
    let run = Command::new("/usr/bin/time")
        .args(["-f", "peak-kib %M", binary, "route", "--input"])
        .arg(input)
        .arg("--output")
        .arg(output)
        .stdout(std::process::Stdio::null())
        .output()
        .ok()?;
    let stderr = String::from_utf8_lossy(&run.stderr);
    let kib: u64 = stderr
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("peak-kib "))?
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

/// The targets of issue 18 that apply at this size: what was missed, if anything.
fn missed(size: (usize, usize, usize), medians: &[f64], peak: u64) -> Vec<String> {
    let mut missed = Vec::new();
    if size == (20_000, 8, 200) {
        if medians[0] > 0.060 {
            missed.push(format!("median with rules {:.1} ms > 60 ms", medians[0] * 1000.0));
        }
        if medians[0] > 3.0 * medians[1] {
            missed.push(format!(
                "with rules {:.2}× the time without (> 3×)",
                medians[0] / medians[1]
            ));
        }
    }
    if size == (1_000_000, 10, 5_000) {
        if medians[0] >= 3.0 {
            missed.push(format!("median with rules {:.2} s >= 3 s", medians[0]));
        }
        if peak >= 2_000_000_000 {
            missed.push(format!("peak memory {:.2} GB >= 2 GB", peak as f64 / 1e9));
        }
    }
    missed
}

fn main() {
    let students = env_count("BENCH_CLI_STUDENTS", 20_000);
    let choices = env_count("BENCH_CLI_CHOICES", 8);
    let programmes = env_count("BENCH_CLI_PROGRAMMES", 200);
    let runs = env_count("BENCH_CLI_RUNS", 15).max(1);
    let (dir, keep) = match std::env::var("BENCH_CLI_KEEP") {
        Ok(d) => (PathBuf::from(d), true),
        Err(_) => (
            std::env::temp_dir().join(format!("vocpath-route-cli-{}", std::process::id())),
            false,
        ),
    };
    if let Err(e) = std::fs::create_dir_all(&dir) {
        panic!("cannot create {}: {e}", dir.display());
    }
    println!("vocpath route: {students} students × {choices} choices × {programmes} programmes, whole process");
    let mut medians = Vec::new();
    let mut peak = 0;
    for (label, with_rules) in [("with the two priority rules", true), ("without rules", false)] {
        let kind = if with_rules { "rules" } else { "plain" };
        let input = dir.join(format!("instance-{kind}.json"));
        let text = instance_json(students, choices, programmes, with_rules);
        if let Err(e) = std::fs::write(&input, &text) {
            panic!("cannot write {}: {e}", input.display());
        }
        let output = dir.join(format!("result-{kind}.json"));
        let times = time_process(&input, &output, runs);
        let size = std::fs::metadata(&output).map_or(0, |m| m.len());
        println!(
            "  {label}: {} — input {:.1} MB, result {:.1} MB",
            describe(&times),
            text.len() as f64 / 1e6,
            size as f64 / 1e6
        );
        medians.push(times[times.len() / 2]);
        if with_rules {
            match peak_bytes(&binary(), &input, &output) {
                Some(bytes) => {
                    peak = bytes;
                    println!("  peak resident memory with rules: {:.1} MB", bytes as f64 / 1e6);
                }
                None => println!("  peak resident memory: not measured (no /usr/bin/time)"),
            }
        }
    }
    println!("  ratio with/without rules (medians): {:.2}×", medians[0] / medians[1]);
    if !keep {
        let _ = std::fs::remove_dir_all(&dir);
    }
    let missed = missed((students, choices, programmes), &medians, peak);
    if !missed.is_empty() {
        eprintln!("target missed: {}", missed.join("; "));
        std::process::exit(1);
    }
}
