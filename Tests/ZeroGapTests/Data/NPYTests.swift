import Foundation
import Testing
@testable import ZeroGap

/// Path of a committed fixture written by numpy 2.4 (see Fixtures/npy/make_fixtures.py).
func npyFixture(_ name: String) throws -> String {
  let url = try #require(Bundle.module.url(forResource: name, withExtension: "npy", subdirectory: "Fixtures/npy"))
  return url.path
}

/// The fixtures' closed forms: float a[i, j] = (10i + j)/3, int a[i, j] = 10i − 7j, for i < 3, j < 4.
func fixtureFloat(_ i: Int, _ j: Int) -> Double { Double(10 * i + j) / 3 }
func fixtureInt(_ i: Int, _ j: Int) -> Double { Double(10 * i - 7 * j) }
func fixtureMatrix(_ f: (Int, Int) -> Double) -> Matrix {
  Matrix((0..<3).map { i in (0..<4).map { j in f(i, j) } })
}

@Suite("NPY read/write")
struct NPYTests {
  @Test(arguments: [
    ("f8_c", NPY.DType.float64, false), ("f8_fortran", .float64, true), ("f8_v2", .float64, false),
    ("f8_bigendian", .float64, false),
  ])
  func readsNumpyFloat64(name: String, dtype: NPY.DType, fortran: Bool) throws {
    let a = try NPY.read(path: npyFixture(name))
    #expect(a.shape == [3, 4] && a.dtype == dtype && a.fortranOrder == fortran)
    #expect(a.matrix == fixtureMatrix(fixtureFloat))  // exact: same IEEE division in numpy and Swift
  }

  @Test(arguments: ["f4_c", "f4_fortran"])
  func readsNumpyFloat32(name: String) throws {
    let a = try NPY.read(path: npyFixture(name))
    #expect(a.dtype == .float32)
    // numpy rounds to nearest float32, as Float(_:) does.
    #expect(a.matrix == fixtureMatrix { Double(Float(fixtureFloat($0, $1))) })
    #expect(a.matrix != fixtureMatrix(fixtureFloat))
  }

  @Test(arguments: [("i8_c", NPY.DType.int64), ("i4_fortran", .int32), ("i2_c", .int16)])
  func readsNumpyIntegers(name: String, dtype: NPY.DType) throws {
    let a = try NPY.read(path: npyFixture(name))
    #expect(a.dtype == dtype)
    #expect(a.matrix == fixtureMatrix(fixtureInt))
  }

  @Test func readsOneDimensionalAndBool() throws {
    let u = try NPY.read(path: npyFixture("u1_1d"))
    #expect(u.shape == [10] && u.dtype == .uint8)
    #expect(u.matrix == Matrix(column: (0..<10).map { Double((37 * $0) % 256) }))
    let f = try NPY.read(path: npyFixture("f8_1d"))
    #expect(f.matrix == Matrix(column: [-0.5, -0.25, 0, 0.25, 0.5]))
    let b = try NPY.read(path: npyFixture("bool_c"))
    #expect(b.dtype == .bool)
    #expect(b.matrix == fixtureMatrix { fixtureInt($0, $1) > 0 ? 1 : 0 })
  }

  /// Our writer produces byte-for-byte what numpy.save produced (numpy is the independent oracle).
  @Test(arguments: [
    ("f8_c", NPY.DType.float64, false, false), ("f8_fortran", .float64, true, false), ("f4_c", .float32, false, false),
    ("f4_fortran", .float32, true, false), ("i8_c", .int64, false, false), ("i4_fortran", .int32, true, false),
    ("i2_c", .int16, false, false), ("u1_1d", .uint8, false, true), ("f8_1d", .float64, false, true),
    ("bool_c", .bool, false, false),
  ])
  func writerMatchesNumpyBytes(name: String, dtype: NPY.DType, fortran: Bool, oneD: Bool) throws {
    let path = try npyFixture(name)
    let numpyBytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    let a = try NPY.read(path: path)
    let ours = try NPY.encode(a.matrix, dtype: dtype, fortranOrder: fortran, oneDimensional: oneD)
    #expect(ours == numpyBytes)
  }

  @Test(arguments: NPY.DType.allCases)
  func roundTripsEveryDtypeAndOrder(dtype: NPY.DType) throws {
    var g = SeededGenerator(seed: 11)
    // Values every dtype can hold exactly: 0/1 for bool, small non-negative integers for unsigned,
    // small signed integers, and arbitrary doubles for float64 (float32 rounds: compare to Float(x)).
    let m = Matrix(rows: 5, columns: 3, columnMajor: (0..<15).map { _ -> Double in
      switch dtype {
      case .bool: return Double(g.nextIndex(below: 2))
      case .uint8, .uint16, .uint32, .uint64: return Double(g.nextIndex(below: 200))
      case .int8, .int16, .int32, .int64: return Double(g.nextIndex(below: 200) - 100)
      case .float32, .float64: return g.nextNormal() * 1e3
      }
    })
    let expected = dtype == .float32 ? m.map { Double(Float($0)) } : m
    let dir = try scratchDirectory()
    for fortran in [false, true] {
      let path = dir.appendingPathComponent("\(dtype.rawValue)-\(fortran).npy").path
      try NPY.write(m, to: path, dtype: dtype, fortranOrder: fortran)
      let back = try NPY.read(path: path)
      #expect(back.matrix == expected && back.shape == [5, 3] && back.dtype == dtype && back.fortranOrder == fortran)
      let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
      #expect(bytes.count == 128 + 15 * dtype.size)  // 64-byte aligned header, then the data
    }
  }

