//! A user CSV file as the import reads it (admin API body, CLI file). Rows are
//! numbered from 1 without gaps, and a row judged importable has a username and
//! an email.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portcullis::admin::csv_import::{self, Verdict};

fuzz_target!(|data: &[u8]| {
    let Ok(parsed) = csv_import::parse(data) else {
        return;
    };
    for (i, row) in parsed.rows.iter().enumerate() {
        assert_eq!(row.row, i + 1);
        if row.verdict == Verdict::Ok {
            assert!(!row.user.email.is_empty());
            assert!(!row.user.username.is_empty());
        }
    }
});
