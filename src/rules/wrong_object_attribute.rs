//! MG004 wrong-object-attribute: `self.x = v` in a class whose hierarchy
//! never reads `self.x`, while another object in scope (`mount`) is the one
//! that has an `x`: the write was meant for `mount.x`.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use crate::facts::FileFacts;
use crate::facts::classes::{BindingKind, ClassFacts, MethodFacts, SelfWrite, Span, TypeExpr};
use crate::finding::{Finding, Label, Severity, normalise_snippet};
use crate::link::ProjectIndex;
use crate::link::classes::{Budget, ClassId, ClassIndex, Scope, Ty};
use crate::rules::{WRONG_OBJECT_ATTRIBUTE, meta};

/// Work allowed to infer the class of one variable.
const FUEL: usize = 400;

/// A variable of the method that may be the object the write was meant for.
struct Candidate<'a> {
    name: &'a str,
    /// The variable's class, when inferred and it has the attribute: the
    /// class and where the attribute is defined on it.
    defined: Option<(ClassId, Option<&'a str>, Span)>,
    /// `name.attr` used elsewhere in the class.
    used: Option<Span>,
    /// The write is inside the `with`/`for` statement that binds it.
    encloses: bool,
}

impl Candidate<'_> {
    fn score(&self) -> u32 {
        2 * u32::from(self.defined.is_some())
            + u32::from(self.used.is_some())
            + u32::from(self.encloses)
    }
}

/// Largest class family the rule reasons about.
const MAX_HIERARCHY: usize = 2000;

pub fn check(files: &[FileFacts], index: &ProjectIndex) -> Vec<Finding> {
    let classes = &index.classes;
    let mut owned: Vec<Option<HashSet<&str>>> = vec![None; classes.len()];
    let mut findings = Vec::new();
    for id in 0..classes.len() {
        let class = classes.facts(files, id);
        if class.synthetic || class.methods.iter().all(|m| m.self_writes.is_empty()) {
            continue;
        }
        let Some(hierarchy) = classes.hierarchy(id, MAX_HIERARCHY) else {
            continue;
        };
        // Dynamic attribute access may read anything: stay silent.
        if hierarchy.iter().any(|&k| {
            let facts = classes.facts(files, k);
            facts.dynamic || facts.opaque_base
        }) {
            continue;
        }
        // A base outside the scanned sources is not the SPEC's concern
        // (in-repo bases only), but it may declare fields we cannot see
        // (`fields = {...}` of a versioned object): only a variable whose
        // class is known to define the attribute is evidence then.
        let external_base = hierarchy.iter().any(|&k| classes.external_base[k]);
        let names = classes.names(files, id);
        for (method_index, method) in class.methods.iter().enumerate() {
            if method.self_name.is_none() {
                continue;
            }
            for write in &method.self_writes {
                let attr = names.get(write.attr);
                let known = hierarchy.iter().any(|&k| {
                    owned[k]
                        .get_or_insert_with(|| owned_attributes(files, classes, k))
                        .contains(attr)
                });
                if known {
                    continue;
                }
                let scope = Scope {
                    class: id,
                    method: method_index,
                };
                if let Some(finding) = check_write(
                    files,
                    classes,
                    scope,
                    (class, method, write),
                    &hierarchy,
                    external_base,
                ) {
                    findings.push(finding);
                }
            }
        }
    }
    findings
}

/// Attributes one class reads on `self`, declares in its body, or defines
/// in `__init__` (and the methods it calls).
fn owned_attributes<'a>(
    files: &'a [FileFacts],
    classes: &ClassIndex,
    k: ClassId,
) -> HashSet<&'a str> {
    let facts = classes.facts(files, k);
    let names = classes.names(files, k);
    let mut owned: HashSet<&str> = facts.self_reads.iter().map(|&s| names.get(s)).collect();
    owned.extend(facts.declared.iter().map(|&(s, _)| names.get(s)));
    for (owner, m) in classes.init_closure(files, k) {
        let method = &classes.facts(files, owner).methods[m];
        let names = classes.names(files, owner);
        owned.extend(method.self_writes.iter().map(|w| names.get(w.attr)));
    }
    owned
}

