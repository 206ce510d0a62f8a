//! Token-endpoint, introspection and revocation calls shared by the token
//! lifecycle tests.

use serde_json::Value;

use crate::helpers::*;

pub const OFFLINE: &str = "openid profile email offline_access";

impl TestApp {
    /// POSTs a form to `path` authenticated as `client` (Basic for a confidential
    /// client, `client_id` in the body for a public one).
    pub async fn post_as(
        &self,
        client: &TestClient,
        path: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut fields: Vec<(String, String)> = form
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let mut req = reqwest::Client::new().post(self.url(path));
        match &client.secret {
            Some(s) => req = req.basic_auth(&client.client_id, Some(s)),
            None => fields.push(("client_id".into(), client.client_id.clone())),
        }
        req.form(&fields).send().await.unwrap()
    }

    pub async fn refresh(
        &self,
        client: &TestClient,
        refresh_token: &str,
        scope: Option<&str>,
    ) -> reqwest::Response {
        let mut form = vec![
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ];
        if let Some(s) = scope {
            form.push(("scope", s));
        }
        self.post_as(client, "/token", &form).await
    }

    /// Introspects `token` as `caller`; asserts a 200 and returns the JSON.
    pub async fn introspect(&self, caller: &TestClient, token: &str) -> Value {
        let resp = self
            .post_as(caller, "/introspect", &[("token", token)])
            .await;
        assert_eq!(resp.status(), 200);
        resp.json().await.unwrap()
    }

    pub async fn revoke(
        &self,
        client: &TestClient,
        token: &str,
        hint: Option<&str>,
    ) -> reqwest::Response {
        let mut form = vec![("token", token)];
        if let Some(h) = hint {
            form.push(("token_type_hint", h));
        }
        self.post_as(client, "/revoke", &form).await
    }

    /// The discovery document (OpenID Connect Discovery 1.0 §4).
    pub async fn discovery(&self) -> Value {
        reqwest::get(self.url("/.well-known/openid-configuration"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    pub async fn userinfo_status(&self, access_token: &str) -> u16 {
        reqwest::Client::new()
            .get(self.url("/userinfo"))
            .bearer_auth(access_token)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }

    /// Signs `user` in at `client` with `params` and returns the token response.
    pub async fn sign_in_with(
        &self,
        browser: &Browser,
        client: &TestClient,
        user: &TestUser,
        params: &AuthParams,
    ) -> Value {
        let page = browser.allow(browser.authorize(params).await).await;
        let back = match page {
            Landing::Page { .. } => browser.allow(browser.login(&page, user).await).await,
            left => left,
        };
        self.token_response(client, params, &back).await
    }

    /// A password sign-in with `offline_access`; returns the token response.
    pub async fn sign_in_offline(&self, client: &TestClient, user: &TestUser) -> Value {
        let params = AuthParams::new(client).set("scope", OFFLINE);
        self.sign_in_with(&Browser::new(self), client, user, &params)
            .await
    }

    /// A confidential or public client registered with exactly `grants`.
    pub async fn client_with_grants(&self, public: bool, grants: &[&str]) -> TestClient {
        use portcullis::db::clients;
        let redirect_uri = "http://127.0.0.1:9/callback".to_string();
        let created = clients::create_with(
            &self.state.db,
            clients::NewClient {
                name: "Grants RP".into(),
                redirect_uris: vec![redirect_uri.clone()],
                post_logout_redirect_uris: vec![],
                auth_method: if public {
                    clients::AuthMethod::None
                } else {
                    clients::AuthMethod::ClientSecretBasic
                },
                id_token_alg: portcullis::keys::SigningAlg::RS256,
                default_acr_values: vec![],
                minimum_acr: None,
                scopes: vec![],
            },
            clients::Extras {
                grant_types: Some(grants.iter().map(|g| g.to_string()).collect()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        TestClient {
            client_id: created.client.client_id,
            secret: created.secret,
            redirect_uri,
        }
    }

    pub async fn client_with_logout(&self, post_logout_redirect_uri: &str) -> TestClient {
        let redirect_uri = "http://127.0.0.1:9/callback".to_string();
        let (c, secret) = portcullis::db::clients::create(
            &self.state.db,
            portcullis::db::clients::NewClient {
                name: "Logout RP".into(),
                redirect_uris: vec![redirect_uri.clone()],
                post_logout_redirect_uris: vec![post_logout_redirect_uri.into()],
                auth_method: portcullis::db::clients::AuthMethod::ClientSecretBasic,
                id_token_alg: portcullis::keys::SigningAlg::RS256,
                default_acr_values: vec![],
                minimum_acr: None,
                scopes: vec![],
            },
        )
        .await
        .unwrap();
        TestClient {
            client_id: c.client_id,
            secret,
            redirect_uri,
        }
    }
}

pub fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("no string {key:?} in {v}"))
}

pub async fn error_of(resp: reqwest::Response) -> (u16, String) {
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.unwrap();
    (
        status,
        body["error"].as_str().unwrap_or_default().to_string(),
    )
}
