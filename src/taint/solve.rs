//! The global half of the taint engine: links the per-file summaries
//! through the project index and computes, to a fixed point,
//!
//! * what each function returns in terms of its parameters (so a call's
//!   result is computed per call site from the arguments given there),
//! * which parameters of private functions receive tainted arguments from
//!   their (all known) call sites,
//! * which `self` attributes hold tainted data anywhere in their class,
//! * which parameters of each function reach a shell (sink wrappers),
//!
//! and then explains each tainted sink as a trace from source to sink.

use std::borrow::Cow;
use std::sync::atomic::Ordering::{Relaxed, SeqCst};
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, AtomicU64, AtomicUsize};

use rayon::prelude::*;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::facts::FileFacts;
use crate::finding::TraceStep;
use crate::link::{FunctionRef, ProjectIndex, Target};
use crate::rules::RuleMask;
use crate::taint::summary::*;

/// Taint of a value in terms of the enclosing function's parameters: the
/// rules it is tainted for unconditionally, and for each rule the set of
/// parameters (as bits; parameters past 63 share bit 63) it depends on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sig {
    pub intrinsic: RuleMask,
    pub command: u64,
    pub path: u64,
}

impl Sig {
    fn param(index: u16) -> Sig {
        Sig::params(1u64 << index.min(63))
    }

    /// Tainted, for every rule, by the parameters in `bits`.
    fn params(bits: u64) -> Sig {
        Sig {
            intrinsic: RuleMask::NONE,
            command: bits,
            path: bits,
        }
    }

    fn join(&mut self, other: Sig) {
        self.intrinsic = self.intrinsic.union(other.intrinsic);
        self.command |= other.command;
        self.path |= other.path;
    }

    fn masked(mut self, mask: RuleMask) -> Sig {
        self.intrinsic = self.intrinsic.intersect(mask);
        if !mask.intersects(RuleMask::COMMAND) {
            self.command = 0;
        }
        if !mask.intersects(RuleMask::PATH) {
            self.path = 0;
        }
        self
    }

    fn bits(&self, rule: RuleMask) -> u64 {
        if rule == RuleMask::COMMAND {
            self.command
        } else {
            self.path
        }
    }
}

/// Which parameters of a function are really tainted, per rule.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct ParamTaint {
    command: u64,
    path: u64,
}

// The solver's threads share its state as atomics (see `Solution::solve`
// for who writes what when). Values only grow towards the fixed point, and
// whoever changes one marks its readers in the worklist afterwards, so a
// read that races a write is repeated; relaxed loads and stores suffice
// for the values, the worklist's flags order them.

/// A `Sig` the solver's threads share.
#[derive(Default)]
struct SigCell {
    intrinsic: AtomicU8,
    command: AtomicU64,
    path: AtomicU64,
}

impl SigCell {
    fn get(&self) -> Sig {
        Sig {
            intrinsic: RuleMask(self.intrinsic.load(Relaxed)),
            command: self.command.load(Relaxed),
            path: self.path.load(Relaxed),
        }
    }

    /// Stores `sig` (only the visit of the cell's own file does); whether
    /// that changed the cell.
    fn set(&self, sig: Sig) -> bool {
        if self.get() == sig {
            return false;
        }
        self.intrinsic.store(sig.intrinsic.0, Relaxed);
        self.command.store(sig.command, Relaxed);
        self.path.store(sig.path, Relaxed);
        true
    }
}

/// A `ParamTaint` the solver's threads share: callers in other files add
/// to it.
#[derive(Default)]
struct ParamCell {
    command: AtomicU64,
    path: AtomicU64,
}

impl ParamCell {
    fn new(taint: ParamTaint) -> ParamCell {
        ParamCell {
            command: AtomicU64::new(taint.command),
            path: AtomicU64::new(taint.path),
        }
    }

    fn get(&self) -> ParamTaint {
        ParamTaint {
            command: self.command.load(Relaxed),
            path: self.path.load(Relaxed),
        }
    }

    /// Adds `taint`; whether that changed the cell.
    fn add(&self, taint: ParamTaint) -> bool {
        or_bits(&self.command, taint.command) | or_bits(&self.path, taint.path)
    }
}

pub struct Solution<'a> {
    pub files: &'a [FileFacts],
    pub index: &'a ProjectIndex,
    /// Per file, per call site: what it refers to.
    targets: Vec<Vec<Option<Target>>>,
    /// Per file, per callee: for `self.name(...)`, the overrides of `name`
    /// in subclasses of the calling class, which the call may run too.
    dispatched: Vec<Vec<Box<[FunctionRef]>>>,
    /// Per file, per call site: the taint of its result.
    call_sigs: Vec<Vec<SigCell>>,
    /// Per file, per function: the taint of its return value.
    returns: Vec<Vec<SigCell>>,
    /// Per file, per function: the taint of each element of the tuple it
    /// returns, when it always returns a tuple display.
    element_returns: Vec<Vec<Option<Vec<SigCell>>>>,
    /// Per file, per function: its really tainted parameters.
    params: Vec<Vec<ParamCell>>,
    /// Per file, per function: parameters that reach a shell (bits),
    /// directly or through calls.
    shell_params: Vec<Vec<AtomicU64>>,
    /// Per file, per function: parameters that reach the command of any
    /// command sink (bits), directly or through calls.
    command_params: Vec<Vec<AtomicU64>>,
    /// Per file, per function: parameters that reach a command run as root
    /// (bits), directly or through calls.
    privileged_params: Vec<Vec<AtomicU64>>,
    /// Per file, per function: the oslo.privsep entry point it runs under
    /// (itself, or a function that calls it, transitively), as an index
    /// into `entry_points` (`NO_ENTRY_POINT`: none).
    privileged_reach: Vec<Vec<AtomicU32>>,
    /// The qualified names of the privsep entry points, sorted: of several
    /// that reach a function, the first by name wins, whatever the order
    /// of the visits.
    entry_points: Vec<String>,
    /// Whether a function's parameters are sources (callers unknown).
    public: Vec<Vec<bool>>,
    /// `attr` → `class` → the slot in `attr_masks` of the rules for which
    /// some method of `class` stores taint in `self.attr`.
    attrs: HashMap<String, HashMap<String, usize>>,
    /// Stub method → the overrides a call of it may run
    /// (`ProjectIndex::stub_overrides`).
    overrides: HashMap<FunctionRef, Vec<FunctionRef>>,
    /// Override → the stubs it overrides: their callers read what it returns.
    overridden: HashMap<FunctionRef, Vec<FunctionRef>>,
    attr_masks: Vec<AtomicU64>,
    /// Per file, per `ObjectRead`: whether the object's class stores the
    /// attribute read itself (the object's own taint then does not count).
    class_stored: Vec<Vec<bool>>,
    /// `attr` → the files that read `self.attr`, with the class read.
    attr_readers: HashMap<String, Vec<(u32, String)>>,
    /// `attr` → the stores into `self.attr` (file, function, store), in
    /// document order: where a trace through the attribute continues.
    attr_stores: HashMap<String, Vec<(u32, FunctionId, u32)>>,
    /// Per file: the groups with a call that reads the result of a call
    /// recorded after it (a loop's next iteration), so that one pass over
    /// the file's calls in order does not see every result it reads.
    back_references: Vec<Vec<FunctionId>>,
    /// Private function → its call sites (file, call).
    callers: HashMap<FunctionRef, Vec<(u32, CallId)>>,
    /// See `root_from_callers`; made when first asked for.
    run_as_root_by_callers: std::sync::OnceLock<HashMap<FunctionRef, String>>,
    /// See `shell_from_callers`; made when first asked for.
    shell_by_callers: std::sync::OnceLock<HashMap<FunctionRef, String>>,
}

/// How many calls that pass `**kwargs` on a privilege given by a caller is
/// followed through (`_try_execute(**kw)` → `_execute(**kw)` → ...).
const MAX_KEYWORD_FORWARDS: usize = 8;

/// Rounds of the fixed point before giving up (each round propagates one
/// more level of calls; real code converges in a handful).
const MAX_ROUNDS: usize = 50;

/// Visits of a file in a row within a round, at most (chains of calls
/// within a file rarely go deeper; what is left waits for the next round).
const MAX_VISITS_IN_A_ROW: usize = 8;

/// The order in which a round visits the levels of files.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Sweep {
    /// Callees before their callers: what the solver does, since most of
    /// what a file reads is then final when it is visited.
    CalleesFirst,
    /// Callers first: the worst order, for tests that the worklist, not
    /// the order, makes the fixed point.
    #[cfg_attr(not(test), allow(dead_code))]
    CallersFirst,
}

