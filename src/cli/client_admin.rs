//! `client show | update | rotate-secret | delete`: looking after registered
//! relying parties. The running server reads clients from the database on every
//! request, so changes apply at once.

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use sea_orm::DatabaseConnection;
use serde_json::json;

use crate::config::Settings;
use crate::db::clients::{self, AuthMethod, Client};
use crate::keys::SigningAlg;
use crate::oidc::authorize::SUPPORTED_SCOPES;

#[derive(Subcommand)]
pub enum ManageCmd {
    /// Show one relying party.
    Show { client_id: String },
    /// Change a relying party; what is not given stays as it is.
    Update(Box<UpdateArgs>),
    /// Issue a new client secret, shown once; the old one stops working at once.
    RotateSecret {
        client_id: String,
        /// Seconds until the new secret expires (default: never).
        #[arg(long = "expires-in")]
        expires_in: Option<u64>,
    },
    /// Delete a relying party: its secret, codes and access tokens stop working.
    Delete { client_id: String },
}

#[derive(Args)]
pub struct UpdateArgs {
    client_id: String,
    #[arg(long)]
    name: Option<String>,
    /// Replaces the redirect URIs.
    #[arg(long = "redirect-uri")]
    redirect_uris: Vec<String>,
    /// Replaces the post-logout redirect URIs.
    #[arg(long = "post-logout-redirect-uri")]
    post_logout_redirect_uris: Vec<String>,
    #[arg(long, conflicts_with = "post_logout_redirect_uris")]
    clear_post_logout_redirect_uris: bool,
    /// client_secret_basic, client_secret_post or none; a public client made
    /// confidential gets a new secret.
    #[arg(long = "auth-method")]
    auth_method: Option<String>,
    #[arg(long = "id-token-alg")]
    id_token_alg: Option<String>,
    /// Replaces the default acr values.
    #[arg(long = "default-acr")]
    default_acr: Vec<String>,
    #[arg(long, conflicts_with = "default_acr")]
    clear_default_acr: bool,
    #[arg(long = "minimum-acr")]
    minimum_acr: Option<String>,
    #[arg(long, conflicts_with = "minimum_acr")]
    clear_minimum_acr: bool,
    /// Seconds: the max_age of requests that name none.
    #[arg(long = "default-max-age")]
    default_max_age: Option<u32>,
    #[arg(long, conflicts_with = "default_max_age")]
    clear_default_max_age: bool,
    /// Replaces the scopes the client may be granted.
    #[arg(long = "scope")]
    scopes: Vec<String>,
    /// Replaces the grant types (authorization_code, refresh_token, client_credentials).
    #[arg(long = "grant")]
    grants: Vec<String>,
    #[command(flatten)]
    options: super::client_options::OptionArgs,
}

impl UpdateArgs {
    fn changes_nothing(&self) -> bool {
        self.name.is_none()
            && self.redirect_uris.is_empty()
            && self.post_logout_redirect_uris.is_empty()
            && !self.clear_post_logout_redirect_uris
            && self.auth_method.is_none()
            && self.id_token_alg.is_none()
            && self.default_acr.is_empty()
            && !self.clear_default_acr
            && self.minimum_acr.is_none()
            && !self.clear_minimum_acr
            && self.default_max_age.is_none()
            && !self.clear_default_max_age
            && self.scopes.is_empty()
            && self.grants.is_empty()
            && self.options.changes_nothing()
    }
}

