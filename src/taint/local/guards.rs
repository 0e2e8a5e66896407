//! Guards: what a condition proves about variables when it holds (or
//! not), and the helpers that validate a parameter.

use super::*;

impl<'a> Interpreter<'a> {
    pub(super) fn condition_facts(
        &mut self,
        node: Node<'a>,
        positive: bool,
        env: &Env,
        context: &mut FunctionContext,
        depth: usize,
    ) -> Facts {
        let mut facts = Facts::default();
        if depth > MAX_DEPTH {
            return facts;
        }
        match node.kind() {
            "parenthesized_expression" => {
                if let Some(inner) = node.named_child(0) {
                    return self.condition_facts(inner, positive, env, context, depth + 1);
                }
            }
            "not_operator" => {
                if let Some(argument) = node.child_by_field_name("argument") {
                    return self.condition_facts(argument, !positive, env, context, depth + 1);
                }
            }
            "boolean_operator" => {
                let operator = node
                    .child_by_field_name("operator")
                    .map(|o| self.text(o))
                    .unwrap_or("");
                // `a and b` true ⇒ both hold; `a or b` false ⇒ neither holds.
                if (operator == "and") == positive {
                    for side in ["left", "right"] {
                        if let Some(child) = node.child_by_field_name(side) {
                            let more =
                                self.condition_facts(child, positive, env, context, depth + 1);
                            facts.sanitized.extend(more.sanitized);
                            facts.guarded.extend(more.guarded);
                            facts.contained.extend(more.contained);
                            facts.argv_safe.extend(more.argv_safe);
                        }
                    }
                } else if let (Some(left), Some(right)) = (
                    node.child_by_field_name("left"),
                    node.child_by_field_name("right"),
                ) {
                    // `a or b` true (`not a and b` false, as in `if not
                    // contained and path != base: raise`): one of them
                    // holds, so only what both prove.
                    let left_facts = self.condition_facts(left, positive, env, context, depth + 1);
                    let right_facts =
                        self.condition_facts(right, positive, env, context, depth + 1);
                    let mut common = left_facts.clone().common(&right_facts);
                    // `p == base or p.startswith(base + os.sep)`: the base
                    // itself is inside it, whatever `base` holds.
                    for (side, other, other_facts) in
                        [(left, right, &right_facts), (right, left, &left_facts)]
                    {
                        if let Some(name) = self.equals_base_of(side, other, positive)
                            && let Some(entry) =
                                other_facts.contained.iter().find(|(n, _)| n == name)
                            && !common.contained.contains(entry)
                        {
                            common.contained.push(entry.clone());
                        }
                    }
                    return common;
                }
            }
            "comparison_operator" => {
                // `check(x) is not None`, `pattern.fullmatch(x) is None`:
                // the truth of the check itself.
                if let Some((check, truthy)) = self.none_comparison(node) {
                    return self.condition_facts(
                        check,
                        truthy == positive,
                        env,
                        context,
                        depth + 1,
                    );
                }
                self.comparison_facts(node, positive, env, context, &mut facts)
            }
            // `any(p.startswith(base + os.sep) for base in BASES)`: the
            // check holds for one of the bases (`all(...)`: for each).
            "call"
                if positive
                    && node
                        .child_by_field_name("function")
                        .is_some_and(|f| matches!(self.text(f), "any" | "all"))
                    && node
                        .child_by_field_name("arguments")
                        .is_some_and(|a| a.kind() == "generator_expression") =>
            {
                let generator = node.child_by_field_name("arguments");
                if let Some(generator) = generator
                    && let Some(check) = generator.child_by_field_name("body")
                {
                    let mut proved = self.condition_facts(check, true, env, context, depth + 1);
                    // What it proves of the generator's own variables
                    // (`base`) says nothing of the names outside.
                    let mut bound: Vec<&str> = Vec::new();
                    let mut cursor = generator.walk();
                    for clause in generator.named_children(&mut cursor) {
                        if clause.kind() == "for_in_clause"
                            && let Some(left) = clause.child_by_field_name("left")
                        {
                            crate::facts::walk_tree(left, |n| {
                                if n.kind() == "identifier" {
                                    bound.push(self.text(n));
                                }
                            });
                        }
                    }
                    let outside = |name: &String| !bound.contains(&name.as_str());
                    proved.sanitized.retain(|(name, _)| outside(name));
                    proved.guarded.retain(|(name, _)| outside(name));
                    proved.contained.retain(|(name, _)| outside(name));
                    proved.argv_safe.retain(outside);
                    return proved;
                }
            }
            "call" if positive => self.call_facts(node, env, context, &mut facts),
            // `if is_bad(x): raise`: a helper that rejects what it returns
            // false for.
            "call" => self.helper_guards(node, env, true, &mut facts),
            "identifier" if positive => {
                let name = self.text(node);
                if let Some(proved) = self
                    .binding(name, env, context)
                    .and_then(|b| b.check.as_ref())
                {
                    let mut proved = proved.clone();
                    // The match object itself: its groups are parts of a
                    // value the pattern accepted (`m.group(1)`).
                    let mask = proved
                        .sanitized
                        .iter()
                        .fold(RuleMask::NONE, |mask, (_, cleared)| mask.union(*cleared));
                    if !mask.is_empty() {
                        proved.sanitized.push((name.to_string(), mask));
                    }
                    if !proved.argv_safe.is_empty() {
                        proved.argv_safe.push(name.to_string());
                    }
                    return proved;
                }
            }
            _ => {}
        }
        facts
    }

