//! Sinks: the data positions of a command or path call, whether a shell
//! runs it, and why it is privileged.

use super::*;

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
        context: &FunctionContext,
    ) {
        let method = callee.method_name();
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
                        _ => false,
                    }
                }
                _ => false,
            })
            .cloned()
            .collect();
        if sinks.is_empty() {
            return;
        }
        let location = self.location(node);
        let literal_args: Vec<Option<String>> = arg_nodes
            .iter()
            .take(splat_at.unwrap_or(usize::MAX))
            .map(|n| string_literal(self.source, *n))
            .collect();
        for sink in sinks {
            let spec = &sink.spec;
            let mut data = Taint::default();
            let mut shell = spec.kind == SinkKind::Shell;
            let mut privileged = context.privileged.clone();
            let keyword = |name: &str| keywords.iter().find(|(k, _, _)| *k == name);
            let is_false = |n: Node<'a>| matches!(self.text(n), "False" | "None" | "0");

            let mut privilege_param: Option<u16> = None;
            if spec.privileged {
                privileged.get_or_insert_with(|| {
                    format!("run as root by the oslo.privsep entry point `{spelled}`")
                });
            }
            if sink.rule == RuleMask::COMMAND {
                // The argument vector, as literal strings where known:
                // positional (`execute('mount', ...)`) or a list display.
                let mut argv: Vec<Option<String>> = literal_args.clone();
                let mut argv_nodes: Vec<Node<'a>> = arg_nodes.to_vec();
                if !matches!(spec.args, ArgSelector::Named(ArgSelectorName::All))
                    && let Some(first) = arg_nodes.first()
                    && matches!(first.kind(), "list" | "tuple")
                {
                    let mut cursor = first.walk();
                    argv_nodes = first.named_children(&mut cursor).collect();
                    argv = argv_nodes
                        .iter()
                        .map(|n| string_literal(self.source, *n))
                        .collect();
                }
                if let Some((_, _, value)) = keyword("shell")
                    && !is_false(*value)
                {
                    shell = true;
                }
                // `run_as_root=False` wins over a `root_helper` also given:
                // processutils uses the helper only when running as root.
                let root_disabled = self
                    .config
                    .privileged_keywords
                    .first()
                    .and_then(|name| keyword(name))
                    .is_some_and(|(_, _, value)| is_false(*value));
                for name in &self.config.privileged_keywords {
                    if root_disabled {
                        break;
                    }
                    if let Some((_, _, value)) = keyword(name)
                        && !is_false(*value)
                    {
                        // `run_as_root=as_root`: privileged as the caller decides.
                        if privileged.is_none()
                            && value.kind() == "identifier"
                            && let Some(index) =
                                context.params.iter().position(|p| p == self.text(*value))
                        {
                            privilege_param = Some(index as u16);
                        }
                        privileged.get_or_insert_with(|| {
                            format!("run as root (`{name}={}`)", self.text(*value))
                        });
                    }
                }
                if let Some(Some(program)) = argv.first() {
                    let base = program.rsplit('/').next().unwrap_or(program);
                    if self.config.privileged_programs.iter().any(|p| p == base) {
                        privileged.get_or_insert_with(|| format!("run as root through `{base}`"));
                    }
                    // `sh -c STRING`: the string is run by a shell.
                    if self
                        .config
                        .shell_programs
                        .iter()
                        .any(|p| p == program || p == base)
                        && argv.get(1).and_then(|a| a.as_deref()) == Some("-c")
                        && argv_nodes.len() > 2
                    {
                        // A list display's elements share the list's taint.
                        let from_display = argv_nodes.first() != arg_nodes.first();
                        let index = if from_display { 0 } else { 2 };
                        data = args.get(index).cloned().unwrap_or_default();
                        shell = true;
                    }
                }
            }
            if !shell || data.is_clean() {
                for (index, arg) in args.iter().enumerate() {
                    if spec.args.selects(index) {
                        data.union_with(arg);
                    }
                }
                if let Some(splat) = splat
                    && !matches!(spec.args, ArgSelector::Named(ArgSelectorName::None))
                {
                    data.union_with(splat);
                }
                for (name, value, _) in keywords {
                    if spec.keywords.iter().any(|k| k == name) {
                        data.union_with(value);
                    }
                }
                if spec.receiver
                    && let Some(receiver) = receiver
                {
                    data.union_with(receiver);
                }
            }
            if data.is_clean() {
                continue;
            }
            let destructive = match spec.kind {
                SinkKind::PathWrite => true,
                SinkKind::PathOpen => {
                    let mode = keyword("mode")
                        .map(|(_, _, n)| *n)
                        .or_else(|| arg_nodes.get(if spec.receiver { 0 } else { 1 }).copied())
                        .and_then(|n| string_literal(self.source, n));
                    let mode_node = keyword("mode")
                        .or_else(|| keyword("flags"))
                        .map(|(_, _, n)| *n)
                        .or_else(|| arg_nodes.get(if spec.receiver { 0 } else { 1 }).copied());
                    // `os.open(path, os.O_CREAT | os.O_WRONLY)`: flags, not a mode string.
                    let writing_flags = mode_node.is_some_and(|n| {
                        let text = self.text(n);
                        ["O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC", "O_APPEND"]
                            .iter()
                            .any(|flag| text.contains(flag))
                    });
                    writing_flags || mode.is_some_and(|m| m.contains(['w', 'a', 'x', '+']))
                }
                _ => false,
            };
            let snippet = normalise_snippet(self.text(node));
            self.file.sinks.push(SinkUse {
                function: context.id,
                rule: sink.rule,
                kind: spec.kind,
                location: location.clone(),
                spelled: spelled.to_string(),
                callee: callee.clone(),
                call: None,
                data,
                shell,
                privileged,
                destructive,
                by_method_name: sink.call.is_none(),
                privileged_by_parameter: privilege_param.is_some(),
                privilege_param,
                unscanned_only: spec.unscanned_only,
                snippet,
                context: context.qualname.clone(),
            });
        }
    }
}
