//! Expressions: the taint of each value, calls (sources, sanitizers,
//! container mutation, calls that may enter the scanned sources).

use super::*;

impl<'a> Interpreter<'a> {
    pub(super) fn eval(
        &mut self,
        node: Node<'a>,
        env: &mut Env,
        context: &mut FunctionContext,
        depth: usize,
    ) -> Taint {
        if depth > MAX_DEPTH {
            return self.opaque(node, env);
        }
        let depth = depth + 1;
        if node.kind() == "binary_operator"
            && let Some(taint) = self.eval_percent_format(node, env, context, depth)
        {
            return taint;
        }
        match node.kind() {
            "identifier" => self.read_name(node, env),
            "attribute" => self.eval_attribute(node, env, context, depth),
            "call" => self.eval_call(node, env, context, depth),
            "string"
            | "concatenated_string"
            | "binary_operator"
            | "boolean_operator"
            | "list"
            | "tuple"
            | "set"
            | "dictionary"
            | "pair"
            | "expression_list"
            | "parenthesized_expression"
            | "list_splat"
            | "dictionary_splat"
            | "interpolation"
            | "unary_operator"
            | "await"
            | "slice"
            | "format_expression"
            | "keyword_argument"
            | "yield"
            | "type" => {
                let mut taint = Taint::default();
                let mut cursor = node.walk();
                let children: Vec<Node<'a>> = node.named_children(&mut cursor).collect();
                for (index, child) in children.into_iter().enumerate() {
                    // The condition of `a if c else b` does not flow.
                    if node.kind() == "conditional_expression" && index == 1 {
                        self.eval(child, env, context, depth);
                        continue;
                    }
                    if node.kind() == "keyword_argument" && index == 0 {
                        continue;
                    }
                    let value = self.eval(child, env, context, depth);
                    taint.union_with(&value);
                }
                if node.kind() == "yield" {
                    self.note_return_elements(context.id, None);
                    self.file.functions[context.id as usize]
                        .returns
                        .union_with(&taint);
                }
                taint
            }
            // `t if t in ALLOWED else 'default'`: each branch is what holds
            // when the condition is true or false, as for an `if`.
            "conditional_expression" => {
                let mut cursor = node.walk();
                let children: Vec<Node<'a>> = node.named_children(&mut cursor).collect();
                let [consequence, condition, alternative] = children[..] else {
                    let mut taint = Taint::default();
                    for child in children {
                        taint.union_with(&self.eval(child, env, context, depth));
                    }
                    return taint;
                };
                self.eval(condition, env, context, depth);
                let mut taint = Taint::default();
                for (branch, holds) in [(consequence, true), (alternative, false)] {
                    let facts = self.condition_facts(condition, holds, env, context, depth);
                    let value = if facts.is_empty() {
                        self.eval(branch, env, context, depth)
                    } else {
                        let mut branch_env = env.clone();
                        apply_facts(&mut branch_env, &facts);
                        self.eval(branch, &mut branch_env, context, depth)
                    };
                    taint.union_with(&value);
                }
                taint
            }
            "subscript" => {
                if let Some(proved) = self.proved_path(node, env) {
                    return proved;
                }
                if let Some(index) = node.child_by_field_name("subscript") {
                    self.eval(index, env, context, depth);
                }
                let value = node
                    .child_by_field_name("value")
                    .map(|v| self.eval(v, env, context, depth))
                    .unwrap_or_default();
                if self.is_last_path_component(node) {
                    // `p.split('/')[-1]` is `os.path.basename(p)`.
                    value.sanitize(RuleMask::PATH)
                } else {
                    value
                }
            }
            "comparison_operator" | "not_operator" => {
                let mut cursor = node.walk();
                let children: Vec<Node<'a>> = node.named_children(&mut cursor).collect();
                for child in children {
                    self.eval(child, env, context, depth);
                }
                Taint::default()
            }
            "named_expression" => {
                let value = node
                    .child_by_field_name("value")
                    .map(|v| self.eval(v, env, context, depth))
                    .unwrap_or_default();
                if let Some(name) = node.child_by_field_name("name") {
                    env.forget_paths(self.text(name));
                    env.vars.insert(self.text(name).into(), value.clone());
                }
                value
            }
            "list_comprehension"
            | "set_comprehension"
            | "generator_expression"
            | "dictionary_comprehension" => self.eval_comprehension(node, env, context, depth),
            "lambda" => {
                let mut scope = env.clone();
                // Its callers are not known: its parameters are sources, as
                // a public function's are, for the sinks in its body.
                let mut parameter_atoms = Vec::new();
                if let Some(parameters) = node.child_by_field_name("parameters") {
                    let mut cursor = parameters.walk();
                    let names: Vec<Node<'a>> = parameters
                        .named_children(&mut cursor)
                        .filter_map(|parameter| match parameter.kind() {
                            "identifier" => Some(parameter),
                            "default_parameter" => parameter.child_by_field_name("name"),
                            _ => parameter.named_child(0),
                        })
                        .filter(|name| name.kind() == "identifier")
                        .collect();
                    for name in names {
                        let spelled = self.text(name);
                        let description = format!("`{spelled}`: a parameter of a lambda");
                        let taint = self.source_taint(description, name);
                        parameter_atoms.extend(taint.entries.iter().map(|entry| entry.atom));
                        scope.vars.insert(spelled.into(), taint);
                    }
                }
                let mut body = node
                    .child_by_field_name("body")
                    .map(|b| self.eval(b, &mut scope, context, depth))
                    .unwrap_or_default();
                // The function object is data only through what it captures
                // (`lambda: cmd`): `map(lambda x: ' '.join(x), COMMANDS)`
                // is as clean as `COMMANDS`.
                body.entries
                    .retain(|entry| !parameter_atoms.contains(&entry.atom));
                body
            }
            _ => Taint::default(),
        }
    }

