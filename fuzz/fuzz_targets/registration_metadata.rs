//! libFuzzer entry for the `registration_metadata` check; what it checks is documented on
//! `portcullis_fuzz_checks::registration_metadata` (fuzz/checks), which `cargo test` also runs.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| portcullis_fuzz_checks::registration_metadata(data));
