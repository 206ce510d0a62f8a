//! Complete flows as a relying party and a person at a browser would run them:
//! authorization request, whatever login pages the provider shows (filled by
//! input name: `username`, `password`, `code`), the code at the redirect URI, the
//! token request, and the ID token verified against the provider's JWKS.

use std::collections::HashMap;
use std::sync::Mutex;

use anyhow::{Context, anyhow, bail, ensure};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{DecodingKey, Validation};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use url::Url;

use crate::browser::{Browser, Landing, forms};
use crate::users::{TotpPool, User};

/// The provider under load, as its discovery document describes it.
pub struct Target {
    pub issuer: String,
    pub authorization_endpoint: Url,
    pub token_endpoint: Url,
    pub jwks_uri: Url,
    pub discovery_url: Url,
    pub client_id: String,
    pub client_secret: String,
    pub redirect_uri: String,
    keys: Mutex<HashMap<String, DecodingKey>>,
}

#[derive(Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: Url,
    token_endpoint: Url,
    jwks_uri: Url,
}

impl Target {
    pub async fn discover(
        http: &reqwest::Client,
        issuer: &Url,
        client_id: String,
        client_secret: String,
        redirect_uri: String,
    ) -> anyhow::Result<Self> {
        let discovery_url = Url::parse(&format!(
            "{}/.well-known/openid-configuration",
            issuer.as_str().trim_end_matches('/')
        ))?;
        let d: Discovery = http
            .get(discovery_url.clone())
            .send()
            .await?
            .error_for_status()?
            .json()
            .await
            .context("discovery document")?;
        let target = Self {
            issuer: d.issuer,
            authorization_endpoint: d.authorization_endpoint,
            token_endpoint: d.token_endpoint,
            jwks_uri: d.jwks_uri,
            discovery_url,
            client_id,
            client_secret,
            redirect_uri,
            keys: Mutex::new(HashMap::new()),
        };
        target.refresh_keys(http).await?;
        Ok(target)
    }

    async fn refresh_keys(&self, http: &reqwest::Client) -> anyhow::Result<()> {
        let set: JwkSet = http
            .get(self.jwks_uri.clone())
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let mut keys = HashMap::new();
        for jwk in &set.keys {
            if let (Some(kid), Ok(key)) = (&jwk.common.key_id, DecodingKey::from_jwk(jwk)) {
                keys.insert(kid.clone(), key);
            }
        }
        *self
            .keys
            .lock()
            .map_err(|_| anyhow!("key cache poisoned"))? = keys;
        Ok(())
    }

    fn key(&self, kid: &str) -> Option<DecodingKey> {
        self.keys.lock().ok()?.get(kid).cloned()
    }

    /// Checks signature (with the JWKS), `iss`, `aud`, `exp` and, when given,
    /// `nonce` and `acr`.
    pub async fn verify_id_token(
        &self,
        http: &reqwest::Client,
        token: &str,
        nonce: Option<&str>,
        acr: Option<&str>,
    ) -> anyhow::Result<()> {
        let header = jsonwebtoken::decode_header(token)?;
        let kid = header.kid.context("ID token without kid")?;
        let key = match self.key(&kid) {
            Some(k) => k,
            None => {
                self.refresh_keys(http).await?;
                self.key(&kid).context("ID token kid not in the JWKS")?
            }
        };
        let mut v = Validation::new(header.alg);
        v.set_issuer(&[&self.issuer]);
        v.set_audience(&[&self.client_id]);
        let claims: serde_json::Value = jsonwebtoken::decode(token, &key, &v)?.claims;
        if let Some(nonce) = nonce {
            ensure!(claims["nonce"] == nonce, "ID token nonce mismatch");
        }
        if let Some(acr) = acr {
            ensure!(claims["acr"] == acr, "ID token acr is {}", claims["acr"]);
        }
        Ok(())
    }
}

/// What a flow asks for beyond the defaults.
#[derive(Clone, Default)]
pub struct Ask {
    pub acr: Option<String>,
    /// Ask for `offline_access` (with `prompt=consent`, OIDC Core §11) to get a
    /// refresh token.
    pub offline: bool,
}

fn random_token() -> String {
    // 32 bytes: 43 characters, the shortest verifier RFC 7636 §4.1 allows.
    let mut b = [0u8; 32];
    rand::Rng::fill_bytes(&mut rand::rng(), &mut b);
    portcullis::secrets::b64url(&b)
}

