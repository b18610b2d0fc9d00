/// The ZeroGap release, shown by `zerogap --version` and recorded in saved models.
public enum ZeroGapVersion {
  public static let string = "0.1.0"
}
