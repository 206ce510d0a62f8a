//! A small OpenID Connect relying party for Portcullis.
//!
//! This is how a single-sign-on application (for example a Jira or Confluence SSO
//! plugin) talks to Portcullis: discovery, the authorization code flow with PKCE
//! (S256), nonce and state, the `iss` check of RFC 9207, ID token verification
//! (RS256 or ES256, `nonce`, `at_hash`), and the userinfo endpoint.
//!
//! # Usage
//!
//! ```text
//! cargo run --example relying_party -- --issuer http://localhost:8080 --client-id ID \
//!     [--client-secret S] [--port 8765] [--acr VALUE]... [--scope "openid profile email"] \
//!     [--prompt P] [--max-age N] [--resource URL]
//! ```
//!
//! Every option can also come from the environment: `PORTCULLIS_RP_ISSUER`,
//! `PORTCULLIS_RP_CLIENT_ID`, `PORTCULLIS_RP_CLIENT_SECRET`, `PORTCULLIS_RP_PORT`,
//! `PORTCULLIS_RP_ACR` (space-separated), `PORTCULLIS_RP_SCOPE`, `PORTCULLIS_RP_PROMPT`,
//! `PORTCULLIS_RP_MAX_AGE`, `PORTCULLIS_RP_RESOURCE`.
//!
//! First register the example with the provider. The redirect URI must be exactly
//! `http://127.0.0.1:{port}/callback`:
//!
//! ```text
//! portcullis client create --name demo --redirect-uri http://127.0.0.1:8765/callback
//! ```
//!
//! That prints `client_id` and `client_secret`. Pass both (a confidential client), or
//! register with `--public` and pass only `--client-id` (a public client; PKCE is
//! always used). The example prints an authorization URL. Open it in a browser and
//! sign in. The provider then redirects the browser to
//! `http://127.0.0.1:{port}/callback`, where the example is listening. It checks
//! `state` and `iss`, exchanges the code, verifies the ID token and prints the
//! verified claims as JSON, then the userinfo response.
//!
//! # The Jira scenario
//!
//! A Jira SSO plugin asks for two-factor authentication with its own acr string,
//! `urn:example:jira:2fa`. The provider maps it to its built-in `mfa` level with an
//! alias in its configuration:
//!
//! ```toml
//! [acr.aliases]
//! "urn:example:jira:2fa" = "mfa"
//! ```
//!
//! Act as that plugin with:
//!
//! ```text
//! cargo run --example relying_party -- --issuer http://localhost:8080 \
//!     --client-id ID --client-secret S --acr urn:example:jira:2fa
//! ```
//!
//! The login then needs a password and a second factor (TOTP or WebAuthn). The ID
//! token's `acr` echoes `urn:example:jira:2fa`. If the provider met a level other than
//! the ones requested, the example prints a warning. Repeat `--acr` to send several
//! values, preferred first. Add `--prompt login` to force a fresh login, or
//! `--max-age 0` to demand a recent one.
//!
//! # Step-up at a resource server (RFC 9470)
//!
//! With `--resource URL` the example calls that URL with its access token after
//! signing in. A resource that needs more (see `examples/resource_server.rs`) answers
//! 401 with `WWW-Authenticate: Bearer error="insufficient_user_authentication",
//! acr_values="mfa"` (and `max_age` when the login is too old); the example then
//! prints a new authorization URL with those `acr_values` and `max_age`, and after
//! that sign-in retries the call once.
//!
//! The example speaks plain HTTP only: the reqwest build in this workspace has no TLS
//! backend.
//!
//! Exit status: 0 on success, 1 on any error, with a one-line message on stderr.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use clap::Parser;
use openidconnect::core::{
    CoreAuthPrompt, CoreAuthenticationFlow, CoreClient, CoreIdTokenClaims, CoreJwsSigningAlgorithm,
    CoreProviderMetadata, CoreUserInfoClaims,
};
use openidconnect::url::{Url, form_urlencoded};
use openidconnect::{
    AccessTokenHash, AuthenticationContextClass, AuthorizationCode, ClientId, ClientSecret,
    CsrfToken, HttpRequest, HttpResponse, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge,
    RedirectUrl, RequestTokenError, Scope, TokenResponse,
};
use portcullis::oidc::step_up_challenge::Challenge;
use serde::Serialize;
use tokio::net::{TcpListener, TcpStream};

