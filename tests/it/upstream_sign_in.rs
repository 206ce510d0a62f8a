//! Employees sign in at their company's IdP, customers at theirs with our
//! second factor on top: two real OpenID Connect providers (node-oidc-provider),
//! one asserting two factors in `amr`, one a password only.

use serde_json::{Value, json};

use crate::helpers::*;
use crate::upstream_op::*;

struct Setup {
    app: TestApp,
    _corp: UpstreamOp,
    _cust: UpstreamOp,
}

/// corp: trusted for `amr`, creates users of corp.example in group employees.
/// cust: trusted for nothing, links customers by verified email.
async fn setup() -> Setup {
    let (corp_port, cust_port) = (op_port(), op_port());
    let toml = format!(
        "{}{}[groups.by_email_domain]\n\"acme.example\" = [\"org-acme\"]\n",
        upstream_toml(
            "corp",
            corp_port,
            "corp-secret",
            "domains = [\"corp.example\"]\ntrust = \"amr\"\ncreate_users = true\ngroups = [\"employees\"]"
        ),
        upstream_toml(
            "cust",
            cust_port,
            "cust-secret",
            "domains = [\"acme.example\"]\ntrust = \"none\"\ncreate_users = true\nlink_by_email = true"
        ),
    );
    let app = spawn_with(Options {
        toml,
        ..Options::default()
    })
    .await;
    let corp = UpstreamOp::start(OpSpec {
        port: corp_port,
        client_secret: "corp-secret",
        redirect_uri: format!("{}/upstream/corp/callback", app.issuer),
        amr: "pwd,otp",
        accounts: json!({
            "alice": {"email": "alice@corp.example", "email_verified": true, "given_name": "Alice"},
            "mallory": {"email": "mallory@corp.example", "email_verified": false},
        }),
        ..OpSpec::default()
    })
    .await;
    let cust = UpstreamOp::start(OpSpec {
        port: cust_port,
        client_secret: "cust-secret",
        redirect_uri: format!("{}/upstream/cust/callback", app.issuer),
        amr: "pwd",
        accounts: json!({
            "c-17": {"email": "carl@acme.example", "email_verified": true},
            "c-99": {"email": "other@elsewhere.example", "email_verified": true},
        }),
        ..OpSpec::default()
    })
    .await;
    Setup {
        app,
        _corp: corp,
        _cust: cust,
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

async fn user_by_email(app: &TestApp, email: &str) -> Option<portcullis::db::users::User> {
    portcullis::db::user_admin::find_by_email(&app.state.db, email)
        .await
        .unwrap()
}

/// The login page's button for `id`.
fn button(html: &str, id: &str) -> String {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(&format!("a#upstream-{id}")).unwrap();
    let href = doc
        .select(&sel)
        .next()
        .unwrap_or_else(|| panic!("no button for {id} in {html}"))
        .value()
        .attr("href")
        .unwrap()
        .to_owned();
    assert!(href.contains(&format!("upstream={id}")));
    href
}

/// `browser` asks for `params`, takes the login page's button for `upstream`,
/// signs in there as `login`, and redeems the code: the ID token's claims.
async fn sign_in_at(
    app: &TestApp,
    (client, params): (&TestClient, &AuthParams),
    browser: &Browser,
    upstream: &str,
    login: &str,
) -> Value {
    let page = browser.authorize(params).await;
    let there = browser.get(&button(page.html(), upstream)).await;
    let back = through_upstream(browser, &app.issuer, &there, login).await;
    app.tokens(client, params, &back).await
}

#[tokio::test]
async fn an_employee_who_passed_two_factors_upstream_is_not_asked_again() {
    let s = setup().await;
    let app = &s.app;
    let client = app.client(false).await;
    let browser = Browser::new(app);
    let params = AuthParams::new(&client).set("acr_values", "mfa");
    let claims = sign_in_at(app, (&client, &params), &browser, "corp", "alice").await;
    assert_eq!(claims["acr"], "mfa");
    assert_eq!(claims["idp"], "corp");
    let amr = strings(&claims["amr"]);
    assert!(
        amr.contains(&"fed".to_owned()) && amr.contains(&"mfa".to_owned()),
        "{amr:?}"
    );

    // Created at the first sign-in, in the upstream's group.
    let user = user_by_email(app, "alice@corp.example").await.unwrap();
    let groups = portcullis::db::users::groups_of(&app.state.db, &user.id)
        .await
        .unwrap();
    assert_eq!(groups, vec!["employees".to_owned()]);
    let audit = portcullis::db::audit::list(&app.state.db, Some(&user.id), None, 50)
        .await
        .unwrap();
    let login = audit
        .iter()
        .find(|e| e.event == "upstream_login")
        .expect("an audit event for the upstream sign-in");
    assert_eq!(login.outcome, "success");
    assert_eq!(login.level.as_deref(), Some("mfa"));
    assert_eq!(login.detail["upstream"], "corp");
    assert_eq!(login.detail["subject"], "alice");
}

#[tokio::test]
async fn a_customer_from_an_untrusted_upstream_steps_up_with_our_totp() {
    let s = setup().await;
    let app = &s.app;
    let client = app.client(false).await;
    let browser = Browser::new(app);
    // A customer created here (by an administrator) signs in at their own IdP.
    let created = portcullis::db::users::create(
        &app.state.db,
        portcullis::db::users::NewUser {
            username: "carl".into(),
            email: "carl@acme.example".into(),
            groups: app
                .state
                .settings
                .groups
                .with_domain_groups("carl@acme.example", vec![]),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let carl = TestUser {
        id: created.id.clone(),
        username: "carl".into(),
        password: String::new(),
    };
    let secret = app.give_totp(&carl).await;

    let params = AuthParams::new(&client).set("acr_values", "mfa");
    let page = browser.authorize(&params).await;
    let to_cust = browser.get(&button(page.html(), "cust")).await;
    let step_up = through_upstream(&browser, &app.issuer, &to_cust, "c-17").await;
    let html = step_up.html();
    assert!(
        html.contains("name=\"code\"") && !html.contains("name=\"password\""),
        "{html}"
    );
    let back = browser
        .submit(&form_with(html, "code").set("code", &totp_code(&secret, 0)))
        .await;
    let claims = app.tokens(&client, &params, &back).await;
    assert_eq!(claims["sub"], created.id.as_str());
    assert_eq!(claims["acr"], "mfa");
    assert_eq!(claims["idp"], "cust");
    let amr = strings(&claims["amr"]);
    assert!(
        amr.contains(&"fed".to_owned()) && amr.contains(&"otp".to_owned()),
        "{amr:?}"
    );
    let groups = portcullis::db::users::groups_of(&app.state.db, &created.id)
        .await
        .unwrap();
    assert_eq!(groups, vec!["org-acme".to_owned()]);

    // A password-only request is met by the upstream alone: pwd, never more.
    let client2 = app.client(false).await;
    let browser2 = Browser::new(app);
    let params2 = AuthParams::new(&client2);
    let page2 = browser2.authorize(&params2).await;
    let to_cust2 = browser2.get(&button(page2.html(), "cust")).await;
    let back2 = through_upstream(&browser2, &app.issuer, &to_cust2, "c-17").await;
    let claims2 = app.tokens(&client2, &params2, &back2).await;
    assert_eq!(claims2["acr"], "pwd");
    assert_eq!(claims2["idp"], "cust");
}

#[tokio::test]
async fn an_email_a_login_hint_or_an_idp_hint_goes_to_its_upstream() {
    let s = setup().await;
    let app = &s.app;
    let client = app.client(false).await;
    let corp_auth = s._corp.issuer.clone();
    let cust_auth = s._cust.issuer.clone();
    let leaves_for = |l: &Landing, issuer: &str| match l {
        Landing::Left { location, .. } => location.starts_with(issuer),
        _ => false,
    };

    // Email first: no password asked here.
    let browser = Browser::new(app);
    let page = browser.authorize(&AuthParams::new(&client)).await;
    let form = form_with(page.html(), "username")
        .set("username", "Alice@Corp.Example")
        .set("password", "");
    let next = browser.submit(&form).await;
    assert!(leaves_for(&next, &corp_auth), "{next:?}");

    let browser = Browser::new(app);
    let next = browser
        .authorize(&AuthParams::new(&client).set("login_hint", "carl@acme.example"))
        .await;
    assert!(leaves_for(&next, &cust_auth), "{next:?}");

    let browser = Browser::new(app);
    let next = browser
        .authorize(&AuthParams::new(&client).set("idp_hint", "corp"))
        .await;
    assert!(leaves_for(&next, &corp_auth), "{next:?}");
    let Landing::Left { location, .. } = &next else {
        unreachable!()
    };
    let q: std::collections::HashMap<String, String> = url::Url::parse(location)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    assert_eq!(q["code_challenge_method"], "S256");
    assert!(q.contains_key("state") && q.contains_key("nonce"));
    assert!(q["claims"].contains("amr") && q["claims"].contains("auth_time"));
    assert_eq!(
        q["redirect_uri"],
        format!("{}/upstream/corp/callback", app.issuer)
    );

    // An address in no upstream's domain signs in here as before.
    let browser = Browser::new(app);
    let page = browser
        .authorize(&AuthParams::new(&client).set("login_hint", "someone@example.com"))
        .await;
    assert!(page.html().contains("name=\"password\""));
}

#[tokio::test]
async fn two_first_sign_ins_of_one_subject_at_once_make_one_account() {
    let s = setup().await;
    let app = &s.app;
    let client = app.client(false).await;
    let one = || async {
        let browser = Browser::new(app);
        let params = AuthParams::new(&client).set("idp_hint", "corp");
        let start = browser.authorize(&params).await;
        let answer = upstream_answer(&browser, &app.issuer, &start, "alice").await;
        (browser, params, answer)
    };
    let ((b1, p1, a1), (b2, p2, a2)) = tokio::join!(one(), one());
    // Both answers come back at the same moment.
    let (back1, back2) = tokio::join!(b1.get(&a1), b2.get(&a2));
    let c1 = app.tokens(&client, &p1, &back1).await;
    let c2 = app.tokens(&client, &p2, &back2).await;
    assert_eq!(c1["sub"], c2["sub"]);
    let all = portcullis::db::users::list_all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(all.len(), 1);
}

#[tokio::test]
async fn a_refreshed_id_token_still_names_the_upstream_and_the_level_met() {
    use crate::token_helpers::{OFFLINE, str_of};
    let s = setup().await;
    let app = &s.app;
    let client = app.client(false).await;
    let browser = Browser::new(app);
    let params = AuthParams::new(&client)
        .set("scope", OFFLINE)
        .set("acr_values", "mfa")
        .set("idp_hint", "corp");
    let start = browser.authorize(&params).await;
    let back = through_upstream(&browser, &app.issuer, &start, "alice").await;
    let first: Value = app.token_response(&client, &params, &back).await;
    let original = crate::code_flow::decode_payload(str_of(&first, "id_token"));
    assert_eq!(
        (&original["idp"], &original["acr"]),
        (&json!("corp"), &json!("mfa"))
    );

    let mut refresh = str_of(&first, "refresh_token").to_owned();
    for _ in 0..2 {
        let resp = app.refresh(&client, &refresh, None).await;
        assert_eq!(resp.status(), 200);
        let next: Value = resp.json().await.unwrap();
        let id_token = str_of(&next, "id_token");
        app.verify_id_token(&client, id_token, None).await;
        let claims = crate::code_flow::decode_payload(id_token);
        assert_eq!(claims["idp"], "corp", "{claims}");
        assert_eq!(claims["acr"], original["acr"], "{claims}");
        assert_eq!(claims["amr"], original["amr"], "{claims}");
        assert_eq!(claims["sid"], original["sid"], "{claims}");
        refresh = str_of(&next, "refresh_token").to_owned();
    }
}

/// An upstream sign-in keeps the language of its pages for the user's mails,
/// as a password sign-in does: `ui_locales` first, then the browser's
/// `Accept-Language`.
#[tokio::test]
async fn an_upstream_sign_in_keeps_its_language_for_the_users_mails() {
    use portcullis::i18n::Lang;
    let s = setup().await;
    let app = &s.app;
    let client = app.client(false).await;

    let browser = Browser::new(app);
    let params = AuthParams::new(&client).set("ui_locales", "de");
    sign_in_at(app, (&client, &params), &browser, "corp", "alice").await;
    let user = user_by_email(app, "alice@corp.example").await.unwrap();
    assert_eq!(user.locale, Some(Lang::De));

    let browser = Browser::with_headers(app, &[("accept-language", "fr-CH, en;q=0.5")]);
    let params = AuthParams::new(&client);
    sign_in_at(app, (&client, &params), &browser, "corp", "alice").await;
    let user = user_by_email(app, "alice@corp.example").await.unwrap();
    assert_eq!(user.locale, Some(Lang::Fr));
}

/// An account made at an upstream sign-in has no password here, and the
/// account page's "current password" never matches for it: not even the
/// password of the hash it is checked against for equal timing, which is no
/// secret.
#[tokio::test]
async fn an_account_made_upstream_gets_no_password_by_guessing_the_current_one() {
    let s = setup().await;
    let app = &s.app;
    let browser = Browser::new(app);
    let login = browser.get("/account").await;
    let email_first = form_with(login.html(), "username")
        .set("username", "alice@corp.example")
        .set("password", "");
    let at_corp = browser.submit(&email_first).await;
    let page = through_upstream(&browser, &app.issuer, &at_corp, "alice").await;
    assert!(
        page.html().contains("id=\"account-user\""),
        "{}",
        page.html()
    );
    let change = form_with(page.html(), "current_password")
        .set("current_password", "portcullis-dummy-password-for-timing")
        .set("new_password", "a-password-of-my-own");
    let refused = browser.submit(&change).await;
    assert_eq!(refused.status(), 400, "{}", refused.html());
    let user = user_by_email(app, "alice@corp.example").await.unwrap();
    let creds = portcullis::db::users::credentials(&app.state.db, &user.username)
        .await
        .unwrap()
        .unwrap();
    assert!(creds.password_hash.is_none(), "a password was set");
}

/// An upstream whose issuer ends in `/` (as Auth0's does) is configured with
/// that issuer exactly, and signs people in: discovery, the callback's `iss`
/// and the ID token all name it so.
#[tokio::test]
async fn an_upstream_whose_issuer_ends_in_a_slash_signs_in() {
    let port = op_port();
    let toml = upstream_toml(
        "corp",
        port,
        "corp-secret",
        "trust = \"amr\"\ncreate_users = true\nallowed_domains = [\"corp.example\"]",
    )
    .replace(
        &format!("issuer = \"http://127.0.0.1:{port}\""),
        &format!("issuer = \"http://127.0.0.1:{port}/\""),
    );
    let app = spawn_with(Options {
        toml,
        ..Options::default()
    })
    .await;
    let corp = UpstreamOp::start(OpSpec {
        port,
        client_secret: "corp-secret",
        redirect_uri: format!("{}/upstream/corp/callback", app.issuer),
        amr: "pwd,otp",
        accounts: json!({"alice": {"email": "alice@corp.example", "email_verified": true}}),
        issuer_slash: true,
        ..OpSpec::default()
    })
    .await;
    assert!(corp.issuer.ends_with('/'));
    let client = app.client(false).await;
    let browser = Browser::new(&app);
    let params = AuthParams::new(&client).set("acr_values", "mfa");
    let claims = sign_in_at(&app, (&client, &params), &browser, "corp", "alice").await;
    assert_eq!(claims["idp"], "corp");
    assert_eq!(claims["acr"], "mfa");
}
