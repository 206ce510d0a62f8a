# Cadre des pages
footer-powered-by = Connexion sécurisée par { $product }
logo-alt = Logo de { $name }

# Connexion
sign-in = Se connecter
sign-in-with = Se connecter avec { $name }
login-continue-to = pour continuer vers { $client }
username = Nom d’utilisateur
password = Mot de passe
forgot-password = Mot de passe oublié ?
create-account = Créer un compte
login-invalid = Nom d’utilisateur ou mot de passe incorrect.
login-locked-out = Trop de tentatives échouées. Veuillez patienter quelques minutes puis réessayer.
login-busy = Trop de connexions en ce moment. Veuillez réessayer dans quelques secondes.
form-expired = Ce formulaire a expiré ou n’a pas été envoyé par ce navigateur. Veuillez vous reconnecter.

# Pages d’erreur
error-title = Erreur
error-invalid-request = Requête invalide
error-unavailable = Indisponible
error-not-found = Page introuvable
error-not-found-text = Il n’y a pas de page à cette adresse.
error-back-hint = Revenez à l’application d’où vous venez et recommencez.

# Second facteur
tfa-title = Validation en deux étapes
totp-intro = Saisissez le code à 6 chiffres de votre application d’authentification. Les espaces sont acceptés.
code = Code
verify = Valider
continue = Continuer
confirm = Confirmer
totp-lost-device = Appareil perdu ? Saisissez plutôt l’un de vos codes de récupération.
code-invalid = Ce code n’est pas valide. Essayez le suivant.
code-mismatch = Ce code ne correspond pas. Vérifiez l’heure de votre appareil et réessayez.
code-locked-out = Trop de codes erronés. Veuillez patienter 15 minutes puis réessayer.
step-form-expired = Ce formulaire a expiré ou n’a pas été envoyé par ce navigateur. Veuillez réessayer.
note-before-enrolling = Cette connexion exige une clé de sécurité, que votre compte n’a pas encore. Avant d’en ajouter une, confirmez votre identité avec votre application d’authentification (ou un code de récupération).
note-first-factor = Votre compte n’a pas encore de second facteur : vous configurez le premier maintenant. Ne continuez que si vous venez de vous connecter vous-même.
choice-intro = Choisissez comment confirmer votre identité.
choice-key = Utiliser une clé de sécurité ou une clé d’accès
choice-totp = Saisir un code de votre application d’authentification
totp-instead = Saisir plutôt un code de votre application d’authentification
app-instead = Utiliser plutôt une application d’authentification

# Configuration
enroll-title = Configurer la validation en deux étapes
enroll-intro = Cette connexion exige un second facteur. Scannez le code avec une application d’authentification (Google Authenticator, Aegis, 1Password …), puis saisissez le code à 6 chiffres qu’elle affiche.
enroll-qr-label = Code QR à scanner avec votre application d’authentification
enroll-shown-as = Votre application affichera cette entrée ainsi :
enroll-manual = Impossible de scanner ? Saisissez cette clé à la main :
enroll-code = Code de l’application
use-key-instead = Utiliser plutôt une clé de sécurité ou une clé d’accès

# Codes de récupération
recovery-title = Enregistrez vos codes de récupération
recovery-intro = La validation en deux étapes est activée. Si vous perdez votre appareil, chacun de ces codes vous connecte une fois. Ils ne sont affichés que maintenant : imprimez-les ou conservez-les dans un gestionnaire de mots de passe.
recovery-copy = Copier les codes
recovery-copied = Codes copiés.
recovery-copy-failed = La copie a échoué : sélectionnez les codes et copiez-les à la main.
recovery-download = Télécharger en fichier texte
recovery-continue = Je les ai enregistrés, continuer
recovery-used-title = Code de récupération utilisé
recovery-used-intro = Vous vous êtes connecté avec un code de récupération.
recovery-remaining = { $count ->
    [one] code de récupération restant.
   *[other] codes de récupération restants.
}
recovery-running-low = Il vous en reste peu : demandez à un administrateur de réinitialiser votre validation en deux étapes, ou configurez un nouvel appareil.

