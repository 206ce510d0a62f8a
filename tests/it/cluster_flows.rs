//! One sign-in flow as a relying party and a browser drive it through the
//! proxy: password, TOTP step-up, code, token, refresh, logout. Every answer is
//! classified; whatever a fault may explain is a failed flow, whatever no fault
//! can excuse (a wrong or elevated token, a skipped factor, an unclear error) is
//! a violation.

use std::sync::Arc;
use std::time::Duration;

use openidconnect::core::{CoreIdToken, CoreIdTokenVerifier, CoreJwsSigningAlgorithm};
use openidconnect::{ClientId, IssuerUrl, Nonce};
use reqwest::header::LOCATION;
use serde_json::Value;

use crate::cluster_jwks::{Jwks, header_kid};
use crate::helpers::{AuthParams, Form, Landing, TestClient, form_with};

pub const AFTER_LOGOUT: &str = "http://127.0.0.1:9/signed-out";

/// Why a flow did not complete.
#[derive(Debug, Clone)]
pub enum Failure {
    /// A 503 that says the service is temporarily unavailable.
    Unavailable,
    /// A clear refusal of state the flow held (a sign-in, code or session gone
    /// with a Redis restart): status and the start of the body.
    Refused(u16, String),
    /// Never acceptable, fault or not.
    Violation(String),
}

pub struct VirtualUser {
    pub user_id: String,
    pub username: String,
    pub password: String,
    pub totp: Vec<u8>,
    /// The newest TOTP time step submitted: the server takes each step once.
    pub last_step: i64,
}

pub struct FlowCtx {
    pub issuer: String,
    pub client: TestClient,
    pub jwks: Arc<Jwks>,
}

/// What one flow proved; returned only when everything checked out.
pub struct Completed {
    pub stepped_up: bool,
    pub kid: String,
}

struct Browser<'a> {
    http: reqwest::Client,
    ctx: &'a FlowCtx,
}

/// The visible text of a page (or a JSON body), shortened: enough to say why.
fn snippet(body: &str) -> String {
    let body = body.split_once("<body").map_or(body, |(_, b)| b);
    let mut text = String::new();
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    words.join(" ").chars().take(200).collect()
}

impl Browser<'_> {
    /// Follows redirects on the provider; classifies what cannot be a step.
    async fn land(&self, mut resp: reqwest::Response) -> Result<Landing, Failure> {
        loop {
            let status = resp.status().as_u16();
            if resp.status().is_redirection() {
                let location = resp.headers()[LOCATION].to_str().unwrap().to_owned();
                let next = if location.starts_with('/') {
                    format!("{}{location}", self.ctx.issuer)
                } else {
                    location
                };
                if !next.starts_with(&self.ctx.issuer) {
                    return Ok(Landing::Left {
                        status,
                        location: next,
                    });
                }
                resp = self.send(self.http.get(&next)).await?;
                continue;
            }
            let html = resp.text().await.map_err(transport)?;
            return match status {
                200..=299 | 400 | 401 => Ok(Landing::Page { status, html }),
                503 => unavailable(&html),
                _ => Err(Failure::Violation(format!(
                    "page {status}: {}",
                    snippet(&html)
                ))),
            };
        }
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Result<reqwest::Response, Failure> {
        req.send().await.map_err(transport)
    }

    async fn get(&self, url: &str) -> Result<Landing, Failure> {
        let resp = self.send(self.http.get(url)).await?;
        self.land(resp).await
    }

    async fn submit(&self, form: &Form) -> Result<Landing, Failure> {
        let url = format!("{}{}", self.ctx.issuer, form.action);
        let url = if form.action.starts_with('/') {
            url
        } else {
            form.action.clone()
        };
        let resp = self.send(self.http.post(url).form(&form.fields)).await?;
        self.land(resp).await
    }
}

fn transport(e: reqwest::Error) -> Failure {
    Failure::Violation(format!("transport: {e}"))
}

fn unavailable<T>(body: &str) -> Result<T, Failure> {
    if body.contains("temporarily unavailable") || body.contains("temporarily_unavailable") {
        Err(Failure::Unavailable)
    } else {
        Err(Failure::Violation(format!(
            "503 without a clear reason: {}",
            snippet(body)
        )))
    }
}

