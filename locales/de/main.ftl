# Seitenrahmen
footer-powered-by = Sicher angemeldet mit { $product }
logo-alt = Logo von { $name }

# Anmeldung
sign-in = Anmelden
sign-in-with = Mit { $name } anmelden
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

# Zweiter Faktor
tfa-title = Zwei-Schritt-Bestätigung
totp-intro = Geben Sie den 6-stelligen Code aus Ihrer Authenticator-App ein. Leerzeichen sind erlaubt.
code = Code
verify = Bestätigen
continue = Weiter
confirm = Bestätigen
totp-lost-device = Gerät verloren? Geben Sie stattdessen einen Ihrer Wiederherstellungscodes ein.
code-invalid = Dieser Code ist ungültig. Versuchen Sie den nächsten.
code-mismatch = Dieser Code stimmt nicht. Prüfen Sie die Uhrzeit auf Ihrem Gerät und versuchen Sie es erneut.
code-locked-out = Zu viele falsche Codes. Bitte warten Sie 15 Minuten und versuchen Sie es erneut.
step-form-expired = Dieses Formular ist abgelaufen oder wurde nicht von diesem Browser gesendet. Bitte versuchen Sie es erneut.
note-before-enrolling = Diese Anmeldung erfordert einen Sicherheitsschlüssel, den Ihr Konto noch nicht hat. Bevor einer hinzugefügt werden kann, bestätigen Sie Ihre Identität mit Ihrer Authenticator-App (oder einem Wiederherstellungscode).
note-first-factor = Ihr Konto hat noch keinen zweiten Faktor: Sie richten gerade den ersten ein. Fahren Sie nur fort, wenn Sie sich eben selbst angemeldet haben.
choice-intro = Wählen Sie, wie Sie Ihre Identität bestätigen.
choice-key = Sicherheitsschlüssel oder Passkey verwenden
choice-totp = Code aus der Authenticator-App eingeben
totp-instead = Stattdessen einen Code aus der Authenticator-App eingeben
app-instead = Stattdessen eine Authenticator-App verwenden

# Einrichtung
enroll-title = Zwei-Schritt-Bestätigung einrichten
enroll-intro = Diese Anmeldung erfordert einen zweiten Faktor. Scannen Sie den Code mit einer Authenticator-App (Google Authenticator, Aegis, 1Password …) und geben Sie dann den angezeigten 6-stelligen Code ein.
enroll-qr-label = QR-Code zum Scannen mit Ihrer Authenticator-App
enroll-shown-as = Ihre App zeigt diesen Eintrag so an:
enroll-manual = Scannen nicht möglich? Geben Sie diesen Schlüssel von Hand ein:
enroll-code = Code aus der App
use-key-instead = Stattdessen einen Sicherheitsschlüssel oder Passkey verwenden

# Wiederherstellungscodes
recovery-title = Speichern Sie Ihre Wiederherstellungscodes
recovery-intro = Die Zwei-Schritt-Bestätigung ist aktiv. Wenn Sie Ihr Gerät verlieren, meldet Sie jeder dieser Codes einmal an. Sie werden nur jetzt angezeigt: Drucken Sie sie aus oder speichern Sie sie in einem Passwort-Manager.
recovery-copy = Codes kopieren
recovery-copied = Codes kopiert.
recovery-copy-failed = Kopieren fehlgeschlagen: Markieren Sie die Codes und kopieren Sie sie von Hand.
recovery-download = Als Textdatei herunterladen
recovery-continue = Ich habe sie gespeichert, weiter
recovery-used-title = Wiederherstellungscode verwendet
recovery-used-intro = Sie haben sich mit einem Wiederherstellungscode angemeldet.
recovery-remaining = { $count ->
    [one] Wiederherstellungscode bleibt übrig.
   *[other] Wiederherstellungscodes bleiben übrig.
}
recovery-running-low = Ihre Codes werden knapp: Bitten Sie einen Administrator, Ihre Zwei-Schritt-Bestätigung zurückzusetzen, oder richten Sie ein neues Gerät ein.

