# Page frame
footer-powered-by = Signed in securely by { $product }
logo-alt = { $name } logo

# Sign-in
sign-in = Sign in
sign-in-with = Sign in with { $name }
login-continue-to = to continue to { $client }
username = Username
password = Password
forgot-password = Forgot your password?
create-account = Create an account
login-invalid = Invalid username or password.
login-locked-out = Too many failed attempts. Please wait a few minutes and try again.
login-busy = Too many sign-ins at this moment. Please try again in a few seconds.
form-expired = This form has expired or was not sent by this browser. Please sign in again.

# Error pages
error-title = Error
error-invalid-request = Invalid request
error-unavailable = Unavailable
error-not-found = Page not found
error-not-found-text = There is no page at this address.
error-back-hint = Go back to the application you came from and start again.

# Second factor
tfa-title = Two-step verification
totp-intro = Enter the 6-digit code from your authenticator app. Spaces are fine.
code = Code
verify = Verify
continue = Continue
confirm = Confirm
totp-lost-device = Lost your device? Enter one of your recovery codes instead.
code-invalid = That code is not valid. Try the next one.
code-mismatch = That code does not match. Check the time on your device and try again.
code-locked-out = Too many wrong codes. Please wait 15 minutes and try again.
step-form-expired = This form has expired or was not sent by this browser. Please try again.
note-before-enrolling = This sign-in needs a security key, which your account does not have yet. Before one can be added, confirm it's you with your authenticator app (or a recovery code).
note-first-factor = Your account has no second factor yet: you are setting up its first one now. Only continue if you just signed in yourself.
choice-intro = Choose how to confirm it's you.
choice-key = Use a security key or passkey
choice-totp = Enter a code from your authenticator app
totp-instead = Enter a code from your authenticator app instead
app-instead = Use an authenticator app instead

# Enrollment
enroll-title = Set up two-step verification
enroll-intro = This sign-in needs a second factor. Scan the code with an authenticator app (Google Authenticator, Aegis, 1Password …), then enter the 6-digit code it shows.
enroll-qr-label = QR code to scan with your authenticator app
enroll-shown-as = Your app will list this entry as:
enroll-manual = Can't scan? Enter this key by hand:
enroll-code = Code from the app
use-key-instead = Use a security key or passkey instead

# Recovery codes
recovery-title = Save your recovery codes
recovery-intro = Two-step verification is on. If you lose your device, each of these codes signs you in once. They are shown only now: print them or store them in a password manager.
recovery-copy = Copy codes
recovery-copied = Codes copied.
recovery-copy-failed = Copying failed: select the codes and copy them by hand.
recovery-download = Download as a text file
recovery-continue = I have saved them, continue
recovery-used-title = Recovery code used
recovery-used-intro = You signed in with a recovery code.
recovery-remaining = { $count ->
    [one] recovery code remains.
   *[other] recovery codes remain.
}
recovery-running-low = You are running low: ask an administrator to reset your two-step verification, or set up a new device.

