//! The rules: their data (compiled in from `rules/*.toml`, extendable from
//! configuration) and one module per rule, named after its slug.

pub mod broad_except;
pub mod command_injection;
pub mod data;
pub mod path_traversal;
pub mod wrong_object_attribute;

use std::sync::OnceLock;

use crate::finding::Severity;
use crate::names::{NamePattern, PatternIndex};
use data::{RuleFile, SinkSpec, SourceKind, TaintData};

/// Rule files compiled into the binary, in code order.
const RULE_FILES: [&str; 5] = [
    include_str!("../../rules/command-injection.toml"),
    include_str!("../../rules/path-traversal.toml"),
    include_str!("../../rules/broad-except.toml"),
    include_str!("../../rules/wrong-object-attribute.toml"),
    include_str!("../../rules/unused-noqa.toml"),
];

/// Sources and shape-fixing sanitizers shared by the taint rules.
const TAINT_COMMON: &str = include_str!("../../rules/taint-common.toml");

/// Static description of a rule, for listings, docs and SARIF metadata.
#[derive(Debug, Clone)]
pub struct RuleMeta {
    pub code: &'static str,
    pub slug: &'static str,
    pub name: &'static str,
    pub summary: &'static str,
    pub severity: Severity,
    pub security_severity: Option<f32>,
    pub help: &'static str,
    pub docs: &'static str,
}

/// The built-in rule files, parsed once. A malformed built-in file is a bug
/// in mountguard, caught by the unit tests below.
fn builtin_files() -> &'static [RuleFile] {
    static FILES: OnceLock<Vec<RuleFile>> = OnceLock::new();
    FILES.get_or_init(|| {
        RULE_FILES
            .iter()
            .map(|text| toml::from_str(text).expect("built-in rule file is valid"))
            .collect()
    })
}

/// All rules, in code order.
pub fn all() -> &'static [RuleMeta] {
    static META: OnceLock<Vec<RuleMeta>> = OnceLock::new();
    META.get_or_init(|| {
        builtin_files()
            .iter()
            .map(|file| RuleMeta {
                code: &file.code,
                slug: &file.slug,
                name: &file.name,
                summary: &file.summary,
                severity: file.severity.into(),
                security_severity: file.security_severity,
                help: &file.help,
                docs: &file.docs,
            })
            .collect()
    })
}

/// Finds a rule by code (`MG001`, case-insensitive) or slug.
pub fn lookup(code_or_slug: &str) -> Option<&'static RuleMeta> {
    all()
        .iter()
        .find(|rule| rule.code.eq_ignore_ascii_case(code_or_slug) || rule.slug == code_or_slug)
}

pub fn meta(code: &str) -> &'static RuleMeta {
    lookup(code).expect("rule code is registered")
}

pub const COMMAND_INJECTION: &str = "MG001";
pub const PATH_TRAVERSAL: &str = "MG002";
pub const BROAD_EXCEPT: &str = "MG003";
pub const WRONG_OBJECT_ATTRIBUTE: &str = "MG004";
/// Not an analysis: `# noqa` directives that suppress nothing, reported
/// by the suppression stage under `--report-unused-noqa`.
pub const UNUSED_NOQA: &str = "MG100";

/// Which taint rule(s) a value is still dangerous for: a bit per rule.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Default,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct RuleMask(pub u8);

impl RuleMask {
    pub const NONE: RuleMask = RuleMask(0);
    pub const COMMAND: RuleMask = RuleMask(1);
    pub const PATH: RuleMask = RuleMask(2);
    pub const ALL: RuleMask = RuleMask(3);
    /// Not a rule: what a validating helper's containment check proves of
    /// a parameter. It clears `PATH` at a call site only where the argument
    /// is already a normalised path: the check tested (a normalised copy
    /// of) the value, so a raw argument used afterwards was never checked.
    pub const CONTAINED: RuleMask = RuleMask(4);
    /// Not a rule: what a validating helper's `$`-anchored match
    /// (`re.match(r'^[a-z]+$', x)`) proves of a parameter. It clears
    /// `COMMAND` only where the argument is one element of an argument
    /// vector run without a shell (`Guard::in_argv`), as the same match
    /// written inline does (`Entry::argv_safe`).
    pub const ARGV_SAFE: RuleMask = RuleMask(8);
    /// Not rules: what a validating helper's membership check against one
    /// of its own parameters proves (`if value not in allowed: raise`):
    /// bit `4 + j` for parameter `j` (the first four). It clears every
    /// rule at a call that passes a constant there (`ensure_allowed(tag,
    /// LV_TAGS)`; `CallSite::constant_positions`).
    pub const IN_PARAMS: RuleMask = RuleMask(0xF0);

