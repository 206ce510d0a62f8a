//! An admin API client for tests: a token made through the repository (as
//! `portcullis admin token create` does) and one method per verb.

use reqwest::{Method, Response};
use serde_json::Value;

use crate::helpers::TestApp;

pub struct AdminApi {
    pub base: String,
    pub token: String,
    pub http: reqwest::Client,
}

impl AdminApi {
    pub async fn new(app: &TestApp, name: &str) -> AdminApi {
        let (_, token) = portcullis::db::admin_tokens::create(&app.state.db, name)
            .await
            .unwrap();
        AdminApi {
            base: app.url("/admin/api/v1"),
            token,
            http: reqwest::Client::new(),
        }
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Response {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send().await.unwrap()
    }

    /// Status and JSON body (Null when there is none).
    pub async fn json(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let resp = self.call(method, path, body).await;
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        let v = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
        };
        (status, v)
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.json(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.json(Method::POST, path, Some(body)).await
    }

    /// Creates a user with a password (welcome mail) and returns its JSON.
    pub async fn user(&self, username: &str) -> Value {
        let (s, u) = self
            .post(
                "/users",
                serde_json::json!({
                    "username": username,
                    "email": format!("{username}@example.com"),
                    "first_name": "Test",
                    "last_name": username,
                    "password": format!("pw-{username}-secret"),
                }),
            )
            .await;
        assert_eq!(s, 201, "{u}");
        u
    }

    pub async fn csv(&self, query: &str, csv: &str) -> (u16, Value) {
        let resp = self
            .http
            .post(format!("{}/imports?{query}", self.base))
            .bearer_auth(&self.token)
            .header("content-type", "text/csv")
            .body(csv.to_owned())
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap())
    }
}