# Clés de sécurité
key-register-title = Ajouter une clé de sécurité
key-register-intro-first = Cette connexion exige une clé de sécurité ou une clé d’accès. Enregistrez-en une maintenant : votre navigateur vous demandera de toucher la clé ou de confirmer par empreinte, visage ou code PIN.
key-register-intro = Vous avez confirmé votre identité avec votre second facteur actuel. Cette connexion exige aussi une clé de sécurité ou une clé d’accès : enregistrez-en une maintenant, votre navigateur vous demandera de toucher la clé ou de confirmer par empreinte, visage ou code PIN.
key-register-button = Enregistrer la clé de sécurité
key-use-title = Utiliser votre clé de sécurité
key-use-intro = Confirmez avec votre clé de sécurité ou votre clé d’accès pour continuer.
key-use-button = Utiliser la clé de sécurité
key-needs-js = Les clés de sécurité nécessitent JavaScript.
key-unsupported = Ce navigateur ne prend pas en charge les clés de sécurité.
key-cancelled = La demande a été annulée ou a expiré. Réessayez.
key-error = Erreur de la clé de sécurité :
choice-email = M’envoyer un code par e-mail
email-intro = Saisissez le code à 6 chiffres envoyé à { $to }.
email-expires = { $minutes ->
    [one] Il expire dans { $minutes } minute.
   *[other] Il expire dans { $minutes } minutes.
}
email-before-enrolling = Cette connexion exige une clé de sécurité, que votre compte n’a pas encore. Avant d’en ajouter une, confirmez votre identité avec un code envoyé à votre adresse e-mail.
email-sent-again = Un nouveau code est en route.
email-resend = Envoyer un nouveau code
email-limited = Trop de codes ont été envoyés à votre adresse. Veuillez patienter 15 minutes, puis demandez-en un nouveau.
email-code-invalid = Ce code n’est pas valide. Vérifiez le dernier e-mail ou demandez un nouveau code.
# Page du compte
account-title = Votre compte
account-profile = Profil
account-profile-hint = Votre nom et votre adresse e-mail sont gérés par votre administrateur.
account-password = Mot de passe
account-current-password = Mot de passe actuel
account-new-password = Nouveau mot de passe
account-change-password = Changer le mot de passe
account-factors = Vérification en deux étapes
account-factor-totp = Application d'authentification
account-factor-key = Clé de sécurité « { $name } »
account-factor-email = Codes par e-mail
account-no-factors = Pas encore de second facteur.
account-remove = Supprimer
account-recovery-left = { $count ->
    [one] Il reste un code de récupération.
   *[other] Il reste { $count } codes de récupération.
}
account-new-recovery-codes = Créer de nouveaux codes de récupération
account-add-totp = Ajouter une application d'authentification
account-replace-totp = Configurer une nouvelle application d'authentification
account-fresh-hint = Si vous vous êtes connecté il y a plus de cinq minutes, changer le mot de passe, ajouter ou supprimer un facteur vous demande de confirmer avec l'un de vos facteurs.
account-sessions = Navigateurs connectés
account-session-since = Connecté depuis { $when }
account-session-current = ce navigateur
account-session-end = Déconnecter celui-ci
account-sessions-end-others = Déconnecter tous les autres navigateurs
account-sign-out = Quitter la page du compte
account-totp-hint = Scannez le code avec une application d'authentification, puis saisissez le code à 6 chiffres qu'elle affiche.
account-totp-by-hand = Impossible de scanner ? Saisissez cette clé à la main :
account-totp-code = Code de l'application
account-confirm = Confirmer
account-back = Retour à votre compte
account-recovery-codes = Vos codes de récupération
account-recovery-codes-hint = Chaque code vous connecte une fois si vous perdez votre application d'authentification. Gardez-les en lieu sûr : ils ne sont affichés que maintenant.
account-signed-out = Déconnecté
account-signed-out-text = Vous avez quitté la page du compte.
account-sign-in-again = Se reconnecter
console-signed-out = Déconnecté
console-signed-out-text = Vous avez quitté la console d’administration.
console-sign-in-again = Se reconnecter
account-done-password = Votre mot de passe a été changé.
account-done-factor-removed = Le facteur a été supprimé.
account-done-sessions = Les navigateurs ont été déconnectés.
account-err-wrong-password = Le mot de passe actuel est incorrect.
account-err-locked-out = Trop de tentatives échouées. Veuillez patienter quelques minutes.
account-err-busy = Trop de connexions en ce moment. Veuillez réessayer dans quelques secondes.
account-err-weak-password = Le nouveau mot de passe est trop court ou trop long (8 à 1024 caractères).
account-err-last-factor = Votre connexion exige un second facteur : ajoutez-en un autre avant de supprimer le dernier.
account-err-wrong-code = Le code est incorrect.
account-err-not-found = Ce facteur ou ce navigateur n'existe pas.
account-add-key = Ajouter une clé de sécurité
account-done-key-added = La clé de sécurité a été ajoutée.

