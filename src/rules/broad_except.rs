//! MG003 broad-except: handlers that catch `Exception`, `BaseException` or
//! everything, graded by what the handler does with what it caught.

use crate::syntax::Node;

use crate::facts::{walk_tree, walk_tree_pruned};
use crate::finding::{Finding, Severity, normalise_snippet};
use crate::parse::SourceFile;
use crate::rules::{BROAD_EXCEPT, meta};
use rustc_hash::FxHashMap as HashMap;

/// What a broad handler catches.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Caught {
    /// `except:`.
    Bare,
    /// `except Exception` / `except BaseException` (spelled as in the source).
    Direct { name: String, base: bool },
    /// A tuple holding a broad class somewhere inside.
    Tuple {
        tuple: String,
        name: String,
        base: bool,
        /// Whether it also names specific classes: those the handler is for.
        specific: bool,
    },
}

/// What the handler does with the exception, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    /// `raise`, `raise e`, `raise X from e`, `save_and_reraise_exception()`.
    Reraises,
    /// `raise X(...)` without `from`: the cause chain is lost.
    RaisesNew,
    /// Raises on some paths only (`if not ignore_failure: raise`).
    SometimesSwallows,
    Swallows,
}

/// How the statements of a block end, over all their paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Exit {
    /// Every path raises.
    Raises,
    /// Some path runs on to what follows; none leaves without raising.
    FallsThrough,
    /// Some path leaves the handler without raising (`return`, `break`,
    /// `continue`).
    Escapes,
}

/// Nesting beyond which a block is taken to fall through: the analysis
/// recurses over nested statements and must stay bounded on hostile input.
const MAX_EXIT_DEPTH: usize = 48;

/// How a block ends (see `Exit`).
fn block_exit(source: &SourceFile, block: Node, depth: usize) -> Exit {
    if depth > MAX_EXIT_DEPTH {
        return Exit::FallsThrough;
    }
    let mut cursor = block.walk();
    for statement in block.named_children(&mut cursor) {
        match statement_exit(source, statement, depth + 1) {
            Exit::FallsThrough => {}
            decided => return decided,
        }
    }
    Exit::FallsThrough
}

fn statement_exit(source: &SourceFile, statement: Node, depth: usize) -> Exit {
    match statement.kind() {
        "raise_statement" => Exit::Raises,
        "return_statement" | "break_statement" | "continue_statement" => Exit::Escapes,
        "expression_statement" => {
            let reraises = statement.named_child(0).is_some_and(|call| {
                call.kind() == "call"
                    && callee_last(source, call).is_some_and(|name| {
                        name.contains("reraise") && name != "save_and_reraise_exception"
                    })
            });
            if reraises {
                Exit::Raises
            } else {
                Exit::FallsThrough
            }
        }
        // Alternatives: every path takes one of the blocks, or none when
        // no `else` / catch-all case exists.
        "if_statement" | "match_statement" => {
            let (branches, exhaustive) = match statement.kind() {
                "if_statement" => if_branches(statement),
                _ => match_cases(statement),
            };
            combine(
                branches
                    .into_iter()
                    .map(|branch| block_exit(source, branch, depth + 1)),
                exhaustive,
            )
        }
        "with_statement" => {
            let Some(body) = statement.child_by_field_name("body") else {
                return Exit::FallsThrough;
            };
            match save_and_reraise_flag(source, statement) {
                Some(reraise) => match saved_block_exit(source, body, reraise, depth + 1) {
                    (Exit::FallsThrough, true) => Exit::Raises,
                    (exit, _) => exit,
                },
                None => block_exit(source, body, depth + 1),
            }
        }
        "try_statement" => {
            let mut body = Exit::FallsThrough;
            let mut handlers = Vec::new();
            let mut finally = Exit::FallsThrough;
            let mut cursor = statement.walk();
            for child in statement.named_children(&mut cursor) {
                match child.kind() {
                    "block" => body = block_exit(source, child, depth + 1),
                    "except_clause" | "except_group_clause" | "else_clause" => handlers.extend(
                        blocks_of(child)
                            .into_iter()
                            .map(|b| block_exit(source, b, depth + 1)),
                    ),
                    "finally_clause" => {
                        if let Some(block) = blocks_of(child).first() {
                            finally = block_exit(source, *block, depth + 1);
                        }
                    }
                    _ => {}
                }
            }
            if finally != Exit::FallsThrough {
                finally
            } else {
                combine(std::iter::once(body).chain(handlers), true)
            }
        }
        // A loop may run its body any number of times: only a `return`
        // in it leaves the handler.
        "for_statement" | "while_statement" => {
            if contains_return(statement) {
                Exit::Escapes
            } else {
                Exit::FallsThrough
            }
        }
        _ => Exit::FallsThrough,
    }
}

