//! Repository behaviour, the same on SQLite and PostgreSQL.

use portcullis::db::{DbError, clients, users};
use portcullis::keys::SigningAlg;
use sea_orm::DatabaseConnection;

use crate::databases::TestDb;

async fn users_and_groups(db: &DatabaseConnection) {
    let u = users::create(
        db,
        users::NewUser {
            username: "Alice".into(),
            email: "Alice@Example.com".into(),
            first_name: "Alice".into(),
            last_name: "Liddell".into(),
            password_hash: Some("$argon2id$fake".into()),
            groups: vec!["customers".into(), "jira-users".into()],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(u.username, "alice", "usernames are stored lower-cased");
    assert_eq!(u.email, "alice@example.com");
    assert!(u.two_factor, "a new user has the 2FA switch on");
    assert_eq!(u.full_name(), "Alice Liddell");

    let dup = users::create(
        db,
        users::NewUser {
            username: "ALICE".into(),
            email: "x@example.com".into(),
            ..Default::default()
        },
    )
    .await;
    assert!(matches!(dup, Err(DbError::Conflict(_))), "{dup:?}");
    let dup = users::create(
        db,
        users::NewUser {
            username: "other".into(),
            email: "alice@EXAMPLE.com".into(),
            ..Default::default()
        },
    )
    .await;
    assert!(matches!(dup, Err(DbError::Conflict(_))), "{dup:?}");
    let bad = users::create(
        db,
        users::NewUser {
            username: "has space".into(),
            email: "a@b.co".into(),
            ..Default::default()
        },
    )
    .await;
    assert!(matches!(bad, Err(DbError::Invalid(_))));
    let bad = users::create(
        db,
        users::NewUser {
            username: "ok".into(),
            email: "not-an-email".into(),
            ..Default::default()
        },
    )
    .await;
    assert!(matches!(bad, Err(DbError::Invalid(_))));

    // A second user joins an existing group without duplicating it.
    let b = users::create(
        db,
        users::NewUser {
            username: "bob".into(),
            email: "bob@example.com".into(),
            groups: vec!["customers".into()],
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        users::groups_of(db, &u.id).await.unwrap(),
        vec!["customers", "jira-users"]
    );
    assert_eq!(
        users::groups_of(db, &b.id).await.unwrap(),
        vec!["customers"]
    );
    users::add_to_group(db, &b.id, "customers").await.unwrap();
    assert_eq!(
        users::groups_of(db, &b.id).await.unwrap(),
        vec!["customers"]
    );

    let creds = users::credentials(db, "ALICE").await.unwrap().unwrap();
    assert_eq!(creds.password_hash.as_deref(), Some("$argon2id$fake"));
    assert!(users::credentials(db, "nobody").await.unwrap().is_none());
    users::set_password_hash(db, &b.id, "$argon2id$new".into())
        .await
        .unwrap();
    assert_eq!(
        users::credentials(db, "bob")
            .await
            .unwrap()
            .unwrap()
            .password_hash
            .as_deref(),
        Some("$argon2id$new")
    );
    assert!(matches!(
        users::set_password_hash(db, "missing", "h".into()).await,
        Err(DbError::NotFound)
    ));
    users::record_login(db, &u.id, None).await.unwrap();
    let after = users::find_by_id(db, &u.id).await.unwrap().unwrap();
    assert!(after.last_login.is_some());
    assert_eq!(after.locale, None);
    // A sign-in in another language stores it, in the same write.
    users::record_login(db, &u.id, Some(portcullis::i18n::Lang::Fr))
        .await
        .unwrap();
    let after = users::find_by_id(db, &u.id).await.unwrap().unwrap();
    assert_eq!(after.locale, Some(portcullis::i18n::Lang::Fr));
    assert_eq!(users::list_all(db).await.unwrap().len(), 2);
}

async fn client_registry(db: &DatabaseConnection) {
    let new = clients::NewClient {
        name: "Jira".into(),
        redirect_uris: vec!["https://jira.example/cb".into()],
        post_logout_redirect_uris: vec![],
        auth_method: clients::AuthMethod::ClientSecretPost,
        id_token_alg: SigningAlg::ES256,
        default_acr_values: vec!["mfa".into()],
        minimum_acr: None,
        scopes: vec![],
    };
    let (c, secret) = clients::create(db, new.clone()).await.unwrap();
    let secret = secret.unwrap();
    assert!(
        c.client_id.len() == 32 && c.client_id.bytes().all(|b| b.is_ascii_hexdigit()),
        "client ids are hex, never starting with '-': {}",
        c.client_id
    );
    assert!(secret.len() >= 43, "256-bit secret");
    let found = clients::find(db, &c.client_id).await.unwrap().unwrap();
    assert_eq!(found, c);
    assert!(found.verify_secret(&secret));
    assert!(!found.verify_secret("guess"));
    assert_ne!(
        found.secret_hash.as_deref(),
        Some(secret.as_str()),
        "only a digest is stored"
    );
    assert_eq!(found.default_acr_values, vec!["mfa"]);
    assert_eq!(found.id_token_alg, SigningAlg::ES256);
    assert!(found.allows_grant("authorization_code") && found.allows_grant("refresh_token"));

    let (public, none) = clients::create(
        db,
        clients::NewClient {
            auth_method: clients::AuthMethod::None,
            ..new.clone()
        },
    )
    .await
    .unwrap();
    assert!(none.is_none() && public.is_public());

    let bad = clients::create(
        db,
        clients::NewClient {
            redirect_uris: vec!["https://x.example/cb#frag".into()],
            ..new.clone()
        },
    )
    .await;
    assert!(matches!(bad, Err(DbError::Invalid(_))));
    let bad = clients::create(
        db,
        clients::NewClient {
            redirect_uris: vec!["not a uri".into()],
            ..new.clone()
        },
    )
    .await;
    assert!(matches!(bad, Err(DbError::Invalid(_))));
    assert_eq!(clients::list(db).await.unwrap().len(), 2);
    assert!(clients::find(db, "nope").await.unwrap().is_none());
}

#[tokio::test]
async fn repositories_on_sqlite() {
    let db = TestDb::sqlite().await;
    users_and_groups(&db.conn).await;
    client_registry(&db.conn).await;
    // Migrations are idempotent.
    portcullis::db::migrate(&db.conn).await.unwrap();
    db.drop_db().await;
}

#[tokio::test]
async fn repositories_on_postgres() {
    let db = TestDb::postgres().await;
    users_and_groups(&db.conn).await;
    client_registry(&db.conn).await;
    portcullis::db::migrate(&db.conn).await.unwrap();
    db.drop_db().await;
}