    pub(super) fn eval_comprehension(
        &mut self,
        node: Node<'a>,
        env: &mut Env,
        context: &mut FunctionContext,
        depth: usize,
    ) -> Taint {
        let mut scope = env.clone();
        let mut cursor = node.walk();
        let children: Vec<Node<'a>> = node.named_children(&mut cursor).collect();
        for child in &children {
            match child.kind() {
                "for_in_clause" => {
                    let value = child
                        .child_by_field_name("right")
                        .map(|r| {
                            let items = self.file_lines(r, &scope, context);
                            self.eval(r, &mut scope, context, depth).union(&items)
                        })
                        .unwrap_or_default();
                    if let Some(left) = child.child_by_field_name("left") {
                        self.bind(left, value, &mut scope, context, depth);
                    }
                }
                "if_clause" => {
                    if let Some(condition) = child.named_child(0) {
                        self.eval(condition, &mut scope, context, depth);
                        let facts = self.condition_facts(condition, true, &scope, context, depth);
                        apply_facts(&mut scope, &facts);
                    }
                }
                _ => {}
            }
        }
        match node.child_by_field_name("body") {
            Some(body) => self.eval(body, &mut scope, context, depth),
            None => Taint::default(),
        }
    }

    /// Taint of a whole subtree too deep to interpret: the names it reads.
    pub(super) fn opaque(&self, node: Node<'a>, env: &Env) -> Taint {
        self.note_too_deep(node);
        let mut taint = Taint::default();
        walk_tree(node, |n| {
            if n.kind() == "identifier"
                && let Some(value) = env.vars.get(self.text(n))
            {
                taint.union_with(value);
            }
        });
        taint
    }

    pub(super) fn read_name(&mut self, node: Node<'a>, env: &Env) -> Taint {
        let name = self.text(node);
        if let Some(value) = env.vars.get(name) {
            return value.clone();
        }
        if self.is_written_global(name) {
            // What the module binds, and what functions store (`global`).
            let mut taint = self.globals.vars.get(name).cloned().unwrap_or_default();
            let atom = self.intern(Atom::SelfAttr(Box::new(SelfAttrAtom {
                class: self.globals_class.clone(),
                attr: name.to_string(),
            })));
            taint.union_with(&Taint::atom(atom));
            return taint;
        }
        if let Some(value) = self.globals.vars.get(name) {
            return value.clone();
        }
        if let Some(qualified) = self.imports.get(name)
            && let Some(source) = self.config.source(qualified, SourceKind::Attribute)
        {
            let description = format!("`{name}`: {}", source.description);
            return self.source_taint(description, node);
        }
        Taint::default()
    }

    /// The taint of a known external input read at `node`.
    pub(super) fn source_taint(&mut self, description: String, node: Node<'a>) -> Taint {
        let span = self.span(node);
        Taint::atom(self.intern(Atom::Source(Box::new(SourceAtom { description, span }))))
    }

    pub(super) fn eval_attribute(
        &mut self,
        node: Node<'a>,
        env: &mut Env,
        context: &mut FunctionContext,
        depth: usize,
    ) -> Taint {
        let Some(object) = node.child_by_field_name("object") else {
            return Taint::default();
        };
        let attr = node
            .child_by_field_name("attribute")
            .map(|a| self.text(a))
            .unwrap_or("");
        if self.config.is_trusted_name(attr) {
            return Taint::default();
        }
        if let Some(proved) = self.proved_path(node, env) {
            return proved;
        }
        if self.is_self(object, context)
            && let Some(class) = context.class.clone()
        {
            if self
                .properties
                .get(&class)
                .is_some_and(|names| names.contains(attr))
            {
                return self.call_property(node, &class, attr, context);
            }
            let mut taint = env
                .vars
                .get(&*crate::names::join_dotted("self", attr))
                .cloned()
                .unwrap_or_default();
            let atom = self.intern(Atom::SelfAttr(Box::new(SelfAttrAtom {
                class,
                attr: attr.to_string(),
            })));
            taint.union_with(&Taint::atom(atom));
            return taint;
        }
        // A module attribute that is a known source (`sys.argv`). Imports
        // rename the root of a dotted name, never its last segment.
        if self.config.may_be_source(attr)
            && let Some(spelled) = dotted_text(self.source, node)
        {
            let root = spelled.split('.').next().unwrap_or("");
            if !env.vars.contains_key(root) {
                let qualified = self.imports.resolve(&spelled);
                if let Some(source) = self.config.source(&qualified, SourceKind::Attribute) {
                    let description = format!("`{spelled}`: {}", source.description);
                    return self.source_taint(description, node);
                }
            }
        }
        // An attribute of a tainted object is tainted; on an object of a
        // class of the scanned sources (`self.parser.dev`, `p = Parser();
        // p.dev`), also what the class stores in that attribute.
        let mut taint = self.eval(object, env, context, depth);
        // A class attribute read through the class (`LVM.LVM_CMD_PREFIX`).
        if let Some(class) = self.class_named_by(object, env) {
            let atom = self.intern(Atom::SelfAttr(Box::new(SelfAttrAtom {
                class,
                attr: attr.to_string(),
            })));
            taint.union_with(&Taint::atom(atom));
            return taint;
        }
        let class = self.value_type(object, env);
        // The output pipes of a process (`for line in proc.stdout`).
        if matches!(attr, "stdout" | "stderr") && class.as_deref().is_some_and(is_popen) {
            let spelled = self.text(node);
            let description = format!("`{spelled}`: subprocess output");
            taint.union_with(&self.source_taint(description, node));
        }
        if let Some(class) = class
            && self.is_scanned_class(&class)
        {
            let atom = self.intern(Atom::SelfAttr(Box::new(SelfAttrAtom {
                class,
                attr: attr.to_string(),
            })));
            // What the object carries counts only for an attribute its
            // class does not store itself (decided once all classes are
            // known).
            let object = std::mem::take(&mut taint);
            if !object.is_clean() {
                let index = self.file.object_reads.len() as u32;
                self.file
                    .object_reads
                    .push(ObjectRead { attr: atom, object });
                taint = Taint::atom(self.intern(Atom::ObjectOfRead { index }));
            }
            taint.union_with(&Taint::atom(atom));
        }
        taint
    }

