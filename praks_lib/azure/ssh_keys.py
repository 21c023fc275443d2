"""What Azure accepts as a VM's SSH public key: RSA of 2048 bits or more, or Ed25519, one OpenSSH line."""
from __future__ import annotations

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from cryptography.hazmat.primitives.serialization import load_ssh_public_key

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
