/// A step's fan-out: ordered axes whose cartesian product gives one task per combination.
///
/// Axes keep declaration order because task ids (`build[os=linux,arch=x64]`) list keys that way.
public struct Matrix: Sendable, Hashable, Codable {
    /// One named axis and its values in declaration order.
    public struct Axis: Sendable, Hashable, Codable {
        /// The key, referenced as `${{ matrix.KEY }}`.
        public var key: String
        /// The values, in declaration order.
        public var values: [String]

        /// Creates an axis.
        public init(key: String, values: [String]) {
            self.key = key
            self.values = values
        }
    }

    /// The axes in declaration order; empty means no fan-out.
    public var axes: [Axis]

    /// Creates a matrix from axes in declaration order.
    public init(axes: [Axis] = []) {
        self.axes = axes
    }

    /// Whether the step fans out at all.
    public var isEmpty: Bool { axes.isEmpty }

    /// Whether an axis with this key exists.
    public func hasKey(_ key: String) -> Bool {
        axes.contains { $0.key == key }
    }

    /// The number of combinations, or `nil` if it exceeds `limit` (checked without overflow).
    public func combinationCount(upTo limit: Int) -> Int? {
        var count = 1
        for axis in axes {
            let (product, overflow) = count.multipliedReportingOverflow(by: axis.values.count)
            if overflow || product > limit { return nil }
            count = product
        }
        return count
    }

    /// All combinations in odometer order (last axis fastest), each as ordered bindings.
    public func combinations() -> [[MatrixBinding]] {
        var result: [[MatrixBinding]] = [[]]
        for axis in axes {
            var next: [[MatrixBinding]] = []
            next.reserveCapacity(result.count * axis.values.count)
            for prefix in result {
                for value in axis.values {
                    next.append(prefix + [MatrixBinding(key: axis.key, value: value)])
                }
            }
            result = next
        }
        return result
    }
}

/// One `key=value` of a matrix combination.
public struct MatrixBinding: Sendable, Hashable, Codable {
    /// Axis key.
    public var key: String
    /// Chosen value.
    public var value: String

    /// Creates a binding.
    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}
