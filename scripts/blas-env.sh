# Source me: picks the fastest OpenBLAS kernel this CPU supports unless the user chose one.
# Debian's OpenBLAS 0.3.21 mis-detects recent Intel CPUs as 'Prescott' (4-6x slower); the
# kernel is read when the library loads, so it must be in the environment before the process starts.
if [ -z "${OPENBLAS_CORETYPE:-}" ] && grep -qm1 GenuineIntel /proc/cpuinfo 2>/dev/null; then
  if grep -qw avx512f /proc/cpuinfo; then export OPENBLAS_CORETYPE=SkylakeX
  elif grep -qw avx2 /proc/cpuinfo; then export OPENBLAS_CORETYPE=Haswell
  fi
fi
