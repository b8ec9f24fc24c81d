"""Each certificate as an Open Badges 3.0 credential (an `OpenBadgeCredential`, the
AchievementCredential of the spec, in JSON-LD), signed with the provider's Ed25519 key as
a W3C Data Integrity proof with the `eddsa-jcs-2022` cryptosuite, so that a digital
wallet or a professional profile can import it and anyone can check it with the public
key alone.

The key comes from the environment (OPEN_BADGES_SIGNING_KEY: the 32-byte private key,
base64url). The public key is published as the issuer's DID document at
/.well-known/did.json (`did:web`), which is where `verificationMethod` points.

eddsa-jcs-2022, in short: canonicalise the proof options (with the credential's
@context) and the unsigned credential with JSON Canonicalization (RFC 8785), hash each
with SHA-256, sign the two hashes joined, and write the signature base58btc-encoded
after a "z". Our credentials hold only strings, integers, lists and objects, for which
RFC 8785 is exactly sorted keys, no whitespace and UTF-8.
"""

import base64
import datetime
import gzip
import hashlib
import json
import uuid
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from bookings.emails import absolute

from .models import STATUS_LIST_LENGTH

CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
CRYPTOSUITE = "eddsa-jcs-2022"
# The multicodec prefix of an Ed25519 public key (0xed, as a varint).
ED25519_PUB = b"\xed\x01"
_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


class SigningKeyMissing(ImproperlyConfigured):
    pass


# --- encodings -------------------------------------------------------------------------


def base58btc(data):
    number = int.from_bytes(data, "big")
    out = ""
    while number:
        number, rest = divmod(number, 58)
        out = _ALPHABET[rest] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def unbase58btc(text):
    number = 0
    for char in text:
        number = number * 58 + _ALPHABET.index(char)
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def canonical(value):
    """RFC 8785 for the JSON we make (no floats)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# --- keys ------------------------------------------------------------------------------


def private_key():
    encoded = settings.OPEN_BADGES_SIGNING_KEY
    if not encoded and settings.OPEN_BADGES_KEY_FILE:
        path = Path(settings.OPEN_BADGES_KEY_FILE)
        if not path.exists():
            # Development only: a key of this machine's own, never in the repository.
            path.parent.mkdir(parents=True, exist_ok=True)
            raw = Ed25519PrivateKey.generate().private_bytes_raw()
            path.write_text(base64.urlsafe_b64encode(raw).decode().rstrip("="))
            path.chmod(0o600)
        encoded = path.read_text().strip()
    if not encoded:
        raise SigningKeyMissing("OPEN_BADGES_SIGNING_KEY is not set: badges can't be signed.")
    return Ed25519PrivateKey.from_private_bytes(_b64url_decode(encoded))


def public_multibase(public_key):
    return "z" + base58btc(ED25519_PUB + public_key.public_bytes(Encoding.Raw, PublicFormat.Raw))


def public_key_from_multibase(value):
    raw = unbase58btc(value[1:])
    if not value.startswith("z") or not raw.startswith(ED25519_PUB):
        raise ValueError("Not a base58btc Ed25519 Multikey.")
    return Ed25519PublicKey.from_public_bytes(raw[len(ED25519_PUB) :])


def issuer_did():
    host = urlsplit(settings.WAGTAILADMIN_BASE_URL)
    name = host.hostname or "localhost"
    if host.port:
        name += f"%3A{host.port}"
    return f"did:web:{name}"


def did_document():
    did = issuer_did()
    key_id = f"{did}#key-1"
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": [
            {
                "id": key_id,
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": public_multibase(private_key().public_key()),
            }
        ],
        "assertionMethod": [key_id],
    }


# --- credentials -----------------------------------------------------------------------


def _moment(day):
    return datetime.datetime.combine(day, datetime.time(), tzinfo=datetime.UTC).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )


def unsigned_credential(certificate):
    award = certificate.award
    holder = certificate.enrolment.participant
    # The holder is named by a salted hash of their email, as the spec recommends: a wallet
    # that knows the address can match it; the address itself is not in the credential.
    salt = hashlib.sha256(f"{settings.SECRET_KEY}:{certificate.code}".encode()).hexdigest()[:16]
    identity = "sha256$" + hashlib.sha256((holder.email.lower() + salt).encode()).hexdigest()
    site = settings.WAGTAIL_SITE_NAME
    award_key = absolute(f"/awards/{award.slug}")
    return {
        "@context": CONTEXT,
        "id": absolute(certificate.verification_path() + "credential.json"),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{certificate.award_name}: {certificate.holder_name}",
        "issuer": {
            "id": issuer_did(),
            "type": ["Profile"],
            "name": site,
            "url": absolute("/"),
        },
        "validFrom": _moment(certificate.issued_on),
        "awardedDate": _moment(certificate.issued_on),
        "credentialStatus": credential_status(certificate),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": identity,
                    "identityType": "emailAddress",
                    "hashed": True,
                    "salt": salt,
                }
            ],
            "achievement": {
                # A stable name for the award, the same in every credential for it.
                "id": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, award_key)}",
                "type": ["Achievement"],
                "name": certificate.award_name,
                "description": award.description or certificate.award_name,
                "criteria": {
                    "narrative": f"Awarded by {site} to {certificate.holder_name}"
                    + (f", {certificate.level}" if certificate.level else "")
                    + f", certificate {certificate.number}."
                },
                "achievementType": "Certificate",
            },
        },
    }


# --- revocation: a W3C Bitstring Status List ----------------------------------------------


def status_list_url():
    return absolute(reverse("verify:status-list"))


def credential_status(certificate):
    """Where a wallet or verifier learns whether the credential has been revoked since: the
    certificate's bit on the issuer's status list, which holds every certificate's."""
    url = status_list_url()
    return {
        "id": f"{url}#{certificate.status_index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(certificate.status_index),
        "statusListCredential": url,
    }