# Sicherheitsschlüssel
key-register-title = Sicherheitsschlüssel hinzufügen
key-register-intro-first = Diese Anmeldung erfordert einen Sicherheitsschlüssel oder Passkey. Registrieren Sie jetzt einen: Ihr Browser bittet Sie, den Schlüssel zu berühren oder mit Fingerabdruck, Gesicht oder PIN zu bestätigen.
key-register-intro = Sie haben Ihre Identität mit Ihrem bisherigen zweiten Faktor bestätigt. Diese Anmeldung erfordert zusätzlich einen Sicherheitsschlüssel oder Passkey: Registrieren Sie jetzt einen, Ihr Browser bittet Sie, den Schlüssel zu berühren oder mit Fingerabdruck, Gesicht oder PIN zu bestätigen.
key-register-button = Sicherheitsschlüssel registrieren
key-use-title = Sicherheitsschlüssel verwenden
key-use-intro = Bestätigen Sie mit Ihrem Sicherheitsschlüssel oder Passkey, um fortzufahren.
key-use-button = Sicherheitsschlüssel verwenden
key-needs-js = Sicherheitsschlüssel benötigen aktiviertes JavaScript.
key-unsupported = Dieser Browser unterstützt keine Sicherheitsschlüssel.
key-cancelled = Die Anfrage wurde abgebrochen oder ist abgelaufen. Versuchen Sie es erneut.
key-error = Fehler des Sicherheitsschlüssels:
choice-email = Code per E-Mail senden
email-intro = Geben Sie den 6-stelligen Code ein, den wir an { $to } gesendet haben.
email-expires = { $minutes ->
    [one] Er läuft in { $minutes } Minute ab.
   *[other] Er läuft in { $minutes } Minuten ab.
}
email-before-enrolling = Diese Anmeldung erfordert einen Sicherheitsschlüssel, den Ihr Konto noch nicht hat. Bevor einer hinzugefügt werden kann, bestätigen Sie Ihre Identität mit einem Code, den wir an Ihre E-Mail-Adresse senden.
email-sent-again = Ein neuer Code ist unterwegs.
email-resend = Neuen Code senden
email-limited = An Ihre Adresse wurden zu viele Codes gesendet. Bitte warten Sie 15 Minuten und fordern Sie dann einen neuen an.
email-code-invalid = Dieser Code ist ungültig. Prüfen Sie die neueste E-Mail oder fordern Sie einen neuen Code an.
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
console-signed-out = Abgemeldet
console-signed-out-text = Sie haben die Administrationskonsole verlassen.
console-sign-in-again = Erneut anmelden
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

# Forgot password and sign-up
forgot-intro = Geben Sie die E-Mail-Adresse Ihres Kontos ein. Wir senden Ihnen einen Link, um ein neues Passwort zu wählen.
email-address = E-Mail-Adresse
forgot-send = Link senden
forgot-factors-stay = Ihre Zwei-Schritt-Bestätigung bleibt, wie sie ist: Ein neues Passwort entfernt sie nie.
forgot-invalid-email = Geben Sie die E-Mail-Adresse Ihres Kontos ein.
forgot-sent = Falls ein Konto diese Adresse verwendet, haben wir ihr einen Link gesendet, um ein neues Passwort zu wählen. Der Link funktioniert einmal und läuft bald ab.
signup-intro = Wir senden Ihnen einen Link, um Ihr Passwort zu wählen; das Konto wird dann angelegt.
first-name = Vorname
last-name = Nachname
signup-submit = Registrieren
signup-sent = Falls sich diese Adresse registrieren darf, haben wir ihr einen Link gesendet, um Ihr Passwort zu wählen. Ihr Konto wird dann angelegt.
signup-invalid-email = Geben Sie eine gültige E-Mail-Adresse ein.
signup-names-missing = Geben Sie Ihren Vor- und Nachnamen ein.
signup-names-too-long = Namen sind auf 100 Zeichen Text begrenzt.
mail-sent-title = Sehen Sie in Ihr Postfach
mail-sent-hint = Die E-Mail kann einige Minuten brauchen. Sehen Sie auch im Spam-Ordner nach.
too-many-title = Zu viele Anfragen
too-many-text = Für diese Adresse oder aus Ihrem Netzwerk kamen zu viele Anfragen. Bitte warten Sie eine Stunde und versuchen Sie es erneut.
account-created-title = Konto angelegt
account-created-text = Ihr Konto ist bereit. Melden Sie sich als { $username } bei jeder Anwendung an, die diese Anmeldung verwendet.

