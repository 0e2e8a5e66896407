//! Output formats on the reviewed MountManager fixture, with real findings.

mod common;

use common::*;

const FIXTURE: &str = "fixtures/mount_manager.py";

fn fixture(args: &[&str]) -> Run {
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    all.push(FIXTURE);
    let run = run(&repo_root(), &all);
    assert_eq!(run.code, 1, "{run:?}");
    run
}

#[test]
fn json_has_the_spec_fields_and_traces() {
    let run = fixture(&["--format", "json"]);
    let findings = json(&run);
    let findings = findings.as_array().unwrap();
    assert!(!findings.is_empty());
    for finding in findings {
        for key in [
            "code",
            "rule",
            "severity",
            "path",
            "line",
            "column",
            "end_line",
            "end_column",
            "message",
            "trace",
        ] {
            assert!(finding.get(key).is_some(), "{key} missing in {finding}");
        }
        assert_eq!(finding["path"], FIXTURE);
    }
    let privileged = findings
        .iter()
        .find(|f| f["code"] == "MG001" && f["line"] == 112)
        .expect("MG001 at the privileged mount");
    assert_eq!(privileged["severity"], "warning");
    assert_eq!(privileged["rule"], "command-injection");
    let trace = privileged["trace"].as_array().unwrap();
    assert!(trace.len() >= 2, "{privileged}");
    for step in trace {
        for key in ["path", "line", "column", "message"] {
            assert!(step.get(key).is_some(), "{key} missing in {step}");
        }
    }
    // Sorted by path, line, column, code.
    let keys: Vec<(u64, u64, String)> = findings
        .iter()
        .map(|f| {
            (
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
}

#[test]
fn concise_and_github_have_one_line_per_finding() {
    let count = json(&fixture(&["--format", "json"]))
        .as_array()
        .unwrap()
        .len();
    let concise = fixture(&["--format", "concise"]);
    let lines: Vec<&str> = concise.stdout.lines().collect();
    assert_eq!(lines.len(), count, "{concise:?}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("fixtures/mount_manager.py:61:30: MG002 [warning] ")),
        "{concise:?}"
    );
    let github = fixture(&["--format", "github"]);
    let commands: Vec<&str> = github.stdout.lines().collect();
    assert_eq!(commands.len(), count, "{github:?}");
    assert!(
        commands.iter().any(|c| c.starts_with(
            "::warning file=fixtures/mount_manager.py,line=112,col=21,endLine=112,endColumn="
        ) && c.contains(",title=MG001 command-injection::")),
        "{github:?}"
    );
    assert!(
        commands.iter().any(|c| c.starts_with("::notice ")),
        "{github:?}"
    );
    for command in commands {
        let message = command.splitn(3, "::").nth(2).unwrap();
        assert!(!message.contains('\n') && !message.contains('\r'));
    }
}

#[test]
fn full_draws_source_labels_and_help() {
    let plain = fixture(&["--color", "never"]);
    assert!(plain.stdout.contains("[MG001] Warning:"), "{plain:?}");
    assert!(
        plain.stdout.contains("fixtures/mount_manager.py:112:21"),
        "{plain:?}"
    );
    assert!(
        plain
            .stdout
            .contains("utils.execute(*mount_cmd, run_as_root=True)"),
        "{plain:?}"
    );
    assert!(plain.stdout.contains("1. source: parameter"), "{plain:?}");
    assert!(plain.stdout.contains("Help:"), "{plain:?}");
    assert!(!plain.stdout.contains('\u{1b}'));
    let coloured = fixture(&["--color", "always"]);
    assert!(coloured.stdout.contains('\u{1b}'));
    // NO_COLOR and a pipe: no colour in auto mode.
    assert!(!fixture(&[]).stdout.contains('\u{1b}'));
}

#[test]
fn sarif_validates_and_carries_flows_and_fingerprints() {
    let run = fixture(&["--format", "sarif"]);
    let log = json(&run);
    let results = log["runs"][0]["results"].as_array().unwrap();
    let findings = json(&fixture(&["--format", "json"]));
    let findings = findings.as_array().unwrap();
    assert_eq!(results.len(), findings.len());
    for (result, finding) in results.iter().zip(findings) {
        assert_eq!(result["ruleId"], finding["code"]);
        // The baseline's fingerprint, numbered by occurrence.
        let partial = result["partialFingerprints"]["mountguard/v2"]
            .as_str()
            .unwrap();
        let (print, occurrence) = partial.split_once(':').unwrap();
        assert_eq!(print, finding["fingerprint"]);
        assert!(occurrence.parse::<u32>().unwrap() >= 1);
        let location = &result["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uri"], FIXTURE);
        assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert_eq!(location["region"]["startLine"], finding["line"]);
        if finding["trace"].as_array().is_some_and(|t| !t.is_empty()) {
            let flow = &result["codeFlows"][0]["threadFlows"][0]["locations"];
            assert_eq!(
                flow.as_array().unwrap().len(),
                finding["trace"].as_array().unwrap().len()
            );
        }
    }
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert_eq!(rules[0]["properties"]["security-severity"], "8.8");
    assert!(
        rules[0]["help"]["markdown"]
            .as_str()
            .unwrap()
            .contains("## ")
    );
    if let Some(schema) = sarif_schema() {
        validate_sarif(&schema, &run.stdout);
    }
}

#[test]
fn sarif_fingerprints_of_equal_flaws_in_one_function_differ() {
    let dir = tempdir();
    write(
        dir.path(),
        "d.py",
        "import os\n\n\ndef rm(path):\n    os.remove(path)\n    os.remove(path)\n",
    );
    let sarif = run(dir.path(), &["check", "--format", "sarif", "d.py"]);
    let findings = json(&run(dir.path(), &["check", "--format", "json", "d.py"]));
    let baseline_print = findings[0]["fingerprint"].as_str().unwrap();
    // Both share the baseline's fingerprint (a multiset there).
    assert_eq!(findings[1]["fingerprint"], baseline_print);
    let prints: Vec<String> = json(&sarif)["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["partialFingerprints"]["mountguard/v2"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        prints,
        [format!("{baseline_print}:1"), format!("{baseline_print}:2")],
        "{sarif:?}"
    );
}

#[test]
fn sarif_with_io_errors_validates() {
    let dir = tempdir();
    write(dir.path(), "a.py", SHELL);
    let run = run(
        dir.path(),
        &["check", "--format", "sarif", "a.py", "gone.py"],
    );
    assert_eq!(run.code, 2, "{run:?}");
    let log = json(&run);
    let invocation = &log["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    assert!(
        invocation["toolExecutionNotifications"][0]["message"]["text"]
            .as_str()
            .unwrap()
            .contains("gone.py")
    );
    if let Some(schema) = sarif_schema() {
        validate_sarif(&schema, &run.stdout);
    }
}

#[test]
fn output_is_identical_whatever_the_thread_count() {
    let dir = tempdir();
    let text = std::fs::read_to_string(repo_root().join(FIXTURE)).unwrap();
    for index in 0..12 {
        write(dir.path(), &format!("pkg{}/m{index}.py", index % 3), &text);
    }
    write(dir.path(), "b.py", SHELL);
    let one = run(
        dir.path(),
        &["check", "--threads", "1", "--format", "json", "."],
    );
    let many = run(
        dir.path(),
        &["check", "--threads", "4", "--format", "json", "."],
    );
    assert_eq!(one.code, 1);
    assert_eq!(one.stdout, many.stdout);
    let sarif_one = run(
        dir.path(),
        &["check", "--threads", "1", "--format", "sarif", "."],
    );
    let sarif_many = run(
        dir.path(),
        &["check", "--threads", "3", "--format", "sarif", "."],
    );
    assert_eq!(sarif_one.stdout, sarif_many.stdout);
}

/// Labels in another file and a multi-step trace, built by hand so that
/// every SARIF object mountguard can emit is validated, whatever the rules
/// currently find.
#[test]
fn hand_built_sarif_with_related_locations_validates() {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use mountguard::finding::{Finding, Label, Location, Severity, TraceStep};
    use mountguard::render::{Context, sarif};

    let at = |path: &str, line: u32| Location {
        path: Arc::from(path),
        line,
        column: 5,
        end_line: line + 1,
        end_column: 2,
        start_byte: 0,
        end_byte: 3,
    };
    let finding = Finding {
        code: "MG004",
        rule: "wrong-object-attribute",
        severity: Severity::Warning,
        location: at("pkg/a b.py", 3),
        message: "did you mean `mount.mounted`?".to_string(),
        labels: vec![Label {
            location: at("pkg/other.py", 9),
            message: "`mounted` is defined here".to_string(),
        }],
        trace: vec![
            TraceStep {
                location: at("pkg/a b.py", 1),
                message: "source".to_string(),
            },
            TraceStep {
                location: at("/abs/elsewhere.py", 2),
                message: "hop".to_string(),
            },
        ],
        help: Some("write to `mount.mounted`".to_string()),
        context: "C.m".to_string(),
        snippet: "self.mounted = False".to_string(),
    };
    let sources = BTreeMap::new();
    let notifications = vec![("x.py".to_string(), "partly parsed".to_string(), false)];
    let context = Context {
        sources: &sources,
        color: false,
        cwd: std::path::Path::new("/work/repo"),
        notifications: &notifications,
    };
    let log = sarif::log(&[finding], &context);
    let result = &log["runs"][0]["results"][0];
    assert_eq!(result["ruleIndex"], 3);
    assert_eq!(
        result["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "pkg/other.py"
    );
    assert_eq!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "pkg/a%20b.py"
    );
    assert_eq!(
        result["codeFlows"][0]["threadFlows"][0]["locations"][1]["location"]["physicalLocation"]["artifactLocation"]
            ["uri"],
        "file:///abs/elsewhere.py"
    );
    if let Some(schema) = sarif_schema() {
        validate_sarif(&schema, &serde_json::to_string_pretty(&log).unwrap());
    }
}

/// A flow through private functions of two modules that call each other
/// starts its trace at the public caller's parameter, not somewhere in
/// the cycle.
#[test]
fn traces_through_mutual_recursion_reach_the_source() {
    let dir = tempdir();
    write(dir.path(), "rc/__init__.py", "");
    write(
        dir.path(),
        "rc/one.py",
        "from oslo_concurrency import processutils\nfrom rc import two\n\n\n\
         def _a(x, n):\n    if n:\n        two._b(x, n - 1)\n    \
         processutils.execute('ls', x, run_as_root=True)\n\n\n\
         def start():\n    _a('/tmp', 3)\n",
    );
    write(
        dir.path(),
        "rc/two.py",
        "from rc import one\n\n\ndef _b(x, n):\n    one._a(x, n)\n\n\n\
         def entry(z):\n    one._a(z, 2)\n",
    );
    let (first, finding) = first_trace_step(dir.path(), |f| f["code"] == "MG001");
    assert!(
        first.starts_with("source: parameter `z` of `entry`"),
        "{finding}"
    );
}

/// The message of the first trace step of the finding `pick` chooses in a
/// JSON run over `dir`, and the finding.
fn first_trace_step(
    dir: &std::path::Path,
    pick: impl Fn(&serde_json::Value) -> bool,
) -> (String, serde_json::Value) {
    let run = run(dir, &["check", "--format", "json", "."]);
    let findings = json(&run);
    let finding = findings
        .as_array()
        .unwrap()
        .iter()
        .find(|f| pick(f))
        .unwrap_or_else(|| panic!("no such finding: {findings}"))
        .clone();
    let first = finding["trace"][0]["message"].as_str().unwrap().to_string();
    (first, finding)
}

/// A value returned by a public function is traced to what the function
/// returns of its own sources, not to one of its parameters, which the
/// call may not even pass.
#[test]
fn traces_into_a_callee_start_at_its_own_source() {
    let dir = tempdir();
    write(
        dir.path(),
        "dev.py",
        "from oslo_concurrency import processutils\n\n\n\
         def find_device(props, device_info=None):\n    if device_info:\n        \
         return device_info\n    with open('/sys/block/list') as f:\n        \
         return f.read().strip()\n\n\n\
         def resize():\n    device = find_device('nvme')\n    \
         processutils.execute('blockdev', '--getsize64', device, run_as_root=True)\n",
    );
    // The MG001 at the execute in `resize`.
    let (first, finding) =
        first_trace_step(dir.path(), |f| f["code"] == "MG001" && f["line"] == 13);
    assert!(
        first.starts_with("source:") && !first.contains("device_info"),
        "{finding}"
    );
}

/// An attribute built up from itself (`self.x = join(self.x, name)`) is
/// traced through the store that brings the taint to its source, not back
/// into the attribute.
#[test]
fn traces_through_a_self_extending_attribute_reach_the_source() {
    let dir = tempdir();
    write(
        dir.path(),
        "ctn.py",
        "import os\n\nBASE = '/var/lib/ctn'\nPREFIX = 'test'\n\n\n\
         class Container(object):\n    def __init__(self, name):\n        \
         self.config_dir = BASE\n        if PREFIX:\n            \
         self.config_dir = os.path.join(self.config_dir, PREFIX)\n        \
         self.config_dir = os.path.join(self.config_dir, name)\n\n    \
         def write(self):\n        with open(self.config_dir + '/conf', 'w') as f:\n            \
         f.write('x')\n",
    );
    let (first, finding) = first_trace_step(dir.path(), |f| f["code"] == "MG002");
    assert!(
        first.starts_with("source: parameter `name` of `Container.__init__`"),
        "{finding}"
    );
}

/// A sink resolved to the project's own implementation (`utils.execute`
/// defined in the scanned `utils.py`) shows where that implementation runs
/// the command, and that this command's escaping could not be verified.
#[test]
fn a_scanned_sink_implementation_is_a_hop_of_the_trace() {
    let dir = tempdir();
    write(dir.path(), "agent/__init__.py", "");
    write(
        dir.path(),
        "agent/utils.py",
        "from oslo_concurrency import processutils\n\n\n\
         def execute(*cmd, **kwargs):\n    return processutils.execute(*cmd, **kwargs)\n",
    );
    write(
        dir.path(),
        "agent/disk.py",
        "from agent import utils\n\n\n\
         def size(dev):\n    return utils.execute('blockdev', '--getsize64', dev)\n",
    );
    let (first, finding) = first_trace_step(dir.path(), |f| {
        f["code"] == "MG001" && f["path"].as_str().unwrap().ends_with("disk.py")
    });
    assert!(first.starts_with("source: parameter `dev`"), "{finding}");
    let trace = finding["trace"].as_array().unwrap();
    assert!(
        trace.iter().any(|step| {
            step["message"] == "`execute` runs it with `processutils.execute`"
                && step["path"].as_str().unwrap().ends_with("utils.py")
        }),
        "{finding}"
    );
    assert!(
        finding["message"]
            .as_str()
            .unwrap()
            .contains("`utils.execute` runs it with `processutils.execute`, whose escaping could not be verified"),
        "{finding}"
    );
}

/// A flow through more helpers than a trace shows keeps both ends: it
/// starts at its source and ends at the sink, with the middle left out.
#[test]
fn long_traces_keep_the_source_and_the_sink() {
    let dir = tempdir();
    let mut code = String::from("from oslo_concurrency import processutils\n\n\n");
    for index in 0..30 {
        code.push_str(&format!("def h{index}(k):\n    w = k\n    return w\n\n\n"));
    }
    code.push_str("def run(x):\n    k = x\n");
    for index in 0..30 {
        code.push_str(&format!("    k = h{index}(k)\n"));
    }
    code.push_str("    processutils.execute('ls', k)\n");
    write(dir.path(), "chain.py", &code);
    let (first, finding) = first_trace_step(dir.path(), |f| f["code"] == "MG001");
    assert!(
        first.starts_with("source: parameter `x` of `run`"),
        "{finding}"
    );
    let trace = finding["trace"].as_array().unwrap();
    assert!(trace.len() <= 40, "{finding}");
    assert!(
        trace
            .iter()
            .any(|step| step["message"].as_str().unwrap().contains("more steps")),
        "{finding}"
    );
    let last = trace.last().unwrap()["message"].as_str().unwrap();
    assert!(last.starts_with("sink:"), "{finding}");
}

/// The help of a wrong-object write keeps the assigned value, also when the
/// write carries an annotation.
#[test]
fn wrong_object_help_rewrites_an_annotated_write() {
    let dir = tempdir();
    write(
        dir.path(),
        "mounts.py",
        "class Mount(object):\n    def __init__(self):\n        self.mounted = False\n\n\n\
         class Manager(object):\n    def detach(self, mount: Mount):\n        \
         self.mounted: bool = False\n",
    );
    let run = run(dir.path(), &["check", "--format", "json", "."]);
    let findings = json(&run);
    let help = findings[0]["help"].as_str().unwrap_or_default();
    assert!(
        help.starts_with("write `mount.mounted = False`"),
        "{findings}"
    );
}
