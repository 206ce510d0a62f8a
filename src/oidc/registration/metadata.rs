//! The client metadata of a registration or update request (RFC 7591 §2, OpenID
//! Connect Dynamic Client Registration §2), parsed into a typed value. Unknown
//! members are ignored (RFC 7591 §2); members we know but cannot honour (encrypted
//! responses, pairwise subjects) are refused rather than dropped, so a
//! client never believes it gets a protection it does not get.

mod options;

use serde_json::{Map, Value};
use url::Url;

use super::redirect_uri::check_redirect_uri;

use crate::auth::acr::AcrRegistry;
use crate::db::clients::{
    ApplicationType, AuthMethod, Client, ClientOptions, ClientProfile, GRANT_TYPES, NewClient,
    check_grant_types,
};
use crate::keys::SigningAlg;
use crate::oidc::authorize::SUPPORTED_SCOPES;

/// RFC 7591 §3.2.2 error codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetadataError {
    InvalidRedirectUri(String),
    InvalidClientMetadata(String),
}

impl MetadataError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidRedirectUri(_) => "invalid_redirect_uri",
            Self::InvalidClientMetadata(_) => "invalid_client_metadata",
        }
    }
    pub fn description(&self) -> &str {
        match self {
            Self::InvalidRedirectUri(d) | Self::InvalidClientMetadata(d) => d,
        }
    }
}

fn invalid(description: impl Into<String>) -> MetadataError {
    MetadataError::InvalidClientMetadata(description.into())
}

/// Scopes a client gets when it names none: what administrator-made clients get.
pub const DEFAULT_SCOPES: [&str; 4] = ["openid", "profile", "email", "offline_access"];
const MAX_ITEMS: usize = 20;
const MAX_LEN: usize = 2000;

/// Registered metadata, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Metadata {
    pub client_name: String,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub auth_method: AuthMethod,
    pub grant_types: Vec<String>,
    pub scopes: Vec<String>,
    pub default_acr_values: Vec<String>,
    pub default_max_age: Option<i64>,
    pub require_auth_time: bool,
    pub id_token_alg: SigningAlg,
    pub application_type: ApplicationType,
    pub logo_uri: Option<String>,
    pub policy_uri: Option<String>,
    pub tos_uri: Option<String>,
    pub contacts: Vec<String>,
    pub options: ClientOptions,
}

/// Typed access to the members of the request object; `null` counts as absent
/// (RFC 7592 §2.2 treats omitted and null alike).
struct Fields<'a>(&'a Map<String, Value>);

impl Fields<'_> {
    fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key).filter(|v| !v.is_null())
    }

    fn string(&self, key: &str) -> Result<Option<String>, MetadataError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) if s.len() <= MAX_LEN => Ok(Some(s.clone())),
            Some(Value::String(_)) => Err(invalid(format!("{key} is too long"))),
            Some(_) => Err(invalid(format!("{key} must be a string"))),
        }
    }

    fn list(&self, key: &str) -> Result<Option<Vec<String>>, MetadataError> {
        let Some(v) = self.get(key) else {
            return Ok(None);
        };
        let items = v
            .as_array()
            .ok_or_else(|| invalid(format!("{key} must be an array of strings")))?;
        if items.len() > MAX_ITEMS {
            return Err(invalid(format!("{key} has more than {MAX_ITEMS} entries")));
        }
        let mut out: Vec<String> = Vec::with_capacity(items.len());
        for item in items {
            let s = item
                .as_str()
                .filter(|s| !s.is_empty() && s.len() <= MAX_LEN)
                .ok_or_else(|| invalid(format!("{key} must be an array of non-empty strings")))?;
            if !out.iter().any(|x| x == s) {
                out.push(s.to_owned());
            }
        }
        Ok(Some(out))
    }

    fn boolean(&self, key: &str) -> Result<Option<bool>, MetadataError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(invalid(format!("{key} must be true or false"))),
        }
    }
}

