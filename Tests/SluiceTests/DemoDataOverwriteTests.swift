import Foundation
import SluiceCore
import Testing
import Worker

/// `sluice demo-data` never writes over a pipeline's inputs unless `--force`, and the first-use
/// bootstrap writes only the demo files that are missing.
@Suite("Demo data does not overwrite existing files")
struct DemoDataOverwriteTests {
    /// 2026-03-11 14:25:00 UTC.
    private let end = Date(timeIntervalSince1970: 1_773_239_100)

    private func contents(_ directory: String) -> [String: Data] {
        var files: [String: Data] = [:]
        for name in DemoData.fileNames {
            files[name] = FileManager.default.contents(atPath: directory + "/" + name)
        }
        return files
    }

    @Test func withoutForceExistingFilesAreListedAndLeftAlone() throws {
        let space = try Workspace()
        try DemoData.write(orders: 300, to: space.path("demo"), endingAt: end, seed: 7)
        try FileManager.default.removeItem(atPath: space.path("demo/products.csv"))
        let before = contents(space.path("demo"))

        let error = #expect(throws: DemoDataError.self) {
            try DemoData.write(orders: 300, to: space.path("demo"), endingAt: end, seed: 8, existing: .refuse)
        }
        #expect(error?.message == "\(space.path("demo")) already holds customers.csv, orders.csv, order_items.csv, which a pipeline "
            + "may read; nothing was written. Pass --force to overwrite them, or --out to write somewhere else.")
        #expect(contents(space.path("demo")) == before)
        #expect(!FileManager.default.fileExists(atPath: space.path("demo/products.csv")))

        // An empty (or new) folder is written as usual.
        #expect(try DemoData.write(orders: 300, to: space.path("fresh"), endingAt: end, seed: 8, existing: .refuse) == DemoData.fileNames)
        #expect(DemoData.existingFiles(in: space.path("fresh")) == DemoData.fileNames)
    }

    @Test func withForceEveryFileIsReplaced() throws {
        let space = try Workspace()
        try DemoData.write(orders: 300, to: space.path("demo"), endingAt: end, seed: 7)
        try DemoData.write(orders: 300, to: space.path("reference"), endingAt: end, seed: 8)
        #expect(contents(space.path("demo")) != contents(space.path("reference")))

        #expect(try DemoData.write(orders: 300, to: space.path("demo"), endingAt: end, seed: 8, existing: .replace) == DemoData.fileNames)
        #expect(contents(space.path("demo")) == contents(space.path("reference")))
    }

    @Test func keepingExistingFilesWritesOnlyTheMissingOnes() throws {
        let space = try Workspace()
        try DemoData.write(orders: 300, to: space.path("reference"), endingAt: end, seed: 42)
        try space.write("demo/orders.csv", "order_id,customer_id\n1,1\n")

        let written = try DemoData.write(orders: 300, to: space.path("demo"), endingAt: end, seed: 42, existing: .keepExisting)
        #expect(written == ["customers.csv", "products.csv", "order_items.csv"])
        #expect(try String(contentsOfFile: space.path("demo/orders.csv"), encoding: .utf8) == "order_id,customer_id\n1,1\n")
        let reference = contents(space.path("reference"))
        for name in written { #expect(contents(space.path("demo"))[name] == reference[name], "\(name)") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: space.path("demo")).sorted() == DemoData.fileNames.sorted())
        #expect(try DemoData.write(orders: 300, to: space.path("demo"), endingAt: end, existing: .keepExisting).isEmpty)
    }

    @Test func theFirstUseBootstrapKeepsAnEditedInputAndWritesTheRest() throws {
        let space = try Workspace()
        try FileManager.default.copyItem(atPath: Workspace.repositoryRoot + "/manifest", toPath: space.path("manifest"))
        try? FileManager.default.removeItem(atPath: space.path("manifest/demo"))
        let edited = "order_id,customer_id,status,state,order_date,purchased_at,approved_at,delivered_at,updated_at,total\n"
        try space.write("manifest/demo/orders.csv", edited)

        _ = try space.application(manifestPath: "manifest/sluice.yml", slack: nil, clock: TestClock())
        #expect(try String(contentsOfFile: space.path("manifest/demo/orders.csv"), encoding: .utf8) == edited)
        #expect(DemoData.existingFiles(in: space.path("manifest/demo")) == DemoData.fileNames)
    }
}
