//! An upstream whose ID token fails a check signs nobody in: a wrong signature,
//! `aud`, `iss` or nonce, or an expired token. node-oidc-provider makes a real
//! answer and server.js falsifies that account's ID token before it leaves
//! (re-signed with the provider's own key, or with a key its JWKS lacks). Each
//! gets a page saying why and an audit event naming the check; nothing is
//! created or linked. An untouched account of the same upstream signs in.

use serde_json::json;

use crate::helpers::*;
use crate::upstream_op::*;

/// Account (and subject) at the upstream, what server.js does to its ID
/// token, the check the audit names, and what the page says.
const CASES: &[(&str, &str, &str, &str)] = &[
    (
        "sig",
        "signature",
        "signature",
        "its signature does not verify",
    ),
    ("aud", "aud", "aud", "issued to another client (aud)"),
    ("iss", "iss", "iss", "names another issuer (iss)"),
    (
        "nonce",
        "nonce",
        "nonce",
        "nonce does not match this sign-in",
    ),
    ("exp", "exp", "exp", "it has expired"),
];

#[tokio::test]
async fn each_bad_upstream_id_token_is_refused_and_changes_nothing() {
    // Every account could have an account made for it: only the token stops it.
    let mut accounts = json!({
        "alice": {"email": "alice@corp.example", "email_verified": true},
    });
    let mut tamper = json!({});
    for (who, how, _, _) in CASES {
        accounts[*who] = json!({"email": format!("{who}@corp.example"), "email_verified": true});
        tamper[*who] = json!(how);
    }
    let (app, _corp) = with_corp(
        "create_users = true",
        OpSpec {
            accounts,
            tamper,
            ..OpSpec::default()
        },
    )
    .await;
    let client = app.client(false).await;

    for (who, _, check, says) in CASES {
        let browser = Browser::new(&app);
        let start = browser
            .authorize(&AuthParams::new(&client).set("idp_hint", "corp"))
            .await;
        let page = through_upstream(&browser, &app.issuer, &start, who).await;
        assert_eq!(page.status(), 400, "{who}: {}", page.html());
        assert!(
            page.html().contains("ID token was refused") && page.html().contains(says),
            "{who}: the page should say {says:?}: {}",
            page.html()
        );
        let refused = portcullis::db::audit::list(&app.state.db, None, None, 100)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.event == "upstream_login" && e.outcome == "refused")
            .map(|e| (e.detail["reason"].clone(), e.detail["check"].clone()))
            .next();
        assert_eq!(
            refused,
            Some((json!("bad_id_token"), json!(check))),
            "{who}: the newest refusal names its check"
        );
        assert!(
            portcullis::db::upstream_links::find(&app.state.db, "corp", who)
                .await
                .unwrap()
                .is_none(),
            "{who}: a refused ID token linked its subject"
        );
        assert!(
            portcullis::db::users::list_all(&app.state.db)
                .await
                .unwrap()
                .is_empty(),
            "{who}: a refused ID token created a user"
        );
    }

    // The same upstream, untouched: the checks above refused the falsification,
    // not the setup.
    let params = AuthParams::new(&client).set("idp_hint", "corp");
    let browser = Browser::new(&app);
    let start = browser.authorize(&params).await;
    let back = through_upstream(&browser, &app.issuer, &start, "alice").await;
    let claims = app.tokens(&client, &params, &back).await;
    assert_eq!(claims["idp"], "corp");
    let all = portcullis::db::users::list_all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].email, "alice@corp.example");
}

/// `prompt=login` asks for a sign-in made now, upstream too: an ID token that
/// does not say when its sign-in was (no `auth_time`) is refused as stale, not
/// taken for a fresh one. Without that demand the same answer signs in, and
/// with it an answer that carries `auth_time` does.
#[tokio::test]
async fn an_id_token_without_auth_time_does_not_pass_for_a_fresh_sign_in() {
    let (app, _corp) = with_corp(
        "create_users = true",
        OpSpec {
            accounts: json!({
                "undated": {"email": "undated@corp.example", "email_verified": true},
                "dated": {"email": "dated@corp.example", "email_verified": true},
            }),
            tamper: json!({"undated": "no_auth_time"}),
            ..OpSpec::default()
        },
    )
    .await;
    let client = app.client(false).await;
    let fresh = AuthParams::new(&client)
        .set("idp_hint", "corp")
        .set("prompt", "login");

    let browser = Browser::new(&app);
    let start = browser.authorize(&fresh).await;
    let page = through_upstream(&browser, &app.issuer, &start, "undated").await;
    assert_eq!(page.status(), 400, "{}", page.html());
    assert!(page.html().contains("recently enough"), "{}", page.html());
    let reasons: Vec<_> = portcullis::db::audit::list(&app.state.db, None, None, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.event == "upstream_login" && e.outcome == "refused")
        .map(|e| e.detail["reason"].clone())
        .collect();
    assert_eq!(reasons, vec![json!("stale")]);
    assert!(
        portcullis::db::users::list_all(&app.state.db)
            .await
            .unwrap()
            .is_empty(),
        "a stale sign-in created a user"
    );

    let browser = Browser::new(&app);
    let start = browser.authorize(&fresh).await;
    let back = through_upstream(&browser, &app.issuer, &start, "dated").await;
    let claims = app.tokens(&client, &fresh, &back).await;
    assert_eq!(claims["idp"], "corp");

    let plain = AuthParams::new(&client).set("idp_hint", "corp");
    let browser = Browser::new(&app);
    let start = browser.authorize(&plain).await;
    let back = through_upstream(&browser, &app.issuer, &start, "undated").await;
    let claims = app.tokens(&client, &plain, &back).await;
    assert_eq!(claims["idp"], "corp");
}
