//! Client authentication shared by the token, revocation and introspection
//! endpoints (RFC 6749 §2.3, RFC 7009 §2.1, RFC 7662 §2.1).

use super::TokenCtx;
use crate::db::clients::{AuthMethod, Client};
use crate::oidc::error::TokenError;

/// What a request brought to authenticate its client, as the HTTP layer found
/// it: the `Authorization` header and the body's `client_id` / `client_secret`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientAuth {
    pub authorization: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

/// How the client presented itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresentedClient {
    pub client_id: String,
    pub secret: Option<String>,
    pub via_basic: bool,
}

/// RFC 6749 §2.3.1: credentials from the Basic header (form-urlencoded inside) or
/// the body; both at once is an error.
pub fn presented_client(auth: &ClientAuth) -> Result<PresentedClient, TokenError> {
    let basic = auth.authorization.as_deref().and_then(|h| {
        h.strip_prefix("Basic ")
            .or_else(|| h.strip_prefix("basic "))
    });
    if let Some(b64) = basic {
        use base64::Engine;
        let malformed = || TokenError::invalid_client("malformed Basic credentials", true);
        let raw = base64::engine::general_purpose::STANDARD
            .decode(b64.trim())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(malformed)?;
        let (id, secret) = raw.split_once(':').ok_or_else(malformed)?;
        let decode = |s: &str| {
            url::form_urlencoded::parse(format!("x={s}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default()
        };
        if auth.client_secret.is_some() {
            return Err(TokenError::InvalidRequest(
                "use one client authentication method".into(),
            ));
        }
        return Ok(PresentedClient {
            client_id: decode(id),
            secret: Some(decode(secret)),
            via_basic: true,
        });
    }
    let client_id = auth
        .client_id
        .as_ref()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| TokenError::invalid_client("client authentication is required", false))?;
    Ok(PresentedClient {
        client_id: client_id.clone(),
        secret: auth.client_secret.clone(),
        via_basic: false,
    })
}

/// Checks presented credentials against the registered client. Confidential
/// clients may use either secret method; public clients send no secret.
pub fn authenticate(
    client: Option<Client>,
    presented: &PresentedClient,
) -> Result<Client, TokenError> {
    let basic = presented.via_basic;
    let client = client.ok_or_else(|| TokenError::invalid_client("unknown client", basic))?;
    match (client.auth_method, &presented.secret) {
        (AuthMethod::None, None) => Ok(client),
        (AuthMethod::None, Some(_)) => Err(TokenError::invalid_client(
            "public clients do not use a secret",
            basic,
        )),
        (_, Some(secret)) if client.verify_secret(secret) => Ok(client),
        _ => Err(TokenError::invalid_client(
            "client authentication failed",
            basic,
        )),
    }
}

/// The client behind a request's `Authorization` header or form credentials,
/// authenticated. Public clients pass with their `client_id` alone.
pub async fn client_of_request(
    ctx: &TokenCtx<'_>,
    auth: &ClientAuth,
) -> Result<Client, TokenError> {
    let presented = presented_client(auth)?;
    let client = ctx.cache.client(ctx.db, &presented.client_id).await?;
    authenticate(client, &presented)
}

/// As [`client_of_request`], but only a client that proved a secret passes: a
/// public client's id is no credential.
pub async fn confidential_client_of_request(
    ctx: &TokenCtx<'_>,
    auth: &ClientAuth,
) -> Result<Client, TokenError> {
    let client = client_of_request(ctx, auth).await?;
    if client.is_public() {
        return Err(TokenError::invalid_client(
            "this endpoint needs a confidential client",
            auth.authorization.is_some(),
        ));
    }
    Ok(client)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oidc::error::TokenErrorCode;

    fn basic(raw: &str) -> Option<String> {
        use base64::Engine;
        Some(format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(raw)
        ))
    }

    #[test]
    fn basic_credentials_are_form_decoded() {
        let auth = ClientAuth {
            authorization: basic("my%3Aid:p%40ss"),
            ..ClientAuth::default()
        };
        let p = presented_client(&auth).unwrap();
        assert_eq!(p.client_id, "my:id");
        assert_eq!(p.secret.as_deref(), Some("p@ss"));
        assert!(p.via_basic);
    }

    #[test]
    fn two_methods_at_once_are_refused() {
        let auth = ClientAuth {
            authorization: basic("a:b"),
            client_id: None,
            client_secret: Some("b".into()),
        };
        assert!(presented_client(&auth).is_err());
    }

    #[test]
    fn missing_client_is_invalid_client() {
        let e = presented_client(&ClientAuth::default()).unwrap_err();
        assert_eq!(e.code(), TokenErrorCode::InvalidClient);
        assert!(matches!(
            e,
            TokenError::InvalidClient {
                via_basic: false,
                ..
            }
        ));
    }
}
