//! Upstream OpenID Connect identity providers (`[[upstream]]`): employees sign
//! in at their company's IdP, and what it proved counts here as far as its
//! `trust` allows; what is missing is stepped up with our own factors.
//!
//! The upstream leg is a code flow with PKCE S256, state and nonce on the
//! `openidconnect` crate; each upstream has its own redirect URI
//! (`{issuer}/upstream/{id}/callback`), and its state is bound to the browser
//! and the pending login, single use. Discovery is cached and read again when
//! an ID token's key is unknown or the cache is older than [`DISCOVERY_TTL`].

pub mod accounts;
pub mod error;
pub mod explain;
pub mod flow;
pub mod level;
mod token;
mod userinfo;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use openidconnect::core::{
    CoreAuthDisplay, CoreClaimName, CoreClaimType, CoreClientAuthMethod, CoreGrantType,
    CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJweKeyManagementAlgorithm,
    CoreResponseMode, CoreResponseType, CoreSubjectIdentifierType,
};
use openidconnect::{
    AdditionalProviderMetadata, HttpRequest, HttpResponse, IssuerUrl, ProviderMetadata,
};
use serde::{Deserialize, Serialize};
use tokio::sync::RwLock;

pub use error::UpstreamError;

use crate::config::UpstreamSettings;

/// RFC 9207's entry of the discovery document, which the crate's own
/// metadata leaves out: whether the upstream names itself (`iss`) in every
/// authorization response.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct IssInResponse {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    authorization_response_iss_parameter_supported: Option<bool>,
}

impl AdditionalProviderMetadata for IssInResponse {}

impl IssInResponse {
    pub fn promised(&self) -> bool {
        self.authorization_response_iss_parameter_supported == Some(true)
    }
}

/// An upstream's discovery document.
pub type Metadata = ProviderMetadata<
    IssInResponse,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

/// How long discovery (and the upstream's keys) are reused.
pub const DISCOVERY_TTL: Duration = Duration::from_secs(10 * 60);
/// Opening a connection to an upstream never takes longer than this, whatever
/// its `timeout`.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The HTTP client and discovery cache shared by every upstream sign-in.
#[derive(Clone)]
pub struct Upstreams {
    http: reqwest::Client,
    cache: Arc<RwLock<HashMap<String, (Metadata, Instant)>>>,
    /// When each upstream's discovery last failed.
    failed: Arc<RwLock<HashMap<String, Instant>>>,
    /// One discovery at a time per upstream: callers that arrive while one
    /// runs take its result instead of fetching again.
    fetching: Arc<std::sync::Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
}

/// How long a failed discovery stands before the upstream is tried again:
/// anyone may start sign-ins at an upstream, and while it is down each would
/// otherwise hold a request and two outbound fetches for up to twice its
/// `timeout`.
pub const RETRY_DOWN_AFTER: Duration = Duration::from_secs(10);

/// The most any upstream answer (discovery, keys, token, userinfo) may hold.
/// Real documents are a few kilobytes; a hostile upstream could otherwise
/// stream a body as large as its timeout allows into our memory.
pub const MAX_ANSWER_BYTES: usize = 1024 * 1024;

/// Why one request to an upstream brought no usable answer.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error(transparent)]
    Http(#[from] reqwest::Error),
    #[error("the answer is larger than {MAX_ANSWER_BYTES} bytes")]
    TooLarge,
}

