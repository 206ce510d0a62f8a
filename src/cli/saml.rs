//! `portcullis saml …`: the SAML signing certificate and the service provider
//! registry.

use anyhow::{Context, bail};
use clap::Subcommand;
use serde_json::json;

use crate::config::Settings;
use crate::db::saml_sps::{self, NameIdKind, NewServiceProvider};
use crate::saml::{SignWhat, keys};

#[derive(Subcommand)]
pub enum SamlCmd {
    /// Print the PEM certificate that signs SAML responses (what service
    /// providers are given as the IdP's public X.509 certificate).
    Cert {
        /// Make the next key when there is none and print its certificate: it is
        /// published in the metadata at once, but signs only after --switch.
        #[arg(long, conflicts_with = "switch")]
        next: bool,
        /// Sign with the next key from now on (running servers follow within
        /// seconds) and print its certificate.
        #[arg(long)]
        switch: bool,
    },
    /// Service providers.
    #[command(subcommand)]
    Sp(SpCmd),
}

#[derive(Subcommand)]
pub enum SpCmd {
    /// Register a service provider; prints it as JSON (with `id` and `entity_id`).
    Add {
        #[arg(long = "entity-id")]
        entity_id: String,
        /// An Assertion Consumer Service URL (repeatable); matched exactly,
        /// query string included. The first is used when a request names none.
        #[arg(long = "acs-url", required = true)]
        acs_urls: Vec<String>,
        #[arg(long)]
        name: Option<String>,
        /// What the NameID holds: the user's email (the default) or username.
        #[arg(long, default_value = "email", value_parser = ["email", "username"])]
        nameid: String,
        /// What is signed: the assertion (the default), the response or both.
        #[arg(long, default_value = "assertion", value_parser = ["assertion", "response", "both"])]
        sign: String,
        /// A level every login to this service provider must meet (pwd, mfa,
        /// phr or an alias).
        #[arg(long = "minimum-acr")]
        minimum_acr: Option<String>,
    },
    /// List service providers.
    List,
    /// Show one service provider (by id or entity ID).
    Show { id: String },
    /// Delete a service provider (by id or entity ID).
    Delete { id: String },
}

/// The certificate's subject: the issuer's host.
pub fn subject(settings: &Settings) -> String {
    settings
        .issuer
        .host_str()
        .unwrap_or("portcullis")
        .to_owned()
}

pub async fn run(settings: &Settings, cmd: SamlCmd) -> anyhow::Result<()> {
    match cmd {
        SamlCmd::Cert { next, switch } => {
            let dir = &settings.keys_dir;
            let pem = if next {
                keys::next_cert(dir, &subject(settings))?
            } else if switch {
                keys::switch(dir)?
            } else {
                keys::active_cert(dir, &subject(settings))?
            };
            print!("{pem}");
        }
        SamlCmd::Sp(cmd) => sp(settings, cmd).await?,
    }
    Ok(())
}

async fn sp(settings: &Settings, cmd: SpCmd) -> anyhow::Result<()> {
    let conn = super::open_db(settings).await?;
    match cmd {
        SpCmd::Add {
            entity_id,
            acs_urls,
            name,
            nameid,
            sign,
            minimum_acr,
        } => {
            if let Some(acr) = &minimum_acr
                && settings.acr.level_of(acr).is_none()
            {
                bail!("unknown acr value {acr:?}: use pwd, mfa, phr or a configured alias");
            }
            let sp = saml_sps::create(
                &conn,
                NewServiceProvider {
                    entity_id,
                    name,
                    acs_urls,
                    nameid: NameIdKind::parse(&nameid).context("--nameid")?,
                    sign: SignWhat::parse(&sign).context("--sign")?,
                    minimum_acr,
                },
            )
            .await?;
            println!("{}", serde_json::to_value(&sp)?);
        }
        SpCmd::List => {
            println!("{}", json!({ "items": saml_sps::list(&conn).await? }));
        }
        SpCmd::Show { id } => {
            let sp = saml_sps::find(&conn, &id)
                .await?
                .with_context(|| format!("unknown service provider {id:?}"))?;
            println!("{}", serde_json::to_value(&sp)?);
        }
        SpCmd::Delete { id } => {
            let sp = saml_sps::delete(&conn, &id)
                .await?
                .with_context(|| format!("unknown service provider {id:?}"))?;
            println!(
                "{}",
                json!({"deleted": true, "id": sp.id, "entity_id": sp.entity_id})
            );
        }
    }
    Ok(())
}