# Forgot password and sign-up
forgot-intro = Saisissez l’adresse e-mail de votre compte. Nous vous enverrons un lien pour choisir un nouveau mot de passe.
email-address = Adresse e-mail
forgot-send = Envoyer le lien
forgot-factors-stay = Votre vérification en deux étapes reste en place : un nouveau mot de passe ne la supprime jamais.
forgot-invalid-email = Saisissez l’adresse e-mail de votre compte.
forgot-sent = Si un compte utilise cette adresse, nous lui avons envoyé un lien pour choisir un nouveau mot de passe. Le lien ne sert qu’une fois et expire bientôt.
signup-intro = Nous vous enverrons un lien pour choisir votre mot de passe ; le compte est créé à ce moment-là.
first-name = Prénom
last-name = Nom
signup-submit = S’inscrire
signup-sent = Si cette adresse peut s’inscrire, nous lui avons envoyé un lien pour choisir votre mot de passe. Votre compte est créé à ce moment-là.
signup-invalid-email = Saisissez une adresse e-mail valide.
signup-names-missing = Saisissez votre prénom et votre nom.
signup-names-too-long = Les noms sont limités à 100 caractères de texte.
mail-sent-title = Consultez votre messagerie
mail-sent-hint = L’e-mail peut mettre quelques minutes à arriver. Vérifiez aussi vos indésirables.
too-many-title = Trop de demandes
too-many-text = Trop de demandes ont été faites pour cette adresse ou depuis votre réseau. Veuillez patienter une heure et réessayer.
account-created-title = Compte créé
account-created-text = Votre compte est prêt. Connectez-vous en tant que { $username } depuis toute application qui utilise cette connexion.

# Choosing a password from a mailed link
set-password-title = Choisissez votre mot de passe
set-password-for = pour { $username }
new-password = Nouveau mot de passe
repeat-password = Répétez-le
set-password-submit = Définir le mot de passe
password-mismatch = Les deux mots de passe diffèrent.
password-too-short = Choisissez un mot de passe d’au moins 8 caractères.
link-invalid-title = Lien non valide
link-invalid-text = Ce lien n’est pas valide : il a expiré ou a déjà été utilisé. Demandez-en un nouveau avec « Mot de passe oublié ? » sur la page de connexion, ou adressez-vous à votre administrateur.
link-too-many-title = Trop de tentatives
link-too-many-text = Trop de liens non valides ont été ouverts depuis votre réseau. Veuillez patienter quelques minutes et réessayer.
password-set-title = Mot de passe défini
password-set-text = Votre mot de passe est défini. Vous pouvez maintenant vous connecter en tant que { $username } depuis toute application qui utilise cette connexion.

