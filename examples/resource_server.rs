//! A protected resource that demands step-up authentication (RFC 9470).
//!
//! It serves `GET /protected` and checks each bearer token by introspection at
//! Portcullis (RFC 7662), with its own client credentials. A token whose `acr` is
//! below what the resource needs, or whose `auth_time` is older than `--max-age`,
//! gets:
//!
//! ```text
//! HTTP/1.1 401 Unauthorized
//! WWW-Authenticate: Bearer error="insufficient_user_authentication",
//!   error_description="A different authentication level is required", acr_values="mfa"
//! ```
//!
//! (with `max_age="N"` when the login is too old). `examples/relying_party.rs` with
//! `--resource http://127.0.0.1:8770/protected` reacts by signing in again with
//! those values and retrying.
//!
//! # Usage
//!
//! ```text
//! portcullis client create --name resource --redirect-uri http://127.0.0.1:8770/unused
//! cargo run --example resource_server -- --issuer http://localhost:8080 \
//!     --client-id ID --client-secret S [--port 8770] [--acr mfa]... [--max-age N]
//! ```
//!
//! `--acr` defaults to `mfa`; repeat it to accept several values. A built-in level
//! is also met by a stronger one (`phr` passes where `mfa` is needed).

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use portcullis::oidc::step_up_challenge::Requirement;
use portcullis::resource_server::{self, Introspection, Introspector, ResourceServer};

#[derive(Debug, Parser)]
#[command(
    name = "resource_server",
    about = "A protected resource that asks for step-up authentication (RFC 9470)"
)]
struct Args {
    /// Issuer URL of the provider (the introspection endpoint comes from discovery)
    #[arg(long, env = "PORTCULLIS_RS_ISSUER")]
    issuer: String,
    /// This resource server's own client ID (a confidential client)
    #[arg(long, env = "PORTCULLIS_RS_CLIENT_ID")]
    client_id: String,
    #[arg(long, env = "PORTCULLIS_RS_CLIENT_SECRET", hide_env_values = true)]
    client_secret: String,
    #[arg(long, env = "PORTCULLIS_RS_PORT", default_value_t = 8770)]
    port: u16,
    /// Acceptable acr values; repeat for several
    #[arg(long = "acr", value_name = "VALUE", default_value = "mfa")]
    acr: Vec<String>,
    /// Most seconds since the user's last active authentication
    #[arg(long, value_name = "N")]
    max_age: Option<i64>,
}

/// Introspection over HTTP with client_secret_basic.
struct HttpIntrospector {
    http: reqwest::Client,
    endpoint: String,
    client_id: String,
    client_secret: String,
}

#[async_trait::async_trait]
impl Introspector for HttpIntrospector {
    async fn introspect(&self, token: &str) -> Result<Introspection, String> {
        let response = self
            .http
            .post(&self.endpoint)
            .basic_auth(&self.client_id, Some(&self.client_secret))
            .form(&[("token", token), ("token_type_hint", "access_token")])
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !response.status().is_success() {
            return Err(format!("introspection answered {}", response.status()));
        }
        response.json().await.map_err(|e| e.to_string())
    }
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt().with_env_filter("info").init();
    let args = Args::parse();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()?;
    let discovery: serde_json::Value = http
        .get(format!(
            "{}/.well-known/openid-configuration",
            args.issuer.trim_end_matches('/')
        ))
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .context("discovery")?
        .json()
        .await
        .context("discovery")?;
    let endpoint = discovery["introspection_endpoint"]
        .as_str()
        .context("the provider advertises no introspection_endpoint")?
        .to_owned();
    let listener = TcpListener::bind(("127.0.0.1", args.port))
        .with_context(|| format!("cannot listen on 127.0.0.1:{}", args.port))?;
    println!(
        "Protected resource at http://127.0.0.1:{}{} (needs acr {}{})",
        args.port,
        resource_server::PATH,
        args.acr.join(" or "),
        args.max_age
            .map(|m| format!(", authenticated within {m} s"))
            .unwrap_or_default()
    );
    let rs = ResourceServer {
        requirement: Requirement {
            acr_values: args.acr,
            max_age: args.max_age,
        },
        introspector: Arc::new(HttpIntrospector {
            http,
            endpoint,
            client_id: args.client_id,
            client_secret: args.client_secret,
        }),
    };
    resource_server::serve(listener, rs)?.await?;
    Ok(())
}