pub async fn run(
    settings: &Settings,
    conn: &DatabaseConnection,
    cmd: ManageCmd,
) -> anyhow::Result<()> {
    match cmd {
        ManageCmd::Show { client_id } => {
            println!(
                "{}",
                serde_json::to_value(existing(conn, &client_id).await?)?
            );
        }
        ManageCmd::Update(args) => update(settings, conn, *args).await?,
        ManageCmd::RotateSecret {
            client_id,
            expires_in,
        } => {
            let mut c = existing(conn, &client_id).await?;
            if c.is_public() {
                bail!("client {client_id:?} is public and has no secret (set --auth-method first)");
            }
            let expires_at = match expires_in {
                Some(0) => bail!("--expires-in must be positive"),
                Some(s) => {
                    chrono::Utc::now().timestamp() + i64::try_from(s).context("--expires-in")?
                }
                None => 0,
            };
            let secret = c.replace_secret(expires_at);
            let saved = clients::save(conn, &c).await?;
            println!(
                "{}",
                json!({
                    "client_id": saved.client_id,
                    "client_secret": secret,
                    "client_secret_expires_at": saved.profile.client_secret_expires_at,
                })
            );
        }
        ManageCmd::Delete { client_id } => {
            if !clients::delete(conn, &client_id).await? {
                bail!("unknown client {client_id:?}");
            }
            println!("{}", json!({"client_id": client_id, "deleted": true}));
        }
    }
    Ok(())
}

async fn existing(conn: &DatabaseConnection, client_id: &str) -> anyhow::Result<Client> {
    clients::find(conn, client_id)
        .await?
        .with_context(|| format!("unknown client {client_id:?}"))
}

fn known_acr(settings: &Settings, acr: &str) -> anyhow::Result<()> {
    if settings.acr.level_of(acr).is_none() {
        bail!("unknown acr value {acr:?}: use pwd, mfa, phr or a configured alias");
    }
    Ok(())
}

async fn update(
    settings: &Settings,
    conn: &DatabaseConnection,
    a: UpdateArgs,
) -> anyhow::Result<()> {
    let mut c = existing(conn, &a.client_id).await?;
    if a.changes_nothing() {
        bail!("nothing to change: give at least one option (see client update --help)");
    }
    if let Some(name) = a.name {
        c.name = name;
    }
    if !a.redirect_uris.is_empty() {
        c.redirect_uris = a.redirect_uris;
    }
    if !a.post_logout_redirect_uris.is_empty() || a.clear_post_logout_redirect_uris {
        c.post_logout_redirect_uris = a.post_logout_redirect_uris;
    }
    if let Some(alg) = a.id_token_alg {
        c.id_token_alg = alg.parse::<SigningAlg>().map_err(anyhow::Error::msg)?;
    }
    for acr in a.default_acr.iter().chain(a.minimum_acr.iter()) {
        known_acr(settings, acr)?;
    }
    if !a.default_acr.is_empty() || a.clear_default_acr {
        c.default_acr_values = a.default_acr;
    }
    if a.minimum_acr.is_some() || a.clear_minimum_acr {
        c.minimum_acr = a.minimum_acr;
    }
    if a.default_max_age.is_some() || a.clear_default_max_age {
        c.profile.default_max_age = a.default_max_age.map(i64::from);
    }
    if !a.scopes.is_empty() {
        if let Some(s) = a
            .scopes
            .iter()
            .find(|s| !SUPPORTED_SCOPES.contains(&s.as_str()))
        {
            bail!("unknown scope {s:?}: use {}", SUPPORTED_SCOPES.join(", "));
        }
        c.scopes = a.scopes;
    }
    if !a.grants.is_empty() {
        c.grant_types = a.grants;
    }
    a.options.apply(&mut c.profile.options)?;
    let mut secret = None;
    if let Some(m) = a.auth_method {
        let m: AuthMethod = m.parse().map_err(anyhow::Error::msg)?;
        if c.is_public() && m != AuthMethod::None {
            secret = Some(c.replace_secret(0));
        }
        c.auth_method = m;
    }
    let saved = clients::save(conn, &c).await?;
    let mut out = serde_json::to_value(&saved)?;
    if let (Some(obj), Some(s)) = (out.as_object_mut(), secret) {
        obj.insert("client_secret".into(), s.into());
    }
    println!("{out}");
    Ok(())
}
