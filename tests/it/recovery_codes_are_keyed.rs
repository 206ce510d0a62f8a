//! Recovery codes stand in for the authenticator app, so they are kept like its
//! seed: HMAC-SHA256 under a key derived from `keys.dir/secrets.key`, bound to
//! the user. A database dump alone tests no guess at them. Codes stored before
//! as a bare SHA-256 count as they are and are keyed in the background at
//! start, without knowing them, under a key that opens the stored seeds only.

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

    // Codes stored as before (bare SHA-256): they count as they are, and a
    // server starting on this database keys them in the background, without
    // knowing them; then they still work, once each.
    let bare = |code: &str| portcullis::secrets::digest(code);
    for code in ["OLDCODE234", "OLDCODE567"] {
        recovery_codes::ActiveModel {
            id: Set(uuid::Uuid::new_v4().to_string()),
            user_id: Set(user.id.clone()),
            code_hash: Set(bare(code)),
            used_at: Set(None),
            created_at: Set(0),
        }
        .insert(db)
        .await
        .unwrap();
    }
    assert!(
        factors::use_recovery_code(db, sealer, &user.id, "oldco-de234")
            .await
            .unwrap()
    );
    let settings = portcullis::config::Settings::load_from(Some(&app.config_path), &[]).unwrap();
    portcullis::startup::AppState::build(settings)
        .await
        .unwrap();
    let stored = || async {
        recovery_codes::Entity::find()
            .filter(recovery_codes::Column::UserId.eq(&user.id))
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.code_hash)
            .collect::<Vec<String>>()
    };
    let mut waited = 0;
    while stored()
        .await
        .iter()
        .any(|h| !h.starts_with("h1:") && !h.starts_with("h2:"))
    {
        waited += 1;
        assert!(waited < 100, "never keyed: {:?}", stored().await);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(!stored().await.contains(&bare("OLDCODE567")));
    assert_eq!(
        factors::key_legacy_recovery_codes(db, sealer)
            .await
            .unwrap(),
        factors::Keying::Keyed(0)
    );
    assert!(
        factors::use_recovery_code(db, sealer, &user.id, "OLDCO-DE567")
            .await
            .unwrap()
    );
    assert!(
        !factors::use_recovery_code(db, sealer, &user.id, "OLDCO-DE567")
            .await
            .unwrap()
    );

    // Under a key that opens no stored seed (a new key, the wrong folder),
    // nothing is keyed: that would make the old codes useless for good.
    recovery_codes::ActiveModel {
        id: Set(uuid::Uuid::new_v4().to_string()),
        user_id: Set(user.id.clone()),
        code_hash: Set(bare("OLDCODE890")),
        used_at: Set(None),
        created_at: Set(0),
    }
    .insert(db)
    .await
    .unwrap();
    let stranger = portcullis::auth::sealing::SecretBox::from_key(&[9u8; 32]);
    assert_eq!(
        factors::key_legacy_recovery_codes(db, &stranger)
            .await
            .unwrap(),
        factors::Keying::WrongKey
    );
    assert!(stored().await.contains(&bare("OLDCODE890")));
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
