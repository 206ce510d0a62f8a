//! The pages speak the language the relying party asks for (`ui_locales`), else
//! the one the browser prefers (`Accept-Language`), else `ui.default_locale`;
//! `<html lang>` names it. Error pages too.

use crate::helpers::*;

fn lang_of(html: &str) -> String {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse("html").unwrap();
    let el = doc.select(&sel).next().unwrap();
    el.value().attr("lang").unwrap_or_default().to_owned()
}

#[tokio::test]
async fn ui_locales_wins_over_accept_language() {
    let app = spawn_app().await;
    let client = app.client(false).await;
    let browser = Browser::with_headers(&app, &[("accept-language", "fr-FR,fr;q=0.9")]);
    let page = browser
        .authorize(&AuthParams::new(&client).set("ui_locales", "ja de-CH"))
        .await;
    assert_eq!(page.status(), 200);
    let html = page.html();
    assert_eq!(lang_of(html), "de", "{html}");
    assert!(html.contains("Benutzername"), "{html}");
    assert!(html.contains("Passwort"), "{html}");
    assert!(html.contains("um mit Test RP fortzufahren"), "{html}");
    // The contract's field names stay whatever the language.
    let form = form_with(html, "password");
    assert!(form.get("username").is_some());

    // A wrong password answers in the same language.
    let user = app.user("greta").await;
    let wrong = browser
        .submit(
            &form
                .set("username", &user.username)
                .set("password", "not-her-password"),
        )
        .await;
    assert_eq!(wrong.status(), 401);
    assert!(
        wrong
            .html()
            .contains("Benutzername oder Passwort ist falsch."),
        "{}",
        wrong.html()
    );
}

#[tokio::test]
async fn accept_language_picks_french_and_unknown_falls_back() {
    let app = spawn_app().await;
    let client = app.client(false).await;
    let fr = Browser::with_headers(&app, &[("accept-language", "ja, fr-CA;q=0.8, en;q=0.5")]);
    let page = fr.authorize(&AuthParams::new(&client)).await;
    assert_eq!(lang_of(page.html()), "fr");
    assert!(page.html().contains("Mot de passe"), "{}", page.html());
    assert!(page.html().contains("Se connecter"));

    let ja = Browser::with_headers(&app, &[("accept-language", "ja")]);
    let page = ja.authorize(&AuthParams::new(&client)).await;
    assert_eq!(lang_of(page.html()), "en");
    assert!(page.html().contains("Password"));
}

#[tokio::test]
async fn the_default_locale_applies_and_error_pages_follow_the_browser() {
    let app = spawn_with(Options {
        toml: "[ui]\ndefault_locale = \"de\"\n".into(),
        ..Options::default()
    })
    .await;
    let client = app.client(false).await;
    let plain = Browser::new(&app);
    let page = plain.authorize(&AuthParams::new(&client)).await;
    assert_eq!(lang_of(page.html()), "de");

    // A bad client_id: an error page (never a redirect), in French for a French browser.
    let fr = Browser::with_headers(&app, &[("accept-language", "fr")]);
    let bad = fr
        .authorize(&AuthParams::new(&client).set("client_id", "nobody"))
        .await;
    assert_eq!(bad.status(), 400);
    assert_eq!(lang_of(bad.html()), "fr");
    assert!(bad.html().contains("Requête invalide"), "{}", bad.html());
}

#[tokio::test]
async fn error_messages_speak_the_language_of_ui_locales() {
    let app = spawn_app().await;
    let client = app.client(false).await;
    let browser = Browser::new(&app);
    let bad = browser
        .authorize(
            &AuthParams::new(&client)
                .set("client_id", "nobody")
                .set("ui_locales", "de"),
        )
        .await;
    assert_eq!(bad.status(), 400);
    assert_eq!(lang_of(bad.html()), "de");
    assert!(
        bad.html()
            .contains("ist diesem Anmeldedienst nicht bekannt (client_id unbekannt oder fehlt)"),
        "{}",
        bad.html()
    );

    // A redirect_uri that is not registered: the sentence is German, the
    // protocol detail stays as it is.
    let bad = browser
        .authorize(
            &AuthParams::new(&client)
                .set("redirect_uri", "https://evil.example/cb")
                .set("ui_locales", "de"),
        )
        .await;
    assert_eq!(bad.status(), 400);
    assert!(
        bad.html()
            .contains("Die Rücksprungadresse fehlt oder ist nicht erlaubt"),
        "{}",
        bad.html()
    );
    assert!(bad.html().contains("id=\"error-detail\""), "{}", bad.html());

    // A sign-in that has expired, in French for a French browser.
    let fr = Browser::with_headers(&app, &[("accept-language", "fr")]);
    let gone = fr.get("/interaction/no-such-login").await;
    assert_eq!(gone.status(), 400);
    assert!(
        gone.html().contains("Cette demande de connexion a expiré"),
        "{}",
        gone.html()
    );
}

#[tokio::test]
async fn discovery_lists_the_shipped_languages() {
    let app = spawn_app().await;
    let doc = app.discovery().await;
    assert_eq!(
        doc["ui_locales_supported"],
        serde_json::json!(["en", "de", "fr"])
    );
}

#[tokio::test]
async fn forgot_password_speaks_german_and_its_error_too() {
    let app = spawn_app().await;
    let de = Browser::with_headers(&app, &[("accept-language", "de-DE,de;q=0.9")]);
    let page = de.get("/forgot-password").await;
    assert_eq!(page.status(), 200);
    assert_eq!(lang_of(page.html()), "de", "{}", page.html());
    assert!(page.html().contains("Link senden"), "{}", page.html());
    let form = form_with(page.html(), "email");
    let wrong = de.submit(&form.set("email", "not an address")).await;
    assert_eq!(wrong.status(), 400);
    assert!(
        wrong
            .html()
            .contains("Geben Sie die E-Mail-Adresse Ihres Kontos ein."),
        "{}",
        wrong.html()
    );
    // What was typed comes back escaped, in the field it was typed in.
    let again = form_with(wrong.html(), "email");
    let hostile = de.submit(&again.set("email", "<b>x")).await;
    assert!(!hostile.html().contains("<b>x"), "{}", hostile.html());
    assert!(
        hostile.html().contains("value=\"&#60;b&#62;x\""),
        "{}",
        hostile.html()
    );
}