/// The blocks of an `if` statement's branches (`if`, `elif`s, `else`), and
/// whether it has an `else`.
fn if_branches(statement: Node) -> (Vec<Node>, bool) {
    let mut branches: Vec<Node> = statement
        .child_by_field_name("consequence")
        .into_iter()
        .collect();
    let mut has_else = false;
    let mut cursor = statement.walk();
    for alternative in statement.children_by_field_name("alternative", &mut cursor) {
        has_else |= alternative.kind() == "else_clause";
        branches.extend(match alternative.kind() {
            "elif_clause" => alternative.child_by_field_name("consequence"),
            _ => alternative.child_by_field_name("body"),
        });
    }
    (branches, has_else)
}

/// The blocks of a `match` statement's cases, and whether some case
/// matches whatever is left (`case _:` or a bare capture like `case other:`,
/// without a guard).
fn match_cases(statement: Node) -> (Vec<Node>, bool) {
    let mut blocks = Vec::new();
    let mut exhaustive = false;
    let Some(body) = statement.child_by_field_name("body") else {
        return (blocks, false);
    };
    let mut cursor = body.walk();
    for case in body.named_children(&mut cursor) {
        if case.kind() != "case_clause" {
            continue;
        }
        let mut patterns = case.walk();
        let patterns: Vec<Node> = case
            .named_children(&mut patterns)
            .filter(|child| child.kind() == "case_pattern")
            .collect();
        let irrefutable = |pattern: &Node| match pattern.named_child(0) {
            None => true,
            Some(name) => name.kind() == "dotted_name" && name.named_child_count() == 1,
        };
        if case.child_by_field_name("guard").is_none()
            && patterns.len() == 1
            && patterns.iter().all(irrefutable)
        {
            exhaustive = true;
        }
        blocks.extend(case.child_by_field_name("consequence"));
    }
    (blocks, exhaustive)
}

/// The `block` children of a clause (`except:`, `else:`, `finally:`).
fn blocks_of(node: Node) -> Vec<Node> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor)
        .filter(|child| child.kind() == "block")
        .collect()
}

/// How a choice between alternatives ends; without an `else`, the path
/// that takes none of them falls through.
fn combine(alternatives: impl Iterator<Item = Exit>, exhaustive: bool) -> Exit {
    let mut all_raise = exhaustive;
    for exit in alternatives {
        match exit {
            Exit::Escapes => return Exit::Escapes,
            Exit::FallsThrough => all_raise = false,
            Exit::Raises => {}
        }
    }
    if all_raise {
        Exit::Raises
    } else {
        Exit::FallsThrough
    }
}

/// For `with excutils.save_and_reraise_exception() as ctxt:`, whether the
/// context re-raises when the block is left as it starts: yes unless given
/// `reraise=` (other than `reraise=True`). `None` for any other `with`.
fn save_and_reraise_flag(source: &SourceFile, with: Node) -> Option<bool> {
    let mut flag = None;
    let mut cursor = with.walk();
    for child in with.named_children(&mut cursor) {
        if child.kind() != "with_clause" {
            continue;
        }
        walk_tree_pruned(child, |node| {
            if node.kind() == "call"
                && callee_last(source, node) == Some("save_and_reraise_exception")
            {
                let text = source.node_text(node).replace([' ', '\n'], "");
                flag = Some(!text.contains("reraise=") || text.contains("reraise=True"));
                return false;
            }
            true
        });
    }
    flag
}

/// `ctxt.reraise = True` (`Some(true)`), `= False` or any other value
/// (`Some(false)`: it may switch re-raising off); `None` for other statements.
fn reraise_assignment(source: &SourceFile, statement: Node) -> Option<bool> {
    let assignment = statement
        .named_child(0)
        .filter(|_| statement.kind() == "expression_statement")
        .filter(|node| node.kind() == "assignment")?;
    let left = assignment.child_by_field_name("left")?;
    if !source.node_text(left).ends_with(".reraise") {
        return None;
    }
    Some(
        assignment
            .child_by_field_name("right")
            .is_some_and(|right| right.kind() == "true"),
    )
}

