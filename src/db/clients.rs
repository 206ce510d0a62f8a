//! Relying parties.

use entity::clients;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryOrder, QuerySelect,
    Set,
};
use serde::{Deserialize, Serialize};

pub use super::auth_method::AuthMethod;
pub use super::client_options::ClientOptions;
pub use super::client_rules::{
    DEFAULT_GRANT_TYPES, GRANT_TYPES, check_grant_types, validate_redirect_uri,
};
use super::{DbError, from_json_list, now, to_json_list};
use crate::keys::SigningAlg;
use crate::secrets;

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
    /// Registration metadata beyond the core fields (RFC 7591).
    #[serde(flatten)]
    pub profile: ClientProfile,
}

/// OIDC Dynamic Client Registration §2 `application_type`: it decides which
/// redirect URIs make sense for the client.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationType {
    #[default]
    Web,
    Native,
}

/// What RFC 7591 adds to a client beyond what the flow needs, and how the client
/// came to be. Administrator-made clients keep the defaults.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClientProfile {
    /// Registered itself through the registration endpoint.
    pub dynamic: bool,
    /// Used as `max_age` when a request names none (OIDC Registration §2).
    pub default_max_age: Option<i64>,
    pub require_auth_time: bool,
    pub application_type: ApplicationType,
    pub logo_uri: Option<String>,
    pub policy_uri: Option<String>,
    pub tos_uri: Option<String>,
    pub contacts: Vec<String>,
    /// Unix time from which the secret no longer authenticates; 0: never (RFC 7591 §3.2.1).
    pub client_secret_expires_at: i64,
    /// Digest of the RFC 7592 registration access token; None: not manageable that way.
    #[serde(skip)]
    pub registration_token_hash: Option<String>,
    /// PAR, signed userinfo, back-channel logout.
    #[serde(flatten)]
    pub options: ClientOptions,
}

/// The part of [`ClientProfile`] kept in the `metadata` JSON column.
#[derive(Default, Serialize, Deserialize)]
#[serde(default)]
struct StoredMetadata {
    require_auth_time: bool,
    application_type: ApplicationType,
    logo_uri: Option<String>,
    policy_uri: Option<String>,
    tos_uri: Option<String>,
    contacts: Vec<String>,
    #[serde(flatten)]
    options: ClientOptions,
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
    /// An expired secret authenticates nothing (RFC 7591 §3.2.1 `client_secret_expires_at`).
    pub fn verify_secret(&self, presented: &str) -> bool {
        self.secret_matches(presented) && !self.secret_expired(now())
    }

    /// Whether `presented` is the current secret, expired or not.
    pub fn secret_matches(&self, presented: &str) -> bool {
        match &self.secret_hash {
            Some(h) => secrets::digest_matches(presented, h),
            None => false,
        }
    }

    pub fn secret_expired(&self, now: i64) -> bool {
        let at = self.profile.client_secret_expires_at;
        at != 0 && now >= at
    }

    /// Replaces the secret with a fresh 256-bit one, expiring at `expires_at` (0: never);
    /// returns the plaintext, to be shown once. Persist with [`save`].
    pub fn replace_secret(&mut self, expires_at: i64) -> String {
        let secret = secrets::random_token(32);
        self.secret_hash = Some(secrets::digest(&secret));
        self.profile.client_secret_expires_at = expires_at;
        secret
    }

