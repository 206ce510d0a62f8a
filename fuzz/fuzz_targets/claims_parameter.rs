//! libFuzzer entry for the `claims_parameter` check; what it checks is documented on
//! `portcullis_fuzz_checks::claims_parameter` (fuzz/checks), which `cargo test` also runs.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| portcullis_fuzz_checks::claims_parameter(data));
