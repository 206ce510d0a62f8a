use super::*;

fn tmp() -> PathBuf {
    let d = std::env::temp_dir().join(format!("portcullis-keys-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn creates_keys_with_private_mode_and_thumbprint_kids() {
    let dir = tmp();
    let ring = KeyRing::load_or_create(&dir).unwrap();
    let set = ring.current();
    assert_eq!(set.keys().len(), 2);
    for k in set.keys() {
        assert_eq!(k.kid.len(), 43, "base64url SHA-256 thumbprint");
    }
    #[cfg(unix)]
    for entry in std::fs::read_dir(&dir).unwrap() {
        use std::os::unix::fs::PermissionsExt;
        let mode = entry.unwrap().metadata().unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let jwks: serde_json::Value = serde_json::from_str(&set.jwks_json()).unwrap();
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 2);
    // Loading again reuses the same keys.
    let again = KeyRing::load_or_create(&dir).unwrap();
    assert_eq!(again.current().jwks_json(), set.jwks_json());
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn rotation_adds_a_key_that_signs_and_keeps_the_old_one_published() {
    let dir = tmp();
    let ring = KeyRing::load_or_create(&dir).unwrap();
    let old = ring
        .current()
        .active(SigningAlg::ES256)
        .unwrap()
        .kid
        .clone();
    // Names carry seconds: make sure the new one is newer.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    rotate(&dir, SigningAlg::ES256).unwrap();
    assert!(ring.reload_if_changed().unwrap());
    let set = ring.current();
    let new = set.active(SigningAlg::ES256).unwrap().kid.clone();
    assert_ne!(old, new);
    assert!(set.jwks_json().contains(&old));
    let jwt = ring
        .sign(SigningAlg::ES256, &serde_json::json!({"a": 1}))
        .unwrap();
    let header = jsonwebtoken::decode_header(&jwt).unwrap();
    assert_eq!(header.kid.as_deref(), Some(new.as_str()));
    assert!(!ring.reload_if_changed().unwrap());
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn half_hash_matches_the_spec_example_shape() {
    assert_eq!(half_hash("x").len(), 22);
}

/// Two instances share the keys folder and each reloads on its own clock: a
/// hint signed by the other one's new key verifies here at once, and a token
/// naming a kid nobody has makes us look at the folder at most once a second.
#[test]
fn a_key_another_instance_just_added_verifies_here_before_our_reload() {
    let dir = tmp();
    let here = KeyRing::load_or_create(&dir).unwrap();
    let there = KeyRing::load_or_create(&dir).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    rotate(&dir, SigningAlg::RS256).unwrap();
    assert!(there.reload_if_changed().unwrap());
    let claims = serde_json::json!({"iss": "https://id.example", "sub": "u", "aud": "c"});
    let jwt = there.sign(SigningAlg::RS256, &claims).unwrap();
    let known = here
        .current()
        .verify_ignoring_expiry::<serde_json::Value>(&jwt, "https://id.example");
    assert!(known.is_none(), "not in our set before a reload");
    let got: serde_json::Value = here
        .verify_ignoring_expiry(&jwt, "https://id.example")
        .expect("found in the folder");
    assert_eq!(got["sub"], "u");
    assert!(
        here.verify_ignoring_expiry::<serde_json::Value>(&jwt, "https://other")
            .is_none()
    );

    let mut header = jsonwebtoken::decode_header(&jwt).unwrap();
    header.kid = Some("nobody".into());
    let bogus = format!(
        "{}.{}",
        crate::secrets::b64url(&serde_json::to_vec(&header).unwrap()),
        jwt.split_once('.').unwrap().1
    );
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let none = |t: &str| here.verify_ignoring_expiry::<serde_json::Value>(t, "https://id.example");
    assert!(none(&bogus).is_none());
    let looked = *here.last_look.lock().unwrap();
    assert_ne!(looked, 0);
    assert!(none(&bogus).is_none());
    assert_eq!(
        *here.last_look.lock().unwrap(),
        looked,
        "no second look within a second"
    );
    std::fs::remove_dir_all(dir).ok();
}

/// Slow signatures run on one thread per core however many are asked for at
/// once: a burst neither waits for threads to start nor leaves them behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_slow_signatures_runs_on_one_thread_per_core() {
    let dir = tmp();
    let ring = KeyRing::load_or_create(&dir).unwrap();
    let threads_named = |prefix: &str| {
        std::fs::read_dir("/proc/self/task")
            .unwrap()
            .filter_map(|t| std::fs::read_to_string(t.unwrap().path().join("comm")).ok())
            .filter(|name| name.starts_with(prefix))
            .count()
    };
    let before = threads_named("");
    let burst = (0..64).map(|i| {
        let ring = ring.clone();
        tokio::spawn(async move {
            let claims =
                serde_json::json!({"iss": "https://id.example", "sub": "u", "aud": "c", "n": i});
            ring.sign_blocking(SigningAlg::RS256, claims).await
        })
    });
    for (i, signed) in futures_util::future::join_all(burst)
        .await
        .into_iter()
        .enumerate()
    {
        let jwt = signed.unwrap().unwrap();
        let claims: serde_json::Value = ring
            .verify_ignoring_expiry(&jwt, "https://id.example")
            .unwrap();
        assert_eq!(claims["n"], i);
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert_eq!(threads_named("signing-"), cores);
    // Tests running beside this one may start threads of their own; a thread
    // per signature would be 64.
    assert!(
        threads_named("") < before + cores + 16,
        "{before} then {}",
        threads_named("")
    );
    std::fs::remove_dir_all(dir).ok();
}