    /// Whether a class (as `value_type` names it) may be one of the
    /// scanned sources.
    pub(super) fn is_scanned_class(&self, class: &str) -> bool {
        self.project.may_contain(class) || self.local_classes.values().any(|local| local == class)
    }

    /// Whether `node` names operator configuration or an injected helper:
    /// a trusted name (`conf`, `self.configuration`) or oslo.config's
    /// global `CONF`.
    fn is_configuration(&self, node: Node<'a>) -> bool {
        let name = match node.kind() {
            "identifier" => node,
            "attribute" => match node.child_by_field_name("attribute") {
                Some(attribute) => attribute,
                None => return false,
            },
            _ => return false,
        };
        self.config.is_trusted_name(self.text(name))
            || dotted_text(self.source, node)
                .is_some_and(|dotted| self.imports.resolve(&dotted) == "oslo_config.cfg.CONF")
    }

    /// A name the module binds to an untainted value, not rebound here.
    fn is_module_constant(&self, node: Node<'a>, env: &Env) -> bool {
        let name = self.text(node);
        node.kind() == "identifier"
            && !env.vars.contains_key(name)
            && !self.is_written_global(name)
            && self.imports.get(name).is_none()
            && self.globals.vars.get(name).is_some_and(Taint::is_clean)
    }

    /// The taint of an access path a guard tested (see `Env::paths`).
    fn proved_path(&self, node: Node<'a>, env: &Env) -> Option<Taint> {
        if env.paths.is_empty() {
            return None;
        }
        env.paths.get(self.access_path(node)?.as_str()).cloned()
    }

    /// `self.device` where `device` is a `@property` of the class: a call
    /// of the method, resolved and summarised like `self.device()`.
    fn call_property(
        &mut self,
        node: Node<'a>,
        class: &str,
        name: &str,
        context: &FunctionContext,
    ) -> Taint {
        let callee = Callee::SelfMethod {
            class: self.share(class),
            name: self.share(name),
        };
        let callee = self.callee_id(&callee);
        let call = self.file.calls.len() as CallId;
        self.file.calls.push(CallSite {
            caller: context.id,
            callee,
            span: self.span(node),
            receiver: None,
            args: Box::new([]),
            keywords: Box::new([]),
            splat: None,
            bound: true,
            forwards_command: false,
            runs_command: false,
            falsy_positions: 0,
            path_positions: 0,
            constant_positions: 0,
            gives: None,
            forwards_keywords: false,
        });
        Taint::atom(self.intern(Atom::CallResult { call }))
    }

    /// The keywords a dict spells, when every key is a plain name: the
    /// key and value nodes of `{'name': value, ...}` (string keys) or
    /// `dict(name=value, ...)`.
    pub(super) fn keyword_entries(&self, dict: Node<'a>) -> Option<Vec<(Node<'a>, Node<'a>)>> {
        match dict.kind() {
            "dictionary" => self.entries(dict, "key"),
            "call"
                if dict
                    .child_by_field_name("function")
                    .is_some_and(|f| self.text(f) == "dict") =>
            {
                self.keyword_arguments(dict.child_by_field_name("arguments")?)
            }
            _ => None,
        }
    }

    /// The `name=value` arguments of an argument list, when all of its
    /// arguments are such.
    fn keyword_arguments(&self, arguments: Node<'a>) -> Option<Vec<(Node<'a>, Node<'a>)>> {
        self.entries(arguments, "name")
    }

    fn entries(&self, entries: Node<'a>, key_field: &str) -> Option<Vec<(Node<'a>, Node<'a>)>> {
        let mut cursor = entries.walk();
        let mut found = Vec::new();
        for pair in entries.named_children(&mut cursor) {
            if pair.kind() == "comment" {
                continue;
            }
            let key = pair.child_by_field_name(key_field)?;
            let value = pair.child_by_field_name("value")?;
            self.keyword_name(key)?;
            found.push((key, value));
        }
        Some(found)
    }

