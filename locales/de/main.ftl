# Seitenrahmen
footer-powered-by = Sicher angemeldet mit { $product }
logo-alt = Logo von { $name }

# Anmeldung
sign-in = Anmelden
login-continue-to = um mit { $client } fortzufahren
username = Benutzername
password = Passwort
forgot-password = Passwort vergessen?
create-account = Konto erstellen
login-invalid = Benutzername oder Passwort ist falsch.
login-locked-out = Zu viele Fehlversuche. Bitte warten Sie einige Minuten und versuchen Sie es erneut.
login-busy = Gerade melden sich zu viele Personen an. Bitte versuchen Sie es in ein paar Sekunden erneut.
form-expired = Dieses Formular ist abgelaufen oder wurde nicht von diesem Browser gesendet. Bitte melden Sie sich erneut an.

# Fehlerseiten
error-title = Fehler
error-invalid-request = Ungültige Anfrage
error-unavailable = Nicht verfügbar
error-not-found = Seite nicht gefunden
error-not-found-text = Unter dieser Adresse gibt es keine Seite.
error-back-hint = Kehren Sie zur Anwendung zurück, von der Sie kamen, und beginnen Sie erneut.
