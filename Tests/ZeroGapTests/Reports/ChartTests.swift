import Testing
@testable import ZeroGap

/// The SVG pieces of the report: tick choice, scaling, escaping, and that no non-finite coordinate is ever written.
@Suite struct ChartTests {
  @Test func niceTicksCoverTheData() {
    let a = AxisScale(covering: [0.13, 9.7])
    #expect(a.lower <= 0.13 && a.upper >= 9.7)
    #expect(a.ticks == [0, 2, 4, 6, 8, 10])
    #expect(AxisScale.niceStep(0.23) == 0.5 && AxisScale.niceStep(3) == 5 && AxisScale.niceStep(1) == 1 && AxisScale.niceStep(12) == 20)
    let single = AxisScale(covering: [5, 5])
    #expect(single.lower < 5 && single.upper > 5)
    let empty = AxisScale(covering: [.nan, .infinity])
    #expect(empty.lower.isFinite && empty.upper.isFinite && empty.lower < empty.upper)
    let log = AxisScale(covering: [3e-7, 2, -1, 0], kind: .log10)
    #expect(log.lower == 1e-7 && log.upper == 10)
    #expect(log.fraction(0) == nil && log.fraction(-1) == nil)
    #expect(abs(log.fraction(1e-3)! - 0.5) <= 1e-12)
    #expect(log.label(1e-3) == "1e-3")
  }

  @Test func scalingMapsTheRangeOntoTheUnitInterval() {
    let a = AxisScale(covering: [0, 10])
    #expect(a.fraction(a.lower) == 0 && a.fraction(a.upper) == 1)
    #expect(abs(a.fraction(5)! - 0.5) <= 1e-12)
    #expect(a.fraction(.nan) == nil)
  }

  /// Bars stay inside the plot: the x axis reaches half a spacing beyond the outer bars.
  @Test func barsFitInsideThePlot() {
    let chart = Chart(title: "t", xLabel: "x", yLabel: "y", series: [.init(name: "a", points: [(1, 2), (2, 3)], style: .bars), .init(name: "b", points: [(1, 1), (2, 4)], style: .bars)])
    let axis = chart.xAxis
    #expect(axis.lower <= 0.5 && axis.upper >= 2.5)
  }

  @Test func textIsEscaped() {
    #expect(SVGText.escape("a<b & \"c\" > 'd'") == "a&lt;b &amp; &quot;c&quot; &gt; &#39;d&#39;")
    let chart = Chart(title: "<script>", xLabel: "x & y", yLabel: "\"q\"", series: [.init(name: "a<b", points: [(0, 1), (1, 2)])])
    #expect(!chart.svg.contains("<script>"))
    #expect(chart.svg.contains("&lt;script&gt;") && chart.svg.contains("x &amp; y") && chart.svg.contains("a&lt;b"))
  }

  @Test func nonFinitePointsAreNeverWritten() {
    let chart = Chart(
      title: "t", xLabel: "x", yLabel: "y",
      series: [
        .init(name: "line", points: [(0, 1), (1, .nan), (2, .infinity), (3, 4), (.nan, 2)]),
        .init(name: "bars", points: [(0, 1), (1, -.infinity)], style: .bars),
        .init(name: "log", points: [(0, 0), (1, -3)], style: .markers),
      ], yKind: .log10)
    let svg = chart.svg
    for bad in ["nan", "inf", "NaN", "Inf"] { #expect(!svg.contains(bad), "\(bad) in the SVG") }
    #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>"))
    // The CSV keeps every number as computed.
    #expect(chart.csv.contains("nan") && chart.csv.hasPrefix("series,x,y\n"))
  }

  @Test func reportIsSelfContained() throws {
    let sine = try BuiltinDatasets.load("sine")
    let report = try ReproductionReport.build(data: .init(x: sine.features, y: sine.targets.column(0), name: "sine"), quick: true)
    let html = report.html
    #expect(report.figures.count >= 14 && report.missing.isEmpty)
    // No script, no resource from anywhere (the only URL is the SVG namespace, which is not fetched).
    #expect(!html.contains("<script") && !html.contains("https://") && !html.contains("src=") && !html.contains("url("))
    for f in report.figures { #expect(html.contains("id=\"\(f.id)\"") && !f.caption.isEmpty && f.csv.contains("\n")) }
    // The numbers behind a figure are the library's: the depth figure's P at L = 3 is MATH.md §1.4's 4.6201257346.
    let depth = try #require(report.figures.first { $0.id == "linear-depth" })
    #expect(depth.csv.contains("\"P standard\",3.0,4.620125734"))
    let toy = try #require(report.figures.first { $0.id == "branches" })
    #expect(toy.csv.contains("\"bound 2Δ/I\",1.0,0.0333333333"))
    // The ranks of §1.5's example (2, 2, 1, 1) and Example C's p* (§4.3).
    let ranks = try #require(report.figures.first { $0.id == "threshold-ranks" })
    #expect(ranks.csv.contains("\"rank\",2.0,2.0\n\"rank\",3.0,2.0\n\"rank\",4.0,1.0\n\"rank\",5.0,1.0"))
    let three = try #require(report.figures.first { $0.id == "three-layer" })
    // p* to the solver's certified 1e-6 (the printed digits beyond it depend on where the solve stopped).
    let optimum = try #require(three.csv.split(separator: "\n").first { $0.hasPrefix("\"convex optimum p*\",1.0,") })
    let value = try #require(Double(optimum.split(separator: ",").last.map(String.init) ?? ""))
    #expect(abs(value - 0.2749197692) <= 1e-6 * 0.2749197692)
  }
}