/// Parses and validates a registration (or RFC 7592 update) request body.
pub fn parse(body: &Value, registry: &AcrRegistry) -> Result<Metadata, MetadataError> {
    parse_kept(body, registry, &Kept::default())
}

/// What a client already has and may send back unchanged in an update (RFC
/// 7592 §2.2 sends the whole document), even if registration would refuse it
/// today: a client registered under older rules is not stuck with them.
#[derive(Debug, Clone, Copy, Default)]
pub struct Kept<'a> {
    pub client_name: Option<&'a str>,
    pub logo_uri: Option<&'a str>,
    pub backchannel_logout_uri: Option<&'a str>,
}

/// [`parse`] for an update of a client that has `kept`.
pub fn parse_kept(
    body: &Value,
    registry: &AcrRegistry,
    kept: &Kept<'_>,
) -> Result<Metadata, MetadataError> {
    let obj = body
        .as_object()
        .ok_or_else(|| invalid("the request body must be a JSON object"))?;
    let f = Fields(obj);
    refuse_unsupported(&f)?;

    let application_type = match f.string("application_type")?.as_deref() {
        None | Some("web") => ApplicationType::Web,
        Some("native") => ApplicationType::Native,
        Some(other) => {
            return Err(invalid(format!(
                "application_type {other:?} is unknown: use web or native"
            )));
        }
    };
    let auth_method = match f.string("token_endpoint_auth_method")? {
        // RFC 7591 §2: the default is client_secret_basic.
        None => AuthMethod::ClientSecretBasic,
        Some(m) => m.parse().map_err(|_| {
            invalid(format!(
                "token_endpoint_auth_method {m:?} is not supported: use client_secret_basic, client_secret_post or none"
            ))
        })?,
    };
    let grant_types = grant_and_response_types(&f, auth_method)?;
    let code_flow = grant_types.iter().any(|g| g == "authorization_code");

    let redirect_uris = f.list("redirect_uris")?.unwrap_or_default();
    // A client that only acts for itself (client_credentials) is never redirected to.
    if redirect_uris.is_empty() && code_flow {
        return Err(MetadataError::InvalidRedirectUri(
            "redirect_uris must name at least one redirect URI".into(),
        ));
    }
    for uri in &redirect_uris {
        check_redirect_uri("redirect_uris", uri, application_type)?;
    }
    let post_logout_redirect_uris = f.list("post_logout_redirect_uris")?.unwrap_or_default();
    for uri in &post_logout_redirect_uris {
        check_redirect_uri("post_logout_redirect_uris", uri, application_type)?;
    }

    // Unknown scope values are left out of the registration (RFC 7591 §2: the
    // server may replace what was asked); the response says what was registered.
    let scopes = match f.string("scope")? {
        None => DEFAULT_SCOPES.map(String::from).to_vec(),
        Some(s) => {
            let mut out = vec!["openid".to_owned()];
            for word in s.split_whitespace() {
                if SUPPORTED_SCOPES.contains(&word) && !out.iter().any(|x| x == word) {
                    out.push(word.to_owned());
                }
            }
            out
        }
    };

    let default_acr_values = f.list("default_acr_values")?.unwrap_or_default();
    if let Some(unknown) = default_acr_values
        .iter()
        .find(|v| registry.level_of(v).is_none())
    {
        return Err(invalid(format!(
            "default_acr_values: {unknown:?} is not a known level: use {}",
            registry.supported().join(", ")
        )));
    }
    let default_max_age =
        match f.get("default_max_age") {
            None => None,
            Some(v) => Some(v.as_i64().filter(|n| *n >= 0).ok_or_else(|| {
                invalid("default_max_age must be a non-negative integer (seconds)")
            })?),
        };
    let id_token_alg = match f.string("id_token_signed_response_alg")? {
        // OIDC Registration §2: the default is RS256.
        None => SigningAlg::RS256,
        Some(a) => a.parse().map_err(|_| {
            invalid(format!(
                "id_token_signed_response_alg {a:?} is not supported: use RS256 or ES256"
            ))
        })?,
    };

    let client_name = match f.string("client_name")? {
        Some(n) if kept.client_name == Some(n.trim()) => n.trim().to_owned(),
        Some(n) if !n.trim().is_empty() => shown_name(n.trim())?,
        Some(_) => return Err(invalid("client_name must not be blank")),
        // Without a name, the redirect URI's host tells an operator who this is.
        None => redirect_uris
            .first()
            .and_then(|uri| Url::parse(uri).ok())
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_else(|| "unnamed client".into()),
    };
    let contacts = f.list("contacts")?.unwrap_or_default();
    if let Some(bad) = contacts
        .iter()
        .find(|c| c.len() > 254 || !c.contains('@') || c.contains(char::is_whitespace))
    {
        return Err(invalid(format!(
            "contacts: {bad:?} is not an e-mail address"
        )));
    }

    Ok(Metadata {
        client_name,
        redirect_uris,
        post_logout_redirect_uris,
        auth_method,
        grant_types,
        scopes,
        default_acr_values,
        default_max_age,
        require_auth_time: f.boolean("require_auth_time")?.unwrap_or(false),
        id_token_alg,
        application_type,
        logo_uri: logo_url(&f, kept.logo_uri)?,
        policy_uri: web_url(&f, "policy_uri")?,
        tos_uri: web_url(&f, "tos_uri")?,
        contacts,
        options: options::parse(&f, kept.backchannel_logout_uri)?,
    })
}