/// How a block in the body of `with save_and_reraise_exception()` ends,
/// given whether the context re-raises on entry (`reraise`): leaving the
/// `with` while re-raising is on raises, and `ctxt.reraise = ...` switches
/// it, path by path through `if`s. Also whether re-raising is on where the
/// block falls through.
fn saved_block_exit(source: &SourceFile, block: Node, reraise: bool, depth: usize) -> (Exit, bool) {
    if depth > MAX_EXIT_DEPTH {
        return (Exit::FallsThrough, false);
    }
    let mut reraise = reraise;
    let leave = |reraise: bool| if reraise { Exit::Raises } else { Exit::Escapes };
    let mut cursor = block.walk();
    for statement in block.named_children(&mut cursor) {
        if let Some(switched) = reraise_assignment(source, statement) {
            reraise = switched;
            continue;
        }
        match statement.kind() {
            "raise_statement" => return (Exit::Raises, reraise),
            "return_statement" | "break_statement" | "continue_statement" => {
                return (leave(reraise), reraise);
            }
            "if_statement" => {
                let (branches, has_else) = if_branches(statement);
                let mut exits: Vec<(Exit, bool)> = branches
                    .into_iter()
                    .map(|branch| saved_block_exit(source, branch, reraise, depth + 1))
                    .collect();
                if !has_else {
                    exits.push((Exit::FallsThrough, reraise));
                }
                if exits.iter().any(|(exit, _)| *exit == Exit::Escapes) {
                    return (Exit::Escapes, false);
                }
                let falling: Vec<bool> = exits
                    .iter()
                    .filter(|(exit, _)| *exit == Exit::FallsThrough)
                    .map(|(_, flag)| *flag)
                    .collect();
                if falling.is_empty() {
                    return (Exit::Raises, reraise);
                }
                reraise = falling.iter().all(|flag| *flag);
            }
            _ => {
                // Other statements are not followed path by path: one that
                // switches re-raising anywhere inside may switch it off.
                let mut switches = false;
                walk_tree_pruned(statement, |node| {
                    switches |= reraise_assignment(source, node).is_some();
                    !switches
                });
                reraise &= !switches;
                match statement_exit(source, statement, depth + 1) {
                    Exit::FallsThrough => {}
                    Exit::Raises => return (Exit::Raises, reraise),
                    Exit::Escapes => return (leave(reraise), reraise),
                }
            }
        }
    }
    (Exit::FallsThrough, reraise)
}

/// Checks the `except` clauses of a file, each with the names of its
/// enclosing classes and functions (`facts::Outline`).
pub fn check(
    source: &SourceFile,
    root: Node,
    except_clauses: &[(Node, Vec<&str>)],
) -> Vec<Finding> {
    if except_clauses.is_empty() {
        return Vec::new();
    }
    let constants = module_tuples(source, root);
    except_clauses
        .iter()
        .filter_map(|(clause, scope)| check_handler(source, *clause, scope, &constants))
        .collect()
}

/// The module-level names bound to a tuple or list display
/// (`RETRYABLE = (OSError, Exception)`): `except RETRYABLE:` catches what
/// the display lists. A name bound more than once is left out.
fn module_tuples<'t>(source: &'t SourceFile, root: Node<'t>) -> HashMap<&'t str, Node<'t>> {
    let mut tuples = HashMap::default();
    let mut rebound = Vec::new();
    for (left, right) in crate::facts::module_assignments(root) {
        let name = source.node_text(left);
        if matches!(right.kind(), "tuple" | "list" | "parenthesized_expression")
            && tuples.insert(name, right).is_some()
        {
            rebound.push(name);
        }
    }
    for name in rebound {
        tuples.remove(name);
    }
    tuples
}

