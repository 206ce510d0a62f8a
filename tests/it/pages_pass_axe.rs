//! Accessibility: npm axe-core, injected through WebDriver into headless
//! Chromium, checks every page of a sign-in (login, its error, TOTP enrollment
//! with QR code and secret, the security-key page, recovery codes, the choice
//! of factor, the mailed code, the TOTP form, an error page) and finds nothing
//! serious or critical. In English at a phone's width (390 px, where no page may
//! scroll sideways; the screenshots go to `$PORTCULLIS_SCREENSHOTS`, else to the
//! test's scratch folder) and in German with a light primary colour, where the
//! text on buttons must turn dark to stay readable. The account page (with a
//! refused password change) is checked in both; the admin console, which
//! speaks English only, at a desktop's width in the English run: its user
//! list with the form to add one and a message, a user's page and the import.

use std::path::{Path, PathBuf};

use portcullis::db::clients;
use portcullis::keys::SigningAlg;
use serde_json::{Value, json};

use crate::browser_webauthn::callback_server;
use crate::helpers::*;
use crate::webdriver::Driver;

/// A phone's width in CSS pixels.
const PHONE: u32 = 390;

fn axe_source() -> String {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/a11y/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{} ({e}): run `make test` (scripts/test-services.sh installs axe-core)",
            path.display()
        )
    })
}

/// Runs axe on the current page; returns its serious and critical violations,
/// one line each (rule, help text, the elements it found).
async fn serious_violations(driver: &Driver, axe: &str, page: &str) -> Vec<String> {
    // The script runs as a WebDriver function, outside the page's CSP.
    driver.execute(&format!("{axe}\nreturn null;")).await;
    let result = driver
        .execute_async(
            "var done = arguments[arguments.length - 1];
             axe.run(document, {resultTypes: ['violations']}).then(function (r) {
               done(r.violations.map(function (v) {
                 return {id: v.id, impact: v.impact, help: v.help,
                         targets: v.nodes.map(function (n) { return n.target.join(' '); })};
               }));
             }, function (e) { done({error: String(e)}); });",
            json!([]),
        )
        .await;
    let Value::Array(violations) = result else {
        panic!("axe did not run on {page}: {result}");
    };
    violations
        .iter()
        .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
        .map(|v| {
            format!(
                "{page}: {} ({}): {} at {}",
                v["id"].as_str().unwrap_or_default(),
                v["impact"].as_str().unwrap_or_default(),
                v["help"].as_str().unwrap_or_default(),
                v["targets"]
            )
        })
        .collect()
}

/// One sign-in walked through its pages; each is checked as it appears.
struct Walk<'a> {
    driver: &'a Driver,
    axe: String,
    lang: &'static str,
    /// At a phone's width: no sideways scrolling, and these screenshots.
    phone_shots: Option<PathBuf>,
    found: Vec<String>,
}

impl Walk<'_> {
    async fn check(&mut self, page: &str, shot: Option<&str>) {
        let lang = self
            .driver
            .execute("return document.documentElement.lang")
            .await;
        assert_eq!(lang, self.lang, "{page} is in {lang}");
        let found = serious_violations(self.driver, &self.axe, page).await;
        self.found.extend(found);
        if let Some(dir) = &self.phone_shots {
            let widths = self
                .driver
                .execute("return [window.innerWidth, document.documentElement.scrollWidth]")
                .await;
            assert_eq!(widths[0], PHONE, "{page}: the viewport is not a phone's");
            let scroll = widths[1].as_u64().unwrap();
            assert!(
                scroll <= u64::from(PHONE),
                "{page} scrolls sideways at {PHONE} px: {scroll} px wide"
            );
            if let Some(name) = shot {
                self.driver.screenshot_to(dir, name).await;
            }
        }
    }
}

async fn browser_client(app: &TestApp) -> TestClient {
    let redirect_uri = callback_server().await;
    let (c, secret) = clients::create(
        &app.state.db,
        clients::NewClient {
            name: "Service Desk".into(),
            redirect_uris: vec![redirect_uri.clone()],
            post_logout_redirect_uris: vec![],
            auth_method: clients::AuthMethod::ClientSecretBasic,
            id_token_alg: SigningAlg::ES256,
            default_acr_values: vec![],
            minimum_acr: None,
            scopes: vec![],
        },
    )
    .await
    .unwrap();
    TestClient {
        client_id: c.client_id,
        secret,
        redirect_uri,
    }
}

