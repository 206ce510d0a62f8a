//! A domain an upstream lists is that upstream's: an account there signs in
//! there even when its username and local password are typed, and another
//! upstream (one that lists no domain and links by email) cannot claim it.

use serde_json::json;

use crate::helpers::*;
use crate::upstream_op::*;

fn leaves_for(l: &Landing, issuer: &str) -> bool {
    matches!(l, Landing::Left { location, .. } if location.starts_with(issuer))
}

#[tokio::test]
async fn a_local_password_of_a_routed_domain_goes_to_its_upstream() {
    let (app, corp) = with_corp("", OpSpec::default()).await;
    let password = "dave's password from before";
    cli(
        &app,
        &[
            "user",
            "create",
            "--username",
            "dave",
            "--email",
            "dave@corp.example",
            "--password",
            password,
        ],
    )
    .unwrap();
    let client = app.client(false).await;
    let dave = |password: &str| TestUser {
        id: String::new(),
        username: "dave".into(),
        password: password.into(),
    };
    // A wrong password gets the usual answer: nothing tells the account apart.
    let browser = Browser::new(&app);
    let page = browser.authorize(&AuthParams::new(&client)).await;
    let wrong = browser.login(&page, &dave("not the password")).await;
    assert_eq!(wrong.status(), 401);
    // The right one signs in nowhere here: the browser goes to corp's sign-in.
    let page = browser.authorize(&AuthParams::new(&client)).await;
    let right = browser.login(&page, &dave(password)).await;
    assert!(leaves_for(&right, &corp.issuer), "{right:?}");
    let session = browser
        .http
        .get(app.url("/account"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!session.contains("id=\"account-user\""));
}

#[tokio::test]
async fn an_upstream_without_domains_cannot_link_another_upstreams_accounts() {
    let ext_port = op_port();
    // corp names corp.example (it need not run: nobody goes there); ext lists
    // no domain and links existing accounts by verified email.
    let toml = format!(
        "{}{}",
        upstream_toml(
            "corp",
            op_port(),
            "corp-secret",
            "domains = [\"corp.example\"]"
        ),
        upstream_toml("ext", ext_port, "ext-secret", "link_by_email = true"),
    );
    let app = spawn_with(Options {
        toml,
        ..Options::default()
    })
    .await;
    let ext = UpstreamOp::start(OpSpec {
        port: ext_port,
        client_secret: "ext-secret",
        redirect_uri: format!("{}/upstream/ext/callback", app.issuer),
        amr: "pwd",
        accounts: json!({
            "x-1": {"email": "boss@corp.example", "email_verified": true},
            "x-2": {"email": "pat@example.com", "email_verified": true},
        }),
        ..OpSpec::default()
    })
    .await;
    let boss = cli(
        &app,
        &[
            "user",
            "create",
            "--username",
            "boss",
            "--email",
            "boss@corp.example",
        ],
    )
    .unwrap();
    let pat = app.user("pat").await;
    let client = app.client(false).await;

    let browser = Browser::new(&app);
    let start = browser
        .authorize(&AuthParams::new(&client).set("idp_hint", "ext"))
        .await;
    assert!(leaves_for(&start, &ext.issuer), "{start:?}");
    let refused = through_upstream(&browser, &app.issuer, &start, "x-1").await;
    assert!(
        refused
            .html()
            .contains("may not sign in to accounts in that domain"),
        "{}",
        refused.html()
    );
    let links =
        portcullis::db::upstream_links::of_user(&app.state.db, boss["id"].as_str().unwrap())
            .await
            .unwrap();
    assert!(links.is_empty(), "{links:?}");

    // An address no upstream names is still ext's to link.
    let browser = Browser::new(&app);
    let start = browser
        .authorize(&AuthParams::new(&client).set("idp_hint", "ext"))
        .await;
    let landed = through_upstream(&browser, &app.issuer, &start, "x-2").await;
    assert!(landed.params().contains_key("code"), "{landed:?}");
    let links = portcullis::db::upstream_links::of_user(&app.state.db, &pat.id)
        .await
        .unwrap();
    assert_eq!(links.len(), 1);
}
