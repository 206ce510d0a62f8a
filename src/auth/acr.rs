//! Authentication levels and the custom acr strings mapped onto them.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Built-in levels, weakest first; the derived order is the strength order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Password.
    Pwd,
    /// Password and a second factor (TOTP or WebAuthn).
    Mfa,
    /// Password and WebAuthn: phishing-resistant.
    Phr,
}

impl Level {
    pub const ALL: [Level; 3] = [Level::Pwd, Level::Mfa, Level::Phr];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Pwd => "pwd",
            Level::Mfa => "mfa",
            Level::Phr => "phr",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Level {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "pwd" => Ok(Level::Pwd),
            "mfa" => Ok(Level::Mfa),
            "phr" => Ok(Level::Phr),
            other => Err(format!(
                "unknown acr level {other:?} (expected pwd, mfa or phr)"
            )),
        }
    }
}

/// Built-in levels plus the configured aliases (`acr.aliases`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AcrRegistry {
    aliases: BTreeMap<String, Level>,
}

impl AcrRegistry {
    pub fn add_alias(&mut self, alias: &str, level: Level) -> Result<(), String> {
        if alias.is_empty() || alias.contains(char::is_whitespace) {
            return Err("an acr alias must be a non-empty string without spaces".into());
        }
        if alias.parse::<Level>().is_ok() {
            return Err("an alias cannot redefine a built-in level".into());
        }
        self.aliases.insert(alias.to_owned(), level);
        Ok(())
    }

    /// The level an acr string stands for; None for unknown strings.
    pub fn level_of(&self, acr: &str) -> Option<Level> {
        acr.parse::<Level>()
            .ok()
            .or_else(|| self.aliases.get(acr).copied())
    }

    /// Every acr string we understand, for `acr_values_supported`.
    pub fn supported(&self) -> Vec<String> {
        Level::ALL
            .iter()
            .map(|l| l.as_str().to_owned())
            .chain(self.aliases.keys().cloned())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_ordered_weakest_first() {
        assert!(Level::Pwd < Level::Mfa && Level::Mfa < Level::Phr);
    }

    #[test]
    fn aliases_resolve_and_cannot_shadow_builtins() {
        let mut r = AcrRegistry::default();
        r.add_alias("urn:example:jira:2fa", Level::Mfa).unwrap();
        assert_eq!(r.level_of("urn:example:jira:2fa"), Some(Level::Mfa));
        assert_eq!(r.level_of("phr"), Some(Level::Phr));
        assert_eq!(r.level_of("gold"), None);
        assert!(r.add_alias("pwd", Level::Phr).is_err());
        assert!(r.add_alias("a b", Level::Phr).is_err());
        assert_eq!(
            r.supported(),
            vec!["pwd", "mfa", "phr", "urn:example:jira:2fa"]
        );
    }
}
