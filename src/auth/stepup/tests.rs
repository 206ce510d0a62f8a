use super::*;

fn proof(factor: Factor, at: i64) -> Proof {
    Proof {
        factor,
        at,
        user_verified: false,
        from: None,
    }
}

const NOW: i64 = 1_000_000;

#[test]
fn password_only_meets_pwd_and_needs_a_second_factor_for_mfa() {
    let proofs = [proof(Factor::Password, NOW - 10)];
    let f = Freshness::new(NOW, 0, None);
    assert_eq!(level_met(&proofs, &f), Some(Level::Pwd));
    assert_eq!(missing(&proofs, Level::Pwd, &f), Missing::Nothing);
    assert_eq!(
        missing(&proofs, Level::Mfa, &f),
        Missing::SecondFactor {
            webauthn_only: false
        }
    );
    assert_eq!(
        missing(&proofs, Level::Phr, &f),
        Missing::SecondFactor {
            webauthn_only: true
        }
    );
}

#[test]
fn totp_meets_mfa_but_not_phr() {
    let proofs = [
        proof(Factor::Password, NOW - 10),
        proof(Factor::Totp, NOW - 5),
    ];
    let f = Freshness::new(NOW, 0, None);
    assert_eq!(level_met(&proofs, &f), Some(Level::Mfa));
    let ev = evidence(&proofs, Level::Mfa, &f).unwrap();
    assert_eq!(amr(&ev), vec!["pwd", "otp", "mfa"]);
    assert_eq!(auth_time(&ev), (NOW - 5) / 1000);
    assert_eq!(
        missing(&proofs, Level::Phr, &f),
        Missing::SecondFactor {
            webauthn_only: true
        }
    );
}

#[test]
fn webauthn_meets_phr_and_reports_user_verification() {
    let mut key = proof(Factor::WebAuthn, NOW - 1);
    key.user_verified = true;
    let proofs = [proof(Factor::Password, NOW - 10), key];
    let f = Freshness::new(NOW, 0, None);
    assert_eq!(level_met(&proofs, &f), Some(Level::Phr));
    let ev = evidence(&proofs, Level::Phr, &f).unwrap();
    assert_eq!(amr(&ev), vec!["pwd", "hwk", "user", "mfa"]);
}

#[test]
fn not_before_discards_old_proofs_of_every_kind() {
    let proofs = [
        proof(Factor::Password, NOW - 100),
        proof(Factor::Totp, NOW - 50),
    ];
    let f = Freshness::new(NOW, NOW - 60, None);
    assert_eq!(missing(&proofs, Level::Mfa, &f), Missing::Password);
    assert_eq!(level_met(&proofs, &f), None);
}

#[test]
fn step_up_ttl_expires_only_the_second_factor() {
    let proofs = [
        proof(Factor::Password, NOW - 100),
        proof(Factor::Totp, NOW - 50),
    ];
    let f = Freshness::new(NOW, 0, Some(40));
    assert_eq!(level_met(&proofs, &f), Some(Level::Pwd));
    assert_eq!(
        missing(&proofs, Level::Mfa, &f),
        Missing::SecondFactor {
            webauthn_only: false
        }
    );
}

#[test]
fn recovery_code_is_not_claimed_as_otp() {
    let proofs = [
        proof(Factor::Password, NOW - 10),
        proof(Factor::RecoveryCode, NOW - 5),
    ];
    let f = Freshness::new(NOW, 0, None);
    let ev = evidence(&proofs, Level::Mfa, &f).unwrap();
    let amr = amr(&ev);
    assert!(!amr.contains(&"otp".to_string()));
    assert_eq!(amr, vec!["pwd", "rc", "mfa"]);
}

#[test]
fn proofs_from_the_future_do_not_count() {
    let proofs = [proof(Factor::Password, NOW + 60_000)];
    let f = Freshness::new(NOW, 0, None);
    assert_eq!(level_met(&proofs, &f), None);
}
