import ZeroGap

/// One input: any bytes as a CSV file, through the parser, the dataset conversion (default target, first column,
/// a named column) and the inspection report. Errors are the expected outcome; a crash, hang or trap is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
  if let table = try? CSVReader.parse(text, file: "fuzz.csv") {
    _ = try? CSVReader.dataset(from: table, name: "fuzz")
    _ = try? CSVReader.dataset(from: table, targets: [.index(0)], name: "fuzz")
    if let first = table.header.first { _ = try? CSVReader.matrix(from: table, names: [first]) }
  }
  _ = try? DataInspection.inspectCSV(text, file: "fuzz.csv", maxProblems: 5)
  return 0
}