/// One authorization code flow in `browser`, signing in as `user` when the
/// provider shows a login form (and with the TOTP seed of pool slot `totp`). `expect_no_page`: the session must already
/// satisfy the request (the SSO hit), so any page is an error.
pub async fn code_flow(
    browser: &Browser,
    target: &Target,
    ask: &Ask,
    user: Option<&User>,
    totp: Option<(&TotpPool, usize)>,
    expect_no_page: bool,
) -> anyhow::Result<Tokens> {
    let verifier = random_token();
    let challenge = portcullis::secrets::b64url(&Sha256::digest(verifier.as_bytes()));
    let (nonce, state) = (random_token(), random_token());
    let mut url = target.authorization_endpoint.clone();
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("response_type", "code")
            .append_pair("client_id", &target.client_id)
            .append_pair("redirect_uri", &target.redirect_uri)
            .append_pair(
                "scope",
                if ask.offline {
                    "openid profile email offline_access"
                } else {
                    "openid profile email"
                },
            )
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256")
            .append_pair("nonce", &nonce)
            .append_pair("state", &state);
        if let Some(acr) = &ask.acr {
            q.append_pair("acr_values", acr);
        }
        if ask.offline {
            q.append_pair("prompt", "consent");
        }
    }
    let mut landing = browser.get(&url).await?;
    let mut steps = 0;
    let location = loop {
        let (status, url, html) = match landing {
            Landing::Left { location } => break location,
            Landing::Page { status, url, html } => (status, url, html),
        };
        steps += 1;
        if expect_no_page || status >= 400 || steps > 4 {
            bail!("page {status} at {}: {}", url.path(), snippet(&html));
        }
        let all = forms(&html, &url);
        landing = if let Some(mut form) = all.iter().find(|f| f.has("password")).cloned() {
            let user = user.context("the provider asks for a password")?;
            form.set("username", &user.username);
            form.set("password", &user.password);
            browser.submit(&form).await?
        } else if let Some(mut form) = all.iter().find(|f| f.has("code")).cloned() {
            let (pool, slot) = totp.context("the provider asks for a code")?;
            let code = pool.code_for(slot)?;
            form.set("code", &code);
            browser.submit(&form).await?
        } else {
            bail!("no form to fill at {}: {}", url.path(), snippet(&html));
        };
    };
    let params: HashMap<String, String> = location.query_pairs().into_owned().collect();
    if let Some(e) = params.get("error") {
        bail!(
            "authorization error {e}: {:?}",
            params.get("error_description")
        );
    }
    ensure!(params.get("state") == Some(&state), "state mismatch");
    if let Some(iss) = params.get("iss") {
        ensure!(*iss == target.issuer, "iss mismatch");
    }
    let code = params.get("code").context("no code at the redirect URI")?;
    let tokens = token_request(
        browser.http(),
        target,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", target.redirect_uri.as_str()),
            ("code_verifier", &verifier),
        ],
    )
    .await?;
    let id_token = tokens.id_token.as_deref().context("no ID token")?;
    target
        .verify_id_token(browser.http(), id_token, Some(&nonce), ask.acr.as_deref())
        .await?;
    Ok(tokens)
}

/// One refresh grant (RFC 6749 §6); returns the refresh token to use next (the
/// rotated one when the server rotates). An ID token in the answer is verified;
/// it carries no nonce.
pub async fn refresh(
    http: &reqwest::Client,
    target: &Target,
    refresh_token: &str,
) -> anyhow::Result<String> {
    let tokens = token_request(
        http,
        target,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ],
    )
    .await?;
    if let Some(id_token) = tokens.id_token.as_deref() {
        target.verify_id_token(http, id_token, None, None).await?;
    }
    Ok(tokens
        .refresh_token
        .unwrap_or_else(|| refresh_token.to_owned()))
}

#[derive(Deserialize)]
pub struct Tokens {
    pub id_token: Option<String>,
    #[allow(dead_code)]
    pub access_token: String,
    pub refresh_token: Option<String>,
}

async fn token_request(
    http: &reqwest::Client,
    target: &Target,
    form: &[(&str, &str)],
) -> anyhow::Result<Tokens> {
    let resp = http
        .post(target.token_endpoint.clone())
        .basic_auth(&target.client_id, Some(&target.client_secret))
        .form(form)
        .send()
        .await?;
    let status = resp.status();
    if !status.is_success() {
        bail!("token endpoint {status}: {}", snippet(&resp.text().await?));
    }
    Ok(resp.json().await?)
}

/// Discovery and JWKS, as every relying party fetches them.
pub async fn metadata(http: &reqwest::Client, target: &Target) -> anyhow::Result<()> {
    for url in [&target.discovery_url, &target.jwks_uri] {
        let v: serde_json::Value = http
            .get(url.clone())
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        ensure!(v.is_object(), "{url} is not a JSON object");
    }
    Ok(())
}

fn snippet(s: &str) -> String {
    let text: String = s.chars().filter(|c| !c.is_control()).take(160).collect();
    text
}