impl<'a> Solution<'a> {
    pub fn solve(files: &'a [FileFacts], index: &'a ProjectIndex) -> Solution<'a> {
        Solution::solve_sweeping(files, index, Sweep::CalleesFirst)
    }

    fn solve_sweeping(
        files: &'a [FileFacts],
        index: &'a ProjectIndex,
        sweep: Sweep,
    ) -> Solution<'a> {
        // Resolution is independent per file, once per distinct callee.
        let targets: Vec<Vec<Option<Target>>> = files
            .par_iter()
            .map(|file| {
                let resolved: Vec<Option<Target>> = file
                    .taint
                    .callees
                    .iter()
                    .map(|callee| index.resolve(callee, &file.module))
                    .collect();
                file.taint
                    .calls
                    .iter()
                    .map(|call| resolved[call.callee as usize])
                    .collect()
            })
            .collect();
        let dispatched: Vec<Vec<Box<[FunctionRef]>>> = files
            .par_iter()
            .map(|file| {
                file.taint
                    .callees
                    .iter()
                    .map(|callee| match callee {
                        Callee::SelfMethod { class, name } => {
                            index.overrides_below(class, name).collect()
                        }
                        _ => Box::default(),
                    })
                    .collect()
            })
            .collect();
        // What the fixed point starts from: independent tables, built side
        // by side (the other threads are idle here otherwise).
        let (
            (callers, public, params),
            ((attr_readers, (attr_stores, attrs)), (back_references, groups)),
        ) = rayon::join(
            || public_parameters(files, index, &targets, &dispatched),
            || {
                rayon::join(
                    || {
                        rayon::join(
                            || attr_readers(files),
                            || {
                                let stores = attr_stores(files);
                                let slots = attr_slots(files, &stores);
                                (stores, slots)
                            },
                        )
                    },
                    || {
                        files
                            .par_iter()
                            .map(|file| {
                                let groups = closure_groups(file);
                                (back_reference_groups(file, &groups), groups)
                            })
                            .unzip::<_, _, Vec<_>, Vec<_>>()
                    },
                )
            },
        );
        // The privsep entry points, ranked by name.
        let entry_point_names: Vec<(FunctionRef, String)> = files
            .iter()
            .enumerate()
            .flat_map(|(file_index, file)| {
                file.taint
                    .functions
                    .iter()
                    .enumerate()
                    .filter(|(_, function)| function.privileged.is_some())
                    .map(move |(function_index, function)| {
                        let reference = FunctionRef {
                            file: file_index as u32,
                            function: function_index as FunctionId,
                        };
                        (
                            reference,
                            crate::names::qualify(&file.module, &function.qualname),
                        )
                    })
            })
            .collect();
        let mut entry_points: Vec<String> = entry_point_names
            .iter()
            .map(|(_, name)| name.clone())
            .collect();
        entry_points.sort_unstable();
        entry_points.dedup();
        let slot_count = attrs.values().map(HashMap::len).sum();
        let overrides = index.stub_overrides(files);
        let mut overridden: HashMap<FunctionRef, Vec<FunctionRef>> = HashMap::default();
        for (stub, found) in &overrides {
            for function in found {
                overridden.entry(*function).or_default().push(*stub);
            }
        }
        let class_stored = files
            .par_iter()
            .map(|file| {
                // Reads of one attribute share its atom: asked once each.
                let mut stored: HashMap<AtomId, bool> = HashMap::default();
                file.taint
                    .object_reads
                    .iter()
                    .map(|read| {
                        *stored.entry(read.attr).or_insert_with(|| {
                            match &file.taint.atoms[read.attr as usize] {
                                Atom::SelfAttr(attr) => {
                                    index.classes.stores_attr(files, &attr.class, &attr.attr)
                                }
                                _ => false,
                            }
                        })
                    })
                    .collect()
            })
            .collect();
        let solution = Solution {
            files,
            index,
            class_stored,
            call_sigs: files
                .iter()
                .map(|f| f.taint.calls.iter().map(|_| SigCell::default()).collect())
                .collect(),
            returns: per_function(files, |_, _| SigCell::default()),
            element_returns: per_function(files, |_, function| {
                function
                    .return_elements
                    .as_ref()
                    .map(|elements| elements.iter().map(|_| SigCell::default()).collect())
            }),
            shell_params: per_function(files, |_, _| AtomicU64::new(0)),
            command_params: per_function(files, |_, _| AtomicU64::new(0)),
            privileged_params: per_function(files, |_, _| AtomicU64::new(0)),
            privileged_reach: per_function(files, |_, _| AtomicU32::new(NO_ENTRY_POINT)),
            entry_points,
            targets,
            dispatched,
            params,
            public,
            attrs,
            overrides,
            overridden,
            attr_masks: (0..slot_count).map(|_| AtomicU64::new(0)).collect(),
            attr_readers,
            attr_stores,
            back_references,
            callers,
            run_as_root_by_callers: std::sync::OnceLock::new(),
            shell_by_callers: std::sync::OnceLock::new(),
        };
        // A worklist of files, swept callees first: a sweep revisits only
        // the files that read something that changed, and most of what a
        // file reads is final by the time the sweep reaches it. The files
        // of one level call none of each other (cycles aside), so each
        // level's visits run in parallel: a visit writes only its own
        // file's results and adds to its callees' parameters, which the
        // callees (lower levels) read on their next visit. Files of a call
        // cycle can share a level; their visits may then race, which the
        // worklist repairs (see the cells above): the fixed point, and so
        // the output, does not depend on the order of the visits.
        // An entry point runs under itself.
        for (reference, name) in &entry_point_names {
            if let Ok(rank) = solution.entry_points.binary_search(name) {
                solution.privileged_reach[reference.file as usize][reference.function as usize]
                    .store(rank as u32, Relaxed);
            }
        }
        let callees = file_callees(&solution.targets);
        let mut levels = levels(&callees_first(&callees), &callees);
        if sweep == Sweep::CallersFirst {
            levels.reverse();
        }
        let work = Worklist::new(groups);
        let visits = AtomicUsize::new(0);
        for round in 1..=MAX_ROUNDS {
            for level in &levels {
                let dirty: Vec<usize> = level
                    .iter()
                    .copied()
                    .filter(|&file| work.is_marked(file))
                    .collect();
                dirty.par_iter().for_each(|&file_index| {
                    // A visit that changes what the file's own functions
                    // return marks the file again (callers in the same
                    // file): visit it again at once, while its callees'
                    // results are at hand, rather than a round later.
                    for _ in 0..MAX_VISITS_IN_A_ROW {
                        let Some(active) = work.take(file_index) else {
                            break;
                        };
                        solution.update_file(file_index, &active, &work);
                        visits.fetch_add(1, Relaxed);
                    }
                });
            }
            if work.is_empty() {
                crate::timings::note(&format!(
                    "solver: {round} rounds, {} file visits for {} files",
                    visits.load(Relaxed),
                    files.len()
                ));
                break;
            }
        }
        solution
    }

    /// Recomputes what the `active` functions of file `file_index`
    /// contribute, and marks in `work` what reads something that changed.
    fn update_file(&self, file_index: usize, active: &[bool], work: &Worklist) {
        let file = &self.files[file_index].taint;
        let is_active = |function: FunctionId| active[function as usize];
        {
            let mut changed = false;
            for (call_index, call) in file.calls.iter().enumerate() {
                if !is_active(call.caller) {
                    continue;
                }
                let sig = self.call_result(file_index, call_index);
                changed |= self.call_sigs[file_index][call_index].set(sig);
            }
            // Later calls read earlier ones in the same pass; only a read
            // of a later call needs another.
            if changed {
                for &group in &self.back_references[file_index] {
                    work.mark(file_index, group);
                }
            }
            for (function_index, function) in file.functions.iter().enumerate() {
                let context = function_index as FunctionId;
                if !is_active(context) {
                    continue;
                }
                let sig = self.eval(file_index, context, &function.returns);
                let mut returns_changed = self.returns[file_index][function_index].set(sig);
                if let Some(elements) = &function.return_elements {
                    for (index, element) in elements.iter().enumerate() {
                        let sig = self.eval(file_index, context, element);
                        if let Some(slot) = self.element_returns[file_index][function_index]
                            .as_ref()
                            .and_then(|slots| slots.get(index))
                        {
                            returns_changed |= slot.set(sig);
                        }
                    }
                }
                if returns_changed {
                    self.mark_callers(file_index, context, work);
                }
                for store in &function.self_stores {
                    let sig = self.eval(file_index, context, &store.taint);
                    let real = self.real(file_index, context, sig);
                    // Most stores are clean: no lookup by owned names.
                    if real.is_empty() {
                        continue;
                    }
                    let Some(slot) = self.attr_slot(&store.class, &store.attr) else {
                        continue;
                    };
                    if !or_bits(slot, u64::from(real.0)) {
                        continue;
                    }
                    // Readers of the attribute in this hierarchy line.
                    for (reader, class) in self.attr_readers.get(&store.attr).into_iter().flatten()
                    {
                        if self.same_object_kind(class, &store.class) {
                            work.mark_file(*reader as usize);
                        }
                    }
                }
            }
        }
        // Arguments flow into the parameters of private callees.
        for (call_index, call) in file.calls.iter().enumerate() {
            if !is_active(call.caller) {
                continue;
            }
            let first = self
                .callee_function(file_index, call_index)
                .map(|(first, _)| first);
            let overrides = &self.dispatched[file_index][call.callee as usize];
            // Every definition of the name the call may run.
            let alternates = first.map_or(&[][..], |first| self.index.alternates(first));
            for &callee in first.iter().chain(alternates).chain(overrides.iter()) {
                if self.public[callee.file as usize][callee.function as usize] {
                    continue;
                }
                let callee_summary = self.function(callee);
                let offset = self.offset_into(file_index, call_index, callee);
                let mut update = ParamTaint::default();
                for param in callee_summary.first_data_param as usize..callee_summary.params.len() {
                    let Some(argument) = argument_for(call, callee_summary, param, offset) else {
                        continue;
                    };
                    let sig = self.eval(file_index, call.caller, &argument);
                    let real = self.real(file_index, call.caller, sig);
                    let bit = 1u64 << param.min(63);
                    if real.intersects(RuleMask::COMMAND) {
                        update.command |= bit;
                    }
                    if real.intersects(RuleMask::PATH) {
                        update.path |= bit;
                    }
                }
                if self.params[callee.file as usize][callee.function as usize].add(update) {
                    work.mark(callee.file as usize, callee.function);
                }
            }
        }
        // Parameters that reach a shell, a command, a command run as
        // root: directly at a sink, or through a sink's implementation.
        for sink in &file.sinks {
            if sink.rule != RuleMask::COMMAND || !is_active(sink.function) {
                continue;
            }
            let mut shell = 0;
            if sink.shell {
                shell |= self.eval(file_index, sink.function, &sink.data).command;
            }
            if let Some((_, argument_sig)) = self.shell_wrapper(file_index, sink) {
                shell |= argument_sig.command;
            }
            let (command, privileged) = match self.implementation(file_index, sink) {
                Some(implementation) => (
                    self.eval(file_index, sink.function, &implementation.command)
                        .command,
                    if sink.privileged.is_some() && !sink.privileged_by_parameter {
                        self.eval(file_index, sink.function, &implementation.command)
                            .command
                    } else {
                        self.eval(file_index, sink.function, &implementation.privileged)
                            .command
                    },
                ),
                None => {
                    let bits = self.eval(file_index, sink.function, &sink.data).command;
                    let privileged = sink.privileged.is_some() && !sink.privileged_by_parameter;
                    (bits, if privileged { bits } else { 0 })
                }
            };
            let function = sink.function as usize;
            let changed = or_bits(&self.shell_params[file_index][function], shell)
                | or_bits(&self.command_params[file_index][function], command)
                | or_bits(&self.privileged_params[file_index][function], privileged);
            if changed {
                self.mark_callers(file_index, sink.function, work);
            }
        }
        // Through calls into the scanned sources: a parameter passed on to
        // a callee's command parameter is a command parameter too; and a
        // function called from a privsep entry point runs privileged.
        for (call_index, call) in file.calls.iter().enumerate() {
            if !is_active(call.caller) {
                continue;
            }
            let Some((callee, offset)) = self.callee_function(file_index, call_index) else {
                // `self._parent._run(...)` on an object of unknown type:
                // forwarded to a command callable.
                if call.forwards_command && self.targets[file_index][call_index].is_none() {
                    let mut bits = 0;
                    for input in call.args.iter().chain(call.splat.iter()) {
                        bits |= self.eval(file_index, call.caller, input).command;
                    }
                    let caller = call.caller as usize;
                    if or_bits(&self.command_params[file_index][caller], bits) {
                        self.mark_callers(file_index, call.caller, work);
                    }
                }
                continue;
            };
            let (cf, cg) = (callee.file as usize, callee.function as usize);
            // An entry point runs under its own decorator; of several entry
            // points that reach another function, the first by name: the
            // same whatever order the files are visited in.
            let reach = self.privileged_reach[file_index][call.caller as usize].load(Relaxed);
            if reach != NO_ENTRY_POINT
                && self.function(callee).privileged.is_none()
                && self.privileged_reach[cf][cg].fetch_min(reach, Relaxed) > reach
            {
                work.mark(cf, callee.function);
            }
            let summary = self.function(callee);
            let maps = [
                self.shell_params[cf][cg].load(Relaxed),
                self.command_params[cf][cg].load(Relaxed),
                self.privileged_params[cf][cg].load(Relaxed),
            ];
            if maps.iter().all(|bits| *bits == 0) {
                continue;
            }
            let mut found = [0u64; 3];
            for param in 0..summary.params.len().min(64) {
                let bit = 1u64 << param;
                if maps.iter().all(|bits| bits & bit == 0) {
                    continue;
                }
                let Some(argument) = argument_for(call, summary, param, offset) else {
                    continue;
                };
                let sig = self.eval(file_index, call.caller, &argument).command;
                for (slot, bits) in found.iter_mut().zip(maps) {
                    if bits & bit != 0 {
                        *slot |= sig;
                    }
                }
            }
            let caller = call.caller as usize;
            let changed = or_bits(&self.shell_params[file_index][caller], found[0])
                | or_bits(&self.command_params[file_index][caller], found[1])
                | or_bits(&self.privileged_params[file_index][caller], found[2]);
            if changed {
                self.mark_callers(file_index, call.caller, work);
            }
        }
    }

    /// Marks the functions that call function `function` of `file`.
    fn mark_callers(&self, file: usize, function: FunctionId, work: &Worklist) {
        let reference = FunctionRef {
            file: file as u32,
            function,
        };
        let stubs = self.overridden.get(&reference).into_iter().flatten();
        for called in std::iter::once(&reference).chain(stubs) {
            for &(caller_file, call) in self.callers.get(called).into_iter().flatten() {
                let caller = self.files[caller_file as usize].taint.calls[call as usize].caller;
                work.mark(caller_file as usize, caller);
            }
        }
    }

    /// For a sink matched by its method name (`self._execute(...)`) whose
    /// method is defined in the scanned sources: the implementation, and
    /// the arguments it runs as a command (and as root). Such a call is a
    /// sink only as far as its implementation runs those arguments: a
    /// method named `_execute` that sends an HTTP request, or that
    /// validates or quotes its arguments before running them, is not.
    pub fn implementation(&self, file: usize, sink: &SinkUse) -> Option<Implementation> {
        if !sink.by_method_name {
            return None;
        }
        self.scanned_implementation(file, sink)
    }

    /// The function of the scanned sources a sink call enters, however the
    /// sink was matched (`utils.execute` resolved to the project's own
    /// `execute` too), with the arguments it runs as a command and as root.
    pub fn scanned_implementation(&self, file: usize, sink: &SinkUse) -> Option<Implementation> {
        let call_index = sink.call? as usize;
        let (function, offset) = match self.targets[file][call_index]? {
            Target::Function { function, offset } => (
                function,
                offset.min(self.function(function).first_data_param),
            ),
            _ => return None,
        };
        let call = &self.files[file].taint.calls[call_index];
        let summary = self.function(function);
        let (fi, fj) = (function.file as usize, function.function as usize);
        let command_bits = self.command_params[fi][fj].load(Relaxed);
        let privileged_bits = self.privileged_params[fi][fj].load(Relaxed);
        let mut implementation = Implementation {
            function,
            call: call_index as CallId,
            offset,
            command: Taint::default(),
            privileged: Taint::default(),
        };
        for param in 0..summary.params.len().min(64) {
            let bit = 1u64 << param;
            if (command_bits | privileged_bits) & bit == 0 {
                continue;
            }
            if let Some(argument) = argument_for(call, summary, param, offset) {
                if command_bits & bit != 0 {
                    implementation.command.union_with(&argument);
                }
                if privileged_bits & bit != 0 {
                    implementation.privileged.union_with(&argument);
                }
            }
        }
        Some(implementation)
    }

    /// Why the commands a function runs with its `**kwargs` run as root: a
    /// call of it in the scanned sources gives `run_as_root=True` (or a
    /// `root_helper`), possibly through functions that pass their own
    /// `**kwargs` on. The first such call in file and call order wins.
    pub fn root_from_callers(&self, function: FunctionRef) -> Option<&str> {
        self.run_as_root_by_callers
            .get_or_init(|| self.keyword_from_callers(CallSite::gives_root))
            .get(&function)
            .map(String::as_str)
    }

    /// Why the commands a function runs with its `**kwargs` run through a
    /// shell: a call of it gives `shell=True`, as `root_from_callers`. A
    /// call that is a command sink itself (`utils.execute(cmd, shell=True)`
    /// resolved to the wrapper) is reported as a shell command where it
    /// is, with its own arguments; it does not make every flow into the
    /// wrapper a shell injection.
    pub fn shell_from_callers(&self, function: FunctionRef) -> Option<&str> {
        self.shell_by_callers
            .get_or_init(|| {
                self.keyword_from_callers(|call| call.gives_shell().filter(|_| !call.runs_command))
            })
            .get(&function)
            .map(String::as_str)
    }

    /// The functions whose `**kwargs` carry a keyword some call gives
    /// (`gives`: the keyword as spelled, `run_as_root=True`), directly or
    /// through functions that pass their own `**kwargs` on, unless the
    /// function takes the keyword out (`kwargs.pop('run_as_root')`). Each
    /// with why, the best explanation first: from code under analysis
    /// rather than its tests, with a literal `True`; then in file and call
    /// order.
    fn keyword_from_callers<'s>(
        &'s self,
        gives: impl Fn(&'s CallSite) -> Option<&'s str>,
    ) -> HashMap<FunctionRef, String> {
        let keeps = |function: FunctionRef, keyword: &str| {
            let name = keyword.split('=').next().unwrap_or(keyword);
            !self
                .function(function)
                .drops_keywords
                .iter()
                .any(|dropped| dropped == name)
        };
        let mut given: HashMap<FunctionRef, (&str, String)> = HashMap::default();
        let mut givers = Vec::new();
        for (file, facts) in self.files.iter().enumerate() {
            let in_tests = crate::taint::local::is_test_file(&facts.source.path);
            for (call_index, call) in facts.taint.calls.iter().enumerate() {
                if let Some(keyword) = gives(call) {
                    let rank = (in_tests, !keyword.ends_with("=True"));
                    givers.push((rank, file, call_index, keyword));
                }
            }
        }
        givers.sort_by_key(|&(rank, file, call, _)| (rank, file, call));
        for (_, file, call_index, keyword) in givers {
            if let Some((callee, _)) = self.callee_function(file, call_index)
                && keeps(callee, keyword)
            {
                let call = &self.files[file].taint.calls[call_index];
                let caller = &self.files[file].taint.functions[call.caller as usize];
                given.entry(callee).or_insert_with(|| {
                    (
                        keyword,
                        format!("`{keyword}` given by `{}`", caller.qualname),
                    )
                });
            }
        }
        // Then through calls that pass their own `**kwargs` on.
        for _ in 0..MAX_KEYWORD_FORWARDS {
            let before = given.len();
            for (file, facts) in self.files.iter().enumerate() {
                for (call_index, call) in facts.taint.calls.iter().enumerate() {
                    if !call.forwards_keywords || gives(call).is_some() {
                        continue;
                    }
                    let caller = FunctionRef {
                        file: file as u32,
                        function: call.caller,
                    };
                    let Some((keyword, why)) = given.get(&caller).cloned() else {
                        continue;
                    };
                    if let Some((callee, _)) = self.callee_function(file, call_index)
                        && keeps(callee, keyword)
                    {
                        given.entry(callee).or_insert((keyword, why));
                    }
                }
            }
            if given.len() == before {
                break;
            }
        }
        given
            .into_iter()
            .map(|(function, (_, why))| (function, why))
            .collect()
    }

    /// How many leading parameters of `callee` call `call` of `file` binds
    /// implicitly (`self`): as the call resolves, or 1 for an override it
    /// dispatches to (`self.name(...)`); never more than `callee` has.
    fn offset_into(&self, file: usize, call: usize, callee: FunctionRef) -> u16 {
        let offset = self
            .callee_function(file, call)
            .map_or(1, |(_, offset)| offset);
        offset.min(self.function(callee).first_data_param)
    }

    /// Whether some call of a function in the scanned sources passes a
    /// `pathlib.Path` to the parameter (by position or by name).
    pub fn given_a_path(&self, function: FunctionRef, param: u16) -> bool {
        let Some(callers) = self.callers.get(&function) else {
            return false;
        };
        let name = self
            .function(function)
            .params
            .get(param as usize)
            .map(|p| &p.name);
        callers.iter().any(|&(file, call)| {
            let site = &self.files[file as usize].taint.calls[call as usize];
            let offset = self.offset_into(file as usize, call as usize, function);
            let by_position = positional_bit(site.path_positions, param, offset);
            let by_name = site
                .keywords
                .iter()
                .any(|keyword| keyword.path && Some(&keyword.name) == name);
            by_position || by_name
        })
    }

    /// Whether a function is private and every call of it in the scanned
    /// sources is a command sink itself (`self._execute(...)` matched by
    /// name, resolved to this `_execute`): each of those calls reports what
    /// its arguments bring, so a sink inside that only the parameters reach
    /// would report the same flows a second time.
    pub fn called_only_as_command_sink(&self, function: FunctionRef) -> bool {
        if self.is_public(function) {
            return false;
        }
        let Some(callers) = self.callers.get(&function) else {
            return false;
        };
        !callers.is_empty()
            && callers.iter().all(|&(file, call)| {
                self.files[file as usize].taint.calls[call as usize].runs_command
            })
    }

    /// The privsep entry point a function runs under, if any.
    pub fn privileged_reach(&self, file: usize, function: FunctionId) -> Option<&str> {
        let rank = self.privileged_reach[file][function as usize].load(Relaxed);
        self.entry_points.get(rank as usize).map(String::as_str)
    }

    pub fn function(&self, reference: FunctionRef) -> &'a FunctionSummary {
        &self.files[reference.file as usize].taint.functions[reference.function as usize]
    }

    pub fn is_public(&self, reference: FunctionRef) -> bool {
        self.public[reference.file as usize][reference.function as usize]
    }

    /// Whether a sink call enters the scanned sources.
    pub fn resolves(&self, file: usize, sink: &SinkUse) -> bool {
        sink.call
            .and_then(|call| self.targets[file][call as usize])
            .is_some()
    }

    /// The function a call enters and the number of implicitly bound
    /// leading parameters.
    pub fn callee_function(&self, file: usize, call: usize) -> Option<(FunctionRef, u16)> {
        match self.targets[file][call]? {
            Target::Function { function, offset } => {
                let summary = self.function(function);
                Some((function, offset.min(summary.first_data_param)))
            }
            Target::Constructor { init: Some(init) } => Some((init, 1)),
            Target::Constructor { init: None } => None,
        }
    }

    /// What the callee of a call returns (element `index` of its tuple,
    /// when given and known), in terms of its parameters.
    fn returned_sig(&self, callee: FunctionRef, index: Option<u16>) -> Sig {
        let mut sig = self.own_returned_sig(callee, index);
        for &function in self.overrides.get(&callee).into_iter().flatten() {
            sig.join(self.own_returned_sig(function, index));
        }
        // Like a function outside the scanned sources, it returns taint
        // when an argument is tainted.
        if self.implemented_elsewhere(callee) {
            sig.join(Sig::params(data_param_bits(self.function(callee))));
        }
        sig
    }

    /// A stub (`raise NotImplementedError`) that no scanned class
    /// overrides: its implementation is outside the scanned sources.
    fn implemented_elsewhere(&self, function: FunctionRef) -> bool {
        self.function(function).stub && !self.overrides.contains_key(&function)
    }

    /// What the function itself returns, overrides aside.
    fn own_returned_sig(&self, callee: FunctionRef, index: Option<u16>) -> Sig {
        let (f, g) = (callee.file as usize, callee.function as usize);
        index
            .and_then(|index| {
                self.element_returns[f][g]
                    .as_ref()
                    .and_then(|elements| elements.get(index as usize))
                    .map(SigCell::get)
            })
            .unwrap_or_else(|| self.returns[f][g].get())
    }

    /// The taint of element `index` of the tuple a call returns.
    fn call_element(&self, file: usize, call_index: usize, index: u16) -> Sig {
        match self.targets[file][call_index] {
            Some(Target::Function { .. }) => self.call_result_of(file, call_index, Some(index)),
            _ => self.call_sigs[file][call_index].get(),
        }
    }

    /// The taint of what a call returns, per call site.
    fn call_result(&self, file: usize, call_index: usize) -> Sig {
        self.call_result_of(file, call_index, None)
    }

    fn call_result_of(&self, file: usize, call_index: usize, element: Option<u16>) -> Sig {
        let call = &self.files[file].taint.calls[call_index];
        match self.targets[file][call_index] {
            Some(Target::Function { .. }) => {
                let (callee, offset) = self
                    .callee_function(file, call_index)
                    .expect("function target");
                let summary = self.function(callee);
                let returned = self.returned_sig(callee, element);
                let mut sig = Sig {
                    intrinsic: returned.intrinsic,
                    ..Sig::default()
                };
                for param in 0..summary.params.len().min(64) {
                    let bit = 1u64 << param;
                    if (returned.command | returned.path) & bit == 0 {
                        continue;
                    }
                    let Some(argument) = argument_for(call, summary, param, offset) else {
                        continue;
                    };
                    let mut mask = RuleMask::NONE;
                    if returned.command & bit != 0 {
                        mask = mask.union(RuleMask::COMMAND);
                    }
                    if returned.path & bit != 0 {
                        mask = mask.union(RuleMask::PATH);
                    }
                    sig.join(self.eval(file, call.caller, &argument).masked(mask));
                }
                sig
            }
            // Outside the scanned sources, or an object built from a class:
            // tainted when anything given to it is.
            _ => {
                let mut sig = Sig::default();
                for taint in call_inputs(call) {
                    sig.join(self.eval(file, call.caller, taint));
                }
                sig
            }
        }
    }

    /// The taint of a value in the context of function `context` of `file`.
    pub fn eval(&self, file: usize, context: FunctionId, taint: &Taint) -> Sig {
        let mut sig = Sig::default();
        for entry in &taint.entries {
            sig.join(self.eval_entry(file, context, entry));
        }
        sig
    }

    fn eval_entry(&self, file: usize, context: FunctionId, entry: &Entry) -> Sig {
        let facts = &self.files[file].taint;
        let base = match &facts.atoms[entry.atom as usize] {
            Atom::Source(_) => Sig {
                intrinsic: RuleMask::ALL,
                ..Sig::default()
            },
            Atom::Param { function, index } if *function == context => Sig::param(*index),
            // A variable of an enclosing function, read by a closure.
            Atom::Param { function, index } => {
                self.in_enclosing(file, *function, Sig::param(*index))
            }
            Atom::CallResult { call } | Atom::CallElement { call, .. } => {
                let sig = match &facts.atoms[entry.atom as usize] {
                    Atom::CallElement { index, .. } => {
                        self.call_element(file, *call as usize, *index)
                    }
                    _ => self.call_sigs[file][*call as usize].get(),
                };
                // A result computed in an enclosing function (`path =
                // helper(share)` read by a closure) is in terms of that
                // function's parameters.
                match facts.calls[*call as usize].caller {
                    caller if caller == context => sig,
                    caller => self.in_enclosing(file, caller, sig),
                }
            }
            Atom::SelfAttr(self_attr) => Sig {
                intrinsic: self.attr_taint(&self_attr.class, &self_attr.attr),
                ..Sig::default()
            },
            Atom::ObjectOfRead { index } => match self.class_stored[file][*index as usize] {
                true => Sig::default(),
                false => self.eval(file, context, &facts.object_reads[*index as usize].object),
            },
        };
        base.masked(self.effective_mask(file, entry))
    }

    /// A signature in terms of the parameters of `function`, an enclosing
    /// function of the one being evaluated: those parameters are not the
    /// closure's, so what their callers give them becomes intrinsic.
    fn in_enclosing(&self, file: usize, function: FunctionId, sig: Sig) -> Sig {
        Sig {
            intrinsic: self.real(file, function, sig),
            ..Sig::default()
        }
    }

    /// An entry's mask less what validating helpers proved of it.
    fn effective_mask(&self, file: usize, entry: &Entry) -> RuleMask {
        let mut mask = entry.mask;
        for guard in &entry.guards {
            let Some((function, offset)) = self.callee_function(file, guard.call as usize) else {
                continue;
            };
            let summary = self.function(function);
            let checks = if guard.raising {
                &summary.asserts
            } else if guard.falsy {
                &summary.rejects
            } else {
                &summary.validates
            };
            let param = guard.argument + offset;
            for &(checked, mut rules) in checks {
                if checked == param {
                    if guard.normalised && rules.contains(RuleMask::CONTAINED) {
                        rules = rules.union(RuleMask::PATH);
                    }
                    if guard.in_argv && rules.contains(RuleMask::ARGV_SAFE) {
                        rules = rules.union(RuleMask::COMMAND);
                    }
                    // Checked against a parameter the call gives a constant.
                    if rules.intersects(RuleMask::IN_PARAMS) {
                        let site = &self.files[file].taint.calls[guard.call as usize];
                        let constant = (0..4u16).any(|container| {
                            rules.contains(RuleMask::in_param(container))
                                && positional_bit(site.constant_positions, container, offset)
                        });
                        if constant {
                            rules = rules.union(RuleMask::ALL);
                        }
                    }
                    mask = mask.without(rules);
                }
            }
        }
        mask
    }

    /// The rules for which the methods of `class` itself store taint in
    /// `self.attr`; `None` when they store nothing there.
    fn attr_slot(&self, class: &str, attr: &str) -> Option<&AtomicU64> {
        let slot = *self.attrs.get(attr)?.get(class)?;
        Some(&self.attr_masks[slot])
    }

    /// Whether an object whose methods are those of `reader` can be one on
    /// which methods of `storer` ran: the same class, one of its bases, or
    /// a subclass (a base's method reads what a subclass's `__init__`
    /// stored, the object being of the subclass).
    fn same_object_kind(&self, reader: &str, storer: &str) -> bool {
        reader == storer
            || self.index.ancestors(reader).iter().any(|c| c == storer)
            || self.index.ancestors(storer).iter().any(|c| c == reader)
    }

    /// Taint stored in `self.attr` by any method of the class, its bases or
    /// its subclasses.
    pub fn attr_taint(&self, class: &str, attr: &str) -> RuleMask {
        let Some(by_class) = self.attrs.get(attr) else {
            return RuleMask::NONE;
        };
        let stored = |class: &str| {
            by_class
                .get(class)
                .map_or(0, |&slot| self.attr_masks[slot].load(Relaxed) as u8)
        };
        let mut mask = stored(class);
        for ancestor in self.index.ancestors(class).iter().skip(1) {
            mask |= stored(ancestor);
        }
        for subclass in self.index.subclasses(class) {
            mask |= stored(subclass);
        }
        RuleMask(mask)
    }

    /// The rules a signature is really tainted for in its function.
    pub fn real(&self, file: usize, context: FunctionId, sig: Sig) -> RuleMask {
        let params = self.params[file][context as usize].get();
        let mut mask = sig.intrinsic;
        if sig.command & params.command != 0 {
            mask = mask.union(RuleMask::COMMAND);
        }
        if sig.path & params.path != 0 {
            mask = mask.union(RuleMask::PATH);
        }
        mask
    }

    /// For a sink call whose implementation is in the scanned sources and
    /// passes some parameters to a shell: that function and the taint of
    /// the arguments given for those parameters.
    pub fn shell_wrapper(&self, file: usize, sink: &SinkUse) -> Option<(FunctionRef, Sig)> {
        let call_index = sink.call? as usize;
        let (callee, offset) = match self.targets[file][call_index]? {
            Target::Function { function, offset } => (
                function,
                offset.min(self.function(function).first_data_param),
            ),
            _ => return None,
        };
        let shell = self.shell_params[callee.file as usize][callee.function as usize].load(Relaxed);
        if shell == 0 {
            return None;
        }
        let summary = self.function(callee);
        let call = &self.files[file].taint.calls[call_index];
        let mut sig = Sig::default();
        for param in 0..summary.params.len().min(64) {
            if shell & (1u64 << param) == 0 {
                continue;
            }
            if let Some(argument) = argument_for(call, summary, param, offset) {
                sig.join(
                    self.eval(file, sink.function, &argument)
                        .masked(RuleMask::COMMAND),
                );
            }
        }
        Some((callee, sig))
    }

    /// Where `function` runs a command: a shell first (where it runs one of
    /// its parameters through a shell, for a shell wrapper).
    pub fn command_sink_of(&self, function: FunctionRef) -> Option<&'a SinkUse> {
        let facts = &self.files[function.file as usize].taint;
        facts
            .sinks
            .iter()
            .find(|s| s.function == function.function && s.rule == RuleMask::COMMAND && s.shell)
            .or_else(|| {
                facts
                    .sinks
                    .iter()
                    .find(|s| s.function == function.function && s.rule == RuleMask::COMMAND)
            })
    }

    // ----- traces ---------------------------------------------------------

    /// A trace step at a span of file `file`.
    fn step(&self, file: usize, span: Span, message: String) -> TraceStep {
        TraceStep {
            location: self.files[file].source.location(span),
            message,
        }
    }

    /// The steps from a source to the value `taint` (in `context` of
    /// `file`), in source order, for `rule`. Iterative: each step moves to
    /// one tainted predecessor until a source is reached.
    pub fn trace(
        &self,
        file: usize,
        context: FunctionId,
        taint: &Taint,
        rule: RuleMask,
    ) -> Vec<TraceStep> {
        let mut steps_backwards: Vec<TraceStep> = Vec::new();
        let mut current: Option<(usize, FunctionId, Taint)> = Some((file, context, taint.clone()));
        let mut seen: HashSet<(usize, AtomId)> = HashSet::default();
        // Functions the trace went through: a caller outside them, public
        // ones first, is preferred, so that recursion does not hide the
        // source.
        let mut visited: HashSet<(usize, FunctionId)> = HashSet::default();
        while let Some((file, context, taint)) = current.take() {
            // Each atom is visited once, so the walk ends; this only bounds
            // the work on hostile input.
            if steps_backwards.len() > MAX_TRACE_WALK {
                break;
            }
            visited.insert((file, context));
            // An atom already walked (`self.x = join(self.x, name)` reads
            // the attribute it stores) leads back here: another one leads
            // on to the source.
            let Some(entry) = taint.entries.iter().find(|entry| {
                !seen.contains(&(file, entry.atom)) && {
                    let sig = self.eval_entry(file, context, entry);
                    self.real(file, context, sig).intersects(rule)
                }
            }) else {
                break;
            };
            seen.insert((file, entry.atom));
            let mut hop = entry.hops.as_deref();
            while let Some(h) = hop {
                steps_backwards.push(self.step(file, h.span, h.message()));
                hop = h.previous.as_deref();
            }
            let facts = &self.files[file].taint;
            match &facts.atoms[entry.atom as usize] {
                Atom::Source(source) => {
                    steps_backwards.push(self.step(
                        file,
                        source.span,
                        format!("source: {}", source.description),
                    ));
                }
                Atom::Param { function, index } => {
                    let reference = FunctionRef {
                        file: file as u32,
                        function: *function,
                    };
                    let summary = self.function(reference);
                    let Some(param) = summary.params.get(*index as usize) else {
                        break;
                    };
                    if self.is_public(reference) {
                        let why = if summary.private {
                            "its callers are not all known"
                        } else {
                            "any caller may pass it"
                        };
                        steps_backwards.push(self.step(
                            file,
                            param.span,
                            format!(
                                "source: parameter `{}` of `{}` ({why})",
                                param.name, summary.qualname
                            ),
                        ));
                        break;
                    }
                    // A private function: continue at a caller that passes
                    // tainted data for this parameter.
                    steps_backwards.push(self.step(
                        file,
                        param.span,
                        format!("parameter `{}` of `{}`", param.name, summary.qualname),
                    ));
                    let Some(callers) = self.callers.get(&reference) else {
                        break;
                    };
                    let mut next = None;
                    let mut ordered: Vec<&(u32, u32)> = callers.iter().collect();
                    ordered.sort_by_key(|&&(caller_file, call_index)| {
                        let call =
                            &self.files[caller_file as usize].taint.calls[call_index as usize];
                        let caller = FunctionRef {
                            file: caller_file,
                            function: call.caller,
                        };
                        if visited.contains(&(caller_file as usize, call.caller)) {
                            2
                        } else if self.is_public(caller) {
                            0
                        } else {
                            1
                        }
                    });
                    for &(caller_file, call_index) in ordered {
                        let caller_file = caller_file as usize;
                        let call = &self.files[caller_file].taint.calls[call_index as usize];
                        let Some((_, offset)) =
                            self.callee_function(caller_file, call_index as usize)
                        else {
                            continue;
                        };
                        let Some(argument) = argument_for(call, summary, *index as usize, offset)
                        else {
                            continue;
                        };
                        let sig = self.eval(caller_file, call.caller, &argument);
                        if self.real(caller_file, call.caller, sig).intersects(rule) {
                            steps_backwards.push(self.step(
                                caller_file,
                                call.span,
                                // Named after the parameter: the argument
                                // may be any expression.
                                format!(
                                    "tainted argument for parameter `{}` of `{}`",
                                    param.name,
                                    summary.name()
                                ),
                            ));
                            next = Some((caller_file, call.caller, argument.into_owned()));
                            break;
                        }
                    }
                    current = next;
                }
                &Atom::CallResult { call } | &Atom::CallElement { call, .. } => {
                    let element = match &facts.atoms[entry.atom as usize] {
                        Atom::CallElement { index, .. } => Some(*index),
                        _ => None,
                    };
                    let call_index = call as usize;
                    let call = &facts.calls[call_index];
                    match self.callee_function(file, call_index) {
                        Some((callee, offset))
                            if matches!(
                                self.targets[file][call_index],
                                Some(Target::Function { .. })
                            ) =>
                        {
                            let summary = self.function(callee);
                            let returned = self.returned_sig(callee, element);
                            if returned.intrinsic.intersects(rule) {
                                // A stub returns what its overrides do: the
                                // trace goes on in the first that returns it.
                                let stub = summary;
                                let callee = self
                                    .overrides
                                    .get(&callee)
                                    .into_iter()
                                    .flatten()
                                    .copied()
                                    .find(|&function| {
                                        self.own_returned_sig(function, element)
                                            .intrinsic
                                            .intersects(rule)
                                    })
                                    .unwrap_or(callee);
                                let summary = self.function(callee);
                                let label = if std::ptr::eq(summary, stub) {
                                    format!("returned by `{}`", summary.qualname)
                                } else {
                                    format!(
                                        "returned by `{}`, which overrides `{}`",
                                        summary.qualname, stub.qualname
                                    )
                                };
                                steps_backwards.push(self.step(file, call.span, label));
                                let returns = element
                                    .and_then(|index| {
                                        summary
                                            .return_elements
                                            .as_ref()
                                            .and_then(|elements| elements.get(index as usize))
                                    })
                                    .unwrap_or(&summary.returns);
                                // What the callee returns of its own sources:
                                // not its parameters, which this call may not
                                // even pass (a public callee's are tainted).
                                let (callee_file, callee_function) =
                                    (callee.file as usize, callee.function);
                                let mut own = returns.clone();
                                own.entries.retain(|entry| {
                                    self.eval_entry(callee_file, callee_function, entry)
                                        .intrinsic
                                        .intersects(rule)
                                });
                                current = Some((callee_file, callee_function, own));
                            } else {
                                let bits = returned.bits(rule);
                                let mut next = None;
                                for param in 0..summary.params.len().min(64) {
                                    if bits & (1u64 << param) == 0 {
                                        continue;
                                    }
                                    if let Some(argument) =
                                        argument_for(call, summary, param, offset)
                                    {
                                        let sig = self.eval(file, context, &argument);
                                        if self.real(file, context, sig).intersects(rule) {
                                            steps_backwards.push(self.step(
                                                file,
                                                call.span,
                                                if self.implemented_elsewhere(callee) {
                                                    format!(
                                                        "passes through `{}`, a stub implemented outside the scanned sources",
                                                        summary.qualname
                                                    )
                                                } else {
                                                    format!(
                                                        "passes through `{}` (returns its `{}`)",
                                                        summary.qualname,
                                                        summary.params[param].name
                                                    )
                                                },
                                            ));
                                            next = Some((file, context, argument.into_owned()));
                                            break;
                                        }
                                    }
                                }
                                current = next;
                            }
                        }
                        _ => {
                            // Outside the scanned sources: through an input.
                            current = call_inputs(call)
                                .find(|input| {
                                    let sig = self.eval(file, context, input);
                                    self.real(file, context, sig).intersects(rule)
                                })
                                .map(|input| (file, context, input.clone()));
                        }
                    }
                }
                Atom::SelfAttr(self_attr) => {
                    let SelfAttrAtom { class, attr } = &**self_attr;
                    let mut next = None;
                    // The class, its bases nearest first, then subclasses
                    // by name.
                    let mut hierarchy = vec![class.clone()];
                    hierarchy.extend(self.index.ancestors(class).iter().skip(1).cloned());
                    hierarchy.extend(self.index.subclasses(class).iter().cloned());
                    let stores = self.attr_stores.get(attr.as_str());
                    // A store that brings taint of its own is preferred to
                    // one that only passes the attribute's value back to it
                    // (`self.x = join(self.x, TEST_PREFIX)`).
                    'search: for brings_its_own in [true, false] {
                        for ancestor in &hierarchy {
                            for &(file_index, context, store) in stores.into_iter().flatten() {
                                let file_index = file_index as usize;
                                let function =
                                    &self.files[file_index].taint.functions[context as usize];
                                let store = &function.self_stores[store as usize];
                                if store.class != *ancestor {
                                    continue;
                                }
                                let atoms = &self.files[file_index].taint.atoms;
                                let tainted = store.taint.entries.iter().any(|entry| {
                                    let rereads = matches!(
                                        &atoms[entry.atom as usize],
                                        Atom::SelfAttr(read) if read.attr == *attr
                                    );
                                    !(brings_its_own && rereads) && {
                                        let sig = self.eval_entry(file_index, context, entry);
                                        self.real(file_index, context, sig).intersects(rule)
                                    }
                                });
                                if tainted {
                                    // The store's own hops say where it happened.
                                    next = Some((file_index, context, store.taint.clone()));
                                    break 'search;
                                }
                            }
                        }
                    }
                    current = next;
                }
                Atom::ObjectOfRead { index } => {
                    let object = &facts.object_reads[*index as usize].object;
                    current = Some((file, context, object.clone()));
                }
            }
        }
        steps_backwards.reverse();
        steps_backwards.dedup_by(|a, b| a.location == b.location && a.message == b.message);
        elide_middle(steps_backwards)
    }
}