/// Sends one request for openidconnect: `AsyncHttpClient` is implemented for
/// every `Fn(HttpRequest) -> Future<Output = Result<HttpResponse, E>>`. The
/// whole exchange, body included, ends within `timeout`: a provider that is
/// down gives a 503 page, not a hang. The body is read in chunks and refused
/// as soon as it passes [`MAX_ANSWER_BYTES`], whatever length it declares.
async fn send(
    http: reqwest::Client,
    timeout: Duration,
    upstream: String,
    request: HttpRequest,
) -> Result<HttpResponse, SendError> {
    let mut request: reqwest::Request = request.try_into()?;
    *request.timeout_mut() = Some(timeout);
    let mut response = http.execute(request).await?;
    if response
        .content_length()
        .is_some_and(|n| n > MAX_ANSWER_BYTES as u64)
    {
        tracing::warn!(%upstream, limit = MAX_ANSWER_BYTES, "upstream answer declares too large a body");
        return Err(SendError::TooLarge);
    }
    let status = response.status();
    let headers = response.headers().clone();
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > MAX_ANSWER_BYTES {
            tracing::warn!(%upstream, limit = MAX_ANSWER_BYTES, "upstream answer too large");
            return Err(SendError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    let mut out = HttpResponse::new(body);
    *out.status_mut() = status;
    *out.headers_mut() = headers;
    Ok(out)
}

impl Upstreams {
    pub fn new() -> Result<Self, reqwest::Error> {
        // Following redirects would let an upstream's answer point us anywhere.
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(CONNECT_TIMEOUT)
            .build()?;
        Ok(Self {
            http,
            cache: Arc::new(RwLock::new(HashMap::new())),
            failed: Arc::new(RwLock::new(HashMap::new())),
            fetching: Arc::new(std::sync::Mutex::new(HashMap::new())),
        })
    }

    /// An `openidconnect` HTTP client for `up`: each request ends within its
    /// `timeout`.
    pub fn client(
        &self,
        up: &UpstreamSettings,
    ) -> impl Fn(
        HttpRequest,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<HttpResponse, SendError>> + Send>,
    > + '_ {
        let timeout = up.timeout;
        let id = up.id.clone();
        move |request| Box::pin(send(self.http.clone(), timeout, id.clone(), request))
    }

    /// What is known of the upstream without asking it: its cached document,
    /// or that it failed less than [`RETRY_DOWN_AFTER`] ago.
    async fn known(&self, up: &UpstreamSettings) -> Option<Result<Metadata, UpstreamError>> {
        if let Some((m, at)) = self.cache.read().await.get(&up.id)
            && at.elapsed() < DISCOVERY_TTL
        {
            return Some(Ok(m.clone()));
        }
        match self.failed.read().await.get(&up.id) {
            Some(at) if at.elapsed() < RETRY_DOWN_AFTER => {
                Some(Err(UpstreamError::Unreachable(up.name.clone())))
            }
            _ => None,
        }
    }

    /// The upstream's discovery document and keys: cached, read again when
    /// older than [`DISCOVERY_TTL`] or when `refresh` (an unknown key). A
    /// failure is remembered for [`RETRY_DOWN_AFTER`], and callers arriving
    /// while a discovery runs wait for its result.
    pub async fn metadata(
        &self,
        up: &UpstreamSettings,
        refresh: bool,
    ) -> Result<Metadata, UpstreamError> {
        if !refresh && let Some(known) = self.known(up).await {
            return known;
        }
        // Only configured upstreams get here, so these locks are as few as
        // the `[[upstream]]` tables.
        let one = match self.fetching.lock() {
            Ok(mut all) => all.entry(up.id.clone()).or_default().clone(),
            Err(_) => return Err(UpstreamError::Unreachable(up.name.clone())),
        };
        let _running = one.lock().await;
        if !refresh && let Some(known) = self.known(up).await {
            return known;
        }
        let issuer = IssuerUrl::new(up.issuer.clone())
            .map_err(|_| UpstreamError::Unreachable(up.name.clone()))?;
        let http = self.client(up);
        // OIDC Discovery §4.3: the document must name the issuer it was read
        // from; the crate checks that. Two requests: the document and the keys.
        let found =
            tokio::time::timeout(up.timeout * 2, Metadata::discover_async(issuer, &http)).await;
        match found {
            Ok(Ok(m)) => {
                self.cache
                    .write()
                    .await
                    .insert(up.id.clone(), (m.clone(), Instant::now()));
                self.failed.write().await.remove(&up.id);
                return Ok(m);
            }
            Ok(Err(e)) => {
                tracing::warn!(upstream = %up.id, error = %e, "upstream discovery failed");
            }
            Err(_) => {
                tracing::warn!(upstream = %up.id, "upstream discovery timed out");
            }
        }
        self.cache.write().await.remove(&up.id);
        self.failed
            .write()
            .await
            .insert(up.id.clone(), Instant::now());
        Err(UpstreamError::Unreachable(up.name.clone()))
    }
}
