//! The command line's grammar: every subcommand and its options (clap).

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use super::{admin, client_admin, policy, user_admin};

#[derive(Parser)]
#[command(
    name = "portcullis",
    version,
    about = "OpenID Connect provider with acr-driven step-up"
)]
pub(super) struct Cli {
    /// Configuration file (TOML); else $PORTCULLIS_CONFIG, else ./portcullis.toml when present.
    #[arg(long, global = true)]
    pub(super) config: Option<PathBuf>,
    #[command(subcommand)]
    pub(super) command: Option<Command>,
}

#[derive(Subcommand)]
pub(super) enum Command {
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
    /// SAML 2.0 identity provider: signing certificate, service providers.
    #[command(subcommand)]
    Saml(super::saml::SamlCmd),
    /// Upstream identity providers.
    #[command(subcommand)]
    Upstream(super::upstream::UpstreamCmd),
}

#[derive(Subcommand)]
pub(super) enum AuditCmd {
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
pub(super) enum ClientCmd {
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
        /// The client's logo (an http(s) URL), shown on its own login page.
        #[arg(long = "logo-uri")]
        logo_uri: Option<String>,
        /// A grant type (repeatable): authorization_code, refresh_token,
        /// client_credentials; default authorization_code and refresh_token.
        #[arg(long = "grant")]
        grants: Vec<String>,
        #[command(flatten)]
        options: Box<super::client_options::OptionArgs>,
    },
    /// List relying parties.
    List,
    #[command(flatten)]
    Manage(client_admin::ManageCmd),
}

#[derive(Subcommand)]
pub(super) enum UserCmd {
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
        /// The language of the user's mails: en, de or fr.
        #[arg(long, value_parser = crate::i18n::Lang::parse_exact)]
        locale: Option<crate::i18n::Lang>,
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
pub(super) enum KeysCmd {
    /// Add a signing key that signs from now on (both algorithms when --alg is omitted).
    Rotate {
        #[arg(long)]
        alg: Option<String>,
    },
    /// List signing keys: kid, alg, created, active (signs), published (in the JWKS).
    List,
    /// Delete a superseded key; the active key of an algorithm cannot be retired.
    Retire {
        /// A kid is base64url and may begin with `-`.
        #[arg(long, allow_hyphen_values = true)]
        kid: String,
    },
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::{Cli, Command, KeysCmd};

    #[test]
    fn a_kid_that_begins_with_a_hyphen_is_a_value() {
        let cli =
            Cli::try_parse_from(["portcullis", "keys", "retire", "--kid", "-pT8h14m"]).unwrap();
        match cli.command {
            Some(Command::Keys(KeysCmd::Retire { kid })) => assert_eq!(kid, "-pT8h14m"),
            _ => panic!("not keys retire"),
        }
    }
}
