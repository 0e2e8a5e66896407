//! MG001 command-injection: untrusted data reaching the command of a
//! command-execution sink. Documentation: `rules/command-injection.toml`.

use crate::finding::{Finding, Label, Severity, TraceStep};
use crate::rules::{self, COMMAND_INJECTION, RuleMask};
use crate::taint::solve::Solution;
use crate::taint::summary::{Callee, SinkUse};

pub fn check(solution: &Solution) -> Vec<Finding> {
    let meta = rules::meta(COMMAND_INJECTION);
    let mut findings = Vec::new();
    for (file_index, file) in solution.files.iter().enumerate() {
        for sink in file
            .taint
            .sinks
            .iter()
            .filter(|s| s.rule == RuleMask::COMMAND)
        {
            if sink.unscanned_only && solution.resolves(file_index, sink) {
                continue;
            }
            let sig = solution.eval(file_index, sink.function, &sink.data);
            let tainted = solution
                .real(file_index, sink.function, sig)
                .intersects(RuleMask::COMMAND);
            // A sink implemented in the scanned sources that hands its
            // arguments to a shell makes tainted arguments a shell injection.
            let wrapper = solution
                .shell_wrapper(file_index, sink)
                .filter(|(_, args)| {
                    solution
                        .real(file_index, sink.function, *args)
                        .intersects(RuleMask::COMMAND)
                });
            if !tainted && wrapper.is_none() {
                continue;
            }
            let mut labels = Vec::new();
            let (severity, mut message) = if sink.shell {
                (
                    Severity::Error,
                    format!(
                        "untrusted data reaches a shell command run by `{}`",
                        sink.spelled
                    ),
                )
            } else if let Some((function, _)) = wrapper {
                let implementation = solution.function(function);
                if let Some(shell_sink) = solution.shell_sink_of(function) {
                    labels.push(Label {
                        location: shell_sink.location.clone(),
                        message: format!(
                            "`{}` passes its arguments to a shell here",
                            implementation.qualname
                        ),
                    });
                }
                (
                    Severity::Error,
                    format!(
                        "untrusted data reaches `{}`, which runs its arguments through a shell",
                        sink.spelled
                    ),
                )
            } else if let Some(privilege) = &sink.privileged {
                (
                    Severity::Warning,
                    format!(
                        "untrusted data reaches the arguments of a command {privilege} by `{}`: argument and option injection",
                        sink.spelled
                    ),
                )
            } else {
                (
                    Severity::Note,
                    format!(
                        "untrusted data reaches the arguments of a command run by `{}`",
                        sink.spelled
                    ),
                )
            };
            if wrapper.is_none() && is_unverified_wrapper(solution, file_index, sink) {
                message.push_str(&format!(
                    "; the escaping of `{}` could not be verified (its implementation is not among the scanned sources)",
                    sink.spelled
                ));
            }
            let mut trace =
                solution.trace(file_index, sink.function, &sink.data, RuleMask::COMMAND);
            trace.push(TraceStep {
                location: sink.location.clone(),
                message: format!("sink: `{}` runs the command", sink.spelled),
            });
            let help = if severity == Severity::Warning {
                "validate each untrusted value before it reaches the privileged command (a full-match pattern or an allow-list; reject a leading `-`), or end the options with `--`".to_string()
            } else {
                meta.help.to_string()
            };
            findings.push(Finding {
                code: meta.code,
                rule: meta.slug,
                severity,
                location: sink.location.clone(),
                message,
                labels,
                trace,
                help: Some(help),
                context: sink.context.clone(),
                snippet: sink.snippet.clone(),
            });
        }
    }
    super::one_per_sink(findings)
}

/// Whether the sink is a project wrapper (`utils.execute`) whose code is
/// not in the scanned sources, as opposed to the standard library, whose
/// behaviour is known.
fn is_unverified_wrapper(solution: &Solution, file: usize, sink: &SinkUse) -> bool {
    if solution.resolves(file, sink) {
        return false;
    }
    match &sink.callee {
        Callee::Name(name) => !["subprocess.", "os.", "asyncio.", "commands."]
            .iter()
            .any(|prefix| name.starts_with(prefix)),
        _ => true,
    }
}