/// Every page of a first sign-in with enrollment on `app`, then of a sign-in
/// on `mail_app` (which mails codes too) by someone who has a TOTP app.
async fn walk_the_pages(app: &TestApp, mail_app: &TestApp, walk: &mut Walk<'_>) {
    let driver = walk.driver;
    let client = browser_client(app).await;
    let user = app.user("ada").await;

    // A bad client: an error page, never a redirect.
    let bad = AuthParams::new(&client).set("client_id", "nobody");
    driver
        .goto(&app.url(&format!("/authorize?{}", bad.query())))
        .await;
    driver.find("#error-message").await;
    walk.check("error page", None).await;
    // The check itself sees a problem when there is one: a field without a label.
    driver
        .execute(
            "var i = document.createElement('input'); i.id = 'unlabelled';
             document.querySelector('main').appendChild(i); return null",
        )
        .await;
    let planted = serious_violations(driver, &walk.axe, "planted").await;
    assert!(
        planted
            .iter()
            .any(|v| v.contains("label") && v.contains("#unlabelled")),
        "axe missed an unlabelled field: {planted:?}"
    );

    let params = AuthParams::new(&client).set("acr_values", "mfa");
    let authorize = app.url(&format!("/authorize?{}", params.query()));
    driver.goto(&authorize).await;
    driver.find("#username").await;
    walk.check("login", None).await;
    driver.type_into("#username", &user.username).await;
    driver.type_into("#password", "not-the-password").await;
    driver.click("button[type=submit]").await;
    driver.find("#login-error").await;
    walk.check("login with an error", None).await;

    // No factor yet: enrollment, with the security key as the alternative.
    driver.type_into("#username", &user.username).await;
    driver.type_into("#password", &user.password).await;
    driver.click("button[type=submit]").await;
    driver.find("#totp-secret").await;
    walk.check("TOTP enrollment", Some("enroll-totp-390")).await;
    driver.type_into("#code", "000000").await;
    driver.click("button[type=submit]").await;
    driver.find("#code-error").await;
    walk.check("TOTP enrollment with an error", None).await;

    let key_href = driver
        .execute("return document.querySelector('a[href*=\"method=webauthn\"]').href")
        .await;
    let key_href = key_href.as_str().unwrap().to_owned();
    driver.goto(&key_href).await;
    driver.find("#webauthn-start").await;
    walk.check("security key", Some("webauthn-390")).await;

    driver
        .goto(&key_href.replace("method=webauthn", "method=totp"))
        .await;
    driver.find("#totp-secret").await;
    let b32 = driver
        .execute("return document.getElementById('totp-secret').textContent")
        .await;
    let secret =
        portcullis::auth::totp::from_base32(&b32.as_str().unwrap().replace(' ', "")).unwrap();
    driver.type_into("#code", &totp_code(&secret, 0)).await;
    driver.click("button[type=submit]").await;
    driver.find("#recovery-codes").await;
    walk.check("recovery codes", Some("recovery-codes-390"))
        .await;
    driver.click("#recovery-continue").await;
    driver.wait_for_url(&client.redirect_uri).await;

    // A client that registered itself asks first, once the level is met.
    let mirror = browser_client(app).await;
    let mut c = clients::find(&app.state.db, &mirror.client_id)
        .await
        .unwrap()
        .unwrap();
    c.profile.dynamic = true;
    clients::save(&app.state.db, &c).await.unwrap();
    app.state.cache.forget_client(&mirror.client_id);
    let params = AuthParams::new(&mirror).set("scope", "openid profile email offline_access");
    driver
        .goto(&app.url(&format!("/authorize?{}", params.query())))
        .await;
    driver.find("#consent-allow").await;
    walk.check("consent", Some("consent-390")).await;
    driver.click("#consent-allow").await;
    driver.wait_for_url(&mirror.redirect_uri).await;

    // Someone with a TOTP app where codes are mailed too: a choice.
    let client = browser_client(mail_app).await;
    let user = mail_app.user("bea").await;
    mail_app.give_totp(&user).await;
    let params = AuthParams::new(&client).set("acr_values", "mfa");
    driver
        .goto(&mail_app.url(&format!("/authorize?{}", params.query())))
        .await;
    driver.type_into("#username", &user.username).await;
    driver.type_into("#password", &user.password).await;
    driver.click("button[type=submit]").await;
    driver.find("a[href*='method=email']").await;
    walk.check("choice of factor", None).await;
    let email_href = driver
        .execute("return document.querySelector('a[href*=\"method=email\"]').href")
        .await;
    let email_href = email_href.as_str().unwrap().to_owned();
    driver.goto(&email_href).await;
    driver.find("#resend").await;
    walk.check("mailed code", None).await;

    driver
        .goto(&email_href.replace("method=email", "method=totp"))
        .await;
    driver.find("#totp-recovery-hint").await;
    walk.check("TOTP", Some("totp-390")).await;
    driver.type_into("#code", "000000").await;
    driver.click("button[type=submit]").await;
    driver.find("#code-error").await;
    walk.check("TOTP with an error", None).await;
}

