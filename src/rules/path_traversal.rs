//! MG002 path-traversal: an unsanitized, untrusted path reaching a function
//! that acts on a path. Documentation: `rules/path-traversal.toml`.

use crate::finding::{Finding, Severity, TraceStep};
use crate::rules::{self, PATH_TRAVERSAL, RuleMask};
use crate::taint::solve::Solution;

pub fn check(solution: &Solution) -> Vec<Finding> {
    super::one_per_sink(super::per_file(solution, check_file))
}

/// The findings of one file.
fn check_file(solution: &Solution, file_index: usize) -> Vec<Finding> {
    let meta = rules::meta(PATH_TRAVERSAL);
    let file = &solution.files[file_index];
    let mut findings = Vec::new();
    for sink in file.taint.sinks.iter().filter(|s| s.rule == RuleMask::PATH) {
        if sink.unscanned_only && solution.resolves(file_index, sink) {
            continue;
        }
        if let Some(param) = sink.path_param {
            let function = crate::link::FunctionRef {
                file: file_index as u32,
                function: sink.function,
            };
            if !solution.given_a_path(function, param) {
                continue;
            }
        }
        let sig = solution.eval(file_index, sink.function, &sink.data);
        if !solution
            .real(file_index, sink.function, sig)
            .intersects(RuleMask::PATH)
        {
            continue;
        }
        let (severity, action) = if sink.destructive {
            (Severity::Error, "which modifies the file system there")
        } else {
            (
                Severity::Warning,
                "which then points wherever the caller chooses",
            )
        };
        let mut trace = solution.trace(file_index, sink.function, &sink.data, RuleMask::PATH);
        trace.push(TraceStep {
            location: sink.location.clone(),
            message: format!("sink: `{}` uses the path", sink.spelled),
        });
        findings.push(Finding {
            code: meta.code,
            rule: meta.slug,
            severity,
            location: sink.location.clone(),
            message: format!(
                "untrusted, unsanitized path reaches `{}`, {action}",
                sink.spelled
            ),
            labels: Vec::new(),
            trace,
            help: Some(meta.help.to_string()),
            context: sink.context.clone(),
            snippet: sink.snippet.clone(),
        });
    }
    findings
}
