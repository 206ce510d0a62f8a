//! Mails speak the user's language: the one of the pages they last signed in,
//! signed up or set a password through (`users.locale`), else
//! `ui.default_locale`. Read back from the outbox with their transfer encodings
//! undone, as a mail program would show them.

use base64::Engine;
use portcullis::db::users;
use portcullis::i18n::Lang;
use reqwest::Method;

use crate::helpers::*;
use crate::self_service_helpers::{link_path, set_password_at};

/// A raw message's subject and body, decoded (RFC 2047 words, quoted-printable
/// or base64 bodies).
fn read(raw: &str) -> (String, String) {
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((raw, ""));
    // Unfold continued header lines.
    let head = head.replace("\r\n ", " ").replace("\r\n\t", " ");
    let header = |name: &str| {
        head.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}: ")))
            .unwrap_or_default()
            .to_owned()
    };
    // Whitespace between two encoded words is not part of the text.
    let mut subject = String::new();
    let mut after_word = false;
    for token in header("Subject").split(' ') {
        let encoded = token.starts_with("=?") && token.ends_with("?=");
        let joined = encoded && after_word;
        if !subject.is_empty() && !joined {
            subject.push(' ');
        }
        subject.push_str(&decode_word(token));
        after_word = encoded;
    }
    let body = match header("Content-Transfer-Encoding")
        .to_ascii_lowercase()
        .as_str()
    {
        "base64" => String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(body.replace("\r\n", ""))
                .unwrap(),
        )
        .unwrap(),
        "quoted-printable" => quoted_printable(body),
        _ => body.to_owned(),
    };
    (subject, body.replace("\r\n", "\n"))
}

/// One RFC 2047 encoded word (`=?utf-8?b?…?=` or `=?utf-8?q?…?=`), or the text as is.
fn decode_word(w: &str) -> String {
    let Some(inner) = w.strip_prefix("=?").and_then(|w| w.strip_suffix("?=")) else {
        return w.to_owned();
    };
    let mut parts = inner.splitn(3, '?');
    let (_charset, enc, text) = (parts.next(), parts.next(), parts.next().unwrap_or(""));
    match enc.map(|e| e.to_ascii_lowercase()).as_deref() {
        Some("b") => String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(text)
                .unwrap(),
        )
        .unwrap(),
        _ => quoted_printable(&text.replace('_', " ")),
    }
}