# Security keys
key-register-title = Add a security key
key-register-intro-first = This sign-in needs a security key or passkey. Register one now: your browser will ask you to touch the key or confirm with your fingerprint, face or PIN.
key-register-intro = You confirmed it's you with your existing second factor. This sign-in needs a security key or passkey as well: register one now, and your browser will ask you to touch the key or confirm with your fingerprint, face or PIN.
key-register-button = Register security key
key-use-title = Use your security key
key-use-intro = Confirm with your security key or passkey to continue.
key-use-button = Use security key
key-needs-js = Security keys need JavaScript enabled.
key-unsupported = This browser does not support security keys.
key-cancelled = The request was cancelled or timed out. Try again.
key-error = Security key error:
choice-email = Email me a code
email-intro = Enter the 6-digit code we sent to { $to }.
email-expires = { $minutes ->
    [one] It expires in { $minutes } minute.
   *[other] It expires in { $minutes } minutes.
}
email-before-enrolling = This sign-in needs a security key, which your account does not have yet. Before one can be added, confirm it's you with a code sent to your email address.
email-sent-again = A new code is on its way.
email-resend = Send a new code
email-limited = Too many codes were sent to your address. Please wait 15 minutes, then ask for a new one.
email-code-invalid = That code is not valid. Check the latest mail, or ask for a new code.
# Account page
account-title = Your account
account-profile = Profile
account-profile-hint = Your name and email address are managed by your administrator.
account-password = Password
account-current-password = Current password
account-new-password = New password
account-change-password = Change password
account-factors = Two-step verification
account-factor-totp = Authenticator app
account-factor-key = Security key “{ $name }”
account-factor-email = Codes by email
account-no-factors = No second factor yet.
account-remove = Remove
account-recovery-left = { $count ->
    [one] One recovery code left.
   *[other] { $count } recovery codes left.
}
account-new-recovery-codes = Make new recovery codes
account-add-totp = Add an authenticator app
account-replace-totp = Set up a new authenticator app
account-fresh-hint = Changing the password, adding or removing a factor asks you to confirm with one of your factors if you signed in more than five minutes ago.
account-sessions = Signed-in browsers
account-session-since = Signed in since { $when }
account-session-current = this browser
account-session-end = Sign out this one
account-sessions-end-others = Sign out all other browsers
account-sign-out = Leave the account page
account-totp-hint = Scan the code with an authenticator app, then enter the 6-digit code it shows.
account-totp-by-hand = Can't scan? Enter this key by hand:
account-totp-code = Code from the app
account-confirm = Confirm
account-back = Back to your account
account-recovery-codes = Your recovery codes
account-recovery-codes-hint = Each code signs you in once if you lose your authenticator app. Keep them somewhere safe: they are shown only now.
account-signed-out = Signed out
account-signed-out-text = You left the account page.
account-sign-in-again = Sign in again
console-signed-out = Signed out
console-signed-out-text = You left the admin console.
console-sign-in-again = Sign in again
account-done-password = Your password was changed.
account-done-factor-removed = The factor was removed.
account-done-sessions = The browsers were signed out.
account-err-wrong-password = The current password is not correct.
account-err-locked-out = Too many failed attempts. Please wait a few minutes and try again.
account-err-busy = Too many sign-ins at this moment. Please try again in a few seconds.
account-err-weak-password = The new password is too short or too long (8 to 1024 characters).
account-err-last-factor = Your sign-in needs a second factor: add another one before you remove your last.
account-err-wrong-code = The code is not correct.
account-err-not-found = There is no such factor or browser.
account-add-key = Add a security key
account-done-key-added = The security key was added.

# Forgot password and sign-up
forgot-intro = Enter the email address of your account. We'll mail you a link to choose a new password.
email-address = Email address
forgot-send = Send the link
forgot-factors-stay = Your two-step verification stays as it is: a new password never removes it.
forgot-invalid-email = Enter the email address of your account.
forgot-sent = If an account uses that address, we have mailed it a link to choose a new password. The link works once and expires soon.
signup-intro = We'll mail you a link to choose your password; the account is created when you do.
first-name = First name
last-name = Last name
signup-submit = Sign up
signup-sent = If this address may sign up, we have mailed it a link to choose your password. Your account is created when you do.
signup-invalid-email = Enter a valid email address.
signup-names-missing = Enter your first and last name.
signup-names-too-long = Names are limited to 100 characters of text.
mail-sent-title = Check your mail
mail-sent-hint = The mail can take a few minutes. Check your spam folder too.
too-many-title = Too many requests
too-many-text = Too many requests were made for this address or from your network. Please wait an hour and try again.
account-created-title = Account created
account-created-text = Your account is ready. Sign in as { $username } from any application that uses this sign-in.

# Choosing a password from a mailed link
set-password-title = Choose your password
set-password-for = for { $username }
new-password = New password
repeat-password = Repeat it
set-password-submit = Set password
password-mismatch = The two passwords differ.
password-too-short = Choose a password of at least 8 characters.
link-invalid-title = Link not valid
link-invalid-text = This link is not valid: it has expired or was already used. Ask for a new one with "Forgot your password?" on the sign-in page, or ask your administrator.
link-too-many-title = Too many attempts
link-too-many-text = Too many links that are not valid were opened from your network. Please wait a few minutes and try again.
password-set-title = Password set
password-set-text = Your password is set. You can now sign in as { $username } from any application that uses this sign-in.

