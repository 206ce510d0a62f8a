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
