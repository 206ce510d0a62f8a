//! `client create` / `client update` flags for pushed authorization requests,
//! signed userinfo and back-channel logout (see [`ClientOptions`]).

use anyhow::bail;
use clap::Args;

use crate::db::clients::ClientOptions;
use crate::keys::SigningAlg;

#[derive(Args, Default)]
pub struct OptionArgs {
    /// Authorization requests only through the PAR endpoint (RFC 9126); `--require-par false` turns it off.
    #[arg(long = "require-par", num_args = 0..=1, default_missing_value = "true")]
    require_par: Option<bool>,
    /// Userinfo answers as a JWT signed with RS256 or ES256; `none`: plain JSON.
    #[arg(long = "userinfo-alg")]
    userinfo_alg: Option<String>,
    /// Where logout tokens are POSTed (OpenID Connect Back-Channel Logout); `""` removes it.
    #[arg(long = "backchannel-logout-uri")]
    backchannel_logout_uri: Option<String>,
    /// Logout tokens must carry `sid`; `--backchannel-logout-session-required false` turns it off.
    #[arg(
        long = "backchannel-logout-session-required",
        num_args = 0..=1,
        default_missing_value = "true"
    )]
    backchannel_logout_session_required: Option<bool>,
}

impl OptionArgs {
    pub fn changes_nothing(&self) -> bool {
        self.require_par.is_none()
            && self.userinfo_alg.is_none()
            && self.backchannel_logout_uri.is_none()
            && self.backchannel_logout_session_required.is_none()
    }

    /// Applies what was given to `options`; the rest stays.
    pub fn apply(self, options: &mut ClientOptions) -> anyhow::Result<()> {
        if let Some(b) = self.require_par {
            options.require_pushed_authorization_requests = b;
        }
        match self.userinfo_alg.as_deref() {
            None => {}
            Some("none") => options.userinfo_signed_response_alg = None,
            Some(a) => {
                options.userinfo_signed_response_alg =
                    Some(a.parse::<SigningAlg>().map_err(anyhow::Error::msg)?);
            }
        }
        match self.backchannel_logout_uri {
            None => {}
            Some(u) if u.is_empty() => {
                options.backchannel_logout_uri = None;
                options.backchannel_logout_session_required = false;
            }
            Some(u) => options.backchannel_logout_uri = Some(u),
        }
        if let Some(b) = self.backchannel_logout_session_required {
            options.backchannel_logout_session_required = b;
        }
        if let Err(e) = options.check() {
            bail!("{e}");
        }
        Ok(())
    }
}
