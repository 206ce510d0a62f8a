//! What the embedded store may hold, and what one entry counts against it.

/// What one entry costs beyond its key and value: the map slot and its spare
/// capacity, the expiry index node, the allocator's rounding. Measured, not
/// derived: 300,000 pending requests of about 450 bytes of key and value grew
/// the server's resident memory by 822 bytes each (`docs/performance.md`).
pub const ENTRY_OVERHEAD: usize = 352;

/// Caps on the live entries (`store.max_entries`, `store.max_bytes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_entries: usize,
    /// Keys, values and [`ENTRY_OVERHEAD`] per entry.
    pub max_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_entries: 1_000_000,
            max_bytes: 256 * 1024 * 1024,
        }
    }
}

/// What an entry counts against [`Limits::max_bytes`].
pub(super) fn cost(key: &str, value: &[u8]) -> usize {
    ENTRY_OVERHEAD + key.len() + value.len()
}
