//! Refresh tokens: issued for `offline_access`, rotated on every use, a replay
//! revokes the whole family, a refreshed ID token repeats the original
//! authentication, scope narrows but never widens, and tokens live in the database.

use std::net::TcpListener;

use portcullis::config::Settings;
use portcullis::db::refresh_tokens::{self, NewRefreshToken, RefreshGrant};
use portcullis::startup::{AppState, Application};
use serde_json::{Value, json};

use crate::code_flow::decode_payload;
use crate::databases::TestDb;
use crate::helpers::*;
use crate::token_helpers::*;

async fn refreshed(app: &TestApp, client: &TestClient, rt: &str, scope: Option<&str>) -> Value {
    let resp = app.refresh(client, rt, scope).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    resp.json().await.unwrap()
}

#[tokio::test]
async fn offline_access_gives_a_rotating_refresh_token_that_keeps_the_original_authentication() {
    let app = spawn_app().await;
    let user = app.user("olga").await;
    let secret = app.give_totp(&user).await;
    let client = app.client(false).await;

    // Without offline_access: no refresh token.
    let plain = app
        .sign_in_with(
            &Browser::new(&app),
            &client,
            &user,
            &AuthParams::new(&client),
        )
        .await;
    assert!(plain.get("refresh_token").is_none(), "{plain}");

    // An mfa sign-in with offline_access.
    let browser = Browser::new(&app);
    let params = AuthParams::new(&client)
        .set("scope", OFFLINE)
        .set("acr_values", "mfa");
    let page = browser
        .login(&browser.authorize(&params).await, &user)
        .await;
    let form = form_with(page.html(), "code").set("code", &totp_code(&secret, 0));
    let back = browser.submit(&form).await;
    let first: Value = app.token_response(&client, &params, &back).await;
    let rt1 = str_of(&first, "refresh_token").to_string();
    let original = decode_payload(str_of(&first, "id_token"));
    assert_eq!(original["acr"], "mfa");

    std::thread::sleep(std::time::Duration::from_millis(1100));
    let second = refreshed(&app, &client, &rt1, None).await;
    let rt2 = str_of(&second, "refresh_token").to_string();
    assert_ne!(rt1, rt2, "rotated");
    assert_ne!(second["access_token"], first["access_token"]);
    assert_eq!(second["scope"], OFFLINE);
    let id_token = str_of(&second, "id_token");
    // Signature, iss, aud and exp verified by the openidconnect crate.
    app.verify_id_token(&client, id_token, None).await;
    let claims = decode_payload(id_token);
    for same in ["sub", "acr", "amr", "auth_time", "sid", "azp", "aud"] {
        assert_eq!(claims[same], original[same], "{same} must not change");
    }
    assert!(claims["iat"].as_i64() > original["iat"].as_i64());
    assert!(claims.get("nonce").is_none(), "OIDC Core §12.2: no nonce");
    let at2 = str_of(&second, "access_token");
    assert_eq!(app.userinfo_status(at2).await, 200);

    // A public client refreshes with its client_id alone.
    let public = app.client(true).await;
    let tokens = app.sign_in_offline(&public, &user).await;
    let again = refreshed(&app, &public, str_of(&tokens, "refresh_token"), None).await;
    assert!(again["refresh_token"].is_string());
}

#[tokio::test]
async fn replaying_a_rotated_refresh_token_revokes_the_whole_family() {
    let app = spawn_app().await;
    let user = app.user("rita").await;
    let client = app.client(false).await;
    let tokens = app.sign_in_offline(&client, &user).await;
    let (rt1, at1) = (
        str_of(&tokens, "refresh_token"),
        str_of(&tokens, "access_token"),
    );
    let second = refreshed(&app, &client, rt1, None).await;
    let (rt2, at2) = (
        str_of(&second, "refresh_token"),
        str_of(&second, "access_token"),
    );
    assert_eq!(app.userinfo_status(at2).await, 200);

    // The thief (or the client) presents the rotated token again.
    let (status, error) = error_of(app.refresh(&client, rt1, None).await).await;
    assert_eq!((status, error.as_str()), (400, "invalid_grant"));
    // Everything of that grant is gone: the newest refresh token and the access
    // tokens issued from the family.
    let (_, error) = error_of(app.refresh(&client, rt2, None).await).await;
    assert_eq!(error, "invalid_grant");
    assert_eq!(app.userinfo_status(at1).await, 401);
    assert_eq!(app.userinfo_status(at2).await, 401);
    assert_eq!(
        app.introspect(&client, at2).await,
        serde_json::json!({"active": false})
    );

    // Another sign-in of the same user is a separate family and unaffected.
    let other = app.sign_in_offline(&client, &user).await;
    refreshed(&app, &client, str_of(&other, "refresh_token"), None).await;
}