    /// The keyword a dict key names: the text between the quotes of a
    /// plain string literal, or a `dict(name=...)` argument's name.
    pub(super) fn keyword_name(&self, key: Node<'a>) -> Option<&'a str> {
        let text = self.text(key);
        if key.kind() == "identifier" {
            return Some(text);
        }
        let quoted = text.get(1..text.len().saturating_sub(1))?;
        string_literal(self.source, key).filter(|name| name == quoted)?;
        Some(quoted)
    }

    pub(super) fn eval_call(
        &mut self,
        node: Node<'a>,
        env: &mut Env,
        context: &mut FunctionContext,
        depth: usize,
    ) -> Taint {
        let Some(function) = node.child_by_field_name("function") else {
            return Taint::default();
        };
        // `run(...)` with `run = functools.partial(f, a, k=v)`: a call of
        // `f` with `a` and `k=v` given first.
        let mut bound_arguments: Vec<Node<'a>> = Vec::new();
        let function = match self.partial_of(function, env, context) {
            Some(partial) => {
                let mut cursor = partial.walk();
                bound_arguments = partial
                    .child_by_field_name("arguments")
                    .map(|arguments| {
                        arguments
                            .named_children(&mut cursor)
                            .filter(|child| child.kind() != "comment")
                            .collect()
                    })
                    .unwrap_or_default();
                match bound_arguments.first() {
                    Some(&wrapped) if wrapped.kind() != "keyword_argument" => {
                        bound_arguments.remove(0);
                        wrapped
                    }
                    _ => {
                        bound_arguments.clear();
                        function
                    }
                }
            }
            None => function,
        };
        // Arguments, in order.
        let mut args: Vec<Taint> = Vec::new();
        let mut arg_nodes: Vec<Node<'a>> = Vec::new();
        let mut keywords: Vec<(&'a str, Taint, Node<'a>)> = Vec::new();
        let mut splat: Option<Taint> = None;
        let mut splat_at: Option<usize> = None;
        // `*args` only: `**kwargs` never carries a command's arguments.
        let mut positional_splat: Option<Taint> = None;
        // What the first `*args` unpacks, when it comes first.
        let mut leading_splat: Option<Node<'a>> = None;
        // `**kwargs` of the enclosing function passed on.
        let mut forwards_keywords = false;
        if let Some(arguments) = node.child_by_field_name("arguments") {
            if arguments.kind() == "generator_expression" {
                args.push(self.eval(arguments, env, context, depth));
                arg_nodes.push(arguments);
            } else {
                let mut cursor = arguments.walk();
                let children = bound_arguments
                    .iter()
                    .copied()
                    .chain(arguments.named_children(&mut cursor));
                for child in children {
                    match child.kind() {
                        "comment" => {}
                        "keyword_argument" => {
                            let name = child
                                .child_by_field_name("name")
                                .map_or("", |n| self.text(n));
                            let value = child
                                .child_by_field_name("value")
                                .map(|v| self.eval(v, env, context, depth))
                                .unwrap_or_default();
                            let value_node = child.child_by_field_name("value").unwrap_or(child);
                            keywords.push((name, value, value_node));
                        }
                        "list_splat" | "dictionary_splat" => {
                            let splatted = child.named_child(0);
                            // `**{'run_as_root': True}`: keywords spelled as a dict.
                            if let Some(entries) = splatted
                                .filter(|_| child.kind() == "dictionary_splat")
                                .and_then(|dict| self.keyword_entries(dict))
                            {
                                for (key, value_node) in entries {
                                    let value = self.eval(value_node, env, context, depth);
                                    let name = self.keyword_name(key).unwrap_or_default();
                                    keywords.push((name, value, value_node));
                                }
                                continue;
                            }
                            let value = self.eval(child, env, context, depth);
                            // `**kw` with `kw = dict(run_as_root=True)`: the
                            // keywords it was given, each with the taint of
                            // the whole dict (one taint holds all its values).
                            if child.kind() == "dictionary_splat"
                                && let Some(name) = splatted.filter(|n| n.kind() == "identifier")
                                && let Some(binding) = self.binding(self.text(name), env, context)
                            {
                                for &(key, value_at) in &binding.keywords {
                                    let (key, value_node) =
                                        (child.node_at(key), child.node_at(value_at));
                                    if let Some(name) = self.keyword_name(key) {
                                        keywords.push((name, value.clone(), value_node));
                                    }
                                }
                            }
                            if child.kind() == "dictionary_splat"
                                && child
                                    .named_child(0)
                                    .is_some_and(|name| self.is_keywords_parameter(name, context))
                            {
                                forwards_keywords = true;
                            }
                            splat.get_or_insert_with(Taint::default).union_with(&value);
                            if child.kind() == "list_splat" {
                                if splat_at.is_none() && args.is_empty() {
                                    leading_splat = child.named_child(0);
                                }
                                splat_at.get_or_insert(args.len());
                                positional_splat
                                    .get_or_insert_with(Taint::default)
                                    .union_with(&value);
                            }
                        }
                        _ => {
                            args.push(self.eval(child, env, context, depth));
                            arg_nodes.push(child);
                        }
                    }
                }
            }
        }

        // `kw.update({'run_as_root': True})`, `kw.update(run_as_root=True)`.
        if let Some(object) = self.method_object(function, "update") {
            let entries = match arg_nodes.first() {
                Some(first) => self.keyword_entries(*first),
                None => node
                    .child_by_field_name("arguments")
                    .and_then(|arguments| self.keyword_arguments(arguments)),
            };
            for (key, value) in entries.unwrap_or_default() {
                self.note_keyword(object, key, value, env, context);
            }
        }
        // `kwargs.pop('run_as_root', False)`: the keyword no longer travels
        // on with the function's `**kwargs`.
        if let Some(object) = self.method_object(function, "pop")
            && let Some(first) = arg_nodes.first()
        {
            self.note_dropped_keyword(object, *first, context);
        }

        // `FS_TOOLS.get(fstype)` on a module's constant mapping: one of its
        // values or the default, as `FS_TOOLS[fstype]` is one of its values.
        if self
            .method_object(function, "get")
            .is_some_and(|object| self.is_module_constant(object, env))
        {
            return args.get(1).cloned().unwrap_or_default();
        }
        // `FILES.keys()` of a dict with literal keys.
        if self.has_literal_keys(node, env, context) {
            return Taint::default();
        }

        // What is called.
        let spelled: &'a str = self.text(function);
        let mut receiver: Option<Taint> = None;
        let mut receiver_node: Option<Node<'a>> = None;
        let callee = match function.kind() {
            "identifier" => {
                let name = self.text(function);
                if let Some((on_self, attr)) = env.callables.get(name) {
                    match &context.class {
                        Some(class) if *on_self => Callee::SelfMethod {
                            class: self.share(class),
                            name: self.share(attr),
                        },
                        _ => Callee::UnknownMethod {
                            name: self.share(attr),
                        },
                    }
                } else if let Some(value) = env.vars.get(name) {
                    // `f = port.get; f()`, `return func(*args)`: what an
                    // untrusted callable returns is untrusted, as a method
                    // of an untrusted object is.
                    receiver = Some(value.clone());
                    Callee::UnknownMethod {
                        name: self.share(name),
                    }
                } else if let Some(nested) = self.nested_def(name, &context.qualname) {
                    // A function defined in this one or an enclosing one.
                    let qualified = self.qualify(&nested);
                    Callee::Name(self.share(&qualified))
                } else if self.module_defs.contains(name) {
                    let qualified = self.qualify(name);
                    Callee::Name(self.share(&qualified))
                } else {
                    let resolved = self.imports.resolve(name);
                    Callee::Name(self.share(&resolved))
                }
            }
            "attribute" => {
                let object = function.child_by_field_name("object");
                let method = function
                    .child_by_field_name("attribute")
                    .map(|a| self.text(a))
                    .unwrap_or_default();
                let method = self.share(method);
                let class = context.class.as_deref();
                match object {
                    Some(object) if class.is_some() && self.is_self(object, context) => {
                        Callee::SelfMethod {
                            class: self.share(class.unwrap_or_default()),
                            name: method,
                        }
                    }
                    Some(object)
                        if object.kind() == "call"
                            && object
                                .child_by_field_name("function")
                                .is_some_and(|f| self.text(f) == "super")
                            && class.is_some() =>
                    {
                        Callee::Super {
                            class: self.share(class.unwrap_or_default()),
                            name: method,
                        }
                    }
                    Some(object) => {
                        let dotted = dotted_text(self.source, object);
                        let root_is_local = dotted.as_deref().is_some_and(|d| {
                            let root = d.split('.').next().unwrap_or("");
                            env.vars.contains_key(root)
                                || context.self_name.as_deref() == Some(root)
                                || self.globals.vars.contains_key(root)
                                    && self.imports.get(root).is_none()
                                    && !self.module_defs.contains(root)
                        });
                        match dotted {
                            Some(dotted) if !root_is_local => {
                                let full = crate::names::join_dotted(&dotted, &method);
                                let root = dotted.split('.').next().unwrap_or("");
                                let qualified = if self.module_defs.contains(root) {
                                    // `LocalClass.static_method(...)`
                                    self.qualify(&full)
                                } else {
                                    self.resolve_class(&full)
                                };
                                Callee::Name(self.share(&qualified))
                            }
                            _ => {
                                let ty = self.value_type(object, env);
                                receiver = Some(self.eval(object, env, context, depth));
                                receiver_node = Some(object);
                                match ty {
                                    Some(class) => Callee::Method {
                                        class: self.share(&class),
                                        name: method,
                                    },
                                    None => Callee::UnknownMethod { name: method },
                                }
                            }
                        }
                    }
                    None => Callee::UnknownMethod { name: method },
                }
            }
            _ => {
                receiver = Some(self.eval(function, env, context, depth));
                Callee::UnknownMethod { name: "".into() }
            }
        };

        let method_name = callee.method_name().to_string();
        let qualified: Option<&str> = match &callee {
            Callee::Name(name) => Some(&**name),
            _ => None,
        };

        // Sinks.
        let first_sink = self.file.sinks.len();
        let runs_command = self.record_sinks(
            node,
            &callee,
            spelled,
            &args,
            &arg_nodes,
            &keywords,
            positional_splat.as_ref(),
            splat_at,
            receiver.as_ref(),
            receiver_node,
            leading_splat,
            forwards_keywords,
            env,
            context,
        );

        // Container mutation taints the container.
        // Only with a container method's arity: `store.add(image_id, data)`
        // is some other object's method, not `set.add`.
        let positional = args.len() + usize::from(splat.is_some());
        let container_arity = match method_name.as_str() {
            "append" | "add" | "appendleft" | "extend" | "extendleft" => {
                positional == 1 && keywords.is_empty()
            }
            "insert" => positional == 2 && keywords.is_empty(),
            "setdefault" => (1..=2).contains(&positional) && keywords.is_empty(),
            "update" => true,
            _ => false,
        };
        if container_arity && let Some(container) = receiver_node {
            let mut value = Taint::default();
            for arg in &args {
                value.union_with(arg);
            }
            if let Some(splat) = &splat {
                value.union_with(splat);
            }
            // `options.update(mode=value)`
            if method_name == "update" {
                for (_, keyword, _) in &keywords {
                    value.union_with(keyword);
                }
            }
            // `files.update(other)`, `files.setdefault(name, [])`: keys of
            // unknown origin.
            let adds_keys = match method_name.as_str() {
                "update" => arg_nodes
                    .iter()
                    .any(|argument| !self.literal_key_display(*argument, env)),
                "setdefault" => arg_nodes
                    .first()
                    .is_some_and(|key| !self.is_trusted_constant(*key, env)),
                _ => false,
            };
            if adds_keys {
                self.forget_literal_keys(container, context);
            }
            let value = self.hop(value, node, HopKind::AddedTo, container);
            self.update_command_vector(container, &method_name, &arg_nodes, env, context);
            self.mutate(container, value, env, context);
        }

        // Calls that may enter the scanned sources are resolved later; the
        // call site is kept even when the result is decided here, for the
        // parameters of private callees and for sink implementations.
        let deferred = match &callee {
            Callee::Name(name) => {
                (!self.module.is_empty() && name.starts_with(self.module))
                    || self.project.may_contain(name)
                    || self.may_be_star_imported(name)
            }
            Callee::SelfMethod { .. } | Callee::Super { .. } => true,
            Callee::Method { class, .. } => self.is_scanned_class(class),
            Callee::UnknownMethod { name } => is_private_name(name),
        };
        // Sanitizers.
        let is_method_call = !matches!(callee, Callee::Name(_)) || function.kind() == "attribute";
        let clears = self
            .config
            .sanitizes(qualified, is_method_call.then_some(method_name.as_str()));
        // The result of a deferred call is its atom (or a source's): unless
        // a sanitizer clears them, its inputs are needed only by the call
        // site, which then takes them.
        let inputs_needed_here = !deferred || !clears.is_empty();
        let call = deferred.then(|| {
            let call = self.file.calls.len() as CallId;
            self.call_by_node.insert(node.id(), call);
            let root = self
                .root_keyword(&keywords)
                .map(|(name, value)| format!("{name}={}", self.text(value)));
            let shell = self
                .shell_keyword(&keywords)
                .filter(|value| !self.is_falsy_literal(*value))
                .map(|value| format!("shell={}", self.text(value)));
            let keywords = keywords
                .iter_mut()
                .map(|(name, value, node)| Keyword {
                    name: self.share(name),
                    value: if inputs_needed_here {
                        value.clone()
                    } else {
                        std::mem::take(value)
                    },
                    falsy: self.is_falsy_literal(*node),
                    path: self.is_path(*node, env),
                })
                .collect();
            let callee_id = self.callee_id(&callee);
            let (receiver, args, splat) = if inputs_needed_here {
                (receiver.clone(), args.clone(), splat.clone())
            } else {
                (receiver.take(), std::mem::take(&mut args), splat.take())
            };
            self.file.calls.push(CallSite {
                caller: context.id,
                callee: callee_id,
                span: self.span(node),
                receiver,
                args: args.into_boxed_slice(),
                keywords,
                splat,
                bound: function.kind() == "attribute",
                falsy_positions: positions_where(&arg_nodes, |node| self.is_falsy_literal(node)),
                path_positions: positions_where(&arg_nodes, |node| self.is_path(node, env)),
                // Displays and names, not a bare literal: `x in 'ab'` tests
                // a substring.
                constant_positions: positions_where(&arg_nodes, |node| {
                    !matches!(
                        node.kind(),
                        "string" | "integer" | "true" | "false" | "none"
                    ) && self.is_trusted_constant(node, env)
                }),
                forwards_command: matches!(
                    callee,
                    Callee::UnknownMethod { .. } | Callee::Method { .. }
                ) && self
                    .config
                    .sinks_named(&method_name)
                    .any(|sink| sink.rule == RuleMask::COMMAND && sink.spec.method.is_some()),
                runs_command,
                gives: (root.is_some() || shell.is_some())
                    .then(|| Box::new(GivenKeywords { root, shell })),
                forwards_keywords,
            });
            call
        });
        for sink in &mut self.file.sinks[first_sink..] {
            sink.call = call;
        }

        // Sources: a source function, a reading method, or any method of a
        // source object (`request.args.get(...)`, `sys.stdin.readline()`).
        let source = match &callee {
            Callee::Name(name) => self.config.source(name, SourceKind::Call).or_else(|| {
                if function.kind() != "attribute" {
                    return None;
                }
                self.config
                    .source(&method_name, SourceKind::Method)
                    .or_else(|| self.attribute_source_prefix(name))
            }),
            Callee::SelfMethod { class, name }
                if self
                    .reading_methods
                    .get(&**class)
                    .is_some_and(|names| names.contains(&**name)) =>
            {
                None
            }
            _ => self.config.source(&method_name, SourceKind::Method),
        };
        // `yaml.safe_load(MANIFEST)`, `json.loads`-like use of `json.load`
        // on what a call built (`yaml.safe_load(_render())`,
        // `TEMPLATE.strip()`): it parses a value, not a file, and what
        // the value carries flows on. An open file, or a value of unknown
        // kind (a parameter, an attribute), is read.
        let parses_a_value = |argument: &Node<'a>, taint: &Taint| match argument.kind() {
            "call" => !self.opens_file(*argument, env),
            "identifier" => {
                !self
                    .binding(self.text(*argument), env, context)
                    .is_some_and(|binding| binding.open_file)
                    && taint.entries.iter().all(|entry| {
                        matches!(
                            self.file.atoms[entry.atom as usize],
                            Atom::CallResult { .. } | Atom::CallElement { .. }
                        )
                    })
                    && (!taint.is_clean() || self.is_trusted_constant(*argument, env))
            }
            _ => self.is_trusted_constant(*argument, env),
        };
        let reads_value = arg_nodes
            .first()
            .zip(args.first())
            .is_some_and(|(argument, taint)| parses_a_value(argument, taint));
        if let Some(source) = source
            && !(source.reads_argument && reads_value)
        {
            let description = format!("`{spelled}(...)`: {}", source.description);
            return self.source_taint(description, node);
        }
        // `getattr(CONF, group)`: an attribute of the object, whichever
        // the name picks (as `CONF[group]` is an item of it).
        if matches!(&callee, Callee::Name(name) if &**name == "getattr") && args.len() >= 2 {
            let mut taint = args[0].clone();
            if let Some(default) = args.get(2) {
                taint.union_with(default);
            }
            return taint;
        }
        // `.format(**locals())`: the function's variables.
        if self.is_locals_call(node, env) {
            return self.locals_taint(env, context, None);
        }
        // `self.conf._get(group)`, `CONF.find_file(name)`: what operator
        // configuration (or a helper the code injects) gives back is
        // trusted, whatever the argument picks.
        if receiver_node.is_some_and(|object| self.is_configuration(object)) {
            return Taint::default();
        }
        // `next(f)` reads a line of an open file.
        if matches!(&callee, Callee::Name(name) if &**name == "next")
            && let Some(&iterator) = arg_nodes.first()
        {
            let line = self.file_lines(iterator, env, context);
            if !line.is_clean() {
                return line;
            }
        }

        if clears.is_empty()
            && let Some(call) = call
        {
            let atom = self.intern(Atom::CallResult { call });
            return Taint::atom(atom);
        }
        // `os.path.join(root, '/proc/meminfo')`: an absolute component
        // discards every component before it, and their taint with them.
        let joined_from = match qualified {
            Some("os.path.join" | "posixpath.join") if splat.is_none() => arg_nodes
                .iter()
                .rposition(|argument| self.is_absolute_path_literal(*argument))
                .unwrap_or(0),
            _ => 0,
        };
        let mut everything = receiver.unwrap_or_default();
        for arg in &args[joined_from.min(args.len())..] {
            everything.union_with(arg);
        }
        for (_, value, _) in &keywords {
            everything.union_with(value);
        }
        if let Some(splat) = &splat {
            everything.union_with(splat);
        }
        if !clears.is_empty() {
            return everything.sanitize(clears);
        }
        everything
    }

