//! libFuzzer entry for the `csv_import` check; what it checks is documented on
//! `portcullis_fuzz_checks::csv_import` (fuzz/checks), which `cargo test` also runs.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| portcullis_fuzz_checks::csv_import(data));
