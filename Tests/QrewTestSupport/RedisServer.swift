// Placeholder.
public enum QrewTestSupportPlaceholder {}
