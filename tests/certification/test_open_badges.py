"""Each certificate is also an Open Badges 3.0 credential: it validates against the
Open Badges 3.0 AchievementCredential JSON schema (shipped in tests/certification/
schemas, from 1EdTech's openbadges-specification), and its eddsa-jcs-2022 proof
verifies with the public key alone, as published in the issuer's DID document, and
fails when one byte of the credential changes."""

import base64
import copy
import json
from pathlib import Path

import jsonschema
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.test import override_settings
from django.urls import reverse

from accounts import roles
from certification import badges
from certification.services.certificates import issue, revoke

from .certificates_world import award, ready
from .portfolio_world import person

pytestmark = pytest.mark.django_db
SCHEMA = json.loads(
    (Path(__file__).parent / "schemas" / "ob_v3p0_achievementcredential.json").read_text()
)


@pytest.fixture(autouse=True)
def signing_key():
    raw = Ed25519PrivateKey.generate().private_bytes_raw()
    encoded = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    with override_settings(OPEN_BADGES_SIGNING_KEY=encoded):
        yield


@pytest.fixture
def certificate():
    office = person("office@provider.example", roles.PROVIDER_ADMINS)
    return issue(ready(award(), first="Grace", last="Holroyd"), office)


def public_key_from_did_document(client):
    """Only what anyone can fetch: the DID document and its Multikey."""
    document = client.get("/.well-known/did.json").json()
    (method,) = document["verificationMethod"]
    assert document["assertionMethod"] == [method["id"]]
    return method["id"], badges.public_key_from_multibase(method["publicKeyMultibase"])


def test_the_credential_validates_against_the_open_badges_schema(client, certificate):
    credential = client.get(reverse("verify:credential", args=[certificate.code])).json()
    validator = jsonschema.Draft201909Validator(
        SCHEMA, format_checker=jsonschema.Draft201909Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(credential), key=str)
    assert errors == []
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    achievement = credential["credentialSubject"]["achievement"]
    assert achievement["name"] == certificate.award_name
    assert certificate.number in achievement["criteria"]["narrative"]
    # The schema does catch a broken credential.
    broken = copy.deepcopy(credential)
    del broken["credentialSubject"]["achievement"]
    assert list(validator.iter_errors(broken))


def test_the_signature_verifies_with_the_public_key_alone(client, certificate):
    credential = client.get(reverse("verify:credential", args=[certificate.code])).json()
    key_id, public_key = public_key_from_did_document(client)
    assert credential["proof"][0]["verificationMethod"] == key_id
    assert credential["proof"][0]["cryptosuite"] == "eddsa-jcs-2022"
    assert badges.verify(credential, public_key)


def test_one_changed_byte_breaks_the_signature(client, certificate):
    credential = client.get(reverse("verify:credential", args=[certificate.code])).json()
    _, public_key = public_key_from_did_document(client)
    changed = copy.deepcopy(credential)
    changed["name"] = changed["name"][:-1] + chr(ord(changed["name"][-1]) ^ 1)
    assert not badges.verify(changed, public_key)
    # ... anywhere: in the subject, the dates, or the proof itself.
    later = copy.deepcopy(credential)
    later["validFrom"] = later["validFrom"].replace("T00", "T01")
    assert not badges.verify(later, public_key)
    forged = copy.deepcopy(credential)
    value = forged["proof"][0]["proofValue"]
    forged["proof"][0]["proofValue"] = value[:-1] + ("2" if value[-1] != "2" else "3")
    assert not badges.verify(forged, public_key)
    # Another key does not verify it either.
    other = Ed25519PrivateKey.generate().public_key()
    assert not badges.verify(credential, other)


def test_the_holder_downloads_it_and_others_do_not(client, certificate):
    url = reverse("certification:credential", args=[certificate.enrolment_id])
    client.force_login(certificate.enrolment.participant)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{certificate.number}.json"'
    assert json.loads(response.content)["proof"]
    assert certificate.enrolment.participant.email not in response.content.decode()
    client.force_login(certificate.enrolment.assessor)
    assert client.get(url).status_code == 404


def test_a_revoked_certificate_has_no_credential_to_give(client, certificate):
    revoke(certificate, certificate.issued_by, reason="Issued in error")
    response = client.get(reverse("verify:credential", args=[certificate.code]))
    assert response.status_code == 410
    assert response.json()["status"] == "revoked"


def test_a_copy_already_in_a_wallet_learns_of_the_revocation_from_the_status_list(
    client, certificate
):
    """A wallet keeps the credential it imported; the status list it points to is what
    tells a verifier, later, that the certificate has been revoked."""
    held = client.get(reverse("verify:credential", args=[certificate.code])).json()
    _, public_key = public_key_from_did_document(client)
    status = held["credentialStatus"]
    assert status["type"] == "BitstringStatusListEntry"
    assert status["statusPurpose"] == "revocation"
    assert status["statusListCredential"] == "http://testserver/verify/revocations.json"

    def revoked_per_the_list():
        response = client.get(status["statusListCredential"].removeprefix("http://testserver"))
        assert response["Cache-Control"] == "public, max-age=300"
        listed = response.json()
        assert listed["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
        assert listed["issuer"] == held["issuer"]["id"]
        assert badges.verify(listed, public_key)
        subject = listed["credentialSubject"]
        assert subject["statusPurpose"] == "revocation"
        bits = badges.decoded_list(subject["encodedList"])
        return int(status["statusListIndex"]) in bits, len(bits)

    _, already = revoked_per_the_list()  # the demo content has a revoked one
    other = issue(ready(certificate.award, first="Ada", last="Other"), certificate.issued_by)
    revoke(other, other.issued_by, reason="Issued in error")
    assert revoked_per_the_list() == (False, already + 1)
    revoke(certificate, certificate.issued_by, reason="Issued in error")
    assert revoked_per_the_list() == (True, already + 2)
    assert badges.verify(held, public_key)  # the copy still verifies: only its status changed


def test_the_status_list_is_the_specs_size_and_bit_order():
    encoded = badges.encoded_list([0, 9, badges.STATUS_LIST_LENGTH - 1])
    raw = badges.gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=="))
    assert encoded[0] == "u" and len(raw) * 8 == 131_072
    assert raw[0] == 0b1000_0000 and raw[1] == 0b0100_0000 and raw[-1] == 0b0000_0001
    assert badges.decoded_list(encoded) == {0, 9, 131_071}


def test_each_certificate_holds_its_own_place_on_the_list(certificate):
    office = certificate.issued_by
    places = {certificate.status_index}
    for n in range(5):
        places.add(issue(ready(certificate.award, first="P", last=f"L{n}"), office).status_index)
    assert len(places) == 6 and all(0 <= p < 131_072 for p in places)


def test_without_a_key_the_site_says_so_rather_than_sign_with_nothing(client, certificate):
    with override_settings(OPEN_BADGES_SIGNING_KEY="", OPEN_BADGES_KEY_FILE=""):
        assert client.get(reverse("verify:credential", args=[certificate.code])).status_code == 503
        assert client.get("/.well-known/did.json").status_code == 503


def test_base58_round_trips():
    for data in (b"", b"\0", b"\0\0abc", bytes(range(256))):
        assert badges.unbase58btc(badges.base58btc(data)) == data