# Choosing a password from a mailed link
set-password-title = Wählen Sie Ihr Passwort
set-password-for = für { $username }
new-password = Neues Passwort
repeat-password = Wiederholen
set-password-submit = Passwort festlegen
password-mismatch = Die beiden Passwörter sind verschieden.
password-too-short = Wählen Sie ein Passwort mit mindestens 8 Zeichen.
link-invalid-title = Link ungültig
link-invalid-text = Dieser Link ist ungültig: Er ist abgelaufen oder wurde schon verwendet. Fordern Sie mit „Passwort vergessen?“ auf der Anmeldeseite einen neuen an, oder fragen Sie Ihre Administration.
link-too-many-title = Zu viele Versuche
link-too-many-text = Aus Ihrem Netzwerk wurden zu viele ungültige Links geöffnet. Bitte warten Sie einige Minuten und versuchen Sie es erneut.
password-set-title = Passwort festgelegt
password-set-text = Ihr Passwort ist festgelegt. Sie können sich jetzt als { $username } bei jeder Anwendung anmelden, die diese Anmeldung verwendet.

# Signing out
logout-title = Abmelden
logout-question = Abmelden?
logout-signed-in = Sie sind bei { $product } angemeldet.
logout-asked-by = { $client } bittet Sie, sich abzumelden.
signed-out-title = Abgemeldet
signed-out-heading = Sie sind abgemeldet
signed-out-text = Sie können dieses Fenster schließen.

# SAML answer sent by the browser
saml-post-title = Anmeldung
saml-post-heading = Sie werden angemeldet…
saml-post-hint = Falls nichts passiert, drücken Sie die Schaltfläche.
saml-post-to-app = Weiter zur Anwendung

