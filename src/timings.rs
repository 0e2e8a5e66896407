//! Where the time goes: CPU time per pipeline phase (summed over threads)
//! and the slowest files, printed to stderr when `MOUNTGUARD_TIMINGS` is
//! set. Used by the benchmarks to show that no phase or file blows up.

use std::sync::Mutex;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy)]
pub enum Phase {
    Read,
    Parse,
    Copy,
    Facts,
    Classes,
    Taint,
    BroadExcept,
    Link,
    Solve,
    Rules,
}

const PHASES: [(&str, Phase); 10] = [
    ("read", Phase::Read),
    ("parse", Phase::Parse),
    ("copy tree", Phase::Copy),
    ("imports/comments", Phase::Facts),
    ("class model", Phase::Classes),
    ("taint summaries", Phase::Taint),
    ("broad-except", Phase::BroadExcept),
    ("link", Phase::Link),
    ("solve", Phase::Solve),
    ("rules", Phase::Rules),
];

static NANOS: [AtomicU64; 10] = [const { AtomicU64::new(0) }; 10];
static SLOWEST: Mutex<Vec<(Duration, String)>> = Mutex::new(Vec::new());

pub fn enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    *ENABLED.get_or_init(|| {
        let enabled = std::env::var_os("MOUNTGUARD_TIMINGS").is_some();
        if enabled {
            started();
        }
        enabled
    })
}

/// Runs `work`, adding its duration to `phase` when timings are enabled.
pub fn time<T>(phase: Phase, work: impl FnOnce() -> T) -> T {
    if !enabled() {
        return work();
    }
    let start = Instant::now();
    let result = work();
    NANOS[phase as usize].fetch_add(start.elapsed().as_nanos() as u64, Ordering::Relaxed);
    result
}

/// Records one file's total analysis time, keeping the five slowest.
pub fn record_file(path: &str, elapsed: Duration) {
    if !enabled() {
        return;
    }
    let mut slowest = SLOWEST.lock().unwrap_or_else(|e| e.into_inner());
    if slowest.len() < 5 || slowest.last().is_some_and(|(d, _)| *d < elapsed) {
        slowest.push((elapsed, path.to_string()));
        slowest.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        slowest.truncate(5);
    }
}

static NOTES: Mutex<Vec<String>> = Mutex::new(Vec::new());
static MARKS: Mutex<Vec<(&'static str, Duration)>> = Mutex::new(Vec::new());

/// When the clock of `mark` started: the first time timings were asked about.
fn started() -> Instant {
    static STARTED: OnceLock<Instant> = OnceLock::new();
    *STARTED.get_or_init(Instant::now)
}

/// Records the wall-clock time at which a step of the pipeline ended, to
/// show which steps run on one thread while the others wait.
pub fn mark(step: &'static str) {
    if enabled() {
        let elapsed = started().elapsed();
        MARKS
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((step, elapsed));
    }
}

/// Records a line to print with the timings (e.g. how many rounds the
/// solver took).
pub fn note(line: &str) {
    if enabled() {
        NOTES
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(line.to_string());
    }
}

pub fn report() {
    if !enabled() {
        return;
    }
    let total: u64 = NANOS.iter().map(|n| n.load(Ordering::Relaxed)).sum();
    eprintln!("mountguard timings (CPU time summed over threads):");
    for (name, phase) in PHASES {
        let nanos = NANOS[phase as usize].load(Ordering::Relaxed);
        eprintln!(
            "  {name:<18} {:>8.3} s  {:>5.1} %",
            nanos as f64 / 1e9,
            100.0 * nanos as f64 / total.max(1) as f64
        );
    }
    for line in NOTES.lock().unwrap_or_else(|e| e.into_inner()).iter() {
        eprintln!("  {line}");
    }
    eprintln!("wall clock at the end of each step:");
    for (step, elapsed) in MARKS.lock().unwrap_or_else(|e| e.into_inner()).iter() {
        eprintln!("  {step:<18} {:>8.3} s", elapsed.as_secs_f64());
    }
    eprintln!("slowest files:");
    for (elapsed, path) in SLOWEST.lock().unwrap_or_else(|e| e.into_inner()).iter() {
        eprintln!("  {:>8.3} s  {path}", elapsed.as_secs_f64());
    }
}
