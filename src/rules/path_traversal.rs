//! taint rule

use crate::analysis::Settings;
use crate::facts::FileFacts;
use crate::finding::Finding;
use crate::link::ProjectIndex;

pub fn check(_files: &[FileFacts], _index: &ProjectIndex, _settings: &Settings) -> Vec<Finding> {
    Vec::new()
}
