extension ValidationPass {
    /// Above this many steps, unknown dependencies get no "did you mean" hint (it costs a scan of
    /// every id per problem).
    private static let suggestionStepLimit = 10_000

    /// Checks `dependsOn` and template references and returns the dependency graph
    /// (explicit plus implicit edges, unknown targets dropped, duplicates removed).
    mutating func resolveDependencies(indexByID: [String: Int]) -> AdjacencyList {
        let steps = workflow.steps
        var sources: [Int] = []
        var destinations: [Int] = []
        sources.reserveCapacity(steps.count * 3)
        destinations.reserveCapacity(steps.count * 3)
        // lastAddedBy[d] == i means step i already has an edge to d.
        var lastAddedBy = [Int](repeating: -1, count: steps.count)

        for index in steps.indices {  // by index: iterating would copy every (large) step
            let stepID: String? = steps[index].id.isEmpty ? nil : steps[index].id
            func addEdge(to target: Int) {
                guard lastAddedBy[target] != index else { return }
                lastAddedBy[target] = index
                sources.append(index)
                destinations.append(target)
            }
            for (position, dependency) in steps[index].dependsOn.enumerated() {
                if let target = indexByID[dependency] {
                    addEdge(to: target)
                } else {
                    let hint = steps.count <= Self.suggestionStepLimit
                        ? KeySuggester.hint(for: dependency, among: steps.lazy.map(\.id)) : nil
                    report(.missingDependency, field: "steps[\(index)].dependsOn[\(position)]", stepID: stepID,
                           "depends on unknown step '\(dependency)'", hint: hint ?? "declare a step with id '\(dependency)' or remove the dependency")
                }
            }
            if let target = checkDynamicMatrix(of: steps[index], at: index, indexByID: indexByID) { addEdge(to: target) }
            for target in conditionTargets(of: steps[index], index: index, indexByID: indexByID) { addEdge(to: target) }
            guard steps[index].mayContainTemplates else { continue }
            for (field, text) in steps[index].templatedFields where Template.mayContainReference(text) {
                for target in checkTemplate(
                    text, field: "steps[\(index)].\(field)", step: steps[index], indexByID: indexByID,
                    secretsAllowed: steps[index].allowsSecrets(inField: field)) {
                    addEdge(to: target)
                }
            }
        }
        return AdjacencyList(nodeCount: steps.count, sources: sources, destinations: destinations)
    }

    /// `text` parsed as a template, or nil after reporting why it does not parse (`hint`: the
    /// references the field may hold).
    mutating func parsedTemplate(_ text: String, field: String, stepID: String?, hint: String) -> Template? {
        do {
            return try Template(parsing: text)
        } catch {
            report(.badReference, field: field, stepID: stepID, error.description, hint: hint)
            return nil
        }
    }

    /// Validates one templated string and returns the steps whose output it uses.
    private mutating func checkTemplate(
        _ text: String, field: String, step: Step, indexByID: [String: Int], secretsAllowed: Bool
    ) -> [Int] {
        let stepID: String? = step.id.isEmpty ? nil : step.id
        guard let template = parsedTemplate(
            text, field: field, stepID: stepID,
            hint: "write ${{ steps.ID.output }}, ${{ matrix.KEY }}, ${{ params.NAME }}, ${{ run.id }} or ${{ secrets.NAME }}")
        else { return [] }
        var targets: [Int] = []
        for reference in template.references {
            switch reference {
            case .stepOutput(let id):
                if id == step.id {
                    report(.badReference, field: field, stepID: stepID, "\(reference) refers to the step itself",
                           hint: "a step cannot use its own output")
                } else if let target = indexByID[id] {
                    targets.append(target)
                } else {
                    report(.badReference, field: field, stepID: stepID, "\(reference) refers to unknown step '\(id)'",
                           hint: KeySuggester.hint(for: id, among: indexByID.count <= Self.suggestionStepLimit ? Array(indexByID.keys).sorted() : []))
                }
            case .matrix(let key):
                if !step.matrix.hasKey(key) && step.dynamicMatrix?.key != key {
                    let keys = step.matrix.axes.map(\.key)
                    report(.badReference, field: field, stepID: stepID, "\(reference) but the step has no matrix key '\(key)'",
                           hint: KeySuggester.hint(for: key, among: keys)
                               ?? (keys.isEmpty ? "add matrix: { \(key): [...] } to the step" : "matrix keys: \(keys.joined(separator: ", "))"))
                }
            case .param(let name):
                if workflow.params[name] == nil {
                    report(.badReference, field: field, stepID: stepID, "\(reference) refers to undeclared parameter '\(name)'",
                           hint: KeySuggester.hint(for: name, among: workflow.params.keys.sorted())
                               ?? "declare it under 'params:'")
                }
            case .runID:
                break
            case .secret:
                if !secretsAllowed { reportMisplacedSecret(reference, field: field, step: step) }
            }
        }
        return targets
    }

    /// Reports one cycle per strongly connected component, printed in dependency direction.
    mutating func checkCycles(in dependencies: AdjacencyList) {
        for cycle in CycleFinder.cycles(in: dependencies) {
            let start = workflow.steps[cycle[0]]
            let next = workflow.steps[cycle[1]]
            let path = cycle.map { "'\(workflow.steps[$0].id)'" }.joined(separator: " -> ")
            let plainPath = cycle.map { workflow.steps[$0].id }.joined(separator: " -> ")
            report(.cycle, field: "steps[\(cycle[0])].\(edgeField(from: start, to: next.id))", stepID: start.id,
                   "dependency cycle: \(plainPath)",
                   hint: "'a -> b' means a depends on b; remove one dependency of \(path)")
        }
    }

    /// Where in `step` the dependency on `target` is written, for locating a cycle.
    private func edgeField(from step: Step, to target: String) -> String {
        if let position = step.dependsOn.firstIndex(of: target) {
            return "dependsOn[\(position)]"
        }
        let reference = TemplateReference.stepOutput(target)
        for (field, text) in step.templatedFields {
            if let template = try? Template(parsing: text), template.references.contains(reference) {
                return field
            }
        }
        return "dependsOn"
    }
}