/// Steps a trace walks back from the sink at most.
const MAX_TRACE_WALK: usize = 1000;

/// Steps a trace shows next to its source and next to its sink: a longer
/// one is shown with its middle left out, so that both ends stay visible.
const TRACE_HEAD: usize = 8;
const TRACE_TAIL: usize = 24;

fn elide_middle(mut steps: Vec<TraceStep>) -> Vec<TraceStep> {
    if steps.len() <= TRACE_HEAD + TRACE_TAIL + 1 {
        return steps;
    }
    let tail = steps.split_off(steps.len() - TRACE_TAIL);
    let left_out = steps.len() - TRACE_HEAD;
    steps.truncate(TRACE_HEAD + 1);
    if let Some(first_left_out) = steps.last_mut() {
        first_left_out.message = format!("... {left_out} more steps ...");
    }
    steps.extend(tail);
    steps
}

/// What the scanned implementation of a sink does with its arguments.
pub struct Implementation {
    pub function: FunctionRef,
    /// The call site and the number of implicitly bound parameters.
    pub call: CallId,
    pub offset: u16,
    /// The arguments it runs as (part of) a command.
    pub command: Taint,
    /// The arguments it runs as (part of) a command run as root.
    pub privileged: Taint,
}

/// `slot |= bits`; whether that changed `slot`.
fn or_bits(slot: &AtomicU64, bits: u64) -> bool {
    // Most updates add nothing: no locked instruction for them.
    if slot.load(Relaxed) & bits == bits {
        return false;
    }
    let before = slot.fetch_or(bits, Relaxed);
    before | bits != before
}

