//! The floor under mountguard's own parse-only floor, for the benchmark:
//! tree-sitter alone, with none of mountguard's code. Every `.py` file
//! under the given paths is read, parsed with one parser per rayon thread
//! and walked once with a `TreeCursor` (reading each node's kind, as any
//! analysis must). Prints the file and node counts to stderr.
//!
//! `cargo run --release --example tree_sitter_floor -- DIR...` (bench/run.sh
//! builds and times it beside mountguard).

use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;
use tree_sitter::Parser;

// The allocator mountguard's binary uses, so the floors compare parsing.
#[cfg(all(target_os = "linux", not(target_env = "musl")))]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

thread_local! {
    static PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
}

/// Nodes of the file's tree, or `None` when it cannot be read as UTF-8.
fn parse_and_walk(path: &std::path::Path) -> Option<usize> {
    let text = std::fs::read_to_string(path).ok()?;
    PARSER.with(|cell| {
        let mut slot = cell.borrow_mut();
        let parser = slot.get_or_insert_with(|| {
            let mut parser = Parser::new();
            parser
                .set_language(&tree_sitter_python::LANGUAGE.into())
                .expect("tree-sitter-python is compatible with tree-sitter");
            parser
        });
        let tree = parser.parse(&text, None)?;
        let mut cursor = tree.walk();
        let mut nodes = 0usize;
        let mut kinds = 0usize;
        loop {
            nodes += 1;
            kinds = kinds.wrapping_add(cursor.node().kind_id() as usize);
            if cursor.goto_first_child() {
                continue;
            }
            while !cursor.goto_next_sibling() {
                if !cursor.goto_parent() {
                    // Keeps the kind reads from being optimised away.
                    std::hint::black_box(kinds);
                    return Some(nodes);
                }
            }
        }
    })
}

fn main() {
    let mut files = Vec::new();
    for root in std::env::args().skip(1) {
        for entry in walkdir::WalkDir::new(&root).into_iter().flatten() {
            if entry.file_type().is_file() && entry.path().extension().is_some_and(|e| e == "py") {
                files.push(entry.into_path());
            }
        }
    }
    let unreadable = AtomicUsize::new(0);
    let nodes: usize = files
        .par_iter()
        .map(|path| {
            parse_and_walk(path).unwrap_or_else(|| {
                unreadable.fetch_add(1, Ordering::Relaxed);
                0
            })
        })
        .sum();
    eprintln!(
        "tree_sitter_floor: {} files ({} unreadable), {nodes} nodes",
        files.len(),
        unreadable.into_inner()
    );
}