/// Members whose meaning we cannot honour: refusing is safer than ignoring.
fn refuse_unsupported(f: &Fields) -> Result<(), MetadataError> {
    for key in [
        "id_token_encrypted_response_alg",
        "userinfo_encrypted_response_alg",
        "request_object_encryption_alg",
    ] {
        if f.get(key).is_some() {
            return Err(invalid(format!("{key}: encryption is not supported")));
        }
    }
    match f.string("subject_type")?.as_deref() {
        None | Some("public") => Ok(()),
        Some(other) => Err(invalid(format!(
            "subject_type {other:?} is not supported: only public"
        ))),
    }
}

/// RFC 7591 §2.1: grant types and response types must agree. The only response
/// type is `code`, which goes with `authorization_code` and the other way round;
/// a client of `client_credentials` alone registers `response_types: []`.
fn grant_and_response_types(
    f: &Fields,
    auth_method: AuthMethod,
) -> Result<Vec<String>, MetadataError> {
    let grants = f
        .list("grant_types")?
        .unwrap_or_else(|| vec!["authorization_code".into()]);
    if let Some(g) = grants.iter().find(|g| !GRANT_TYPES.contains(&g.as_str())) {
        return Err(invalid(format!(
            "grant type {g:?} is not supported: use {}",
            GRANT_TYPES.join(", ")
        )));
    }
    let responses = f
        .list("response_types")?
        .unwrap_or_else(|| vec!["code".into()]);
    if let Some(r) = responses.iter().find(|r| r.as_str() != "code") {
        return Err(invalid(format!(
            "response type {r:?} is not supported: only code"
        )));
    }
    let code_grant = grants.iter().any(|g| g == "authorization_code");
    let code_response = responses.iter().any(|r| r == "code");
    if code_grant != code_response {
        return Err(invalid(format!(
            "grant_types {grants:?} and response_types {responses:?} disagree: response type code goes with the authorization_code grant (RFC 7591 §2.1)",
        )));
    }
    check_grant_types(&grants, auth_method).map_err(invalid)?;
    Ok(grants)
}

/// The most characters of a self-registered client's name: it is shown on the
/// login page, where a paragraph of text could pass for this server's own.
pub const MAX_CLIENT_NAME: usize = 100;

