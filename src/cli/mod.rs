//! The `portcullis` command line. Every subcommand reads the same
//! configuration; output is one JSON object on stdout.

use std::ffi::OsString;

use anyhow::{Context, bail};
use clap::Parser;
use serde_json::json;

use crate::auth::password;
use crate::config::Settings;
use crate::db::{self, clients, users};
use crate::keys::{self, SigningAlg};
use crate::startup::Application;

mod admin;
mod client_admin;
mod client_options;
mod commands;
mod policy;
mod saml;
mod upstream;
mod user_admin;

use commands::{AuditCmd, Cli, ClientCmd, Command, KeysCmd, UserCmd};

pub async fn run(args: impl IntoIterator<Item = OsString>) -> anyhow::Result<()> {
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e)
            if matches!(
                e.kind(),
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion
            ) =>
        {
            print!("{e}");
            return Ok(());
        }
        Err(e) => bail!(
            "{}",
            e.to_string().lines().next().unwrap_or("invalid arguments")
        ),
    };
    let settings = Settings::load(cli.config.as_deref())?;
    let command = cli.command.unwrap_or(Command::Serve);
    crate::telemetry::init(
        if matches!(command, Command::Serve) {
            "info"
        } else {
            "warn"
        },
        settings.log_format,
    );
    match command {
        Command::Serve => serve(settings).await,
        Command::Migrate => {
            let conn = db::connect(settings.database_url.expose()).await?;
            db::migrate(&conn).await?;
            println!("{}", json!({"migrated": true}));
            Ok(())
        }
        Command::Client(cmd) => client(settings, cmd).await,
        Command::User(cmd) => user(settings, cmd).await,
        Command::Policy(cmd) => {
            let conn = open_db(&settings).await?;
            policy::run(&settings, &conn, cmd).await
        }
        Command::Audit(AuditCmd::List { user, since, limit }) => {
            let conn = open_db(&settings).await?;
            policy::audit_list(&conn, user, since, limit).await
        }
        Command::Admin(cmd) => admin::admin(&open_db(&settings).await?, cmd).await,
        Command::Group(cmd) => {
            let ctx = admin::ctx(&settings, open_db(&settings).await?).await?;
            admin::group(&ctx, cmd).await
        }
        Command::Saml(cmd) => saml::run(&settings, cmd).await,
        Command::Upstream(cmd) => upstream::run(&settings, cmd),
        Command::Keys(KeysCmd::Rotate { alg }) => {
            let algs: Vec<SigningAlg> = match alg {
                Some(a) => vec![a.parse().map_err(anyhow::Error::msg)?],
                None => SigningAlg::ALL.to_vec(),
            };
            let mut added = Vec::new();
            for a in algs {
                let path = keys::rotate(&settings.keys_dir, a)?;
                added.push(json!({"alg": a.as_str(), "file": path.display().to_string()}));
            }
            println!("{}", json!({ "added": added }));
            Ok(())
        }
        Command::Keys(KeysCmd::List) => {
            let items = keys::list(&settings.keys_dir, settings.key_grace_period)?;
            println!("{}", json!({ "items": items }));
            Ok(())
        }
        Command::Keys(KeysCmd::Retire { kid }) => {
            let key = keys::retire(&settings.keys_dir, &kid, settings.key_grace_period)?;
            println!("{}", json!({ "retired": key }));
            Ok(())
        }
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    // Before anything listens, so no signal finds the default handler.
    let signals = crate::startup::ShutdownSignals::install();
    let store = if settings.redis_url.is_some() {
        "redis"
    } else {
        "embedded"
    };
    let app = Application::build(settings.clone()).await?;
    tracing::info!(
        issuer = %settings.issuer_str(),
        port = app.port(),
        store,
        "portcullis listening on {}",
        settings.server.bind
    );
    if let Some(port) = app.metrics_port() {
        tracing::info!(port, "metrics on /metrics");
    }
    // Start-up is over: what it alone ran need not stay resident.
    match crate::memory::release_start_up_code() {
        Ok(bytes) => tracing::debug!(kib = bytes / 1024, "start-up code pages unmapped"),
        Err(error) => tracing::warn!(%error, "cannot unmap the start-up code pages"),
    }
    app.run_until_signalled(signals).await.context("server")
}

pub(crate) async fn open_db(settings: &Settings) -> anyhow::Result<sea_orm::DatabaseConnection> {
    let conn = db::connect(settings.database_url.expose()).await?;
    db::migrate(&conn).await?;
    Ok(conn)
}