/// Command-line options; each can also be set through a `PORTCULLIS_RP_*` variable.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "relying_party",
    about = "Sign in at a Portcullis provider with the authorization code flow and print the verified claims"
)]
struct Args {
    /// Issuer URL of the provider (discovery is read from {issuer}/.well-known/openid-configuration)
    #[arg(long, env = "PORTCULLIS_RP_ISSUER")]
    issuer: String,

    /// Client ID, as printed by `portcullis client create`
    #[arg(long, env = "PORTCULLIS_RP_CLIENT_ID")]
    client_id: String,

    /// Client secret of a confidential client; leave out for a public client
    #[arg(long, env = "PORTCULLIS_RP_CLIENT_SECRET", hide_env_values = true)]
    client_secret: Option<String>,

    /// Local port for the redirect URI http://127.0.0.1:{port}/callback
    #[arg(long, env = "PORTCULLIS_RP_PORT", default_value_t = 8765)]
    port: u16,

    /// Requested acr value, e.g. pwd, mfa, phr or an alias; repeat for several, preferred first
    #[arg(
        long = "acr",
        value_name = "VALUE",
        env = "PORTCULLIS_RP_ACR",
        value_delimiter = ' '
    )]
    acr: Vec<String>,

    /// Space-separated scopes (`openid` is always sent)
    #[arg(
        long,
        env = "PORTCULLIS_RP_SCOPE",
        default_value = "openid profile email"
    )]
    scope: String,

    /// prompt parameter: none, login, consent or select_account (space-separated for several)
    #[arg(long, env = "PORTCULLIS_RP_PROMPT")]
    prompt: Option<String>,

    /// max_age parameter in seconds
    #[arg(long, env = "PORTCULLIS_RP_MAX_AGE", value_name = "N")]
    max_age: Option<u64>,

    /// A protected resource to call with the access token; when it answers with an
    /// RFC 9470 step-up challenge, sign in again as it asks and retry once
    #[arg(long, env = "PORTCULLIS_RP_RESOURCE", value_name = "URL")]
    resource: Option<String>,
}

/// What the example prints after verifying the ID token, in this order.
#[derive(Debug, Serialize)]
struct VerifiedClaims<'a> {
    sub: &'a str,
    acr: Option<&'a str>,
    amr: Option<Vec<&'a str>>,
    auth_time: Option<i64>,
    email: Option<&'a str>,
    preferred_username: Option<&'a str>,
    acr_requested: &'a [String],
}

/// The query parameters of the authorization response at /callback.
#[derive(Debug, Default)]
struct CallbackParams {
    code: Option<String>,
    state: Option<String>,
    iss: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(args, false).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let message = format!("{err:#}");
            eprintln!(
                "error: {}",
                message.split_whitespace().collect::<Vec<_>>().join(" ")
            );
            ExitCode::FAILURE
        }
    }
}

/// Sends one request for openidconnect with reqwest 0.13.
///
/// openidconnect implements `AsyncHttpClient` for every
/// `Fn(HttpRequest) -> impl Future<Output = Result<HttpResponse, E>>`, so a closure over
/// this function is the whole adapter.
async fn send(http: reqwest::Client, request: HttpRequest) -> Result<HttpResponse, reqwest::Error> {
    let response = http.execute(request.try_into()?).await?;
    let status = response.status();
    let version = response.version();
    let headers = response.headers().clone();
    let body = response.bytes().await?.to_vec();
    let mut out = HttpResponse::new(body);
    *out.status_mut() = status;
    *out.version_mut() = version;
    *out.headers_mut() = headers;
    Ok(out)
}

