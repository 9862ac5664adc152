extension Duration {
    /// Compact human form for error messages: "2s", "1.5s", "250ms".
    var qrewShortDescription: String {
        let ms = Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
        if ms < 1000 { return "\(Int(ms.rounded()))ms" }
        let s = ms / 1000
        if s == s.rounded() { return "\(Int(s))s" }
        return "\((s * 10).rounded() / 10)s"
    }
}