# Signing out
logout-title = Sign out
logout-question = Sign out?
logout-signed-in = You are signed in to { $product }.
logout-asked-by = { $client } asks you to sign out.
signed-out-title = Signed out
signed-out-heading = You are signed out
signed-out-text = You can close this window.

# SAML answer sent by the browser
saml-post-title = Signing in
saml-post-heading = Signing you in…
saml-post-hint = If nothing happens, press the button.
saml-post-to-app = Continue to the application

# Why an error page is shown
err-unavailable = The sign-in service is temporarily unavailable (a backing store cannot be reached). Please try again shortly.
err-internal = Something went wrong on our side.
err-login-expired = This sign-in request has expired or was already completed. Go back to the application and sign in again.
err-login-other-browser = This sign-in was started in another browser. Go back to the application and sign in again from this one.
err-client-gone = The application of this sign-in no longer exists.
err-unknown-client = The application that sent you here is not known to this sign-in service (unknown or missing client_id).
err-bad-redirect = The application sent a sign-in request that cannot be answered: where to send you back is missing or not allowed.
err-bad-saml-request = The application sent a SAML request that cannot be answered.
err-too-many-requests = Too many requests came from your network. Please wait a minute and try again.
err-unknown-request-uri = The request_uri is unknown, expired, already used or not this client's.
err-logout-foreign-hint = The id_token_hint is not an ID token issued by this provider.
err-logout-hint-other-client = client_id does not match the audience of the id_token_hint.
err-logout-redirect-without-client = post_logout_redirect_uri needs a client_id or an id_token_hint.
err-logout-unregistered-redirect = post_logout_redirect_uri is not registered for this client.
err-logout-expired = This sign-out request has expired. Go back to the application and sign out again.
err-upstream-unknown = There is no identity provider "{ $name }" here.
err-upstream-unreachable = The identity provider { $name } cannot be reached right now. Try again in a moment.
err-upstream-bad-state = This answer from the identity provider does not belong to a sign-in started in this browser, or was already used. Go back to the application and sign in again.
err-upstream-other = This answer was sent to another identity provider's address. Go back to the application and sign in again.
err-upstream-wrong-issuer = The answer names another issuer than the identity provider: it is refused.
err-upstream-denied = The identity provider did not sign you in.
err-upstream-bad-token = The identity provider's ID token was refused: { $check ->
    [missing] the answer carries no ID token
    [signature] its signature does not verify
    [aud] it was issued to another client (aud)
    [iss] it names another issuer (iss)
    [nonce] its nonce does not match this sign-in
    [exp] it has expired
   *[other] it is not valid
}.
err-upstream-bad-userinfo = The identity provider's user information was refused: { $why ->
    [subject] it names another user than the ID token
    [signature] it does not verify
   *[other] the answer could not be read
}.
err-upstream-stale = The identity provider did not sign you in recently enough for this application. Sign in there again.
err-upstream-no-account = There is no account here for this sign-in.
err-account-sign-in-failed = Signing in to your account page failed. Open the account page and sign in again.
err-console-sign-in-failed = Signing in to the admin console failed. Open the console and sign in again.
err-saml-too-large = The SAML request is too large.
err-saml-missing = The SAMLRequest parameter is missing.
err-saml-answer-gone = This sign-in answer has expired or was already sent. Go back to the application and sign in again.
err-signup-off = Sign-up is not offered here. Ask your administrator for an account.

