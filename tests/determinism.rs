//! Output does not depend on the number of analysis threads: the fixtures
//! checked at `--threads 1`, `2` and `8` give byte-identical output in
//! every machine-read format, and the same notes on stderr.
//! `scripts/determinism.sh` does the same over a real OpenStack tree.

mod common;

use std::ffi::OsStr;
use std::time::Duration;

use common::*;

/// stderr without the elapsed time of the summary line.
fn without_timing(stderr: &str) -> String {
    stderr
        .lines()
        .map(|line| match (line.find(" in "), line.find("s: ")) {
            (Some(start), Some(end)) if line.starts_with("mountguard: checked") => {
                format!("{}{}", &line[..start], &line[end + 1..])
            }
            _ => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn output_is_identical_at_1_2_and_8_threads() {
    // Bad inputs too: their notes and errors must come out in one order.
    let dir = tempdir();
    write(dir.path(), "broken.py", BROKEN);
    std::fs::write(dir.path().join("latin1.py"), b"x = '\xff'\n").unwrap();
    let fixtures = repo_root().join("fixtures");
    for format in ["json", "concise", "sarif", "full"] {
        let mut outputs = Vec::new();
        for threads in ["1", "2", "8"] {
            let args = [
                OsStr::new("check"),
                // Analysed every time, never answered from the cache.
                OsStr::new("--no-cache"),
                OsStr::new("--format"),
                OsStr::new(format),
                OsStr::new("--threads"),
                OsStr::new(threads),
                fixtures.as_os_str(),
                dir.path().as_os_str(),
            ];
            let run = run_bounded(&repo_root(), &args, &[], Duration::from_secs(120));
            assert_eq!(run.code, 2, "findings and an unreadable file: {run:?}");
            assert!(run.stdout.len() > 1000, "{format}: {run:?}");
            outputs.push((threads, run.stdout, without_timing(&run.stderr)));
        }
        for (threads, stdout, stderr) in &outputs[1..] {
            assert!(
                *stdout == outputs[0].1,
                "--format {format}: stdout at --threads {threads} differs from --threads 1"
            );
            assert_eq!(
                *stderr, outputs[0].2,
                "--format {format} --threads {threads}"
            );
        }
    }
}
