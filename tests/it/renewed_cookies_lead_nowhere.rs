//! A session cookie replaced by a sign-in or step-up is remembered for a short
//! while as renewed: a request of another tab still carrying it is answered as
//! signed out, but is not handed a new cookie that would overwrite the renewed
//! one. The mark holds nothing: whoever holds an old cookie gains nothing by it.

use std::sync::Arc;
use std::time::Duration;

use portcullis::auth::stepup::{Factor, Proof};
use portcullis::oidc::session::{BrowserSession, Lookup, Sessions};
use portcullis::store::Store;
use reqwest::cookie::CookieStore;

use crate::helpers::*;
use crate::redis_server::RedisServer;

const MINUTE: Duration = Duration::from_secs(60);

fn signed_in(user: &str) -> BrowserSession {
    let mut s = BrowserSession::anonymous(1);
    s.user_id = Some(user.into());
    s.proofs.push(Proof {
        factor: Factor::Password,
        at: 1,
        user_verified: false,
        from: None,
    });
    s
}

async fn renewed_cookies_hold_nothing(store: Store) {
    let sessions = Sessions::new(store.clone(), MINUTE);
    let old = sessions.rotate(None, &signed_in("alice")).await.unwrap();
    let session = sessions.load(&old).await.unwrap().unwrap();
    let new = sessions.rotate(Some(&old), &session).await.unwrap();

    assert_eq!(sessions.lookup(&old).await.unwrap(), Lookup::Renewed);
    assert_eq!(sessions.load(&old).await.unwrap(), None, "signed out");
    assert!(matches!(
        sessions.lookup(&new).await.unwrap(),
        Lookup::Live(s) if s.sid == session.sid
    ));
    // Nothing under the old cookie names the session, its user or its successor.
    let key = format!("renewed:{}", portcullis::secrets::digest(&old));
    let mark: serde_json::Value = store.get_json(&key).await.unwrap().unwrap();
    let mark = mark.to_string();
    for secret in [&new, &portcullis::secrets::digest(&new), &session.sid] {
        assert!(!mark.contains(secret.as_str()), "the mark leads somewhere");
    }
    assert!(!mark.contains("alice"));
    let ttl = store.ttl(&key).await.unwrap().unwrap();
    assert!(ttl <= portcullis::oidc::session::RENEWED_TTL, "{ttl:?}");

    // Forms of a request with the old cookie bind to it: no new cookie is made.
    assert_eq!(
        sessions.ensure_live(Some(old.clone())).await.unwrap(),
        (old.clone(), false)
    );
    // An unknown cookie is replaced, as before.
    let (fresh, made) = sessions.ensure_live(Some("unknown".into())).await.unwrap();
    assert!(made && fresh != "unknown");

    // Signed out and ended: the successor is gone, the old cookie still signs in
    // no one.
    sessions.destroy(&new).await.unwrap();
    let other = sessions.rotate(None, &signed_in("alice")).await.unwrap();
    sessions.end_all("alice").await.unwrap();
    assert_eq!(sessions.lookup(&new).await.unwrap(), Lookup::Unknown);
    assert_eq!(sessions.lookup(&other).await.unwrap(), Lookup::Unknown);
    assert_eq!(sessions.load(&old).await.unwrap(), None);
}

#[tokio::test]
async fn on_the_embedded_store() {
    renewed_cookies_hold_nothing(Store::memory()).await;
}

#[tokio::test]
async fn on_redis() {
    let server = RedisServer::start();
    let store = Store::redis(&server.url, "portcullis:").await.unwrap();
    renewed_cookies_hold_nothing(store).await;
}

fn session_cookie_in(jar: &reqwest::cookie::Jar, app: &TestApp) -> Option<String> {
    let header = jar.cookies(&app.issuer.parse().unwrap())?;
    header
        .to_str()
        .unwrap()
        .split("; ")
        .find_map(|c| c.strip_prefix("portcullis_session="))
        .map(str::to_owned)
}

#[tokio::test]
async fn an_old_cookie_signs_in_no_one_and_is_not_replaced() {
    let app = spawn_app().await;
    let client = app.client(false).await;
    let owner = app.user("olga").await;
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let browser = Browser::with_jar(&app, jar.clone());
    let page = browser.authorize(&AuthParams::new(&client)).await;
    let before = session_cookie_in(&jar, &app).expect("the login page sets a cookie");
    browser.login(&page, &owner).await.code();
    assert_ne!(session_cookie_in(&jar, &app).unwrap(), before);

    // Another browser holding the cookie from before the sign-in (a stale tab,
    // or a thief): signed out, and its cookie is left as it is.
    let stale = Arc::new(reqwest::cookie::Jar::default());
    stale.add_cookie_str(
        &format!("portcullis_session={before}"),
        &app.issuer.parse().unwrap(),
    );
    let other = Browser::with_jar(&app, stale.clone());
    let silent = AuthParams::new(&client).set("prompt", "none");
    assert_eq!(
        other.authorize(&silent).await.params()["error"],
        "login_required"
    );
    let params = AuthParams::new(&client);
    let login = other.authorize(&params).await;
    assert!(login.html().contains("name=\"password\""));
    assert_eq!(session_cookie_in(&stale, &app).as_deref(), Some(&*before));

    // Its login form works: a sign-in of its own renews that cookie.
    let thief = app.user("theo").await;
    let back = other.login(&login, &thief).await;
    let claims = app.tokens(&client, &params, &back).await;
    assert_eq!(claims["sub"], thief.id.as_str());
    assert_ne!(session_cookie_in(&stale, &app).unwrap(), before);

    // The owner is still signed in, as themselves.
    let again = browser
        .authorize(&AuthParams::new(&client).set("prompt", "none"))
        .await;
    again.code();
}