# Signing out
logout-title = Se déconnecter
logout-question = Se déconnecter ?
logout-signed-in = Vous êtes connecté à { $product }.
logout-asked-by = { $client } vous demande de vous déconnecter.
signed-out-title = Déconnecté
signed-out-heading = Vous êtes déconnecté
signed-out-text = Vous pouvez fermer cette fenêtre.

# SAML answer sent by the browser
saml-post-title = Connexion
saml-post-heading = Connexion en cours…
saml-post-hint = Si rien ne se passe, appuyez sur le bouton.
saml-post-to-app = Continuer vers l’application

# Why an error page is shown
err-unavailable = Le service de connexion est momentanément indisponible (une base de données ne répond pas). Veuillez réessayer dans un instant.
err-internal = Une erreur s’est produite de notre côté.
err-login-expired = Cette demande de connexion a expiré ou est déjà terminée. Retournez à l’application et connectez-vous à nouveau.
err-login-other-browser = Cette connexion a été commencée dans un autre navigateur. Retournez à l’application et reconnectez-vous depuis celui-ci.
err-client-gone = L’application de cette connexion n’existe plus.
err-unknown-client = L’application qui vous a envoyé ici n’est pas connue de ce service de connexion (client_id inconnu ou absent).
err-bad-redirect = L’application a envoyé une demande de connexion à laquelle on ne peut pas répondre : l’adresse de retour manque ou n’est pas autorisée.
err-bad-saml-request = L’application a envoyé une requête SAML à laquelle on ne peut pas répondre.
err-too-many-requests = Trop de requêtes sont venues de votre réseau. Veuillez patienter une minute et réessayer.
err-unknown-request-uri = La request_uri est inconnue, expirée, déjà utilisée ou n’appartient pas à cette application.
err-logout-foreign-hint = L’id_token_hint n’est pas un jeton d’identité émis par ce service.
err-logout-hint-other-client = Le client_id ne correspond pas au destinataire de l’id_token_hint.
err-logout-redirect-without-client = post_logout_redirect_uri demande un client_id ou un id_token_hint.
err-logout-unregistered-redirect = La post_logout_redirect_uri n’est pas enregistrée pour cette application.
err-logout-expired = Cette demande de déconnexion a expiré. Retournez à l’application et déconnectez-vous à nouveau.
err-upstream-unknown = Il n’y a pas de fournisseur d’identité « { $name } » ici.
err-upstream-unreachable = Le fournisseur d’identité { $name } est injoignable pour le moment. Réessayez dans un instant.
err-upstream-bad-state = Cette réponse du fournisseur d’identité n’appartient à aucune connexion commencée dans ce navigateur, ou a déjà servi. Retournez à l’application et connectez-vous à nouveau.
err-upstream-other = Cette réponse a été envoyée à l’adresse d’un autre fournisseur d’identité. Retournez à l’application et connectez-vous à nouveau.
err-upstream-wrong-issuer = La réponse nomme un autre émetteur que le fournisseur d’identité : elle est refusée.
err-upstream-denied = Le fournisseur d’identité ne vous a pas connecté.
err-upstream-bad-token = Le jeton d’identité du fournisseur d’identité a été refusé : { $check ->
    [missing] la réponse ne contient aucun jeton d’identité
    [signature] sa signature n’est pas valide
    [aud] il a été émis pour un autre client (aud)
    [iss] il nomme un autre émetteur (iss)
    [nonce] son nonce ne correspond pas à cette connexion
    [exp] il a expiré
   *[other] il n’est pas valide
}.
err-upstream-bad-userinfo = Les informations utilisateur du fournisseur d’identité ont été refusées : { $why ->
    [subject] elles nomment un autre utilisateur que le jeton d’identité
    [signature] leur signature n’est pas valide
   *[other] la réponse n’a pas pu être lue
}.
err-upstream-stale = Votre connexion chez le fournisseur d’identité est trop ancienne pour cette application. Reconnectez-vous chez lui.
err-upstream-no-account = Il n’y a pas de compte ici pour cette connexion.
err-account-sign-in-failed = La connexion à votre page de compte a échoué. Ouvrez la page de compte et connectez-vous à nouveau.
err-console-sign-in-failed = La connexion à la console d’administration a échoué. Ouvrez la console et connectez-vous à nouveau.
err-saml-too-large = La requête SAML est trop grande.
err-saml-missing = Le paramètre SAMLRequest manque.
err-saml-answer-gone = Cette réponse de connexion a expiré ou a déjà été envoyée. Retournez à l’application et connectez-vous à nouveau.
err-signup-off = L’inscription libre n’est pas proposée ici. Demandez un compte à votre administrateur.