/// A page that is not the next step: a clear refusal (the sign-in expired with
/// the store's restart) or, for anything else, a violation.
fn refused<T>(what: &str, landing: &Landing) -> Result<T, Failure> {
    match landing {
        Landing::Page {
            status: status @ (400 | 401),
            html,
        } => Err(Failure::Refused(
            *status,
            format!("{what}: {}", snippet(html)),
        )),
        other => Err(Failure::Violation(format!("{what}: {other:?}"))),
    }
}

fn is_password_form(l: &Landing) -> bool {
    matches!(l, Landing::Page { status: 200, html } if html.contains("name=\"password\""))
}

fn is_totp_form(l: &Landing) -> bool {
    matches!(l, Landing::Page { status: 200, html }
        if html.contains("name=\"code\"") && !html.contains("name=\"password\""))
}

/// The code of a redirect back to the relying party; an `error` there is a
/// refusal (e.g. the stored sign-in was lost), a missing `iss` a violation.
fn code_of(landing: &Landing, issuer: &str) -> Result<String, Failure> {
    let params = landing.params();
    if params.get("iss").map(String::as_str) != Some(issuer) {
        return Err(Failure::Violation(format!("no RFC 9207 iss: {params:?}")));
    }
    match (params.get("code"), params.get("error")) {
        (Some(c), None) => Ok(c.clone()),
        (_, Some(e)) if e == "temporarily_unavailable" => Err(Failure::Unavailable),
        (_, Some(e)) => Err(Failure::Refused(302, e.clone())),
        _ => Err(Failure::Violation(format!(
            "neither code nor error: {params:?}"
        ))),
    }
}

impl FlowCtx {
    async fn post_token(&self, form: &[(&str, &str)]) -> Result<Value, Failure> {
        let resp = reqwest::Client::new()
            .post(format!("{}/token", self.issuer))
            .basic_auth(&self.client.client_id, self.client.secret.as_ref())
            .form(form)
            .send()
            .await
            .map_err(transport)?;
        let status = resp.status().as_u16();
        let body = resp.text().await.map_err(transport)?;
        match status {
            200 => Ok(serde_json::from_str(&body).unwrap()),
            503 => unavailable(&body),
            400 if body.contains("invalid_grant") => Err(Failure::Refused(400, snippet(&body))),
            _ => Err(Failure::Violation(format!(
                "token {status}: {}",
                snippet(&body)
            ))),
        }
    }

