//! libFuzzer entry for the `forwarded_headers` check; what it checks is documented on
//! `portcullis_fuzz_checks::forwarded_headers` (fuzz/checks), which `cargo test` also runs.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| portcullis_fuzz_checks::forwarded_headers(data));
