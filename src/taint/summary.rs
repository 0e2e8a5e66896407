//! Per-file taint summaries.

#[derive(Debug, Clone, Default)]
pub struct FileTaint {}
