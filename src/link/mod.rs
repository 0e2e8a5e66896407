//! The project index: what the names of every file refer to across the
//! scanned tree. Built once, globally, from per-file facts (never trees).

pub mod classes;

use crate::facts::FileFacts;

pub struct ProjectIndex {
    pub classes: classes::ClassIndex,
}

impl ProjectIndex {
    pub fn build(files: &[FileFacts]) -> ProjectIndex {
        ProjectIndex {
            classes: classes::ClassIndex::build(files),
        }
    }
}
