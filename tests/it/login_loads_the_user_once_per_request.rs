//! The login engine loads the user and their factors once per request: every
//! layer of a step-up (the decision, the page, the code check, the redirect
//! with the code) works on that one read, so no layer decides on a row that
//! another layer read at a different moment.

use reqwest::header::LOCATION;

use crate::helpers::*;

/// One request, not followed: its status, its `Location`, its body, and how many
/// times it loaded a user with their factors.
async fn one(app: &TestApp, req: reqwest::RequestBuilder) -> (u16, String, String, u64) {
    let before = app.state.user_loads.get();
    let resp = req.send().await.unwrap();
    let loads = app.state.user_loads.get() - before;
    let status = resp.status().as_u16();
    let location = resp
        .headers()
        .get(LOCATION)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, location, resp.text().await.unwrap(), loads)
}

#[tokio::test]
async fn step_up_from_a_password_session_loads_the_user_once_per_request() {
    let app = spawn_app().await;
    let user = app.user("uma").await;
    let secret = app.give_totp(&user).await;
    let client = app.client(false).await;
    let browser = Browser::new(&app);

    // A password session first.
    let params = AuthParams::new(&client);
    let page = browser.authorize(&params).await;
    let back = browser.login(&page, &user).await;
    assert_eq!(app.tokens(&client, &params, &back).await["acr"], "pwd");

    // The relying party asks mfa: authorize, TOTP page, TOTP post, code.
    let params = AuthParams::new(&client).set("acr_values", "mfa");
    let url = format!("{}/authorize?{}", app.issuer, params.query());
    let (status, interaction, _, loads) = one(&app, browser.http.get(&url)).await;
    assert_eq!(status, 302);
    assert!(interaction.contains("/interaction/"), "{interaction}");
    assert_eq!(loads, 1, "authorize");

    let interaction = browser.absolute(&interaction);
    let (status, _, html, loads) = one(&app, browser.http.get(&interaction)).await;
    assert_eq!(status, 200);
    assert_eq!(loads, 1, "the TOTP page");
    let form = form_with(&html, "code").set("code", &totp_code(&secret, 0));

    let post = browser
        .http
        .post(browser.absolute(&form.action))
        .form(&form.fields);
    let (status, location, _, loads) = one(&app, post).await;
    assert_eq!(status, 303);
    assert_eq!(browser.absolute(&location), interaction);
    assert_eq!(loads, 1, "the TOTP post");

    let (status, location, _, loads) = one(&app, browser.http.get(&interaction)).await;
    assert_eq!(status, 303);
    assert_eq!(loads, 1, "the redirect with the code");
    let back = Landing::Left { status, location };
    let claims = app.tokens(&client, &params, &back).await;
    assert_eq!(claims["acr"], "mfa");
}