# Mails
mail-hello = Hello { $name },
mail-hello-anonymous = Hello,
mail-hours = { $n ->
    [one] one hour
   *[other] { $n } hours
}
mail-minutes = { $n ->
    [one] one minute
   *[other] { $n } minutes
}
mail-totp-added-subject = An authenticator app was added to your account
mail-totp-added = An authenticator app was set up for two-step verification.
mail-key-added-subject = A security key was added to your account
mail-key-added = A security key or passkey was added for two-step verification.
mail-totp-removed-subject = An authenticator app was removed from your account
mail-totp-removed = The authenticator app and its recovery codes were removed from two-step verification.
mail-key-removed-subject = A security key was removed from your account
mail-key-removed = A security key or passkey was removed from two-step verification.
mail-codes-renewed-subject = New recovery codes were made for your account
mail-codes-renewed = New recovery codes were made; the previous ones no longer work.
mail-all-removed-subject = Your two-step verification was reset
mail-all-removed = Every second factor and recovery code was removed from your account. The next sign-in that needs two-step verification will ask you to set it up again.
mail-code-used-subject = A recovery code was used to sign in
mail-code-used = A recovery code was used to sign in.
mail-codes-remaining = { $n ->
    [one] 1 recovery code remains.
   *[other] { $n } recovery codes remain.
}
mail-by-admin = This was done by an administrator.
mail-account-when = Account: { $username }
    When: { $when }
mail-not-you-factor = If this was you, there is nothing to do. If it was not, someone else knows your password: tell your administrator at once, so that they can reset your two-step verification, and change your password.
mail-locked-subject = Wrong codes locked two-step verification on your account
mail-locked = a sign-in to your account passed its first step (your password, or your organization's sign-in), then a wrong two-step verification code was typed { $n } times. Signing in with a second factor is locked for { $minutes } minutes.
mail-locked-not-you = If this was you, wait and try again. If it was not, someone else knows your password: change it at once with "Forgot your password?" on the sign-in page (or at your organization, if you sign in there) and tell your administrator.
mail-account-created = an account was created for you at { $product }. Your username: { $username }
mail-onboarding-subject = Set your { $product } password
mail-onboarding-link = Choose your password here (the link works once and expires in { $ttl }):
mail-unexpected = If you did not expect this mail, you can ignore it.
mail-welcome-subject = Welcome to { $product }
mail-welcome-sign-in = Your administrator will tell you your first password. Sign in at { $url }.
mail-reset-subject = Reset your { $product } password
mail-reset = someone asked to reset the password of your account { $username }. Choose a new password here (the link works once and expires in { $ttl }):
mail-reset-factors-stay = Your two-step verification stays as it is: the next sign-in that needs it still asks for your second factor.
mail-reset-not-you = If you did not ask for this, ignore this mail: your password stays as it is.
mail-password-changed-subject = Your { $product } password was changed
mail-password-changed-account = the password of your account { $username } was changed on the account page at { $when }. Your browser sessions were signed out.
mail-password-changed-link = the password of your account { $username } was changed with a "forgot password" link at { $when }. Your browser sessions were signed out.
mail-password-changed-not-you = If this was you, there is nothing to do. If it was not, use "Forgot password" on the sign-in page at once and tell your administrator.
mail-signup-subject = Finish signing up for { $product }
mail-signup = someone (hopefully you) signed up for an account with this address. Choose your password here to create it (the link works once and expires in { $ttl }):
mail-signup-not-you = If you did not sign up, ignore this mail: no account is created.
mail-signup-exists-subject = You already have a { $product } account
mail-signup-exists = someone tried to sign up with this address, which already has an account ({ $username }). No new account was created.
mail-signup-exists-forgot = If you forgot your password, choose a new one here:
mail-signup-exists-not-you = If this was not you, you can ignore this mail.
mail-code-subject = Your sign-in code
mail-code-is = your sign-in code is
mail-code-expires = It works once, for the sign-in that asked for it, and expires in { $minutes } minutes.
mail-code-not-you = If you are not signing in right now, someone else knows your password: change it and tell your administrator. Never give this code to anyone.

consent-title = Allow access?
consent-intro = { $client } asks to use your account:
consent-scope-openid = who you are (an identifier for your account)
consent-scope-profile = your name, username and language
consent-scope-email = your email address
consent-scope-groups = the groups you belong to
consent-scope-offline_access = access while you are signed out
consent-offline = It can keep this access after you sign out, until you take it back on your account page.
consent-destination = Your answer goes to { $destination }.
consent-registered = This application registered itself with { $product }; it is not one your organisation set up.
consent-allow = Allow
consent-deny = Deny
err-consent-decision = Choose Allow or Deny.
account-consents = Applications you allowed
account-consent-since = allowed { $when }
account-consent-revoke = Take back
account-done-consent = The application no longer has access. It asks again at its next sign-in.
