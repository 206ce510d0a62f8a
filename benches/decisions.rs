//! Micro-benchmarks of the per-request decisions: acr resolution
//! (`oidc::flow::choose_target`) and policy evaluation (`Policy::decide`) with a
//! realistic rule list.
//!
//! `cargo bench --bench decisions`; `cargo test --all-targets` runs each once.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use portcullis::auth::acr::{AcrRegistry, Level};
use portcullis::auth::policy::{Mode, Policy, Rule, RuleSpec, Subject};
use portcullis::oidc::authorize::AcrRequest;
use portcullis::oidc::flow::{Capabilities, choose_target};

fn registry() -> AcrRegistry {
    let mut r = AcrRegistry::default();
    r.add_alias("urn:example:jira:2fa", Level::Mfa)
        .expect("alias");
    r.add_alias("urn:example:confluence:pwd", Level::Pwd)
        .expect("alias");
    r
}

fn acr_resolution(c: &mut Criterion) {
    let registry = registry();
    let caps = Capabilities {
        has_totp: true,
        ..Capabilities::default()
    };
    let mut g = c.benchmark_group("choose_target");
    let cases = [
        ("none", vec![]),
        ("alias", vec!["urn:example:jira:2fa"]),
        ("unknown_then_phr_then_mfa", vec!["gold", "phr", "mfa"]),
    ];
    for (name, values) in cases {
        let req = AcrRequest {
            values: values.iter().map(|s| s.to_string()).collect(),
            essential: false,
            from_client_default: false,
        };
        g.bench_function(name, |b| {
            b.iter(|| choose_target(black_box(&req), Level::Pwd, &registry, &caps).expect("target"))
        });
    }
    g.finish();
}

fn rule(name: &str, require: &str, f: impl FnOnce(&mut RuleSpec)) -> Rule {
    let mut spec = RuleSpec {
        name: name.into(),
        require: require.into(),
        ..RuleSpec::default()
    };
    f(&mut spec);
    Rule::parse(spec, &registry()).expect("rule")
}

fn policy_evaluation(c: &mut Criterion) {
    let policy = Policy {
        default: Level::Mfa,
        mode: Mode::Enabled,
        rules: vec![
            rule("office network", "pwd", |r| {
                r.networks = vec![
                    "10.0.0.0/8".into(),
                    "192.168.0.0/16".into(),
                    "fd00::/8".into(),
                ]
            }),
            rule("service desk except admin", "mfa", |r| {
                r.clients = vec!["servicedesk".into()];
                r.not_users = vec!["admin".into()];
            }),
            rule("contractors", "phr", |r| {
                r.groups = vec!["contractors".into()]
            }),
            rule("employees", "pwd", |r| {
                r.groups = vec!["employees".into(), "staff".into()];
                r.not_networks = vec!["203.0.113.0/24".into()];
            }),
        ],
    };
    let stored = vec![rule("stored: wiki", "pwd", |r| {
        r.clients = vec!["wiki".into()]
    })];
    let groups = vec!["customers".to_string(), "jira-users".to_string()];
    let subject = Subject {
        username: "alice",
        groups: &groups,
        client_id: "wiki",
        ip: "198.51.100.7".parse().ok(),
        two_factor: true,
    };
    // The worst case: every rule is tried and the last (stored) one fires.
    c.bench_function("policy_decide_5_rules", |b| {
        b.iter(|| policy.decide(black_box(&stored), black_box(&subject)))
    });
}

criterion_group!(benches, acr_resolution, policy_evaluation);
criterion_main!(benches);
