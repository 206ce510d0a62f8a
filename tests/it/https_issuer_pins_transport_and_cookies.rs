//! With an https issuer: `Strict-Transport-Security` on every answer, and every
//! cookie `__Host-` prefixed (Secure, Path=/, no Domain), so a sibling subdomain
//! or a plain-http answer cannot plant one; a cookie under the plain name is not
//! read. The test still talks http to the listener: only the issuer changes.

use crate::helpers::*;

fn set_cookies(r: &reqwest::Response) -> Vec<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

fn assert_host_cookie(cookies: &[String], name: &str) -> String {
    let c = cookies
        .iter()
        .find(|c| c.starts_with(&format!("__Host-{name}=")))
        .unwrap_or_else(|| panic!("no __Host-{name} in {cookies:?}"));
    let attrs: Vec<String> = c.split(';').map(|a| a.trim().to_lowercase()).collect();
    assert!(attrs.contains(&"secure".to_owned()), "{c}");
    assert!(attrs.contains(&"path=/".to_owned()), "{c}");
    assert!(attrs.contains(&"httponly".to_owned()), "{c}");
    assert!(!attrs.iter().any(|a| a.starts_with("domain")), "{c}");
    c.split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_owned()
}

fn assert_hsts(r: &reqwest::Response) {
    assert_eq!(
        r.headers()
            .get("strict-transport-security")
            .unwrap_or_else(|| panic!("no HSTS on {}", r.url()))
            .to_str()
            .unwrap(),
        "max-age=31536000"
    );
}

#[tokio::test]
async fn https_issuer_sends_hsts_and_host_prefixed_cookies_only() {
    let app = spawn_with(Options {
        https_issuer: true,
        ..Options::default()
    })
    .await;
    let client = app.client(false).await;
    let user = app.user("tls-user").await;
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let browser = Browser::with_jar(&app, jar.clone());

    // The login page sets the session cookie, prefixed.
    let params = AuthParams::new(&client);
    let r = browser
        .http
        .get(app.url(&format!("/authorize?{}", params.query())))
        .send()
        .await
        .unwrap();
    assert_hsts(&r);
    let login = r.headers()["location"].to_str().unwrap().to_owned();
    let r = browser.http.get(app.url(&login)).send().await.unwrap();
    assert_hsts(&r);
    let cookies = set_cookies(&r);
    assert_host_cookie(&cookies, "portcullis_session");
    assert!(
        !cookies.iter().any(|c| c.starts_with("portcullis_session=")),
        "{cookies:?}"
    );
    let page = Landing::Page {
        status: 200,
        html: r.text().await.unwrap(),
    };

    // The prefixed cookie is the one read back: the sign-in completes.
    let form = form_with(page.html(), "password")
        .set("username", &user.username)
        .set("password", &user.password);
    let r = browser
        .http
        .post(app.url(&form.action))
        .form(&form.fields)
        .send()
        .await
        .unwrap();
    assert_hsts(&r);
    let session = assert_host_cookie(&set_cookies(&r), "portcullis_session");
    let landing = browser.land(r).await;
    assert!(!landing.code().is_empty());

    // The same session value under the plain name is not a session here.
    let stranger = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let silent = AuthParams::new(&client).set("prompt", "none");
    let r = stranger
        .get(app.url(&format!("/authorize?{}", silent.query())))
        .header("cookie", format!("portcullis_session={session}"))
        .send()
        .await
        .unwrap();
    let to = url::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
    assert!(
        to.query_pairs()
            .any(|(k, v)| k == "error" && v == "login_required"),
        "{to}"
    );

    // The console's cookies follow the same rule (Path=/ as the prefix demands).
    let r = stranger.get(app.url("/admin/login")).send().await.unwrap();
    assert_hsts(&r);
    assert_host_cookie(&set_cookies(&r), "portcullis_admin_login");

    // JSON answers are pinned too.
    let r = stranger.get(app.url("/jwks")).send().await.unwrap();
    assert_hsts(&r);
}
