//! The schema of `rules/*.toml`: what a rule is, as data. The same schema
//! is accepted for user extensions in `[tool.mountguard.rules.<slug>]`.

use serde::Deserialize;

use crate::finding::Severity;

/// One rule file (`rules/<slug>.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    pub code: String,
    pub slug: String,
    pub name: String,
    /// One line: what the rule finds.
    pub summary: String,
    /// The highest severity this rule reports; used for listings and SARIF.
    pub severity: SeverityName,
    /// SARIF `security-severity` (CVSS-like, 0.0-10.0); security rules only.
    #[serde(default)]
    pub security_severity: Option<f32>,
    /// Generic fix advice.
    pub help: String,
    /// Markdown documentation, shown by `mountguard rule CODE`.
    pub docs: String,
    #[serde(flatten)]
    pub taint: TaintData,
}

/// Sinks, sources and sanitizers. Every list is extendable from configuration.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaintData {
    #[serde(default)]
    pub sinks: Vec<SinkSpec>,
    #[serde(default)]
    pub sources: Vec<SourceSpec>,
    #[serde(default)]
    pub sanitizers: Vec<SanitizerSpec>,
    /// Keyword arguments that make a command privileged when not `False`.
    #[serde(default)]
    pub privileged_keywords: Vec<String>,
    /// Programs that run their arguments as root (`sudo`, `nsenter`).
    #[serde(default)]
    pub privileged_programs: Vec<String>,
    /// Shells whose `-c` argument is a shell string.
    #[serde(default)]
    pub shell_programs: Vec<String>,
    /// Decorators (qualified-name patterns) that make a function run privileged.
    #[serde(default)]
    pub privileged_decorators: Vec<String>,
    /// Parameter and attribute names that hold operator configuration or
    /// injected helpers, never caller data (`configuration`, `execute`).
    #[serde(default)]
    pub trusted_names: Vec<String>,
}

impl TaintData {
    pub fn extend(&mut self, other: TaintData) {
        // Destructured so that a list added to the schema cannot be
        // forgotten here (`trusted_names` once was: accepted, then dropped).
        let TaintData {
            sinks,
            sources,
            sanitizers,
            privileged_keywords,
            privileged_programs,
            shell_programs,
            privileged_decorators,
            trusted_names,
        } = other;
        self.sinks.extend(sinks);
        self.sources.extend(sources);
        self.sanitizers.extend(sanitizers);
        self.privileged_keywords.extend(privileged_keywords);
        self.privileged_programs.extend(privileged_programs);
        self.shell_programs.extend(shell_programs);
        self.privileged_decorators.extend(privileged_decorators);
        self.trusted_names.extend(trusted_names);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SeverityName {
    Note,
    Warning,
    Error,
}

impl From<SeverityName> for Severity {
    fn from(value: SeverityName) -> Self {
        match value {
            SeverityName::Note => Severity::Note,
            SeverityName::Warning => Severity::Warning,
            SeverityName::Error => Severity::Error,
        }
    }
}

/// A call that consumes data: `call` is a qualified-name pattern
/// (`subprocess.run`, `*.utils.execute`, `os.exec*`), or `method` names a
/// method called on an object (`unlink` on a `pathlib.Path`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SinkSpec {
    #[serde(default)]
    pub call: Option<String>,
    /// Method name, matched on receivers of `receiver_type` (or on any
    /// receiver stored on `self` for `execute`-style callables).
    #[serde(default)]
    pub method: Option<String>,
    #[serde(default)]
    pub receiver_type: Option<String>,
    /// Which positional arguments carry the data: `"all"` or a list of indexes.
    #[serde(default)]
    pub args: ArgSelector,
    /// Keyword arguments that carry the data.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Whether the receiver itself is the data (pathlib methods).
    #[serde(default)]
    pub receiver: bool,
    /// What the sink does with the data.
    #[serde(default)]
    pub kind: SinkKind,
    /// Runs its command as root (an oslo.privsep entry point that executes).
    #[serde(default)]
    pub privileged: bool,
    /// Only a sink while its implementation is not among the scanned
    /// sources; once it is, the flow is followed into it instead.
    #[serde(default)]
    pub unscanned_only: bool,
    /// The position where the argument vector starts (`os.execl(path,
    /// arg0, ...)`: 1, `os.spawnv(mode, path, argv)`: 2): what comes
    /// before is the program's path or a mode, not its `argv[0]`.
    #[serde(default)]
    pub argv_from: usize,
    /// The last positional argument is the environment mapping
    /// (`os.execle`, `os.spawnlpe`), not part of the command.
    #[serde(default)]
    pub env_last: bool,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum ArgSelector {
    Named(ArgSelectorName),
    Indexes(Vec<usize>),
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ArgSelectorName {
    All,
    None,
}

impl Default for ArgSelector {
    fn default() -> Self {
        ArgSelector::Indexes(vec![0])
    }
}

impl ArgSelector {
    pub fn selects(&self, index: usize) -> bool {
        match self {
            ArgSelector::Named(ArgSelectorName::All) => true,
            ArgSelector::Named(ArgSelectorName::None) => false,
            ArgSelector::Indexes(list) => list.contains(&index),
        }
    }
}

/// What a sink does; decides severity.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SinkKind {
    /// A command: an argument vector, or a shell string when `shell=True`.
    #[default]
    Command,
    /// Always a shell string (`os.system`, `os.popen`).
    Shell,
    /// Reads or computes from a path (`os.path.relpath`, `open` for reading).
    PathRead,
    /// Writes, deletes, moves, links or changes permissions.
    PathWrite,
    /// `open()`: a write when the mode says so.
    PathOpen,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSpec {
    /// Qualified-name pattern of a call (`input`) or attribute (`sys.argv`).
    pub name: String,
    /// Shown in the trace: "`sys.argv`: command-line arguments".
    #[serde(default)]
    pub description: Option<String>,
    /// A call whose return value is a source, or an attribute read.
    #[serde(default)]
    pub kind: SourceKind,
    /// The call reads its first argument (a file or a string): a source
    /// unless that argument is a constant.
    #[serde(default)]
    pub reads_argument: bool,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    #[default]
    Call,
    Attribute,
    /// A method name whose call returns untrusted data on any receiver
    /// (`read`, `recv`, `parse_args`).
    Method,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SanitizerSpec {
    /// Qualified-name pattern of the sanitizing call.
    #[serde(default)]
    pub call: Option<String>,
    /// Method name (`hexdigest`) that sanitizes whatever receiver.
    #[serde(default)]
    pub method: Option<String>,
    /// A check that raises on bad values instead of returning a clean one
    /// (a project's `check_ssh_injection(cmd)`, declared in its configuration):
    /// its arguments are clean after it.
    #[serde(default)]
    pub guard: bool,
}
