//! The `portcullis` command line. Every subcommand reads the same
//! configuration; output is one JSON object on stdout.

use std::ffi::OsString;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use serde_json::json;

use crate::auth::password;
use crate::config::Settings;
use crate::db::{self, clients, users};
use crate::keys::{self, SigningAlg};
use crate::startup::Application;

mod admin;
mod client_admin;
mod client_options;
mod policy;
mod user_admin;

#[derive(Parser)]
#[command(
    name = "portcullis",
    version,
    about = "OpenID Connect provider with acr-driven step-up"
)]
struct Cli {
    /// Configuration file (TOML); else $PORTCULLIS_CONFIG, else ./portcullis.toml when present.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run pending migrations, load or create signing keys, serve HTTP (the default).
    Serve,
    /// Run pending migrations and exit.
    Migrate,
    /// Relying parties.
    #[command(subcommand)]
    Client(ClientCmd),
    /// Users.
    #[command(subcommand)]
    User(UserCmd),
    /// Signing keys.
    #[command(subcommand)]
    Keys(KeysCmd),
    /// Conditional 2FA policy.
    #[command(subcommand)]
    Policy(policy::PolicyCmd),
    /// The audit log.
    #[command(subcommand)]
    Audit(AuditCmd),
    /// Admin API tokens.
    #[command(subcommand)]
    Admin(admin::AdminCmd),
    /// Groups.
    #[command(subcommand)]
    Group(admin::GroupCmd),
}

#[derive(Subcommand)]
enum AuditCmd {
    /// Audit events, newest first.
    List {
        /// Username or user id.
        #[arg(long)]
        user: Option<String>,
        /// Unix seconds or an RFC 3339 time.
        #[arg(long)]
        since: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: u64,
    },
}

#[derive(Subcommand)]
enum ClientCmd {
    /// Register a relying party; prints client_id and, for a confidential client, client_secret.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long = "redirect-uri", required = true)]
        redirect_uris: Vec<String>,
        #[arg(long = "auth-method", default_value = "client_secret_basic")]
        auth_method: String,
        /// Same as --auth-method none.
        #[arg(long)]
        public: bool,
        #[arg(long = "id-token-alg", default_value = "RS256")]
        id_token_alg: String,
        #[arg(long = "default-acr")]
        default_acr: Vec<String>,
        /// An acr level every request of this client must meet, whatever it asks.
        #[arg(long = "minimum-acr")]
        minimum_acr: Option<String>,
        #[arg(long = "post-logout-redirect-uri")]
        post_logout_redirect_uris: Vec<String>,
        /// A grant type (repeatable): authorization_code, refresh_token,
        /// client_credentials; default authorization_code and refresh_token.
        #[arg(long = "grant")]
        grants: Vec<String>,
        #[command(flatten)]
        options: Box<client_options::OptionArgs>,
    },
    /// List relying parties.
    List,
    #[command(flatten)]
    Manage(client_admin::ManageCmd),
}

#[derive(Subcommand)]
enum UserCmd {
    /// Create a user.
    Create {
        #[arg(long)]
        username: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        password: Option<String>,
        #[arg(long = "group")]
        groups: Vec<String>,
        #[arg(long = "first-name", default_value = "")]
        first_name: String,
        #[arg(long = "last-name", default_value = "")]
        last_name: String,
    },
    /// Switch policy-driven 2FA on or off for a user.
    TwoFactor {
        username: String,
        #[arg(value_parser = ["on", "off"])]
        state: String,
    },
    /// Import users from CSV (header-driven columns); progress on stderr, JSON summary on stdout.
    Import {
        #[arg(long)]
        csv: PathBuf,
        #[arg(long = "batch-size", default_value_t = 100)]
        batch_size: u64,
        /// Create the users without mailing them.
        #[arg(long = "no-mail")]
        no_mail: bool,
        /// Let rows put users into the admin group (`admin.group`); audited.
        #[arg(long = "allow-admin-group")]
        allow_admin_group: bool,
    },
    /// Provision an existing TOTP secret (SHA-1, 6 digits, 30 s), e.g. when migrating.
    TotpSet {
        username: String,
        #[arg(long)]
        secret: String,
    },
    #[command(flatten)]
    Manage(user_admin::UserManageCmd),
}

#[derive(Subcommand)]
enum KeysCmd {
    /// Add a signing key that signs from now on (both algorithms when --alg is omitted).
    Rotate {
        #[arg(long)]
        alg: Option<String>,
    },
    /// List signing keys: kid, alg, created, active (signs), published (in the JWKS).
    List,
    /// Delete a superseded key; the active key of an algorithm cannot be retired.
    Retire {
        #[arg(long)]
        kid: String,
    },
}

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
    app.run_until_signalled().await.context("server")
}

async fn open_db(settings: &Settings) -> anyhow::Result<sea_orm::DatabaseConnection> {
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
        } => {
            let password_hash = match pw {
                Some(p) => {
                    password::validate_new(&p)?;
                    Some(tokio::task::spawn_blocking(move || password::hash(&p)).await??)
                }
                None => None,
            };
            let u = users::create(
                &conn,
                users::NewUser {
                    username,
                    email,
                    first_name,
                    last_name,
                    display_name: String::new(),
                    password_hash,
                    groups: groups.clone(),
                },
            )
            .await?;
            let mut out = serde_json::to_value(&u)?;
            if let Some(obj) = out.as_object_mut() {
                obj.insert(
                    "groups".into(),
                    json!(users::groups_of(&conn, &u.id).await?),
                );
            }
            println!("{out}");
        }
        UserCmd::TwoFactor { username, state } => {
            let user = users::find_by_username(&conn, &username)
                .await?
                .with_context(|| format!("unknown user {username:?}"))?;
            let on = state == "on";
            users::set_two_factor(&conn, &user.id, on).await?;
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
