import Foundation
import Testing

/// The reliability issue's hostile inputs, run through the real binary: each gets one clear `Error:` line and the
/// documented exit code (1 error, 3 not certified, 64 usage), never a crash; nothing outside `--output` is touched.
@Suite struct HostileInputTests {
  /// A small CSV (x1, x2, y) of `n` rows.
  static func csv(in dir: URL, name: String = "d.csv", n: Int = 24) throws -> String {
    var text = "x1,x2,y\n"
    for i in 0..<n {
      let a = Double(i % 6) - 2.5, b = Double(i / 6) - 1.5
      text += "\(a),\(b),\(max(0, a + b) + 0.1 * a)\n"
    }
    let path = dir.appendingPathComponent(name).path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  /// A `.npy` file whose header declares `shape` (a Python tuple) and holds 8 data bytes.
  static func npy(in dir: URL, name: String, shape: String, descr: String = "<f8", data: [UInt8] = [UInt8](repeating: 0, count: 8)) throws -> String {
    var dict = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }"
    while (10 + dict.utf8.count + 1) % 64 != 0 { dict += " " }
    dict += "\n"
    var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
    let len = dict.utf8.count
    bytes += [UInt8(len & 0xFF), UInt8(len >> 8)] + Array(dict.utf8) + data
    let path = dir.appendingPathComponent(name).path
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
  }

  /// Expects exit `status` and one `Error:` line on stderr containing `fragment` (progress notes may precede it).
  static func expectError(_ r: CommandResult, status: Int32, _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(r.status == status, "status \(r.status): \(r.stderr)", sourceLocation: sourceLocation)
    let errors = r.stderr.split(separator: "\n").filter { $0.hasPrefix("Error: ") }
    #expect(errors.count == 1 && errors[0].contains(fragment), "\(r.stderr)", sourceLocation: sourceLocation)
    #expect(!r.stderr.contains("Signal") && !r.stderr.contains("crashed"), sourceLocation: sourceLocation)
  }

