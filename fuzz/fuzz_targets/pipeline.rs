//! Arbitrary bytes through the whole per-file pipeline: parse, facts,
//! every rule, noqa/baseline, every output format.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| mountguard::fuzz_harness::run(data));
