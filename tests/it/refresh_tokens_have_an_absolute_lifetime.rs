//! A refresh-token family ends `tokens.refresh_max_lifetime` after its first
//! token, however often it is refreshed: later tokens inherit the family's end,
//! and a refresh after it is `invalid_grant`.

use sea_orm::ConnectionTrait;
use serde_json::Value;

use crate::helpers::*;
use crate::token_helpers::*;

#[tokio::test]
async fn refreshing_never_extends_a_family_past_its_maximum_lifetime() {
    let app = spawn_with(Options {
        toml: "[tokens]\nrefresh_max_lifetime = 3600\n".into(),
        ..Options::default()
    })
    .await;
    let user = app.user("lena").await;
    let client = app.client(false).await;
    let tokens = app.sign_in_offline(&client, &user).await;
    let rt1 = str_of(&tokens, "refresh_token").to_string();
    let info = app.introspect(&client, &rt1).await;
    let (iat, end) = (info["iat"].as_i64().unwrap(), info["exp"].as_i64().unwrap());
    assert!(
        end <= iat + 3600,
        "the first token ends with the family (not after tokens.refresh_ttl): {info}"
    );

    let resp = app.refresh(&client, &rt1, None).await;
    assert_eq!(resp.status(), 200);
    let next: Value = resp.json().await.unwrap();
    let rt2 = str_of(&next, "refresh_token").to_string();
    let info = app.introspect(&client, &rt2).await;
    assert_eq!(
        info["exp"].as_i64(),
        Some(end),
        "a refresh keeps the family's end"
    );

    // The family began more than refresh_max_lifetime ago (its newest token is fresh).
    app.state
        .db
        .execute_unprepared(
            "UPDATE refresh_tokens SET family_created_at = family_created_at - 3601",
        )
        .await
        .unwrap();
    let resp = app.refresh(&client, &rt2, None).await;
    assert_eq!(error_of(resp).await, (400, "invalid_grant".to_string()));
    assert_eq!(app.introspect(&client, &rt2).await["active"], false);
}