    /// Checks a presented RFC 7592 registration access token in constant time.
    pub fn registration_token_matches(&self, presented: &str) -> bool {
        match &self.profile.registration_token_hash {
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

/// What a registration adds to [`NewClient`].
#[derive(Debug, Clone, Default)]
pub struct Extras {
    /// None: `authorization_code` and `refresh_token`, as for administrator-made clients.
    pub grant_types: Option<Vec<String>>,
    /// With `dynamic` set, a registration access token is issued.
    pub profile: ClientProfile,
}

/// A new client with the secrets shown this once.
#[derive(Debug)]
pub struct Created {
    pub client: Client,
    pub secret: Option<String>,
    pub registration_token: Option<String>,
}

impl TryFrom<clients::Model> for Client {
    type Error = DbError;
    fn try_from(m: clients::Model) -> Result<Self, DbError> {
        let stored: StoredMetadata = serde_json::from_str(&m.metadata)
            .map_err(|e| DbError::Other(format!("client metadata: {e}")))?;
        Ok(Self {
            profile: ClientProfile {
                dynamic: m.dynamic,
                default_max_age: m.default_max_age,
                require_auth_time: stored.require_auth_time,
                application_type: stored.application_type,
                logo_uri: stored.logo_uri,
                policy_uri: stored.policy_uri,
                tos_uri: stored.tos_uri,
                contacts: stored.contacts,
                client_secret_expires_at: m.secret_expires_at,
                registration_token_hash: m.registration_token_hash,
                options: stored.options,
            },
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

/// Registers a client; returns it with the plaintext secret, shown this once.
pub async fn create(
    db: &DatabaseConnection,
    new: NewClient,
) -> Result<(Client, Option<String>), DbError> {
    let created = create_with(db, new, Extras::default()).await?;
    Ok((created.client, created.secret))
}

/// The invariants every stored client keeps, however it was made or changed.
/// Only a client of the code flow needs a redirect URI.
fn check(
    name: &str,
    redirect_uris: &[String],
    post_logout: &[String],
    grants: &[String],
    auth_method: AuthMethod,
) -> Result<(), DbError> {
    if name.trim().is_empty() {
        return Err(DbError::Invalid("a client needs a name".into()));
    }
    check_grant_types(grants, auth_method).map_err(DbError::Invalid)?;
    if redirect_uris.is_empty() && grants.iter().any(|g| g == "authorization_code") {
        return Err(DbError::Invalid(
            "a client needs at least one redirect URI".into(),
        ));
    }
    for uri in redirect_uris.iter().chain(post_logout) {
        validate_redirect_uri(uri).map_err(DbError::Invalid)?;
    }
    Ok(())
}

fn stored_metadata(p: &ClientProfile) -> String {
    serde_json::to_string(&StoredMetadata {
        require_auth_time: p.require_auth_time,
        application_type: p.application_type,
        logo_uri: p.logo_uri.clone(),
        policy_uri: p.policy_uri.clone(),
        tos_uri: p.tos_uri.clone(),
        contacts: p.contacts.clone(),
        options: p.options.clone(),
    })
    .unwrap_or_else(|_| "{}".into())
}

/// Registers a client with registration metadata; a dynamic client also gets a
/// registration access token (RFC 7592), stored as a digest like the secret.
pub async fn create_with(
    db: &DatabaseConnection,
    new: NewClient,
    extras: Extras,
) -> Result<Created, DbError> {
    let grant_types = extras
        .grant_types
        .unwrap_or_else(|| DEFAULT_GRANT_TYPES.map(String::from).to_vec());
    check(
        &new.name,
        &new.redirect_uris,
        &new.post_logout_redirect_uris,
        &grant_types,
        new.auth_method,
    )?;
    extras.profile.options.check().map_err(DbError::Invalid)?;
    // Hex: safe in URLs, configuration files and command lines (a base64url id
    // could start with '-' and read as an option).
    let client_id = secrets::hex(&secrets::random_bytes(16));
    let secret = (new.auth_method != AuthMethod::None).then(|| secrets::random_token(32));
    let mut profile = extras.profile;
    let registration_token = profile.dynamic.then(|| secrets::random_token(32));
    profile.registration_token_hash = registration_token.as_deref().map(secrets::digest);
    if secret.is_none() {
        profile.client_secret_expires_at = 0;
    }
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
        grant_types: Set(to_json_list(&grant_types)),
        scopes: Set(to_json_list(&scopes)),
        default_acr_values: Set(to_json_list(&new.default_acr_values)),
        minimum_acr: Set(new.minimum_acr),
        id_token_alg: Set(new.id_token_alg.as_str().into()),
        metadata: Set(stored_metadata(&profile)),
        created_at: Set(t),
        updated_at: Set(t),
        secret_expires_at: Set(profile.client_secret_expires_at),
        registration_token_hash: Set(profile.registration_token_hash.clone()),
        default_max_age: Set(profile.default_max_age),
        dynamic: Set(profile.dynamic),
    }
    .insert(db)
    .await?;
    Ok(Created {
        client: model.try_into()?,
        secret,
        registration_token,
    })
}

/// As [`save`], only while the stored client is still `read`, the copy the
/// change was made to: a request that reads, changes and writes back the whole
/// client (RFC 7592) must not put back what an administrator changed meanwhile
/// (a rotated secret, a raised minimum level). Conflict when it changed.
pub async fn save_over(
    db: &DatabaseConnection,
    client: &Client,
    read: &Client,
) -> Result<Client, DbError> {
    let txn = super::begin_write(db).await?;
    let stored: Client = clients::Entity::find_by_id(client.client_id.clone())
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(DbError::NotFound)?
        .try_into()?;
    if stored != *read {
        return Err(DbError::Conflict(
            "the client's configuration changed while this update was made: read it again \
             and send the update again"
                .into(),
        ));
    }
    let saved = save(&txn, client).await?;
    txn.commit().await?;
    Ok(saved)
}

/// Writes every changeable field of `client` (all but its id and creation time).
/// A public client keeps no secret; a confidential one must have one.
pub async fn save<C: ConnectionTrait>(db: &C, client: &Client) -> Result<Client, DbError> {
    check(
        &client.name,
        &client.redirect_uris,
        &client.post_logout_redirect_uris,
        &client.grant_types,
        client.auth_method,
    )?;
    client.profile.options.check().map_err(DbError::Invalid)?;
    let (secret_hash, expires_at) = match (client.auth_method, &client.secret_hash) {
        (AuthMethod::None, _) => (None, 0),
        (_, Some(h)) => (Some(h.clone()), client.profile.client_secret_expires_at),
        (_, None) => {
            return Err(DbError::Invalid(
                "a confidential client needs a secret".into(),
            ));
        }
    };
    let p = &client.profile;
    let model = clients::ActiveModel {
        client_id: Set(client.client_id.clone()),
        name: Set(client.name.trim().to_owned()),
        secret_hash: Set(secret_hash),
        auth_method: Set(client.auth_method.as_str().into()),
        redirect_uris: Set(to_json_list(&client.redirect_uris)),
        post_logout_redirect_uris: Set(to_json_list(&client.post_logout_redirect_uris)),
        grant_types: Set(to_json_list(&client.grant_types)),
        scopes: Set(to_json_list(&client.scopes)),
        default_acr_values: Set(to_json_list(&client.default_acr_values)),
        minimum_acr: Set(client.minimum_acr.clone()),
        id_token_alg: Set(client.id_token_alg.as_str().into()),
        metadata: Set(stored_metadata(p)),
        updated_at: Set(now()),
        secret_expires_at: Set(expires_at),
        registration_token_hash: Set(p.registration_token_hash.clone()),
        default_max_age: Set(p.default_max_age),
        dynamic: Set(p.dynamic),
        ..Default::default()
    };
    match model.update(db).await {
        Ok(m) => m.try_into(),
        Err(sea_orm::DbErr::RecordNotUpdated) => Err(DbError::NotFound),
        Err(e) => Err(e.into()),
    }
}

/// Removes a client; false when there was none. Its codes and secrets stop
/// working at once, since every use looks the client up.
pub async fn delete(db: &DatabaseConnection, client_id: &str) -> Result<bool, DbError> {
    let res = clients::Entity::delete_by_id(client_id.to_owned())
        .exec(db)
        .await?;
    Ok(res.rows_affected > 0)
}

/// The longest client id looked up; ours are 32 hex digits. Anything longer (or
/// empty) is unknown without asking the database.
const MAX_CLIENT_ID_LEN: usize = 128;

pub async fn find(db: &DatabaseConnection, client_id: &str) -> Result<Option<Client>, DbError> {
    if client_id.is_empty() || client_id.len() > MAX_CLIENT_ID_LEN {
        return Ok(None);
    }
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
