//! The class hierarchy across files (bases, subclasses, attributes).

use crate::facts::FileFacts;

#[derive(Debug, Default)]
pub struct ClassIndex {}

impl ClassIndex {
    pub fn build(_files: &[FileFacts]) -> ClassIndex {
        ClassIndex::default()
    }
}
