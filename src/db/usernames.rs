//! What a username may be: letters, digits and `._-@+`, each letter in its
//! plain form, and no name that passes for another by mixing look-alike
//! scripts.

use super::DbError;

/// What a username may hold besides letters and digits; it also parts the
/// words of a name for the look-alike check.
const PUNCTUATION: &str = "._-@+";

pub fn validate_username(u: &str) -> Result<(), DbError> {
    let ok = !u.is_empty()
        && u.len() <= 128
        && u.chars()
            .all(|c| c.is_alphanumeric() || PUNCTUATION.contains(c));
    let invalid = |why: &str| Err(DbError::Invalid(format!("invalid username {u:?}{why}")));
    if !ok {
        return invalid("");
    }
    // A name that reads like another must not be a second account: the console,
    // the audit log and a service provider's NameID would show "alice" for both.
    // Compatibility forms (fullwidth letters, ligatures) have a plain form that
    // is another name; letters of Latin, Greek and Cyrillic mixed in one word
    // are the classic look-alike (UTS #39 §5.2: Latin "a" beside Cyrillic "а").
    if !unicode_normalization::is_nfkc(u) {
        return invalid(": write its letters in their plain form (Unicode NFKC)");
    }
    if mixes_look_alike_scripts(u) {
        return invalid(": it mixes Latin, Greek or Cyrillic letters");
    }
    Ok(())
}

/// The scripts whose letters pass for one another.
#[derive(Clone, Copy, PartialEq, Eq)]
enum LookAlikeScript {
    Latin,
    Greek,
    Cyrillic,
}

fn look_alike_script(c: char) -> Option<LookAlikeScript> {
    use LookAlikeScript::*;
    if !c.is_alphabetic() {
        return None;
    }
    match u32::from(c) {
        0x41..=0x5A
        | 0x61..=0x7A
        | 0xAA
        | 0xBA
        | 0xC0..=0x24F
        | 0x250..=0x2AF
        | 0x1D00..=0x1D7F
        | 0x1E00..=0x1EFF
        | 0x2C60..=0x2C7F
        | 0xA720..=0xA7FF
        | 0xAB30..=0xAB6F => Some(Latin),
        0x370..=0x3FF | 0x1F00..=0x1FFF => Some(Greek),
        0x400..=0x52F | 0x1C80..=0x1C8F | 0x2DE0..=0x2DFF | 0xA640..=0xA69F => Some(Cyrillic),
        _ => None,
    }
}

/// Whether a word of `u` (the parts between `._-@+`) holds letters of two of
/// Latin, Greek and Cyrillic: "pаypal" with a Cyrillic "а" is refused, a
/// Cyrillic mailbox at a Latin domain ("иван@example.com") is not. Other
/// scripts beside Latin (a Japanese name with a Latin initial) are left alone.
fn mixes_look_alike_scripts(u: &str) -> bool {
    u.split(|c| PUNCTUATION.contains(c)).any(|word| {
        let mut scripts = word.chars().filter_map(look_alike_script);
        scripts
            .next()
            .is_some_and(|first| scripts.any(|other| other != first))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(u: &str) -> String {
        match validate_username(u) {
            Err(DbError::Invalid(why)) => why,
            other => panic!("{u:?} was not refused: {other:?}"),
        }
    }

    #[test]
    fn plain_names_in_one_script_pass() {
        for u in [
            "alice",
            "alice.smith+jira@example.com",
            "josé",
            "zoë-01",
            "иван",
            "иван@example.com",
            "δημήτρης",
            "山田",
            "yamada山田",
            "o_brien",
        ] {
            assert!(validate_username(u).is_ok(), "{u:?}");
        }
    }

    #[test]
    fn look_alike_mixtures_are_refused() {
        // Cyrillic "а" (U+0430) in a Latin name, Greek omicron in a Latin name,
        // Latin letters in a Cyrillic one, Cyrillic "у" and "с" in one word of a
        // Latin address.
        for u in [
            "\u{430}lice",
            "b\u{3BF}b",
            "\u{438}v\u{430}n",
            "pa\u{443}pal@example.com",
            "paypal.\u{441}om",
        ] {
            assert!(
                refused(u).contains("mixes Latin, Greek or Cyrillic"),
                "{u:?}"
            );
        }
    }

    #[test]
    fn compatibility_forms_are_refused() {
        // Fullwidth letters, a ligature, a superscript digit, and an "é" written
        // as "e" plus a combining accent: each has another plain form.
        for u in ["\u{FF41}lice", "\u{FB01}nn", "bob\u{B2}", "jose\u{301}"] {
            let why = refused(u);
            assert!(
                why.contains("plain form") || why == format!("invalid username {u:?}"),
                "{u:?}: {why}"
            );
        }
        assert!(refused("\u{FF41}lice").contains("plain form"));
        assert!(refused("\u{FB01}nn").contains("plain form"));
    }

    #[test]
    fn the_old_rules_still_hold() {
        for u in ["", "a b", "a/b", "a\u{202E}b", &"x".repeat(129)] {
            assert_eq!(refused(u), format!("invalid username {u:?}"));
        }
    }
}
