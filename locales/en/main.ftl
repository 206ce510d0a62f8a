# Page frame
footer-powered-by = Signed in securely by { $product }
logo-alt = { $name } logo

# Sign-in
sign-in = Sign in
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
