//! Clients with registration options, userinfo and JWT payloads, shared by the
//! protocol-completeness tests (individual claims, hints, PAR, signed userinfo,
//! back-channel logout).

use base64::Engine;
use portcullis::db::clients;
use serde_json::Value;

use crate::helpers::*;

impl TestApp {
    /// A confidential client registered for exactly `scopes`.
    pub async fn client_scoped(&self, scopes: &[&str]) -> TestClient {
        self.client_made(scopes, clients::ClientProfile::default())
            .await
    }

    /// A confidential client with `scopes` (all of ours when empty) and `profile`.
    pub async fn client_made(
        &self,
        scopes: &[&str],
        profile: clients::ClientProfile,
    ) -> TestClient {
        let redirect_uri = "http://127.0.0.1:9/callback".to_string();
        let created = clients::create_with(
            &self.state.db,
            clients::NewClient {
                name: "Protocol RP".into(),
                redirect_uris: vec![redirect_uri.clone()],
                post_logout_redirect_uris: vec![],
                auth_method: clients::AuthMethod::ClientSecretBasic,
                id_token_alg: portcullis::keys::SigningAlg::ES256,
                default_acr_values: vec![],
                minimum_acr: None,
                scopes: scopes.iter().map(|s| s.to_string()).collect(),
            },
            clients::Extras {
                grant_types: None,
                profile,
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

    /// GET /userinfo with `access_token`: status, content type and body.
    pub async fn userinfo(&self, access_token: &str) -> (u16, String, String) {
        let resp = reqwest::Client::new()
            .get(self.url("/userinfo"))
            .bearer_auth(access_token)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let ct = resp
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        (status, ct, resp.text().await.unwrap())
    }

    /// The userinfo JSON answer for `access_token` (asserts 200).
    pub async fn userinfo_json(&self, access_token: &str) -> Value {
        let (status, _, body) = self.userinfo(access_token).await;
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).unwrap()
    }
}

/// The payload of a compact JWS, unverified (tests verify signatures separately).
pub fn jwt_payload(jwt: &str) -> Value {
    let part = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .unwrap(),
    )
    .unwrap()
}

/// Verifies a JWT of ours with the jsonwebtoken crate against the published
/// JWKS (fetched over HTTP): signature, `iss` and `aud`; returns its claims.
pub async fn verify_with_jwks(app: &TestApp, jwt: &str, audience: &str) -> Value {
    let jwks: jsonwebtoken::jwk::JwkSet = reqwest::get(app.url("/jwks"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let header = jsonwebtoken::decode_header(jwt).unwrap();
    let jwk = jwks
        .find(header.kid.as_deref().expect("a kid"))
        .expect("the signing key is published");
    let key = jsonwebtoken::DecodingKey::from_jwk(jwk).unwrap();
    let mut validation = jsonwebtoken::Validation::new(header.alg);
    validation.set_audience(&[audience]);
    validation.set_issuer(&[app.issuer.as_str()]);
    validation.required_spec_claims = ["iss", "aud"].map(String::from).into();
    validation.validate_exp = false;
    jsonwebtoken::decode::<Value>(jwt, &key, &validation)
        .unwrap_or_else(|e| panic!("{e}: {jwt}"))
        .claims
}
