//! Statements: blocks, assignments, branches, loops, `try`, `with`; the
//! environment of variables they update and join.

use super::*;

impl<'a> Interpreter<'a> {
    pub(super) fn exec_block(
        &mut self,
        block: Node<'a>,
        env: &mut Env,
        context: &mut FunctionContext,
        depth: usize,
    ) -> Flow {
        if depth > MAX_DEPTH {
            self.note_too_deep(block);
            return Flow::Normal;
        }
        let mut cursor = block.walk();
        for statement in block.named_children(&mut cursor) {
            if self.exec_statement(statement, env, context, depth + 1) == Flow::Exits {
                return Flow::Exits;
            }
        }
        Flow::Normal
    }

    pub(super) fn exec_statement(
        &mut self,
        node: Node<'a>,
        env: &mut Env,
        context: &mut FunctionContext,
        depth: usize,
    ) -> Flow {
        self.steps += 1;
        match node.kind() {
            "expression_statement" => {
                let mut cursor = node.walk();
                let children: Vec<Node<'a>> = node.named_children(&mut cursor).collect();
                for child in children {
                    self.exec_expression_statement(child, env, context, depth);
                }
                Flow::Normal
            }
            "return_statement" => {
                let value = node.named_child(0);
                let elements: Option<Vec<Node<'a>>> = value
                    .filter(|v| matches!(v.kind(), "tuple" | "expression_list"))
                    .map(|v| {
                        let mut cursor = v.walk();
                        v.named_children(&mut cursor)
                            .filter(|c| c.kind() != "comment")
                            .collect()
                    })
                    .filter(|children: &Vec<Node<'a>>| {
                        children.iter().all(|c| c.kind() != "list_splat")
                    });
                let taint = match (value, elements) {
                    // `return a, b`: each element separately, for callers
                    // that unpack the tuple.
                    (Some(_), Some(children)) => {
                        let mut taint = Taint::default();
                        let mut parts = Vec::with_capacity(children.len());
                        for child in children {
                            let part = self.eval(child, env, context, depth);
                            taint.union_with(&part);
                            parts.push(part);
                        }
                        self.note_return_elements(context.id, Some(parts));
                        taint
                    }
                    (Some(value), None) => {
                        self.note_return_elements(context.id, None);
                        self.eval(value, env, context, depth)
                    }
                    (None, _) => Taint::default(),
                };
                self.note_validator_return(value, env, context, depth);
                // `return ['sudo', 'rm', path]`: the program of the command
                // vector every `return` gives, when they agree.
                let vector = value.and_then(|value| self.command_vector(value, env, context));
                // A literal script takes its data as `$1`...: not a script.
                let shell = vector.as_ref().is_some_and(|vector| {
                    self.shell_script_at(vector)
                        .is_some_and(|at| !matches!(vector.get(at), Some(Some(_))))
                });
                let program = vector.and_then(|vector| vector.into_iter().next().flatten());
                context.returned_program = match context.returned_program.take() {
                    None => Some(program),
                    Some(known) => Some(known.filter(|known| Some(known) == program.as_ref())),
                };
                // `return ['sh', '-c', script]`: every `return` must.
                context.returns_shell = Some(context.returns_shell.unwrap_or(true) && shell);
                self.file.functions[context.id as usize]
                    .returns
                    .union_with(&taint);
                Flow::Exits
            }
            "raise_statement" => {
                let mut cursor = node.walk();
                for child in node.named_children(&mut cursor) {
                    self.eval(child, env, context, depth);
                }
                Flow::Exits
            }
            "continue_statement" | "break_statement" => {
                // What the loop goes on with: after it, or at its head.
                if let Some(exits) = self.loop_exits.last_mut() {
                    let exit = match node.kind() {
                        "break_statement" => &mut exits.breaks,
                        _ => &mut exits.continues,
                    };
                    join_exit(exit, env);
                }
                Flow::Exits
            }
            "if_statement" => self.exec_if(node, env, context, depth),
            "for_statement" => {
                let iterable = node
                    .child_by_field_name("right")
                    .map(|r| {
                        let items = self.file_lines(r, env, context);
                        let taint = self.eval(r, env, context, depth).union(&items);
                        // `for name in FILES_BY_NAME`: a dict iterates its keys.
                        if self.has_literal_keys(r, env, context) {
                            Taint::default()
                        } else {
                            taint
                        }
                    })
                    .unwrap_or_default();
                let header = match node.child_by_field_name("left") {
                    Some(left) => LoopHeader::For { left, iterable },
                    None => LoopHeader::While { condition: None },
                };
                let flow = self.exec_loop(node, header, env, context, depth);
                if flow == Flow::Normal {
                    self.note_elements_checked(node, env, context, depth);
                }
                flow
            }
            "while_statement" => {
                let condition = node.child_by_field_name("condition");
                self.exec_loop(node, LoopHeader::While { condition }, env, context, depth)
            }
            "try_statement" => {
                let before = env.clone();
                let mut flow = Flow::Normal;
                if let Some(body) = node.child_by_field_name("body") {
                    flow = self.exec_block(body, env, context, depth);
                }
                // A handler may run after any statement of the body.
                let mut after_body = env.clone();
                after_body.join(&before);
                let mut joined: Option<Env> = (flow == Flow::Normal).then(|| env.clone());
                let mut cursor = node.walk();
                for clause in node.named_children(&mut cursor) {
                    match clause.kind() {
                        "except_clause" | "except_group_clause" => {
                            let mut handler_env = after_body.clone();
                            let handler_flow =
                                self.exec_children_blocks(clause, &mut handler_env, context, depth);
                            if handler_flow == Flow::Normal {
                                match &mut joined {
                                    Some(j) => j.join(&handler_env),
                                    None => joined = Some(handler_env),
                                }
                            }
                        }
                        "else_clause" => {
                            if let Some(j) = &mut joined {
                                self.exec_children_blocks(clause, j, context, depth);
                            }
                        }
                        "finally_clause" => {
                            let target = joined.get_or_insert_with(|| after_body.clone());
                            self.exec_children_blocks(clause, target, context, depth);
                        }
                        _ => {}
                    }
                }
                match joined {
                    Some(j) => {
                        *env = j;
                        Flow::Normal
                    }
                    None => Flow::Exits,
                }
            }
            "with_statement" => {
                let mut cursor = node.walk();
                let children: Vec<Node<'a>> = node.named_children(&mut cursor).collect();
                for child in children {
                    match child.kind() {
                        "with_clause" => self.exec_with_clause(child, env, context, depth),
                        "block" if self.exec_block(child, env, context, depth) == Flow::Exits => {
                            return Flow::Exits;
                        }
                        _ => {}
                    }
                }
                Flow::Normal
            }
            "decorated_definition" | "function_definition" | "class_definition" => {
                if node.kind() == "class_definition"
                    && let Some(body) = node.child_by_field_name("body")
                {
                    // Class bodies run once; their names are not variables
                    // of the enclosing scope.
                    let mut scratch = env.clone();
                    self.exec_block(body, &mut scratch, context, depth);
                }
                Flow::Normal
            }
            "assert_statement" | "delete_statement" | "print_statement" | "exec_statement" => {
                let mut cursor = node.walk();
                let children: Vec<Node<'a>> = node.named_children(&mut cursor).collect();
                if node.kind() == "delete_statement" {
                    // `del kwargs['shell']`
                    for target in &children {
                        if target.kind() == "subscript"
                            && let (Some(object), Some(key)) = (
                                target.child_by_field_name("value"),
                                target.child_by_field_name("subscript"),
                            )
                        {
                            self.note_dropped_keyword(object, key, context);
                        }
                    }
                }
                for child in children {
                    self.eval(child, env, context, depth);
                }
                Flow::Normal
            }
            "match_statement" => {
                let subject = match node.child_by_field_name("subject") {
                    Some(subject) => self.eval(subject, env, context, depth),
                    None => Taint::default(),
                };
                let before = env.clone();
                if let Some(body) = node.child_by_field_name("body") {
                    let mut cursor = body.walk();
                    for case in body.named_children(&mut cursor) {
                        let mut case_env = before.clone();
                        // The names a pattern captures hold parts of the
                        // subject (`case [program, *args]:`).
                        for capture in pattern_captures(case) {
                            if self.text(capture) == "_" {
                                continue;
                            }
                            let value =
                                self.hop(subject.clone(), capture, HopKind::AssignedTo, capture);
                            self.bind(capture, value, &mut case_env, context, depth + 1);
                        }
                        // `case name if name in ALLOWED:` guards the body
                        // as an `if` would.
                        if let Some(condition) = case
                            .child_by_field_name("guard")
                            .and_then(|guard| guard.named_child(0))
                        {
                            self.eval(condition, &mut case_env, context, depth);
                            let facts =
                                self.condition_facts(condition, true, &case_env, context, depth);
                            apply_facts(&mut case_env, &facts);
                        }
                        if let Some(consequence) = case.child_by_field_name("consequence") {
                            self.exec_block(consequence, &mut case_env, context, depth);
                        }
                        env.join(&case_env);
                    }
                }
                Flow::Normal
            }
            "global_statement" => {
                let mut cursor = node.walk();
                for name in node.named_children(&mut cursor) {
                    context.declared_globals.push(self.text(name).to_string());
                }
                Flow::Normal
            }
            _ => Flow::Normal,
        }
    }

    /// Runs a loop body twice, so that taint carried from one iteration to
    /// the next reaches every statement (fewer rounds once a function has
    /// used up its step budget), then the `else:` clause.
    pub(super) fn exec_loop(
        &mut self,
        node: Node<'a>,
        header: LoopHeader<'a>,
        env: &mut Env,
        context: &mut FunctionContext,
        depth: usize,
    ) -> Flow {
        let before = env.clone();
        self.loop_exits.push(LoopExits::default());
        for round in 0..2 {
            match &header {
                LoopHeader::For { left, iterable } => {
                    let value = self.hop(iterable.clone(), *left, HopKind::IteratedInto, *left);
                    self.bind(*left, value, env, context, depth);
                }
                LoopHeader::While { condition } => {
                    if let Some(condition) = condition {
                        self.eval(*condition, env, context, depth);
                    }
                }
            }
            if let Some(body) = node.child_by_field_name("body") {
                self.exec_block(body, env, context, depth);
            }
            if let Some(continued) = self.loop_exits.last_mut().and_then(|e| e.continues.take()) {
                env.join(&continued);
            }
            env.join(&before);
            if round == 0 && self.steps > STEP_BUDGET {
                break;
            }
        }
        let exits = self.loop_exits.pop().unwrap_or_default();
        // `else:` runs when the loop ends without `break`; when it raises
        // or returns, only the `break`s go on (`for base in BASES: if
        // p.startswith(base + os.sep): break / else: raise`).
        let mut ends = Flow::Normal;
        if let Some(alternative) = node.child_by_field_name("alternative") {
            ends = self.exec_children_blocks(alternative, env, context, depth);
        }
        match (ends, exits.breaks) {
            (Flow::Exits, Some(broken)) => *env = broken,
            (Flow::Exits, None) => return Flow::Exits,
            (_, Some(broken)) => env.join(&broken),
            (_, None) => {}
        }
        Flow::Normal
    }

    /// Runs the `block` children of a clause node (`else:`, `except:`, ...).
    pub(super) fn exec_children_blocks(
        &mut self,
        clause: Node<'a>,
        env: &mut Env,
        context: &mut FunctionContext,
        depth: usize,
    ) -> Flow {
        let body = clause.child_by_field_name("body");
        let mut cursor = clause.walk();
        for child in clause.named_children(&mut cursor) {
            if child.kind() == "block" || Some(child) == body {
                return self.exec_block(child, env, context, depth);
            }
        }
        Flow::Normal
    }

    pub(super) fn exec_if(
        &mut self,
        node: Node<'a>,
        env: &mut Env,
        context: &mut FunctionContext,
        depth: usize,
    ) -> Flow {
        // `if` and each `elif` are handled as a chain of nested ifs.
        let mut branches: Vec<(Option<Node<'a>>, Option<Node<'a>>)> = vec![(
            node.child_by_field_name("condition"),
            node.child_by_field_name("consequence"),
        )];
        let mut else_body = None;
        let mut cursor = node.walk();
        for alternative in node.children_by_field_name("alternative", &mut cursor) {
            match alternative.kind() {
                "elif_clause" => branches.push((
                    alternative.child_by_field_name("condition"),
                    alternative.child_by_field_name("consequence"),
                )),
                _ => {
                    else_body = alternative
                        .child_by_field_name("body")
                        .or_else(|| alternative.named_child(0))
                }
            }
        }
        let mut outcomes: Vec<Env> = Vec::new();
        for (condition, consequence) in branches {
            if let Some(condition) = condition {
                self.eval(condition, env, context, depth);
            }
            let mut then_env = env.clone();
            let mut otherwise = Facts::default();
            if let Some(condition) = condition {
                let facts = self.condition_facts(condition, true, env, context, depth);
                apply_facts(&mut then_env, &facts);
                otherwise = self.condition_facts(condition, false, env, context, depth);
                apply_facts(env, &otherwise);
            }
            if let Some(consequence) = consequence {
                if self.exec_block(consequence, &mut then_env, context, depth) == Flow::Normal {
                    outcomes.push(then_env);
                } else if node.parent().map(|p| p.id()) == context.body
                    && ends_with_raise(consequence)
                {
                    // `if not ok(x): raise` at the top of a function: the
                    // function asserts that `x` is valid.
                    context.asserts.extend(otherwise.sanitized.iter().cloned());
                    context.asserts.extend(
                        otherwise
                            .contained
                            .iter()
                            .map(|(name, _)| (name.clone(), RuleMask::CONTAINED)),
                    );
                    context.asserts.extend(
                        otherwise
                            .argv_safe
                            .iter()
                            .map(|name| (name.clone(), RuleMask::ARGV_SAFE)),
                    );
                }
            }
        }
        let else_flow = match else_body {
            Some(body) => self.exec_block(body, env, context, depth),
            None => Flow::Normal,
        };
        if else_flow == Flow::Normal {
            outcomes.push(std::mem::take(env));
        }
        let mut outcomes = outcomes.into_iter();
        match outcomes.next() {
            Some(mut first) => {
                for other in outcomes {
                    first.join(&other);
                }
                *env = first;
                Flow::Normal
            }
            None => Flow::Exits,
        }
    }

    pub(super) fn exec_with_clause(
        &mut self,
        clause: Node<'a>,
        env: &mut Env,
        context: &mut FunctionContext,
        depth: usize,
    ) {
        let mut cursor = clause.walk();
        for item in clause.named_children(&mut cursor) {
            let Some(value) = item.child_by_field_name("value") else {
                continue;
            };
            if value.kind() == "as_pattern" {
                let expression = value.named_child(0);
                let target = value
                    .child_by_field_name("alias")
                    .map(|a| a.named_child(0).unwrap_or(a));
                let taint = expression
                    .map(|e| self.eval(e, env, context, depth))
                    .unwrap_or_default();
                if let Some(target) = target {
                    if target.kind() == "identifier" {
                        let binding = Binding {
                            open_file: expression.is_some_and(|e| self.opens_file(e, env)),
                            ..Binding::default()
                        };
                        rebind(&mut context.bindings, self.text(target), binding);
                    }
                    let taint = self.hop(taint, item, HopKind::BoundByWith, target);
                    self.bind(target, taint, env, context, depth);
                    // `with ScratchMount(dev) as scratch`: the object
                    // itself, as `__enter__` returns it (`return self`) for
                    // the classes of the scanned sources and for `Popen`.
                    if target.kind() == "identifier"
                        && let Some(ty) = expression
                            .filter(|e| e.kind() == "call")
                            .and_then(|e| self.value_type(e, env))
                            .filter(|ty| self.is_scanned_class(ty) || is_popen(ty))
                    {
                        env.types.insert(self.text(target).into(), ty);
                    }
                }
            } else {
                self.eval(value, env, context, depth);
            }
        }
    }

    pub(super) fn exec_expression_statement(
        &mut self,
        node: Node<'a>,
        env: &mut Env,
        context: &mut FunctionContext,
        depth: usize,
    ) {
        match node.kind() {
            "assignment" => {
                self.eval_assignment(node, env, context, depth);
            }
            "augmented_assignment" => {
                let Some(left) = node.child_by_field_name("left") else {
                    return;
                };
                let right = node
                    .child_by_field_name("right")
                    .map(|r| self.eval(r, env, context, depth))
                    .unwrap_or_default();
                let current = self.eval(left, env, context, depth);
                let value = self
                    .hop(right, node, HopKind::AppendedTo, left)
                    .union(&current);
                self.bind(left, value, env, context, depth);
            }
            "call" => {
                self.eval(node, env, context, depth);
                self.apply_raising_check(node, env);
            }
            _ => {
                self.eval(node, env, context, depth);
            }
        }
    }

    /// After `check(x)` returns, `x` passed the check when `check` raises
    /// on bad values: a guard sanitizer of the rule data
    /// (one a configuration declares), or a helper of the scanned sources
    /// whose summary says it asserts its parameter.
    pub(super) fn apply_raising_check(&mut self, call: Node<'a>, env: &mut Env) {
        let Some(function) = call.child_by_field_name("function") else {
            return;
        };
        let Some(arguments) = call.child_by_field_name("arguments") else {
            return;
        };
        let mut cursor = arguments.walk();
        let positional: Vec<Node<'a>> = arguments
            .named_children(&mut cursor)
            .filter(|c| !matches!(c.kind(), "comment" | "keyword_argument"))
            .collect();
        let spelled = dotted_text(self.source, function).unwrap_or_default();
        let clears = self.config.guard_clears(&self.imports.resolve(&spelled));
        let deferred = self.last_call_at(call);
        for (index, argument) in positional.iter().enumerate() {
            if argument.kind() != "identifier" {
                continue;
            }
            let name = self.text(*argument);
            let Some(taint) = env.vars.get_mut(name) else {
                continue;
            };
            let mut value = std::mem::take(taint).sanitize(clears);
            if let Some(call) = deferred {
                value = value.with_guard(Guard {
                    call,
                    argument: index as u16,
                    raising: true,
                    falsy: false,
                    normalised: env.normalised.contains(name),
                    in_argv: false,
                });
            }
            *taint = value;
        }
    }

    pub(super) fn eval_assignment(
        &mut self,
        node: Node<'a>,
        env: &mut Env,
        context: &mut FunctionContext,
        depth: usize,
    ) -> Taint {
        // `a = b = value`: the chain may be arbitrarily long, so its targets
        // are collected in a loop, and bound from the innermost out.
        let mut chain = vec![node];
        let mut right = node.child_by_field_name("right");
        while let Some(inner) = right.filter(|r| r.kind() == "assignment") {
            chain.push(inner);
            right = inner.child_by_field_name("right");
        }
        if let [single] = chain.as_slice()
            && let Some(right) = right
            && let Some(pairs) = element_pairs(*single, right)
        {
            return self.bind_elementwise(*single, pairs, env, context, depth);
        }
        let value = match right {
            Some(right) => self.eval(right, env, context, depth),
            None => Taint::default(),
        };
        for assignment in chain.into_iter().rev() {
            self.bind_assignment(assignment, right, value.clone(), env, context, depth);
        }
        value
    }

    /// `a, b = x, 'literal'`: each target takes its own element's taint.
    /// Every element is evaluated before any target is bound (`a, b = b, a`).
    fn bind_elementwise(
        &mut self,
        node: Node<'a>,
        pairs: Vec<(Node<'a>, Node<'a>)>,
        env: &mut Env,
        context: &mut FunctionContext,
        depth: usize,
    ) -> Taint {
        let values: Vec<Taint> = pairs
            .iter()
            .map(|(_, element)| self.eval(*element, env, context, depth))
            .collect();
        let mut all = Taint::default();
        for ((target, element), value) in pairs.into_iter().zip(values) {
            self.note_value_shape(target, element, env, context);
            all.union_with(&value);
            let value = if value.is_clean() {
                value
            } else {
                self.hop(value, node, HopKind::AssignedTo, target)
            };
            self.bind(target, value, env, context, depth);
        }
        all
    }

    /// Binds the target of one assignment to the value of `right`.
    pub(super) fn bind_assignment(
        &mut self,
        node: Node<'a>,
        right: Option<Node<'a>>,
        value: Taint,
        env: &mut Env,
        context: &mut FunctionContext,
        depth: usize,
    ) -> Taint {
        let Some(left) = node.child_by_field_name("left") else {
            return value;
        };
        if let Some(right) = right {
            self.note_value_shape(left, right, env, context);
        }
        if value.is_clean() {
            self.bind(left, value.clone(), env, context, depth);
            return value;
        }
        // `a, b = f(...)` with `f` in the scanned sources: each target takes
        // its element of the returned tuple.
        if let Some(right) = right
            && let Some(call) = self.last_call_at(right)
            && matches!(
                left.kind(),
                "pattern_list" | "tuple_pattern" | "list_pattern"
            )
            && let [entry] = value.entries.as_slice()
            && self.file.atoms[entry.atom as usize] == (Atom::CallResult { call })
        {
            let mut cursor = left.walk();
            let targets: Vec<Node<'a>> = left
                .named_children(&mut cursor)
                .filter(|c| c.kind() != "comment")
                .collect();
            if targets.iter().all(|t| t.kind() != "list_splat_pattern") {
                let span = self.span(node);
                let entry = entry.clone();
                for (index, target) in targets.into_iter().enumerate() {
                    let atom = self.intern(Atom::CallElement {
                        call,
                        index: index as u16,
                    });
                    let name = self.share(self.text(target));
                    let element = Taint {
                        entries: thin_vec::thin_vec![Entry {
                            atom,
                            ..entry.clone()
                        }],
                    }
                    .with_hop(span, HopKind::AssignedTo, &name);
                    self.bind(target, element, env, context, depth);
                }
                return value;
            }
        }
        let kind = if left.kind() == "attribute" {
            HopKind::StoredIn
        } else {
            HopKind::AssignedTo
        };
        let hopped = self.hop(value.clone(), node, kind, left);
        self.bind(left, hopped, env, context, depth);
        value
    }

    /// Records the shape of a returned value: the taint of each element of
    /// a returned tuple display, or `None` for anything else.
    pub(super) fn note_return_elements(&mut self, function: FunctionId, parts: Option<Vec<Taint>>) {
        let summary = &mut self.file.functions[function as usize];
        if summary.mixed_returns {
            return;
        }
        match (parts, &mut summary.return_elements) {
            (Some(parts), None) => summary.return_elements = Some(parts),
            (Some(parts), Some(known)) if known.len() == parts.len() => {
                for (known, part) in known.iter_mut().zip(&parts) {
                    known.union_with(part);
                }
            }
            _ => {
                summary.mixed_returns = true;
                summary.return_elements = None;
            }
        }
    }

    /// `kw['run_as_root'] = True` on a local dict.
    fn note_keyword_stored(
        &mut self,
        target: Node<'a>,
        value: Node<'a>,
        env: &Env,
        context: &mut FunctionContext,
    ) {
        let (Some(dict), Some(key)) = (
            target.child_by_field_name("value"),
            target.child_by_field_name("subscript"),
        ) else {
            return;
        };
        // `files[name] = body`: a key of unknown origin.
        if !self.is_trusted_constant(key, env) {
            self.forget_literal_keys(dict, context);
        }
        if key.kind() == "string" {
            self.note_keyword(dict, key, value, env, context);
        }
    }

    /// A keyword stored into a dict (`kw['run_as_root'] = True`,
    /// `kw.update(run_as_root=True)`): it is among those `**kw` gives. On
    /// the function's own `**kwargs` only a default of running as root
    /// counts: `run_as_root` set to a value that is not a literal `False`,
    /// unconditionally or under conditions on `kwargs` itself (`if
    /// 'run_as_root' not in kwargs`). A wrapper completing its caller's
    /// keywords (`kwargs['root_helper'] = ...` when `run_as_root` is given)
    /// or running some commands as root (`if cmd[0] == 'sudo'`) does not
    /// run everything as root.
    pub(super) fn note_keyword(
        &mut self,
        dict: Node<'a>,
        key: Node<'a>,
        value: Node<'a>,
        env: &Env,
        context: &mut FunctionContext,
    ) {
        let name = self.text(dict);
        let Some(keyword) = self.keyword_name(key) else {
            return;
        };
        let own_keywords = self.is_keywords_parameter(dict, context);
        let runs_as_root = self
            .config
            .privileged_keywords
            .first()
            .is_some_and(|root| *root == keyword)
            && !self.is_falsy_literal(value)
            && self.only_conditions_on(key, name);
        if dict.kind() != "identifier"
            || !env.vars.contains_key(name)
            || own_keywords && !runs_as_root
        {
            return;
        }
        let index = binding_index(&mut context.bindings, name);
        context.bindings[index]
            .1
            .keywords
            .push((key.id(), value.id()));
    }

    /// `for path in (src, dst): if not ok(path): raise`: after the loop,
    /// each named element passed the check the loop made of its variable.
    fn note_elements_checked(
        &mut self,
        node: Node<'a>,
        env: &mut Env,
        context: &mut FunctionContext,
        depth: usize,
    ) {
        let (Some(left), Some(right), Some(body)) = (
            node.child_by_field_name("left"),
            node.child_by_field_name("right"),
            node.child_by_field_name("body"),
        ) else {
            return;
        };
        if left.kind() != "identifier" || !matches!(right.kind(), "tuple" | "list") {
            return;
        }
        let mut cursor = right.walk();
        let elements: Vec<&'a str> = right
            .named_children(&mut cursor)
            .filter(|element| element.kind() == "identifier")
            .map(|element| self.text(element))
            .collect();
        if elements.len() != right.named_child_count() {
            return;
        }
        let mut cursor = body.walk();
        let Some(first) = body
            .named_children(&mut cursor)
            .find(|n| n.kind() != "comment")
        else {
            return;
        };
        let (Some(condition), Some(consequence)) = (
            first.child_by_field_name("condition"),
            first.child_by_field_name("consequence"),
        ) else {
            return;
        };
        if first.kind() != "if_statement"
            || first.child_by_field_name("alternative").is_some()
            || !ends_with_raise(consequence)
        {
            return;
        }
        // The check as it held for the loop variable: normalised when
        // every element is.
        let variable = self.text(left);
        let mut checked_env = env.clone();
        if elements.iter().all(|name| env.normalised.contains(*name)) {
            checked_env.normalised.insert(variable.into());
        }
        let facts = self.condition_facts(condition, false, &checked_env, context, depth);
        // Only what it proved of the loop variable, once per element.
        for name in elements {
            apply_facts(env, &facts.about(variable, name));
        }
    }

    /// Whether every condition `node` runs under in its function mentions
    /// `name`.
    fn only_conditions_on(&self, node: Node<'a>, name: &str) -> bool {
        enclosing_conditions(node)
            .into_iter()
            .all(|condition| condition.is_some_and(|c| self.mentions(c, name)))
    }

    /// Whether the name is read anywhere in `node`.
    pub(super) fn mentions(&self, node: Node<'a>, name: &str) -> bool {
        (node.id()..node.subtree_end()).any(|index| {
            let inner = node.node_at(index);
            inner.kind() == "identifier" && self.text(inner) == name
        })
    }

    /// Records what is known of the assigned value beyond its taint: its
    /// class, and whether it is a normalised path.
    pub(super) fn note_value_shape(
        &mut self,
        left: Node<'a>,
        right: Node<'a>,
        env: &mut Env,
        context: &mut FunctionContext,
    ) {
        if left.kind() == "subscript" {
            self.note_keyword_stored(left, right, env, context);
            return;
        }
        if left.kind() != "identifier" {
            return;
        }
        let spelled = self.text(left);
        let is_call = right.kind() == "call";
        let check = (is_call && self.may_be_check(right))
            .then(|| {
                let mut proved = Facts::default();
                self.call_facts(right, env, context, &mut proved);
                proved
            })
            .filter(|proved| !proved.is_empty());
        let binding = Binding {
            separated: self.ends_with_separator(right, env, context),
            open_file: self.opens_file(right, env),
            check,
            command: self.command_vector(right, env, context),
            writes: matches!(right.kind(), "string" | "binary_operator" | "attribute")
                && self.writes(right),
            normalises: is_call
                .then(|| self.checked_path(right, env))
                .flatten()
                .map(|(original, _)| original)
                .filter(|original| original != spelled),
            built_by: self.call_by_node.get(&right.id()).copied(),
            partial: (is_call && self.is_partial(right)).then(|| right.id()),
            literal_keys: self.literal_key_display(right, env),
            keywords: self
                .keyword_entries(right)
                .unwrap_or_default()
                .into_iter()
                .map(|(key, value)| (key.id(), value.id()))
                .collect(),
        };
        rebind(&mut context.bindings, spelled, binding);
        let name: Var = self.text(left).into();
        env.types.remove(&name);
        env.normalised.remove(&name);
        env.callables.remove(&name);
        // `run = self._execute`: the variable is the command callable.
        if right.kind() == "attribute"
            && let (Some(object), Some(attr)) = (
                right.child_by_field_name("object"),
                right.child_by_field_name("attribute"),
            )
        {
            let attr = self.text(attr);
            if self
                .config
                .sinks_named(attr)
                .any(|sink| sink.rule == RuleMask::COMMAND && sink.spec.method.is_some())
            {
                env.callables.insert(
                    name.clone(),
                    (self.is_self(object, context), attr.to_string()),
                );
            }
        }
        if context.id == 0
            && right.kind() == "call"
            && let Some(function) = right.child_by_field_name("function")
            && self.imports.resolve(self.text(function)) == "re.compile"
            && let Some(pattern) =
                first_argument(right).and_then(|a| string_literal(self.source, a))
        {
            self.regex_constants.insert(name.to_string(), pattern);
        } else if context.id == 0
            && let Some(pattern) = string_literal(self.source, right)
        {
            self.regex_constants.insert(name.to_string(), pattern);
        }
        if let Some(ty) = self.value_type(right, env) {
            if is_path_normaliser(&ty) || ty == "resolved-path" {
                env.normalised.insert(name.clone());
                if ty == "resolved-path" {
                    env.types.insert(name, "pathlib.Path".to_string());
                }
            } else {
                env.types.insert(name, ty);
            }
        }
    }

    /// Whether a call may be a check whose result proves something
    /// (`re.fullmatch`, `startswith`, a helper of the scanned sources):
    /// the others are not worth asking `call_facts` about.
    fn may_be_check(&self, call: Node<'a>) -> bool {
        let Some(function) = call.child_by_field_name("function") else {
            return false;
        };
        let last = match function.kind() {
            "attribute" => function
                .child_by_field_name("attribute")
                .map_or("", |a| self.text(a)),
            "identifier" => self.text(function),
            _ => return false,
        };
        matches!(
            last,
            "fullmatch" | "match" | "search" | "startswith" | "is_relative_to"
        ) || self.last_call_at(call).is_some()
    }

    /// Whether an expression opens a file (`open(p)`, `io.open(p)`,
    /// `path.open()` on a `pathlib` path).
    pub(super) fn opens_file(&self, node: Node<'a>, env: &Env) -> bool {
        if node.kind() != "call" {
            return false;
        }
        let Some(function) = node.child_by_field_name("function") else {
            return false;
        };
        if !matches!(function.kind(), "identifier" | "attribute") {
            return false;
        }
        let resolved = self.imports.resolve(self.text(function));
        if matches!(
            &*resolved,
            "open" | "io.open" | "codecs.open" | "os.fdopen" | "gzip.open" | "bz2.open"
        ) {
            return true;
        }
        // `path.open()` on a `pathlib` path.
        self.method_object(function, "open")
            .and_then(|o| self.value_type(o, env))
            .as_deref()
            .is_some_and(|ty| is_path_class(ty) || ty == "resolved-path")
    }

    /// Whether `node` is a dict display whose keys are all literals.
    pub(super) fn literal_key_display(&self, node: Node<'a>, env: &Env) -> bool {
        let mut cursor = node.walk();
        node.kind() == "dictionary"
            && node.named_children(&mut cursor).all(|entry| {
                entry.kind() == "comment"
                    || entry.kind() == "pair"
                        && entry
                            .child_by_field_name("key")
                            .is_some_and(|key| self.is_trusted_constant(key, env))
            })
    }

    /// A key of unknown origin was added to the dict `container` holds.
    pub(super) fn forget_literal_keys(&self, container: Node<'a>, context: &mut FunctionContext) {
        if container.kind() != "identifier" {
            return;
        }
        let name = self.text(container);
        if let Some((_, binding)) = context.bindings.iter_mut().find(|(bound, _)| bound == name) {
            binding.literal_keys = false;
        }
    }

    /// Whether `node` is a dict variable whose keys are literals (see
    /// `Binding::literal_keys`), or its `.keys()`.
    pub(super) fn has_literal_keys(
        &self,
        node: Node<'a>,
        env: &Env,
        context: &FunctionContext,
    ) -> bool {
        let dict = match node.kind() {
            "call" => match self
                .method_object(node.child_by_field_name("function").unwrap_or(node), "keys")
            {
                Some(object) => object,
                None => return false,
            },
            _ => node,
        };
        dict.kind() == "identifier"
            && self
                .binding(self.text(dict), env, context)
                .is_some_and(|binding| binding.literal_keys)
    }

    /// The taint of the items of an iterable beyond its own: iterating an
    /// open file (`for line in f`, `next(f)`) reads it.
    pub(super) fn file_lines(
        &mut self,
        iterable: Node<'a>,
        env: &Env,
        context: &FunctionContext,
    ) -> Taint {
        let reads_file = match iterable.kind() {
            "identifier" => {
                let name = self.text(iterable);
                self.binding(name, env, context)
                    .is_some_and(|b| b.open_file)
            }
            _ => self.opens_file(iterable, env),
        };
        if !reads_file {
            return Taint::default();
        }
        let description = format!("`{}`: data read from a file", self.text(iterable));
        self.source_taint(description, iterable)
    }

    /// The class of a value, when the expression shows it: a constructor
    /// call, a `pathlib` operation, a normalisation.
    /// Whether a value is known to be a `pathlib.Path`.
    pub(super) fn is_path(&self, node: Node<'a>, env: &Env) -> bool {
        self.value_type(node, env)
            .is_some_and(|ty| is_path_class(&ty))
    }

    pub(super) fn value_type(&self, node: Node<'a>, env: &Env) -> Option<String> {
        self.value_type_at(node, env, 0)
    }

    pub(super) fn value_type_at(&self, node: Node<'a>, env: &Env, depth: usize) -> Option<String> {
        if depth > MAX_DEPTH {
            return None;
        }
        match node.kind() {
            "call" => {
                let function = node.child_by_field_name("function")?;
                if function.kind() == "attribute" {
                    let method = self.text(function.child_by_field_name("attribute")?);
                    let object = function.child_by_field_name("object")?;
                    let object_type = self.value_type_at(object, env, depth + 1);
                    if object_type.as_deref().is_some_and(is_path_class)
                        && matches!(method, "resolve" | "absolute")
                    {
                        return Some("resolved-path".to_string());
                    }
                    if object_type.as_deref().is_some_and(is_path_class)
                        && matches!(
                            method,
                            "joinpath" | "with_name" | "with_suffix" | "expanduser"
                        )
                    {
                        return Some("pathlib.Path".to_string());
                    }
                }
                let spelled = dotted_text(self.source, function)?;
                let root = spelled.split('.').next().unwrap_or("");
                if env.vars.contains_key(root) && !self.globals.vars.contains_key(root) {
                    return None;
                }
                // `_lock_for(share)`, a function of this file returning a path.
                if self.path_functions.contains(&*spelled) {
                    return Some("pathlib.Path".to_string());
                }
                // `str(path.resolve())`: a normalised path as a string.
                if is_path_to_string(&self.imports.resolve(&spelled)) {
                    let inner = first_argument(node)?;
                    let inner = self.value_type_at(inner, env, depth + 1)?;
                    return (inner == "resolved-path" || is_path_normaliser(&inner))
                        .then(|| "os.path.realpath".to_string());
                }
                let resolved = self.resolve_class(&spelled);
                if is_path_normaliser(&resolved) {
                    return Some(resolved);
                }
                let last = last_segment(&resolved);
                if last.chars().next().is_some_and(char::is_uppercase) {
                    return Some(resolved);
                }
                None
            }
            "binary_operator" => {
                let left = node.child_by_field_name("left")?;
                let ty = self.value_type_at(left, env, depth + 1)?;
                is_path_class(&ty).then_some(ty)
            }
            "identifier" => {
                let name = self.text(node);
                match env.types.get(name) {
                    Some(ty) => Some(ty.clone()),
                    // A module constant (`BASE = Path('/srv')`) not shadowed.
                    None if !env.vars.contains_key(name) => self.globals.types.get(name).cloned(),
                    None => None,
                }
            }
            // `self.client`, stored with a known class somewhere in the class.
            "attribute" => {
                let object = node.child_by_field_name("object")?;
                let attr = node.child_by_field_name("attribute")?;
                // `path.parent` is a path too.
                if self.text(attr) == "parent"
                    && let Some(ty) = self
                        .value_type_at(object, env, depth + 1)
                        .filter(|ty| is_path_class(ty))
                {
                    return Some(ty);
                }
                if self.text(object) != "self" {
                    return None;
                }
                let attr = self.text(node.child_by_field_name("attribute")?);
                let class = self.current_class.as_deref()?;
                self.self_attr_types
                    .get(class)?
                    .get(attr)
                    .cloned()
                    .flatten()
            }
            "parenthesized_expression" => self.value_type_at(node.named_child(0)?, env, depth + 1),
            _ => None,
        }
    }

    /// Binds an assignment target to a value.
    pub(super) fn bind(
        &mut self,
        target: Node<'a>,
        value: Taint,
        env: &mut Env,
        context: &mut FunctionContext,
        depth: usize,
    ) {
        if depth > MAX_DEPTH {
            return;
        }
        match target.kind() {
            "identifier" => {
                let name = self.text(target);
                env.forget_paths(name);
                if context
                    .declared_globals
                    .iter()
                    .any(|declared| declared == name)
                {
                    self.store_global(name, value.clone(), target, context);
                }
                env.vars.insert(name.into(), value);
            }
            "pattern_list"
            | "tuple_pattern"
            | "list_pattern"
            | "tuple"
            | "list"
            | "expression_list"
            | "parenthesized_expression"
            | "list_splat_pattern"
            | "list_splat" => {
                let mut cursor = target.walk();
                for child in target.named_children(&mut cursor) {
                    self.bind(child, value.clone(), env, context, depth + 1);
                }
            }
            "attribute" => {
                let Some(object) = target.child_by_field_name("object") else {
                    return;
                };
                let attr = target
                    .child_by_field_name("attribute")
                    .map(|a| self.text(a).to_string())
                    .unwrap_or_default();
                if self.is_self(object, context) {
                    self.store_self(&attr, value.clone(), target, context);
                    env.vars
                        .insert(crate::names::join_dotted("self", &attr).into(), value);
                } else if let Some(class) = self.class_named_by(object, env) {
                    // `LVM.LVM_CMD_PREFIX = prefix`: a class attribute, read
                    // as `self.LVM_CMD_PREFIX` or through the class.
                    self.record_store(class, &attr, value, target, context);
                } else if object.kind() == "identifier" {
                    // Mutating an object taints it (not an imported module:
                    // `shutil.copyfileobj = f` must not make `shutil` a
                    // local, whose calls would then be no sinks).
                    if self.is_imported_name(self.text(object), env) {
                        return;
                    }
                    env.forget_paths(self.text(object));
                    let name: Var = self.text(object).into();
                    let entry = env.vars.entry(name).or_default();
                    entry.union_with(&value);
                } else {
                    self.eval(object, env, context, depth);
                }
            }
            "subscript" => {
                if let Some(index) = target.child_by_field_name("subscript") {
                    self.eval(index, env, context, depth);
                }
                let Some(container) = target.child_by_field_name("value") else {
                    return;
                };
                let value = self.hop(value, target, HopKind::StoredIn, container);
                self.mutate(container, value, env, context);
            }
            _ => {}
        }
    }

    /// The class of the scanned sources a bare name refers to (`LVM` in
    /// `LVM.LVM_CMD_PREFIX`): one of the file's, or one it imports; not a
    /// local variable of the same name.
    pub(super) fn class_named_by(&self, node: Node<'a>, env: &Env) -> Option<String> {
        if node.kind() != "identifier" {
            return None;
        }
        let name = self.text(node);
        if env.vars.contains_key(name) || !name.starts_with(|c: char| c.is_ascii_uppercase()) {
            return None;
        }
        // Read for every capitalised name (`CONF.x`, `LOG.debug`): only a
        // class of the file or an imported name is worth resolving.
        if let Some(qualified) = self.local_classes.get(name) {
            return Some(qualified.clone());
        }
        let imported = self.imports.get(name)?;
        self.project
            .may_contain(imported)
            .then(|| imported.to_string())
    }

    /// Whether a name refers to an import of the file (and not to a local
    /// of the same name).
    fn is_imported_name(&self, name: &str, env: &Env) -> bool {
        !env.vars.contains_key(name) && self.imports.get(name).is_some()
    }

    /// Container mutation: `x.append(v)`, `x[k] = v`, `self.x.extend(v)`
    /// taint the outermost variable or `self` attribute they reach.
    pub(super) fn mutate(
        &mut self,
        container: Node<'a>,
        value: Taint,
        env: &mut Env,
        context: &FunctionContext,
    ) {
        let mut current = container;
        loop {
            match current.kind() {
                "identifier" => {
                    // `os.environ['LC_ALL'] = 'C'` mutates a module's data,
                    // not a local named `os`.
                    if self.is_imported_name(self.text(current), env) {
                        return;
                    }
                    // `_MOUNTS.append(path)` on a module-level container:
                    // every function reading `_MOUNTS` sees it.
                    let name = self.text(current);
                    if context.id != 0
                        && !env.vars.contains_key(name)
                        && self.is_written_global(name)
                    {
                        self.store_global(name, value, current, context);
                        return;
                    }
                    env.forget_paths(self.text(current));
                    let name: Var = self.text(current).into();
                    env.vars.entry(name).or_default().union_with(&value);
                    return;
                }
                "attribute" => {
                    let Some(object) = current.child_by_field_name("object") else {
                        return;
                    };
                    if self.is_self(object, context) {
                        let attr = current
                            .child_by_field_name("attribute")
                            .map(|a| self.text(a).to_string())
                            .unwrap_or_default();
                        self.store_self(&attr, value.clone(), current, context);
                        env.vars
                            .entry(crate::names::join_dotted("self", &attr).into())
                            .or_default()
                            .union_with(&value);
                        return;
                    }
                    current = object;
                }
                "subscript" => match current.child_by_field_name("value") {
                    Some(inner) => current = inner,
                    None => return,
                },
                _ => return,
            }
        }
    }

    pub(super) fn store_self(
        &mut self,
        attr: &str,
        value: Taint,
        node: Node<'a>,
        context: &FunctionContext,
    ) {
        if let Some(class) = &context.class {
            self.record_store(class.clone(), attr, value, node, context);
        }
    }

    /// `X = value` after `global X`: stored in the module's global, as
    /// `self.x = value` is in the object's attribute (the value's hops
    /// already end with the assignment to the name).
    fn store_global(
        &mut self,
        name: &str,
        value: Taint,
        node: Node<'a>,
        context: &FunctionContext,
    ) {
        if context.id != 0 {
            self.record_store(self.globals_class.clone(), name, value, node, context);
        }
    }

    /// Taint stored in attribute `attr` of `class` by the function.
    fn record_store(
        &mut self,
        class: String,
        attr: &str,
        value: Taint,
        node: Node<'a>,
        context: &FunctionContext,
    ) {
        if value.is_clean() {
            return;
        }
        let span = self.span(node);
        self.file.functions[context.id as usize]
            .self_stores
            .push(SelfStore {
                class,
                attr: attr.to_string(),
                taint: value,
                span,
            });
    }

    pub(super) fn is_self(&self, node: Node<'a>, context: &FunctionContext) -> bool {
        node.kind() == "identifier"
            && context
                .self_name
                .as_deref()
                .is_some_and(|name| name == self.text(node))
    }
}