fn check_handler(
    source: &SourceFile,
    clause: Node,
    scope: &[&str],
    constants: &HashMap<&str, Node>,
) -> Option<Finding> {
    let star = {
        let mut cursor = clause.walk();
        clause
            .children(&mut cursor)
            .any(|child| child.kind() == "*")
    };
    let (type_node, alias) = except_type(source, clause);
    let caught = match type_node {
        None => Caught::Bare,
        Some(type_node) => classify_type(source, type_node, constants)?,
    };
    let body = handler_body(clause);
    let (mut outcome, raises_new) = body.map_or((Outcome::Swallows, false), |body| {
        handler_outcome(source, body, alias.as_deref(), 0)
    });
    // A raise under a condition (`if not ignore: raise`) leaves paths on
    // which the handler swallows the exception.
    if outcome != Outcome::Swallows
        && body.is_some_and(|body| block_exit(source, body, 0) != Exit::Raises)
    {
        outcome = Outcome::SometimesSwallows;
    }

    // The primary span is the clause head, `except ...:`, so the finding
    // sits on the `except` line even when the handler is long.
    let head_end = {
        let mut cursor = clause.walk();
        let colon = clause.children(&mut cursor).find(|n| n.kind() == ":");
        let mut cursor = clause.walk();
        colon
            .map(|colon| colon.end_byte())
            .or_else(|| {
                clause
                    .children_by_field_name("value", &mut cursor)
                    .last()
                    .map(|v| v.end_byte())
            })
            .unwrap_or_else(|| clause.start_byte() + "except".len())
    };
    let location = source.location(clause.start_byte(), head_end);
    let snippet = normalise_snippet(
        source
            .text
            .get(clause.start_byte()..head_end)
            .unwrap_or_default(),
    );

    let keyword = if star { "except*" } else { "except" };
    let what = match &caught {
        Caught::Bare => {
            "bare `except:` catches everything, `KeyboardInterrupt` and `SystemExit` included"
                .to_string()
        }
        Caught::Direct { name, base } => format!(
            "`{keyword} {name}` catches every exception{}",
            if *base {
                ", `KeyboardInterrupt` and `SystemExit` included"
            } else {
                ""
            }
        ),
        Caught::Tuple {
            tuple, name, base, ..
        } => format!(
            "`{keyword} {tuple}` catches every exception through `{name}`{}",
            if *base {
                ", `KeyboardInterrupt` and `SystemExit` included"
            } else {
                ""
            }
        ),
    };
    let (severity, message) = match outcome {
        Outcome::Swallows => (
            Severity::Warning,
            format!(
                "{what}, and the handler swallows it; narrow it to the exceptions this handler is written for"
            ),
        ),
        Outcome::Reraises if raises_new => (
            Severity::Note,
            format!(
                "{what}, only to clean up and raise again, but one path raises a new exception without `from` (or `from None`), so the original traceback is lost there; narrow it to the exceptions the cleanup is for, and chain with `raise ... from`"
            ),
        ),
        Outcome::Reraises => (
            Severity::Note,
            format!(
                "{what}, only to clean up and re-raise it; narrow it to the exceptions the cleanup is for"
            ),
        ),
        // The SPEC's warning is for a handler without any `raise`; this one
        // raises on some paths: a note, whose message says what it misses.
        Outcome::SometimesSwallows => (
            Severity::Note,
            format!(
                "{what}, and the handler swallows it on some paths (it raises only under some conditions); narrow it to the exceptions this handler is written for"
            ),
        ),
        Outcome::RaisesNew => (
            Severity::Note,
            format!(
                "{what}, and the handler raises a new exception without `from` (or `from None`), so the original traceback is lost; narrow it, and chain with `raise ... from`"
            ),
        ),
    };
    let help = match (&caught, command_call(source, clause)) {
        // The tuple names what the handler is for besides the broad class.
        (Caught::Tuple { name, specific, .. }, _) if *specific => {
            format!("drop `{name}` from the tuple: the other exceptions it lists are the ones this handler is written for")
        }
        (_, Some(callee)) => format!(
            "the `try` body runs a command with `{callee}`: catch `{}.ProcessExecutionError`, which it raises when the command fails",
            processutils_alias(&source.text)
        ),
        (_, None) if caught == Caught::Bare => {
            "catch the specific exceptions the handler is written for (at the very least `except Exception:`, which lets `KeyboardInterrupt` and `SystemExit` through)".to_string()
        }
        (_, None) => meta(BROAD_EXCEPT).help.to_string(),
    };
    let rule = meta(BROAD_EXCEPT);
    Some(Finding {
        code: rule.code,
        rule: rule.slug,
        severity,
        location,
        message,
        labels: Vec::new(),
        trace: Vec::new(),
        help: Some(help),
        context: scope.join("."),
        snippet,
    })
}