# Mails
mail-hello = Bonjour { $name },
mail-hello-anonymous = Bonjour,
mail-hours = { $n ->
    [one] une heure
   *[other] { $n } heures
}
mail-minutes = { $n ->
    [one] une minute
   *[other] { $n } minutes
}
mail-totp-added-subject = Une application d’authentification a été ajoutée à votre compte
mail-totp-added = Une application d’authentification a été configurée pour la vérification en deux étapes.
mail-key-added-subject = Une clé de sécurité a été ajoutée à votre compte
mail-key-added = Une clé de sécurité ou une clé d’accès a été ajoutée pour la vérification en deux étapes.
mail-totp-removed-subject = Une application d’authentification a été retirée de votre compte
mail-totp-removed = L’application d’authentification et ses codes de récupération ont été retirés de la vérification en deux étapes.
mail-key-removed-subject = Une clé de sécurité a été retirée de votre compte
mail-key-removed = Une clé de sécurité ou une clé d’accès a été retirée de la vérification en deux étapes.
mail-codes-renewed-subject = De nouveaux codes de récupération ont été créés pour votre compte
mail-codes-renewed = De nouveaux codes de récupération ont été créés ; les précédents ne fonctionnent plus.
mail-all-removed-subject = Votre vérification en deux étapes a été réinitialisée
mail-all-removed = Tous les seconds facteurs et codes de récupération ont été retirés de votre compte. La prochaine connexion qui demande la vérification en deux étapes vous proposera de la configurer à nouveau.
mail-code-used-subject = Un code de récupération a servi à une connexion
mail-code-used = Un code de récupération a servi à une connexion.
mail-codes-remaining = { $n ->
    [one] Il reste 1 code de récupération.
   *[other] Il reste { $n } codes de récupération.
}
mail-by-admin = Cette modification a été faite par un administrateur.
mail-account-when = Compte : { $username }
    Date : { $when }
