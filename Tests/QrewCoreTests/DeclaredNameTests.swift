import QrewCore
import Testing

/// `WorkflowLoader.declaredName`: the top-level `name` of a text read without loading it (what
/// `qctl submit` names the run of a big file after), agreeing with what the loader decodes.
@Suite struct DeclaredNameTests {
    @Test(arguments: [
        ("name: build\nsteps:\n  - id: a\n    run: [true]\n", "build"),
        ("steps:\n  - id: a\n    run: [true]\n    with: { name: inner }\nname: last-key\n", "last-key"),
        ("# comment\nname: \"quoted name\"\nsteps: []\n", "quoted name"),
        ("{\"steps\": [{\"id\": \"a\", \"run\": [\"true\"]}],\n\t\"name\": \"from-json\"}", "from-json"),
        ("? [complex, key]\n: 1\nname: after-complex\n", "after-complex"),
        ("defaults: &d { name: anchored }\nname: real\n", "real"),
    ])
    func findsTheTopLevelName(text: String, name: String) {
        #expect(WorkflowLoader.declaredName(in: text) == name)
    }

    @Test(arguments: [
        "",
        "# only a comment\n",
        "- name: a list\n",
        "steps:\n  - id: a\n    name: nested-only\n",
        "name: [not, a, scalar]\nsteps: []\n",
        "steps: [unclosed\nname: late\n",
        "plain scalar document",
    ])
    func givesNilWhenThereIsNoReadableScalarName(text: String) {
        #expect(WorkflowLoader.declaredName(in: text) == nil)
    }

    @Test func agreesWithTheLoaderOnAValidWorkflow() throws {
        let text = """
            steps:
              - id: a
                type: echo
                with: { message: "name: not this" }
            name: nightly-etl
            """
        #expect(WorkflowLoader.declaredName(in: text) == (try WorkflowLoader.load(text: text).name))
    }

    @Test func readsTheNameOfAManyStepWorkflowPastItsSteps() {
        var text = "steps:\n"
        for index in 0..<20_000 { text += "  - { id: s\(index), type: echo, with: { message: x } }\n" }
        text += "name: big\n"
        #expect(WorkflowLoader.declaredName(in: text) == "big")
    }
}