/// The exception type of an `except` clause (none for a bare `except:`)
/// and the name it binds. `except T as e` wraps the type in an
/// `as_pattern`; Python 2's `except T, e` gives two values.
fn except_type<'t>(source: &SourceFile, clause: Node<'t>) -> (Option<Node<'t>>, Option<String>) {
    let mut cursor = clause.walk();
    let values: Vec<Node> = clause
        .children_by_field_name("value", &mut cursor)
        .collect();
    match values.first() {
        None => (None, None),
        Some(first) if first.kind() == "as_pattern" => {
            let alias = first
                .child_by_field_name("alias")
                .and_then(|target| target.named_child(0))
                .filter(|n| n.kind() == "identifier")
                .map(|n| source.node_text(n).to_string());
            (first.named_child(0), alias)
        }
        Some(first) => {
            let alias = values
                .get(1)
                .filter(|n| n.kind() == "identifier")
                .map(|n| source.node_text(*n).to_string());
            (Some(*first), alias)
        }
    }
}

/// Whether an exception type expression is broad, flattening nested tuples.
fn classify_type(
    source: &SourceFile,
    type_node: Node,
    constants: &HashMap<&str, Node>,
) -> Option<Caught> {
    let mut pending = vec![type_node];
    // Each module tuple is expanded once: two may name each other.
    let mut expanded = Vec::new();
    let mut found: Option<(String, bool)> = None;
    let mut specific = false;
    while let Some(node) = pending.pop() {
        match node.kind() {
            "tuple" | "parenthesized_expression" | "expression_list" => {
                let mut cursor = node.walk();
                pending.extend(node.named_children(&mut cursor));
            }
            "identifier"
                if constants
                    .get(source.node_text(node))
                    .is_some_and(|_| !expanded.contains(&node.id())) =>
            {
                expanded.push(node.id());
                if let Some(&tuple) = constants.get(source.node_text(node)) {
                    if expanded.contains(&tuple.id()) {
                        continue;
                    }
                    expanded.push(tuple.id());
                    pending.push(tuple);
                }
            }
            "identifier" | "attribute" => {
                let name = normalise_snippet(source.node_text(node)).replace(' ', "");
                let (prefix, last) = match name.rsplit_once('.') {
                    Some((prefix, last)) => (prefix, last),
                    None => ("", name.as_str()),
                };
                let builtin = matches!(prefix, "" | "builtins" | "__builtin__" | "exceptions");
                let base = last == "BaseException";
                if builtin && (base || last == "Exception") {
                    // Report the broadest class the tuple holds.
                    if found.as_ref().is_none_or(|(_, b)| base && !b) {
                        found = Some((name.clone(), base));
                    }
                } else {
                    specific = true;
                }
            }
            _ => {}
        }
    }
    let (name, base) = found?;
    let mut unwrapped = type_node;
    while unwrapped.kind() == "parenthesized_expression" && unwrapped.named_child_count() == 1 {
        match unwrapped.named_child(0) {
            Some(inner) => unwrapped = inner,
            None => break,
        }
    }
    if matches!(unwrapped.kind(), "identifier" | "attribute") && expanded.is_empty() {
        Some(Caught::Direct { name, base })
    } else {
        let mut tuple = text_without_comments(source, type_node);
        if tuple.chars().count() > 60 {
            tuple = tuple.chars().take(57).collect::<String>() + "...";
        }
        Some(Caught::Tuple {
            tuple,
            name,
            base,
            specific,
        })
    }
}

/// A node's text on one line, without the comments inside it (a tuple of
/// exception classes written over several lines may carry some).
fn text_without_comments(source: &SourceFile, node: Node) -> String {
    let mut text = String::new();
    let mut from = node.start_byte();
    walk_tree(node, |inner| {
        if inner.kind() == "comment" {
            text.push_str(
                source
                    .text
                    .get(from..inner.start_byte())
                    .unwrap_or_default(),
            );
            text.push(' ');
            from = inner.end_byte();
        }
    });
    text.push_str(source.text.get(from..node.end_byte()).unwrap_or_default());
    normalise_snippet(&text)
        .replace("( ", "(")
        .replace(" )", ")")
}

