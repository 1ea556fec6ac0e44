# Hand-built zips of a lineup bundle in which what lineup reads and what other unzip tools read
# can differ (adapted from the opposing-expert review's reproductions, /tmp/attack2/zip/mkzip.py
# of 2026-11-28). Used by tests/bundle_trust.rs:
#   python3 odd_zips.py BUNDLE-FOLDER FORGED.pdf VARIANT OUT.zip
# VARIANT: localsize (the PDF's local header describes the forged bytes, the central directory
# the genuine ones), gap (an unlisted local entry with the forged PDF), zip64dup (a forged first
# entry of the same name, counted only in the zip64 end record).
import os, struct, sys, zlib

bundle, forged_path, variant, out_path = sys.argv[1:5]
FOLDER = 'bundle/'
names = sorted(os.listdir(bundle))
genuine = {n: open(os.path.join(bundle, n), 'rb').read() for n in names}
forged = open(forged_path, 'rb').read()

def local(name, data):
    n = name.encode()
    return struct.pack('<IHHHHHIIIHH', 0x04034b50, 20, 0, 0, 0, 0x21, zlib.crc32(data),
                       len(data), len(data), len(n), 0) + n + data

def central(name, offset, data):
    n = name.encode()
    return struct.pack('<IHHHHHHIIIHHHHHII', 0x02014b50, 0x031e, 20, 0, 0, 0, 0x21,
                       zlib.crc32(data), len(data), len(data), len(n), 0, 0, 0, 0,
                       0o100644 << 16, offset) + n

items = [(FOLDER + n, genuine[n]) for n in names]
if variant == 'zip64dup':
    items.insert(0, (FOLDER + 'assessment.pdf', forged))
body, directory = bytearray(), bytearray()
for name, data in items:
    offset = len(body)
    if variant == 'localsize' and name.endswith('assessment.pdf'):
        body += local(name, forged)
        directory += central(name, offset, data)
    elif variant == 'gap' and name.endswith('assessment.pdf'):
        body += local(name, data)
        directory += central(name, offset, data)
        body += local(name, forged)
    else:
        body += local(name, data)
        directory += central(name, offset, data)
start, count = len(body), len(items)
out = body + directory
if variant == 'zip64dup':
    at = len(out)
    out += struct.pack('<IQHHIIQQQQ', 0x06064b50, 44, 45, 45, 0, 0, count, count, len(directory), start)
    out += struct.pack('<IIQI', 0x07064b50, 0, at, 1)
    out += struct.pack('<IHHHHIIH', 0x06054b50, 0, 0, count - 1, count - 1, 0xFFFFFFFF, start, 0)
else:
    out += struct.pack('<IHHHHIIH', 0x06054b50, 0, 0, count, count, len(directory), start, 0)
open(out_path, 'wb').write(bytes(out))
