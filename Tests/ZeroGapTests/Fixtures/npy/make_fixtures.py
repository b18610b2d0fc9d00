# Generates the .npy fixtures (run once with numpy; tests do not need Python).
# Values follow closed formulas the Swift tests recompute independently:
#   float: a[i, j] = (10*i + j) / 3      int: a[i, j] = 10*i - 7*j      1-D: v[k] = (k - 2) / 4 (float), 37*k mod 256 (uint8)
import numpy as np
from numpy.lib import format as fmt
I, J = np.meshgrid(np.arange(3), np.arange(4), indexing="ij")
F = (10 * I + J) / 3.0
N = 10 * I - 7 * J
def save(name, a, version=None):
    with open(name, "wb") as f:
        if version is None: np.save(f, a)
        else: fmt.write_array(f, a, version=version)
save("f8_c.npy", F.astype("<f8"))
save("f8_fortran.npy", np.asfortranarray(F.astype("<f8")))
save("f4_c.npy", F.astype("<f4"))
save("f4_fortran.npy", np.asfortranarray(F.astype("<f4")))
save("i8_c.npy", N.astype("<i8"))
save("i4_fortran.npy", np.asfortranarray(N.astype("<i4")))
save("i2_c.npy", N.astype("<i2"))
save("u1_1d.npy", ((37 * np.arange(10)) % 256).astype("u1"))
save("f8_1d.npy", ((np.arange(5) - 2) / 4.0).astype("<f8"))
save("f8_v2.npy", F.astype("<f8"), version=(2, 0))
save("f8_bigendian.npy", F.astype(">f8"))
save("bool_c.npy", (N > 0))
save("c16_c.npy", F.astype("<c16"))
save("f8_3d.npy", np.zeros((2, 2, 2)))
save("f8_empty.npy", np.zeros((0, 3)))
for n in sorted(__import__("os").listdir(".")):
    with open(n, "rb") as f: h = f.read(12 + 200)
    print(n, __import__("os").path.getsize(n), h[8:].split(b"}")[0][2:] + b"}")
