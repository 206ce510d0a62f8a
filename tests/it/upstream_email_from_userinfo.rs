//! Many providers put the email in userinfo only, not in the ID token. Here
//! node-oidc-provider leaves `email` and `email_verified` out of every ID token:
//! the account is made or linked from userinfo's verified email, read with the
//! upstream's access token, and a userinfo answer for another subject than the
//! ID token's refuses the sign-in.

use serde_json::json;

use crate::helpers::*;
use crate::upstream_op::*;

struct Setup {
    app: TestApp,
    _corp: UpstreamOp,
}

async fn setup() -> Setup {
    let (app, corp) = with_corp(
        "create_users = true\nlink_by_email = true",
        OpSpec {
            accounts: json!({
                "dana": {"email": "Dana@corp.example", "email_verified": true, "given_name": "Dana"},
                "erin": {"email": "erin@corp.example", "email_verified": true},
                "ivy": {"email": "ivy@corp.example", "email_verified": false},
                "zed": {"email": "zed@corp.example", "email_verified": true},
            }),
            userinfo_only: "email,email_verified",
            tamper: json!({"zed": "userinfo_sub"}),
            ..OpSpec::default()
        },
    )
    .await;
    Setup { app, _corp: corp }
}

async fn sign_in(app: &TestApp, client: &TestClient, who: &str) -> (AuthParams, Landing) {
    let params = AuthParams::new(client).set("idp_hint", "corp");
    let browser = Browser::new(app);
    let start = browser.authorize(&params).await;
    let back = through_upstream(&browser, &app.issuer, &start, who).await;
    (params, back)
}

async fn reasons(app: &TestApp) -> Vec<String> {
    portcullis::db::audit::list(&app.state.db, None, None, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.event == "upstream_login" && e.outcome == "refused")
        .map(|e| e.detail["reason"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn an_account_is_made_or_linked_from_the_userinfo_email() {
    let s = setup().await;
    let app = &s.app;
    let client = app.client(false).await;

    // Made at the first sign-in, from userinfo's verified email and name.
    let (params, back) = sign_in(app, &client, "dana").await;
    let claims = app.tokens(&client, &params, &back).await;
    let dana = portcullis::db::user_admin::find_by_email(&app.state.db, "dana@corp.example")
        .await
        .unwrap()
        .expect("an account made from the userinfo email");
    assert_eq!(claims["sub"], dana.id.as_str());
    assert_eq!(dana.first_name, "Dana");

    // An operator's account with that email is linked (link_by_email).
    let erin = portcullis::db::users::create(
        &app.state.db,
        portcullis::db::users::NewUser {
            username: "erin".into(),
            email: "erin@corp.example".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let (params, back) = sign_in(app, &client, "erin").await;
    let claims = app.tokens(&client, &params, &back).await;
    assert_eq!(claims["sub"], erin.id.as_str());
    let linked = portcullis::db::upstream_links::find(&app.state.db, "corp", "erin")
        .await
        .unwrap()
        .map(|u| u.id);
    assert_eq!(linked, Some(erin.id.clone()));

    // userinfo's email_verified counts too: an unverified one makes nothing.
    let (_, page) = sign_in(app, &client, "ivy").await;
    assert_eq!(page.status(), 400);
    assert!(
        page.html()
            .contains("the unverified address ivy@corp.example"),
        "{}",
        page.html()
    );
    assert_eq!(reasons(app).await, vec!["no_account"]);
}

#[tokio::test]
async fn userinfo_for_another_subject_is_refused_and_changes_nothing() {
    let s = setup().await;
    let app = &s.app;
    let client = app.client(false).await;
    let (_, page) = sign_in(app, &client, "zed").await;
    assert_eq!(page.status(), 400, "{}", page.html());
    assert!(
        page.html().contains("user information was refused")
            && page.html().contains("another user than the ID token"),
        "{}",
        page.html()
    );
    assert_eq!(reasons(app).await, vec!["bad_userinfo"]);
    assert!(
        portcullis::db::users::list_all(&app.state.db)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        portcullis::db::upstream_links::find(&app.state.db, "corp", "zed")
            .await
            .unwrap()
            .is_none()
    );
}
