import Foundation
import Testing
@testable import ZeroGap

/// Writes `text` to a fresh temporary file and returns its path.
func writeTemporaryFile(_ text: String, name: String = "data.csv") throws -> String {
  try writeTemporaryFile(Array(text.utf8), name: name)
}

func writeTemporaryFile(_ bytes: [UInt8], name: String) throws -> String {
  let dir = try scratchDirectory()
  let url = dir.appendingPathComponent(name)
  try Data(bytes).write(to: url)
  return url.path
}

/// Loads `text` from a real file and returns the thrown `DataError` (nil if it loaded).
func csvLoadError(_ text: String, targets: [TargetColumn] = []) throws -> (DataError?, String) {
  let path = try writeTemporaryFile(text)
  do {
    _ = try CSVReader.loadDataset(path: path, targets: targets)
    return (nil, path)
  } catch {
    return (error, path)
  }
}

@Suite("CSV reader")
struct CSVReaderTests {
  @Test func parsesHeaderTargetsAndFeatures() throws {
    let ds = try CSVReader.dataset(csv: "a,b,c\n1,2,3\n4,5,6\n", targets: [.name("b")])
    #expect(ds.featureNames == ["a", "c"])
    #expect(ds.targetNames == ["b"])
    #expect(ds.features == Matrix([[1, 3], [4, 6]]))
    #expect(ds.targets == Matrix([[2], [5]]))
  }

  @Test func defaultTargetIsLastColumnAndIndicesAreZeroBased() throws {
    let text = "a,b,c\n1,2,3\n4,5,6\n"
    let last = try CSVReader.dataset(csv: text)
    #expect(last.targetNames == ["c"] && last.featureNames == ["a", "b"])
    let byIndex = try CSVReader.dataset(csv: text, targets: [.index(0)])
    #expect(byIndex.targetNames == ["a"] && byIndex.targets == Matrix([[1], [4]]))
    // A numeric string that names no column is an index.
    let byString = try CSVReader.dataset(csv: text, targets: [.name("1")])
    #expect(byString.targetNames == ["b"])
    // But a header literally called "0" wins over index 0.
    let literal = try CSVReader.dataset(csv: "x,0\n1,2\n", targets: [.name("0")])
    #expect(literal.targetNames == ["0"] && literal.targets == Matrix([[2]]))
  }

  @Test func multipleTargetsKeepTheGivenOrder() throws {
    let ds = try CSVReader.dataset(csv: "a,b,c,d\n1,2,3,4\n5,6,7,8\n", targets: [.name("d"), .index(1)])
    #expect(ds.targetNames == ["d", "b"])
    #expect(ds.targets == Matrix([[4, 2], [8, 6]]))
    #expect(ds.features == Matrix([[1, 3], [5, 7]]))
  }

  @Test func quotedFieldsCRLFBOMAndTrailingBlankLines() throws {
    let text = "\u{FEFF}\"first, name\",\"say \"\"hi\"\"\",\"multi\nline\"\r\n 1 , \"2\",3\r\n-4.5e1,+5,  6\r\n\r\n\n"
    let table = try CSVReader.parse(text, file: "q.csv")
    #expect(table.header == ["first, name", "say \"hi\"", "multi\nline"])
    #expect(table.records.map(\.line) == [3, 4])
    let ds = try CSVReader.dataset(from: table, targets: [.name("multi\nline")], name: "q")
    #expect(ds.features == Matrix([[1, 2], [-45, 5]]))
    #expect(ds.targets == Matrix([[3], [6]]))
  }

  @Test func fileWithoutFinalNewline() throws {
    let ds = try CSVReader.dataset(csv: "a,b\n1,2\n3,4")
    #expect(ds.sampleCount == 2 && ds.targets == Matrix([[2], [4]]))
  }

  // MARK: - Every error names file, line and column

  @Test func raggedRowTooFew() throws {
    let (e, path) = try csvLoadError("a,b,c\n1,2,3\n4,5\n7,8,9\n")
    let error = try #require(e)
    #expect(error.kind == .raggedRow)
    #expect(error.file == path && error.line == 3 && error.column == 3)
    #expect(error.description.hasPrefix("\(path), line 3, column 3"))
    #expect(error.description.contains("too few fields (2 instead of the header's 3)"))
  }

  @Test func raggedRowTooMany() throws {
    let (e, path) = try csvLoadError("a,b\n1,2\n3,4,5\n")
    let error = try #require(e)
    #expect(error.kind == .raggedRow && error.line == 3 && error.column == 3)
    #expect(error.description.contains(path) && error.description.contains("too many fields"))
  }

  @Test func nonNumericCell() throws {
    let (e, path) = try csvLoadError("age,bmi,y\n1,2,3\n4,abc,6\n")
    let error = try #require(e)
    #expect(error.kind == .nonNumeric && error.line == 3 && error.column == 2 && error.columnName == "bmi")
    #expect(error.description == "\(path), line 3, column 2 (\"bmi\"): non-numeric value \"abc\"; every data cell must be a number like 3, -0.5 or 1e-3 (use '.' as decimal point)")
  }