/// `privileged_reach` of a function no entry point reaches.
const NO_ENTRY_POINT: u32 = u32::MAX;

/// Per file, the files it calls into.
fn file_callees(targets: &[Vec<Option<Target>>]) -> Vec<Vec<usize>> {
    targets
        .par_iter()
        .map(|calls| {
            let mut files: Vec<usize> = calls
                .iter()
                .filter_map(|target| match target {
                    Some(Target::Function { function, .. })
                    | Some(Target::Constructor {
                        init: Some(function),
                    }) => Some(function.file as usize),
                    _ => None,
                })
                .collect();
            files.sort_unstable();
            files.dedup();
            files
        })
        .collect()
}

/// The files in an order where the files a file calls come before it
/// (depth-first post-order of the file call graph; cycles broken
/// arbitrarily but deterministically).
fn callees_first(callees: &[Vec<usize>]) -> Vec<usize> {
    let file_count = callees.len();
    let mut order = Vec::with_capacity(file_count);
    let mut visited = vec![false; file_count];
    for root in 0..file_count {
        if visited[root] {
            continue;
        }
        visited[root] = true;
        // (file, index of the next callee to visit)
        let mut stack = vec![(root, 0usize)];
        while let Some((file, next)) = stack.last_mut() {
            if let Some(&callee) = callees[*file].get(*next) {
                *next += 1;
                if !visited[callee] {
                    visited[callee] = true;
                    stack.push((callee, 0));
                }
            } else {
                order.push(*file);
                stack.pop();
            }
        }
    }
    order
}

