//! Sinks: the data positions of a command or path call, whether a shell
//! runs it, and why it is privileged.

use super::*;

/// How many leading elements of a command vector are kept: the program,
/// its wrappers (`sudo`, `env VAR=x`, `nsenter -t 1 -m`), `sh -c` and the
/// script are all among them.
const MAX_VECTOR_PREFIX: usize = 8;

/// Where the elements of a command vector were read from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Vector {
    /// The call's own arguments (`execute('sh', '-c', script)`).
    Arguments,
    /// A list display as the first argument (`call(['sh', '-c', s])`).
    Display,
    /// A variable holding a vector built earlier (`call(cmd)`, `execute(*cmd)`).
    Variable,
}

impl<'a> Interpreter<'a> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn record_sinks(
        &mut self,
        node: Node<'a>,
        callee: &Callee,
        spelled: &str,
        args: &[Taint],
        arg_nodes: &[Node<'a>],
        keywords: &[(&'a str, Taint, Node<'a>)],
        splat: Option<&Taint>,
        splat_at: Option<usize>,
        receiver: Option<&Taint>,
        receiver_node: Option<Node<'a>>,
        leading_splat: Option<Node<'a>>,
        forwards_keywords: bool,
        env: &Env,
        context: &FunctionContext,
    ) -> bool {
        let method = callee.method_name();
        // `lock.unlink()` on a parameter of unknown type: a path sink if
        // callers pass a `Path` (decided when linking).
        let path_param = match callee {
            Callee::UnknownMethod { .. } => receiver_node
                .filter(|node| node.kind() == "identifier")
                .filter(|node| !env.types.contains_key(self.text(*node)))
                .and_then(|node| self.own_parameter(self.text(node), env, context)),
            _ => None,
        };
        let sinks: Vec<crate::rules::Sink> = self
            .config
            .sinks_named(method)
            .filter(|sink| match (&sink.call, &sink.spec.method, callee) {
                (Some(pattern), _, Callee::Name(name)) => pattern.matches(name),
                (None, Some(expected), _) if expected == method => {
                    match (sink.spec.receiver_type.as_deref(), callee) {
                        (None, Callee::Name(_)) => spelled.contains('.'),
                        (None, _) => true,
                        (Some("self"), Callee::SelfMethod { .. }) => true,
                        (Some(ty), Callee::Method { class, .. }) => {
                            ty == &**class || (is_path_class(ty) && is_path_class(class))
                        }
                        (Some(ty), Callee::Name(name)) if is_path_class(ty) => {
                            // `Path(x).unlink()` spelled inline.
                            receiver_node.is_none() && name.contains("Path(")
                        }
                        (Some(ty), Callee::UnknownMethod { .. }) => {
                            is_path_class(ty) && sink.spec.receiver && path_param.is_some()
                        }
                        _ => false,
                    }
                }
                _ => false,
            })
            .cloned()
            .collect();
        if sinks.is_empty() {
            return false;
        }
        let runs_command = sinks.iter().any(|sink| sink.rule == RuleMask::COMMAND);
        let location = self.location(node);
        let literal_args: Vec<Option<String>> = arg_nodes
            .iter()
            .take(splat_at.unwrap_or(usize::MAX))
            .map(|n| string_literal(self.source, *n))
            .collect();
        // The `**kwargs` passed on decide privilege unless the call itself
        // gives a privileged keyword or switches privilege off.
        let keywords_decide_root = forwards_keywords
            && !self.root_disabled(keywords)
            && self.root_keyword(keywords).is_none();
        for sink in sinks {
            let spec = &sink.spec;
            // The positional arguments that make the command: all but an
            // environment mapping given last.
            let command_args = match spec.env_last && splat_at.is_none() {
                true => args.len().saturating_sub(1),
                false => args.len(),
            };
            let mut data = Taint::default();
            let mut shell = spec.kind == SinkKind::Shell;
            let mut privileged = context.privileged.clone();
            let keyword = |name: &str| keywords.iter().find(|(k, _, _)| *k == name);
            // `execute(cmd=[...])`: the command given by its keyword.
            let by_keyword = (arg_nodes.is_empty() && leading_splat.is_none())
                .then(|| spec.keywords.iter().find_map(|name| keyword(name)))
                .flatten();

            let mut privilege_param: Option<u16> = None;
            let mut privileged_by_keyword: Option<Box<str>> = None;
            if spec.privileged {
                privileged.get_or_insert_with(|| {
                    format!("run as root by the oslo.privsep entry point `{spelled}`")
                });
            }
            if sink.rule == RuleMask::COMMAND {
                // The argument vector, as literal strings where known:
                // positional (`execute('mount', ...)`) or a list display.
                let argv_args = &args[spec.argv_from.min(command_args)..command_args];
                let mut argv: Vec<Option<String>> = literal_args
                    [spec.argv_from.min(literal_args.len())..]
                    .iter()
                    .take(argv_args.len())
                    .cloned()
                    .collect();
                let mut from = Vector::Arguments;
                let vector_node = if by_keyword.is_some() {
                    by_keyword.map(|(_, _, node)| node)
                } else if !matches!(spec.args, ArgSelector::Named(ArgSelectorName::All)) {
                    arg_nodes.get(spec.argv_from)
                } else {
                    None
                };
                let vector_taint = match by_keyword {
                    Some((_, taint, _)) => Some(taint),
                    None => args.get(spec.argv_from),
                };
                if let Some(first) = vector_node
                    && matches!(first.kind(), "list" | "tuple")
                {
                    // `[*SUDO, 'rm', path]`: a prefix spliced in is known
                    // by its elements too.
                    argv = self
                        .command_vector(*first, env, context)
                        .unwrap_or_else(|| {
                            let mut cursor = first.walk();
                            first
                                .named_children(&mut cursor)
                                .map(|n| string_literal(self.source, n))
                                .collect()
                        });
                    from = Vector::Display;
                } else if argv.first().is_none_or(|program| program.is_none())
                    && let Some(vector) = arg_nodes
                        .get(spec.argv_from)
                        .or(leading_splat.as_ref())
                        .or(vector_node)
                        .and_then(|first| self.command_vector(*first, env, context))
                {
                    // Built before the call (`cmd = ['sh', '-c', s];
                    // execute(*cmd)`): known by its literal elements.
                    argv = vector;
                    from = Vector::Variable;
                }
                if self
                    .shell_keyword(keywords)
                    .is_some_and(|value| !self.is_falsy_literal(value))
                {
                    shell = true;
                }
                let root_disabled = self.root_disabled(keywords);
                for name in &self.config.privileged_keywords {
                    if root_disabled {
                        break;
                    }
                    if let Some((_, _, value)) = keyword(name)
                        && !self.is_falsy_literal(*value)
                    {
                        // `run_as_root=as_root`: privileged as the caller decides.
                        if privileged.is_none()
                            && value.kind() == "identifier"
                            && let Some(index) =
                                context.params.iter().position(|p| p == self.text(*value))
                        {
                            privilege_param = Some(index as u16);
                        }
                        if privileged.is_none() {
                            privileged_by_keyword = Some(name.as_str().into());
                        }
                        privileged.get_or_insert_with(|| {
                            format!("run as root (`{name}={}`)", self.text(*value))
                        });
                    }
                }
                if let Some(Some(program)) = argv.first() {
                    let base = program.rsplit('/').next().unwrap_or(program);
                    if self.config.privileged_programs.iter().any(|p| p == base) {
                        // `if run_as_root: cmd = ['sudo'] + cmd`: root as
                        // the caller's keyword decides.
                        if privileged.is_none() {
                            privilege_param = self.root_condition_param(node, context);
                        }
                        privileged.get_or_insert_with(|| format!("run as root through `{base}`"));
                    }
                }
                // `sh -c SCRIPT`, maybe after literal wrappers (`sudo sh -c`,
                // `env LC_ALL=C sh -c`): the script is run by a shell; the
                // arguments after it are the script's `$0`, `$1`, ...
                if let Some(script) = self.shell_script_at(&argv) {
                    let literal = argv.get(script).is_some_and(|a| a.is_some());
                    let script_taint = match from {
                        Vector::Arguments => argv_args
                            .get(script)
                            .or(splat.filter(|_| script >= argv_args.len()))
                            .cloned()
                            .unwrap_or_default(),
                        // A display's (or variable's) elements share its taint.
                        Vector::Display if script < argv.len() && !literal => {
                            vector_taint.cloned().unwrap_or_default()
                        }
                        Vector::Variable if !literal => {
                            vector_taint.or(splat).cloned().unwrap_or_default()
                        }
                        _ => Taint::default(),
                    };
                    if !script_taint.is_clean() {
                        data = script_taint;
                        shell = true;
                    }
                }
            }
            // The data positions, each its own value: one checked by a
            // helper and another checked by a second call of it
            // (`os.rename(src, dst)`, both from one parameter) keep their
            // checks, which their union would lose (it keeps only the
            // checks common to both).
            let mut positions: Vec<&Taint> = Vec::new();
            if !shell || data.is_clean() {
                for (index, arg) in args[..command_args].iter().enumerate() {
                    if spec.args.selects(index) {
                        positions.push(arg);
                    }
                }
                if let Some(splat) = splat
                    && !matches!(spec.args, ArgSelector::Named(ArgSelectorName::None))
                {
                    positions.push(splat);
                }
                for (name, value, _) in keywords {
                    if spec.keywords.iter().any(|k| k == name) {
                        positions.push(value);
                    }
                }
                if spec.receiver
                    && let Some(receiver) = receiver
                {
                    positions.push(receiver);
                }
                for position in &positions {
                    data.union_with(position);
                }
            }
            let mut datas = match checked_differently(&positions) {
                true => positions.iter().map(|&taint| taint.clone()).collect(),
                false => vec![data],
            };
            for data in &mut datas {
                // A `$`-anchored match protects an element of a vector, not
                // a shell string.
                if sink.rule == RuleMask::COMMAND && !shell {
                    for entry in &mut data.entries {
                        if entry.argv_safe {
                            entry.mask = entry.mask.without(RuleMask::COMMAND);
                        }
                        for guard in &mut entry.guards {
                            guard.in_argv = true;
                        }
                    }
                    data.entries.retain(|entry| !entry.mask.is_empty());
                }
            }
            datas.retain(|data| !data.is_clean());
            if datas.is_empty() {
                continue;
            }
            let destructive = match spec.kind {
                SinkKind::PathWrite => true,
                SinkKind::PathOpen => keyword("mode")
                    .or_else(|| keyword("flags"))
                    .map(|(_, _, n)| *n)
                    .or_else(|| arg_nodes.get(if spec.receiver { 0 } else { 1 }).copied())
                    .is_some_and(|mode| {
                        self.writes(mode)
                            || mode.kind() == "identifier"
                                && (self
                                    .binding(self.text(mode), env, context)
                                    .is_some_and(|binding| binding.writes)
                                    // A mode the caller chooses (`def
                                    // writefile(path, mode, data)`) may
                                    // be a writing one.
                                    || self.holds_own_parameter(self.text(mode), env, context))
                    }),
                _ => false,
            };
            let snippet = normalise_snippet(self.text(node));
            let last = datas.pop().unwrap_or_default();
            let sink_use = SinkUse {
                function: context.id,
                rule: sink.rule,
                kind: spec.kind,
                location: location.clone(),
                spelled: spelled.to_string(),
                callee: callee.clone(),
                call: None,
                data: last,
                shell,
                privileged,
                destructive,
                by_method_name: sink.call.is_none(),
                privileged_by_parameter: privilege_param.is_some(),
                privilege_param,
                privileged_by_keyword,
                forwards_keywords: keywords_decide_root && sink.rule == RuleMask::COMMAND,
                argv_call: (sink.rule == RuleMask::COMMAND)
                    .then(|| {
                        let first = arg_nodes
                            .first()
                            .or(leading_splat.as_ref())
                            .or(by_keyword.map(|(_, _, node)| node))?;
                        match first.kind() {
                            // `cmd = build(path); execute(*cmd)`
                            "identifier" => self.binding(self.text(*first), env, context)?.built_by,
                            _ => self.call_by_node.get(&first.id()).copied(),
                        }
                    })
                    .flatten(),
                forwards_shell: forwards_keywords
                    && !shell
                    && sink.rule == RuleMask::COMMAND
                    && self.shell_keyword(keywords).is_none(),
                unscanned_only: spec.unscanned_only,
                path_param: path_param.filter(|_| spec.receiver),
                snippet,
                context: context.qualname.clone(),
            };
            // One sink per position when their checks differ: the rules
            // report one finding per sink call either way.
            for data in datas {
                self.file.sinks.push(SinkUse {
                    data,
                    ..sink_use.clone()
                });
            }
            self.file.sinks.push(sink_use);
        }
        runs_command
    }
}

