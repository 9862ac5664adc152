import Foundation
import Testing

/// docs/openapi.yaml is a valid OpenAPI 3 description (openapi-spec-validator) and matches a
/// live qrew-web (schemathesis: every documented status, content type and schema, no 500).
/// Skipped with a message when the PyPI packages are missing (scripts/install-deps.sh installs them).
@Suite("OpenAPITests", .serialized, .timeLimit(.minutes(5)))
struct OpenAPITests {
    static let spec = PythonTool.repositoryRoot + "/docs/openapi.yaml"

    @Test(.enabled(if: PythonTool.hasModule("openapi_spec_validator"),
                   "openapi-spec-validator is not installed: pip install openapi-spec-validator"))
    func theDescriptionIsValidOpenAPI3() throws {
        let script = """
            import sys
            from openapi_spec_validator import validate
            from openapi_spec_validator.readers import read_from_filename
            spec, _ = read_from_filename(sys.argv[1])
            validate(spec)
            assert spec["openapi"].startswith("3."), spec["openapi"]
            print("valid")
            """
        let result = try PythonTool.run("python3", ["-c", script, Self.spec])
        #expect(result.status == 0, "\(result.output)")
    }

    @Test(.enabled(if: PythonTool.hasModule("schemathesis"), "schemathesis is not installed: pip install schemathesis"))
    func aLiveServerMatchesTheDescription() async throws {
        try await withWebCluster(namespace: "webschema") { web in
            // A real run, so that some generated requests meet existing data too.
            let id = try web.submit("name: schema\nsteps:\n  - id: a\n    run: [\"sh\", \"-c\", \"echo hi\"]\n")
            _ = try await web.waitFinished(id)
            let result = try PythonTool.run("schemathesis", [
                "run", Self.spec, "--url", "http://127.0.0.1:\(web.port)", "--max-examples", "25",
                "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
                "--exclude-path-regex", "/events$", "--workers", "1", "--seed", "1",
            ], timeout: .seconds(240), directory: FileManager.default.temporaryDirectory.path)  // its cache, out of the tree
            #expect(result.status == 0, "\(result.output.suffix(6000))\n\(web.logs)")
            // The event stream is left out above (a generated request for a real run would follow
            // it); its refusals are checked by hand.
            #expect(try web.client.get("/api/runs/\(id)/events", headers: ["Last-Event-ID": "x"]).status == 400)
            #expect(web.web.exited == nil, "qrew-web survived")
        }
    }
}
