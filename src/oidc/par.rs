//! Pushed Authorization Requests (RFC 9126). A client authenticates as at the
//! token endpoint and POSTs its authorization request; the request is checked
//! as `/authorize` would check it, kept in the store for [`PAR_TTL`], and named
//! by a `request_uri` that works once, for that client only. Parameters such as
//! `acr_values` and `claims` then never pass through the browser's URL.

use std::collections::HashMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::authorize;
use super::error::{AuthzError, TokenError};
use super::now_ms;
use super::token::{ClientAuth, TokenCtx, client_auth};
use crate::db::clients::Client;
use crate::error::Failure;
use crate::secrets;
use crate::store::{Store, StoreError};

/// RFC 9126 §2.2: the `request_uri` is a URN of this form.
pub const URN_PREFIX: &str = "urn:ietf:params:oauth:request_uri:";
/// How long a pushed request may wait for the browser (RFC 9126 §2.2 suggests
/// a short time: 5 to 600 seconds).
pub const PAR_TTL: Duration = Duration::from_secs(60);
pub const PATH: &str = "/par";

/// Client credentials and assertions are the push's own, never part of the request.
const NOT_FORWARDED: [&str; 4] = [
    "client_secret",
    "client_assertion",
    "client_assertion_type",
    "request_uri",
];

/// A refusal at the PAR endpoint: client authentication as at the token
/// endpoint, or the authorization error `/authorize` would have given (§2.3).
#[derive(Debug)]
pub enum ParError {
    Token(TokenError),
    Authz(AuthzError),
}

impl From<TokenError> for ParError {
    fn from(e: TokenError) -> Self {
        Self::Token(e)
    }
}

impl From<AuthzError> for ParError {
    fn from(e: AuthzError) -> Self {
        Self::Authz(e)
    }
}

impl From<StoreError> for ParError {
    fn from(e: StoreError) -> Self {
        Self::Token(Failure::from(e).into())
    }
}

#[derive(Serialize, Deserialize)]
struct Pushed {
    client_id: String,
    params: HashMap<String, String>,
}

fn key(reference: &str) -> String {
    format!("par:{}", secrets::digest(reference))
}

/// RFC 9126 §2.1: authenticates the client, checks the request, stores it and
/// answers `201` with `request_uri` and `expires_in`.
pub async fn push(
    ctx: &TokenCtx<'_>,
    auth: &ClientAuth,
    form: &HashMap<String, String>,
) -> Result<Value, ParError> {
    let client = client_auth::client_of_request(ctx, auth).await?;
    if form.contains_key("request_uri") {
        // §2.1: a pushed request cannot itself point at another one.
        return Err(
            AuthzError::invalid_request("request_uri is not allowed in a pushed request").into(),
        );
    }
    if form
        .get("client_id")
        .is_some_and(|id| id != &client.client_id)
    {
        return Err(AuthzError::invalid_request(
            "client_id does not name the authenticated client",
        )
        .into());
    }
    let mut params: HashMap<String, String> = form
        .iter()
        .filter(|(k, _)| !NOT_FORWARDED.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    params.insert("client_id".into(), client.client_id.clone());
    check(&params, &client, ctx)?;
    let reference = secrets::random_token(32);
    let pushed = Pushed {
        client_id: client.client_id.clone(),
        params,
    };
    // A public client pushes with its id alone: kept within the store's
    // share for what anyone may make it keep.
    ctx.store
        .put_json_anonymous(&key(&reference), &pushed, PAR_TTL)
        .await?;
    Ok(json!({
        "request_uri": format!("{URN_PREFIX}{reference}"),
        "expires_in": PAR_TTL.as_secs(),
    }))
}

/// The checks of `/authorize`, now rather than when the browser arrives.
fn check(
    params: &HashMap<String, String>,
    client: &Client,
    ctx: &TokenCtx<'_>,
) -> Result<(), ParError> {
    let to = authorize::return_to(params, Some(client)).map_err(AuthzError::invalid_request)?;
    authorize::parse(params, client, to, &ctx.settings.acr, now_ms())?;
    Ok(())
}

/// The pushed request behind `request_uri`, taken once (§4: single use), if it
/// was pushed by `client_id` and has not expired.
pub async fn take(
    store: &Store,
    client_id: &str,
    request_uri: &str,
) -> Result<Option<HashMap<String, String>>, StoreError> {
    let Some(reference) = request_uri.strip_prefix(URN_PREFIX) else {
        return Ok(None);
    };
    if reference.is_empty() || reference.len() > 128 {
        return Ok(None);
    }
    // Read before it is taken: another client naming this request_uri (it
    // travels in the browser's address bar) must not use it up.
    let key = key(reference);
    let pushed: Option<Pushed> = store.get_json(&key).await?;
    if !pushed.is_some_and(|p| secrets::ct_eq(&p.client_id, client_id)) {
        return Ok(None);
    }
    let pushed: Option<Pushed> = store.take_json(&key).await?;
    Ok(pushed.map(|p| p.params))
}