#[tokio::test]
async fn refresh_scope_may_narrow_but_never_widen() {
    let app = spawn_app().await;
    let user = app.user("nina").await;
    let client = app.client(false).await;
    let tokens = app.sign_in_offline(&client, &user).await;
    let rt = str_of(&tokens, "refresh_token");

    // Widening fails and does not use up the token.
    let (status, error) = error_of(app.refresh(&client, rt, Some("openid groups")).await).await;
    assert_eq!((status, error.as_str()), (400, "invalid_scope"));

    let narrow = refreshed(&app, &client, rt, Some("openid email")).await;
    assert_eq!(narrow["scope"], "openid email");
    let claims = decode_payload(str_of(&narrow, "id_token"));
    assert_eq!(claims["email"], "nina@example.com");
    assert!(
        claims.get("preferred_username").is_none(),
        "profile was dropped"
    );
    let info = app
        .introspect(&client, str_of(&narrow, "access_token"))
        .await;
    assert_eq!(info["scope"], "openid email");

    // The refresh token keeps the original grant: the next refresh may ask for it all.
    let full = refreshed(&app, &client, str_of(&narrow, "refresh_token"), None).await;
    assert_eq!(full["scope"], OFFLINE);
    // Without openid there is no ID token.
    let no_oidc = refreshed(&app, &client, str_of(&full, "refresh_token"), Some("email")).await;
    assert!(no_oidc.get("id_token").is_none(), "{no_oidc}");
    // Nor may its access token read userinfo (OIDC Core §5.3), whatever the
    // grant asked for individually; the token with openid still does.
    let (status, _, body) = app.userinfo(str_of(&no_oidc, "access_token")).await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("insufficient_scope"), "{body}");
    assert!(!body.contains("nina@example.com"), "{body}");
    let (status, _, _) = app.userinfo(str_of(&narrow, "access_token")).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_refresh_token_is_bound_to_its_client_and_a_code_replay_revokes_it() {
    let app = spawn_app().await;
    let user = app.user("cleo").await;
    let client = app.client(false).await;
    let other = app.client(false).await;
    let tokens = app.sign_in_offline(&client, &user).await;
    let (_, error) = error_of(
        app.refresh(&other, str_of(&tokens, "refresh_token"), None)
            .await,
    )
    .await;
    assert_eq!(error, "invalid_grant");
    let (_, error) = error_of(
        app.refresh(&client, str_of(&tokens, "refresh_token"), None)
            .await,
    )
    .await;
    assert_eq!(error, "invalid_grant", "a leaked token's family is revoked");

    // Redeeming a code twice revokes the refresh token it issued.
    let browser = Browser::new(&app);
    let params = AuthParams::new(&client).set("scope", OFFLINE);
    let back = browser
        .login(&browser.authorize(&params).await, &user)
        .await;
    let code = back.code();
    let first: Value = app
        .exchange(&client, &code, Some(&params.verifier))
        .await
        .json()
        .await
        .unwrap();
    let replay = app.exchange(&client, &code, Some(&params.verifier)).await;
    assert_eq!(replay.status(), 400);
    let (_, error) = error_of(
        app.refresh(&client, str_of(&first, "refresh_token"), None)
            .await,
    )
    .await;
    assert_eq!(error, "invalid_grant");
}

#[tokio::test]
async fn refresh_tokens_survive_a_restart_and_expire() {
    let app = spawn_with(Options {
        toml: "[tokens]\nrefresh_ttl = 3\n".into(),
        ..Options::default()
    })
    .await;
    let user = app.user("ida").await;
    let client = app.client(false).await;
    let tokens = app.sign_in_offline(&client, &user).await;

    // A second server on the same database, with a fresh (empty) embedded store.
    let settings = Settings::load_from(Some(&app.config_path), &[]).unwrap();
    let state = AppState::build(settings).await.unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(
        Application::with_listener(state, listener)
            .unwrap()
            .run_until_stopped(),
    );
    let resp = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/token"))
        .basic_auth(&client.client_id, client.secret.as_ref())
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", str_of(&tokens, "refresh_token")),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let next: Value = resp.json().await.unwrap();

    std::thread::sleep(std::time::Duration::from_millis(3200));
    let (_, error) = error_of(
        app.refresh(&client, str_of(&next, "refresh_token"), None)
            .await,
    )
    .await;
    assert_eq!(error, "invalid_grant", "refresh_ttl passed");
}

