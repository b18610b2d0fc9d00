import Foundation
import ZeroGap

/// One input: any bytes as a model file (`zerogap fit --output`), through the JSON parser and both model decoders
/// (two-layer and parallel networks); a decoded model also predicts on a small matrix of its input size. Errors are
/// the expected outcome.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModel(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
  _ = try? JSON.parse(text)
  if let model = try? ConvexReLUEstimator.decode(text, file: "fuzz.json"), let f = model.fitted, f.means.count <= 64 {
    _ = try? model.predict(Matrix(rows: 2, columns: f.means.count, repeating: 0.5))
  }
  let bytes = Data(UnsafeBufferPointer(start: data, count: size))
  if let file = try? ParallelModelFile.decode(bytes, file: "fuzz.json"), let model = try? ParallelReLUEstimator(modelFile: file, file: "fuzz.json"),
    let f = model.fitted, f.means.count <= 64
  {
    _ = try? model.predict(Matrix(rows: 2, columns: f.means.count, repeating: 0.5))
  }
  return 0
}
