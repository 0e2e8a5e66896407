//! MG004 wrong-object-attribute.

use crate::facts::FileFacts;
use crate::finding::Finding;
use crate::link::ProjectIndex;

pub fn check(_files: &[FileFacts], _index: &ProjectIndex) -> Vec<Finding> {
    Vec::new()
}
