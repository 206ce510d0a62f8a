//! `portcullis client …` run in-process against a running server's configuration:
//! every change lands in the database, bad input changes nothing, and the server
//! sees the result without a restart.

use portcullis::db::clients::{self, Client};
use serde_json::Value;

use crate::helpers::*;

async fn cli(app: &TestApp, args: &[&str]) -> anyhow::Result<()> {
    let mut all = vec!["portcullis", "--config", app.config_path.to_str().unwrap()];
    all.extend_from_slice(args);
    portcullis::cli::run(all.iter().map(std::ffi::OsString::from)).await
}

async fn stored(app: &TestApp, id: &str) -> Option<Client> {
    clients::find(&app.state.db, id).await.unwrap()
}

#[tokio::test]
async fn create_list_show_update_and_delete() {
    let app = spawn_app().await;
    cli(
        &app,
        &[
            "client",
            "create",
            "--name",
            "Jira",
            "--redirect-uri",
            "https://jira.example/cb",
        ],
    )
    .await
    .unwrap();
    let all = clients::list(&app.state.db).await.unwrap();
    assert_eq!(all.len(), 1);
    let id = all[0].client_id.clone();
    assert!(!all[0].profile.dynamic, "made by an administrator");
    cli(&app, &["client", "list"]).await.unwrap();
    cli(&app, &["client", "show", &id]).await.unwrap();
    assert!(cli(&app, &["client", "show", "nope"]).await.is_err());

    cli(
        &app,
        &[
            "client",
            "update",
            &id,
            "--name",
            "Jira DC",
            "--redirect-uri",
            "https://jira.example/cb",
            "--redirect-uri",
            "http://127.0.0.1:8765/cb",
            "--default-acr",
            "mfa",
            "--minimum-acr",
            "pwd",
            "--default-max-age",
            "900",
            "--scope",
            "openid",
            "--scope",
            "email",
            "--id-token-alg",
            "ES256",
            "--post-logout-redirect-uri",
            "https://jira.example/bye",
        ],
    )
    .await
    .unwrap();
    let c = stored(&app, &id).await.unwrap();
    assert_eq!(c.name, "Jira DC");
    assert_eq!(c.redirect_uris.len(), 2);
    assert_eq!(c.default_acr_values, vec!["mfa"]);
    assert_eq!(c.minimum_acr.as_deref(), Some("pwd"));
    assert_eq!(c.profile.default_max_age, Some(900));
    assert_eq!(c.scopes, vec!["openid", "email"]);
    assert_eq!(c.id_token_alg.as_str(), "ES256");
    assert_eq!(
        c.post_logout_redirect_uris,
        vec!["https://jira.example/bye"]
    );

    // Bad input: an error, and nothing changes.
    for bad in [
        vec!["--default-acr", "gold"],
        vec!["--redirect-uri", "https://jira.example/cb#frag"],
        vec!["--name", " "],
        vec!["--scope", "phone"],
        vec!["--auth-method", "private_key_jwt"],
        vec!["--id-token-alg", "HS256"],
        vec!["--default-acr", "mfa", "--clear-default-acr"],
        vec![],
    ] {
        let mut args = vec!["client", "update", &id];
        args.extend(bad.iter());
        assert!(cli(&app, &args).await.is_err(), "{bad:?}");
        assert_eq!(
            stored(&app, &id).await.unwrap(),
            c,
            "{bad:?} changed nothing"
        );
    }
    assert!(
        cli(&app, &["client", "update", "nope", "--name", "x"])
            .await
            .is_err()
    );

    cli(
        &app,
        &[
            "client",
            "update",
            &id,
            "--clear-default-acr",
            "--clear-minimum-acr",
            "--clear-default-max-age",
            "--clear-post-logout-redirect-uris",
        ],
    )
    .await
    .unwrap();
    let c = stored(&app, &id).await.unwrap();
    assert!(c.default_acr_values.is_empty() && c.minimum_acr.is_none());
    assert!(c.profile.default_max_age.is_none() && c.post_logout_redirect_uris.is_empty());

    cli(&app, &["client", "delete", &id]).await.unwrap();
    assert!(stored(&app, &id).await.is_none());
    assert!(cli(&app, &["client", "delete", &id]).await.is_err());
}

#[tokio::test]
async fn secrets_rotate_expire_and_follow_the_auth_method() {
    let app = spawn_app().await;
    let client = app.client(false).await;
    let id = client.client_id.clone();
    let old = client.secret.clone().unwrap();

    cli(&app, &["client", "rotate-secret", &id]).await.unwrap();
    let c = stored(&app, &id).await.unwrap();
    assert!(!c.verify_secret(&old), "the old secret stops working");
    assert!(c.secret_hash.is_some());
    assert_eq!(c.profile.client_secret_expires_at, 0);
    // The running server refuses the old secret within the contract's delay.
    let user = app.user("frank").await;
    let (app_ref, client_ref, user_ref) = (&app, &client, &user);
    let refused = within_contract_delay(move || async move {
        let (params, back) = crate::registration::login(app_ref, client_ref, user_ref).await;
        let resp = app_ref
            .exchange(client_ref, &back.code(), Some(&params.verifier))
            .await;
        resp.status() == 401
    })
    .await;
    assert!(
        refused,
        "the old secret still works 10 s after the rotation"
    );

    cli(
        &app,
        &["client", "rotate-secret", &id, "--expires-in", "3600"],
    )
    .await
    .unwrap();
    let now = chrono::Utc::now().timestamp();
    let expires = stored(&app, &id)
        .await
        .unwrap()
        .profile
        .client_secret_expires_at;
    assert!((now + 3590..=now + 3610).contains(&expires), "{expires}");
    assert!(
        cli(&app, &["client", "rotate-secret", &id, "--expires-in", "0"])
            .await
            .is_err()
    );
    assert!(
        cli(&app, &["client", "rotate-secret", "nope"])
            .await
            .is_err()
    );

    cli(&app, &["client", "update", &id, "--auth-method", "none"])
        .await
        .unwrap();
    let c = stored(&app, &id).await.unwrap();
    assert!(c.is_public() && c.secret_hash.is_none());
    assert_eq!(c.profile.client_secret_expires_at, 0);
    assert!(
        cli(&app, &["client", "rotate-secret", &id]).await.is_err(),
        "public: no secret"
    );
    cli(
        &app,
        &[
            "client",
            "update",
            &id,
            "--auth-method",
            "client_secret_post",
        ],
    )
    .await
    .unwrap();
    let c = stored(&app, &id).await.unwrap();
    assert!(
        !c.is_public() && c.secret_hash.is_some(),
        "a new secret was issued"
    );
}

#[tokio::test]
async fn a_client_deleted_with_the_cli_gets_no_more_tokens() {
    let app = spawn_app().await;
    let client = app.client(false).await;
    let user = app.user("grace").await;
    let (params, back) = crate::registration::login(&app, &client, &user).await;
    cli(&app, &["client", "delete", &client.client_id])
        .await
        .unwrap();
    let (app_ref, client_ref) = (&app, &client);
    let forgotten = within_contract_delay(move || async move {
        let page = Browser::new(app_ref)
            .authorize(&AuthParams::new(client_ref))
            .await;
        page.status() == 400
    })
    .await;
    assert!(forgotten, "the server still knows the client 10 s later");
    // A code issued before the deletion buys nothing.
    let resp = app
        .exchange(&client, &back.code(), Some(&params.verifier))
        .await;
    assert_eq!(resp.status(), 401);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"],
        "invalid_client"
    );
}