/// A name for the login page: short, and without control or invisible
/// formatting characters (bidirectional overrides would reorder the text
/// around it; zero-width ones hide what it really says).
fn shown_name(name: &str) -> Result<String, MetadataError> {
    let invisible = |c: char| {
        c.is_control()
            || matches!(c, '\u{200b}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}')
    };
    if name.chars().count() > MAX_CLIENT_NAME {
        return Err(invalid(format!(
            "client_name is longer than {MAX_CLIENT_NAME} characters"
        )));
    }
    if name.chars().any(invisible) {
        return Err(invalid(
            "client_name must not contain control or invisible formatting characters",
        ));
    }
    Ok(name.to_owned())
}

/// logo_uri: loaded into the login page, so https only.
fn logo_url(f: &Fields, kept: Option<&str>) -> Result<Option<String>, MetadataError> {
    let logo = web_url(f, "logo_uri")?;
    match &logo {
        Some(u) if !u.starts_with("https://") && kept != Some(u.as_str()) => {
            Err(invalid(format!("logo_uri: {u:?} must use https")))
        }
        _ => Ok(logo),
    }
}

/// logo_uri, policy_uri, tos_uri: web pages, so absolute http(s) URLs.
fn web_url(f: &Fields, key: &str) -> Result<Option<String>, MetadataError> {
    let Some(s) = f.string(key)? else {
        return Ok(None);
    };
    match Url::parse(&s) {
        Ok(u)
            if matches!(u.scheme(), "https" | "http")
                && u.host().is_some()
                && u.username().is_empty()
                && u.password().is_none() =>
        {
            Ok(Some(s))
        }
        _ => Err(invalid(format!("{key}: {s:?} is not an http(s) URL"))),
    }
}

impl Metadata {
    /// The client to create from a registration.
    pub fn new_client(&self) -> NewClient {
        NewClient {
            name: self.client_name.clone(),
            redirect_uris: self.redirect_uris.clone(),
            post_logout_redirect_uris: self.post_logout_redirect_uris.clone(),
            auth_method: self.auth_method,
            id_token_alg: self.id_token_alg,
            default_acr_values: self.default_acr_values.clone(),
            minimum_acr: None,
            scopes: self.scopes.clone(),
        }
    }

    /// The profile of a self-registered client whose secret expires at `expires_at`.
    pub fn dynamic_profile(&self, expires_at: i64) -> ClientProfile {
        ClientProfile {
            dynamic: true,
            default_max_age: self.default_max_age,
            require_auth_time: self.require_auth_time,
            application_type: self.application_type,
            logo_uri: self.logo_uri.clone(),
            policy_uri: self.policy_uri.clone(),
            tos_uri: self.tos_uri.clone(),
            contacts: self.contacts.clone(),
            client_secret_expires_at: expires_at,
            registration_token_hash: None,
            options: self.options.clone(),
        }
    }

    /// RFC 7592 §2.2: an update replaces the registered metadata. What is not
    /// client metadata stays: the id, the secret, the registration token, and an
    /// operator's `minimum_acr` (a client cannot lower the floor set for it).
    pub fn apply_to(self, client: &mut Client) {
        client.name = self.client_name;
        client.redirect_uris = self.redirect_uris;
        client.post_logout_redirect_uris = self.post_logout_redirect_uris;
        client.auth_method = self.auth_method;
        client.grant_types = self.grant_types;
        client.scopes = self.scopes;
        client.default_acr_values = self.default_acr_values;
        client.id_token_alg = self.id_token_alg;
        let p = &mut client.profile;
        p.default_max_age = self.default_max_age;
        p.require_auth_time = self.require_auth_time;
        p.application_type = self.application_type;
        p.logo_uri = self.logo_uri;
        p.policy_uri = self.policy_uri;
        p.tos_uri = self.tos_uri;
        p.contacts = self.contacts;
        p.options = self.options;
    }
}
