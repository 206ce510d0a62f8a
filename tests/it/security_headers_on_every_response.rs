//! Every answer carries the security headers (pages, error pages, JSON,
//! redirects, the default 404), the CSP allows scripts only with a nonce that is
//! fresh per response and carried by every `<script>` of the page, and styles
//! only by the hash of the stylesheet the page inlines.

use base64::Engine;
use reqwest::header::HeaderMap;
use sha2::{Digest, Sha256};

use crate::helpers::*;

fn header<'a>(h: &'a HeaderMap, name: &str) -> &'a str {
    h.get(name)
        .unwrap_or_else(|| panic!("no {name} header in {h:?}"))
        .to_str()
        .unwrap()
}

/// The common headers on any answer; returns the CSP.
fn assert_headers(h: &HeaderMap, what: &str) -> String {
    let csp = header(h, "content-security-policy").to_owned();
    for part in [
        "default-src 'self'",
        "script-src 'nonce-",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "object-src 'none'",
        "base-uri 'none'",
    ] {
        assert!(csp.contains(part), "{what}: {part:?} missing in {csp}");
    }
    assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
    assert!(!csp.contains("unsafe-eval"), "{what}: {csp}");
    assert_eq!(header(h, "x-content-type-options"), "nosniff", "{what}");
    assert_eq!(header(h, "referrer-policy"), "same-origin", "{what}");
    assert_eq!(header(h, "x-frame-options"), "DENY", "{what}");
    assert!(
        h.get("strict-transport-security").is_none(),
        "{what}: no HSTS for an http issuer"
    );
    csp
}

fn nonce_of(csp: &str) -> String {
    let at = csp.find("'nonce-").unwrap() + 7;
    csp[at..].split('\'').next().unwrap().to_owned()
}

/// Every `<script>` carries `nonce`, there is at least one, no element has a
/// `style` attribute, and each `<style>` is allowed by its hash.
fn assert_page_obeys(html: &str, csp: &str, min_scripts: usize) {
    let nonce = nonce_of(csp);
    let doc = scraper::Html::parse_document(html);
    let scripts: Vec<_> = doc
        .select(&scraper::Selector::parse("script").unwrap())
        .collect();
    assert!(scripts.len() >= min_scripts, "{html}");
    for s in scripts {
        assert_eq!(s.value().attr("nonce"), Some(nonce.as_str()), "{html}");
    }
    let styled = scraper::Selector::parse("[style]").unwrap();
    assert_eq!(doc.select(&styled).count(), 0, "style attributes: {html}");
    for style in doc.select(&scraper::Selector::parse("style").unwrap()) {
        let text: String = style.text().collect();
        let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(text));
        assert!(
            csp.contains(&format!("'sha256-{hash}'")),
            "stylesheet not allowed by {csp}"
        );
    }
}

#[tokio::test]
async fn pages_errors_json_and_redirects_carry_the_headers() {
    let app = spawn_app().await;
    let client = app.client(false).await;
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    // The redirect into the login, then the login page itself.
    let params = AuthParams::new(&client);
    let r = http
        .get(app.url(&format!("/authorize?{}", params.query())))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    assert_headers(r.headers(), "authorize redirect");
    let login = r.headers()["location"].to_str().unwrap().to_owned();
    let r = http.get(app.url(&login)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let csp = assert_headers(r.headers(), "login page");
    let html = r.text().await.unwrap();
    assert!(html.contains("name=\"password\""));
    assert_page_obeys(&html, &csp, 0);

    // An unknown client_id never redirects: an error page, with the headers.
    let bad = AuthParams::new(&client).set("client_id", "no-such-client");
    let r = http
        .get(app.url(&format!("/authorize?{}", bad.query())))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let csp = assert_headers(r.headers(), "error page");
    assert_page_obeys(&r.text().await.unwrap(), &csp, 0);

    // JSON: discovery, and an RFC 6749 §5.2 error from the token endpoint.
    let r = http
        .get(app.url("/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_headers(r.headers(), "discovery");
    let r = http
        .post(app.url("/token"))
        .form(&[("grant_type", "authorization_code"), ("code", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_headers(r.headers(), "token error");

    // A route that does not exist, and a form body that cannot be parsed.
    let r = http.get(app.url("/no/such/route")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_headers(r.headers(), "404");
    let r = http
        .post(app.url(&format!("{login}/login")))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(vec![b'a'; 100 * 1024])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());
    assert_headers(r.headers(), "extractor error");
}

#[tokio::test]
async fn each_answer_has_its_own_nonce_and_every_script_carries_it() {
    let app = spawn_app().await;
    let client = app.client(false).await;
    let user = app.user("nonce-user").await;
    let browser = Browser::new(&app);

    // The security-key enrollment page: the one sign-in page with a script.
    let params = AuthParams::new(&client).set("acr_values", "phr");
    let page = browser.authorize(&params).await;
    let page = browser.login(&page, &user).await;
    let html = page.html();
    let at = html.find("data-webauthn-begin=\"").unwrap() + 21;
    let begin = html[at..].split('"').next().unwrap();
    let here = begin
        .trim_end_matches("/webauthn/register/begin")
        .to_owned();
    let mut nonces = Vec::new();
    for _ in 0..2 {
        let r = browser.http.get(app.url(&here)).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let csp = assert_headers(r.headers(), "security key page");
        assert_page_obeys(&r.text().await.unwrap(), &csp, 1);
        nonces.push(nonce_of(&csp));
    }
    assert_ne!(nonces[0], nonces[1], "a nonce is never reused");
    assert!(nonces[0].len() >= 22, "128 bits at least: {}", nonces[0]);

    // The admin console: its layout script and the import screen's second one.
    let (console, _) = crate::admin_console::sign_in(&app, "nonce-admin", &["admins"]).await;
    for (path, scripts) in [("/admin/users", 1), ("/admin/import", 2)] {
        let r = console.http.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        let csp = assert_headers(r.headers(), path);
        let html = r.text().await.unwrap();
        assert!(html.contains("Portcullis admin"), "{html}");
        assert_page_obeys(&html, &csp, scripts);
        assert!(!nonces.contains(&nonce_of(&csp)));
        nonces.push(nonce_of(&csp));
    }
}
