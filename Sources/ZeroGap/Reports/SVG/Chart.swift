/// A 2-D chart as inline SVG: axes with nice ticks and labels, any number of series drawn as lines, markers or bars,
/// and a legend. Composable pieces rather than one function per figure: a figure is a `Chart` value with its series.
/// Non-finite points (and non-positive ones on a log axis) are skipped, never written.
public struct Chart: Sendable {
  public enum Style: Sendable, Equatable {
    case line
    case dashed
    case markers
    case lineAndMarkers
    case bars
  }

  public struct Series: Sendable {
    public var name: String
    public var points: [(x: Double, y: Double)]
    public var style: Style
    public var color: String

    public init(name: String, points: [(x: Double, y: Double)], style: Style = .line, color: String? = nil) {
      self.name = name
      self.points = points
      self.style = style
      self.color = color ?? ""
    }
  }

  /// Colour-blind-safe palette (Okabe–Ito).
  public static let palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]

  public var title: String
  public var xLabel: String
  public var yLabel: String
  public var series: [Series]
  public var xKind: AxisScale.Kind
  public var yKind: AxisScale.Kind
  public var width: Double
  public var height: Double

  public init(
    title: String, xLabel: String, yLabel: String, series: [Series], xKind: AxisScale.Kind = .linear,
    yKind: AxisScale.Kind = .linear, width: Double = 660, height: Double = 340
  ) {
    self.title = title
    self.xLabel = xLabel
    self.yLabel = yLabel
    self.series = series.enumerated().map { k, s in
      var s = s
      if s.color.isEmpty { s.color = Chart.palette[k % Chart.palette.count] }
      return s
    }
    self.xKind = xKind
    self.yKind = yKind
    self.width = width
    self.height = height
  }

  /// Margins: left for the y tick labels, bottom for the x ticks and label, right for the legend.
  var plotArea: (left: Double, top: Double, right: Double, bottom: Double) { (72, 34, width - 215, height - 52) }

  /// The x axis; with bar series it reaches half the smallest spacing of the bars beyond the first and last, so that
  /// every bar lies inside the plot.
  public var xAxis: AxisScale {
    var xs = series.flatMap { $0.points.map(\.x) }
    let bars = Array(Set(series.filter { $0.style == .bars }.flatMap { $0.points.map(\.x) }.filter(\.isFinite))).sorted()
    if let lo = bars.first, let hi = bars.last {
      let spacing = zip(bars, bars.dropFirst()).map { $1 - $0 }.min() ?? 1
      xs += [lo - spacing / 2, hi + spacing / 2]
    }
    return AxisScale(covering: xs, kind: xKind)
  }
  public var yAxis: AxisScale {
    var ys = series.flatMap { $0.points.map(\.y) }
    if series.contains(where: { $0.style == .bars }) && yKind == .linear { ys.append(0) }
    return AxisScale(covering: ys, kind: yKind)
  }

  /// The chart as an `<svg>` element (self-contained, no script, no external font).
  public var svg: String {
    let (l, t, r, b) = plotArea
    let xa = xAxis, ya = yAxis
    func px(_ v: Double) -> Double? { xa.fraction(v).map { l + $0 * (r - l) } }
    func py(_ v: Double) -> Double? { ya.fraction(v).map { b - $0 * (b - t) } }
    let c = SVGText.coordinate
    var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"\(c(width))\" height=\"\(c(height))\" viewBox=\"0 0 \(c(width)) \(c(height))\" role=\"img\" aria-label=\"\(SVGText.escape(title))\">\n"
    out += "<rect x=\"0\" y=\"0\" width=\"\(c(width))\" height=\"\(c(height))\" fill=\"#ffffff\"/>\n"
    out += "<text x=\"\(c(width / 2))\" y=\"20\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">\(SVGText.escape(title))</text>\n"
    // Grid and ticks.
    for tick in xa.ticks { if let x = px(tick) {
      out += "<line x1=\"\(c(x))\" y1=\"\(c(t))\" x2=\"\(c(x))\" y2=\"\(c(b))\" stroke=\"#e5e5e5\"/>\n"
      out += "<text x=\"\(c(x))\" y=\"\(c(b + 16))\" text-anchor=\"middle\" font-size=\"11\">\(SVGText.escape(xa.label(tick)))</text>\n"
    } }
    for tick in ya.ticks { if let y = py(tick) {
      out += "<line x1=\"\(c(l))\" y1=\"\(c(y))\" x2=\"\(c(r))\" y2=\"\(c(y))\" stroke=\"#e5e5e5\"/>\n"
      out += "<text x=\"\(c(l - 6))\" y=\"\(c(y + 4))\" text-anchor=\"end\" font-size=\"11\">\(SVGText.escape(ya.label(tick)))</text>\n"
    } }
    out += "<rect x=\"\(c(l))\" y=\"\(c(t))\" width=\"\(c(r - l))\" height=\"\(c(b - t))\" fill=\"none\" stroke=\"#333333\"/>\n"
    out += "<text x=\"\((c((l + r) / 2)))\" y=\"\(c(height - 12))\" text-anchor=\"middle\" font-size=\"12\">\(SVGText.escape(xLabel))</text>\n"
    out += "<text x=\"16\" y=\"\(c((t + b) / 2))\" text-anchor=\"middle\" font-size=\"12\" transform=\"rotate(-90 16 \(c((t + b) / 2)))\">\(SVGText.escape(yLabel))</text>\n"
    // Series.
    let barSeries = series.filter { $0.style == .bars }
    let xs = Array(Set(barSeries.flatMap { $0.points.map(\.x) })).sorted()
    let slot = xs.count > 1 ? zip(xs, xs.dropFirst()).compactMap { a, b2 in px(b2).flatMap { pb in px(a).map { pb - $0 } } }.min() ?? 40 : 40
    let barWidth = Swift.max(2, 0.8 * slot / Double(Swift.max(1, barSeries.count)))
    var barIndex = 0
    for s in series {
      let pts = s.points.compactMap { p -> (Double, Double)? in
        guard let x = px(p.x), let y = py(p.y) else { return nil }
        return (x, y)
      }
      switch s.style {
      case .line, .dashed, .lineAndMarkers:
        if pts.count >= 2 {
          let d = pts.enumerated().map { ($0.offset == 0 ? "M" : "L") + c($0.element.0) + " " + c($0.element.1) }.joined(separator: " ")
          out += "<path d=\"\(d)\" fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"2\"\(s.style == .dashed ? " stroke-dasharray=\"6 4\"" : "")/>\n"
        }
        if s.style == .lineAndMarkers || pts.count == 1 {
          for (x, y) in pts { out += "<circle cx=\"\(c(x))\" cy=\"\(c(y))\" r=\"3\" fill=\"\(s.color)\"/>\n" }
        }
      case .markers:
        for (x, y) in pts { out += "<circle cx=\"\(c(x))\" cy=\"\(c(y))\" r=\"3.5\" fill=\"\(s.color)\"/>\n" }
      case .bars:
        let base = py(ya.kind == .linear ? Swift.max(ya.lower, Swift.min(0, ya.upper)) : ya.lower) ?? b
        let offset = (Double(barIndex) - Double(barSeries.count - 1) / 2) * barWidth
        for (x, y) in pts {
          let top = Swift.min(y, base), h = Swift.max(0.5, abs(base - y))
          out += "<rect x=\"\(c(x + offset - barWidth / 2))\" y=\"\(c(top))\" width=\"\(c(barWidth))\" height=\"\(c(h))\" fill=\"\(s.color)\"/>\n"
        }
        barIndex += 1
      }
    }
    // Legend.
    for (k, s) in series.enumerated() {
      let y = t + 8 + Double(k) * 18
      let swatch = s.style == .markers
        ? "<circle cx=\"\(c(r + 22))\" cy=\"\(c(y))\" r=\"4\" fill=\"\(s.color)\"/>"
        : "<line x1=\"\(c(r + 12))\" y1=\"\(c(y))\" x2=\"\(c(r + 32))\" y2=\"\(c(y))\" stroke=\"\(s.color)\" stroke-width=\"\(s.style == .bars ? 8 : 2)\"\(s.style == .dashed ? " stroke-dasharray=\"6 4\"" : "")/>"
      out += swatch + "\n<text x=\"\(c(r + 38))\" y=\"\(c(y + 4))\" font-size=\"11\">\(SVGText.escape(s.name))</text>\n"
    }
    out += "</svg>"
    return out
  }

  /// The plotted numbers as CSV: `series,x,y` (every point, finite or not, as the library computed it).
  public var csv: String {
    var out = "series,x,y\n"
    for s in series {
      let name = "\"" + s.name.map { $0 == "\"" ? "\"\"" : String($0) }.joined() + "\""
      for p in s.points { out += "\(name),\(p.x),\(p.y)\n" }
    }
    return out
  }
}