/// What the handler body does with the exception. Raises inside nested
/// handlers re-raise *their* exception, and code in nested functions,
/// lambdas and classes does not run as part of the handler: both are skipped.
/// Also whether some `raise` in it raises a new exception without `from`
/// (the traceback is lost on that path, whatever the others do).
fn handler_outcome(
    source: &SourceFile,
    body: Node,
    alias: Option<&str>,
    depth: usize,
) -> (Outcome, bool) {
    let mut outcome = Outcome::Swallows;
    let mut raises_new = false;
    walk_tree_pruned(body, |node| match node.kind() {
        "function_definition"
        | "lambda"
        | "class_definition"
        | "except_clause"
        | "except_group_clause" => false,
        // A nested `try` whose `finally` returns cancels every raise in it.
        "try_statement" => !finally_returns(node),
        // A raise in the body of a nested `try` that catches everything
        // never leaves the handler.
        "block"
            if node.parent().is_some_and(|parent| {
                parent.kind() == "try_statement"
                    && parent.child_by_field_name("body").map(|b| b.id()) == Some(node.id())
                    && catches_everything(source, parent, depth)
            }) =>
        {
            false
        }
        "raise_statement" => {
            let raised = node.named_child(0).filter(|n| {
                node.child_by_field_name("cause")
                    .is_none_or(|cause| cause.id() != n.id())
            });
            let cause = node.child_by_field_name("cause");
            let this = match raised {
                None => Outcome::Reraises,
                // `from None` drops the original on purpose: lost as without `from`.
                Some(_) if cause.is_some_and(|c| c.kind() == "none") => Outcome::RaisesNew,
                Some(_) if cause.is_some() => Outcome::Reraises,
                Some(raised) if is_caught_exception(source, raised, alias) => Outcome::Reraises,
                Some(_) => Outcome::RaisesNew,
            };
            raises_new |= this == Outcome::RaisesNew;
            outcome = outcome.min(this);
            false
        }
        "with_item" => {
            let value = node.child_by_field_name("value");
            let call = value.map(|v| {
                if v.kind() == "as_pattern" {
                    v.named_child(0).unwrap_or(v)
                } else {
                    v
                }
            });
            if let Some(call) = call.filter(|c| c.kind() == "call")
                && callee_last(source, call) == Some("save_and_reraise_exception")
                && !source
                    .node_text(call)
                    .replace(' ', "")
                    .contains("reraise=False")
            {
                outcome = Outcome::Reraises;
            }
            true
        }
        // `ctxt.reraise = True` in `save_and_reraise_exception()`.
        "expression_statement" if reraise_assignment(source, node) == Some(true) => {
            outcome = Outcome::Reraises;
            true
        }
        "call" => {
            // `six.reraise(*sys.exc_info())`, and helpers named for what
            // they do (`_reraise_translated_exception()`).
            // `save_and_reraise_exception` only counts as a `with` item.
            if callee_last(source, node).is_some_and(|name| {
                name.contains("reraise") && name != "save_and_reraise_exception"
            }) {
                outcome = Outcome::Reraises;
            }
            true
        }
        _ => true,
    });
    (outcome, raises_new)
}

/// Whether a `try` statement has a handler that takes every exception
/// (bare, or `Exception`/`BaseException`, alone or in a tuple) and
/// swallows it, as `handler_outcome` judges a handler: a raise in the
/// `try` body ends there. Beyond `MAX_EXIT_DEPTH` nested handlers (hostile
/// input), the raise is taken to leave.
fn catches_everything(source: &SourceFile, try_statement: Node, depth: usize) -> bool {
    if depth >= MAX_EXIT_DEPTH {
        return false;
    }
    let mut cursor = try_statement.walk();
    let clauses: Vec<Node> = try_statement.named_children(&mut cursor).collect();
    clauses.into_iter().any(|clause| {
        if clause.kind() != "except_clause" {
            return false;
        }
        let (type_node, alias) = except_type(source, clause);
        let broad = type_node.is_none_or(|type_node| {
            classify_type(source, type_node, &HashMap::default()).is_some()
        });
        broad
            && handler_body(clause).is_none_or(|body| {
                handler_outcome(source, body, alias.as_deref(), depth + 1).0 == Outcome::Swallows
            })
    })
}

/// The block of an `except` clause.
fn handler_body(clause: Node) -> Option<Node> {
    let mut cursor = clause.walk();
    clause
        .named_children(&mut cursor)
        .find(|n| n.kind() == "block")
}

/// Whether a `try` statement's `finally` clause returns (which cancels an
/// exception in flight).
fn finally_returns(try_statement: Node) -> bool {
    let mut cursor = try_statement.walk();
    let clauses: Vec<Node> = try_statement.named_children(&mut cursor).collect();
    clauses
        .into_iter()
        .filter(|clause| clause.kind() == "finally_clause")
        .any(contains_return)
}

/// Whether code has a `return` outside nested definitions.
fn contains_return(code: Node) -> bool {
    any_outside_definitions(code, |node| node.kind() == "return_statement")
}

