//! Micro-benchmarks of the cryptographic work on the hot paths: ID-token signing
//! (ES256, RS256), TOTP verification, and one argon2id verification with the
//! server's parameters (the bound of a password login on one core).
//!
//! `cargo bench --bench crypto`; `cargo test --all-targets` runs each once.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use portcullis::auth::{password, totp};
use portcullis::keys::{KeyRing, SigningAlg};
use portcullis::oidc::id_token::{self, IdTokenClaims, ProfileClaims};

fn claims() -> IdTokenClaims {
    let now = 1_795_000_000;
    IdTokenClaims {
        iss: "https://id.example.com".into(),
        sub: "0b6f3c1e-2f4a-4f7e-9d55-6a1c0e3b2a10".into(),
        aud: "hVaraV8qHNgX28Vk_d5Tng".into(),
        exp: now + 3600,
        iat: now,
        auth_time: now - 60,
        acr: "urn:example:jira:2fa".into(),
        amr: vec!["pwd".into(), "otp".into(), "mfa".into()],
        sid: "Zr4bq1k2V0mKX2p9Qm3aQw".into(),
        azp: "hVaraV8qHNgX28Vk_d5Tng".into(),
        nonce: Some("n-0S6_WzA2Mj".into()),
        at_hash: Some(id_token::at_hash("SlAV32hkKG")),
        idp: None,
        profile: ProfileClaims {
            name: Some("Alice Example".into()),
            preferred_username: Some("alice".into()),
            email: Some("alice@example.com".into()),
            email_verified: Some(false),
            ..ProfileClaims::default()
        },
    }
}

fn id_token_signing(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temporary key folder");
    let keys = KeyRing::load_or_create(dir.path()).expect("keys");
    let claims = claims();
    let mut g = c.benchmark_group("id_token_sign");
    for alg in SigningAlg::ALL {
        g.bench_function(alg.as_str(), |b| {
            b.iter(|| id_token::sign(&keys, alg, black_box(&claims)).expect("signed"))
        });
    }
    g.finish();
}

fn totp_verification(c: &mut Criterion) {
    let seed = totp::generate_secret();
    let now = 1_795_000_000;
    let code = totp::code_at(&seed, now);
    c.bench_function("totp_verify", |b| {
        b.iter(|| totp::verify(black_box(&seed), black_box(&code), now).expect("valid"))
    });
}

fn argon2id_verification(c: &mut Criterion) {
    let hash = password::hash("correct horse battery").expect("hash");
    let mut g = c.benchmark_group("password");
    g.sample_size(10).measurement_time(Duration::from_secs(5));
    g.bench_function("argon2id_verify", |b| {
        b.iter(|| password::verify(black_box("correct horse battery"), &hash))
    });
    // As the server's verification threads run it: the 19 MiB block is kept.
    let mut scratch = password::Scratch::default();
    g.bench_function("argon2id_verify_kept_memory", |b| {
        b.iter(|| password::verify_in(&mut scratch, black_box("correct horse battery"), &hash))
    });
    g.finish();
}

criterion_group!(
    benches,
    id_token_signing,
    totp_verification,
    argon2id_verification
);
criterion_main!(benches);
