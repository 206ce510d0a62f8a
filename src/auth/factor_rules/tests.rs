use super::*;

const NOW: i64 = 100_000_000;

fn proof(factor: Factor, ago_ms: i64) -> Proof {
    Proof {
        factor,
        at: NOW - ago_ms,
        user_verified: false,
        from: None,
    }
}

fn fresh() -> Freshness {
    Freshness::new(NOW, 0, None)
}

const TOTP: Enrolled = Enrolled {
    totp: true,
    webauthn: false,
    email: false,
};
const KEY: Enrolled = Enrolled {
    totp: false,
    webauthn: true,
    email: false,
};
const MAILBOX: Enrolled = Enrolled {
    totp: false,
    webauthn: false,
    email: true,
};

#[test]
fn an_account_without_factors_enrolls_its_first_after_the_password() {
    let p = may_add_factor(
        Enrolled::default(),
        &[proof(Factor::Password, 1_000)],
        &fresh(),
    )
    .unwrap();
    assert!(p.first_factor());
}

#[test]
fn a_password_alone_never_adds_to_an_account_with_a_factor() {
    let pwd = [proof(Factor::Password, 1_000)];
    for enrolled in [TOTP, KEY] {
        assert_eq!(
            may_add_factor(enrolled, &pwd, &fresh()),
            Err(Refused::ProveExistingFactor)
        );
    }
}

#[test]
fn a_recent_proof_of_an_own_factor_permits_another() {
    let proofs = [proof(Factor::Password, 60_000), proof(Factor::Totp, 30_000)];
    let p = may_add_factor(TOTP, &proofs, &fresh()).unwrap();
    assert!(!p.first_factor());
    let rc = [
        proof(Factor::Password, 60_000),
        proof(Factor::RecoveryCode, 30_000),
    ];
    assert!(may_add_factor(TOTP, &rc, &fresh()).is_ok());
    let key = [
        proof(Factor::Password, 60_000),
        proof(Factor::WebAuthn, 30_000),
    ];
    assert!(may_add_factor(KEY, &key, &fresh()).is_ok());
}

#[test]
fn a_proof_of_a_factor_the_account_does_not_have_does_not_count() {
    // A TOTP proof left in the session after the TOTP factor was removed.
    let proofs = [proof(Factor::Password, 60_000), proof(Factor::Totp, 30_000)];
    assert!(may_add_factor(KEY, &proofs, &fresh()).is_err());
}

#[test]
fn an_old_proof_does_not_count() {
    let proofs = [
        proof(Factor::Password, 60_000),
        proof(Factor::Totp, PROOF_MAX_AGE_MS + 1),
    ];
    assert!(may_add_factor(TOTP, &proofs, &fresh()).is_err());
    let edge = [
        proof(Factor::Password, 60_000),
        proof(Factor::Totp, PROOF_MAX_AGE_MS),
    ];
    assert!(may_add_factor(TOTP, &edge, &fresh()).is_ok());
}

#[test]
fn the_request_freshness_applies() {
    let proofs = [proof(Factor::Password, 1_000), proof(Factor::Totp, 60_000)];
    // max_age / prompt=login: the TOTP proof predates what this request accepts.
    let strict = Freshness::new(NOW, NOW - 5_000, None);
    assert!(may_add_factor(TOTP, &proofs, &strict).is_err());
    // acr.step_up_ttl shorter than the proof's age.
    let ttl = Freshness::new(NOW, 0, Some(30_000));
    assert!(may_add_factor(TOTP, &proofs, &ttl).is_err());
    // Without a counting password nothing is permitted either.
    assert!(may_add_factor(TOTP, &proofs[1..], &fresh()).is_err());
    assert_eq!(
        may_add_factor(Enrolled::default(), &[], &fresh()),
        Err(Refused::PasswordFirst)
    );
}

#[test]
fn reachable_only_with_no_factor_or_a_provable_one() {
    assert!(reachable(Enrolled::default(), false));
    assert!(reachable(TOTP, true));
    assert!(!reachable(KEY, false));
}

#[test]
fn a_mailbox_is_a_factor_a_password_alone_cannot_add_beside() {
    let pwd = [proof(Factor::Password, 1_000)];
    assert_eq!(
        may_add_factor(MAILBOX, &pwd, &fresh()),
        Err(Refused::ProveExistingFactor)
    );
    let mailed = [proof(Factor::Password, 1_000), proof(Factor::EmailOtp, 500)];
    let p = may_add_factor(MAILBOX, &mailed, &fresh()).unwrap();
    assert!(!p.first_factor());
}

#[test]
fn a_mailed_code_never_adds_beside_an_authenticator() {
    let with_app = Enrolled {
        email: true,
        ..TOTP
    };
    let mailed = [proof(Factor::Password, 1_000), proof(Factor::EmailOtp, 500)];
    assert_eq!(
        may_add_factor(with_app, &mailed, &fresh()),
        Err(Refused::ProveExistingFactor)
    );
    let with_key = Enrolled { email: true, ..KEY };
    assert!(may_add_factor(with_key, &mailed, &fresh()).is_err());
}