    /// `IN_PARAMS` for parameter `index`, when it is among the first four.
    pub fn in_param(index: u16) -> RuleMask {
        match index {
            0..4 => RuleMask(16 << index),
            _ => RuleMask::NONE,
        }
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    pub fn contains(self, other: RuleMask) -> bool {
        self.0 & other.0 == other.0 && !other.is_empty()
    }
    pub fn intersects(self, other: RuleMask) -> bool {
        self.0 & other.0 != 0
    }
    pub fn union(self, other: RuleMask) -> RuleMask {
        RuleMask(self.0 | other.0)
    }
    pub fn intersect(self, other: RuleMask) -> RuleMask {
        RuleMask(self.0 & other.0)
    }
    pub fn without(self, other: RuleMask) -> RuleMask {
        RuleMask(self.0 & !other.0)
    }
}

/// A sink compiled for matching.
#[derive(Debug, Clone)]
pub struct Sink {
    pub rule: RuleMask,
    pub call: Option<NamePattern>,
    pub spec: SinkSpec,
}

#[derive(Debug, Clone)]
pub struct Source {
    pub pattern: NamePattern,
    pub kind: SourceKind,
    pub description: String,
    /// Reads its first argument (`yaml.safe_load(stream)`): a source only
    /// when that is not a constant (a string spelled in the code).
    pub reads_argument: bool,
}

#[derive(Debug, Clone)]
pub struct Sanitizer {
    pub call: Option<NamePattern>,
    pub method: Option<String>,
    /// Raises on bad values; its arguments are clean after the call.
    pub guard: bool,
    /// The rules whose taint this sanitizer clears.
    pub clears: RuleMask,
}

/// Everything the taint engine needs to know about sinks, sources and
/// sanitizers, merged from the built-in rule files and the user's
/// configuration.
#[derive(Debug, Clone, Default)]
pub struct TaintConfig {
    pub sinks: Vec<Sink>,
    pub sources: Vec<Source>,
    pub sanitizers: Vec<Sanitizer>,
    pub privileged_keywords: Vec<String>,
    pub privileged_programs: Vec<String>,
    pub shell_programs: Vec<String>,
    pub privileged_decorators: Vec<NamePattern>,
    pub trusted_names: Vec<String>,
    /// Sinks by the literal last segment of their name or their method
    /// name; `wildcard_sinks` hold the rest (`os.exec*`). Every call is
    /// checked against the sinks, so this lookup runs millions of times.
    sink_index: PatternIndex,
    source_index: PatternIndex,
    sanitizer_index: PatternIndex,
}

/// User extensions for one rule (same schema as the rule files' taint part).
#[derive(Debug, Clone, Default)]
pub struct Extensions {
    pub command_injection: TaintData,
    pub path_traversal: TaintData,
    /// Extra sources/sanitizers that apply to every taint rule.
    pub common: TaintData,
}

impl TaintConfig {
    /// Builds the configuration from the built-in rule files plus `extra`.
    pub fn new(extra: &Extensions) -> TaintConfig {
        let files = builtin_files();
        let common: TaintData =
            toml::from_str(TAINT_COMMON).expect("built-in taint-common.toml is valid");
        let mut config = TaintConfig::default();
        config.add(&common, RuleMask::ALL);
        config.add(&extra.common, RuleMask::ALL);
        for file in files {
            let (mask, extension) = match file.code.as_str() {
                COMMAND_INJECTION => (RuleMask::COMMAND, &extra.command_injection),
                PATH_TRAVERSAL => (RuleMask::PATH, &extra.path_traversal),
                _ => continue,
            };
            config.add(&file.taint, mask);
            config.add(extension, mask);
        }
        for (index, sink) in config.sinks.iter().enumerate() {
            match (&sink.call, &sink.spec.method) {
                (Some(pattern), _) => config.sink_index.insert(pattern.last_segment(), index),
                (None, Some(method)) => config.sink_index.insert(method, index),
                (None, None) => {}
            }
        }
        for (index, source) in config.sources.iter().enumerate() {
            config
                .source_index
                .insert(source.pattern.last_segment(), index);
        }
        for (index, sanitizer) in config.sanitizers.iter().enumerate() {
            if let Some(pattern) = &sanitizer.call {
                config.sanitizer_index.insert(pattern.last_segment(), index);
            }
            if let Some(method) = &sanitizer.method {
                config.sanitizer_index.insert(method, index);
            }
        }
        config
    }

