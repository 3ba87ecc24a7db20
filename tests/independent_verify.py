#!/usr/bin/env python3
"""Independent verifier for a govledger export and checkpoint. Python 3.11 standard library only;
imports nothing from govledger, so an auditor can check the log without trusting our code.

    python3 independent_verify.py EXPORT.jsonl CHECKPOINT.txt KEY.vkey
    python3 independent_verify.py --note NOTE --key KEY.vkey

Formats (see the README):
  export      JSON Lines, UTF-8, one canonical event body per line, each line ending in "\\n".
              event hash = SHA-256(line bytes without the newline); line n has "seq": n and
              "prev": hex hash of line n-1 (64 zeros for line 1).
  Merkle tree RFC 9162 section 2.1: leaf = SHA-256(0x00 || line), node = SHA-256(0x01 || l || r).
  checkpoint  C2SP signed note: "<origin>\\n<size>\\n<base64 root>\\n" [extension lines],
              a blank line, then lines "\\u2014 <key name> <base64(4-byte key id || signature)>\\n".
  key         "<name>+<8 hex key id>+<base64(0x01 || 32-byte Ed25519 public key)>";
              key id = SHA-256(name || "\\n" || 0x01 || public key)[:4].

Exit status 0 with one summary line; 1 with one line naming the first problem of the log, note
or key (FAIL); 2 on bad usage or a file that cannot be read (ERROR): a missing file says nothing
about the log, so it must not read as a broken one.
"""

import base64
import binascii
import hashlib
import json
import sys


class Failure(Exception):
    """The one line to print when verification fails."""


# ---- Ed25519 verification, RFC 8032 section 5.1.7 (after the reference code of section 6) ----

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, -1, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)


def point_add(a, b):
    # Extended homogeneous coordinates (X, Y, Z, T), x = X/Z, y = Y/Z, x*y = T/Z.
    A = (a[1] - a[0]) * (b[1] - b[0]) % P
    B = (a[1] + a[0]) * (b[1] + b[0]) % P
    C = 2 * a[3] * b[3] * D % P
    Dd = 2 * a[2] * b[2] % P
    E, F, G, H = B - A, Dd - C, Dd + C, B + A
    return (E * F % P, G * H % P, F * G % P, E * H % P)


def point_mul(s, point):
    result = (0, 1, 1, 0)  # neutral element
    while s > 0:
        if s & 1:
            result = point_add(result, point)
        point = point_add(point, point)
        s >>= 1
    return result


def point_equal(a, b):
    return (a[0] * b[2] - b[0] * a[2]) % P == 0 and (a[1] * b[2] - b[1] * a[2]) % P == 0


def recover_x(y, sign):
    if y >= P:
        return None
    x2 = (y * y - 1) * pow(D * y * y + 1, -1, P) % P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P != 0:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P != 0:
        return None
    if (x & 1) != sign:
        x = P - x
    return x


def point_decompress(data):
    if len(data) != 32:
        return None
    y = int.from_bytes(data, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    x = recover_x(y, sign)
    if x is None:
        return None
    return (x, y, 1, x * y % P)


G_Y = 4 * pow(5, -1, P) % P
G_X = recover_x(G_Y, 0)
BASE = (G_X, G_Y, 1, G_X * G_Y % P)


def ed25519_verify(public, message, signature):
    if len(public) != 32 or len(signature) != 64:
        return False
    a = point_decompress(public)
    r = point_decompress(signature[:32])
    if a is None or r is None:
        return False
    s = int.from_bytes(signature[32:], "little")
    if s >= L:
        return False
    h = int.from_bytes(hashlib.sha512(signature[:32] + public + message).digest(), "little") % L
    return point_equal(point_mul(s, BASE), point_add(r, point_mul(h, a)))


# ---- signed notes (c2sp.org/signed-note) and checkpoints (c2sp.org/tlog-checkpoint) ----


def b64decode(text, what):
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise Failure(f"{what} is not standard base64")


def read_key(path):
    text = open(path, encoding="utf-8").read().rstrip("\n")
    parts = text.split("+", 2)
    hexdigits = "0123456789abcdefABCDEF"
    if len(parts) != 3 or len(parts[1]) != 8 or any(c not in hexdigits for c in parts[1]):
        raise Failure(f"{path}: not a verifier key <name>+<key id>+<key>")
    name, key_id, raw = parts[0], bytes.fromhex(parts[1]), b64decode(parts[2], f"{path}: key")
    if len(raw) != 33 or raw[0] != 0x01:
        raise Failure(f"{path}: not an Ed25519 key")
    if hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4] != key_id:
        raise Failure(f"{path}: key id does not match the name and key")
    return name, key_id, raw[1:]


