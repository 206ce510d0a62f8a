//! Server-rendered pages: plain HTML forms that work without JavaScript
//! (except WebAuthn). Each page is an askama template in `templates/`, which
//! escapes every value it prints; texts come from the Fluent bundles.

use askama::Template;

use super::ui::{Chrome, ErrorPage};

/// Inlined in every page; allowed by its hash (see `security_headers`), so it
/// must stay a fixed text. Pages use classes, never `style` attributes, and the
/// sheet names no element ids (pages are told apart by their ids).
pub(crate) const STYLE: &str = "
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:#f3f4f6;color:#111827}
main{max-width:26rem;margin:0 auto;background:#fff;border-radius:12px;box-shadow:0 1px 3px rgba(0,0,0,.1),0 8px 24px rgba(0,0,0,.06);padding:2rem}
.top{max-width:26rem;margin:6vh auto 1rem;padding:0 1rem;text-align:center}
.logo{max-height:3rem;max-width:100%}
.client-logo{display:block;max-height:2.5rem;max-width:60%;margin:0 auto 1rem}
.foot{max-width:26rem;margin:1rem auto 2rem;padding:0 1rem;text-align:center;font-size:.85rem;color:#4b5563}
.foot a{margin:0 .5rem;color:#374151}.foot span{display:block;margin-top:.4rem}
h1{font-size:1.35rem;margin:0 0 .25rem}
p.sub{color:#4b5563;margin:0 0 1.5rem}
a{color:var(--primary-text,#1d4ed8)}
label{display:block;font-weight:600;font-size:.9rem;margin:.9rem 0 .3rem}
input[type=text],input[type=password],input[type=email]{width:100%;padding:.6rem .75rem;border:1px solid #6b7280;border-radius:8px;font-size:1rem}
input:focus,button:focus,a:focus{outline:3px solid var(--primary-text,#1d4ed8);outline-offset:2px}
input[aria-invalid=true]{border-color:#991b1b}
button,.button{display:inline-block;width:100%;margin-top:1.25rem;padding:.7rem;border:0;border-radius:8px;background:var(--primary,#1d4ed8);color:var(--on-primary,#fff);font:inherit;font-size:1rem;font-weight:600;cursor:pointer;text-align:center;text-decoration:none}
.error{background:#fef2f2;color:#991b1b;border:1px solid #fecaca;border-radius:8px;padding:.6rem .8rem;margin-bottom:1rem}
.note{background:#eff6ff;color:#1e3a8a;border-radius:8px;padding:.6rem .8rem;margin-bottom:1rem}
.brand{font-weight:700;font-size:1.1rem;letter-spacing:.02em;color:var(--primary-text,#1d4ed8)}
code{background:#f3f4f6;padding:.1rem .3rem;border-radius:4px;overflow-wrap:anywhere}
.sub.mt{margin-top:1rem}.button.secondary{background:#374151;color:#fff}
.center{text-align:center}.two-cols{columns:2;font-size:1.05rem}.danger-text{color:#991b1b}
@media (max-width:30rem){main{border-radius:0;padding:1.25rem}.top{margin-top:1rem}}
";

/// An error page in English with the built-in look, for callers without a
/// request at hand; [`crate::http::ui::error_pages`] renders the ones that
/// [`crate::http::errors::PageError`] makes in the request's language.
pub fn error_page(title: &str, message: &str) -> String {
    let chrome = Chrome::fallback();
    ErrorPage {
        chrome: &chrome,
        title,
        message,
        detail: None,
    }
    .render()
    .unwrap_or_else(|_| title.to_owned())
}

/// The login form (inputs `username` and `password`).
#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginForm<'a> {
    pub chrome: &'a Chrome,
    pub action: &'a str,
    pub csrf: &'a str,
    pub client_name: &'a str,
    /// The relying party's own logo (`logo_uri`), on its login page only.
    pub client_logo: Option<&'a str>,
    pub username: &'a str,
    pub error: Option<&'a str>,
    /// The "forgot password" page.
    pub forgot_href: &'a str,
    /// The sign-up page, when sign-up is on.
    pub signup_href: Option<&'a str>,
    /// A button per upstream identity provider: (id, name, URL).
    pub upstreams: &'a [(String, String, String)],
}

/// The TOTP step-up form (input `code`).
#[derive(Template)]
#[template(path = "totp.html")]
pub struct TotpForm<'a> {
    pub chrome: &'a Chrome,
    pub action: &'a str,
    pub csrf: &'a str,
    pub error: Option<&'a str>,
    /// This code confirms an existing factor before a security key is added.
    pub before_enrolling: bool,
}

/// TOTP enrollment: QR code, the secret as text, and the `otpauth://` URI in
/// `data-otpauth`; confirmed with a code.
#[derive(Template)]
#[template(path = "enroll_totp.html")]
pub struct EnrollTotp<'a> {
    pub chrome: &'a Chrome,
    pub action: &'a str,
    pub csrf: &'a str,
    pub otpauth: &'a str,
    /// The secret in groups of four, as apps ask for it typed in.
    pub secret_grouped: String,
    /// How authenticator apps will list the entry: issuer and account name,
    /// read from the `otpauth://` label.
    pub issuer: String,
    pub account: String,
    /// Our own SVG markup (`totp::qr_svg`), printed as is.
    pub qr_svg: &'a str,
    pub error: Option<&'a str>,
    /// A link to enroll a security key instead, when that is possible.
    pub security_key_href: Option<&'a str>,
    /// The account has no second factor: this is its first (trust on first use).
    pub first_factor: bool,
}

impl<'a> EnrollTotp<'a> {
    /// Fills the derived fields from `otpauth` and `secret_b32`.
    pub fn derive(otpauth: &str, secret_b32: &str) -> (String, String, String) {
        let grouped = secret_b32
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" ");
        let (issuer, account) = otpauth_label(otpauth);
        (grouped, issuer, account)
    }
}

/// Issuer and account of an `otpauth://totp/Issuer:account?…` URI, decoded.
fn otpauth_label(uri: &str) -> (String, String) {
    let Ok(u) = url::Url::parse(uri) else {
        return Default::default();
    };
    let label = u.path().trim_start_matches('/');
    let decoded: String = url::form_urlencoded::parse(format!("l={label}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let issuer_param = u
        .query_pairs()
        .find(|(k, _)| k == "issuer")
        .map(|(_, v)| v.into_owned());
    match decoded.split_once(':') {
        Some((i, a)) => (issuer_param.unwrap_or_else(|| i.to_owned()), a.to_owned()),
        None => (issuer_param.unwrap_or_default(), decoded),
    }
}

/// Shown once, right after enrollment, with copy and download.
#[derive(Template)]
#[template(path = "recovery_codes.html")]
pub struct RecoveryCodes<'a> {
    pub chrome: &'a Chrome,
    pub codes: &'a [String],
    pub next: &'a str,
    pub nonce: &'a str,
    /// A `data:` URL of the codes as a text file: no request, nothing kept.
    pub download_href: String,
}

/// A `data:text/plain` URL holding `codes`, one per line.
pub fn codes_file(codes: &[String]) -> String {
    let text: String = codes.iter().map(|c| format!("{c}\r\n")).collect();
    let encoded: String = url::form_urlencoded::byte_serialize(text.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    format!("data:text/plain;charset=utf-8,{encoded}")
}

/// After a recovery code was spent: how many remain.
#[derive(Template)]
#[template(path = "recovery_used.html")]
pub struct RecoveryUsed<'a> {
    pub chrome: &'a Chrome,
    pub remaining: u64,
    pub next: &'a str,
}

/// The page's own script for WebAuthn: POST begin with the CSRF
/// header, call the browser API, POST the credential in WebAuthn's JSON form,
/// follow the returned redirect. Cancels and errors are shown, not swallowed.
pub(crate) const WEBAUTHN_JS: &str = r#"(function(){
var el=document.getElementById('webauthn'),btn=document.getElementById('webauthn-start'),msg=document.getElementById('webauthn-message');
var csrf=document.querySelector('meta[name="csrf-token"]').content;
function dec(s){s=s.replace(/-/g,'+').replace(/_/g,'/');while(s.length%4)s+='=';var b=atob(s),a=new Uint8Array(b.length);for(var i=0;i<b.length;i++)a[i]=b.charCodeAt(i);return a.buffer;}
function enc(buf){var a=new Uint8Array(buf),s='';for(var i=0;i<a.length;i++)s+=String.fromCharCode(a[i]);return btoa(s).replace(/\+/g,'-').replace(/\//g,'_').replace(/=+$/,'');}
function post(url,body){return fetch(url,{method:'POST',credentials:'same-origin',headers:{'Content-Type':'application/json','X-CSRF-Token':csrf},body:JSON.stringify(body||{})}).then(function(r){return r.json().catch(function(){return {};}).then(function(j){if(!r.ok)throw new Error(j.error_description||j.error||('HTTP '+r.status));return j;});});}
function run(){msg.textContent='';btn.disabled=true;
 if(!window.PublicKeyCredential){msg.textContent=el.dataset.msgUnsupported;btn.disabled=false;return;}
 post(el.dataset.webauthnBegin).then(function(opts){var pk=opts.publicKey;pk.challenge=dec(pk.challenge);
  if(el.dataset.mode==='register'){pk.user.id=dec(pk.user.id);(pk.excludeCredentials||[]).forEach(function(c){c.id=dec(c.id);});
   return navigator.credentials.create({publicKey:pk}).then(function(c){return {id:c.id,rawId:enc(c.rawId),type:c.type,extensions:c.getClientExtensionResults(),response:{attestationObject:enc(c.response.attestationObject),clientDataJSON:enc(c.response.clientDataJSON)}};});}
  (pk.allowCredentials||[]).forEach(function(c){c.id=dec(c.id);});
  return navigator.credentials.get({publicKey:pk}).then(function(c){return {id:c.id,rawId:enc(c.rawId),type:c.type,extensions:c.getClientExtensionResults(),response:{authenticatorData:enc(c.response.authenticatorData),clientDataJSON:enc(c.response.clientDataJSON),signature:enc(c.response.signature),userHandle:c.response.userHandle?enc(c.response.userHandle):null}};});
 }).then(function(body){return post(el.dataset.webauthnFinish,body);}).then(function(res){window.location.assign(res.redirect);})
 .catch(function(e){msg.textContent=(e&&e.name==='NotAllowedError')?el.dataset.msgCancelled:(el.dataset.msgError+' '+(e&&e.message?e.message:e));btn.disabled=false;});}
btn.addEventListener('click',run);
if(el.dataset.autostart==='true'){run();}
})();"#;

#[derive(Template)]
#[template(path = "webauthn.html")]
pub struct WebauthnPage<'a> {
    pub chrome: &'a Chrome,
    pub register: bool,
    /// Registering the account's first second factor (trust on first use).
    pub first_factor: bool,
    pub title: String,
    pub intro: String,
    pub button: String,
    pub begin: &'a str,
    pub finish: &'a str,
    pub csrf: &'a str,
    /// The response's script nonce (`CspNonce::of`): the page's script needs it.
    pub nonce: &'a str,
    /// Another way to pass this step (href, label).
    pub alternative: Option<(&'a str, String)>,
}

impl WebauthnPage<'_> {
    /// Title, introduction and button text of a registration or a sign-in.
    pub fn texts(chrome: &Chrome, register: bool, first_factor: bool) -> (String, String, String) {
        if register {
            let intro = if first_factor {
                "key-register-intro-first"
            } else {
                "key-register-intro"
            };
            (
                chrome.t("key-register-title"),
                chrome.t(intro),
                chrome.t("key-register-button"),
            )
        } else {
            (
                chrome.t("key-use-title"),
                chrome.t("key-use-intro"),
                chrome.t("key-use-button"),
            )
        }
    }
}

/// A user with several usable factors chooses one (`method=` links).
/// The second factors a sign-in may be confirmed with: a link to each.
#[derive(Template)]
#[template(path = "factor_choice.html")]
pub struct FactorChoice<'a> {
    pub chrome: &'a Chrome,
    pub webauthn_href: Option<&'a str>,
    pub totp_href: Option<&'a str>,
    pub email_href: Option<&'a str>,
}

#[cfg(test)]
mod tests;
