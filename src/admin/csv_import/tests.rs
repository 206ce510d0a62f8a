use super::*;

fn ok_rows(p: &Parsed) -> Vec<&ParsedRow> {
    p.rows.iter().filter(|r| r.verdict == Verdict::Ok).collect()
}

#[test]
fn our_columns_map_with_groups_split_on_semicolons() {
    let csv = "username,email,first_name,last_name,display_name,password,groups\n\
alice,Alice@Example.com,Alice,Liddell,,correct horse battery,customers; jira-users\n";
    let p = parse(csv.as_bytes()).unwrap();
    assert_eq!(p.rows.len(), 1);
    let r = &p.rows[0];
    assert_eq!(r.row, 1, "data rows count from 1; the header is not a row");
    assert_eq!(r.verdict, Verdict::Ok);
    assert_eq!(r.user.username, "alice");
    assert_eq!(r.user.email, "alice@example.com");
    assert_eq!(r.user.password.as_deref(), Some("correct horse battery"));
    assert_eq!(r.user.groups, vec!["customers", "jira-users"]);
    assert!(p.ignored_columns.is_empty());
}

#[test]
fn atlassian_export_headers_map() {
    // Headers as Atlassian's portal-customer and user exports write them.
    let csv = "\u{feff}Account ID,Name,Email,Status,Last active,Organizations,Favourite colour\n\
5b10ac8d82e05b22cc7d4ef5,Grace Hopper,grace@navy.example,Active,2024-01-02,Navy;COBOL,blue\n\
5b10ac8d82e05b22cc7d4ef6,Old Account,old@example.com,Inactive,,,\n";
    let p = parse(csv.as_bytes()).unwrap();
    assert_eq!(p.ignored_columns, vec!["Favourite colour"]);
    let g = &p.rows[0];
    assert_eq!(g.verdict, Verdict::Ok);
    assert_eq!(
        g.user.username, "grace@navy.example",
        "email is the username when none is given"
    );
    assert_eq!(g.user.display_name, "Grace Hopper");
    assert_eq!(
        (g.user.first_name.as_str(), g.user.last_name.as_str()),
        ("Grace", "Hopper")
    );
    assert_eq!(g.user.groups, vec!["COBOL", "Navy"]);
    assert!(matches!(p.rows[1].verdict, Verdict::Skip(_)));

    let csv =
        "User id,User name,Email address,User status\nx,Ada Lovelace,ada@example.com,active\n";
    let p = parse(csv.as_bytes()).unwrap();
    assert_eq!(ok_rows(&p).len(), 1);
    assert_eq!(p.rows[0].user.display_name, "Ada Lovelace");
    assert_eq!(p.rows[0].user.email, "ada@example.com");
}

#[test]
fn bad_rows_are_problems_and_never_stop_the_rest() {
    let csv = "username,email,password\n\
good1,g1@example.com,\n\
,missing-at-sign,\n\
bad name,b@example.com,\n\
good2,g2@example.com,short\n\
good1,other@example.com,\n\
good3,G1@example.com,\n\
good4,g4@example.com,,extra\n\
good5,g5@example.com\n";
    let p = parse(csv.as_bytes()).unwrap();
    assert_eq!(p.rows.len(), 8, "every data row is counted");
    let problems: Vec<usize> = p
        .rows
        .iter()
        .filter(|r| matches!(r.verdict, Verdict::Invalid(_)))
        .map(|r| r.row)
        .collect();
    assert_eq!(problems, vec![2, 3, 4, 5, 6, 7]);
    let Verdict::Invalid(m) = &p.rows[4].verdict else {
        panic!()
    };
    assert!(m.contains("repeats row 1"), "{m}");
    assert_eq!(
        p.rows[7].verdict,
        Verdict::Ok,
        "a short row is read with empty fields"
    );
}

#[test]
fn file_level_faults_are_errors() {
    assert!(parse(b"").is_err());
    assert!(
        parse(b"username,name\nalice,Alice\n").is_err(),
        "no email column"
    );
    let big = format!("email\n{}", "a@example.com\n".repeat(MAX_ROWS + 1));
    assert!(parse(big.as_bytes()).is_err());
    let wide = format!("email{}\na@example.com\n", ",x".repeat(MAX_COLUMNS));
    assert!(parse(wide.as_bytes()).unwrap_err().contains("columns"));
    let long_row = format!("email\na@example.com{}\n", ",".repeat(MAX_COLUMNS));
    assert!(
        parse(long_row.as_bytes())
            .unwrap_err()
            .contains("fields in row 1")
    );
    let fits = format!("email{}\na@example.com\n", ",x".repeat(MAX_COLUMNS - 1));
    assert!(parse(fits.as_bytes()).is_ok());
}

#[test]
fn quoted_fields_and_non_utf8() {
    let mut csv =
        b"email,display_name\n\"q@example.com\",\"Doe, Jane \"\"JD\"\"\"\nx@example.com,".to_vec();
    csv.extend_from_slice(&[0xff, 0xfe]);
    csv.push(b'\n');
    let p = parse(&csv).unwrap();
    assert_eq!(p.rows[0].user.display_name, "Doe, Jane \"JD\"");
    assert!(matches!(p.rows[1].verdict, Verdict::Invalid(_)));
}

/// A row's groups meet the rules of every group made: a noncharacter (which a
/// SAML assertion could not carry) makes the row a problem at validation, not
/// a failure when the import runs.
#[test]
fn a_group_no_group_could_be_named_is_a_problem() {
    let csv = "username,email,groups\n\
ok,ok@example.com,org;staff\n\
bad,bad@example.com,org\u{FFFE}\n";
    let p = parse(csv.as_bytes()).unwrap();
    assert_eq!(p.rows[0].verdict, Verdict::Ok);
    let Verdict::Invalid(m) = &p.rows[1].verdict else {
        panic!("{:?}", p.rows[1].verdict)
    };
    assert!(m.contains("invalid group name"), "{m}");
}