async fn run(args: Args, stepped_up: bool) -> anyhow::Result<()> {
    // Following redirects would expose the client to SSRF: openidconnect requires none.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .context("building the HTTP client")?;
    let resource_http = http.clone();
    let http_client = move |request: HttpRequest| send(http.clone(), request);

    // 1. Discovery.
    let issuer = IssuerUrl::new(args.issuer.clone()).context("invalid --issuer")?;
    let metadata = CoreProviderMetadata::discover_async(issuer.clone(), &http_client)
        .await
        .with_context(|| format!("discovery at {} failed", issuer.as_str()))?;

    // 2. The client: confidential with a secret, public without.
    let redirect_uri = format!("http://127.0.0.1:{}/callback", args.port);
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(args.client_id.clone()),
        args.client_secret.clone().map(ClientSecret::new),
    )
    .set_redirect_uri(RedirectUrl::new(redirect_uri.clone()).context("invalid redirect URI")?);

    // 3. The authorization URL: PKCE S256, nonce, state, acr_values, prompt, max_age.
    let (pkce_challenge, pkce_verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .set_pkce_challenge(pkce_challenge);
    for scope in args.scope.split_whitespace().filter(|s| *s != "openid") {
        request = request.add_scope(Scope::new(scope.to_string()));
    }
    for acr in &args.acr {
        request = request.add_auth_context_value(AuthenticationContextClass::new(acr.clone()));
    }
    if let Some(prompt) = &args.prompt {
        for value in prompt.split_whitespace() {
            request = request.add_prompt(parse_prompt(value));
        }
    }
    if let Some(max_age) = args.max_age {
        request = request.set_max_age(Duration::from_secs(max_age));
    }
    let (auth_url, state, nonce) = request.url();

    // Listen before printing the URL, so that the redirect cannot arrive too early.
    let listener = TcpListener::bind(("127.0.0.1", args.port))
        .await
        .with_context(|| format!("cannot listen on 127.0.0.1:{}", args.port))?;
    println!("Open this URL in a browser: {auth_url}");
    println!("Waiting for the redirect to {redirect_uri} ...");

    // 4. Exactly one GET /callback.
    let (mut stream, params) = wait_for_callback(&listener).await?;
    drop(listener);

    if let Err(err) = check_callback(&params, &state, &issuer) {
        let _ = respond(
            &mut stream,
            "400 Bad Request",
            &format!("Sign-in failed: {err:#}"),
        )
        .await;
        return Err(err);
    }
    let code = params.code.clone().unwrap_or_default();

    // 5. Code exchange and ID token verification.
    let verified = exchange_and_verify(&client, &http_client, code, pkce_verifier, &nonce).await;
    let (access_token, claims) = match verified {
        Ok(ok) => {
            let acr = ok.1.auth_context_ref().map(|a| a.as_str()).unwrap_or("-");
            let page = format!(
                "Signed in as {} (acr {acr}). You can close this window.",
                ok.1.subject().as_str()
            );
            let _ = respond(&mut stream, "200 OK", &page).await;
            ok
        }
        Err(err) => {
            let _ = respond(
                &mut stream,
                "500 Internal Server Error",
                &format!("Sign-in failed: {err:#}"),
            )
            .await;
            return Err(err);
        }
    };
    drop(stream);

    let output = VerifiedClaims {
        sub: claims.subject().as_str(),
        acr: claims.auth_context_ref().map(|a| a.as_str()),
        amr: claims
            .auth_method_refs()
            .map(|amr| amr.iter().map(|m| m.as_str()).collect()),
        auth_time: claims.auth_time().map(|t| t.timestamp()),
        email: claims.email().map(|e| e.as_str()),
        preferred_username: claims.preferred_username().map(|u| u.as_str()),
        acr_requested: &args.acr,
    };
    println!("Verified ID token claims:");
    println!("{}", serde_json::to_string_pretty(&output)?);

    if !args.acr.is_empty() {
        let met = claims.auth_context_ref().map(|a| a.as_str());
        if !met.is_some_and(|met| args.acr.iter().any(|requested| requested == met)) {
            eprintln!(
                "warning: requested acr {} but the provider met a different level: {}",
                args.acr.join(" "),
                met.unwrap_or("(no acr claim)")
            );
        }
    }

    // 6. Userinfo.
    let userinfo: CoreUserInfoClaims = client
        .user_info(access_token.clone(), Some(claims.subject().clone()))
        .context("the provider has no userinfo endpoint")?
        .request_async(&http_client)
        .await
        .context("userinfo request failed")?;
    println!("Userinfo:");
    println!("{}", serde_json::to_string_pretty(&userinfo)?);

    // 7. The protected resource, with a step-up when it asks for one (RFC 9470 §4).
    if let Some(resource) = &args.resource {
        let response = resource_http
            .get(resource)
            .bearer_auth(access_token.secret())
            .send()
            .await
            .with_context(|| format!("calling {resource}"))?;
        let challenge = response
            .headers()
            .get("WWW-Authenticate")
            .and_then(|h| h.to_str().ok())
            .and_then(Challenge::parse);
        match (response.status().as_u16(), challenge) {
            (200, _) => println!("Resource:\n{}", response.text().await?),
            (401, Some(challenge)) if !stepped_up => {
                println!(
                    "The resource asks for a step-up (acr_values {:?}, max_age {:?}); signing in again.",
                    challenge.acr_values, challenge.max_age
                );
                let mut again = args.clone();
                again.acr = challenge.acr_values;
                again.max_age = challenge.max_age.and_then(|m| u64::try_from(m).ok());
                return Box::pin(run(again, true)).await;
            }
            (status, _) => bail!("the resource answered {status}: {}", response.text().await?),
        }
    }
    Ok(())
}

