//! Signed userinfo (OIDC Core §5.3.2): a client registered with
//! `userinfo_signed_response_alg` gets `application/jwt`, signed with a key of
//! our JWKS and carrying `iss` and `aud`; other clients keep plain JSON.

use portcullis::db::clients::{ClientOptions, ClientProfile};
use portcullis::keys::SigningAlg;

use crate::helpers::*;
use crate::protocol_helpers::*;
use crate::token_helpers::*;

#[tokio::test]
async fn a_client_registered_for_signed_userinfo_gets_a_jwt_verified_by_our_jwks() {
    let app = spawn_app().await;
    let user = app.user("sigrid").await;
    for alg in [SigningAlg::RS256, SigningAlg::ES256] {
        let profile = ClientProfile {
            options: ClientOptions {
                userinfo_signed_response_alg: Some(alg),
                ..Default::default()
            },
            ..Default::default()
        };
        let client = app.client_made(&[], profile).await;
        let tokens = app
            .sign_in_with(
                &Browser::new(&app),
                &client,
                &user,
                &AuthParams::new(&client),
            )
            .await;
        let (status, content_type, body) = app.userinfo(str_of(&tokens, "access_token")).await;
        assert_eq!(status, 200);
        assert_eq!(content_type, "application/jwt");
        let claims = verify_with_jwks(&app, &body, &client.client_id).await;
        assert_eq!(
            format!("{:?}", jsonwebtoken::decode_header(&body).unwrap().alg),
            alg.as_str()
        );
        assert_eq!(claims["sub"], user.id.as_str());
        assert_eq!(claims["email"], "sigrid@example.com");
    }
    // A client that registered nothing keeps JSON.
    let plain = app.client(false).await;
    let tokens = app
        .sign_in_with(&Browser::new(&app), &plain, &user, &AuthParams::new(&plain))
        .await;
    let (_, content_type, _) = app.userinfo(str_of(&tokens, "access_token")).await;
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
}

#[tokio::test]
async fn the_cli_registers_signed_userinfo() {
    let app = spawn_app().await;
    let made = cli(
        &app,
        &[
            "client",
            "create",
            "--name",
            "jwt",
            "--redirect-uri",
            "https://rp.example/cb",
            "--userinfo-alg",
            "ES256",
        ],
    )
    .unwrap();
    assert_eq!(made["userinfo_signed_response_alg"], "ES256");
    let id = str_of(&made, "client_id");
    let err = cli(&app, &["client", "update", id, "--userinfo-alg", "HS256"]).unwrap_err();
    assert!(err.contains("RS256"), "{err}");
    let plain = cli(&app, &["client", "update", id, "--userinfo-alg", "none"]).unwrap();
    assert!(
        plain.get("userinfo_signed_response_alg").is_none(),
        "{plain}"
    );
}