/// Whether some node of `code` outside nested functions, lambdas and
/// classes (code that runs elsewhere) is `wanted`.
fn any_outside_definitions(code: Node, mut wanted: impl FnMut(Node) -> bool) -> bool {
    let mut found = false;
    walk_tree_pruned(code, |node| match node.kind() {
        _ if found => false,
        "function_definition" | "lambda" | "class_definition" => false,
        _ => {
            found = wanted(node);
            !found
        }
    });
    found
}

/// Whether a raised expression is the caught exception itself: `e`, or
/// `e.with_traceback(...)` (the same exception, its traceback kept).
fn is_caught_exception(source: &SourceFile, raised: Node, alias: Option<&str>) -> bool {
    let Some(alias) = alias else {
        return false;
    };
    let is_alias = |node: Node| node.kind() == "identifier" && source.node_text(node) == alias;
    if is_alias(raised) {
        return true;
    }
    raised.kind() == "call"
        && raised
            .child_by_field_name("function")
            .filter(|function| function.kind() == "attribute")
            .is_some_and(|function| {
                function
                    .child_by_field_name("attribute")
                    .is_some_and(|name| source.node_text(name) == "with_traceback")
                    && function.child_by_field_name("object").is_some_and(is_alias)
            })
}

/// The last dotted segment of a call's callee (`execute` for `utils.execute(...)`).
fn callee_last<'s>(source: &'s SourceFile, call: Node) -> Option<&'s str> {
    let function = call.child_by_field_name("function")?;
    match function.kind() {
        "identifier" => Some(source.node_text(function)),
        "attribute" => function
            .child_by_field_name("attribute")
            .map(|a| source.node_text(a)),
        _ => None,
    }
}

/// The command-running call (`utils.execute`, `processutils.execute`,
/// `self._execute`, `trycmd`) in the `try` body guarded by this handler, if any.
/// How the file spells oslo.concurrency's `processutils` module
/// (`from oslo_concurrency import processutils as putils` gives `putils`).
fn processutils_alias(text: &str) -> &str {
    text.match_indices("import processutils as ")
        .find_map(|(at, found)| {
            let rest = &text[at + found.len()..];
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            (end > 0).then(|| &rest[..end])
        })
        .unwrap_or("processutils")
}

