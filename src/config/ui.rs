//! `[ui]`: how the pages look and which language they speak by default.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use serde::Deserialize;

use super::ConfigError;
use super::colour::Rgb;
use crate::i18n::Lang;

/// The largest custom stylesheet served with the pages.
const MAX_CUSTOM_CSS: u64 = 256 * 1024;

/// `[ui]`: the product's name, logo, colour, footer links and extra stylesheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UiSettings {
    /// Shown in the page header, titles and mails (`ui.product_name`).
    pub product_name: String,
    /// An image shown above every page (`ui.logo_url`): absolute http(s) or a path.
    pub logo_url: Option<String>,
    /// `#rrggbb` of buttons, links and focus rings (`ui.primary_color`); the
    /// text on it and the links are derived to stay readable (`Palette`).
    pub primary_color: Option<String>,
    /// The contents of `ui.custom_css`, read at start and served with the pages.
    pub custom_css: Option<Arc<str>>,
    /// `ui.footer_links`: (text, URL), in the order of their texts.
    pub footer_links: Vec<(String, String)>,
    /// The language when neither `ui_locales` nor `Accept-Language` names one
    /// that is shipped (`ui.default_locale`).
    pub default_locale: Lang,
}

impl Default for UiSettings {
    fn default() -> Self {
        Self {
            product_name: "Portcullis".into(),
            logo_url: None,
            primary_color: None,
            custom_css: None,
            footer_links: Vec::new(),
            default_locale: Lang::En,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct RawUi {
    product_name: Option<String>,
    logo_url: Option<String>,
    primary_color: Option<String>,
    custom_css: Option<PathBuf>,
    #[serde(default)]
    footer_links: BTreeMap<String, String>,
    default_locale: Option<String>,
}

pub(super) fn ui(raw: RawUi) -> Result<UiSettings, ConfigError> {
    let product_name = match raw.product_name.map(|s| s.trim().to_owned()) {
        None => "Portcullis".to_owned(),
        Some(n) if !n.is_empty() && n.chars().count() <= 64 && !n.chars().any(char::is_control) => {
            n
        }
        Some(_) => {
            return Err(ConfigError::new(
                "ui.product_name",
                "must be 1 to 64 printable characters",
            ));
        }
    };
    let logo_url = raw
        .logo_url
        .filter(|u| !u.trim().is_empty())
        .map(|u| link("ui.logo_url", u))
        .transpose()?;
    let primary_color = raw
        .primary_color
        .filter(|c| !c.trim().is_empty())
        .map(|c| color(c.trim()))
        .transpose()?;
    let custom_css = raw.custom_css.map(read_css).transpose()?;
    let footer_links = raw
        .footer_links
        .into_iter()
        .map(|(text, url)| {
            let text = text.trim().to_owned();
            if text.is_empty() || text.chars().count() > 64 {
                return Err(ConfigError::new(
                    "ui.footer_links",
                    "each text must be 1 to 64 characters",
                ));
            }
            Ok((text, link("ui.footer_links", url)?))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let default_locale = match raw.default_locale {
        None => Lang::En,
        Some(tag) => Lang::from_tag(&tag).ok_or_else(|| {
            ConfigError::new(
                "ui.default_locale",
                format!("{tag:?} is not one of en, de, fr"),
            )
        })?,
    };
    Ok(UiSettings {
        product_name,
        logo_url,
        primary_color,
        custom_css,
        footer_links,
        default_locale,
    })
}

/// A URL the pages link to or load: absolute http(s), or a path on this
/// server. Anything else (`javascript:`, `data:` …) would run or smuggle content.
fn link(key: &str, raw: String) -> Result<String, ConfigError> {
    let u = raw.trim().to_owned();
    // Browsers read a backslash as a slash: `/\host` is `//host`, another site.
    let path = u.starts_with('/') && !u.starts_with("//") && !u.contains('\\');
    let absolute = url::Url::parse(&u).is_ok_and(|p| matches!(p.scheme(), "http" | "https"));
    if (path || absolute) && !u.chars().any(|c| c.is_control() || c.is_whitespace()) {
        Ok(u)
    } else {
        Err(ConfigError::new(
            key,
            format!("{u:?} must be an http(s) URL or a path starting with /"),
        ))
    }
}

/// `#rrggbb` (or `#rgb`), any colour: the pages derive readable text and link
/// colours from it (`Palette`).
fn color(c: &str) -> Result<String, ConfigError> {
    Rgb::parse(c).map(Rgb::hex).ok_or_else(|| {
        ConfigError::new("ui.primary_color", format!("{c:?} is not a #rrggbb colour"))
    })
}

fn read_css(path: PathBuf) -> Result<Arc<str>, ConfigError> {
    let key = "ui.custom_css";
    let meta = std::fs::metadata(&path)
        .map_err(|e| ConfigError::new(key, format!("{}: {e}", path.display())))?;
    if meta.len() > MAX_CUSTOM_CSS {
        return Err(ConfigError::new(key, "is larger than 256 KiB"));
    }
    let css = std::fs::read_to_string(&path)
        .map_err(|e| ConfigError::new(key, format!("{}: {e}", path.display())))?;
    // The sheet is served as text/css; a closing tag would matter only if it
    // were ever inlined, but refusing it keeps the file what it claims to be.
    if css.to_ascii_lowercase().contains("</style") {
        return Err(ConfigError::new(key, "must be a plain stylesheet"));
    }
    Ok(css.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_are_hex_of_any_lightness() {
        assert_eq!(color("#1D4ED8").unwrap(), "#1d4ed8");
        assert_eq!(color("#036").unwrap(), "#003366");
        assert_eq!(color("#ffff00").unwrap(), "#ffff00");
        assert!(color("red").is_err());
        assert!(color("#12345g").is_err());
    }

    #[test]
    fn links_are_http_or_local_paths() {
        assert!(link("k", "https://example.com/privacy".into()).is_ok());
        assert!(link("k", "/static/logo.svg".into()).is_ok());
        assert!(link("k", "javascript:alert(1)".into()).is_err());
        assert!(link("k", "//evil.example/x".into()).is_err());
        assert!(link("k", "/\\evil.example/x".into()).is_err());
        assert!(link("k", "data:image/svg+xml,<svg>".into()).is_err());
    }
}