    /// `locals()` or `vars()` without arguments, the builtins not shadowed.
    fn is_locals_call(&self, call: Node<'a>, env: &Env) -> bool {
        let Some(function) = call.child_by_field_name("function") else {
            return false;
        };
        let name = self.text(function);
        matches!(name, "locals" | "vars")
            && call
                .child_by_field_name("arguments")
                .is_some_and(|arguments| arguments.named_child_count() == 0)
            && !env.vars.contains_key(name)
            && !self.module_defs.contains(name)
            && self.imports.get(name).is_none()
    }

    /// What `locals()` holds: the taint of the function's variables other
    /// than `self`, or of those in `only`, in name order for stable traces.
    fn locals_taint(&self, env: &Env, context: &FunctionContext, only: Option<&[&str]>) -> Taint {
        let mut names: Vec<&Var> = env
            .vars
            .keys()
            .filter(|name| context.self_name.as_deref() != Some(&***name))
            .filter(|name| only.is_none_or(|only| only.contains(&&***name)))
            .collect();
        names.sort();
        let mut taint = Taint::default();
        for name in names {
            taint.union_with(&env.vars[name]);
        }
        taint
    }

    /// A string literal (f-strings included) that starts with `/`.
    fn is_absolute_path_literal(&self, node: Node<'a>) -> bool {
        let mut cursor = node.walk();
        node.kind() == "string"
            && node
                .named_children(&mut cursor)
                .find(|part| part.kind() != "string_start")
                .is_some_and(|part| {
                    part.kind() == "string_content" && self.text(part).starts_with('/')
                })
    }

