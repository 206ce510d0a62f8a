//! The short fuzz run of `cargo test`: every target over its kept corpus, then
//! over `PORTCULLIS_FUZZ_RUNS` inputs (default 20,000) mutated from it. The seed
//! is new on each run (`PORTCULLIS_FUZZ_SEED` repeats one); an input that breaks
//! a property is written to `fuzz/artifacts/<target>/`, where `make fuzz` and
//! the libFuzzer binaries can replay it, and shown in the failure.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::TARGETS;
use crate::mutate::{Rng, mutate};

const MAX_LEN: usize = 4096;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = fuzz_dir().join("corpus").join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| std::fs::read(f).expect("a corpus file"))
        .collect()
}

/// Runs `check` on `input`; on a panic keeps the input and fails with it.
fn run(target: &str, check: fn(&[u8]), input: &[u8], what: &str) {
    if catch_unwind(AssertUnwindSafe(|| check(input))).is_ok() {
        return;
    }
    let dir = fuzz_dir().join("artifacts").join(target);
    let file = dir.join(format!("cargo-test-{what}"));
    let saved = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&file, input));
    panic!(
        "{target}: a property broke on {what} (input {}, {saved:?}): {:?}",
        file.display(),
        String::from_utf8_lossy(input)
    );
}

fn fuzz(target: &str) {
    let check = TARGETS
        .iter()
        .find(|(name, _)| *name == target)
        .map(|(_, f)| *f)
        .expect("a listed target");
    let corpus = corpus(target);
    assert!(!corpus.is_empty(), "{target}: the kept corpus is empty");
    for (i, input) in corpus.iter().enumerate() {
        run(target, check, input, &format!("corpus-{i}"));
    }
    let runs = env_u64("PORTCULLIS_FUZZ_RUNS").unwrap_or(20_000);
    let seed = env_u64("PORTCULLIS_FUZZ_SEED").unwrap_or_else(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64)
    });
    eprintln!("{target}: {runs} mutated inputs, PORTCULLIS_FUZZ_SEED={seed}");
    let mut rng = Rng::new(seed);
    for i in 0..runs {
        let mut input = corpus[rng.below(corpus.len())].clone();
        mutate(&mut rng, &mut input, &corpus, MAX_LEN);
        run(target, check, &input, &format!("seed-{seed}-run-{i}"));
    }
}

#[test]
fn authorize_request() {
    fuzz("authorize_request");
}

#[test]
fn claims_parameter() {
    fuzz("claims_parameter");
}

#[test]
fn token_request() {
    fuzz("token_request");
}

#[test]
fn registration_metadata() {
    fuzz("registration_metadata");
}

#[test]
fn csv_import() {
    fuzz("csv_import");
}

#[test]
fn webauthn_json() {
    fuzz("webauthn_json");
}

#[test]
fn forwarded_headers() {
    fuzz("forwarded_headers");
}

#[test]
fn saml_authn_request() {
    fuzz("saml_authn_request");
}

/// Each target has its libFuzzer binary and a kept corpus, and nothing else
/// has either.
#[test]
fn every_target_is_built_and_has_a_corpus() {
    let manifest = std::fs::read_to_string(fuzz_dir().join("Cargo.toml")).expect("fuzz/Cargo.toml");
    let bins = manifest.matches("[[bin]]").count();
    assert_eq!(bins, TARGETS.len(), "one [[bin]] per target");
    let folders = std::fs::read_dir(fuzz_dir().join("corpus"))
        .expect("fuzz/corpus")
        .count();
    assert_eq!(folders, TARGETS.len(), "one corpus folder per target");
    for (name, _) in TARGETS {
        assert!(manifest.contains(&format!("name = \"{name}\"")), "{name}");
        let source = fuzz_dir().join("fuzz_targets").join(format!("{name}.rs"));
        let text = std::fs::read_to_string(&source).expect("the target's source");
        assert!(
            text.contains(&format!("portcullis_fuzz_checks::{name}")),
            "{name}"
        );
    }
}