fn check_write(
    files: &[FileFacts],
    classes: &ClassIndex,
    scope: Scope,
    (class, method, write): (&ClassFacts, &MethodFacts, &SelfWrite),
    hierarchy: &BTreeSet<ClassId>,
    external_base: bool,
) -> Option<Finding> {
    let names = classes.names(files, scope.class);
    let attr_sym = write.attr;
    let attr = names.get(attr_sym);
    let at = write.span.0;
    // Per variable name: the bindings in document order.
    let mut by_name: BTreeMap<&str, (u32, Vec<&crate::facts::classes::Binding>)> = BTreeMap::new();
    for binding in &method.bindings {
        if Some(binding.name) == method.self_name {
            continue;
        }
        by_name
            .entry(names.get(binding.name))
            .or_insert_with(|| (binding.name, Vec::new()))
            .1
            .push(binding);
    }
    let mut candidates = Vec::new();
    for (name, (name_sym, bindings)) in by_name {
        let encloses = bindings.iter().any(|b| {
            matches!(b.kind, BindingKind::With | BindingKind::Loop)
                && b.range.0 <= at
                && at < b.range.1
        });
        let mut budget = Budget::new(FUEL);
        let mut ty = Ty::Unknown;
        for binding in &bindings {
            if let Some(expr) = &binding.expr {
                ty = classes.eval(files, scope, expr, &mut budget);
                if ty != Ty::Unknown {
                    break;
                }
            }
        }
        let defined = match ty {
            // Another instance of the same family: its attributes are ours.
            Ty::Instance(other) if hierarchy.contains(&other) => continue,
            Ty::Instance(other) => match classes.definition(files, other, attr) {
                Some(found) => Some(found),
                // A class we see in full that has no such attribute: the
                // same-named variable elsewhere is some other object.
                None if lacks(files, classes, other, attr) => continue,
                None => None,
            },
            _ => None,
        };
        let used = class.var_attr(name_sym, attr_sym);
        if defined.is_none() && (used.is_none() || external_base) {
            continue;
        }
        candidates.push(Candidate {
            name,
            defined,
            used,
            encloses,
        });
    }
    if candidates.is_empty() {
        return None;
    }
    // The text is opened (read again) only here, for the few writes that
    // get this far.
    let source = files[classes.file_of(scope.class)].source.open();
    let snippet = normalise_snippet(
        source
            .text
            .get(write.span.0 as usize..write.span.1 as usize)
            .unwrap_or(""),
    );
    // `self.x = v.x` copies from `v`: it is not `v` that was meant (writing
    // `v.x = v.x` would do nothing). A value computed from `v.x`
    // (`self.failures = state.failures + 1`) may well have been meant for it.
    let copied = assigned_value(&snippet);
    candidates.retain(|c| copied != Some(format!("{}.{attr}", c.name).as_str()));
    if candidates.is_empty() || read_from_outside(files, classes, hierarchy, attr) {
        return None;
    }
    // Best first; ties by name, for deterministic output.
    candidates.sort_by(|a, b| b.score().cmp(&a.score()).then(a.name.cmp(b.name)));
    let best = candidates.first()?;
    let self_name = method.self_name.map_or("self", |s| names.get(s));
    let class_name = &class.local_name;
    let others: Vec<String> = candidates[1..]
        .iter()
        .map(|c| format!("`{}.{attr}`", c.name))
        .collect();
    let mut message = format!(
        "`{self_name}.{attr}` is never read on `{class_name}`; did you mean `{}.{attr}`?",
        best.name
    );
    if !others.is_empty() {
        message.push_str(&format!(
            " ({} {} possible too, `{}` is the likeliest)",
            others.join(", "),
            if others.len() == 1 { "is" } else { "are" },
            best.name
        ));
    }
    let mut labels = Vec::new();
    if let Some((owner, in_method, (start, end))) = best.defined {
        let owner_name = &classes.facts(files, owner).local_name;
        let place = match in_method {
            Some(m) => format!("in `{owner_name}.{m}`"),
            None => format!("on `{owner_name}`"),
        };
        let owner_source = files[classes.file_of(owner)].source.open();
        labels.push(Label {
            location: owner_source.location(start as usize, end as usize),
            message: format!("`{attr}` is defined here, {place}"),
        });
    }
    if let Some((start, end)) = best.used {
        labels.push(Label {
            location: source.location(start as usize, end as usize),
            message: format!("`{}.{attr}` is used here", best.name),
        });
    }
    let prefix = format!("{self_name}.{attr}");
    let suggestion = match snippet.strip_prefix(&prefix) {
        Some(rest) if rest.trim_start().starts_with('=') => format!("{}.{attr}{rest}", best.name),
        // `self.x: bool = v` → `mount.x = v` (the annotation belongs to the class).
        Some(rest) if rest.trim_start().starts_with(':') && assigned_value(rest).is_some() => {
            format!(
                "{}.{attr} = {}",
                best.name,
                assigned_value(rest).unwrap_or_default()
            )
        }
        // `setattr(self, 'x', v)` → `setattr(mount, 'x', v)`.
        _ if snippet.starts_with("setattr(") => {
            snippet.replacen(&format!("({self_name},"), &format!("({},", best.name), 1)
        }
        _ => format!("{}.{attr}", best.name),
    };
    let rule = meta(WRONG_OBJECT_ATTRIBUTE);
    Some(Finding {
        code: rule.code,
        rule: rule.slug,
        severity: Severity::Warning,
        location: source.location(write.span.0 as usize, write.span.1 as usize),
        message,
        labels,
        trace: Vec::new(),
        help: Some(format!(
            "write `{suggestion}`: nothing in `{class_name}`, its bases or its subclasses reads `{self_name}.{attr}`"
        )),
        context: format!("{class_name}.{}", names.get(method.name)),
        snippet,
    })
}

