//! Signing-key rotation: a relying party that caches the JWKS refetches it when a
//! token names an unknown `kid` and keeps verifying; superseded keys stay
//! published for the grace period, then leave; retired key files are removed.

use std::time::Duration;

use openidconnect::core::{
    CoreIdToken, CoreIdTokenVerifier, CoreJsonWebKeySet, CoreJwsSigningAlgorithm,
};
use openidconnect::{ClientId, IssuerUrl, JsonWebKey, Nonce};
use portcullis::keys::{self, KeyRing, SigningAlg};

use crate::code_flow::decode_payload;
use crate::helpers::*;
use crate::token_helpers::*;

/// A relying party's JWKS cache: fetched once, refetched on an unknown kid only.
struct CachingVerifier {
    jwks: Option<CoreJsonWebKeySet>,
    fetches: usize,
}

impl CachingVerifier {
    async fn verify(&mut self, app: &TestApp, client: &TestClient, id_token: &str) {
        let header: serde_json::Value = {
            use base64::Engine;
            let part = id_token.split('.').next().unwrap();
            serde_json::from_slice(
                &base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(part)
                    .unwrap(),
            )
            .unwrap()
        };
        let kid = header["kid"].as_str().unwrap();
        let known = self.jwks.as_ref().is_some_and(|set| {
            set.keys()
                .iter()
                .any(|k| k.key_id().is_some_and(|id| id.as_str() == kid))
        });
        if !known {
            self.jwks = Some(app.jwks().await);
            self.fetches += 1;
        }
        let verifier = CoreIdTokenVerifier::new_public_client(
            ClientId::new(client.client_id.clone()),
            IssuerUrl::new(app.issuer.clone()).unwrap(),
            self.jwks.clone().unwrap(),
        )
        .set_allowed_algs([CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256]);
        let token: CoreIdToken = id_token.parse().unwrap();
        token
            .claims(&verifier, |_: Option<&Nonce>| Ok(()))
            .expect("verifies with the cached or refetched JWKS");
    }
}

fn kid_of(jwt: &str) -> String {
    use base64::Engine;
    let part = jwt.split('.').next().unwrap();
    let h: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .unwrap(),
    )
    .unwrap();
    h["kid"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_caching_client_refetches_on_an_unknown_kid_and_keeps_verifying() {
    let app = spawn_app().await;
    let user = app.user("kim").await;
    let client = app.client(false).await;
    let mut rp = CachingVerifier {
        jwks: None,
        fetches: 0,
    };
    let first = app.sign_in_offline(&client, &user).await;
    let old_token = str_of(&first, "id_token").to_string();
    rp.verify(&app, &client, &old_token).await;
    rp.verify(&app, &client, &old_token).await;
    assert_eq!(rp.fetches, 1, "cached");

    // `portcullis keys rotate --alg RS256`, then the server's periodic reload.
    keys::rotate(app.state.keys.dir(), SigningAlg::RS256).unwrap();
    assert!(app.state.keys.reload_if_changed().unwrap());

    let second = app.sign_in_offline(&client, &user).await;
    let new_token = str_of(&second, "id_token");
    assert_ne!(kid_of(new_token), kid_of(&old_token), "the new key signs");
    rp.verify(&app, &client, new_token).await;
    assert_eq!(rp.fetches, 2, "refetched once for the unknown kid");
    // Tokens of the superseded key still verify during the grace period, and so
    // do refreshed ones (now signed by the new key).
    rp.verify(&app, &client, &old_token).await;
    let refreshed: serde_json::Value = app
        .refresh(&client, str_of(&first, "refresh_token"), None)
        .await
        .json()
        .await
        .unwrap();
    let refreshed_token = str_of(&refreshed, "id_token");
    rp.verify(&app, &client, refreshed_token).await;
    assert_eq!(rp.fetches, 2);
    assert_eq!(
        decode_payload(refreshed_token)["auth_time"],
        decode_payload(&old_token)["auth_time"]
    );
}

#[tokio::test]
async fn superseded_keys_leave_the_jwks_after_the_grace_period_and_can_be_retired() {
    let dir = tempfile::tempdir().unwrap();
    let grace = Duration::from_secs(2);
    let ring = KeyRing::load_or_create_with_grace(dir.path(), grace).unwrap();
    let old = ring
        .current()
        .active(SigningAlg::ES256)
        .unwrap()
        .kid
        .clone();
    keys::rotate(dir.path(), SigningAlg::ES256).unwrap();
    assert!(ring.reload_if_changed().unwrap());
    let new = ring
        .current()
        .active(SigningAlg::ES256)
        .unwrap()
        .kid
        .clone();
    assert_ne!(old, new);
    assert!(
        ring.current().jwks_json().contains(&old),
        "published during the grace period"
    );

    let listed = keys::list(dir.path(), grace).unwrap();
    assert_eq!(listed.len(), 3);
    let entry = listed.iter().find(|k| k.kid == old).unwrap();
    assert!(!entry.active && entry.published);
    assert!(
        listed
            .iter()
            .any(|k| k.kid == new && k.active && k.published)
    );
    // The active key cannot be retired.
    assert!(keys::retire(dir.path(), &new, grace).is_err());
    assert!(keys::retire(dir.path(), "no-such-kid", grace).is_err());

    // After the grace period the old key leaves the JWKS on the next reload, even
    // though no file changed.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while ring.current().jwks_json().contains(&old) {
        assert!(
            std::time::Instant::now() < deadline,
            "old key still published"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
        ring.reload_if_changed().unwrap();
    }
    assert_eq!(ring.current().keys().len(), 2, "one RS256, one ES256");
    let entry = keys::list(dir.path(), grace)
        .unwrap()
        .into_iter()
        .find(|k| k.kid == old)
        .unwrap();
    assert!(!entry.published);

    // Retiring deletes the file; the CLI does the same from a configuration.
    let config = dir.path().join("p.toml");
    std::fs::write(
        &config,
        format!(
            "[keys]\ndir = \"{}\"\ngrace_period = 2\n[database]\nurl = \"sqlite://{}/p.db?mode=rwc\"\n",
            dir.path().display(),
            dir.path().display()
        ),
    )
    .unwrap();
    let cli = |args: &[&str]| {
        let mut all = vec!["portcullis", "--config", config.to_str().unwrap()];
        all.extend_from_slice(args);
        portcullis::cli::run(
            all.into_iter()
                .map(std::ffi::OsString::from)
                .collect::<Vec<_>>(),
        )
    };
    cli(&["keys", "list"]).await.unwrap();
    assert!(cli(&["keys", "retire", "--kid", &new]).await.is_err());
    cli(&["keys", "retire", "--kid", &old]).await.unwrap();
    assert!(
        keys::list(dir.path(), grace)
            .unwrap()
            .iter()
            .all(|k| k.kid != old)
    );
    assert_eq!(
        std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| e
                .as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "pem"))
            .count(),
        2
    );
}