/// The account page of someone who signs in afresh, then its answer to a
/// wrong current password. Leaves that person (`cleo`, an administrator, who
/// is given an authenticator app at the end) signed in with a password.
async fn walk_the_account(app: &TestApp, walk: &mut Walk<'_>) -> (TestUser, Vec<u8>) {
    let driver = walk.driver;
    driver.delete_cookies().await;
    let admin = app.user_in("cleo", &["admins"]).await;
    driver.goto(&app.url("/account")).await;
    driver.type_into("#username", &admin.username).await;
    driver.type_into("#password", &admin.password).await;
    driver.click("button[type=submit]").await;
    driver.wait_for("#account-user", 10).await;
    walk.check("account", Some("account-390")).await;
    driver
        .type_into("#current_password", "not-my-password")
        .await;
    driver.type_into("#new_password", "a-new-long-secret").await;
    driver.click("#password-form button").await;
    driver.wait_for("#account-error", 10).await;
    walk.check("account with a refused change", None).await;
    // An authenticator app only now: with one, a password change asks for a
    // fresh proof of it first.
    let secret = app.give_totp(&admin).await;
    (admin, secret)
}

/// The admin console after its TOTP step-up: the user list with the form to
/// add a user open, the list with the message after adding one, a user's page
/// and the import page.
async fn walk_the_console(app: &TestApp, walk: &mut Walk<'_>, admin: &TestUser, secret: &[u8]) {
    let driver = walk.driver;
    driver.goto(&app.url("/admin")).await;
    driver.type_into("#code", &totp_code(secret, 0)).await;
    driver.click("button[type=submit]").await;
    driver.wait_for("#tab-enabled", 10).await;
    driver.click("#add-user summary").await;
    driver.find("#create-user").await;
    walk.check("console: users, adding one", None).await;
    driver.type_into("#first_name", "Nora").await;
    driver.type_into("#last_name", "Newcomer").await;
    driver.type_into("#email", "nora@example.com").await;
    driver.type_into("#username", "nora").await;
    driver.click("#create-user").await;
    driver.wait_for("#flash", 10).await;
    walk.check("console: users, with a message", None).await;
    driver
        .goto(&app.url(&format!("/admin/users/{}", admin.id)))
        .await;
    driver.find("#op-reset-mfa").await;
    walk.check("console: a user", None).await;
    driver.goto(&app.url("/admin/import")).await;
    driver.find("#validate").await;
    walk.check("console: import", None).await;
}

fn report(found: &[String]) {
    assert!(
        found.is_empty(),
        "axe found {} serious or critical violations:\n{}",
        found.len(),
        found.join("\n")
    );
}

#[tokio::test]
async fn english_pages_pass_axe_and_fit_a_phone() {
    let app = spawn_app().await;
    let mail_app = spawn_with(Options {
        toml: "[factors]\nemail_otp = true\n".into(),
        ..Options::default()
    })
    .await;
    let shots = std::env::var("PORTCULLIS_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots"));
    let driver = Driver::start().await;
    driver.set_window_size(PHONE, 844).await;
    let mut walk = Walk {
        driver: &driver,
        axe: axe_source(),
        lang: "en",
        phone_shots: Some(shots),
        found: Vec::new(),
    };
    walk_the_pages(&app, &mail_app, &mut walk).await;
    let (admin, secret) = walk_the_account(&app, &mut walk).await;
    report(&walk.found);

    // The console is for administrators at a desk, in English.
    driver.set_window_size(1280, 900).await;
    let mut desk = Walk {
        driver: &driver,
        axe: walk.axe,
        lang: "en",
        phone_shots: None,
        found: Vec::new(),
    };
    walk_the_console(&app, &mut desk, &admin, &secret).await;
    report(&desk.found);
    driver.quit().await;
}

#[tokio::test]
async fn german_pages_pass_axe_with_a_light_primary_colour() {
    let light = "[ui]\nprimary_color = \"#ffd500\"\n";
    let app = spawn_with(Options {
        toml: light.into(),
        ..Options::default()
    })
    .await;
    let mail_app = spawn_with(Options {
        toml: format!("[factors]\nemail_otp = true\n{light}"),
        ..Options::default()
    })
    .await;
    let driver = Driver::start_in(Some("de-DE,de")).await;
    let mut walk = Walk {
        driver: &driver,
        axe: axe_source(),
        lang: "de",
        phone_shots: None,
        found: Vec::new(),
    };
    walk_the_pages(&app, &mail_app, &mut walk).await;
    // The buttons carry the configured colour, with text dark enough to read.
    let colours = driver
        .execute(
            "var s = getComputedStyle(document.querySelector('button[type=submit]'));
             return [s.backgroundColor, s.color]",
        )
        .await;
    assert_eq!(colours[0], "rgb(255, 213, 0)", "{colours}");
    assert_ne!(colours[1], "rgb(255, 255, 255)", "{colours}");
    walk_the_account(&app, &mut walk).await;
    report(&walk.found);
    driver.quit().await;
}