/// A user, a client and the grant of a refresh token family `fam` of theirs.
async fn race_family(conn: &sea_orm::DatabaseConnection) -> RefreshGrant {
    let user = portcullis::db::users::create(
        conn,
        portcullis::db::users::NewUser {
            username: "race".into(),
            email: "race@example.com".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let (client, _) = portcullis::db::clients::create(
        conn,
        portcullis::db::clients::NewClient {
            name: "race".into(),
            redirect_uris: vec!["http://127.0.0.1:9/cb".into()],
            post_logout_redirect_uris: vec![],
            auth_method: portcullis::db::clients::AuthMethod::None,
            id_token_alg: portcullis::keys::SigningAlg::ES256,
            default_acr_values: vec![],
            minimum_acr: None,
            scopes: vec![],
        },
    )
    .await
    .unwrap();
    RefreshGrant {
        claims: Default::default(),
        idp: None,
        family_id: "fam".into(),
        client_id: client.client_id,
        user_id: user.id,
        scopes: vec!["openid".into(), "offline_access".into()],
        acr: "pwd".into(),
        amr: vec!["pwd".into()],
        auth_time: 1,
        sid: "sid".into(),
        evidence: vec![],
        epoch: 0,
        started_at: chrono::Utc::now().timestamp(),
    }
}

/// A token of `grant` issued at `now`, for a minute.
fn race_row<'a>(grant: &'a RefreshGrant, hash: &'a str, now: i64) -> NewRefreshToken<'a> {
    NewRefreshToken {
        token_hash: hash,
        grant,
        access_token_hash: "at",
        now,
        expires_at: now + 60,
    }
}

/// Two uses of one token at the same moment: the conditional update lets exactly
/// one win, on SQLite and on PostgreSQL.
async fn concurrent_rotation(db: TestDb) {
    let conn = &db.conn;
    let grant = race_family(conn).await;
    let now = chrono::Utc::now().timestamp();
    let row = |hash| race_row(&grant, hash, now);
    refresh_tokens::insert(conn, &row("h0")).await.unwrap();
    let (r1, r2) = (row("h1"), row("h2"));
    let (a, b) = tokio::join!(
        refresh_tokens::rotate(conn, "h0", &r1),
        refresh_tokens::rotate(conn, "h0", &r2),
    );
    let wins = [a.unwrap(), b.unwrap()];
    assert_eq!(wins.iter().filter(|w| **w).count(), 1, "{wins:?}");
    let old = refresh_tokens::find(conn, "h0").await.unwrap().unwrap();
    assert!(old.used_at.is_some());
    let revoked = refresh_tokens::revoke_family(conn, "fam", now)
        .await
        .unwrap();
    assert_eq!(revoked, 2);
    let winner = if wins[0] { "h1" } else { "h2" };
    let w = refresh_tokens::find(conn, winner).await.unwrap().unwrap();
    assert!(w.revoked_at.is_some());
    assert_eq!(
        refresh_tokens::purge_expired(conn, now + 61).await.unwrap(),
        2
    );
    db.drop_db().await;
}

#[tokio::test]
async fn concurrent_rotation_has_one_winner_sqlite() {
    concurrent_rotation(TestDb::sqlite().await).await;
}

#[tokio::test]
async fn concurrent_rotation_has_one_winner_postgres() {
    concurrent_rotation(TestDb::postgres().await).await;
}

/// A revocation that lands between a rotation's update and its insert (made
/// certain here by a trigger that revokes the family as soon as a token is
/// marked used): no successor is stored, so the revocation cannot miss it. A
/// family left alone rotates, and its successor keeps the grant.
async fn no_successor_in_a_revoked_family(db: TestDb) {
    use sea_orm::{ConnectionTrait, DbBackend};
    let conn = &db.conn;
    let grant = race_family(conn).await;
    let other = RefreshGrant {
        family_id: "fam2".into(),
        idp: Some("corp".into()),
        amr: vec!["pwd".into(), "otp".into()],
        ..grant.clone()
    };
    let now = chrono::Utc::now().timestamp();
    let row = |grant, hash| race_row(grant, hash, now);
    refresh_tokens::insert(conn, &row(&other, "k0"))
        .await
        .unwrap();
    assert!(
        refresh_tokens::rotate(conn, "k0", &row(&other, "k1"))
            .await
            .unwrap()
    );
    let stored = refresh_tokens::find(conn, "k1").await.unwrap().unwrap();
    assert_eq!(stored.grant, other);
    assert_eq!((stored.created_at, stored.expires_at), (now, now + 60));
    assert_eq!((stored.used_at, stored.revoked_at), (None, None));
    assert_eq!(stored.access_token_hash, "at");

    let revoke_family = "UPDATE refresh_tokens SET revoked_at = NEW.used_at \
        WHERE family_id = NEW.family_id AND family_id = 'fam' AND revoked_at IS NULL";
    match conn.get_database_backend() {
        DbBackend::Postgres => {
            conn.execute_unprepared(&format!(
                "CREATE FUNCTION revoke_on_use() RETURNS trigger AS $$ BEGIN {revoke_family}; \
                 RETURN NULL; END $$ LANGUAGE plpgsql; \
                 CREATE TRIGGER revoke_on_use AFTER UPDATE OF used_at ON refresh_tokens \
                 FOR EACH ROW EXECUTE FUNCTION revoke_on_use()"
            ))
            .await
            .unwrap();
        }
        _ => {
            conn.execute_unprepared(&format!(
                "CREATE TRIGGER revoke_on_use AFTER UPDATE OF used_at ON refresh_tokens \
                 BEGIN {revoke_family}; END"
            ))
            .await
            .unwrap();
        }
    }
    refresh_tokens::insert(conn, &row(&grant, "h0"))
        .await
        .unwrap();
    assert!(
        !refresh_tokens::rotate(conn, "h0", &row(&grant, "h1"))
            .await
            .unwrap()
    );
    assert_eq!(refresh_tokens::find(conn, "h1").await.unwrap(), None);
    db.drop_db().await;
}

#[tokio::test]
async fn a_revoked_family_gets_no_successor_sqlite() {
    no_successor_in_a_revoked_family(TestDb::sqlite().await).await;
}

#[tokio::test]
async fn a_revoked_family_gets_no_successor_postgres() {
    no_successor_in_a_revoked_family(TestDb::postgres().await).await;
}

/// On PostgreSQL a revocation that waits for a rotation's row lock revokes the
/// rows it saw when it started, not the successor that rotation inserts: the
/// family ends with a revoked token and a live one after it. That live token
/// rotates no more, since a family with a revoked token is revoked whole. Its
/// end state is made here directly.
async fn a_missed_successor_is_refused(db: TestDb) {
    use sea_orm::ConnectionTrait;
    let conn = &db.conn;
    let grant = race_family(conn).await;
    let other = RefreshGrant {
        family_id: "fam2".into(),
        ..grant.clone()
    };
    let now = chrono::Utc::now().timestamp();
    let row = |grant, hash| race_row(grant, hash, now);
    for (g, first, second) in [(&grant, "h0", "h1"), (&other, "k0", "k1")] {
        refresh_tokens::insert(conn, &row(g, first)).await.unwrap();
        assert!(
            refresh_tokens::rotate(conn, first, &row(g, second))
                .await
                .unwrap()
        );
    }
    // The revocation saw h0 only.
    conn.execute_unprepared(&format!(
        "UPDATE refresh_tokens SET revoked_at = {now} WHERE token_hash = 'h0'"
    ))
    .await
    .unwrap();
    assert!(
        !refresh_tokens::rotate(conn, "h1", &row(&grant, "h2"))
            .await
            .unwrap()
    );
    assert_eq!(refresh_tokens::find(conn, "h2").await.unwrap(), None);
    // Another family of the same user is not touched.
    assert!(
        refresh_tokens::rotate(conn, "k1", &row(&other, "k2"))
            .await
            .unwrap()
    );
    db.drop_db().await;
}

#[tokio::test]
async fn a_missed_successor_is_refused_sqlite() {
    a_missed_successor_is_refused(TestDb::sqlite().await).await;
}

#[tokio::test]
async fn a_missed_successor_is_refused_postgres() {
    a_missed_successor_is_refused(TestDb::postgres().await).await;
}

/// A code sent twice at once (a stolen code raced against the client): at most
/// one redemption answers with tokens, and because the other is a replay, what
/// that one issued is revoked whichever came first. Many rounds, since the
/// two requests interleave differently each time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_redeemed_twice_at_once_leaves_no_live_token() {
    let app = spawn_app().await;
    let user = app.user("remy").await;
    let client = app.client(false).await;
    let rs = app.client(false).await;
    let browser = Browser::new(&app);
    for round in 0..12 {
        let params = AuthParams::new(&client).set("scope", OFFLINE);
        let page = browser.authorize(&params).await;
        let back = match page {
            Landing::Page { .. } => browser.login(&page, &user).await,
            left => left,
        };
        let code = back.code();
        let (a, b) = tokio::join!(
            app.exchange(&client, &code, Some(&params.verifier)),
            app.exchange(&client, &code, Some(&params.verifier)),
        );
        let mut issued = Vec::new();
        for resp in [a, b] {
            if resp.status() == 200 {
                issued.push(resp.json::<Value>().await.unwrap());
            } else {
                assert_eq!(resp.status(), 400, "round {round}");
            }
        }
        assert!(
            issued.len() <= 1,
            "round {round}: the code was redeemed twice"
        );
        for tokens in &issued {
            let at = str_of(tokens, "access_token");
            assert_eq!(
                app.introspect(&rs, at).await,
                json!({"active": false}),
                "round {round}"
            );
            assert_eq!(app.userinfo_status(at).await, 401, "round {round}");
            let (_, error) = error_of(
                app.refresh(&client, str_of(tokens, "refresh_token"), None)
                    .await,
            )
            .await;
            assert_eq!(error, "invalid_grant", "round {round}");
        }
    }
}