fn command_call(source: &SourceFile, clause: Node) -> Option<String> {
    let try_statement = clause.parent().filter(|p| p.kind() == "try_statement")?;
    // An earlier clause of the same `try` already catches it: suggesting
    // it again would contradict the code.
    let mut cursor = try_statement.walk();
    let caught_earlier = try_statement
        .named_children(&mut cursor)
        .take_while(|sibling| sibling.id() != clause.id())
        .any(|sibling| {
            sibling.kind() == "except_clause"
                && except_type(source, sibling).0.is_some_and(|caught| {
                    source.node_text(caught).contains("ProcessExecutionError")
                })
        });
    if caught_earlier {
        return None;
    }
    let body = try_statement.child_by_field_name("body")?;
    let mut found = None;
    walk_tree_pruned(body, |node| {
        if found.is_some() {
            return false;
        }
        match node.kind() {
            "function_definition" | "lambda" | "class_definition" => false,
            "call" => {
                if matches!(
                    callee_last(source, node),
                    Some("execute" | "_execute" | "trycmd")
                ) && let Some(function) = node.child_by_field_name("function")
                {
                    found = Some(normalise_snippet(source.node_text(function)).replace(' ', ""));
                }
                true
            }
            _ => true,
        }
    });
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_python;
    use crate::syntax::SyntaxTree;

    /// The findings in `code`, its `except` clauses found as `extract`
    /// finds them.
    pub(super) fn findings_of(code: &str) -> Vec<Finding> {
        let source = SourceFile::new("t.py".into(), code.into());
        let tree = SyntaxTree::from_tree(&parse_python(code).unwrap());
        check(
            &source,
            tree.root(),
            &crate::facts::Outline::of(&source, tree.root()).except_clauses,
        )
    }

    fn run(code: &str) -> Vec<(u32, Severity, String)> {
        findings_of(code)
            .into_iter()
            .map(|f| (f.location.line, f.severity, f.message))
            .collect()
    }

    #[test]
    fn forms_and_severities() {
        let code = "\
try:
    pass
except:
    pass
try:
    pass
except (ValueError, (OSError, builtins.Exception)) as e:
    raise RuntimeError('x') from e
try:
    pass
except* Exception as e:
    raise e
try:
    pass
except BaseException:
    raise RuntimeError('x')
try:
    pass
except (ValueError, KeyError):
    pass
except Exception:
    def f():
        raise
    try:
        pass
    except ValueError:
        raise
try:
    pass
except Exception:
    raise RuntimeError('x') from None
";
        let got = run(code);
        assert_eq!(got.len(), 6, "{got:?}");
        assert_eq!((got[0].0, got[0].1), (3, Severity::Warning));
        assert!(got[0].2.starts_with("bare `except:`"));
        assert_eq!((got[1].0, got[1].1), (7, Severity::Note));
        assert!(got[1].2.contains("through `builtins.Exception`"));
        assert_eq!((got[2].0, got[2].1), (11, Severity::Note));
        assert!(got[2].2.starts_with("`except* Exception`"));
        assert_eq!((got[3].0, got[3].1), (15, Severity::Note));
        assert!(got[3].2.contains("traceback is lost"));
        assert_eq!((got[4].0, got[4].1), (21, Severity::Warning));
        // `from None` drops the original as a raise without `from` does.
        assert_eq!((got[5].0, got[5].1), (30, Severity::Note));
        assert!(got[5].2.contains("`from None`"), "{got:?}");
        assert!(got[5].2.contains("traceback is lost"), "{got:?}");
    }

    #[test]
    fn messages_of_mixed_raises_and_multi_line_tuples() {
        let code = "\
try:
    pass
except Exception:
    if strict:
        raise
    raise RuntimeError('x')
try:
    pass
except (OSError,  # the device may be gone
        Exception) as exc:
    pass
";
        let got = run(code);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!((got[0].0, got[0].1), (3, Severity::Note));
        assert!(
            got[0]
                .2
                .contains("one path raises a new exception without `from`")
        );
        assert!(
            got[1].2.starts_with("`except (OSError, Exception)`"),
            "{}",
            got[1].2
        );
    }

    #[test]
    fn save_and_reraise_and_context() {
        let code = "\
class A:
    def m(self):
        try:
            utils.execute('x')
        except Exception:
            with excutils.save_and_reraise_exception():
                cleanup()
";
        let found = findings_of(code);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, Severity::Note);
        assert_eq!(found[0].context, "A.m");
        assert_eq!(found[0].snippet, "except Exception:");
        assert!(
            found[0]
                .help
                .as_deref()
                .unwrap()
                .contains("processutils.ProcessExecutionError")
        );
    }

    #[test]
    fn help_drops_the_broad_class_from_a_tuple_and_spells_processutils_as_imported() {
        let code = "from oslo_concurrency import processutils as putils\n\n\n\
                    def rescan(execute):\n    try:\n        execute('iscsiadm')\n    \
                    except (putils.ProcessExecutionError, Exception):\n        pass\n    \
                    try:\n        execute('iscsiadm')\n    except Exception:\n        pass\n";
        let helps: Vec<String> = findings_of(code)
            .into_iter()
            .map(|f| f.help.unwrap_or_default())
            .collect();
        assert_eq!(helps.len(), 2, "{helps:?}");
        assert!(
            helps[0].starts_with("drop `Exception` from the tuple"),
            "{helps:?}"
        );
        assert!(
            helps[1].contains("catch `putils.ProcessExecutionError`"),
            "{helps:?}"
        );
    }

    #[test]
    fn help_does_not_suggest_what_an_earlier_clause_catches() {
        let code = "from oslo_concurrency import processutils\n\n\n\
                    def resize(execute):\n    try:\n        execute('qemu-img')\n    \
                    except processutils.ProcessExecutionError:\n        raise\n    \
                    except Exception:\n        return False\n";
        let found = findings_of(code);
        assert_eq!(found.len(), 1, "{found:?}");
        let help = found[0].help.as_deref().unwrap_or_default();
        assert!(!help.contains("ProcessExecutionError"), "{help}");
    }
}

#[cfg(test)]
mod deep_tests {
    #[test]
    fn deep_nesting_does_not_overflow_the_stack() {
        let n = 100_000;
        let code = format!(
            "try:\n    pass\nexcept {}Exception{}:\n    raise {}e{}\n",
            "(".repeat(n),
            ")".repeat(n),
            "(".repeat(n),
            ")".repeat(n)
        );
        let _ = super::tests::findings_of(&code);
    }
}