    /// Verifies the ID token with the openidconnect crate and checks that it
    /// names this user and exactly the level this flow proved.
    async fn check_id_token(
        &self,
        tokens: &Value,
        vu: &VirtualUser,
        nonce: Option<&str>,
        acr: &str,
        amr: &[&str],
    ) -> Result<String, Failure> {
        let raw = tokens["id_token"].as_str().unwrap_or_default();
        let kid = header_kid(raw);
        let jwks = self.jwks.for_kid(&kid).await?;
        let verifier = CoreIdTokenVerifier::new_public_client(
            ClientId::new(self.client.client_id.clone()),
            IssuerUrl::new(self.issuer.clone()).unwrap(),
            jwks,
        )
        .set_allowed_algs([CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256]);
        let token: CoreIdToken = raw
            .parse()
            .map_err(|e| Failure::Violation(format!("ID token: {e}")))?;
        let claims = match nonce {
            Some(n) => token.claims(&verifier, &Nonce::new(n.to_owned())),
            None => token.claims(&verifier, |_: Option<&Nonce>| Ok(())),
        }
        .map_err(|e| Failure::Violation(format!("ID token does not verify: {e}")))?;
        let payload = crate::code_flow::decode_payload(raw);
        let got_amr: Vec<&str> = payload["amr"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        if claims.subject().as_str() != vu.user_id || payload["acr"] != acr || got_amr != amr {
            return Err(Failure::Violation(format!(
                "wrong token for {} (expected acr {acr}, amr {amr:?}): sub {}, acr {}, amr {got_amr:?}",
                vu.username,
                claims.subject().as_str(),
                payload["acr"]
            )));
        }
        Ok(kid)
    }

    /// One flow in a fresh browser: password at a relying party that asks for
    /// nothing (acr pwd), then, when `step_up`, the same session asked for `mfa`
    /// must show the TOTP form and nothing else; the codes are exchanged, the
    /// refresh token used, and the session ended with RP-initiated logout, after
    /// which `prompt=none` must find no session on either instance.
    pub async fn run(&self, vu: &mut VirtualUser, step_up: bool) -> Result<Completed, Failure> {
        let b = Browser {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap(),
            ctx: self,
        };
        let authorize = |p: &AuthParams| format!("{}/authorize?{}", self.issuer, p.query());
        let params = AuthParams::new(&self.client).set("scope", "openid offline_access");
        let page = b.get(&authorize(&params)).await?;
        if !is_password_form(&page) {
            return refused("the login form", &page);
        }
        let form = form_with(page.html(), "password")
            .set("username", &vu.username)
            .set("password", &vu.password);
        let back = b.submit(&form).await?;
        if !matches!(back, Landing::Left { .. }) {
            return refused("a code after the password", &back);
        }
        let code = code_of(&back, &self.issuer)?;
        let code_form = |code: &str, verifier: &str| {
            vec![
                ("grant_type", "authorization_code".to_owned()),
                ("code", code.to_owned()),
                ("redirect_uri", self.client.redirect_uri.clone()),
                ("code_verifier", verifier.to_owned()),
            ]
        };
        let pairs = code_form(&code, &params.verifier);
        let form: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let tokens = self.post_token(&form).await?;
        let mut kid = self
            .check_id_token(&tokens, vu, Some(&params.nonce), "pwd", &["pwd"])
            .await?;
        let mut last_id_token = tokens["id_token"].as_str().unwrap_or_default().to_owned();

        if step_up {
            let params = AuthParams::new(&self.client).set("acr_values", "mfa");
            let page = b.get(&authorize(&params)).await?;
            if matches!(page, Landing::Left { .. }) && page.params().contains_key("code") {
                return Err(Failure::Violation(format!(
                    "factor skipped: a code for mfa after the password alone ({})",
                    vu.username
                )));
            }
            if is_password_form(&page) {
                // The session went with the store's restart: asking again is
                // the safe direction.
                return Err(Failure::Refused(200, "the session was lost".into()));
            }
            if !is_totp_form(&page) {
                return refused("the TOTP form (and only it)", &page);
            }
            let step = chrono::Utc::now().timestamp() / 30 + 1;
            if step <= vu.last_step {
                return Err(Failure::Violation("no TOTP step left (test bug)".into()));
            }
            vu.last_step = step;
            let code = portcullis::auth::totp::code_at(&vu.totp, (step * 30) as u64);
            let form = form_with(page.html(), "code").set("code", &code);
            let back = b.submit(&form).await?;
            if !matches!(back, Landing::Left { .. }) {
                return refused("a code after TOTP", &back);
            }
            let code = code_of(&back, &self.issuer)?;
            let pairs = code_form(&code, &params.verifier);
            let form: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let stepped = self.post_token(&form).await?;
            kid = self
                .check_id_token(
                    &stepped,
                    vu,
                    Some(&params.nonce),
                    "mfa",
                    &["pwd", "otp", "mfa"],
                )
                .await?;
            last_id_token = stepped["id_token"].as_str().unwrap_or_default().to_owned();
        }

        // The refresh token of the password-only grant stays at pwd.
        let refresh_token = tokens["refresh_token"].as_str().unwrap_or_default();
        let refreshed = self
            .post_token(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
            ])
            .await?;
        if refreshed.get("id_token").is_some() {
            self.check_id_token(&refreshed, vu, None, "pwd", &["pwd"])
                .await?;
        }

        let logout = format!(
            "{}/logout?{}",
            self.issuer,
            serde_urlencoded::to_string([
                ("id_token_hint", last_id_token.as_str()),
                ("post_logout_redirect_uri", AFTER_LOGOUT),
                ("state", "bye"),
            ])
            .unwrap()
        );
        match b.get(&logout).await? {
            Landing::Left { location, .. } if location == format!("{AFTER_LOGOUT}?state=bye") => {}
            other => return refused("the post-logout redirect", &other),
        }
        let after = b
            .get(&authorize(
                &AuthParams::new(&self.client).set("prompt", "none"),
            ))
            .await?;
        if !matches!(after, Landing::Left { .. }) {
            return refused("a redirect for prompt=none", &after);
        }
        match after.params().get("error").map(String::as_str) {
            Some("login_required") => Ok(Completed {
                stepped_up: step_up,
                kid,
            }),
            Some("temporarily_unavailable") => Err(Failure::Unavailable),
            _ => Err(Failure::Violation(format!(
                "a session survived logout: {after:?}"
            ))),
        }
    }
}

impl VirtualUser {
    /// Whether a TOTP step is free for a step-up now (each is taken once).
    pub fn can_step_up(&self) -> bool {
        self.last_step < chrono::Utc::now().timestamp() / 30 + 1
    }
}