  @Test func handMadeVersion2Header() throws {
    // A header > 65535 bytes cannot happen for 2-D shapes, so check the version-2 reader on a
    // hand-made header instead: same payload as f8_c, 4-byte header length.
    let v1 = [UInt8](try Data(contentsOf: URL(fileURLWithPath: npyFixture("f8_c"))))
    let headerLength = Int(v1[8]) | Int(v1[9]) << 8
    let v2 = NPY.magic + [2, 0] + [UInt8(headerLength & 0xFF), UInt8(headerLength >> 8), 0, 0] + v1[10...]
    let a = try NPY.decode(v2, file: "v2.npy")
    #expect(a.matrix == fixtureMatrix(fixtureFloat))
  }

  // MARK: - Errors

  @Test func unsupportedFixtures() throws {
    let complexPath = try npyFixture("c16_c")
    #expect {
      try NPY.read(path: complexPath)
    } throws: { e in
      let d = e as? DataError
      return d?.kind == .unsupportedNPY && d?.description.hasPrefix("\(complexPath): unsupported dtype '<c16'") == true
    }
    #expect { try NPY.read(path: npyFixture("f8_3d")) } throws: { ($0 as? DataError)?.description.contains("3 dimensions") == true }
    #expect { try NPY.read(path: npyFixture("f8_empty")) } throws: { ($0 as? DataError)?.kind == .emptyData }
  }

  @Test func corruptHeaders() throws {
    let good = [UInt8](try Data(contentsOf: URL(fileURLWithPath: npyFixture("f8_c"))))
    func error(_ bytes: [UInt8]) -> DataError? {
      do {
        _ = try NPY.decode(bytes, file: "x.npy")
        return nil
      } catch { return error }
    }
    func withHeader(_ dict: String) -> [UInt8] {
      var h = Array(dict.utf8)
      while (10 + h.count + 1) % 64 != 0 { h.append(0x20) }
      h.append(0x0A)
      return NPY.magic + [1, 0, UInt8(h.count & 0xFF), UInt8(h.count >> 8)] + h + good[128...]
    }
    #expect(error(Array("hello world, not numpy".utf8))?.description == "x.npy: not a .npy file (it does not start with the magic string \\x93NUMPY); write it with numpy.save")
    #expect(error(NPY.magic + [9, 0] + good[8...])?.description.contains("unsupported .npy format version 9.0") == true)
    #expect(error(Array(good[0..<50]))?.kind == .invalidNPYHeader)  // header cut short
    #expect(error(Array(good.dropLast(8)))?.kind == .truncatedData)
    #expect(error(good + [0])?.kind == .truncatedData)
    #expect(error(withHeader("{'descr': '<f8', 'shape': (3, 4), }"))?.description.contains("no 'fortran_order' entry") == true)
    #expect(error(withHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (3, x), }"))?.kind == .invalidNPYHeader)
    #expect(error(withHeader("{'descr': '<f8' 'fortran_order': False, 'shape': (3, 4), }"))?.description.contains("expected ',' or '}'") == true)
    #expect(error(withHeader("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (3, 4), }"))?.description.contains("structured dtype") == true)
    #expect(error(withHeader("{'descr': '<f8', 'fortran_order': 1, 'shape': (3, 4), }"))?.kind == .invalidNPYHeader)
    // Key order and double quotes are accepted, as Python would.
    let reordered = withHeader("{\"shape\": (3, 4), \"fortran_order\": False, \"descr\": \"<f8\"}")
    #expect(try NPY.decode(reordered).matrix == fixtureMatrix(fixtureFloat))
  }

  @Test func nonFiniteValuesAreReportedWithTheirPosition() throws {
    var m = fixtureMatrix(fixtureFloat)
    m[2, 1] = .nan
    let bytes = try NPY.encode(m)
    #expect {
      try NPY.decode(bytes, file: "nan.npy")
    } throws: { e in
      (e as? DataError)?.description.hasPrefix("nan.npy: element [2, 1] (row 3, column 2) is nan") == true
    }
    #expect(try NPY.decode(bytes, allowNonFinite: true).matrix[2, 1].isNaN)
  }

  @Test func unrepresentableValuesAreRejectedOnWrite() {
    let m = Matrix([[1, 2.5]])
    #expect { try NPY.encode(m, dtype: .int32) } throws: {
      ($0 as? DataError)?.description == "element (row 1, column 2) = 2.5 is not representable as <i4 (Int32); write float64 instead"
    }
    #expect { try NPY.encode(Matrix([[300]]), dtype: .uint8) } throws: { ($0 as? DataError)?.kind == .unrepresentableValue }
    #expect { try NPY.encode(Matrix([[-1]]), dtype: .uint32) } throws: { ($0 as? DataError)?.kind == .unrepresentableValue }
    #expect { try NPY.encode(Matrix([[1e300]]), dtype: .float32) } throws: { ($0 as? DataError)?.kind == .unrepresentableValue }
    #expect { try NPY.encode(Matrix([[2]]), dtype: .bool) } throws: { ($0 as? DataError)?.kind == .unrepresentableValue }
    #expect { try NPY.encode(Matrix([[1, 2]]), oneDimensional: true) } throws: { ($0 as? DataError)?.kind == .invalidArgument }
  }

  @Test func datasetFromFeatureAndTargetFiles() throws {
    let ds = try NPY.loadDataset(featuresPath: npyFixture("f8_c"), targetsPath: npyFixture("i8_c"))
    #expect(ds.features == fixtureMatrix(fixtureFloat) && ds.targets == fixtureMatrix(fixtureInt))
    #expect(ds.name == "f8_c" && ds.targetNames == ["y1", "y2", "y3", "y4"])
    #expect { try NPY.loadDataset(featuresPath: npyFixture("f8_c"), targetsPath: npyFixture("u1_1d")) } throws: {
      ($0 as? DataError)?.description.contains("has 10 rows but the features file") == true
    }
  }
}
