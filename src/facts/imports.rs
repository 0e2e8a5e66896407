//! What each imported name of a file refers to: `from nova import utils`
//! binds `utils` to `nova.utils`, so `utils.execute` resolves to
//! `nova.utils.execute` whatever it is spelled like.

use rustc_hash::FxHashMap as HashMap;

use crate::syntax::Node;

use crate::parse::SourceFile;

/// Local name → fully qualified dotted name.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct ImportMap {
    bindings: HashMap<String, String>,
    /// The names bound by module-level aliases (`execute = utils.execute`):
    /// other modules reach them as attributes of this one.
    aliases: Vec<String>,
    /// The modules imported with `from m import *`, in order.
    #[serde(default)]
    stars: Vec<String>,
}

impl ImportMap {
    /// The qualified name a local name was imported as.
    pub fn get(&self, local: &str) -> Option<&str> {
        self.bindings.get(local).map(String::as_str)
    }

    /// Resolves a dotted expression spelled in this file (`utils.execute`,
    /// `os.path.join`) to a qualified name by rewriting its first segment.
    pub fn resolve<'s>(&'s self, dotted: &'s str) -> std::borrow::Cow<'s, str> {
        let (head, rest) = match dotted.split_once('.') {
            Some((head, rest)) => (head, Some(rest)),
            None => (dotted, None),
        };
        match (self.bindings.get(head), rest) {
            (Some(target), Some(rest)) => crate::names::join_dotted(target, rest).into(),
            (Some(target), None) => target.as_str().into(),
            (None, _) => dotted.into(),
        }
    }

    pub fn insert(&mut self, local: String, qualified: String) {
        self.bindings.insert(local, qualified);
    }

    /// The module-level aliases, with what each stands for.
    pub fn aliases(&self) -> impl Iterator<Item = (&str, &str)> {
        self.aliases
            .iter()
            .filter_map(|name| Some((name.as_str(), self.get(name)?)))
    }

