import Testing
@testable import ZeroGap

/// `GapRate`'s prediction against the linear-rate arithmetic it states: gaps falling by 10× every 10 iterations reach
/// 10⁻⁶ from 10⁻² in 40 more; none before `window + 1` records; infinite when the gap did not fall; zero at the
/// tolerance; only the last `window + 1` records count.
@Suite struct GapRateTests {
  @Test func predictsFromTheLinearRate() throws {
    var rate = GapRate(window: 1)
    #expect(rate.remaining(to: 1e-6) == nil)
    rate.record(iteration: 0, gap: 1e-1)
    #expect(rate.remaining(to: 1e-6) == nil)
    rate.record(iteration: 10, gap: 1e-2)
    let r = try #require(rate.remaining(to: 1e-6))
    #expect(abs(r - 40) <= 1e-9)
    // A slower rate over the last window replaces the earlier one: 10× in 100 iterations, from 10⁻³ to 10⁻⁶.
    rate.record(iteration: 110, gap: 1e-3)
    #expect(abs(try #require(rate.remaining(to: 1e-6)) - 300) <= 1e-8)
  }

  @Test func stalledOrFinishedGaps() {
    var rate = GapRate(window: 2)
    rate.record(iteration: 0, gap: 1e-3)
    rate.record(iteration: 10, gap: .infinity)  // skipped: no finite gap yet at that check
    rate.record(iteration: 20, gap: 1e-3)
    #expect(rate.remaining(to: 1e-6) == nil, "two finite records are fewer than window + 1")
    rate.record(iteration: 30, gap: 1e-3)
    #expect(rate.remaining(to: 1e-6) == .infinity)
    rate.record(iteration: 40, gap: 1e-7)
    #expect(rate.remaining(to: 1e-6) == 0)
  }
}