/// Whether a parameter or value flows into two positions with different
/// helper checks on it.
fn checked_differently(positions: &[&Taint]) -> bool {
    let guarded = |taint: &&Taint| taint.entries.iter().any(|entry| !entry.guards.is_empty());
    if positions.len() < 2 || !positions.iter().any(guarded) {
        return false;
    }
    positions.iter().enumerate().any(|(index, first)| {
        positions[index + 1..].iter().any(|second| {
            first.entries.iter().any(|a| {
                second
                    .entries
                    .iter()
                    .any(|b| a.atom == b.atom && a.guards != b.guards)
            })
        })
    })
}

impl<'a> Interpreter<'a> {
    /// Whether the call switches privilege off: `run_as_root=False` wins
    /// over a `root_helper` also given (processutils uses the helper only
    /// when running as root).
    fn root_disabled(&self, keywords: &[(&'a str, Taint, Node<'a>)]) -> bool {
        self.config.privileged_keywords.first().is_some_and(|name| {
            keywords
                .iter()
                .any(|(keyword, _, value)| keyword == name && self.is_falsy_literal(*value))
        })
    }

    /// The privileged keyword a call gives and its value (`run_as_root=True`,
    /// `root_helper=helper`), unless it switches privilege off.
    pub(super) fn root_keyword(
        &self,
        keywords: &[(&'a str, Taint, Node<'a>)],
    ) -> Option<(&'a str, Node<'a>)> {
        if self.root_disabled(keywords) {
            return None;
        }
        keywords
            .iter()
            .find(|(keyword, _, value)| {
                self.config
                    .privileged_keywords
                    .iter()
                    .any(|name| keyword == name)
                    && !self.is_falsy_literal(*value)
            })
            .map(|(keyword, _, value)| (*keyword, *value))
    }