    /// `'fmt' % value` with a literal format: a value formatted only by
    /// numeric conversions (`%d`, `%(size)d`, `%x`, `%.2f`) is a number in
    /// the result (formatting raises on anything else, as `int()` would),
    /// so only the values of string conversions (`%s`, `%r`, ...) flow.
    /// `None` when the format is not a plain literal or cannot be mapped.
    pub(super) fn eval_percent_format(
        &mut self,
        node: Node<'a>,
        env: &mut Env,
        context: &mut FunctionContext,
        depth: usize,
    ) -> Option<Taint> {
        let operator = node.child_by_field_name("operator")?;
        if self.text(operator) != "%" {
            return None;
        }
        let format = string_literal(self.source, node.child_by_field_name("left")?)?;
        let conversions = percent_conversions(&format)?;
        let right = node.child_by_field_name("right")?;
        let numeric = |c: char| "diouxXeEfFgG".contains(c);
        let mut taint = Taint::default();
        match right.kind() {
            "dictionary" => {
                let mut cursor = right.walk();
                let children: Vec<Node<'a>> = right.named_children(&mut cursor).collect();
                for child in children {
                    let value = self.eval(child, env, context, depth);
                    let key = (child.kind() == "pair")
                        .then(|| child.child_by_field_name("key"))
                        .flatten()
                        .and_then(|k| string_literal(self.source, k));
                    let only_numeric = key.is_some_and(|key| {
                        let mut uses = conversions
                            .iter()
                            .filter(|(k, _)| k.as_deref() == Some(key.as_str()))
                            .peekable();
                        uses.peek().is_some() && uses.all(|(_, c)| numeric(*c))
                    });
                    if !only_numeric {
                        taint.union_with(&value);
                    }
                }
            }
            "tuple" => {
                let mut cursor = right.walk();
                let children: Vec<Node<'a>> = right.named_children(&mut cursor).collect();
                let positional = conversions.iter().all(|(k, _)| k.is_none());
                for (index, child) in children.into_iter().enumerate() {
                    let value = self.eval(child, env, context, depth);
                    let is_number = positional
                        && child.kind() != "list_splat"
                        && conversions.get(index).is_some_and(|(_, c)| numeric(*c));
                    if !is_number {
                        taint.union_with(&value);
                    }
                }
            }
            // `'mkfs %(dev)s' % locals()`: the variables the format names.
            "call"
                if self.is_locals_call(right, env)
                    && conversions.iter().all(|(k, _)| k.is_some()) =>
            {
                let mut named: Vec<&str> = conversions
                    .iter()
                    .filter(|(_, c)| !numeric(*c))
                    .filter_map(|(k, _)| k.as_deref())
                    .collect();
                named.sort_unstable();
                named.dedup();
                taint = self.locals_taint(env, context, Some(&named));
            }
            _ => {
                let value = self.eval(right, env, context, depth);
                let single_number =
                    conversions.len() == 1 && conversions.iter().all(|(_, c)| numeric(*c));
                if !single_number {
                    taint.union_with(&value);
                }
            }
        }
        Some(taint)
    }