# Why an error page is shown
err-unavailable = Der Anmeldedienst ist vorübergehend nicht verfügbar (ein Datenspeicher antwortet nicht). Bitte versuchen Sie es gleich noch einmal.
err-internal = Bei uns ist etwas schiefgegangen.
err-login-expired = Diese Anmeldeanfrage ist abgelaufen oder wurde bereits abgeschlossen. Kehren Sie zur Anwendung zurück und melden Sie sich erneut an.
err-login-other-browser = Diese Anmeldung wurde in einem anderen Browser begonnen. Kehren Sie zur Anwendung zurück und melden Sie sich in diesem Browser erneut an.
err-client-gone = Die Anwendung dieser Anmeldung gibt es nicht mehr.
err-unknown-client = Die Anwendung, die Sie hierher geschickt hat, ist diesem Anmeldedienst nicht bekannt (client_id unbekannt oder fehlt).
err-bad-redirect = Die Anwendung hat eine Anmeldeanfrage geschickt, die nicht beantwortet werden kann: Die Rücksprungadresse fehlt oder ist nicht erlaubt.
err-bad-saml-request = Die Anwendung hat eine SAML-Anfrage geschickt, die nicht beantwortet werden kann.
err-too-many-requests = Aus Ihrem Netzwerk kamen zu viele Anfragen. Bitte warten Sie eine Minute und versuchen Sie es erneut.
err-unknown-request-uri = Die request_uri ist unbekannt, abgelaufen, schon verwendet oder gehört nicht zu dieser Anwendung.
err-logout-foreign-hint = Der id_token_hint ist kein ID-Token dieses Anmeldedienstes.
err-logout-hint-other-client = Die client_id passt nicht zur Zielgruppe des id_token_hint.
err-logout-redirect-without-client = post_logout_redirect_uri braucht eine client_id oder einen id_token_hint.
err-logout-unregistered-redirect = Die post_logout_redirect_uri ist für diese Anwendung nicht registriert.
err-logout-expired = Diese Abmeldeanfrage ist abgelaufen. Kehren Sie zur Anwendung zurück und melden Sie sich erneut ab.
err-upstream-unknown = Einen Identitätsanbieter „{ $name }“ gibt es hier nicht.
err-upstream-unreachable = Der Identitätsanbieter { $name } ist gerade nicht erreichbar. Versuchen Sie es gleich noch einmal.
err-upstream-bad-state = Diese Antwort des Identitätsanbieters gehört zu keiner Anmeldung, die in diesem Browser begonnen wurde, oder wurde schon verwendet. Kehren Sie zur Anwendung zurück und melden Sie sich erneut an.
err-upstream-other = Diese Antwort wurde an die Adresse eines anderen Identitätsanbieters geschickt. Kehren Sie zur Anwendung zurück und melden Sie sich erneut an.
err-upstream-wrong-issuer = Die Antwort nennt einen anderen Aussteller als den Identitätsanbieter: Sie wird abgelehnt.
err-upstream-denied = Der Identitätsanbieter hat Sie nicht angemeldet.
err-upstream-bad-token = Das ID-Token des Identitätsanbieters wurde abgelehnt: { $check ->
    [missing] die Antwort enthält kein ID-Token
    [signature] seine Signatur ist ungültig
    [aud] es wurde für einen anderen Client ausgestellt (aud)
    [iss] es nennt einen anderen Aussteller (iss)
    [nonce] seine Nonce passt nicht zu dieser Anmeldung
    [exp] es ist abgelaufen
   *[other] es ist ungültig
}.
err-upstream-bad-userinfo = Die Benutzerinformationen des Identitätsanbieters wurden abgelehnt: { $why ->
    [subject] sie nennen einen anderen Benutzer als das ID-Token
    [signature] ihre Signatur ist ungültig
   *[other] die Antwort war nicht lesbar
}.
err-upstream-stale = Ihre Anmeldung beim Identitätsanbieter liegt für diese Anwendung zu lange zurück. Melden Sie sich dort erneut an.
err-upstream-no-account = Für diese Anmeldung gibt es hier kein Konto.
err-account-sign-in-failed = Die Anmeldung an Ihrer Kontoseite ist fehlgeschlagen. Öffnen Sie die Kontoseite und melden Sie sich erneut an.
err-console-sign-in-failed = Die Anmeldung an der Administrationskonsole ist fehlgeschlagen. Öffnen Sie die Konsole und melden Sie sich erneut an.
err-saml-too-large = Die SAML-Anfrage ist zu groß.
err-saml-missing = Der Parameter SAMLRequest fehlt.
err-saml-answer-gone = Diese Anmeldeantwort ist abgelaufen oder wurde schon gesendet. Kehren Sie zur Anwendung zurück und melden Sie sich erneut an.
err-signup-off = Eine Selbstregistrierung gibt es hier nicht. Bitten Sie Ihre Administration um ein Konto.

