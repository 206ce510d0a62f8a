//! `[store]`: the caps of the embedded store (ignored with Redis, whose own
//! `maxmemory` bounds it).

use serde::Deserialize;

use super::ConfigError;
use crate::store::MemoryLimits;

#[derive(Debug, Default, Deserialize)]
pub(super) struct RawStore {
    max_entries: Option<u64>,
    max_bytes: Option<Size>,
}

/// A byte count: a number, or a string with a unit (`"256 MiB"`).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Size {
    Bytes(u64),
    Text(String),
}

const MIN_ENTRIES: u64 = 100;
const MIN_BYTES: u64 = 1024 * 1024;

pub(super) fn parse(raw: RawStore) -> Result<MemoryLimits, ConfigError> {
    let mut limits = MemoryLimits::default();
    if let Some(n) = raw.max_entries {
        if n < MIN_ENTRIES {
            return Err(ConfigError::new(
                "store.max_entries",
                format!("must be at least {MIN_ENTRIES}"),
            ));
        }
        limits.max_entries = usize::try_from(n).unwrap_or(usize::MAX);
    }
    if let Some(size) = raw.max_bytes {
        let n = match size {
            Size::Bytes(n) => n,
            Size::Text(t) => bytes_of(&t).ok_or_else(|| {
                ConfigError::new(
                    "store.max_bytes",
                    format!("{t:?}: expected bytes, or a number with KiB, MiB or GiB"),
                )
            })?,
        };
        if n < MIN_BYTES {
            return Err(ConfigError::new(
                "store.max_bytes",
                "must be at least 1 MiB",
            ));
        }
        limits.max_bytes = usize::try_from(n).unwrap_or(usize::MAX);
    }
    Ok(limits)
}

fn bytes_of(text: &str) -> Option<u64> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let factor: u64 = match unit.trim() {
        "" | "B" => 1,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        _ => return None,
    };
    num.parse::<u64>().ok()?.checked_mul(factor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_with_units() {
        assert_eq!(bytes_of("256 MiB"), Some(256 << 20));
        assert_eq!(bytes_of("2GiB"), Some(2 << 30));
        assert_eq!(bytes_of("4096"), Some(4096));
        assert_eq!(bytes_of("1 MB"), None);
        assert_eq!(bytes_of("MiB"), None);
        assert_eq!(bytes_of("99999999999999 GiB"), None);
    }
}