mail-not-you-factor = Si c’était vous, il n’y a rien à faire. Sinon, quelqu’un d’autre connaît votre mot de passe : prévenez tout de suite votre administrateur, pour qu’il réinitialise votre vérification en deux étapes, et changez votre mot de passe.
mail-locked-subject = Des codes erronés ont bloqué la vérification en deux étapes de votre compte
mail-locked = une connexion à votre compte a franchi la première étape (votre mot de passe, ou la connexion de votre organisation), puis un code de vérification en deux étapes erroné a été saisi { $n } fois. La connexion avec un second facteur est bloquée pendant { $minutes } minutes.
mail-locked-not-you = Si c’était vous, patientez puis réessayez. Sinon, quelqu’un d’autre connaît votre mot de passe : changez-le tout de suite avec « Mot de passe oublié ? » sur la page de connexion (ou auprès de votre organisation, si vous vous connectez par elle) et prévenez votre administrateur.
mail-account-created = un compte a été créé pour vous sur { $product }. Votre identifiant : { $username }
mail-onboarding-subject = Choisissez votre mot de passe { $product }
mail-onboarding-link = Choisissez votre mot de passe ici (le lien ne sert qu’une fois et expire dans { $ttl }) :
mail-unexpected = Si vous n’attendiez pas ce message, vous pouvez l’ignorer.
mail-welcome-subject = Bienvenue sur { $product }
mail-welcome-sign-in = Votre administrateur vous communiquera votre premier mot de passe. Connectez-vous sur { $url }.
mail-reset-subject = Réinitialisez votre mot de passe { $product }
mail-reset = quelqu’un a demandé à réinitialiser le mot de passe de votre compte { $username }. Choisissez un nouveau mot de passe ici (le lien ne sert qu’une fois et expire dans { $ttl }) :
mail-reset-factors-stay = Votre vérification en deux étapes reste telle quelle : la prochaine connexion qui en a besoin demandera toujours votre second facteur.
mail-reset-not-you = Si vous n’avez rien demandé, ignorez ce message : votre mot de passe reste le même.
mail-password-changed-subject = Votre mot de passe { $product } a été changé
mail-password-changed-account = le mot de passe de votre compte { $username } a été changé sur la page du compte le { $when }. Vos sessions de navigateur ont été fermées.
mail-password-changed-link = le mot de passe de votre compte { $username } a été changé avec un lien « mot de passe oublié » le { $when }. Vos sessions de navigateur ont été fermées.
mail-password-changed-not-you = Si c’était vous, il n’y a rien à faire. Sinon, utilisez tout de suite « Mot de passe oublié » sur la page de connexion et prévenez votre administrateur.
mail-signup-subject = Terminez votre inscription sur { $product }
mail-signup = quelqu’un (vous, espérons-le) a demandé un compte avec cette adresse. Choisissez votre mot de passe ici pour le créer (le lien ne sert qu’une fois et expire dans { $ttl }) :
mail-signup-not-you = Si vous ne vous êtes pas inscrit, ignorez ce message : aucun compte n’est créé.
mail-signup-exists-subject = Vous avez déjà un compte { $product }
mail-signup-exists = quelqu’un a essayé de s’inscrire avec cette adresse, qui a déjà un compte ({ $username }). Aucun nouveau compte n’a été créé.
mail-signup-exists-forgot = Si vous avez oublié votre mot de passe, choisissez-en un nouveau ici :
mail-signup-exists-not-you = Si ce n’était pas vous, vous pouvez ignorer ce message.
mail-code-subject = Votre code de connexion
mail-code-is = votre code de connexion est
mail-code-expires = Il ne sert qu’une fois, pour la connexion qui l’a demandé, et expire dans { $minutes } minutes.
mail-code-not-you = Si vous n’êtes pas en train de vous connecter, quelqu’un d’autre connaît votre mot de passe : changez-le et prévenez votre administrateur. Ne donnez jamais ce code à personne.

consent-title = Autoriser l’accès ?
consent-intro = { $client } demande à utiliser votre compte :
consent-scope-openid = qui vous êtes (un identifiant de votre compte)
consent-scope-profile = votre nom, votre nom d’utilisateur et votre langue
consent-scope-email = votre adresse e-mail
consent-scope-groups = les groupes dont vous faites partie
consent-scope-offline_access = un accès pendant que vous êtes déconnecté
consent-offline = Elle peut garder cet accès après votre déconnexion, jusqu’à ce que vous le retiriez sur la page de votre compte.
consent-destination = Votre réponse est envoyée à { $destination }.
consent-registered = Cette application s’est enregistrée elle-même auprès de { $product } ; votre organisation ne l’a pas configurée.
consent-allow = Autoriser
consent-deny = Refuser
err-consent-decision = Choisissez Autoriser ou Refuser.
account-consents = Applications que vous avez autorisées
account-consent-since = autorisée le { $when }
account-consent-revoke = Retirer
account-done-consent = L’application n’a plus accès. Elle demandera de nouveau à sa prochaine connexion.
