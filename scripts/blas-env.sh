# Source me: picks the fastest OpenBLAS kernel this CPU supports unless the user chose one.
# Debian's OpenBLAS 0.3.21 mis-detects recent Intel CPUs as 'Prescott' (4-6x slower), and the AVX2
# kernels ('Haswell') are ~1.6x slower than the AVX-512 ones ('SkylakeX'/'Cooperlake') on an AVX-512 CPU
# (AMD EPYC, 1 thread: `bash scripts/bench.sh --compare-kernels`). The kernel is read when the library
# loads, so it must be in the environment before the process starts. Mirrors
# BLASRuntime.recommendedCoreType. An OPENBLAS_CORETYPE already set (even 'Haswell') is respected.
if [ -z "${OPENBLAS_CORETYPE:-}" ] && [ -r /proc/cpuinfo ]; then
  if grep -qm1 -w avx512f /proc/cpuinfo; then export OPENBLAS_CORETYPE=SkylakeX
  elif grep -qm1 GenuineIntel /proc/cpuinfo && grep -qm1 -w avx2 /proc/cpuinfo; then export OPENBLAS_CORETYPE=Haswell
  fi
fi
