#!/usr/bin/env python3
"""qr_reference.py - an independent decoder of the fieldkit QR stream, written
from docs/qr-stream.md alone (no fieldkit code): Base45, frame layout, CRC-32,
ChaCha20 coefficients, GF(256) Gauss-Jordan, SHA-256 and stream id checks.

usage: qr_reference.py decode SYMBOLS.txt OUT   (one symbol per line, Base45 or hex:...)
       qr_reference.py frames FILE VERSION_CHUNK N (prints N frames as hex)
"""
import hashlib
import struct
import sys
import zlib

B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


def b45decode(s):
    out = bytearray()
    if len(s) % 3 == 1:
        raise ValueError("length")
    for i in range(0, len(s), 3):
        g = [B45.index(c) for c in s[i:i + 3]]
        if len(g) == 3:
            v = g[0] + g[1] * 45 + g[2] * 2025
            if v > 0xFFFF:
                raise ValueError("group")
            out += bytes([v >> 8, v & 0xFF])
        else:
            v = g[0] + g[1] * 45
            if v > 0xFF:
                raise ValueError("group")
            out.append(v)
    return bytes(out)


def rotl(v, n):
    return ((v << n) & 0xFFFFFFFF) | (v >> (32 - n))


def chacha20_block(key, counter, nonce8):
    c = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574]
    k = list(struct.unpack("<8I", key))
    st = c + k + [counter & 0xFFFFFFFF, counter >> 32] + list(struct.unpack("<2I", nonce8))
    x = st[:]

    def qr(a, b, cc, d):
        x[a] = (x[a] + x[b]) & 0xFFFFFFFF; x[d] = rotl(x[d] ^ x[a], 16)
        x[cc] = (x[cc] + x[d]) & 0xFFFFFFFF; x[b] = rotl(x[b] ^ x[cc], 12)
        x[a] = (x[a] + x[b]) & 0xFFFFFFFF; x[d] = rotl(x[d] ^ x[a], 8)
        x[cc] = (x[cc] + x[d]) & 0xFFFFFFFF; x[b] = rotl(x[b] ^ x[cc], 7)
    for _ in range(10):
        qr(0, 4, 8, 12); qr(1, 5, 9, 13); qr(2, 6, 10, 14); qr(3, 7, 11, 15)
        qr(0, 5, 10, 15); qr(1, 6, 11, 12); qr(2, 7, 8, 13); qr(3, 4, 9, 14)
    return struct.pack("<16I", *[(x[i] + st[i]) & 0xFFFFFFFF for i in range(16)])


def coefs(sid, index, k):
    key = sid + struct.pack(">I", index) + bytes(20)
    out = b""
    n = 0
    while len(out) < k:
        out += chacha20_block(key, n, bytes(8))
        n += 1
    return out[:k]


EXP = [0] * 512
LOG = [0] * 256
_x = 1
for _i in range(255):
    EXP[_i] = _x
    LOG[_x] = _i
    _x <<= 1
    if _x & 0x100:
        _x ^= 0x11D
for _i in range(255, 512):
    EXP[_i] = EXP[_i - 255]


def mul(a, b):
    return 0 if a == 0 or b == 0 else EXP[LOG[a] + LOG[b]]


def inv(a):
    return EXP[255 - LOG[a]]


def parse(sym):
    raw = sym if sym[:3] == b"FQ\x01" else b45decode(sym.decode("ascii"))
    if len(raw) < 26 or raw[:3] != b"FQ\x01":
        return None
    if struct.unpack(">I", raw[-4:])[0] != zlib.crc32(raw[:-4]):
        return None
    sid = raw[3:11]
    k, length, index = struct.unpack(">HII", raw[11:21])
    payload = raw[21:-4]
    c = len(payload)
    if k == 0 or k != -(-(length + 32) // c):
        return None
    return sid, k, length, index, payload


def stream_id(h, length, chunk):
    return hashlib.sha256(b"fieldkit-qr-v1" + struct.pack(">IH", length, chunk) + h).digest()[:8]


def decode(symbols):
    streams = {}
    for sym in symbols:
        try:
            f = parse(sym)
        except (ValueError, UnicodeDecodeError):
            f = None
        if f is None:
            continue
        sid, k, length, index, payload = f
        key = (sid, k, length, len(payload))
        rows = streams.setdefault(key, {})
        vec = [0] * k
        if index < k:
            vec[index] = 1
        else:
            vec = list(coefs(sid, index, k))
        data = list(payload)
        # reduce against existing pivots (rows kept in reduced echelon form)
        for p, (pv, pd) in rows.items():
            f_ = vec[p]
            if f_:
                vec = [a ^ mul(f_, b) for a, b in zip(vec, pv)]
                data = [a ^ mul(f_, b) for a, b in zip(data, pd)]
        q = next((i for i, v in enumerate(vec) if v), None)
        if q is None:
            continue
        iv = inv(vec[q])
        vec = [mul(iv, v) for v in vec]
        data = [mul(iv, v) for v in data]
        for p, (pv, pd) in list(rows.items()):
            f_ = pv[q]
            if f_:
                rows[p] = ([a ^ mul(f_, b) for a, b in zip(pv, vec)],
                           [a ^ mul(f_, b) for a, b in zip(pd, data)])
        rows[q] = (vec, data)
        if len(rows) == k:
            msg = bytes(sum((rows[i][1] for i in range(k)), []))
            body, h = msg[:length], msg[length:length + 32]
            if (hashlib.sha256(body).digest() == h and not any(msg[length + 32:])
                    and stream_id(h, length, len(payload)) == sid):
                return body
            del streams[key]
    return None


def main():
    if sys.argv[1] == "decode":
        with open(sys.argv[2], "rb") as f:
            lines = [l.rstrip(b"\r\n") for l in f]
        body = decode([l for l in lines if l])
        if body is None:
            sys.exit("qr_reference: stream incomplete or not verified")
        with open(sys.argv[3], "wb") as f:
            f.write(body)
        print("qr_reference: %d bytes, verified" % len(body))
    elif sys.argv[1] == "frames":
        data = open(sys.argv[2], "rb").read()
        chunk, n = int(sys.argv[3]), int(sys.argv[4])
        h = hashlib.sha256(data).digest()
        k = -(-(len(data) + 32) // chunk)
        msg = data + h + bytes(k * chunk - len(data) - 32)
        sid = stream_id(h, len(data), chunk)
        for i in range(n):
            if i < k:
                pl = msg[i * chunk:(i + 1) * chunk]
            else:
                c = coefs(sid, i, k)
                pl = bytearray(chunk)
                for j in range(k):
                    for t in range(chunk):
                        pl[t] ^= mul(c[j], msg[j * chunk + t])
                pl = bytes(pl)
            fr = b"FQ\x01" + sid + struct.pack(">HII", k, len(data), i) + pl
            fr += struct.pack(">I", zlib.crc32(fr))
            print(fr.hex())


if __name__ == "__main__":
    main()
