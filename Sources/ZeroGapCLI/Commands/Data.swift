import ArgumentParser
import Foundation
import ZeroGap

extension ZeroGapCommand {
  /// `zerogap data …`: look at data files and the built-in datasets.
  struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "data",
      abstract: "Inspect data files (CSV, .npy) and list the built-in datasets.",
      subcommands: [Inspect.self, Datasets.self]
    )

    /// `zerogap data inspect FILE`: shape, column statistics and problems found.
    struct Inspect: ParsableCommand {
      static let configuration = CommandConfiguration(
        abstract: "Show the shape, per-column statistics and every problem of a CSV or .npy file (or a built-in dataset).",
        discussion: """
          FILE is a CSV file with a header row, a .npy file, or the name of a built-in dataset \
          (see `zerogap data datasets`). Exits with status 1 if problems are found.
          """
      )
      @Argument(help: "A .csv or .npy file, or a built-in dataset name.") var file: String
      @Option(help: "List at most this many problems.") var maxProblems = 20
      @Option(help: "Seed for the synthetic built-in datasets.") var seed: UInt64 = 0
      @Flag(help: "Print machine-readable JSON.") var json = false

      func validate() throws {
        guard maxProblems >= 0 else { throw ValidationError("--max-problems must be ≥ 0 (got \(maxProblems))") }
      }

      func run() throws {
        if !FileManager.default.fileExists(atPath: file), BuiltinDatasets.names.contains(file) {
          let summary = DatasetSummary(try BuiltinDatasets.load(file, seed: seed))
          if json {
            print(summary.json.serialized())
          } else {
            summary.lines.forEach { print($0) }
          }
          return
        }
        guard FileManager.default.fileExists(atPath: file) else {
          throw CommandFailure("\(file): no such file, and not a built-in dataset (built-in: \(BuiltinDatasets.names.joined(separator: ", ")))")
        }
        if !json, let size = (try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? Int, size > 32 << 20 {
          printError("reading \(file) (\(MemoryBudget.format(size)))…")
        }
        let report = try DataInspection.inspect(path: file, maxProblems: maxProblems)
        if json {
          print(report.json.serialized())
        } else {
          report.lines.forEach { print($0) }
        }
        if report.problemCount > 0 {
          let first = report.problems.first.map { " (first: \($0))" } ?? ""
          FileHandle.standardError.write(Data("Error: \(file): \(report.problemCount) problem\(report.problemCount == 1 ? "" : "s") found\(first)\n".utf8))
          throw ExitCode.failure
        }
      }
    }

    /// `zerogap data datasets`: the built-in datasets.
    struct Datasets: ParsableCommand {
      static let configuration = CommandConfiguration(abstract: "List the built-in datasets (usable by name).")
      @Flag(help: "Print machine-readable JSON.") var json = false

      func run() throws {
        let entries = BuiltinDatasets.catalog
        if json {
          print(JSON.array(entries.map { e in
            .object([
              "name": .string(e.name), "task": .string(e.task), "samples": .number(Double(e.samples)),
              "features": .number(Double(e.features)), "targets": .number(Double(e.targets)),
              "synthetic": .bool(e.synthetic), "summary": .string(e.summary),
            ])
          }).serialized())
          return
        }
        let width = entries.map(\.name.count).max() ?? 0
        for e in entries {
          let shape = "\(e.samples)×\(e.features)→\(e.targets)"
          print(e.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + shape.padding(toLength: 12, withPad: " ", startingAt: 0)
            + "  " + e.task.padding(toLength: 14, withPad: " ", startingAt: 0) + "  " + e.summary)
        }
      }
    }
  }
}