    /// The sinks that may match a call whose name ends in `last` (the
    /// function or method name); callers still check the full pattern.
    pub fn sinks_named<'a>(&'a self, last: &'a str) -> impl Iterator<Item = &'a Sink> + 'a {
        self.sink_index
            .candidates(last)
            .map(move |index| &self.sinks[index])
    }

    fn add(&mut self, data: &TaintData, mask: RuleMask) {
        for sink in &data.sinks {
            self.sinks.push(Sink {
                rule: mask,
                call: sink.call.as_deref().map(NamePattern::new),
                spec: sink.clone(),
            });
        }
        for source in &data.sources {
            self.sources.push(Source {
                pattern: NamePattern::new(&source.name),
                kind: source.kind,
                description: source
                    .description
                    .clone()
                    .unwrap_or_else(|| "untrusted input".to_string()),
                reads_argument: source.reads_argument,
            });
        }
        for sanitizer in &data.sanitizers {
            self.sanitizers.push(Sanitizer {
                call: sanitizer.call.as_deref().map(NamePattern::new),
                method: sanitizer.method.clone(),
                guard: sanitizer.guard,
                clears: mask,
            });
        }
        self.privileged_keywords
            .extend(data.privileged_keywords.iter().cloned());
        self.privileged_programs
            .extend(data.privileged_programs.iter().cloned());
        self.shell_programs
            .extend(data.shell_programs.iter().cloned());
        self.privileged_decorators.extend(
            data.privileged_decorators
                .iter()
                .map(|p| NamePattern::new(p)),
        );
        self.trusted_names
            .extend(data.trusted_names.iter().cloned());
    }

    /// The sinks a call to the qualified name `name` matches.
    pub fn call_sinks<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Sink> + 'a {
        self.sinks_named(crate::names::last_segment(name))
            .filter(move |sink| sink.call.as_ref().is_some_and(|p| p.matches(name)))
    }

    /// The rules a call to `name` (or a method call `.method()`) sanitizes.
    pub fn sanitizes(&self, name: Option<&str>, method: Option<&str>) -> RuleMask {
        let mut mask = RuleMask::NONE;
        let mut check = |last: &str| {
            for index in self.sanitizer_index.candidates(last) {
                let sanitizer = &self.sanitizers[index];
                if sanitizer.guard {
                    continue;
                }
                let by_call = match (&sanitizer.call, name) {
                    (Some(pattern), Some(name)) => pattern.matches(name),
                    _ => false,
                };
                let by_method = match (&sanitizer.method, method) {
                    (Some(expected), Some(method)) => expected == method,
                    _ => false,
                };
                if by_call || by_method {
                    mask = mask.union(sanitizer.clears);
                }
            }
        };
        if let Some(name) = name {
            check(crate::names::last_segment(name));
        }
        if let Some(method) = method
            && name.is_none_or(|n| crate::names::last_segment(n) != method)
        {
            check(method);
        }
        mask
    }

    /// Whether a parameter or attribute of this name is trusted.
    pub fn is_trusted_name(&self, name: &str) -> bool {
        self.trusted_names.iter().any(|t| t == name)
    }

    /// The rules a raising check called as a statement clears for its
    /// arguments.
    pub fn guard_clears(&self, name: &str) -> RuleMask {
        self.sanitizers
            .iter()
            .filter(|s| s.guard && s.call.as_ref().is_some_and(|p| p.matches(name)))
            .fold(RuleMask::NONE, |mask, s| mask.union(s.clears))
    }

    /// Whether some source may be named `…last`: most names are not, and
    /// this is cheaper than spelling and resolving the whole name.
    pub fn may_be_source(&self, last: &str) -> bool {
        self.source_index.candidates(last).next().is_some()
    }

    pub fn source(&self, name: &str, kind: SourceKind) -> Option<&Source> {
        self.source_index
            .candidates(crate::names::last_segment(name))
            .map(|index| &self.sources[index])
            .find(|source| source.kind == kind && source.pattern.matches(name))
    }
}

