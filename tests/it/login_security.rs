//! Login form security: no username enumeration, CSRF, lock-out, session fixation.

use crate::helpers::*;

fn strip_volatile(html: &str) -> String {
    // The CSRF token differs per render; the rest must be identical.
    let re_start = html.find("name=\"csrf_token\" value=\"").map(|i| i + 25);
    match re_start {
        Some(i) => {
            let end = html[i..].find('"').unwrap() + i;
            format!("{}{}", &html[..i], &html[end..])
        }
        None => html.to_string(),
    }
}

#[tokio::test]
async fn wrong_password_and_unknown_user_get_the_same_answer() {
    let app = spawn_app().await;
    let user = app.user("dave").await;
    let client = app.client(false).await;
    let browser = Browser::new(&app);
    let page = browser.authorize(&AuthParams::new(&client)).await;
    let form = form_with(page.html(), "password");
    let wrong = browser
        .submit(
            &form
                .clone()
                .set("username", "dave")
                .set("password", "nope-nope"),
        )
        .await;
    let page2 = browser.authorize(&AuthParams::new(&client)).await;
    let form2 = form_with(page2.html(), "password");
    let unknown = browser
        .submit(&form2.set("username", "nobody").set("password", "nope-nope"))
        .await;
    assert_eq!(wrong.status(), 401);
    assert_eq!(unknown.status(), 401);
    let a = strip_volatile(wrong.html()).replace("value=\"dave\"", "value=\"X\"");
    let b = strip_volatile(unknown.html()).replace("value=\"nobody\"", "value=\"X\"");
    // The form action carries the pending request id, which differs; compare the rest.
    let cut = |s: &str| {
        s.split("action=").next().unwrap().to_string()
            + s.split("name=\"csrf_token\"").nth(1).unwrap()
    };
    assert_eq!(cut(&a), cut(&b));
    assert!(wrong.html().contains("Invalid username or password"));
    let _ = user;
}

#[tokio::test]
async fn missing_or_foreign_csrf_token_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let user = app.user("erin").await;
    let client = app.client(false).await;
    let browser = Browser::new(&app);
    let page = browser.authorize(&AuthParams::new(&client)).await;
    let form = form_with(page.html(), "password")
        .set("username", &user.username)
        .set("password", &user.password);

    let refused = browser.submit(&form.clone().without("csrf_token")).await;
    assert_eq!(refused.status(), 400);
    assert!(refused.html().contains("expired"));

    // A token issued to another browser is no good here either.
    let other = Browser::new(&app);
    let other_page = other.authorize(&AuthParams::new(&client)).await;
    let foreign = form_with(other_page.html(), "password")
        .get("csrf_token")
        .unwrap()
        .to_string();
    let refused = browser
        .submit(&form.clone().set("csrf_token", &foreign))
        .await;
    assert_eq!(refused.status(), 400);

    // Still not signed in.
    let none = browser
        .authorize(&AuthParams::new(&client).set("prompt", "none"))
        .await;
    assert_eq!(none.params()["error"], "login_required");

    // With the hidden inputs posted back, the same credentials work.
    let fresh = browser.authorize(&AuthParams::new(&client)).await;
    assert!(
        browser
            .login(&fresh, &user)
            .await
            .params()
            .contains_key("code")
    );
}

#[tokio::test]
async fn repeated_failures_lock_the_username_but_successes_never_count() {
    let app = spawn_app().await;
    let user = app.user("frank").await;
    let client = app.client(false).await;

    // Many successful logins do not lock anyone out.
    for _ in 0..12 {
        let b = Browser::new(&app);
        let page = b.authorize(&AuthParams::new(&client)).await;
        assert!(b.login(&page, &user).await.params().contains_key("code"));
    }

    let browser = Browser::new(&app);
    let mut last = 0;
    for _ in 0..10 {
        let page = browser.authorize(&AuthParams::new(&client)).await;
        let form = form_with(page.html(), "password")
            .set("username", "frank")
            .set("password", "wrong-password");
        last = browser.submit(&form).await.status();
    }
    assert_eq!(last, 401);
    let page = browser.authorize(&AuthParams::new(&client)).await;
    let locked = browser.login(&page, &user).await;
    assert_eq!(
        locked.status(),
        429,
        "even the right password is refused while locked"
    );
}

#[tokio::test]
async fn session_cookie_is_httponly_lax_and_rotates_at_login() {
    let app = spawn_app().await;
    let user = app.user("gina").await;
    let client = app.client(false).await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let params = AuthParams::new(&client);
    let r = http
        .get(app.url(&format!("/authorize?{}", params.query())))
        .send()
        .await
        .unwrap();
    let interaction = r.headers()["location"].to_str().unwrap().to_string();
    // The pending sign-in is bound to this browser by a cookie of its own.
    let browser_cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(browser_cookie.starts_with("portcullis_browser="));
    assert!(browser_cookie.contains("HttpOnly"));
    assert!(browser_cookie.contains("SameSite=Lax"));
    let browser_cookie = browser_cookie.split(';').next().unwrap().to_string();
    let r = http
        .get(app.url(&interaction))
        .header("Cookie", &browser_cookie)
        .send()
        .await
        .unwrap();
    let set_cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(set_cookie.contains("HttpOnly"));
    assert!(set_cookie.contains("SameSite=Lax"));
    assert!(!set_cookie.contains("Secure"), "plain http issuer");
    let before = set_cookie.split(';').next().unwrap().to_string();
    let html = r.text().await.unwrap();
    let form = form_with(&html, "password")
        .set("username", &user.username)
        .set("password", &user.password);
    let r = http
        .post(app.url(&form.action))
        .header("Cookie", format!("{before}; {browser_cookie}"))
        .form(&form.fields)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let after = r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    assert_ne!(before, after, "a new session id after login (no fixation)");
    // The pre-login session id is gone.
    let r = http
        .get(app.url(&format!(
            "/authorize?{}",
            AuthParams::new(&client).set("prompt", "none").query()
        )))
        .header("Cookie", &before)
        .send()
        .await
        .unwrap();
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .contains("error=login_required")
    );
}