/// The files of `order` by level, each level in that order: a file's level
/// is one more than the highest level of the files it calls that come
/// before it, so the files of a level call none of each other, except
/// around a cycle of calls.
fn levels(order: &[usize], callees: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let mut level_of: Vec<Option<usize>> = vec![None; callees.len()];
    let mut levels: Vec<Vec<usize>> = Vec::new();
    for &file in order {
        let level = callees[file]
            .iter()
            .filter_map(|&callee| level_of[callee])
            .max()
            .map_or(0, |highest| highest + 1);
        level_of[file] = Some(level);
        if levels.len() <= level {
            levels.resize_with(level + 1, Vec::new);
        }
        levels[level].push(file);
    }
    levels
}

/// Whether some call of the file reads the result of itself or of a call
/// recorded after it.
fn back_reference_groups(file: &FileFacts, groups: &[FunctionId]) -> Vec<FunctionId> {
    let mut found: Vec<FunctionId> = file
        .taint
        .calls
        .iter()
        .enumerate()
        .filter(|(index, call)| {
            call_inputs(call).any(|input| {
                file.taint.atoms_within(input).any(|atom| {
                    matches!(
                        *atom,
                        Atom::CallResult { call } | Atom::CallElement { call, .. }
                            if call as usize >= *index
                    )
                })
            })
        })
        .map(|(_, call)| groups[call.caller as usize])
        .collect();
    found.sort_unstable();
    found.dedup();
    found
}

