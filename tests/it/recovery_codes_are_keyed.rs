//! Recovery codes stand in for the authenticator app, so they are kept like its
//! seed: HMAC-SHA256 under a key derived from `keys.dir/secrets.key`, bound to
//! the user. A database dump alone tests no guess at them. Codes stored before
//! as a bare SHA-256 are keyed at start without knowing them, and then work,
//! once each, until the user makes new ones.

use entity::recovery_codes;
use portcullis::db::factors;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::helpers::*;

#[tokio::test]
async fn codes_are_stored_keyed_and_codes_stored_before_are_keyed_at_start() {
    let app = spawn_app().await;
    let user = app.user("rhea").await;
    app.give_totp(&user).await;
    let (db, sealer) = (&app.state.db, &app.state.sealer);
    let codes = factors::new_recovery_codes(db, sealer, &user.id)
        .await
        .unwrap();
    let plain: Vec<String> = codes
        .iter()
        .map(|c| portcullis::secrets::digest(&c.replace('-', "")))
        .collect();
    let rows = recovery_codes::Entity::find()
        .filter(recovery_codes::Column::UserId.eq(&user.id))
        .all(db)
        .await
        .unwrap();
    assert_eq!(rows.len(), codes.len());
    for r in &rows {
        assert!(r.code_hash.starts_with("h1:"), "{}", r.code_hash);
        assert!(!plain.contains(&r.code_hash), "a bare SHA-256 is stored");
    }
    assert!(
        factors::use_recovery_code(db, sealer, &user.id, &codes[0].to_lowercase())
            .await
            .unwrap()
    );
    assert!(
        !factors::use_recovery_code(db, sealer, &user.id, &codes[0])
            .await
            .unwrap()
    );

    // A code stored as before: a bare SHA-256 is no longer taken as it is;
    // keyed at start without knowing the code, it works once.
    let legacy = portcullis::secrets::digest("OLDCODE234");
    recovery_codes::ActiveModel {
        id: Set(uuid::Uuid::new_v4().to_string()),
        user_id: Set(user.id.clone()),
        code_hash: Set(legacy.clone()),
        used_at: Set(None),
        created_at: Set(0),
    }
    .insert(db)
    .await
    .unwrap();
    assert!(
        !factors::use_recovery_code(db, sealer, &user.id, "OLDCO-DE234")
            .await
            .unwrap()
    );
    // A server starting on this database keys it.
    let settings = portcullis::config::Settings::load_from(Some(&app.config_path), &[]).unwrap();
    portcullis::startup::AppState::build(settings)
        .await
        .unwrap();
    assert_eq!(
        factors::key_legacy_recovery_codes(db, sealer)
            .await
            .unwrap(),
        0
    );
    let stored: Vec<String> = recovery_codes::Entity::find()
        .filter(recovery_codes::Column::UserId.eq(&user.id))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.code_hash)
        .collect();
    assert!(!stored.contains(&legacy), "{stored:?}");
    assert!(
        stored
            .iter()
            .all(|h| h.starts_with("h1:") || h.starts_with("h2:"))
    );
    assert!(
        factors::use_recovery_code(db, sealer, &user.id, "oldco-de234")
            .await
            .unwrap()
    );
    assert!(
        !factors::use_recovery_code(db, sealer, &user.id, "OLDCO-DE234")
            .await
            .unwrap()
    );
    // Another user's code is no code of this one.
    let other = app.user("remy").await;
    app.give_totp(&other).await;
    let theirs = factors::new_recovery_codes(db, sealer, &other.id)
        .await
        .unwrap();
    assert!(
        !factors::use_recovery_code(db, sealer, &user.id, &theirs[0])
            .await
            .unwrap()
    );
}