def encoded_list(indexes, length=STATUS_LIST_LENGTH):
    """The bits at `indexes` set (index 0 is the first byte's highest bit), gzipped, as
    multibase base64url without padding, as the Bitstring Status List spec writes it."""
    bits = bytearray(length // 8)
    for index in indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    packed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).decode().rstrip("=")


def decoded_list(encoded):
    """The indexes set in an encoded list (for checking one, as a verifier would)."""
    packed = base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4))
    bits = gzip.decompress(packed)
    return {
        n * 8 + bit
        for n, byte in enumerate(bits)
        if byte
        for bit in range(8)
        if byte & (0x80 >> bit)
    }


def status_list_credential(revoked_indexes, *, valid_from):
    """The issuer's signed revocation list: one bit a certificate, set once revoked."""
    url = status_list_url()
    moment = valid_from.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return sign(
        {
            "@context": [CONTEXT[0]],
            "id": url,
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": issuer_did(),
            "validFrom": moment,
            "credentialSubject": {
                "id": f"{url}#list",
                "type": "BitstringStatusList",
                "statusPurpose": "revocation",
                "encodedList": encoded_list(revoked_indexes),
            },
        }
    )


def _hash_data(document, proof_options):
    config = {**proof_options, "@context": document["@context"]}
    return hashlib.sha256(canonical(config)).digest() + hashlib.sha256(canonical(document)).digest()


def sign(document, *, key=None, created=None):
    """The document with an eddsa-jcs-2022 Data Integrity proof added."""
    key = key or private_key()
    options = {
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": created or document["validFrom"],
        "verificationMethod": f"{issuer_did()}#key-1",
        "proofPurpose": "assertionMethod",
    }
    signature = key.sign(_hash_data(document, options))
    # A proof set of one: the Open Badges 3.0 schema asks for a list.
    return {**document, "proof": [{**options, "proofValue": "z" + base58btc(signature)}]}


def verify(credential, public_key):
    """True when the proof is good for exactly this credential and this public key."""
    proofs = credential.get("proof") or []
    if isinstance(proofs, dict):
        proofs = [proofs]
    if len(proofs) != 1:
        return False
    proof = dict(proofs[0])
    if proof.get("type") != "DataIntegrityProof" or proof.get("cryptosuite") != CRYPTOSUITE:
        return False
    value = proof.pop("proofValue", "")
    if not value.startswith("z"):
        return False
    document = {k: v for k, v in credential.items() if k != "proof"}
    try:
        public_key.verify(unbase58btc(value[1:]), _hash_data(document, proof))
    except (InvalidSignature, ValueError):
        return False
    return True


def signed_credential(certificate):
    return sign(unsigned_credential(certificate))
