//! The account page keeps a user's last second factor while the policy asks
//! for one: two removals posted at once (the app and the key, from two tabs)
//! cannot each see the other factor still there and leave none. On SQLite and
//! on PostgreSQL.

use portcullis::accounts::account::{self, AccountError, AccountSession, Removal};
use portcullis::auth::stepup::{Factor, Proof};
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;
use webauthn_rs::prelude::Url;

use crate::databases::TestDb;
use crate::helpers::*;

const ROUNDS: usize = 10;

/// Stores a security key for `user` (the credential of a real ceremony).
async fn give_key(app: &TestApp, user: &TestUser) -> String {
    let origin = Url::parse(&app.issuer).unwrap();
    let rp = app.state.webauthn.as_deref().unwrap();
    let handle = uuid::Uuid::parse_str(&user.id).unwrap();
    let (ccr, reg) = rp
        .start_passkey_registration(handle, &user.username, &user.username, None)
        .unwrap();
    let cred = SoftPasskey::new(true).do_registration(origin, ccr).unwrap();
    let passkey = rp.finish_passkey_registration(&cred, &reg).unwrap();
    portcullis::db::webauthn::add(&app.state.db, &user.id, "Key", &passkey)
        .await
        .unwrap();
    let keys = portcullis::db::webauthn::infos(&app.state.db, &user.id)
        .await
        .unwrap();
    keys.into_iter().next().unwrap().id
}

/// An account session that proved the password and the app just now.
fn fresh_session(user: &TestUser) -> AccountSession {
    let now = chrono::Utc::now().timestamp_millis();
    let proof = |factor| Proof {
        factor,
        at: now,
        user_verified: false,
        from: None,
    };
    AccountSession {
        user_id: user.id.clone(),
        username: user.username.clone(),
        sid: "tab".into(),
        evidence: vec![proof(Factor::Password), proof(Factor::Totp)],
        epoch: 0,
    }
}

async fn parallel_removals_leave_one(app: TestApp) {
    let client = app.client(false).await;
    let mut guarded = 0;
    for round in 0..ROUNDS {
        let user = app.user(&format!("rhea{round}")).await;
        app.give_totp(&user).await;
        let key = give_key(&app, &user).await;
        let stored = portcullis::db::users::find_by_id(&app.state.db, &user.id)
            .await
            .unwrap()
            .unwrap();
        let session = fresh_session(&user);
        let ctx = app.state.login_ctx();
        let notifier = &app.state.logout_notifier;
        let remove = |which| {
            let this = account::ThisBrowser {
                session_cookie: None,
                account_cookie: "tab",
                account: &session,
            };
            account::remove_factor(
                &ctx,
                notifier,
                this,
                &stored,
                which,
                (&client.client_id, None),
            )
        };
        let (app_gone, key_gone) = tokio::join!(remove(Removal::Totp), remove(Removal::Key(key)));
        let outcomes = [&app_gone, &key_gone];
        assert_eq!(
            outcomes.iter().filter(|r| r.is_ok()).count(),
            1,
            "round {round}: {app_gone:?} {key_gone:?}"
        );
        // The other is refused: by the check in the deleting transaction when
        // both read the factors before either deleted, or, when it starts after
        // the first committed, because its fresh proof is of a factor that is
        // gone (it must prove again, and would then meet the last factor).
        assert!(
            outcomes
                .iter()
                .any(|r| matches!(r, Err(AccountError::LastFactor | AccountError::ProveAgain))),
            "round {round}: {app_gone:?} {key_gone:?}"
        );
        guarded += outcomes
            .iter()
            .filter(|r| matches!(r, Err(AccountError::LastFactor)))
            .count();
        let has_totp = portcullis::db::factors::has_totp(&app.state.db, &user.id)
            .await
            .unwrap();
        let has_key = portcullis::db::webauthn::has_any(&app.state.db, &user.id)
            .await
            .unwrap();
        assert!(
            has_totp ^ has_key,
            "round {round}: exactly one factor stays"
        );
    }
    // Most rounds meet in the transaction: the guard there was what held.
    assert!(guarded > 0, "no round reached the transaction's check");
}

/// Every sign-in needs a second factor, so the last one must stay.
const MFA_FOR_ALL: &str = "[policy]\ndefault = \"mfa\"\n";

#[tokio::test]
async fn on_sqlite() {
    let app = spawn_with(Options {
        toml: MFA_FOR_ALL.into(),
        ..Options::default()
    })
    .await;
    parallel_removals_leave_one(app).await;
}

#[tokio::test]
async fn on_postgres() {
    let db = TestDb::postgres().await;
    let app = spawn_with(Options {
        toml: MFA_FOR_ALL.into(),
        database_url: Some(db.url.clone()),
        ..Options::default()
    })
    .await;
    parallel_removals_leave_one(app).await;
    db.drop_db().await;
}
