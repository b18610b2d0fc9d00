import Foundation
import Testing
@testable import ZeroGap

@Suite struct JSONReadingTests {
  @Test func roundTripIsExact() throws {
    var gen = SeededGenerator(seed: 1)
    let xs = (0..<200).map { _ in gen.nextNormal() * pow(10, Double(Int(gen.nextUniform() * 40) - 20)) } + [0, -0.0, Double.leastNonzeroMagnitude, Double.greatestFiniteMagnitude]
    let v = JSON.object([("a", .numbers(xs)), ("s", .string("é \"q\" \\ \n")), ("b", .bool(true)), ("n", .null), ("o", .object([]))])
    let back = try JSON.parse(v.serialized())
    let ys = try #require(back["a"]?.arrayValue?.compactMap { $0.doubleValue })
    #expect(ys.count == xs.count)
    for (x, y) in zip(xs, ys) { #expect(x.bitPattern == y.bitPattern || (x == 0 && y == 0)) }
    #expect(back["s"]?.stringValue == "é \"q\" \\ \n")
    #expect(back["b"]?.boolValue == true && back["n"] == .null)
  }

  @Test func malformedTextIsRefused() {
    #expect(throws: DecodingError.self) { try JSON.parse("{\"a\": [1, 2,, 3]}") }
    #expect(throws: DecodingError.self) { try JSON.parse("[1] x") }
    #expect(throws: DecodingError.self) { try JSON.parse("\"abc") }
    #expect(throws: DecodingError.self) { try JSON.parse("[1e999]") }
    #expect(throws: DecodingError.self) { try JSON.parse(String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)) }
  }
}
