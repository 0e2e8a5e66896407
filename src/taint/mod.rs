//! The dataflow engine shared by MG001 and MG002.
