//! Relying parties.

use std::fmt;
use std::str::FromStr;

use entity::clients;
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, QueryOrder, Set};
use serde::Serialize;

use super::{DbError, from_json_list, now, to_json_list};
use crate::keys::SigningAlg;
use crate::secrets;

/// How a client authenticates at the token endpoint (RFC 7591 §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    ClientSecretBasic,
    ClientSecretPost,
    None,
}

impl AuthMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::ClientSecretBasic => "client_secret_basic",
            AuthMethod::ClientSecretPost => "client_secret_post",
            AuthMethod::None => "none",
        }
    }
    pub const ALL: [AuthMethod; 3] = [
        AuthMethod::ClientSecretBasic,
        AuthMethod::ClientSecretPost,
        AuthMethod::None,
    ];
}

impl fmt::Display for AuthMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AuthMethod {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AuthMethod::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| format!("unknown token endpoint auth method {s:?}"))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Client {
    pub client_id: String,
    pub name: String,
    #[serde(skip)]
    pub secret_hash: Option<String>,
    pub auth_method: AuthMethod,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub grant_types: Vec<String>,
    pub scopes: Vec<String>,
    pub default_acr_values: Vec<String>,
    pub minimum_acr: Option<String>,
    pub id_token_alg: SigningAlg,
    pub created_at: i64,
}

impl Client {
    pub fn is_public(&self) -> bool {
        self.auth_method == AuthMethod::None
    }

    pub fn allows_grant(&self, grant: &str) -> bool {
        self.grant_types.iter().any(|g| g == grant)
    }

    /// Exact string match of a registered redirect URI (OAuth 2.0 Security BCP §4.1.3).
    pub fn has_redirect_uri(&self, uri: &str) -> bool {
        self.redirect_uris.iter().any(|r| r == uri)
    }

    /// Verifies a presented secret against the stored SHA-256 digest in constant time.
    pub fn verify_secret(&self, presented: &str) -> bool {
        match &self.secret_hash {
            Some(h) => secrets::digest_matches(presented, h),
            None => false,
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewClient {
    pub name: String,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub auth_method: AuthMethod,
    pub id_token_alg: SigningAlg,
    pub default_acr_values: Vec<String>,
    pub minimum_acr: Option<String>,
    pub scopes: Vec<String>,
}

impl TryFrom<clients::Model> for Client {
    type Error = DbError;
    fn try_from(m: clients::Model) -> Result<Self, DbError> {
        Ok(Self {
            auth_method: m.auth_method.parse().map_err(DbError::Other)?,
            id_token_alg: m.id_token_alg.parse().map_err(DbError::Other)?,
            client_id: m.client_id,
            name: m.name,
            secret_hash: m.secret_hash,
            redirect_uris: from_json_list(&m.redirect_uris),
            post_logout_redirect_uris: from_json_list(&m.post_logout_redirect_uris),
            grant_types: from_json_list(&m.grant_types),
            scopes: from_json_list(&m.scopes),
            default_acr_values: from_json_list(&m.default_acr_values),
            minimum_acr: m.minimum_acr,
            created_at: m.created_at,
        })
    }
}

/// A redirect URI must be absolute and carry no fragment (RFC 6749 §3.1.2).
pub fn validate_redirect_uri(uri: &str) -> Result<(), String> {
    let parsed = url::Url::parse(uri).map_err(|e| format!("redirect URI {uri:?}: {e}"))?;
    if parsed.fragment().is_some() {
        return Err(format!("redirect URI {uri:?} must not have a fragment"));
    }
    Ok(())
}

/// Registers a client; returns it with the plaintext secret, shown this once.
pub async fn create(
    db: &DatabaseConnection,
    new: NewClient,
) -> Result<(Client, Option<String>), DbError> {
    if new.name.trim().is_empty() {
        return Err(DbError::Invalid("a client needs a name".into()));
    }
    if new.redirect_uris.is_empty() {
        return Err(DbError::Invalid(
            "a client needs at least one redirect URI".into(),
        ));
    }
    for uri in new
        .redirect_uris
        .iter()
        .chain(&new.post_logout_redirect_uris)
    {
        validate_redirect_uri(uri).map_err(DbError::Invalid)?;
    }
    // Hex: safe in URLs, configuration files and command lines (a base64url id
    // could start with '-' and read as an option).
    let client_id = secrets::hex(&secrets::random_bytes(16));
    let secret = (new.auth_method != AuthMethod::None).then(|| secrets::random_token(32));
    let t = now();
    let scopes = if new.scopes.is_empty() {
        ["openid", "profile", "email", "offline_access"]
            .map(String::from)
            .to_vec()
    } else {
        new.scopes
    };
    let model = clients::ActiveModel {
        client_id: Set(client_id),
        name: Set(new.name.trim().to_owned()),
        secret_hash: Set(secret.as_deref().map(secrets::digest)),
        auth_method: Set(new.auth_method.as_str().into()),
        redirect_uris: Set(to_json_list(&new.redirect_uris)),
        post_logout_redirect_uris: Set(to_json_list(&new.post_logout_redirect_uris)),
        grant_types: Set(to_json_list(&[
            "authorization_code".into(),
            "refresh_token".into(),
        ])),
        scopes: Set(to_json_list(&scopes)),
        default_acr_values: Set(to_json_list(&new.default_acr_values)),
        minimum_acr: Set(new.minimum_acr),
        id_token_alg: Set(new.id_token_alg.as_str().into()),
        metadata: Set("{}".into()),
        created_at: Set(t),
        updated_at: Set(t),
    }
    .insert(db)
    .await?;
    Ok((model.try_into()?, secret))
}

pub async fn find(db: &DatabaseConnection, client_id: &str) -> Result<Option<Client>, DbError> {
    match clients::Entity::find_by_id(client_id.to_owned())
        .one(db)
        .await?
    {
        Some(m) => Ok(Some(m.try_into()?)),
        None => Ok(None),
    }
}

pub async fn list(db: &DatabaseConnection) -> Result<Vec<Client>, DbError> {
    clients::Entity::find()
        .order_by_asc(clients::Column::CreatedAt)
        .all(db)
        .await?
        .into_iter()
        .map(Client::try_from)
        .collect()
}
