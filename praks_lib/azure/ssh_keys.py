"""What Azure accepts as a VM's SSH public key: RSA of 2048 bits or more, or Ed25519, one OpenSSH line."""
from __future__ import annotations

import hashlib

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_ssh_public_key

RSA_MINIMUM_BITS = 2048


def problem(key: str) -> str | None:
    """Why Azure would refuse this public key, or None when it accepts it."""
    text = key.strip()
    if "PRIVATE KEY" in text:
        return "this is a PRIVATE key; it must never be pasted anywhere, give the .pub file's line instead"
    try:
        parsed = load_ssh_public_key(text.encode())
    except (ValueError, TypeError, UnsupportedAlgorithm) as error:  # an unknown first word: not a key type
        return f"not an OpenSSH public key line ({error})"
    if isinstance(parsed, rsa.RSAPublicKey):
        if parsed.key_size < RSA_MINIMUM_BITS:
            return f"an RSA key of {parsed.key_size} bits; Azure needs at least {RSA_MINIMUM_BITS}"
        return None
    if isinstance(parsed, ed25519.Ed25519PublicKey):
        return None
    return f"a {text.split()[0]} key; Azure VMs accept ssh-rsa (2048 bits or more) and ssh-ed25519"


# Ed25519's curve (RFC 8032, 5.1): the field prime and the curve constant d.
_P = 2**255 - 19
_D = -121665 * pow(121666, -1, _P) % _P


def keyless_public_key(seed: str, comment: str = "praks-no-private-key") -> str:
    """An ssh-ed25519 public key, the same for the same seed, whose private half nobody has ever had.

    The key is the first point of the curve hashed from ``seed`` (SHA-256, then a counter) rather than a
    private key's image, so no private key for it was ever made: a VM given it can be reached only
    through Azure's control plane (run command), and every run for one VM sends the same key (a VM's
    osProfile cannot change after creation).
    """
    for counter in range(256):  # about half of all 32-byte strings encode a point; 256 tries never all fail
        raw = hashlib.sha256(f"{seed}|{counter}".encode()).digest()
        if _is_point(raw):
            key = ed25519.Ed25519PublicKey.from_public_bytes(raw)
            return f"{key.public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH).decode()} {comment}"
    raise AssertionError("no curve point in 256 hashes")  # probability 2**-256


def _is_point(raw: bytes) -> bool:
    """Whether 32 bytes decode to a point of Ed25519's curve (RFC 8032, 5.1.3)."""
    y = int.from_bytes(raw, "little") & ((1 << 255) - 1)
    if y >= _P:
        return False
    u, v = (y * y - 1) % _P, (_D * y * y + 1) % _P
    x2 = u * pow(v, -1, _P) % _P
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P:
        x = x * pow(2, (_P - 1) // 4, _P) % _P
    if (x * x - x2) % _P:
        return False
    return not (x == 0 and raw[31] >> 7)
