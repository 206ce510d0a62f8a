use std::collections::BTreeSet;
use std::path::Path;

use super::*;

#[test]
fn ui_locales_come_first_then_accept_language_then_the_default() {
    assert_eq!(negotiate(Some("de"), Some("fr"), Lang::En), Lang::De);
    assert_eq!(negotiate(Some("ja de-CH"), Some("fr"), Lang::En), Lang::De);
    assert_eq!(
        negotiate(Some("ja"), Some("fr-CA,en;q=0.5"), Lang::En),
        Lang::Fr
    );
    assert_eq!(negotiate(None, Some("ja"), Lang::De), Lang::De);
    assert_eq!(negotiate(None, None, Lang::Fr), Lang::Fr);
}

#[test]
fn accept_language_weights_decide() {
    assert_eq!(from_accept_language("en;q=0.4, fr;q=0.9"), Some(Lang::Fr));
    assert_eq!(from_accept_language("de, fr"), Some(Lang::De));
    assert_eq!(from_accept_language("fr;q=0, de;q=0.1"), Some(Lang::De));
    assert_eq!(from_accept_language("fr;q=0"), None);
    assert_eq!(from_accept_language("*"), None);
    assert_eq!(from_accept_language("fr;q=2"), None);
    assert_eq!(from_accept_language("FR-be;q=0.8"), Some(Lang::Fr));
    assert_eq!(parse_weight("0.125"), Some(125));
    assert_eq!(parse_weight("1.000"), Some(1000));
    assert_eq!(parse_weight("0.1234"), None);
}

#[test]
fn messages_are_looked_up_per_language() {
    assert_eq!(Lang::En.t("sign-in"), "Sign in");
    assert_eq!(Lang::De.t("sign-in"), "Anmelden");
    assert_eq!(Lang::Fr.t("sign-in"), "Se connecter");
    assert_eq!(
        Lang::De.t_args("login-continue-to", &[("client", "Jira")]),
        "um mit Jira fortzufahren"
    );
}

fn ids_of(file: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(file).unwrap();
    text.lines()
        .filter(|l| l.starts_with(|c: char| c.is_ascii_lowercase()))
        .filter_map(|l| l.split_once(" =").map(|(id, _)| id.trim().to_owned()))
        .collect()
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A language that lacks a message would fall back to English in the middle
/// of a page: every bundle has every message.
#[test]
fn every_language_has_every_message() {
    let dir = root().join("locales");
    let en = ids_of(&dir.join("en/main.ftl"));
    assert!(en.len() > 15);
    for lang in ["de", "fr"] {
        let other = ids_of(&dir.join(format!("{lang}/main.ftl")));
        let missing: Vec<_> = en.difference(&other).collect();
        let extra: Vec<_> = other.difference(&en).collect();
        assert!(missing.is_empty(), "{lang} lacks {missing:?}");
        assert!(extra.is_empty(), "{lang} has unknown {extra:?}");
    }
}

/// Every message a template or the code asks for exists: a typo would show
/// "Unknown localization key" to users.
#[test]
fn every_key_in_use_exists() {
    let en = ids_of(&root().join("locales/en/main.ftl"));
    let mut used = BTreeSet::new();
    let mut files = vec![];
    for dir in ["templates", "src"] {
        collect(&root().join(dir), &mut files);
    }
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for pat in [".t(\"", ".t_args(\"", ".t_count(\""] {
            for (i, _) in text.match_indices(pat) {
                let rest = &text[i + pat.len()..];
                if let Some(end) = rest.find('"') {
                    used.insert(rest[..end].to_owned());
                }
            }
        }
    }
    let unknown: Vec<_> = used.iter().filter(|k| !en.contains(*k)).collect();
    assert!(unknown.is_empty(), "unknown message ids {unknown:?}");
}

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "html" || x == "rs") {
            out.push(p);
        }
    }
}
