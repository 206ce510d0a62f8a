//! A relying party's back-channel logout endpoint, run by the test on loopback:
//! it validates each logout token as Back-Channel Logout 1.0 §2.6 asks (signature
//! against the provider's published JWKS, `iss`, `aud`, `iat`, `typ`, the logout
//! event, `sub` or `sid`, and no `nonce`), answers 200 or 400, and keeps what it got.

use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpResponse, HttpServer, web};
use serde_json::Value;

use crate::helpers::*;

const EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";

#[derive(Default)]
pub struct Received {
    /// Accepted tokens' claims, with the path they were posted to.
    pub accepted: Vec<(String, Value)>,
    /// Why tokens were refused.
    pub refused: Vec<String>,
}

struct Checks {
    jwks: jsonwebtoken::jwk::JwkSet,
    issuer: String,
    got: Arc<Mutex<Received>>,
}

pub struct Receiver {
    pub base: String,
    pub got: Arc<Mutex<Received>>,
}

impl Receiver {
    /// Starts a receiver that trusts `app`'s JWKS as published now.
    pub async fn start(app: &TestApp) -> Self {
        let jwks: jsonwebtoken::jwk::JwkSet = reqwest::get(app.url("/jwks"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let got = Arc::new(Mutex::new(Received::default()));
        let checks = web::Data::new(Checks {
            jwks,
            issuer: app.issuer.clone(),
            got: got.clone(),
        });
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(checks.clone())
                .route("/bcl/{client}", web::post().to(receive))
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        Self {
            base: format!("http://127.0.0.1:{port}/bcl"),
            got,
        }
    }

    /// Waits up to 10 s for `n` accepted tokens.
    pub async fn accepted(&self, n: usize) -> Vec<(String, Value)> {
        for _ in 0..100 {
            if self.got.lock().unwrap().accepted.len() >= n {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        self.got.lock().unwrap().accepted.clone()
    }
}

async fn receive(
    checks: web::Data<Checks>,
    path: web::Path<String>,
    form: web::Form<std::collections::HashMap<String, String>>,
) -> HttpResponse {
    let token = form.get("logout_token").cloned().unwrap_or_default();
    match validate(&checks, &token, &path) {
        Ok(claims) => {
            checks
                .got
                .lock()
                .unwrap()
                .accepted
                .push((path.into_inner(), claims));
            HttpResponse::Ok().finish()
        }
        Err(why) => {
            checks.got.lock().unwrap().refused.push(why);
            HttpResponse::BadRequest().finish()
        }
    }
}

/// §2.6, steps 1 to 8 that concern a single token.
fn validate(checks: &Checks, token: &str, audience: &str) -> Result<Value, String> {
    let header = jsonwebtoken::decode_header(token).map_err(|e| e.to_string())?;
    if header.typ.as_deref() != Some("logout+jwt") {
        return Err(format!("typ {:?}", header.typ));
    }
    let jwk = checks
        .jwks
        .find(header.kid.as_deref().ok_or("no kid")?)
        .ok_or("unknown kid")?;
    let key = jsonwebtoken::DecodingKey::from_jwk(jwk).map_err(|e| e.to_string())?;
    let mut v = jsonwebtoken::Validation::new(header.alg);
    v.set_issuer(&[checks.issuer.as_str()]);
    v.set_audience(&[audience]);
    v.required_spec_claims = ["iss", "aud", "iat", "exp"].map(String::from).into();
    let claims = jsonwebtoken::decode::<Value>(token, &key, &v)
        .map_err(|e| e.to_string())?
        .claims;
    if claims.get("nonce").is_some() {
        return Err("a logout token must not carry a nonce".into());
    }
    if !claims["events"][EVENT].is_object() {
        return Err("no back-channel logout event".into());
    }
    if claims.get("sub").is_none() && claims.get("sid").is_none() {
        return Err("neither sub nor sid".into());
    }
    if claims["jti"].as_str().is_none_or(str::is_empty) {
        return Err("no jti".into());
    }
    Ok(claims)
}