# Mails
mail-hello = Hallo { $name },
mail-hello-anonymous = Guten Tag,
mail-hours = { $n ->
    [one] einer Stunde
   *[other] { $n } Stunden
}
mail-minutes = { $n ->
    [one] einer Minute
   *[other] { $n } Minuten
}
mail-totp-added-subject = Ihrem Konto wurde eine Authenticator-App hinzugefügt
mail-totp-added = Für die Zwei-Schritt-Bestätigung wurde eine Authenticator-App eingerichtet.
mail-key-added-subject = Ihrem Konto wurde ein Sicherheitsschlüssel hinzugefügt
mail-key-added = Für die Zwei-Schritt-Bestätigung wurde ein Sicherheitsschlüssel oder Passkey hinzugefügt.
mail-totp-removed-subject = Aus Ihrem Konto wurde eine Authenticator-App entfernt
mail-totp-removed = Die Authenticator-App und ihre Wiederherstellungscodes wurden aus der Zwei-Schritt-Bestätigung entfernt.
mail-key-removed-subject = Aus Ihrem Konto wurde ein Sicherheitsschlüssel entfernt
mail-key-removed = Ein Sicherheitsschlüssel oder Passkey wurde aus der Zwei-Schritt-Bestätigung entfernt.
mail-codes-renewed-subject = Für Ihr Konto wurden neue Wiederherstellungscodes erstellt
mail-codes-renewed = Es wurden neue Wiederherstellungscodes erstellt; die bisherigen gelten nicht mehr.
mail-all-removed-subject = Ihre Zwei-Schritt-Bestätigung wurde zurückgesetzt
mail-all-removed = Alle zweiten Faktoren und Wiederherstellungscodes wurden aus Ihrem Konto entfernt. Die nächste Anmeldung, die eine Zwei-Schritt-Bestätigung braucht, bittet Sie, sie neu einzurichten.
mail-code-used-subject = Für eine Anmeldung wurde ein Wiederherstellungscode verwendet
mail-code-used = Für eine Anmeldung wurde ein Wiederherstellungscode verwendet.
mail-codes-remaining = { $n ->
    [one] 1 Wiederherstellungscode bleibt.
   *[other] { $n } Wiederherstellungscodes bleiben.
}
mail-by-admin = Dies hat eine Administratorin oder ein Administrator getan.
mail-account-when = Konto: { $username }
    Zeitpunkt: { $when }
