import Foundation
import Testing

/// `zerogap path` through the real binary.
@Suite struct PathCommandTests {
  /// Every row of the path equals a cold `fit` at its β (1e-6 relative), warm starts take fewer iterations in total
  /// than cold starts on the same path, and the chosen β has the smallest validation error.
  @Test func rowsEqualColdFitsAndWarmStartsSaveIterations() throws {
    let warm = try runZerogap(["path", "--data", "diabetes", "--betas", "auto:8", "--validation", "0", "--json"])
    #expect(warm.status == 0, "\(warm.stderr)")
    let w = try ReLUCommandTests.jsonObject(warm.stdout)
    let rows = try #require(w["rows"] as? [[String: Any]])
    #expect(rows.count == 8)
    #expect(w["chosen_beta"] is NSNull)  // no validation part
    let betaMax = try #require(w["beta_max"] as? Double)
    #expect(abs((rows[0]["beta"] as? Double ?? 0) - betaMax) <= 1e-12 * betaMax)
    #expect(rows[0]["neurons"] as? Int == 0)  // β_max: the zero network
    for r in rows {
      let beta = try #require(r["beta"] as? Double)
      let fit = try runZerogap(["fit", "--data", "diabetes", "--beta", String(describing: beta), "--json"])
      #expect(fit.status == 0, "\(fit.stderr)")
      let f = try ReLUCommandTests.jsonObject(fit.stdout)
      let a = try #require(r["objective"] as? Double), b = try #require(f["objective"] as? Double)
      #expect(abs(a - b) <= 1e-6 * b, "β \(beta): path \(a), cold fit \(b)")
      #expect((r["lower_bound"] as? Double ?? .infinity) <= a)
    }
    let cold = try runZerogap(["path", "--data", "diabetes", "--betas", "auto:8", "--validation", "0", "--cold", "--json"])
    let c = try ReLUCommandTests.jsonObject(cold.stdout)
    let warmTotal = try #require(w["total_iterations"] as? Int), coldTotal = try #require(c["total_iterations"] as? Int)
    #expect(warmTotal < coldTotal, "warm \(warmTotal) vs cold \(coldTotal)")
  }

  @Test func validationChoosesAndSaves() throws {
    let dir = try temporaryDirectory()
    let r = try runZerogap(["path", "--data", "diabetes", "--betas", "20000,5000,1000,100", "--validation", "0.25", "--seed", "3",
      "--output-dir", dir.path, "--export-chosen", "--json"])
    #expect(r.status == 0, "\(r.stderr)")
    let j = try ReLUCommandTests.jsonObject(r.stdout)
    let rows = try #require(j["rows"] as? [[String: Any]])
    let errors = rows.map { $0["validation_error"] as? Double ?? .infinity }
    let best = try #require(errors.indices.min { errors[$0] < errors[$1] })
    #expect(j["chosen_beta"] as? Double == rows[best]["beta"] as? Double)
    #expect(rows.map { $0["beta"] as? Double ?? 0 } == [20000, 5000, 1000, 100])
    #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("model.json").path))
    #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("model.safetensors").path))
    // The saved model is the chosen fit: its training objective is that row's.
    let again = try runZerogap(["path", "--data", "diabetes", "--betas", "100", "--output-dir", dir.path, "--validation", "0.25"])
    #expect(again.status != 0 && again.stderr.contains("--force"), "\(again.stderr)")
    let bad = try runZerogap(["path", "--data", "diabetes", "--betas", "1,-2"])
    #expect(bad.status == 64)
  }
}