/// Checks an authorization response: `iss` (RFC 9207), `state`, then `error` and `code`.
fn check_callback(
    params: &CallbackParams,
    state: &CsrfToken,
    issuer: &IssuerUrl,
) -> anyhow::Result<()> {
    if let Some(iss) = &params.iss
        && iss != issuer.as_str()
    {
        bail!(
            "authorization response from issuer {iss:?}, expected {:?} (RFC 9207 mix-up protection)",
            issuer.as_str()
        );
    }
    match &params.state {
        Some(got) if got == state.secret() => {}
        Some(_) => bail!("state mismatch in the authorization response"),
        None => bail!("the authorization response carries no state"),
    }
    if let Some(error) = &params.error {
        match &params.error_description {
            Some(description) => bail!("authorization failed: {error}: {description}"),
            None => bail!("authorization failed: {error}"),
        }
    }
    if params.code.as_deref().unwrap_or("").is_empty() {
        bail!("the authorization response carries neither code nor error");
    }
    Ok(())
}

/// Redeems the code with the PKCE verifier and verifies the ID token: signature (RS256 or
/// ES256), issuer, audience, expiry, nonce and, when present, `at_hash`.
async fn exchange_and_verify<C>(
    client: &CoreClient<
        openidconnect::EndpointSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointMaybeSet,
        openidconnect::EndpointMaybeSet,
    >,
    http_client: &C,
    code: String,
    pkce_verifier: openidconnect::PkceCodeVerifier,
    nonce: &Nonce,
) -> anyhow::Result<(openidconnect::AccessToken, CoreIdTokenClaims)>
where
    C: for<'c> openidconnect::AsyncHttpClient<'c, Error = reqwest::Error>,
{
    let token_response = client
        .exchange_code(AuthorizationCode::new(code))
        .context("the provider has no token endpoint")?
        .set_pkce_verifier(pkce_verifier)
        .request_async(http_client)
        .await
        .map_err(|err| match err {
            RequestTokenError::ServerResponse(response) => {
                let mut message = format!("token endpoint refused the code: {}", response.error());
                if let Some(description) = response.error_description() {
                    message.push_str(": ");
                    message.push_str(description);
                }
                anyhow!(message)
            }
            RequestTokenError::Parse(err, body) => anyhow!(
                "token endpoint answered with an unreadable response ({err}): {}",
                String::from_utf8_lossy(&body)
            ),
            other => anyhow::Error::new(other).context("token request failed"),
        })?;

    let id_token = token_response
        .id_token()
        .ok_or_else(|| anyhow!("the token response carries no id_token"))?;
    let verifier = client.id_token_verifier().set_allowed_algs(vec![
        CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
        CoreJwsSigningAlgorithm::EcdsaP256Sha256,
    ]);
    let claims = id_token
        .claims(&verifier, nonce)
        .context("ID token verification failed")?
        .clone();

    if let Some(expected) = claims.access_token_hash() {
        let actual = AccessTokenHash::from_token(
            token_response.access_token(),
            id_token
                .signing_alg()
                .context("ID token signing algorithm")?,
            id_token
                .signing_key(&verifier)
                .context("ID token signing key")?,
        )
        .context("computing at_hash")?;
        if actual != *expected {
            bail!("at_hash in the ID token does not match the access token");
        }
    }
    Ok((token_response.access_token().clone(), claims))
}

