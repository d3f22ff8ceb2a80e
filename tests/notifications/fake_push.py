"""A loopback push service (RFC 8030) for the Web Push tests.

It runs http.server in a thread on 127.0.0.1 (a random port) and, for every POST,
does what a real push service does before it accepts a message: it checks the VAPID
token (RFC 8292: an ES256 JWT signed by the key given in `k=`, which must be the
app's VAPID public key; aud the origin of the endpoint, exp in the future and at
most 24 h ahead, sub a mailto: URL), checks the Content-Encoding (aes128gcm) and TTL
headers, and decrypts the body (RFC 8291) with the subscription's private key and
auth secret, as the browser would. A push that passes is recorded and answered 201
(or with the status configured for its subscription); one that fails a check is
recorded under `rejected` and answered 400.

The tests create subscriptions like a browser does: `subscribe(name)` makes an EC
P-256 key pair and 16 random auth bytes and returns the PushSubscription JSON."""

import base64
import json
import os
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from django.conf import settings

AUTHORIZATION = re.compile(r"^vapid\s+t=(?P<token>[^,\s]+)\s*,\s*k=(?P<key>[^,\s]+)\s*$", re.I)
DAY = 24 * 3600


def b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Rejected(Exception):
    """A push a real push service would refuse."""


@dataclass
class Push:
    """One accepted (decrypted) push."""

    name: str
    data: dict
    claims: dict
    ttl: int


@dataclass
class Browser:
    """What the browser keeps of one subscription: its private key and auth secret."""

    name: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes
    status: int = 201
    endpoint: str = ""
    info: dict = field(default_factory=dict)


def check_vapid(authorization: str, *, audience: str) -> dict:
    """The claims of a valid VAPID Authorization header; Rejected otherwise."""
    match = AUTHORIZATION.match(authorization or "")
    if not match:
        raise Rejected(f"not a VAPID Authorization header: {authorization!r}")
    token, key = match["token"], match["key"]
    if key != settings.VAPID_KEYS["public"]:
        raise Rejected("k= is not the app's VAPID public key")
    try:
        public_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64decode(key))
    except ValueError as error:
        raise Rejected(f"k= is not a P-256 point: {error}") from error
    parts = token.split(".")
    if len(parts) != 3:
        raise Rejected("the token is not a JWT")
    header, payload, signature = parts
    if json.loads(b64decode(header)) != {"typ": "JWT", "alg": "ES256"}:
        raise Rejected(f"unexpected JWT header {b64decode(header)!r}")
    raw = b64decode(signature)
    if len(raw) != 64:
        raise Rejected(f"an ES256 signature is 64 bytes (r||s), not {len(raw)}")
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    try:
        public_key.verify(der, f"{header}.{payload}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as error:
        raise Rejected("the JWT signature is not valid for k=") from error
    claims = json.loads(b64decode(payload))
    if claims.get("aud") != audience:
        raise Rejected(f"aud {claims.get('aud')!r} is not the endpoint origin {audience!r}")
    now = time.time()
    if not isinstance(claims.get("exp"), int) or not now < claims["exp"] <= now + DAY:
        raise Rejected(f"exp {claims.get('exp')!r} is not within the next 24 hours")
    if not str(claims.get("sub", "")).startswith("mailto:"):
        raise Rejected(f"sub {claims.get('sub')!r} is not a mailto: URL")
    return claims


class FakePushService:
    """Start with `start()` (or as a context manager); `received` holds the accepted
    pushes in order, `rejected` the reasons of the refused ones."""

    def __init__(self) -> None:
        self.received: list[Push] = []
        self.rejected: list[str] = []
        self.browsers: dict[str, Browser] = {}
        self._lock = threading.Lock()
        self._server = HTTPServer(("127.0.0.1", 0), self._handler())
        self.origin = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # ------------------------------------------------------------ lifecycle

    def start(self) -> "FakePushService":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> "FakePushService":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ------------------------------------------------------------ subscriptions

    def subscribe(self, name: str, *, status: int = 201) -> dict:
        """A new browser subscription (PushSubscription.toJSON()) whose pushes are
        answered with `status`."""
        private_key = ec.generate_private_key(ec.SECP256R1())
        auth = os.urandom(16)
        public = private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        endpoint = f"{self.origin}/push/{name}"
        info = {
            "endpoint": endpoint,
            "keys": {"p256dh": b64encode(public), "auth": b64encode(auth)},
        }
        with self._lock:
            self.browsers[name] = Browser(name, private_key, auth, status, endpoint, info)
        return info

    def answer(self, name: str, status: int) -> None:
        """Answer the pushes of `name` with `status` from now on."""
        with self._lock:
            self.browsers[name].status = status

    def pushes(self, name: str | None = None) -> list[Push]:
        with self._lock:
            return [push for push in self.received if name is None or push.name == name]

    def names(self) -> list[str]:
        return [push.name for push in self.pushes()]

    # ------------------------------------------------------------ the service

    def _accept(self, path: str, headers, body: bytes) -> int:
        match = re.fullmatch(r"/push/(?P<name>[\w-]+)", path)
        with self._lock:
            browser = self.browsers.get(match["name"]) if match else None
        if browser is None:
            raise Rejected(f"no subscription at {path}")
        claims = check_vapid(headers.get("Authorization", ""), audience=self.origin)
        if headers.get("Content-Encoding") != "aes128gcm":
            raise Rejected(f"Content-Encoding {headers.get('Content-Encoding')!r}")
        ttl = headers.get("TTL")
        if ttl is None or not ttl.isdigit():
            raise Rejected(f"TTL {ttl!r}")
        try:
            plain = http_ece.decrypt(
                body,
                private_key=browser.private_key,
                auth_secret=browser.auth,
                version="aes128gcm",
            )
        except Exception as error:  # any failure to decrypt is a refusal
            raise Rejected(f"the body could not be decrypted: {error!r}") from error
        data = json.loads(plain.decode("utf-8"))
        with self._lock:
            self.received.append(Push(browser.name, data, claims, int(ttl)))
        return browser.status

    def _handler(self):
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    status = service._accept(self.path, self.headers, body)
                except Rejected as error:
                    with service._lock:
                        service.rejected.append(str(error))
                    status = 400
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        return Handler
