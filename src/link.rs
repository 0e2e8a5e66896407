//! The project index: what every name in the scanned tree refers to.

use crate::facts::FileFacts;

pub struct ProjectIndex {}

impl ProjectIndex {
    pub fn build(_files: &[FileFacts]) -> ProjectIndex {
        ProjectIndex {}
    }
}
