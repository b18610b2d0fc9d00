import ZeroGap

/// One input: any bytes as a weight file — safetensors, and a NumPy .npz (ZIP, stored or deflate) — every tensor
/// decoded and the PyTorch two-layer layout read. Errors are the expected outcome; a crash, hang, trap or runaway
/// allocation is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWeights(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  var archives: [any WeightArchive] = []
  if let s = try? SafeTensors(bytes: bytes, file: "fuzz.safetensors") { archives.append(s) }
  if let z = try? NPZ(bytes: bytes, file: "fuzz.npz") { archives.append(z) }
  for archive in archives {
    for name in archive.tensorNames { _ = try? archive.tensor(named: name) }
    _ = try? TorchTwoLayerLayout().read(archive)
  }
  return 0
}