/// The names the patterns of a `case` clause bind: bare names (`case x`,
/// `[a, *rest]`, `{"k": v, **others}`, `Point(x=px)`) and `as` targets;
/// not class names, keywords, or dotted value patterns (`Color.RED`).
fn pattern_captures(case: Node<'_>) -> Vec<Node<'_>> {
    let mut captures = Vec::new();
    let mut cursor = case.walk();
    for pattern in case.named_children(&mut cursor) {
        if pattern.kind() != "case_pattern" {
            continue;
        }
        crate::facts::walk_tree(pattern, |node| {
            if node.kind() != "identifier" {
                return;
            }
            let Some(parent) = node.parent() else {
                return;
            };
            let captured = match parent.kind() {
                "dotted_name" => {
                    parent.named_child_count() == 1
                        && parent.parent().is_some_and(|p| p.kind() != "class_pattern")
                }
                "splat_pattern" | "as_pattern" | "as_pattern_target" => true,
                _ => false,
            };
            if captured {
                captures.push(node);
            }
        });
    }
    captures
}

/// The (target, value) pairs of an assignment that unpacks a display of
/// as many elements as it has targets (`a, b = x, y`), with no starred
/// element on either side.
fn element_pairs<'a>(assignment: Node<'a>, right: Node<'a>) -> Option<Vec<(Node<'a>, Node<'a>)>> {
    let left = assignment.child_by_field_name("left")?;
    if !matches!(
        left.kind(),
        "pattern_list" | "tuple_pattern" | "list_pattern"
    ) {
        return None;
    }
    let right = match right.kind() {
        "parenthesized_expression" => right.named_child(0)?,
        _ => right,
    };
    if !matches!(right.kind(), "expression_list" | "tuple" | "list") {
        return None;
    }
    let elements = |node: Node<'a>| -> Vec<Node<'a>> {
        let mut cursor = node.walk();
        node.named_children(&mut cursor)
            .filter(|child| child.kind() != "comment")
            .collect()
    };
    let (targets, values) = (elements(left), elements(right));
    let starred = |node: &Node| matches!(node.kind(), "list_splat_pattern" | "list_splat");
    (targets.len() == values.len() && !targets.iter().any(starred) && !values.iter().any(starred))
        .then(|| targets.into_iter().zip(values).collect())
}
