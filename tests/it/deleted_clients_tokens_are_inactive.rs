//! Introspection (RFC 7662) reports the tokens of a deleted client as inactive,
//! whether it was deleted through RFC 7592 (at once) or the CLI (within the
//! time a CLI change takes to reach a running server).

use serde_json::json;

use crate::helpers::*;
use crate::token_helpers::*;

#[tokio::test]
async fn a_deleted_clients_tokens_introspect_inactive() {
    let app = spawn_app().await;
    let rs = app.client(false).await;
    let user = app.user("dora").await;

    let rp = app.client(false).await;
    let tokens = app.sign_in_offline(&rp, &user).await;
    let access = str_of(&tokens, "access_token").to_string();
    assert_eq!(app.introspect(&rs, &access).await["active"], true);
    let machine = app.client_with_grants(false, &["client_credentials"]).await;
    let resp = app
        .post_as(&machine, "/token", &[("grant_type", "client_credentials")])
        .await;
    let machine_token: serde_json::Value = resp.json().await.unwrap();
    let machine_token = str_of(&machine_token, "access_token").to_string();
    assert_eq!(app.introspect(&rs, &machine_token).await["active"], true);

    for id in [&rp.client_id, &machine.client_id] {
        cli(&app, &["client", "delete", id]).unwrap();
    }
    for token in [&access, &machine_token] {
        assert!(
            within_contract_delay(|| async {
                app.introspect(&rs, token).await == json!({"active": false})
            })
            .await,
            "a deleted client's token stays active"
        );
    }
}