mail-not-you-factor = Wenn Sie das waren, ist nichts zu tun. Wenn nicht, kennt jemand anderes Ihr Passwort: Sagen Sie sofort Ihrer Administration Bescheid, damit Ihre Zwei-Schritt-Bestätigung zurückgesetzt wird, und ändern Sie Ihr Passwort.
mail-locked-subject = Falsche Codes haben die Zwei-Schritt-Bestätigung Ihres Kontos gesperrt
mail-locked = eine Anmeldung an Ihrem Konto hat den ersten Schritt bestanden (Ihr Passwort oder die Anmeldung Ihrer Organisation), danach wurde { $n }-mal ein falscher Code der Zwei-Schritt-Bestätigung eingegeben. Die Anmeldung mit einem zweiten Faktor ist für { $minutes } Minuten gesperrt.
mail-locked-not-you = Wenn Sie das waren, warten Sie und versuchen Sie es erneut. Wenn nicht, kennt jemand anderes Ihr Passwort: Ändern Sie es sofort über „Passwort vergessen?“ auf der Anmeldeseite (oder bei Ihrer Organisation, wenn Sie sich dort anmelden) und sagen Sie Ihrer Administration Bescheid.
mail-account-created = für Sie wurde ein Konto bei { $product } angelegt. Ihr Benutzername: { $username }
mail-onboarding-subject = Legen Sie Ihr Passwort für { $product } fest
mail-onboarding-link = Wählen Sie Ihr Passwort hier (der Link funktioniert einmal und läuft in { $ttl } ab):
mail-unexpected = Wenn Sie diese Mail nicht erwartet haben, können Sie sie ignorieren.
mail-welcome-subject = Willkommen bei { $product }
mail-welcome-sign-in = Ihr erstes Passwort erhalten Sie von Ihrer Administration. Melden Sie sich an unter { $url }.
mail-reset-subject = Setzen Sie Ihr Passwort für { $product } zurück
mail-reset = jemand hat verlangt, das Passwort Ihres Kontos { $username } zurückzusetzen. Wählen Sie hier ein neues Passwort (der Link funktioniert einmal und läuft in { $ttl } ab):
mail-reset-factors-stay = Ihre Zwei-Schritt-Bestätigung bleibt, wie sie ist: Die nächste Anmeldung, die sie braucht, fragt weiter nach Ihrem zweiten Faktor.
mail-reset-not-you = Wenn Sie das nicht verlangt haben, ignorieren Sie diese Mail: Ihr Passwort bleibt, wie es ist.
mail-password-changed-subject = Ihr Passwort für { $product } wurde geändert
mail-password-changed-account = das Passwort Ihres Kontos { $username } wurde am { $when } auf der Kontoseite geändert. Ihre Browser-Sitzungen wurden abgemeldet.
mail-password-changed-link = das Passwort Ihres Kontos { $username } wurde am { $when } mit einem „Passwort vergessen“-Link geändert. Ihre Browser-Sitzungen wurden abgemeldet.
mail-password-changed-not-you = Wenn Sie das waren, ist nichts zu tun. Wenn nicht, verwenden Sie sofort „Passwort vergessen“ auf der Anmeldeseite und sagen Sie Ihrer Administration Bescheid.
mail-signup-subject = Schließen Sie Ihre Registrierung bei { $product } ab
mail-signup = jemand (hoffentlich Sie) hat mit dieser Adresse ein Konto beantragt. Wählen Sie hier Ihr Passwort, um es anzulegen (der Link funktioniert einmal und läuft in { $ttl } ab):
mail-signup-not-you = Wenn Sie sich nicht registriert haben, ignorieren Sie diese Mail: Es wird kein Konto angelegt.
mail-signup-exists-subject = Sie haben bereits ein Konto bei { $product }
mail-signup-exists = jemand wollte sich mit dieser Adresse registrieren, zu der es schon ein Konto gibt ({ $username }). Es wurde kein neues Konto angelegt.
mail-signup-exists-forgot = Wenn Sie Ihr Passwort vergessen haben, wählen Sie hier ein neues:
mail-signup-exists-not-you = Wenn Sie das nicht waren, können Sie diese Mail ignorieren.
mail-code-subject = Ihr Anmeldecode
mail-code-is = Ihr Anmeldecode lautet
mail-code-expires = Er gilt einmal, für die Anmeldung, die ihn angefordert hat, und läuft in { $minutes } Minuten ab.
mail-code-not-you = Wenn Sie sich gerade nicht anmelden, kennt jemand anderes Ihr Passwort: Ändern Sie es und sagen Sie Ihrer Administration Bescheid. Geben Sie diesen Code niemandem weiter.

consent-title = Zugriff erlauben?
consent-intro = { $client } möchte Ihr Konto verwenden:
consent-scope-openid = wer Sie sind (eine Kennung Ihres Kontos)
consent-scope-profile = Ihren Namen, Benutzernamen und Ihre Sprache
consent-scope-email = Ihre E-Mail-Adresse
consent-scope-groups = die Gruppen, zu denen Sie gehören
consent-scope-offline_access = Zugriff, während Sie abgemeldet sind
consent-offline = Die Anwendung kann diesen Zugriff nach Ihrer Abmeldung behalten, bis Sie ihn auf Ihrer Kontoseite zurücknehmen.
consent-destination = Ihre Antwort geht an { $destination }.
consent-registered = Diese Anwendung hat sich selbst bei { $product } registriert; Ihre Organisation hat sie nicht eingerichtet.
consent-allow = Erlauben
consent-deny = Ablehnen
err-consent-decision = Wählen Sie Erlauben oder Ablehnen.
account-consents = Anwendungen, denen Sie Zugriff erlaubt haben
account-consent-since = erlaubt am { $when }
account-consent-revoke = Zurücknehmen
account-done-consent = Die Anwendung hat keinen Zugriff mehr. Sie fragt bei der nächsten Anmeldung erneut.
