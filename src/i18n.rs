//! The languages the pages and mails speak, and how one is chosen for a
//! request: the first supported tag of `ui_locales` (OpenID Connect Core
//! §3.1.2.1), else the best match of `Accept-Language` (RFC 9110 §12.5.4),
//! else the configured default. Messages live in Fluent bundles under
//! `locales/`, compiled into the binary.

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid};

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        // Unicode isolation marks around arguments would end up inside form
        // values and mail subjects; every argument here is left-to-right text.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static EN: LanguageIdentifier = langid!("en");
static DE: LanguageIdentifier = langid!("de");
static FR: LanguageIdentifier = langid!("fr");

/// A language the product ships.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    En,
    De,
    Fr,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::En, Lang::De, Lang::Fr];

    /// The BCP 47 tag, as `<html lang>` and discovery name it.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
            Lang::Fr => "fr",
        }
    }

    /// The shipped language a BCP 47 tag asks for, by its primary subtag
    /// (`de-AT` is German); None for anything else.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?;
        Lang::ALL
            .into_iter()
            .find(|l| l.tag().eq_ignore_ascii_case(primary))
    }

    /// Exactly `en`, `de` or `fr` (an operator's input: no guessing).
    pub fn parse_exact(tag: &str) -> Result<Lang, String> {
        Lang::ALL
            .into_iter()
            .find(|l| l.tag() == tag)
            .ok_or_else(|| format!("locale {tag:?} is not one of en, de, fr"))
    }

    fn id(self) -> &'static LanguageIdentifier {
        match self {
            Lang::En => &EN,
            Lang::De => &DE,
            Lang::Fr => &FR,
        }
    }

    /// The message `key` in this language.
    pub fn t(self, key: &str) -> String {
        LOCALES.lookup(self.id(), key)
    }

    /// The message `key` with its named arguments.
    pub fn t_args(self, key: &str, args: &[(&'static str, &str)]) -> String {
        let args: HashMap<Cow<'static, str>, FluentValue> = args
            .iter()
            .map(|(k, v)| (Cow::Borrowed(*k), FluentValue::from(v.to_string())))
            .collect();
        LOCALES.lookup_with_args(self.id(), key, &args)
    }

    /// The message `key` with a number, for plural forms.
    pub fn t_count(self, key: &str, name: &'static str, n: u64) -> String {
        let mut args: HashMap<Cow<'static, str>, FluentValue> = HashMap::new();
        args.insert(Cow::Borrowed(name), FluentValue::from(n));
        LOCALES.lookup_with_args(self.id(), key, &args)
    }
}

/// The language for one request, in the order OpenID Connect and HTTP give:
/// `ui_locales` (space-separated, preferred first), then `Accept-Language`,
/// then `default`.
pub fn negotiate(ui_locales: Option<&str>, accept_language: Option<&str>, default: Lang) -> Lang {
    ui_locales
        .and_then(|v| v.split_ascii_whitespace().find_map(Lang::from_tag))
        .or_else(|| accept_language.and_then(from_accept_language))
        .unwrap_or(default)
}

/// The best shipped language of an `Accept-Language` header: the highest
/// weight wins, the earlier entry among equals; `q=0` means "not this one".
fn from_accept_language(header: &str) -> Option<Lang> {
    let mut best: Option<(u16, Lang)> = None;
    for entry in header.split(',').take(32) {
        let mut parts = entry.split(';');
        let Some(lang) = parts.next().and_then(Lang::from_tag) else {
            continue;
        };
        let weight = parts
            .find_map(|p| p.trim().strip_prefix("q=").map(parse_weight))
            .unwrap_or(Some(1000));
        match weight {
            Some(w) if w > 0 && best.is_none_or(|(b, _)| w > b) => best = Some((w, lang)),
            _ => {}
        }
    }
    best.map(|(_, l)| l)
}

/// A weight (`qvalue`, RFC 9110 §12.4.2) in thousandths; None when malformed.
fn parse_weight(q: &str) -> Option<u16> {
    let q = q.trim();
    let (int, frac) = q.split_once('.').unwrap_or((q, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let frac_value = format!("{frac:0<3}").parse::<u16>().ok()?;
    match int {
        "0" => Some(frac_value),
        "1" if frac_value == 0 => Some(1000),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
