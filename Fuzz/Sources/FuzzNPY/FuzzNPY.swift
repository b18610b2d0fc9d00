import ZeroGap

/// One input: any bytes as a `.npy` file, decoded strictly and with non-finite values allowed, and inspected.
/// Errors are the expected outcome; a crash, hang, trap or runaway allocation is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNPY(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  _ = try? NPY.decode(bytes, file: "fuzz.npy")
  _ = try? NPY.decode(bytes, file: "fuzz.npy", allowNonFinite: true)
  _ = try? DataInspection.inspectNPY(bytes, file: "fuzz.npy", maxProblems: 5)
  return 0
}