def open_note(path, key):
    """Returns the note text if the key signed it; every rule of the spec is checked."""
    name, key_id, public = key
    data = open(path, "rb").read()
    try:
        note = data.decode("utf-8")
    except UnicodeDecodeError:
        raise Failure(f"{path}: not UTF-8")
    if any(ord(c) < 0x20 and c != "\n" for c in note):
        raise Failure(f"{path}: control character in note")
    split = note.rfind("\n\n")
    if split < 0 or not note.endswith("\n") or split + 2 == len(note):
        raise Failure(f"{path}: no signature block after a blank line")
    text, signatures = note[: split + 1], note[split + 2 : -1].split("\n")
    verified = False
    for number, line in enumerate(signatures, 1):
        if not line.startswith("\u2014 ") or " " not in line[2:]:
            raise Failure(f"{path}: signature line {number} is malformed")
        signer, sig64 = line[2:].split(" ", 1)
        sig = b64decode(sig64, f"{path}: signature line {number}")
        if signer != name or sig[:4] != key_id:
            continue  # someone else's signature: ignored, as the spec says
        if not ed25519_verify(public, text.encode(), sig[4:]):
            raise Failure(f"{path}: signature by {name} does not verify")
        verified = True
    if not verified:
        raise Failure(f"{path}: not signed by {name}")
    return text


def parse_checkpoint(path, text):
    lines = text[:-1].split("\n")
    if len(lines) < 3 or not lines[0]:
        raise Failure(f"{path}: a checkpoint needs origin, size and root lines")
    size = lines[1]
    if not size.isascii() or not size.isdigit() or (size != "0" and size.startswith("0")):
        raise Failure(f"{path}: tree size {size!r} is not a decimal number")
    root = b64decode(lines[2], f"{path}: root hash")
    if len(root) != 32:
        raise Failure(f"{path}: root hash is not 32 bytes")
    return lines[0], int(size), root


# ---- the export ----


def merkle_root(leaves, lo, hi):
    """MTH(D[lo:hi]) by its definition, RFC 9162 section 2.1.1."""
    n = hi - lo
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaves[lo]
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + merkle_root(leaves, lo, lo + k) + merkle_root(leaves, lo + k, hi)).digest()


def verify_export(export_path, tree_size):
    """Checks every line's hash chain and seq; returns the leaf hashes of the first tree_size."""
    data = open(export_path, "rb").read()
    if data and not data.endswith(b"\n"):
        last = data.count(b"\n") + 1
        raise Failure(f"line {last}: does not end with a newline")
    lines = data.split(b"\n")[:-1]
    prev = "0" * 64
    leaves = []
    for seq, line in enumerate(lines, 1):
        where = f"line {seq} (seq {seq})"
        try:
            body = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise Failure(f"{where}: not a JSON object in UTF-8")
        if not isinstance(body, dict):
            raise Failure(f"{where}: not a JSON object")
        if type(body.get("seq")) is not int or body["seq"] != seq:
            raise Failure(f"{where}: seq is {body.get('seq')!r}, expected {seq}")
        if body.get("prev") != prev:
            raise Failure(f"{where}: prev is {body.get('prev')!r}, expected the hash of line {seq - 1}: {prev}")
        prev = hashlib.sha256(line).hexdigest()
        if seq <= tree_size:
            leaves.append(hashlib.sha256(b"\x00" + line).digest())
    if len(lines) < tree_size:
        raise Failure(f"the export has {len(lines)} events, the checkpoint covers {tree_size}")
    return len(lines), leaves


def main(argv):
    try:
        if len(argv) == 5 and argv[1] == "--note" and argv[3] == "--key":
            key = read_key(argv[4])
            text = open_note(argv[2], key)
            print(f"OK: note signed by {key[0]}+{key[1].hex()}, {len(text.encode())} bytes of text")
            return 0
        if len(argv) != 4:
            print("\n".join(__doc__.strip().splitlines()[3:5]), file=sys.stderr)
            return 2
        export_path, checkpoint_path, key_path = argv[1:]
        key = read_key(key_path)
        origin, size, root = parse_checkpoint(checkpoint_path, open_note(checkpoint_path, key))
        count, leaves = verify_export(export_path, size)
        computed = merkle_root(leaves, 0, len(leaves))
        if computed != root:
            raise Failure(
                f"root of the first {size} lines is {base64.b64encode(computed).decode()}, "
                f"the checkpoint says {base64.b64encode(root).decode()}"
            )
    except Failure as failure:
        print(f"FAIL: {failure}")
        return 1
    except OSError as error:
        print(f"ERROR: cannot read {error.filename}: {error.strerror}")
        return 2
    except UnicodeDecodeError as error:
        print(f"FAIL: not UTF-8 text where a note or key was expected: {error.reason}")
        return 1
    print(
        f"OK: {count} events chained; checkpoint {origin} size {size} root "
        f"{base64.b64encode(root).decode()} matches and is signed by {key[0]}+{key[1].hex()}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
