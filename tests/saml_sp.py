#!/usr/bin/python3
"""A SAML service provider on OneLogin's python3-saml (Debian's
python3-onelogin-saml2), for the integration tests: it makes real AuthnRequests
and checks real Responses with the library's strict validation.

Usage: saml_sp.py CONFIG_JSON (sp_entity_id, acs_path, idp_entity_id, sso_url,
idp_cert, want_messages_signed). Listens on 127.0.0.1 on a free port and
prints the port on the first line of stdout; its ACS URL is that origin plus
acs_path.

  GET  /login?acr=REF&acr=REF&comparison=exact|minimum&force=1&passive=1
       -> 200 {"url": <the IdP URL with the HTTP-Redirect AuthnRequest>}
  POST /acs... (SAMLResponse, RelayState)
       -> 200 {"authenticated": bool, "errors": [...], "reason": str,
               "nameid": str, "attributes": {...}, "authn_contexts": [...]}
"""

import json
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from onelogin.saml2.auth import OneLogin_Saml2_Auth

CONFIG = json.loads(sys.argv[1])
# RelayState -> the ID of the AuthnRequest it went with (InResponseTo is checked).
PENDING = {}
LOCK = threading.Lock()
PORT = [0]


def settings(acrs, comparison):
    return {
        "strict": True,
        "debug": False,
        "sp": {
            "entityId": CONFIG["sp_entity_id"],
            "assertionConsumerService": {
                "url": "http://127.0.0.1:%d%s" % (PORT[0], CONFIG["acs_path"]),
                "binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST",
            },
            "NameIDFormat": "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
        },
        "idp": {
            "entityId": CONFIG["idp_entity_id"],
            "singleSignOnService": {
                "url": CONFIG["sso_url"],
                "binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect",
            },
            "x509cert": CONFIG["idp_cert"],
        },
        "security": {
            "wantAssertionsSigned": CONFIG.get("want_assertions_signed", True),
            "wantMessagesSigned": CONFIG.get("want_messages_signed", False),
            "wantNameId": True,
            "requestedAuthnContext": acrs if acrs else False,
            "requestedAuthnContextComparison": comparison,
            "signatureAlgorithm": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
            "digestAlgorithm": "http://www.w3.org/2001/04/xmlenc#sha256",
        },
    }


def request_data(handler, get_data, post_data):
    host = handler.headers.get("Host", "127.0.0.1")
    hostname, _, port = host.partition(":")
    return {
        "https": "off",
        "http_host": hostname,
        "server_port": port or "80",
        "script_name": urllib.parse.urlsplit(handler.path).path,
        "get_data": get_data,
        "post_data": post_data,
    }


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, body):
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path != "/login":
            self.send_error(404)
            return
        q = urllib.parse.parse_qs(url.query)
        acrs = q.get("acr", [])
        comparison = q.get("comparison", ["exact"])[0]
        auth = OneLogin_Saml2_Auth(request_data(self, {}, {}), settings(acrs, comparison))
        relay = "rs-%d" % id(auth)
        target = auth.login(
            return_to=relay,
            force_authn=q.get("force") == ["1"],
            is_passive=q.get("passive") == ["1"],
        )
        with LOCK:
            PENDING[relay] = auth.get_last_request_id()
        self.answer({"url": target, "request_id": auth.get_last_request_id()})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        post = {k: v[0] for k, v in form.items()}
        get = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
        with LOCK:
            request_id = PENDING.pop(post.get("RelayState", ""), None)
        auth = OneLogin_Saml2_Auth(request_data(self, get, post), settings([], "exact"))
        auth.process_response(request_id=request_id)
        self.answer(
            {
                "authenticated": auth.is_authenticated() and not auth.get_errors(),
                "errors": auth.get_errors(),
                "reason": auth.get_last_error_reason(),
                "nameid": auth.get_nameid(),
                "attributes": auth.get_attributes(),
                "authn_contexts": auth.get_last_authn_contexts(),
                "relay_state_known": request_id is not None,
            }
        )


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    PORT[0] = server.server_address[1]
    print(PORT[0], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