fn quoted_printable(s: &str) -> String {
    let s = s.replace("=\r\n", "");
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'='
            && let Some(hex) = s.get(i + 1..i + 3)
            && let Ok(v) = u8::from_str_radix(hex, 16)
        {
            out.push(v);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// The decoded mails to `email` so far: (subject, body).
fn mails_to(app: &TestApp, email: &str) -> Vec<(String, String)> {
    app.outbox()
        .iter()
        .filter(|m| m.contains(&format!("<{email}>")) || m.contains(&format!("To: {email}")))
        .map(|m| read(m))
        .collect()
}

async fn wait_for(app: &TestApp, email: &str, subject: &str) -> String {
    for _ in 0..50 {
        if let Some((_, body)) = mails_to(app, email).into_iter().find(|(s, _)| s == subject) {
            return body;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no mail {subject:?} to {email}: {:?}", mails_to(app, email));
}

/// An administrator's MFA reset is mailed to user `id`, as stored now; the
/// body of the mail with `subject`.
async fn reset_mail(app: &TestApp, id: &str, email: &str, subject: &str) -> String {
    let stored = users::find_by_id(&app.state.db, id).await.unwrap().unwrap();
    portcullis::admin::users::notify_factor_change(
        &app.state.admin_ctx("admin:test"),
        &stored,
        portcullis::auth::factor_rules::FactorChange::AllRemoved,
    )
    .await
    .unwrap();
    wait_for(app, email, subject).await
}

async fn locale_of(app: &TestApp, id: &str) -> Option<Lang> {
    users::find_by_id(&app.state.db, id)
        .await
        .unwrap()
        .unwrap()
        .locale
}

#[tokio::test]
async fn a_user_who_signed_in_on_german_pages_gets_german_factor_mail() {
    let app = spawn_app().await;
    let user = app.user("jonas").await;
    assert_eq!(locale_of(&app, &user.id).await, None);
    let client = app.client(false).await;
    let de = Browser::with_headers(&app, &[("accept-language", "de-DE,de;q=0.9")]);
    let params = AuthParams::new(&client).set("acr_values", "mfa");
    let page = de.authorize(&params).await;
    let enroll = de.login(&page, &user).await;
    assert!(enroll.html().contains("data-otpauth"), "{}", enroll.html());
    assert_eq!(locale_of(&app, &user.id).await, Some(Lang::De));

    let secret = otpauth_secret(enroll.html());
    let codes = de
        .submit(&form_with(enroll.html(), "code").set("code", &totp_code(&secret, 0)))
        .await;
    assert!(codes.html().contains("recovery-codes"));
    let body = wait_for(
        &app,
        "jonas@example.com",
        "Ihrem Konto wurde eine Authenticator-App hinzugefügt",
    )
    .await;
    assert!(body.starts_with("Hallo Test jonas,"), "{body}");
    assert!(
        body.replace('\n', " ")
            .contains("Authenticator-App eingerichtet")
            && body.contains("Konto: jonas"),
        "{body}"
    );

    // An administrator's change later is told in German too, with no page in sight.
    let body = reset_mail(
        &app,
        &user.id,
        "jonas@example.com",
        "Ihre Zwei-Schritt-Bestätigung wurde zurückgesetzt",
    )
    .await;
    assert!(body.contains("Administrator"), "{body}");
}

#[tokio::test]
async fn a_french_sign_up_gets_french_mails_and_keeps_them() {
    let app = spawn_with(Options {
        toml: "[signup]\nenabled = true\nallowed_domains = [\"client.example\"]\n".into(),
        ..Options::default()
    })
    .await;
    let fr = Browser::with_headers(&app, &[("accept-language", "fr-FR,fr;q=0.9")]);
    let page = fr.get("/signup").await;
    assert_eq!(page.status(), 200);
    let form = form_with(page.html(), "email")
        .set("email", "chloe@client.example")
        .set("first_name", "Chloé")
        .set("last_name", "Martin");
    assert_eq!(fr.submit(&form).await.status(), 200);
    let body = wait_for(
        &app,
        "chloe@client.example",
        "Terminez votre inscription sur Portcullis",
    )
    .await;
    // The greeting is French; the name typed at sign-up is never mailed.
    assert!(body.starts_with("Bonjour,"), "{body}");
    let link = link_path(&body, "/signup/");
    let done = set_password_at(&fr, &link, "chloé's long password").await;
    assert_eq!(done.status(), 200, "{}", done.html());
    let user = portcullis::db::user_admin::find_by_email(&app.state.db, "chloe@client.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.locale, Some(Lang::Fr));

    // Asking for a reset from an English browser: the account's language wins,
    // and asking changes nothing about it.
    let en = Browser::with_headers(&app, &[("accept-language", "en")]);
    let page = en.get("/forgot-password").await;
    let form = form_with(page.html(), "email").set("email", "chloe@client.example");
    assert_eq!(en.submit(&form).await.status(), 200);
    let body = wait_for(
        &app,
        "chloe@client.example",
        "Réinitialisez votre mot de passe Portcullis",
    )
    .await;
    assert!(
        body.replace('\n', " ")
            .contains("le lien ne sert qu’une fois"),
        "{body}"
    );
    assert_eq!(locale_of(&app, &user.id).await, Some(Lang::Fr));
}

#[tokio::test]
async fn without_a_known_language_mails_use_the_default_locale() {
    let app = spawn_with(Options {
        toml: "[ui]\ndefault_locale = \"fr\"\n".into(),
        ..Options::default()
    })
    .await;
    let user = app.user("noel").await;
    let body = reset_mail(
        &app,
        &user.id,
        "noel@example.com",
        "Votre vérification en deux étapes a été réinitialisée",
    )
    .await;
    assert!(body.starts_with("Bonjour Test noel,"), "{body}");
}

#[tokio::test]
async fn an_administrator_may_name_the_language_of_a_new_users_mails() {
    let app = spawn_app().await;
    let api = crate::admin_helpers::AdminApi::new(&app, "locale").await;
    let (s, e) = api
        .post(
            "/users",
            serde_json::json!({"username": "ines", "email": "ines@example.com", "locale": "es"}),
        )
        .await;
    assert_eq!(s, 400, "{e}");
    assert!(
        e["error_description"]
            .as_str()
            .unwrap()
            .contains("en, de, fr"),
        "{e}"
    );
    assert!(mails_to(&app, "ines@example.com").is_empty());

    let (s, u) = api
        .post(
            "/users",
            serde_json::json!({"username": "ines", "email": "ines@example.com",
                               "first_name": "Inès", "last_name": "Weber", "locale": "de"}),
        )
        .await;
    assert_eq!(s, 201, "{u}");
    assert_eq!(u["locale"], "de", "{u}");
    let body = wait_for(
        &app,
        "ines@example.com",
        "Legen Sie Ihr Passwort für Portcullis fest",
    )
    .await;
    assert!(body.contains("/set-password/"), "{body}");

    // A change of language goes through the same check, and a wrong one
    // changes nothing.
    let id = u["id"].as_str().unwrap().to_owned();
    let (s, e) = api
        .json(
            Method::PATCH,
            &format!("/users/{id}"),
            Some(serde_json::json!({"locale": "nl", "last_name": "Vogel"})),
        )
        .await;
    assert_eq!(s, 400, "{e}");
    assert!(
        e["error_description"]
            .as_str()
            .unwrap()
            .contains("en, de, fr"),
        "{e}"
    );
    let (_, same) = api.get(&format!("/users/{id}")).await;
    assert_eq!(
        (same["locale"].as_str(), same["last_name"].as_str()),
        (Some("de"), Some("Weber")),
        "{same}"
    );
    let (s, changed) = api
        .json(
            Method::PATCH,
            &format!("/users/{id}"),
            Some(serde_json::json!({"locale": "fr"})),
        )
        .await;
    assert_eq!(s, 200, "{changed}");
    assert_eq!(changed["locale"], "fr", "{changed}");
    // The next mail speaks it.
    let body = reset_mail(
        &app,
        &id,
        "ines@example.com",
        "Votre vérification en deux étapes a été réinitialisée",
    )
    .await;
    assert!(body.starts_with("Bonjour Inès"), "{body}");

    // The CLI takes the same three, and says so otherwise.
    let bad = cli(
        &app,
        &[
            "user",
            "create",
            "--username",
            "olaf",
            "--email",
            "olaf@example.com",
            "--locale",
            "nl",
        ],
    );
    assert!(bad.is_err_and(|e| e.contains("en, de, fr")));
    let made = cli(
        &app,
        &[
            "user",
            "create",
            "--username",
            "olaf",
            "--email",
            "olaf@example.com",
            "--locale",
            "fr",
        ],
    )
    .unwrap();
    assert_eq!(made["locale"], "fr", "{made}");
}