  @Test func outputNeverReplacesSymlinksFIFOsDevicesOrInputs() throws {
    let dir = try temporaryDirectory()
    let data = try Self.csv(in: dir)
    let before = try String(contentsOfFile: data, encoding: .utf8)
    let link = dir.appendingPathComponent("link.json").path
    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: data)
    let fifo = dir.appendingPathComponent("fifo").path
    #expect(mkfifo(fifo, 0o644) == 0)
    let cases: [(String, String)] = [
      (link, "symbolic link"), (fifo, "not a regular file (a FIFO)"), ("/dev/stdout", "symbolic link"),
      ("/dev/null", "not a regular file"), (data, "is the --data input file"),
      (dir.appendingPathComponent("missing/m.json").path, "does not exist"),
    ]
    for (output, fragment) in cases {
      let r = try runZerogap(["fit", "--data", data, "--output", output, "--force", "--patterns", "5"])
      Self.expectError(r, status: 1, fragment)
      #expect(!r.stderr.contains("Usage:"), "one line, no usage text")
      #expect(r.stdout.isEmpty, "no solve before the output is checked")
    }
    #expect(try String(contentsOfFile: data, encoding: .utf8) == before)
    #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == data)
    var st = stat()
    #expect(lstat(fifo, &st) == 0 && st.st_mode & S_IFMT == S_IFIFO)
    // The input given by another name (a hard link) is an input too.
    let hard = dir.appendingPathComponent("hard.csv").path
    try FileManager.default.linkItem(atPath: data, toPath: hard)
    Self.expectError(try runZerogap(["fit", "--data", data, "--output", hard, "--force"]), status: 1, "input")
    #expect(try String(contentsOfFile: data, encoding: .utf8) == before)
  }

  @Test func optionsThatDoNotApplyAreErrors() throws {
    let dir = try temporaryDirectory()
    let data = try Self.csv(in: dir)
    let npyX = try Self.npy(in: dir, name: "x.npy", shape: "(1, 1)")
    let npyY = try Self.npy(in: dir, name: "y.npy", shape: "(1,)")
    for command in ["fit", "certify"] {
      let extra = command == "certify" ? ["--w1", npyX, "--w2", npyX, "--beta", "1"] : []
      Self.expectError(try runZerogap([command, "--data", data, "--targets", npyY] + extra), status: 1, "--targets")
      Self.expectError(try runZerogap([command, "--data", npyX, "--target", "0"] + extra), status: 1, "--target 0")
      Self.expectError(try runZerogap([command, "--data", data, "--target", ""] + extra), status: 1, "empty column")
    }
    // A negative number after a space is a value, not a flag.
    Self.expectError(try runZerogap(["fit", "--data", data, "--beta", "-1"]), status: 64, "--beta must be")
    Self.expectError(try runZerogap(["fit", "--data", data, "--target", "-1"]), status: 1, "unknown target column")
  }

  @Test func csvWithoutHeaderOrWithAnotherDelimiter() throws {
    let dir = try temporaryDirectory()
    let headerless = dir.appendingPathComponent("h.csv").path
    try "1,2,3\n4,5,6\n".write(toFile: headerless, atomically: true, encoding: .utf8)
    Self.expectError(try runZerogap(["fit", "--data", headerless]), status: 1, "numbers, not column names")
    let semicolons = dir.appendingPathComponent("s.csv").path
    try "a;b;y\n1;2;3\n".write(toFile: semicolons, atomically: true, encoding: .utf8)
    Self.expectError(try runZerogap(["fit", "--data", semicolons]), status: 1, "containing ';'")
    Self.expectError(try runZerogap(["data", "inspect", "no-such-set"]), status: 1, "built-in: diabetes")
  }

  @Test func npyShapesThatOverflowAreRefused() throws {
    let dir = try temporaryDirectory()
    let data = try Self.csv(in: dir)
    for shape in ["(2305843009213693952,)", "(2147483648, 1073741824)", "(4611686018427387904, 2)"] {
      let bad = try Self.npy(in: dir, name: "bad.npy", shape: shape)
      Self.expectError(try runZerogap(["fit", "--data", bad]), status: 1, "too large")
      Self.expectError(try runZerogap(["fit", "--data", data, "--gates", bad]), status: 1, "too large")
      Self.expectError(try runZerogap(["linear", "--x", bad, "--y", bad]), status: 1, "too large")
      Self.expectError(try runZerogap(["certify", "--w1", bad, "--w2", bad, "--beta", "1", "--data", data]), status: 1, "too large")
    }
    let big = try Self.npy(in: dir, name: "be.npy", shape: "(1,)", descr: ">f8", data: [0x3F, 0xF0, 0, 0, 0, 0, 0, 0])
    let r = try runZerogap(["data", "inspect", big])
    #expect(r.status == 0 && r.stdout.contains(">f8"), "\(r.stdout)")
  }

  @Test func patternCountsBeyondTheMemoryBudgetAreRefused() throws {
    let dir = try temporaryDirectory()
    let data = try Self.csv(in: dir)
    for count in ["1000000000", "9223372036854775807"] {
      Self.expectError(try runZerogap(["fit", "--data", data, "--patterns", count]), status: 1, "memory budget exceeded")
    }
    Self.expectError(try runZerogap(["fit", "--data", data, "--patterns", "2000", "--memory-limit", "100K"]), status: 1, "budget is")
    Self.expectError(try runZerogap(["fit", "--data", data, "--memory-limit", "lots"]), status: 64, "--memory-limit")
    // Enumeration is refused from the pattern bound before it starts (240 rows, 3 features and the bias).
    var text = "x1,x2,x3,y\n"
    for i in 0..<240 { text += "\(Double(i % 7) - 3),\(Double(i % 11) - 5),\(Double(i).squareRoot()),\(Double(i % 5))\n" }
    let wide = dir.appendingPathComponent("w.csv").path
    try text.write(toFile: wide, atomically: true, encoding: .utf8)
    Self.expectError(try runZerogap(["fit", "--data", wide, "--enumerate", "--memory-limit", "64M"]), status: 1, "sample patterns instead")
  }

  @Test func hostileModelFiles() throws {
    let dir = try temporaryDirectory()
    let data = try Self.csv(in: dir)
    let model = dir.appendingPathComponent("m.json").path
    #expect(try runZerogap(["fit", "--data", data, "--patterns", "10", "--output", model, "--json"]).status == 0)
    let good = try String(contentsOfFile: model, encoding: .utf8)
    let nested = dir.appendingPathComponent("nested.json").path
    try (String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)).write(toFile: nested, atomically: true, encoding: .utf8)
    Self.expectError(try runZerogap(["predict", "--model", nested, "--data", data]), status: 1, "Too many nested arrays")
    for (name, text, fragment) in [
      ("v99.json", good.replacingOccurrences(of: "\"version\":1", with: "\"version\":99"), "model-file version 99"),
      ("huge.json", good.replacingOccurrences(of: "\"beta\":1,", with: "\"beta\":1e999,"), "1e999 is not representable"),
    ] {
      #expect(text != good, "the fixture edit applied")
      let path = dir.appendingPathComponent(name).path
      try text.write(toFile: path, atomically: true, encoding: .utf8)
      Self.expectError(try runZerogap(["predict", "--model", path, "--data", data]), status: 1, fragment)
      Self.expectError(try runZerogap(["certify", "--model", path, "--data", data]), status: 1, fragment)
    }
  }

  @Test func hugeWeightsGiveAnErrorNotInfinity() throws {
    let dir = try temporaryDirectory()
    let data = try Self.csv(in: dir)
    // W1 2×1 and W2 1×1 with entries 1e200: the objective overflows.
    let bits = (1e200).bitPattern.littleEndian
    let value = (0..<8).map { UInt8((bits >> (8 * UInt64($0))) & 0xFF) }
    let w1 = try Self.npy(in: dir, name: "w1.npy", shape: "(2, 1)", data: value + value)
    let w2 = try Self.npy(in: dir, name: "w2.npy", shape: "(1, 1)", data: value)
    let r = try runZerogap(["certify", "--w1", w1, "--w2", w2, "--beta", "1", "--data", data, "--json"])
    Self.expectError(r, status: 1, "overflows double precision")
    #expect(r.stdout.isEmpty)
  }

  @Test func modelFilesRecordTheirColumns() throws {
    // Fitted with --target 0 (the first column is the target): predict without --target must pick the same columns.
    let dir = try temporaryDirectory()
    var text = "y,x1,x2\n"
    for i in 0..<30 {
      let a = Double(i % 6) - 2.5, b = Double(i / 6) - 2
      text += "\(max(0, a - b) + 0.5 * a),\(a),\(b)\n"
    }
    let data = dir.appendingPathComponent("first.csv").path
    try text.write(toFile: data, atomically: true, encoding: .utf8)
    let model = dir.appendingPathComponent("m.json").path
    #expect(try runZerogap(["fit", "--data", data, "--target", "0", "--beta", "0.01", "--output", model, "--json"]).status == 0)
    let fitted = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: model))) as? [String: Any]
    let columns = fitted?["columns"] as? [String: Any]
    #expect(columns?["features"] as? [String] == ["x1", "x2"] && columns?["targets"] as? [String] == ["y"])
    let p = try runZerogap(["predict", "--model", model, "--data", data, "--json"])
    #expect(p.status == 0, "\(p.stderr)")
    let r2 = try #require((try JSONSerialization.jsonObject(with: Data(p.stdout.utf8)) as? [String: Any])?["r2"] as? Double)
    #expect(r2 > 0.99)
    // The same columns in another order are found by name; a CSV without them is refused.
    let shuffled = dir.appendingPathComponent("shuffled.csv").path
    try text.split(separator: "\n").map { l in let f = l.split(separator: ","); return "\(f[2]),\(f[0]),\(f[1])" }.joined(separator: "\n")
      .appending("\n").write(toFile: shuffled, atomically: true, encoding: .utf8)
    let q = try runZerogap(["predict", "--model", model, "--data", shuffled, "--json"])
    #expect(q.status == 0 && q.stdout == p.stdout, "\(q.stderr)")
    let other = dir.appendingPathComponent("other.csv").path
    try "p,q,y\n1,2,3\n4,5,6\n".write(toFile: other, atomically: true, encoding: .utf8)
    Self.expectError(try runZerogap(["predict", "--model", model, "--data", other]), status: 1, "fitted on the columns x1, x2")
  }

  @Test func uncertifiedFitsExitThreeWithTheirModel() throws {
    let dir = try temporaryDirectory()
    let data = try Self.csv(in: dir)
    let model = dir.appendingPathComponent("m.json").path
    let r = try runZerogap(["fit", "--data", data, "--max-iterations", "1", "--patterns", "20", "--output", model, "--json"])
    #expect(r.status == 3, "\(r.stderr)")
    #expect(r.stderr.contains("not certified"))
    let summary = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    #expect(summary["stop_reason"] as? String != "converged")
    #expect(try #require(summary["relative_gap"] as? Double) > 1e-6)
    #expect(FileManager.default.fileExists(atPath: model))
    // A certified fit exits 0.
    #expect(try runZerogap(["fit", "--data", data, "--patterns", "20", "--json"]).status == 0)
  }

  /// Further hostile inputs found by an independent review: a NUL byte inside a number, duplicate or empty header
  /// names, single-class labels, an unparsable ZEROGAP_MEMORY_LIMIT, --loss with a model file, an empty depth, a
  /// replaced file's permissions, features near the Double limit, and scores that overflow.
  @Test func reviewFindings() throws {
    let dir = try temporaryDirectory()
    let data = try Self.csv(in: dir)
    func write(_ name: String, _ text: String) throws -> String {
      let path = dir.appendingPathComponent(name).path
      try text.write(toFile: path, atomically: true, encoding: .utf8)
      return path
    }
    Self.expectError(try runZerogap(["fit", "--data", try write("nul.csv", "a,b,y\n1,2,3\n4,5\u{0}9,6\n7,8,9\n")]), status: 1, "non-numeric value")
    Self.expectError(try runZerogap(["fit", "--data", try write("dup.csv", "a,a,y\n1,2,3\n4,5,6\n")]), status: 1, "both \"a\"")
    Self.expectError(try runZerogap(["fit", "--data", try write("empty.csv", "a,,y\n1,2,3\n4,5,6\n")]), status: 1, "has no name")
    Self.expectError(try runZerogap(["fit", "--data", try write("one.csv", "a,y\n1,1\n2,1\n3,1\n"), "--loss", "logistic"]), status: 1, "1 distinct value")
    Self.expectError(try runZerogap(["fit", "--data", data], environment: ["ZEROGAP_MEMORY_LIMIT": "lots"]), status: 1, "ZEROGAP_MEMORY_LIMIT")
    let model = dir.appendingPathComponent("m.json").path
    #expect(try runZerogap(["fit", "--data", data, "--patterns", "10", "--output", model, "--json"]).status == 0)
    Self.expectError(try runZerogap(["certify", "--model", model, "--data", data, "--loss", "hinge"]), status: 64, "--loss applies to --weights and --w1/--w2")
    Self.expectError(try runZerogap(["linear", "--case", "diag31", "--depth", "2,,3"]), status: 64, "is not an integer")
    // --force keeps the permissions of the file it replaces.
    #expect(chmod(model, 0o600) == 0)
    #expect(try runZerogap(["fit", "--data", data, "--patterns", "10", "--output", model, "--force", "--json"]).status == 0)
    #expect((try FileManager.default.attributesOfItem(atPath: model)[.posixPermissions] as? Int) == 0o600)
    // Features near the Double limit are standardised, not zeroed; the model is usable.
    var big = "a,b,y\n"
    for i in 0..<30 { big += "\(Double(i % 7 - 3) * 1e200),\(Double(i % 5 - 2) * 1e200),\(Double(i % 3))\n" }
    let bigData = try write("big.csv", big)
    let bigModel = dir.appendingPathComponent("big.json").path
    let fit = try runZerogap(["fit", "--data", bigData, "--patterns", "10", "--output", bigModel, "--json"])
    #expect(fit.status == 0, "\(fit.stderr)")
    #expect(!(try String(contentsOfFile: bigModel, encoding: .utf8)).contains("null"))
    #expect(try runZerogap(["predict", "--model", bigModel, "--data", bigData]).status == 0)
    // A model whose outputs overflow the R² sum: predictions printed, the score omitted with a note, never inf.
    var huge = "a,b,y\n"
    for i in 0..<10 { huge += "\(Double(i) * 1e170),1,\(Double(i) * 1e170)\n" }
    let p = try runZerogap(["predict", "--model", model, "--data", try write("huge.csv", huge.replacingOccurrences(of: "a,b,y", with: "x1,x2,y")), "--json"])
    #expect(!p.stdout.contains("inf") && !p.stdout.contains("null") && !p.stdout.contains("nan"), "\(p.stdout)")
  }
}