/// One finding per sink call and rule: a call matched by several sink
/// specifications keeps its most severe finding.
fn one_per_sink(mut findings: Vec<crate::finding::Finding>) -> Vec<crate::finding::Finding> {
    findings.sort_by(|a, b| {
        (&a.location, a.code)
            .cmp(&(&b.location, b.code))
            .then(b.severity.cmp(&a.severity))
    });
    findings.dedup_by(|later, first| later.location == first.location && later.code == first.code);
    findings
}

/// A taint rule's findings, file by file in parallel (their traces are
/// independent), in file order.
fn per_file(
    solution: &crate::taint::solve::Solution,
    check: impl Fn(&crate::taint::solve::Solution, usize) -> Vec<crate::finding::Finding> + Sync,
) -> Vec<crate::finding::Finding> {
    use rayon::prelude::*;
    (0..solution.files.len())
        .into_par_iter()
        .flat_map_iter(|file| check(solution, file))
        .collect()
}

/// Runs every rule over the linked facts. Findings that start inside a
/// region the parser could not parse are dropped: they would be invented.
pub fn run(
    files: &[crate::facts::FileFacts],
    index: &crate::link::ProjectIndex,
    settings: &crate::analysis::Settings,
) -> Vec<crate::finding::Finding> {
    let mut findings = Vec::new();
    for file in files {
        findings.extend(file.local_findings.iter().cloned());
    }
    let _ = settings;
    // MG004 needs only the class model: it runs beside the taint rules.
    let (taint_findings, attribute_findings) = rayon::join(
        || {
            let solution = crate::timings::time(crate::timings::Phase::Solve, || {
                crate::taint::solve::Solution::solve(files, index)
            });
            let (mut found, paths) = rayon::join(
                || command_injection::check(&solution),
                || path_traversal::check(&solution),
            );
            found.extend(paths);
            found
        },
        || wrong_object_attribute::check(files, index),
    );
    findings.extend(taint_findings);
    findings.extend(attribute_findings);
    let by_path: std::collections::HashMap<&str, &crate::facts::FileFacts> =
        files.iter().map(|f| (&*f.source.path, f)).collect();
    findings.retain(|finding| {
        let location = &finding.location;
        by_path
            .get(&*location.path)
            .is_none_or(|file| !file.in_error_region(location.start_byte, location.end_byte))
    });
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rule_files_parse_and_are_in_code_order() {
        let codes: Vec<_> = all().iter().map(|r| r.code).collect();
        assert_eq!(codes, ["MG001", "MG002", "MG003", "MG004", "MG100"]);
        let slugs: Vec<_> = all().iter().map(|r| r.slug).collect();
        assert_eq!(
            slugs,
            [
                "command-injection",
                "path-traversal",
                "broad-except",
                "wrong-object-attribute",
                "unused-noqa"
            ]
        );
    }

    #[test]
    fn taint_config_matches_sinks_by_qualified_name() {
        let config = TaintConfig::new(&Extensions::default());
        assert!(config.call_sinks("nova.utils.execute").next().is_some());
        assert!(config.call_sinks("os.execvp").next().is_some());
        assert!(config.call_sinks("os.path.relpath").next().is_some());
        assert!(config.call_sinks("os.path.exists").next().is_none());
        assert_eq!(
            config.sanitizes(Some("shlex.quote"), None),
            RuleMask::COMMAND
        );
        assert_eq!(config.sanitizes(Some("int"), None), RuleMask::ALL);
        assert_eq!(
            config.sanitizes(Some("os.path.basename"), None),
            RuleMask::PATH
        );
    }
}
