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
