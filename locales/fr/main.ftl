# Cadre des pages
footer-powered-by = Connexion sécurisée par { $product }
logo-alt = Logo de { $name }

# Connexion
sign-in = Se connecter
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