/// The value of a plain assignment statement (`a = b` gives `b`), trimmed.
fn assigned_value(statement: &str) -> Option<&str> {
    let bytes = statement.as_bytes();
    let at = (0..bytes.len()).find(|&i| {
        bytes[i] == b'='
            && bytes.get(i + 1) != Some(&b'=')
            && !(i > 0 && b"=!<>+-*/%&|^@:".contains(&bytes[i - 1]))
    })?;
    Some(statement[at + 1..].trim())
}

/// Whether some method anywhere reads `attr` on an object inferred to be
/// an instance of the hierarchy (`manager.mounted` in another class): then
/// the write is meant for `self` after all.
fn read_from_outside(
    files: &[FileFacts],
    classes: &ClassIndex,
    hierarchy: &BTreeSet<ClassId>,
    attr: &str,
) -> bool {
    (0..classes.len()).any(|reader| {
        let facts = classes.facts(files, reader);
        if facts.foreign_reads.is_empty() && facts.call_reads.is_empty() {
            return false;
        }
        let Some(attr) = classes.names(files, reader).lookup(attr) else {
            return false;
        };
        let is_instance = |method: usize, object: &TypeExpr| {
            let mut budget = Budget::new(FUEL);
            let scope = Scope {
                class: reader,
                method,
            };
            matches!(
                classes.eval(files, scope, object, &mut budget),
                Ty::Instance(c) if hierarchy.contains(&c)
            )
        };
        facts
            .foreign_reads
            .iter()
            .filter(|read| read.attr == attr)
            .any(|read| is_instance(read.method as usize, &read.object_expr()))
            || facts
                .call_reads
                .iter()
                .filter(|(read, _, _)| *read == attr)
                .any(|(_, method, object)| is_instance(*method, object))
    })
}

/// Whether nothing in the (fully visible) hierarchy of `class` has `attr`.
fn lacks(files: &[FileFacts], classes: &ClassIndex, class: ClassId, attr: &str) -> bool {
    let Some(hierarchy) = classes.hierarchy(class, MAX_HIERARCHY) else {
        return false;
    };
    hierarchy.iter().all(|&k| {
        let facts = classes.facts(files, k);
        if classes.external_base[k] || facts.dynamic || facts.opaque_base {
            return false;
        }
        // A name its file never mentions is not an attribute of the class.
        let Some(attr) = classes.names(files, k).lookup(attr) else {
            return true;
        };
        !facts.reads(attr)
            && facts.declares(attr).is_none()
            && facts
                .methods
                .iter()
                .all(|m| m.self_writes.iter().all(|w| w.attr != attr))
    })
}
