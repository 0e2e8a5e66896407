//! Dotted qualified names (`nova.utils.execute`) and the patterns rule data
//! uses to match them.

/// A pattern over dotted names. Segments are compared one by one; a leading
/// `*` segment matches any number of leading segments (`*.utils.execute`
/// matches `utils.execute` and `nova.utils.execute`), and a segment ending
/// in `*` matches by prefix (`os.exec*` matches `os.execvp`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamePattern {
    any_prefix: bool,
    segments: Vec<String>,
}

impl NamePattern {
    pub fn new(pattern: &str) -> NamePattern {
        let mut segments: Vec<String> = pattern.split('.').map(str::to_string).collect();
        let any_prefix = segments.len() > 1 && segments[0] == "*";
        if any_prefix {
            segments.remove(0);
        }
        NamePattern {
            any_prefix,
            segments,
        }
    }

    /// Compares segments from the end, without allocating: this runs for
    /// every call of every file.
    pub fn matches(&self, name: &str) -> bool {
        let mut parts = name.rsplit('.');
        for pattern in self.segments.iter().rev() {
            let Some(part) = parts.next() else {
                return false;
            };
            let matched = match pattern.strip_suffix('*') {
                Some(prefix) => part.starts_with(prefix),
                None => pattern == part,
            };
            if !matched {
                return false;
            }
        }
        self.any_prefix || parts.next().is_none()
    }

    /// The last segment, when it is literal (used to pre-filter call sites).
    pub fn last_segment(&self) -> &str {
        self.segments.last().map(String::as_str).unwrap_or("")
    }
}

/// Items keyed by the last segment of their pattern, so that a lookup
/// checks only the few patterns that can match: every call of every file
/// is looked up against the sinks, sources and sanitizers.
#[derive(Debug, Clone, Default)]
pub struct PatternIndex {
    by_last: rustc_hash::FxHashMap<String, Vec<usize>>,
    /// Items whose last segment is itself a prefix pattern (`exec*`).
    wildcard: Vec<(String, usize)>,
}

impl PatternIndex {
    /// Registers item `index` under the last segment `last` of its pattern.
    pub fn insert(&mut self, last: &str, index: usize) {
        match last.strip_suffix('*') {
            Some(prefix) => self.wildcard.push((prefix.to_string(), index)),
            None => self
                .by_last
                .entry(last.to_string())
                .or_default()
                .push(index),
        }
    }

    /// Items whose pattern may match a name ending in `last`.
    pub fn candidates<'a>(&'a self, last: &'a str) -> impl Iterator<Item = usize> + 'a {
        self.by_last.get(last).into_iter().flatten().copied().chain(
            self.wildcard
                .iter()
                .filter(move |(prefix, _)| last.starts_with(prefix.as_str()))
                .map(|(_, index)| *index),
        )
    }
}

/// `a.b`: hot paths build many dotted names, and `format!` costs several
/// times this.
pub fn join_dotted(a: &str, b: &str) -> String {
    let mut joined = String::with_capacity(a.len() + 1 + b.len());
    joined.push_str(a);
    joined.push('.');
    joined.push_str(b);
    joined
}

/// `name` qualified by its module (`pkg.mod.name`); just `name` at the
/// top level (a module outside any package has no dotted name).
pub fn qualify(module: &str, name: &str) -> String {
    if module.is_empty() {
        name.to_string()
    } else {
        join_dotted(module, name)
    }
}

/// The last dotted segment of a name: `execute` for `nova.utils.execute`.
pub fn last_segment(name: &str) -> &str {
    // A byte search: `rsplit` builds a general pattern searcher, and this
    // runs several times for every call of every file.
    match name.bytes().rposition(|byte| byte == b'.') {
        Some(dot) => &name[dot + 1..],
        None => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_by_segments() {
        let p = NamePattern::new("*.utils.execute");
        assert!(p.matches("utils.execute"));
        assert!(p.matches("nova.utils.execute"));
        assert!(!p.matches("nova.myutils.execute"));
        assert!(!p.matches("execute"));
        let exact = NamePattern::new("subprocess.run");
        assert!(exact.matches("subprocess.run"));
        assert!(!exact.matches("x.subprocess.run"));
        let prefix = NamePattern::new("os.exec*");
        assert!(prefix.matches("os.execvpe"));
        assert!(!prefix.matches("os.path.exists"));
        assert!(NamePattern::new("open").matches("open"));
    }
}
