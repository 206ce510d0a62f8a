//! What every page shares: the language chosen for the request, the branding of
//! `[ui]`, and the stylesheet that carries the configured colour and custom CSS.
//! Templates live in `templates/` (askama: checked at compile time, every
//! value HTML-escaped unless marked otherwise).

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{Error, HttpRequest, HttpResponse, web};
use askama::Template;

use crate::config::Settings;
use crate::config::colour::{Palette, Rgb};
use crate::http::state::AppState;
use crate::i18n::{self, Lang};

/// The frame around a page's content: language, product name, logo, footer.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub lang: Lang,
    pub product: String,
    /// (URL, alternative text) of the image above the page.
    pub logo: Option<(String, String)>,
    /// The stylesheet with the configured colour and custom CSS, when there is one.
    pub theme_href: Option<String>,
    pub footer_links: Vec<(String, String)>,
}

impl Chrome {
    pub fn new(settings: &Settings, lang: Lang) -> Self {
        let ui = &settings.ui;
        let product = ui.product_name.clone();
        let themed = ui.primary_color.is_some() || ui.custom_css.is_some();
        Self {
            lang,
            logo: ui
                .logo_url
                .clone()
                .map(|u| (u, lang.t_args("logo-alt", &[("name", &product)]))),
            product,
            theme_href: themed.then(|| format!("{}{THEME_PATH}", settings.issuer_path())),
            footer_links: ui.footer_links.clone(),
        }
    }

    /// The frame for `req`, in the language its `Accept-Language` asks for, or
    /// `ui_locales` of the authorization request it belongs to.
    pub fn for_request(state: &AppState, req: &HttpRequest, ui_locales: Option<&str>) -> Self {
        Self::new(&state.settings, lang_of(&state.settings, req, ui_locales))
    }

    /// English with the built-in look, where no settings are at hand.
    pub fn fallback() -> Self {
        Self {
            lang: Lang::En,
            product: "Portcullis".into(),
            logo: None,
            theme_href: None,
            footer_links: Vec::new(),
        }
    }

    pub fn t(&self, key: &str) -> String {
        self.lang.t(key)
    }

    /// A message with one argument.
    pub fn t1(&self, key: &str, name: &'static str, value: &str) -> String {
        self.lang.t_args(key, &[(name, value)])
    }

    /// A message with a count (plural forms).
    /// (Templates pass their fields by reference.)
    pub fn tn(&self, key: &str, name: &'static str, n: &u64) -> String {
        self.lang.t_count(key, name, *n)
    }
}

/// The language of `req`: `ui_locales`, then `Accept-Language`, then `ui.default_locale`.
pub fn lang_of(settings: &Settings, req: &HttpRequest, ui_locales: Option<&str>) -> Lang {
    i18n::negotiate(ui_locales, accept_language(req), settings.ui.default_locale)
}

/// The request's `Accept-Language` header, when it is text.
pub fn accept_language(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
}

/// A rendered page as an HTML response. A template that fails to render (it
/// cannot, short of a formatting error) gives a bare 500 rather than half a page.
pub fn page(status: actix_web::http::StatusCode, t: &impl Template) -> HttpResponse {
    match t.render() {
        Ok(body) => super::html(status, body),
        Err(e) => {
            tracing::error!(error = %e, "page rendering failed");
            HttpResponse::InternalServerError().finish()
        }
    }
}

/// The error page.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    pub chrome: &'a Chrome,
    pub title: &'a str,
    pub message: &'a str,
    /// What is not translated: a protocol parameter's name, another server's words.
    pub detail: Option<&'a str>,
}

/// What an error page says: a message of the bundles, in the visitor's
/// language, with its arguments and perhaps an untranslated detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Said {
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
    pub detail: Option<String>,
}

impl Said {
    pub fn new(key: &'static str) -> Self {
        Self {
            key,
            args: Vec::new(),
            detail: None,
        }
    }

    pub fn arg(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.args.push((name, value.into()));
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn text(&self, lang: Lang) -> String {
        let args: Vec<(&'static str, &str)> =
            self.args.iter().map(|(k, v)| (*k, v.as_str())).collect();
        lang.t_args(self.key, &args)
    }
}

/// The message of an error page: from the bundles, or a text as it came
/// (pages that are not translated yet).
#[derive(Debug, Clone)]
pub enum PageMessage {
    Said(Said),
    Text(String),
}

/// What an error page says, kept on its response so that [`error_pages`] can
/// render it again in the request's language and look: the error itself is
/// turned into a response where no request is at hand.
#[derive(Debug, Clone)]
pub struct ErrorPageSpec {
    /// The message id of the title.
    pub title_key: &'static str,
    pub message: PageMessage,
}

impl ErrorPageSpec {
    pub fn render(&self, chrome: &Chrome) -> String {
        let title = chrome.t(self.title_key);
        let (message, detail) = match &self.message {
            PageMessage::Said(s) => (s.text(chrome.lang), s.detail.as_deref()),
            PageMessage::Text(t) => (t.clone(), None),
        };
        let page = ErrorPage {
            chrome,
            title: &title,
            message: &message,
            detail,
        };
        page.render().unwrap_or_else(|_| title.clone())
    }
}

/// Renders error pages in the request's language and with the configured
/// branding (middleware, inside the security headers).
pub async fn error_pages(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let res = next.call(req).await?.map_into_boxed_body();
    let spec = res.response().extensions().get::<ErrorPageSpec>().cloned();
    let state = res.request().app_data::<web::Data<AppState>>().cloned();
    let (Some(spec), Some(state)) = (spec, state) else {
        return Ok(res);
    };
    // An authorization request that is refused still names its `ui_locales`.
    let ui_locales = url::form_urlencoded::parse(res.request().query_string().as_bytes())
        .find(|(k, _)| k == "ui_locales")
        .map(|(_, v)| v.into_owned());
    let chrome = Chrome::for_request(&state, res.request(), ui_locales.as_deref());
    let body = spec.render(&chrome);
    Ok(res.map_body(|_, _| BoxBody::new(body)))
}

/// Where the theme stylesheet is served.
pub const THEME_PATH: &str = "/ui/theme.css";

/// `GET /ui/theme.css`: the primary colour and the text colours derived from
/// it as custom properties, then the
/// operator's stylesheet. Served from our origin, so `style-src 'self'` allows
/// it without loosening the policy.
pub async fn theme(state: web::Data<AppState>) -> HttpResponse {
    let ui = &state.settings.ui;
    let mut css = String::new();
    if let Some(p) = ui.primary_color.as_deref().and_then(Rgb::parse) {
        let p = Palette::of(p);
        css.push_str(&format!(
            ":root{{--primary:{};--on-primary:{};--primary-text:{}}}\n",
            p.primary, p.on_primary, p.primary_text
        ));
    }
    if let Some(custom) = &ui.custom_css {
        css.push_str(custom);
    }
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .content_type("text/css; charset=utf-8")
        .body(css)
}
