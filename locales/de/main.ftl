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

# Kontoseite
account-title = Ihr Konto
account-profile = Profil
account-profile-hint = Name und E-Mail-Adresse verwaltet Ihre Administration.
account-password = Passwort
account-current-password = Aktuelles Passwort
account-new-password = Neues Passwort
account-change-password = Passwort ändern
account-factors = Zweistufige Anmeldung
account-factor-totp = Authenticator-App
account-factor-key = Sicherheitsschlüssel „{ $name }“
account-factor-email = Codes per E-Mail
account-no-factors = Noch kein zweiter Faktor.
account-remove = Entfernen
account-recovery-left = { $count ->
    [one] Noch ein Wiederherstellungscode.
   *[other] Noch { $count } Wiederherstellungscodes.
}
account-new-recovery-codes = Neue Wiederherstellungscodes erstellen
account-add-totp = Authenticator-App hinzufügen
account-replace-totp = Neue Authenticator-App einrichten
account-fresh-hint = Liegt Ihre Anmeldung mehr als fünf Minuten zurück, bestätigen Sie vor dem Ändern des Passworts und vor dem Hinzufügen oder Entfernen eines Faktors mit einem Ihrer Faktoren.
account-sessions = Angemeldete Browser
account-session-since = Angemeldet seit { $when }
account-session-current = dieser Browser
account-session-end = Diesen abmelden
account-sessions-end-others = Alle anderen Browser abmelden
account-sign-out = Kontoseite verlassen
account-totp-hint = Scannen Sie den Code mit einer Authenticator-App und geben Sie den angezeigten 6-stelligen Code ein.
account-totp-by-hand = Scannen nicht möglich? Geben Sie diesen Schlüssel von Hand ein:
account-totp-code = Code aus der App
account-confirm = Bestätigen
account-back = Zurück zu Ihrem Konto
account-recovery-codes = Ihre Wiederherstellungscodes
account-recovery-codes-hint = Jeder Code meldet Sie einmal an, falls Sie Ihre Authenticator-App verlieren. Bewahren Sie sie sicher auf: Sie werden nur jetzt angezeigt.
account-signed-out = Abgemeldet
account-signed-out-text = Sie haben die Kontoseite verlassen.
account-sign-in-again = Erneut anmelden
account-done-password = Ihr Passwort wurde geändert.
account-done-factor-removed = Der Faktor wurde entfernt.
account-done-sessions = Die Browser wurden abgemeldet.
account-err-wrong-password = Das aktuelle Passwort ist nicht korrekt.
account-err-locked-out = Zu viele Fehlversuche. Bitte warten Sie einige Minuten.
account-err-busy = Gerade melden sich zu viele an. Bitte versuchen Sie es in einigen Sekunden erneut.
account-err-weak-password = Das neue Passwort ist zu kurz oder zu lang (8 bis 1024 Zeichen).
account-err-last-factor = Ihre Anmeldung braucht einen zweiten Faktor: Fügen Sie einen weiteren hinzu, bevor Sie den letzten entfernen.
account-err-wrong-code = Der Code ist nicht korrekt.
account-err-not-found = Diesen Faktor oder Browser gibt es nicht.
account-add-key = Sicherheitsschlüssel hinzufügen
account-done-key-added = Der Sicherheitsschlüssel wurde hinzugefügt.
