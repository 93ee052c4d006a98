"""Password hashes for duty-staff accounts: scrypt (``hashlib.scrypt``, RFC 7914) with a
random 16-byte salt, stored as ``scrypt$N$r$p$salt$hash`` (base64). ``pbkdf2_sha256$…``
hashes are verified too. Comparison is constant-time."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

N, R, P = 2**14, 8, 1  # ~16 MiB, tens of milliseconds: OWASP's scrypt baseline
DKLEN = 32


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise ValueError("password too short: use at least 8 characters")
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=N, r=R, p=P, dklen=DKLEN)
    return f"scrypt${N}${R}${P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, *params = stored.split("$")
        if scheme == "scrypt":
            n, r, p, salt, digest = params
            want = base64.b64decode(digest)
            got = hashlib.scrypt(
                password.encode(),
                salt=base64.b64decode(salt),
                n=int(n),
                r=int(r),
                p=int(p),
                dklen=len(want),
                maxmem=256 * 1024 * 1024,
            )
        elif scheme == "pbkdf2_sha256":
            iterations, salt, digest = params
            want = base64.b64decode(digest)
            got = hashlib.pbkdf2_hmac(
                "sha256", password.encode(), base64.b64decode(salt), int(iterations), len(want)
            )
        else:
            return False
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, want)


#: verified against when the username is unknown, so timing does not reveal accounts
DUMMY_HASH = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$" + _b64(b"\0" * DKLEN)
