//! A refreshed ID token (and the access token issued with it) never claims an
//! elevated level whose second-factor proof is older than `acr.step_up_ttl`: it
//! falls back to what still counts, with `amr` and `auth_time` to match.

use serde_json::{Value, json};

use crate::code_flow::decode_payload;
use crate::helpers::*;
use crate::token_helpers::*;

#[tokio::test]
async fn a_refresh_after_the_step_up_ttl_falls_back_to_the_password() {
    let app = spawn_with(Options {
        toml: "[acr]\nstep_up_ttl = 2\n[acr.aliases]\n\"urn:example:jira:2fa\" = \"mfa\"\n".into(),
        ..Options::default()
    })
    .await;
    let user = app.user("stefan").await;
    let seed = app.give_totp(&user).await;
    let client = app.client(false).await;
    let rs = app.client(false).await;

    let browser = Browser::new(&app);
    let params = AuthParams::new(&client)
        .set("scope", OFFLINE)
        .set("acr_values", "urn:example:jira:2fa");
    let page = browser
        .login(&browser.authorize(&params).await, &user)
        .await;
    let back = browser
        .submit(&form_with(page.html(), "code").set("code", &totp_code(&seed, 0)))
        .await;
    let first: Value = app.token_response(&client, &params, &back).await;
    let original = decode_payload(str_of(&first, "id_token"));
    assert_eq!(original["acr"], "urn:example:jira:2fa");
    assert_eq!(original["amr"], json!(["pwd", "otp", "mfa"]));

    // The TOTP proof is now older than acr.step_up_ttl; the password still counts.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let resp = app
        .refresh(&client, str_of(&first, "refresh_token"), None)
        .await;
    assert_eq!(resp.status(), 200);
    let second: Value = resp.json().await.unwrap();
    let claims = decode_payload(str_of(&second, "id_token"));
    assert_eq!(claims["acr"], "pwd", "{claims}");
    assert_eq!(claims["amr"], json!(["pwd"]));
    assert!(
        claims["auth_time"].as_i64() <= original["auth_time"].as_i64(),
        "auth_time is the password's, not the expired step-up's: {claims}"
    );
    assert_eq!(claims["sid"], original["sid"]);
    let info = app.introspect(&rs, str_of(&second, "access_token")).await;
    assert_eq!(info["acr"], "pwd", "{info}");
    assert_eq!(info["amr"], json!(["pwd"]));

    // A browser request for mfa now prompts for the code again, as the refresh said.
    let again = browser
        .authorize(&AuthParams::new(&client).set("acr_values", "mfa"))
        .await;
    assert!(again.html().contains("name=\"code\""), "{}", again.html());
}
