//! MG001 command-injection: untrusted data reaching the command of a
//! command-execution sink. Documentation: `rules/command-injection.toml`.

use crate::finding::{Finding, Label, Severity, TraceStep};
use crate::link::FunctionRef;
use crate::rules::{self, COMMAND_INJECTION, RuleMask};
use crate::taint::solve::{Implementation, Solution};
use crate::taint::summary::{Callee, FunctionSummary, SinkUse};

pub fn check(solution: &Solution) -> Vec<Finding> {
    super::one_per_sink(super::per_file(solution, check_file))
}

/// The findings of one file.
fn check_file(solution: &Solution, file_index: usize) -> Vec<Finding> {
    let meta = rules::meta(COMMAND_INJECTION);
    let file = &solution.files[file_index];
    let mut findings = Vec::new();
    for sink in file
        .taint
        .sinks
        .iter()
        .filter(|s| s.rule == RuleMask::COMMAND)
    {
        if sink.unscanned_only && solution.resolves(file_index, sink) {
            continue;
        }
        // A method of the scanned sources matched by its name
        // (`self._execute`) is a sink only for the arguments its
        // implementation runs as a command.
        let implementation = solution.implementation(file_index, sink);
        let data = implementation
            .as_ref()
            .map_or(&sink.data, |implementation| &implementation.command);
        let sig = solution.eval(file_index, sink.function, data);
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
        // A flow into a wrapper whose every call is a command sink of its
        // own (`self._execute(...)` resolved to this `_execute`) is reported
        // at those calls, once, with this sink as a hop.
        let function = FunctionRef {
            file: file_index as u32,
            function: sink.function,
        };
        if wrapper.is_none()
            && !sig.intrinsic.intersects(RuleMask::COMMAND)
            && solution.called_only_as_command_sink(function)
        {
            continue;
        }
        let mut labels = Vec::new();
        // `shell=True` given by a caller of the function, through its
        // `**kwargs`.
        let shell_from_callers = sink
            .forwards_shell
            .then(|| solution.shell_from_callers(function))
            .flatten();
        let (severity, mut message) = if sink.shell {
            (
                Severity::Error,
                format!(
                    "untrusted data reaches a shell command run by `{}`",
                    sink.spelled
                ),
            )
        } else if let Some(builder) = shell_builder(solution, file_index, sink) {
            (
                Severity::Error,
                format!(
                    "untrusted data reaches a shell command (`sh -c` in the command `{builder}` returns) run by `{}`",
                    sink.spelled
                ),
            )
        } else if let Some(given) = shell_from_callers {
            (
                Severity::Error,
                format!(
                    "untrusted data reaches a shell command run by `{}` (its `**kwargs` carry {given})",
                    sink.spelled
                ),
            )
        } else if let Some((function, _)) = wrapper {
            let implementation = solution.function(function);
            if let Some(shell_sink) = solution.command_sink_of(function) {
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
        } else if let Some(privilege) = privilege(solution, file_index, sink, &implementation) {
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
        // Implemented in the scanned sources (`self._execute` matched by
        // name, or `utils.execute` resolved to the project's own): where
        // the implementation runs the command.
        let inner = wrapper
            .is_none()
            .then(|| {
                let function = implementation
                    .as_ref()
                    .map(|implementation| implementation.function)
                    .or_else(|| {
                        Some(solution.scanned_implementation(file_index, sink)?.function)
                    })?;
                let inner = solution.command_sink_of(function)?;
                Some((function, inner))
            })
            .flatten();
        if wrapper.is_none() && is_unverified_wrapper(solution, file_index, sink) {
            message.push_str(&format!(
                "; the escaping of `{}` could not be verified (its implementation is not among the scanned sources)",
                sink.spelled
            ));
        } else if let Some((function, inner)) = &inner
            && is_unverified_wrapper(solution, function.file as usize, inner)
        {
            message.push_str(&format!(
                "; `{}` runs it with `{}`, whose escaping could not be verified (its implementation is not among the scanned sources)",
                sink.spelled, inner.spelled
            ));
        }
        let mut trace = solution.trace(file_index, sink.function, data, RuleMask::COMMAND);
        if let Some((function, inner)) = &inner {
            trace.push(TraceStep {
                location: inner.location.clone(),
                message: format!(
                    "`{}` runs it with `{}`",
                    solution.function(*function).name(),
                    inner.spelled
                ),
            });
        }
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
    findings
}

/// The function of the scanned sources whose returned vector a sink runs
/// (`run(_sh(script))`, `cmd = _sh(script); run(cmd)`), when it always
/// returns an `sh -c` command.
fn shell_builder<'s>(solution: &'s Solution, file: usize, sink: &SinkUse) -> Option<&'s str> {
    let builder = vector_builder(solution, file, sink)?;
    builder
        .returns_shell_command
        .then_some(builder.qualname.as_str())
}

/// The function of the scanned sources whose returned command vector the
/// sink runs (`execute(*build_cmd(x))`, `cmd = build_cmd(x); run(cmd)`).
fn vector_builder<'s>(
    solution: &'s Solution,
    file: usize,
    sink: &SinkUse,
) -> Option<&'s FunctionSummary> {
    let (builder, _) = solution.callee_function(file, sink.argv_call? as usize)?;
    Some(solution.function(builder))
}

