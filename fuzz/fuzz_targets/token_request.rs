//! libFuzzer entry for the `token_request` check; what it checks is documented on
//! `portcullis_fuzz_checks::token_request` (fuzz/checks), which `cargo test` also runs.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| portcullis_fuzz_checks::token_request(data));