    /// `x.split('/')[-1]` or `x.rsplit('/', 1)[-1]`: the last path component.
    pub(super) fn is_last_path_component(&self, subscript: Node<'a>) -> bool {
        let is_minus_one = subscript
            .child_by_field_name("subscript")
            .is_some_and(|index| self.text(index).replace(' ', "") == "-1");
        if !is_minus_one {
            return false;
        }
        let Some(call) = subscript
            .child_by_field_name("value")
            .filter(|v| v.kind() == "call")
        else {
            return false;
        };
        let Some(function) = call
            .child_by_field_name("function")
            .filter(|f| f.kind() == "attribute")
        else {
            return false;
        };
        let method = function
            .child_by_field_name("attribute")
            .map(|a| self.text(a))
            .unwrap_or("");
        matches!(method, "split" | "rsplit")
            && first_argument(call).is_some_and(|separator| {
                string_literal(self.source, separator).as_deref() == Some("/")
                    || self.imports.resolve(self.text(separator)) == "os.sep"
            })
    }

    /// The attribute source (`flask.request`) a dotted name starts with.
    pub(super) fn attribute_source_prefix(&self, name: &str) -> Option<&'a crate::rules::Source> {
        let mut end = name.len();
        while let Some(dot) = name[..end].rfind('.') {
            if let Some(source) = self.config.source(&name[..dot], SourceKind::Attribute) {
                return Some(source);
            }
            end = dot;
        }
        None
    }
}