/// Why the command runs as root, if it does: at the call (`run_as_root`,
/// `sudo`, inside a privsep entry point), in the scanned implementation of
/// the sink, or because the function is reached from a privsep entry point
/// (everything an entry point calls runs in the privileged daemon), or
/// because a caller gives `run_as_root` through the `**kwargs` it passes on.
fn privilege(
    solution: &Solution,
    file: usize,
    sink: &SinkUse,
    implementation: &Option<Implementation>,
) -> Option<String> {
    // `run_as_root=...` given to the project's own implementation, which
    // takes the keyword out (`kwargs.pop('run_as_root', False)`): the
    // command it runs is not privileged by it.
    let keyword_dropped = sink
        .privileged_by_keyword
        .as_deref()
        .is_some_and(|keyword| {
            solution
                .scanned_implementation(file, sink)
                .is_some_and(|implementation| {
                    solution
                        .function(implementation.function)
                        .drops_keywords
                        .iter()
                        .any(|dropped| dropped == keyword)
                })
        });
    if let Some(privilege) = &sink.privileged
        && !keyword_dropped
    {
        return Some(privilege.clone());
    }
    // `execute(*build_cmd(x))` with `build_cmd` returning `['sudo', ...]`.
    if let Some(builder) = vector_builder(solution, file, sink)
        && let Some(program) = &builder.returns_privileged_command
    {
        return Some(format!(
            "run as root through `{program}` (the command `{}` returns)",
            builder.qualname
        ));
    }
    // A sink matched by its qualified name (`utils.execute`) whose code is
    // in the scanned sources: that code may run it as root by itself.
    let resolved = implementation
        .is_none()
        .then(|| solution.scanned_implementation(file, sink))
        .flatten();
    if let Some(implementation) = implementation.as_ref().or(resolved.as_ref()) {
        let sig = solution.eval(file, sink.function, &implementation.privileged);
        if solution
            .real(file, sink.function, sig)
            .intersects(RuleMask::COMMAND)
        {
            return Some(format!(
                "run as root (by its implementation `{}`)",
                solution.function(implementation.function).qualname
            ));
        }
        // `run_as_root=as_root` in the implementation, and this call gives
        // `as_root` (not a literal `False`).
        let summary = solution.function(implementation.function);
        let call = &solution.files[file].taint.calls[implementation.call as usize];
        let inner = &solution.files[implementation.function.file as usize].taint;
        for inner_sink in inner.sinks.iter().filter(|s| {
            s.function == implementation.function.function && s.rule == RuleMask::COMMAND
        }) {
            let Some(param) = inner_sink.privilege_param else {
                continue;
            };
            let Some(info) = summary.params.get(param as usize) else {
                continue;
            };
            let by_keyword = call
                .keywords
                .iter()
                .any(|keyword| *keyword.name == *info.name && !keyword.falsy)
                || info.keywords && call.gives_root().is_some();
            let info_name = match info.keywords {
                // `**kwargs`: the keyword the call gives.
                true => call.gives_root().unwrap_or(&info.name).to_string(),
                false => info.name.to_string(),
            };
            let by_position = !info.keywords
                && !info.variadic
                && param
                    .checked_sub(implementation.offset)
                    .is_some_and(|position| {
                        (position as usize) < call.args.len()
                            && (position >= 64 || call.falsy_positions & (1u64 << position) == 0)
                    });
            if by_keyword || by_position {
                return Some(format!(
                    "run as root (`{info_name}` given to its implementation `{}`)",
                    summary.qualname
                ));
            }
        }
    }
    if let Some(entry) = solution.privileged_reach(file, sink.function) {
        return Some(format!(
            "run as root (its function is called from the oslo.privsep entry point `{entry}`)"
        ));
    }
    let function = FunctionRef {
        file: file as u32,
        function: sink.function,
    };
    sink.forwards_keywords
        .then(|| solution.root_from_callers(function))
        .flatten()
        .map(|given| format!("run as root (its `**kwargs` carry {given})"))
}

/// Whether the sink is a project wrapper (`utils.execute`) whose code is
/// not in the scanned sources, as opposed to the standard library, whose
/// behaviour is known.
fn is_unverified_wrapper(solution: &Solution, file: usize, sink: &SinkUse) -> bool {
    if solution.resolves(file, sink) {
        return false;
    }
    match &sink.callee {
        // By the module's own name: `eventlet.green.subprocess` is a
        // drop-in `subprocess`.
        Callee::Name(name) => {
            let module = name.rsplit_once('.').map_or("", |(module, _)| module);
            !matches!(
                crate::names::last_segment(module),
                "subprocess" | "os" | "asyncio" | "commands"
            )
        }
        _ => true,
    }
}
