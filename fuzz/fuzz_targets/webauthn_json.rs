//! libFuzzer entry for the `webauthn_json` check; what it checks is documented on
//! `portcullis_fuzz_checks::webauthn_json` (fuzz/checks), which `cargo test` also runs.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| portcullis_fuzz_checks::webauthn_json(data));