    /// For a comparison that, when it holds as `positive` says, makes a
    /// name equal to a value that `check` (the other side of an `or`) also
    /// spells, as `p == base` does beside `p.startswith(base + os.sep)`:
    /// that name.
    fn equals_base_of(
        &self,
        comparison: Node<'a>,
        check: Node<'a>,
        positive: bool,
    ) -> Option<&'a str> {
        if comparison.kind() != "comparison_operator" {
            return None;
        }
        let (left, operator, right) = self.comparison_parts(comparison)?;
        let equal = match operator.as_str() {
            "==" => positive,
            "!=" => !positive,
            _ => return None,
        };
        let check_text = self.text(check);
        [(left, right), (right, left)]
            .into_iter()
            .find(|(name, base)| {
                equal
                    && name.kind() == "identifier"
                    && matches!(base.kind(), "identifier" | "attribute")
                    && check_text.contains(self.text(*base))
            })
            .map(|(name, _)| self.text(name))
    }

    /// For `<call> is not None` (or `!= None`): the call, and whether the
    /// comparison holds when the call's result is truthy (`is None`: when
    /// it is not).
    fn none_comparison(&self, node: Node<'a>) -> Option<(Node<'a>, bool)> {
        let (left, operator, right) = self.comparison_parts(node)?;
        let check = match (left.kind(), right.kind()) {
            ("call" | "identifier", "none") => left,
            ("none", "call" | "identifier") => right,
            _ => return None,
        };
        let truthy = match operator.as_str() {
            "is" | "==" => false,
            "is not" | "!=" => true,
            _ => return None,
        };
        Some((check, truthy))
    }

    /// `left <operator> right` of a comparison of two operands (the
    /// operator's tokens joined: `is not`, `not in`).
    fn comparison_parts(&self, node: Node<'a>) -> Option<(Node<'a>, String, Node<'a>)> {
        let mut cursor = node.walk();
        let mut operands = node.named_children(&mut cursor);
        let (left, right) = (operands.next()?, operands.next()?);
        if operands.next().is_some() {
            return None;
        }
        let mut cursor = node.walk();
        let operator = node
            .children(&mut cursor)
            .filter(|c| !c.is_named())
            .map(|c| self.text(c))
            .collect::<Vec<_>>()
            .join(" ");
        Some((left, operator, right))
    }

    pub(super) fn comparison_facts(
        &self,
        node: Node<'a>,
        positive: bool,
        env: &Env,
        context: &FunctionContext,
        facts: &mut Facts,
    ) {
        let Some((left, operator, right)) = self.comparison_parts(node) else {
            return;
        };
        let holds = match operator.as_str() {
            "in" | "==" | "is" => positive,
            "not in" | "!=" | "is not" => !positive,
            _ => return,
        };
        if !holds {
            return;
        }
        let trusted = |node: Node<'a>| self.is_trusted_constant(node, env);
        let tested = |node| tested_variable(node).and_then(|node| self.tested_name(node));
        if let Some(left) = tested(left)
            && trusted(right)
        {
            facts.sanitized.push((left, RuleMask::ALL));
        } else if let Some(left) = tested(left)
            && matches!(operator.as_str(), "in" | "not in")
            && right.kind() == "identifier"
            && let Some(container) = self.own_parameter(self.text(right), env, context)
        {
            // `if value not in allowed: raise` in a helper: an allow-list
            // check wherever a caller passes a constant `allowed`.
            facts.sanitized.push((left, RuleMask::in_param(container)));
        } else if let Some(right) = tested(right)
            && trusted(left)
            // `'order' in item` says nothing of what else `item` holds.
            && !matches!(operator.as_str(), "in" | "not in")
        {
            facts.sanitized.push((right, RuleMask::ALL));
        }
        // `os.path.commonpath([base, path]) == base` with a normalised path.
        if matches!(operator.as_str(), "==" | "!=") {
            for (call, _) in [(left, right), (right, left)] {
                if call.kind() != "call" {
                    continue;
                }
                let Some(function) = call.child_by_field_name("function") else {
                    continue;
                };
                if self.imports.resolve(self.text(function)) != "os.path.commonpath" {
                    continue;
                }
                let Some(list) = first_argument(call) else {
                    continue;
                };
                let mut cursor = list.walk();
                for element in list.named_children(&mut cursor) {
                    if let Some((name, normalised)) = self.checked_path(element, env) {
                        facts.contained.push((name, normalised));
                    }
                }
            }
        }
    }

    /// The name a guard proves something of: a variable, or an access
    /// path on one (`volume['fs']`, `volume.fs`).
    fn tested_name(&self, node: Node<'a>) -> Option<String> {
        match node.kind() {
            "identifier" => Some(self.text(node).to_string()),
            _ => self.access_path(node),
        }
    }

    /// The access path an expression reads, when it is a constant key or
    /// an attribute of a variable (`volume['fs']`, `volume.fs`).
    pub(super) fn access_path(&self, node: Node<'a>) -> Option<String> {
        match node.kind() {
            "subscript" => {
                let base = node.child_by_field_name("value")?;
                let key = node.child_by_field_name("subscript")?;
                let key = string_literal(self.source, key)?;
                (base.kind() == "identifier").then(|| format!("{}[{key:?}]", self.text(base)))
            }
            "attribute" => {
                let base = node.child_by_field_name("object")?;
                let attr = node.child_by_field_name("attribute")?;
                (base.kind() == "identifier")
                    .then(|| format!("{}.{}", self.text(base), self.text(attr)))
            }
            _ => None,
        }
    }

    /// Whether a value is a literal, a display of literals or a name that
    /// holds no taint (a module constant, an allow-list).
    pub(super) fn is_trusted_constant(&self, node: Node<'a>, env: &Env) -> bool {
        self.is_trusted_constant_at(node, env, 0)
    }

    pub(super) fn is_trusted_constant_at(&self, node: Node<'a>, env: &Env, depth: usize) -> bool {
        if depth > MAX_DEPTH {
            return false;
        }
        match node.kind() {
            "string" | "integer" | "float" | "true" | "false" | "none" | "concatenated_string" => {
                true
            }
            "tuple" | "list" | "set" => {
                let mut cursor = node.walk();
                node.named_children(&mut cursor)
                    .all(|child| self.is_trusted_constant_at(child, env, depth + 1))
            }
            // `ALLOWED.values()`, `frozenset(ALLOWED)`: views and copies
            // of a constant.
            "call" => {
                let Some(function) = node.child_by_field_name("function") else {
                    return false;
                };
                let arguments: Vec<Node<'a>> = node
                    .child_by_field_name("arguments")
                    .map(|list| {
                        let mut cursor = list.walk();
                        list.named_children(&mut cursor)
                            .filter(|c| c.kind() != "comment")
                            .collect()
                    })
                    .unwrap_or_default();
                match function.kind() {
                    "attribute" => {
                        function
                            .child_by_field_name("attribute")
                            .is_some_and(|a| matches!(self.text(a), "keys" | "values" | "items"))
                            && arguments.is_empty()
                            && function
                                .child_by_field_name("object")
                                .is_some_and(|object| {
                                    self.is_trusted_constant_at(object, env, depth + 1)
                                })
                    }
                    "identifier" => {
                        matches!(
                            self.text(function),
                            "set" | "frozenset" | "tuple" | "list" | "sorted"
                        ) && arguments.len() == 1
                            && self.is_trusted_constant_at(arguments[0], env, depth + 1)
                    }
                    _ => false,
                }
            }
            "identifier" | "attribute" => {
                let text = self.text(node);
                match env.vars.get(text) {
                    Some(taint) => taint.is_clean(),
                    None => {
                        !self.is_written_global(text)
                            && self
                                .globals
                                .vars
                                .get(text)
                                .is_none_or(|taint| taint.is_clean())
                    }
                }
            }
            _ => false,
        }
    }

    pub(super) fn call_facts(
        &mut self,
        node: Node<'a>,
        env: &Env,
        context: &mut FunctionContext,
        facts: &mut Facts,
    ) {
        let Some(function) = node.child_by_field_name("function") else {
            return;
        };
        let arguments: Vec<Node<'a>> = match node.child_by_field_name("arguments") {
            Some(list) => {
                let mut cursor = list.walk();
                list.named_children(&mut cursor)
                    .filter(|c| c.kind() != "comment" && c.kind() != "keyword_argument")
                    .collect()
            }
            None => Vec::new(),
        };
        let ident = |node: Option<&Node<'a>>| {
            node.filter(|n| n.kind() == "identifier")
                .map(|n| self.text(*n).to_string())
        };
        let spelled = self.text(function);
        let resolved = self.imports.resolve(spelled);
        // re.fullmatch(pattern, value) and friends (not `re.compile(p).fullmatch`).
        if let Some(kind) = resolved.strip_prefix("re.")
            && !kind.contains('(')
        {
            if let Some(value) = ident(arguments.get(1)) {
                let pattern = arguments.first().and_then(|p| {
                    string_literal(self.source, *p)
                        .or_else(|| self.regex_constants.get(self.text(*p)).cloned())
                });
                let mask = regex_guard_mask(kind, pattern.as_deref());
                if mask == RuleMask::PATH {
                    facts.argv_safe.push(value.clone());
                }
                if !mask.is_empty() {
                    facts.sanitized.push((value, mask));
                }
            }
            return;
        }
        if function.kind() == "attribute" {
            let method = function
                .child_by_field_name("attribute")
                .map(|a| self.text(a))
                .unwrap_or("");
            let object = function.child_by_field_name("object");
            // PATTERN.fullmatch(value), with PATTERN = re.compile(...).
            if matches!(method, "fullmatch" | "match" | "search")
                && let Some(value) = ident(arguments.first())
            {
                // `NAME_RE.fullmatch(x)`, or `re.compile(r'...').fullmatch(x)` inline.
                let pattern = object.and_then(|o| {
                    self.regex_constants.get(self.text(o)).cloned().or_else(|| {
                        let function = o.child_by_field_name("function")?;
                        (o.kind() == "call"
                            && self.imports.resolve(self.text(function)) == "re.compile")
                            .then(|| first_argument(o).and_then(|p| string_literal(self.source, p)))
                            .flatten()
                    })
                });
                let mask = match pattern {
                    Some(pattern) => regex_guard_mask(method, Some(&pattern)),
                    None if method == "fullmatch" => RuleMask::ALL,
                    None => RuleMask::NONE,
                };
                if mask == RuleMask::PATH {
                    facts.argv_safe.push(value.clone());
                }
                if !mask.is_empty() {
                    facts.sanitized.push((value, mask));
                }
                return;
            }
            // `x.isdigit()`: the shape of `fullmatch(r'\d+', x)`, nothing a
            // shell, an option parser or a path gives meaning to.
            if matches!(
                method,
                "isdigit" | "isdecimal" | "isnumeric" | "isalnum" | "isalpha"
            ) && arguments.is_empty()
                && let Some(tested) = object.and_then(tested_variable)
            {
                facts
                    .sanitized
                    .push((self.text(tested).to_string(), RuleMask::ALL));
                return;
            }
            // A path checked against a base with a separator.
            if matches!(method, "startswith" | "is_relative_to")
                && let Some((name, normalised)) = object.and_then(|o| self.checked_path(o, env))
            {
                let contained = match method {
                    "startswith" => arguments
                        .first()
                        .is_some_and(|a| self.ends_with_separator(*a, env, context)),
                    // `Path.is_relative_to` compares parts: no separator
                    // to forget (the path must still be resolved).
                    _ => true,
                };
                if contained {
                    // `p = os.path.realpath(path)` checked: `path` too.
                    if let Some(original) = self
                        .binding(&name, env, context)
                        .and_then(|b| b.normalises.as_ref())
                    {
                        let original_normalised = env.normalised.contains(original.as_str());
                        facts
                            .contained
                            .push((original.clone(), original_normalised));
                    }
                    facts.contained.push((name, normalised));
                }
                return;
            }
        }
        self.helper_guards(node, env, false, facts);
    }

    /// A validating helper in the scanned sources called on variables: its
    /// summary decides what its result being truthy (or `falsy`) proves.
    fn helper_guards(&self, node: Node<'a>, env: &Env, falsy: bool, facts: &mut Facts) {
        let Some(call) = self.last_call_at(node) else {
            return;
        };
        let Some(list) = node.child_by_field_name("arguments") else {
            return;
        };
        let mut cursor = list.walk();
        let arguments = list
            .named_children(&mut cursor)
            .filter(|c| c.kind() != "comment" && c.kind() != "keyword_argument");
        for (index, argument) in arguments.enumerate() {
            if argument.kind() == "identifier" {
                let guard = Guard {
                    call,
                    argument: index as u16,
                    raising: false,
                    falsy,
                    normalised: env.normalised.contains(self.text(argument)),
                    in_argv: false,
                };
                facts.guarded.push((self.text(argument).to_string(), guard));
            }
        }
    }

    /// The variable a containment check tests, and whether the tested
    /// value is that variable's normalised path: `path` itself, or a
    /// normalisation of it (`os.path.realpath(path)`, `path.resolve()`,
    /// `Path(path).resolve()`), which is the variable's own value only
    /// when the variable already holds a normalised path.
    pub(super) fn checked_path(&self, node: Node<'a>, env: &Env) -> Option<(String, bool)> {
        let operand = match node.kind() {
            "identifier" => node,
            "call" => {
                let function = node.child_by_field_name("function")?;
                let resolved = self.imports.resolve(self.text(function));
                // `str(p)`, `os.fspath(p)`: the path `p` as a string.
                if is_path_normaliser(&resolved) || is_path_to_string(&resolved) {
                    first_argument(node)?
                } else if function.kind() == "attribute"
                    && matches!(
                        function
                            .child_by_field_name("attribute")
                            .map(|a| self.text(a)),
                        Some("resolve" | "absolute")
                    )
                {
                    let object = function.child_by_field_name("object")?;
                    match object.kind() {
                        "call" => first_argument(object)?,
                        _ => object,
                    }
                } else {
                    return None;
                }
            }
            _ => return None,
        };
        if operand.kind() != "identifier" {
            return None;
        }
        let name = self.text(operand);
        Some((name.to_string(), env.normalised.contains(name)))
    }

    /// The call site recorded for this call node, if it was deferred.
    pub(super) fn last_call_at(&self, node: Node<'a>) -> Option<CallId> {
        self.call_by_node.get(&node.id()).copied()
    }

    /// `base + os.sep`, `base + '/'`, `os.path.join(base, '')`, `f"{base}/"`,
    /// `f"{base}{os.sep}"`, or a name holding one of them.
    pub(super) fn ends_with_separator(
        &self,
        node: Node<'a>,
        env: &Env,
        context: &FunctionContext,
    ) -> bool {
        let mut node = node;
        while node.kind() == "parenthesized_expression"
            && let Some(inner) = node.named_child(0)
        {
            node = inner;
        }
        match node.kind() {
            "identifier" => self
                .binding(self.text(node), env, context)
                .is_some_and(|b| b.separated),

            "binary_operator" => node.child_by_field_name("right").is_some_and(|right| {
                let text = self.text(right);
                self.imports.resolve(text) == "os.sep"
                    || string_literal(self.source, right).is_some_and(|s| s.ends_with('/'))
            }),
            "string" => {
                let text = self.text(node).trim_end_matches(['"', '\'']);
                text.ends_with('/')
                    || text.strip_suffix('}').is_some_and(|head| {
                        head.rsplit_once('{')
                            .is_some_and(|(_, last)| self.imports.resolve(last.trim()) == "os.sep")
                    })
            }
            "call" => {
                let Some(function) = node.child_by_field_name("function") else {
                    return false;
                };
                self.imports.resolve(self.text(function)) == "os.path.join"
                    && node
                        .child_by_field_name("arguments")
                        .and_then(|a| {
                            let mut cursor = a.walk();
                            a.named_children(&mut cursor).last()
                        })
                        .and_then(|last| string_literal(self.source, last))
                        .is_some_and(|s| s.is_empty())
            }
            _ => false,
        }
    }

    /// The parameters whose taint a guard cleared in `env`, with the rules
    /// it cleared.
    fn params_proved(&self, env: &Env, context: &FunctionContext) -> Vec<(u16, RuleMask)> {
        let mut proved = Vec::new();
        for (index, name) in context.params.iter().enumerate() {
            let atom = Atom::Param {
                function: context.id,
                index: index as u16,
            };
            let (Some(&atom), Some(taint)) =
                (self.atom_ids.get(&atom), env.vars.get(name.as_str()))
            else {
                continue;
            };
            let left = taint
                .entries
                .iter()
                .filter(|entry| entry.atom == atom)
                .fold(RuleMask::NONE, |mask, entry| mask.union(entry.mask));
            let mut cleared = RuleMask::ALL.without(left);
            // A parameter the helper normalised itself was checked as a
            // normalised copy: the caller's raw value was not.
            if env.normalised.contains(name.as_str()) && cleared.contains(RuleMask::PATH) {
                cleared = cleared.without(RuleMask::PATH).union(RuleMask::CONTAINED);
            }
            if !cleared.is_empty() {
                proved.push((index as u16, cleared));
            }
        }
        proved
    }

    /// A `return <check on a parameter>` makes the function a validator.
    pub(super) fn note_validator_return(
        &mut self,
        value: Option<Node<'a>>,
        env: &Env,
        context: &mut FunctionContext,
        depth: usize,
    ) {
        if context.id == 0 {
            return;
        }
        let Some(value) = value else {
            return;
        };
        let falsy_literal = matches!(value.kind(), "false" | "none");
        let truthy_literal = value.kind() == "true";
        // What returning a falsy value proves (for `rejects`): a literal
        // `False` under a check, or a check that is false.
        let rejected: Vec<(u16, RuleMask)> = if falsy_literal {
            self.params_proved(env, context)
        } else if truthy_literal {
            Vec::new()
        } else {
            let facts = self.condition_facts(value, false, env, context, depth);
            facts.on_params(&context.params)
        };
        if !truthy_literal {
            context.rejects = Some(intersect_proofs(context.rejects.take(), rejected));
        }
        if falsy_literal {
            return;
        }
        let found: Vec<(u16, RuleMask)> = if value.kind() == "true" {
            // `if <check on x>: return True`: the branch's environment
            // holds what the check proved.
            self.params_proved(env, context)
        } else {
            let value = if value.kind() == "call"
                && value
                    .child_by_field_name("function")
                    .is_some_and(|f| self.text(f) == "bool")
            {
                match first_argument(value) {
                    Some(inner) => inner,
                    None => return,
                }
            } else {
                value
            };
            let facts = self.condition_facts(value, true, env, context, depth);
            facts.on_params(&context.params)
        };
        context.validates = Some(intersect_proofs(context.validates.take(), found));
    }
}

/// The variable an operand of a check tests: a name, or the target of an
/// assignment expression (`(opt := share.get('opt')) not in ALLOWED`).
fn tested_variable(operand: Node) -> Option<Node> {
    let mut node = operand;
    // Bounded: hostile input may nest parentheses without end.
    for _ in 0..16 {
        match node.kind() {
            "identifier" | "subscript" | "attribute" => return Some(node),
            "parenthesized_expression" => node = node.named_child(0)?,
            "named_expression" => node = node.child_by_field_name("name")?,
            _ => return None,
        }
    }
    None
}

/// What two sets of proofs about parameters both prove (the first `None`:
/// nothing seen yet).
fn intersect_proofs(
    previous: Option<Vec<(u16, RuleMask)>>,
    found: Vec<(u16, RuleMask)>,
) -> Vec<(u16, RuleMask)> {
    match previous {
        None => found,
        Some(previous) => previous
            .into_iter()
            .filter_map(|(p, m)| {
                found
                    .iter()
                    .find(|(q, _)| *q == p)
                    .map(|(_, n)| (p, m.intersect(*n)))
            })
            .filter(|(_, m)| !m.is_empty())
            .collect(),
    }
}
