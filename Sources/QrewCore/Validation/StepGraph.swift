/// Steps as integer nodes with their resolved dependencies (explicit `dependsOn` plus the implicit
/// ones from `${{ steps.X.output }}`), shared by validation and decomposition.
struct StepGraph: Sendable {
    /// Step index by id (first declaration wins for duplicates).
    let indexByID: [String: Int]
    /// Edge `a → b` means step `a` depends on step `b`; no duplicates per node.
    let dependencies: AdjacencyList
}