/// Per function of a file, its closure group: the outermost function it
/// is nested in (itself when it is not nested). A function reads the
/// variables of the functions it is nested in, and module-level code
/// (group 0) is read by all of them (globals); no function reads the
/// calls or parameters of another group (`taint_stays_in_its_group`
/// checks this on every fixture).
fn closure_groups(file: &FileFacts) -> Vec<FunctionId> {
    let functions = &file.taint.functions;
    let mut groups: Vec<FunctionId> = Vec::with_capacity(functions.len());
    for (index, function) in functions.iter().enumerate() {
        // A parent comes before the functions nested in it.
        let group = match function.parent {
            Some(parent) if (parent as usize) < index => groups[parent as usize],
            _ => index as FunctionId,
        };
        groups.push(group);
    }
    groups
}

/// The files, and the closure groups within them, that read something
/// that changed since they were last visited. A change to module-level
/// code (group 0) revisits the whole file: every function reads it.
/// Shared by the solver's threads: a mark sets its group before the file's
/// flag, and a visit clears the file's flag before reading the groups and
/// the values, so no mark is lost and a visit sees what was marked.
struct Worklist {
    dirty: Vec<AtomicBool>,
    whole: Vec<AtomicBool>,
    groups: Vec<Vec<AtomicBool>>,
    /// Per file, per function: its group (`closure_groups`).
    group_of: Vec<Vec<FunctionId>>,
}

