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

/// A helper reached from two privsep entry points is reported as run under
/// the first of them by name, not under whichever the solver reached first
/// (the solver visits `z_alpha.py` first: `a_zeta.py` calls into it).
#[test]
fn a_helper_reached_from_two_entry_points_names_the_first_by_name() {
    let dir = tempdir();
    write(dir.path(), "pkg/__init__.py", "");
    write(
        dir.path(),
        "pkg/helpers.py",
        "from oslo_concurrency import processutils\n\n\
         def _set_up(dev):\n    processutils.execute('ip', 'link', 'set', dev, 'up')\n",
    );
    write(
        dir.path(),
        "pkg/a_zeta.py",
        "import pkg.privsep\nfrom pkg import helpers, z_alpha\n\n\
         @pkg.privsep.ctx.entrypoint\ndef zeta(dev):\n    z_alpha.noop()\n    helpers._set_up(dev)\n",
    );
    write(
        dir.path(),
        "pkg/z_alpha.py",
        "import pkg.privsep\nfrom pkg import helpers\n\ndef noop():\n    pass\n\n\
         @pkg.privsep.ctx.entrypoint\ndef alpha(dev):\n    helpers._set_up(dev)\n",
    );
    for threads in ["1", "2"] {
        let args = [
            OsStr::new("check"),
            OsStr::new("--no-cache"),
            OsStr::new("--format"),
            OsStr::new("concise"),
            OsStr::new("--threads"),
            OsStr::new(threads),
            dir.path().as_os_str(),
        ];
        let run = run_bounded(&repo_root(), &args, &[], Duration::from_secs(60));
        assert_eq!(run.code, 1, "{run:?}");
        assert!(
            run.stdout
                .contains("called from the oslo.privsep entry point `pkg.a_zeta.zeta`"),
            "{run:?}"
        );
    }
}