    /// Whether a variable still holds (something of) a parameter of the
    /// function it is read in.
    fn holds_own_parameter(&self, name: &str, env: &Env, context: &FunctionContext) -> bool {
        env.vars.get(name).is_some_and(|taint| {
            taint.entries.iter().any(|entry| {
                matches!(
                    self.file.atoms[entry.atom as usize],
                    Atom::Param { function, .. } if function == context.id
                )
            })
        })
    }

    /// The parameter that decides whether a call runs as root when it sits
    /// under a condition naming the privileged keyword (`if run_as_root:`,
    /// `if kwargs.pop('run_as_root', False):`): that parameter, or the
    /// function's `**kwargs`.
    fn root_condition_param(&self, node: Node<'a>, context: &FunctionContext) -> Option<u16> {
        let root = self.config.privileged_keywords.first()?;
        let function = self.file.functions.get(context.id as usize)?;
        let names_root = |condition: Node<'a>| {
            self.mentions(condition, root)
                || (condition.id()..condition.subtree_end()).any(|index| {
                    let inner = condition.node_at(index);
                    inner.kind() == "string"
                        && string_literal(self.source, inner).is_some_and(|s| s == root.as_str())
                })
        };
        if !enclosing_conditions(node)
            .into_iter()
            .flatten()
            .any(names_root)
        {
            return None;
        }
        function
            .params
            .iter()
            .position(|p| *p.name == **root)
            .or_else(|| function.params.iter().position(|p| p.keywords))
            .map(|index| index as u16)
    }

    /// The parameter of the function it is read in that a variable holds,
    /// unchanged.
    pub(super) fn own_parameter(
        &self,
        name: &str,
        env: &Env,
        context: &FunctionContext,
    ) -> Option<u16> {
        let taint = env.vars.get(name)?;
        match taint.entries.as_slice() {
            [entry] => match self.file.atoms[entry.atom as usize] {
                Atom::Param { function, index } if function == context.id => Some(index),
                _ => None,
            },
            _ => None,
        }
    }

    /// Whether a mode string or `os.open` flags open a file for writing
    /// (`'w'`, `'a+'`, `os.O_CREAT | os.O_WRONLY`).
    pub(super) fn writes(&self, mode: Node<'a>) -> bool {
        if let Some(mode) = string_literal(self.source, mode) {
            return mode.contains(['w', 'a', 'x', '+']);
        }
        let text = self.text(mode);
        ["O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC", "O_APPEND"]
            .iter()
            .any(|flag| text.contains(flag))
    }

    /// The value of the `shell` keyword a call gives, if any.
    pub(super) fn shell_keyword(
        &self,
        keywords: &[(&'a str, Taint, Node<'a>)],
    ) -> Option<Node<'a>> {
        keywords
            .iter()
            .find(|(keyword, _, _)| *keyword == "shell")
            .map(|(_, _, value)| *value)
    }

    /// Records that the function takes `key` (a string literal) out of its
    /// `**kwargs` parameter `object` (`kwargs.pop(key)`, `del kwargs[key]`).
    pub(super) fn note_dropped_keyword(
        &mut self,
        object: Node<'a>,
        key: Node<'a>,
        context: &FunctionContext,
    ) {
        if !self.is_keywords_parameter(object, context) {
            return;
        }
        if let Some(key) = string_literal(self.source, key)
            && let Some(function) = self.file.functions.get_mut(context.id as usize)
            && !function.drops_keywords.contains(&key)
        {
            function.drops_keywords.push(key);
        }
    }

    /// Whether `node` names the `**kwargs` parameter of the function.
    pub(super) fn is_keywords_parameter(&self, node: Node<'a>, context: &FunctionContext) -> bool {
        node.kind() == "identifier"
            && self
                .file
                .functions
                .get(context.id as usize)
                .is_some_and(|function| {
                    function
                        .params
                        .iter()
                        .any(|param| param.keywords && *param.name == *self.text(node))
                })
    }

    /// The literal elements of a command vector an expression builds or
    /// names: a list or tuple display, a concatenation, a name bound to
    /// one (in the function, or a module constant such as `SUDO`).
    pub(super) fn command_vector(
        &self,
        node: Node<'a>,
        env: &Env,
        context: &FunctionContext,
    ) -> Option<CommandVector> {
        self.command_vector_at(node, env, context, 0)
    }

    fn command_vector_at(
        &self,
        node: Node<'a>,
        env: &Env,
        context: &FunctionContext,
        depth: usize,
    ) -> Option<CommandVector> {
        if depth > MAX_DEPTH {
            return None;
        }
        match node.kind() {
            "list" | "tuple" => {
                let mut elements = Vec::new();
                let mut cursor = node.walk();
                let mut children = node
                    .named_children(&mut cursor)
                    .filter(|c| c.kind() != "comment")
                    .peekable();
                // A vector starts with its program: a literal, or a prefix
                // such as `*SUDO`. Only its first elements matter; an empty
                // one is filled later (`cmd = []; cmd.extend(SUDO)`).
                if children
                    .peek()
                    .is_some_and(|first| !matches!(first.kind(), "string" | "list_splat"))
                {
                    return None;
                }
                for child in children {
                    if elements.len() >= MAX_VECTOR_PREFIX {
                        elements.push(None);
                        break;
                    }
                    match child.kind() {
                        "list_splat" => {
                            let inner = child.named_child(0);
                            match inner
                                .and_then(|i| self.command_vector_at(i, env, context, depth + 1))
                            {
                                Some(more) => elements.extend(more),
                                None => {
                                    // Of unknown length: later positions unknown.
                                    elements.push(None);
                                    break;
                                }
                            }
                        }
                        _ => elements.push(string_literal(self.source, child)),
                    }
                }
                Some(elements)
            }
            "binary_operator"
                if node
                    .child_by_field_name("operator")
                    .is_some_and(|o| self.text(o) == "+") =>
            {
                let mut elements = self.command_vector_at(
                    node.child_by_field_name("left")?,
                    env,
                    context,
                    depth + 1,
                )?;
                match node
                    .child_by_field_name("right")
                    .and_then(|r| self.command_vector_at(r, env, context, depth + 1))
                {
                    Some(more) => elements.extend(more),
                    None => elements.push(None),
                }
                Some(elements)
            }
            "parenthesized_expression" => {
                self.command_vector_at(node.named_child(0)?, env, context, depth + 1)
            }
            // A copy: `list(SUDO)`, `tuple(cmd)`.
            "call" => {
                let function = node.child_by_field_name("function")?;
                let arguments = node.child_by_field_name("arguments")?;
                if !matches!(self.text(function), "list" | "tuple")
                    || arguments.named_child_count() != 1
                {
                    return None;
                }
                self.command_vector_at(arguments.named_child(0)?, env, context, depth + 1)
            }
            "identifier" => self
                .binding(self.text(node), env, context)
                .and_then(|b| b.command.clone()),
            // `self.base_command + args`: what the class stores there,
            // when every store agrees on the program.
            "attribute" => {
                let object = node.child_by_field_name("object")?;
                if context.self_name.as_deref() != Some(self.text(object)) {
                    return None;
                }
                let attr = self.text(node.child_by_field_name("attribute")?);
                let stores = self
                    .self_attr_vectors
                    .get(self.current_class.as_deref()?)?
                    .get(attr)?;
                // Evaluated where they were written: literals and module
                // constants, not the running method's variables.
                let elsewhere = FunctionContext::new(FunctionId::MAX, String::new(), None);
                let mut vectors = stores.iter().map(|&store| {
                    self.command_vector_at(store, &Env::default(), &elsewhere, depth + 1)
                });
                let first = vectors.next()??;
                let program = first.first()?.as_ref()?;
                let mut all_equal = true;
                for vector in vectors {
                    let vector = vector?;
                    if vector.first()?.as_ref() != Some(program) {
                        return None;
                    }
                    all_equal &= vector == first;
                }
                Some(if all_equal {
                    first
                } else {
                    vec![Some(program.clone()), None]
                })
            }
            _ => None,
        }
    }

    /// Where the script of `sh -c SCRIPT` is in a command vector, maybe
    /// after literal wrappers (`sudo sh -c`, `env LC_ALL=C sh -c`).
    pub(super) fn shell_script_at(&self, argv: &[Option<String>]) -> Option<usize> {
        let at = argv
            .iter()
            .take_while(|element| element.is_some())
            .position(|element| {
                let program = element.as_deref().unwrap_or_default();
                let base = program.rsplit('/').next().unwrap_or(program);
                self.config
                    .shell_programs
                    .iter()
                    .any(|p| p == program || p == base)
            })?;
        // Options may come first (`sh -e -c`, `bash -o pipefail -c`,
        // `bash --norc -c`); those that take a value skip it too.
        let mut index = at + 1;
        while let Some(Some(option)) = argv.get(index) {
            if is_command_string_flag(option) {
                return Some(index + 1);
            }
            if !option.starts_with(['-', '+']) || option == "--" {
                return None;
            }
            let takes_value = matches!(
                option.as_str(),
                "-o" | "+o" | "-O" | "+O" | "--rcfile" | "--init-file"
            );
            index += if takes_value { 2 } else { 1 };
        }
        None
    }

    /// Keeps a local command vector's literal elements up to date through
    /// `cmd.append(x)`, `cmd.insert(0, x)` and `cmd.extend([...])`.
    pub(super) fn update_command_vector(
        &mut self,
        container: Node<'a>,
        method: &str,
        arguments: &[Node<'a>],
        env: &Env,
        context: &mut FunctionContext,
    ) {
        if container.kind() != "identifier" {
            return;
        }
        let name = self.text(container);
        let literal = |node: Option<&Node<'a>>| node.and_then(|n| string_literal(self.source, *n));
        let prepends =
            method == "insert" && arguments.first().is_some_and(|a| self.text(*a) == "0");
        let known = context
            .bindings
            .iter()
            .position(|(bound, b)| bound == name && b.command.is_some());
        let index = match known {
            Some(index) => index,
            // A local vector of unknown elements (`cmd = build(...)`): a
            // program put in front still says who runs it
            // (`cmd.insert(0, 'sudo')`).
            None if prepends && env.vars.contains_key(name) => {
                let index = binding_index(&mut context.bindings, name);
                context.bindings[index].1.command = Some(vec![None]);
                index
            }
            None => return,
        };
        let extension = match method {
            "extend" => arguments
                .first()
                .and_then(|a| self.command_vector(*a, env, context)),
            _ => None,
        };
        let binding = &mut context.bindings[index].1;
        let Some(vector) = binding.command.as_mut() else {
            return;
        };
        match method {
            "append" => vector.push(literal(arguments.first())),
            "insert" if prepends => vector.insert(0, literal(arguments.get(1))),
            "extend" => match extension {
                Some(more) => vector.extend(more),
                None => vector.push(None),
            },
            _ => {
                binding.command = None;
            }
        }
    }
}

/// `-c`, or short options combined with it (`-ec`, `-xc`, `-lc`): the next
/// argument is the shell's script.
fn is_command_string_flag(flag: &str) -> bool {
    flag.strip_prefix('-').is_some_and(|letters| {
        letters.contains('c') && letters.bytes().all(|b| b.is_ascii_alphabetic())
    })
}