impl Worklist {
    /// Every file, whole.
    fn new(group_of: Vec<Vec<FunctionId>>) -> Worklist {
        Worklist {
            dirty: group_of.iter().map(|_| AtomicBool::new(true)).collect(),
            whole: group_of.iter().map(|_| AtomicBool::new(true)).collect(),
            groups: group_of
                .iter()
                .map(|f| f.iter().map(|_| AtomicBool::new(false)).collect())
                .collect(),
            group_of,
        }
    }

    fn mark_file(&self, file: usize) {
        self.whole[file].store(true, SeqCst);
        self.dirty[file].store(true, SeqCst);
    }

    /// Marks the group of `function` of `file`.
    fn mark(&self, file: usize, function: FunctionId) {
        match self.group_of[file].get(function as usize) {
            Some(&group) if group != 0 => {
                self.groups[file][group as usize].store(true, SeqCst);
                self.dirty[file].store(true, SeqCst);
            }
            _ => self.mark_file(file),
        }
    }

    fn is_marked(&self, file: usize) -> bool {
        self.dirty[file].load(SeqCst)
    }

    /// What to recompute of `file`, if anything (per function, whether
    /// its group is marked); clears its marks.
    fn take(&self, file: usize) -> Option<Vec<bool>> {
        if !self.dirty[file].swap(false, SeqCst) {
            return None;
        }
        let whole = self.whole[file].swap(false, SeqCst);
        let marked: Vec<bool> = self.groups[file]
            .iter()
            .map(|group| group.load(Relaxed) && group.swap(false, SeqCst))
            .collect();
        Some(
            self.group_of[file]
                .iter()
                .map(|&group| whole || marked[group as usize])
                .collect(),
        )
    }

    fn is_empty(&self) -> bool {
        !self.dirty.iter().any(|dirty| dirty.load(SeqCst))
    }
}

/// For each attribute name, the stores into `self.<attr>` in document
/// order.
fn attr_stores(files: &[FileFacts]) -> HashMap<String, Vec<(u32, FunctionId, u32)>> {
    let mut stores: HashMap<String, Vec<(u32, FunctionId, u32)>> = HashMap::default();
    for (file_index, file) in files.iter().enumerate() {
        for (function_index, function) in file.taint.functions.iter().enumerate() {
            for (store_index, store) in function.self_stores.iter().enumerate() {
                stores.entry(store.attr.clone()).or_default().push((
                    file_index as u32,
                    function_index as FunctionId,
                    store_index as u32,
                ));
            }
        }
    }
    stores
}

/// For each attribute name, each class whose methods store into
/// `self.<attr>`, with its slot (numbered from 0).
fn attr_slots(
    files: &[FileFacts],
    stores: &HashMap<String, Vec<(u32, FunctionId, u32)>>,
) -> HashMap<String, HashMap<String, usize>> {
    let mut slots: HashMap<String, HashMap<String, usize>> = HashMap::default();
    let mut count = 0;
    for (attr, stores) in stores {
        let by_class = slots.entry(attr.clone()).or_default();
        for &(file, function, store) in stores {
            let class = &files[file as usize].taint.functions[function as usize].self_stores
                [store as usize]
                .class;
            if !by_class.contains_key(class) {
                by_class.insert(class.clone(), count);
                count += 1;
            }
        }
    }
    slots
}

/// For each attribute name, the files that read `self.<attr>`.
fn attr_readers(files: &[FileFacts]) -> HashMap<String, Vec<(u32, String)>> {
    let mut readers: HashMap<String, Vec<(u32, String)>> = HashMap::default();
    for (file_index, file) in files.iter().enumerate() {
        for atom in &file.taint.atoms {
            if let Atom::SelfAttr(self_attr) = atom {
                let found = readers.entry(self_attr.attr.clone()).or_default();
                let known = found
                    .iter()
                    .rev()
                    .take_while(|(file, _)| *file == file_index as u32)
                    .any(|(_, class)| *class == self_attr.class);
                if !known {
                    found.push((file_index as u32, self_attr.class.clone()));
                }
            }
        }
    }
    readers
}

/// Private function → its call sites; whether each function's parameters
/// are sources (public, or private with callers not all known); and the
/// parameters tainted from the start (those of public functions).
#[allow(clippy::type_complexity)]
fn public_parameters(
    files: &[FileFacts],
    index: &ProjectIndex,
    targets: &[Vec<Option<Target>>],
    dispatched: &[Vec<Box<[FunctionRef]>>],
) -> (
    HashMap<FunctionRef, Vec<(u32, CallId)>>,
    Vec<Vec<bool>>,
    Vec<Vec<ParamCell>>,
) {
    let mut callers: HashMap<FunctionRef, Vec<(u32, CallId)>> = HashMap::default();
    // `self._parent._as_root(...)`: a method of that name may be called
    // where the object's class is not known. (A command callable's name,
    // `obj._run(...)`, makes the call a command sink itself: reported
    // there, as the calls of a wrapper are.)
    let mut unresolved_methods: HashSet<&str> = HashSet::default();
    for (file_index, file_targets) in targets.iter().enumerate() {
        let file = &files[file_index].taint;
        for (call_index, target) in file_targets.iter().enumerate() {
            let call = &file.calls[call_index];
            let function = match target {
                Some(Target::Function { function, .. }) => Some(*function),
                Some(Target::Constructor { init: Some(init) }) => Some(*init),
                Some(Target::Constructor { init: None }) => None,
                None => {
                    if !call.forwards_command
                        && let Callee::UnknownMethod { name } = &file.callees[call.callee as usize]
                    {
                        unresolved_methods.insert(name);
                    }
                    None
                }
            };
            let alternates = function.map_or(&[][..], |f| index.alternates(f));
            let overrides = &dispatched[file_index][call.callee as usize];
            for &function in function.iter().chain(alternates).chain(overrides.iter()) {
                callers
                    .entry(function)
                    .or_default()
                    .push((file_index as u32, call_index as CallId));
            }
        }
    }
    // Parameters of public functions (and of private ones whose callers
    // are not all known) are sources; the others start clean and take
    // the taint of the arguments their callers pass.
    let public = per_function(files, |reference, function| {
        !function.is_module
            && (!function.private
                || function.class.is_some() && unresolved_methods.contains(function.name())
                || index.escaping_names.contains(function.name())
                || index.escaping_functions.contains(&reference)
                || !callers.contains_key(&reference))
    });
    let params = per_function(files, |reference, function| {
        if public[reference.file as usize][reference.function as usize] {
            let all = data_param_bits(function);
            ParamCell::new(ParamTaint {
                command: all,
                path: all,
            })
        } else {
            ParamCell::default()
        }
    });
    (callers, public, params)
}

/// A table with one value per function of every file.
fn per_function<T: Send>(
    files: &[FileFacts],
    value: impl Fn(FunctionRef, &FunctionSummary) -> T + Sync,
) -> Vec<Vec<T>> {
    files
        .par_iter()
        .enumerate()
        .map(|(file, facts)| {
            facts
                .taint
                .functions
                .iter()
                .enumerate()
                .map(|(function, summary)| {
                    let reference = FunctionRef {
                        file: file as u32,
                        function: function as FunctionId,
                    };
                    value(reference, summary)
                })
                .collect()
        })
        .collect()
}

