//! A login waiting for the user, as any front door hands it over: the level it
//! must meet and why, where it was started from, and where the finished login
//! returns ([`Return`]). Stored in the ephemeral store, bound to the browser that
//! started it (see [`crate::oidc::session::Sessions::put_pending`]).

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::oidc::authorize::{AcrRequest, AuthRequest, ReturnTo};
use crate::oidc::claims::ClaimsRequest;

/// Where a finished login goes. Each front door adds its own variant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Return {
    /// An OpenID Connect authorization request: a code redirect.
    Oidc(OidcReturn),
    /// A SAML AuthnRequest: a Response posted to the service provider's ACS URL.
    Saml(SamlReturn),
}

/// What a SAML Response answers and where it goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SamlReturn {
    /// The registered ACS URL the Response is posted to.
    pub acs_url: String,
    /// The AuthnRequest's ID (InResponseTo).
    pub request_id: String,
    pub relay_state: Option<String>,
    /// The class refs as the SP named them, by the acr string each stands for,
    /// so that the answer names what was requested.
    #[serde(default)]
    pub class_refs: Vec<(String, String)>,
}

/// What an OpenID Connect code carries back to its relying party.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OidcReturn {
    pub return_to: ReturnTo,
    pub scopes: Vec<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    /// Claims asked for one by one (OIDC Core §5.5).
    #[serde(default)]
    pub claims: ClaimsRequest,
    /// `prompt=consent`: a self-registered client's consent counts only when
    /// given at or after this time (Unix ms); 0 takes any.
    #[serde(default)]
    pub consent_after_ms: i64,
}

impl OidcReturn {
    /// What the user allows a self-registered client: the scopes asked for,
    /// and the scope behind each claim asked for one by one (`claims`), which
    /// would release that claim as surely as its scope does.
    pub fn consent_scopes(&self) -> Vec<String> {
        let mut out = self.scopes.clone();
        let one_by_one = self.claims.id_token.iter().chain(&self.claims.userinfo);
        for scope in one_by_one.filter_map(|c| crate::oidc::claims::scope_of(c)) {
            if !out.iter().any(|s| s == scope) {
                out.push(scope.to_owned());
            }
        }
        out
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingLogin {
    /// The relying party (an OpenID Connect client ID, or a SAML service
    /// provider's entity ID for [`Return::Saml`]): its minimum level and the
    /// policy rules naming it apply.
    pub client_id: String,
    /// The level the relying party asked for (request, or its default).
    pub acr: AcrRequest,
    /// Proofs older than this never count for this login (max_age, prompt=login).
    pub not_before_ms: i64,
    /// The address of the request that started the login: the policy is decided
    /// for it too.
    pub started_from: Option<IpAddr>,
    /// Prefills the login form.
    pub login_hint: Option<String>,
    /// The languages the relying party asked the pages to speak (`ui_locales`).
    #[serde(default)]
    pub ui_locales: Option<String>,
    /// The user the relying party expects (`id_token_hint`, or a `sub` value in
    /// `claims`): a session of anyone else does not answer for this login.
    #[serde(default)]
    pub expected_user: Option<String>,
    /// The upstream identity provider the relying party sends the user to
    /// (`idp_hint`).
    #[serde(default)]
    pub idp_hint: Option<String>,
    pub ret: Return,
}

impl PendingLogin {
    /// The login an OpenID Connect authorization request asks for.
    pub fn from_oidc(req: &AuthRequest) -> Self {
        Self {
            client_id: req.client_id.clone(),
            acr: req.acr.clone(),
            not_before_ms: req.not_before_ms,
            started_from: req.client_ip,
            login_hint: req.login_hint.clone(),
            ui_locales: req.ui_locales.clone(),
            expected_user: req.expected_user.clone(),
            idp_hint: req.idp_hint.clone(),
            ret: Return::Oidc(OidcReturn {
                return_to: req.return_to.clone(),
                scopes: req.scopes.clone(),
                nonce: req.nonce.clone(),
                code_challenge: req.code_challenge.clone(),
                claims: req.claims.clone(),
                consent_after_ms: if req.prompt.consent {
                    crate::oidc::now_ms()
                } else {
                    0
                },
            }),
        }
    }

    /// The URL a finished or failed login leaves for (the page's form target).
    pub fn destination(&self) -> &str {
        match &self.ret {
            Return::Oidc(o) => &o.return_to.redirect_uri,
            Return::Saml(s) => &s.acs_url,
        }
    }
}
