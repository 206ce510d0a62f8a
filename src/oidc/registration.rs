//! Dynamic client registration (RFC 7591, OpenID Connect Dynamic Client
//! Registration 1.0) and the client configuration endpoint (RFC 7592).
//!
//! Registration needs the operator's initial access token; without
//! one configured, it is refused. Each registered client gets a registration
//! access token that reads, updates and deletes that client only. Both tokens,
//! like client secrets, are compared as SHA-256 digests in constant time, and
//! only digests are stored.

pub mod metadata;
mod redirect_uri;

use sea_orm::DatabaseConnection;
use serde_json::{Value, json};

use self::metadata::MetadataError;
use super::error::{BearerError, RegistrationError};
use crate::config::Settings;
use crate::db::DbError;
use crate::db::cache::ReadCache;
use crate::db::clients::{self, Client, Extras};
use crate::error::Failure;
use crate::secrets;

/// The path of the registration endpoint; a client's configuration lives below it.
pub const PATH: &str = "/register";

/// What registration uses of the server: built per request by the HTTP layer.
#[derive(Clone, Copy)]
pub struct RegistrationCtx<'a> {
    pub settings: &'a Settings,
    pub db: &'a DatabaseConnection,
    pub cache: &'a ReadCache,
}

/// RFC 6750 §3: a missing token gets a bare challenge, a bad one `invalid_token`.
fn unauthorized(description: &str, token_sent: bool) -> RegistrationError {
    BearerError::invalid_token(description, token_sent).into()
}

fn invalid_metadata(description: impl Into<String>) -> RegistrationError {
    MetadataError::InvalidClientMetadata(description.into()).into()
}

fn db_error(e: DbError) -> RegistrationError {
    match e {
        DbError::Invalid(m) | DbError::Conflict(m) => invalid_metadata(m),
        other => Failure::from(other).into(),
    }
}

/// The registration endpoint's URL, when registration is enabled.
pub fn endpoint(settings: &Settings) -> Option<String> {
    settings
        .initial_access_token
        .as_ref()
        .map(|_| settings.endpoint(PATH))
}

/// RFC 7591 §3: the initial access token, compared digest to digest so neither
/// its content nor its length shows in the timing.
pub fn check_initial_access_token(
    settings: &Settings,
    token: Option<&str>,
) -> Result<(), RegistrationError> {
    let Some(expected) = &settings.initial_access_token else {
        return Err(unauthorized(
            "dynamic client registration is not enabled on this server",
            token.is_some(),
        ));
    };
    let token = token.ok_or_else(|| unauthorized("an initial access token is required", false))?;
    if !secrets::digest_matches(token, &secrets::digest(expected.expose())) {
        return Err(unauthorized("the initial access token is invalid", true));
    }
    Ok(())
}

fn parse_body(body: &[u8]) -> Result<Value, RegistrationError> {
    serde_json::from_slice(body)
        .map_err(|_| invalid_metadata("the request body must be a JSON object of client metadata"))
}

/// When a secret issued now expires: `registration.client_secret_ttl`, 0 for never.
fn secret_expiry(settings: &Settings) -> i64 {
    settings
        .client_secret_ttl
        .map_or(0, |ttl| super::now_s() + ttl.as_secs() as i64)
}

/// RFC 7591 §3.1: registers a client; the answer carries its secret and
/// registration access token, shown this once.
pub async fn register(
    ctx: &RegistrationCtx<'_>,
    token: Option<&str>,
    body: &[u8],
) -> Result<Value, RegistrationError> {
    check_initial_access_token(ctx.settings, token)?;
    let m = metadata::parse(&parse_body(body)?, &ctx.settings.acr)?;
    let extras = Extras {
        grant_types: Some(m.grant_types.clone()),
        profile: m.dynamic_profile(secret_expiry(ctx.settings)),
    };
    let created = clients::create_with(ctx.db, m.new_client(), extras)
        .await
        .map_err(db_error)?;
    tracing::info!(client_id = %created.client.client_id, name = ?created.client.name, "client registered");
    let mut doc = describe(ctx.settings, &created.client);
    if let Some(s) = created.secret {
        doc["client_secret"] = s.into();
    }
    if let Some(t) = created.registration_token {
        doc["registration_access_token"] = t.into();
    }
    Ok(doc)
}

/// RFC 7592 §2: the client named in the path, if the token is its registration
/// access token. An unknown client and a wrong token look the same: 401.
async fn managed_client(
    ctx: &RegistrationCtx<'_>,
    client_id: &str,
    token: Option<&str>,
) -> Result<Client, RegistrationError> {
    let token =
        token.ok_or_else(|| unauthorized("a registration access token is required", false))?;
    match clients::find(ctx.db, client_id)
        .await
        .map_err(Failure::from)?
    {
        Some(c) if c.registration_token_matches(token) => Ok(c),
        _ => Err(unauthorized(
            "the registration access token is invalid",
            true,
        )),
    }
}

/// RFC 7592 §2.1: the client's current registration. Secrets are stored as
/// digests, so neither the secret nor the registration access token is repeated.
pub async fn read(
    ctx: &RegistrationCtx<'_>,
    client_id: &str,
    token: Option<&str>,
) -> Result<Value, RegistrationError> {
    let client = managed_client(ctx, client_id, token).await?;
    Ok(describe(ctx.settings, &client))
}