/// Bits of the parameters that carry data (not `self`/`cls`).
fn data_param_bits(function: &FunctionSummary) -> u64 {
    let mut bits = 0;
    for index in function.first_data_param as usize..function.params.len() {
        bits |= 1u64 << index.min(63);
    }
    bits
}

/// Everything a call is given: receiver, arguments, keywords, splats.
fn call_inputs(call: &CallSite) -> impl Iterator<Item = &Taint> {
    call.receiver
        .iter()
        .chain(call.args.iter())
        .chain(call.keywords.iter().map(|keyword| &keyword.value))
        .chain(call.splat.iter())
}

/// The argument a call passes for parameter `param` of `callee`.
pub fn argument_for<'c>(
    call: &'c CallSite,
    callee: &FunctionSummary,
    param: usize,
    offset: u16,
) -> Option<Cow<'c, Taint>> {
    let info = callee.params.get(param)?;
    if info.keywords {
        let mut taint = Taint::default();
        for keyword in &call.keywords {
            if !callee.params.iter().any(|p| *p.name == *keyword.name) {
                taint.union_with(&keyword.value);
            }
        }
        if let Some(splat) = &call.splat {
            taint.union_with(splat);
        }
        return Some(Cow::Owned(taint));
    }
    if let Some(keyword) = call.keywords.iter().find(|k| *k.name == *info.name) {
        return Some(Cow::Borrowed(&keyword.value));
    }
    let position = param.checked_sub(offset as usize)?;
    if info.variadic {
        let mut taint = Taint::default();
        for value in call.args.iter().skip(position) {
            taint.union_with(value);
        }
        if let Some(splat) = &call.splat {
            taint.union_with(splat);
        }
        return Some(Cow::Owned(taint));
    }
    call.args
        .get(position)
        .or(call.splat.as_ref())
        .map(Cow::Borrowed)
}

/// Whether the positional argument a call passes for parameter `param`
/// (after `offset` implicitly bound ones) has its bit set in `bits` (one
/// bit per position, the first 64).
fn positional_bit(bits: u64, param: u16, offset: u16) -> bool {
    param
        .checked_sub(offset)
        .is_some_and(|position| position < 64 && bits & (1u64 << position) != 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::Settings;
    use crate::rules::{Extensions, TaintConfig};

    fn facts_of(
        path: &std::path::Path,
        text: String,
        project: &crate::taint::ProjectModules,
    ) -> FileFacts {
        let settings = Settings {
            taint: TaintConfig::new(&Extensions::default()),
            parse_only: false,
            process_exits_after: false,
        };
        let tree = crate::parse::parse_python(&text).expect("parse");
        let tree = crate::syntax::SyntaxTree::from_tree(&tree);
        let source = crate::parse::SourceFile::new(path.display().to_string().into(), text.into());
        crate::facts::extract(
            source,
            &tree,
            crate::facts::module_name(path),
            &settings,
            project,
        )
    }

    /// Closures reading their parents' parameters, locals and calls, and
    /// functions reading globals.
    const CLOSURES: &str = "\
import subprocess
PREFIX = input()

def outer(path, mode):
    name = helper(path)
    def inner(flag):
        def innermost():
            return run(name, mode)
        subprocess.call(PREFIX + name + path + innermost(), shell=True)
    return inner

class Runner:
    def go(self, arg):
        values = [fetch(v) for v in arg]
        return lambda: subprocess.call(values, shell=True)
";

    /// The facts of every Python file under `fixtures/`, and of `CLOSURES`.
    /// Two modules whose results flow both ways: a private function and
    /// a private method take their parameters from the caller's module,
    /// which reads back the base class's attributes they taint.
    const CALLEE_MODULE: &str = "\
import subprocess

def _run(cmd):
    subprocess.call(cmd, shell=True)

class Base:
    def _remember(self, value):
        self.saved = value

    def set(self, value):
        self.target = value
";

    const CALLER_MODULE: &str = "\
import subprocess
from callee_mod import _run, Base

def go(arg):
    _run('ls ' + arg)

class Reader(Base):
    def keep(self, arg):
        self._remember(arg)

    def show(self):
        return 'cat ' + self.target + self.saved
";

    /// Scanned together, as a run over `fixtures/` scans them: calls
    /// between their modules enter the scanned sources.
    fn fixture_facts() -> Vec<FileFacts> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let mut files = vec![
            (root.join("closures.py"), CLOSURES.to_string()),
            (root.join("callee_mod.py"), CALLEE_MODULE.to_string()),
            (root.join("caller_mod.py"), CALLER_MODULE.to_string()),
        ];
        for entry in walkdir::WalkDir::new(&root).sort_by_file_name() {
            let path = entry.expect("walk fixtures").into_path();
            if path.extension().is_none_or(|ext| ext != "py") {
                continue;
            }
            let bytes = std::fs::read(&path).expect("read fixture");
            let text = crate::parse::decode(bytes).expect("decode fixture");
            files.push((path, text));
        }
        let mut project = crate::taint::ProjectModules::default();
        for (path, _) in &files {
            project.insert(&crate::facts::module_name(path).0);
        }
        files
            .into_iter()
            .map(|(path, text)| facts_of(&path, text, &project))
            .collect()
    }

    /// Everything the fixed point computed, in a comparable form.
    fn snapshot(solution: &Solution) -> Vec<String> {
        let mut lines = Vec::new();
        for (file, facts) in solution.files.iter().enumerate() {
            for (call, sig) in solution.call_sigs[file].iter().enumerate() {
                lines.push(format!("{file} call {call}: {:?}", sig.get()));
            }
            for function in 0..facts.taint.functions.len() {
                let elements: Vec<Sig> = solution.element_returns[file][function]
                    .iter()
                    .flatten()
                    .map(SigCell::get)
                    .collect();
                lines.push(format!(
                    "{file} function {function}: returns {:?} {elements:?} params {:?} \
                     shell {} command {} privileged {} reach {:?}",
                    solution.returns[file][function].get(),
                    solution.params[file][function].get(),
                    solution.shell_params[file][function].load(Relaxed),
                    solution.command_params[file][function].load(Relaxed),
                    solution.privileged_params[file][function].load(Relaxed),
                    solution.privileged_reach(file, function as FunctionId),
                ));
            }
        }
        for (attr, by_class) in &solution.attrs {
            for class in by_class.keys() {
                lines.push(format!(
                    "self.{attr} of {class}: {:?}",
                    solution.attr_taint(class, attr)
                ));
            }
        }
        lines.sort();
        lines
    }

    /// Visits run in parallel, in an order that depends on the threads:
    /// the fixed point must not, nor on the order of the levels (callers
    /// first, every result a file reads arrives after its visit, and only
    /// the worklist's marks bring it back).
    #[test]
    fn same_fixed_point_whatever_the_order_of_the_visits() {
        let files = fixture_facts();
        let index = ProjectIndex::build(&files);
        let solve_on = |threads: usize, sweep: Sweep| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("thread pool")
                .install(|| snapshot(&Solution::solve_sweeping(&files, &index, sweep)))
        };
        let callees = file_callees(&Solution::solve(&files, &index).targets);
        let levels = levels(&callees_first(&callees), &callees);
        assert!(levels.len() > 1, "calls between fixture modules");
        let alone = solve_on(1, Sweep::CalleesFirst);
        assert!(alone.iter().any(|line| line.contains("shell 1")));
        assert!(alone.iter().any(|line| line.contains("reach Some")));
        for threads in [1, 2, 3, 8] {
            for sweep in [Sweep::CalleesFirst, Sweep::CallersFirst] {
                assert!(
                    solve_on(threads, sweep) == alone,
                    "{threads} threads, {} first",
                    if sweep == Sweep::CalleesFirst {
                        "callees"
                    } else {
                        "callers"
                    }
                );
            }
        }
    }

    /// What the solver's worklist relies on: a function's taint refers
    /// only to the calls and parameters of its own closure group or of
    /// module-level code, so a change elsewhere need not revisit it.
    #[test]
    fn taint_stays_in_its_group() {
        let all = fixture_facts();
        assert!(all.len() > 10);
        for file in &all {
            let taint = &file.taint;
            let groups = closure_groups(file);
            let group_of_atom = |atom: &Atom| match *atom {
                Atom::CallResult { call } | Atom::CallElement { call, .. } => {
                    Some(groups[taint.calls[call as usize].caller as usize])
                }
                Atom::Param { function, .. } => Some(groups[function as usize]),
                Atom::Source(_) | Atom::SelfAttr(_) | Atom::ObjectOfRead { .. } => None,
            };
            let check = |function: FunctionId, value: &Taint| {
                for atom in taint.atoms_within(value) {
                    if let Some(group) = group_of_atom(atom) {
                        assert!(
                            group == 0 || group == groups[function as usize],
                            "{}: function {} reads {atom:?} of group {group}",
                            file.source.path,
                            taint.functions[function as usize].qualname,
                        );
                    }
                }
            };
            for call in &taint.calls {
                for input in call_inputs(call) {
                    check(call.caller, input);
                }
            }
            for sink in &taint.sinks {
                check(sink.function, &sink.data);
            }
            for (index, function) in taint.functions.iter().enumerate() {
                let index = index as FunctionId;
                check(index, &function.returns);
                for element in function.return_elements.iter().flatten() {
                    check(index, element);
                }
                for store in &function.self_stores {
                    check(index, &store.taint);
                }
            }
        }
    }
}
