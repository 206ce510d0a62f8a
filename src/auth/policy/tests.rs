use super::*;

fn rule(name: &str, f: impl FnOnce(&mut RuleSpec), require: &str) -> Rule {
    let mut spec = RuleSpec {
        name: name.into(),
        require: require.into(),
        ..Default::default()
    };
    f(&mut spec);
    Rule::parse(spec, &AcrRegistry::default()).unwrap()
}

fn subject<'a>(user: &'a str, groups: &'a [String], ip: &str) -> Subject<'a> {
    Subject {
        username: user,
        groups,
        client_id: "jira",
        ip: ip.parse().ok(),
        two_factor: true,
    }
}

#[test]
fn first_matching_rule_wins_else_default() {
    let p = Policy {
        default: Level::Mfa,
        mode: Mode::Enabled,
        rules: vec![
            rule(
                "office",
                |r| r.networks = vec!["10.0.0.0/8".into(), "fd00::/8".into()],
                "pwd",
            ),
            rule("customers", |r| r.groups = vec!["customers".into()], "phr"),
        ],
    };
    let cust = vec!["customers".to_string()];
    let d = p.decide(&[], &subject("a", &cust, "10.1.2.3"));
    assert_eq!((d.level, d.rule.as_deref()), (Level::Pwd, Some("office")));
    let d = p.decide(&[], &subject("a", &cust, "203.0.113.9"));
    assert_eq!(
        (d.level, d.rule.as_deref()),
        (Level::Phr, Some("customers"))
    );
    let d = p.decide(&[], &subject("a", &[], "fd00::1"));
    assert_eq!(d.level, Level::Pwd);
    let d = p.decide(&[], &subject("a", &[], "203.0.113.9"));
    assert_eq!((d.level, d.rule), (Level::Mfa, None));
    assert_eq!(d.trace.len(), 2);
    assert!(!d.trace[0].matched && d.trace[0].reason.contains("not in networks"));
}

#[test]
fn negated_fields_and_unknown_addresses() {
    let p = Policy {
        default: Level::Pwd,
        mode: Mode::Enabled,
        rules: vec![rule(
            "desk",
            |r| {
                r.clients = vec!["jira".into()];
                r.not_users = vec!["Admin".into()];
                r.not_networks = vec!["192.168.0.0/16".into()];
            },
            "mfa",
        )],
    };
    assert_eq!(
        p.decide(&[], &subject("bob", &[], "8.8.8.8")).level,
        Level::Mfa
    );
    assert_eq!(
        p.decide(&[], &subject("admin", &[], "8.8.8.8")).level,
        Level::Pwd,
        "not_users is case-insensitive"
    );
    assert_eq!(
        p.decide(&[], &subject("bob", &[], "192.168.1.1")).level,
        Level::Pwd
    );
    // No known address: never inside a network, so no exemption by network.
    assert_eq!(
        p.decide(&[], &subject("bob", &[], "garbage")).level,
        Level::Mfa
    );
}

#[test]
fn user_switch_exempts_and_enforced_mode_raises() {
    let p = Policy {
        default: Level::Pwd,
        mode: Mode::Enforced,
        rules: vec![],
    };
    let mut s = subject("a", &[], "1.1.1.1");
    assert_eq!(p.decide(&[], &s).level, Level::Mfa);
    s.two_factor = false;
    let d = p.decide(&[], &s);
    assert!(d.exempt);
    assert_eq!(d.level, Level::Pwd);
}

#[test]
fn stored_rules_follow_configured_ones() {
    let p = Policy {
        default: Level::Pwd,
        mode: Mode::Enabled,
        rules: vec![rule("cfg", |r| r.users = vec!["x".into()], "pwd")],
    };
    let stored = vec![rule("db", |_| {}, "mfa")];
    assert_eq!(
        p.decide(&stored, &subject("x", &[], "1.1.1.1"))
            .rule
            .as_deref(),
        Some("cfg")
    );
    assert_eq!(
        p.decide(&stored, &subject("y", &[], "1.1.1.1"))
            .rule
            .as_deref(),
        Some("db")
    );
}

#[test]
fn bad_rules_are_refused() {
    let r = AcrRegistry::default();
    let bad_level = RuleSpec {
        name: "x".into(),
        require: "gold".into(),
        ..Default::default()
    };
    assert!(Rule::parse(bad_level, &r).is_err());
    let bad_net = RuleSpec {
        name: "x".into(),
        require: "mfa".into(),
        networks: vec!["10.0.0.0/33".into()],
        ..Default::default()
    };
    assert!(Rule::parse(bad_net, &r).is_err());
    let single = RuleSpec {
        name: "x".into(),
        require: "mfa".into(),
        networks: vec!["10.0.0.1".into()],
        ..Default::default()
    };
    assert!(Rule::parse(single, &r).is_ok());
}

#[test]
fn groups_are_needed_only_when_a_rule_names_them() {
    let office = rule("office", |r| r.networks = vec!["10.0.0.0/8".into()], "pwd");
    let p = Policy {
        default: Level::Pwd,
        mode: Mode::Enabled,
        rules: vec![office.clone()],
    };
    assert!(!p.needs_groups(&[]));
    let staff = rule("staff", |r| r.not_groups = vec!["staff".into()], "mfa");
    assert!(
        p.needs_groups(std::slice::from_ref(&staff)),
        "a stored rule"
    );
    let p = Policy {
        rules: vec![office, rule("c", |r| r.groups = vec!["c".into()], "mfa")],
        ..p
    };
    assert!(p.needs_groups(&[]), "a configured rule");
}

/// A network written in its IPv4-mapped form is the IPv4 network: client
/// addresses arrive as plain IPv4, so the mapped form would match nothing.
#[test]
fn mapped_networks_are_their_ipv4_networks() {
    let net = |s: &str| parse_network(s).unwrap().to_string();
    assert_eq!(net("::ffff:10.0.0.0/104"), "10.0.0.0/8");
    assert_eq!(net("::ffff:10.0.0.2"), "10.0.0.2/32");
    assert_eq!(net("::ffff:0:0/96"), "0.0.0.0/0");
    assert_eq!(net("::ffff:10.1.2.3/104"), "10.0.0.0/8");
    assert_eq!(net("fd00::/8"), "fd00::/8");
    assert_eq!(net("::/0"), "::/0");
    assert_eq!(net("10.0.0.0/8"), "10.0.0.0/8");
    assert!(parse_network("10.0.0.0/33").is_none());
    let p = Policy {
        default: Level::Mfa,
        mode: Mode::Enabled,
        rules: vec![rule(
            "office",
            |r| r.networks = vec!["::ffff:10.0.0.0/104".into()],
            "pwd",
        )],
    };
    assert_eq!(
        p.decide(&[], &subject("a", &[], "10.1.2.3")).level,
        Level::Pwd
    );
    assert_eq!(
        p.decide(&[], &subject("a", &[], "11.1.2.3")).level,
        Level::Mfa
    );
}