  @Test func emptyCellAndDecimalComma() throws {
    let (e1, _) = try csvLoadError("a,b\n1,\n")
    let error1 = try #require(e1)
    #expect(error1.kind == .nonNumeric && error1.line == 2 && error1.column == 2 && error1.description.contains("empty cell"))
    let (e2, _) = try csvLoadError("a,b\n\"1,5\",2\n")
    let error2 = try #require(e2)
    #expect(error2.kind == .nonNumeric && error2.line == 2 && error2.column == 1 && error2.description.contains("\"1,5\""))
  }

  @Test(arguments: ["nan", "NaN", "inf", "-Infinity", "1e400"])
  func nonFiniteCell(cell: String) throws {
    let (e, path) = try csvLoadError("a,b,c\n1,2,3\n4,5,6\n7,\(cell),9\n")
    let error = try #require(e)
    #expect(error.kind == .nonFinite && error.line == 4 && error.column == 2)
    #expect(error.description.hasPrefix("\(path), line 4, column 2 (\"b\")"))
  }

  @Test func lineNumbersCountNewlinesInsideQuotes() throws {
    // The quoted header cell spans lines 1–2, so the bad cell is on line 4.
    let (e, _) = try csvLoadError("\"a\nb\",c\n1,2\nx,3\n")
    let error = try #require(e)
    #expect(error.kind == .nonNumeric && error.line == 4 && error.column == 1)
  }

  @Test func emptyFileAndHeaderOnly() throws {
    let (e1, p1) = try csvLoadError("")
    let error1 = try #require(e1)
    #expect(error1.kind == .emptyData && error1.line == 1 && error1.description.hasPrefix("\(p1), line 1:"))
    let (e2, p2) = try csvLoadError("a,b\n\n")
    let error2 = try #require(e2)
    #expect(error2.kind == .emptyData && error2.line == 2 && error2.description.hasPrefix("\(p2), line 2:"))
  }

  @Test func unknownTargetColumn() throws {
    let (e, path) = try csvLoadError("a,b,c\n1,2,3\n", targets: [.name("z")])
    let error = try #require(e)
    #expect(error.kind == .unknownTargetColumn && error.line == 1)
    #expect(error.description.hasPrefix("\(path), line 1: unknown target column \"z\""))
    #expect(error.description.contains("0:a, 1:b, 2:c"))
    let (e2, _) = try csvLoadError("a,b,c\n1,2,3\n", targets: [.index(3)])
    #expect(e2?.kind == .unknownTargetColumn)
    let (e3, _) = try csvLoadError("a,b\n1,2\n", targets: [.index(0), .index(1)])
    #expect(e3?.description.contains("no feature column") == true)
    let (e4, _) = try csvLoadError("a,b,c\n1,2,3\n", targets: [.index(1), .name("b")])
    #expect(e4?.description.contains("selected twice") == true)
  }

  @Test func syntaxErrors() throws {
    let cases: [(String, Int, Int, String)] = [
      ("a,b\n1,\"2\n", 2, 2, "unterminated quoted field"),
      ("a,b\n1,\"2\"x\n", 2, 2, "text after the closing quote"),
      ("a,b\n1,2\"3\n", 2, 2, "a quote (\") inside an unquoted field"),
    ]
    for (text, line, column, phrase) in cases {
      let (e, path) = try csvLoadError(text)
      let error = try #require(e)
      #expect(error.kind == .malformedCSV)
      #expect(error.description.hasPrefix("\(path), line \(line), column \(column): \(phrase)"), "\(error)")
    }
    let (e, _) = try csvLoadError("a,b\n1,2\n\n3,4\n")
    let error = try #require(e)
    #expect(error.kind == .malformedCSV && error.line == 3 && error.description.contains("blank line inside the data"))
  }

  @Test func missingFile() {
    #expect {
      try CSVReader.loadDataset(path: "/nonexistent/zerogap.csv")
    } throws: { e in
      (e as? DataError)?.description == "/nonexistent/zerogap.csv: no such file; check the path"
    }
  }

  @Test func inspectionCollectsEveryProblem() throws {
    let text = "a,b,c\n1,2,3\n4,x,6\n7,8\n10,nan,\n13,14,15\n"
    let report = try DataInspection.inspectCSV(text, file: "bad.csv")
    #expect(report.rows == 5 && report.columns == 3)
    #expect(report.problemCount == 4)
    #expect(report.problems.map(\.kind) == [.nonNumeric, .raggedRow, .nonFinite, .nonNumeric])
    #expect(report.problems.map { $0.line ?? 0 } == [3, 4, 5, 5])
    #expect(report.problems.map { $0.column ?? 0 } == [2, 3, 2, 3])
    // Statistics use only the valid cells: column a = {1, 4, 10, 13}, b = {2, 14}, c = {3, 6, 15}.
    let a = report.columnStatistics[0], b = report.columnStatistics[1], c = report.columnStatistics[2]
    #expect(a.count == 4 && a.mean == 7 && a.minimum == 1 && a.maximum == 13)
    expectClose(a.standardDeviation ?? .nan, (22.5 as Double).squareRoot(), relative: 1e-15)  // ((36+9+9+36)/4)
    #expect(b.count == 2 && b.mean == 8 && b.standardDeviation == 6)
    #expect(c.count == 3 && c.mean == 8 && c.distinctCount == 3)
    let capped = try DataInspection.inspectCSV(text, file: "bad.csv", maxProblems: 1)
    #expect(capped.problems.count == 1 && capped.problemCount == 4)
  }
}