fn parse_prompt(value: &str) -> CoreAuthPrompt {
    match value {
        "none" => CoreAuthPrompt::None,
        "login" => CoreAuthPrompt::Login,
        "consent" => CoreAuthPrompt::Consent,
        "select_account" => CoreAuthPrompt::SelectAccount,
        other => CoreAuthPrompt::Extension(other.to_string()),
    }
}

/// Accepts connections until a `GET /callback` arrives; anything else (a favicon
/// request, say) gets a 404. Returns the open connection so the caller can answer the
/// browser once it knows the outcome.
async fn wait_for_callback(listener: &TcpListener) -> anyhow::Result<(TcpStream, CallbackParams)> {
    loop {
        let (mut stream, _) = listener.accept().await.context("accepting a connection")?;
        let head = match read_head(&stream).await {
            Ok(head) => head,
            Err(_) => continue,
        };
        let request_line = head.lines().next().unwrap_or_default();
        let mut parts = request_line.split(' ');
        let (method, target) = (
            parts.next().unwrap_or_default(),
            parts.next().unwrap_or_default(),
        );
        let url = match Url::parse("http://127.0.0.1").and_then(|base| base.join(target)) {
            Ok(url) => url,
            Err(_) => {
                let _ = respond(&mut stream, "400 Bad Request", "Bad request").await;
                continue;
            }
        };
        if url.path() != "/callback" {
            let _ = respond(&mut stream, "404 Not Found", "Not found").await;
            continue;
        }
        if method != "GET" {
            let _ = respond(&mut stream, "405 Method Not Allowed", "Only GET /callback").await;
            continue;
        }
        let mut params = CallbackParams::default();
        for (key, value) in form_urlencoded::parse(url.query().unwrap_or_default().as_bytes()) {
            let slot = match key.as_ref() {
                "code" => &mut params.code,
                "state" => &mut params.state,
                "iss" => &mut params.iss,
                "error" => &mut params.error,
                "error_description" => &mut params.error_description,
                _ => continue,
            };
            *slot = Some(value.into_owned());
        }
        return Ok((stream, params));
    }
}

/// Reads an HTTP request head (up to the blank line), at most 16 KiB, within 10 seconds.
async fn read_head(stream: &TcpStream) -> anyhow::Result<String> {
    let read = async {
        let mut head = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            stream.readable().await?;
            match stream.try_read(&mut buf) {
                Ok(0) => bail!("connection closed before the request head ended"),
                Ok(n) => {
                    head.extend_from_slice(&buf[..n]);
                    if head.windows(4).any(|w| w == b"\r\n\r\n") {
                        return Ok(String::from_utf8_lossy(&head).into_owned());
                    }
                    if head.len() > 16 * 1024 {
                        bail!("request head too large");
                    }
                }
                Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(err) => return Err(err.into()),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .map_err(|_| anyhow!("timed out reading the request"))?
}

/// Writes a small HTML response and closes the connection.
async fn respond(stream: &mut TcpStream, status: &str, text: &str) -> anyhow::Result<()> {
    let escaped = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>relying_party</title></head>\
         <body><p>{escaped}</p></body></html>\n"
    );
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut bytes = response.as_bytes();
    while !bytes.is_empty() {
        stream.writable().await?;
        match stream.try_write(bytes) {
            Ok(n) => bytes = &bytes[n..],
            Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(err) => return Err(err.into()),
        }
    }
    Ok(())
}
