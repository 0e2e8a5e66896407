//! SPEC §3: mountguard never writes into the scanned tree. A copy of the
//! fixtures, made a git repository, is snapshotted (every file and
//! directory with its size, mode and modification time, `.git` included)
//! before and after runs with every format and option that could write.

mod common;

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::Duration;

use common::*;

/// (kind, size, mode, mtime in ns) of every entry under `root`. Directory
/// mtimes change when an entry is created or removed, even briefly.
fn snapshot(root: &Path) -> BTreeMap<String, (char, u64, u32, i128)> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .map(|entry| {
            let entry = entry.expect("walk the tree");
            let meta = entry.path().symlink_metadata().unwrap();
            let kind = if meta.is_dir() {
                'd'
            } else if meta.is_symlink() {
                'l'
            } else {
                'f'
            };
            let mtime = meta.mtime() as i128 * 1_000_000_000 + meta.mtime_nsec() as i128;
            let path = entry.path().strip_prefix(root).unwrap();
            (
                path.to_string_lossy().into_owned(),
                (kind, meta.len(), meta.mode(), mtime),
            )
        })
        .collect()
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn nothing_is_written_into_the_scanned_tree() {
    let outside = tempdir();
    let tree = outside.path().join("tree");
    copy_tree(&repo_root().join("fixtures"), &tree);
    write(&tree, "noqa.py", "x = 1  # noqa: MG001\n");
    write(&tree, "broken.py", "def f(:\n");
    std::fs::write(tree.join("latin1.py"), b"x = '\xff'\n").unwrap();
    write(&tree, "mountguard.toml", "min-severity = \"note\"\n");
    git(&tree, &["init", "-q"]);
    git(&tree, &["add", "."]);
    git(&tree, &["commit", "-q", "-m", "fixtures"]);
    // Stale stat data in git's index: a `git diff` that refreshes the index
    // would rewrite `.git/index`.
    // (An old mtime, so that git does not see it as "racily clean".)
    let old = std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(1_600_000_000);
    std::fs::File::options()
        .write(true)
        .open(tree.join("mount_manager.py"))
        .unwrap()
        .set_modified(old)
        .unwrap();
    write(&tree, "untracked.py", SHELL);

    let before = snapshot(&tree);
    let baseline = outside.path().join("baseline.json");
    let cache = outside.path().join("cache");
    let baseline_arg = baseline.to_str().unwrap();
    let runs: Vec<Vec<&str>> = vec![
        vec!["--format", "full", "--color", "always"],
        vec!["--format", "concise"],
        vec!["--format", "json"],
        vec!["--format", "sarif"],
        vec!["--format", "github"],
        vec!["--statistics"],
        vec!["--report-unused-noqa"],
        vec!["--write-baseline", baseline_arg],
        vec!["--baseline", baseline_arg],
        vec!["--diff-from", "HEAD"],
        vec!["--threads", "1", "--no-cache"],
    ];
    for args in &runs {
        // From inside the tree (config found there) and from outside it.
        for (cwd, path) in [(tree.as_path(), "."), (outside.path(), "tree")] {
            let mut all = vec!["check", path];
            all.extend(args);
            let all: Vec<&std::ffi::OsStr> = all.iter().map(std::ffi::OsStr::new).collect();
            // The cache is written (outside the tree) and read back.
            let env = [("XDG_CACHE_HOME", cache.to_str().unwrap())];
            let run = run_bounded(cwd, &all, &env, Duration::from_secs(120));
            assert!(matches!(run.code, 0..=2), "{args:?}: {run:?}");
            assert!(!run.stderr.contains("panicked"), "{args:?}: {run:?}");
            // The run got as far as analysing (no configuration error).
            assert!(
                run.stderr.contains("mountguard: checked")
                    || run.stderr.contains("mountguard: wrote"),
                "{args:?}: {run:?}"
            );
            assert!(run.stderr.contains("latin1.py: not valid UTF-8"), "{run:?}");
        }
    }
    assert!(baseline.is_file(), "the baseline went where it was told");
    assert!(cache.is_dir(), "the cache went where it was told");
    let after = snapshot(&tree);
    let changed: Vec<_> = before
        .iter()
        .filter(|(path, meta)| after.get(*path) != Some(meta))
        .map(|(path, _)| path)
        .chain(after.keys().filter(|path| !before.contains_key(*path)))
        .collect();
    assert!(
        changed.is_empty(),
        "changed in the scanned tree: {changed:?}"
    );
}
