//! Client authentication shared by the token, revocation and introspection
//! endpoints (RFC 6749 §2.3, RFC 7009 §2.1, RFC 7662 §2.1).

use std::collections::HashMap;

use super::{authenticate, invalid_client, presented_client};
use crate::db::clients::Client;
use crate::error::JsonError;
use crate::startup::AppState;

/// The client behind a request's `Authorization` header or form credentials,
/// authenticated. Public clients pass with their `client_id` alone.
pub async fn client_of_request(
    state: &AppState,
    authorization: Option<&str>,
    form: &HashMap<String, String>,
) -> Result<Client, JsonError> {
    let presented = presented_client(authorization, form)?;
    let client = state.cache.client(&state.db, &presented.client_id).await?;
    authenticate(client, &presented)
}

/// As [`client_of_request`], but only a client that proved a secret passes: a
/// public client's id is no credential.
pub async fn confidential_client_of_request(
    state: &AppState,
    authorization: Option<&str>,
    form: &HashMap<String, String>,
) -> Result<Client, JsonError> {
    let client = client_of_request(state, authorization, form).await?;
    if client.is_public() {
        return Err(invalid_client(
            "this endpoint needs a confidential client",
            authorization.is_some(),
        ));
    }
    Ok(client)
}
