//! A small deterministic mutator for the fuzz run inside `cargo test`: random
//! edits of corpus inputs (bit flips, bytes known to matter to these parsers,
//! inserted and deleted runs, copies within an input and splices from another
//! one), the way libFuzzer's default mutators work, without its coverage
//! feedback. A seed and a run count make every input reproducible.

/// Bytes and tokens that change how the parsers here read an input.
const TOKENS: [&[u8]; 40] = [
    b"&",
    b"=",
    b"%",
    b"%00",
    b"%ff",
    b"+",
    b"\"",
    b"\\",
    b"\n",
    b"\r\n",
    b",",
    b";",
    b":",
    b"[",
    b"]",
    b"{",
    b"}",
    b"null",
    b"true",
    b"-1",
    b"18446744073709551616",
    b"1e999",
    b"\\u0000",
    b"\\ud800",
    b"openid",
    b"acr_values=",
    b"essential",
    b"redirect_uri=",
    b"code_challenge=",
    b"grant_type=",
    b"Basic ",
    b"for=",
    b"unknown",
    b"[::1]:80",
    b"<",
    b">",
    b"&#",
    b"&amp;",
    b"<!DOCTYPE",
    b"<![CDATA[",
];

/// xorshift64*: fast, good enough to pick edits, and the same on every machine.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number below `n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// One to four edits of `input`, which never grows past `max_len` bytes.
pub fn mutate(rng: &mut Rng, input: &mut Vec<u8>, corpus: &[Vec<u8>], max_len: usize) {
    for _ in 0..=rng.below(4) {
        edit(rng, input, corpus);
    }
    input.truncate(max_len);
}

fn edit(rng: &mut Rng, input: &mut Vec<u8>, corpus: &[Vec<u8>]) {
    let len = input.len();
    let at = rng.below(len + 1);
    match rng.below(8) {
        0 if len > 0 => {
            let i = rng.below(len);
            input[i] ^= 1 << rng.below(8);
        }
        1 if len > 0 => {
            let i = rng.below(len);
            input[i] = rng.next_u64() as u8;
        }
        2 => {
            let token = TOKENS[rng.below(TOKENS.len())];
            input.splice(at..at, token.iter().copied());
        }
        3 if len > 0 => {
            let end = (at + 1 + rng.below(16)).min(len);
            input.drain(at.min(end)..end);
        }
        4 if len > 0 => {
            // Copy a run of the input elsewhere in it: repeated parameters,
            // nested objects, repeated elements.
            let from = rng.below(len);
            let run: Vec<u8> = input[from..(from + 1 + rng.below(64)).min(len)].to_vec();
            input.splice(at..at, run);
        }
        5 if !corpus.is_empty() => {
            let other = &corpus[rng.below(corpus.len())];
            if !other.is_empty() {
                let from = rng.below(other.len());
                let end = (from + 1 + rng.below(128)).min(other.len());
                input.splice(at..at, other[from..end].iter().copied());
            }
        }
        6 => {
            let count = 1 + rng.below(8);
            let bytes: Vec<u8> = (0..count).map(|_| rng.next_u64() as u8).collect();
            input.splice(at..at, bytes);
        }
        _ => {
            // Swap an ASCII digit run for an extreme number.
            let number: &[u8] = [
                &b"0"[..],
                b"-9223372036854775809",
                b"4294967296",
                b"99999999999999999999",
            ][rng.below(4)];
            let start = input.iter().position(u8::is_ascii_digit).unwrap_or(at);
            let end = input[start..]
                .iter()
                .position(|b| !b.is_ascii_digit())
                .map_or(input.len(), |i| start + i);
            input.splice(start..end, number.iter().copied());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_inputs() {
        let corpus = vec![b"response_type=code&scope=openid".to_vec()];
        let run = |seed| {
            let mut rng = Rng::new(seed);
            (0..200)
                .map(|_| {
                    let mut input = corpus[0].clone();
                    mutate(&mut rng, &mut input, &corpus, 64);
                    input
                })
                .collect::<Vec<_>>()
        };
        let a = run(7);
        assert_eq!(a, run(7));
        assert_ne!(a, run(8));
        assert!(a.iter().all(|i| i.len() <= 64));
        // Edits happen: most inputs differ from the seed input.
        assert!(a.iter().filter(|i| **i != corpus[0]).count() > 150);
    }
}