/// RFC 7592 §2.2: replaces the client's metadata with the request's. A client that
/// becomes confidential, or whose secret expires, gets a new secret in the answer.
pub async fn update(
    ctx: &RegistrationCtx<'_>,
    client_id: &str,
    token: Option<&str>,
    body: &[u8],
) -> Result<Value, RegistrationError> {
    let mut client = managed_client(ctx, client_id, token).await?;
    let read = client.clone();
    let doc = parse_body(body)?;
    if doc.get("client_id").and_then(Value::as_str) != Some(client.client_id.as_str()) {
        return Err(invalid_metadata(
            "client_id must be present and name the client being updated (RFC 7592 §2.2)",
        ));
    }
    if let Some(presented) = doc.get("client_secret").filter(|v| !v.is_null())
        && !presented.as_str().is_some_and(|s| client.secret_matches(s))
    {
        return Err(invalid_metadata(
            "client_secret does not match the current secret",
        ));
    }
    let kept = metadata::Kept {
        client_name: Some(client.name.as_str()),
        logo_uri: client.profile.logo_uri.as_deref(),
        backchannel_logout_uri: client.profile.options.backchannel_logout_uri.as_deref(),
    };
    let m = metadata::parse_kept(&doc, &ctx.settings.acr, &kept)?;
    let was_public = client.is_public();
    let expiring = client.profile.client_secret_expires_at != 0;
    m.apply_to(&mut client);
    let new_secret = (!client.is_public() && (was_public || expiring))
        .then(|| client.replace_secret(secret_expiry(ctx.settings)));
    let saved = clients::save_over(ctx.db, &client, &read).await;
    ctx.cache.forget_client(&client.client_id);
    let saved = match saved {
        Ok(c) => c,
        Err(DbError::NotFound) => {
            return Err(unauthorized(
                "the registration access token is invalid",
                true,
            ));
        }
        Err(e) => return Err(db_error(e)),
    };
    tracing::info!(client_id = %saved.client_id, "client registration updated");
    let mut out = describe(ctx.settings, &saved);
    if let Some(s) = new_secret {
        out["client_secret"] = s.into();
    }
    Ok(out)
}

/// RFC 7592 §2.3: deletes the client; its secret, codes and registration access
/// token stop working at once on this server, and on the others within
/// `database.cache_ttl`.
pub async fn delete(
    ctx: &RegistrationCtx<'_>,
    client_id: &str,
    token: Option<&str>,
) -> Result<(), RegistrationError> {
    let client = managed_client(ctx, client_id, token).await?;
    let deleted = clients::delete(ctx.db, &client.client_id).await;
    ctx.cache.forget_client(&client.client_id);
    if !deleted.map_err(Failure::from)? {
        return Err(unauthorized(
            "the registration access token is invalid",
            true,
        ));
    }
    tracing::info!(client_id = %client.client_id, "client registration deleted");
    Ok(())
}

/// The client information response (RFC 7591 §3.2.1, RFC 7592 §3): every
/// registered metadata value, as the server holds it.
pub fn describe(settings: &Settings, c: &Client) -> Value {
    let p = &c.profile;
    let mut doc = json!({
        "client_id": c.client_id,
        "client_id_issued_at": c.created_at,
        "client_name": c.name,
        "redirect_uris": c.redirect_uris,
        "token_endpoint_auth_method": c.auth_method.as_str(),
        "grant_types": c.grant_types,
        "response_types": if c.allows_grant("authorization_code") { vec!["code"] } else { vec![] },
        "scope": c.scopes.join(" "),
        "id_token_signed_response_alg": c.id_token_alg.as_str(),
        "application_type": p.application_type,
        "require_auth_time": p.require_auth_time,
    });
    let optional = [
        (
            "post_logout_redirect_uris",
            (!c.post_logout_redirect_uris.is_empty()).then(|| json!(c.post_logout_redirect_uris)),
        ),
        (
            "default_acr_values",
            (!c.default_acr_values.is_empty()).then(|| json!(c.default_acr_values)),
        ),
        ("default_max_age", p.default_max_age.map(Value::from)),
        ("logo_uri", p.logo_uri.clone().map(Value::from)),
        ("policy_uri", p.policy_uri.clone().map(Value::from)),
        ("tos_uri", p.tos_uri.clone().map(Value::from)),
        (
            "contacts",
            (!p.contacts.is_empty()).then(|| json!(p.contacts)),
        ),
        (
            "require_pushed_authorization_requests",
            Some(p.options.require_pushed_authorization_requests.into()),
        ),
        (
            "userinfo_signed_response_alg",
            p.options
                .userinfo_signed_response_alg
                .map(|a| a.as_str().into()),
        ),
        (
            "backchannel_logout_uri",
            p.options.backchannel_logout_uri.clone().map(Value::from),
        ),
        (
            "backchannel_logout_session_required",
            p.options
                .backchannel_logout_uri
                .as_ref()
                .map(|_| p.options.backchannel_logout_session_required.into()),
        ),
        // RFC 7591 §3.2.1: required whenever a secret was issued; 0 means never.
        (
            "client_secret_expires_at",
            (!c.is_public()).then(|| p.client_secret_expires_at.into()),
        ),
        (
            "registration_client_uri",
            p.registration_token_hash
                .as_ref()
                .map(|_| settings.endpoint(&format!("{PATH}/{}", c.client_id)).into()),
        ),
    ];
    for (key, value) in optional {
        if let Some(v) = value {
            doc[key] = v;
        }
    }
    doc
}

#[cfg(test)]
mod tests;