impl Interpreter<'_> {
    /// Whether a bare name the file does not bind may come from a scanned
    /// module it star-imports (`from .paths import *`); builtins do not.
    fn may_be_star_imported(&self, name: &str) -> bool {
        let stars = self.imports.star_modules();
        !stars.is_empty()
            && !name.contains('.')
            && PYTHON_BUILTINS.binary_search(&name).is_err()
            && stars.iter().any(|module| {
                self.project
                    .may_contain(&crate::names::join_dotted(module, name))
            })
    }
}

/// The functions and types of Python's `builtins` module (and Python 2's),
/// sorted for a binary search.
const PYTHON_BUILTINS: &[&str] = &[
    "abs",
    "aiter",
    "all",
    "anext",
    "any",
    "ascii",
    "basestring",
    "bin",
    "bool",
    "breakpoint",
    "bytearray",
    "bytes",
    "callable",
    "chr",
    "classmethod",
    "cmp",
    "compile",
    "complex",
    "copyright",
    "credits",
    "delattr",
    "dict",
    "dir",
    "divmod",
    "enumerate",
    "eval",
    "exec",
    "execfile",
    "exit",
    "file",
    "filter",
    "float",
    "format",
    "frozenset",
    "getattr",
    "globals",
    "hasattr",
    "hash",
    "help",
    "hex",
    "id",
    "input",
    "int",
    "isinstance",
    "issubclass",
    "iter",
    "len",
    "license",
    "list",
    "locals",
    "long",
    "map",
    "max",
    "memoryview",
    "min",
    "next",
    "object",
    "oct",
    "open",
    "ord",
    "pow",
    "print",
    "property",
    "quit",
    "range",
    "raw_input",
    "reduce",
    "repr",
    "reversed",
    "round",
    "set",
    "setattr",
    "slice",
    "sorted",
    "staticmethod",
    "str",
    "sum",
    "super",
    "tuple",
    "type",
    "unichr",
    "unicode",
    "vars",
    "xrange",
    "zip",
];

/// The positional arguments (0-based, as bits; from 64 on not recorded)
/// for which `holds` is true.
fn positions_where<'a>(arguments: &[Node<'a>], mut holds: impl FnMut(Node<'a>) -> bool) -> u64 {
    arguments
        .iter()
        .take(64)
        .enumerate()
        .filter(|(_, node)| holds(**node))
        .fold(0, |bits, (index, _)| bits | (1u64 << index))
}
