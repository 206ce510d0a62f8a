//! The registration fields of the client repository on SQLite and PostgreSQL.

use portcullis::db::DbError;
use portcullis::db::clients::{
    self, ApplicationType, AuthMethod, ClientProfile, Extras, NewClient,
};
use portcullis::keys::SigningAlg;
use sea_orm::DatabaseConnection;

use crate::databases::TestDb;

async fn registration_round_trip(db: &DatabaseConnection) {
    let new = NewClient {
        name: "Native app".into(),
        redirect_uris: vec!["com.example.app:/cb".into()],
        post_logout_redirect_uris: vec![],
        auth_method: AuthMethod::ClientSecretPost,
        id_token_alg: SigningAlg::RS256,
        default_acr_values: vec![],
        minimum_acr: None,
        scopes: vec!["openid".into()],
    };
    let profile = ClientProfile {
        dynamic: true,
        default_max_age: Some(300),
        require_auth_time: true,
        application_type: ApplicationType::Native,
        logo_uri: Some("https://app.example/logo.png".into()),
        policy_uri: None,
        tos_uri: Some("https://app.example/tos".into()),
        contacts: vec!["dev@app.example".into()],
        client_secret_expires_at: 4_102_444_800,
        registration_token_hash: None,
        options: portcullis::db::clients::ClientOptions {
            require_pushed_authorization_requests: true,
            userinfo_signed_response_alg: Some(SigningAlg::ES256),
            backchannel_logout_uri: Some("https://app.example/logout?x=1".into()),
            backchannel_logout_session_required: true,
        },
    };
    let created = clients::create_with(
        db,
        new.clone(),
        Extras {
            grant_types: Some(vec!["authorization_code".into()]),
            profile: profile.clone(),
        },
    )
    .await
    .unwrap();
    let token = created.registration_token.unwrap();
    let secret = created.secret.unwrap();
    let mut c = clients::find(db, &created.client.client_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(c, created.client);
    assert_eq!(
        c.profile,
        ClientProfile {
            registration_token_hash: c.profile.registration_token_hash.clone(),
            ..profile
        }
    );
    assert!(c.registration_token_matches(&token) && !c.registration_token_matches(&secret));
    assert_eq!(c.grant_types, vec!["authorization_code"]);
    assert!(c.verify_secret(&secret));

    // An expired secret authenticates nothing, though it is still the current one.
    c.profile.client_secret_expires_at = chrono::Utc::now().timestamp() - 1;
    let saved = clients::save(db, &c).await.unwrap();
    assert!(!saved.verify_secret(&secret) && saved.secret_matches(&secret));

    // A public client keeps no secret; a confidential one must have one.
    c.auth_method = AuthMethod::None;
    let public = clients::save(db, &c).await.unwrap();
    assert!(public.secret_hash.is_none() && public.profile.client_secret_expires_at == 0);
    let mut confidential = public.clone();
    confidential.auth_method = AuthMethod::ClientSecretBasic;
    assert!(matches!(
        clients::save(db, &confidential).await,
        Err(DbError::Invalid(_))
    ));
    let fresh = confidential.replace_secret(0);
    assert!(
        clients::save(db, &confidential)
            .await
            .unwrap()
            .verify_secret(&fresh)
    );

    // Administrator-made clients get no registration access token.
    let (admin, _) = clients::create(db, new).await.unwrap();
    assert!(!admin.profile.dynamic && admin.profile.registration_token_hash.is_none());
    assert!(!admin.registration_token_matches(""));

    assert!(clients::delete(db, &c.client_id).await.unwrap());
    assert!(!clients::delete(db, &c.client_id).await.unwrap());
    assert!(matches!(
        clients::save(db, &c).await,
        Err(DbError::NotFound)
    ));
    assert_eq!(clients::list(db).await.unwrap().len(), 1);
}

#[tokio::test]
async fn registration_fields_on_sqlite() {
    let db = TestDb::sqlite().await;
    registration_round_trip(&db.conn).await;
    db.drop_db().await;
}

#[tokio::test]
async fn registration_fields_on_postgres() {
    let db = TestDb::postgres().await;
    registration_round_trip(&db.conn).await;
    db.drop_db().await;
}