async fn client(settings: Settings, cmd: ClientCmd) -> anyhow::Result<()> {
    let conn = open_db(&settings).await?;
    match cmd {
        ClientCmd::Create {
            name,
            redirect_uris,
            auth_method,
            public,
            id_token_alg,
            default_acr,
            minimum_acr,
            post_logout_redirect_uris,
            logo_uri,
            grants,
            options,
        } => {
            let auth_method: clients::AuthMethod = if public {
                clients::AuthMethod::None
            } else {
                auth_method.parse().map_err(anyhow::Error::msg)?
            };
            let id_token_alg: SigningAlg = id_token_alg.parse().map_err(anyhow::Error::msg)?;
            for acr in default_acr.iter().chain(minimum_acr.iter()) {
                if settings.acr.level_of(acr).is_none() {
                    bail!("unknown acr value {acr:?}: use pwd, mfa, phr or a configured alias");
                }
            }
            let mut profile = clients::ClientProfile::default();
            options.apply(&mut profile.options)?;
            if let Some(logo) = logo_uri {
                // An image the login page loads: a web URL, never javascript: or data:.
                let ok =
                    url::Url::parse(&logo).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
                if !ok {
                    bail!("--logo-uri must be an http(s) URL: {logo:?}");
                }
                profile.logo_uri = Some(logo);
            }
            let created = clients::create_with(
                &conn,
                clients::NewClient {
                    name,
                    redirect_uris,
                    post_logout_redirect_uris,
                    auth_method,
                    id_token_alg,
                    default_acr_values: default_acr,
                    minimum_acr,
                    scopes: Vec::new(),
                },
                clients::Extras {
                    grant_types: (!grants.is_empty()).then_some(grants),
                    profile,
                },
            )
            .await?;
            let mut out = serde_json::to_value(&created.client)?;
            if let (Some(obj), Some(s)) = (out.as_object_mut(), created.secret) {
                obj.insert("client_secret".into(), s.into());
            }
            println!("{out}");
        }
        ClientCmd::List => {
            println!("{}", json!({ "items": clients::list(&conn).await? }));
        }
        ClientCmd::Manage(cmd) => client_admin::run(&settings, &conn, cmd).await?,
    }
    Ok(())
}

async fn user(settings: Settings, cmd: UserCmd) -> anyhow::Result<()> {
    let conn = open_db(&settings).await?;
    match cmd {
        UserCmd::Create {
            username,
            email,
            password: pw,
            groups,
            first_name,
            last_name,
            locale,
        } => {
            let password_set = pw.is_some();
            let password_hash = match pw {
                Some(p) => {
                    password::validate_new(&p)?;
                    Some(tokio::task::spawn_blocking(move || password::hash(&p)).await??)
                }
                None => None,
            };
            let all_groups = settings.groups.with_domain_groups(&email, groups);
            let u = users::create(
                &conn,
                users::NewUser {
                    username,
                    email,
                    first_name,
                    last_name,
                    display_name: String::new(),
                    password_hash,
                    groups: all_groups,
                    locale,
                },
            )
            .await?;
            // Audited as the admin API audits a creation: with this command
            // line, whoever runs it can make administrators, and the record
            // is what shows who became one and when.
            let ctx = admin::ctx(&settings, conn.clone()).await?;
            let joined = users::groups_of(&conn, &u.id).await?;
            let in_admins = crate::admin::admin_group::names_admin_group(&ctx, &joined);
            crate::admin::users::audit_created(&ctx, &u, password_set, in_admins).await?;
            let mut out = serde_json::to_value(&u)?;
            if let Some(obj) = out.as_object_mut() {
                obj.insert("groups".into(), json!(joined));
            }
            println!("{out}");
        }
        UserCmd::TwoFactor { username, state } => {
            let user = users::find_by_username(&conn, &username)
                .await?
                .with_context(|| format!("unknown user {username:?}"))?;
            let on = state == "on";
            users::set_two_factor(&conn, &user.id, on).await?;
            // Servers sharing a Redis see the switch at their next request.
            admin::ctx(&settings, conn.clone())
                .await?
                .directory_changed()
                .await?;
            crate::db::audit::record(
                &conn,
                crate::db::audit::AuditEvent {
                    actor: "cli".into(),
                    event: "two_factor_switch".into(),
                    user_id: Some(user.id.clone()),
                    username: Some(user.username.clone()),
                    outcome: if on { "on".into() } else { "off".into() },
                    detail: serde_json::Value::Null,
                    ..Default::default()
                },
            )
            .await?;
            println!(
                "{}",
                json!({"id": user.id, "username": user.username, "two_factor": on})
            );
        }
        UserCmd::Import {
            csv,
            batch_size,
            no_mail,
            allow_admin_group,
        } => {
            let ctx = admin::ctx(&settings, conn).await?;
            let grant = crate::admin::admin_group::AdminGrant::from_flag(allow_admin_group);
            admin::import(&ctx, csv, batch_size, !no_mail, grant).await?;
        }
        UserCmd::TotpSet { username, secret } => {
            let ctx = admin::ctx(&settings, conn).await?;
            println!("{}", admin::totp_set(&ctx, &username, &secret).await?);
        }
        UserCmd::Manage(cmd) => user_admin::run(&settings, conn, cmd).await?,
    }
    Ok(())
}