    /// The modules this file imports everything from (`from m import *`).
    pub fn star_modules(&self) -> &[String] {
        &self.stars
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.bindings.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Adds the bindings of one `import` / `from ... import` statement.
    /// `module` is the dotted name of the importing module, `is_package`
    /// whether it is an `__init__.py` (relative imports start from it).
    pub fn add_statement(
        &mut self,
        source: &SourceFile,
        node: Node,
        module: &str,
        is_package: bool,
    ) {
        match node.kind() {
            "import_statement" => {
                let mut cursor = node.walk();
                for name in node.children_by_field_name("name", &mut cursor) {
                    match name.kind() {
                        "dotted_name" => {
                            // `import os.path` binds `os`.
                            let text = source.node_text(name);
                            let head = text.split('.').next().unwrap_or(text).trim();
                            self.insert(head.to_string(), head.to_string());
                        }
                        "aliased_import" => {
                            if let (Some(target), Some(alias)) = (
                                name.child_by_field_name("name"),
                                name.child_by_field_name("alias"),
                            ) {
                                self.insert(
                                    source.node_text(alias).to_string(),
                                    compact(source.node_text(target)),
                                );
                            }
                        }
                        _ => {}
                    }
                }
            }
            "import_from_statement" => {
                let Some(module_node) = node.child_by_field_name("module_name") else {
                    return;
                };
                let base = if module_node.kind() == "relative_import" {
                    resolve_relative(source.node_text(module_node), module, is_package)
                } else {
                    compact(source.node_text(module_node))
                };
                let mut cursor = node.walk();
                if node
                    .named_children(&mut cursor)
                    .any(|child| child.kind() == "wildcard_import")
                {
                    self.stars.push(base.clone());
                }
                let mut cursor = node.walk();
                for name in node.children_by_field_name("name", &mut cursor) {
                    let (target, local) = match name.kind() {
                        "dotted_name" => {
                            let text = compact(source.node_text(name));
                            (text.clone(), text)
                        }
                        "aliased_import" => match (
                            name.child_by_field_name("name"),
                            name.child_by_field_name("alias"),
                        ) {
                            (Some(target), Some(alias)) => (
                                compact(source.node_text(target)),
                                source.node_text(alias).to_string(),
                            ),
                            _ => continue,
                        },
                        _ => continue,
                    };
                    let qualified = crate::names::qualify(&base, &target);
                    self.insert(local, qualified);
                }
            }
            _ => {}
        }
    }
}

impl ImportMap {
    /// Module-level aliases of imported names (`execute =
    /// processutils.execute`, `environ = os.environ`): the alias refers to
    /// what it names, so calling it calls the sink. Only plain statements
    /// of the module body count, and a name bound twice there (or also by a
    /// `def`/`class`) is left alone.
    pub fn add_module_aliases(&mut self, source: &SourceFile, root: Node) {
        let mut bound: HashMap<&str, usize> = HashMap::default();
        let mut aliases: Vec<(&str, Node)> = Vec::new();
        let mut cursor = root.walk();
        for statement in root.named_children(&mut cursor) {
            let definition = match statement.kind() {
                "decorated_definition" => statement.child_by_field_name("definition"),
                "function_definition" | "class_definition" => Some(statement),
                _ => None,
            };
            if let Some(name) = definition.and_then(|d| d.child_by_field_name("name")) {
                *bound.entry(source.node_text(name)).or_default() += 1;
                continue;
            }
            if statement.kind() != "expression_statement" {
                continue;
            }
            let Some(assignment) = statement
                .named_child(0)
                .filter(|a| a.kind() == "assignment")
            else {
                continue;
            };
            let Some(left) = assignment.child_by_field_name("left") else {
                continue;
            };
            if left.kind() != "identifier" {
                continue;
            }
            let name = source.node_text(left);
            *bound.entry(name).or_default() += 1;
            if let Some(right) = assignment.child_by_field_name("right")
                && super::dotted_root(right).is_some()
            {
                aliases.push((name, right));
            }
        }
        for (name, right) in aliases {
            let dotted = compact(source.node_text(right));
            let head = dotted.split('.').next().unwrap_or_default();
            if bound.get(name) == Some(&1) && head != name && self.bindings.contains_key(head) {
                let qualified = self.resolve(&dotted).into_owned();
                self.insert(name.to_string(), qualified);
                self.aliases.push(name.to_string());
            }
        }
    }
}

/// Removes whitespace inside a dotted name (`a . b` is legal Python).
fn compact(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && *c != '\\')
        .collect()
}

/// `from ..a import b` in module `pkg.sub.mod` → `pkg.a`.
pub fn resolve_relative(text: &str, module: &str, is_package: bool) -> String {
    let text = compact(text);
    let dots = text.chars().take_while(|&c| c == '.').count();
    let rest = &text[dots..];
    let mut parts: Vec<&str> = module.split('.').filter(|p| !p.is_empty()).collect();
    // One dot is the current package: the module itself for `__init__.py`,
    // its parent otherwise; each further dot goes up one package.
    let ups = if is_package { dots - 1 } else { dots };
    for _ in 0..ups.min(parts.len()) {
        parts.pop();
    }
    if !rest.is_empty() {
        parts.push(rest);
    }
    parts.join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_imports_resolve_against_the_module() {
        assert_eq!(resolve_relative(".", "pkg.sub.mod", false), "pkg.sub");
        assert_eq!(resolve_relative("..a", "pkg.sub.mod", false), "pkg.a");
        assert_eq!(resolve_relative(".", "pkg.sub", true), "pkg.sub");
        assert_eq!(resolve_relative(".utils", "pkg", true), "pkg.utils");
    }

    #[test]
    fn resolve_rewrites_the_first_segment() {
        let mut map = ImportMap::default();
        map.insert("utils".into(), "nova.utils".into());
        assert_eq!(map.resolve("utils.execute"), "nova.utils.execute");
        assert_eq!(map.resolve("os.path.join"), "os.path.join");
    }
}
